"""Dutch day and time phrases resolved against the dealer's calendar (pure, no I/O).

"zaterdag om 11 uur", "morgen", "volgende week dinsdag", "rond 10 uur", "na vijven",
"eind van de middag", "zo snel mogelijk" → a `WhenWish`: a date, a preferred start or a
window, or "as soon as possible". Dates resolve in the dealer's time zone
(Europe/Amsterdam), so "morgen" at 23:30 UTC on a Monday is Wednesday in Harderwijk.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel

from agents.knowledge.dealer import DUTCH_WEEKDAYS
from agents.rules.glossary import dutch_terms

_NUMBERS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
    # "na vijven", "tegen vieren", "om zessen"
    "enen": 1, "tweeën": 2, "drieën": 3, "vieren": 4, "vijven": 5, "zessen": 6, "zevenen": 7,
    "achten": 8, "negenen": 9, "tienen": 10, "elven": 11, "twaalven": 12,
}
_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")
_DAY_ABBREVIATIONS = {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "vrij": 4, "za": 5, "zat": 5, "zo": 6}
_HOUR = r"(\d{1,2}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"

_ASAP = re.compile(r"\b(zo\s+snel\s+(?:als\s+)?mogelijk|zsm|asap|z\.s\.m\.?|eerst\s+(?:mogelijke|volgende)|"
                   r"zo\s+vroeg\s+mogelijk|eerste\s+(?:de\s+)?beste|eerstvolgende|wanneer\s+(?:het\s+)?kan)\b")
_ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/](\d{1,2})(?:[-/](\d{2,4}))?\b")
_NAMED_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(DUTCH_WEEKDAYS) + r")(?:s|avond|ochtend|middag|morgen)?\b")
# "do" before a pronoun is English ("do you have…", "do I need…"), not donderdag
_WEEKDAY_SHORT = re.compile(r"\b(ma|di|wo|do|vrij|vr|zat|za)\b(?!\s*-)(?<!do(?= (?:i|you|we|they|it|u)\b))")
_NEXT_WEEK = re.compile(r"\b(volgende|komende|aankomende)\s+week\b|\bweek\s+erop\b")
_WEEKEND = re.compile(r"\b(dit|het|komend|komende|in\s+het)\s+weekend\b")
_RELATIVE = [
    (re.compile(r"\bovermorgen\b"), 2),
    (re.compile(r"\bmorgen(?:ochtend|middag|avond|vroeg)?\b(?!\s+(?:om|vroeg)?\s*\d+\s*uur\s+.*\bmorgen)"), 1),
    (re.compile(r"\b(vandaag|vanmiddag|vanochtend|vanavond|straks)\b"), 0),
]
_CLOCK = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b(?!\s*(?:km|euro|%|-))")
_HALF = re.compile(r"\bhalf\s+" + _HOUR + r"\b")
_QUARTER = re.compile(r"\bkwart\s+(over|voor)\s+" + _HOUR + r"\b")
_OCLOCK = re.compile(r"\b(?:om|rond|rondom|tegen|omstreeks|vanaf|na|voor|even\s+na)?\s*" + _HOUR + r"\s*(?:uur|u)\b")
# "voor 14.000" / "voor 14k" is an amount, not two o'clock
_AT_HOUR = re.compile(r"\b(om|rond|rondom|tegen|omstreeks|vanaf|na|voor)\s+" + _HOUR
                      + r"\b(?![.,]\d{3})(?!\s*(?:km|k\b|euro|jaar|maanden|dagen|min|mille|duizend|,-))")
_WINDOWS = [
    (re.compile(r"\b(eind|einde|laat|later)\s+(?:van\s+de\s+|in\s+de\s+|vd\s+|op\s+de\s+)?middag\b|\bnamiddag\b"), time(16), time(18)),
    (re.compile(r"\b(begin|vroeg)\s+(?:van\s+de\s+|in\s+de\s+|vd\s+)?middag\b|\bna\s+de\s+lunch\b"), time(12, 30), time(14, 30)),
    (re.compile(r"\b(eind|einde|laat)\s+(?:van\s+de\s+|in\s+de\s+|vd\s+)?ochtend\b"), time(10, 30), time(12)),
    (re.compile(r"\bvoor\s+de\s+middag\b|\b(?:vroeg\s+)?in\s+de\s+ochtend\b|\b(?:'s|s)\s*ochtends\b|\bochtend\b|\bmorgenochtend\b|\bvanochtend\b|\bvroeg\b"), time(9), time(12)),
    (re.compile(r"\b(?:'s|s)\s*middags\b|\bmiddag\b|\bvanmiddag\b|\bmorgenmiddag\b"), time(12), time(17)),
    (re.compile(r"\b(?:'s|s)\s*avonds\b|\bavond\b|\bvanavond\b|\bna\s+(?:het\s+)?werk\b|\bna\s+mijn\s+werk\b"), time(17), time(21)),
    (re.compile(r"\brond\s+(?:de\s+)?lunch\b|\blunchtijd\b|\btussen\s+de\s+middag\b"), time(12), time(13, 30)),
]


class WhenWish(BaseModel):
    """What the customer asked for; every field optional ("doe maar zaterdag" has only a day)."""

    day: date | None = None
    not_before_day: date | None = None  # "volgende week": any day from then on
    at: time | None = None  # "om 11 uur", "rond 10 uur": the start they want
    earliest: time | None = None  # "na vijven", "'s middags": a window
    latest: time | None = None
    asap: bool = False

    @property
    def empty(self) -> bool:
        return not (self.day or self.not_before_day or self.at or self.earliest or self.latest or self.asap)

    def merged_over(self, older: "WhenWish | None") -> "WhenWish":
        """A new day replaces the earlier one (and its time, unless a time is given now)."""
        if older is None or self.asap:
            return self
        if self.empty:
            return older
        if self.day or self.not_before_day:
            if self.at or self.earliest or self.latest:
                return self
            return self.model_copy(update={"at": older.at, "earliest": older.earliest, "latest": older.latest})
        return self.model_copy(update={"day": older.day, "not_before_day": older.not_before_day})


def resolve(text: str, now: datetime, tz) -> WhenWish:
    """The day and time in `text`, as seen by the dealer at `now` (aware datetime)."""
    lowered = " " + dutch_terms(text.lower().replace("’", "'")) + " "  # "saturday at 11am" reads as Dutch
    today = now.astimezone(tz).date()
    wish = WhenWish(asap=bool(_ASAP.search(lowered)))
    day, not_before = _day(lowered, today)
    wish.day, wish.not_before_day = day, not_before
    at, earliest, latest = _time(lowered)
    wish.at, wish.earliest, wish.latest = at, earliest, latest
    return wish


def _day(text: str, today: date) -> tuple[date | None, date | None]:
    match = _ISO.search(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), None
        except ValueError:
            pass
    match = _NAMED_DATE.search(text)
    if match:
        month = [m[:3] for m in _MONTHS].index(match[2][:3]) + 1
        found = _future_date(today, month, int(match[1]))
        if found:
            return found, None
    match = _NUMERIC_DATE.search(text)
    if match and not _CLOCK.search(match[0]):
        found = _future_date(today, int(match[2]), int(match[1]))
        if found:
            return found, None
    next_week = bool(_NEXT_WEEK.search(text))
    monday_next = today + timedelta(days=7 - today.weekday())
    weekday = _weekday(text)
    if weekday is not None:
        if next_week:
            return monday_next + timedelta(days=weekday), None
        return today + timedelta(days=(weekday - today.weekday()) % 7), None
    if _WEEKEND.search(text):
        return today + timedelta(days=(5 - today.weekday()) % 7), None
    for pattern, offset in _RELATIVE:
        if pattern.search(text):
            return today + timedelta(days=offset), None
    if next_week:
        return None, monday_next
    return None, None


def _weekday(text: str) -> int | None:
    """The weekday named; of several, the first one not ruled out ("donderdag lukt niet, wordt vrijdag")."""
    named = list(_WEEKDAY.finditer(text))
    wanted = [match for match in named if not _ruled_out(text, match)]
    match = (wanted or named or [None])[0]
    if match:
        return DUTCH_WEEKDAYS.index(match[1])
    match = _WEEKDAY_SHORT.search(text)
    if match and re.search(r"\b(op|om|of|en|volgende|komende|deze|kan|kun|lukt|past|wordt|dan)\s+(?:het\s+|ik\s+)?"
                           + match[1] + r"\b|^\s*" + match[1] + r"\b", text):
        return _DAY_ABBREVIATIONS[match[1]]
    return None


# "donderdag lukt niet", "donderdag kan ik helaas niet", "niet donderdag maar vrijdag"
_NOT_AFTER = re.compile(r"^[^,.;:!?]{0,24}?\b(?:niet|geen|not|nicht)\b")
_NOT_BEFORE = re.compile(r"\b(?:niet|geen|not|nicht)\s+(?:op\s+|on\s+|am\s+)?$")


def _ruled_out(text: str, match: re.Match[str]) -> bool:
    return bool(_NOT_AFTER.search(text[match.end():]) or _NOT_BEFORE.search(text[:match.start()]))


def _future_date(today: date, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _afternoon(hour: int, minute: int = 0) -> time | None:
    """Dealers open 9-18: "om 2 uur" means 14:00, "na vijven" 17:00."""
    if hour > 23:
        return None
    if 1 <= hour <= 7:
        hour += 12
    return time(hour, minute)


def _time(text: str) -> tuple[time | None, time | None, time | None]:
    for pattern, start, end in _WINDOWS:
        if pattern.search(text):
            window = (start, end)
            break
    else:
        window = None
    at: time | None = None
    word = None
    match = _CLOCK.search(text)
    if match:
        at = _afternoon(int(match[1]), int(match[2])) if int(match[1]) <= 7 else time(int(match[1]), int(match[2]))
        word = _preposition(text, match.start())
    elif (match := _QUARTER.search(text)):
        hour = _hour(match[2])
        base = _afternoon(hour)
        if base:
            moment = datetime.combine(date.today(), base) + timedelta(minutes=15 if match[1] == "over" else -15)
            at = moment.time()
        word = _preposition(text, match.start())
    elif (match := _HALF.search(text)):
        base = _afternoon(_hour(match[1]))
        if base:
            at = (datetime.combine(date.today(), base) - timedelta(minutes=30)).time()
        word = _preposition(text, match.start())
    elif (match := _OCLOCK.search(text)) or (match := _AT_HOUR.search(text)):
        hour_word = match.groups()[-1]
        at = _afternoon(_hour(hour_word))
        word = _preposition(text, match.start() + (len(match[0]) - len(match[0].lstrip())))
        if word is None:
            head = match[0].strip().split()[0]
            word = head if head in ("na", "vanaf", "voor", "tegen") else None
    if at is not None and window and not (window[0] <= at < window[1]) and window[0].hour >= 12 > at.hour:
        at = _afternoon(at.hour + 12 if at.hour + 12 < 24 else at.hour, at.minute)  # "om 4 uur 's middags"
    if at is not None and word in ("na", "vanaf"):
        return None, at, None
    if at is not None and word in ("voor", "tegen"):
        return None, None, at
    if at is not None:
        return at, None, None
    if window:
        return None, window[0], window[1]
    return None, None, None


def _preposition(text: str, start: int) -> str | None:
    before = text[:start].split()
    if before and before[-1] in ("na", "vanaf", "voor", "tegen", "om", "rond"):
        return before[-1]
    if len(before) >= 2 and before[-2:] == ["even", "na"]:
        return "na"
    return None
