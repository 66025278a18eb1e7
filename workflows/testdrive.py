"""TestDriveWorkflow: one per booking, a child of the conversation that outlives its runs.

held → confirmed (at once, or by staff) → done / no_show, or cancelled at any time. Staff
are told on every change (Chatwoot note + label, e-mail with an .ics that updates or
cancels), the CalDAV calendar follows, and durable timers do the rest: the reminder the
evening before at 18:00, the staff's no-show question after the slot, the follow-up the
next working day. Before the drive the car is checked against the stock every few hours:
a sold car cancels the booking and the customer gets similar cars.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.messaging import MessagingActivities, SendReplyRequest
    from activities.testdrive import (
        CalendarSync,
        CarCheck,
        RecordRequest,
        SalesNotice,
        TestDriveActivities,
        TestDriveRecord,
    )
    from workflows.models import ConversationMoved
    from workflows.testdrive_models import (
        CancelRequest,
        OptOut,
        Reschedule,
        StaffDecision,
        TestDriveChanged,
        TestDriveInput,
        TestDriveStatus,
    )

STOCK_CHECK_EVERY = timedelta(hours=6)
STEP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                         maximum_interval=timedelta(minutes=5), non_retryable_error_types=["TestDriveChannelRejected", "UnknownBooking"])
STORE_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), maximum_attempts=10, non_retryable_error_types=["UnknownBooking"])
SEND_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                         maximum_interval=timedelta(seconds=30), non_retryable_error_types=["WahaRejected"])


@workflow.defn
class TestDriveWorkflow:
    __test__ = False  # not a pytest test class, despite the name

    @workflow.init
    def __init__(self, request: TestDriveInput) -> None:
        self.i = request
        self.state = "held"
        self.record: TestDriveRecord | None = None
        self.changes: list = []  # signals waiting to be handled, in order
        self.opted_out = request.opted_out
        self.reminder_sent = False
        self.reminder_done = False
        self.no_show_asked = False
        self.follow_up_sent = False
        self.next_timer: str | None = None
        self.errors: list[str] = []

    # --- signals and query ------------------------------------------------------------------------
    @workflow.signal
    def confirm(self, decision: StaffDecision) -> None:
        self.changes.append(("confirm", decision))

    @workflow.signal
    def cancel(self, request: CancelRequest) -> None:
        self.changes.append(("cancel", request))

    @workflow.signal
    def no_show(self, decision: StaffDecision) -> None:
        self.changes.append(("no_show", decision))

    @workflow.signal
    def reschedule(self, change: Reschedule) -> None:
        self.changes.append(("reschedule", change))

    @workflow.signal
    def customer_opted_out(self, opt_out: OptOut) -> None:
        self.opted_out = True  # reminders and follow-ups are skipped from now on

    @workflow.signal
    def conversation_moved(self, moved: ConversationMoved) -> None:
        """An @lid chat merged into its phone's conversation (issue 17): tell and write to that one."""
        self.i.conversation_workflow_id = moved.workflow_id
        if moved.chat_id:
            self.i.chat_id = moved.chat_id

    @workflow.query
    def status(self) -> TestDriveStatus:
        booking = self.record.booking if self.record else None
        return TestDriveStatus(
            booking_id=self.i.booking_id, state=self.state,
            start=booking.start if booking else None, end=booking.end if booking else None,
            reminder_sent=self.reminder_sent, follow_up_sent=self.follow_up_sent, no_show_asked=self.no_show_asked,
            opted_out=self.opted_out, next_timer=self.next_timer, errors=self.errors[-10:],
        )

    # --- run ------------------------------------------------------------------------------------------
    @workflow.run
    async def run(self, request: TestDriveInput) -> str:
        await self._record("held" if request.confirm_by_staff else "confirmed")
        await self._tell_staff("booked")
        await self._tell_conversation(None)
        self.reminder_done = workflow.now() >= self.record.reminder_at  # booked for tomorrow after 18:00
        next_stock_check = workflow.now()
        while True:
            if self.changes:
                kind, payload = self.changes.pop(0)
                if await self._handle(kind, payload):
                    return self.state
                continue
            now = workflow.now()
            booking = self.record.booking
            if now < booking.start and now >= next_stock_check:
                next_stock_check = now + STOCK_CHECK_EVERY
                if await self._car_gone():
                    return self.state
                continue
            due = self._due(now)
            if due is not None:
                if await self._fire(due):
                    return self.state
                continue
            name, at = self._next_timer(next_stock_check if now < booking.start else None)
            self.next_timer = f"{name} {at.isoformat()}"
            try:
                await workflow.wait_condition(lambda: bool(self.changes), timeout=max(at - now, timedelta(seconds=1)),
                                              timeout_summary=name)
            except asyncio.TimeoutError:
                pass  # the timer fired: the loop sees what is due

    # --- timers ----------------------------------------------------------------------------------------
    def _due(self, now: datetime) -> str | None:
        record = self.record
        if not self.reminder_done and now >= record.reminder_at:
            return "reminder"
        if not self.no_show_asked and now >= record.no_show_question_at:
            return "no_show_question"
        if now >= record.follow_up_at:
            return "follow_up"
        return None

    def _next_timer(self, stock_check: datetime | None) -> tuple[str, datetime]:
        record = self.record
        candidates = [("follow-up", record.follow_up_at)]
        if not self.reminder_done:
            candidates.append(("herinnering klant", record.reminder_at))
        if not self.no_show_asked:
            candidates.append(("no-show-vraag", record.no_show_question_at))
        if stock_check is not None:
            candidates.append(("voorraadcheck", stock_check))
        return min(candidates, key=lambda item: item[1])

    async def _fire(self, due: str) -> bool:
        booking = self.record.booking
        if due == "reminder":
            self.reminder_done = True
            if booking.active and not self.opted_out:
                if await self._send(self.record.reminder_text, f"reminder:{booking.sequence}"):
                    self.reminder_sent = True
            return False
        if due == "no_show_question":
            self.no_show_asked = True
            await self._tell_staff("no_show_question")
            return False
        # the follow-up: the drive is done unless staff marked a no-show
        await self._record("done")
        if not self.opted_out:
            text = self.record.follow_up_text
            self.follow_up_sent = await self._send(text, "follow-up")
            await self._tell_conversation(text if self.follow_up_sent else None)
        else:
            await self._tell_conversation(None)
        return True

    # --- changes ----------------------------------------------------------------------------------------
    async def _handle(self, kind: str, payload) -> bool:
        """Apply one signal; True when the booking is over."""
        if kind == "confirm":
            if self.state == "held":
                await self._record("confirmed")
                await self._sync_calendar()
                await self._tell_staff("confirmed")
                text = self.record.confirmed_text
                sent = await self._send(text, "confirmed")
                await self._tell_conversation(text if sent else None)
            return False
        if kind == "reschedule":
            await self._record(None)
            self.reminder_done = workflow.now() >= self.record.reminder_at
            self.reminder_sent = False
            self.no_show_asked = False
            await self._sync_calendar()
            await self._tell_staff("moved", previous_start=payload.previous_start)
            return False
        if kind == "cancel":
            await self._cancel(payload)
            return True
        if kind == "no_show":
            await self._record("no_show")
            await self._tell_conversation(None)
            return True
        return False

    async def _cancel(self, request: CancelRequest, sold_message: str | None = None) -> None:
        staff_message = self.record.cancelled_text
        await self._record("cancelled")
        await self._sync_calendar()
        reason = {"customer": "klant zegt af in de chat", "staff": f"door medewerker ({request.via})",
                  "car_sold": "auto verkocht (niet meer in de voorraad)"}[request.by]
        await self._tell_staff("cancelled", reason=reason)
        text = {"staff": staff_message, "car_sold": sold_message}.get(request.by)
        sent = bool(text) and await self._send(text, f"cancelled:{request.by}")
        await self._tell_conversation(text if sent else None)

    async def _car_gone(self) -> bool:
        try:
            check = await workflow.execute_activity(
                TestDriveActivities.check_car_in_stock,
                CarCheck(booking_id=self.i.booking_id, car_id=self.i.car_id, make=self.i.car_make, model=self.i.car_model,
                         language=self.i.language, address_form=self.i.address_form),
                start_to_close_timeout=timedelta(seconds=30), retry_policy=RetryPolicy(maximum_attempts=3),
                summary=f"voorraad ← {self.i.car_title}",
            )
        except ActivityError as exc:
            self.errors.append(f"stock check: {exc.cause or exc}")
            return False
        if check.in_stock:
            return False
        await self._cancel(CancelRequest(by="car_sold", via="inventory"), sold_message=check.message)
        return True

    # --- steps -------------------------------------------------------------------------------------------
    async def _record(self, state) -> None:
        self.record = await workflow.execute_activity(
            TestDriveActivities.record_test_drive,
            RecordRequest(booking_id=self.i.booking_id, state=state, car_model=self.i.car_model,
                          language=self.i.language, address_form=self.i.address_form),
            start_to_close_timeout=timedelta(seconds=30), retry_policy=STORE_RETRY,
            summary=f"boeking → {state or 'verzet'}",
        )
        self.state = self.record.booking.state

    async def _sync_calendar(self) -> None:
        await self._best_effort(TestDriveActivities.sync_test_drive_calendar, CalendarSync(booking_id=self.i.booking_id),
                                f"agenda ← {self.state}")

    async def _tell_staff(self, change: str, previous_start: datetime | None = None, reason: str | None = None) -> None:
        if change in ("booked",):
            await self._sync_calendar()
        notice = SalesNotice(booking_id=self.i.booking_id, change=change, previous_start=previous_start, reason=reason)
        await self._best_effort(TestDriveActivities.tell_sales_in_chatwoot, notice, f"chatwoot ← {change}")
        await self._best_effort(TestDriveActivities.email_sales_invite, notice, f"e-mail verkoop ← {change}")

    async def _best_effort(self, activity, argument, summary: str) -> None:
        """Staff channels retry for a day; one that gives up is recorded, never fails the booking."""
        try:
            await workflow.execute_activity(
                activity, argument, start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(days=1), retry_policy=STEP_RETRY, summary=summary,
            )
        except ActivityError as exc:
            self.errors.append(f"{summary}: {exc.cause or exc}")

    async def _send(self, text: str, kind: str) -> bool:
        try:
            await workflow.execute_activity(
                MessagingActivities.send_whatsapp,
                SendReplyRequest(chat_id=self.i.chat_id, text=text, reply_id=f"{self.i.booking_id}:{kind}"),
                start_to_close_timeout=timedelta(seconds=20), schedule_to_close_timeout=timedelta(hours=2),
                retry_policy=SEND_RETRY, summary=f"whatsapp → {kind}",
            )
            return True
        except ActivityError as exc:
            self.errors.append(f"whatsapp {kind}: {exc.cause or exc}")
            return False

    async def _tell_conversation(self, said: str | None) -> None:
        booking = self.record.booking
        handle = workflow.get_external_workflow_handle(self.i.conversation_workflow_id)
        try:
            await handle.signal("test_drive_changed", TestDriveChanged(
                booking_id=booking.booking_id, state=booking.state, start=booking.start, end=booking.end, said=said))
        except ApplicationError as exc:  # the chat's workflow is gone: nothing to update
            self.errors.append(f"conversation: {exc}")
