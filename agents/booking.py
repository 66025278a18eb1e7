"""Booking a test drive in the chat (pure): which car, which slot, what to say.

The conversation asks `plan_booking` with the message's BookingCue (from the rules engine
or Claude's structured output), the dialogue so far and the free slots; it answers with an
action (offer, book, move, cancel, ask which car) and the exact Dutch sentences. The
activity that calls it holds, moves or cancels the booking in the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, Field

from agents import slots as slot_rules
from agents.booking_models import BookedDrive, BookingCue, CarOption, TestDriveDialogue
from agents.knowledge.dealer import DUTCH_WEEKDAYS, DealerFacts
from agents.models import Car, ConversationContext, ExtractionOutput, InventorySearchResult
from agents.rules.phrases import Phrase, say, spoken_language
from agents.rules.spoken_dates import capitalised, day_date
from agents.rules.spoken_dates import day_time as spoken_day_time
from agents.rules.text import normalize
from agents.when import WhenWish, resolve

PlanAction = Literal["none", "ask_car", "offer", "book", "move", "cancel", "full"]
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")

_CANCEL = re.compile(
    r"\b(kan\s+(?:toch\s+)?niet(?:\s+komen)?|toch\s+niet|annuleer\w*|afzeggen|zeg\s+\w+\s+af|gaat\s+(?:toch\s+)?niet\s+door|"
    r"lukt\s+(?:me\s+|mij\s+|ons\s+)?(?:toch\s+)?niet|moet\s+(?:\w+\s+)?afzeggen|cancel\w*|laat\s+maar\s+zitten|verhinderd)\b")
_MOVE = re.compile(
    r"\b(verzet\w*|verplaats\w*|omzetten|ander(?:e)?\s+(?:dag|tijd|moment)|kan\s+het\s+(?:ook\s+)?\w+.*\bworden|"
    r"kan\s+het\s+(?:ook\s+|niet\s+)?(?:op|om|rond|eerder|later|morgen|overmorgen|\w+dag)|"
    r"(?:liever|toch)\s+(?:op\s+)?(?:\w+dag|morgen|overmorgen|om|rond|later|eerder|\d)|schuiven|later\s+op\s+de\s+dag|eerder\s+op\s+de\s+dag)\b")
# "dit is toch niet normaal": a grievance, never a cancellation ("toch niet" alone proves nothing)
_GRIEVANCE = re.compile(r"\b(?:toch\s+)?niet\s+(?:normaal|oke|ok|eerlijk|redelijk|netjes|te\s+geloven)\b|\bbelachelijk|\bschandalig|"
                        r"\bzo\s+lang\s+(?:duurt|duren)|\bwaarom\s+duurt")
_ORDINALS = {"eerste": 1, "eerst": 1, "1e": 1, "tweede": 2, "2e": 2, "derde": 3, "3e": 3, "laatste": -1, "middelste": 2}
_ORDINAL = re.compile(r"\b(?:de|die|optie|nummer|nr\.?)?\s*(eerste|tweede|derde|laatste|middelste|1e|2e|3e)\b|^\s*(?:optie\s+|nummer\s+)?([123])\s*[.!)]?\s*$")
_YES = re.compile(r"^\s*(ja+|jazeker|prima|graag|top|goed|oke?|ok(?:ay)?|doe\s+maar|perfect|is\s+goed|klinkt\s+goed|super)\b")
_WEEKDAY_ONLY = re.compile(r"\b(" + "|".join(DUTCH_WEEKDAYS) + r")\b")
_DATE_GIVEN = re.compile(r"\d{1,2}\s*[-/]\s*\d{1,2}|\d{1,2}\s+[a-z]{3}|volgende\s+week|komende\s+week")
_ANY_MOMENT = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
_BACK_TO_BACK = re.compile(r"\b(direct|meteen|gelijk)\s+(?:daar\s*)?(?:na|erna|achteraan|daarna)\b|\baansluitend\b|\berachteraan\b|\bdirect\s+daarna\b|\bin\s+een\s+keer\b|\btegelijk\b")


# --- what the customer is told (Dutch "je"/"u", English, German) ------------------------------
STILL_ROOM = Phrase(nl="{when} heb ik nog plek.", en="I still have a slot on {when}.", de="{when} ist noch ein Termin frei.")
NOTED = Phrase(nl="Genoteerd!", en="Noted!", de="Notiert!")
STILL_FREE = Phrase(nl="{when} is nog vrij.", en="{when} is still free.", de="{when} ist noch frei.")
BOOK_WHEN_CHOSEN = Phrase(nl="Ik zet de proefrit vast zodra ik weet welke {name} je wilt proberen: {numbers}?",
                          nl_u="Ik zet de proefrit vast zodra ik weet welke {name} u wilt proberen: {numbers}?",
                          en="I'll book the test drive as soon as I know which {name} you'd like to try: {numbers}?",
                          de="Ich trage die Probefahrt ein, sobald ich weiß, welchen {name} Sie fahren möchten: {numbers}?")
WHICH_ONE = Phrase(nl="Leuk, een proefrit! Welke wil je proberen?", nl_u="Leuk, een proefrit! Welke wilt u proberen?",
                   en="Great, a test drive! Which one would you like to try?", de="Schön, eine Probefahrt! Welchen davon möchten Sie fahren?")
ALSO_BOOKED = Phrase(nl="Top, die staat er ook bij! 🚗 {when} rijd je in de {title}, in hetzelfde bezoek.",
                     nl_u="Top, die staat er ook bij! 🚗 {when} rijdt u in de {title}, in hetzelfde bezoek.",
                     en="Great, that one's added too! 🚗 {when} you'll drive the {title}, in the same visit.",
                     de="Prima, der ist auch eingetragen! 🚗 {when} fahren Sie den {title}, beim selben Besuch.")
FULLY_BOOKED = Phrase(
    nl="Binnen de komende {days} dagen is er helaas geen plek meer voor een proefrit in de {title}. "
       "Bel ons gerust op {phone}, dan zoeken we samen een moment.",
    nl_u="Binnen de komende {days} dagen is er helaas geen plek meer voor een proefrit in de {title}. "
         "Belt u ons gerust op {phone}, dan zoeken we samen een moment.",
    en="I'm afraid there are no test-drive slots left for the {title} in the next {days} days. "
       "Give us a call on {phone} and we'll find a time together.",
    de="In den nächsten {days} Tagen ist für den {title} leider kein Probefahrt-Termin mehr frei. "
       "Rufen Sie uns gern unter {phone} an, dann finden wir gemeinsam einen Termin.",
)
TAKEN = Phrase(nl="{when} is helaas al bezet voor de {title}. ", en="{when} is already taken for the {title}, I'm afraid. ",
               de="{when} ist für den {title} leider schon belegt. ")
CLOSED_THEN = Phrase(nl="{day} zijn we gesloten. ", en="We're closed on {day}. ", de="Am {day} haben wir geschlossen. ")
OFFER_TIMES = Phrase(nl="Ik kan je deze tijden aanbieden", nl_u="Ik kan u deze tijden aanbieden", en="I can offer you these times",
                     de="Ich kann Ihnen diese Zeiten anbieten")
OFFER_TIMES_FOR = Phrase(nl="Voor een proefrit in de {title} kan ik je deze tijden aanbieden",
                         nl_u="Voor een proefrit in de {title} kan ik u deze tijden aanbieden",
                         en="For a test drive in the {title} I can offer you these times",
                         de="Für eine Probefahrt im {title} kann ich Ihnen diese Zeiten anbieten")
WHICH_SUITS = Phrase(nl="Welke past je het best?", nl_u="Welke past u het best?", en="Which of these times suits you best?",
                     de="Welcher Termin passt Ihnen am besten?")
NO_OTHER_SLOT = Phrase(nl="Ik vind helaas geen ander vrij moment; je proefrit blijft staan op {when}.",
                       nl_u="Ik vind helaas geen ander vrij moment; uw proefrit blijft staan op {when}.",
                       en="I'm afraid I can't find another free slot; your test drive stays on {when}.",
                       de="Ich finde leider keinen anderen freien Termin; Ihre Probefahrt bleibt am {when}.")
CANNOT_THEN = Phrase(nl="{when} lukt helaas niet", en="{when} doesn't work, I'm afraid", de="{when} geht leider nicht")
CAN_MOVE = Phrase(nl="Verzetten kan", en="Moving it is no problem", de="Verschieben geht")
MOVE_TO = Phrase(nl="{lead}. Je proefrit staat nu op {current}; ik kan hem verzetten naar:\n{lines}\nWelke wordt het?",
                 nl_u="{lead}. Uw proefrit staat nu op {current}; ik kan hem verzetten naar:\n{lines}\nWelke wordt het?",
                 en="{lead}. Your test drive is now on {current}; I can move it to:\n{lines}\nWhich time works for you?",
                 de="{lead}. Ihre Probefahrt ist jetzt am {current}; ich kann sie verschieben auf:\n{lines}\nWelcher Termin soll es sein?")
MOVED = Phrase(nl="Geen probleem! Ik heb je proefrit in de {title} verzet naar {new}. De oude afspraak op {old} vervalt.",
               nl_u="Geen probleem! Ik heb uw proefrit in de {title} verzet naar {new}. De oude afspraak op {old} vervalt.",
               en="No problem! I've moved your test drive in the {title} to {new}. The old appointment on {old} is cancelled.",
               de="Kein Problem! Ich habe Ihre Probefahrt im {title} auf {new} verschoben. Der alte Termin am {old} entfällt.")
CANCELLED = Phrase(nl="Jammer, maar geen probleem: ik heb je proefrit van {when} in de {title} geannuleerd.",
                   nl_u="Jammer, maar geen probleem: ik heb uw proefrit van {when} in de {title} geannuleerd.",
                   en="Shame, but no problem: I've cancelled your test drive in the {title} on {when}.",
                   de="Schade, aber kein Problem: Ich habe Ihre Probefahrt im {title} am {when} storniert.")
ANOTHER_TIME = Phrase(nl=" Wil je een ander moment? Dit zijn de eerstvolgende vrije tijden:\n{lines}\nOf noem een dag die je beter uitkomt.",
                      nl_u=" Wilt u een ander moment? Dit zijn de eerstvolgende vrije tijden:\n{lines}\nOf noemt u een dag die u beter uitkomt.",
                      en=" Would you like another time? These are the next free slots:\n{lines}\nOr name a day that suits you better.",
                      de=" Möchten Sie einen anderen Termin? Das sind die nächsten freien Zeiten:\n{lines}\nOder nennen Sie mir einen Tag, der Ihnen besser passt.")
HELD_FOR_YOU = Phrase(nl="Ik heb {when} voor je vastgezet voor een proefrit in de {title}. Een collega bevestigt de afspraak nog even.",
                      nl_u="Ik heb {when} voor u vastgezet voor een proefrit in de {title}. Een collega bevestigt de afspraak nog even.",
                      en="I've reserved {when} for a test drive in the {title}. A colleague will confirm the appointment shortly.",
                      de="Ich habe Ihnen den Termin am {when} für eine Probefahrt im {title} reserviert. Ein Kollege bestätigt ihn noch kurz.")
BOOKED = Phrase(nl="Top, je proefrit staat vast! 🚗 {when} in de {title}.", nl_u="Top, uw proefrit staat vast! 🚗 {when} in de {title}.",
                en="Great, your test drive is booked! 🚗 {when} in the {title}.", de="Prima, Ihre Probefahrt steht! 🚗 {when} im {title}.")
WELCOME_BRING = Phrase(nl="Je bent welkom bij {dealer}, {address}.\nNeem {bring} mee; de proefrit duurt zo'n {minutes} minuten.",
                       nl_u="U bent welkom bij {dealer}, {address}.\nNeemt u {bring} mee; de proefrit duurt zo'n {minutes} minuten.",
                       en="We'll see you at {dealer}, {address}.\nPlease bring {bring}; the test drive takes about {minutes} minutes.",
                       de="Wir freuen uns auf Sie bei {dealer}, {address}.\nBitte bringen Sie {bring} mit; die Probefahrt dauert etwa {minutes} Minuten.")
OR_WORD = {"nl": "of", "en": "or", "de": "oder"}
A_CAR = {"nl": "auto", "en": "car", "de": "Wagen"}


class BookingPlan(BaseModel):
    action: PlanAction = "none"
    car: CarOption | None = None
    start: datetime | None = None  # the slot to book or move to
    end: datetime | None = None
    booking_id: str | None = None  # the booking moved or cancelled
    previous_start: datetime | None = None
    note: str | None = None  # what the customer is told, verbatim
    car_ids_named: list[str] = Field(default_factory=list)
    dialogue: TestDriveDialogue = Field(default_factory=TestDriveDialogue)


# --- the cue: what a message asks of the booking (rules engine) ---------------------------------
def booking_cue(text: str, context: ConversationContext | None, extraction: ExtractionOutput) -> BookingCue:
    dialogue = context.test_drive if context else TestDriveDialogue()
    if not (dialogue.open_question or dialogue.bookings or extraction.test_drive_requested):
        return BookingCue()  # most messages: nothing to do with a booking
    lowered = normalize(text)
    if _SEE_YOU.search(lowered):
        return BookingCue()  # "dank je, tot zaterdag!": a goodbye, not a new day
    option = _option(lowered)
    has_when = bool(extraction.preferred_day or extraction.preferred_time or _mentions_when(text))
    when_text = _with_day_referred_to(text, lowered, context) if has_when else None
    if dialogue.bookings and _CANCEL.search(lowered) and not has_when and not _GRIEVANCE.search(lowered):
        return BookingCue(action="cancel")
    moving = _MOVE.search(lowered) or _CANCEL.search(lowered) or not (dialogue.open_question or extraction.test_drive_requested)
    if dialogue.bookings and has_when and moving and not _names_other_car(extraction, dialogue, lowered):
        return BookingCue(action="move", when_text=when_text)
    if dialogue.open_question and (option or has_when or _YES.search(lowered)):
        return BookingCue(action="choose", when_text=when_text, option=option or (1 if _YES.search(lowered) and len(dialogue.offered) == 1 else None))
    named_model = (extraction.car_preferences.model or "").lower()
    if extraction.test_drive_requested or (dialogue.open_question and named_model and named_model in lowered) \
            or (dialogue.bookings and (_BACK_TO_BACK.search(lowered) or _names_other_car(extraction, dialogue, lowered))):
        return BookingCue(action="book", when_text=when_text, option=option)
    return BookingCue()


_SEE_YOU = re.compile(r"\b(?:tot|see you|bis)\s+(?:dan\s+|on\s+|am\s+|op\s+)?(?:maandag|dinsdag|woensdag|donderdag|vrijdag|"
                      r"zaterdag|zondag|morgen|straks|dan|then|later)\b")
_THAT_DAY = re.compile(r"\b(?:daar|dan|die\s+dag|op\s+die\s+dag|that\s+day|then|on\s+it|an\s+dem\s+tag|dann|da)\b")
_DAY_WORD = re.compile(r"\b(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|morgen|overmorgen|vandaag|\d{1,2}[-/]\d{1,2})\b")


def _with_day_referred_to(text: str, lowered: str, context: ConversationContext | None) -> str:
    """"kan ik daar dan een proefrit maken om 12 uur?" after "openingstijden op zaterdag?": Saturday at 12."""
    if context is None or _DAY_WORD.search(lowered) or not _THAT_DAY.search(lowered):
        return text
    earlier = next((turn for turn in reversed(context.history) if turn.role == "customer"), None)
    if earlier is None:
        return text
    day = _DAY_WORD.search(normalize(earlier.text))
    return f"{day.group(0)} {text}" if day else text


def _mentions_when(text: str) -> bool:
    """Whether the text names a day or a time at all (which one does not depend on the date)."""
    return not resolve(text, _ANY_MOMENT, timezone.utc).empty


def _option(lowered: str) -> int | None:
    match = _ORDINAL.search(lowered)
    if not match:
        return None
    if match[2]:
        return int(match[2])
    return _ORDINALS[match[1]]


def _names_other_car(extraction: ExtractionOutput, dialogue: TestDriveDialogue, lowered: str) -> bool:
    """The message itself names a model none of the bookings is for ("en dan de Golf")."""
    model = (extraction.car_preferences.model or "").lower()
    return bool(model and model in lowered and all(model not in b.car_title.lower() for b in dialogue.bookings))


# --- which car --------------------------------------------------------------------------------
def candidate_cars(
    extraction: ExtractionOutput, context: ConversationContext, inventory: InventorySearchResult | None,
    text: str | None = None,
) -> list[CarOption]:
    """The cars this request may be about, best first (one: that car; several: ask).
    A version the message names ("de tiguan r-line") that only one of them has picks that one."""
    focus = context.dialogue.car
    if focus is not None and extraction.named_search is None and not extraction.new_search \
            and any(car.id == focus.id for car in context.last_cars):
        # "die tweede" and then "ja graag" to the test drive: the car under discussion, no list again
        return [CarOption(id=focus.id, title=focus.title, make=focus.make, model=focus.model)]
    prefs = extraction.car_preferences
    found: list[Car] = []
    if inventory is not None:
        if inventory.asked_car is not None and inventory.availability != "sold":
            found.append(inventory.asked_car)
        found += [match.car for match in inventory.matches]
    if prefs.model or prefs.make:
        named = [car for car in found if _fits(car, prefs.make, prefs.model)]
        if named:
            found = named
        elif context.last_cars:
            found = [car for car in context.last_cars if _fits(car, prefs.make, prefs.model)] or found
    elif context.last_cars:
        found = list(context.last_cars) if extraction.refers_to_previous_car or not found else found
    unique = {car.id: car for car in found if not car.sold}
    options = [CarOption(id=car.id, title=car.title, make=car.make, model=car.model) for car in unique.values()][:5]
    if text and len(options) > 1 and (prefs.model or prefs.make):
        words = set(normalize(text).split())
        named_version = [option for option in options if words & _distinct_words(option, options)]
        if len(named_version) == 1:
            return named_version
    return options


def _fits(car: Car, make: str | None, model: str | None) -> bool:
    return (not make or car.make.lower() == make.lower()) and (not model or car.model.lower() == model.lower())


# --- the plan ---------------------------------------------------------------------------------
def plan_booking(
    *,
    cue: BookingCue,
    dialogue: TestDriveDialogue,
    candidates: list[CarOption],
    text: str,
    now: datetime,
    dealer: DealerFacts,
    free_for: Callable[[list[str], str | None], list[datetime]],
    confirm_by_staff: bool = False,
    language: str = "nl",
    form: str = "je",
) -> BookingPlan:
    """`free_for(car_ids, ignore_booking_id)` gives the free starts for those cars; the notes are in
    the customer's `language` and `form` of address."""
    tz = dealer.tz
    spoken = spoken_language(language)

    def said(phrase: Phrase, **fields) -> str:
        return say(phrase, spoken, form, **fields)
    wish = resolve(cue.when_text or "", now, tz) if cue.when_text else WhenWish()
    if cue.action == "cancel":
        return _cancel(dialogue, now, dealer, free_for, spoken, form)
    if cue.action == "move" and dialogue.bookings:
        return _move(dialogue, wish, candidates, now, dealer, free_for, cue.when_text or "", spoken, form)
    if cue.action == "none":
        return BookingPlan(dialogue=dialogue)

    car = _chosen_car(cue, dialogue, candidates, text)
    if car is None and len(candidates) > 1:
        options = candidates[:3]
        merged = wish.merged_over(dialogue.wish)
        state = dialogue.model_copy(update={"car": None, "car_options": options, "wish": merged, "open_question": "car", "offered": []})
        lines = [f"{index}. {option.title}" for index, option in enumerate(options, 1)]
        free_start = None
        if merged.day and merged.at:
            start = datetime.combine(merged.day, merged.at, tzinfo=tz)
            if slot_rules.is_free(start, free_for([], None)):
                free_start = capitalised(_day_time(start, tz, spoken))
        if dialogue.open_question == "car" and dialogue.car_options:
            # we listed them already: no second list; honest that nothing is booked yet
            noted = said(NOTED) if not wish.empty else ""
            free_now = said(STILL_FREE, when=free_start) if free_start else ""
            numbers = ", ".join(str(n) for n in range(1, len(options))) + f" {OR_WORD[spoken]} {len(options)}"
            name = _shared_name(options) or A_CAR[spoken]
            note = " ".join(part for part in (noted, free_now, said(BOOK_WHEN_CHOSEN, name=name, numbers=numbers)) if part)
        else:
            note = said(WHICH_ONE) + "\n" + "\n".join(lines) + ("\n" + said(STILL_ROOM, when=free_start) if free_start else "")
        return BookingPlan(action="ask_car", note=note, car_ids_named=[o.id for o in options], dialogue=state)
    if car is None:
        state = dialogue.model_copy(update={"wish": wish.merged_over(dialogue.wish), "open_question": None})
        return BookingPlan(action="none", dialogue=state)

    # the slot: a picked offer, or what the customer asked for
    if cue.option and dialogue.offered and dialogue.open_question == "slot" and car.id == (dialogue.car.id if dialogue.car else car.id):
        index = cue.option - 1 if cue.option > 0 else len(dialogue.offered) - 1
        if 0 <= index < len(dialogue.offered):
            wish = _wish_at(dialogue.offered[index], tz)
    elif dialogue.open_question == "slot" and dialogue.offered and not wish.empty:
        wish = _pick_from_offer(wish, dialogue.offered, tz) or wish.merged_over(dialogue.wish)
    else:
        same_request = dialogue.open_question == "car" or (dialogue.car is not None and dialogue.car.id == car.id)
        wish = wish.merged_over(dialogue.wish if same_request else None)
    if wish.empty and dialogue.bookings and (_BACK_TO_BACK.search(normalize(text)) or dialogue.bookings[-1].car_id != car.id):
        wish = _wish_at(dialogue.bookings[-1].end, tz)  # two cars in one visit: right after the first
    free = free_for([car.id], None)
    state = dialogue.model_copy(update={"car": car, "car_options": [], "wish": wish})
    exact = slot_rules.exact(free, wish, tz)
    if exact is not None:
        end = exact + timedelta(minutes=dealer.test_drive.slot_minutes)
        booked = dialogue.bookings + [BookedDrive(booking_id="", car_id=car.id, car_title=car.title, start=exact, end=end)]
        state = state.model_copy(update={"offered": [], "open_question": None, "wish": None, "car": None, "bookings": booked})
        same_visit = any(b.start.astimezone(tz).date() == exact.astimezone(tz).date() for b in dialogue.bookings)
        note = confirmation(car, exact, dealer, confirm_by_staff, spoken, form) if not same_visit else (
            said(ALSO_BOOKED, when=capitalised(_day_time(exact, tz, spoken)), title=car.title))
        return BookingPlan(action="book", car=car, start=exact, end=end, note=note,
                           car_ids_named=[car.id], dialogue=state)
    return _offer(state, car, wish, free, dealer, spoken, form)


