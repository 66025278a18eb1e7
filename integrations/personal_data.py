"""Every place that holds personal data about a customer, for `privacy export` and `privacy forget` (AVG).

A store exports what it holds about one phone number (JSON-ready) and forgets it, returning how
many records went. Stores register themselves by name; a new store (test-drive bookings, trade-in
intakes, ...) adds one `register_store("bookings", factory)` call in its own module and lists that
module in STORE_MODULES, so forget can never silently skip it. Temporal (conversation,
escalation and privacy workflows) is a store too, but it needs a client: see `TemporalStore`.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from agents.escalation import pretty_phone
from config import Settings
from integrations.errors import IntegrationError
from integrations.db import database_url
from integrations.local_crm import LocalCrm, normalize_phone
from integrations.privacy_audit import PrivacyAudit

log = logging.getLogger(__name__)


class PersonalDataStore(Protocol):
    name: str

    async def export(self, phone: str) -> Any: ...

    async def forget(self, phone: str) -> int: ...


StoreFactory = Callable[[Settings], "PersonalDataStore | None"]  # None: not configured here
_FACTORIES: dict[str, StoreFactory] = {}
# Modules that register more stores when imported (e.g. "integrations.bookings_store").
STORE_MODULES: list[str] = []


def register_store(name: str, factory: StoreFactory) -> None:
    _FACTORIES[name] = factory


def stores(settings: Settings) -> list[PersonalDataStore]:
    for module in STORE_MODULES:
        importlib.import_module(module)
    built = (factory(settings) for factory in _FACTORIES.values())
    return [store for store in built if store is not None]


def digits_of(phone: str) -> str:
    return normalize_phone(phone)[1:]


# --- built-in stores --------------------------------------------------------------------------------
class LocalCrmStore:
    name = "local_crm"

    def __init__(self, settings: Settings):
        self.settings = settings

    async def export(self, phone: str) -> Any:
        crm = LocalCrm.from_settings(self.settings)
        try:
            return crm.export(phone)
        finally:
            crm.close()

    async def forget(self, phone: str) -> int:
        crm = LocalCrm.from_settings(self.settings)
        try:
            return crm.forget(phone)
        finally:
            crm.close()


class SentLedgerStore:
    """Which replies were sent (ids only, no text), keyed by the phone's workflow ids."""

    name = "sent_ledger"

    def __init__(self, settings: Settings):
        self.settings = settings

    def _ledger(self):
        from integrations.sent_ledger import SentLedger

        return SentLedger.from_settings(self.settings)

    async def export(self, phone: str) -> Any:
        ledger = self._ledger()
        try:
            return ledger.export(digits_of(phone))
        finally:
            ledger.close()

    async def forget(self, phone: str) -> int:
        ledger = self._ledger()
        try:
            return ledger.forget(digits_of(phone))
        finally:
            ledger.close()


def _mentions(text: str, phone: str) -> bool:
    """The customer's number as digits (chat ids, wa.me links) or as staff read it (+31 6 1234 5678)."""
    return digits_of(phone) in text or pretty_phone(phone) in text


class WhatsAppOutboxStore:
    """var/outbox/whatsapp.jsonl: replies to the customer, and staff alerts that name them."""

    name = "whatsapp_outbox"

    def __init__(self, settings: Settings):
        self.path = settings.outbox_dir / "whatsapp.jsonl"

    def _split(self, phone: str) -> tuple[list[str], list[str]]:
        if not self.path.exists():
            return [], []
        digits = digits_of(phone)
        theirs, others = [], []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                others.append(line)
                continue
            chat = "".join(ch for ch in str(record.get("chatId", "")).split("@", 1)[0] if ch.isdigit())
            about = chat == digits or _mentions(str(record.get("text", "")), phone)
            (theirs if about else others).append(line)
        return theirs, others

    async def export(self, phone: str) -> Any:
        return [json.loads(line) for line in self._split(phone)[0]]

    async def forget(self, phone: str) -> int:
        theirs, others = self._split(phone)
        if theirs:
            self.path.write_text("".join(line + "\n" for line in others), encoding="utf-8")
        return len(theirs)


