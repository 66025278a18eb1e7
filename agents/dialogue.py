"""The dialogue state (issue 14 §1): kept after every turn, read before every message (pure, no I/O).

Both backends run through the same functions: the workflow's agent steps call
`route_in_state` and `extract_in_state` on whatever the backend understood, and
`note_customer` / `note_reply` move the state after the customer's message and our reply.

The central rule: a short message is first read as the answer to the question our last
message asked ("rond de 20k" after the budget question, "zaterdag" after "welke dag past je?",
"die tweede" after a list, "ja graag" after a proposal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from agents.booking_models import BookingCue
from agents.dialogue_models import (
    MAX_SHOWN,
    QUESTION_TEXT_KEPT,
    CarRef,
    FinancingScenario,
    OpenQuestion,
    QuestionKind,
)
from agents.models import (
    Car,
    CarPreferences,
    ConversationContext,
    ConversationOutput,
    ExtractionOutput,
    RouterOutput,
    TradeInVehicle,
    Understanding,
)
from agents.rules.text import normalize
from agents.tradein import about_money_or_wish
from agents.when import resolve

# An open question binds short answers for this long; after that a "ja" is a new start.
QUESTION_VALID = timedelta(hours=24)
SHORT_WORDS = 8

# --- which question a reply asked ----------------------------------------------------------
# The LAST question sentence of our reply decides; the first pattern that matches wins (nl, en, de).
_KINDS: list[tuple[QuestionKind, re.Pattern[str]]] = [
    ("trade_in_check", re.compile(r"klopt (?:dat|het)\?|is that (?:right|correct)\?|stimmt das\?")),
    ("slot", re.compile(r"welke (?:van de |van deze )?tijd|welke past (?:je|u) het best|welke wordt het|"
                        r"which (?:of these )?(?:times?|slots?)|welche (?:zeit|uhrzeit|der zeiten)|welcher termin")),
    ("which_car", re.compile(r"welke (?:bedoel|wil je proberen|wilt u proberen)|welke auto|welke van de|welke \w+ (?:je|u) (?:wilt|wil) proberen|"
                             r"(?:zeg|noem) maar het nummer|which (?:one|car)|which \w+ you'd like|welche(?:s|n)? (?:auto|fahrzeug|meinen|davon)|"
                             r"welchen \w+ sie")),
    ("broader_search", re.compile(r"breder zoeken|ruimer zoeken|search (?:more )?(?:widely|broader)|breiter suchen")),
    ("trade_in_mileage", re.compile(r"kilometerstand|hoeveel (?:km|kilometer)|mileage|how many (?:km|kilomet|miles)|kilometerstand|km-stand|wie viele kilometer")),
    ("trade_in_plate", re.compile(r"kenteken|licen[cs]e plate|registration (?:number|plate)|kennzeichen")),
    ("payment", re.compile(r"per maand|maandbedrag|monthly|per month|monatlich|pro monat")),
    ("time", re.compile(r"hoe laat|welke tijd|what time|which time|um wie viel uhr|welche uhrzeit")),
    ("visit", re.compile(r"proefrit|proefrijden|langs(?: te)? komen|langskomen|test ?drive|probefahrt|vorbeikommen")),
    ("day", re.compile(r"welke dag|wanneer (?:past|kun|kan|zou|wil)|which day|what day|when (?:would|can|suits)|welcher tag|wann (?:passt|können|möchten)")),
    ("budget", re.compile(r"budget|how much (?:do|would) you (?:want to )?spend|wie viel (?:möchten|wollen) sie ausgeben")),
    ("fuel", re.compile(r"benzine, diesel|brandstof|petrol, diesel|benzin, diesel|kraftstoff")),
    ("gearbox", re.compile(r"automaat of hand|automatic or manual|automatik oder schalt")),
    ("trade_in", re.compile(r"inruil|in te ruilen|trade[- ]in|inzahlung")),
    ("car_type", re.compile(r"wat voor auto|welk merk|welk type|waar ben je naar op zoek|waar bent u naar op zoek|"
                            r"what kind of car|which make|was für ein auto|welche marke")),
]
_CREDIT_LINE = re.compile(r"let op! geld lenen kost geld\.?|achtung: geld leihen kostet geld\.?|"
                          r"warning: borrowing money costs money\.?", re.I)


def question_of(reply_text: str) -> tuple[QuestionKind, str] | None:
    """The kind and text of the question our reply ends with (its last question sentence)."""
    text = _CREDIT_LINE.sub(" ", reply_text)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip().endswith("?")]
    if not sentences:
        return None
    last = sentences[-1]
    lowered = normalize(last)
    kind = next((kind for kind, pattern in _KINDS if pattern.search(lowered)), "other")
    return kind, last[:QUESTION_TEXT_KEPT]


def live_question(context: ConversationContext, now: datetime | None = None) -> OpenQuestion | None:
    """Our open question, unless a person answered since or it is too old to bind a short reply."""
    question = context.dialogue.open_question
    if question is None:
        return None
    silence = context.seconds_since_last_message
    if silence is None and now is not None:
        silence = (now - question.asked_at).total_seconds()
    if silence is not None and silence > QUESTION_VALID.total_seconds():
        return None
    last = context.history[-1] if context.history else None
    if last is not None and last.role == "staff":
        return None
    return question


# --- reading a short answer ----------------------------------------------------------------
Reading = Literal["yes", "no", "when", "pick", "amount", "mileage", "plate"]
_YES = re.compile(r"(?:ja+|jazeker|jawel|jep|jup|yes|yep|sure|ok(?:e|ay)?|prima|graag|goed|top|perfect|super|zeker|klopt|"
                  r"doe maar|is goed|klinkt goed|lijkt me goed|gerne|ja bitte|natuerlich|naturlich|gut|👍)"
                  r"(?:[ ,!.]+(?:hoor|graag|dank\s*je(?:\s+wel)?|bedankt|thanks|please|bitte|doe\s+maar|is\s+goed|prima|top|leuk|"
                  r"dat\s+is\s+goed|dat\s+klopt|klopt))*")
_NO = re.compile(r"(?:nee+|neen|nope|nah|no|nein|liever\s+niet|niet\s+nodig|hoeft\s+niet|nog\s+niet|geen\s+behoefte)"
                 r"(?:[ ,!.]+(?:hoor|dank\s*je(?:\s+wel)?|bedankt|thanks|danke|nog\s+niet|niet\s+nodig|hoeft\s+niet|"
                 r"liever\s+niet|dat\s+hoeft\s+niet))*")
_ORDINALS = {"eerste": 1, "1e": 1, "bovenste": 1, "tweede": 2, "2e": 2, "middelste": 2, "derde": 3, "3e": 3,
             "laatste": -1, "onderste": -1, "first": 1, "second": 2, "third": 3, "last": -1,
             "erste": 1, "zweite": 2, "dritte": 3, "letzte": -1}
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b|^\s*(?:optie\s+|nummer\s+|nr\.?\s*|#)?([1-5])\s*[.!)]?\s*$")
_COLOURS = {"zwart": "zwart", "zwarte": "zwart", "wit": "wit", "witte": "wit", "grijs": "grijs", "grijze": "grijs",
            "blauw": "blauw", "blauwe": "blauw", "rood": "rood", "rode": "rood", "zilver": "zilver", "zilveren": "zilver",
            "groen": "groen", "groene": "groen", "geel": "geel", "gele": "geel", "oranje": "oranje", "bruin": "bruin",
            "bruine": "bruin", "beige": "beige", "black": "zwart", "white": "wit", "grey": "grijs", "gray": "grijs",
            "blue": "blauw", "red": "rood", "silver": "zilver", "green": "groen", "schwarz": "zwart", "weiss": "wit",
            "weisse": "wit", "blau": "blauw", "blaue": "blauw", "rot": "rood", "rote": "rood", "silberne": "zilver"}
_MILEAGE_NUMBER = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|dkm|duizend|mille|000)?\b")


_OWN_QUESTION = re.compile(r"(?:wat|hoe|welke?|waar|waarom|wanneer|hoeveel|hebben|heeft|heb|zijn|is|mag|moet|doen|"
                           r"what|how|which|where|why|when|do|does|is|are|can|was|wie|welche|wo|warum|wann|haben|ist|sind)\b")
_POINTER = re.compile(r"(?:(?:doe|geef\s+(?:mij|me))\s+maar\s+|ik\s+(?:wil|neem)\s+|graag\s+)?(?:de|die|het|deze|dat|nummer|optie|nr\.?|the|number|option|der|die|das|nummer)?\s*"
                      r"[\w.-]+(?:\s+[\w.-]+)?(?:\s+(?:graag|dan|maar|please|bitte|zou\s+ik\s+willen))?\s*[?!.]*")
_POINTING_WORD = re.compile(r"(?:(?:doe|geef\s+(?:mij|me))\s+maar\s+|ik\s+(?:wil|neem)\s+)?(?:de|die|het|deze|dat|the|that|der|das)\s")
_NO_AND_MORE = re.compile(r"(?:nee+|neen|nope|nah|no|nein)\b[ ,!.]+(?!maar\b|but\b|aber\b)")


@dataclass(frozen=True)
class Answer:
    """What a short message answers: the question's kind and how it answers it."""

    kind: QuestionKind
    reading: Reading
    car: CarRef | None = None  # for a pick
    number: int | None = None  # an amount or a mileage