def _shared_name(options: list[CarOption]) -> str | None:
    """"Polo" when all options are Polos, else None (the caller says "auto")."""
    models = {option.model for option in options}
    return next(iter(models)) if len(models) == 1 and None not in models else None


def _chosen_car(cue: BookingCue, dialogue: TestDriveDialogue, candidates: list[CarOption], text: str) -> CarOption | None:
    if dialogue.open_question == "car" and dialogue.car_options:
        if cue.option:
            index = cue.option - 1 if cue.option > 0 else len(dialogue.car_options) - 1
            if 0 <= index < len(dialogue.car_options):
                return dialogue.car_options[index]
        lowered = normalize(text)
        named = [o for o in dialogue.car_options if any(w in lowered.split() for w in _distinct_words(o, dialogue.car_options))]
        if len(named) == 1:
            return named[0]
        if candidates and len(candidates) == 1:
            return candidates[0]
        return None
    if len(candidates) == 1:
        return candidates[0]
    if dialogue.car and (not candidates or dialogue.car.id in {c.id for c in candidates}):
        return dialogue.car
    return None


def _distinct_words(option: CarOption, options: list[CarOption]) -> set[str]:
    """Words only this option's title has: "dsg", "tdi", "highline"."""
    mine = set(normalize(option.title).split())
    others = set().union(*(set(normalize(o.title).split()) for o in options if o.id != option.id))
    return {word for word in mine - others if len(word) >= 3 and not word.isdigit()}


