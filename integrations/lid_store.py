"""Which phone number a WhatsApp @lid belongs to (`<data_dir>/lids.sqlite3`, or the shared PostgreSQL
with DATABASE_URL, so every API replica resolves a lid once).

WhatsApp hides some senders' numbers behind a "linked id" (`…@lid`). WAHA's lids API tells the
number once WhatsApp shares it; until then the chat is keyed by the lid. `merged` says the lid's
conversation (if there was one) has been told to hand itself over to the phone's conversation.
"""

from __future__ import annotations

import time
from pathlib import Path

from integrations.db import Database, Migration, SqliteDatabase, migrate, open_database

MIGRATIONS = [
    Migration(1, "CREATE TABLE IF NOT EXISTS lids (lid TEXT PRIMARY KEY, pn TEXT, checked_at {real} NOT NULL, "
                 "merged INTEGER NOT NULL DEFAULT 0)"),
]


class LidStore:
    def __init__(self, target: Path | Database):
        """`target`: a SQLite file or an open database (`from_settings`)."""
        self._db = target if isinstance(target, Database) else SqliteDatabase(target)
        migrate(self._db, "lids", MIGRATIONS)

    @classmethod
    def from_settings(cls, settings) -> "LidStore":
        return cls(open_database(settings, "lids"))

    def lookup(self, lid: str) -> tuple[str | None, float] | None:
        """(phone chat id or None, when last asked) — None when never asked."""
        row = self._db.execute("SELECT pn, checked_at FROM lids WHERE lid = ?", (lid,)).fetchone()
        return None if row is None else (row[0], float(row[1]))

    def remember(self, lid: str, pn: str | None, at: float | None = None) -> None:
        """A known number is never replaced by "unknown" (WAHA forgetting it after a re-pair)."""
        self._db.execute(
            "INSERT INTO lids (lid, pn, checked_at) VALUES (?, ?, ?) ON CONFLICT(lid) DO UPDATE SET "
            "pn = COALESCE(excluded.pn, lids.pn), checked_at = excluded.checked_at",
            (lid, pn, at if at is not None else time.time()),
        )

    def merged(self, lid: str) -> bool:
        row = self._db.execute("SELECT merged FROM lids WHERE lid = ?", (lid,)).fetchone()
        return bool(row and row[0])

    def mark_merged(self, lid: str) -> None:
        self._db.execute("UPDATE lids SET merged = 1 WHERE lid = ?", (lid,))

    # --- privacy (AVG): the mapping names the person's number ------------------------------------
    def export_phone(self, digits: str) -> list[dict]:
        rows = self._db.execute("SELECT lid, pn, checked_at, merged FROM lids WHERE pn = ? OR lid = ?",
                                (f"{digits}@c.us", f"{digits}@lid")).fetchall()
        return [{"lid": row[0], "phone_chat": row[1], "checked_at": float(row[2]), "merged": bool(row[3])}
                for row in rows]

    def forget_phone(self, digits: str) -> int:
        return self._db.execute(
            "DELETE FROM lids WHERE pn = ? OR lid = ?", (f"{digits}@c.us", f"{digits}@lid")
        ).rowcount

    def close(self) -> None:
        self._db.close()
