"""Structured details of one message, accumulated onto what the conversation already knows."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from agents.equipment import equipment_in
from agents.knowledge.dealer import DUTCH_WEEKDAYS
from agents.knowledge import drivetrain
from agents.models import CarPreferences, ConversationContext, ExtractionOutput, RouterOutput, TradeInVehicle
from agents.rules.parse import OWNED_BEFORE, ParsedMessage
from agents.rules.vocabulary import find_cars

FUELS: list[tuple[str, re.Pattern[str]]] = [
    ("plug_in_hybrid", re.compile(r"\b(plug\s*-?\s*in\w*|phev|stekkerhybride|oplaadbare\s+hybride|e-?hybrid|gte|"
                                  r"[1-8][1-6]\dx?e|[ace]\s?3[05]0\s?e)\b")),  # BMW 330e/225xe, Mercedes C300e
    ("electric", re.compile(
        r"\b(elektrische?(?!\s+(?:ramen|stoelen|spiegels|verstelbare?|achterklep|inklapbare?|handrem|bediende?))|elektrische\s+(?:auto|wagen|suv|variant|versie|uitvoering)|"
        r"electrisch\w*|elektriese|elektro|elektroautos?|elektrisches|elektrysk\w*|ev|evs|ev's|bev|volledig\s+elektrisch|100\s*%\s*elektrisch|stekkerauto|e-?auto|electric|zero\s+emissie)\b")),
    ("hybrid", re.compile(r"\b(hybride|hybrid|hybrid\w*|hybr|hev|full\s+hybrid|mild\s*-?\s*hybrid\w*)\b")),
    ("diesel", re.compile(r"\b(diesel\w*|disel|deisel|dieseltje|tdi|cdi|hdi|bluehdi|dci|crdi|d4d|tdci|"
                          r"[1-8]\d{2}d|[xs]drive\s?\d{2}d|[abceg]\s?\d{3}\s?d|gtd|cdti|crdi|multijet|(?:[vs][4-9]0|xc\s?[4-9]0)\s+d[2-5]|x[1-7]\s+\d{2}d)\b")),
    # BMW 320d, xDrive20d, Mercedes C220d, Golf GTD, Volvo V60 D4
    ("lpg", re.compile(r"\b(lpg|autogas|g3)\b")),
    ("petrol", re.compile(r"\b(benzine\w*|benzien|bezine|benzne|benziner|petrol|tsi|tfsi|tce|t-?gdi|vti|thp|ecoboost|puretech|"
                          r"benzinemotor|benzinetje|benzinmotor|benziner|[1-8][1-6]\di|m\d{3}i|[xs]drive\s?\d{2}i)\b")),  # BMW 118i, sDrive18i
]
AUTOMATIC = re.compile(r"\b(automaat|automatic|automatisch\w*|automaatje|dsg|cvt|edc|steptronic|tiptronic|s-?tronic|geartronic|aut\.?|automaatbak)\b")
MANUAL = re.compile(r"\b(handgeschakeld\w*|hand\s+geschakeld|handbak|schakel\w*|handmatig\w*|manueel|manual|\d\s*-?\s*bak|versnellingsbak\s+handmatig)\b")
BODY_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("bestelwagen", re.compile(r"\b(bestelwagen|bestelbus|bestelauto|busje|bedrijfswagen|bedrijfsbus|grijs\s+kenteken|bakwagen|transporter)\b")),
    ("mpv", re.compile(r"\b(mpv|ruimtewagen)\b")),
    ("suv", re.compile(r"\b(suv|suvs|suv'?je|crossover|hoge\s+instap|hoge\s+zit|4x4|terreinwagen)\b")),
    # "een gezinsauto": room for a family, read as an estate (a city car is no answer to it)
    ("stationwagen", re.compile(r"\b(gezinsauto\w*|familieauto\w*|family\s+car|familienauto\w*|stationwagen\w*|stationwagon\w*|stationcar|station|combi|touring|avant|variant|sw|estate|break|sports\s+tourer|tourer|kombi|(?<=leon\s)st|(?<=ibiza\s)st)\b")),
    ("cabrio", re.compile(r"\b(cabrio\w*|convertible|open\s+dak)\b")),
    ("coupe", re.compile(r"\b(coupe|coupé)\b")),
    ("sedan", re.compile(r"\b(sedan|limousine|saloon)\b")),
    ("hatchback", re.compile(r"\b(hatchback|hatch|vijfdeurs|5\s*-?\s*deurs|driedeurs|3\s*-?\s*deurs)\b")),
]
COLORS = re.compile(r"\b(zwart|wit|grijs|blauw|rood|zilver|groen|geel|oranje|bruin|beige|paars)(?:e|en)?\b")

AVAILABILITY = re.compile(
    r"\b(?:staat|is|zijn|heb\s+je|hebben\s+jullie)\s+(?:die|deze|hij|ie|em|het|de\s+\w+(?:\s+\w+)?|dat|ze|jullie|u)?\s*(?:[\w.,€-]+\s+){0,5}nog\b|"
    r"\bnog\s+(?:beschikbaar|te\s+koop|leverbaar|aanwezig|op\s+voorraad|in\s+(?:de\s+)?(?:verkoop|showroom|voorraad)|te\s+krijgen|daar)\b|"
    r"\b(?:al\s+)?verkocht\b|\ber\s+nog\s+(?:staat|is|steeds)\b|\bnog\s+staat\b|\bal\s+weg\b|\bbeschikbaar\b|\bnog\s+(?:steeds\s+)?(?:er|daar)\b|\bstaat\s+(?:die|deze|hij|ie)\s+er\b"
)
MONTHLY = re.compile(
    r"\b(per\s+maand|per\s+mnd|p/m|p\.m\b|p\s?mnd|pm\b|in\s+de\s+maand|maandbedrag\w*|maandlast\w*|maandelijks\w*|maandtermijn\w*|termijnbedrag)"
)
FINANCING = re.compile(
    r"\b(financier\w*|financeer\w*|financering\w*|finaciering|lening|lenen|krediet\w*|huurkoop|lease\w*|afbetal\w*|"
    r"bkr|aflossen|gespreid\s+betalen|in\s+termijnen|slottermijn|rente)\b"
)
NO_FINANCING = re.compile(r"\b(contant|cash|zonder\s+financiering|geen\s+financiering|hoef\s+niet\s+te\s+financieren)\b")
TEST_DRIVE = re.compile(r"\b(proefrit\w*|proef\s*rijden|proefrijden|proef\s*rit\w*|testrit|test\s*rit|rondje\s+(?:rijden|maken)|even\s+(?:in\s+)?rijden)\b")
VISIT = re.compile(r"\b(langs\s*(?:te\s+)?komen|langskomen|kom\s+(?:ik\s+)?(?:\w+\s+){0,2}(?:kijken|langs)|(?:hem|die|deze|em)\s+(?:\w+\s+){0,2}(?:zien|bekijken|bezichtigen)|komen\s+(?:kijken|bekijken)|bezichtig\w*|afspraak\w*)\b")
PRONOUN = re.compile(
    r"\b(hij|ie|hem|em)\b|'m\b|"
    r"\b(?:die|deze|dat|diezelfde|dezelfde)\s+(?:auto|wagen|bak|ding|kar|occasion|nog|ook|al|wel|niet|dan|echt|precies|"
    r"eigenlijk|staat|is|heeft|kost|rijdt|verbruikt|van|ene|blauwe|rode|zwarte|witte|grijze|zilveren|uit|met|op)\b|"
    r"\b(?:staat|is|kost|heeft|rijdt|verbruikt|zit|koop|neem|wil)\s+(?:die|deze|dat|ze)\b|\b(?:die|deze)\s*[?!.]*\s*$|"
    r"\b(?:de|het)\s+(?:auto|wagen|occasion)\s+(?:van|uit|die|met)\b"
)

URGENCY = [
    ("critical", re.compile(r"\b(advocaat|rechtszaak|juridisch\w*|geschillencommissie|consumentenbond|ingebrekestelling|aangifte|"
                            r"onveilig|gevaarlijk|remmen\s+(?:doen|werken)\s+(?:het\s+)?niet|rook\w*\s+uit|noodgeval)\b")),
    ("high", re.compile(r"\b(zsm|z\.s\.m|asap|spoed|dringend|vandaag|vanavond|vanmiddag|direct|meteen|zo\s+snel\s+mogelijk|haast|"
                        r"morgen|nu\s+nodig|(?:ik\s+)?neem\s+(?:hem|die|deze|em)|wil\s+(?:hem|die|deze)\s+kopen|aanbetaling|"
                        r"klacht\w*|geld\s+terug|kapot|storing)\b")),
    ("medium", re.compile(r"\b(deze\s+week|volgende\s+week|komende\s+week|binnenkort|snel|weekend|zaterdag|zondag|maandag|dinsdag|"
                          r"woensdag|donderdag|vrijdag|proefrit\w*|langskomen|afspraak)\b")),
]
POSITIVE = re.compile(r"\b(top|super|mooi\w*|geweldig|fantastisch|perfect|bedankt|dank\w*|fijn\w*|prima|leuk\w*|toppie|gaaf|vet|blij|tevreden|netjes)\b|[😊🙂😀😃👍❤😍🙏🤩]")
NEGATIVE = re.compile(r"\b(slecht\w*|boos|kwaad|teleurgesteld|balen|jammer|helaas|schandalig|belachelijk|waardeloos|klacht\w*|kapot|"
                      r"ontevreden|irritant|vervelend|woedend|oplicht\w*|advocaat|nooit\s+meer|geld\s+terug)\b|[😡🤬😠😞😢👎]")

_NAME = re.compile(
    r"(?:^|[\s,.!])(?:ik\s+ben|mijn\s+naam\s+is|m'?n\s+naam\s+is|mn\s+naam\s+is|ik\s+heet|je\s+spreekt\s+met|u\s+spreekt\s+met|dit\s+is|naam\s*:)\s+"
    r"([a-z][a-z'-]+(?:\s+(?:van\s+der|van\s+de|van\s+den|van|de|der|den|ter|te)\s+[a-z][a-z'-]+|\s+[a-z][a-z'-]+(?=\s*(?:[,.!?]|$)))?)",
)
_NAME_AT_START = re.compile(
    r"^\s*(?:hoi|hallo|goedemorgen|goedemiddag|goedenavond|hey)?[\s,!]*met\s+"
    r"([a-z][a-z'-]+(?:\s+(?:van\s+der|van\s+de|van\s+den|van|de|der|den|ter|te)\s+[a-z][a-z'-]+|\s+[a-z][a-z'-]+)?)\s*(?:[,.!]|$)"
)
# A lower-case word after "ik ben" / "dit is" is a name only where the introduction ends:
# "ik ben sanne, ..." or "ik ben sanne en ..." — never "dit is toch niet normaal".
# "ik zoek eigenlijk een 7 zitter", "toch liever een suv": a new search, not a narrower one.
# "ik zoek een elektrische auto", "looking for a diesel car": a car in general, by its kind
_GENERIC_WISH = re.compile(
    r"\b(?:zoek\w*|op\s+zoek\s+naar|wil|willen|want|looking\s+for|suche\w*)\s+(?:\w+\s+)?(?:een|n|an?|eine?n?)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:auto|wagen|car|fahrzeug|auto'?tje)\b"
)
# "ons budget is toch maar 20.000, wat hebben jullie dan?": the stock within the new filter, any make
_WHAT_ELSE = re.compile(r"\bwat\s+(?:hebben\s+jullie|heb\s+je|heeft\s+u|is\s+er)\s+(?:dan|wel|nog|daarvoor)\b|"
                        r"\bwhat\s+(?:do\s+you\s+have|have\s+you\s+got)\s+(?:then|instead|for\s+that)\b|"
                        r"\bwas\s+haben\s+sie\s+(?:dann|denn|dafür)\b")
_NEW_SEARCH = re.compile(r"\b(?:zoek\w*\s+(?:\w+\s+)?eigenlijk|eigenlijk\s+(?:\w+\s+)?zoek\w*|toch\s+liever|liever\s+een|iets\s+anders)\b")
# "mijn auto heeft een trekhaak": the customer's own car, not a wish.
_OWN_CAR_HAS = re.compile(r"\b(?:mijn|m'?n|mn|onze|ons)\s+(?:[\w-]+\s+){0,3}?(?:heeft|had|hebben)\b[^,.;!?]*")
_AFTER_INTRODUCTION = re.compile(r"\s*(?:$|[,.!?;:)]|en\b|and\b|uit\b|hier\b|van\s+\w+\s*(?:$|[,.!?]))")
_SIGNATURE = re.compile(r"(?:groet(?:jes|en)?|gr\.?|mvg|m\.v\.g\.?|vriendelijke\s+groet|groeten)\s*,?\s+([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)\s*[.!]?\s*$")
NOT_A_NAME = frozenset(
    """op opzoek benieuwd geinteresseerd geintresseerd blij bezig niet wel een nog er al zelf zzp zzper zzp'er ondernemer student
    zelfstandige zelfstandig van de het heel erg echt zeer toe aan net pas bang boos ontevreden tevreden teleurgesteld klant eigenaar
    ook daar hier morgen vandaag zaterdag in uit bij met zo nu jong oud geen altijd gewoon best zeker opzoek ff even benieuwt
    particulier zakelijk werkzaam werkloos gepensioneerd met moeder vader getrouwd gescheiden aan het de een die dat deze ik we wij
    jullie u je hem haar hun onze meer minder daarom verkoper dealer interesse interessant geinteresserd jan-modaal benzine diesel
    klaar ready serieus serious vrij thuis onderweg alleen samen vriendelijke hartelijke vr vriendelijk""".split()
)
_PARTICLES = {"van", "de", "der", "den", "ter", "te"}

_DAY_WORDS = {d: d for d in DUTCH_WEEKDAYS} | {
    "ma": "maandag", "di": "dinsdag", "wo": "woensdag", "woe": "woensdag", "do": "donderdag", "vr": "vrijdag", "vrij": "vrijdag",
    "za": "zaterdag", "zat": "zaterdag", "zo": "zondag", "zon": "zondag",
}
_DAY = re.compile(
    r"\b(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)(ochtend|morgen|middag|avond)?\b|"
    r"\b(ma|di|wo|woe|do|vr|vrij|za|zat|zo|zon)\.?\s*(ochtend|morgen|middag|avond|om\s+\d|\d{1,2}[:.]\d{2}|\d{1,2}\s*(?:uur|u)\b)|"
    r"\b(?:op|a\.?s\.?|komende|aanstaande|volgende)\s+(ma|di|wo|do|vr|za|zo)\b|\b(za|zat)\s*[?!.]*\s*$"
)
_RELATIVE_DAY = re.compile(r"\b(overmorgen|morgen(?:ochtend|middag|avond|vroeg)?|vandaag|vanavond|vanmiddag|vanochtend|vanmorgen|straks|"
                           r"volgende\s+week|komende\s+week|deze\s+week|dit\s+weekend|volgend\s+weekend|weekend)\b")
_DATE = re.compile(r"\b(\d{1,2})\s*(?:-|/|\s)\s*(\d{1,2}|jan\w*|feb\w*|maa?r\w*|apr\w*|mei|jun\w*|jul\w*|aug\w*|sep\w*|okt\w*|oct\w*|nov\w*|dec\w*)(?![\d.,k])")
_MONTHS = ("jan", "feb", "maa", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_TIME = re.compile(
    r"\b(?:om|rond|tegen|vanaf|rond\s+de|na|voor|tussen)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(?:uur|u\b|h\b)?|"
    r"\b(\d{1,2})[:.](\d{2})\s*(?:uur|u\b)?|\b(\d{1,2})\s*uur\b|\bhalf\s+(\d{1,2})\b"
)
_PART_OF_DAY = re.compile(r"(ochtend|morgens|'s\s+ochtends|s\s+ochtends|middag|'s\s+middags|s\s+middags|avond|'s\s+avonds|s\s+avonds|lunch)")


def extract(parsed: ParsedMessage, context: ConversationContext | None, router: RouterOutput, now: datetime) -> ExtractionOutput:
    context = context or ConversationContext()
    text = parsed.text
    # "kenteken is GZ-123-X, 98.000 km" after a trade-in question describes the trade-in car
    about_trade_in = context.has_trade_in and not parsed.wanted and bool(parsed.plates) and not parsed.trade_in_cue
    # haggling or complaining: an amount said without a budget word is a bid, a price or a cost
    mentioned = _preferences_from_message(parsed, now.year, skip_all_numbers=about_trade_in,
                                          skip_weak_amounts=router.intent in ("price_negotiation", "complaint"))
    if drivetrain.explains_engine_type(text):
        # "wat is het verschil tussen tsi en tdi?" asks for an explanation, not for a diesel
        mentioned = mentioned.model_copy(update={"fuel_type": None, "transmission": None})
    refers = not parsed.wanted and bool(PRONOUN.search(text)) and not re.search(r"\b(?:een|n)\s+(?:auto|wagen)\s+die\b", text)
    if refers:  # "heeft die een trekhaak?" asks about the car under discussion: no new wish
        mentioned = mentioned.model_copy(update={"equipment": []})
    fresh_start = router.intent == "greeting" and (context.seconds_since_last_message or 0) > 6 * 3600
    base = CarPreferences() if fresh_start else context.preferences
    new_search = not (mentioned.make or mentioned.model) and not mentioned.is_empty() and (
        (bool(_NEW_SEARCH.search(text)) and not _only_a_filter_changed(text, mentioned))
        or (not refers and _another_kind_of_car(text, mentioned, base)))
    if new_search:
        base = base.without_car()
    preferences = base.merged_with(mentioned)

    trade_in = _trade_in(parsed, about_trade_in)
    has_trade_in = parsed.trade_in_cue or trade_in is not None
    needs_financing = bool(FINANCING.search(text) or MONTHLY.search(text)) and not NO_FINANCING.search(text)
    day = _preferred_day(text, now)
    time_ = _preferred_time(text)
    test_drive = bool(TEST_DRIVE.search(text)) or (bool(VISIT.search(text)) and bool(day or time_))
    return ExtractionOutput(
        car_preferences=preferences,
        urgency_level=_urgency(text, router),
        has_trade_in=has_trade_in,
        trade_in_vehicle=trade_in,
        needs_financing=needs_financing,
        test_drive_requested=test_drive,
        preferred_day=day,
        preferred_time=time_,
        customer_name=_customer_name(parsed.raw),
        asks_availability=bool(AVAILABILITY.search(text)) and not re.search(r"\b(wanneer|welke\s+dagen)\b.*\bbeschikbaar\b", text),
        asks_monthly_payment=bool(MONTHLY.search(text)),
        new_search=new_search,
        refers_to_previous_car=refers,
        sentiment=_sentiment(text, router),
    )


_CHANGE_OF_MIND = re.compile(r"\b(?:zoek\w*\s+(?:\w+\s+)?eigenlijk|eigenlijk\s+(?:\w+\s+)?zoek\w*|iets\s+anders)\b")


def _another_kind_of_car(text: str, mentioned: CarPreferences, before: CarPreferences) -> bool:
    """"Hebben jullie ook SUV's?" after the BMW 3 Serie, "ik zoek een elektrische auto", "budget is 20.000,
    wat hebben jullie dan?": a kind of car, a car in general, or what else there is; no make or model. The earlier make and model no longer apply (budget and
    fuel do). "Is die er ook als stationwagen?" refers to the car and is no new search."""
    if mentioned.body_type and mentioned.body_type != before.body_type:
        return True
    return bool(_GENERIC_WISH.search(text) or _WHAT_ELSE.search(text))


def _only_a_filter_changed(text: str, mentioned: CarPreferences) -> bool:
    """"toch liever diesel": the fuel (gearbox, colour, budget) changes, the car aimed at stays.
    A new kind of car ("toch liever een suv") or "ik zoek eigenlijk..." is a new search."""
    return not (_CHANGE_OF_MIND.search(text) or mentioned.body_type or mentioned.equipment)


def _preferences_from_message(parsed: ParsedMessage, current_year: int, skip_all_numbers: bool = False,
                              skip_weak_amounts: bool = False) -> CarPreferences:
    text = parsed.text
    values: dict[str, object] = {}
    first = next((m for m in parsed.wanted if m.model), parsed.wanted[0]) if parsed.wanted else None
    if first:
        values["make"] = first.make
        values["model"] = first.model
    owned_windows = [(0, len(text))] if skip_all_numbers or parsed.own_car_report else _owned_windows(parsed)
    # no fuel word: an electric-only model ("id.3", "model y") or its e-version ("e-niro") names it
    fuel = _wanted_fuel(_blank(text, owned_windows)) or ("electric" if first and first.electric else None)
    if fuel:
        values["fuel_type"] = fuel
    if AUTOMATIC.search(text):
        values["transmission"] = "automatic"
    elif MANUAL.search(text):
        values["transmission"] = "manual"
    for body, regex in BODY_TYPES:
        if regex.search(text):
            values["body_type"] = body
            break
    color = COLORS.search(text)
    if color:
        values["color"] = color.group(1)
    equipment = equipment_in(_OWN_CAR_HAS.sub(" ", _blank(text, owned_windows)))
    if equipment:
        values["equipment"] = equipment
    has_budget_word = re.search(r"\bbudget\b", text) is not None
    for quantity in parsed.quantities:
        if any(start <= quantity.start < end for start, end in owned_windows):
            continue
        if quantity.kind == "price":
            if skip_weak_amounts and quantity.weak:
                continue
            if quantity.bound == "max" and values.get("max_price_bound") == "around":
                values["max_price"] = quantity.value  # "rond de 30k, max 32": the ceiling is the budget
                values["max_price_bound"] = "max"
            elif quantity.bound in ("max", "exact") and "max_price" not in values:
                values["max_price"] = quantity.value
                values["max_price_bound"] = quantity.bound
            elif quantity.bound == "min" and "min_price" not in values:
                values["min_price"] = quantity.value
            elif quantity.bound == "around" and "max_price" not in values:
                values["max_price"] = quantity.value
                values["max_price_bound"] = "around"
                if not has_budget_word:
                    values["min_price"] = int(round(quantity.value * 0.8 / 500) * 500)
        elif quantity.kind in ("year", "age_years") and quantity.bound in ("min", "exact") and "min_year" not in values:
            values["min_year"] = quantity.value
        elif quantity.kind == "mileage" and quantity.bound != "min" and "max_mileage_km" not in values:
            values["max_mileage_km"] = quantity.value
    values.pop("max_price_bound", None)
    if "min_price" in values and "max_price" in values and values["min_price"] > values["max_price"]:
        values["min_price"], values["max_price"] = values["max_price"], values["min_price"]
    return CarPreferences(**values)


_OPEN_TO_ANY = re.compile(
    r"\b(?:maakt\s+(?:me\s+|mij\s+)?(?:\w+\s+)?niet\s+(?:zoveel\s+)?uit|boeit\s+(?:me\s+)?niet|om\s+het\s+even|doesn'?t\s+matter)\b"
)
_OPEN_ABOUT_OTHER = re.compile(
    r"\b(?:merk|kleur|model|type|brand|colou?r|bouwjaar)\s+(?:\w+\s+){0,2}(?:maakt|boeit)[^.?!,]*|"
    r"\b(?:maakt|boeit)\s+(?:\w+\s+){0,3}(?:niet\s+)?(?:uit\s+)?welk\w*\s+(?:merk|kleur|model|type)\b"
)
# "geen diesel", "nooit meer een diesel", "mijn huidige benziner", "my current EV": not the fuel wanted
_NOT_WANTED_FUEL = re.compile(
    r"(?:\bgeen|\bnooit\s+meer|\bno|\bnot\s+an?)\s+(?:\w+\s+)?$|"
    r"(?:\bmijn|\bm'?n|\bmn|\bmy|\bonze|\bour|\bhuidige|\bcurrent)\s+(?:huidige\s+|oude\s+|vorige\s+|current\s+|old\s+)?$"
)
_PREFERENCE = re.compile(r"\b(?:liefst|liever|bij\s+voorkeur|het\s+liefst)\s+(?:\w+\s+)?$")


def _wanted_fuel(text: str) -> str | None:
    """The fuel asked for; none when the customer is open ("diesel of benzine maakt niet uit")."""
    hits = sorted((m.start(), fuel) for fuel, regex in FUELS for m in regex.finditer(text)
                  if not _NOT_WANTED_FUEL.search(text[max(0, m.start() - 28) : m.start()]))
    if not hits:
        return None
    fuels = {fuel for _, fuel in hits}
    last = hits[-1][0]
    # in the fuels' own sentence: "plug-in hybride? T6 of T8 maakt niet uit" is open about the trim, not the fuel;
    # "lpg auto, maakt niet uit welk merk" is open about the make
    span = _OPEN_ABOUT_OTHER.sub(" ", text[hits[0][0] : last] + re.split(r"[?!.]\s", text[last : last + 60], maxsplit=1)[0])
    # one fuel named: open only when said of that fuel itself ("diesel maakt me niet uit")
    said_of_fuel = len(fuels) > 1 or re.match(r"\W*[\w-]+\s+(?:\w+\s+)?(?:maakt|boeit|om\s+het|doesn'?t)", span) is not None
    if said_of_fuel and _OPEN_TO_ANY.search(span):
        return None
    if len(fuels) > 1:
        second = next(pos for pos, fuel in hits if fuel != hits[0][1])
        if re.search(r"\b(?:of|or)\s+(?:\w+\s+)?$|/\s*$", text[max(0, second - 15) : second]):
            # alternatives: only a stated preference picks one
            return hits[0][1] if _PREFERENCE.search(text[max(0, hits[0][0] - 25) : hits[0][0]]) else None
    return next(fuel for fuel, _ in FUELS if fuel in fuels)  # the most specific one named


def _blank(text: str, windows: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in windows:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _owned_windows(parsed: ParsedMessage) -> list[tuple[int, int]]:
    """The stretch of text describing each owned car: from "mijn"/"heb een" to the wanted car."""
    windows = []
    for mention in parsed.owned:
        later_wanted = [m.start for m in parsed.wanted if m.start > mention.start]
        sentence_end = re.search(r"[?!]|\.\s|\b(?:en\s+)?(?:ik\s+)?zoek|\b(?:voor|tegen|op|for|towards)\s+(?:een|de|die|iets|something|an?|the)\b|\bbudget\b|"
                                 r"\b(?:and\s+)?i\s+(?:want|need|am\s+looking)\b|\b(?:en\s+)?(?:ik\s+)?wil\s+(?:een|iets|graag|nu)\b|"
                                 r"\b(?:bij|na)\s+(?:de\s+)?(?:aanschaf|aankoop)\b|\b(?:aanschaf|aankoop)\s+van\b|\bfor\s+an?\b", parsed.text[mention.end :])
        end = min(later_wanted + [mention.end + (sentence_end.start() if sentence_end else 80), mention.end + 80])
        lead = OWNED_BEFORE.search(parsed.text[max(0, mention.start - 40) : mention.start])
        start = max(0, mention.start - 40) + lead.start() if lead else mention.start
        windows.append((start, end))
    return windows


def _trade_in(parsed: ParsedMessage, follow_up: bool = False) -> TradeInVehicle | None:
    if not parsed.trade_in_cue and not follow_up:
        return None
    car = parsed.owned[0] if parsed.owned else None
    windows = _owned_windows(parsed)
    year = mileage = None
    for quantity in parsed.quantities:
        inside = any(start <= quantity.start < end for start, end in windows) if windows else True
        if not inside:
            continue
        if quantity.kind == "year" and year is None:
            year = quantity.value
        elif quantity.kind == "mileage" and mileage is None:
            mileage = quantity.value
    plate = parsed.plates[0] if parsed.plates else None
    if car is None and year is None and mileage is None and plate is None:
        return None
    return TradeInVehicle(make=car.make if car else None, model=car.model if car else None, year=year, mileage_km=mileage, license_plate=plate)


def _urgency(text: str, router: RouterOutput) -> str:
    for level, regex in URGENCY:
        hits = [m.group() for m in regex.finditer(text)]
        # a down payment in a monthly-payment sum is arithmetic, not haste ("met 5000 aanbetaling, wat per maand?")
        if level == "high" and hits and all(hit.startswith("aanbetal") for hit in hits) and (MONTHLY.search(text) or FINANCING.search(text)):
            continue
        if hits:
            return level
    return "high" if router.intent == "complaint" else "low"


def _sentiment(text: str, router: RouterOutput) -> str:
    if router.intent == "complaint" or NEGATIVE.search(text):
        if not re.search(r"\b(geen|niet)\s+(klacht\w*|slecht|ontevreden)", text):
            return "negative"
    return "positive" if POSITIVE.search(text) else "neutral"


def _customer_name(raw: str) -> str | None:
    lowered = raw.lower()
    for regex in (_NAME, _NAME_AT_START, _SIGNATURE):
        match = regex.search(lowered)
        if not match:
            continue
        words = match.group(1).split()
        if words[0] in NOT_A_NAME or not words[0].isalpha() or find_cars(words[0]):
            continue
        if not _introduced_as_name(raw, lowered, match):
            continue
        words = [w for w in words if w not in NOT_A_NAME or w in _PARTICLES]
        while words and words[-1] in _PARTICLES:
            words.pop()
        if not words:
            continue
        return " ".join(w if w in _PARTICLES else w[:1].upper() + w[1:] for w in words)
    return None


def _introduced_as_name(raw: str, lowered: str, match: re.Match) -> bool:
    """Written with a capital by someone who uses capitals, or ending the introduction."""
    start = match.start(1)
    if len(raw) == len(lowered) and raw[start].isupper() and raw != raw.upper():
        return True
    return bool(_AFTER_INTRODUCTION.match(lowered, match.end(1)))


def _preferred_day(text: str, now: datetime) -> str | None:
    match = _DAY.search(text)
    if match:
        word = match.group(1) or match.group(3) or match.group(5) or match.group(6)
        return _DAY_WORDS.get(word, word)
    match = _DATE.search(text)
    if match:
        day_text, month_text = match.group(1), match.group(2)
        month = int(month_text) if month_text.isdigit() else _MONTHS.index(month_text[:3].replace("oct", "okt")) + 1 if month_text[:3].replace("oct", "okt") in _MONTHS else 0
        day = int(day_text)
        if 1 <= month <= 12 and 1 <= day <= 31:
            try:
                candidate = date(now.year, month, day)
            except ValueError:
                candidate = None
            if candidate is not None:
                if candidate < now.date() - timedelta(days=1):
                    try:
                        candidate = date(now.year + 1, month, day)
                    except ValueError:
                        return None
                return candidate.isoformat()
    match = _RELATIVE_DAY.search(text)
    if match:
        word = match.group(1)
        if word.startswith("morgen"):
            return "morgen"
        if word in ("vanavond", "vanmiddag", "vanochtend", "vanmorgen", "straks"):
            return "vandaag"
        return re.sub(r"\s+", " ", word)
    return None


def _preferred_time(text: str) -> str | None:
    match = _TIME.search(text)
    if match:
        if match.group(6):
            hour, minute = int(match.group(6)) - 1, 30
        else:
            hour = int(match.group(1) or match.group(3) or match.group(5))
            minute = int(match.group(2) or match.group(4) or 0)
        if 1 <= hour <= 7:
            hour += 12  # "om 3 uur" during opening hours is the afternoon
        if 0 <= hour <= 23 and 0 <= minute <= 59 and (match.group(1) is None or hour >= 7):
            return f"{hour:02d}:{minute:02d}"
    compound = re.search(r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|morgen|za|zo|vr)(ochtend|middag|avond)\b", text)
    if compound:
        return compound.group(1)
    if re.search(r"\b(vanavond)\b", text):
        return "avond"
    if re.search(r"\b(vanmiddag)\b", text):
        return "middag"
    if re.search(r"\b(vanochtend|vanmorgen)\b", text):
        return "ochtend"
    part = re.search(r"\b" + _PART_OF_DAY.pattern + r"\b", text)
    if part:
        word = part.group(1)
        if "lunch" in word:
            return "12:00"
        return "ochtend" if ("ochtend" in word or "morgens" in word) else "middag" if "middag" in word else "avond"
    return None
