"""`seldenrijk db import-sqlite`: copy a host's SQLite stores into the PostgreSQL of DATABASE_URL.

For an installation that ran on SQLite (one host, `/data`) and now sets DATABASE_URL: the CRM
record, bookings, the sent ledger, the snapshot, the privacy audit and the @lid map come along.
Each SQLite file is first brought to the current schema by its own store (its migrations), then
its rows are inserted with `ON CONFLICT DO NOTHING`: running it twice copies nothing twice, and
rows already in PostgreSQL win. Staff-facing output is Dutch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config import Settings
from integrations.db import Database, SqliteDatabase, database_url, open_database

# store name (its file and its database name) -> (opens and migrates a database, its tables with their keys)
TABLES: dict[str, list[tuple[str, str]]] = {
    "sent": [("sent", "reply_id"), ("attempts", "reply_id")],
    "crm": [("leads", "phone"), ("transcript", "id"), ("score_history", "id"), ("failures", "id")],
    "inventory": [("listings", "source, car_id"), ("source_status", "source"), ("listing_details", "source, car_id")],
    "testdrives": [("test_drives", "booking_id")],
    "privacy": [("privacy_audit", "id"), ("privacy_keys", "name")],
    "lids": [("lids", "lid")],
    "intake": [("intake", "id")],  # messages accepted but not yet handed to Temporal
}
SERIAL_TABLES = {"transcript", "score_history", "failures", "privacy_audit", "intake"}


def _store_opener(name: str) -> Callable[[Database], object]:
    """The store class for a database: opening it applies that store's migrations."""
    from integrations.intake_store import IntakeStore
    from integrations.lid_store import LidStore
    from integrations.local_crm import LocalCrm
    from integrations.privacy_audit import PrivacyAudit
    from integrations.sent_ledger import SentLedger
    from integrations.testdrive_store import SqlTestDriveStore
    from inventory.store import InventoryStore

    return {"sent": SentLedger, "crm": LocalCrm, "inventory": InventoryStore, "testdrives": SqlTestDriveStore,
            "privacy": PrivacyAudit, "lids": LidStore,
            "intake": IntakeStore}[name]


def copy_table(source: Database, target: Database, table: str, key: str) -> int:
    rows = source.execute(f"SELECT * FROM {table}").fetchall()
    if not rows:
        return 0
    names = list(rows[0].keys())
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING"
    copied = 0
    with target.transaction() as tx:
        for row in rows:
            copied += tx.execute(sql, tuple(row)).rowcount
        if table in SERIAL_TABLES and target.dialect == "postgresql":  # new rows continue after the copied ids
            tx.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
    return copied


def import_sqlite(settings: Settings, data_dir: Path) -> dict[str, int]:
    """Rows copied per table (absent files are skipped)."""
    if not database_url(settings):
        raise SystemExit("DATABASE_URL is niet ingesteld: er is geen PostgreSQL om naartoe te kopiëren.")
    copied: dict[str, int] = {}
    for name, tables in TABLES.items():
        path = data_dir / f"{name}.sqlite3"
        if not path.exists():
            continue
        opener = _store_opener(name)
        source, target = SqliteDatabase(path), open_database(settings, name)
        try:
            opener(source), opener(target)  # both at the current schema
            for table, key in tables:
                copied[table] = copy_table(source, target, table, key)
            if name == "inventory":  # every worker's catalog reloads the copied snapshot
                target.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='version'")
        finally:
            source.close()
    return copied


async def cmd_db(args, settings: Settings) -> int:
    data_dir = Path(args.from_dir) if args.from_dir else Path(settings.data_dir)
    copied = import_sqlite(settings, data_dir)
    if not copied:
        print(f"Geen SQLite-bestanden gevonden in {data_dir}.")
        return 1
    for table, count in copied.items():
        print(f"{table:16} {count:6} rijen gekopieerd")
    return 0
