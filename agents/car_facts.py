"""What we know about one car beyond price and mileage, said in the customer's language.

The facts come from the car in the snapshot: its detail page (APK, owners, NAP, maintenance,
towing weight, option list) and RDW by plate (weight, consumption). An option is "yes" when
the listing or page names it, "no" when the page's full specs rule it out (5 seats, front-wheel
drive, a full option list without it), and unknown otherwise: then we say it is not in our
data, never "no". Pure functions: no I/O.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from agents.equipment import as_object, label
from agents.knowledge.dealer import DealerFacts
from agents.models import Car
from agents.rules.phrases import Phrase, number, say, spoken_language

Status = Literal["yes", "no", "unknown"]
# Facts about one car this module answers (reply_questions.CAR_FACTS names them).
DETAIL_FACTS = ("apk", "owners", "nap", "maintenance", "towing", "weight", "consumption")


def status(car: Car, key: str) -> Status:
    if key in car.equipment:
        return "yes"
    if key in car.equipment_absent:
        return "no"
    return "unknown"


# --- words ------------------------------------------------------------------------------------
_EN_OBJECT = {"trekhaak": "a towbar", "navigatie": "navigation", "zeven_zitplaatsen": "seven seats",
              "vierwielaandrijving": "four-wheel drive", "panoramadak": "a panoramic roof", "cruise_control": "cruise control",
              "climate_control": "climate control", "stoelverwarming": "heated seats", "achteruitrijcamera": "a reversing camera",
              "parkeersensoren": "parking sensors", "carplay": "Apple CarPlay / Android Auto", "lederen_bekleding": "leather seats"}
# German: (has it, lacks it), with the article the accusative needs.
_DE_OBJECT = {"trekhaak": ("eine Anhängerkupplung", "keine Anhängerkupplung"),
              "navigatie": ("ein Navigationssystem", "kein Navigationssystem"),
              "zeven_zitplaatsen": ("sieben Sitzplätze", "keine sieben Sitzplätze"),
              "vierwielaandrijving": ("Allradantrieb", "keinen Allradantrieb"),
              "panoramadak": ("ein Panoramadach", "kein Panoramadach"), "cruise_control": ("einen Tempomat", "keinen Tempomat"),
              "climate_control": ("eine Klimaautomatik", "keine Klimaautomatik"),
              "stoelverwarming": ("eine Sitzheizung", "keine Sitzheizung"),
              "achteruitrijcamera": ("eine Rückfahrkamera", "keine Rückfahrkamera"),
              "parkeersensoren": ("Parksensoren", "keine Parksensoren"),
              "carplay": ("Apple CarPlay / Android Auto", "kein Apple CarPlay / Android Auto"),
              "lederen_bekleding": ("eine Lederausstattung", "keine Lederausstattung")}
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"),
}
# What a fact is called when we do not have it: (nl, en, de).
_FACT_NAMES = {"apk": ("de APK-datum", "the MOT (APK) date", "das APK-Datum"),
               "owners": ("het aantal eigenaren", "the number of owners", "die Zahl der Vorbesitzer"),
               "nap": ("het NAP-oordeel over de kilometerstand", "the NAP mileage check", "die NAP-Kilometerprüfung"),
               "maintenance": ("de onderhoudshistorie", "the maintenance history", "die Wartungshistorie"),
               "towing": ("het trekgewicht", "the towing capacity", "die Anhängelast"),
               "weight": ("het gewicht", "the weight", "das Gewicht"),
               "consumption": ("het verbruik", "the fuel consumption", "der Verbrauch")}
FACT_NAMES = _FACT_NAMES  # public: the parts answer names unknown facts the same way (agents/rules/reply_parts.py)


def _lang(language: str | None) -> str:
    return spoken_language(language)


def _and(items: list[str], language: str | None) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + {"en": " and ", "de": " und "}.get(_lang(language), " en ") + items[-1]


def _has_object(key: str, language: str | None) -> str:
    spoken = _lang(language)
    if spoken == "en":
        return _EN_OBJECT.get(key, label(key))
    if spoken == "de":
        return _DE_OBJECT.get(key, (label(key), label(key)))[0]
    return as_object(key)


def month_year(moment: date, language: str | None) -> str:
    return f"{_MONTHS[_lang(language)][moment.month - 1]} {moment.year}"


def kg(value: int, language: str | None) -> str:
    return f"{number(value, language)} kg"


def only_one_of_its_model(car: Car, context) -> bool:
    """No other car of this model was shown in the chat: "de Tiguan" is then clear enough."""
    shown = [*getattr(context, "listed_cars", []), *getattr(context, "last_cars", [])]
    return not any(other.id != car.id and other.model == car.model for other in shown)


# --- equipment --------------------------------------------------------------------------------
HAS = Phrase(nl="Ja, de {car} heeft {options}.", en="Yes, the {car} has {options}.", de="Ja, der {car} hat {options}.")
HAS_TOWBAR = Phrase(
    nl="Ja, de {car} heeft een trekhaak, geremd trekgewicht {braked}{unbraked}.",
    en="Yes, the {car} has a towbar, braked towing capacity {braked}{unbraked}.",
    de="Ja, der {car} hat eine Anhängerkupplung, Anhängelast gebremst {braked}{unbraked}.",
)
ALSO_HAS = Phrase(nl="Hij heeft ook {options}.", en="It also has {options}.", de="Er hat auch {options}.")
UNBRAKED = Phrase(nl=" (ongeremd {kg})", en=" (unbraked {kg})", de=" (ungebremst {kg})")
LACKS = Phrase(nl="Nee, de {car} heeft geen {options}.", en="No, the {car} doesn't have {options}.",
               de="Nein, der {car} hat {options}.")
SEATS = Phrase(nl="Nee, de {car} heeft {seats} zitplaatsen.", en="No, the {car} has {seats} seats.",
               de="Nein, der {car} hat {seats} Sitzplätze.")
OPTION_UNKNOWN = Phrase(
    nl="Of de {car} {options} heeft, zie ik niet in mijn gegevens; bel gerust {phone}, dan zoeken we het voor je uit.",
    nl_u="Of de {car} {options} heeft, zie ik niet in mijn gegevens; belt u gerust {phone}, dan zoeken we het voor u uit.",
    en="Whether the {car} has {options} isn't in my data; feel free to call {phone} and we'll find out for you.",
    de="Ob der {car} {options} hat, sehe ich nicht in meinen Daten; rufen Sie gern unter {phone} an, dann finden wir es für Sie heraus.",
)


def _towbar_line(car: Car, language: str | None, address_form: str | None) -> str | None:
    if not car.towing_braked_kg:
        return None
    unbraked = say(UNBRAKED, language, address_form, kg=kg(car.towing_unbraked_kg, language)) if car.towing_unbraked_kg else ""
    return say(HAS_TOWBAR, language, address_form, car=car.title, braked=kg(car.towing_braked_kg, language), unbraked=unbraked)


def equipment_lines(car: Car, keys: list[str], language: str | None = "nl", address_form: str | None = "je") -> tuple[list[str], list[str]]:
    """Sentences for the options we know yes or no about, and the keys we do not know."""
    keys = list(dict.fromkeys(keys))
    yes = [key for key in keys if status(car, key) == "yes"]
    no = [key for key in keys if status(car, key) == "no"]
    lines = []
    towbar = _towbar_line(car, language, address_form) if "trekhaak" in yes else None
    if towbar:
        lines.append(towbar)
        yes.remove("trekhaak")
    if yes:
        also = ALSO_HAS if towbar else HAS  # "Ja, … trekhaak, …. Hij heeft ook navigatie."
        lines.append(say(also, language, address_form, car=car.title, options=_and([_has_object(k, language) for k in yes], language)))
    if "zeven_zitplaatsen" in no and car.seats:
        lines.append(say(SEATS, language, address_form, car=car.title, seats=car.seats))
        no.remove("zeven_zitplaatsen")
    if no:
        spoken = _lang(language)
        if spoken == "de":
            names = [_DE_OBJECT.get(k, (label(k), "kein " + label(k)))[1] for k in no]
        else:
            names = [(_EN_OBJECT.get(k, label(k)) if spoken == "en" else label(k)) for k in no]
        lines.append(say(LACKS, language, address_form, car=car.title, options=_and(names, language)))
    return lines, [key for key in keys if status(car, key) == "unknown"]


OPTION_UNKNOWN_AGAIN = Phrase(
    nl="Je vroeg het al, en eerlijk: of de {car} {options} heeft, weet ik nog niet; het staat niet in mijn gegevens en ik "
       "ga niet gokken. Een collega zoekt het voor je uit: bel gerust {phone}.",
    nl_u="U vroeg het al, en eerlijk: of de {car} {options} heeft, weet ik nog niet; het staat niet in mijn gegevens en ik "
         "ga niet gokken. Een collega zoekt het voor u uit: belt u gerust {phone}.",
    en="You asked already, and honestly: I don't know yet whether the {car} has {options}; it isn't in my data and I won't "
       "guess. A colleague will find out for you: feel free to call {phone}.",
    de="Sie hatten schon gefragt, und ehrlich: Ob der {car} {options} hat, weiß ich noch nicht; es steht nicht in meinen "
       "Daten und ich rate nicht. Ein Kollege findet es für Sie heraus: rufen Sie gern unter {phone} an.",
)


def option_unknown_line(car: Car, keys: list[str], dealer: DealerFacts, language: str | None = "nl",
                        address_form: str | None = "je", history_texts: list[str] | None = None) -> str:
    """Not in our data; the same question again gets "je vroeg het al", not the same sentence."""
    names = [_has_object(k, language) for k in keys]
    asked_before = any(("gegevens" in text or "data" in text or "Daten" in text) and all(name in text for name in names)
                       for text in history_texts or [])
    if asked_before:
        return say(OPTION_UNKNOWN_AGAIN, language, address_form, car=car.title, phone=dealer.phone, options=_and(names, language))
    return option_unknown_line_named(car, names, dealer.phone, language, address_form)


def option_unknown_line_named(car: Car, names: list[str], phone: str, language: str | None = "nl",
                              address_form: str | None = "je") -> str:
    return say(OPTION_UNKNOWN, language, address_form, car=car.title, phone=phone, options=_and(names, language))


def equipment_answer(car: Car, keys: list[str], dealer: DealerFacts, language: str | None = "nl",
                     address_form: str | None = "je") -> str:
    lines, unknown = equipment_lines(car, keys, language, address_form)
    if unknown:
        lines.append(option_unknown_line(car, unknown, dealer, language, address_form))
    return " ".join(lines)


# --- facts from the detail page and RDW ------------------------------------------------------------
APK_UNTIL = Phrase(nl="De {car} heeft APK tot {month}.", en="The {car} has its MOT (APK) until {month}.",
                   de="Der {car} hat TÜV (APK) bis {month}.")
APK_ON_DELIVERY = Phrase(nl="Bij aflevering krijgt hij sowieso een nieuwe APK.", en="On delivery it gets a new MOT anyway.",
                         de="Bei Übergabe bekommt er ohnehin eine neue Hauptuntersuchung (APK).")
ONE_OWNER = Phrase(nl="De {car} heeft één eigenaar gehad.", en="The {car} has had one owner.",
                   de="Der {car} hatte einen Halter.")
OWNERS = Phrase(nl="De {car} heeft {count} eigenaren gehad.", en="The {car} has had {count} owners.",
                de="Der {car} hatte {count} Halter.")
NAP_LOGICAL = Phrase(
    nl="De kilometerstand van de {car} is volgens de NAP logisch.",
    en="The {car}'s mileage is logical according to the NAP, the Dutch odometer register.",
    de="Der Kilometerstand des {car} ist laut NAP, dem niederländischen Kilometerregister, plausibel.",
)
NAP_NOT_LOGICAL = Phrase(
    nl="Eerlijk is eerlijk: de NAP noemt de kilometerstand van de {car} onlogisch. Een collega legt je graag uit hoe dat zit.",
    nl_u="Eerlijk is eerlijk: de NAP noemt de kilometerstand van de {car} onlogisch. Een collega legt u graag uit hoe dat zit.",
    en="To be straight with you: the NAP calls the {car}'s mileage illogical. A colleague will gladly explain why.",
    de="Ehrlich gesagt: Die NAP stuft den Kilometerstand des {car} als nicht plausibel ein. Ein Kollege erklärt Ihnen gern, warum.",
)
MAINTENANCE = Phrase(nl='Over het onderhoud van de {car} staat bij de advertentie: "{text}".',
                     en='About the {car}\'s maintenance, the listing says: "{text}".',
                     de='Zur Wartung des {car} steht in der Anzeige: „{text}“.')
TOWING = Phrase(nl="De {car} mag {braked} geremd trekken{unbraked}.", en="The {car} may tow {braked} braked{unbraked}.",
                de="Der {car} darf {braked} gebremst ziehen{unbraked}.")
WEIGHT = Phrase(nl="De {car} weegt {kg} (massa ledig voertuig).", en="The {car} weighs {kg} (empty weight).",
                de="Der {car} wiegt {kg} (Leergewicht).")
CONSUMPTION = Phrase(
    nl="Volgens onze gegevens verbruikt de {car} {litres} liter per 100 km (ongeveer 1 op {per_litre}); "
       "in de praktijk hangt het af van je rijstijl en ritten.",
    nl_u="Volgens onze gegevens verbruikt de {car} {litres} liter per 100 km (ongeveer 1 op {per_litre}); "
         "in de praktijk hangt het af van uw rijstijl en ritten.",
    en="According to our data the {car} uses {litres} litres per 100 km (about {per_litre} km per litre); "
       "in practice it depends on how and where you drive.",
    de="Laut unseren Daten verbraucht der {car} {litres} Liter auf 100 km; in der Praxis hängt es von Fahrweise und Strecken ab.",
)
RANGE = Phrase(nl="Volgens onze gegevens komt de {car} elektrisch {km} km ver.",
               en="According to our data the {car} has an electric range of {km} km.",
               de="Laut unseren Daten hat der {car} eine elektrische Reichweite von {km} km.")
NAP_ALL_CARS = Phrase(nl="Al onze occasions hebben een NAP-gecontroleerde kilometerstand, de {car} ook.",
                      en="All our used cars come with an NAP-checked mileage, the {car} included.",
                      de="Alle unsere Gebrauchtwagen haben einen NAP-geprüften Kilometerstand, auch der {car}.")
FACT_UNKNOWN = Phrase(
    nl="{facts} van de {car} staat niet in mijn gegevens; bel gerust {phone}, dan zoeken we het voor je uit.",
    nl_u="{facts} van de {car} staat niet in mijn gegevens; belt u gerust {phone}, dan zoeken we het voor u uit.",
    en="I don't have {facts} of the {car} in my data; feel free to call {phone} and we'll find out for you.",
    de="{facts} des {car} habe ich nicht in meinen Daten; rufen Sie gern unter {phone} an, dann finden wir es für Sie heraus.",
)


def _decimal(value: float, language: str | None) -> str:
    text = f"{value:g}"
    return text if _lang(language) == "en" else text.replace(".", ",")


def fact_line(car: Car, fact: str, dealer: DealerFacts | None, language: str | None = "nl", address_form: str | None = "je") -> str | None:
    """One sentence about the car's fact, or None when its data does not have it."""
    car_name = car.title
    if fact == "apk" and car.apk_until:
        line = say(APK_UNTIL, language, address_form, car=car_name, month=month_year(car.apk_until, language))
        return line + (" " + say(APK_ON_DELIVERY, language, address_form) if dealer and dealer.delivery.apk_included else "")
    if fact == "owners" and car.owner_count:
        if car.owner_count == 1:
            return say(ONE_OWNER, language, address_form, car=car_name)
        return say(OWNERS, language, address_form, car=car_name, count=car.owner_count)
    if fact == "nap" and car.nap_logical is not None:
        return say(NAP_LOGICAL if car.nap_logical else NAP_NOT_LOGICAL, language, address_form, car=car_name)
    if fact == "maintenance" and car.maintenance_history:
        return say(MAINTENANCE, language, address_form, car=car_name, text=car.maintenance_history)
    if fact == "towing" and car.towing_braked_kg:
        unbraked = say(UNBRAKED, language, address_form, kg=kg(car.towing_unbraked_kg, language)) if car.towing_unbraked_kg else ""
        return say(TOWING, language, address_form, car=car_name, braked=kg(car.towing_braked_kg, language), unbraked=unbraked)
    if fact == "weight" and car.weight_kg:
        return say(WEIGHT, language, address_form, car=car_name, kg=kg(car.weight_kg, language))
    if fact == "consumption":
        lines = []
        if car.fuel_consumption_l_100km:
            lines.append(say(CONSUMPTION, language, address_form, car=car_name,
                             litres=_decimal(car.fuel_consumption_l_100km, language),
                             per_litre=f"{100 / car.fuel_consumption_l_100km:.0f}"))
        if car.electric_range_km:
            lines.append(say(RANGE, language, address_form, car=car_name, km=number(car.electric_range_km, language)))
        return " ".join(lines) or None
    return None


