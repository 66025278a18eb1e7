"""Cars in a reply: compact list lines, and answers about one car the customer points at.

Only values present on the Car (from the inventory) or in the dealer facts are stated;
an unknown value is said to be unknown, never guessed.
"""

from __future__ import annotations

import re

from agents import car_facts
from agents.equipment import EQUIPMENT_FACT, as_object, label
from agents.knowledge.dealer import DealerFacts
from agents.models import Car, CarPreferences, ConversationContext, ExtractionOutput
from agents.rules.phrases import Phrase, euro, join, kilometres, say, spoken_language

FUEL_WORDS = {"petrol": "benzine", "diesel": "diesel", "hybrid": "hybride", "plug_in_hybrid": "plug-in hybride",
              "electric": "elektrisch", "lpg": "LPG"}
FUEL_NAMES = {
    "nl": FUEL_WORDS,
    "en": {"petrol": "petrol", "diesel": "diesel", "hybrid": "hybrid", "plug_in_hybrid": "plug-in hybrid",
           "electric": "electric", "lpg": "LPG"},
    "de": {"petrol": "Benzin", "diesel": "Diesel", "hybrid": "Hybrid", "plug_in_hybrid": "Plug-in-Hybrid",
           "electric": "Elektro", "lpg": "Autogas (LPG)"},
}
MAX_LISTED = 3


def km(value: int, language: str | None = "nl") -> str:
    return kilometres(value, language)


def price_text(car: Car, language: str | None = "nl") -> str | None:
    if not car.price_eur:
        return None
    price = euro(car.price_eur, language)
    if not car.price_is_monthly:
        return price
    return {"nl": f"{price} p/m (lease)", "en": f"{price} a month (lease)", "de": f"{price} im Monat (Leasing)"}[spoken_language(language)]


def car_line(car: Car, language: str | None = "nl") -> str:
    """"• Volkswagen Golf 1.5 TSI – € 24.950 – 2021 – 48.210 km" and the link below it."""
    details = [d for d in (price_text(car, language), str(car.year) if car.year else None,
                           km(car.mileage_km, language) if car.mileage_km is not None else None) if d]
    line = "• " + car.title + (" – " + " – ".join(details) if details else "")
    return line + (f"\n  {car.url}" if car.url else "")


def car_list(cars: list[Car], language: str | None = "nl") -> str:
    return "\n".join(car_line(car, language) for car in cars[:MAX_LISTED])


_AUTOMATIC = {"nl": "automaat", "en": "automatic", "de": "Automatik"}
_WITH = {"nl": "met", "en": "with", "de": "mit"}
_UP_TO = {"nl": "tot", "en": "under", "de": "bis"}


def describe(preferences: CarPreferences, language: str | None = "nl") -> str:
    """What the customer wishes, for a no-match sentence: "diesel Volkswagen Golf automaat tot € 25.000" (nl),
    "a diesel Volkswagen Golf automatic under €25,000" (en), "Volkswagen Golf, Diesel, Automatik, bis € 25.000" (de)."""
    spoken = spoken_language(language)
    name = [w for w in (preferences.make, preferences.model) if w]
    fuel = FUEL_NAMES[spoken][preferences.fuel_type] if preferences.fuel_type else None
    equipment = (f"{_WITH[spoken]} " + join([label(key, spoken) for key in preferences.equipment], spoken)
                 if preferences.equipment else None)
    budget = f"{_UP_TO[spoken]} {euro(preferences.max_price, spoken)}" if preferences.max_price else None
    automatic = _AUTOMATIC[spoken] if preferences.transmission == "automatic" else None
    if spoken == "de":
        return ", ".join(part for part in [" ".join(name) or "Auto", preferences.body_type, fuel, automatic, equipment, budget] if part)
    if spoken == "en":
        words = [w for w in [fuel, automatic, *name, preferences.body_type or ("" if name else "car")] if w]
        text = " ".join(words)
        text = ("an " if text[:1].lower() in "aeiou" else "a ") + text
        return " ".join(part for part in [text, equipment, budget] if part)
    words = []
    if preferences.fuel_type:
        words.append({"electric": "elektrische"}.get(preferences.fuel_type, FUEL_WORDS[preferences.fuel_type]))
    words += name
    if preferences.body_type:
        words.append(preferences.body_type)
    if automatic:
        words.append(automatic)
    return " ".join(part for part in [" ".join(words or ["auto"]), equipment, budget] if part)


