#!/bin/sh
# One-shot (postgres image): the agent's own role and database on the PostgreSQL that Temporal
# already runs, for DATABASE_URL. Safe to re-run (an existing role gets the current password, an
# existing database is kept). The agent creates its tables itself (migrations at start).
# Collation "C": text sorts by bytes, as in SQLite, so ISO timestamps sort as times on both backends.
set -eu

: "${PGHOST:?}" "${PGUSER:?}" "${PGPASSWORD:?}" "${APP_DB_PASSWORD:?}"
APP_DB_USER="${APP_DB_USER:-seldenrijk}"
APP_DB_NAME="${APP_DB_NAME:-seldenrijk}"

until pg_isready -q -d postgres; do
    echo "waiting for PostgreSQL at $PGHOST"
    sleep 2
done

psql -v ON_ERROR_STOP=1 -q -d postgres -v user="$APP_DB_USER" -v password="$APP_DB_PASSWORD" -v db="$APP_DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'user', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L TEMPLATE template0',
              :'db', :'user', 'UTF8', 'C', 'C')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
echo "database $APP_DB_NAME for $APP_DB_USER is ready"
