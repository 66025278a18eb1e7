"""The conversation's test-drive steps (a mixin of ConversationWorkflow, orchestration only).

One activity decides and writes the booking (`plan_test_drive`); then a new booking starts
its own TestDriveWorkflow (a child that outlives continue-as-new), and a move or cancel is
signalled to the booking's workflow, which updates the calendars and tells staff.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.testdrive import PlanTestDriveRequest, PlanTestDriveResult, TestDriveActivities
    from agents.booking import BookingPlan
    from agents.models import ConversationContext, InventorySearchResult, Understanding
    from workflows.patches import PATCH_TESTDRIVE_BOOKING, PATCH_TESTDRIVE_OPT_OUT
    from workflows.testdrive_models import (
        CancelRequest,
        OptOut,
        Reschedule,
        TestDriveChanged,
        TestDriveInput,
        test_drive_workflow_id,
    )

PLAN_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), backoff_coefficient=2.0, maximum_attempts=4)


def wants_booking_step(understanding: Understanding, context: ConversationContext) -> bool:
    cue = understanding.extraction.booking
    return cue.action != "none" or understanding.extraction.test_drive_requested


class TestDriveSteps:
    """Mixed into ConversationWorkflow: `self.s` is its ConversationInput."""

    async def _book_test_drive(
        self, text: str, context: ConversationContext, understanding: Understanding,
        inventory: InventorySearchResult | None, record,
    ) -> BookingPlan | None:
        """Decide and write the booking; start or signal its workflow. None: the chat goes on without."""
        if not wants_booking_step(understanding, context) or not workflow.patched(PATCH_TESTDRIVE_BOOKING):
            return None
        number = self.s.test_drive_count + 1
        booking_id = test_drive_workflow_id(workflow.uuid4().hex)
        self._show_owed_presence()  # the agenda check takes a moment: seen and "typing…" first
        try:
            result: PlanTestDriveResult = await workflow.execute_activity(
                TestDriveActivities.plan_test_drive,
                PlanTestDriveRequest(
                    text=text, context=context, extraction=understanding.extraction, inventory=inventory,
                    now=workflow.now(), booking_id=booking_id, customer_phone=self.s.phone,
                    customer_name=self.s.customer_name, chat_id=self.s.chat_id,
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=PLAN_RETRY,
                summary=f"proefrit ← {understanding.extraction.booking.action}",
            )
        except FailureError as exc:  # answer without the booking rather than not at all
            record.errors.append(f"testdrive: {exc.cause or exc}")
            return None
        plan = result.plan
        if plan.action == "book":
            self.s.test_drive_count = number
            await workflow.start_child_workflow(
                "TestDriveWorkflow",
                TestDriveInput(
                    booking_id=booking_id, conversation_workflow_id=workflow.info().workflow_id,
                    chat_id=self.s.chat_id, customer_phone=self.s.phone, customer_name=self.s.customer_name,
                    car_id=plan.car.id, car_title=plan.car.title, car_make=plan.car.make, car_model=plan.car.model,
                    confirm_by_staff=result.confirm_by_staff, opted_out=self._customer_opted_out(),
                    language=understanding.extraction.language or context.language,
                    address_form=understanding.extraction.address_form or context.address_form,
                ),
                id=booking_id,
                task_queue=workflow.info().task_queue,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,  # outlives continue-as-new
                static_summary=f"proefrit {plan.car.title}",
            )
        elif plan.action == "move" and plan.booking_id:
            await self._signal_test_drive(plan.booking_id, "reschedule",
                                          Reschedule(start=plan.start, end=plan.end, previous_start=plan.previous_start))
        elif plan.action == "cancel" and plan.booking_id:
            await self._signal_test_drive(plan.booking_id, "cancel", CancelRequest(by="customer", via="chat"))
        return plan

    async def _signal_test_drive(self, booking_id: str, signal: str, payload) -> None:
        try:
            await workflow.get_external_workflow_handle(booking_id).signal(signal, payload)
        except ApplicationError as exc:  # finished already: the store holds the truth
            workflow.logger.warning("test drive %s gone: %s", booking_id, exc)

    async def _test_drives_opted_out(self, understanding: Understanding) -> None:
        """STOP: the bookings' workflows send no reminder or follow-up any more."""
        bookings = self.s.context.test_drive.bookings
        if understanding.extraction.opt_out and bookings and workflow.patched(PATCH_TESTDRIVE_OPT_OUT):
            for booking in bookings:
                await self._signal_test_drive(booking.booking_id, "customer_opted_out", OptOut(at=workflow.now()))

    def _customer_opted_out(self) -> bool:
        """Opted out of messages (set by the STOP handling when present)."""
        return bool(getattr(self.s, "opted_out", False))

    def _apply_test_drive_change(self, change: TestDriveChanged) -> None:
        """A booking's workflow reports a change: keep the chat's view of its bookings true."""
        dialogue = self.s.context.test_drive
        bookings = []
        for booking in dialogue.bookings:
            if booking.booking_id != change.booking_id:
                bookings.append(booking)
            elif change.state in ("held", "confirmed"):
                bookings.append(booking.model_copy(update={"start": change.start, "end": change.end}))
        context = self.s.context.model_copy(update={"test_drive": dialogue.model_copy(update={"bookings": bookings})})
        if change.said:
            from agents import context as memory

            context = memory.absorb_reply(context, change.said, workflow.now(), [])
        self.s.context = context