_ANSWER_WORD = re.compile(r"[\w€'-]+")


def is_short(text: str) -> bool:
    return 0 < len(_ANSWER_WORD.findall(text)) <= SHORT_WORDS


def is_bare(text: str) -> bool:
    """"ja", "kan za?", "zaterdag om 11": an answer and nothing else (three words at most)."""
    return 0 < len(_ANSWER_WORD.findall(text)) <= 3


def read_answer(text: str, context: ConversationContext, now: datetime | None = None) -> Answer | None:
    """The short message as an answer to our open question, or None when it is something else."""
    question = live_question(context, now)
    if not is_short(text) or (question is not None and question.stood_over and not is_bare(text)):
        return None
    lowered = normalize(text).strip(" !.,")
    if question is None:  # no question open: "die tweede" still points into the list just shown
        car = picked_car(lowered, context) if _POINTER.fullmatch(lowered) else None
        return Answer("other", "pick", car=car) if car is not None else None
    kind = question.kind
    if kind != "other":  # a "ja" to "what is your budget?" is read too: it answers nothing, we ask again
        if _YES.fullmatch(lowered):
            return Answer(kind, "yes")
        if _NO.fullmatch(lowered):
            return Answer(kind, "no")
    if _OWN_QUESTION.match(lowered):
        return None  # "wat zijn uw openingstijden op zaterdag?": a question of its own, not our answer
    if kind != "other" and _NO_AND_MORE.match(lowered) and "?" not in lowered:
        return Answer(kind, "no")  # "nee hoor, ik kijk nog even rond"
    # "die tweede", "de blauwe graag", "nummer 2"; "heeft die 4motion een trekhaak?" or "staat die golf nog?" ask more
    if _POINTER.fullmatch(lowered) and (kind in ("slot", "which_car") or context.dialogue.shown):
        car = picked_car(lowered, context)
        if car is not None and kind in ("which_car", "slot", "visit", "other", "budget", "fuel", "gearbox", "car_type", "day", "time"):
            return Answer(kind, "pick", car=car)
    # "de 1.0 TSI Life": a version that only one of the cars just shown has, in only the titles' words
    if kind not in ("trade_in_plate", "trade_in_mileage", "trade_in_check") and _names_shown_version(lowered, context):
        car = picked_car(lowered, context)
        if car is not None:
            return Answer(kind, "pick", car=car)
    # "wat zijn uw openingstijden op zaterdag?" names a day but asks about the hours, in any language
    if kind in ("visit", "day", "time", "slot", "which_car") and _names_when(text, now) and not _ASKS_HOURS.search(lowered):
        return Answer(kind, "when")
    if kind == "budget":
        amount = _amount(lowered)
        if amount is not None:
            return Answer(kind, "amount", number=amount)
    if kind == "trade_in_mileage" and not about_money_or_wish(lowered):
        mileage = _mileage(lowered)
        if mileage is not None:
            return Answer(kind, "mileage", number=mileage)
    return None


