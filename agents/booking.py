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
_ORDINALS = {"eerste": 1, "eerst": 1, "1e": 1, "tweede": 2, "2e": 2, "derde": 3, "3e": 3, "laatste": -1, "middelste": 2}
_ORDINAL = re.compile(r"\b(?:de|die|optie|nummer|nr\.?)?\s*(eerste|tweede|derde|laatste|middelste|1e|2e|3e)\b|^\s*(?:optie\s+|nummer\s+)?([123])\s*[.!)]?\s*$")
_YES = re.compile(r"^\s*(ja+|jazeker|prima|graag|top|goed|oke?|ok(?:ay)?|doe\s+maar|perfect|is\s+goed|klinkt\s+goed|super)\b")
_WEEKDAY_ONLY = re.compile(r"\b(" + "|".join(DUTCH_WEEKDAYS) + r")\b")
_DATE_GIVEN = re.compile(r"\d{1,2}\s*[-/]\s*\d{1,2}|\d{1,2}\s+[a-z]{3}|volgende\s+week|komende\s+week")
_ANY_MOMENT = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
_BACK_TO_BACK = re.compile(r"\b(direct|meteen|gelijk)\s+(?:daar\s*)?(?:na|erna|achteraan|daarna)\b|\baansluitend\b|\berachteraan\b|\bdirect\s+daarna\b|\bin\s+een\s+keer\b|\btegelijk\b")


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
    option = _option(lowered)
    has_when = bool(extraction.preferred_day or extraction.preferred_time or _mentions_when(text))
    when_text = text if has_when else None
    if dialogue.bookings and _CANCEL.search(lowered) and not has_when:
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
    extraction: ExtractionOutput, context: ConversationContext, inventory: InventorySearchResult | None
) -> list[CarOption]:
    """The cars this request may be about, best first (one: that car; several: ask)."""
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
    return [CarOption(id=car.id, title=car.title, make=car.make, model=car.model) for car in unique.values()][:5]


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
) -> BookingPlan:
    """`free_for(car_ids, ignore_booking_id)` gives the free starts for those cars."""
    tz = dealer.tz
    wish = resolve(cue.when_text or "", now, tz) if cue.when_text else WhenWish()
    if cue.action == "cancel":
        return _cancel(dialogue, now, dealer, free_for)
    if cue.action == "move" and dialogue.bookings:
        return _move(dialogue, wish, candidates, now, dealer, free_for, cue.when_text or "")
    if cue.action == "none":
        return BookingPlan(dialogue=dialogue)

    car = _chosen_car(cue, dialogue, candidates, text)
    if car is None and len(candidates) > 1:
        options = candidates[:3]
        merged = wish.merged_over(dialogue.wish)
        state = dialogue.model_copy(update={"car": None, "car_options": options, "wish": merged, "open_question": "car", "offered": []})
        lines = [f"{index}. {option.title}" for index, option in enumerate(options, 1)]
        when = ""
        if merged.day and merged.at:
            start = datetime.combine(merged.day, merged.at, tzinfo=tz)
            if slot_rules.is_free(start, free_for([], None)):
                when = f"\n{_day_time(start, tz).capitalize()} heb ik nog plek."
        if dialogue.open_question == "car" and dialogue.car_options:
            # we listed them already: no second list; honest that nothing is booked yet
            noted = "Genoteerd!" if not wish.empty else ""
            free_now = when.strip().replace(" heb ik nog plek.", " is nog vrij.")
            numbers = ", ".join(str(n) for n in range(1, len(options))) + f" of {len(options)}"
            note = " ".join(part for part in (noted, free_now, f"Ik zet de proefrit vast zodra ik weet welke "
                                              f"{_shared_name(options)} je wilt proberen: {numbers}?") if part)
        else:
            note = "Leuk, een proefrit! Welke wil je proberen?\n" + "\n".join(lines) + when
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
        note = confirmation(car, exact, dealer, confirm_by_staff) if not same_visit else (
            f"Top, die staat er ook bij! 🚗 {_day_time(exact, tz)[0].upper()}{_day_time(exact, tz)[1:]} "
            f"rijd je in de {car.title}, in hetzelfde bezoek.")
        return BookingPlan(action="book", car=car, start=exact, end=end, note=note,
                           car_ids_named=[car.id], dialogue=state)
    return _offer(state, car, wish, free, dealer)


def _shared_name(options: list[CarOption]) -> str:
    """"Polo" when all options are Polos, else "auto"."""
    models = {option.model for option in options}
    return next(iter(models)) if len(models) == 1 and None not in models else "auto"


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


