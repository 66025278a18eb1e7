"""`seldenrijk escalations list|ack|resolve`: staff's view of open escalations, via Temporal.

Also the shared logic behind the HTTP routes (starter/escalation_routes.py).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowQueryFailedError, WorkflowQueryRejectedError
from temporalio.service import RPCError, RPCStatusCode

from agents.escalation import TYPE_TITLES, masked_phone, sla_state
from starter.tables import local_time, text_table
from workflows.conversation import ConversationWorkflow
from workflows.escalation import EscalationWorkflow
from workflows.models import Acknowledgement, ConversationSnapshot, EscalationStatus, Resolution

OPEN_QUERY = "WorkflowType = 'EscalationWorkflow' AND ExecutionStatus = 'Running'"
QUERY_TIMEOUT = timedelta(seconds=5)  # a workflow whose worker is down must not hang the staff's list


class EscalationNotFound(LookupError):
    pass


class EscalationAlreadyClosed(RuntimeError):
    pass


async def list_escalations(client: Client) -> list[EscalationStatus]:
    """Open escalations, oldest first; one whose worker does not answer in time is left out."""

    async def status(execution) -> EscalationStatus | None:
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            return await handle.query(EscalationWorkflow.status, rpc_timeout=QUERY_TIMEOUT)
        except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError):  # finished meanwhile, or no worker
            return None

    executions = [execution async for execution in client.list_workflows(OPEN_QUERY)]
    statuses = [found for found in await asyncio.gather(*(status(e) for e in executions)) if found is not None]
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


# --- what staff see of the conversation behind an escalation ----------------------------
class ConversationFacts(BaseModel):
    car_of_interest: str | None = None
    last_message_at: datetime | None = None  # the customer's latest message


def facts_from_snapshot(snapshot: ConversationSnapshot) -> ConversationFacts:
    prefs = snapshot.context.preferences
    car = " ".join(part for part in (prefs.make, prefs.model) if part)
    if not car and snapshot.context.last_cars:
        car = snapshot.context.last_cars[0].title
    customer_turns = [turn.at for turn in snapshot.context.history if turn.role == "customer"]
    last = max(customer_turns, default=None)
    if last is None and snapshot.recent:
        last = snapshot.recent[-1].timings.received_at
    return ConversationFacts(car_of_interest=car or None, last_message_at=last)


async def conversation_facts(client: Client, statuses: list[EscalationStatus]) -> dict[str, ConversationFacts]:
    """Car of interest and last customer message per escalation, from its conversation workflow."""

    async def one(status: EscalationStatus) -> ConversationFacts:
        handle = client.get_workflow_handle(status.input.conversation_workflow_id)
        try:
            return facts_from_snapshot(await handle.query(ConversationWorkflow.state, rpc_timeout=QUERY_TIMEOUT))
        except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError):  # gone, or not a conversation
            return ConversationFacts()

    facts = await asyncio.gather(*(one(status) for status in statuses))
    return {status.escalation_id: fact for status, fact in zip(statuses, facts)}


# --- printing ----------------------------------------------------------------------------
STATE_NL = {"alerting": "melden", "waiting_ack": "wacht op reactie", "acknowledged": "opgepakt", "resolved": "afgerond"}
URGENCY_NL = {"critical": "kritiek", "high": "hoog", "medium": "normaal", "low": "laag"}


def _age(started: datetime, now: datetime) -> str:
    minutes = max(int((now - started).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}u{minutes % 60:02d}m"
    return f"{minutes // 1440}d"


def sla_text(status: EscalationStatus, now: datetime) -> str:
    """Machine form, for the JSON output and the HTTP route."""
    if status.acknowledged is not None:
        return "acknowledged"
    state, minutes = sla_state(status.sla_deadline, now)
    if state == "ok":
        return f"ok ({minutes} min left)"
    if state == "overdue":
        return f"OVERDUE {minutes} min"
    return "-"


def sla_text_nl(status: EscalationStatus, now: datetime) -> str:
    if status.acknowledged is not None:
        return "opgepakt"
    state, minutes = sla_state(status.sla_deadline, now)
    if state == "ok":
        return f"ok (nog {minutes} min)"
    if state == "overdue":
        return f"TE LAAT {minutes} min"
    return "-"


def escalation_row(status: EscalationStatus, now: datetime, facts: ConversationFacts | None = None) -> dict:
    facts = facts or ConversationFacts()
    return {
        "id": status.escalation_id,
        "type": status.input.escalation_type,
        "urgency": status.input.urgency,
        "customer": f"{status.input.customer_name or ''} {masked_phone(status.input.customer_phone)}".strip(),
        "car_of_interest": facts.car_of_interest,
        "last_message_at": facts.last_message_at.isoformat() if facts.last_message_at else None,
        "age": _age(status.input.started_at, now),
        "state": status.state,
        "sla": sla_text(status, now),
        "reminders": status.reminders_sent,
        "acknowledged_by": status.acknowledged.by if status.acknowledged else None,
    }


HEADERS = ["ID", "Type", "Urgentie", "Klant", "Auto", "Laatste bericht", "Open sinds", "Status", "SLA"]


def format_escalations(statuses: list[EscalationStatus], now: datetime,
                       facts: dict[str, ConversationFacts] | None = None) -> str:
    if not statuses:
        return "Geen open escalaties."
    rows = []
    for status in statuses:
        fact = (facts or {}).get(status.escalation_id) or ConversationFacts()
        rows.append([
            status.escalation_id,
            TYPE_TITLES.get(status.input.escalation_type, status.input.escalation_type),
            URGENCY_NL.get(status.input.urgency, status.input.urgency),
            f"{status.input.customer_name or ''} {masked_phone(status.input.customer_phone)}".strip(),
            fact.car_of_interest or "-",
            local_time(fact.last_message_at),
            _age(status.input.started_at, now),
            STATE_NL.get(status.state, status.state),
            sla_text_nl(status, now),
        ])
    return text_table(HEADERS, rows)


def print_escalations(statuses: list[EscalationStatus], as_json: bool, now: datetime | None = None,
                      facts: dict[str, ConversationFacts] | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    if as_json:
        rows = [escalation_row(status, now, (facts or {}).get(status.escalation_id)) for status in statuses]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(format_escalations(statuses, now, facts))