_VERSION_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*")


def _names_shown_version(lowered: str, context: ConversationContext) -> bool:
    """"de 1.0 tsi life", "die r-line graag": an article and only words from the titles just shown."""
    shown = context.dialogue.shown
    if len(shown) < 2 or not _POINTING_WORD.match(lowered + " "):
        return False
    words = _VERSION_WORD.findall(_POINTING_WORD.sub("", lowered + " ", count=1))
    words = [word for word in words if word not in ("graag", "dan", "maar", "please", "bitte")]
    titles = set().union(*(set(_VERSION_WORD.findall(normalize(car.title))) for car in shown))
    return 0 < len(words) <= 4 and all(word in titles for word in words)


def picked_car(lowered: str, context: ConversationContext) -> CarRef | None:
    """"de tweede", "nummer 2", "die blauwe", "de diesel" among the cars just shown."""
    shown = context.dialogue.shown
    if not shown:
        return None
    match = _ORDINAL.search(lowered)
    if match:
        index = _ORDINALS[match[1]] if match[1] else int(match[2])
        position = index - 1 if index > 0 else len(shown) + index
        return shown[position] if 0 <= position < len(shown) else None
    colours = {_COLOURS[word] for word in re.findall(r"[a-z]+", lowered) if word in _COLOURS}
    if len(colours) == 1:
        hits = [car for car in shown if car.color and normalize(car.color).startswith(next(iter(colours)))]
        if len(hits) == 1:
            return hits[0]
    if not _POINTING_WORD.match(lowered):
        return None  # a bare "automaat" or "diesel" is a wish, "die automaat" points at a car
    words = set(re.findall(r"[a-z0-9][a-z0-9.\-]{2,}", lowered))
    marks = [words & set(re.findall(r"[a-z0-9][a-z0-9.\-]{2,}", normalize(car.title))) for car in shown]
    unique = [car for car, mark in zip(shown, marks) if mark and not any(mark <= other for other in marks if other is not mark)]
    return unique[0] if len(unique) == 1 else None


