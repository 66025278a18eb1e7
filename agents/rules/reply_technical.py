"""Technical questions a salesperson answers: engines, drivetrains, reliability, road tax, consumption, equipment.

Every fact comes from the knowledge modules (agents/knowledge/) or the car's own data in
the snapshot; for a car we know nothing about we say so and offer to have it checked.
"""

from __future__ import annotations

import re

from agents import car_facts
from agents.knowledge import drivetrain, ownership, technical
from agents.knowledge.dealer import DealerFacts
from agents.models import Car, ReplyRequest
from agents.rules.phrases import voice_of
from agents.rules.reply_cars import cars_in_question, named_stock_car, names_a_new_car

# Topics answered by this module, in the order a reply states them.
TOPICS = (*drivetrain.TEXTS, "reliability", "road_tax", "equipment", "consumption", "ev_range")
_QUESTION = re.compile(r"\?|^\s*(wat|hoe|welke?|waar|waarom|hoeveel|is|zijn|kan|kun|heeft|hebben|mag|doet|verbruikt|rijdt)\b")


def asked(request: ReplyRequest, text: str) -> bool:
    """A technical question, not a search wish: "heeft deze cruise control?", "wat is een e-tsi?"."""
    topics = {s.topic for s in request.expertise.knowledge}
    if not topics & set(TOPICS) or request.expertise.escalation_decision.escalate:
        return False
    if request.extraction.asks_availability or request.extraction.asks_monthly_payment:
        return False
    own = topics & ({"reliability", "road_tax", "equipment"} | set(drivetrain.TEXTS))
    if not own and not cars_in_question(request.context, request.extraction, text):
        return False  # "zuinige auto tot 15k?" is a search; consumption alone needs a car in question
    return bool(_QUESTION.search(text)) or drivetrain.explains_engine_type(text)


def focus_car(request: ReplyRequest, text: str) -> Car | None:
    inventory = request.inventory
    if inventory and inventory.asked_car and inventory.availability != "sold":
        return inventory.asked_car
    cars = cars_in_question(request.context, request.extraction, text)
    if len(cars) == 1 and not names_a_new_car(request.extraction, request.context, text):
        return cars[0]
    return named_stock_car(request, text)  # "wegenbelasting voor de golf 1.5 tsi?": the one stock car it names


def answer(request: ReplyRequest, text: str, dealer: DealerFacts) -> tuple[list[str], Car | None, list[str], list[str]]:
    """The reply parts (at most two topics), the car they are about, and the options and facts asked
    that its data does not say (the caller answers those with a promised check)."""
    car = focus_car(request, text)
    context = request.context
    language, form = voice_of(request)
    snippets = [s for s in technical.knowledge_for(text, dealer, car, language, form) if s.topic in TOPICS]
    snippets.sort(key=lambda s: TOPICS.index(s.topic))
    named = request.extraction.car_preferences
    parts, unknown, unknown_facts = [], [], []
    for snippet in snippets[:2]:
        if snippet.topic == "road_tax" and car is not None and not car.weight_kg:
            unknown_facts = ["weight"]  # "wat weegt hij?" is what the calculator needs: a colleague checks it
            parts.append(ownership.road_tax_text(dealer, car, language, form, say_missing_weight=False))
        elif snippet.topic == "equipment" and car is not None and ownership.unknown_options(text, car):
            unknown = ownership.unknown_options(text, car)
            known = ownership.equipment_answer(text, car, dealer, language, form, say_unknown=False)
            parts += [known] if known else []
        elif snippet.topic == "reliability" and car is None and named.make:
            parts.append(ownership.reliability_text(dealer, name=" ".join(p for p in (named.make, named.model) if p),
                                                    language=language, address_form=form))
        else:
            parts.append(snippet.text)
    if car is not None and any(turn.role == "bot" and car.title in turn.text for turn in context.history) \
            and car_facts.only_one_of_its_model(car, context):
        parts = [part.replace(f" {car.title}", f" {car.model}") for part in parts]  # "de Tiguan" once it is known
    return parts, car, unknown, unknown_facts