RELAXED_WORDS = {"max_mileage_km": "meer kilometers", "min_year": "ouder bouwjaar", "transmission": "andere versnellingsbak",
                 "body_type": "ander type", "equipment": "uitrusting niet vermeld",
                 "equipment_lacking": "zonder die uitrusting", "min_price": "goedkoper", "max_price": "iets boven budget",
                 "fuel_type": "andere brandstof", "model": "ander model", "make": "ander merk"}
RELAXED_NAMES = {
    "nl": RELAXED_WORDS,
    "en": {"max_mileage_km": "more miles on the clock", "min_year": "older", "transmission": "different gearbox",
           "body_type": "different body style", "equipment": "equipment not listed", "min_price": "cheaper",
           "max_price": "a little over budget", "fuel_type": "different fuel", "model": "different model", "make": "different make"},
    "de": {"max_mileage_km": "mehr Kilometer", "min_year": "älteres Baujahr", "transmission": "anderes Getriebe",
           "body_type": "andere Karosserie", "equipment": "Ausstattung nicht angegeben", "min_price": "günstiger",
           "max_price": "etwas über dem Budget", "fuel_type": "anderer Kraftstoff", "model": "anderes Modell", "make": "andere Marke"},
}


def relaxed_note(relaxed: list[str], language: str | None = "nl") -> str:
    """"(andere versnellingsbak, iets boven budget)": what the alternatives give up."""
    names = RELAXED_NAMES[spoken_language(language)]
    words = list(dict.fromkeys(names[name] for name in relaxed if name in names))
    return f" ({', '.join(words)})" if words else ""


def same_model(car: Car, model: str | None) -> bool:
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
    candidates = [car for car in last if same_model(car, named)] if named else last[:MAX_LISTED]
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


def named_stock_car(request, text: str) -> Car | None:
    """The stock car a message names when exactly one fits it (no wish given up to find it), or the one
    whose version it spells out: "heeft de golf 1.5 tsi life business een trekhaak?"."""
    inventory = request.inventory
    if inventory and inventory.total_found == 1 and not inventory.relaxed and inventory.matches:
        return inventory.matches[0].car
    model = named_now(request.extraction, text).model
    if not inventory or not model:
        return None
    words = set(re.findall(r"[a-z0-9][a-z0-9.\-]*", text))
    scored = [(len(words & set(re.findall(r"[a-z0-9][a-z0-9.\-]*", (m.car.variant or "").lower()))), m.car)
              for m in inventory.matches if same_model(m.car, model)]
    best = max((score for score, _ in scored), default=0)
    winners = [car for score, car in scored if score == best]
    return winners[0] if best >= 2 and len(winners) == 1 else None


def names_a_new_car(extraction: ExtractionOutput, context: ConversationContext, text: str) -> bool:
    prefs = named_now(extraction, text)
    if not (prefs.make or prefs.model):
        return False
    return not any((not prefs.model or same_model(car, prefs.model)) and (not prefs.make or car.make == prefs.make)
                   for car in context.last_cars)


# One clause per fact about a car, after "De Golf …" / "The Golf …" / "Der Golf …".
FACT_CLAUSES = {
    "equipment": Phrase(nl="heeft {value}", en="has {value}", de="hat {value}"),
    "mileage": Phrase(nl="heeft {value} gereden", en="has done {value}", de="hat {value} auf dem Tacho"),
    "year": Phrase(nl="is van {value}", en="is from {value}", de="ist Baujahr {value}"),
    "price": Phrase(nl="kost {value}", en="costs {value}", de="kostet {value}"),
    "fuel": Phrase(nl="rijdt op {value}", en="runs on {value}", de="fährt mit {value}"),
    "automatic": Phrase(nl="is een automaat", en="is an automatic", de="hat Automatikgetriebe"),
    "manual": Phrase(nl="is handgeschakeld", en="is a manual", de="hat Schaltgetriebe"),
    "colour": Phrase(nl="is {value}", en="is {value}", de="ist {value}"),
    "plate": Phrase(nl="heeft kenteken {value}", en="has registration {value}", de="hat das Kennzeichen {value}"),
    "apk": Phrase(nl="krijgt bij aflevering een nieuwe APK", en="gets a new MOT (APK) on delivery",
                  de="bekommt bei der Übergabe eine neue APK (Hauptuntersuchung)"),
    "nap": Phrase(nl="heeft een NAP-gecontroleerde kilometerstand", en="has an NAP-checked mileage",
                  de="hat einen NAP-geprüften Kilometerstand"),
    "warranty": Phrase(nl="krijg je met {value} maanden BOVAG-garantie", nl_u="krijgt u met {value} maanden BOVAG-garantie",
                       en="comes with a {value}-month BOVAG warranty", de="bekommen Sie mit {value} Monaten BOVAG-Garantie"),
}
UNKNOWN_NAMES = {
    "nl": {"mileage": "de kilometerstand", "year": "het bouwjaar", "price": "de prijs", "fuel": "de brandstof",
           "gearbox": "de versnellingsbak", "colour": "de kleur", "plate": "het kenteken", "apk": "de APK",
           "nap": "het NAP-rapport", "warranty": "de garantie"},
    "en": {"mileage": "the mileage", "year": "the year", "price": "the price", "fuel": "the fuel type",
           "gearbox": "the gearbox", "colour": "the colour", "plate": "the registration number", "apk": "the MOT (APK)",
           "nap": "the NAP report", "warranty": "the warranty"},
    "de": {"mileage": "der Kilometerstand", "year": "das Baujahr", "price": "der Preis", "fuel": "die Kraftstoffart",
           "gearbox": "das Getriebe", "colour": "die Farbe", "plate": "das Kennzeichen", "apk": "die APK",
           "nap": "der NAP-Bericht", "warranty": "die Garantie"},
}
_UNKNOWN = UNKNOWN_NAMES["nl"]
SENTENCE = Phrase(nl="De {title} {clauses}.", en="The {title} {clauses}.", de="Der {title} {clauses}.")
CHECK = Phrase(nl="bel ons gerust op {phone}, dan zoeken we het na.", nl_u="belt u ons gerust op {phone}, dan zoeken we het na.",
               en="give us a call on {phone} and we'll look it up.", de="rufen Sie uns gern unter {phone} an, dann schauen wir nach.")