_ASKS_HOURS = re.compile(r"\b(?:openingstijd\w*|geopend|open|gesloten|dicht)\b")


def _names_when(text: str, now: datetime | None) -> bool:
    moment = now or datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    return not resolve(text, moment, timezone.utc).empty


def _amount(lowered: str) -> int | None:
    from agents.rules.numbers import find_quantities

    quantities = find_quantities(lowered, [], 2026)
    prices = [q.value for q in quantities if q.kind in ("price", "quoted", "offer") and q.value >= 1_000]
    return max(prices) if prices else None


def _mileage(lowered: str) -> int | None:
    from agents.rules.numbers import find_quantities

    for quantity in find_quantities(lowered, [], 2026):
        if quantity.kind == "mileage" and 100 <= quantity.value <= 1_500_000:
            return quantity.value
        if quantity.kind in ("price", "quoted", "offer") and 1_000 <= quantity.value <= 999_999:
            return quantity.value
    match = _MILEAGE_NUMBER.search(lowered)
    if not match:
        return None
    number = float(match[1].replace(".", "").replace(",", "")) if re.search(r"[.,]\d{3}", match[1]) else float(match[1].replace(",", "."))
    if match[2] in ("k", "duizend", "mille", "dkm"):
        number *= 1000
    value = int(number)
    return value if 1_000 <= value <= 1_500_000 else None


# --- the agents' steps, read in the state (both backends) -----------------------------------
_EARLIER_CONTACT = re.compile(
    r"\b(?:had|heb|hadden|hebben|was|ben|is|i|ich)\b[^.?!]{0,40}\b(?:gevraagd|gebeld|contact|gesproken|gemaild|geappt|gewhatsappt|"
    r"ge-?whatsappt|langs\s*geweest|(?:bij\s+jullie|in\s+de\s+showroom|daar)\s+geweest|called|asked|spoke|angerufen|gefragt|gesprochen)\b")
_UNHAPPY = re.compile(r"\b(?:niemand|geen\s+(?:reactie|antwoord)|nooit|nog\s+steeds\s+niet|niet\s+(?:terug|normaal)|boos|klacht\w*|"
                      r"slecht\w*|belachelijk|schandalig|teleurgesteld|ontevreden|kapot|waardeloos|niet\s+nagekomen|"
                      r"no\s+(?:answer|reply)|nobody|niemand|keine\s+antwort|gekocht|defect|storing|probleem|garantie|"
                      r"kan\s+toch\s+niet|klopt\s+niet|terugbellen|teruggebeld|belt\s+terug)\b|[😡🤬😠]")


_HAGGLE = re.compile(r"\b(?:euro|honderd|duizend|korting|eraf|er\s+af|prijs|bod|bieden|contant|cash|zakken|lager|discount|rabatt)\b|€|\d")


_BOOKING_STATUS = re.compile(
    r"(?:bevestig\w*|klopt\s+(?:het|dat)(?:\s+nog)?|staat\s+(?:het|hij|die|ie|de\s+(?:afspraak|proefrit))(?:\s+nog)?(?:\s+(?:vast|genoteerd|gepland))?|"
    r"(?:en\s+)?(?:de\s+)?(?:afspraak|proefrit)\s+(?:staat|is)\s+(?:vast|goed|genoteerd)|wanneer\s+(?:was|is)\s+(?:mijn|de)\s+(?:afspraak|proefrit)|"
    r"confirm\w*|is\s+it\s+(?:confirmed|booked)|best[aä]tig\w*)\s*[?!.]*")


