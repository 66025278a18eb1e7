"""One database layer under every store: SQLite files under DATA_DIR, or PostgreSQL when DATABASE_URL is set.

Stores write SQL once, in the subset both dialects share (`?` placeholders, `INSERT … ON CONFLICT`,
TEXT timestamps in UTC ISO form); this layer translates placeholders and runs it. With SQLite each
store keeps its own file (`sent.sqlite3`, `crm.sqlite3`, …) and one connection behind a lock; with
PostgreSQL every store lives in the one database, through one connection pool per process, so all
hosts share the ledger, the snapshot, the CRM record and the bookings.

Schema changes are forward-only migrations per store (`schema_migrations`), applied when a store
opens, under a lock so two workers starting at once apply each step exactly once.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

Dialect = Literal["sqlite", "postgresql"]

# Column types that differ: a migration writes {autoid} and gets the dialect's own.
TYPES = {
    "sqlite": {"autoid": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL"},
    "postgresql": {"autoid": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION"},
}


class Row(tuple):
    """A result row readable by position and by column name (like sqlite3.Row), for both dialects."""

    _names: tuple[str, ...]

    def __new__(cls, values: Sequence[Any], names: tuple[str, ...]):
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@dataclass
class Result:
    rows: list[Any]
    rowcount: int

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class Executor:
    """What a store runs SQL on: the database itself, or an open transaction."""

    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        for params in rows:
            self.execute(sql, params)


class Database(Executor):
    name: str

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[Executor]:
        """One transaction; `lock` serialises check-then-write sections across processes and hosts."""
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        pass


# --- SQLite: one file per store ------------------------------------------------------------------
class _SqliteTx(Executor):
    dialect: Dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection):
        self._db = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        cursor = self._db.execute(sql, tuple(params))
        return Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._db.executemany(sql, [tuple(row) for row in rows])


def _use_wal(connection: sqlite3.Connection, attempts: int = 300) -> None:
    """Switch the file to WAL (it stays so). Switching needs the file to itself and SQLite answers
    "locked" at once, without its busy wait, while another process opens the same new file; so
    wait a little and try again, and skip the switch when another opener already made it."""
    for attempt in range(attempts):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


class SqliteDatabase(Database):
    dialect: Dialect = "sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.name = self.path.stem
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one connection, used from worker threads too
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        _use_wal(self._db)
        self._db.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a fsync per write blocked the worker
        self._tx = _SqliteTx(self._db)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        with self._lock:
            return self._tx.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._tx.executemany(sql, rows)

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[Executor]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # the file's write lock: other processes wait
            try:
                yield self._tx
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


# --- PostgreSQL: one database, one pool per process ---------------------------------------------
_PLACEHOLDER = re.compile(r"\?")


def to_postgres(sql: str) -> str:
    """`?` placeholders become `%s` (and a literal `%` becomes `%%`)."""
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


def _row_factory(cursor):
    names = tuple(column.name for column in cursor.description or ())
    return lambda values: Row(values, names)


class _PostgresTx(Executor):
    dialect: Dialect = "postgresql"

    def __init__(self, connection):
        self._conn = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        cursor = self._conn.execute(to_postgres(sql), tuple(params) or None)
        return Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(row) for row in rows]
        if rows:
            self._conn.cursor().executemany(to_postgres(sql), rows)


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, name: str):
        self.url, self.name = url, name
        self._pool = _pool(url)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        with self._pool.connection() as connection:
            return _PostgresTx(connection).execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.transaction() as tx:
            tx.executemany(sql, rows)

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[Executor]:
        with self._pool.connection() as connection, connection.transaction():
            tx = _PostgresTx(connection)
            if lock:  # held until commit, on every host
                tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (lock,))
            yield tx


_POOLS: dict[str, Any] = {}
_POOLS_LOCK = threading.Lock()
POOL_MAX_SIZE = 8
POOL_OPEN_TIMEOUT = 15.0


class DatabaseUnavailable(RuntimeError):
    """DATABASE_URL is set but its server cannot be reached (or refuses the login)."""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _pool(url: str):
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            from psycopg_pool import ConnectionPool

            from psycopg_pool import PoolTimeout

            pool = ConnectionPool(
                url, min_size=1, max_size=POOL_MAX_SIZE, open=False, name="seldenrijk",
                kwargs={"autocommit": True, "row_factory": _row_factory},
            )
            try:  # a wrong DATABASE_URL fails the start, not the first message
                pool.open(wait=True, timeout=POOL_OPEN_TIMEOUT)
            except PoolTimeout as exc:
                pool.close()
                raise DatabaseUnavailable(f"no connection to DATABASE_URL ({redact(url)}) within "
                                          f"{POOL_OPEN_TIMEOUT:g} s") from exc
            _POOLS[url] = pool
        return pool


def close_pools(url: str | None = None) -> None:
    """Close the process's pools (all, or the one for `url`): at shutdown, and between tests."""
    with _POOLS_LOCK:
        for key in [key for key in _POOLS if url is None or key == url]:
            _POOLS.pop(key).close()