def unknown_facts_line(car: Car, facts: list[str], dealer: DealerFacts, language: str | None = "nl",
                       address_form: str | None = "je") -> str:
    index = {"nl": 0, "en": 1, "de": 2}[_lang(language)]
    names = _and([_FACT_NAMES[fact][index] for fact in facts if fact in _FACT_NAMES], language)
    line = say(FACT_UNKNOWN, language, address_form, car=car.title, phone=dealer.phone, facts=names)
    return line[:1].upper() + line[1:]


def facts_answer(car: Car, facts: list[str], dealer: DealerFacts, language: str | None = "nl",
                 address_form: str | None = "je") -> tuple[list[str], list[str]]:
    """Sentences for the detail facts we know, and the facts we do not know (for one honest line)."""
    lines, unknown = [], []
    for fact in facts:
        line = fact_line(car, fact, dealer, language, address_form)
        if line:
            lines.append(line)
        elif fact == "apk" and dealer.delivery.apk_included:
            lines.append(say(APK_ON_DELIVERY, language, address_form))
        elif fact == "nap" and "nap" in dealer.warranty.description.lower():
            lines.append(say(NAP_ALL_CARS, language, address_form, car=car.title))
        else:
            unknown.append(fact)
    return lines, unknown


def maintenance_known(car: Car, language: str | None = "nl", address_form: str | None = "je") -> str | None:
    """The maintenance line when the page says something about it (the parts answer's hook)."""
    return say(MAINTENANCE, language, address_form, car=car.title, text=car.maintenance_history) if car.maintenance_history else None


