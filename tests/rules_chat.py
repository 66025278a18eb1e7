"""A rules-engine conversation as the workflow runs it, for engine-level multi-turn tests.

Understanding -> inventory search of the sample stock -> trade-in intake -> reply -> the
repetition filter of the compose_reply activity -> context, including the checks a reply
promised (context.open_checks). Replies pass the guardrail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from activities.inventory import InventoryActivities
from agents import tradein
from agents.context import absorb_reply, absorb_understanding, prepare_context
from agents.guardrails import check_reply
from agents.knowledge.dealer import load_dealer
from agents.models import ConversationContext, ConversationOutput, OpenCheck, ReplyRequest
from agents.repetition import without_repeats
from agents.rules import RulesEngine
from agents.understanding import understand_async
from config import PROJECT_ROOT, Settings
from inventory.search import InventorySearchRequest

DEALER = load_dealer(PROJECT_ROOT / "dealer.yaml")
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)  # 11:00 in Harderwijk, open


def sample_inventory(tmp_path) -> InventoryActivities:
    return InventoryActivities(Settings(_env_file=None, data_dir=tmp_path, inventory_sources=["sample"]))


@dataclass
class Chat:
    inventory: InventoryActivities
    now: datetime = TUESDAY
    context: ConversationContext = field(default_factory=ConversationContext)
    replies: list[str] = field(default_factory=list)
    checks: list[OpenCheck] = field(default_factory=list)  # every check the replies asked to send
    requests: list[ReplyRequest] = field(default_factory=list)

    async def say(self, text: str, minutes: int = 1) -> str:
        self.now += timedelta(minutes=minutes)
        engine = RulesEngine(dealer=DEALER, now=lambda: self.now)
        context = prepare_context(self.context, self.now)
        understanding = await understand_async(text, engine, context)  # with the language and register, as the activity does
        result = await self.inventory.search_inventory(InventorySearchRequest(
            preferences=understanding.extraction.car_preferences,
            asks_availability=understanding.extraction.asks_availability,
            referenced_car_ids=[car.id for car in context.last_cars],
            text=text,
        ))
        wanted = context.last_cars[0] if len(context.last_cars) == 1 else None
        step = tradein.observe(context.trade_in, text, understanding.router, understanding.extraction, None, self.now,
                               DEALER, wanted, context)
        request = ReplyRequest(text=text, context=context, router=understanding.router, extraction=understanding.extraction,
                               expertise=understanding.expertise, inventory=result, trade_in_reply=step.reply)
        reply: ConversationOutput = engine.reply_sync(request)
        text_out = without_repeats(reply.response_text, context, asked=text)
        violations = check_reply(text_out, request, DEALER)
        assert violations == [], (text, text_out, violations)
        known = {car.id: car for car in [*context.last_cars, *(m.car for m in result.matches)]
                 + ([result.asked_car] if result.asked_car else [])}
        shown = [known[car_id] for car_id in reply.mentioned_car_ids if car_id in known]
        after = absorb_understanding(context, text, self.now, understanding)
        if step.trade_in is not None:
            after = after.model_copy(update={"trade_in": step.trade_in, "has_trade_in": True})
            if step.reply:
                after = after.model_copy(update={"misunderstood_count": 0})  # the intake understood it
        said = reply.model_copy(update={"response_text": text_out})
        self.context = absorb_reply(after, text_out, self.now, shown, said, reply.open_checks)
        self.checks += reply.open_checks
        self.requests.append(request)
        self.replies.append(text_out)
        return text_out
