"""CRM activities: the local record always, and Chatwoot when it is configured.

Customer messages are mirrored as `incoming`, bot replies as `outgoing` (marked as ours),
notes for staff (an edit, a deletion, a reaction) as private notes, staff messages are not mirrored (staff wrote them in Chatwoot, or on the dealer's phone).
Each message is posted once: the Chatwoot id is remembered in LocalCrm per message id, so a
retry after a partial failure continues where it stopped.

The customer has ONE Chatwoot contact and conversation: `customer_conversation` is the only
place that finds or creates it (search by phone first), one customer at a time, and the
escalation activities use it too, so notes, labels and assignment land where staff read.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents.models import CRMOutput
from config import Settings, reveal
from integrations.chatwoot import ChatwootClient, ChatwootRef, phone_key
from integrations.errors import IntegrationError
from integrations.local_crm import LocalCrm
from observability import metrics
from workflows.models import PendingCrmUpdate

log = logging.getLogger(__name__)


class CrmSyncRequest(BaseModel):
    phone: str  # E.164
    chat_id: str
    customer_name: str | None = None
    updates: list[PendingCrmUpdate] = Field(default_factory=list)


class CrmSyncResult(BaseModel):
    recorded_locally: int = 0  # transcript lines new to the local record
    mirrored: int = 0  # messages posted to Chatwoot by this attempt
    already_mirrored: int = 0
    chatwoot_conversation_id: int | None = None
    labels: list[str] = Field(default_factory=list)
    chatwoot_configured: bool = False


class CrmFailure(BaseModel):
    phone: str
    chat_id: str | None = None
    customer_name: str | None = None
    error: str
    lost_updates: int = 0  # CRM updates that were given up on
    at: datetime | None = None


class CrmActivities:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.local = LocalCrm.from_settings(settings)
        self._chatwoot: ChatwootClient | None = None
        self._media_http = None  # WAHA media downloads, built on first use
        # One lookup-or-create per customer at a time (striped: a fixed number of locks).
        self._locks = [asyncio.Lock() for _ in range(64)]

    @property
    def chatwoot_configured(self) -> bool:
        return bool(self.settings.chatwoot_base_url and self.settings.chatwoot_api_token)

    def chatwoot(self) -> ChatwootClient:
        # Built on first use, inside the worker's event loop.
        if self._chatwoot is None:
            self._chatwoot = ChatwootClient(
                self.settings.chatwoot_base_url or "",
                reveal(self.settings.chatwoot_api_token) or "",
                self.settings.chatwoot_account_id,
                self.settings.chatwoot_inbox_id,
            )
        return self._chatwoot

    async def customer_conversation(self, phone: str, name: str | None) -> ChatwootRef:
        """The customer's one Chatwoot contact and conversation, found (by phone) or created."""
        lock = self._locks[hash(phone_key(phone)) % len(self._locks)]
        async with lock:
            ref = await self.chatwoot().ensure_conversation(phone, name)
        await asyncio.to_thread(self.local.link_chatwoot, phone, ref.contact_id, ref.conversation_id)
        return ref

    async def aclose(self) -> None:
        if self._chatwoot is not None:
            await self._chatwoot.aclose()
        if self._media_http is not None:
            await self._media_http.aclose()
        self.local.close()

    @activity.defn
    async def sync_crm(self, request: CrmSyncRequest) -> CrmSyncResult:
        result = CrmSyncResult(chatwoot_configured=self.chatwoot_configured)
        # SQLite writes off the event loop: other activities keep running meanwhile.
        result.recorded_locally, latest_crm = await asyncio.to_thread(self._record_locally, request)
        if not self.chatwoot_configured or not request.updates:
            return result
        try:
            await self._mirror(request, latest_crm, result)
        except IntegrationError as exc:
            if exc.retryable:
                raise  # Temporal retries; already posted messages are skipped next time
            raise ApplicationError(str(exc), type="ChatwootRejected", non_retryable=True) from exc
        return result

    def _record_locally(self, request: CrmSyncRequest) -> tuple[int, CRMOutput | None]:
        recorded, latest_crm = 0, None
        for update in request.updates:
            if self.local.record_message(request.phone, request.customer_name, update.role, update.text,
                                         update.message_id, update.at):
                recorded += 1
            if update.crm is not None:
                self.local.record_crm(request.phone, request.customer_name, update.crm, update.at)
                latest_crm = update.crm
            if update.opt_out:
                self.local.set_opted_out(request.phone, update.at)
        return recorded, latest_crm

    async def _mirror(self, request: CrmSyncRequest, latest_crm, result: CrmSyncResult) -> None:
        chatwoot = self.chatwoot()
        ref = await self.customer_conversation(request.phone, request.customer_name)
        result.chatwoot_conversation_id = ref.conversation_id
        for update in request.updates:
            if update.role == "staff":
                continue
            if self.local.mirrored_id(update.message_id) is not None:
                result.already_mirrored += 1
                continue
            if update.role == "note":  # for staff (an edit, a deletion, a reaction): a private note
                chatwoot_id = await chatwoot.post_message(ref.conversation_id, update.text, incoming=False,
                                                          private=True, echo_id=update.message_id)
            elif update.media is not None and update.media.url:
                chatwoot_id = await self._mirror_media(chatwoot, ref.conversation_id, update)
            else:
                chatwoot_id = await chatwoot.post_message(
                    ref.conversation_id,
                    update.text,
                    incoming=update.role == "customer",
                    echo_id=update.message_id if update.role == "bot" else None,
                )
            self.local.mark_mirrored(update.message_id, chatwoot_id)
            result.mirrored += 1
        if latest_crm is not None:
            result.labels = await chatwoot.sync_labels(ref.conversation_id, latest_crm.tags)
            await chatwoot.update_contact_attributes(ref.contact_id, latest_crm.custom_attributes)
            # the lead moved to another band: a private note says why ("+20 proefrit vandaag gevraagd")
            history_ids, note = self.local.pending_score_note(request.phone)
            if note:
                await chatwoot.post_message(ref.conversation_id, note, incoming=False, private=True)
            self.local.mark_score_noted(history_ids)
        if any(update.opt_out for update in request.updates):  # idempotent: safe on a retry
            await chatwoot.mark_opted_out(request.phone, request.customer_name)

    async def _mirror_media(self, chatwoot: ChatwootClient, conversation_id: int, update: PendingCrmUpdate) -> int:
        """The customer's photo, voice note or document as a Chatwoot attachment (downloaded from WAHA)."""
        from activities.tradein import fetch_files, media_http

        if self._media_http is None:
            self._media_http = media_http(self.settings)
        files, missing = await fetch_files(self._media_http, [update.media], self.settings.media_max_bytes)
        text = update.text + ("".join(f" (bijlage niet opgehaald: {m})" for m in missing) if missing else "")
        if not files:
            return await chatwoot.post_message(conversation_id, text, incoming=True)
        return await chatwoot.post_with_attachments(
            conversation_id, text, [(f.filename, f.content, f.mimetype) for f in files], incoming=True)

    @activity.defn
    async def record_crm_failure(self, request: CrmFailure) -> None:
        """A CRM sync that gave up: keep it where staff look (local record, private note)."""
        metrics.CRM_SYNC_FAILURES.inc()
        detail = f"{request.error} ({request.lost_updates} update(s) lost)" if request.lost_updates else request.error
        self.local.record_failure(request.phone, detail, request.at)
        if not self.chatwoot_configured:
            return
        try:
            chatwoot = self.chatwoot()
            ref = await self.customer_conversation(request.phone, request.customer_name)
            when = (request.at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
            note = (
                f"Let op: de CRM-synchronisatie van dit gesprek is mislukt ({when}); "
                f"{request.lost_updates} update(s) ontbreken hier mogelijk, tags/score kunnen achterlopen. "
                f"Het volledige gesprek staat in het lokale CRM (`seldenrijk leads`). Fout: {request.error[:500]}"
            )
            await chatwoot.post_message(ref.conversation_id, note, incoming=False, private=True)
        except IntegrationError as exc:
            # Chatwoot is what failed in the first place: the local record is what we keep.
            log.warning("could not post the CRM failure note to Chatwoot", extra={"error": str(exc)})
