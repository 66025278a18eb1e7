"""The inventory snapshot: SQLite under data_dir, or the shared PostgreSQL with DATABASE_URL (then
every host's worker answers from the snapshot that any one of them synced). One transaction per
source commit.

A failed scrape only records its error; a partial scrape refreshes what it saw; only a
complete scrape may mark missing cars as sold (kept, with sold_at, so the agent can say
"die is helaas verkocht" and suggest alternatives).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from agents.models import Car
from config import Settings
from integrations.db import Database, Executor, Migration, SqliteDatabase, migrate, open_database
from inventory.models import CachedDetails, CarDetails, CommitSnapshotResult, FetchSourceResult, SourceStatus

# A complete scrape that lost more than this share of a big stock is more likely a
# broken page than a sell-out: refresh what it saw, mark nothing sold.
MAX_SOLD_SHARE = 0.5
MIN_STOCK_FOR_GUARD = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    source TEXT NOT NULL,
    car_id TEXT NOT NULL,
    car_json TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    sold INTEGER NOT NULL DEFAULT 0,
    sold_at TEXT,
    PRIMARY KEY (source, car_id)
);
CREATE TABLE IF NOT EXISTS source_status (
    source TEXT PRIMARY KEY,
    status_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('version', '0') ON CONFLICT (key) DO NOTHING
"""
# Schema 1 (migration from 0: the table is new, nothing to convert): each car's detail-page facts,
# keyed by the car and its list-card fingerprint, so an unchanged car is not read again every sync.
DETAILS_SCHEMA = """
CREATE TABLE IF NOT EXISTS listing_details (
    source TEXT NOT NULL,
    car_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    details_json TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (source, car_id)
);
INSERT INTO meta (key, value) VALUES ('schema', '1') ON CONFLICT (key) DO UPDATE SET value='1'
"""
MIGRATIONS = [Migration(1, SCHEMA), Migration(2, DETAILS_SCHEMA)]


def store_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "inventory.sqlite3"


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


