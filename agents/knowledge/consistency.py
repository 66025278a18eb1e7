"""The knowledge rules every backend follows, applied to an understanding (pure).

The rules engine decides these itself; Claude's understanding passes through here too, so
both backends agree: a question about an engine type never sets a fuel or gearbox wish,
engine/drivetrain/reliability/road-tax/equipment questions are `technical`, and the facts
stated come from our knowledge modules and the car's data, not from the model.
"""

from __future__ import annotations

from agents.knowledge import drivetrain, technical
from agents.knowledge.dealer import DealerFacts
from agents.models import Car, ConversationContext, ExtractionOutput, Understanding
from agents.rules.text import normalize

_NOT_TECHNICAL_INTENTS = ("trade_in", "test_drive", "complaint", "financing_inquiry")


def car_in_question(context: ConversationContext | None, extraction: ExtractionOutput) -> Car | None:
    """The stock car a technical question is about: the one just discussed, unless another car is named."""
    if context is None or not context.last_cars:
        return None
    car = context.last_cars[0]
    named = extraction.car_preferences
    if named.make and named.make != car.make and not extraction.refers_to_previous_car:
        return None
    if len(context.last_cars) > 1 and not extraction.refers_to_previous_car and not (named.model and named.model == car.model):
        return None
    return car


def with_knowledge_rules(understanding: Understanding, context: ConversationContext | None, dealer: DealerFacts,
                         picked: list[str] | tuple[str, ...] = ()) -> Understanding:
    """`picked`: technical topics the backend chose itself; their texts still come from our modules."""
    text = normalize(understanding.text)
    extraction = understanding.extraction
    if drivetrain.explains_engine_type(text):
        prefs = extraction.car_preferences.model_copy(update={"fuel_type": None, "transmission": None})
        extraction = extraction.model_copy(update={"car_preferences": prefs})
    expertise = understanding.expertise
    car = car_in_question(context, extraction)
    language, form = getattr(context, "language", None) or "nl", getattr(context, "address_form", None) or "je"
    ours = [s for s in technical.knowledge_for(text, dealer, car, language, form) if s.topic in technical.TECHNICAL_FIRST]
    for topic in picked:
        if topic in technical.TECHNICAL_FIRST and topic not in {s.topic for s in ours}:
            snippet = technical.snippet_for(topic, text, dealer, car, language, form)
            if snippet is not None:
                ours.append(snippet)
    if ours:
        kept = [s for s in expertise.knowledge if s.topic not in {o.topic for o in ours}]
        expertise = expertise.model_copy(update={"knowledge": (ours + kept)[:4]})
        decision = expertise.escalation_decision
        if not decision.escalate and understanding.router.intent not in _NOT_TECHNICAL_INTENTS:
            classification = expertise.classification.model_copy(update={"primary_domain": "technical"})
            expertise = expertise.model_copy(update={"classification": classification})
    return understanding.model_copy(update={"extraction": extraction, "expertise": expertise})
