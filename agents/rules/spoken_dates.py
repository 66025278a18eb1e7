"""Days, dates and opening hours written the way each language writes them.

"zaterdag 12 december om 11:00" / "Saturday 12 December at 11:00" /
"Samstag, 12. Dezember, um 11:00 Uhr". Pure; the dealer's time zone is applied by callers.
"""

from __future__ import annotations

from datetime import date, datetime, time

from agents.rules.phrases import spoken_language

WEEKDAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
SHORT_WEEKDAYS = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
}
MONTH_NAMES = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
}
RELATIVE_DAYS = {
    "nl": {"vandaag": "vandaag", "morgen": "morgen", "overmorgen": "overmorgen"},
    "en": {"vandaag": "today", "morgen": "tomorrow", "overmorgen": "the day after tomorrow"},
    "de": {"vandaag": "heute", "morgen": "morgen", "overmorgen": "übermorgen"},
}


def weekday(day: date, language: str | None = "nl") -> str:
    return WEEKDAY_NAMES[spoken_language(language)][day.weekday()]


def day_date(day: date, language: str | None = "nl") -> str:
    """"zaterdag 12 december", "Saturday 12 December", "Samstag, 12. Dezember"."""
    spoken = spoken_language(language)
    month = MONTH_NAMES[spoken][day.month - 1]
    if spoken == "de":
        return f"{weekday(day, spoken)}, {day.day}. {month}"
    return f"{weekday(day, spoken)} {day.day} {month}"


def clock(moment: time | datetime, language: str | None = "nl") -> str:
    """"11:00" (nl, en) or "11:00 Uhr" (de)."""
    text = f"{moment:%H:%M}"
    return f"{text} Uhr" if spoken_language(language) == "de" else text


def day_time(moment: datetime, tz, language: str | None = "nl") -> str:
    """"zaterdag 12 december om 11:00", "Saturday 12 December at 11:00", "Samstag, 12. Dezember, um 11:00 Uhr"."""
    local = moment.astimezone(tz)
    spoken = spoken_language(language)
    if spoken == "de":
        return f"{day_date(local.date(), spoken)}, um {clock(local, spoken)}"
    return f"{day_date(local.date(), spoken)} {'at' if spoken == 'en' else 'om'} {local:%H:%M}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def hours_range(start: time, end: time, language: str | None = "nl") -> str:
    """"van 09:00 tot 17:00" / "from 9:00 to 17:00" / "von 9:00 bis 17:00 Uhr"."""
    spoken = spoken_language(language)
    if spoken == "en":
        return f"from {start:%H:%M} to {end:%H:%M}"
    if spoken == "de":
        return f"von {start:%H:%M} bis {end:%H:%M} Uhr"
    return f"van {start:%H:%M} tot {end:%H:%M}"
