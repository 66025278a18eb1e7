"""The one qualifying question at the end of a reply, as a good salesperson picks it.

Never a question the customer already answered (what we know from the context and this
message) or one we already asked earlier in the conversation (whatever the answer was),
and none when the reply already asks something or there is nothing useful left to ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from agents.models import Car, CarPreferences, ReplyRequest
from agents.rules.phrases import Phrase


@dataclass(frozen=True)
class _Question:
    key: str
    asked_before: re.Pattern[str]  # recognises this question in one of our earlier messages (any language)
    phrasings: tuple[Phrase, ...]


QUESTIONS = {
    q.key: q
    for q in (
        _Question("car_type", re.compile(r"wat voor auto|welk merk|welk type|waar ben je naar op zoek|kind of car|make or model|"
                                         r"was für ein auto|marke oder", re.I),
                  (Phrase(nl="Naar wat voor auto ben je op zoek?", nl_u="Naar wat voor auto bent u op zoek?",
                          en="What kind of car are you looking for?", de="Was für ein Auto suchen Sie?"),
                   Phrase(nl="Welk merk of type auto heb je in gedachten?", nl_u="Welk merk of type auto heeft u in gedachten?",
                          en="Do you have a make or model in mind?", de="Haben Sie eine bestimmte Marke oder ein Modell im Auge?"))),
        _Question("budget", re.compile(r"budget", re.I),
                  (Phrase(nl="Wat is ongeveer je budget?", nl_u="Wat is ongeveer uw budget?",
                          en="Roughly what budget do you have in mind?", de="Mit welchem Budget rechnen Sie ungefähr?"),
                   Phrase(nl="Met welk budget mag ik rekening houden?", en="What budget should I work with?",
                          de="Von welchem Budget darf ich ausgehen?"))),
        _Question("fuel", re.compile(r"benzine, diesel|brandstof|petrol, diesel|benzin, diesel", re.I),
                  (Phrase(nl="Heb je een voorkeur voor benzine, diesel, hybride of elektrisch?",
                          nl_u="Heeft u een voorkeur voor benzine, diesel, hybride of elektrisch?",
                          en="Any preference for petrol, diesel, hybrid or electric?",
                          de="Haben Sie eine Vorliebe – Benzin, Diesel, Hybrid oder Elektro?"),)),
        _Question("gearbox", re.compile(r"automaat of hand|automatic or manual|automatik oder", re.I),
                  (Phrase(nl="Liever een automaat of handgeschakeld?", en="Automatic or manual?",
                          de="Lieber Automatik oder Schaltgetriebe?"),)),
        _Question("trade_in", re.compile(r"inruil|in te ruilen|trade in|trade-in|in zahlung", re.I),
                  (Phrase(nl="Heb je nog een auto om in te ruilen?", nl_u="Heeft u nog een auto om in te ruilen?",
                          en="Do you have a car to trade in?", de="Haben Sie ein Auto, das Sie in Zahlung geben möchten?"),
                   Phrase(nl="Wil je je huidige auto inruilen?", nl_u="Wilt u uw huidige auto inruilen?",
                          en="Would you like to trade in your current car?", de="Möchten Sie Ihren jetzigen Wagen in Zahlung geben?"))),
        _Question("visit", re.compile(r"proefrit|proefrijden|langs(?: te)? komen|langskomen|test drive|probefahrt|vorbeikommen", re.I),
                  (Phrase(nl="Wanneer zou je langs willen komen voor een proefrit?",
                          nl_u="Wanneer zou u langs willen komen voor een proefrit?",
                          en="When would you like to come by for a test drive?",
                          de="Wann möchten Sie zu einer Probefahrt vorbeikommen?"),
                   Phrase(nl="Zin om een keer te komen proefrijden?", nl_u="Heeft u zin om een keer te komen proefrijden?",
                          en="Fancy coming over for a test drive?", de="Hätten Sie Lust auf eine Probefahrt?"))),
    )
}


def _our_questions(request: ReplyRequest) -> list[str]:
    sentences: list[str] = []
    for turn in request.context.history:
        if turn.role == "bot":
            sentences += [s for s in re.split(r"(?<=[.!?])\s+|\n", turn.text) if s.strip().endswith("?")]
    return sentences


def already_asked(request: ReplyRequest, key: str) -> bool:
    pattern = QUESTIONS[key].asked_before
    return any(pattern.search(sentence) for sentence in _our_questions(request))


_WARNING = re.compile(r"Let op! Geld lenen kost geld\.(?: \([^)]*\))?")  # the credit warning, translated or not
_CUSTOMER_QUESTION = re.compile(r"\?|^\s*(wat|hoe|welke?|waar|wanneer|hoeveel|is|zijn|kan|kun|heeft|hebben)\b", re.I)


def _ignored_our_question(request: ReplyRequest) -> bool:
    """We just asked something and the customer asks their own question instead: answer, don't push."""
    history = request.context.history
    last_bot = next((turn for turn in reversed(history) if turn.role == "bot"), None)
    if last_bot is None or not re.search(r"\?\s*$", _WARNING.sub("", last_bot.text).strip()):
        return False
    return bool(_CUSTOMER_QUESTION.search(request.text.strip()))


def last_question_key(request: ReplyRequest) -> str | None:
    """Which of our qualifying questions the last bot message ended with, if any."""
    last_bot = next((turn for turn in reversed(request.context.history) if turn.role == "bot"), None)
    if last_bot is None:
        return None
    questions = [s for s in re.split(r"(?<=[.!?])\s+|\n", last_bot.text) if s.strip().endswith("?")]
    if not questions:
        return None
    return next((key for key, q in QUESTIONS.items() if q.asked_before.search(questions[-1])), None)