# Asked inside a longer message: "welke auto staat er nu eigenlijk voor me klaar en hoe laat?"
_BOOKING_RECAP = re.compile(
    r"\bwelke\s+auto\s+(?:staat|is)\s+(?:er\s+)?(?:nu\s+)?(?:eigenlijk\s+)?(?:voor\s+(?:me|mij|ons)|klaar|gereserveerd)|"
    r"\b(?:hoe\s+laat|wanneer)\s+(?:was|is)\s+(?:mijn|onze|de)\s+(?:afspraak|proefrit)|"
    r"\b(?:hoe\s+laat|wanneer)\s+(?:was|is)\s+het\s+(?:nou\s+|nu\s+)?ook\s+alweer|"
    r"\b(?:hoe\s+laat|wanneer)\s+moet(?:en)?\s+(?:ik|we|wij)\s+(?:er\s+zijn|komen)\b|"
    r"\b(?:what\s+time|when)\s+is\s+my\s+(?:test\s+drive|proefrit|appointment)|"
    r"\bwann\s+ist\s+mein(?:e)?\s+(?:termin|probefahrt|proefrit)"
)


def asks_booking_status(text: str) -> bool:
    """"bevestiging?", "staat het vast?", "wanneer was mijn afspraak?", "welke auto staat er voor me klaar
    en hoe laat?" with a test drive booked."""
    lowered = normalize(text).strip()
    return bool(_BOOKING_STATUS.fullmatch(lowered) or _BOOKING_RECAP.search(lowered))


def mentions_earlier_contact(text: str) -> bool:
    """"ik heb vorige week al gebeld over de golf": an earlier call or visit, said without any grievance."""
    lowered = normalize(text)
    return bool(_EARLIER_CONTACT.search(lowered)) and not _UNHAPPY.search(lowered)


_INTENT_FOR = {"budget": "car_inquiry", "fuel": "car_inquiry", "gearbox": "car_inquiry", "car_type": "car_inquiry",
               "trade_in_mileage": "trade_in", "trade_in_plate": "trade_in", "payment": "financing_inquiry",
               "broader_search": "car_inquiry", "which_car": "car_inquiry"}
_WHEN_KINDS = ("visit", "day", "time", "slot")


def route_in_state(router: RouterOutput, text: str, context: ConversationContext, now: datetime | None = None) -> RouterOutput:
    """The intent of a short answer follows from our open question ("zaterdag" after "welke dag?" is a test drive)."""
    if router.intent == "other" and context.last_intent == "price_negotiation" and _HAGGLE.search(normalize(text)):
        # "echt niet een paar honderd euro?" right after the price talk: still the price talk
        router = router.model_copy(update={"intent": "price_negotiation", "needs_extraction": True})
    if router.intent == "complaint" and mentions_earlier_contact(text):
        # "ik had gisteren gevraagd naar de tiguan": picking up the thread, not a complaint
        router = router.model_copy(update={"intent": "car_inquiry", "needs_extraction": True})
    if context.test_drive.bookings and asks_booking_status(text):
        return router.model_copy(update={"intent": "test_drive", "needs_extraction": True, "confidence": max(router.confidence, 0.85)})
    answer = read_answer(text, context, now)
    if answer is None or router.intent in ("complaint",):
        return router
    if router.intent == "other":  # understood as an answer: never counted as "not understood"
        router = router.model_copy(update={"needs_extraction": True})
    intent = None
    if answer.reading == "when" or (answer.kind in _WHEN_KINDS and answer.reading == "yes") \
            or (answer.kind == "which_car" and context.test_drive.open_question):
        intent = "test_drive"
    elif answer.reading == "pick":
        intent = "test_drive" if context.test_drive.open_question else "car_inquiry"
    elif answer.reading in ("amount", "mileage"):
        intent = _INTENT_FOR.get(answer.kind)
    elif answer.reading == "yes":
        intent = _INTENT_FOR.get(answer.kind)
    if intent is None or intent == router.intent:
        return router
    return router.model_copy(update={"intent": intent, "needs_extraction": True, "confidence": max(router.confidence, 0.85)})


