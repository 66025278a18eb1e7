"""Questions we cannot answer from our data: one honest line, a promise, and a light task for sales.

"Of er een trekhaak op zit zie ik niet in mijn gegevens; ik laat het nakijken en app je vandaag
nog." The exact question goes to sales once (a Chatwoot private note, or an e-mail without
Chatwoot) through the conversation's sales lane. It is not an escalation: the bot keeps
answering, and a repeat of the question gets "je vroeg het al", who finds out and when.

Pure functions; the workflow queues the task (workflows/conversation_checks.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from agents.knowledge.dealer import DUTCH_WEEKDAYS, DealerFacts
from agents.models import ConversationContext, OpenCheck
from agents.rules.phrases import Phrase, say

KEPT = 20  # open checks remembered per chat (oldest dropped)
MIN_HOURS_LEFT = 1  # "vandaag nog" only with at least this long before closing

_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DE_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def answer_day(dealer: DealerFacts, now: datetime) -> int:
    """Days from today until a colleague can answer: 0 when open long enough today, else the next opening day."""
    local = now.astimezone(dealer.tz)
    hours = dealer.hours_on(local.date())
    if hours and local.time() < hours[0]:
        return 0
    if hours and datetime.combine(local.date(), hours[1], tzinfo=dealer.tz) - local >= timedelta(hours=MIN_HOURS_LEFT):
        return 0
    for days in range(1, 15):
        if dealer.hours_on(local.date() + timedelta(days=days)):
            return days
    return 1


def promise_moment(dealer: DealerFacts, now: datetime, language: str | None = "nl") -> str:
    """ "vandaag nog" / "morgen" / "op maandag", in the chat's language."""
    days = answer_day(dealer, now)
    weekday = (now.astimezone(dealer.tz).weekday() + days) % 7
    spoken = language if language in ("en", "de") else ("en" if language not in (None, "nl") else "nl")
    if spoken == "en":
        return ("later today", "tomorrow")[days] if days < 2 else f"on {_EN_WEEKDAYS[weekday]}"
    if spoken == "de":
        return ("heute noch", "morgen")[days] if days < 2 else f"am {_DE_WEEKDAYS[weekday]}"
    return ("vandaag nog", "morgen")[days] if days < 2 else f"op {DUTCH_WEEKDAYS[weekday]}"


# --- what the customer reads --------------------------------------------------------------------
UNKNOWN_CHECK = Phrase(
    nl="{subject} zie ik niet in mijn gegevens; ik laat het nakijken en app je {when}.",
    nl_u="{subject} zie ik niet in mijn gegevens; ik laat het nakijken en app u {when}.",
    en="{subject} isn't in my data; I'll have it checked and message you {when}.",
    de="{subject} sehe ich nicht in meinen Daten; ich lasse es prüfen und melde mich {when}.",
)
ALREADY_CHECKING = Phrase(
    nl="Je vroeg het al: {subject_lower} weet ik nog niet. Een collega van verkoop zoekt het uit en appt je {when}.",
    nl_u="U vroeg het al: {subject_lower} weet ik nog niet. Een collega van verkoop zoekt het uit en appt u {when}.",
    en="You asked already: I don't know {subject_lower} yet. A colleague from sales is finding out and will message you {when}.",
    de="Sie hatten schon gefragt: {subject_lower} weiß ich noch nicht. Ein Kollege aus dem Verkauf klärt es und meldet sich {when}.",
)
STRAIGHT_ANSWER = Phrase(
    nl="Je vroeg het al, dus eerlijk: {subject_lower} weet ik nog niet. Het staat niet in onze gegevens en ik wil niet "
       "gokken; een collega kijkt het na en appt je {when} met een ja of nee.",
    nl_u="U vroeg het al, dus eerlijk: {subject_lower} weet ik nog niet. Het staat niet in onze gegevens en ik wil niet "
         "gokken; een collega kijkt het na en appt u {when} met een ja of nee.",
    en="You asked already, so honestly: I don't know {subject_lower} yet. It isn't in our data and I won't guess; a "
       "colleague is checking and will message you {when} with a yes or no.",
    de="Sie hatten schon gefragt, also ehrlich: {subject_lower} weiß ich noch nicht. Es steht nicht in unseren Daten und "
       "ich möchte nicht raten; ein Kollege prüft es und meldet sich {when} mit einem Ja oder Nein.",
)


def unknown_line(subject: str, dealer: DealerFacts, now: datetime, context: ConversationContext) -> str:
    when = promise_moment(dealer, now, context.language)
    return say(UNKNOWN_CHECK, context.language, context.address_form, subject=subject, when=when)


