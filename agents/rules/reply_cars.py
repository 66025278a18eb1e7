"""Cars in a reply: compact list lines, and answers about one car the customer points at.

Only values present on the Car (from the inventory) or in the dealer facts are stated;
an unknown value is said to be unknown, never guessed.
"""

from __future__ import annotations

import re

from agents import car_facts
from agents.equipment import EQUIPMENT_FACT, as_object, label
from agents.knowledge.dealer import DealerFacts
from agents.knowledge.financial import format_eur
from agents.models import Car, CarPreferences, ConversationContext, ExtractionOutput

FUEL_WORDS = {"petrol": "benzine", "diesel": "diesel", "hybrid": "hybride", "plug_in_hybrid": "plug-in hybride",
              "electric": "elektrisch", "lpg": "LPG"}
MAX_LISTED = 3


def km(value: int) -> str:
    return f"{value:,} km".replace(",", ".")


def price_text(car: Car) -> str | None:
    if not car.price_eur:
        return None
    return f"{format_eur(car.price_eur)} p/m (lease)" if car.price_is_monthly else format_eur(car.price_eur)


def car_line(car: Car) -> str:
    """"• Volkswagen Golf 1.5 TSI – € 24.950 – 2021 – 48.210 km" and the link below it."""
    details = [d for d in (price_text(car), str(car.year) if car.year else None,
                           km(car.mileage_km) if car.mileage_km is not None else None) if d]
    line = "• " + car.title + (" – " + " – ".join(details) if details else "")
    return line + (f"\n  {car.url}" if car.url else "")


def car_list(cars: list[Car]) -> str:
    return "\n".join(car_line(car) for car in cars[:MAX_LISTED])


def describe(preferences: CarPreferences) -> str:
    """"diesel Volkswagen Golf automaat tot € 25.000" for a no-match sentence."""
    words = []
    if preferences.fuel_type:
        words.append({"electric": "elektrische"}.get(preferences.fuel_type, FUEL_WORDS[preferences.fuel_type]))
    words += [w for w in (preferences.make, preferences.model) if w]
    if preferences.body_type:
        words.append(preferences.body_type)
    if preferences.transmission == "automatic":
        words.append("automaat")
    text = " ".join(words or ["auto"])
    if preferences.equipment:
        text += " met " + " en ".join(label(key) for key in preferences.equipment)
    if preferences.max_price:
        text += f" tot {format_eur(preferences.max_price)}"
    return text


RELAXED_WORDS = {"max_mileage_km": "meer kilometers", "min_year": "ouder bouwjaar", "transmission": "andere versnellingsbak",
                 "body_type": "ander type", "equipment": "uitrusting niet vermeld",
                 "equipment_lacking": "zonder die uitrusting", "min_price": "goedkoper", "max_price": "iets boven budget",
                 "fuel_type": "andere brandstof", "model": "ander model", "make": "ander merk"}


def relaxed_note(relaxed: list[str]) -> str:
    """"(andere versnellingsbak, iets boven budget)": what the alternatives give up."""
    words = list(dict.fromkeys(RELAXED_WORDS[name] for name in relaxed if name in RELAXED_WORDS))
    return f" ({', '.join(words)})" if words else ""


def _same_model(car: Car, model: str | None) -> bool:
    if not model:
        return False
    wanted = re.sub(r"\W", "", model.lower())
    return re.sub(r"\W", "", car.model.lower()).startswith(wanted)


def _mentioned(word: str | None, text: str) -> bool:
    return bool(word) and re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", text) is not None


def named_now(extraction: ExtractionOutput, text: str) -> CarPreferences:
    """The make and model this message itself names (the extraction also carries earlier ones)."""
    prefs = extraction.car_preferences
    return CarPreferences(make=prefs.make if _mentioned(prefs.make, text) else None,
                          model=prefs.model if _mentioned(prefs.model, text) else None)


_ORDINALS = {"eerste": 0, "bovenste": 0, "tweede": 1, "middelste": 1, "derde": 2, "laatste": -1, "onderste": -1}
_OTHER_ONE = re.compile(r"\b(?:de|die|het)\s+ander(?:e)?\b|\bthe\s+other\s+one\b")
_ORDINAL = re.compile(r"\b(?:de|die|het)\s+(" + "|".join(_ORDINALS) + r")\b")


