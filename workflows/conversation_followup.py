"""Follow-ups for quiet leads (a mixin of ConversationWorkflow, issue 17).

After every customer turn the plan is made again (`plan_follow_up`, a local activity over
agents/followup.py): a new message resets it. The conversation's main loop then waits with the
follow-up moment as the wait's timeout: a durable timer ("follow-up" in the Temporal UI's pending
timers), and since the moment lives in the state, it survives continue-as-new. When it fires,
`prepare_follow_up` checks every rule again (open now? car still there?) and the text goes out
with a lower Temporal priority than customer replies (workflows/send_policy.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.followup import FollowUpActivities, PlanFollowUpRequest, PrepareFollowUpRequest
    from agents import context as memory
    from agents.followup import REPLY_WINDOW, FollowUpFacts
    from workflows.patches import PATCH_FOLLOW_UP

PLAN_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)


class FollowUpSteps:
    """Mixed into ConversationWorkflow: `self.s` is its ConversationInput."""

    _follow_up_fired = False
    _quiet_reached = False  # the chat was quiet long enough after a turn: continue as new

    def _follow_up_facts(self) -> FollowUpFacts:
        context = self.s.context
        last_customer = next((turn for turn in reversed(context.history) if turn.role == "customer"), None)
        crm = self.s.last_crm
        return FollowUpFacts(
            lead_quality=crm.lead_quality if crm else None,
            follow_ups_allowed=crm.follow_ups_allowed if crm else True,
            opted_out=self.s.opted_out or context.opted_out,
            escalation_open=self.s.open_escalation is not None,
            test_drive_booked=bool(context.test_drive.bookings),
            human_active=self.s.human_active,
            follow_ups_sent=self.s.follow_ups_sent,
            last_follow_up_at=self.s.last_follow_up_at,
            last_customer_at=last_customer.at if last_customer else None,
            last_customer_text=last_customer.text if last_customer else None,
            answered=bool(context.history) and context.history[-1].role == "bot",
            answered_at=context.history[-1].at if context.history and context.history[-1].role == "bot" else None,
        )

    async def _wait_for_work(self, condition, quiet_at: datetime | None = None) -> None:
        """The main loop's wait. Its timeout is the planned follow-up or, when sooner, `quiet_at`:
        the moment the chat has been quiet long enough to continue as new (docs/memory.md)."""
        self._idle = True  # a message arriving now is taken at once (conversation_burst.py)
        try:
            await self._wait_for_deadline(condition, quiet_at)
        finally:
            self._idle = False

    async def _wait_for_deadline(self, condition, quiet_at: datetime | None) -> None:
        at = self.s.follow_up_at
        deadline = min((moment for moment in (at, quiet_at) if moment is not None), default=None)
        if deadline is None:
            await workflow.wait_condition(condition)
            return
        delay = deadline - workflow.now()
        if delay <= timedelta(0):
            fired = not condition()  # already due: it fires unless there is work first
        else:
            try:
                await workflow.wait_condition(
                    condition, timeout=delay, timeout_summary="follow-up" if deadline == at else "quiet"
                )
                return
            except asyncio.TimeoutError:
                fired = True
        if deadline == at:
            self._follow_up_fired = fired
        else:
            self._quiet_reached = fired

    def _follow_up_ready(self) -> bool:
        return self._follow_up_fired and not (self.s.pending or self.s.staff_pending)

    async def _plan_follow_up(self) -> None:
        """After a customer turn: plan the next follow-up from scratch (a message resets the timer)."""
        if not workflow.patched(PATCH_FOLLOW_UP):
            return
        last = self.s.last_follow_up_at
        count_reply = bool(last and not self.s.follow_up_reply_counted and workflow.now() - last <= REPLY_WINDOW)
        if count_reply:
            self.s.follow_up_reply_counted = True
        plan = await workflow.execute_local_activity_method(
            FollowUpActivities.plan_follow_up,
            PlanFollowUpRequest(facts=self._follow_up_facts(), count_reply=count_reply),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=PLAN_RETRY,
            summary="follow-up plannen",
        )
        self.s.follow_up_at = plan.at
        self.s.follow_up_reason = plan.reason

    async def _follow_up(self) -> None:
        self._follow_up_fired = False
        self.s.follow_up_at = None
        number = self.s.follow_ups_sent + 1
        context = self.s.context
        car_ref = context.dialogue.car if getattr(context, "dialogue", None) else None
        car_id = car_ref.id if car_ref else (context.last_cars[0].id if len(context.last_cars) == 1 else None)
        car = None
        if car_id:
            source = car_ref or context.last_cars[0]
            car = " ".join(part for part in (source.make, source.model) if part) or None
        prefs = context.preferences
        wish = " ".join(part for part in (prefs.make, prefs.model) if part) or None
        prepared = await workflow.execute_local_activity_method(
            FollowUpActivities.prepare_follow_up,
            PrepareFollowUpRequest(
                facts=self._follow_up_facts(), number=number, now=workflow.now(), language=context.language,
                address_form=context.address_form, name=context.customer_name or self.s.customer_name,
                car_id=car_id, car=car, wish=wish,
            ),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=PLAN_RETRY,
            summary=f"follow-up {number} voorbereiden",
        )
        self.s.follow_up_reason = prepared.reason
        if prepared.retry_at is not None:
            self.s.follow_up_at = prepared.retry_at
            return
        if prepared.draft is None or not prepared.draft.text:
            return
        text = prepared.draft.text
        try:
            await self._send(text, f"{workflow.info().workflow_id}:follow-up:{number}", None, follow_up=number)
        except FailureError as exc:  # not delivered: recorded; no second try (it is no answer to anyone)
            self._note_send_failure("follow-up", str(exc.cause or exc))
            return
        now = workflow.now()
        self.s.follow_ups_sent = number
        self.s.last_follow_up_at = now
        self.s.follow_up_reply_counted = False
        self.s.context = memory.absorb_reply(self.s.context, text, now, [])
        self._queue_crm("bot", text, f"follow-up:{number}", now)
        await self._plan_follow_up()  # the next one, if any (3 days later at the earliest)
