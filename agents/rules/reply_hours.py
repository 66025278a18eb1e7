"""Opening hours as a salesperson says them: the day asked first, the week only when asked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from agents.knowledge.dealer import DUTCH_WEEKDAYS, WEEKDAYS, DealerFacts
from agents.rules.phrases import Phrase, say, spoken_language
from agents.rules.spoken_dates import RELATIVE_DAYS, SHORT_WEEKDAYS, capitalised, clock, day_date, hours_range, weekday

RELATIVE_DAY_OFFSETS = {"vandaag": 0, "morgen": 1, "overmorgen": 2}

OPEN_ON = Phrase(nl="{day} zijn we open {hours}.", en="{day} we're open {hours}.", de="{day} haben wir {hours} geöffnet.")
CLOSED_ON = Phrase(nl="{day} zijn we helaas gesloten.", en="{day} we're closed, unfortunately.",
                   de="{day} haben wir leider geschlossen.")
BACK_ON = Phrase(nl="{day} zijn we er weer, {hours}.", en="We're back on {day}, {hours}.",
                 de="Am {day} sind wir wieder da, {hours}.")
OPEN_NOW = Phrase(nl="We zijn nu open, vandaag tot {until}.", en="We're open now, until {until} today.",
                  de="Wir haben gerade geöffnet, heute bis {until}.")
CLOSED_NOW = Phrase(nl="We zijn nu gesloten; {day} om {at} zijn we er weer.", en="We're closed right now; we're back {day} at {at}.",
                    de="Gerade haben wir geschlossen; {day} um {at} Uhr sind wir wieder da.")
CLOSED_WORD = {"nl": "gesloten", "en": "closed", "de": "geschlossen"}
RANGE_WORD = {"nl": " t/m ", "en": "–", "de": "–"}


def resolve_day(day: str, today: date) -> date | None:
    """"zaterdag" -> the coming Saturday (today if it is Saturday); "morgen"; "2026-11-28"."""
    if day in DUTCH_WEEKDAYS:
        return today + timedelta(days=(DUTCH_WEEKDAYS.index(day) - today.weekday()) % 7)
    if day in RELATIVE_DAY_OFFSETS:
        return today + timedelta(days=RELATIVE_DAY_OFFSETS[day])
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def day_label(day: str, when: date, language: str | None = "nl") -> str:
    """How to name the day in a sentence: "zaterdag", "morgen", "vrijdag 28 november"."""
    spoken = spoken_language(language)
    if day in RELATIVE_DAY_OFFSETS:
        return RELATIVE_DAYS[spoken][day]
    if day in DUTCH_WEEKDAYS:
        return weekday(when, spoken)
    return day_date(when, spoken)


def _on_day(day: str, when: date, spoken: str) -> str:
    """The day opening a sentence: "Zaterdag", "On Saturday", "Am Samstag", "Morgen"."""
    label = day_label(day, when, spoken)
    if day in RELATIVE_DAY_OFFSETS or spoken == "nl":
        return capitalised(label)
    return ("On " if spoken == "en" else "Am ") + label


def day_hours_sentence(dealer: DealerFacts, day: str, when: date, language: str | None = "nl") -> str:
    """"Zaterdag zijn we open van 09:00 tot 17:00." or closed plus the next open day."""
    spoken = spoken_language(language)
    opening = _on_day(day, when, spoken)
    hours = dealer.hours_on(when)
    if hours:
        return say(OPEN_ON, spoken, day=opening, hours=hours_range(*hours, spoken))
    nxt = next_open_day(dealer, when)
    tail = ""
    if nxt is not None:
        back = weekday(nxt, spoken)
        tail = " " + say(BACK_ON, spoken, day=capitalised(back), hours=hours_range(*dealer.hours_on(nxt), spoken))
    return say(CLOSED_ON, spoken, day=opening) + tail


def next_open_day(dealer: DealerFacts, after: date) -> date | None:
    for offset in range(1, 15):
        day = after + timedelta(days=offset)
        if dealer.hours_on(day):
            return day
    return None


def compact_hours(dealer: DealerFacts, language: str | None = "nl") -> str:
    """One line for the week: "ma t/m vr 09:00-18:00, za 09:00-17:00, zo gesloten" / "Mon–Fri 09:00-18:00, …"."""
    spoken = spoken_language(language)
    short = SHORT_WEEKDAYS[spoken]
    groups: list[tuple[int, int, str]] = []
    for index, weekday_key in enumerate(WEEKDAYS):
        spec = (dealer.opening_hours.get(weekday_key) or CLOSED_WORD[spoken]).replace(" ", "")
        if groups and groups[-1][2] == spec and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, spec)
        else:
            groups.append((index, index, spec))
    pieces = []
    for first, last, spec in groups:
        days = short[first] if first == last else f"{short[first]}{RANGE_WORD[spoken]}{short[last]}"
        pieces.append(f"{days} {spec}")
    return ", ".join(pieces)


def open_now_sentence(dealer: DealerFacts, now: datetime, language: str | None = "nl") -> str:
    spoken = spoken_language(language)
    local = now.astimezone(dealer.tz)
    if dealer.is_open(local):
        hours = dealer.hours_on(local.date())
        return say(OPEN_NOW, spoken, until=clock(hours[1], spoken))
    nxt = dealer.next_opening(local)
    if nxt.date() == local.date():
        day = RELATIVE_DAYS[spoken]["vandaag"]
    elif nxt.date() == local.date() + timedelta(days=1):
        day = RELATIVE_DAYS[spoken]["morgen"]
    else:
        day = ("on " if spoken == "en" else "am " if spoken == "de" else "") + weekday(nxt, spoken)
    return say(CLOSED_NOW, spoken, day=day, at=f"{nxt:%H:%M}")
