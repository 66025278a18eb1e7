"""Sends that wait out a WhatsApp session outage (a mixin of ConversationWorkflow, issue 17).

While the session is FAILED, STOPPED or waiting for a QR scan, the send activity fails at once
(`WahaSessionDown`). The conversation then registers with the SessionHealthWorkflow and waits
on a durable condition: its `session_back` signal, or a re-check timer when no session events
arrive. The chat's loop handles one message at a time, so every later reply waits behind this
one and all go out in order. The sent ledger key (reply id) stays the same, so a reply is never
sent twice; one that waited longer than STALE_REPLY_MINUTES goes out as a short apology version.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.messaging import SESSION_DOWN_ERROR, MessagingActivities, SendReplyRequest
    from agents.late_reply import late_version
    from workflows.conversation_handover import echo_key
    from workflows.send_policy import SEND_RETRY, send_priority
    from workflows.session_models import ConversationWaiting, SessionBack, session_workflow_id

# Without session events (webhook not subscribed to session.status) the send is retried this often.
SESSION_RECHECK = timedelta(minutes=5)


def _down_session(exc: ActivityError) -> str | None:
    """The WAHA session name when the activity failed because the session is down, else None."""
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type == SESSION_DOWN_ERROR:
        return str(cause.details[0]) if cause.details else "default"
    return None


class SessionWaitSteps:
    """Mixed into ConversationWorkflow: `self.s` is its ConversationInput."""

    _session_back_seen = False
    _registered_with: str | None = None
    _reply_context = None  # the context of the message being answered (its language and form)

    @workflow.signal
    def session_back(self, back: SessionBack) -> None:
        self._session_back_seen = True

    async def _send_through_outage(self, request: SendReplyRequest, give_up: timedelta, summary: str, written_at):
        """Send; while the session is down wait for it, then send (the late version if it got stale)."""
        request = request.model_copy(update={"session_down_fails_fast": True})
        stale_after = timedelta(minutes=self.s.stale_reply_minutes)
        replaced = False
        while True:
            try:
                return await workflow.execute_activity(
                    MessagingActivities.send_whatsapp,
                    request,
                    start_to_close_timeout=timedelta(seconds=20),
                    schedule_to_close_timeout=give_up,
                    retry_policy=SEND_RETRY,
                    summary=summary,
                    priority=send_priority(request),
                )
            except ActivityError as exc:
                session = _down_session(exc)
                if session is None:
                    raise
            self.s.held_for_session += 1
            await self._wait_for_session(session)
            if not replaced and written_at is not None and workflow.now() - written_at > stale_after:
                context = self._reply_context or self.s.context
                late = late_version(request.text, context.language, context.address_form)
                request = request.model_copy(update={"text": late})
                self.s.recent_outgoing = (self.s.recent_outgoing + [echo_key(late)])[-10:]
                self.s.stale_replies_replaced += 1
                replaced = True

    async def _wait_for_session(self, session: str) -> None:
        if self._registered_with != session:
            handle = workflow.get_external_workflow_handle(session_workflow_id(session))
            try:
                await handle.signal("conversation_waiting", ConversationWaiting(workflow_id=workflow.info().workflow_id))
                self._registered_with = session
            except ApplicationError as exc:  # no session workflow yet: the re-check timer still runs
                workflow.logger.warning("session workflow not reachable: %s", exc)
        self._session_back_seen = False
        try:
            await workflow.wait_condition(lambda: self._session_back_seen, timeout=SESSION_RECHECK)
        except asyncio.TimeoutError:
            return  # try again: the session may work again without telling us
        if self._session_back_seen:
            self._registered_with = None  # the session workflow forgot us once it told us
