"""Build the worker: one place that wires settings → clients → activities → Worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Literal

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from activities.agents import AgentActivities
from activities.crm import CrmActivities
from activities.delivery_alert import DeliveryAlertActivities
from activities.escalation import escalation_activities
from activities.inventory import InventoryActivities
from activities.message_events import judge_edit
from activities.messaging import MessagingActivities
from activities.testdrive import testdrive_activities
from activities.privacy import PrivacyActivities, privacy_activities
from activities.followup import FollowUpActivities
from activities.lids import LidActivities
from activities.session_alert import SessionAlertActivities
from activities.tradein import TradeInActivities
from agents.rules import RulesEngine
from agents.rules.classifier import classifier
from agents.rules.model_cache import use_cache_dir
from config import Settings, reveal
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
from worker.memory_trim import trim_memory_periodically
from workflows.conversation import ConversationWorkflow
from workflows.escalation import EscalationWorkflow
from workflows.inventory_sync import InventorySyncWorkflow
from workflows.privacy import PrivacyRequestWorkflow
from workflows.session_health import SessionHealthWorkflow
from workflows.testdrive import TestDriveWorkflow

WORKFLOWS = [
    ConversationWorkflow, EscalationWorkflow, InventorySyncWorkflow, PrivacyRequestWorkflow, TestDriveWorkflow,
    SessionHealthWorkflow,
]


def workflow_runner(settings: Settings) -> WorkflowRunner:
    """Workflows run without the sandbox unless WORKFLOW_SANDBOX=true: it cost a third of the
    worker's CPU per message.

    Measured with bench/bench_throughput.py on 2 cores: ~39 ms of worker CPU per message in
    the sandbox (selective passthrough of our modules and pydantic changed nothing, passing
    everything through ~34 ms), ~26 ms without; 25 vs 35 messages/s sustained. Determinism
    is still guarded in CI: tests/test_worker_sandbox.py runs a conversation in the default
    sandbox, and tests/test_replay.py replays recorded histories in it.
    """
    return SandboxedWorkflowRunner() if settings.workflow_sandbox else UnsandboxedWorkflowRunner()


WorkerRole = Literal["all", "workflows", "activities"]


def claude_backend(settings: Settings):
    if not settings.anthropic_api_key:
        return None
    from integrations.claude import ClaudeBackend

    return ClaudeBackend(settings)


@contextlib.asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, task_queue: str | None = None, runner: WorkflowRunner | None = None,
    role: WorkerRole = "all",
) -> AsyncIterator[Worker]:
    """A started worker for the given settings; clients are closed when it stops.

    `runner`: tests pass the sandboxed runner to check the workflows stay deterministic.
    `role`: "all" runs everything; "workflows" runs the workflows and their local activities (the
    agent steps) but takes no activity tasks from the server; "activities" runs only those
    activity tasks (WhatsApp sends, seen/typing, CRM, e-mail, RDW, calendar). Two processes, one
    per role, put the integrations' HTTP work on the second core, beside the workflows' CPU work.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    waha = WahaClient(
        settings.waha_url,
        api_key=reveal(settings.waha_api_key),
        session=settings.waha_session,
        outbox_dir=settings.outbox_dir,
    )
    # The rules' statistical second opinion: loaded from MODEL_CACHE_DIR (DATA_DIR/cache) in a fraction of a second, or
    # trained (several seconds) and cached. Either way before the first message, off the loop.
    use_cache_dir(settings.model_cache_path)
    if role != "activities":  # the agent steps run as local activities, beside the workflows
        await asyncio.to_thread(classifier)
    inventory = InventoryActivities(settings)
    agents = AgentActivities(settings, RulesEngine(), claude_backend(settings), search_stock=inventory.search_inventory)
    # One ledger for everything a retry could send twice: replies, alerts, e-mails, notes.
    ledger = SentLedger.from_settings(settings)
    messaging = MessagingActivities(
        waha, ledger, typing=settings.waha_typing, presence_timeout=settings.waha_presence_timeout_seconds
    )
    crm = CrmActivities(settings)
    trade_ins = TradeInActivities(settings, inventory.catalog)
    testdrives, testdrive_steps = testdrive_activities(settings)
    privacy = PrivacyActivities(settings, waha=waha)
    delivery_alerts = DeliveryAlertActivities(settings, ledger=ledger, crm=crm)
    lids = LidActivities(crm, settings)
    follow_ups = FollowUpActivities(settings, inventory.catalog)
    session_alerts = SessionAlertActivities(settings, mailer=delivery_alerts.mailer, ledger=ledger)
    activities = [
        agents.route_message,
        agents.extract_details,
        agents.assess_expertise,
        agents.understand_message,
        agents.compose_reply,
        agents.score_lead,
        messaging.send_whatsapp,
        messaging.show_presence,
        judge_edit,
        crm.sync_crm,
        crm.record_crm_failure,
        delivery_alerts.alert_undelivered,
        session_alerts.alert_session,
        lids.hand_over_conversation,
        lids.merge_crm_contact,
        follow_ups.plan_follow_up,
        follow_ups.prepare_follow_up,
        inventory.search_inventory,
        inventory.fetch_source,
        inventory.commit_snapshot,
        trade_ins.lookup_plate,
        trade_ins.intake_step,
        trade_ins.media_reply,
        trade_ins.send_sales_task,
        *escalation_activities(settings, waha=waha, ledger=ledger, crm=crm),
        *testdrive_steps,
        *privacy_activities(privacy),
    ]
    # Every activity is async, so no thread pool is needed.
    worker = Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=WORKFLOWS if role != "activities" else [],
        activities=activities,
        no_remote_activities=role == "workflows",
        max_concurrent_workflow_tasks=50,
        max_concurrent_activities=100,
        max_concurrent_local_activities=100,
        max_cached_workflows=settings.worker_max_cached_workflows,
        workflow_runner=runner or workflow_runner(settings),
    )
    trimming = asyncio.create_task(trim_memory_periodically(settings.worker_memory_trim_seconds))
    try:
        async with worker:
            yield worker
    finally:
        trimming.cancel()
        await waha.aclose()
        testdrives.store.close()
        for closer in (getattr(crm, "aclose", None), delivery_alerts.aclose, getattr(agents.claude, "aclose", None),
                       trade_ins.aclose):
            if closer is not None:
                await closer()
