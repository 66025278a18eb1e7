"""SessionHealthWorkflow: one per WAHA session, fed by `session.status` webhook events.

FAILED, STOPPED or SCAN_QR_CODE start an outage: the manager gets one e-mail at once (the
ledger key is the outage id, so a redelivered event or a retried activity mails once), and
conversations that could not send register here. WORKING ends the outage: every waiting
conversation is told, and sends its held replies in order (workflows/conversation_session.py).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.session_alert import SessionAlertActivities
    from workflows.session_models import (
        DOWN_STATES,
        WAITING_KEPT,
        ConversationWaiting,
        SessionAlert,
        SessionBack,
        SessionHealthInput,
        SessionStatusChange,
    )

EVENTS_PER_RUN = 500
SEEN_KEPT = 200
ALERT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=1))


@workflow.defn
class SessionHealthWorkflow:
    @workflow.init
    def __init__(self, state: SessionHealthInput) -> None:
        self.s = state
        self._changes: list[SessionStatusChange] = []

    @workflow.signal
    def status_changed(self, change: SessionStatusChange) -> None:
        if change.event_id and change.event_id in self.s.seen_event_ids:
            return
        if change.event_id:
            self.s.seen_event_ids = (self.s.seen_event_ids + [change.event_id])[-SEEN_KEPT:]
        self._changes.append(change)

    @workflow.signal
    def conversation_waiting(self, waiting: ConversationWaiting) -> None:
        if waiting.workflow_id not in self.s.waiting:
            self.s.waiting = (self.s.waiting + [waiting.workflow_id])[-WAITING_KEPT:]

    @workflow.query
    def state(self) -> SessionHealthInput:
        return self.s

    @workflow.run
    async def run(self, state: SessionHealthInput) -> None:
        while True:
            await workflow.wait_condition(
                lambda: bool(self._changes) or (self.s.status == "WORKING" and bool(self.s.waiting))
                or self.s.events >= EVENTS_PER_RUN
            )
            if self._changes:
                await self._apply(self._changes.pop(0))
                self.s.events += 1
                continue
            if self.s.status == "WORKING" and self.s.waiting:
                await self._release_waiting()
                continue
            await workflow.wait_condition(workflow.all_handlers_finished)
            self.s.events = 0
            workflow.continue_as_new(self.s)

    async def _apply(self, change: SessionStatusChange) -> None:
        was_down = self.s.outage_id is not None
        self.s.status = change.status
        workflow.set_current_details(f"**WhatsApp-sessie {self.s.session}:** {change.status} sinds {change.at:%Y-%m-%d %H:%M} UTC")
        if change.status in DOWN_STATES and not was_down:
            self.s.outages += 1
            self.s.outage_id = f"{self.s.session}:{change.event_id or change.at.isoformat()}"
            self.s.down_since = change.at
            self.s.down_status = change.status
            await self._alert("down", change)
        elif change.status == "WORKING" and was_down:
            await self._alert("back", change)
            self.s.outage_id = None
            self.s.down_since = None
            self.s.down_status = None

    async def _alert(self, kind: str, change: SessionStatusChange) -> None:
        try:
            await workflow.execute_activity_method(
                SessionAlertActivities.alert_session,
                SessionAlert(
                    kind=kind, session=self.s.session, status=change.status, outage_id=self.s.outage_id or "",
                    down_since=self.s.down_since or change.at, at=change.at,
                ),
                start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(hours=1),
                retry_policy=ALERT_RETRY,
                summary=f"manager e-mail: WhatsApp {'down' if kind == 'down' else 'weer actief'} ({change.status})",
            )
        except ActivityError as exc:  # SMTP down for an hour: logged; the Grafana alert still shows it
            workflow.logger.error("session alert not sent: %s", exc.cause or exc)

    async def _release_waiting(self) -> None:
        waiting, self.s.waiting = self.s.waiting, []
        for workflow_id in waiting:
            handle = workflow.get_external_workflow_handle(workflow_id)
            try:
                await handle.signal("session_back", SessionBack(session=self.s.session, at=workflow.now()))
            except ApplicationError as exc:  # finished or deleted meanwhile
                workflow.logger.warning("conversation %s not told: %s", workflow_id, exc)
