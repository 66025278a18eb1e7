"""Opening hours as a salesperson says them: the day asked first, the week only when asked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from agents.knowledge.dealer import DUTCH_WEEKDAYS, WEEKDAYS, DealerFacts

_SHORT = ("ma", "di", "wo", "do", "vr", "za", "zo")
RELATIVE_DAYS = {"vandaag": 0, "morgen": 1, "overmorgen": 2}


def resolve_day(day: str, today: date) -> date | None:
    """"zaterdag" -> the coming Saturday (today if it is Saturday); "morgen"; "2026-11-28"."""
    if day in DUTCH_WEEKDAYS:
        return today + timedelta(days=(DUTCH_WEEKDAYS.index(day) - today.weekday()) % 7)
    if day in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[day])
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def day_label(day: str, when: date) -> str:
    """How to name the day in a sentence: "zaterdag", "morgen", "vrijdag 28-11"."""
    if day in DUTCH_WEEKDAYS or day in RELATIVE_DAYS:
        return day
    return f"{DUTCH_WEEKDAYS[when.weekday()]} {when:%d-%m}"


def day_hours_sentence(dealer: DealerFacts, day: str, when: date) -> str:
    """"Zaterdag zijn we open van 09:00 tot 17:00." or closed plus the next open day."""
    label = day_label(day, when)
    hours = dealer.hours_on(when)
    if hours:
        return f"{label[0].upper()}{label[1:]} zijn we open van {hours[0]:%H:%M} tot {hours[1]:%H:%M}."
    nxt = next_open_day(dealer, when)
    tail = ""
    if nxt is not None:
        nxt_hours = dealer.hours_on(nxt)
        tail = f" {DUTCH_WEEKDAYS[nxt.weekday()].capitalize()} zijn we er weer, van {nxt_hours[0]:%H:%M} tot {nxt_hours[1]:%H:%M}."
    return f"{label[0].upper()}{label[1:]} zijn we helaas gesloten.{tail}"


def next_open_day(dealer: DealerFacts, after: date) -> date | None:
    for offset in range(1, 15):
        day = after + timedelta(days=offset)
        if dealer.hours_on(day):
            return day
    return None


def compact_hours(dealer: DealerFacts) -> str:
    """One line for the whole week: "ma t/m vr 09:00-18:00, za 09:00-17:00, zo gesloten"."""
    groups: list[tuple[int, int, str]] = []
    for index, weekday in enumerate(WEEKDAYS):
        spec = (dealer.opening_hours.get(weekday) or "gesloten").replace(" ", "")
        if groups and groups[-1][2] == spec and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, spec)
        else:
            groups.append((index, index, spec))
    pieces = []
    for first, last, spec in groups:
        days = _SHORT[first] if first == last else f"{_SHORT[first]} t/m {_SHORT[last]}"
        pieces.append(f"{days} {spec}")
    return ", ".join(pieces)


def open_now_sentence(dealer: DealerFacts, now: datetime) -> str:
    local = now.astimezone(dealer.tz)
    if dealer.is_open(local):
        hours = dealer.hours_on(local.date())
        return f"We zijn nu open, vandaag tot {hours[1]:%H:%M}."
    nxt = dealer.next_opening(local)
    if nxt.date() == local.date():
        day = "vandaag"
    elif nxt.date() == local.date() + timedelta(days=1):
        day = "morgen"
    else:
        day = DUTCH_WEEKDAYS[nxt.weekday()]
    return f"We zijn nu gesloten; {day} om {nxt:%H:%M} zijn we er weer."
