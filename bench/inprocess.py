"""The conversation pipeline called in-process, without Temporal: the end-to-end floor.

The same activity objects the worker registers, called as plain coroutines in the order
ConversationWorkflow calls them (route → extract → assess → inventory → reply → score), then
the reply POSTed to the WAHA peer. Chats are serialised like the workflow serialises them.
No webhook, no durability, no retries: what the per-message work costs by itself.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime, timezone

from activities.agents import AgentActivities, AssessRequest, ComposeRequest, ExtractRequest, ScoreRequest, StepRequest
from activities.inventory import InventoryActivities
from agents import context as memory
from agents.models import ConversationContext, ReplyRequest, Understanding
from agents.rules import RulesEngine
from agents.stock_question import wants_stock
from config import Settings, reveal
from integrations.waha import WahaClient
from inventory.search import InventorySearchRequest
from workflows.conversation import ConversationWorkflow


class InProcessPipeline:
    def __init__(self, settings: Settings):
        self.agents = AgentActivities(settings, RulesEngine(), None)
        self.inventory = InventoryActivities(settings)
        self.waha = WahaClient(
            settings.waha_url, api_key=reveal(settings.waha_api_key), session="default", outbox_dir=settings.outbox_dir
        )
        self.contexts: dict[str, ConversationContext] = defaultdict(ConversationContext)
        self.locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def aclose(self) -> None:
        await self.waha.aclose()

    async def handle(self, chat_id: str, text: str) -> None:
        async with self.locks[chat_id]:  # one message at a time per chat, like the workflow
            await self._handle(chat_id, text)

    async def _handle(self, chat_id: str, text: str) -> None:
        now = datetime.now(timezone.utc)
        context = memory.prepare_context(self.contexts[chat_id], now)
        router = (await self.agents.route_message(StepRequest(text=text, context=context))).router
        extraction = (
            await self.agents.extract_details(ExtractRequest(text=text, context=context, router=router))
        ).extraction
        expertise = (
            await self.agents.assess_expertise(
                AssessRequest(text=text, context=context, router=router, extraction=extraction)
            )
        ).expertise
        understanding = Understanding(text=text, router=router, extraction=extraction, expertise=expertise)
        inventory = None
        # The workflow's own rule for when stock is worth searching.
        if wants_stock(understanding):
            inventory = await self.inventory.search_inventory(
                InventorySearchRequest(
                    preferences=extraction.car_preferences,
                    asks_availability=extraction.asks_availability,
                    referenced_car_ids=[car.id for car in context.last_cars],
                    text=text,
                )
            )
        reply = (
            await self.agents.compose_reply(
                ComposeRequest(
                    reply=ReplyRequest(
                        text=text, context=context, router=router, extraction=extraction,
                        expertise=expertise, inventory=inventory,
                    )
                )
            )
        ).output
        after = memory.absorb_understanding(context, text, now, understanding)
        await self.agents.score_lead(ScoreRequest(context=after, understanding=understanding, escalated=False))
        await self.waha.send_text(chat_id, reply.response_text)
        shown = ConversationWorkflow._shown_cars(reply, inventory, after.last_cars)
        self.contexts[chat_id] = memory.absorb_reply(after, reply.response_text, datetime.now(timezone.utc), shown)
