"""One person, one conversation (a mixin of ConversationWorkflow, issue 17 @lid senders).

A chat first known only by its @lid is keyed by the lid. When the webhook learns the number it
signals `merge_into`: this conversation finishes the message in hand, then hands its state and
waiting messages to the phone's conversation (`absorb_conversation`, signal-with-start from an
activity) and completes. The phone's conversation folds the lid's memory into its own and merges
the CRM record and the Chatwoot contact.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.lids import CrmMergeRequest, HandOverRequest, LidActivities
    from agents.context import MAX_TURNS
    from workflows.models import (
        AbsorbConversation,
        ConversationInput,
        ConversationMoved,
        MergeInto,
        conversation_workflow_id,
    )
    from workflows.patches import PATCH_LID_MERGE, PATCH_LID_MOVES_PRIVACY, PATCH_LID_MOVES_TEST_DRIVES

MERGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=1))
MERGED_KEPT = 20
# Settings the starter put into the input: the phone's conversation gets the lid's.
CARRIED_SETTINGS = (
    "messages_per_run", "human_quiet_minutes", "rate_limit_per_minute", "stale_reply_minutes",
    "trade_in_quiet_seconds", "trade_in_photos_wanted",
)


def absorb_state(own: ConversationInput, lid: ConversationInput) -> ConversationInput:
    """Our state with a lid conversation's folded in: both histories in time order, the newer
    memory where both have one, every waiting message in arrival order, STOP if either said it."""
    newer_is_lid = bool(lid.context.history) and (
        not own.context.history or lid.context.history[-1].at > own.context.history[-1].at
    )
    base_context = lid.context if newer_is_lid else own.context
    history = sorted(own.context.history + lid.context.history, key=lambda turn: turn.at)[-MAX_TURNS:]
    bookings = {b.booking_id: b for b in own.context.test_drive.bookings + lid.context.test_drive.bookings}
    test_drive = base_context.test_drive.model_copy(update={"bookings": sorted(bookings.values(), key=lambda b: b.start)})
    context = base_context.model_copy(update={
        "history": history,
        "test_drive": test_drive,  # both chats' bookings: a move or cancel in the phone's chat finds them
        "customer_name": own.context.customer_name or lid.context.customer_name,
        "opted_out": own.context.opted_out or lid.context.opted_out,
    })
    seen = list(dict.fromkeys(lid.seen_message_ids + own.seen_message_ids))[-1000:]
    pending = sorted(lid.pending + own.pending, key=lambda message: message.received_at)
    pending = [message.model_copy(update={"chat_id": own.chat_id, "phone": own.phone}) for message in pending]
    return own.model_copy(update={
        "context": context,
        "customer_name": own.customer_name or lid.customer_name,
        "pending": list({message.message_id: message for message in pending}.values()),
        "seen_message_ids": seen,
        "recent": sorted(own.recent + lid.recent, key=lambda record: record.timings.received_at)[-10:],
        "crm_pending": lid.crm_pending + own.crm_pending,
        "last_crm": own.last_crm if own.last_crm and (not newer_is_lid or lid.last_crm is None) else lid.last_crm,
        "score_history": sorted(own.score_history + lid.score_history, key=lambda point: point.at)[-100:],
        "escalation_count": own.escalation_count + lid.escalation_count,
        "open_escalation": own.open_escalation or lid.open_escalation,
        "messages_processed": own.messages_processed + lid.messages_processed,
        "staff_pending": lid.staff_pending + own.staff_pending,
        "test_drive_count": own.test_drive_count + lid.test_drive_count,
        "opted_out": own.opted_out or lid.opted_out,
        "opted_out_at": own.opted_out_at or lid.opted_out_at,
        "recent_outgoing": (lid.recent_outgoing + own.recent_outgoing)[-10:],
        "sent_provider_ids": (lid.sent_provider_ids + own.sent_provider_ids)[-10:],
        "sales_tasks": lid.sales_tasks + own.sales_tasks,
    })


class LidMergeSteps:
    """Mixed into ConversationWorkflow: `self.s` is its ConversationInput."""

    @workflow.signal
    def merge_into(self, request: MergeInto) -> None:
        if self.s.merge_target is None:
            self.s.merge_target = request
        message = request.message
        if message is not None and message.message_id not in self._seen:
            self._remember(message.message_id)
            self.s.pending.append(message)  # handed over with the rest, in order

    @workflow.signal
    def absorb_conversation(self, absorbed: AbsorbConversation) -> None:
        if absorbed.from_workflow_id in self.s.merged_from:
            return  # a retried hand-over
        merged = absorb_state(self.s, absorbed.state)
        merged.merged_from = (self.s.merged_from + [absorbed.from_workflow_id])[-MERGED_KEPT:]
        merged.crm_merges = self.s.crm_merges + [absorbed.from_phone]
        lid_escalation = absorbed.state.open_escalation
        if lid_escalation is not None and self.s.open_escalation is None:
            merged.escalation_to_move = lid_escalation.escalation_id  # it still tells the lid's conversation
        lid_drives = [b.booking_id for b in absorbed.state.context.test_drive.bookings]
        merged.test_drives_to_move = list(dict.fromkeys(self.s.test_drives_to_move + lid_drives))  # they too
        merged.privacy_request_id = self.s.privacy_request_id
        merged.privacy_to_move = absorbed.state.privacy_request_id or self.s.privacy_to_move
        self.s = merged
        self._seen.update(merged.seen_message_ids)

    _crm_merge_running = False

    def _merge_due(self) -> bool:
        return self.s.merge_target is not None or (bool(self.s.crm_merges) and not self._crm_merge_running)

    def _start_crm_merge(self) -> None:
        """In the background: a slow Chatwoot never delays the customer's next answer. A run that
        continues-as-new meanwhile carries `crm_merges` and merges again (idempotent)."""
        self._crm_merge_running = True
        asyncio.ensure_future(self._merge_crm())

    def _handing_over(self) -> bool:
        return self.s.merge_target is not None and workflow.patched(PATCH_LID_MERGE)

    async def _merge_crm(self) -> None:
        """The lid's CRM record and Chatwoot contact join ours (before our next CRM batch names us)."""
        lid_phone = self.s.crm_merges[0]
        try:
            await workflow.execute_activity_method(
                LidActivities.merge_crm_contact,
                CrmMergeRequest(lid_phone=lid_phone, phone=self.s.phone),
                start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(hours=6),
                retry_policy=MERGE_RETRY,
                summary=f"crm: lid {lid_phone[-4:]} → {self.s.phone[-4:]}",
            )
        except ActivityError as exc:  # given up after hours: recorded, the chat goes on
            self._note_send_failure("crm merge", str(exc.cause or exc))
        moving = self.s.escalation_to_move
        if moving and self.s.open_escalation and self.s.open_escalation.escalation_id == moving:
            self._set_escalated(True)
            await self._signal_escalation(
                "conversation_moved", ConversationMoved(workflow_id=workflow.info().workflow_id, at=workflow.now())
            )
        self.s.escalation_to_move = None
        await self._move_test_drives()
        await self._move_privacy_request()
        self.s.crm_merges = [phone for phone in self.s.crm_merges if phone != lid_phone]
        self._crm_merge_running = False

    async def _move_test_drives(self) -> None:
        """The lid's bookings' workflows send reminders and confirmations to our chat, and tell us
        (a finished one is skipped: `_signal_test_drive` logs it)."""
        if not self.s.test_drives_to_move or not workflow.patched(PATCH_LID_MOVES_TEST_DRIVES):
            return
        moved = ConversationMoved(workflow_id=workflow.info().workflow_id, at=workflow.now(), chat_id=self.s.chat_id)
        for booking_id in list(self.s.test_drives_to_move):
            await self._signal_test_drive(booking_id, "conversation_moved", moved)
        self.s.test_drives_to_move = []

    async def _move_privacy_request(self) -> None:
        """An AVG request made under the lid concerns the merged record: it writes to our chat and
        deletes or exports the number's data (the lid's rows were moved onto it)."""
        request_id = self.s.privacy_to_move
        if not request_id or not workflow.patched(PATCH_LID_MOVES_PRIVACY):
            return
        moved = ConversationMoved(workflow_id=workflow.info().workflow_id, at=workflow.now(),
                                  chat_id=self.s.chat_id, phone=self.s.phone)
        await self._signal_test_drive(request_id, "conversation_moved", moved)  # logs a finished one
        self.s.privacy_to_move = None

    async def _hand_over(self) -> None:
        """Give everything to the phone's conversation; this run then completes."""
        target = self.s.merge_target
        assert target is not None
        state = self.s.model_copy(update={"merge_target": None})
        start = ConversationInput(
            chat_id=target.chat_id, phone=target.phone, customer_name=self.s.customer_name,
            **{name: getattr(self.s, name) for name in CARRIED_SETTINGS},
        )
        await workflow.execute_activity_method(
            LidActivities.hand_over_conversation,
            HandOverRequest(
                target_workflow_id=conversation_workflow_id(target.chat_id),
                start=start,
                absorb=AbsorbConversation(
                    from_workflow_id=workflow.info().workflow_id, from_chat_id=self.s.chat_id,
                    from_phone=self.s.phone, state=state,
                ),
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=MERGE_RETRY,
            summary=f"samenvoegen → {conversation_workflow_id(target.chat_id)}",
        )
        workflow.set_current_details(f"**Samengevoegd** met {conversation_workflow_id(target.chat_id)} (nummer bekend).")
