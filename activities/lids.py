"""@lid senders merged with their phone number (issue 17): thin adapters for ConversationWorkflow.

`hand_over_conversation` is signal-with-start of the phone's conversation with the lid
conversation's whole state (`absorb_conversation`, deduplicated by the lid workflow's id, so a
retry cannot absorb twice). `merge_crm_contact` moves the lid's local CRM record and Chatwoot
contact onto the phone number's.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from integrations.errors import IntegrationError
from workflows.models import AbsorbConversation, ConversationInput


class HandOverRequest(BaseModel):
    target_workflow_id: str
    start: ConversationInput  # the phone conversation's input, should it not run yet
    absorb: AbsorbConversation


class CrmMergeRequest(BaseModel):
    lid_phone: str  # "+<lid digits>", how the lid conversation named the contact
    phone: str  # E.164
    chat_id: str | None = None  # the phone's chat (older workflows leave it out: "<digits>@c.us")


class CrmMergeResult(BaseModel):
    local_rows: int = 0
    bookings: int = 0  # test-drive bookings moved onto the number
    chatwoot: str = "not configured"


class LidActivities:
    def __init__(self, crm, settings=None):
        self.crm = crm  # CrmActivities: the local record and the Chatwoot client
        self.settings = settings  # for the test-drive store (bookings follow the merge)

    @activity.defn
    async def hand_over_conversation(self, request: HandOverRequest) -> str:
        handle = await activity.client().start_workflow(
            "ConversationWorkflow",
            request.start,
            id=request.target_workflow_id,
            task_queue=activity.info().task_queue,
            start_signal="absorb_conversation",
            start_signal_args=[request.absorb],
            static_summary=f"WhatsApp-gesprek {request.start.phone}",
            rpc_timeout=timedelta(seconds=10),
        )
        return handle.id

    @activity.defn
    async def merge_crm_contact(self, request: CrmMergeRequest) -> CrmMergeResult:
        result = CrmMergeResult()
        result.local_rows = await asyncio.to_thread(self.crm.local.merge_phone, request.lid_phone, request.phone)
        if self.settings is not None:
            result.bookings = await asyncio.to_thread(self._move_bookings, request)
        if not self.crm.chatwoot_configured:
            return result
        try:
            result.chatwoot = await self.crm.chatwoot().merge_lid_contact(request.lid_phone, request.phone)
        except IntegrationError as exc:
            if exc.retryable:
                raise
            raise ApplicationError(str(exc), type="ChatwootRejected", non_retryable=True) from exc
        return result

    def _move_bookings(self, request: CrmMergeRequest) -> int:
        from integrations.testdrive_store import SqlTestDriveStore

        store = SqlTestDriveStore.from_settings(self.settings)
        try:
            return store.move_customer(request.lid_phone, request.phone, request.chat_id or f"{request.phone.lstrip('+')}@c.us")
        finally:
            store.close()
