"""A record of messages already sent, so a retried send never sends twice.

One ledger for everything we send that a retry could repeat: customer replies (keyed by reply
id) and escalation alerts, e-mails and Chatwoot notes (keyed "<escalation id>:<channel>:<kind>").
`provider_id` is the WAHA message id (or Chatwoot message id, or e-mail Message-ID), which also
answers "is this WAHA message one we sent?" (`sent_by_us`) for echoes of our own sends.

A worker can die after WAHA accepted a message but before Temporal heard the activity
complete; the retry then finds the reply here and skips the second send. A worker can also
die while WAHA is still answering (the reply sent, the ledger not yet written): every send
is registered as an attempt first, so the retry knows the outcome is unknown and asks WAHA.

With DATABASE_URL the ledger is shared by every host: the attempt is claimed with one
`INSERT … ON CONFLICT DO NOTHING` (or a compare-and-set on a dead attempt's start time), so of two
workers retrying the same send only the one whose claim landed sends.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from integrations.db import Database, Migration, SqliteDatabase, migrate, off_loop, open_database

MIGRATIONS = [
    Migration(1, """
        CREATE TABLE IF NOT EXISTS sent (reply_id TEXT PRIMARY KEY, provider_id TEXT, sent_at TEXT);
        CREATE TABLE IF NOT EXISTS attempts (reply_id TEXT PRIMARY KEY, started_at {real});
        CREATE INDEX IF NOT EXISTS sent_provider_id ON sent (provider_id)
    """),
]


class SentLedger:
    def __init__(self, target: Path | Database):
        """`target`: a SQLite file (tests, tools) or an open database (`from_settings`)."""
        self._db = target if isinstance(target, Database) else SqliteDatabase(target)
        migrate(self._db, "sent_ledger", MIGRATIONS)

    @classmethod
    def from_settings(cls, settings) -> "SentLedger":
        return cls(open_database(settings, "sent"))

    async def call(self, method, *args):
        """`await ledger.call(ledger.provider_id, key)`: off the event loop with PostgreSQL."""
        return await off_loop(self._db, method, *args)

    def provider_id(self, reply_id: str) -> str | None:
        """The provider's message id when this reply was sent before, else None."""
        row = self._db.execute("SELECT provider_id FROM sent WHERE reply_id = ?", (reply_id,)).fetchone()
        return None if row is None else (row[0] or "")

    def record(self, reply_id: str, provider_id: str | None) -> None:
        # No transaction needed (two round trips, not four): a reply found in `sent` wins over a
        # leftover attempt, so dying between the two statements changes nothing.
        self._db.execute(
            "INSERT INTO sent (reply_id, provider_id, sent_at) VALUES (?, ?, ?) ON CONFLICT (reply_id) DO NOTHING",
            (reply_id, provider_id, datetime.now(timezone.utc).isoformat()),
        )
        self._db.execute("DELETE FROM attempts WHERE reply_id = ?", (reply_id,))

    def begin_attempt(self, reply_id: str, started_at: float) -> bool:
        """Written (and on disk for a killed process) before the request leaves; False when
        another attempt holds this send already."""
        return self.claim_attempt(reply_id, started_at, previous=None)

    def claim_attempt(self, reply_id: str, started_at: float, previous: float | None) -> bool:
        """Atomically make this the one attempt in flight: a new row, or taking over the dead
        attempt that started at `previous` (which the caller checked was not delivered).
        False: someone else claimed it meanwhile (another host's retry) — do not send."""
        if previous is None:
            sql = "INSERT INTO attempts (reply_id, started_at) VALUES (?, ?) ON CONFLICT (reply_id) DO NOTHING"
            return self._db.execute(sql, (reply_id, started_at)).rowcount == 1
        sql = "UPDATE attempts SET started_at = ? WHERE reply_id = ? AND started_at = ?"
        return self._db.execute(sql, (started_at, reply_id, previous)).rowcount == 1

    def unfinished_attempt(self, reply_id: str) -> float | None:
        """When an earlier attempt with an unknown outcome started (epoch seconds), else None."""
        row = self._db.execute("SELECT started_at FROM attempts WHERE reply_id = ?", (reply_id,)).fetchone()
        return None if row is None else float(row[0])

    def forget_attempt(self, reply_id: str) -> None:
        """The attempt certainly failed (WAHA answered with an error): a resend is safe."""
        self._db.execute("DELETE FROM attempts WHERE reply_id = ?", (reply_id,))

    def sent_by_us(self, provider_id: str | None) -> bool:
        """True when this WAHA message id belongs to something we sent (a reply or an alert)."""
        if not provider_id:
            return False
        row = self._db.execute("SELECT 1 FROM sent WHERE provider_id = ? LIMIT 1", (provider_id,)).fetchone()
        return row is not None

    def known_provider_ids(self, provider_ids: list[str]) -> set[str]:
        """Which of these WAHA message ids already belong to a recorded reply."""
        if not provider_ids:
            return set()
        marks = ",".join("?" * len(provider_ids))
        rows = self._db.execute(f"SELECT provider_id FROM sent WHERE provider_id IN ({marks})", provider_ids)
        return {row[0] for row in rows}

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM sent").fetchone()[0])

    # --- privacy (AVG): reply ids carry the workflow id, which carries the phone digits --------
    def _prefixes(self, digits: str) -> list[str]:
        return [f"conversation-{digits}:", f"escalation-{digits}-", f"privacy-{digits}"]

    def export(self, digits: str) -> list[dict]:
        rows = []
        for prefix in self._prefixes(digits):
            found = self._db.execute(
                "SELECT reply_id, provider_id, sent_at FROM sent WHERE substr(reply_id, 1, ?) = ?", (len(prefix), prefix)
            ).fetchall()
            rows += [{"reply_id": r[0], "provider_id": r[1], "sent_at": r[2]} for r in found]
        return rows

    def forget(self, digits: str) -> int:
        deleted = 0
        with self._db.transaction() as tx:
            for prefix in self._prefixes(digits):
                for table in ("sent", "attempts"):
                    deleted += tx.execute(
                        f"DELETE FROM {table} WHERE substr(reply_id, 1, ?) = ?", (len(prefix), prefix)
                    ).rowcount
        return deleted

    def close(self) -> None:
        self._db.close()
