"""Technical knowledge: fuel types, consumption, EV range and charging, gearboxes, towing.

General car knowledge (not dealer facts), phrased for a WhatsApp answer. The topic
patterns work on normalised text (agents.rules.text.normalize).
"""

from __future__ import annotations

import re

from agents.knowledge import drivetrain, ownership
from agents.knowledge.dealer import DealerFacts
from agents.knowledge.general_texts import TECHNICAL, catalog
from agents.models import Car, KnowledgeSnippet
from agents.rules.phrases import say

TOPICS: dict[str, re.Pattern[str]] = {
    "fuel_types": re.compile(r"\b(verschil\s+tussen\s+(?:\w+\s+){0,2}(?:benzine|diesel|hybride|hybrid|elektrisch\w*|ev|phev|plug-?in|lpg)|welke\s+brandstof|brandstof\w*|benzine\s+of\s+diesel|diesel\s+of\s+benzine|hybride\s+of|of\s+hybride|wat\s+is\s+(?:een\s+)?(?:hybride|phev|plug-?in))\b"),
    "consumption": re.compile(r"\b(verbruik\w*|zuinig\w*|1\s+op\s+\d+|liter\s+per|l/100|km\s+per\s+liter|brandstofkosten)\b"),
    "ev_range": re.compile(r"\b(actieradius|bereik|(?<!long )(?<!extended )(?<!standard )range|reichweite|hoe\s+ver\s+(?:kan|kom|rijdt)|kilometers?\s+op\s+een\s+(?:lading|acculading)|accu\w*|batterij\w*|soh)\b"),
    "charging": re.compile(r"\b(laden|opladen|laadpaal|laadpalen|snelladen|snellader|laadtijd|thuisladen|laadpas|laadkabel|kw\s+laden|wallbox)\b"),
    "towing": re.compile(r"\b(trekhaak|trekgewicht|caravan|aanhanger|aanhangwagen|trekken|fietsendrager|kogeldruk)\b"),
}


# Topics that make a message technical even when it also touches something else.
TECHNICAL_FIRST = frozenset(drivetrain.TEXTS) | {"reliability", "road_tax", "equipment", "consumption", "ev_range"}


def topics_in(text: str) -> list[str]:
    return [topic for topic, regex in TOPICS.items() if regex.search(text)]


_TEXTS = {
    "fuel_types": (
        "Benzine is fijn voor wie vooral korte ritten maakt; diesel loont bij veel kilometers (vaak 25.000+ per jaar), "
        "maar de wegenbelasting is hoger. Een hybride laadt zichzelf op en is zuinig in de stad; een plug-in hybride "
        "kun je aan de stekker laden en rijdt korte stukken elektrisch. Volledig elektrisch rijden is het goedkoopst per kilometer."
    ),
    "consumption": (
        "Het verbruik hangt af van motor, rijstijl en ritten: een benzine-hatchback doet vaak 1 op 15 tot 1 op 20, "
        "een diesel 1 op 18 tot 1 op 23 en een hybride in de stad soms 1 op 25. De opgave per auto staat bij de advertentie."
    ),
    "ev_range": (
        "De actieradius van een elektrische auto hangt af van de accu, de temperatuur en je snelheid: reken in de winter "
        "op zo'n 20-30% minder dan de WLTP-opgave. De accu van een occasion controleren we; vraag gerust naar de accugezondheid (SoH)."
    ),
    "charging": (
        "Thuis laden met een laadpaal (11 kW) duurt een nacht; aan een snellader laad je de meeste elektrische auto's "
        "in 20-40 minuten van 10 naar 80%. Via een gewoon stopcontact kan het ook, maar dat duurt veel langer."
    ),
    "towing": (
        "Het maximale trekgewicht staat op het kenteken (geremd en ongeremd). Voor een caravan kijk je ook naar de kogeldruk; "
        "met rijbewijs B mag de combinatie in de regel tot 3.500 kg. Een trekhaak laten monteren kan vaak achteraf."
    ),
}
PHRASES = catalog(_TEXTS, TECHNICAL)


def general_text(topic: str, language: str | None = "nl", address_form: str | None = "je") -> str:
    """One of the general answers above, in the customer's language and register."""
    return say(PHRASES[topic], language, address_form)


def knowledge_for(text: str, dealer: DealerFacts | None = None, car: Car | None = None, language: str | None = "nl",
                  address_form: str | None = "je") -> list[KnowledgeSnippet]:
    """General answers, plus engines/drivetrains and (with dealer facts) reliability, road tax and equipment.

    With `car` (the car the customer asks about) consumption, range and equipment come from its data.
    """
    snippets = []
    for topic in topics_in(text):
        answer = general_text(topic, language, address_form)
        if car is not None and topic in ("consumption", "ev_range") and (topic == "consumption" or car.electric_range_km):
            answer = ownership.consumption_answer(car, dealer, language, address_form)
        snippets.append(KnowledgeSnippet(module="technical", topic=topic, text=answer))
    snippets += drivetrain.knowledge_for(text, language, address_form)
    if dealer is not None:
        snippets += ownership.knowledge_for(text, dealer, car, language, address_form)
    # the engine/drivetrain explanation first: "verschil tussen tsi en tdi, wat verbruikt dat?" explains before it generalises
    if drivetrain.explains_engine_type(text):
        snippets.sort(key=lambda s: s.topic not in drivetrain.TEXTS)
    return snippets


def snippet_for(topic: str, text: str, dealer: DealerFacts, car: Car | None = None, language: str | None = "nl",
                address_form: str | None = "je") -> KnowledgeSnippet | None:
    """Our text for one technical topic another backend picked, even when our patterns did not see it."""
    if topic in drivetrain.TEXTS:
        answer = drivetrain.text_for(topic, language, address_form)
    elif topic == "reliability":
        answer = ownership.reliability_text(dealer, car, None, language, address_form)
    elif topic == "road_tax":
        answer = ownership.road_tax_text(dealer, car, language, address_form)
    elif topic == "consumption":
        answer = ownership.consumption_answer(car, dealer, language, address_form) if car is not None else general_text("consumption", language, address_form)
    elif topic == "equipment":
        answer = ownership.equipment_answer(text, car, dealer, language, address_form)
    else:
        return None
    return KnowledgeSnippet(module="technical", topic=topic, text=answer) if answer else None