NOT_IN_RECORDS = Phrase(nl="{unknown} van de {title} staat niet in onze gegevens; {check}",
                        en="{unknown} of the {title} isn't in our records; {check}",
                        de="Zum {title} fehlt in unseren Daten: {unknown}; {check}")
UNKNOWN_CLAUSE = Phrase(nl="{what} onbekend", en="{what} unknown", de="{what} unbekannt")
NOT_LISTED_CLAUSE = Phrase(nl="{what} niet vermeld", en="{what} not listed", de="{what} nicht angegeben")


def _fact(car: Car, fact: str, dealer: DealerFacts, language: str = "nl", form: str = "je") -> str | None:
    """One clause about the car ("heeft 48.210 km gereden"), or None when we do not know it."""
    spoken = spoken_language(language)

    def clause(key: str, value: object = "") -> str:
        return say(FACT_CLAUSES[key], spoken, form, value=value)

    if fact.startswith(EQUIPMENT_FACT):  # listed means yes; not listed is unknown, never "no"
        key = fact.removeprefix(EQUIPMENT_FACT)
        return clause("equipment", as_object(key, spoken)) if key in car.equipment else None
    if fact == "mileage":
        return clause("mileage", km(car.mileage_km, spoken)) if car.mileage_km is not None else None
    if fact == "year":
        return clause("year", car.year) if car.year else None
    if fact == "price":
        price = price_text(car, spoken)
        return clause("price", price) if price else None
    if fact == "fuel":
        return clause("fuel", FUEL_NAMES[spoken][car.fuel_type]) if car.fuel_type else None
    if fact == "gearbox":
        if car.transmission is None:
            return None
        return clause("automatic" if car.transmission == "automatic" else "manual")
    if fact == "colour":
        return clause("colour", car.color.lower()) if car.color else None
    if fact == "plate":
        return clause("plate", car.license_plate) if car.license_plate else None
    if fact == "apk":
        return clause("apk") if dealer.delivery.apk_included else None
    if fact == "nap":
        return clause("nap") if "nap" in dealer.warranty.description.lower() else None
    if fact == "warranty":
        return clause("warranty", dealer.warranty.bovag_months)
    return None


def _unknown_clause(fact: str, language: str = "nl") -> str:
    spoken = spoken_language(language)
    if fact.startswith(EQUIPMENT_FACT):
        return say(NOT_LISTED_CLAUSE, spoken, what=label(fact.removeprefix(EQUIPMENT_FACT), spoken))
    return say(UNKNOWN_CLAUSE, spoken, what=UNKNOWN_NAMES[spoken][fact])


def _said_before(context: ConversationContext | None, text: str | None) -> bool:
    return bool(text) and context is not None and any(turn.role == "bot" and text in turn.text for turn in context.history)


