"""One reply being built: the request, the dealer's facts, what is said so far, and helpers
the reply's parts share (which car the customer means, what they told us already).
"""

from __future__ import annotations

import re
import zlib
from typing import Any, TypeVar
from dataclasses import dataclass, field
from datetime import datetime

from agents.knowledge.dealer import DealerFacts
from agents.models import Car, OpenCheck, ReplyRequest
from agents.rules.numbers import find_plates
from agents.rules.reply_cars import cars_in_question, named_now, names_a_new_car
from agents.rules.phrases import Phrase, say
from agents.rules.text import normalize

T = TypeVar("T")

QUESTION = re.compile(r"\?|^\s*(wat|hoe|welke?|waar|wanneer|waarom|hoeveel|is|zijn|kan|kun|kunnen|heeft|hebben|heb|doen|mag)\b")


class Variety:
    """Deterministic choice between phrasings, seeded by the message text."""

    def __init__(self, text: str):
        self.seed = zlib.crc32(text.encode("utf-8", "replace"))
        self.calls = 0

    def pick(self, *options: T) -> T:
        self.calls += 1
        return options[(self.seed >> (self.calls * 3)) % len(options)]


@dataclass
class Draft:
    """What one reply is being built from: the request, the facts and what we already said."""

    request: ReplyRequest
    dealer: DealerFacts
    now: datetime
    vary: Variety
    text: str  # normalised customer text
    parts: list[str] = field(default_factory=list)
    cars: list[Car] = field(default_factory=list)
    intent: str = "other"  # what the reply answers (may differ from the router's)
    answered_car_facts: bool = False
    test_drive_done: bool = False
    payment_done: bool = False
    checks: list[OpenCheck] = field(default_factory=list)  # promised checks: light tasks for sales (agents.open_checks)
    no_follow_up: bool = False  # a repeat or an insisting customer: answer, don't ask
    main_intent: str | None = None  # the main answer's intent when a practical part carried the router's
    covered: set[str] = field(default_factory=set)  # practical topics answered by agents/rules/reply_parts.py
    language: str = "nl"  # the customer's: nl, en, de or other (answered in English)
    form: str = "je"  # "u" once the customer writes "u"

    def say(self, phrase: Phrase, **fields: Any) -> str:
        return say(phrase, self.language, self.form, **fields)

    def pick(self, *phrases: Phrase, **fields: Any) -> str:
        """One of several phrasings (chosen by the message), in the customer's language."""
        return self.say(self.vary.pick(*phrases), **fields)

    def said_before(self, pattern: str) -> bool:
        return any(turn.role == "bot" and re.search(pattern, turn.text, re.I) for turn in self.request.context.history)

    def show(self, cars: list[Car]) -> None:
        for car in cars:  # each car once, in order (a booking's cars may come twice)
            if car.id not in {c.id for c in self.cars}:
                self.cars.append(car)


def without_history(request: ReplyRequest):
    # Only this message's term and down payment count for switching to a payment answer.
    return request.context.model_copy(update={"history": []})


def focus_car(draft: Draft) -> Car | None:
    inventory = draft.request.inventory
    if draft.cars:
        return draft.cars[0]
    if inventory and inventory.asked_car and inventory.availability != "sold":
        return inventory.asked_car
    focus = cars_in_question(draft.request.context, draft.request.extraction, draft.text)
    if focus and not names_a_new_car(draft.request.extraction, draft.request.context, draft.text):
        return focus[0]
    if inventory and inventory.matches and not inventory.relaxed and inventory.total_found == 1:
        return inventory.matches[0].car
    return None


def wants_new_car(draft: Draft) -> bool:
    """The message names a car to buy (not the trade-in) and the search found some."""
    named = named_now(draft.request.extraction, draft.text)
    inventory = draft.request.inventory
    return bool((named.make or named.model) and inventory and inventory.matches and not draft.cars)


def trade_in_known(request: ReplyRequest) -> set[str]:
    """Trade-in details the customer gave, in this message or earlier ones: never ask twice."""
    vehicle = request.extraction.trade_in_vehicle
    have: set[str] = set()
    own = request.context.trade_in  # the intake's record: "ongeveer 120 duizend" after our mileage question
    if own is not None and own.plate:
        have.add("kenteken")
    if own is not None and own.mileage_km:
        have.add("kilometerstand")
    if vehicle and vehicle.license_plate:
        have.add("kenteken")
    if vehicle and vehicle.mileage_km:
        have.add("kilometerstand")
    for turn in request.context.history:
        if turn.role == "customer":
            text = normalize(turn.text)
            if find_plates(text):
                have.add("kenteken")
            if re.search(r"\d[\d.]*\s*(km|kilometer)", text):
                have.add("kilometerstand")
    return have
