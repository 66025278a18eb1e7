"""The privacy audit: one record per forget (what was deleted where, the phone only as a keyed hash).

In `<DATA_DIR>/privacy.sqlite3`, or in the shared PostgreSQL with DATABASE_URL. The HMAC key is
PRIVACY_AUDIT_KEY; unset, one random key per installation: a file under DATA_DIR, or (with a shared
database) one row in it, so every host hashes a phone the same way.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from integrations.db import Database, Executor, Migration, migrate, open_database


def _import_jsonl(data_dir: Path | None):
    """Installations from before this store wrote privacy/audit.jsonl: its lines come along."""

    def step(tx: Executor) -> None:
        path = data_dir / "privacy" / "audit.jsonl" if data_dir is not None else None
        if path is None or not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                tx.execute("INSERT INTO privacy_audit (date, phone_hash, report_json) VALUES (?, ?, ?)",
                           (record.get("date", ""), record.get("phone_hash", ""), line))

    return step


SCHEMA = """
CREATE TABLE IF NOT EXISTS privacy_audit (id {autoid}, date TEXT NOT NULL, phone_hash TEXT NOT NULL, report_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS privacy_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)
"""


class PrivacyAudit:
    def __init__(self, target: Database, data_dir: Path | None = None):
        self._db = target
        migrate(self._db, "privacy_audit", [Migration(1, SCHEMA), Migration(2, _import_jsonl(data_dir))])

    @classmethod
    def from_settings(cls, settings) -> "PrivacyAudit":
        return cls(open_database(settings, "privacy"), Path(settings.data_dir))

    def append(self, date: str, phone_hash: str, report_json: str) -> None:
        self._db.execute("INSERT INTO privacy_audit (date, phone_hash, report_json) VALUES (?, ?, ?)",
                         (date, phone_hash, report_json))

    def records(self) -> list[dict]:
        rows = self._db.execute("SELECT report_json FROM privacy_audit ORDER BY id").fetchall()
        return [json.loads(row[0]) for row in rows]

    def shared_key(self, proposed: str | None = None) -> bytes:
        """The installation's hash key, made once (the first host to ask wins): `proposed` (a key file
        from before the shared database, so old audit records still match) or a random one."""
        self._db.execute("INSERT INTO privacy_keys (name, value) VALUES ('audit', ?) ON CONFLICT (name) DO NOTHING",
                         (proposed or secrets.token_hex(32),))
        return self._db.execute("SELECT value FROM privacy_keys WHERE name = 'audit'").fetchone()[0].encode()

    def close(self) -> None:
        self._db.close()

