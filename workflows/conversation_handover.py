"""ConversationWorkflow's side of an open escalation (issue 13): the hand-over as a conversation.

While a person has the question the bot keeps answering; it forwards each message to the
escalation, tells the customer who took it (once), that it takes longer when the SLA passed
(once), adds at most one status line per half hour, and raises urgency on threats. Pure
decisions live in agents/handover.py; this mixin only orchestrates.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from agents import context as memory
    from agents import handover
    from agents.handover import HandoverView
    from agents.knowledge.financial import CREDIT_WARNING
    from agents.models import ConversationOutput
    from workflows.models import ForwardedMessage, InboundMessage, OpenEscalation, StaffMessage, UrgencyRaised


def echo_key(text: str) -> str:
    """How our own sends are remembered, to recognise WAHA's copy of them."""
    return " ".join(text.split())[:300]


class HandoverMixin:
    def _apply_escalation_update(self, update) -> None:
        """What the escalation says may be told: who took it, the deadline, that it is overdue."""
        opened = self.s.open_escalation
        if not opened or opened.escalation_id != update.escalation_id:
            return
        known = opened.view
        opened.view = update.view
        if update.view.acknowledged and not (known and known.acknowledged) and not opened.ack_announced:
            opened.ack_due = True
        if update.view.overdue_until and not update.view.acknowledged and not opened.overdue_announced:
            opened.overdue_due = True

    def _person_wrote(self) -> None:
        """A staff message reached the customer: they hear from the person, the bot stops the status talk."""
        opened = self.s.open_escalation
        if opened is None:
            return
        opened.person_spoke = opened.ack_announced = True
        opened.ack_due = opened.overdue_due = False
        opened.unanswered_streak = 0

    def _our_own_echo(self, message: StaffMessage) -> bool:
        """Facts, not timing: a message id we got back from WAHA, or the very text we just sent."""
        if message.external_id and message.external_id in self.s.sent_provider_ids:
            return True
        return echo_key(message.text) in self.s.recent_outgoing

    def _while_handed_over(self, opened: OpenEscalation, reply: ConversationOutput, needs_person: bool, now: datetime):
        """The backend's answer, minus what was said before, plus at most one line about the hand-over.

        Asked where their question is, the customer gets the status as the answer, whenever they ask.
        """
        said = [turn.text for turn in self.s.context.history if turn.role == "bot"]
        text = handover.without_repeats(reply.response_text, said, keep=(CREDIT_WARNING,))
        asked = handover.asks_for_status(self._last_customer_message or "")
        if self.s.opted_out and not asked:
            line = None  # after STOP: the answer to their question, nothing more
        elif asked:
            line = self._handover_line(opened, now, asked=True)
            if handover.only_status_question(self._last_customer_message or ""):
                text = ""  # the backend's guess at "hoe lang duurt het nog?" is noise
        elif needs_person:  # a complaint or threat on top: it went straight to the person
            line = handover.forwarded_line(opened.view or HandoverView(escalation_type=opened.escalation_type), opened.forwarded_said,
                                           *self._voice())
            opened.forwarded_said += 1
            opened.status_line_at = now
            opened.ack_due = opened.overdue_due = False
            opened.ack_announced = opened.ack_announced or bool(opened.view and opened.view.acknowledged)
        else:
            line = self._handover_line(opened, now)
        if not text and not line:
            return reply  # better said twice than not answered
        joined = "\n\n".join(part for part in (line, text) if part) if asked else "\n\n".join(part for part in (text, line) if part)
        return reply.model_copy(update={"response_text": joined})

    def _voice(self) -> tuple[str, str]:
        """The chat's language and form of address, for what the hand-over says."""
        return self.s.context.language, self.s.context.address_form

    def _handover_notice_due(self) -> bool:
        opened = self.s.open_escalation
        if opened is None or self.s.pending or opened.person_spoke or self.s.opted_out:
            return False  # nothing to say, a reply will carry it, the person is in touch, or STOP
        return (opened.ack_due and not opened.ack_announced) or (opened.overdue_due and not opened.overdue_announced)

    def _handover_line(self, opened: OpenEscalation, now: datetime, asked: bool = False) -> str | None:
        """At most one line about the hand-over: who took it, that it takes longer, or the status."""
        if opened.person_spoke and not asked:
            return None  # the person is in touch: the bot says nothing about the hand-over unasked
        view = opened.view or HandoverView(escalation_type=opened.escalation_type)
        line = None
        if opened.ack_due and not opened.ack_announced:
            line = handover.acknowledged_line(view, *self._voice())
            opened.ack_announced = True
        elif opened.overdue_due and not opened.overdue_announced:
            line = handover.overdue_notice(view, now, *self._voice())
            opened.overdue_announced = True
        elif asked or handover.status_line_due(opened.status_line_at, now):
            line = handover.status_line(view, now, opened.status_lines_said, *self._voice())
            opened.status_lines_said += 1
        opened.ack_due = opened.overdue_due = False
        if line:
            opened.status_line_at = now
        return line

    async def _send_handover_notice(self) -> None:
        opened = self.s.open_escalation
        assert opened is not None
        now = workflow.now()
        kind = "ack" if opened.ack_due and not opened.ack_announced else "overdue"
        line = self._handover_line(opened, now)
        if not line:
            return
        try:
            await self._send(line, f"{workflow.info().workflow_id}:{opened.escalation_id}:{kind}", None)
        except FailureError as exc:  # WAHA refused it: the next reply carries the status line instead
            workflow.logger.warning("hand-over notice not sent: %s", exc)
            return
        self.s.context = memory.absorb_reply(self.s.context, line, now, [])
        self._queue_crm("bot", line, f"{opened.escalation_id}:{kind}", now)

    async def _keep_escalation_informed(self, opened: OpenEscalation, message: InboundMessage, reply, silent: bool, decision) -> None:
        """Forward the message to whoever handles the escalation; raise urgency on threats."""
        opened.unanswered_streak += 1
        rise = handover.urgency_rise(message.text, opened.unanswered_streak, opened.urgency)
        if rise is not None:
            opened.urgency = rise.urgency
            await self._signal_escalation(
                "raise_urgency", UrgencyRaised(urgency=rise.urgency, reason=rise.reason, at=workflow.now())
            )
        if silent:
            return  # a person is chatting right now and reads along
        await self._signal_escalation(
            "forward",
            ForwardedMessage(
                message_id=message.message_id,
                text=message.text,
                bot_reply=reply.response_text if reply is not None else None,
                reason=decision.reason if decision.escalate else "",
                at=message.received_at,
            ),
        )

