"""Owning a car: reliability, road tax, fuel consumption and equipment, for one car when we know it.

Dealer facts (warranty, the BOVAG check, road-tax source and calculator) come from
dealer.yaml; car facts (weight, consumption, range, equipment) from the inventory
snapshot. What neither has, we say we don't see and offer to check: no invented failure
statistics, no tariff table, no guessed equipment.
"""

from __future__ import annotations

import re

from agents import car_facts
from agents.equipment import EQUIPMENT, equipment_in
from agents.equipment import label as equipment_label
from agents.knowledge.dealer import DealerFacts
from agents.knowledge.ownership_texts import (
    RELIABILITY,
    RELIABILITY_HISTORY,
    RELIABILITY_LONGER,
    RELIABILITY_WARRANTY,
    RELIABILITY_WHAT,
    CALCULATOR,
    FACTORS,
    NO_CONSUMPTION,
    NO_OPTION_LIST,
    NO_WEIGHT,
    OPTION_LIST,
    REDUCED_RATE,
    ROAD_TAX_DEPENDS,
    WEIGHT_FOR_TAX,
    WEIGHT_WHICH_CAR,
    WHICH_CAR_OPTIONS,
)
from agents.models import Car, KnowledgeSnippet
from agents.rules.phrases import say, spoken_language

TOPICS: dict[str, re.Pattern[str]] = {
    "reliability": re.compile(r"\b(betrouwba\w*|onbetrouwba\w*|degelijk\w*|gemengde\s+verhalen|kinderziekte\w*|zwakke\s+plek\w*|"
                              r"bekende\s+(?:problemen|mankementen|kwalen)|problemen\s+(?:mee|bekend)|storingsgevoelig\w*|gaat\s+(?:\w+\s+)?lang\s+mee|"
                              r"reliab\w*)\b"),
    "road_tax": re.compile(r"\b(wegenbelasting|motorrijtuigenbelasting|mrb|road\s+tax)\b"),
    "equipment": re.compile(r"\b(?:heeft|hebben|zit|zitten|met|is\s+er|zijn\s+er)\b.{0,40}\b(?:cruise\s*control|cruise|acc|navigatie|navi|"
                            r"carplay|android\s+auto|parkeersensor\w*|pdc|achteruitrijcamera|camera|stoelverwarming|stuurverwarming|"
                            r"airco|climate\s*control|panoramadak|schuifdak|leder\w*|leer|lmv|lichtmetalen\s+velgen|keyless|"
                            r"head\s*-?\s*up|dodehoek\w*|lane\s*assist|elektrische\s+achterklep|led\s*-?\s*(?:koplampen|verlichting)|"
                            r"xenon|bluetooth|dab|isofix|uitrusting|opties)\b"),
}

# Options outside the listing vocabulary (agents/equipment.py): asked about, never in our data.
_UNLISTED: dict[str, re.Pattern[str]] = {
    "adaptieve cruise control": re.compile(r"\b(adaptive?\w*\s+cruise)\b"),
    "stuurverwarming": re.compile(r"\bstuurverwarming\b"),
    "airco": re.compile(r"\b(airco|airconditioning)\b"),
    "lichtmetalen velgen": re.compile(r"\b(lmv|lichtmetalen\s+velgen|lichtmetaal)\b"),
    "keyless entry": re.compile(r"\bkeyless\w*\b"),
    "head-up display": re.compile(r"\bhead\s*-?\s*up\b"),
    "dodehoekdetectie": re.compile(r"\b(dodehoek\w*|dode\s+hoek|blind\s*spot)\b"),
    "lane assist": re.compile(r"\b(lane\s*assist|rijstrook\w*)\b"),
    "elektrische achterklep": re.compile(r"\belektrische?\s+achterklep\b"),
    "ledkoplampen": re.compile(r"\b(led\s*-?\s*(?:koplampen|verlichting)|ledkoplampen|xenon)\b"),
    "bluetooth": re.compile(r"\bbluetooth\b"),
    "DAB-radio": re.compile(r"\bdab\+?\b"),
    "isofix": re.compile(r"\bisofix\b"),
}
_WHICH_OPTIONS = re.compile(r"\b(welke|wat\s+voor|wat\s+zijn\s+de)\s+(?:\w+\s+)?(opties|uitrusting|extra'?s)\b|\b(uitrusting|optielijst|opties)\s*\?")


def topics_in(text: str) -> list[str]:
    topics = [topic for topic, regex in TOPICS.items() if regex.search(text)]
    if _WHICH_OPTIONS.search(text) and "equipment" not in topics:
        topics.append("equipment")
    if "equipment" in topics and not (equipment_asked(text) or _WHICH_OPTIONS.search(text)):
        topics.remove("equipment")
    if "equipment" not in topics and asks_about_equipment(text):
        topics.append("equipment")  # "is het een 7 zitter?", "heeft hij 4x4?"
    return topics


def equipment_asked(text: str) -> list[str]:
    """What the message asks about: listing-vocabulary keys ("cruise_control") and other options by name."""
    keys = equipment_in(text)
    others = [name for name, regex in _UNLISTED.items() if regex.search(text)]
    if "adaptieve cruise control" in others and "cruise_control" in keys:
        keys.remove("cruise_control")
    return keys + others


def _name(item: str) -> str:
    return equipment_label(item) if item in EQUIPMENT else item


_VERB_QUESTION = re.compile(r"^\s*(?:en\s+)?(heeft|is|zit|zitten|zijn|has|does|is|hat|ist)\b")
_SEARCH_WISH = re.compile(r"\b(zoek\w*|hebben\s+jullie|heb\s+je\s+(?:ook|nog)|looking\s+for|suche\w*)\b")


