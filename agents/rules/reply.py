"""The reply: short, friendly Dutch WhatsApp text built from the understanding and the search.

It answers every part of the message (the cars AND the test drive AND the opening hours),
only states cars, prices and facts it was given (inventory, dealer.yaml), asks at most one
new qualifying question, varies its wording by a hash of the message (deterministic for
replays) and never follows instructions hidden in the customer's text.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from agents.guardrails import known_cars
from agents.handled import fixed_reply
from agents.knowledge import financial, service
from agents.knowledge.dealer import DealerFacts
from agents.knowledge.financial import CREDIT_WARNING, format_eur, format_rate
from agents.models import Car, ConversationOutput, ReplyRequest
from agents.rules.reply_cars import (
    MAX_LISTED,
    car_line,
    car_list,
    cars_in_question,
    describe,
    facts_answer,
    named_now,
    names_a_new_car,
    relaxed_note,
    superlative_answer,
)
from agents.rules import reply_technical
from agents.rules.reply_parts import answer_parts, equipment_unknown, missing_equipment
from agents.equipment import EQUIPMENT_FACT
from agents import open_checks
from agents.models import OpenCheck
from agents.repetition import said_sentence
from agents.rules.reply_followup import last_question_key, pick_follow_up
from agents.rules.reply_hours import (
    compact_hours,
    day_hours_sentence,
    open_now_sentence,
    resolve_day,
)
from agents.rules.reply_questions import (
    asks_open_now,
    car_facts_asked,
    financing_wishes,
    superlative_asked,
    wants_all_hours,
)
from agents.rules.numbers import find_plates
from agents.rules.parse import financed_amount
from agents.rules.text import SHORT_ANSWER, normalize

__all__ = ["compose", "car_line"]

INJECTION = re.compile(
    r"(negeer|vergeet|ignore|disregard|forget)\s+(?:\w+\s+){0,3}(instructies|instructions|regels|rules|prompt|opdracht)|"
    r"\[\s*(system|systeem|admin|developer)\s*\]|\bsystem\s*prompt|\bsysteemprompt|\bjailbreak|\bdeveloper\s+mode|"
    r"\bje\s+bent\s+nu\s+(?:een|de)\b|\byou\s+are\s+now\b|\b(?:toon|laat\s+zien|geef|print|reveal|show)\s+(?:me\s+)?(?:je|jouw|your|de)\s+(?:\w+\s+)?(?:prompt|instructies|instructions)"
)
SAMPLE_NOTE = "(Let op: dit zijn voorbeeldgegevens, niet onze live voorraad.)"
_QUESTION = re.compile(r"\?|^\s*(wat|hoe|welke?|waar|wanneer|waarom|hoeveel|is|zijn|kan|kun|kunnen|heeft|hebben|heb|doen|mag)\b")
_GEARBOX_QUESTION = re.compile(r"\b(dsg|cvt|edc|versnellingsbak|koppeling|schakel\w*|tiptronic|steptronic|verschil)\b")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?")
_CREDIT = re.compile(r"\b(lening|lenen|krediet|huurkoop|per maand|JKP|rente|afbetal\w*|financieren kan|financial lease)", re.I)


class _Variety:
    """Deterministic choice between phrasings, seeded by the message text."""

    def __init__(self, text: str):
        self.seed = zlib.crc32(text.encode("utf-8", "replace"))
        self.calls = 0

    def pick(self, *options: str) -> str:
        self.calls += 1
        return options[(self.seed >> (self.calls * 3)) % len(options)]


@dataclass
class _Draft:
    """What one reply is being built from: the request, the facts and what we already said."""

    request: ReplyRequest
    dealer: DealerFacts
    now: datetime
    vary: _Variety
    text: str  # normalised customer text
    parts: list[str] = field(default_factory=list)
    cars: list[Car] = field(default_factory=list)
    intent: str = "other"  # what the reply answers (may differ from the router's)
    answered_car_facts: bool = False
    test_drive_done: bool = False
    payment_done: bool = False
    checks: list[OpenCheck] = field(default_factory=list)  # promised checks: light tasks for sales
    no_follow_up: bool = False  # a repeat or an insisting customer: answer, don't ask
    main_intent: str | None = None  # the main answer's intent when a practical part carried the router's

    def said_before(self, pattern: str) -> bool:
        return any(turn.role == "bot" and re.search(pattern, turn.text, re.I) for turn in self.request.context.history)

    def show(self, cars: list[Car]) -> None:
        self.cars += [car for car in cars if car.id not in {c.id for c in self.cars}]


def compose(request: ReplyRequest, dealer: DealerFacts, now: datetime) -> ConversationOutput:
    fixed = fixed_reply(request)  # STOP, a voice note, a prank: the same text whichever backend runs
    if fixed is not None:
        return fixed
    vary = _Variety(request.text)
    if request.escalation_handoff:
        return _handoff(request, vary)
    draft = _Draft(request, dealer, now, vary, normalize(request.text))
    if INJECTION.search(draft.text):
        draft.parts.append("Ik help je graag met vragen over onze auto's, financiering, inruil en proefritten; daar houd ik me aan.")

    note = request.test_drive_note
    practical = answer_parts(request.text, request.context, _car_for_parts(draft), dealer, now)
    draft.checks += [answer.check for answer in practical.answers if answer.check]
    if practical.only_side and not note:
        draft.intent = "practical"  # "moet ik iets meenemen?", "past er een kinderwagen in?": answered below
        draft.test_drive_done = True
    elif note and (request.router.intent in _BOOKING_ONLY_INTENTS or request.extraction.booking.action in ("choose", "move", "cancel")):
        draft.intent = request.router.intent
        draft.parts.append(note)  # "de eerste", "ik kan toch niet": the booking is the main answer
        draft.test_drive_done = draft.answered_car_facts = True
        _answer_the_other_parts(draft)  # "... en wat kost hij per maand?" still gets its answer
    else:
        if practical.side and not _TEST_DRIVE_WORDS.search(practical.main_text()):
            draft.test_drive_done = True  # "mag mijn vriend mee met de proefrit?" is answered below, no pitch
            draft.main_intent = "car_inquiry" if request.router.intent == "test_drive" else None
        _main_answer(draft)
        _answer_the_other_parts(draft)
    # the practical questions in the order asked: before the main answer when asked before it
    first_main = practical.first_main
    draft.parts[0:0] = [answer.text for answer in practical.before(first_main)]
    draft.parts += [answer.text for answer in practical.after(first_main)]
    if note and not draft.test_drive_done:
        draft.parts.append(note)
        draft.test_drive_done = True
    if note:
        draft.show([car for car in _booking_cars(request) if car.id in request.test_drive_car_ids])

    follow_up = None
    if not note and not draft.no_follow_up and draft.intent not in ("complaint", "other", "greeting", "general_info") and not any("?" in p for p in draft.parts):
        prefs = request.context.preferences.merged_with(request.extraction.car_preferences)
        follow_up = pick_follow_up(request, prefs, draft.cars, vary.pick, draft.intent, draft.answered_car_facts,
                                   said_now=" ".join(draft.parts), visiting=draft.test_drive_done)
    _greet_first(draft)
    parts = [part.replace(CREDIT_WARNING, "").strip() for part in draft.parts]
    if _CREDIT.search(" ".join(parts)):
        parts.append(CREDIT_WARNING)
    if request.inventory is not None and request.inventory.is_sample_data and draft.cars and not draft.said_before("voorbeeldgegevens"):
        parts.append(SAMPLE_NOTE)
    if follow_up:
        parts.append(follow_up)  # the question last, where WhatsApp readers expect it
    response = _one_emoji("\n\n".join(part for part in parts if part))
    return ConversationOutput(
        response_text=response,
        mentioned_car_ids=[car.id for car in draft.cars],
        follow_up_question=follow_up,
        handoff=False,
        backend="rules",
        open_checks=open_checks.new_checks(request.context, draft.checks),
    )


_BOOKING_ONLY_INTENTS = ("test_drive", "other", "greeting", "general_info", "complaint")


def _booking_cars(request: ReplyRequest) -> list[Car]:
    return known_cars(request)  # the cars a booking may name are the ones a reply may name


_TEST_DRIVE_WORDS = re.compile(r"\b(proefr\w*|test\s*-?\s*drive|probefahrt|rijden)\b", re.I)


def _main_answer(draft: _Draft) -> None:
    request = draft.request
    intent = draft.main_intent or request.router.intent
    months, down = financing_wishes(draft.text, _no_history(request))
    focus = cars_in_question(request.context, request.extraction, draft.text)
    new_car = names_a_new_car(request.extraction, request.context, draft.text)
    draft.intent = intent
    answered = last_question_key(request)
    if request.trade_in_reply and not new_car and intent not in ("complaint", "test_drive", "financing_inquiry"):
        # the intake's own sentence (RDW facts, mileage, photos, value): the customer's car, not ours
        draft.intent = "trade_in"
        draft.parts.append(request.trade_in_reply)
        return
    reply_word = _SHORT_ANSWER.fullmatch(draft.text.strip(" !.,"))
    if reply_word and intent in ("other", "greeting", "car_inquiry", "trade_in", "test_drive") and request.context.history:
        _answer_to_our_question(draft, answered, yes=reply_word.group(1) not in _NO_WORDS)
        return
    if _NO_TRADE_IN.search(draft.text) and intent in ("other", "trade_in"):
        _answer_to_our_question(draft, "trade_in", yes=False)
        return
    best = superlative_asked(draft.text)
    if best and len(request.context.last_cars) > 1 and not new_car:
        answer = superlative_answer(request.context.last_cars, best, draft.dealer)
        if answer:
            draft.answered_car_facts = True
            draft.parts.append(answer[0])
            draft.show([answer[1]])
            return
    if focus and not new_car and _asks_about_known_car(draft, intent):
        draft.answered_car_facts = True
        draft.parts.append(_facts_answer(draft, focus, car_facts_asked(draft.text)))
        draft.show(focus)
        return
    named = _the_one_named_car(draft) if new_car else None
    if named and _asks_about_known_car(draft, intent, named=True):
        draft.answered_car_facts = True  # "heeft die Octavia een trekhaak?": the one Octavia in stock
        draft.parts.append(_facts_answer(draft, [named], car_facts_asked(draft.text)))
        draft.show([named])
        return
    trade_in = request.extraction.trade_in_vehicle
    if intent in ("car_inquiry", "other") and trade_in and (trade_in.license_plate or trade_in.mileage_km) \
            and not new_car and not request.extraction.asks_availability:
        intent = draft.intent = "trade_in"  # "kenteken is 12-ABC-3, 98.000 km": details of the trade-in
    has_trade_in = request.extraction.has_trade_in or request.context.has_trade_in
    if intent == "price_negotiation" and has_trade_in and not new_car and _TRADE_IN_VALUE.search(draft.text):
        intent = draft.intent = "trade_in"  # "wat bieden jullie ervoor?" is about their car, not ours
    if (months is not None or down is not None) and intent in ("car_inquiry", "other", "financing_inquiry") and (focus or intent == "financing_inquiry"):
        intent = draft.intent = "financing_inquiry"  # "en met 5000 aanbetaling?" about the car just discussed
    if intent in ("car_inquiry", "other", "general_info", "service_inquiry") and reply_technical.asked(request, draft.text):
        parts, car = reply_technical.answer(request, draft.text, draft.dealer)
        draft.parts.extend(parts)
        draft.answered_car_facts = True
        draft.show([car] if car else [])
        return
    _HANDLERS.get(intent, _other)(draft)


def _facts_answer(draft: _Draft, cars: list[Car], facts: list[str]) -> str:
    """The facts we have; an option the listing does not name gets one line and a promised check."""
    car = cars[0] if len(cars) == 1 else None
    missing = missing_equipment(car, facts) if car else []
    if not missing:
        return facts_answer(cars, facts, draft.dealer)
    context = draft.request.context
    repeat = open_checks.is_open(context, f"equipment:{'+'.join(missing)}:{car.id}")
    line, checks = equipment_unknown(car, missing, draft.request.text, draft.dealer, draft.now, context)
    draft.checks += checks
    if repeat:
        draft.no_follow_up = True  # asked again: the short honest line, no sales question after it
        return line
    rest = [fact for fact in facts if not (fact.startswith(EQUIPMENT_FACT) and fact.removeprefix(EQUIPMENT_FACT) in missing)]
    known = facts_answer(cars, rest, draft.dealer).split("\n") if rest else []
    url = [car.url] if car.url else []
    known = [text for text in known if text not in url]
    return "\n".join([*known, line, *url])


def _car_for_parts(draft: _Draft) -> Car | None:
    """The one car a practical question ("past er een kinderwagen in?") is about, if there is one."""
    request = draft.request
    focus = cars_in_question(request.context, request.extraction, draft.text)
    if len(focus) == 1:
        return focus[0]
    inventory = request.inventory
    if inventory and inventory.asked_car and inventory.availability == "available":
        return inventory.asked_car
    if inventory and inventory.matches and not inventory.relaxed and inventory.total_found == 1:
        return inventory.matches[0].car
    if len(request.context.last_cars) == 1:
        return request.context.last_cars[0]
    return None


def _no_history(request: ReplyRequest):
    # Only this message's term and down payment count for switching to a payment answer.
    return request.context.model_copy(update={"history": []})


def _the_one_named_car(draft: _Draft) -> Car | None:
    """The stock car a message names when exactly one fits it (no wish given up to find it)."""
    inventory = draft.request.inventory
    if inventory and inventory.total_found == 1 and not inventory.relaxed and inventory.matches:
        return inventory.matches[0].car
    return None


def _asks_about_known_car(draft: _Draft, intent: str, named: bool = False) -> bool:
    """ "wat is de kilometerstand?" / "is hij automaat?" about the car(s) just discussed, or the one named."""
    facts = car_facts_asked(draft.text)
    extraction = draft.request.extraction
    if not facts or extraction.asks_availability or extraction.asks_monthly_payment:
        return False
    if intent not in ("car_inquiry", "service_inquiry", "other", "general_info"):
        return False
    if re.search(r"\b(zoek\w*|ik\s+wil\s+(?:een|graag)|liefst|voorkeur|hebben\s+jullie|heb\s+je\s+(?:ook|nog)\s+een)\b", draft.text):
        return False  # a new search wish, not a question about this car
    dealer_wide = {"apk", "nap", "warranty"}
    if set(facts) <= dealer_wide and not extraction.refers_to_previous_car:
        return False  # "hebben jullie garantie?" is about the dealer, the service answer covers it
    return named or extraction.refers_to_previous_car or bool(_QUESTION.search(draft.text)) or len(draft.text.split()) <= 4


def _answer_the_other_parts(draft: _Draft) -> None:
    """A multi-question message gets every part answered, after the main one."""
    request = draft.request
    extraction = request.extraction
    topics = {s.topic for s in request.expertise.knowledge}
    if _wants_visit(draft) and not draft.test_drive_done:
        _test_drive_parts(draft, brief=True)
    if extraction.asks_monthly_payment and not draft.payment_done and request.router.intent != "financing_inquiry":
        draft.parts.extend(_payment_parts(draft))
    if "opening_hours" in topics and request.router.intent != "general_info" and not draft.test_drive_done:
        draft.parts.append(_hours_answer(draft))
    if draft.intent in ("trade_in", "general_info", "service_inquiry", "test_drive") and _wants_new_car(draft) \
            and not draft.answered_car_facts:
        _inventory_parts(draft)  # "ik ruil mijn astra in en zoek een niro": the Niros too
    if request.trade_in_reply and draft.intent != "trade_in":
        draft.parts.append(request.trade_in_reply)
    elif extraction.has_trade_in and draft.intent != "trade_in" and not _NO_TRADE_IN.search(draft.text):
        draft.parts.append(service.trade_in_request(draft.dealer, _trade_in_known(request))
                           + " Een inruilprijs noem ik hier niet; die maakt een collega na het bekijken.")


_TRADE_IN_VALUE = re.compile(r"\b(bieden|bied|ervoor|waard|inruil\w*|taxatie|taxeren)\b")
_SHORT_ANSWER = SHORT_ANSWER
_NO_WORDS = {"nee", "neen", "nope", "nah"}
_NO_TRADE_IN = re.compile(r"\b(geen|niet|nee)\b[^.?!]{0,25}\b(inruil\w*|in te ruilen)")


def _answer_to_our_question(draft: _Draft, key: str | None, yes: bool) -> None:
    """A short "ja"/"nee" to the question we just asked: act on it, then ask the next thing."""
    draft.intent = "car_inquiry" if draft.request.context.last_cars else "financing_inquiry"
    if key == "trade_in" and yes:
        draft.parts.append("Top! " + service.trade_in_request(draft.dealer, _trade_in_known(draft.request))
                           + " Een inruilprijs noem ik hier niet; die maakt een collega na het bekijken.")
        draft.intent = "trade_in"
    elif key == "visit" and yes:
        _test_drive_parts(draft, brief=True)
    elif key == "trade_in":
        draft.parts.append("Helder, dan gaan we uit van een aankoop zonder inruil.")
    elif key == "visit":
        draft.parts.append(f"Geen probleem! Je bent altijd welkom om te komen kijken; we zijn open {compact_hours(draft.dealer)}.")
    else:
        draft.parts.append(draft.vary.pick("Helder, dank je!", "Duidelijk, dank je!"))


def _wants_visit(draft: _Draft) -> bool:
    """A test drive asked, or "ik kom morgen om 10 uur langs" (a day and coming over)."""
    extraction = draft.request.extraction
    return extraction.test_drive_requested or bool(
        extraction.preferred_day and re.search(r"\b(langs\w*|kom|komen|kijken|bekijken|bezichtig\w*)\b", draft.text))


def _greet_first(draft: _Draft) -> None:
    request = draft.request
    if request.router.intent == "greeting" or any(turn.role == "bot" for turn in request.context.history):
        return
    name = request.extraction.customer_name or request.context.customer_name
    who = f" {name}" if name else ""
    opener = draft.vary.pick(f"Hoi{who}! 👋", f"Hallo{who}!", f"Hoi{who}, leuk dat je ons appt!")
    if draft.parts and not draft.parts[0].startswith("Ik help je graag"):
        draft.parts[0] = f"{opener} {draft.parts[0]}"
    else:
        draft.parts.insert(0, opener)


def _one_emoji(text: str) -> str:
    seen = False

    def keep_first(match: re.Match[str]) -> str:
        nonlocal seen
        if seen:
            return ""
        seen = True
        return match.group(0)

    return re.sub(r" +(?=[\n.!?,]|$)", "", _EMOJI.sub(keep_first, text))


# --- handoff -----------------------------------------------------------------
def _handoff(request: ReplyRequest, vary: _Variety) -> ConversationOutput:
    name = request.extraction.customer_name or request.context.customer_name
    decision = request.expertise.escalation_decision
    who = f", {name}" if name else ""
    reason = decision.reason or ""
    if decision.escalation_type == "manager":
        first = vary.pick(f"Wat vervelend dat het zo gelopen is{who}. Dat nemen we serieus.",
                          f"Het spijt me dat je dit zo ervaart{who}; we willen dit goed oplossen.")
    elif decision.escalation_type == "technical_specialist":
        first = vary.pick(f"Vervelend dat er iets mis is met je auto{who}! Daar gaan we je mee helpen.",
                          f"Balen dat je auto niet doet wat hij moet doen{who}. Dat lossen we samen op.")
    elif decision.escalation_type == "finance_advisor":
        first = vary.pick(f"Dank je dat je dit meteen vertelt{who}; zo kunnen we goed met je meedenken.",
                          f"Goed dat je het aangeeft{who}. Hier kijken we graag persoonlijk naar.")
    elif "kopen" in reason:
        first = vary.pick(f"Wat leuk{who}! 🎉 Dan gaan we dat samen regelen.", f"Top{who}, mooie keuze! 🎉")
    elif "niet begrepen" in reason:
        first = "Sorry, ik begrijp je nog steeds niet goed en wil je niet laten wachten."
    else:
        first = vary.pick(f"Natuurlijk{who}!", f"Dat regelen we{who}!")
    parts = [first, request.escalation_handoff or ""]
    if decision.escalation_type == "finance_advisor":
        parts.append(CREDIT_WARNING)
    return ConversationOutput(response_text="\n\n".join(p for p in parts if p), handoff=True, backend="rules")


# --- inventory -----------------------------------------------------------------
def _identified(request: ReplyRequest, car: Car) -> bool:
    """Did the customer point at this exact car (discussed before, kenteken or link)?"""
    if any(c.id == car.id for c in request.context.last_cars):
        return True
    compact = re.sub(r"[\s-]", "", request.text.lower())
    plate = re.sub(r"[\s-]", "", (car.license_plate or "").lower())
    if (plate and plate in compact) or (car.url and car.url.lower() in request.text.lower()):
        return True
    # "staat die golf 1.5 tsi life business nog?": the variant singles it out from the others
    said = set(re.findall(r"[a-z0-9.]+", normalize(request.text)))

    def overlap(other: Car) -> int:
        return len(said & set(re.findall(r"[a-z0-9.]+", normalize(other.variant or ""))))

    others = [m.car for m in request.inventory.matches if m.car.id != car.id] if request.inventory else []
    return overlap(car) >= 2 and all(overlap(car) > overlap(other) for other in others)


def _inventory_parts(draft: _Draft) -> None:
    request, vary = draft.request, draft.vary
    inventory = request.inventory
    preferences = request.extraction.car_preferences
    dealer = draft.dealer
    if inventory is None:
        size = f"zo'n {dealer.stock_size_hint} " if dealer.stock_size_hint else ""
        draft.parts.append(f"Ons complete aanbod ({size}occasions) staat op {dealer.website}.")
        return
    asked = inventory.asked_car
    asks = request.extraction.asks_availability
    others = [m.car for m in inventory.matches if not asked or m.car.id != asked.id]
    if asks and inventory.availability == "sold" and asked:
        draft.parts.append(vary.pick(f"Die {asked.title} is helaas verkocht 😕", f"Helaas, die {asked.title} is al verkocht."))
        if others:
            draft.parts.append("Misschien is een van deze iets voor je:\n" + car_list(others))
            draft.show(others[:MAX_LISTED])
        else:
            draft.parts.append("Ik heb nu geen vergelijkbare auto; zal ik breder zoeken, bijvoorbeeld een ander merk of budget?")
        return
    if asks and inventory.availability == "available" and asked:
        in_stock = 1 + (0 if inventory.relaxed else inventory.total_found)  # relaxed ones are not what was asked
        if _identified(request, asked) or in_stock == 1:
            draft.parts.append(vary.pick(f"Goed nieuws: de {asked.title} staat er nog! 👍", f"Ja, de {asked.title} is nog beschikbaar."))
            draft.parts.append(car_line(asked))
            draft.show([asked])
            return
        # "staat die golf nog?" without knowing which one: never pick one arbitrarily.
        listed = [asked] + others
        name = " ".join(p for p in (asked.make, preferences.model or asked.model) if p)
        draft.parts.append(f"Van de {name} hebben we er nu {in_stock} staan"
                           + (f"; dit zijn er {min(MAX_LISTED, len(listed))}:" if in_stock > MAX_LISTED else ":")
                           + "\n" + car_list(listed))
        draft.parts.append("Welke bedoel je? Stuur gerust de link of het kenteken, dan kijk ik het voor je na.")
        draft.show(listed[:MAX_LISTED])
        return
    if asks and inventory.availability == "unknown":
        draft.parts.append("Die auto kan ik in ons actuele aanbod niet terugvinden, dus ik weet niet zeker of hij er nog staat.")
    cars = [m.car for m in inventory.matches]
    nothing_asked = request.context.preferences.merged_with(preferences).is_empty()
    if cars and nothing_asked:
        # No wish to match (yet): show some stock without claiming it fits, and point to the full list.
        draft.parts.append(vary.pick("Een greep uit onze nieuwste occasions:", "Dit zijn een paar van onze nieuwste occasions:")
                           + "\n" + car_list(cars) + f"\nHet hele aanbod, te sorteren op prijs, staat op {dealer.website}.")
        draft.show(cars[:MAX_LISTED])
    elif cars:
        if inventory.relaxed:
            intro = (f"Precies een {describe(preferences)} heb ik nu niet; deze komen het dichtst in de buurt"
                     f"{relaxed_note(inventory.relaxed)}:")
        elif inventory.total_found > MAX_LISTED:
            intro = vary.pick(f"Ik heb {inventory.total_found} passende auto's; dit zijn de beste {MAX_LISTED}:",
                              f"Er passen er {inventory.total_found} bij je wensen, bijvoorbeeld deze {MAX_LISTED}:")
        elif len(cars) == 1:
            intro = vary.pick("Ik heb er nu één voor je:", "Deze past bij wat je zoekt:")
        else:
            intro = vary.pick("Dit heb ik op dit moment voor je:", "Deze passen bij wat je zoekt:", "Kijk eens naar deze:")
        draft.parts.append(intro + "\n" + car_list(cars))
        draft.show(cars[:MAX_LISTED])
    else:
        draft.parts.append(f"Op dit moment heb ik helaas geen {describe(preferences)} in de voorraad.")
        draft.parts.append("Zal ik breder zoeken, bijvoorbeeld met een ander merk, een ruimer budget of een ouder bouwjaar?")


# --- per intent ----------------------------------------------------------------
def _car_inquiry(draft: _Draft) -> None:
    request = draft.request
    context, extraction = request.context, request.extraction
    nothing_new = context.preferences.merged_with(extraction.car_preferences) == context.preferences
    knowledge = [s.text for s in request.expertise.knowledge]
    if context.last_cars and nothing_new and knowledge and _QUESTION.search(draft.text) \
            and not (extraction.asks_availability or extraction.asks_monthly_payment):
        draft.parts.extend(knowledge[:1])  # "kan ik hem thuis laden?": answer it, don't list the cars again
        draft.answered_car_facts = True
        return
    _inventory_parts(draft)
    technical = [s for s in request.expertise.knowledge if s.module == "technical"]
    # "liefst automaat" or "een automaat tot 15k?" is a search wish, not a question about DSG.
    technical = [s.text for s in technical if s.topic != "automatic_gearbox" or _GEARBOX_QUESTION.search(draft.text)]
    if technical and _QUESTION.search(draft.text):
        draft.parts.append(technical[0])
    if draft.request.extraction.asks_monthly_payment:
        draft.parts.extend(_payment_parts(draft))


def _focus_car(draft: _Draft) -> Car | None:
    inventory = draft.request.inventory
    if draft.cars:
        return draft.cars[0]
    if inventory and inventory.asked_car and inventory.availability != "sold":
        return inventory.asked_car
    focus = cars_in_question(draft.request.context, draft.request.extraction, draft.text)
    if focus and not names_a_new_car(draft.request.extraction, draft.request.context, draft.text):
        return focus[0]
    if inventory and inventory.matches and not inventory.relaxed and inventory.total_found == 1:
        return inventory.matches[0].car
    return None


def _payment_parts(draft: _Draft) -> list[str]:
    draft.payment_done = True
    dealer = draft.dealer
    finance = dealer.financing
    car = _focus_car(draft)
    # a loan's principal or a listed price is no budget (not in max_price), but it is the amount asked about
    price = car.price_eur if car and car.price_eur and not car.price_is_monthly else (
        draft.request.extraction.car_preferences.max_price or financed_amount(draft.request.text, draft.now.year))
    if not price:
        return ["Voor welke auto of welk bedrag wil je het maandbedrag weten? Dan reken ik het voor je uit."]
    months, down = financing_wishes(draft.text, draft.request.context)
    notes = []
    if months is not None and not finance.min_months <= months <= finance.max_months:
        notes.append(f"Een looptijd van {months} maanden kan niet; het kan van {finance.min_months} tot {finance.max_months} maanden.")
        months = financial.clamp_term(months, dealer)
    subject = f"de {car.title} ({format_eur(price)})" if car and car.price_eur == price else f"een auto van {format_eur(price)}"
    if down is not None and down >= price:
        return [f"Met {format_eur(down)} aanbetaling betaal je {subject} helemaal zelf; financieren is dan niet nodig."]
    example = financial.example_payment(price, dealer, months, down)
    if example is None:
        return [f"Financieren kan vanaf {format_eur(finance.min_amount_eur)}, dus voor {subject}"
                + (" met die aanbetaling" if down else "") + " is een lening niet nodig."]
    if car and car.price_eur == price:
        draft.show([car])
    condition = (f"met {format_eur(down)} aanbetaling (je financiert dan {format_eur(example.principal_eur)})"
                 if down else "zonder aanbetaling")
    text = (f"Rekenvoorbeeld voor {subject}, {condition}: bij {example.months} maanden en "
            f"{format_rate(example.annual_rate_percent)} JKP is dat ongeveer {format_eur(example.monthly_payment_eur, cents=True)} "
            f"per maand (totaal {format_eur(example.total_eur, cents=True)}).")
    if months is None and down is None:
        text += " Een andere looptijd of aanbetaling kan ook."
    return notes + [text, CREDIT_WARNING]


def _financing(draft: _Draft) -> None:
    request = draft.request
    topics = {s.topic: s.text for s in request.expertise.knowledge if s.module == "financial"}
    months, down = financing_wishes(draft.text, _no_history(request))
    if _focus_car(draft) is None and _wants_new_car(draft):
        _inventory_parts(draft)  # "kia niro ev, kan ik die financieren?": show which Niro the example is for
    about_a_car = _focus_car(draft) and not topics.keys() - {"financing_options", "monthly_payment"}
    if request.extraction.asks_monthly_payment or months is not None or down is not None or about_a_car:
        draft.parts.extend(_payment_parts(draft))
    for topic in ("interest_rate", "bkr", "personal_loan", "huurkoop", "private_lease", "financial_lease"):
        if topic in topics:
            draft.parts.append(topics[topic])
            break
    if not draft.parts:
        draft.parts.append(topics.get("financing_options") or financial.knowledge_for("financiering", draft.dealer)[0].text)


def _wants_new_car(draft: _Draft) -> bool:
    """The message names a car to buy (not the trade-in) and the search found some."""
    named = named_now(draft.request.extraction, draft.text)
    inventory = draft.request.inventory
    return bool((named.make or named.model) and inventory and inventory.matches and not draft.cars)


def _trade_in_known(request: ReplyRequest) -> set[str]:
    """Trade-in details the customer gave, in this message or earlier ones: never ask twice."""
    vehicle = request.extraction.trade_in_vehicle
    have: set[str] = set()
    if vehicle and vehicle.license_plate:
        have.add("kenteken")
    if vehicle and vehicle.mileage_km:
        have.add("kilometerstand")
    for turn in request.context.history:
        if turn.role == "customer":
            text = normalize(turn.text)
            if find_plates(text):
                have.add("kenteken")
            if re.search(r"\d[\d.]*\s*(km|kilometer)", text):
                have.add("kilometerstand")
    return have


def _trade_in(draft: _Draft) -> None:
    if draft.request.trade_in_reply:
        draft.parts.append(draft.request.trade_in_reply)
        return
    vehicle = draft.request.extraction.trade_in_vehicle
    car = ""
    if vehicle and (vehicle.make or vehicle.model):
        car = " je " + " ".join(p for p in (vehicle.make, vehicle.model) if p) + (f" uit {vehicle.year}" if vehicle.year else "")
    if draft.said_before("inruilvoorstel"):
        asks_value = re.search(r"\b(waard|waarde|bieden|bied|geven|inruilprijs|prijs)\b", draft.text)
        first = "Een inruilwaarde kan ik hier niet noemen." if asks_value else "Dank je!"
        draft.parts.append(f"{first} {service.trade_in_request(draft.dealer, _trade_in_known(draft.request))}")
        return
    draft.parts += [
        draft.vary.pick(f"Inruilen kan zeker!{car and ' Leuk,' + car + ' nemen we graag in behandeling.'}",
                        f"Je kunt{car or ' je auto'} zeker bij ons inruilen 👍"),
        service.trade_in_request(draft.dealer, _trade_in_known(draft.request))
        + " Een inruilprijs noem ik hier niet: die maakt een collega pas na het bekijken van de gegevens.",
    ]


def _test_drive_parts(draft: _Draft, brief: bool) -> None:
    """When we are open that day, which car and what time, what to bring; a colleague confirms."""
    if draft.request.test_drive_note and not draft.test_drive_done:
        draft.parts.append(draft.request.test_drive_note)  # the booking itself: slots or a confirmation
        draft.test_drive_done = True
        return
    dialogue = draft.request.context.test_drive
    if dialogue.open_question or dialogue.bookings:  # a booking under way: what to bring, and our open question
        drive = draft.dealer.test_drive
        line = f"Neem {drive.bring} mee; de proefrit duurt zo'n {drive.duration_minutes} minuten."
        if dialogue.open_question == "car":
            line += " Welke auto wil je proberen? Zeg maar het nummer, dan zet ik hem vast."
        elif dialogue.open_question == "slot":
            line += " Welke van de tijden past je het best?"
        draft.parts.append(line)
        draft.test_drive_done = True
        return
    draft.test_drive_done = True
    request, dealer = draft.request, draft.dealer
    extraction = request.extraction
    day = extraction.preferred_day
    when = resolve_day(day, draft.now.astimezone(dealer.tz).date()) if day else None
    lines = []
    if brief:
        lines.append(draft.vary.pick("Een proefrit maken kan zeker!", "Proefrijden kan natuurlijk!"))
    if when is not None:
        lines.append(day_hours_sentence(dealer, day, when))
    else:
        lines += _once(draft, f"We zijn open {compact_hours(dealer)}.")
    candidates = draft.cars or cars_in_question(request.context, extraction, draft.text)
    if not candidates and request.inventory and request.inventory.asked_car and request.inventory.availability == "available":
        candidates = [request.inventory.asked_car]
    focus = candidates[0] if len(candidates) == 1 else None  # several cars: ask which one
    asks = []
    if focus is None:
        asks.append("welke auto je wilt proberen")
    if not (extraction.preferred_time and (when is None or dealer.hours_on(when))):
        asks.append("hoe laat het je uitkomt")
    if focus is not None:
        draft.show([focus])
        lines.append(f"Dan kun je de {focus.title} proberen.")
    time_known = "hoe laat het je uitkomt" not in asks and extraction.preferred_time
    if time_known:
        lines.append(f"Ik geef je voorkeur voor {extraction.preferred_time} door; een collega bevestigt de afspraak.")
    if asks:
        lines.append(f"Laat je me weten {' en '.join(asks)}?" + ("" if time_known else " Een collega bevestigt daarna de afspraak."))
    drive = dealer.test_drive
    lines += _once(draft, f"Neem {drive.bring} mee; een proefrit duurt zo'n {drive.duration_minutes} minuten.")
    if not brief and not draft.said_before(re.escape(dealer.address.street)):
        lines += _once(draft, f"Je vindt ons op {dealer.address.one_line()}.")
    draft.parts.append(" ".join(lines))


def _once(draft: _Draft, sentence: str) -> list[str]:
    """Boilerplate (hours, what to bring, the address) once per chat; asked for again, it is the answer."""
    return [] if said_sentence(draft.request.context, sentence) else [sentence]


def _test_drive(draft: _Draft) -> None:
    dialogue = draft.request.context.test_drive
    if dialogue.open_question or dialogue.bookings:
        _test_drive_parts(draft, brief=True)  # mid-booking: no new pitch
        return
    if _wants_new_car(draft) and not cars_in_question(draft.request.context, draft.request.extraction, draft.text):
        _inventory_parts(draft)  # "kan ik zaterdag een golf proefrijden?": which Golfs there are first
    draft.parts.append(draft.vary.pick("Een proefrit is zeker mogelijk! 🚗", "Proefrijden kan zeker!"))
    _test_drive_parts(draft, brief=False)


def _service(draft: _Draft) -> None:
    snippets = [s.text for s in draft.request.expertise.knowledge if s.module in ("service", "technical")]
    if not snippets:
        snippets = [f"Daar help ik je graag mee. Voor onderhoud en reparaties kun je ons bellen op {draft.dealer.phone}."]
    draft.parts.extend(snippets[:2])


def _price_negotiation(draft: _Draft) -> None:
    dealer = draft.dealer
    draft.parts.append(draft.vary.pick(
        "Onze prijzen zijn scherp gezet en gelden zoals vermeld; korting kan ik via WhatsApp niet geven.",
        "We houden de prijzen scherp, dus zoals vermeld; onderhandelen via de app doe ik niet."))
    focus = _focus_car(draft)
    if focus and focus.price_eur and not focus.price_is_monthly:
        draft.parts.append(f"De {focus.title} staat voor {format_eur(focus.price_eur)}, inclusief "
                           f"{dealer.warranty.bovag_months} maanden BOVAG-garantie.")
        draft.show([focus])
    draft.parts.append("Kom gerust langs voor een proefrit: in de showroom kun je alles met een verkoper bespreken, ook een eventuele inruil.")


def _complaint(draft: _Draft) -> None:
    draft.parts += [
        "Wat vervelend om te horen, het spijt me dat het zo gelopen is.",
        f"Bel ons gerust direct op {draft.dealer.phone} (of mail {draft.dealer.email}), dan zoeken we samen naar een oplossing.",
    ]


def _hours_answer(draft: _Draft) -> str:
    """The day asked first; the whole week only when asked for all hours (or no day given)."""
    dealer, extraction = draft.dealer, draft.request.extraction
    day = extraction.preferred_day
    when = resolve_day(day, draft.now.astimezone(dealer.tz).date()) if day else None
    lines = []
    if when is not None:
        lines.append(day_hours_sentence(dealer, day, when))
    if asks_open_now(draft.text) or when is None:
        lines.append(open_now_sentence(dealer, draft.now))
    if wants_all_hours(draft.text) or when is None:
        lines.append(f"Onze openingstijden: {compact_hours(dealer)}.")
    return " ".join(lines)


def _general_info(draft: _Draft) -> None:
    dealer = draft.dealer
    topics = {s.topic for s in draft.request.expertise.knowledge if s.module == "service"}
    asked_day = draft.request.extraction.preferred_day is not None
    if "opening_hours" in topics or asked_day or not topics:
        draft.parts.append(_hours_answer(draft))
    if "location" in topics or not (topics or asked_day) or (asked_day and not draft.said_before(re.escape(dealer.address.street))):
        draft.parts.append(f"Je vindt ons op {dealer.address.one_line()}.")
    if re.search(r"\b(telefoon\w*|nummer|bellen|mail\w*)\b", draft.text):
        draft.parts.append(f"Bellen kan op {dealer.phone}, mailen naar {dealer.email}.")
    if re.search(r"\b(hoeveel\s+auto|aanbod|voorraad|website)\b", draft.text):
        size = f"zo'n {dealer.stock_size_hint} " if dealer.stock_size_hint else ""
        draft.parts.append(f"We hebben {size}occasions; alles staat op {dealer.website}.")
    for topic in ("warranty", "delivery", "nap", "apk"):
        snippet = next((s.text for s in draft.request.expertise.knowledge if s.topic == topic), None)
        if snippet:
            draft.parts.append(snippet)


_SALUTATION = re.compile(r"\b(?:goede|goeie|goeden)?(morgen|middag|avond)\b")


def _greeting(draft: _Draft) -> None:
    request, vary = draft.request, draft.vary
    name = request.extraction.customer_name or request.context.customer_name
    who = f" {name}" if name else ""
    if re.match(r"\W*(bedankt|dank|thanks|thx|top|super|prima|ok|oke|okay|fijne|tot\s+ziens|doei)", draft.text):
        draft.parts.append(vary.pick(f"Graag gedaan{who}! 😊", f"Graag gedaan{who}, fijne dag!"))
        return
    salutation = _SALUTATION.search(draft.text)
    hello = {"morgen": "Goedemorgen", "middag": "Goedemiddag", "avond": "Goedenavond"}.get(
        salutation.group(1) if salutation else "")
    hello = hello or vary.pick("Hoi", "Hallo", "Hey")
    if any(turn.role == "bot" for turn in request.context.history):
        draft.parts.append(f"{hello}{who}, welkom terug! Waar kan ik je nu mee helpen?")
        return
    draft.parts.append(vary.pick(
        f"{hello}{who}! 👋 Welkom bij {draft.dealer.name}. Waar kan ik je mee helpen?",
        f"{hello}{who}, fijn dat je ons appt! Zoek je een auto, of heb je een vraag over een van onze occasions?",
        f"{hello}{who}! Leuk dat je contact opneemt met {draft.dealer.name}. Waarmee kan ik je helpen?",
    ))


def _other(draft: _Draft) -> None:
    if draft.request.expertise.knowledge:  # "wat is het verschil tussen dsg en cvt?": we do know that
        _service(draft)
        return
    draft.parts += [
        draft.vary.pick("Sorry, dat begrijp ik niet helemaal.", "Hmm, die vraag snap ik niet goed."),
        "Kun je het anders zeggen? Ik help je met ons aanbod, financiering, inruil of een proefrit.",
    ]


_HANDLERS = {
    "car_inquiry": _car_inquiry,
    "financing_inquiry": _financing,
    "trade_in": _trade_in,
    "test_drive": _test_drive,
    "service_inquiry": _service,
    "price_negotiation": _price_negotiation,
    "complaint": _complaint,
    "general_info": _general_info,
    "greeting": _greeting,
    "other": _other,
}