# --- one line per car, when the question is about several -------------------------------------------
_CLAUSES = {
    "yes": Phrase(nl="heeft {obj}", en="has {obj}", de="hat {obj}"),
    "no": Phrase(nl="geen {obj}", en="no {obj}", de="{obj}"),
    "option_unknown": Phrase(nl="{obj} niet vermeld", en="{obj} not listed", de="{obj} nicht angegeben"),
    "apk": Phrase(nl="APK tot {month}", en="MOT until {month}", de="TÜV bis {month}"),
    "owners": Phrase(nl="{count} eigenaar(s)", en="{count} owner(s)", de="{count} Halter"),
    "nap_yes": Phrase(nl="NAP logisch", en="NAP mileage logical", de="NAP plausibel"),
    "nap_no": Phrase(nl="NAP onlogisch", en="NAP mileage illogical", de="NAP nicht plausibel"),
    "maintenance": Phrase(nl='onderhoud: "{text}"', en='maintenance: "{text}"', de='Wartung: „{text}“'),
    "towing": Phrase(nl="trekgewicht {kg} geremd", en="towing {kg} braked", de="Anhängelast {kg} gebremst"),
    "weight": Phrase(nl="gewicht {kg}", en="weight {kg}", de="Gewicht {kg}"),
    "consumption": Phrase(nl="verbruik {litres} l/100 km", en="uses {litres} l/100 km", de="Verbrauch {litres} l/100 km"),
    "unknown": Phrase(nl="{name} onbekend", en="{name} unknown", de="{name} unbekannt"),
}
_SHORT_NAMES = {"apk": ("APK-datum", "MOT date", "APK-Datum"), "owners": ("eigenaren", "owners", "Halter"),
                "nap": ("NAP", "NAP", "NAP"), "maintenance": ("onderhoud", "maintenance", "Wartung"),
                "towing": ("trekgewicht", "towing capacity", "Anhängelast"), "weight": ("gewicht", "weight", "Gewicht"),
                "consumption": ("verbruik", "consumption", "Verbrauch")}


