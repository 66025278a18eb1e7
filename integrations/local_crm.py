"""The local lead record (`<data_dir>/crm.sqlite3`, or the shared PostgreSQL with DATABASE_URL).

Always written, Chatwoot or not: it is the CRM when Chatwoot is not configured, and the
memory of which messages were already mirrored to Chatwoot (so a retried activity never
posts a message twice).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agents.models import CRMOutput
from integrations.db import Database, Executor, Migration, Result, SqliteDatabase, columns, migrate, open_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS leads (
    phone TEXT PRIMARY KEY,
    name TEXT,
    score INTEGER,
    quality TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    attributes TEXT NOT NULL DEFAULT '{}',
    chatwoot_contact_id INTEGER,
    chatwoot_conversation_id INTEGER,
    last_error TEXT,
    last_error_at TEXT,
    updated_at TEXT NOT NULL,
    opted_out_at TEXT,
    score_explanation TEXT
);
CREATE TABLE IF NOT EXISTS score_history (
    id {autoid},
    phone TEXT NOT NULL,
    score INTEGER NOT NULL,
    quality TEXT NOT NULL,
    at TEXT NOT NULL,
    explanation TEXT,
    noted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS transcript (
    id {autoid},
    phone TEXT NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    chatwoot_message_id INTEGER
);
CREATE TABLE IF NOT EXISTS failures (
    id {autoid},
    phone TEXT NOT NULL,
    error TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transcript_phone ON transcript(phone, at);
CREATE INDEX IF NOT EXISTS history_phone ON score_history(phone, at);
CREATE INDEX IF NOT EXISTS transcript_chatwoot ON transcript(chatwoot_message_id)
"""


def _add_missing_columns(tx: Executor) -> None:
    """SQLite files from before migrations gained these columns on open; older ones lack them."""
    for table, column, kind in (("leads", "opted_out_at", "TEXT"), ("leads", "score_explanation", "TEXT"),
                                ("score_history", "explanation", "TEXT"),
                                ("score_history", "noted", "INTEGER NOT NULL DEFAULT 0")):
        if column not in columns(tx, table):
            tx.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


MIGRATIONS = [Migration(1, SCHEMA), Migration(2, _add_missing_columns)]


class LeadRow(BaseModel):
    phone: str
    name: str | None = None
    score: int | None = None
    quality: str | None = None
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    chatwoot_conversation_id: int | None = None
    last_error: str | None = None
    updated_at: datetime
    score_explanation: str | None = None  # the last change of the score in one line
    last_message_at: datetime | None = None  # the customer's latest message


class TranscriptLine(BaseModel):
    role: str
    text: str
    message_id: str
    at: datetime
    chatwoot_message_id: int | None = None


def score_note(score: int, quality: str, explanation: str | None) -> str:
    """The private Chatwoot note for a score change (staff-facing Dutch)."""
    return f"📈 Leadscore {score} ({quality})" + (f": {explanation}" if explanation else "")


def normalize_phone(phone: str) -> str:
    """'31612345678@c.us', '+31 6 1234 5678' -> '+31612345678'."""
    digits = "".join(ch for ch in phone.split("@", 1)[0] if ch.isdigit())
    return f"+{digits}"


def _iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()  # one offset, so text order is time order