async def off_loop(db: Database, call: Callable[..., Any], *args: Any) -> Any:
    """A store call from async code: in a thread when it waits on the network (PostgreSQL), so the
    worker's event loop keeps going; inline for SQLite (a local file: microseconds, no thread hop)."""
    if db.dialect == "postgresql":
        return await asyncio.to_thread(call, *args)
    return call(*args)


# --- choosing the backend ----------------------------------------------------------------------
def database_url(settings) -> str | None:
    url = getattr(settings, "database_url", None)
    if url is None:
        return None
    value = url.get_secret_value() if hasattr(url, "get_secret_value") else str(url)
    return value or None


def open_database(settings, name: str) -> Database:
    """The store `name` ("sent", "crm", "inventory", "testdrives", "privacy"): in PostgreSQL when
    DATABASE_URL is set, else `<DATA_DIR>/<name>.sqlite3`."""
    url = database_url(settings)
    if url:
        return PostgresDatabase(url, name)
    return SqliteDatabase(Path(settings.data_dir) / f"{name}.sqlite3")


# --- migrations ---------------------------------------------------------------------------------
Step = str | Callable[[Executor], None]


@dataclass(frozen=True)
class Migration:
    version: int
    step: Step  # SQL statements separated by ";" ({autoid}, {real} filled per dialect), or a function


_MIGRATED: set[tuple[str, str, int]] = set()  # (database, store, version) brought up to date by this process


def migrate(db: Database, store: str, migrations: Sequence[Migration]) -> int:
    """Apply this store's migrations not yet applied, in order, each once; returns the version.
    Once per process and database: stores opened per request (the calendar feed, privacy) skip it."""
    latest = max((migration.version for migration in migrations), default=0)
    key = (str(getattr(db, "path", None) or getattr(db, "url", "")), store, latest)
    if key in _MIGRATED:
        return latest
    with db.transaction(lock="schema_migrations") as tx:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(store TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, version))"
        )
        done = {row[0] for row in tx.execute("SELECT version FROM schema_migrations WHERE store = ?", (store,))}
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in done:
                continue
            if callable(migration.step):
                migration.step(tx)
            else:
                sql = migration.step
                for token, kind in TYPES[db.dialect].items():
                    sql = sql.replace("{" + token + "}", kind)
                for statement in sql.split(";"):
                    if statement.strip():
                        tx.execute(statement)
            tx.execute(
                "INSERT INTO schema_migrations (store, version, applied_at) VALUES (?, ?, ?)",
                (store, migration.version, datetime.now(timezone.utc).isoformat()),
            )
            done.add(migration.version)
    if key[0] != ":memory:":  # every in-memory database is a new one
        _MIGRATED.add(key)
    return max(done, default=0)


def columns(tx: Executor, table: str) -> set[str]:
    """The table's columns (for SQLite files made before migrations existed)."""
    if tx.dialect == "sqlite":
        return {row[1] for row in tx.execute(f"PRAGMA table_info({table})")}
    rows = tx.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                      "AND table_schema = current_schema()", (table,))
    return {row[0] for row in rows}