def _wish_at(start: datetime, tz) -> WhenWish:
    local = start.astimezone(tz)
    return WhenWish(day=local.date(), at=local.time())


def _pick_from_offer(wish: WhenWish, offered: list[datetime], tz) -> WhenWish | None:
    """"11 uur" or "doe maar zaterdag" after we offered times: the offered slot that fits."""
    fits = [slot for slot in offered if (not wish.day or slot.astimezone(tz).date() == wish.day)
            and (not wish.at or slot.astimezone(tz).time() == wish.at)
            and (not wish.earliest or slot.astimezone(tz).time() >= wish.earliest)
            and (not wish.latest or slot.astimezone(tz).time() < wish.latest)]
    return _wish_at(fits[0], tz) if len(fits) == 1 else None


def _offer(state: TestDriveDialogue, car: CarOption, wish: WhenWish, free: list[datetime], dealer: DealerFacts,
           language: str = "nl", form: str = "je") -> BookingPlan:
    tz = dealer.tz
    alternatives = slot_rules.nearest(free, wish, tz)
    if not alternatives:
        note = say(FULLY_BOOKED, language, form, days=dealer.test_drive.book_ahead_days, title=car.title, phone=dealer.phone)
        return BookingPlan(action="full", car=car, note=note, car_ids_named=[car.id],
                           dialogue=state.model_copy(update={"offered": [], "open_question": None}))
    lead = ""

    def closed_on(moment: datetime) -> str:
        day = _day_name(moment, tz, language)
        return say(CLOSED_THEN, language, day=day if language == "de" else capitalised(day) if language == "nl" else day)

    if wish.day and wish.at:
        asked = datetime.combine(wish.day, wish.at, tzinfo=tz)
        lead = say(TAKEN, language, when=capitalised(_day_time(asked, tz, language)), title=car.title)
        if not slot_rules.open_hours(dealer, wish.day):
            lead = closed_on(asked)
    elif wish.day and not slot_rules.open_hours(dealer, wish.day):
        lead = closed_on(datetime.combine(wish.day, wish.at or datetime.min.time(), tzinfo=tz))
    intro = say(OFFER_TIMES, language, form) if lead else say(OFFER_TIMES_FOR, language, form, title=car.title)
    lines = [f"{index}. {_day_time(slot, tz, language)}" for index, slot in enumerate(alternatives, 1)]
    note = f"{lead}{intro}:\n" + "\n".join(lines) + "\n" + say(WHICH_SUITS, language, form)
    state = state.model_copy(update={"offered": alternatives, "open_question": "slot"})
    return BookingPlan(action="offer", car=car, note=note, car_ids_named=[car.id], dialogue=state)


