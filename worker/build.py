"""Build the worker: one place that wires settings → clients → activities → Worker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.agents import AgentActivities
from activities.crm import CrmActivities
from activities.escalation import escalation_activities
from activities.inventory import InventoryActivities
from activities.messaging import MessagingActivities
from agents.rules import RulesEngine
from config import Settings
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
from workflows.conversation import ConversationWorkflow
from workflows.escalation import EscalationWorkflow
from workflows.inventory_sync import InventorySyncWorkflow

WORKFLOWS = [ConversationWorkflow, EscalationWorkflow, InventorySyncWorkflow]

# Deterministic (or never called from workflow code) modules the sandbox need not re-import or
# proxy for every workflow run; the workflow modules themselves stay sandboxed.
SANDBOX_PASSTHROUGH = (
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "rapidfuzz",
    "yaml",
    "config",
    "agents",
    "activities",
    "inventory",
    "integrations",
    "observability",
    "workflows.models",
    "workflows.search_attributes",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*SANDBOX_PASSTHROUGH)
    )


def claude_backend(settings: Settings):
    if not settings.anthropic_api_key:
        return None
    from integrations.claude import ClaudeBackend

    return ClaudeBackend(settings)


@contextlib.asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """A started worker for the given settings; clients are closed when it stops."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    waha = WahaClient(
        settings.waha_url,
        api_key=settings.waha_api_key,
        session=settings.waha_session,
        outbox_dir=settings.outbox_dir,
    )
    agents = AgentActivities(settings, RulesEngine(), claude_backend(settings))
    messaging = MessagingActivities(waha, SentLedger(settings.data_dir / "sent.sqlite3"))
    inventory = InventoryActivities(settings)
    crm = CrmActivities(settings)
    activities = [
        agents.route_message,
        agents.extract_details,
        agents.assess_expertise,
        agents.compose_reply,
        agents.score_lead,
        messaging.send_whatsapp,
        crm.sync_crm,
        crm.record_crm_failure,
        inventory.search_inventory,
        inventory.fetch_source,
        inventory.commit_snapshot,
        *escalation_activities(settings),
    ]
    # Every activity is async, so no thread pool is needed.
    worker = Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        max_concurrent_workflow_tasks=50,
        max_concurrent_activities=100,
        max_concurrent_local_activities=100,
        max_cached_workflows=2000,
        workflow_runner=workflow_runner(),
    )
    try:
        async with worker:
            yield worker
    finally:
        await waha.aclose()
        for closer in (getattr(crm, "aclose", None), getattr(agents.claude, "aclose", None)):
            if closer is not None:
                await closer()
