"""Temporal as a personal-data store: the customer's conversation, escalation and privacy workflows.

Export reads each execution's history (the customer's messages, staff messages and every reply
sent) through the data converter. Forget terminates what still runs and deletes every execution
with DeleteWorkflowExecution, so the histories go too. The privacy workflow that is carrying out
the request is left running (it finishes right after); its own history goes with the namespace
retention period.
"""

from __future__ import annotations

from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from integrations.local_crm import normalize_phone
from workflows.models import conversation_workflow_id

PRIVACY_WORKFLOW = "PrivacyRequestWorkflow"
CUSTOMER_SIGNALS = ("new_message", "staff_message")
SENDING_ACTIVITIES = ("send_whatsapp",)


class TemporalStore:
    name = "temporal"

    def __init__(self, client: Client, *, keep_workflow_id: str | None = None, extra_ids: list[str] | None = None):
        self.client = client
        self.keep_workflow_id = keep_workflow_id
        self.extra_ids = list(extra_ids or [])  # workflows of this customer without CustomerPhone (test drives)

    async def _executions(self, phone: str) -> list[Any]:
        e164 = normalize_phone(phone)
        found = {}
        async for execution in self.client.list_workflows(f'CustomerPhone = "{e164}"'):
            found[(execution.id, execution.run_id)] = execution
        # Visibility may lag behind a just-started chat: the conversation id is known anyway.
        for workflow_id in [conversation_workflow_id(phone), *self.extra_ids]:
            try:
                described = await self.client.get_workflow_handle(workflow_id).describe()
                found.setdefault((described.id, described.run_id), described)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
        return sorted(found.values(), key=lambda e: (e.start_time, e.id))

    async def export(self, phone: str) -> Any:
        rows = []
        for execution in await self._executions(phone):
            handle = self.client.get_workflow_handle(execution.id, run_id=execution.run_id)
            rows.append({
                "workflow_id": execution.id,
                "run_id": execution.run_id,
                "type": execution.workflow_type,
                "status": execution.status.name.lower() if execution.status else None,
                "started": execution.start_time.isoformat() if execution.start_time else None,
                "closed": execution.close_time.isoformat() if execution.close_time else None,
                "events": await self._readable_history(handle),
            })
        return rows

    async def _readable_history(self, handle) -> list[dict]:
        """What a person would want to see: inputs, customer/staff messages, replies and alerts sent."""
        converter = self.client.data_converter.payload_converter
        events = []
        async for event in handle.fetch_history_events():
            at = event.event_time.ToDatetime().isoformat() + "Z"
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                attrs = event.workflow_execution_started_event_attributes
                events.append({"at": at, "started_with": _decode(converter, attrs.input.payloads)})
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                attrs = event.workflow_execution_signaled_event_attributes
                events.append({"at": at, "signal": attrs.signal_name, "payload": _decode(converter, attrs.input.payloads)})
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attrs = event.activity_task_scheduled_event_attributes
                if attrs.activity_type.name.startswith("send_"):
                    events.append({"at": at, "activity": attrs.activity_type.name,
                                   "input": _decode(converter, attrs.input.payloads)})
        return events

    async def forget(self, phone: str) -> int:
        deleted = 0
        for execution in await self._executions(phone):
            running = execution.status == WorkflowExecutionStatus.RUNNING
            if execution.id == self.keep_workflow_id or (running and execution.workflow_type == PRIVACY_WORKFLOW):
                continue  # the request being carried out right now
            try:
                await self.client.workflow_service.delete_workflow_execution(
                    DeleteWorkflowExecutionRequest(
                        namespace=self.client.namespace,
                        workflow_execution=WorkflowExecution(workflow_id=execution.id, run_id=execution.run_id),
                    )
                )  # a running execution is terminated first by the server
                deleted += 1
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
        return deleted


def _decode(converter, payloads) -> Any:
    try:
        values = converter.from_payloads(list(payloads))
    except Exception as exc:  # noqa: BLE001 - an undecodable payload is shown as such, not skipped silently
        return {"undecodable": str(exc)[:200]}
    return values[0] if len(values) == 1 else values