def short_clause(car: Car, fact: str, language: str | None = "nl") -> str:
    """ "APK tot mei 2027", "heeft een trekhaak", "geen panoramadak", "verbruik onbekend"."""
    spoken = _lang(language)
    if fact.startswith("equipment:"):
        key = fact.removeprefix("equipment:")
        state = status(car, key)
        if state == "yes":
            return say(_CLAUSES["yes"], language, obj=_has_object(key, language))
        obj = {"en": _EN_OBJECT.get(key, label(key)), "de": _DE_OBJECT.get(key, (label(key), label(key)))[1 if state == "no" else 0]
               }.get(spoken, label(key))
        return say(_CLAUSES["no" if state == "no" else "option_unknown"], language, obj=obj)
    value: dict[str, object] | None = None
    clause = fact
    if fact == "apk" and car.apk_until:
        value = {"month": month_year(car.apk_until, language)}
    elif fact == "owners" and car.owner_count:
        value = {"count": car.owner_count}
    elif fact == "nap" and car.nap_logical is not None:
        clause, value = ("nap_yes" if car.nap_logical else "nap_no"), {}
    elif fact == "maintenance" and car.maintenance_history:
        value = {"text": car.maintenance_history}
    elif fact == "towing" and car.towing_braked_kg:
        value = {"kg": kg(car.towing_braked_kg, language)}
    elif fact == "weight" and car.weight_kg:
        value = {"kg": kg(car.weight_kg, language)}
    elif fact == "consumption" and car.fuel_consumption_l_100km:
        value = {"litres": _decimal(car.fuel_consumption_l_100km, language)}
    if value is None:
        name = _SHORT_NAMES.get(fact, (fact, fact, fact))[{"nl": 0, "en": 1, "de": 2}[spoken]]
        return say(_CLAUSES["unknown"], language, name=name)
    return say(_CLAUSES[clause], language, **value)


