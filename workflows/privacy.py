"""PrivacyRequestWorkflow: a customer's AVG request, from receipt to deletion or export.

Started as a child of the ConversationWorkflow (parent close policy ABANDON: it outlives the
chat, and the chat's deletion). It confirms receipt to the customer, notifies the manager, and
waits for staff to approve (CLI, API, or the Chatwoot label `privacy-approved`), chasing at 7
and 21 days and escalating at 28, inside the one-month legal limit. The timers are durable.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.messaging import MessagingActivities, SendReplyRequest
    from activities.privacy import CarryOut, CarryOutResult, PrivacyActivities, PrivacyNotice
    from agents import privacy as texts
    from agents.escalation import customer_label, masked_phone
    from workflows import search_attributes as sa
    from workflows.models import ConversationMoved, PrivacyApproval, PrivacyRequestInput, PrivacyState, PrivacyStatus

# (days after the request, stage): two chases, then the escalation before the month is up
CHASES = ((7, "reminder"), (21, "reminder"), (28, "escalation"))
SEND_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                         maximum_interval=timedelta(minutes=1), maximum_attempts=8,
                         non_retryable_error_types=["WahaRejected", "PrivacyChannelRejected"])
# Deleting must finish: keep trying (Chatwoot may be down for a while); each attempt is idempotent.
CARRY_OUT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                              maximum_interval=timedelta(minutes=10))


@workflow.defn
class PrivacyRequestWorkflow:
    @workflow.init
    def __init__(self, input: PrivacyRequestInput) -> None:
        self._status = PrivacyStatus(request_id=input.request_id, input=input)

    @workflow.signal
    def approve(self, approval: PrivacyApproval) -> None:
        if self._status.approval is None:
            self._status.approval = approval.model_copy(update={"at": approval.at or workflow.now()})

    @workflow.signal
    def conversation_moved(self, moved: ConversationMoved) -> None:
        """The @lid chat that asked merged into its phone's conversation (issue 17): the request
        now concerns that number's (merged) data and chat."""
        request = self._status.input
        request.conversation_workflow_id = moved.workflow_id
        if moved.chat_id:
            request.chat_id = moved.chat_id
        if moved.phone:
            request.customer_phone = moved.phone

    @workflow.query
    def status(self) -> PrivacyStatus:
        return self._status

    @workflow.run
    async def run(self, input: PrivacyRequestInput) -> PrivacyStatus:
        status = self._status
        workflow.upsert_search_attributes([sa.CUSTOMER_PHONE.value_set(input.customer_phone)])
        self._details()
        received = texts.privacy_received_text(input.kind, input.language, input.address_form)
        status.customer_told = await self._tell_customer(received, "received")
        status.manager_notified = await self._notify("new")
        for days, stage in CHASES:
            if await self._approved_before(input.started_at + timedelta(days=days)):
                break
            await self._notify(stage, days)
            if stage == "escalation":
                status.escalated = True
            else:
                status.reminders_sent += 1
            self._details()
        await workflow.wait_condition(lambda: status.approval is not None)

        self._set_state("carrying_out")
        if input.kind == "delete":  # the last message, before nothing is left to send it from
            await self._tell_customer(texts.privacy_carried_out_text("delete", input.language, input.address_form), "carried-out")
        try:
            result: CarryOutResult = await workflow.execute_activity_method(
                PrivacyActivities.carry_out_privacy_request,
                CarryOut(request_id=input.request_id, kind=input.kind, phone=input.customer_phone),
                start_to_close_timeout=timedelta(minutes=5),
                schedule_to_close_timeout=timedelta(days=7),
                retry_policy=CARRY_OUT_RETRY,
                summary=f"privacy {input.kind}: carry out",
            )
            status.outcome = result.summary
            status.errors += [f"{store}: {error}" for store, error in result.errors.items()]
        except ActivityError as exc:  # a week of failures: the manager finishes it by hand
            status.errors.append(f"carry out: {exc.cause or exc}")
            status.outcome = f"MISLUKT, voer `seldenrijk privacy {'forget' if input.kind == 'delete' else 'export'}` uit"
        if input.kind == "export":
            await self._tell_customer(texts.privacy_carried_out_text("export", input.language, input.address_form), "carried-out")
        await self._notify("done")
        self._set_state("done")
        return status

    async def _approved_before(self, deadline: datetime) -> bool:
        remaining = (deadline - workflow.now()).total_seconds()
        if self._status.approval is not None:
            return True
        if remaining <= 0:
            return False
        try:
            await workflow.wait_condition(lambda: self._status.approval is not None, timeout=timedelta(seconds=remaining))
        except asyncio.TimeoutError:
            return False
        return True

    async def _tell_customer(self, text: str, step: str) -> bool:
        input = self._status.input
        try:
            await workflow.execute_activity(
                MessagingActivities.send_whatsapp,
                SendReplyRequest(chat_id=input.chat_id, text=text, reply_id=f"{input.request_id}:{step}"),
                start_to_close_timeout=timedelta(seconds=20),
                schedule_to_close_timeout=timedelta(hours=1),
                retry_policy=SEND_RETRY,
                summary=f"whatsapp → klant: {step}",
            )
        except ActivityError as exc:
            self._status.errors.append(f"whatsapp ({step}): {exc.cause or exc}")
            return False
        return True

    async def _notify(self, stage: str, days: int = 0) -> bool:
        status, input = self._status, self._status.input
        deleted = stage == "done" and input.kind == "delete"
        # After a deletion the manager's message names the customer only by a masked number.
        customer = masked_phone(input.customer_phone) if deleted else customer_label(input.customer_name, input.customer_phone)
        notice = PrivacyNotice(
            subject=texts.privacy_staff_subject(input.kind, stage, customer),
            text=texts.privacy_staff_text(input.kind, stage, customer, input.text, input.request_id, days, status.outcome),
            # the request id holds the phone's digits: not in the one e-mail that outlives a deletion
            message_id_hint=f"privacy-done-{workflow.uuid4().hex[:12]}" if deleted else f"{input.request_id}.{stage}{days or ''}",
        )
        try:
            await workflow.execute_activity_method(
                PrivacyActivities.notify_privacy_manager,
                notice,
                start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(hours=6),
                retry_policy=SEND_RETRY,
                summary=f"manager ← privacy {stage}",
            )
        except ActivityError as exc:
            status.errors.append(f"manager ({stage}): {exc.cause or exc}")
            return False
        return True

    def _set_state(self, state: PrivacyState) -> None:
        self._status.state = state
        self._details()

    def _details(self) -> None:
        status = self._status
        lines = [f"**AVG-verzoek: {texts.PRIVACY_KIND_TITLES[status.input.kind]}** · {status.state}",
                 f"Herinneringen: {status.reminders_sent} · geëscaleerd: {status.escalated}"]
        if status.approval:
            lines.append(f"Goedgekeurd door {status.approval.by or 'onbekend'} via {status.approval.via}")
        if status.outcome:
            lines.append(status.outcome)
        workflow.set_current_details("\n\n".join(lines))
