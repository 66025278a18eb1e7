"""EscalationWorkflow: alert the right person, wait for acknowledgement, chase, close.

A child of ConversationWorkflow (parent close policy ABANDON, so it outlives the parent's
continue-as-new). Channels fail independently: each is its own activity, and a failure after
its retries is recorded in `channels.errors` while the others go on. The SLA timers are
durable: a worker restart does not forget anyone.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.escalation import (
        NON_RETRYABLE,
        ChatwootHandover,
        ChatwootHandoverResult,
        ChatwootLocation,
        ChatwootLookup,
        ChatwootNote,
        EmailAlert,
        EscalationActivities,
        PlanRequest,
        WhatsAppAlert,
    )
    from agents import escalation as texts
    from agents import handover
    from agents.escalation import EscalationPlan
    from agents.handover import HandoverView
    from workflows import search_attributes as sa
    # Issue 13: keep the conversation told (deadline, who took it, overdue), forward the customer's
    # messages, raise urgency; our own Chatwoot assignment coming back is not an acknowledgement.
    from workflows.patches import PATCH_HANDOVER_ESCALATION
    from workflows.models import (
        Acknowledgement,
        ConversationMoved,
        EscalationClosed,
        EscalationInput,
        EscalationNote,
        EscalationState,
        EscalationStatus,
        EscalationUpdate,
        ForwardedMessage,
        ForwardRecord,
        Resolution,
        UrgencyRaised,
    )

# An escalation nobody resolves is closed after this, so the conversation bot is not muted forever.
STALE_AFTER = timedelta(days=14)
NOTES_KEPT = 20
ERRORS_KEPT = 30

PLAN_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=6,
    non_retryable_error_types=[NON_RETRYABLE],
)
# Looking up the Chatwoot conversation only decorates the alert with a link: give up quickly.
LOOKUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_attempts=3, non_retryable_error_types=[NON_RETRYABLE]
)




def _failure(exc: ActivityError) -> str:
    """The activity's own error message (ActivityError itself only says "Activity task failed")."""
    return str(exc.cause or exc)