def extract_in_state(extraction: ExtractionOutput, text: str, context: ConversationContext,
                     now: datetime | None = None) -> ExtractionOutput:
    """What a message means given the state: the answer to our question, the trade-in kept out of the wish,
    the car named looked up by name first, and a name only from a clear introduction."""
    update: dict = {}
    answer = read_answer(text, context, now)
    prefs = extraction.car_preferences
    before = context.preferences
    if answer is not None:
        if answer.reading == "when" or (answer.kind in _WHEN_KINDS and answer.reading == "yes"):
            update["test_drive_requested"] = True
            if extraction.booking.action == "none":
                action = "choose" if context.test_drive.open_question else "book"
                update["booking"] = BookingCue(action=action, when_text=text if answer.reading == "when" else None)
        elif answer.reading == "pick":
            update["refers_to_previous_car"] = True
        elif answer.reading == "amount":
            update["preferred_time"] = None  # "rond de 20k" is a budget, never 20:00
            if prefs.max_price is None or prefs.max_price == before.max_price:
                prefs = prefs.model_copy(update={"max_price": answer.number})
        elif answer.reading == "mileage":
            # "ongeveer 120 duizend" is the trade-in's mileage: no budget, no mileage wish
            prefs = prefs.model_copy(update={key: getattr(before, key) for key in ("min_price", "max_price", "max_mileage_km", "min_year")})
            vehicle = extraction.trade_in_vehicle or TradeInVehicle()
            update["trade_in_vehicle"] = vehicle.model_copy(update={"mileage_km": vehicle.mileage_km or answer.number})
            update["has_trade_in"] = True
            update["preferred_time"] = None
        elif answer.reading == "yes" and answer.kind == "broader_search":
            # "ja graag" to "zal ik breder zoeken?": the kind of car and fuel stay, make, price and age go
            wider = CarPreferences(body_type=before.body_type, fuel_type=before.fuel_type,
                                   max_price=int(before.max_price * 1.25) if before.max_price else None)
            update["named_search_override"] = wider
        elif answer.reading == "yes" and answer.kind == "payment":
            update["asks_monthly_payment"] = True
            update["refers_to_previous_car"] = bool(context.last_cars)
    booking = update.get("booking", extraction.booking)
    if booking.action in ("book", "choose") and booking.when_text and _THAT_DAY.search(normalize(text)):
        said_day = _day_said_before(context)  # "kan ik daar dan een proefrit maken om 12 uur?" after "… op zaterdag?"
        if said_day and not _names_day(booking.when_text):
            update["booking"] = booking.model_copy(update={"when_text": f"{said_day} {booking.when_text}"})
    prefs = _without_trade_in_words(prefs, before, text, extraction, context)
    update["car_preferences"] = prefs
    update["named_search"] = update.pop("named_search_override", None) or named_search(
        prefs, text, before, extraction.trade_in_vehicle, context)
    if extraction.customer_name and not introduces(text, extraction.customer_name):
        update["customer_name"] = None
    return extraction.model_copy(update=update)


_THAT_DAY = re.compile(r"\b(?:daar|dan|die\s+dag|diezelfde\s+dag|then|that\s+day|dann|an\s+dem\s+tag)\b")
_ANY_MOMENT = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)


def _names_day(text: str) -> bool:
    wish = resolve(text, _ANY_MOMENT, timezone.utc)
    return bool(wish.day or wish.not_before_day)


def _day_said_before(context: ConversationContext) -> str | None:
    """The customer's previous message, when it named a day ("wat zijn uw openingstijden op zaterdag?")."""
    previous = next((turn.text for turn in reversed(context.history) if turn.role == "customer"), None)
    return previous if previous and _names_day(previous) else None


_TRADE_IN_WORDS = re.compile(r"\b(?:inruil\w*|in\s+te\s+ruilen|ruil\w*\s+(?:\w+\s+){0,4}in|mijn\s+(?:huidige|oude)|trade[- ]?in|inzahlung)\b")
_WANTED = re.compile(r"\b(?:zoek\w*|op\s*zoek|wil\s+(?:graag\s+)?(?:een|iets)|liefst|liever|graag\s+een|hebben\s+jullie|heb\s+je|"
                     r"looking\s+for|i\s+want|do\s+you\s+have|suche|haben\s+sie)\b")
_FILTER_FIELDS = ("fuel_type", "transmission", "body_type", "color", "min_year", "max_mileage_km")


def _without_trade_in_words(prefs: CarPreferences, before: CarPreferences, text: str, extraction: ExtractionOutput,
                            context: ConversationContext) -> CarPreferences:
    """A message about the trade-in ("mijn diesel wil ik inruilen") sets no search filter: only what
    follows a wish cue ("... en zoek een benzine") counts."""
    lowered = normalize(text)
    about_trade_in = bool(_TRADE_IN_WORDS.search(lowered)) or (context.trade_in is not None and re.search(r"\b(?:mijn|m'?n|mn)\b", lowered))
    if not about_trade_in:
        return prefs
    from agents.rules.parse import WANTED_CUE

    if _WANTED.search(lowered) or WANTED_CUE.search(lowered) or _ANY_WISH.search(lowered):
        return prefs  # a wish in the same message: the extraction's own split between the two cars stands
    return prefs.model_copy(update={key: getattr(before, key) for key in _FILTER_FIELDS})