class LocalCrm:
    def __init__(self, target: Path | str | Database):
        """`target`: a data directory (its crm.sqlite3) or an open database (`from_settings`)."""
        if isinstance(target, Database):
            self._db = target
        else:
            self.path = Path(target) / "crm.sqlite3"
            self._db = SqliteDatabase(self.path)
        migrate(self._db, "local_crm", MIGRATIONS)

    @classmethod
    def from_settings(cls, settings) -> "LocalCrm":
        return cls(open_database(settings, "crm"))

    def close(self) -> None:
        self._db.close()

    def _execute(self, sql: str, params: tuple = ()) -> Result:
        return self._db.execute(sql, params)

    def _touch_lead(self, phone: str, name: str | None, at: datetime | None) -> None:
        self._execute(
            "INSERT INTO leads (phone, name, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(phone) DO UPDATE SET name = COALESCE(excluded.name, leads.name), "
            "updated_at = CASE WHEN excluded.updated_at > leads.updated_at THEN excluded.updated_at "
            "ELSE leads.updated_at END",
            (phone, name, _iso(at)),
        )

    # --- writes ----------------------------------------------------------------------
    def record_message(
        self, phone: str, name: str | None, role: str, text: str, message_id: str, at: datetime | None = None
    ) -> bool:
        """Add a transcript line; False when this message id was already recorded."""
        phone = normalize_phone(phone)
        self._touch_lead(phone, name, at)
        cursor = self._execute(
            "INSERT INTO transcript (phone, role, text, message_id, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (message_id) DO NOTHING",
            (phone, role, text, message_id, _iso(at)),
        )
        return cursor.rowcount == 1

    def record_crm(self, phone: str, name: str | None, crm: CRMOutput, at: datetime | None = None) -> None:
        phone = normalize_phone(phone)
        self._touch_lead(phone, name, at)
        self._execute(
            "UPDATE leads SET score = ?, quality = ?, tags = ?, attributes = ?, score_explanation = ? WHERE phone = ?",
            (crm.lead_score, crm.lead_quality, json.dumps(crm.tags), json.dumps(crm.custom_attributes),
             crm.explanation or None, phone),
        )
        last = self._execute(
            "SELECT score, quality FROM score_history WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,)
        ).fetchone()
        if last is None or (last["score"], last["quality"]) != (crm.lead_score, crm.lead_quality):
            self._execute(
                "INSERT INTO score_history (phone, score, quality, at, explanation) VALUES (?, ?, ?, ?, ?)",
                (phone, crm.lead_score, crm.lead_quality, _iso(at), crm.explanation or None),
            )

    def pending_score_note(self, phone: str) -> tuple[list[int], str | None]:
        """Score changes not yet noted in Chatwoot, and the note to post: only when the band changed
        (HOT, WARM, ...), with the latest explanation; small moves within a band make no note."""
        rows = self._execute(
            "SELECT id, score, quality, explanation, noted FROM score_history WHERE phone = ? ORDER BY id DESC LIMIT 50",
            (normalize_phone(phone),),
        ).fetchall()[::-1]
        pending = [row for row in rows if not row["noted"]]
        if not pending:
            return [], None
        noted_before = [row for row in rows if row["noted"]]
        last_band = noted_before[-1]["quality"] if noted_before else None
        latest = pending[-1]
        changed = any(row["quality"] != (last_band if i == 0 else pending[i - 1]["quality"]) for i, row in enumerate(pending))
        # a score without an explanation (an older CRM output) says nothing new: no note
        note = score_note(latest["score"], latest["quality"], latest["explanation"]) if changed and latest["explanation"] else None
        return [row["id"] for row in pending], note

    def mark_score_noted(self, history_ids: list[int]) -> None:
        for history_id in history_ids:
            self._execute("UPDATE score_history SET noted = 1 WHERE id = ?", (history_id,))

    def record_failure(self, phone: str, error: str, at: datetime | None = None) -> None:
        phone = normalize_phone(phone)
        self._touch_lead(phone, None, at)
        self._execute("INSERT INTO failures (phone, error, at) VALUES (?, ?, ?)", (phone, error, _iso(at)))
        self._execute("UPDATE leads SET last_error = ?, last_error_at = ? WHERE phone = ?", (error, _iso(at), phone))

    def set_opted_out(self, phone: str, at: datetime | None = None) -> None:
        """STOP: never send this customer a proactive message again (kept until they are forgotten)."""
        phone = normalize_phone(phone)
        self._touch_lead(phone, None, at)
        self._execute("UPDATE leads SET opted_out_at = COALESCE(opted_out_at, ?) WHERE phone = ?", (_iso(at), phone))

    def opted_out(self, phone: str) -> bool:
        row = self._execute("SELECT opted_out_at FROM leads WHERE phone = ?", (normalize_phone(phone),)).fetchone()
        return bool(row and row["opted_out_at"])

    # --- privacy (AVG): everything about one phone ---------------------------------------
    def export(self, phone: str) -> dict[str, Any]:
        phone = normalize_phone(phone)
        lead = self._execute("SELECT * FROM leads WHERE phone = ?", (phone,)).fetchone()
        return {
            "lead": dict(lead) if lead else None,
            "transcript": [line.model_dump(mode="json") for line in self.transcript(phone)],
            "score_history": [{"at": at.isoformat(), "score": score, "quality": quality}
                              for at, score, quality in self.score_history(phone)],
            "failures": [{"at": at.isoformat(), "error": error} for at, error in self.failures(phone)],
        }

    def forget(self, phone: str) -> int:
        """Delete every row about this phone; returns how many rows went."""
        phone = normalize_phone(phone)
        deleted = 0
        for table in ("transcript", "score_history", "failures", "leads"):
            deleted += self._execute(f"DELETE FROM {table} WHERE phone = ?", (phone,)).rowcount
        return deleted

    def link_chatwoot(self, phone: str, contact_id: int, conversation_id: int) -> None:
        self._execute(
            "UPDATE leads SET chatwoot_contact_id = ?, chatwoot_conversation_id = ? WHERE phone = ?",
            (contact_id, conversation_id, normalize_phone(phone)),
        )

    def mark_mirrored(self, message_id: str, chatwoot_message_id: int) -> None:
        self._execute(
            "UPDATE transcript SET chatwoot_message_id = ? WHERE message_id = ?", (chatwoot_message_id, message_id)
        )

    # --- reads -----------------------------------------------------------------------
    def mirrored_id(self, message_id: str) -> int | None:
        row = self._execute("SELECT chatwoot_message_id FROM transcript WHERE message_id = ?", (message_id,)).fetchone()
        return row["chatwoot_message_id"] if row else None

    def is_own_chatwoot_message(self, chatwoot_message_id: int) -> bool:
        """True for a Chatwoot message we posted (webhook echo suppression)."""
        row = self._execute(
            "SELECT 1 FROM transcript WHERE chatwoot_message_id = ?", (chatwoot_message_id,)
        ).fetchone()
        return row is not None

    def list_leads(self) -> list[LeadRow]:
        rows = self._execute(
            "SELECT leads.*, (SELECT MAX(at) FROM transcript WHERE transcript.phone = leads.phone "
            "AND role = 'customer') AS last_message_at "
            "FROM leads ORDER BY score IS NULL, score DESC, updated_at DESC"
        ).fetchall()
        return [
            LeadRow(
                phone=row["phone"],
                name=row["name"],
                score=row["score"],
                quality=row["quality"],
                tags=json.loads(row["tags"]),
                attributes=json.loads(row["attributes"]),
                chatwoot_conversation_id=row["chatwoot_conversation_id"],
                last_error=row["last_error"],
                updated_at=datetime.fromisoformat(row["updated_at"]),
                score_explanation=row["score_explanation"],
                last_message_at=datetime.fromisoformat(row["last_message_at"]) if row["last_message_at"] else None,
            )
            for row in rows
        ]

    def transcript(self, phone: str) -> list[TranscriptLine]:
        rows = self._execute(
            "SELECT role, text, message_id, at, chatwoot_message_id FROM transcript WHERE phone = ? ORDER BY at, id",
            (normalize_phone(phone),),
        ).fetchall()
        return [TranscriptLine(**dict(row)) for row in rows]

    def score_history(self, phone: str) -> list[tuple[datetime, int, str]]:
        rows = self._execute(
            "SELECT at, score, quality FROM score_history WHERE phone = ? ORDER BY at, id", (normalize_phone(phone),)
        ).fetchall()
        return [(datetime.fromisoformat(row["at"]), row["score"], row["quality"]) for row in rows]

    def failures(self, phone: str) -> list[tuple[datetime, str]]:
        rows = self._execute(
            "SELECT at, error FROM failures WHERE phone = ? ORDER BY id", (normalize_phone(phone),)
        ).fetchall()
        return [(datetime.fromisoformat(row["at"]), row["error"]) for row in rows]

    def merge_phone(self, from_phone: str, to_phone: str) -> int:
        """An @lid sender's record joins the phone number's (issue 17): transcript, scores and
        failures move over; the lead row moves, or fills the gaps of the phone's row. Idempotent."""
        source, target = normalize_phone(from_phone), normalize_phone(to_phone)
        if source == target:
            return 0
        moved = 0
        with self._db.transaction(lock=f"crm-merge:{target}") as tx:
            for table in ("transcript", "score_history", "failures"):
                moved += tx.execute(f"UPDATE {table} SET phone = ? WHERE phone = ?", (target, source)).rowcount
            old = tx.execute("SELECT * FROM leads WHERE phone = ?", (source,)).fetchone()
            if old is not None:
                if tx.execute("SELECT 1 FROM leads WHERE phone = ?", (target,)).fetchone() is None:
                    tx.execute("UPDATE leads SET phone = ? WHERE phone = ?", (target, source))
                else:
                    for column in ("name", "score", "quality", "chatwoot_contact_id", "chatwoot_conversation_id", "opted_out_at"):
                        tx.execute(
                            f"UPDATE leads SET {column} = COALESCE({column}, ?) WHERE phone = ?", (old[column], target)
                        )
                    tx.execute("DELETE FROM leads WHERE phone = ?", (source,))
                moved += 1
        return moved