# --- "we hebben een caravan van 1400 kilo": does that fit? ------------------------------------------
TOW_FITS = Phrase(nl="Een geremde caravan of aanhanger van {load} mag er dus gewoon achter.",
                  en="So a braked caravan or trailer of {load} is fine.",
                  de="Ein gebremster Wohnwagen oder Anhänger mit {load} ist also kein Problem.")
TOW_TOO_HEAVY = Phrase(nl="Let op: {load} is meer dan de {braked} die hij geremd mag trekken.",
                       en="Mind you: {load} is more than the {braked} it may tow braked.",
                       de="Achtung: {load} ist mehr als die {braked}, die er gebremst ziehen darf.")
_LOAD = re.compile(r"\b(\d\.\d{3}|\d{3,4})\s*(?:kg|kilo)\b")


def load_line(car: Car, text: str, language: str | None = "nl", address_form: str | None = "je") -> str | None:
    """The customer's caravan weight against the car's braked towing weight, when both are known."""
    match = _LOAD.search(text)
    if not match or not car.towing_braked_kg:
        return None
    load = int(match.group(1).replace(".", ""))
    if not 100 <= load <= 5000:
        return None
    phrase = TOW_FITS if load <= car.towing_braked_kg else TOW_TOO_HEAVY
    return say(phrase, language, address_form, load=kg(load, language), braked=kg(car.towing_braked_kg, language))
