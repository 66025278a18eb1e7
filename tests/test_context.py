"""Conversation memory: multi-message conversations through the engine and the context functions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agents.context import MAX_TURNS, absorb_reply, absorb_staff_message, absorb_understanding, prepare_context
from agents.knowledge.dealer import dealer_facts
from agents.models import Car, ConversationContext, ReplyRequest
from agents.rules import RulesEngine

CONVERSATIONS = json.loads((Path(__file__).parent / "data" / "conversations.json").read_text(encoding="utf-8"))
START = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
PREFERENCE_FIELDS = ("make", "model", "fuel_type", "transmission", "body_type", "min_price", "max_price", "min_year", "max_mileage_km")


def _actual(key: str, understanding, context: ConversationContext):
    if key.startswith("context_"):
        return getattr(context, key.removeprefix("context_"))
    if key == "intent":
        return understanding.router.intent
    if key == "escalate":
        return understanding.expertise.escalation_decision.escalate
    if key == "escalation_type":
        return understanding.expertise.escalation_decision.escalation_type
    if key == "misunderstood_count":
        return context.misunderstood_count
    if key in PREFERENCE_FIELDS:
        return getattr(understanding.extraction.car_preferences, key)
    return getattr(understanding.extraction, key)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c["name"])
def test_conversation(conversation):
    now = START
    engine = RulesEngine(dealer=dealer_facts(), now=lambda: now)
    context = ConversationContext()
    for step, message in enumerate(conversation["messages"]):
        now = now + timedelta(seconds=message["gap_seconds"])
        context = prepare_context(context, now)
        understanding = engine.understand(message["text"], context)
        before = context
        context = absorb_understanding(context, message["text"], now, understanding)
        for key, expected in message["expect"].items():
            assert _actual(key, understanding, context) == expected, (step, message["text"], key)
        # the conversation continues with a real reply, as in the workflow
        shown = [Car(**car) for car in message.get("shown_cars", [])]
        reply = engine.reply_sync(ReplyRequest(text=message["text"], context=before, router=understanding.router,
                                               extraction=understanding.extraction, expertise=understanding.expertise))
        context = absorb_reply(context, reply.response_text, now + timedelta(seconds=2), shown)
        assert context.preferences == understanding.extraction.car_preferences or understanding.router.intent == "greeting"


def test_prepare_context_measures_the_silence():
    context = ConversationContext()
    assert prepare_context(context, START).seconds_since_last_message is None
    context = absorb_reply(context, "hoi", START, [])
    assert prepare_context(context, START + timedelta(hours=7)).seconds_since_last_message == 7 * 3600


def test_history_is_bounded_and_shown_cars_are_remembered():
    engine = RulesEngine(dealer=dealer_facts(), now=lambda: START)
    context = ConversationContext()
    golf = Car(id="g1", make="Volkswagen", model="Golf", price_eur=21_000)
    for i in range(30):
        text = f"zoek een golf tot {20 + i}k"
        context = absorb_understanding(context, text, START + timedelta(minutes=i), engine.understand(text, context))
        context = absorb_reply(context, "kijk eens", START + timedelta(minutes=i, seconds=5), [golf])
    assert len(context.history) == MAX_TURNS
    assert context.history[-1].role == "bot" and context.last_cars == [golf]
    assert context.preferences.max_price == 49_000


def test_staff_message_resets_misunderstandings():
    context = ConversationContext(misunderstood_count=1)
    context = absorb_staff_message(context, "Hoi, ik help je verder!", START)
    assert context.misunderstood_count == 0 and context.history[-1].role == "staff"


def test_switching_car_forgets_the_shown_cars():
    engine = RulesEngine(dealer=dealer_facts(), now=lambda: START)
    golf = Car(id="g1", make="Volkswagen", model="Golf", price_eur=21_000)
    context = ConversationContext(last_cars=[golf], preferences=engine.understand("golf").extraction.car_preferences)
    context = absorb_understanding(context, "of een toyota yaris", START, engine.understand("of een toyota yaris", context))
    assert context.last_cars == [] and context.preferences.model == "Yaris"
