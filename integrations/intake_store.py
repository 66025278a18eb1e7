"""The webhook's durable intake: customer messages accepted but not yet handed to Temporal.

`<DATA_DIR>/intake.sqlite3`, or the shared PostgreSQL with DATABASE_URL. The webhook writes a row
and answers at once; the forwarder (starter/intake_forwarder.py) signals the chat's workflow and
deletes the row. It is a queue, not an archive: message text is personal data, so a row lives only
until Temporal has it (or, refused for good, until someone looks at it).

A row is claimed by one API process at a time (`claimed_by`, `claim_until`: a lease the owner
renews), so with several API replicas on one PostgreSQL a crashed replica's rows are delivered by
another once its lease runs out. Times: `accepted_at` ISO UTC text, `claim_until` epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from integrations.db import Database, Migration, SqliteDatabase, migrate, open_database

MIGRATIONS = [
    Migration(1, "CREATE TABLE IF NOT EXISTS intake (id {autoid}, chat_id TEXT NOT NULL, phone TEXT NOT NULL, "
                 "sender_name TEXT, signal TEXT NOT NULL, payload TEXT NOT NULL, accepted_at TEXT NOT NULL, "
                 "attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, claimed_by TEXT, claim_until {real}, "
                 "refused_at TEXT);"
                 "CREATE INDEX IF NOT EXISTS intake_chat ON intake (chat_id, id)"),
]
COLUMNS = "id, chat_id, phone, sender_name, signal, payload, accepted_at, attempts, last_error, claimed_by, " \
          "claim_until, refused_at"


@dataclass(frozen=True)
class IntakeRow:
    id: int
    chat_id: str
    phone: str
    sender_name: str | None
    signal: str
    payload: str  # the signal's argument as JSON
    accepted_at: datetime
    attempts: int = 0
    last_error: str | None = None
    claimed_by: str | None = None
    claim_until: float | None = None
    refused_at: datetime | None = None

    def held_by_other(self, owner: str, now: float) -> bool:
        """Another live process is delivering it (its lease has not run out)."""
        return self.claimed_by not in (None, owner) and (self.claim_until or 0) > now


def _row(values) -> IntakeRow:
    return IntakeRow(
        id=int(values[0]), chat_id=values[1], phone=values[2], sender_name=values[3], signal=values[4],
        payload=values[5], accepted_at=datetime.fromisoformat(values[6]), attempts=int(values[7]),
        last_error=values[8], claimed_by=values[9],
        claim_until=None if values[10] is None else float(values[10]),
        refused_at=None if values[11] is None else datetime.fromisoformat(values[11]),
    )


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class IntakeStore:
    def __init__(self, target: Path | Database):
        """`target`: a SQLite file or an open database (`from_settings`)."""
        self._db = target if isinstance(target, Database) else SqliteDatabase(target)
        migrate(self._db, "intake", MIGRATIONS)

    @classmethod
    def from_settings(cls, settings) -> "IntakeStore":
        return cls(open_database(settings, "intake"))

    @property
    def db(self) -> Database:
        return self._db

    def add(self, chat_id: str, phone: str, sender_name: str | None, signal: str, payload: str,
            owner: str | None = None, claim_until: float | None = None) -> int:
        """A newly accepted message, already claimed by the process that will deliver it; its id."""
        row = self._db.execute(
            "INSERT INTO intake (chat_id, phone, sender_name, signal, payload, accepted_at, claimed_by, claim_until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (chat_id, phone, sender_name, signal, payload, _now_iso(), owner, claim_until),
        ).fetchone()
        return int(row[0])

    def get(self, row_id: int) -> IntakeRow | None:
        row = self._db.execute(f"SELECT {COLUMNS} FROM intake WHERE id = ?", (row_id,)).fetchone()
        return None if row is None else _row(row)

    def head(self, chat_id: str) -> IntakeRow | None:
        """The chat's oldest message still to deliver: nothing of that chat may overtake it."""
        row = self._db.execute(
            f"SELECT {COLUMNS} FROM intake WHERE chat_id = ? AND refused_at IS NULL ORDER BY id LIMIT 1", (chat_id,)
        ).fetchone()
        return None if row is None else _row(row)

    def waiting_in_chat(self, chat_id: str) -> int:
        return int(self._db.execute(
            "SELECT COUNT(*) FROM intake WHERE chat_id = ? AND refused_at IS NULL", (chat_id,)).fetchone()[0])

    def owns_any(self, chat_id: str, owner: str) -> bool:
        return self._db.execute(
            "SELECT 1 FROM intake WHERE chat_id = ? AND claimed_by = ? AND refused_at IS NULL LIMIT 1",
            (chat_id, owner)).fetchone() is not None

    def claim(self, row_id: int, owner: str, until: float, now: float) -> bool:
        """Take a row that is unclaimed, ours, or whose owner's lease ran out (a crashed process)."""
        return self._db.execute(
            "UPDATE intake SET claimed_by = ?, claim_until = ? WHERE id = ? AND refused_at IS NULL AND "
            "(claimed_by IS NULL OR claimed_by = ? OR claim_until IS NULL OR claim_until < ?)",
            (owner, until, row_id, owner, now),
        ).rowcount == 1

    def renew(self, owner: str, until: float) -> int:
        return self._db.execute(
            "UPDATE intake SET claim_until = ? WHERE claimed_by = ? AND refused_at IS NULL", (until, owner)
        ).rowcount

    def release(self, owner: str) -> int:
        """At a clean shutdown: the rows are free for the next process or another replica at once."""
        return self._db.execute(
            "UPDATE intake SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = ?", (owner,)).rowcount

    def take_over_all(self, owner: str, until: float) -> int:
        """One host (SQLite): whatever an earlier process left is this process's to deliver now."""
        return self._db.execute(
            "UPDATE intake SET claimed_by = ?, claim_until = ? WHERE refused_at IS NULL", (owner, until)).rowcount

    def chats_to_deliver(self, owner: str, now: float) -> list[str]:
        """Chats with rows this process holds or may take (unclaimed or lease run out), oldest first."""
        rows = self._db.execute(
            "SELECT chat_id, MIN(id) AS first_id FROM intake WHERE refused_at IS NULL AND (claimed_by IS NULL OR "
            "claimed_by = ? OR claim_until IS NULL OR claim_until < ?) GROUP BY chat_id ORDER BY first_id",
            (owner, now),
        ).fetchall()
        return [row[0] for row in rows]

    def delivered(self, row_id: int) -> None:
        self._db.execute("DELETE FROM intake WHERE id = ?", (row_id,))

    def failed(self, row_id: int, error: str) -> None:
        self._db.execute("UPDATE intake SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                         (error[:500], row_id))

    def refuse(self, row_id: int, error: str) -> None:
        """Temporal refused it for good: kept (never silently lost), out of the delivery order."""
        self._db.execute(
            "UPDATE intake SET attempts = attempts + 1, last_error = ?, refused_at = ?, claimed_by = NULL, "
            "claim_until = NULL WHERE id = ?", (error[:500], _now_iso(), row_id))

    def refused(self) -> list[IntakeRow]:
        rows = self._db.execute(f"SELECT {COLUMNS} FROM intake WHERE refused_at IS NOT NULL ORDER BY id").fetchall()
        return [_row(row) for row in rows]

    def waiting(self) -> list[IntakeRow]:
        rows = self._db.execute(f"SELECT {COLUMNS} FROM intake WHERE refused_at IS NULL ORDER BY id").fetchall()
        return [_row(row) for row in rows]

    def retry_refused(self, row_id: int) -> bool:
        """A person put a refused row back in the queue (after fixing the cause): the next sweep sends it."""
        return self._db.execute(
            "UPDATE intake SET refused_at = NULL, claimed_by = NULL, claim_until = NULL "
            "WHERE id = ? AND refused_at IS NOT NULL", (row_id,)).rowcount == 1

    def drop_refused(self, row_id: int) -> bool:
        return self._db.execute("DELETE FROM intake WHERE id = ? AND refused_at IS NOT NULL", (row_id,)).rowcount == 1

    def backlog(self) -> dict:
        """For /healthz: messages waiting for Temporal, the oldest one's age, and refused ones."""
        waiting, oldest = self._db.execute(
            "SELECT COUNT(*), MIN(accepted_at) FROM intake WHERE refused_at IS NULL").fetchone()
        refused = self._db.execute("SELECT COUNT(*) FROM intake WHERE refused_at IS NOT NULL").fetchone()[0]
        age = None
        if oldest:
            age = round((datetime.now(timezone.utc) - datetime.fromisoformat(oldest)).total_seconds(), 3)
        return {"waiting": int(waiting), "oldest_seconds": age, "refused": int(refused)}

    # --- privacy (AVG): an undelivered message is the customer's text -----------------------------
    def _person(self, digits: str) -> tuple[str, tuple]:
        return ("phone = ? OR chat_id = ? OR chat_id = ?", (f"+{digits}", f"{digits}@c.us", f"{digits}@lid"))

    def export_phone(self, digits: str) -> list[dict]:
        where, params = self._person(digits)
        rows = self._db.execute(f"SELECT {COLUMNS} FROM intake WHERE {where} ORDER BY id", params).fetchall()
        return [{"chat_id": row.chat_id, "signal": row.signal, "payload": row.payload,
                 "accepted_at": row.accepted_at.isoformat(), "attempts": row.attempts,
                 "refused": row.refused_at is not None} for row in map(_row, rows)]

    def forget_phone(self, digits: str) -> int:
        where, params = self._person(digits)
        return self._db.execute(f"DELETE FROM intake WHERE {where}", params).rowcount

    def close(self) -> None:
        self._db.close()