_ANY_WISH = re.compile(r"\b(?:aankoop|aanschaf|tegen\s+een|voor\s+een|naar\s+een|andere|nieuwe)\b")


def named_search(prefs: CarPreferences, text: str, before: CarPreferences, trade_in: TradeInVehicle | None,
                 context: ConversationContext) -> CarPreferences | None:
    """A car named in this message is looked up by name, with only this message's own filters."""
    lowered = normalize(text)
    # said in this message, or read from it with a typo ("staat de pollo nog?"): new since the last turn
    make = prefs.make if _said(prefs.make, lowered) or _new(prefs.make, before.make) else None
    model = prefs.model if _said(prefs.model, lowered) or _new(prefs.model, before.model) else None
    if not (make or model):
        return None
    own_car = context.trade_in
    if own_car is not None and model and own_car.model and own_car.model.lower() == model.lower() and re.search(r"\b(?:mijn|m'?n|mn)\b", lowered):
        return None  # "mijn astra": the trade-in, not a search
    if trade_in is not None and trade_in.model and model and trade_in.model.lower() == model.lower():
        return None
    own = {key: value for key, value in prefs.model_dump().items()
           if key not in ("make", "model") and value not in (None, []) and value != getattr(before, key)}
    return CarPreferences(make=prefs.make, model=model, **own)


def _new(value: str | None, earlier: str | None) -> bool:
    return bool(value) and normalize(value) != normalize(earlier or "")


def _said(word: str | None, lowered: str) -> bool:
    return bool(word) and re.search(rf"(?<!\w){re.escape(normalize(word))}(?!\w)", lowered) is not None


_INTRODUCTION = re.compile(
    r"(?:\bik\s+ben|\bmijn\s+naam\s+is|\bm'?n\s+naam\s+is|\bmn\s+naam\s+is|\bik\s+heet|\bje\s+spreekt\s+met|\bu\s+spreekt\s+met|"
    r"^\s*(?:\w+[\s,!]+)?met|\bdit\s+is|\bnaam\s*:|\bmy\s+name\s+is|\bi\s*'?\s*a?m|\bthis\s+is|\bich\s+bin|\bich\s+heisse|\bmein\s+name\s+ist|"
    r"\bgroet(?:jes|en)?|\bgr\.?|\bmvg|\bregards|\bcheers)\s*,?\s+$")
_NOT_NAMES = frozenset("toch niet wel echt heel erg nog al ook gewoon even zo nu dus maar weer eens jullie u je er".split())


def introduces(text: str, name: str) -> bool:
    """The name stands right after a clear introduction ("ik ben Sanne", "met Jan de Vries", "groet, Piet")."""
    first = normalize(name).split()[0] if name.strip() else ""
    if not first or first in _NOT_NAMES:
        return False
    lowered = normalize(text)
    for match in re.finditer(rf"(?<!\w){re.escape(first)}(?!\w)", lowered):
        if _INTRODUCTION.search(lowered[: match.start()]):
            return True
    return False


_PARTICLES = frozenset("van de der den ter te het la le da di du von zu mc".split())


def first_name(name: str | None) -> str | None:
    """How we address the customer: "Jan" for "Jan de Vries" (the CRM keeps the full name)."""
    words = (name or "").split()
    if not words:
        return None
    if words[0].lower().rstrip(".") in _TITLES or words[0].endswith("."):
        return name  # "Dhr. Bakker", "Frau Schmidt": the title and the surname, never "Dhr."
    return words[0] if words[0].lower() not in _PARTICLES and len(words[0]) > 1 else name


_TITLES = {"dhr", "mevr", "mw", "mr", "mrs", "ms", "miss", "herr", "frau", "dr", "ir", "ing", "drs", "mr", "fam", "familie"}


def cars_in_reply(output: ConversationOutput, candidates: list[Car]) -> list[Car]:
    """The cars a reply is about: the ids it says it mentions, else the one car whose full title it names
    ("Of er een kinderwagen in de kofferbak van de Kia Ceed Sportswagon ... past")."""
    by_id = {car.id: car for car in candidates}
    mentioned = [by_id[car_id] for car_id in output.mentioned_car_ids if car_id in by_id]
    if mentioned:
        return mentioned
    named = [car for car in by_id.values() if car.title and car.title in output.response_text]
    return named if len(named) == 1 else []


