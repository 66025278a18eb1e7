"""Conversation memory: pure functions the workflow calls around each message.

The context is bounded (the last MAX_TURNS turns) so it stays small in workflow history.
"""

from __future__ import annotations

from datetime import datetime

from rapidfuzz import fuzz

from agents import dialogue
from agents.models import Car, CarPreferences, ConversationContext, ConversationOutput, OpenCheck, Turn, Understanding
from agents.open_checks import remember as remember_checks
from agents.repetition import remember_said
from agents.rules.text import normalize

MAX_TURNS = 20
MAX_LAST_CARS = 5
FRESH_START_SECONDS = 6 * 3600
REPEAT_SIMILARITY = 88  # rapidfuzz ratio: "staat die golf nog" vs "staat die golf nog??"


def prepare_context(context: ConversationContext, now: datetime) -> ConversationContext:
    """Fill seconds_since_last_message from the history (None for a first message)."""
    seconds = None
    if context.history:
        seconds = max(0.0, (now - context.history[-1].at).total_seconds())
    return context.model_copy(update={"seconds_since_last_message": seconds})


def is_repeat(text: str, context: ConversationContext | None) -> bool:
    """The customer sends (nearly) the same as their previous message after our reply."""
    if context is None or not context.history:
        return False
    last_customer = next((turn for turn in reversed(context.history) if turn.role == "customer"), None)
    if last_customer is None or context.history[-1].role == "customer":
        return False
    a, b = normalize(text).strip(" ?!."), normalize(last_customer.text).strip(" ?!.")
    return len(a) >= 4 and fuzz.ratio(a, b) >= REPEAT_SIMILARITY


def not_understood(understanding: Understanding, context: ConversationContext | None = None) -> bool:
    """Nothing usable in the message, or a repeat because our last answer missed the point."""
    decision = understanding.expertise.escalation_decision
    if decision.escalate and "niet begrepen" not in decision.reason:
        return False
    router = understanding.router
    empty = router.intent == "other" and not router.needs_extraction
    return empty or is_repeat(understanding.text, context)


def is_fresh_start(context: ConversationContext, understanding: Understanding) -> bool:
    silence = context.seconds_since_last_message or 0
    return understanding.router.intent == "greeting" and silence > FRESH_START_SECONDS


def absorb_understanding(
    context: ConversationContext, text: str, now: datetime, understanding: Understanding
) -> ConversationContext:
    """Append the customer's turn and fold what we learned into the context."""
    extraction = understanding.extraction
    fresh = is_fresh_start(context, understanding)
    if fresh:
        preferences = extraction.car_preferences
        # a new start after days: the wishes start over, the car under discussion is still "hij"
        focus = context.dialogue.car
        last_cars: list[Car] = [car for car in context.last_cars if focus is not None and car.id == focus.id]
    else:
        earlier = context.preferences.without_car() if extraction.new_search else context.preferences
        preferences = earlier.merged_with(extraction.car_preferences)
        last_cars = list(context.last_cars)
        if extraction.new_search or (
            _switched_car(context.preferences, preferences) and not extraction.refers_to_previous_car
        ):
            last_cars = []
    misunderstood = context.misunderstood_count + 1 if not_understood(understanding, context) else 0
    history = [*context.history, Turn(role="customer", text=text, at=now, intent=understanding.router.intent)]
    state = dialogue.note_customer(context, understanding, text, now).dialogue
    if fresh:  # a new start after a long silence: the car under discussion stays, the old question and list go
        state = state.model_copy(update={"open_question": None, "shown": []})
    return context.model_copy(
        update={
            "dialogue": state,
            "customer_name": extraction.customer_name or context.customer_name,
            "history": history[-MAX_TURNS:],
            "preferences": preferences,
            "last_cars": last_cars,
            "listed_cars": context.listed_cars if last_cars else [],
            "last_intent": understanding.router.intent,
            "misunderstood_count": misunderstood,
            "seconds_since_last_message": 0.0,
            "has_trade_in": (False if fresh else context.has_trade_in) or extraction.has_trade_in,
            "needs_financing": (False if fresh else context.needs_financing) or extraction.needs_financing,
            "test_drive_requested": (False if fresh else context.test_drive_requested) or extraction.test_drive_requested,
            "escalated": context.escalated or understanding.expertise.escalation_decision.escalate,
            "language": extraction.language or context.language,
            "address_form": extraction.address_form or context.address_form,
        }
    )


def absorb_reply(context: ConversationContext, reply_text: str, now: datetime, shown_cars: list[Car],
                 output: ConversationOutput | None = None, checks: list[OpenCheck] | None = None) -> ConversationContext:
    """Append our reply; the cars it showed become the ones 'hij' and 'die' point at, its question the open one.

    `checks`: the questions the reply promised to have checked (sent to sales once, agents.open_checks)."""
    history = [*context.history, Turn(role="bot", text=reply_text, at=now)]
    update: dict = {"history": history[-MAX_TURNS:], "said_fingerprints": remember_said(context.said_fingerprints, reply_text)}
    if checks:
        update["open_checks"] = remember_checks(context, checks).open_checks
    if shown_cars:
        update["last_cars"] = list(shown_cars[:MAX_LAST_CARS])
    if len(shown_cars) > 1:
        update["listed_cars"] = list(shown_cars[:MAX_LAST_CARS])
    said = output if output is not None else ConversationOutput(response_text=reply_text)
    update["dialogue"] = dialogue.note_reply(context, said, shown_cars, now).dialogue
    return context.model_copy(update=update)


def absorb_staff_message(context: ConversationContext, text: str, now: datetime) -> ConversationContext:
    """A person answered: record it, and the bot's misunderstandings no longer count."""
    history = [*context.history, Turn(role="staff", text=text, at=now)]
    state = context.dialogue.model_copy(update={"open_question": None})  # a person answered: our question is off
    return context.model_copy(update={"history": history[-MAX_TURNS:], "misunderstood_count": 0, "dialogue": state})


def _switched_car(old: CarPreferences, new: CarPreferences) -> bool:
    return bool((new.make and new.make != old.make) or (new.model and new.model != old.model))


def absorb_customer_turn(context: ConversationContext, text: str, now: datetime) -> ConversationContext:
    """A customer turn without an agent reading (a photo, a voice note, a 👍 that means "ja")."""
    history = [*context.history, Turn(role="customer", text=text, at=now)]
    return context.model_copy(update={"history": history[-MAX_TURNS:], "seconds_since_last_message": 0.0})