def _move(dialogue, wish: WhenWish, candidates, now, dealer: DealerFacts, free_for, when_text: str = "",
          language: str = "nl", form: str = "je") -> BookingPlan:
    tz = dealer.tz
    named = candidates[0].id if len(candidates) == 1 else None
    booking = dialogue.active(named)
    old = _wish_at(booking.start, tz)
    target = wish.merged_over(old)
    if target.day and _WEEKDAY_ONLY.search(normalize(when_text)) and not _DATE_GIVEN.search(when_text):
        # "doe maar woensdag" about a drive in two weeks: the Wednesday of that week
        while (booking.start.astimezone(tz).date() - target.day).days > 3:
            target = target.model_copy(update={"day": target.day + timedelta(days=7)})
    free = free_for([booking.car_id], booking.booking_id)
    slot = slot_rules.exact(free, target, tz)
    if slot == booking.start:
        return BookingPlan(action="none", dialogue=dialogue)  # the day and time it already has: nothing to move
    car = CarOption(id=booking.car_id, title=booking.car_title)
    if slot is None:
        alternatives = slot_rules.nearest(free, target, tz)
        if not alternatives:
            note = say(NO_OTHER_SLOT, language, form, when=_day_time(booking.start, tz, language))
            return BookingPlan(action="none", note=note, dialogue=dialogue)
        lines = [f"{index}. {_day_time(s, tz, language)}" for index, s in enumerate(alternatives, 1)]
        lead = (say(CANNOT_THEN, language, when=capitalised(_day_time(datetime.combine(target.day, target.at, tzinfo=tz), tz, language)))
                if target.day and target.at else say(CAN_MOVE, language))
        note = say(MOVE_TO, language, form, lead=lead, current=_day_time(booking.start, tz, language), lines="\n".join(lines))
        state = dialogue.model_copy(update={"car": car, "offered": alternatives, "open_question": "slot", "wish": target})
        return BookingPlan(action="offer", car=car, note=note, car_ids_named=[car.id], dialogue=state)
    end = slot + timedelta(minutes=dealer.test_drive.slot_minutes)
    moved = [b if b.booking_id != booking.booking_id else b.model_copy(update={"start": slot, "end": end}) for b in dialogue.bookings]
    state = dialogue.model_copy(update={"bookings": moved, "offered": [], "open_question": None, "wish": None})
    note = say(MOVED, language, form, title=booking.car_title, new=_day_time(slot, tz, language),
               old=_day_time(booking.start, tz, language))
    return BookingPlan(action="move", car=car, start=slot, end=end, booking_id=booking.booking_id,
                       previous_start=booking.start, note=note, car_ids_named=[car.id], dialogue=state)


