#!/bin/sh
# Installs Debian's postgresql (server binaries under /usr/lib/postgresql/<version>/bin) for the store
# tests on PostgreSQL, but only when no server is there (CI images may already have one). The tests
# start their own throw-away server on 127.0.0.1 (tests/postgres_server.py); the package's own
# cluster is not used.
set -eu

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
echo "installed: $(ls -d /usr/lib/postgresql/*/bin)"
