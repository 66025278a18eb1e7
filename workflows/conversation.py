"""ConversationWorkflow: one per WhatsApp chat, messages processed one at a time in order.

Each message walks route → extract → expertise → inventory → reply → lead score → send,
every step an activity with its own timeout, retry policy and UI summary. CRM mirroring
runs in its own lane so a Chatwoot outage never delays the customer's reply.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.agents import (
        AgentActivities,
        AssessRequest,
        ExtractRequest,
        StepRequest,
    )
    from activities.delivery_alert import DeliveryAlertActivities, UndeliveredAlert
    from activities.messaging import MessagingActivities, SendReplyRequest
    from agents import context as memory
    from agents import dialogue
    from agents import privacy
    from agents.rules.phrases import Phrase, say
    from agents.stock_question import wants_stock
    from agents.models import (
        Car,
        ConversationOutput,
        InventorySearchResult,
        Understanding,
    )
    from workflows import search_attributes as sa
    from workflows.crm_lane import CrmLane
    from workflows.patches import (
        PATCH_CAN_KEEPS_CRM,
        PATCH_HANDOVER,
        PATCH_PRIVACY_REQUEST,
        PATCH_ESCALATION_ID,
        PATCH_MEDIA,
        PATCH_ONE_UNDERSTANDING_STEP,
        PATCH_QUIET_CONTINUE,
        PATCH_SEND_FAILURES,
        PATCH_SEND_GIVES_UP,
        PATCH_SESSION_WAIT,
        PATCH_TWO_STEP_ANSWER,
        PATCH_UPSERT_CHANGES_ONLY,
        PATCH_LID_MERGE,
    )
    from workflows.conversation_followup import FollowUpSteps
    from workflows.conversation_merge import LidMergeSteps
    from workflows.conversation_session import SessionWaitSteps
    from workflows.conversation_burst import BurstMixin
    from workflows.conversation_checks import OpenChecks
    from workflows.conversation_events import MessageEventsMixin
    from workflows.conversation_understand import UnderstandStep
    from workflows.conversation_answer import AnswerSteps
    from workflows.conversation_handover import HandoverMixin, echo_key
    from workflows.conversation_testdrive import TestDriveSteps
    from workflows.testdrive_models import TestDriveChanged
    from workflows.models import (
        Acknowledgement,
        ConversationInput,
        ConversationSnapshot,
        EscalationClosed,
        EscalationInput,
        EscalationNote,
        EscalationUpdate,
        HandoffEnded,
        InboundMessage,
        MessageEdited,
        MessageRevoked,
        MessageTimings,
        OpenEscalation,
        PrivacyRequestInput,
        ProcessedMessage,
        Resolution,
        ScorePoint,
        StaffEngagement,
        StaffMessage,
        TradeInValue,
        escalation_workflow_id,
        with_recent,
        privacy_workflow_id,
    )
    from workflows.conversation_media import TradeInAndMedia

SEEN_IDS_KEPT = 1000
RECENT_KEPT = 10  # processed messages kept in the state (the full trace is in the history)
# The state is carried by continue-as-new as one payload (Temporal refuses payloads over 2 MB):
# every list in it is bounded, so a spammer cannot grow it (the CRM queue: workflows/crm_lane.py).
PENDING_KEPT = 50  # messages waiting for an answer; more are held, as in a flood
STAFF_PENDING_KEPT = 50
SEND_FAILURES_KEPT = 20
# The customer is waiting: a reply that cannot be delivered in this time is given up (sales alerted).
SEND_GIVE_UP = timedelta(minutes=15)
# Chatwoot reports our own escalation assignment as an assignment; a person's comes later.
OWN_ASSIGNMENT_ECHO = timedelta(minutes=2)
# Issue 13 (PATCH_HANDOVER): while an escalation is open the bot keeps answering (quiet only while
# a person chats), forwards each message, tells the customer who has the question, raises urgency.
OUTGOING_KEPT = 10  # our recent sends, to recognise their WhatsApp echoes
# Claude may be slow or failing: a few quick attempts, then the rules engine answers.
AGENT_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), backoff_coefficient=2.0, maximum_attempts=3)
RULES_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["WahaRejected"],
)
ALERT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=3)

FLOOD_NOTICE = (
    "Je stuurt ons veel berichten tegelijk 🙂 We lezen alles, maar beantwoorden ze even niet "
    "automatisch. Een collega kijkt er zo snel mogelijk naar."
)
FLOOD_NOTICE_SAID = Phrase(
    nl=FLOOD_NOTICE,
    nl_u="U stuurt ons veel berichten tegelijk 🙂 We lezen alles, maar beantwoorden ze even niet automatisch. "
         "Een collega kijkt er zo snel mogelijk naar.",
    en="You're sending us a lot of messages at once 🙂 We read everything, but won't answer automatically for a moment. "
       "A colleague will look at them as soon as possible.",
    de="Sie schicken uns gerade sehr viele Nachrichten 🙂 Wir lesen alles, antworten aber kurz nicht automatisch. "
       "Ein Kollege sieht sie sich so bald wie möglich an.",
)


def _clip(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


@workflow.defn
class ConversationWorkflow(
    CrmLane, TestDriveSteps, TradeInAndMedia, HandoverMixin, BurstMixin, MessageEventsMixin, SessionWaitSteps,
    LidMergeSteps, OpenChecks, FollowUpSteps, UnderstandStep, AnswerSteps,
):
    @workflow.init
    def __init__(self, state: ConversationInput) -> None:
        self.s = state
        self._seen = set(state.seen_message_ids)
        self._seen_staff = set(state.seen_staff_ids)
        self._processing: str | None = None
        self._crm_in_flight = False
        self._crm_batch_size = 0  # updates at the head of crm_pending being synced right now
        self._draining = False
        self._last_answer: str | None = None
        self._last_customer_message: str | None = None
        self._claude_failed = False  # per message: once Claude gave up, the rules engine finishes it
        self._escalation_enabled = True
        self._crm_local_only = False  # learnt from the lead score step: no Chatwoot configured
        self._sales_in_flight = False  # a trade-in summary or forwarded document being posted
        self._opt_out_to_record = False  # STOP said: the next customer CRM update marks the contact
        self._init_burst()
        self._init_answer()
        self._init_message_events()
        self._quiet_continue = False  # decided when the run starts (run())
        self._upsert_changes_only = False
        self._last_turn_at: datetime | None = None  # this run's latest customer turn

    # --- signals and query ------------------------------------------------------
    @workflow.signal
    def new_message(self, message: InboundMessage) -> None:
        if message.message_id in self._seen:
            return  # WAHA redelivers until it gets a 2xx: process each message once
        self._remember(message.message_id)
        if self._flooding(message.received_at) or self._queue_full(self.s.pending, PENDING_KEPT):
            self._hold(message)
            self._queue_crm("customer", message.text, message.message_id, message.received_at)
            last = self.s.flood_notice_sent_at
            if last is None or message.received_at - last > timedelta(minutes=10):
                self.s.flood_notice_due = True
                self.s.flood_notice_sent_at = message.received_at
            return
        self.s.pending.append(message)
        self._customer_message_queued(message)  # seen, typing, the burst window (conversation_burst.py)

    @workflow.signal
    async def message_edited(self, edit: MessageEdited) -> None:
        await self._message_edited(edit)  # conversation_events.py

    @workflow.signal
    async def message_revoked(self, revoke: MessageRevoked) -> None:
        await self._message_revoked(revoke)

    @workflow.signal
    async def staff_message(self, message: StaffMessage) -> None:
        if message.external_id and message.external_id in self._seen_staff:
            return
        if message.external_id:
            self._seen_staff.add(message.external_id)
            self.s.seen_staff_ids = (self.s.seen_staff_ids + [message.external_id])[-SEEN_IDS_KEPT:]
        v2 = workflow.patched(PATCH_HANDOVER)
        if v2 and message.via == "whatsapp_app" and self._our_own_echo(message):
            return  # WAHA reporting a reply we sent through the API as typed on the phone
        self._human_took_over(message.at)
        if self._queue_full(self.s.staff_pending, STAFF_PENDING_KEPT):
            self._note_send_failure("staff", f"not queued, {STAFF_PENDING_KEPT} staff messages waiting already")
        else:
            self.s.staff_pending.append(message)
        if v2:
            self._person_wrote()
        await self._signal_escalation(
            "acknowledge",
            Acknowledgement(by=message.author, via="chatwoot", at=message.at, how="message" if v2 else None),
        )

    @workflow.signal
    async def staff_engaged(self, engagement: StaffEngagement) -> None:
        if workflow.patched(PATCH_HANDOVER):
            # Taking the chat acknowledges (the escalation knows its own assignment's echo);
            # only a person writing in the chat makes the bot quiet.
            await self._signal_escalation(
                "acknowledge",
                Acknowledgement(
                    by=engagement.by, via="chatwoot", at=engagement.at, how=engagement.how,
                    assignee_id=engagement.assignee_id,
                ),
            )
            return
        opened = self.s.open_escalation
        if engagement.how == "assigned" and opened and engagement.at - opened.started_at < OWN_ASSIGNMENT_ECHO:
            return  # Chatwoot echoing the assignment our escalation just made, not a person
        self._human_took_over(engagement.at)
        await self._signal_escalation(
            "acknowledge", Acknowledgement(by=engagement.by, via="chatwoot", at=engagement.at)
        )

    @workflow.signal
    async def handoff_ended(self, ended: HandoffEnded) -> None:
        self.s.human_active = False
        self.s.human_active_until = None
        await self._signal_escalation("resolve", Resolution(outcome=ended.reason, via="chatwoot", at=ended.at))

    @workflow.signal
    def escalation_update(self, update: EscalationUpdate) -> None:
        self._apply_escalation_update(update)

    @workflow.signal
    def escalation_closed(self, closed: EscalationClosed) -> None:
        if self.s.open_escalation and self.s.open_escalation.escalation_id == closed.escalation_id:
            self.s.open_escalation = None
            self.s.human_active = False
            self.s.human_active_until = None
            self._set_escalated(False)

    @workflow.signal
    def test_drive_changed(self, change: TestDriveChanged) -> None:
        self._apply_test_drive_change(change)

    @workflow.signal
    def trade_in_value(self, value: TradeInValue) -> None:
        """Staff entered an indicative trade-in value: "bijbetalen" can now be computed."""
        self._set_trade_in_value(value)

    @workflow.query
    def state(self) -> ConversationSnapshot:
        return ConversationSnapshot(
            **self.s.model_dump(),
            workflow_id=workflow.info().workflow_id,
            processing=self._processing,
            last_customer_message=self._last_customer_message,
            last_answer=self._last_answer,
            dialogue_lines=[list(line) for line in dialogue.state_lines(self.s.context)],
        )

    # --- main loop ---------------------------------------------------------------
    @workflow.run
    async def run(self, state: ConversationInput) -> None:
        # Decided once per run, at its start: a patch marker next to a local activity's marker mid-task
        # did not replay (the core matched it against the next task's markers).
        self._understand_in_one = workflow.patched(PATCH_ONE_UNDERSTANDING_STEP)
        self._two_steps = self._understand_in_one and workflow.patched(PATCH_TWO_STEP_ANSWER)
        self._quiet_continue = workflow.patched(PATCH_QUIET_CONTINUE)
        self._upsert_changes_only = workflow.patched(PATCH_UPSERT_CHANGES_ONLY)
        self._seen_rides_with_reply()  # unless the first message decided it already
        workflow.upsert_search_attributes([sa.CUSTOMER_PHONE.value_set(self.s.phone)])
        crm_lane = asyncio.create_task(self._crm_lane())
        sales_lane = asyncio.create_task(self._sales_lane())
        processed_this_run = 0
        while True:
            await self._wait_for_work(  # with a follow-up planned, or quiet to wait for: a durable timer
                lambda: bool(self.s.pending or self.s.staff_pending or self.s.flood_notice_due)
                or self._handover_notice_due()
                or self._merge_due()
                or (self._time_to_continue(processed_this_run) and not (self._draining and self._crm_in_flight)),
                quiet_at=self._quiet_at(),
            )
            if self._handing_over():  # issue 17: the lid's number is known; the phone's conversation takes over
                break
            if self.s.crm_merges and not self._crm_merge_running and workflow.patched(PATCH_LID_MERGE):
                self._start_crm_merge()
            if self._follow_up_ready():
                await self._follow_up()
                continue
            if self.s.flood_notice_due:
                self.s.flood_notice_due = False
                try:
                    await self._send(say(FLOOD_NOTICE_SAID, self.s.context.language, self.s.context.address_form),
                                     f"flood:{workflow.now().isoformat()}", None)
                except FailureError as exc:
                    if not workflow.patched(PATCH_SEND_FAILURES):
                        raise
                    self._note_send_failure("flood notice", str(exc.cause or exc))
            if self._handover_notice_due() and not self.s.staff_pending:
                await self._send_handover_notice()
                continue
            if self.s.staff_pending:
                await self._deliver_staff_message(self.s.staff_pending.pop(0))
                continue
            if self.s.pending:
                if await self._burst_settled():
                    continue  # a staff message came in meanwhile, or the burst was revoked: look again
                message = self._take_burst()
                try:
                    await self._process(message)
                except FailureError as exc:
                    # A step gave up for good (e.g. WAHA refused the reply): record it, keep the chat alive.
                    self._record_failure(message, exc)
                self._customer_turn_done()
                await self._plan_follow_up()  # every customer turn resets the follow-up timer
                processed_this_run += 1
                self._last_turn_at = workflow.now()
                self._quiet_reached = False
                continue
            if self._time_to_continue(processed_this_run):
                if self._crm_in_flight and workflow.patched(PATCH_CAN_KEEPS_CRM):
                    # Start no new CRM batch, let the one in flight finish (messages are still
                    # answered meanwhile), then hand over: cancelling it lost its updates.
                    self._draining = True
                    continue
                break
        # Hand over to a fresh run: stop the CRM lane (what is queued is carried over), let handlers finish.
        self._draining = True
        crm_lane.cancel()
        sales_lane.cancel()
        await workflow.wait_condition(
            lambda: not self._crm_in_flight and not self._sales_in_flight and workflow.all_handlers_finished()
        )
        if self._handing_over():
            await self._hand_over()
            return
        workflow.continue_as_new(self.s)

    def _time_to_continue(self, processed_this_run: int) -> bool:
        if self.s.pending or self.s.staff_pending:
            return False
        return (
            processed_this_run >= self.s.messages_per_run
            or workflow.info().is_continue_as_new_suggested()
            or (self._quiet_reached and processed_this_run > 0)
        )

    def _quiet_at(self) -> datetime | None:
        """When this run, having answered the chat, continues as new if nothing else happens: a cached
        conversation then holds one short run, and a replay after eviction reads a short history."""
        if not (self._quiet_continue and self._last_turn_at and self.s.quiet_continue_seconds > 0):
            return None
        return self._last_turn_at + timedelta(seconds=self.s.quiet_continue_seconds)

    # --- one customer message -----------------------------------------------------
    async def _process(self, message: InboundMessage) -> None:
        reply_prefix = None
        message = self._reaction_as_answer(message)  # 👍 on our yes/no question: "ja" (conversation_events.py)
        if message.media is not None and workflow.patched(PATCH_MEDIA):
            reply_prefix = await self._media_message(message)
            if reply_prefix is None:
                return  # answered (or, for a sticker or a reaction, deliberately not)
            message = message.model_copy(update={"text": message.media.caption or message.text})
        self._processing = message.message_id
        self._last_customer_message = message.text
        started = workflow.now()
        record = ProcessedMessage(
            message_id=message.message_id,
            content=message.text,
            timings=MessageTimings(received_at=message.received_at, started_at=started),
        )
        if message.sender_name and not self.s.customer_name:
            self.s.customer_name = message.sender_name
        context = memory.prepare_context(self.s.context, message.received_at)
        if self.s.customer_name and not context.customer_name:
            context = context.model_copy(update={"customer_name": self.s.customer_name})
        self._claude_failed = False

        understanding = await self._understand(message.text, context, record)
        self._note_opt_out(understanding)
        await self._test_drives_opted_out(understanding)
        if await self._privacy_request(message, context, understanding, record):
            return
        context, understanding, trade_in_reply = await self._trade_in_turn(message, context, understanding, record)
        silent = self._bot_is_silent(workflow.now())
        decision = record.expertise_output.escalation_decision
        wants_escalation = decision.escalate and self._escalation_enabled
        record.needs_escalation = decision.escalate
        record.escalation_type = decision.escalation_type if decision.escalate else None

        escalation_type = None
        v2 = workflow.patched(PATCH_HANDOVER)
        opened = self.s.open_escalation  # open before this message: it hears about this one
        if wants_escalation and opened and not v2:
            await self._signal_escalation(
                "add_note",
                EscalationNote(text=message.text, reason=decision.reason, at=workflow.now()),
            )
            record.escalation_id = opened.escalation_id
        elif wants_escalation and opened:
            record.escalation_id = opened.escalation_id  # forwarded below, with the reply
        elif wants_escalation and not silent:
            escalation_type = decision.escalation_type

        inventory = None
        if not silent and escalation_type is None and wants_stock(understanding):
            try:
                inventory = await self._search_inventory(message.text, context, understanding, record)
                record.rag_results = inventory
            except FailureError as exc:  # answer without stock rather than not at all
                record.errors.append(f"inventory: {exc.cause or exc}")
        self._stock_ahead = None  # searched for nothing this message needs

        booking = None
        if not silent and escalation_type is None:
            booking = await self._book_test_drive(message.text, context, understanding, inventory, record)
        after_customer = memory.absorb_understanding(context, message.text, message.received_at, understanding)
        if booking is not None:
            after_customer = after_customer.model_copy(update={"test_drive": booking.dialogue})
        if context.trade_in is not None:
            update = {"trade_in": context.trade_in, "has_trade_in": True}
            if trade_in_reply:
                update["misunderstood_count"] = 0  # the intake understood it
            after_customer = after_customer.model_copy(update=update)
        if escalation_type:
            record.escalation_id = await self._start_escalation(message, decision, after_customer)

        reply: ConversationOutput | None = None
        if not silent:
            score = self._score_request(after_customer, understanding, record) if self._two_steps else None
            reply = await self._compose(
                message.text, context, understanding, inventory, escalation_type, decision.urgency, record,
                booking=booking, trade_in_reply=trade_in_reply, handover_open=bool(v2 and opened), score=score,
            )
            if reply_prefix:
                reply = reply.model_copy(update={"response_text": f"{reply_prefix}\n\n{reply.response_text}"})
            if v2 and opened and escalation_type is None:
                reply = self._while_handed_over(opened, reply, decision.escalate, workflow.now())
            record.conversation_output = reply

        crm = None
        try:
            crm = await self._score(after_customer, understanding, record)
            record.crm_output = crm
        except FailureError as exc:  # the lead score must never block the reply
            record.errors.append(f"crm: {exc.cause or exc}")

        delivered = False
        if reply is not None:
            reply_id = f"{workflow.info().workflow_id}:{message.message_id}"
            self._reply_context = after_customer  # this message's language, for a late version
            try:
                await self._send(reply.response_text, reply_id, message)
                delivered = True
            except FailureError as exc:  # refused (4xx) or stuck too long: recorded, the chat goes on
                record.error_occurred = True
                record.errors.append(f"whatsapp: {exc.cause or exc}")
                await self._undelivered("reply", reply.response_text, reply_id, exc, message)
        if delivered:
            record.timings.replied_at = workflow.now()
            self._last_answer = reply.response_text
            shown = self._shown_cars(reply, inventory, after_customer.last_cars)
            checks = self._send_open_checks(reply, after_customer)  # light tasks for sales, never an escalation
            after_customer = memory.absorb_reply(after_customer, reply.response_text, workflow.now(), shown, reply, checks)
        elif reply is None:
            record.bot_silent = True

        self.s.context = after_customer
        self._after_trade_in_turn()
        self._queue_customer_crm(message, None if delivered else crm)  # each message of a burst on its own
        if delivered:
            self._queue_crm("bot", reply.response_text, f"{message.message_id}:reply", workflow.now(), crm)
        if v2 and opened and self.s.open_escalation is opened:
            await self._forward_burst(opened, message, reply if delivered else None, silent, decision)
        self._finish(record, understanding)

    async def _understand(self, text: str, context, record: ProcessedMessage) -> Understanding:
        if getattr(self, "_understand_in_one", False):
            return await self._understand_at_once(text, context, record, f"understanding ← «{_clip(text)}»")
        route = await self._agent_step(
            AgentActivities.route_message,
            StepRequest(text=text, context=context),
            f"router ← «{_clip(text)}»",
        )
        router = route.router
        self._account(record, "router", route)
        record.router_output = router

        extract = await self._agent_step(
            AgentActivities.extract_details,
            ExtractRequest(text=text, context=context, router=router),
            f"extraction ← {router.intent} ({router.confidence:.2f})",
        )
        extraction = extract.extraction
        self._account(record, "extraction", extract)
        record.extraction_output = extraction

        prefs = extraction.car_preferences
        car = " ".join(part for part in (prefs.make, prefs.model) if part) or "geen auto genoemd"
        assess = await self._agent_step(
            AgentActivities.assess_expertise,
            AssessRequest(text=text, context=context, router=router, extraction=extraction),
            f"expertise ← {router.intent}, {car}",
        )
        self._account(record, "expertise", assess)
        record.expertise_output = assess.expertise
        self._escalation_enabled = assess.escalation_enabled
        return Understanding(text=text, router=router, extraction=extraction, expertise=assess.expertise)

    async def _agent_step(self, activity, request, summary: str):
        """Run one agent step; when Claude keeps failing, the rules engine answers instead."""
        if self._claude_failed:
            request = request.model_copy(update={"backend": "rules"})
        try:
            return await workflow.execute_local_activity(
                activity,
                request,
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=timedelta(seconds=60),
                retry_policy=AGENT_RETRY if request.backend == "auto" else RULES_RETRY,
                summary=summary,
            )
        except FailureError:  # local activities raise the activity's own failure
            if request.backend == "rules":
                raise
            workflow.logger.warning("agent backend failed, the rules engine answers: %s", summary)
            self._claude_failed = True
            return await workflow.execute_local_activity(
                activity,
                request.model_copy(update={"backend": "rules"}),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RULES_RETRY,
                summary=f"{summary} (regels)",
            )

    async def _send(self, text: str, reply_id: str, message: InboundMessage | None, *, follow_up: int | None = None) -> None:
        give_up = SEND_GIVE_UP if workflow.patched(PATCH_SEND_GIVES_UP) else timedelta(days=1)
        self.s.recent_outgoing = (self.s.recent_outgoing + [echo_key(text)])[-OUTGOING_KEPT:]
        await self._presence_settled()  # "typing…" must not outlast the message (conversation_burst.py)
        request = SendReplyRequest(
            chat_id=self.s.chat_id,
            text=text,
            reply_id=reply_id,
            received_at=message.received_at if message else None,
            stop_typing=self._stop_typing_with_send(),
            seen_message_ids=self._seen_with_send(),
            answers_messages=len(self._burst_of(message)) if message is not None else 1,
            follow_up_number=follow_up,
        )
        if workflow.patched(PATCH_SESSION_WAIT):  # issue 17: wait out a session outage, in order
            written_at = message.received_at if message else workflow.now()
            result = await self._send_through_outage(request, give_up, f"whatsapp → «{_clip(text)}»", written_at)
        else:
            result = await workflow.execute_activity(
                MessagingActivities.send_whatsapp,
                request,
                start_to_close_timeout=timedelta(seconds=20),
                schedule_to_close_timeout=give_up,
                retry_policy=SEND_RETRY,
                summary=f"whatsapp → «{_clip(text)}»",
            )
        provider_id = getattr(result, "provider_message_id", None)
        if provider_id:
            self.s.sent_provider_ids = (self.s.sent_provider_ids + [str(provider_id)])[-OUTGOING_KEPT:]

    async def _undelivered(self, kind: str, text: str, reply_id: str, exc: FailureError, message=None) -> None:
        """A message that never reached the customer: recorded, and sales alerted (the customer waits)."""
        reason = str(exc.cause or exc)
        self._note_send_failure(kind, reason)
        if not workflow.patched(PATCH_SEND_GIVES_UP):
            return
        try:
            await workflow.execute_activity_method(
                DeliveryAlertActivities.alert_undelivered,
                UndeliveredAlert(
                    alert_id=reply_id,
                    phone=self.s.phone,
                    customer_name=self.s.customer_name,
                    kind="reply" if kind == "reply" else "staff",
                    customer_text=message.text if message else None,
                    undelivered_text=text,
                    error=reason,
                    at=workflow.now(),
                ),
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=ALERT_RETRY,
                summary=f"sales alert: {kind} not delivered",
            )
        except ActivityError as alert_failed:
            self._note_send_failure("alert", str(alert_failed.cause or alert_failed))

    def _note_send_failure(self, kind: str, reason: str) -> None:
        workflow.logger.error("%s not delivered in %s: %s", kind, workflow.info().workflow_id, reason)
        entry = f"{workflow.now():%Y-%m-%d %H:%M} {kind}: {reason[:300]}"
        self.s.send_failures = (self.s.send_failures + [entry])[-SEND_FAILURES_KEPT:]

    # --- escalation ----------------------------------------------------------------
    async def _start_escalation(self, message: InboundMessage, decision, context) -> str:
        self.s.escalation_count += 1
        if workflow.patched(PATCH_ESCALATION_ID):  # a new run counts from 1 again: the trigger keeps it unique
            escalation_id = escalation_workflow_id(self.s.phone, self.s.escalation_count, message.message_id)
        else:
            escalation_id = escalation_workflow_id(self.s.phone, self.s.escalation_count)
        transcript = [f"{turn.role}: {turn.text}" for turn in context.history[-12:]]
        self._show_owed_presence()  # the hand-over starts first: seen and "typing…" meanwhile
        await workflow.start_child_workflow(
            "EscalationWorkflow",
            EscalationInput(
                escalation_id=escalation_id,
                conversation_workflow_id=workflow.info().workflow_id,
                chat_id=self.s.chat_id,
                customer_phone=self.s.phone,
                customer_name=self.s.customer_name,
                escalation_type=decision.escalation_type,
                urgency=decision.urgency,
                reason=decision.reason,
                question=message.text,
                transcript=transcript,
                started_at=workflow.now(),
            ),
            id=escalation_id,
            task_queue=workflow.info().task_queue,
            # The escalation must outlive this run's continue-as-new.
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"{decision.escalation_type}: {_clip(decision.reason, 60)}",
        )
        self.s.open_escalation = OpenEscalation(
            escalation_id=escalation_id,
            escalation_type=decision.escalation_type,
            urgency=decision.urgency,
            started_at=workflow.now(),
            status_line_at=workflow.now(),  # the hand-over reply itself says who takes it
        )
        self._set_escalated(True)
        return escalation_id

    async def _signal_escalation(self, signal: str, payload) -> None:
        if not self.s.open_escalation:
            return
        self._show_owed_presence()  # the turn waits on the signal: seen and typing first
        handle = workflow.get_external_workflow_handle(self.s.open_escalation.escalation_id)
        try:
            await handle.signal(signal, payload)
        except (ApplicationError, asyncio.CancelledError) as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            workflow.logger.warning("escalation %s gone: %s", self.s.open_escalation.escalation_id, exc)
            self.s.open_escalation = None

    def _set_escalated(self, escalated: bool) -> None:
        workflow.upsert_search_attributes([sa.ESCALATED.value_set(escalated)])

    # --- STOP and privacy (issue 13 §3) -------------------------------------------------
    def _note_opt_out(self, understanding: Understanding) -> None:
        """STOP: never a proactive message again; the CRM lane marks the contact (local, Chatwoot)."""
        if understanding.extraction.opt_out and not self.s.opted_out:
            self.s.opted_out = True
            self.s.opted_out_at = workflow.now()
            self._opt_out_to_record = True

    async def _privacy_request(self, message: InboundMessage, context, understanding: Understanding, record) -> bool:
        """'verwijder mijn gegevens': a PrivacyRequestWorkflow confirms receipt and involves the manager.
        An explicit escalation in the same message (a legal threat) takes the normal path instead."""
        kind = understanding.extraction.privacy_request
        if not kind or understanding.expertise.escalation_decision.escalate or not workflow.patched(PATCH_PRIVACY_REQUEST):
            return False
        request_id = privacy_workflow_id(self.s.phone)
        voice = (understanding.extraction.language or context.language, understanding.extraction.address_form or context.address_form)
        try:
            self._show_owed_presence(reply_follows=False)  # the child confirms, in its own time
            await workflow.start_child_workflow(
                "PrivacyRequestWorkflow",
                PrivacyRequestInput(
                    request_id=request_id, kind=kind, chat_id=self.s.chat_id, customer_phone=self.s.phone,
                    customer_name=self.s.customer_name, text=message.text,
                    conversation_workflow_id=workflow.info().workflow_id, started_at=workflow.now(),
                    language=voice[0], address_form=voice[1],
                ),
                id=request_id,
                task_queue=workflow.info().task_queue,
                # It deletes this conversation when approved, so it must not depend on it.
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"AVG-verzoek: {kind}",
            )
            answer = privacy.privacy_received_text(kind, *voice)  # sent by the child workflow
            self.s.privacy_request_id = request_id  # an @lid merge tells it (conversation_merge.py)
        except WorkflowAlreadyStartedError:
            answer = privacy.privacy_already_open_text(*voice)
            await self._send(answer, f"{workflow.info().workflow_id}:{message.message_id}", message)
        record.timings.replied_at = workflow.now()
        self._last_answer = answer
        after = memory.absorb_understanding(context, message.text, message.received_at, understanding)
        self.s.context = memory.absorb_reply(after, answer, workflow.now(), [])
        self._queue_crm("customer", message.text, message.message_id, message.received_at)
        self._queue_crm("bot", answer, f"{message.message_id}:reply", workflow.now())
        self._finish(record, understanding)
        return True

    # --- humans ----------------------------------------------------------------------
    def _human_took_over(self, at: datetime) -> None:
        self.s.human_active = True
        self.s.human_active_until = at + timedelta(minutes=self.s.human_quiet_minutes)

    def _bot_is_silent(self, now: datetime) -> bool:
        if self.s.open_escalation is not None and not workflow.patched(PATCH_HANDOVER):
            return True  # before issue 13 an open escalation silenced the chat
        if not self.s.human_active:
            return False
        if self.s.human_active_until is not None and now >= self.s.human_active_until:
            self.s.human_active = False  # the quiet period is over: the bot speaks again
            self.s.human_active_until = None
            return False
        return True

    async def _deliver_staff_message(self, message: StaffMessage) -> None:
        if not message.delivered:
            reply_id = f"{workflow.info().workflow_id}:staff:{message.external_id or message.at.isoformat()}"
            try:
                await self._send(message.text, reply_id, None)
            except FailureError as exc:
                if not workflow.patched(PATCH_SEND_FAILURES):
                    raise
                await self._undelivered("staff", message.text, reply_id, exc)
                return  # the customer never saw it: not part of the conversation's memory
        self.s.context = memory.absorb_staff_message(self.s.context, message.text, message.at)
        if message.via == "whatsapp_app":  # typed on the phone: Chatwoot has not seen it yet
            self._queue_crm("staff", message.text, message.external_id or message.at.isoformat(), message.at)

    # --- bookkeeping ---------------------------------------------------------------------
    def _record_failure(self, message: InboundMessage, exc: FailureError) -> None:
        workflow.logger.error("message %s failed: %s", message.message_id, exc)
        record = ProcessedMessage(
            message_id=message.message_id,
            content=message.text,
            error_occurred=True,
            errors=[f"{type(exc).__name__}: {exc.cause or exc}"],
            timings=MessageTimings(received_at=message.received_at, started_at=workflow.now()),
        )
        self.s.messages_processed += 1
        self.s.recent = with_recent(self.s.recent, record, RECENT_KEPT)
        self._processing = None

    def _remember(self, message_id: str) -> None:
        self._seen.add(message_id)
        self.s.seen_message_ids.append(message_id)
        if len(self.s.seen_message_ids) > SEEN_IDS_KEPT:
            dropped = self.s.seen_message_ids[: -SEEN_IDS_KEPT]
            self.s.seen_message_ids = self.s.seen_message_ids[-SEEN_IDS_KEPT:]
            self._seen.difference_update(dropped)

    def _flooding(self, at: datetime) -> bool:
        window = [t for t in self.s.rate_window if at - t < timedelta(minutes=1)]
        flooding = len(window) >= self.s.rate_limit_per_minute
        if not flooding:
            window.append(at)
        self.s.rate_window = window
        return flooding

    def _account(self, record: ProcessedMessage, step: str, result) -> None:
        record.timings.step_ms[step] = result.elapsed_ms
        record.usage = record.usage + result.usage

    @staticmethod
    def _shown_cars(
        reply: ConversationOutput, inventory: InventorySearchResult | None, discussed: list[Car]
    ) -> list[Car]:
        """The cars the reply named; none named keeps the ones under discussion ("hij", "die")."""
        candidates = list(discussed)
        if inventory:
            candidates += [match.car for match in inventory.matches]
            if inventory.asked_car:
                candidates.append(inventory.asked_car)
        return dialogue.cars_in_reply(reply, candidates)

    def _finish(self, record: ProcessedMessage, understanding: Understanding) -> None:
        crm = record.crm_output
        self.s.messages_processed += 1
        self.s.total_usage = self.s.total_usage + record.usage
        self.s.recent = with_recent(self.s.recent, record, RECENT_KEPT)
        updates = [sa.INTENT.value_set(understanding.router.intent)]
        if crm is not None:
            self.s.last_crm = crm
            self.s.score_history = (
                self.s.score_history + [ScorePoint(at=workflow.now(), score=crm.lead_score, quality=crm.lead_quality)]
            )[-100:]
            updates += [sa.LEAD_SCORE.value_set(crm.lead_score), sa.LEAD_QUALITY.value_set(crm.lead_quality)]
        if self._upsert_changes_only:  # each upsert is a visibility write on the server
            current = workflow.info().typed_search_attributes
            updates = [update for update in updates if current.get(update.key) != update.value]
        if updates:
            workflow.upsert_search_attributes(updates)
        self._processing = None
        trace = [
            f"router: {understanding.router.intent} ({understanding.router.confidence:.2f})",
            f"escalatie: {record.escalation_type or 'nee'}",
            f"voorraad: {len(record.rag_results.matches) if record.rag_results else '-'}",
            f"lead: {crm.lead_score} {crm.lead_quality}" if crm else "lead: -",
        ]
        answer = self._last_answer if not record.bot_silent else "(bot stil: medewerker actief)"
        workflow.set_current_details(
            f"**Laatste klantbericht:** {self._last_customer_message}\n\n"
            f"**Laatste antwoord:** {answer}\n\n" + " · ".join(trace)
            + "\n\n**Gespreksstand**\n" + dialogue.summary_markdown(self.s.context)
        )