def _cancel(dialogue: TestDriveDialogue, now: datetime, dealer: DealerFacts, free_for, language: str = "nl",
            form: str = "je") -> BookingPlan:
    if not dialogue.bookings:
        return BookingPlan(dialogue=dialogue)
    tz = dealer.tz
    booking = dialogue.active()
    rest = [b for b in dialogue.bookings if b.booking_id != booking.booking_id]
    car = CarOption(id=booking.car_id, title=booking.car_title)
    free = [slot for slot in free_for([booking.car_id], booking.booking_id) if abs((slot - booking.start).total_seconds()) >= 60]
    alternatives = slot_rules.nearest(free, WhenWish(asap=True), tz)
    note = say(CANCELLED, language, form, when=_day_time(booking.start, tz, language), title=booking.car_title)
    state = TestDriveDialogue(bookings=rest)
    if alternatives:
        lines = [f"{index}. {_day_time(slot, tz, language)}" for index, slot in enumerate(alternatives, 1)]
        note += say(ANOTHER_TIME, language, form, lines="\n".join(lines))
        state = state.model_copy(update={"car": car, "offered": alternatives, "open_question": "slot"})
    return BookingPlan(action="cancel", car=car, booking_id=booking.booking_id, previous_start=booking.start,
                       note=note, car_ids_named=[car.id], dialogue=state)


# --- texts ------------------------------------------------------------------------------------
def confirmation(car: CarOption, start: datetime, dealer: DealerFacts, by_staff: bool, language: str = "nl",
                 form: str = "je") -> str:
    """Day, date, time, car, address, once; and what to bring."""
    tz = dealer.tz
    drive = dealer.test_drive
    when = _day_time(start, tz, language)
    if by_staff:
        head = say(HELD_FOR_YOU, language, form, when=when, title=car.title)
    else:
        head = say(BOOKED, language, form, when=capitalised(when), title=car.title)
    return head + "\n" + say(WELCOME_BRING, language, form, dealer=dealer.name, address=dealer.address.one_line(),
                             bring=dealer.word(drive.bring, language, form), minutes=drive.duration_minutes)


def _day_name(moment: datetime, tz, language: str = "nl") -> str:
    return day_date(moment.astimezone(tz).date(), language)


def _day_time(moment: datetime, tz, language: str = "nl") -> str:
    """"zaterdag 12 december om 11:00" (and in English and German)."""
    return spoken_day_time(moment, tz, language)


day_time = _day_time
