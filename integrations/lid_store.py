"""Which phone number a WhatsApp @lid belongs to (SQLite, `<data_dir>/lids.sqlite3`).

WhatsApp hides some senders' numbers behind a "linked id" (`…@lid`). WAHA's lids API tells the
number once WhatsApp shares it; until then the chat is keyed by the lid. `merged` says the lid's
conversation (if there was one) has been told to hand itself over to the phone's conversation.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path


class LidStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS lids (lid TEXT PRIMARY KEY, pn TEXT, checked_at REAL NOT NULL, "
            "merged INTEGER NOT NULL DEFAULT 0)"
        )
        self._lock = threading.Lock()

    def lookup(self, lid: str) -> tuple[str | None, float] | None:
        """(phone chat id or None, when last asked) — None when never asked."""
        with self._lock:
            row = self._db.execute("SELECT pn, checked_at FROM lids WHERE lid = ?", (lid,)).fetchone()
        return None if row is None else (row[0], float(row[1]))

    def remember(self, lid: str, pn: str | None, at: float | None = None) -> None:
        """A known number is never replaced by "unknown" (WAHA forgetting it after a re-pair)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO lids (lid, pn, checked_at) VALUES (?, ?, ?) ON CONFLICT(lid) DO UPDATE SET "
                "pn = COALESCE(excluded.pn, lids.pn), checked_at = excluded.checked_at",
                (lid, pn, at if at is not None else time.time()),
            )

    def merged(self, lid: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT merged FROM lids WHERE lid = ?", (lid,)).fetchone()
        return bool(row and row[0])

    def mark_merged(self, lid: str) -> None:
        with self._lock:
            self._db.execute("UPDATE lids SET merged = 1 WHERE lid = ?", (lid,))

    def forget_phone(self, digits: str) -> int:
        """Privacy (AVG): the mapping names the person's number."""
        with self._lock:
            return self._db.execute(
                "DELETE FROM lids WHERE pn = ? OR lid = ?", (f"{digits}@c.us", f"{digits}@lid")
            ).rowcount

    def close(self) -> None:
        self._db.close()