def _we_asked_which(context: ConversationContext) -> bool:
    """Our last message asked which car they meant: a bare "hij" does not settle that."""
    last_bot = next((turn for turn in reversed(context.history) if turn.role == "bot"), None)
    return bool(last_bot and "welke bedoel je" in last_bot.text.lower())


def cars_in_question(context: ConversationContext, extraction: ExtractionOutput, text: str) -> list[Car]:
    """The car(s) a follow-up question is about: one when it is clear, else those just shown.

    A model named now picks that car from the ones discussed; "hij"/"die" means the first;
    otherwise every car we just showed (at most three) gets its own short answer.
    """
    last = context.last_cars
    if not last:
        return []
    listed = (context.listed_cars or last)[:MAX_LISTED]
    ordinal = _ORDINAL.search(text)
    if ordinal:
        index = _ORDINALS[ordinal.group(1)]
        return [listed[index]] if -len(listed) <= index < len(listed) else []
    if _OTHER_ONE.search(text) and len(listed) > 1:
        others = [car for car in listed if car.id != last[0].id]
        return others[:1] if len(others) == 1 else others
    named = named_now(extraction, text).model
    candidates = [car for car in last if _same_model(car, named)] if named else last[:MAX_LISTED]
    marked = _told_apart(candidates, text)
    if marked:
        return [marked]  # "die 4motion", "de blauwe", "die TDI"
    if named:
        return candidates[:1]
    if len(last) == 1 or (extraction.refers_to_previous_car and not _we_asked_which(context)):
        return [last[0]]
    return last[:MAX_LISTED]


def _told_apart(cars: list[Car], text: str) -> Car | None:
    """The one car whose version or colour the message names and the others' do not share."""
    if len(cars) < 2:
        return None
    words = set(re.findall(r"[a-z0-9][a-z0-9.\-]{2,}", text.lower()))
    marks = [words & set(re.findall(r"[a-z0-9][a-z0-9.\-]{2,}", f"{car.variant or ''} {car.color or ''}".lower())) for car in cars]
    unique = [car for car, mark in zip(cars, marks) if mark and not any(mark <= other for other in marks if other is not mark)]
    return unique[0] if len(unique) == 1 else None


def names_a_new_car(extraction: ExtractionOutput, context: ConversationContext, text: str) -> bool:
    prefs = named_now(extraction, text)
    if not (prefs.make or prefs.model):
        return False
    return not any((not prefs.model or _same_model(car, prefs.model)) and (not prefs.make or car.make == prefs.make)
                   for car in context.last_cars)


def _fact(car: Car, fact: str, dealer: DealerFacts) -> str | None:
    """One clause about the car ("heeft 48.210 km gereden"), or None when we do not know it."""
    if fact.startswith(EQUIPMENT_FACT):  # listed means yes; not listed is unknown, never "no"
        key = fact.removeprefix(EQUIPMENT_FACT)
        return f"heeft {as_object(key)}" if key in car.equipment else None
    if fact == "mileage":
        return f"heeft {km(car.mileage_km)} gereden" if car.mileage_km is not None else None
    if fact == "year":
        return f"is van {car.year}" if car.year else None
    if fact == "price":
        price = price_text(car)
        return f"kost {price}" if price else None
    if fact == "fuel":
        return f"rijdt op {FUEL_WORDS[car.fuel_type]}" if car.fuel_type else None
    if fact == "gearbox":
        if car.transmission is None:
            return None
        return "is een automaat" if car.transmission == "automatic" else "is handgeschakeld"
    if fact == "colour":
        return f"is {car.color.lower()}" if car.color else None
    if fact == "plate":
        return f"heeft kenteken {car.license_plate}" if car.license_plate else None
    if fact == "apk":
        return "krijgt bij aflevering een nieuwe APK" if dealer.delivery.apk_included else None
    if fact == "nap":
        return "heeft een NAP-gecontroleerde kilometerstand" if "nap" in dealer.warranty.description.lower() else None
    if fact == "warranty":
        return f"krijg je met {dealer.warranty.bovag_months} maanden BOVAG-garantie"
    return None


