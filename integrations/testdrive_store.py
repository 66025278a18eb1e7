"""Test-drive bookings: the project's own store (SQLite under DATA_DIR, or PostgreSQL with DATABASE_URL).

`hold` and `move` check the slot and write it in one transaction under a lock (SQLite's write
lock, or a PostgreSQL advisory lock held on every host): two chats asking for the same car and
time can never both get it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel

from integrations.db import Database, Executor, Migration, SqliteDatabase, migrate, open_database

BookingState = Literal["held", "confirmed", "done", "no_show", "cancelled"]
ACTIVE_STATES = ("held", "confirmed")


class Booking(BaseModel):
    booking_id: str
    car_id: str
    car_title: str
    start: datetime
    end: datetime
    state: BookingState = "held"
    customer_phone: str
    customer_name: str | None = None
    chat_id: str
    sequence: int = 0  # iCalendar SEQUENCE: bumped on every move and on cancel
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class TestDriveStore(Protocol):
    def hold(self, booking: Booking, at_once: int) -> bool: ...
    def move(self, booking_id: str, start: datetime, end: datetime, at_once: int) -> bool: ...
    def set_state(self, booking_id: str, state: BookingState) -> Booking | None: ...
    def get(self, booking_id: str) -> Booking | None: ...
    def between(self, start: datetime, end: datetime) -> list[Booking]: ...
    def listing(self, day: date | None = None, tz=timezone.utc, include_closed: bool = True) -> list[Booking]: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS test_drives (
    booking_id TEXT PRIMARY KEY,
    car_id TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    state TEXT NOT NULL,
    booking_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS test_drives_start ON test_drives (start_at)
"""
MIGRATIONS = [Migration(1, SCHEMA)]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


class SqlTestDriveStore:
    def __init__(self, target: Path | str | Database):
        """`target`: a SQLite file or an open database (`from_settings`)."""
        self._db = target if isinstance(target, Database) else SqliteDatabase(target)
        migrate(self._db, "test_drives", MIGRATIONS)

    @classmethod
    def from_settings(cls, settings) -> "SqlTestDriveStore":
        return cls(open_database(settings, "testdrives"))

    def close(self) -> None:
        self._db.close()

    # --- writes: check and write in one locked transaction -------------------------------------
    def hold(self, booking: Booking, at_once: int) -> bool:
        """Reserve the slot; False when the car or the showroom is taken. Idempotent per id."""
        with self._db.transaction(lock="test_drives") as tx:
            existing = self._get(tx, booking.booking_id)
            if existing is not None:
                return existing.start == booking.start and existing.car_id == booking.car_id
            if not self._fits(tx, booking.car_id, booking.start, booking.end, at_once, None):
                return False
            self._write(tx, booking)
            return True

    def move(self, booking_id: str, start: datetime, end: datetime, at_once: int) -> bool:
        with self._db.transaction(lock="test_drives") as tx:
            current = self._get(tx, booking_id)
            if current is None or not current.active:
                return False
            if current.start == start:
                return True  # a retried activity: already moved
            if not self._fits(tx, current.car_id, start, end, at_once, booking_id):
                return False
            self._write(tx, current.model_copy(update={
                "start": start, "end": end, "sequence": current.sequence + 1, "updated_at": datetime.now(timezone.utc),
            }))
            return True

    def set_state(self, booking_id: str, state: BookingState) -> Booking | None:
        with self._db.transaction(lock="test_drives") as tx:
            current = self._get(tx, booking_id)
            if current is None:
                return None
            if current.state != state:
                bump = 1 if state == "cancelled" else 0
                current = current.model_copy(update={
                    "state": state, "sequence": current.sequence + bump, "updated_at": datetime.now(timezone.utc),
                })
                self._write(tx, current)
            return current

    # --- reads --------------------------------------------------------------------------------
    def get(self, booking_id: str) -> Booking | None:
        return self._get(self._db, booking_id)

    def between(self, start: datetime, end: datetime) -> list[Booking]:
        """Active bookings overlapping [start, end)."""
        rows = self._db.execute(
            "SELECT booking_json FROM test_drives WHERE state IN ('held', 'confirmed') AND start_at < ? AND end_at > ?"
            " ORDER BY start_at",
            (_iso(end), _iso(start)),
        ).fetchall()
        return [Booking.model_validate_json(row[0]) for row in rows]

    def listing(self, day: date | None = None, tz=timezone.utc, include_closed: bool = True) -> list[Booking]:
        query, args = "SELECT booking_json FROM test_drives", []
        if day is not None:
            first = datetime.combine(day, time(0), tzinfo=tz)
            query += " WHERE start_at >= ? AND start_at < ?"
            args = [_iso(first), _iso(first + timedelta(days=1))]
        rows = self._db.execute(query + " ORDER BY start_at", args).fetchall()
        bookings = [Booking.model_validate_json(row[0]) for row in rows]
        return bookings if include_closed else [b for b in bookings if b.active]

    # --- privacy (AVG) --------------------------------------------------------------------------
    def all_rows(self) -> list[tuple[str, dict]]:
        """(booking id, booking as JSON data) for every booking, for export and forget."""
        import json

        rows = self._db.execute("SELECT booking_id, booking_json FROM test_drives").fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def delete(self, booking_ids: list[str]) -> int:
        if not booking_ids:
            return 0
        marks = ",".join("?" * len(booking_ids))
        return self._db.execute(f"DELETE FROM test_drives WHERE booking_id IN ({marks})", booking_ids).rowcount

    def move_customer(self, old_phone: str, new_phone: str, chat_id: str) -> int:
        """An @lid chat merged into its phone's (issue 17): its bookings now name the number and its
        chat (staff lists, e-mails, a privacy request on the number). Idempotent."""
        from integrations.personal_data import digits_of

        moved = 0
        with self._db.transaction(lock="test_drives") as tx:
            rows = tx.execute("SELECT booking_json FROM test_drives").fetchall()
            for (raw,) in rows:
                booking = Booking.model_validate_json(raw)
                if digits_of(booking.customer_phone) == digits_of(old_phone):
                    self._write(tx, booking.model_copy(update={"customer_phone": new_phone, "chat_id": chat_id}))
                    moved += 1
        return moved

    # --- internals ----------------------------------------------------------------------------
    def _get(self, tx: Executor, booking_id: str) -> Booking | None:
        row = tx.execute("SELECT booking_json FROM test_drives WHERE booking_id = ?", (booking_id,)).fetchone()
        return Booking.model_validate_json(row[0]) if row else None

    def _fits(self, tx: Executor, car_id: str, start: datetime, end: datetime, at_once: int, ignore: str | None) -> bool:
        rows = tx.execute(
            "SELECT booking_id, car_id FROM test_drives WHERE state IN ('held', 'confirmed') AND start_at < ? AND end_at > ?",
            (_iso(end), _iso(start)),
        ).fetchall()
        rows = [row for row in rows if row[0] != ignore]
        return not any(row[1] == car_id for row in rows) and len(rows) < at_once

    def _write(self, tx: Executor, booking: Booking) -> None:
        tx.execute(
            "INSERT INTO test_drives (booking_id, car_id, start_at, end_at, state, booking_json) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(booking_id) DO UPDATE SET car_id=excluded.car_id, start_at=excluded.start_at,"
            " end_at=excluded.end_at, state=excluded.state, booking_json=excluded.booking_json",
            (booking.booking_id, booking.car_id, _iso(booking.start), _iso(booking.end), booking.state,
             booking.model_dump_json()),
        )


SqliteTestDriveStore = SqlTestDriveStore  # the name callers used before the PostgreSQL backend
