"""A record of replies already handed to WAHA, so a retried send never sends twice.

A worker can die after WAHA accepted a message but before Temporal heard the activity
complete; the retry then finds the reply here and skips the second send.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path


class SentLedger:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sent (reply_id TEXT PRIMARY KEY, provider_id TEXT, sent_at TEXT)"
        )
        self._lock = threading.Lock()

    def provider_id(self, reply_id: str) -> str | None:
        """The provider's message id when this reply was sent before, else None."""
        with self._lock:
            row = self._db.execute("SELECT provider_id FROM sent WHERE reply_id = ?", (reply_id,)).fetchone()
        return None if row is None else (row[0] or "")

    def record(self, reply_id: str, provider_id: str | None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO sent VALUES (?, ?, ?)",
                (reply_id, provider_id, datetime.now(timezone.utc).isoformat()),
            )