class EmailOutboxStore:
    """var/outbox/email/*.eml: escalation and privacy e-mails that name the customer."""

    name = "email_outbox"

    def __init__(self, settings: Settings):
        self.directory = settings.outbox_dir / "email"

    def _files(self, phone: str) -> list[Path]:
        if not self.directory.exists():
            return []
        return [path for path in sorted(self.directory.glob("*.eml"))
                if _mentions(path.read_text(encoding="utf-8", errors="replace"), phone)]

    async def export(self, phone: str) -> Any:
        return [{"file": path.name, "content": path.read_text(encoding="utf-8", errors="replace")} for path in self._files(phone)]

    async def forget(self, phone: str) -> int:
        files = self._files(phone)
        for path in files:
            path.unlink(missing_ok=True)
        return len(files)


class ChatwootStore:
    """The Chatwoot contact; deleting it deletes its conversations and messages in Chatwoot."""

    name = "chatwoot"

    def __init__(self, settings: Settings):
        self.settings = settings

    def _client(self):
        from integrations.chatwoot import ChatwootClient

        s = self.settings
        return ChatwootClient(s.chatwoot_base_url or "", _secret(s.chatwoot_api_token), s.chatwoot_account_id, s.chatwoot_inbox_id)

    async def export(self, phone: str) -> Any:
        client = self._client()
        try:
            contact = await client.find_contact(normalize_phone(phone))
            if contact is None:
                return None
            return {"contact": contact, "conversations": await client.contact_conversations(int(contact["id"]))}
        finally:
            await client.aclose()

    async def forget(self, phone: str) -> int:
        client = self._client()
        try:
            contact = await client.find_contact(normalize_phone(phone))
            return int(bool(contact) and await client.delete_contact(int(contact["id"])))
        finally:
            await client.aclose()


def _secret(value: Any) -> str:
    """Settings may hold a secret as str or SecretStr."""
    if value is None:
        return ""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


class TestDriveBookingsStore:
    """Test-drive bookings (testdrives.sqlite3 or PostgreSQL): the customer's name and number are in each
    booking. Their TestDriveWorkflows go with Temporal's forget (`related_workflow_ids`); the iCalendar
    feed is built from this table, so a forgotten booking leaves the feed too."""

    name = "test_drives"

    def __init__(self, settings: Settings):
        self.settings = settings

    def _store(self):
        from integrations.testdrive_store import SqlTestDriveStore

        return SqlTestDriveStore.from_settings(self.settings)

    def _rows(self, phone: str) -> list[tuple[str, dict]]:
        store = self._store()
        try:
            rows = store.all_rows()
        finally:
            store.close()
        wanted = digits_of(phone)
        return [(booking_id, booking) for booking_id, booking in rows
                if digits_of(str(booking.get("customer_phone", ""))) == wanted]

    async def export(self, phone: str) -> Any:
        return [booking for _, booking in self._rows(phone)]

    async def forget(self, phone: str) -> int:
        ids = [booking_id for booking_id, _ in self._rows(phone)]
        store = self._store()
        try:
            return store.delete(ids)
        finally:
            store.close()


class _PhoneKeyedStore:
    """A store with `export_phone(digits)` / `forget_phone(digits)`, opened per request and closed."""

    name: str

    def __init__(self, settings: Settings):
        self.settings = settings

    def _store(self):
        raise NotImplementedError

    async def export(self, phone: str) -> Any:
        store = self._store()
        try:
            return store.export_phone(digits_of(phone))
        finally:
            store.close()

    async def forget(self, phone: str) -> int:
        store = self._store()
        try:
            return store.forget_phone(digits_of(phone))
        finally:
            store.close()


class LidStoreData(_PhoneKeyedStore):
    """The @lid → phone mapping (lids.sqlite3 or PostgreSQL): it names the customer's number."""

    name = "whatsapp_lids"

    def _store(self):
        from integrations.lid_store import LidStore

        return LidStore.from_settings(self.settings)


class IntakeData(_PhoneKeyedStore):
    """Customer messages the webhook accepted that Temporal has not taken yet (intake.sqlite3 or
    PostgreSQL): normally seconds old, longer while Temporal is down or for a refused one."""

    name = "webhook_intake"

    def _store(self):
        from integrations.intake_store import IntakeStore

        return IntakeStore.from_settings(self.settings)


def related_workflow_ids(phone: str, settings: Settings) -> list[str]:
    """Workflows about this customer that carry no CustomerPhone search attribute (test drives)."""
    return [booking_id for booking_id, _ in TestDriveBookingsStore(settings)._rows(phone)]


