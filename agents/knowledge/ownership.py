"""Owning a car: reliability, road tax, fuel consumption and equipment, for one car when we know it.

Dealer facts (warranty, the BOVAG check, road-tax source and calculator) come from
dealer.yaml; car facts (weight, consumption, range, equipment) from the inventory
snapshot. What neither has, we say we don't see and offer to check: no invented failure
statistics, no tariff table, no guessed equipment.
"""

from __future__ import annotations

import re

from agents.equipment import EQUIPMENT, as_object, equipment_in
from agents.equipment import label as equipment_label
from agents.knowledge.dealer import DealerFacts
from agents.models import Car, KnowledgeSnippet

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


def equipment_answer(text: str, car: Car | None) -> str | None:
    """Yes for what the listing names; anything else is unknown (listings leave most options out), never "no"."""
    asked = equipment_asked(text)
    if not asked and _WHICH_OPTIONS.search(text):
        if car is not None and car.equipment:
            return f"In de advertentie van de {car.title} staan onder meer: {', '.join(_name(k) for k in car.equipment)}."
        if car is not None:
            return f"De uitrusting van de {car.title} zie ik niet in onze gegevens. Zal ik hem voor je laten nakijken?"
        return None
    if not asked:
        return None
    listing = " en ".join(_name(item) for item in asked)
    if car is None:
        return (f"Over welke auto gaat het? Dan kijk ik of die {listing} heeft; "
                "de uitrusting verschilt per auto en per uitvoering.")
    has = [item for item in asked if item in car.equipment]
    unknown = [item for item in asked if item not in has]
    parts = []
    if has:
        parts.append(f"Ja, de {car.title} heeft {' en '.join(as_object(item) for item in has)}.")
    if unknown:
        names = " en ".join(_name(item) for item in unknown)
        parts.append(f"Of de {car.title} {names} heeft, zie ik niet in onze gegevens. Zal ik het voor je laten nakijken?")
    return " ".join(parts)


def consumption_answer(car: Car) -> str:
    """Consumption or range from the snapshot, or an honest 'not in our data'."""
    facts = []
    if car.fuel_consumption_l_100km:
        per_liter = 100 / car.fuel_consumption_l_100km
        amount = f"{car.fuel_consumption_l_100km:g}".replace(".", ",")
        facts.append(f"een verbruik van {amount} liter per 100 km (ongeveer 1 op {per_liter:.0f})")
    if car.electric_range_km:
        facts.append(f"een actieradius van {car.electric_range_km} km")
    if facts:
        return (f"Volgens onze gegevens heeft de {car.title} {' en '.join(facts)}; "
                "in de praktijk hangt het af van je rijstijl en ritten.")
    return f"Het verbruik van de {car.title} zie ik niet in onze gegevens. Zal ik het voor je laten nakijken?"


def reliability_text(dealer: DealerFacts, car: Car | None = None, name: str | None = None) -> str:
    what = f"de {car.title}" if car else (f"een {name}" if name else "een occasion")
    warranty = dealer.warranty
    ours = [warranty.inspection] if warranty.inspection else []
    ours.append(f"Je krijgt {warranty.bovag_months} maanden BOVAG-garantie"
                + (", en die kun je verlengen." if warranty.extended_available else "."))
    ours.append("De onderhoudshistorie laten we je zien voor zover die bekend is.")
    return (
        f"Eerlijk antwoord: hoe betrouwbaar {what} is, hangt vooral af van hoe hij onderhouden en gereden is; "
        "over bijna elk model hoor je wisselende verhalen en storingscijfers ga ik niet verzinnen. "
        + " ".join(ours)
        + " Wil je iets specifieks weten over deze motor of versnellingsbak? Dan laat ik onze werkplaats je vraag beantwoorden."
    )


def road_tax_text(dealer: DealerFacts, car: Car | None = None) -> str:
    facts = dealer.road_tax
    depends = facts.depends_on or ["gewicht", "brandstof", "provincie"]
    listing = ", ".join(depends[:-1]) + " en " + depends[-1] if len(depends) > 1 else depends[0]
    parts = [f"De wegenbelasting (motorrijtuigenbelasting) hangt af van {listing}."]
    if facts.reduced_rate_note:
        parts.append(facts.reduced_rate_note)
    if facts.calculator_url:
        parts.append(f"Het precieze bedrag reken je uit met de rekenhulp van de Belastingdienst: {facts.calculator_url}")
    if car is not None and car.weight_kg:
        weight = f"{car.weight_kg:,}".replace(",", ".")
        parts.append(f"De {car.title} weegt {weight} kg (leeg), dat vul je daar in.")
    elif car is not None:  # no lookup behind a promise: say where the weight is found
        parts.append(f"Het gewicht van de {car.title} zie ik niet in onze gegevens; het staat op het kentekenbewijs, "
                     f"en een collega zoekt het graag voor je op ({dealer.phone}).")
    else:
        parts.append(f"Het gewicht staat op het kentekenbewijs; noem de auto, dan kijk ik of ik het in onze gegevens heb.")
    return " ".join(parts)


def knowledge_for(text: str, dealer: DealerFacts, car: Car | None = None) -> list[KnowledgeSnippet]:
    snippets = []
    for topic in topics_in(text):
        if topic == "reliability":
            snippets.append(KnowledgeSnippet(module="technical", topic=topic, text=reliability_text(dealer, car)))
        elif topic == "road_tax":
            snippets.append(KnowledgeSnippet(module="technical", topic=topic, text=road_tax_text(dealer, car)))
        elif topic == "equipment":
            answer = equipment_answer(text, car)
            if answer:
                snippets.append(KnowledgeSnippet(module="technical", topic=topic, text=answer))
    return snippets
