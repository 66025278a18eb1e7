"""`seldenrijk escalations list|ack|resolve`: staff's view of open escalations, via Temporal.

Also the shared logic behind the HTTP routes (starter/escalation_routes.py).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from agents.escalation import TYPE_TITLES, masked_phone, sla_state
from workflows.escalation import EscalationWorkflow
from workflows.models import Acknowledgement, EscalationStatus, Resolution

OPEN_QUERY = "WorkflowType = 'EscalationWorkflow' AND ExecutionStatus = 'Running'"


class EscalationNotFound(LookupError):
    pass


class EscalationAlreadyClosed(RuntimeError):
    pass


async def list_escalations(client: Client) -> list[EscalationStatus]:
    """Open escalations, oldest first."""
    statuses = []
    async for execution in client.list_workflows(OPEN_QUERY):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            statuses.append(await handle.query(EscalationWorkflow.status))
        except RPCError:  # finished between the listing and the query
            continue
    return sorted(statuses, key=lambda status: status.input.started_at)


async def _open_handle(client: Client, escalation_id: str):
    handle = client.get_workflow_handle(escalation_id)
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise EscalationNotFound(escalation_id) from exc
        raise
    if description.workflow_type != "EscalationWorkflow":
        raise EscalationNotFound(escalation_id)
    if description.status != WorkflowExecutionStatus.RUNNING:
        raise EscalationAlreadyClosed(f"{escalation_id} is already closed ({description.status.name.lower()})")
    status = await handle.query(EscalationWorkflow.status)
    if status.state == "resolved":
        raise EscalationAlreadyClosed(f"{escalation_id} is already resolved")
    return handle


async def _status_after(handle, done) -> EscalationStatus:
    """The status once the signal shows (a query may run before the signal's workflow task)."""
    status = await handle.query(EscalationWorkflow.status)
    for _ in range(40):
        if done(status):
            break
        await asyncio.sleep(0.05)
        status = await handle.query(EscalationWorkflow.status)
    return status


async def ack(client: Client, escalation_id: str, by: str | None, via: str = "cli") -> EscalationStatus:
    handle = await _open_handle(client, escalation_id)
    await handle.signal(
        EscalationWorkflow.acknowledge, Acknowledgement(by=by, via=via, at=datetime.now(timezone.utc))
    )
    return await _status_after(handle, lambda status: status.acknowledged is not None)


async def resolve(
    client: Client, escalation_id: str, outcome: str, by: str | None, via: str = "cli"
) -> EscalationStatus:
    handle = await _open_handle(client, escalation_id)
    await handle.signal(
        EscalationWorkflow.resolve,
        Resolution(outcome=outcome or "resolved", by=by, via=via, at=datetime.now(timezone.utc)),
    )
    return await _status_after(handle, lambda status: status.resolution is not None)


# --- printing ----------------------------------------------------------------------------
def _age(started: datetime, now: datetime) -> str:
    minutes = max(int((now - started).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{minutes // 1440}d"


def sla_text(status: EscalationStatus, now: datetime) -> str:
    if status.acknowledged is not None:
        return "acknowledged"
    state, minutes = sla_state(status.sla_deadline, now)
    if state == "ok":
        return f"ok ({minutes} min left)"
    if state == "overdue":
        return f"OVERDUE {minutes} min"
    return "-"


def escalation_row(status: EscalationStatus, now: datetime) -> dict:
    return {
        "id": status.escalation_id,
        "type": status.input.escalation_type,
        "urgency": status.input.urgency,
        "customer": f"{status.input.customer_name or ''} {masked_phone(status.input.customer_phone)}".strip(),
        "age": _age(status.input.started_at, now),
        "state": status.state,
        "sla": sla_text(status, now),
        "reminders": status.reminders_sent,
        "acknowledged_by": status.acknowledged.by if status.acknowledged else None,
    }


def print_escalations(statuses: list[EscalationStatus], as_json: bool, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    rows = [escalation_row(status, now) for status in statuses]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        print("Geen open escalaties.")
        return
    columns = ("id", "type", "urgency", "customer", "age", "state", "sla")
    titles = {"type": "TYPE", "id": "ID", "urgency": "URGENCY", "customer": "CUSTOMER", "age": "AGE",
              "state": "STATE", "sla": "SLA"}  # fmt: skip
    cells = [[str(row[c]) if c != "type" else TYPE_TITLES.get(row[c], row[c]) for c in columns] for row in rows]
    widths = [max(len(titles[c]), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    print("  ".join(titles[c].ljust(w) for c, w in zip(columns, widths)))
    for line in cells:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)))