# --- moving the state ---------------------------------------------------------------------------
def car_ref(car: Car) -> CarRef:
    return CarRef(id=car.id, title=car.title, make=car.make, model=car.model, color=car.color, price_eur=None if car.price_is_monthly else car.price_eur,
                  fuel_type=car.fuel_type)


def note_customer(context: ConversationContext, understanding: Understanding, text: str, now: datetime,
                  cars: list[Car] | None = None) -> ConversationContext:
    """After the customer's message: the car they picked or named, the financing scenario, what the answer was."""
    from agents.rules.reply_questions import down_payment, term_months

    state = context.dialogue
    extraction = understanding.extraction
    answer = read_answer(text, context, now)
    update: dict = {"updated_at": now, "last_answer": None}
    if answer is not None:
        update["last_answer"] = f"{answer.reading}:{answer.kind}"
        if answer.car is not None:
            update["car"] = answer.car
    elif not context.last_cars and state.car is not None and extraction.new_search:
        update["car"] = None
    lowered = normalize(text)
    months, down = term_months(lowered), down_payment(lowered)
    if months is not None or down is not None or extraction.asks_monthly_payment or extraction.needs_financing:
        car = update.get("car") or state.car
        old = state.financing or FinancingScenario()
        same_car = car is None or old.car_id in (None, car.id)
        update["financing"] = FinancingScenario(
            car_id=car.id if car else old.car_id,
            car_title=car.title if car else old.car_title,
            price_eur=(car.price_eur if car else None) or old.price_eur,
            down_payment_eur=down if down is not None else (old.down_payment_eur if same_car else None),
            term_months=months if months is not None else (old.term_months if same_car else None),
        )
    return context.model_copy(update={"dialogue": state.model_copy(update=update)})


def note_reply(context: ConversationContext, output: ConversationOutput, shown: list[Car], now: datetime) -> ConversationContext:
    """After our reply: the cars it showed, the car under discussion, and the question it ended with."""
    state = context.dialogue
    update: dict = {"updated_at": now}
    unique = list({car.id: car for car in shown}.values())  # a reply may name the same car twice
    refs = [car_ref(car) for car in unique[:MAX_SHOWN]]
    if len(refs) > 1:
        update["shown"] = refs
        if state.car is not None and all(ref.id != state.car.id for ref in refs):
            update["car"] = None  # a new list: no single car under discussion until one is picked
    drive = context.test_drive.car
    if drive is not None:
        update["car"] = CarRef(id=drive.id, title=drive.title, make=drive.make, model=drive.model)
    if len(refs) == 1:
        update["car"] = refs[0]
    named = next((ref for ref in refs if ref.id == output.car_id), None) if output.car_id else None
    if named is None and output.car_id:
        named = next((ref for ref in state.shown if ref.id == output.car_id), None)
    if named is not None:
        update["car"] = named  # the backend said which car the conversation is now about
    car = update.get("car")
    if car is not None and state.financing and state.financing.car_id not in (None, car.id):
        update["financing"] = None  # another car: the payment example was about the old one
    asked = question_of(output.response_text)
    kind = output.open_question or (asked[0] if asked else None)
    if context.test_drive.open_question == "slot":
        kind = "slot"
    elif context.test_drive.open_question == "car":
        kind = "which_car"
    # "die tweede" (a pick) or "wat kost die?" (a question of its own, while no booking answers it yet)
    # to "wanneer wil je komen proefrijden?": answered with no new question, the visit question stands
    picked = (state.last_answer or "").startswith("pick:")
    side_question = state.last_answer is None and not (context.test_drive.bookings or context.test_drive.open_question)
    still_open = state.open_question if picked or side_question else None
    if kind is None and still_open is not None and still_open.kind in ("visit", "day", "time"):
        if side_question:
            update["open_question"] = still_open.model_copy(update={"stood_over": True})
    elif kind is None:
        update["open_question"] = None
    else:
        text = asked[1] if asked else (output.follow_up_question or "")[:QUESTION_TEXT_KEPT]
        update["open_question"] = OpenQuestion(kind=kind, text=text, asked_at=now)
    financing = update.get("financing", state.financing)
    car = update.get("car", state.car)
    if financing is not None and car is not None and financing.car_id is None:
        update["financing"] = financing.model_copy(update={"car_id": car.id, "car_title": car.title,
                                                           "price_eur": financing.price_eur or car.price_eur})
    return context.model_copy(update={"dialogue": state.model_copy(update=update)})


# Shown in the Temporal UI and on the chat page (agents/dialogue_view.py).
from agents.dialogue_view import state_lines, summary_markdown  # noqa: E402,F401