class InventoryStore:
    def __init__(self, target: Path | Database):
        """`target`: a SQLite file or an open database (`from_settings`)."""
        self._db = target if isinstance(target, Database) else SqliteDatabase(target)
        self.path = getattr(self._db, "path", None)
        migrate(self._db, "inventory", MIGRATIONS)

    @classmethod
    def from_settings(cls, settings: Settings) -> "InventoryStore":
        return cls(open_database(settings, "inventory"))

    @property
    def database(self) -> Database:
        return self._db

    def close(self) -> None:
        self._db.close()

    # --- reads ---------------------------------------------------------------
    def version(self) -> int:
        """Bumped by every commit, from any process: readers reload when it changes."""
        row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0])

    def listings(self, sources: list[str] | None = None, include_sold: bool = True) -> list[Car]:
        query = "SELECT source, car_json, first_seen, last_seen, sold, sold_at FROM listings"
        rows = self._db.execute(query + " ORDER BY source, car_id").fetchall()
        cars = []
        for source, car_json, first_seen, last_seen, sold, sold_at in rows:
            if (sources is not None and source not in sources) or (sold and not include_sold):
                continue
            car = Car.model_validate_json(car_json)
            cars.append(car.model_copy(update={
                "first_seen": datetime.fromisoformat(first_seen),
                "last_seen": datetime.fromisoformat(last_seen),
                "sold": bool(sold),
                "sold_at": datetime.fromisoformat(sold_at) if sold_at else None,
            }))
        return cars

    def status(self, source: str) -> SourceStatus:
        row = self._db.execute("SELECT status_json FROM source_status WHERE source=?", (source,)).fetchone()
        return SourceStatus.model_validate_json(row[0]) if row else SourceStatus(source=source)

    def statuses(self) -> list[SourceStatus]:
        rows = self._db.execute("SELECT status_json FROM source_status ORDER BY source").fetchall()
        return [SourceStatus.model_validate_json(row[0]) for row in rows]

    def cached_details(self, source: str) -> dict[str, CachedDetails]:
        """Every car's last detail-page facts for a source, by car id."""
        rows = self._db.execute(
            "SELECT car_id, fingerprint, details_json FROM listing_details WHERE source=?", (source,)
        ).fetchall()
        return {car_id: CachedDetails(fingerprint=fingerprint, details=CarDetails.model_validate_json(details))
                for car_id, fingerprint, details in rows}

    # --- writes --------------------------------------------------------------
    def save_details(self, source: str, car_id: str, cached: CachedDetails) -> None:
        fetched = _iso(cached.details.fetched_at or datetime.now(timezone.utc))
        self._db.execute(
            "INSERT INTO listing_details (source, car_id, fingerprint, details_json, fetched_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source, car_id) DO UPDATE SET fingerprint=excluded.fingerprint, "
            "details_json=excluded.details_json, fetched_at=excluded.fetched_at",
            (source, car_id, cached.fingerprint, cached.details.model_dump_json(), fetched),
        )

    def commit(self, result: FetchSourceResult) -> CommitSnapshotResult:
        """Apply one scrape of one source atomically (see the module docstring)."""
        with self._db.transaction(lock="inventory") as tx:
            outcome = self._apply(tx, result)
            tx.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='version'")
        return outcome

    def _apply(self, tx: Executor, result: FetchSourceResult) -> CommitSnapshotResult:
        source, now = result.source, _iso(result.fetched_at)
        status = self._status_locked(tx, source)
        status.last_attempt = result.fetched_at
        status.pages = result.pages
        if result.error:
            status.last_error, status.last_error_at = result.error, result.fetched_at
        if not result.cars and result.error:  # nothing usable: keep the previous snapshot as is
            status.complete = False
            self._save_status(tx, status)
            return CommitSnapshotResult(
                source=source, car_count=status.car_count, kept_previous=True, note=result.error
            )

        existing = {
            car_id: sold for car_id, sold in tx.execute(
                "SELECT car_id, sold FROM listings WHERE source=?", (source,)
            )
        }
        for car in result.cars:
            tx.execute(
                """INSERT INTO listings (source, car_id, car_json, first_seen, last_seen, sold, sold_at)
                   VALUES (?, ?, ?, ?, ?, 0, NULL)
                   ON CONFLICT (source, car_id) DO UPDATE SET
                       car_json=excluded.car_json, last_seen=excluded.last_seen, sold=0, sold_at=NULL""",
                (source, car.id, car.model_dump_json(exclude={"first_seen", "last_seen", "sold", "sold_at"}),
                 now, now),
            )
        seen = {car.id for car in result.cars}
        active_before = [car_id for car_id, sold in existing.items() if not sold]
        missing = [car_id for car_id in active_before if car_id not in seen]
        note = None
        may_mark_sold = result.complete and not result.error
        if may_mark_sold and len(active_before) >= MIN_STOCK_FOR_GUARD and len(missing) > MAX_SOLD_SHARE * len(active_before):
            may_mark_sold = False
            note = (f"{len(missing)} of {len(active_before)} cars missing at once: "
                    "not marked sold (suspect a broken page)")
        if may_mark_sold:
            tx.executemany(
                "UPDATE listings SET sold=1, sold_at=? WHERE source=? AND car_id=?",
                [(now, source, car_id) for car_id in missing],
            )
        counts = tx.execute(
            "SELECT SUM(CASE WHEN sold=0 THEN 1 ELSE 0 END), SUM(CASE WHEN sold=1 THEN 1 ELSE 0 END) "
            "FROM listings WHERE source=?", (source,)
        ).fetchone()
        status.car_count, status.sold_count = counts[0] or 0, counts[1] or 0
        status.complete = may_mark_sold
        if not result.error:
            status.last_success = result.fetched_at
            if note is None:
                status.last_error = None
        if note:
            status.last_error, status.last_error_at = note, result.fetched_at
        self._save_status(tx, status)
        return CommitSnapshotResult(
            source=source,
            car_count=status.car_count,
            added=len(seen - set(existing)),
            marked_sold=len(missing) if may_mark_sold else 0,
            note=note or result.error,
        )

    def _status_locked(self, tx: Executor, source: str) -> SourceStatus:
        row = tx.execute("SELECT status_json FROM source_status WHERE source=?", (source,)).fetchone()
        return SourceStatus.model_validate_json(row[0]) if row else SourceStatus(source=source)

    def _save_status(self, tx: Executor, status: SourceStatus) -> None:
        tx.execute(
            "INSERT INTO source_status (source, status_json) VALUES (?, ?) "
            "ON CONFLICT (source) DO UPDATE SET status_json=excluded.status_json",
            (status.source, status.model_dump_json()),
        )
