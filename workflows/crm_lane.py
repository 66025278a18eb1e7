"""The conversation's CRM lane: updates queue in the workflow state and sync in order, in
batches, beside the customer's replies (a Chatwoot outage never delays an answer).

A mixin of ConversationWorkflow (state in `self.s`). The queue is bounded: under a flood with
the CRM behind, held customer messages are joined to the last queued update, and what still
does not fit is counted in `crm_unmirrored` instead of growing the state.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities, CrmFailure, CrmSyncRequest
    from workflows.models import ConversationInput, InboundMessage, PendingCrmUpdate
    from workflows.patches import PATCH_BOUNDED_STATE

CRM_BATCH = 20
CRM_PENDING_KEPT = 200  # queued CRM updates; when full, a held message joins the last queued one
CRM_PENDING_CHARS = 60_000  # ...or when this much text is queued
CRM_PENDING_CHARS_HARD = 100_000  # joining stops here; further updates are counted, not queued
CRM_MERGED_CHARS = 20_000
HELD_KEPT = 20  # the latest held messages, for the state query (all are mirrored to the CRM)
HELD_TEXT_KEPT = 500

CRM_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["NonRetryableIntegrationError"],
)
LOCAL_CRM_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0, maximum_attempts=5)


class CrmLane:
    s: ConversationInput
    _crm_in_flight: bool
    _crm_batch_size: int  # updates at the head of crm_pending being synced right now
    _draining: bool  # continue-as-new is coming: start no new batch
    _crm_local_only: bool

    def _queue_crm(self, role: str, text: str, message_id: str, at: datetime, crm=None, media=None) -> None:
        queue = self.s.crm_pending
        # STOP said (ConversationWorkflow._note_opt_out): this customer update marks the contact opted out
        opt_out = role == "customer" and getattr(self, "_opt_out_to_record", False)
        if opt_out:
            self._opt_out_to_record = False
        chars = sum(len(update.text) for update in queue) + len(text)
        full = len(queue) >= CRM_PENDING_KEPT or chars > CRM_PENDING_CHARS
        if not full or opt_out or not workflow.patched(PATCH_BOUNDED_STATE):  # an opt-out is never dropped
            queue.append(PendingCrmUpdate(role=role, text=text, message_id=message_id, at=at, crm=crm, opt_out=opt_out,
                                          media=media))
            return
        # Full: a flood while the CRM is behind. Join the latest queued update of the same kind
        # (never one being synced right now), up to a hard limit on the queued text.
        if chars <= CRM_PENDING_CHARS_HARD:
            for update in reversed(queue[self._crm_batch_size :]):
                if update.role == role and len(update.text) + len(text) < CRM_MERGED_CHARS:
                    update.text = f"{update.text}\n{text}"
                    update.crm = crm or update.crm  # the latest lead score is the one the CRM shows
                    return
        self.s.crm_unmirrored += 1  # the flood policy's limit: counted in the state

    def _queue_full(self, queue: list, kept: int) -> bool:
        return len(queue) >= kept and workflow.patched(PATCH_BOUNDED_STATE)

    def _hold(self, message: InboundMessage) -> None:
        """Not answered automatically (flood control); mirrored to the CRM, the latest kept here."""
        self.s.held_total += 1
        if len(message.text) > HELD_TEXT_KEPT:
            message = message.model_copy(update={"text": message.text[: HELD_TEXT_KEPT - 1] + "…"})
        self.s.held_messages = (self.s.held_messages + [message])[-HELD_KEPT:]

    async def _crm_lane(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self.s.crm_pending) and not self._draining)
            batch = self.s.crm_pending[:CRM_BATCH]
            self._crm_in_flight = True
            self._crm_batch_size = len(batch)
            try:
                await self._sync_crm(
                    CrmSyncRequest(
                        phone=self.s.phone,
                        chat_id=self.s.chat_id,
                        customer_name=self.s.customer_name,
                        updates=batch,
                    )
                )
                del self.s.crm_pending[: len(batch)]
            except FailureError as exc:  # ActivityError, or a local activity's own failure
                # Given up (non-retryable, or a day of failures): record it where staff look.
                reason = str(exc.cause or exc)
                self.s.crm_failures = (self.s.crm_failures + [reason])[-20:]
                del self.s.crm_pending[: len(batch)]
                try:
                    await workflow.execute_activity(
                        CrmActivities.record_crm_failure,
                        CrmFailure(phone=self.s.phone, error=reason, lost_updates=len(batch)),
                        start_to_close_timeout=timedelta(seconds=30),
                        retry_policy=RetryPolicy(maximum_attempts=3),
                        summary="crm failure recorded",
                    )
                except ActivityError:
                    workflow.logger.error("could not record CRM failure for %s", workflow.info().workflow_id)
            finally:
                self._crm_in_flight = False
                self._crm_batch_size = 0

    async def _sync_crm(self, request: CrmSyncRequest) -> None:
        summary = f"crm sync ← {len(request.updates)} update(s)"
        if self._crm_local_only:
            # Only the local SQLite record to write: no Chatwoot outage to wait out, so no
            # round trip through the server either (one workflow task less per message).
            await workflow.execute_local_activity(
                CrmActivities.sync_crm,
                request,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=LOCAL_CRM_RETRY,
                summary=summary,
            )
            return
        await workflow.execute_activity(
            CrmActivities.sync_crm,
            request,
            start_to_close_timeout=timedelta(seconds=60),
            schedule_to_close_timeout=timedelta(days=1),
            retry_policy=CRM_RETRY,
            summary=summary,
        )
