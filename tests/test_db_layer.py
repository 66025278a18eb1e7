"""The database layer under every store, on SQLite and on a real PostgreSQL: forward-only migrations
applied once (also when several workers start at once), a failed step leaves nothing behind, and a
wrong DATABASE_URL stops the start with a message that holds no password."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from integrations import db
from integrations.db import Migration, SqliteDatabase, migrate, open_database, to_postgres
from integrations.local_crm import LocalCrm
from integrations.sent_ledger import SentLedger
from integrations.testdrive_store import SqlTestDriveStore
from inventory.store import InventoryStore

FIRST = Migration(1, "CREATE TABLE notes (id {autoid}, body TEXT NOT NULL)")  # fails if ever run twice


def applied(database, store: str) -> list[int]:
    rows = database.execute("SELECT version FROM schema_migrations WHERE store = ? ORDER BY version", (store,))
    return [row[0] for row in rows]


def test_each_step_runs_once_and_new_steps_run_on_the_next_start(store_settings):
    database = open_database(store_settings, "notes")
    assert migrate(database, "notes", [FIRST]) == 1
    database.execute("INSERT INTO notes (body) VALUES (?)", ("eerste",))
    assert migrate(database, "notes", [FIRST]) == 1  # a restart: nothing to do
    second = Migration(2, "ALTER TABLE notes ADD COLUMN author TEXT; UPDATE notes SET author = 'Sanne'")
    assert migrate(database, "notes", [FIRST, second]) == 2
    assert [tuple(row) for row in database.execute("SELECT id, body, author FROM notes")] == [(1, "eerste", "Sanne")]
    assert applied(database, "notes") == [1, 2]
    database.close()


def test_a_failing_step_leaves_nothing_behind(store_settings):
    database = open_database(store_settings, "notes")
    migrate(database, "notes", [FIRST])
    broken = Migration(2, "CREATE TABLE half (id INTEGER); INSERT INTO no_such_table VALUES (1)")
    with pytest.raises(Exception):
        migrate(database, "notes", [FIRST, broken])
    assert applied(database, "notes") == [1]
    with pytest.raises(Exception):
        database.execute("SELECT * FROM half")
    database.close()


def test_workers_starting_at_once_migrate_every_store_once(store_settings):
    def start_worker(_: int) -> None:  # what a worker opens at start
        for store in (SentLedger.from_settings(store_settings), LocalCrm.from_settings(store_settings),
                      InventoryStore.from_settings(store_settings), SqlTestDriveStore.from_settings(store_settings)):
            store.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(start_worker, range(4)))
    database = open_database(store_settings, "sent")
    if database.dialect == "postgresql":  # one database: every store's steps in one table, each once
        rows = database.execute("SELECT store, COUNT(*), COUNT(DISTINCT version) FROM schema_migrations GROUP BY store")
        counts = {row[0]: (row[1], row[2]) for row in rows}
        assert set(counts) == {"sent_ledger", "local_crm", "inventory", "test_drives"}
        assert all(total == distinct for total, distinct in counts.values())
    assert applied(database, "sent_ledger") == [1]
    database.close()


def test_processes_opening_a_new_sqlite_file_at_once_all_get_it(tmp_path):
    # Switching a new file to WAL answered "database is locked" at once, without the busy wait,
    # for whichever opener lost the race (CI saw it on a worker start); every opener must succeed.
    def open_and_close(path: Path) -> str:
        database = SqliteDatabase(path)
        mode = database.execute("PRAGMA journal_mode").rows[0][0]
        database.close()
        return mode

    with ThreadPoolExecutor(4) as pool:
        for attempt in range(100):
            path = tmp_path / f"store-{attempt}.sqlite3"
            assert list(pool.map(open_and_close, [path] * 4)) == ["wal"] * 4


def test_placeholders_become_psycopg_ones():
    assert to_postgres("SELECT 1 WHERE a = ? AND b LIKE '10%'") == "SELECT 1 WHERE a = %s AND b LIKE '10%%'"


def test_an_unreachable_database_stops_the_start_without_showing_the_password(tmp_path, monkeypatch):
    from config import Settings
    from tests.peers.http_peer import free_port

    monkeypatch.setattr(db, "POOL_OPEN_TIMEOUT", 1.0)
    url = f"postgresql://seldenrijk:geheim123@127.0.0.1:{free_port()}/seldenrijk"
    with pytest.raises(db.DatabaseUnavailable) as failed:
        SentLedger.from_settings(Settings(_env_file=None, data_dir=tmp_path, database_url=url))
    assert "geheim123" not in str(failed.value) and "127.0.0.1" in str(failed.value)
    assert not list(tmp_path.glob("*.sqlite3"))  # no silent fallback to SQLite


def test_database_url_must_be_postgresql_and_its_password_never_shows(tmp_path):
    from pydantic import ValidationError

    from config import Settings

    assert Settings(_env_file=None, data_dir=tmp_path, database_url="").database_url is None  # empty: SQLite
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, data_dir=tmp_path, database_url="postgressql://seldenrijk:geheim123@db/seldenrijk")
    assert "postgresql://" in str(refused.value) and "geheim123" not in str(refused.value)