# "een gezinsauto", "iets zuinigs voor woon-werk": the customer told us what kind of car, in words
_CAR_KIND = re.compile(
    r"\b(gezins\w*|familie\w*|voor\s+(?:het|ons|mijn)\s+gezin|kinderen|stationwagen|station|suv|hatchback|mpv|"
    r"cabrio|coupe|bus(?:je)?|bedrijfs\w*|zuinig\w*|woon-?werk|eerste\s+auto|stadsauto|kleine\s+auto|grote\s+auto|"
    r"elektrisch\w*|hybride|\d\s*-?\s*(?:zitter|zits|persoons)|family\s+car|estate|familienauto|kombi)\b", re.I)
# bought elsewhere or done: no more selling in the closing question
_DONE_BUYING = re.compile(
    r"\b(?:al\s+(?:een\s+)?(?:auto\s+)?gekocht|(?:elders|ergens\s+anders|bij\s+een\s+ander\w*)\s+(?:\w+\s+)?gekocht|"
    r"gekocht\s+(?:bij\s+een\s+ander\w*|elders|ergens\s+anders)|(?:al\s+)?iets\s+anders\s+gevonden|niet\s+meer\s+nodig|"
    r"geen\s+interesse\s+meer|bought\s+(?:one\s+)?elsewhere|already\s+bought|schon\s+(?:ein\s+auto\s+)?gekauft|woanders\s+gekauft)\b",
    re.I)


def no_selling(request: ReplyRequest) -> bool:
    """A customer who bought elsewhere or is complaining gets no sales question (no test drive, no trade-in)."""
    texts = [request.text] + [turn.text for turn in request.context.history if turn.role == "customer"]
    if any(_DONE_BUYING.search(text) for text in texts):
        return True
    if request.router.intent == "complaint" or request.extraction.sentiment == "negative":
        return True
    recent = [turn for turn in request.context.history if turn.role == "customer"][-3:]
    return any(turn.intent == "complaint" for turn in recent)


def _told_kind(request: ReplyRequest) -> bool:
    texts = [request.text] + [turn.text for turn in request.context.history if turn.role == "customer"]
    return any(_CAR_KIND.search(text) for text in texts)


def _known(request: ReplyRequest, prefs: CarPreferences, cars: list[Car]) -> dict[str, bool]:
    context, extraction = request.context, request.extraction
    state = context.dialogue  # the typed dialogue state: the car under discussion, the financing scenario
    financing = state.financing
    return {
        # cars shown without any wish ("hebben jullie een ferrari?") do not tell us what they want
        "car_type": bool(prefs.make or prefs.model or prefs.body_type or prefs.equipment or state.car) or _told_kind(request),
        # a payment example for a car under discussion: its price is the budget we work with
        "budget": bool(prefs.max_price or prefs.min_price or (financing and (financing.price_eur or financing.down_payment_eur))),
        "fuel": bool(prefs.fuel_type),
        "gearbox": bool(prefs.transmission),
        "trade_in": context.has_trade_in or extraction.has_trade_in or context.trade_in is not None
        or (state.last_answer or "").endswith(":trade_in"),
        "visit": context.test_drive_requested or extraction.test_drive_requested or bool(context.test_drive.bookings)
        or (state.last_answer or "").endswith(":visit"),
    }


# Which questions help most after each kind of message, most useful first.
def _order(request: ReplyRequest, intent: str, cars: list[Car], answered_car_facts: bool) -> tuple[str, ...]:
    inventory = request.inventory
    many = bool(inventory and inventory.total_found > len(cars))
    if answered_car_facts:
        return ("visit",)  # a question about the car: a trade-in question now is off topic
    if intent == "car_inquiry":
        if not cars and not request.context.last_cars:
            return ("car_type", "budget", "fuel", "gearbox", "trade_in")
        # one car aimed at ("staat die Golf Variant nog?"): a budget question no longer narrows anything
        narrowing = ("budget", "fuel", "gearbox") if many and len(cars) != 1 else ()
        return ("car_type", *narrowing, "visit", "trade_in")
    if intent == "financing_inquiry":
        return ("car_type", "trade_in", "visit")
    if intent == "price_negotiation":
        return ("trade_in",)
    if intent == "trade_in":
        return ("car_type",)
    if intent == "service_inquiry" and (cars or request.context.last_cars):
        return ("visit",)
    return ()


def pick_follow_up(
    request: ReplyRequest,
    prefs: CarPreferences,
    cars: list[Car],
    pick: Callable[..., str],  # Draft.pick: one of the phrasings, in the customer's language
    intent: str | None = None,
    answered_car_facts: bool = False,
    said_now: str = "",
    visiting: bool = False,
) -> str | None:
    """The most useful question not yet known nor asked, or None.

    `intent` is what the reply answered (a down payment after a car is a payment question
    even when the router called it a car inquiry).
    """
    if _ignored_our_question(request) or no_selling(request):
        return None
    known = _known(request, prefs, cars)
    known["visit"] = known["visit"] or visiting
    for key in _order(request, intent or request.router.intent, cars, answered_car_facts):
        # skip what is known, what we asked before, and a topic this reply already covers
        if not known[key] and not already_asked(request, key) and not QUESTIONS[key].asked_before.search(said_now):
            return pick(*QUESTIONS[key].phrasings)
    return None
