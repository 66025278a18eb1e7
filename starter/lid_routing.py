"""@lid senders (issue 17): the webhook keys a chat by its phone number as soon as WAHA knows it.

A lid is looked up in the local cache, else asked of WAHA (`GET /api/{session}/lids/{lid}`,
with a short timeout: the webhook must answer in milliseconds, and an unanswered lookup just
keeps the lid's own conversation for now). The first message after the number became known
goes to the lid's conversation with `merge_into`: it hands its state and waiting messages to
the phone's conversation and completes, so one person is never two conversations.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from config import Settings, reveal
from integrations.errors import IntegrationError
from integrations.lid_store import LidStore
from integrations.waha import WahaClient
from workflows.models import InboundMessage, MergeInto, conversation_workflow_id, phone_digits

log = logging.getLogger(__name__)


def is_lid(chat_id: str) -> bool:
    return chat_id.endswith("@lid")


class LidRouter:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = LidStore.from_settings(settings)
        self._waha: WahaClient | None = None

    def _client(self) -> WahaClient:
        if self._waha is None:  # built on first use, inside the API's event loop
            self._waha = WahaClient(
                self.settings.waha_url, api_key=reveal(self.settings.waha_api_key),
                session=self.settings.waha_session, outbox_dir=self.settings.outbox_dir,
            )
        return self._waha

    async def phone_chat(self, lid: str) -> str | None:
        """The phone chat id ("316…@c.us") of a lid, from the cache or WAHA; None while unknown."""
        known = self.store.lookup(lid)
        if known is not None and (known[0] or time.time() - known[1] < self.settings.lid_retry_minutes * 60):
            return known[0]
        if not self.settings.waha_url:
            return None
        try:
            pn = await self._client().phone_for_lid(lid, timeout=self.settings.lid_lookup_timeout_seconds)
        except IntegrationError as exc:  # WAHA slow or down: the lid's conversation answers for now
            log.warning("lid lookup failed", extra={"error": str(exc)[:200]})
            return known[0] if known else None
        self.store.remember(lid, pn)
        return pn

    async def route(self, client: Client, message: InboundMessage,
                    before_merge: Callable[[], Awaitable[None]] | None = None) -> tuple[InboundMessage, str | None]:
        """The message keyed by the phone when known, and the lid conversation's id when it was
        just told to merge (the message travels with that hand-over; do not signal it again).
        `before_merge` runs before that signal (the API waits for the lid chat's queued messages)."""
        pn = await self.phone_chat(message.chat_id)
        if pn is None:
            return message, None
        resolved = message.model_copy(update={"chat_id": pn, "phone": f"+{phone_digits(pn)}"})
        if self.store.merged(message.chat_id):
            return resolved, None
        lid_workflow = conversation_workflow_id(message.chat_id)
        if before_merge is not None:
            await before_merge()
        try:
            await client.get_workflow_handle(lid_workflow).signal(
                "merge_into", MergeInto(chat_id=pn, phone=resolved.phone, message=resolved, lid_chat_id=message.chat_id)
            )
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            self.store.mark_merged(message.chat_id)  # no lid conversation (or it merged already)
            return resolved, None
        self.store.mark_merged(message.chat_id)
        return resolved, lid_workflow

    async def staff_chat(self, chat_id: str) -> str:
        """Where a salesperson's own message to a lid chat belongs: the phone's chat once merged."""
        if not is_lid(chat_id) or not self.store.merged(chat_id):
            return chat_id
        return (self.store.lookup(chat_id) or (None, 0))[0] or chat_id

    def chat_for_contact(self, phone: str) -> str:
        """The WhatsApp chat of a CRM contact's phone: a lid we know and that is not merged yet
        (its Chatwoot contact carries "+<lid digits>") is that lid's chat, else the number's."""
        digits = phone_digits(phone)
        lid = f"{digits}@lid"
        known = self.store.lookup(lid)
        if known is not None and not self.store.merged(lid):
            return lid
        if known is not None and known[0]:
            return known[0]
        return f"{digits}@c.us"

    async def aclose(self) -> None:
        if self._waha is not None:
            await self._waha.aclose()
        self.store.close()