def facts_answer(cars: list[Car], facts: list[str], dealer: DealerFacts, context: ConversationContext | None = None,
                 language: str | None = None, form: str | None = None, text: str = "") -> str:
    """The answer about one car (sentences and its link) or a line per car for several.

    Options and the detail-page facts (APK, owners, NAP, maintenance, towing, weight,
    consumption) come from agents/car_facts in the chat's language: yes, no, or not in our data.
    `language`/`form` (this message's) win over the context's.
    """
    spoken = spoken_language(language or getattr(context, "language", None) or "nl")
    form = form or getattr(context, "address_form", None) or "je"
    options = [f.removeprefix(EQUIPMENT_FACT) for f in facts if f.startswith(EQUIPMENT_FACT)]
    detail = [f for f in facts if f in car_facts.DETAIL_FACTS]
    basic = [f for f in facts if not f.startswith(EQUIPMENT_FACT) and f not in car_facts.DETAIL_FACTS]
    if "towing" in detail and "trekhaak" in options:
        detail.remove("towing")  # "trekhaak? hoeveel mag hij trekken?": the towbar line names the weight
    if len(cars) == 1:
        car = cars[0]
        lines = []
        known = [clause for fact in basic if (clause := _fact(car, fact, dealer, spoken, form))]
        if known:
            lines.append(say(SENTENCE, spoken, title=car.title, clauses=join(known, spoken)))
        option_lines, unknown_options = car_facts.equipment_lines(car, options, spoken, form)
        detail_lines, unknown_detail = car_facts.facts_answer(car, detail, dealer, spoken, form)
        lines += option_lines + detail_lines
        if "trekhaak" in options or "towing" in facts:
            lines += filter(None, [car_facts.load_line(car, text, spoken, form)])  # "een caravan van 1400 kilo"
        if unknown_options:
            said = [turn.text for turn in context.history if turn.role == "bot"] if context is not None else []
            lines.append(car_facts.option_unknown_line(car, unknown_options, dealer, spoken, form, said))
        if unknown_detail:
            lines.append(car_facts.unknown_facts_line(car, unknown_detail, dealer, spoken, form))
        unknown = [UNKNOWN_NAMES[spoken][fact] for fact in basic
                   if _fact(car, fact, dealer, spoken, form) is None and fact in UNKNOWN_NAMES[spoken]]
        if unknown:
            what = join(unknown, spoken)
            lines.append(say(NOT_IN_RECORDS, spoken, title=car.title, check=say(CHECK, spoken, form, phone=dealer.phone),
                             unknown=what if spoken == "de" else what[:1].upper() + what[1:]))
        if car.url and not _said_before(context, car.url):
            lines.append(car.url)  # the link once per chat, not under every answer
        if _said_before(context, car.title) and car_facts.only_one_of_its_model(car, context):
            # the car is known by now: "de Tiguan", as a salesperson says it, not its whole title again
            lines = [line.replace(f" {car.title}", f" {car.model}") for line in lines]
        return "\n".join(lines)
    lines = []
    for car in cars[:MAX_LISTED]:
        clauses = [_fact(car, fact, dealer, spoken, form) or _unknown_clause(fact, spoken) for fact in basic]
        clauses += [car_facts.short_clause(car, fact, spoken) for fact in [*detail, *(EQUIPMENT_FACT + o for o in options)]]
        lines.append(f"• {car.title}: {join(clauses, spoken)}")
    return "\n".join(lines)


_BEST = {"mileage": (Phrase(nl="heeft de minste kilometers", en="has the lowest mileage", de="hat die wenigsten Kilometer"),
                     lambda car: car.mileage_km),
         "price": (Phrase(nl="is de voordeligste", en="is the best value", de="ist am günstigsten"),
                   lambda car: None if car.price_is_monthly else car.price_eur),
         "year": (Phrase(nl="is de nieuwste", en="is the newest", de="ist am neuesten"),
                  lambda car: -car.year if car.year else None)}
BEST_LINE = Phrase(nl="De {title} {best}: hij {value}.", en="The {title} {best}: it {value}.", de="Der {title} {best}: Er {value}.")


def superlative_answer(cars: list[Car], fact: str, dealer: DealerFacts, language: str = "nl") -> tuple[str, Car] | None:
    """"De Toyota Yaris heeft de minste kilometers: hij heeft 36.700 km gereden." among the cars just shown."""
    spoken = spoken_language(language)
    best_phrase, key = _BEST[fact]
    known = [car for car in cars[:MAX_LISTED] if key(car) is not None]
    if not known:
        return None
    best = min(known, key=key)
    value = _fact(best, fact, dealer, spoken)
    line = (say(BEST_LINE, spoken, title=best.title, best=say(best_phrase, spoken), value=value) if value
            else say(SENTENCE, spoken, title=best.title, clauses=say(best_phrase, spoken)))
    return line + (f"\n{best.url}" if best.url else ""), best