@workflow.defn
class EscalationWorkflow:
    @workflow.init
    def __init__(self, input: EscalationInput) -> None:
        # Built from the input before any handler runs: signals may arrive with the start itself.
        self._status = EscalationStatus(escalation_id=input.escalation_id, input=input, state="alerting")
        self._plan: EscalationPlan | None = None
        self._chatwoot: ChatwootLocation | None = None
        self._alerting_done = False
        self._handover: ChatwootHandoverResult | None = None
        self._forward_buffer: list[ForwardedMessage] = []
        self._forward_flush_waiting = False
        self._forward_rounds = 0

    # --- signals and query ------------------------------------------------------------
    @workflow.signal
    async def acknowledge(self, ack: Acknowledgement) -> None:
        status = self._status
        if status.acknowledged is not None or status.resolution is not None:
            return  # the first acknowledgement counts; later ones (every staff message) are no news
        if workflow.patched(PATCH_HANDOVER_ESCALATION) and self._own_assignment(ack):
            status.echoes_ignored += 1  # Chatwoot reporting the assignment we made: nobody picked it up yet
            return
        status.acknowledged = ack.model_copy(update={"at": ack.at or workflow.now()})
        self._set_state("acknowledged")
        if workflow.patched(PATCH_HANDOVER_ESCALATION):
            await self._tell_conversation()

    def _own_assignment(self, ack: Acknowledgement) -> bool:
        if ack.how != "assigned" or ack.assignee_id is None:
            return False
        ours = {self._plan.chatwoot_assignee_id if self._plan else None}
        ours.add(self._handover.assignee_id if self._handover else None)
        return ack.assignee_id in ours

    @workflow.signal
    async def forward(self, message: ForwardedMessage) -> None:
        """The customer wrote again: a Chatwoot note, or one grouped WhatsApp/e-mail update."""
        await workflow.wait_condition(lambda: self._alerting_done)
        plan, status = self._plan, self._status
        if status.resolution is not None or plan is None:
            return
        if self._chatwoot is not None:
            delivered = await self._chatwoot_note(
                handover.forward_note(message.text, message.bot_reply, message.reason), "forwarded message"
            )
            self._record_forwards([message], "chatwoot", delivered)
            return
        self._forward_buffer.append(message)
        if self._forward_flush_waiting:
            return  # the update already on its way takes this message along
        self._forward_flush_waiting = True
        await workflow.sleep(timedelta(seconds=max(plan.forward_window_seconds, 1)))
        batch, self._forward_buffer = self._forward_buffer, []
        self._forward_flush_waiting = False
        await self._send_forward_update(plan, batch)

    @workflow.signal
    async def raise_urgency(self, rise: UrgencyRaised) -> None:
        """Threats or a customer left waiting: higher urgency in the note; the manager alerted once per level."""
        status = self._status
        order = ("low", "medium", "high", "critical")
        current = status.urgency or status.input.urgency
        if status.resolution is not None or order.index(rise.urgency) <= order.index(current):
            return
        status.urgency = rise.urgency
        status.urgency_reasons = (status.urgency_reasons + [rise.reason])[-10:]
        await workflow.wait_condition(lambda: self._alerting_done)
        plan, input = self._plan, status.input
        note = handover.urgency_note(rise.urgency, rise.reason)
        sends = []
        if self._chatwoot is not None:
            sends.append(self._chatwoot_note(note, f"urgency {rise.urgency}"))
        if rise.urgency not in status.manager_alerted_for and plan is not None:
            status.manager_alerted_for.append(rise.urgency)  # once per level, not per threatening message
            link = self._chatwoot.url if self._chatwoot else None
            if plan.manager.chat_id:
                text = "\n".join(
                    [note, texts.alert_text(input.escalation_type, input.customer_name, input.customer_phone,
                                            input.question, link, urgency=rise.urgency)]
                )
                sends.append(self._whatsapp(plan.manager.chat_id, text, f"urgency {rise.urgency} → manager"))
            if plan.manager.email:
                body = note + "\n\n" + texts.email_body(
                    escalation_id=input.escalation_id, escalation_type=input.escalation_type,
                    urgency=rise.urgency, reason=rise.reason, question=input.question,
                    customer_name=input.customer_name, customer_phone=input.customer_phone,
                    transcript=input.transcript, started_at=input.started_at, sla_deadline=status.sla_deadline,
                    timezone_name=plan.timezone_name, chatwoot_url=link, public_base_url=plan.public_base_url,
                )
                sends.append(self._email(
                    EmailAlert(
                        to=[plan.manager.email],
                        subject=texts.email_subject(
                            input.escalation_type, rise.urgency, input.customer_name, input.customer_phone
                        ),
                        body=body,
                        message_id_hint=f"{input.escalation_id}.urgency",
                    ),
                    f"e-mail urgency {rise.urgency} → manager",
                ))
        await asyncio.gather(*sends)
        self._update_details()

    @workflow.signal
    def conversation_moved(self, moved: ConversationMoved) -> None:
        """An @lid chat merged into its phone's conversation (issue 17): tell that one from now on."""
        self._status.input.conversation_workflow_id = moved.workflow_id

    @workflow.signal
    def resolve(self, resolution: Resolution) -> None:
        status = self._status
        if status.resolution is not None:
            return
        at = resolution.at or workflow.now()
        status.resolution = resolution.model_copy(update={"at": at})
        if status.acknowledged is None:  # whoever resolved it clearly picked it up
            status.acknowledged = Acknowledgement(by=resolution.by, via=resolution.via, at=at)
        self._set_state("resolved")

    @workflow.signal
    async def add_note(self, note: EscalationNote) -> None:
        """A new trigger while open: a Chatwoot note for the human, never a second alert."""
        status = self._status
        # Bounded: a chatty customer must not grow the status (the workflow's result) without end.
        status.notes = (status.notes + [note])[-NOTES_KEPT:]
        status.notes_total += 1
        number = status.notes_total  # taken now: every handler resumes after all queued signals
        await workflow.wait_condition(lambda: self._alerting_done)
        if self._chatwoot is None or status.resolution is not None:
            return
        try:
            await workflow.execute_activity_method(
                EscalationActivities.add_chatwoot_note,
                ChatwootNote(
                    conversation_id=self._chatwoot.conversation_id,
                    text=texts.follow_up_note(note.text, note.reason),
                    ledger_key=f"{status.escalation_id}:chatwoot:note-{number}",
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=SEND_RETRY,
                summary="Chatwoot note: new message during escalation",
            )
        except ActivityError as exc:
            status.channels.errors = (status.channels.errors + [f"chatwoot note: {_failure(exc)}"])[-ERRORS_KEPT:]

    @workflow.query
    def status(self) -> EscalationStatus:
        return self._status

    # --- main flow ----------------------------------------------------------------------
    @workflow.run
    async def run(self, input: EscalationInput) -> EscalationStatus:
        status = self._status
        workflow.upsert_search_attributes(
            [
                sa.ESCALATED.value_set(True),
                sa.ESCALATION_TYPE.value_set(input.escalation_type),
                sa.ESCALATION_STATE.value_set("alerting"),
                sa.CUSTOMER_PHONE.value_set(input.customer_phone),
            ]
        )
        self._update_details()
        self._plan = plan = await workflow.execute_activity_method(
            EscalationActivities.plan_escalation,
            PlanRequest(input=input, now=workflow.now()),
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=PLAN_RETRY,
            summary=f"plan: {input.escalation_type}, urgency {input.urgency}",
        )
        status.sla_deadline = plan.deadlines[0]
        status.specialist_chat_id = plan.specialist.chat_id
        await self._alert_everyone(plan)
        self._alerting_done = True
        if workflow.patched(PATCH_HANDOVER_ESCALATION):
            await self._tell_conversation()
        if status.acknowledged is None:
            self._set_state("waiting_ack")

        for round_number, deadline in enumerate(plan.deadlines, start=1):
            if await self._wait_until(deadline, lambda: self._status.acknowledged is not None):
                break
            await self._chase(plan, round_number)

        if not await self._wait_until(input.started_at + STALE_AFTER, lambda: status.resolution is not None):
            status.resolution = Resolution(outcome="expired", by="system", at=workflow.now())
            status.acknowledged = status.acknowledged or Acknowledgement(by="system", at=workflow.now())
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._set_state("resolved")
        await self._tell_parent(input, status.resolution)
        return status

    async def _wait_until(self, deadline: datetime, condition) -> bool:
        """True when `condition` holds before `deadline` (workflow time), False on timeout."""
        remaining = (deadline - workflow.now()).total_seconds()
        if condition():
            return True
        if remaining <= 0:
            return False
        try:
            await workflow.wait_condition(condition, timeout=timedelta(seconds=remaining))
        except asyncio.TimeoutError:
            return False
        return True

    # --- channels -----------------------------------------------------------------------
    async def _alert_everyone(self, plan: EscalationPlan) -> None:
        input = self._status.input
        if plan.chatwoot_configured:
            self._chatwoot = await self._locate_chatwoot(input)
        link = self._chatwoot.url if self._chatwoot else None
        await asyncio.gather(
            self._first_whatsapp(plan, input, link),
            self._first_email(plan, input, link),
            self._hand_over(plan, input),
        )
        self._update_details()

    async def _first_whatsapp(self, plan: EscalationPlan, input: EscalationInput, link: str | None) -> None:
        channels = self._status.channels
        if plan.whatsapp_fallback_note and plan.specialist.chat_id is None:
            channels.errors.append(plan.whatsapp_fallback_note)
            return
        text = texts.alert_text(
            input.escalation_type, input.customer_name, input.customer_phone, input.question, link,
            urgency=input.urgency,
        )
        channels.whatsapp_sent = await self._whatsapp(
            plan.specialist.chat_id, text, f"alert → {plan.specialist.label}", f"{input.escalation_id}:whatsapp:alert"
        )
        if channels.whatsapp_sent and plan.whatsapp_fallback_note:
            channels.errors.append(plan.whatsapp_fallback_note)

    async def _first_email(self, plan: EscalationPlan, input: EscalationInput, link: str | None) -> None:
        channels = self._status.channels
        if not plan.specialist.email:
            channels.errors.append(f"email: not configured for {input.escalation_type}")
            return
        cc = [plan.manager.email] if plan.cc_manager and plan.manager.email else []
        channels.email_sent = await self._email(
            EmailAlert(
                to=[plan.specialist.email],
                cc=[address for address in cc if address != plan.specialist.email],
                subject=texts.email_subject(
                    input.escalation_type, input.urgency, input.customer_name, input.customer_phone
                ),
                body=self._email_body(plan, input, link),
                message_id_hint=f"{input.escalation_id}.alert",
            ),
            f"e-mail → {plan.specialist.email}" + (" (cc manager)" if cc else ""),
        )

    async def _hand_over(self, plan: EscalationPlan, input: EscalationInput) -> None:
        channels = self._status.channels
        if not plan.chatwoot_configured:
            channels.errors.append("chatwoot: not configured (CHATWOOT_BASE_URL / CHATWOOT_API_TOKEN unset)")
            return
        if self._chatwoot is None:
            return  # the lookup failed; its error is recorded already
        try:
            result: ChatwootHandoverResult = await workflow.execute_activity_method(
                EscalationActivities.hand_over_in_chatwoot,
                ChatwootHandover(
                    conversation_id=self._chatwoot.conversation_id,
                    assignee_id=plan.chatwoot_assignee_id,
                    team_id=plan.chatwoot_team_id,
                    note=texts.chatwoot_note(
                        input.escalation_type, input.urgency, input.reason, input.question, input.transcript,
                        plan.deadlines[0], plan.timezone_name,
                    ),
                    escalation_type=input.escalation_type,
                    assignee_email=plan.specialist.email,
                    ledger_key=f"{input.escalation_id}:chatwoot:handover",
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=SEND_RETRY,
                summary=f"Chatwoot: assign {plan.specialist.label}, note, label escalated",
            )
        except ActivityError as exc:
            channels.errors.append(f"chatwoot: {_failure(exc)}")
            return
        self._handover = result
        channels.chatwoot_assigned = result.assigned
        channels.chatwoot_assignment = result.detail
        if not result.assigned:
            channels.errors.append(result.detail)

    async def _locate_chatwoot(self, input: EscalationInput) -> ChatwootLocation | None:
        try:
            return await workflow.execute_activity_method(
                EscalationActivities.locate_chatwoot_conversation,
                ChatwootLookup(phone=input.customer_phone, name=input.customer_name),
                start_to_close_timeout=timedelta(seconds=15),
                retry_policy=LOOKUP_RETRY,
                summary="Chatwoot: find the conversation",
            )
        except ActivityError as exc:
            self._status.channels.errors.append(f"chatwoot: {_failure(exc)}")
            return None

    async def _chase(self, plan: EscalationPlan, round_number: int) -> None:
        """Nobody acknowledged in time: remind the specialist and alert the manager."""
        status = self._status
        input = status.input
        waited = max(int((workflow.now() - input.started_at).total_seconds() // 60), 0)
        link = self._chatwoot.url if self._chatwoot else None
        sends = []
        specialist_chat = plan.specialist.chat_id
        if specialist_chat and specialist_chat != plan.manager.chat_id:
            reminder = texts.reminder_text(
                input.escalation_type, input.customer_name, input.customer_phone, input.question,
                waited, round_number, link,
            )
            summary = f"reminder {round_number} → {plan.specialist.label}"
            sends.append(self._whatsapp(
                specialist_chat, reminder, summary, f"{input.escalation_id}:whatsapp:reminder{round_number}"
            ))
        if plan.manager.chat_id:
            alert = texts.manager_alert_text(
                input.escalation_type, input.customer_name, input.customer_phone, input.question, waited, link
            )
            summary = f"not picked up → manager (round {round_number})"
            sends.append(self._whatsapp(
                plan.manager.chat_id, alert, summary, f"{input.escalation_id}:whatsapp:manager{round_number}"
            ))
        else:
            status.channels.errors.append(f"round {round_number}: no manager WhatsApp number configured")
        if plan.manager.email:
            sends.append(
                self._email(
                    EmailAlert(
                        to=[plan.manager.email],
                        cc=[plan.specialist.email] if plan.specialist.email not in (None, plan.manager.email) else [],
                        subject=texts.email_subject(
                            input.escalation_type, input.urgency, input.customer_name, input.customer_phone,
                            overdue=True,
                        ),
                        body=self._email_body(plan, input, link, overdue_minutes=waited),
                        message_id_hint=f"{input.escalation_id}.overdue{round_number}",
                    ),
                    f"e-mail overdue → manager (round {round_number})",
                )
            )
        results = await asyncio.gather(*sends)
        status.reminders_sent += 1
        status.manager_alerted = status.manager_alerted or any(results)
        self._update_details()
        if round_number == 1 and workflow.patched(PATCH_HANDOVER_ESCALATION):
            status.customer_told_overdue = True  # the conversation tells the customer honestly
            await self._tell_conversation()

    async def _whatsapp(self, chat_id: str, text: str, summary: str, ledger_key: str | None = None) -> bool:
        try:
            await workflow.execute_activity_method(
                EscalationActivities.send_escalation_whatsapp,
                WhatsAppAlert(chat_id=chat_id, text=text, ledger_key=ledger_key),
                start_to_close_timeout=timedelta(seconds=20),
                retry_policy=SEND_RETRY,
                summary=f"WhatsApp {summary}",
            )
        except ActivityError as exc:
            self._status.channels.errors.append(f"whatsapp ({summary}): {_failure(exc)}")
            return False
        return True

    async def _email(self, alert: EmailAlert, summary: str) -> bool:
        try:
            await workflow.execute_activity_method(
                EscalationActivities.send_escalation_email,
                alert,
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=SEND_RETRY,
                summary=summary,
            )
        except ActivityError as exc:
            self._status.channels.errors.append(f"email ({summary}): {_failure(exc)}")
            return False
        return True

    def _email_body(
        self, plan: EscalationPlan, input: EscalationInput, link: str | None, overdue_minutes: int | None = None
    ) -> str:
        return texts.email_body(
            escalation_id=input.escalation_id,
            escalation_type=input.escalation_type,
            urgency=input.urgency,
            reason=input.reason,
            question=input.question,
            customer_name=input.customer_name,
            customer_phone=input.customer_phone,
            transcript=input.transcript,
            started_at=input.started_at,
            sla_deadline=plan.deadlines[0],
            timezone_name=plan.timezone_name,
            chatwoot_url=link,
            public_base_url=plan.public_base_url,
            overdue_minutes=overdue_minutes,
        )

    # --- the hand-over as a conversation ---------------------------------------------------
    def _view(self) -> HandoverView:
        status, plan = self._status, self._plan
        ack = status.acknowledged
        name = None
        if ack is not None:
            name = ack.by if ack.via == "chatwoot" and ack.by else (plan.specialist_name if plan else None)
        overdue_until = None
        if status.customer_told_overdue and ack is None and plan is not None:
            later = [deadline for deadline in plan.deadlines if deadline > workflow.now()]
            overdue_until = later[0] if later else None
        return HandoverView(
            escalation_type=status.input.escalation_type,
            sla_deadline=status.sla_deadline,
            timezone_name=plan.timezone_name if plan else "Europe/Amsterdam",
            handler_name=name,  # the role until someone took it
            acknowledged=ack is not None,
            overdue_until=overdue_until,
        )

    async def _tell_conversation(self) -> None:
        input = self._status.input
        update = EscalationUpdate(escalation_id=input.escalation_id, view=self._view())
        try:
            await workflow.get_external_workflow_handle(input.conversation_workflow_id).signal(
                "escalation_update", update
            )
        except Exception as exc:  # noqa: BLE001 - the conversation may be gone; the escalation goes on
            workflow.logger.warning("could not tell %s: %s", input.conversation_workflow_id, exc)

    async def _chatwoot_note(self, text: str, summary: str) -> bool:
        assert self._chatwoot is not None
        try:
            await workflow.execute_activity_method(
                EscalationActivities.add_chatwoot_note,
                ChatwootNote(conversation_id=self._chatwoot.conversation_id, text=text),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=SEND_RETRY,
                summary=f"Chatwoot note: {summary}",
            )
        except ActivityError as exc:
            self._status.channels.errors.append(f"chatwoot note: {_failure(exc)}")
            return False
        return True

    async def _send_forward_update(self, plan: EscalationPlan, batch: list[ForwardedMessage]) -> None:
        status, input = self._status, self._status.input
        if not batch or status.resolution is not None:
            return
        self._forward_rounds += 1
        customer = texts.customer_label(input.customer_name, input.customer_phone)
        text = handover.forward_update(customer, [message.text for message in batch], input.escalation_id)
        if plan.specialist.chat_id:
            delivered = await self._whatsapp(plan.specialist.chat_id, text, f"update ({len(batch)}) → {plan.specialist.label}")
            self._record_forwards(batch, "whatsapp", delivered)
        elif plan.specialist.email:
            delivered = await self._email(
                EmailAlert(
                    to=[plan.specialist.email],
                    subject=f"[Escalatie update] {texts.TYPE_TITLES[input.escalation_type]}: {customer}",
                    body=text,
                    message_id_hint=f"{input.escalation_id}.update{self._forward_rounds}",
                ),
                f"e-mail update ({len(batch)}) → {plan.specialist.email}",
            )
            self._record_forwards(batch, "email", delivered)
        else:
            self._record_forwards(batch, "none", False)

    def _record_forwards(self, batch: list[ForwardedMessage], channel: str, delivered: bool) -> None:
        records = [
            ForwardRecord(message_id=message.message_id, at=workflow.now(), channel=channel, delivered=delivered)
            for message in batch
        ]
        self._status.forwards = (self._status.forwards + records)[-handover.FORWARDS_KEPT:]
        self._update_details()

    # --- bookkeeping --------------------------------------------------------------------
    def _set_state(self, state: EscalationState) -> None:
        status = self._status
        if status.state == state:
            return
        status.state = state
        workflow.upsert_search_attributes([sa.ESCALATION_STATE.value_set(state)])
        self._update_details()

    def _update_details(self) -> None:
        status = self._status
        input, channels = status.input, status.channels
        mark = {True: "✅", False: "❌"}
        lines = [
            f"**Escalatie {texts.TYPE_TITLES[input.escalation_type]}** · "
            f"{texts.URGENCY_TITLES[status.urgency or input.urgency]}",
            f"Klant: {texts.customer_label(input.customer_name, input.customer_phone)}",
            f"Status: **{status.state}**"
            + (f" · SLA {status.sla_deadline:%Y-%m-%d %H:%M} UTC" if status.sla_deadline else ""),
            f"WhatsApp {mark[channels.whatsapp_sent]} · e-mail {mark[channels.email_sent]}"
            f" · Chatwoot {mark[channels.chatwoot_assigned]}",
        ]
        if status.reminders_sent:
            lines.append(f"Herinneringen: {status.reminders_sent}, manager gealarmeerd: {status.manager_alerted}")
        if status.forwards:
            lines.append(f"Doorgestuurde klantberichten: {len(status.forwards)}")
        if status.acknowledged:
            lines.append(f"Opgepakt door {status.acknowledged.by or 'onbekend'} via {status.acknowledged.via}")
        if status.resolution:
            lines.append(f"Afgesloten: {status.resolution.outcome}")
        workflow.set_current_details("\n\n".join(lines))

    async def _tell_parent(self, input: EscalationInput, resolution: Resolution | None) -> None:
        closed = EscalationClosed(
            escalation_id=input.escalation_id,
            outcome=resolution.outcome if resolution else "resolved",
            at=workflow.now(),
        )
        try:
            await workflow.get_external_workflow_handle(input.conversation_workflow_id).signal(
                "escalation_closed", closed
            )
        except Exception as exc:  # noqa: BLE001 - the conversation may be gone; the escalation is still closed
            workflow.logger.warning("could not tell %s: %s", input.conversation_workflow_id, exc)
