"""Coming over: a test drive, the opening hours on the day asked, and where we are."""

from __future__ import annotations

import re

from agents.repetition import said_sentence
from agents.rules.reply_cars import cars_in_question
from agents.rules.reply_draft import Draft, wants_new_car
from agents.rules.reply_hours import compact_hours, day_hours_sentence, open_now_sentence, resolve_day
from agents.rules.reply_questions import asks_open_now, wants_all_hours
from agents.rules.reply_stock import inventory_parts

def test_drive_parts(draft: Draft, brief: bool) -> None:
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
        lines += once(draft, f"We zijn open {compact_hours(dealer)}.")
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
    lines += once(draft, f"Neem {drive.bring} mee; een proefrit duurt zo'n {drive.duration_minutes} minuten.")
    if not brief and not draft.said_before(re.escape(dealer.address.street)):
        lines += once(draft, f"Je vindt ons op {dealer.address.one_line()}.")
    draft.parts.append(" ".join(lines))


def test_drive_answer(draft: Draft) -> None:
    dialogue = draft.request.context.test_drive
    if dialogue.open_question or dialogue.bookings:
        test_drive_parts(draft, brief=True)  # mid-booking: no new pitch
        return
    if wants_new_car(draft) and not cars_in_question(draft.request.context, draft.request.extraction, draft.text):
        inventory_parts(draft)  # "kan ik zaterdag een golf proefrijden?": which Golfs there are first
    draft.parts.append(draft.vary.pick("Een proefrit is zeker mogelijk! 🚗", "Proefrijden kan zeker!"))
    test_drive_parts(draft, brief=False)


def hours_answer(draft: Draft) -> str:
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


def general_info_answer(draft: Draft) -> None:
    dealer = draft.dealer
    topics = {s.topic for s in draft.request.expertise.knowledge if s.module == "service"}
    asked_day = draft.request.extraction.preferred_day is not None
    if "opening_hours" in topics or asked_day or not topics:
        draft.parts.append(hours_answer(draft))
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


def once(draft: Draft, sentence: str) -> list[str]:
    """Boilerplate (hours, what to bring, the address) once per chat; asked for again, it is the answer."""
    return [] if said_sentence(draft.request.context, sentence) else [sentence]