register_store("local_crm", LocalCrmStore)
register_store("test_drives", TestDriveBookingsStore)
register_store("sent_ledger", SentLedgerStore)
register_store("whatsapp_lids", LidStoreData)
register_store("webhook_intake", IntakeData)
register_store("whatsapp_outbox", WhatsAppOutboxStore)
register_store("email_outbox", EmailOutboxStore)
register_store("chatwoot", lambda s: ChatwootStore(s) if s.chatwoot_base_url and s.chatwoot_api_token else None)


# --- the audit record: what was deleted, without personal data -------------------------------------------
class ForgetReport(BaseModel):
    phone_hash: str
    date: str  # YYYY-MM-DD
    deleted: dict[str, int] = Field(default_factory=dict)  # store -> records deleted
    errors: dict[str, str] = Field(default_factory=dict)  # store -> why it could not (retry the command)
    via: str = "cli"  # "cli" or "workflow" (an approved PrivacyRequestWorkflow)


def phone_hash(phone: str, settings: Settings) -> str:
    """HMAC-SHA256 of the phone under a key only this installation has (a bare hash of a
    Dutch mobile number can be reversed by trying all 10^8 of them)."""
    key = _secret(getattr(settings, "privacy_audit_key", None)).encode() or _installation_key(settings)
    return hmac.new(key, digits_of(phone).encode(), hashlib.sha256).hexdigest()


def _installation_key(settings: Settings) -> bytes:
    if database_url(settings):  # shared by every host: kept in the database
        audit = PrivacyAudit.from_settings(settings)
        old_file = settings.data_dir / "privacy" / "audit.key"
        try:
            return audit.shared_key(old_file.read_text().strip() if old_file.exists() else None)
        finally:
            audit.close()
    return _local_key(settings.data_dir)


def _local_key(data_dir: Path) -> bytes:
    path = data_dir / "privacy" / "audit.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def write_audit(report: ForgetReport, settings: Settings) -> None:
    audit = PrivacyAudit.from_settings(settings)
    try:
        audit.append(report.date, report.phone_hash, report.model_dump_json())
    finally:
        audit.close()


def read_audit(settings: Settings) -> list[dict]:
    """Every forget so far, oldest first (for the manager and the tests)."""
    audit = PrivacyAudit.from_settings(settings)
    try:
        return audit.records()
    finally:
        audit.close()


async def export_stores(phone: str, settings: Settings) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for store in stores(settings):
        try:
            result[store.name] = await store.export(phone)
        except IntegrationError as exc:
            result[store.name] = {"error": str(exc)}
    return result


async def forget_stores(phone: str, settings: Settings, report: ForgetReport) -> None:
    for store in stores(settings):
        try:
            report.deleted[store.name] = await store.forget(phone)
        except IntegrationError as exc:  # e.g. Chatwoot down: the report says so, the command can be rerun
            report.errors[store.name] = str(exc)[:300]
            log.warning("privacy forget: store failed", extra={"store": store.name, "error": str(exc)})


def new_report(phone: str, settings: Settings, via: str = "cli") -> ForgetReport:
    return ForgetReport(phone_hash=phone_hash(phone, settings), date=datetime.now(timezone.utc).date().isoformat(), via=via)


# --- everything, Temporal included (the CLI, the API and the privacy workflow's activity) --------------
async def export_everything(phone: str, settings: Settings, client) -> dict[str, Any]:
    from integrations.temporal_personal_data import TemporalStore

    data = await export_stores(phone, settings)
    data["temporal"] = await TemporalStore(client, extra_ids=related_workflow_ids(phone, settings)).export(phone)
    return {"phone": normalize_phone(phone), "exported_at": datetime.now(timezone.utc).isoformat(), "stores": data}


async def forget_everything(phone: str, settings: Settings, client, *, keep_workflow_id: str | None = None,
                            via: str = "cli") -> ForgetReport:
    """Temporal first (no conversation may write the CRM again meanwhile), then every store; audited."""
    from integrations.temporal_personal_data import TemporalStore

    report = new_report(phone, settings, via)
    temporal = TemporalStore(client, keep_workflow_id=keep_workflow_id, extra_ids=related_workflow_ids(phone, settings))
    report.deleted["temporal"] = await temporal.forget(phone)
    await forget_stores(phone, settings, report)
    write_audit(report, settings)
    return report
