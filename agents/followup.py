"""Follow-ups for quiet leads (issue 17): when one is due, and what it says. Pure, no I/O.

A WARM or HOT lead whose last message was a question we answered, quiet for FOLLOW_UP_AFTER_HOURS
counted in opening hours (Dutch public holidays and closed dates are closed), gets one short,
specific follow-up; at most FOLLOW_UP_MAX, a second one only FOLLOW_UP_SECOND_AFTER_DAYS after the
first. Never to an opted-out customer, during an open escalation or with a booked test drive, while
a colleague is chatting, outside opening hours, after "al iets anders gekocht" / "niet meer op
zoek", nor about a sold car unless it offers an alternative.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel

from agents.knowledge.dealer import DealerFacts
from agents.rules.phrases import Phrase, say, spoken_language
from agents.scoring_signals import bought_elsewhere
from agents.slots import open_hours

FOLLOW_UP_BANDS = ("WARM", "HOT")
REPLY_WINDOW = timedelta(hours=48)  # a customer writing within this after a follow-up counts as a reply to it


class FollowUpFacts(BaseModel):
    """What the conversation knows, assembled by the workflow (its state) for the decision."""

    enabled: bool = True
    after_hours: float = 24
    max_count: int = 2
    second_after_days: float = 3
    lead_quality: str | None = None
    follow_ups_allowed: bool = True  # the CRM's flag: False once opted out or lost
    opted_out: bool = False
    escalation_open: bool = False
    test_drive_booked: bool = False
    human_active: bool = False
    follow_ups_sent: int = 0
    last_follow_up_at: datetime | None = None
    last_customer_at: datetime | None = None
    last_customer_text: str | None = None
    answered: bool = False  # our answer is the chat's last turn
    answered_at: datetime | None = None  # when it went out: the quiet time counts from there


class FollowUpPlan(BaseModel):
    at: datetime | None = None  # None: no follow-up (see reason)
    reason: str


_QUESTION_START = re.compile(
    r"^\s*(?:wat|wie|waar|wanneer|hoe|hoeveel|welke?|waarom|kan|kun|kunnen|kunt|mag|heb|hebben|heeft|is|zijn|"
    r"staat|staan|zit|zitten|wil|zou|doen|doet|klopt|what|who|where|when|how|which|why|can|could|do|does|is|are|"
    r"have|has|would|will|was|wer|wo|wann|wie|welche[rsn]?|warum|kann|können|haben|hat|ist|sind|gibt)\b",
    re.IGNORECASE,
)


def is_question(text: str | None) -> bool:
    if not text:
        return False
    return "?" in text or any(_QUESTION_START.match(part) for part in re.split(r"[.!\n]+", text) if part.strip())


def why_not(facts: FollowUpFacts) -> str | None:
    """The rule that forbids a follow-up now, or None."""
    if not facts.enabled:
        return "follow-ups uit (FOLLOW_UP_ENABLED)"
    if facts.opted_out:
        return "klant heeft STOP gezegd"
    if not facts.follow_ups_allowed or bought_elsewhere(facts.last_customer_text or ""):
        return "klant kocht elders of zoekt niet meer"
    if facts.escalation_open:
        return "escalatie open"
    if facts.test_drive_booked:
        return "proefrit geboekt"
    if facts.human_active:
        return "een collega is in gesprek"
    if facts.lead_quality not in FOLLOW_UP_BANDS:
        return f"lead is {facts.lead_quality or 'niet gescoord'}"
    if facts.follow_ups_sent >= facts.max_count:
        return f"al {facts.follow_ups_sent} follow-ups gestuurd"
    if facts.last_customer_at is None or not facts.answered or not is_question(facts.last_customer_text):
        return "laatste klantbericht was geen beantwoorde vraag"
    return None


def plan_follow_up(facts: FollowUpFacts, dealer: DealerFacts) -> FollowUpPlan:
    reason = why_not(facts)
    if reason:
        return FollowUpPlan(reason=reason)
    quiet_since = facts.answered_at or facts.last_customer_at
    assert quiet_since is not None
    at = add_opening_hours(quiet_since, facts.after_hours, dealer)
    if facts.follow_ups_sent and facts.last_follow_up_at is not None:
        at = max(at, next_open_moment(facts.last_follow_up_at + timedelta(days=facts.second_after_days), dealer))
    return FollowUpPlan(at=at, reason=f"follow-up {facts.follow_ups_sent + 1} na {facts.after_hours:g} openingsuren stilte")


# --- opening hours ---------------------------------------------------------------------
def _bounds(dealer: DealerFacts, day: date) -> tuple[datetime, datetime] | None:
    hours = open_hours(dealer, day)
    if not hours:
        return None
    return datetime.combine(day, hours[0], tzinfo=dealer.tz), datetime.combine(day, hours[1], tzinfo=dealer.tz)


def is_open(moment: datetime, dealer: DealerFacts) -> bool:
    if not dealer.opening_hours:
        return True
    bounds = _bounds(dealer, moment.astimezone(dealer.tz).date())
    return bool(bounds) and bounds[0] <= moment < bounds[1]


def next_open_moment(moment: datetime, dealer: DealerFacts) -> datetime:
    """`moment` when the dealer is open then, else the next opening (holidays skipped)."""
    if not dealer.opening_hours or is_open(moment, dealer):
        return moment
    local = moment.astimezone(dealer.tz)
    for offset in range(0, 60):
        bounds = _bounds(dealer, local.date() + timedelta(days=offset))
        if bounds and bounds[0] > local:
            return bounds[0].astimezone(moment.tzinfo)
    return moment


def add_opening_hours(start: datetime, hours: float, dealer: DealerFacts) -> datetime:
    """`hours` of opening time after `start` (always-open when no hours are configured)."""
    remaining = timedelta(hours=hours)
    if not dealer.opening_hours:
        return start + remaining
    cursor = start.astimezone(dealer.tz)
    for _ in range(800):  # bounded: about two years of days
        bounds = _bounds(dealer, cursor.date())
        if bounds:
            cursor = max(cursor, bounds[0])
            if cursor < bounds[1]:
                if remaining <= bounds[1] - cursor:
                    return (cursor + remaining).astimezone(start.tzinfo)
                remaining -= bounds[1] - cursor
        cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=dealer.tz)
    return start + timedelta(hours=hours)


def proposal_day(now: datetime, dealer: DealerFacts) -> date:
    """The next open day after today: the day the follow-up offers a test drive."""
    today = now.astimezone(dealer.tz).date()
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        if not dealer.opening_hours or _bounds(dealer, day):
            return day
    return today + timedelta(days=1)


_WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday"),
    "de": ("am Montag", "am Dienstag", "am Mittwoch", "am Donnerstag", "am Freitag", "am Samstag", "am Sonntag"),
}
_TOMORROW = {"nl": "morgen", "en": "tomorrow", "de": "morgen"}


def day_words(day: date, today: date, language: str | None) -> str:
    spoken = spoken_language(language)
    if (day - today).days == 1:
        return _TOMORROW[spoken]
    return _WEEKDAYS[spoken][day.weekday()]


# --- the text ------------------------------------------------------------------------------
CAR_STILL_THERE = Phrase(
    nl="Hoi{name}, de {car} staat er nog: zal ik {day} een proefrit voor je inplannen?",
    nl_u="Goedendag{name}, de {car} staat er nog: zal ik {day} een proefrit voor u inplannen?",
    en="Hi{name}, the {car} is still available: shall I book a test drive for you {day}?",
    de="Hallo{name}, der {car} ist noch da: Soll ich {day} eine Probefahrt für Sie einplanen?",
)
CAR_STILL_THERE_AGAIN = Phrase(
    nl="Hoi{name}, nog steeds interesse in de {car}? Hij staat er nog. Zeg maar wanneer het je uitkomt, dan zet ik een proefrit voor je klaar.",
    nl_u="Goedendag{name}, nog steeds interesse in de {car}? Hij staat er nog. Laat gerust weten wanneer het u uitkomt, dan zet ik een proefrit voor u klaar.",
    en="Hi{name}, still interested in the {car}? It's still here. Just tell me when suits you and I'll set up a test drive.",
    de="Hallo{name}, haben Sie noch Interesse am {car}? Er ist noch da. Sagen Sie mir einfach, wann es Ihnen passt, dann plane ich eine Probefahrt ein.",
)
CAR_SOLD_ALTERNATIVE = Phrase(
    nl="Hoi{name}, de {car} is inmiddels verkocht, maar de {alternative} lijkt er veel op. Zal ik {day} een proefrit voor je inplannen?",
    nl_u="Goedendag{name}, de {car} is inmiddels verkocht, maar de {alternative} lijkt er veel op. Zal ik {day} een proefrit voor u inplannen?",
    en="Hi{name}, the {car} has been sold in the meantime, but the {alternative} is very similar. Shall I book a test drive for you {day}?",
    de="Hallo{name}, der {car} ist inzwischen verkauft, aber der {alternative} ist ihm sehr ähnlich. Soll ich {day} eine Probefahrt für Sie einplanen?",
)
STILL_LOOKING = Phrase(
    nl="Hoi{name}, zoek je nog een {wish}? Er staan er nog een paar klaar: zal ik {day} een proefrit voor je inplannen?",
    nl_u="Goedendag{name}, zoekt u nog een {wish}? Er staan er nog een paar klaar: zal ik {day} een proefrit voor u inplannen?",
    en="Hi{name}, still looking for a {wish}? We have a few ready: shall I book a test drive for you {day}?",
    de="Hallo{name}, suchen Sie noch einen {wish}? Wir haben noch einige da: Soll ich {day} eine Probefahrt für Sie einplanen?",
)
STILL_LOOKING_AGAIN = Phrase(
    nl="Hoi{name}, nog even een berichtje: als je wilt, zet ik een paar auto's voor je klaar die bij je wensen passen.",
    nl_u="Goedendag{name}, nog even een berichtje: als u wilt, zet ik een paar auto's voor u klaar die bij uw wensen passen.",
    en="Hi{name}, just checking in: if you like, I'll line up a few cars that match what you're looking for.",
    de="Hallo{name}, kurz nachgefragt: Wenn Sie möchten, stelle ich Ihnen ein paar passende Autos zusammen.",
)


class FollowUpDraft(BaseModel):
    text: str | None = None  # None: nothing to say (a sold car without an alternative)
    kind: Literal["car", "car_again", "alternative", "search", "search_again", "none"]
    reason: str = ""


def first_name(name: str | None) -> str:
    if not name:
        return ""
    from agents.dialogue import first_name as addressed

    word = addressed(name.strip()) or ""  # "Jan" for "Jan de Vries", "Dhr. Bakker" stays whole
    return f" {word[:40]}" if word and word[0].isalpha() else ""


def draft_follow_up(
    *, number: int, now: datetime, dealer: DealerFacts, language: str | None, address_form: str | None,
    name: str | None, car: str | None, car_sold: bool = False, alternative: str | None = None, wish: str | None = None,
) -> FollowUpDraft:
    """The follow-up's words: about the car under discussion, a similar one when it was sold, or
    the customer's wish; the second one is worded differently and asks nothing new."""
    fields = {
        "name": first_name(name),
        "day": day_words(proposal_day(now, dealer), now.astimezone(dealer.tz).date(), language),
    }
    if car and car_sold:
        if not alternative:
            return FollowUpDraft(kind="none", reason="auto verkocht, geen alternatief")
        return FollowUpDraft(text=say(CAR_SOLD_ALTERNATIVE, language, address_form, car=car, alternative=alternative, **fields),
                             kind="alternative")
    if car:
        phrase, kind = (CAR_STILL_THERE, "car") if number == 1 else (CAR_STILL_THERE_AGAIN, "car_again")
        return FollowUpDraft(text=say(phrase, language, address_form, car=car, **fields), kind=kind)
    if number == 1 and wish:
        return FollowUpDraft(text=say(STILL_LOOKING, language, address_form, wish=wish, **fields), kind="search")
    return FollowUpDraft(text=say(STILL_LOOKING_AGAIN, language, address_form, **fields), kind="search_again")