STILL_CHECKING = Phrase(
    nl="Nog even geduld: een collega zoekt het uit en je hoort het {when}, ook als het antwoord nee is.",
    nl_u="Nog even geduld: een collega zoekt het uit en u hoort het {when}, ook als het antwoord nee is.",
    en="Bear with us: a colleague is finding out and you'll hear {when}, even if the answer is no.",
    de="Einen Moment Geduld: Ein Kollege klärt es, und Sie hören {when} von uns, auch wenn die Antwort Nein ist.",
)


def repeat_line(subject: str, dealer: DealerFacts, now: datetime, context: ConversationContext, insisting: bool) -> str:
    """The same open question again: short, says we heard it, who finds out and when; never the same line twice."""
    when = promise_moment(dealer, now, context.language)
    fields = {"subject_lower": subject[:1].lower() + subject[1:], "when": when}
    order = [STRAIGHT_ANSWER, ALREADY_CHECKING] if insisting else [ALREADY_CHECKING, STRAIGHT_ANSWER]
    lines = [say(phrase, context.language, context.address_form, **fields) for phrase in (*order, STILL_CHECKING)]
    said = " ".join(turn.text for turn in context.history if turn.role == "bot")
    return next((line for line in lines if not _said(line, said)), lines[-1])


def _said(line: str, said: str) -> bool:
    """The line's first sentence is already in the chat (the repetition filter would cut it)."""
    head = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0].lower()
    return head in said.lower()


_INSISTING = re.compile(r"\?\?|!!|\bja\s+of\s+nee\b|\byes\s+or\s+no\b|\bja\s+oder\s+nein\b|\bgewoon\s+ja\b")


def insisting(text: str) -> bool:
    """ "TREKHAAK?? ja of nee": the customer wants a straight answer."""
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 5 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    return shouting or bool(_INSISTING.search(text.lower()))


# --- bookkeeping ------------------------------------------------------------------------------------
def check(key: str, question: str, topic: str, car=None, promised: str = "", at: datetime | None = None) -> OpenCheck:
    return OpenCheck(key=key, question=question.strip()[:500], topic=topic, car_id=getattr(car, "id", None),
                     car_title=getattr(car, "title", None), promised=promised, asked_at=at)


def is_open(context: ConversationContext, key: str) -> bool:
    return any(item.key == key for item in context.open_checks)


def said_unknown(context: ConversationContext, subject: str) -> bool:
    """We already told this chat that we do not know this (also before checks were kept, or in other words)."""
    wanted = subject.rstrip(" ,").lower()
    return len(wanted) > 12 and any(turn.role == "bot" and wanted in turn.text.lower() for turn in context.history)


def new_checks(context: ConversationContext, checks: list[OpenCheck]) -> list[OpenCheck]:
    """The checks not sent before in this chat (deduplicated by key, also within this reply)."""
    seen = {item.key for item in context.open_checks}
    fresh = []
    for item in checks:
        if item.key not in seen:
            seen.add(item.key)
            fresh.append(item)
    return fresh


def remember(context: ConversationContext, checks: list[OpenCheck]) -> ConversationContext:
    if not checks:
        return context
    return context.model_copy(update={"open_checks": [*context.open_checks, *checks][-KEPT:]})


def claude_key(topic: str, car_id: str | None) -> str:
    """A stable key for a check Claude names: its short topic, normalised, plus the car."""
    words = " ".join(re.sub(r"[^\w]+", " ", topic.lower()).split())[:60] or "vraag"
    return f"vraag:{words}:{car_id or ''}"


def task_subject(item: OpenCheck, customer: str) -> str:
    about = f" ({item.car_title})" if item.car_title else ""
    return f"Vraag nakijken: {item.topic}{about} — {customer}"


def task_text(item: OpenCheck, customer: str) -> str:
    """The note for sales (Dutch, staff-facing): the exact question, the car, what we promised.

    `customer`: name and number as the sales lane labels them ("Sanne (31612345678)")."""
    lines = [
        f"Vraag van {customer} die de bot niet uit onze gegevens kon beantwoorden:",
        f"“{item.question}”",
        f"Onderwerp: {item.topic}",
    ]
    if item.car_title:
        lines.append(f"Auto: {item.car_title}" + (f" ({item.car_id})" if item.car_id else ""))
    if item.promised:
        lines.append(f"Aan de klant beloofd: antwoord {item.promised} via WhatsApp.")
    lines.append("Geen escalatie: de bot blijft het gesprek voeren. Antwoord de klant zelf via Chatwoot of WhatsApp.")
    return "\n".join(lines)
