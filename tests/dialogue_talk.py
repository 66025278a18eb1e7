"""Whole conversations through the agents' steps as the workflow runs them, without Temporal.

understand (rules engine) → trade-in intake (plates looked up in the sample stock, else "not at
RDW") → inventory search (with the car named first) → test-drive plan (an empty calendar) →
reply → the context and dialogue state moved on. Used by the dialogue conversation tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from activities.inventory import InventoryActivities
from agents import tradein
from agents.booking import candidate_cars, plan_booking
from agents.context import absorb_reply, absorb_understanding, prepare_context
from agents.dialogue import cars_in_reply
from agents.guardrails import check_reply
from agents.knowledge.dealer import load_dealer
from agents.models import ConversationContext, ConversationOutput, ReplyRequest
from agents.plates import compact
from agents.rules import RulesEngine
from agents.slots import free_slots
from agents.tradein_models import PlateLookup
from config import PROJECT_ROOT
from inventory.search import InventorySearchRequest

DEALER = load_dealer(PROJECT_ROOT / "dealer.yaml")
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)  # 11:00 in Harderwijk, open


@dataclass
class Turn:
    text: str
    request: ReplyRequest
    reply: ConversationOutput
    context_after: ConversationContext


@dataclass
class Talk:
    inventory: InventoryActivities
    now: datetime = TUESDAY
    context: ConversationContext = field(default_factory=ConversationContext)
    turns: list[Turn] = field(default_factory=list)
    gap: timedelta = timedelta(minutes=1)

    async def say(self, text: str, after: timedelta | None = None, check: bool = True) -> ConversationOutput:
        self.now += after or self.gap
        now = self.now
        engine = RulesEngine(dealer=DEALER, now=lambda: now)
        context = prepare_context(self.context, now)
        understanding = engine.understand(text, context)
        context, understanding, trade_in_reply = self._trade_in(text, context, understanding, now)
        extraction = understanding.extraction
        result = await self.inventory.search_inventory(InventorySearchRequest(
            preferences=extraction.car_preferences, asks_availability=extraction.asks_availability,
            referenced_car_ids=[car.id for car in context.last_cars], text=text, named_first=extraction.named_search))
        plan = None
        if extraction.booking.action != "none" or extraction.test_drive_requested:
            plan = plan_booking(cue=extraction.booking, dialogue=context.test_drive,
                                candidates=candidate_cars(extraction, context, result, text), text=text, now=now,
                                dealer=DEALER, free_for=lambda ids, ignore: free_slots(DEALER, [], now, ids))
            if plan.action == "book":
                booked = plan.dialogue.bookings[-1].model_copy(update={"booking_id": f"b{len(self.turns)}"})
                plan = plan.model_copy(update={"dialogue": plan.dialogue.model_copy(
                    update={"bookings": plan.dialogue.bookings[:-1] + [booked]})})
        request = ReplyRequest(text=text, context=context, router=understanding.router, extraction=extraction,
                               expertise=understanding.expertise, inventory=result,
                               test_drive_note=plan.note if plan else None,
                               test_drive_car_ids=plan.car_ids_named if plan else [], trade_in_reply=trade_in_reply)
        reply = engine.reply_sync(request)
        if check:  # the planner's note is said verbatim (the booking made it true); the rest passes the guardrail
            checked = reply.response_text.replace(plan.note, "") if plan is not None and plan.note else reply.response_text
            assert check_reply(checked, request, DEALER) == [], (text, reply.response_text)
        known = {car.id: car for car in [*context.last_cars, *(m.car for m in result.matches)]
                 + ([result.asked_car] if result.asked_car else [])}
        shown = cars_in_reply(reply, list(known.values()))  # as the workflow's _shown_cars
        after = absorb_understanding(context, text, now, understanding)
        if plan is not None:
            after = after.model_copy(update={"test_drive": plan.dialogue})
        if context.trade_in is not None:
            after = after.model_copy(update={"trade_in": context.trade_in, "has_trade_in": True})
        self.context = absorb_reply(after, reply.response_text, now, shown, reply)
        self.turns.append(Turn(text, request, reply, self.context))
        return reply

    def _trade_in(self, text, context, understanding, now):
        """agents.tradein as workflows/conversation_media.py runs it; the sample stock stands in for RDW."""
        plate = tradein.plate_to_look_up(text, context.trade_in)
        starts = tradein.starts_intake(understanding.router, understanding.extraction)
        if not (plate or context.trade_in or starts):
            return context, understanding, None
        lookup = None
        if plate is not None:
            stock = next((car for car in self.inventory.catalog.index().cars
                          if car.license_plate and compact(car.license_plate) == plate.compact), None)
            lookup = PlateLookup(plate=plate.compact, dashed=plate.dashed, status="stock" if stock else "unknown",
                                 stock_car_id=stock.id if stock else None)
        if lookup is not None and lookup.status == "stock" and context.trade_in is None and not starts:
            return context, understanding, None
        wanted = context.last_cars[0] if context.last_cars else None
        step = tradein.observe(context.trade_in, text, understanding.router, understanding.extraction, lookup, now,
                               DEALER, wanted, context)
        if step.trade_in is None:
            return context, understanding, None
        extraction = tradein.without_trade_in(understanding.extraction, context, step.trade_in, text,
                                              about_trade_in=step.about_trade_in or starts)
        understanding = understanding.model_copy(update={"extraction": extraction})
        context = context.model_copy(update={"trade_in": step.trade_in, "has_trade_in": True})
        return context, understanding, step.reply