_UNKNOWN = {"mileage": "de kilometerstand", "year": "het bouwjaar", "price": "de prijs", "fuel": "de brandstof",
            "gearbox": "de versnellingsbak", "colour": "de kleur", "plate": "het kenteken", "apk": "de APK",
            "nap": "het NAP-rapport", "warranty": "de garantie"}


def _unknown_clause(fact: str) -> str:
    if fact.startswith(EQUIPMENT_FACT):
        return f"{label(fact.removeprefix(EQUIPMENT_FACT))} niet vermeld"
    return f"{_UNKNOWN[fact]} onbekend"


def _join(clauses: list[str]) -> str:
    return clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " en " + clauses[-1]


def facts_answer(cars: list[Car], facts: list[str], dealer: DealerFacts, context: ConversationContext | None = None) -> str:
    """The answer about one car (sentences and its link) or a line per car for several.

    Options and the detail-page facts (APK, owners, NAP, maintenance, towing, weight,
    consumption) come from agents/car_facts in the chat's language: yes, no, or not in our data.
    """
    language = getattr(context, "language", None) or "nl"
    form = getattr(context, "address_form", None) or "je"
    options = [f.removeprefix(EQUIPMENT_FACT) for f in facts if f.startswith(EQUIPMENT_FACT)]
    detail = [f for f in facts if f in car_facts.DETAIL_FACTS]
    basic = [f for f in facts if not f.startswith(EQUIPMENT_FACT) and f not in car_facts.DETAIL_FACTS]
    if "towing" in detail and "trekhaak" in options:
        detail.remove("towing")  # "trekhaak? hoeveel mag hij trekken?": the towbar line names the weight
    if len(cars) == 1:
        car = cars[0]
        lines = []
        known = [clause for fact in basic if (clause := _fact(car, fact, dealer))]
        if known:
            lines.append(f"De {car.title} {_join(known)}.")
        option_lines, unknown_options = car_facts.equipment_lines(car, options, language, form)
        detail_lines, unknown_detail = car_facts.facts_answer(car, detail, dealer, language, form)
        lines += option_lines + detail_lines
        check = f"bel ons gerust op {dealer.phone}, dan zoeken we het na."
        if unknown_options:
            lines.append(car_facts.option_unknown_line(car, unknown_options, dealer, language, form))
        if unknown_detail:
            lines.append(car_facts.unknown_facts_line(car, unknown_detail, dealer, language, form))
        unknown = [_UNKNOWN[fact] for fact in basic if _fact(car, fact, dealer) is None and fact in _UNKNOWN]
        if unknown:
            lines.append(f"{_join(unknown).capitalize()} van de {car.title} staat niet in onze gegevens; " + check)
        if car.url:
            lines.append(car.url)
        return "\n".join(lines)
    lines = []
    for car in cars[:MAX_LISTED]:
        clauses = [_fact(car, fact, dealer) or _unknown_clause(fact) for fact in basic]
        clauses += [car_facts.short_clause(car, fact, language) for fact in [*detail, *(EQUIPMENT_FACT + o for o in options)]]
        lines.append(f"• {car.title}: {_join(clauses)}")
    return "\n".join(lines)


_BEST = {"mileage": ("heeft de minste kilometers", lambda car: car.mileage_km),
         "price": ("is de voordeligste", lambda car: None if car.price_is_monthly else car.price_eur),
         "year": ("is de nieuwste", lambda car: -car.year if car.year else None)}


def superlative_answer(cars: list[Car], fact: str, dealer: DealerFacts) -> tuple[str, Car] | None:
    """"De Toyota Yaris heeft de minste kilometers: 36.700 km." among the cars just shown."""
    label, key = _BEST[fact]
    known = [car for car in cars[:MAX_LISTED] if key(car) is not None]
    if not known:
        return None
    best = min(known, key=key)
    value = _fact(best, fact, dealer)
    line = f"De {best.title} {label}" + (f": hij {value}." if value else ".")
    return line + (f"\n{best.url}" if best.url else ""), best
