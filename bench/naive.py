"""The throughput floor: the same steps, each a regular activity, default worker settings.

NaiveConversationWorkflow answers each `new_message` signal with route → extract → assess →
(inventory) → reply → score → send, every step `execute_activity` through the task queue,
the context carried whole in every argument. Its worker (`python bench/naive.py --worker`,
settings from the environment like `seldenrijk worker`) registers the same activity
functions the real worker does, and nothing else.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.agents import (
        AgentActivities,
        AssessRequest,
        ComposeRequest,
        ExtractRequest,
        ScoreRequest,
        StepRequest,
    )
    from activities.inventory import InventoryActivities
    from activities.messaging import MessagingActivities, SendReplyRequest
    from agents import context as memory
    from agents.models import ReplyRequest, Understanding
    from agents.stock_question import wants_stock
    from config import reveal
    from inventory.search import InventorySearchRequest
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput, InboundMessage

STEP = timedelta(seconds=30)


@workflow.defn
class NaiveConversationWorkflow:
    @workflow.init
    def __init__(self, state: ConversationInput) -> None:
        self.s = state

    @workflow.signal
    def new_message(self, message: InboundMessage) -> None:
        self.s.pending.append(message)

    @workflow.run
    async def run(self, state: ConversationInput) -> None:
        while True:
            await workflow.wait_condition(
                lambda: bool(self.s.pending) or workflow.info().is_continue_as_new_suggested()
            )
            if not self.s.pending:
                workflow.continue_as_new(self.s)
            await self._process(self.s.pending.pop(0))

    async def _process(self, message: InboundMessage) -> None:
        text = message.text
        context = memory.prepare_context(self.s.context, message.received_at)
        router = (await _step(AgentActivities.route_message, StepRequest(text=text, context=context))).router
        extraction = (
            await _step(AgentActivities.extract_details, ExtractRequest(text=text, context=context, router=router))
        ).extraction
        expertise = (
            await _step(
                AgentActivities.assess_expertise,
                AssessRequest(text=text, context=context, router=router, extraction=extraction),
            )
        ).expertise
        understanding = Understanding(text=text, router=router, extraction=extraction, expertise=expertise)
        inventory = None
        if wants_stock(understanding):  # the workflow's own rule
            inventory = await _step(
                InventoryActivities.search_inventory,
                InventorySearchRequest(
                    preferences=extraction.car_preferences,
                    asks_availability=extraction.asks_availability,
                    referenced_car_ids=[car.id for car in context.last_cars],
                    text=text,
                ),
            )
        reply = (
            await _step(
                AgentActivities.compose_reply,
                ComposeRequest(
                    reply=ReplyRequest(
                        text=text, context=context, router=router, extraction=extraction,
                        expertise=expertise, inventory=inventory,
                    )
                ),
            )
        ).output
        after = memory.absorb_understanding(context, text, message.received_at, understanding)
        await _step(AgentActivities.score_lead, ScoreRequest(context=after, understanding=understanding, escalated=False))
        await _step(
            MessagingActivities.send_whatsapp,
            SendReplyRequest(
                chat_id=self.s.chat_id,
                text=reply.response_text,
                reply_id=f"{workflow.info().workflow_id}:{message.message_id}",
                received_at=message.received_at,
            ),
        )
        shown = ConversationWorkflow._shown_cars(reply, inventory, after.last_cars)
        self.s.context = memory.absorb_reply(after, reply.response_text, workflow.now(), shown)
        self.s.messages_processed += 1


async def _step(activity, request):
    return await workflow.execute_activity(activity, request, start_to_close_timeout=STEP)


@contextlib.asynccontextmanager
async def naive_worker(client, settings, task_queue: str) -> AsyncIterator:
    """A running worker with default options: no local activities, no tuning."""
    from temporalio.worker import Worker

    from agents.rules import RulesEngine
    from integrations.sent_ledger import SentLedger
    from integrations.waha import WahaClient

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    waha = WahaClient(
        settings.waha_url, api_key=reveal(settings.waha_api_key), session=settings.waha_session, outbox_dir=settings.outbox_dir
    )
    agents = AgentActivities(settings, RulesEngine(), None)
    inventory = InventoryActivities(settings)
    messaging = MessagingActivities(waha, SentLedger(settings.data_dir / "naive-sent.sqlite3"))
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[NaiveConversationWorkflow],
        activities=[
            agents.route_message, agents.extract_details, agents.assess_expertise, agents.compose_reply,
            agents.score_lead, inventory.search_inventory, messaging.send_whatsapp,
        ],
    )
    try:
        async with worker:
            yield worker
    finally:
        await waha.aclose()


async def run_worker() -> None:
    import asyncio
    import signal

    from temporalio.client import Client
    from workflows.converter import data_converter

    from config import get_settings

    settings = get_settings()
    client = await Client.connect(settings.temporal_address, data_converter=data_converter)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with naive_worker(client, settings, settings.temporal_task_queue):
        print(f"worker polling task queue '{settings.temporal_task_queue}'", flush=True)
        await stop.wait()


if __name__ == "__main__":
    if "--worker" not in sys.argv:
        sys.exit(__doc__)
    import asyncio

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    # The sandbox re-imports the workflow's module by name: register it as `naive`, not `__main__`.
    from naive import run_worker as _run  # noqa: E402

    asyncio.run(_run())