def _offer(state: TestDriveDialogue, car: CarOption, wish: WhenWish, free: list[datetime], dealer: DealerFacts) -> BookingPlan:
    tz = dealer.tz
    alternatives = slot_rules.nearest(free, wish, tz)
    if not alternatives:
        note = (f"Binnen de komende {dealer.test_drive.book_ahead_days} dagen is er helaas geen plek meer voor een proefrit "
                f"in de {car.title}. Bel ons gerust op {dealer.phone}, dan zoeken we samen een moment.")
        return BookingPlan(action="full", car=car, note=note, car_ids_named=[car.id],
                           dialogue=state.model_copy(update={"offered": [], "open_question": None}))
    lead = ""
    if wish.day and wish.at:
        asked = datetime.combine(wish.day, wish.at, tzinfo=tz)
        lead = f"{_day_time(asked, tz).capitalize()} is helaas al bezet voor de {car.title}. "
        if not slot_rules.open_hours(dealer, wish.day):
            lead = f"{_day_name(asked, tz).capitalize()} zijn we gesloten. "
    elif wish.day and not slot_rules.open_hours(dealer, wish.day):
        lead = f"{_day_name(datetime.combine(wish.day, wish.at or datetime.min.time(), tzinfo=tz), tz).capitalize()} zijn we gesloten. "
    intro = "Ik kan je deze tijden aanbieden" if lead else f"Voor een proefrit in de {car.title} kan ik je deze tijden aanbieden"
    lines = [f"{index}. {_day_time(slot, tz)}" for index, slot in enumerate(alternatives, 1)]
    note = f"{lead}{intro}:\n" + "\n".join(lines) + "\nWelke past je het best?"
    state = state.model_copy(update={"offered": alternatives, "open_question": "slot"})
    return BookingPlan(action="offer", car=car, note=note, car_ids_named=[car.id], dialogue=state)


def _move(dialogue, wish: WhenWish, candidates, now, dealer: DealerFacts, free_for, when_text: str = "") -> BookingPlan:
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
    car = CarOption(id=booking.car_id, title=booking.car_title)
    if slot is None:
        alternatives = slot_rules.nearest(free, target, tz)
        if not alternatives:
            note = f"Ik vind helaas geen ander vrij moment; je proefrit blijft staan op {_day_time(booking.start, tz)}."
            return BookingPlan(action="none", note=note, dialogue=dialogue)
        lines = [f"{index}. {_day_time(s, tz)}" for index, s in enumerate(alternatives, 1)]
        asked = f"{_day_time(datetime.combine(target.day, target.at, tzinfo=tz), tz)} lukt helaas niet" if target.day and target.at else "Verzetten kan"
        note = (f"{asked.capitalize() if asked[0].islower() else asked}. Je proefrit staat nu op {_day_time(booking.start, tz)}; "
                f"ik kan hem verzetten naar:\n" + "\n".join(lines) + "\nWelke wordt het?")
        state = dialogue.model_copy(update={"car": car, "offered": alternatives, "open_question": "slot", "wish": target})
        return BookingPlan(action="offer", car=car, note=note, car_ids_named=[car.id], dialogue=state)
    end = slot + timedelta(minutes=dealer.test_drive.slot_minutes)
    moved = [b if b.booking_id != booking.booking_id else b.model_copy(update={"start": slot, "end": end}) for b in dialogue.bookings]
    state = dialogue.model_copy(update={"bookings": moved, "offered": [], "open_question": None, "wish": None})
    note = (f"Geen probleem! Ik heb je proefrit in de {booking.car_title} verzet naar {_day_time(slot, tz)}. "
            f"De oude afspraak op {_day_time(booking.start, tz)} vervalt.")
    return BookingPlan(action="move", car=car, start=slot, end=end, booking_id=booking.booking_id,
                       previous_start=booking.start, note=note, car_ids_named=[car.id], dialogue=state)


def _cancel(dialogue: TestDriveDialogue, now: datetime, dealer: DealerFacts, free_for) -> BookingPlan:
    if not dialogue.bookings:
        return BookingPlan(dialogue=dialogue)
    tz = dealer.tz
    booking = dialogue.active()
    rest = [b for b in dialogue.bookings if b.booking_id != booking.booking_id]
    car = CarOption(id=booking.car_id, title=booking.car_title)
    free = [slot for slot in free_for([booking.car_id], booking.booking_id) if abs((slot - booking.start).total_seconds()) >= 60]
    alternatives = slot_rules.nearest(free, WhenWish(asap=True), tz)
    note = f"Jammer, maar geen probleem: ik heb je proefrit van {_day_time(booking.start, tz)} in de {booking.car_title} geannuleerd."
    state = TestDriveDialogue(bookings=rest)
    if alternatives:
        lines = [f"{index}. {_day_time(slot, tz)}" for index, slot in enumerate(alternatives, 1)]
        note += " Wil je een ander moment? Dit zijn de eerstvolgende vrije tijden:\n" + "\n".join(lines) + "\nOf noem een dag die je beter uitkomt."
        state = state.model_copy(update={"car": car, "offered": alternatives, "open_question": "slot"})
    return BookingPlan(action="cancel", car=car, booking_id=booking.booking_id, previous_start=booking.start,
                       note=note, car_ids_named=[car.id], dialogue=state)


# --- texts ------------------------------------------------------------------------------------
def confirmation(car: CarOption, start: datetime, dealer: DealerFacts, by_staff: bool) -> str:
    """Day, date, time, car, address, once; and what to bring."""
    tz = dealer.tz
    drive = dealer.test_drive
    when = _day_time(start, tz)
    if by_staff:
        head = f"Ik heb {when} voor je vastgezet voor een proefrit in de {car.title}. Een collega bevestigt de afspraak nog even."
    else:
        head = f"Top, je proefrit staat vast! 🚗 {when[0].upper()}{when[1:]} in de {car.title}."
    return (f"{head}\nJe bent welkom bij {dealer.name}, {dealer.address.one_line()}.\n"
            f"Neem {drive.bring} mee; de proefrit duurt zo'n {drive.duration_minutes} minuten.")


def _day_name(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{DUTCH_WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"


def _day_time(moment: datetime, tz) -> str:
    """"zaterdag 12 december om 11:00"."""
    local = moment.astimezone(tz)
    return f"{_day_name(local, tz)} om {local:%H:%M}"


day_time = _day_time