def asks_about_equipment(text: str) -> bool:
    """ "is het een 7 zitter?", "heeft hij 4x4?": an option of a car, not a search wish."""
    return bool(equipment_in(text)) and bool(_VERB_QUESTION.search(text)) and not _SEARCH_WISH.search(text)


def unknown_options(text: str, car: Car) -> list[str]:
    """What the message asks about that the car's data neither confirms nor rules out (keys, or names outside the vocabulary)."""
    return [item for item in equipment_asked(text) if item not in EQUIPMENT or car_facts.status(car, item) == "unknown"]


def equipment_answer(text: str, car: Car | None, dealer: DealerFacts | None = None, language: str | None = "nl",
                     address_form: str | None = "je", say_unknown: bool = True) -> str | None:
    """Yes or no where the car's data says so (agents/car_facts); anything else is "not in our data", never a guessed no.

    `say_unknown=False`: leave the unknown ones to the caller (the rules reply promises a check for them)."""
    phone = dealer.phone if dealer else ""
    asked = equipment_asked(text)
    if not asked and _WHICH_OPTIONS.search(text):
        if car is not None and (car.options or car.equipment):
            options = ", ".join(car.options[:12]) if car.options else ", ".join(_name(k) for k in car.equipment)
            return say(OPTION_LIST, language, address_form, car=car.title, options=options)
        if car is not None:
            return say(NO_OPTION_LIST, language, address_form, car=car.title, phone=phone)
        return None
    if not asked:
        return None
    if car is None:
        return say(WHICH_CAR_OPTIONS, language, address_form, options=" en ".join(_name(item) for item in asked))
    keys = [item for item in asked if item in EQUIPMENT]
    lines, unknown = car_facts.equipment_lines(car, keys, language, address_form)
    unknown += [item for item in asked if item not in EQUIPMENT]  # outside our vocabulary: never in our data
    if unknown and say_unknown:
        lines.append(car_facts.option_unknown_line_named(car, [_name(item) for item in unknown], phone, language, address_form))
    return " ".join(lines)


def consumption_answer(car: Car, dealer: DealerFacts | None = None, language: str | None = "nl",
                       address_form: str | None = "je") -> str:
    """Consumption or range from the snapshot (the page or RDW), or an honest 'not in our data'."""
    line = car_facts.fact_line(car, "consumption", dealer, language, address_form)
    return line or say(NO_CONSUMPTION, language, address_form, car=car.title, phone=dealer.phone if dealer else "")


def reliability_text(dealer: DealerFacts, car: Car | None = None, name: str | None = None, language: str | None = "nl",
                     address_form: str | None = "je") -> str:
    kind = "car" if car else "name" if name else "any"
    what = say(RELIABILITY_WHAT[kind], language, title=car.title if car else name)
    warranty = dealer.warranty
    ours = [dealer.word(warranty.inspection, language, address_form)] if warranty.inspection else []
    longer = say(RELIABILITY_LONGER, language, address_form) if warranty.extended_available else "."
    ours.append(say(RELIABILITY_WARRANTY, language, address_form, months=warranty.bovag_months, longer=longer))
    ours.append(say(RELIABILITY_HISTORY, language, address_form))
    return say(RELIABILITY, language, address_form, what=what, ours=" ".join(ours))


def road_tax_text(dealer: DealerFacts, car: Car | None = None, language: str | None = "nl", address_form: str | None = "je",
                  say_missing_weight: bool = True) -> str:
    """What road tax depends on, the calculator, and the car's weight from the snapshot (the page or RDW by plate).

    `say_missing_weight=False`: a car without a weight gets no line about it (the caller promises a check)."""
    facts = dealer.road_tax
    spoken = spoken_language(language)
    depends = [FACTORS.get(spoken, {}).get(word, word) for word in (facts.depends_on or ["gewicht", "brandstof", "provincie"])]
    joiner = {"en": " and ", "de": " und "}.get(spoken, " en ")
    listing = ", ".join(depends[:-1]) + joiner + depends[-1] if len(depends) > 1 else depends[0]
    parts = [say(ROAD_TAX_DEPENDS, language, address_form, factors=listing)]
    if facts.reduced_rate_note:
        parts.append(facts.reduced_rate_note if spoken == "nl" else say(REDUCED_RATE, language, address_form, year=facts.year or ""))
    if facts.calculator_url:
        parts.append(say(CALCULATOR, language, address_form, url=facts.calculator_url))
    if car is not None and car.weight_kg:
        parts.append(say(WEIGHT_FOR_TAX, language, address_form, car=car.title, kg=car_facts.kg(car.weight_kg, language)))
    elif car is not None:
        if say_missing_weight:  # no lookup behind a promise: say where the weight is found
            parts.append(say(NO_WEIGHT, language, address_form, car=car.title, phone=dealer.phone))
    else:
        parts.append(say(WEIGHT_WHICH_CAR, language, address_form))
    return " ".join(parts)


def knowledge_for(text: str, dealer: DealerFacts, car: Car | None = None, language: str | None = "nl",
                  address_form: str | None = "je") -> list[KnowledgeSnippet]:
    snippets = []
    for topic in topics_in(text):
        if topic == "reliability":
            snippets.append(KnowledgeSnippet(module="technical", topic=topic,
                                             text=reliability_text(dealer, car, None, language, address_form)))
        elif topic == "road_tax":
            snippets.append(KnowledgeSnippet(module="technical", topic=topic,
                                             text=road_tax_text(dealer, car, language, address_form)))
        elif topic == "equipment":
            answer = equipment_answer(text, car, dealer, language, address_form)
            if answer:
                snippets.append(KnowledgeSnippet(module="technical", topic=topic, text=answer))
    return snippets
