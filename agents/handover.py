"""The hand-over as a conversation: what the customer hears while a person has their question.

Pure decisions (no I/O), used by the conversation and escalation workflows whatever the agent
backend: the short status line and when to add it, the line that says who took the question,
the honest "it takes longer" notice, when urgency rises, and which staff WhatsApp messages
acknowledge an escalation.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from agents.rules.phrases import Phrase, say, spoken_language
from agents.rules.spoken_dates import MONTH_NAMES, RELATIVE_DAYS, weekday

STATUS_LINE_EVERY = timedelta(minutes=30)  # at most one status line per half hour of conversation
UNANSWERED_STREAK = 3  # customer messages in a row without a human reply raise urgency
FORWARDS_KEPT = 50  # forwards remembered in an escalation's state (the history has them all)

# The team as the customer hears it, after a name: "Fenna (financiering)".
TEAM_WORD: dict[str, str] = {
    "finance_advisor": "financiering",
    "technical_specialist": "techniek",
    "sales": "verkoop",
    "manager": "bedrijfsleider",
}
# Without a name: who has the question.
ROLE_SUBJECT: dict[str, str] = {
    "finance_advisor": "Onze financieringsadviseur",
    "technical_specialist": "Onze technisch specialist",
    "sales": "Een verkoper",
    "manager": "De bedrijfsleider",
}
_URGENCY_ORDER = ("low", "medium", "high", "critical")

# Threats that make an open escalation more urgent (issue 13 §1).
_THREATS: list[tuple[str, re.Pattern[str]]] = [
    ("dreigt met een (slechte) review", re.compile(
        r"\b(reviews?|recensies?|beoordeling(en)?|trustpilot|klantenvertellen|sterren)\b|\b(1|één|een)\s+ster\b", re.I)),
    # The BOVAG as a complaint channel, not BOVAG-garantie or a BOVAG-erkend bedrijf.
    ("noemt de BOVAG", re.compile(
        r"\b(naar|bij|via|aan)\s+(de\s+)?bovag\b(?![- ]?(garantie|gekeurd|keuring|erkend|lid|bedrijf))"
        r"|\bbovag\b.{0,25}\b(inschakelen|melden|klacht|bellen|aangeven)", re.I)),
    ("noemt de Geschillencommissie", re.compile(r"geschillen\s*commissie", re.I)),
    ("noemt een advocaat", re.compile(r"\badvocaa?t(en)?\b|\brechtsbijstand\b", re.I)),
    ("dreigt met juridische stappen", re.compile(
        r"\bjuridisch(e)?\b|\brechtszaak\b|\bnaar de rechter\b|\bdagvaard|\bkort geding\b", re.I)),
    ("komt verhaal halen", re.compile(r"\bverhaal\s+(komen\s+)?halen\b", re.I)),
]
# A review threat needs a threat, not a compliment ("jullie reviews zijn goed").
_REVIEW_INTENT = re.compile(
    r"\b(slechte|negatieve|zet|zetten|schrijf|schrijven|plaats|plaatsen|achterlaten|geven|iedereen weten)\b"
    r"|\b(1|één|een)\s+ster\b", re.I)

# The customer asks where their question is ("hoe lang duurt het nog?", "hallo??").
_STATUS_QUESTIONS = re.compile(
    r"\bhoe lang (duurt|gaat) (het|dat|dit)( nog)?\b|\bhoe lang moet ik (nog )?wachten\b"
    r"|\bwanneer (hoor|krijg) ik (nou |nu |eindelijk )?(iets|wat|antwoord|bericht|reactie)\b"
    r"|\bwanneer (belt|reageert|komt) (er )?(nou |nu )?(iemand|hij|ze|jullie)\b"
    r"|\b(nog|al) (steeds )?(niks|niets) gehoord\b|\bnog steeds (niks|niets|geen (reactie|antwoord|bericht))\b"
    r"|\b(is|heeft) er (al|nou|nu) iemand\b[^?.!]*|\bbelt (er )?(nog |al |nou )?iemand\b"
    r"|\breageert (er )?(nog |al |nou )?(niemand|iemand)\b|\bniemand reageert\b|\bwaar blijft\b"
    r"|\bhoe staat het (ermee|met mijn vraag)\b|\bal (iets|wat) bekend\b",
    re.I,
)
_NUDGE = re.compile(r"^\W*(hallo|hey|hee|hoi|en)?\W*\?{2,}\W*$|^\W*(en\??|nou\??|hallo\?+)\W*$", re.I)


def asks_for_status(text: str) -> bool:
    return bool(_STATUS_QUESTIONS.search(text) or _NUDGE.match(text))


def only_status_question(text: str) -> bool:
    """Nothing else in the message to answer: the status is the whole reply."""
    if _NUDGE.match(text):
        return True
    rest = _STATUS_QUESTIONS.sub(" ", text)
    rest = re.sub(r"\b(hallo|hey|hee|hoi|nou|en|dan|nog|eigenlijk|eens|toch|even|al|dat|dit|het)\b", " ", rest, flags=re.I)
    return not re.sub(r"[\W_]+", "", rest)


# What a specialist answers on WhatsApp to take an escalation.
_ACK_WORDS = {"ok", "oke", "oké", "okay", "okey", "okido", "ack", "ik pak het op", "pak ik op", "ik pak hem op", "👍"}


class UrgencyRise(BaseModel):
    urgency: str  # the new urgency
    reason: str  # Dutch, for staff


class HandoverView(BaseModel):
    """What the customer may be told about an open escalation (a small record in workflow state)."""

    escalation_type: str
    sla_deadline: datetime | None = None
    timezone_name: str = "Europe/Amsterdam"
    handler_name: str | None = None  # first name of whoever acknowledged it
    acknowledged: bool = False
    overdue_until: datetime | None = None  # set when the SLA passed unacknowledged: the new promise


# --- staff on WhatsApp -------------------------------------------------------------------------------
def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = re.sub(r"[\ufe0f\u200d]|[\U0001F3FB-\U0001F3FF]", "", text)  # emoji variation and skin tone
    return re.sub(r"[\s.!,]+$", "", re.sub(r"\s+", " ", text))


def is_staff_ack(text: str) -> bool:
    """'ok', 'Oké!', 'ack', '👍' (any skin tone, repeated): the specialist takes the escalation."""
    plain = _plain(text)
    if not plain:
        return False
    if plain in _ACK_WORDS:
        return True
    return bool(re.fullmatch(r"(👍\s*)+", plain))


# --- urgency -------------------------------------------------------------------------------------
def threat_reason(text: str) -> str | None:
    """Why this message makes the escalation more urgent, or None."""
    for reason, pattern in _THREATS:
        if not pattern.search(text):
            continue
        if reason.startswith("dreigt met een (slechte) review") and not _REVIEW_INTENT.search(text):
            continue
        return reason
    return None


def urgency_rise(text: str, unanswered_streak: int, current: str) -> UrgencyRise | None:
    """A threat makes it critical; three customer messages without a human reply make it at least high."""
    reason = threat_reason(text)
    if reason:
        return UrgencyRise(urgency="critical", reason=f"klant {reason}") if current != "critical" else None
    if unanswered_streak >= UNANSWERED_STREAK and current in ("low", "medium"):
        return UrgencyRise(
            urgency="high", reason=f"{unanswered_streak} klantberichten op rij zonder reactie van een collega"
        )
    return None


# --- what the customer hears -------------------------------------------------------------------------
def _first_name(name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    first = name.strip().split()[0]
    return first[:1].upper() + first[1:]


TEAM_WORDS = {
    "nl": TEAM_WORD,
    "en": {"finance_advisor": "finance", "technical_specialist": "technical", "sales": "sales", "manager": "management"},
    "de": {"finance_advisor": "Finanzierung", "technical_specialist": "Technik", "sales": "Verkauf", "manager": "Geschäftsführung"},
}
ROLE_SUBJECTS = {
    "nl": ROLE_SUBJECT,
    "en": {"finance_advisor": "Our finance advisor", "technical_specialist": "Our technical specialist",
           "sales": "A salesperson", "manager": "Our manager"},
    "de": {"finance_advisor": "Unser Finanzierungsberater", "technical_specialist": "Unser Technikspezialist",
           "sales": "Ein Verkäufer", "manager": "Unser Geschäftsführer"},
}
ROLE_OBJECTS = {  # after "aan"/"to"/"an" (German: accusative)
    "nl": {key: value[0].lower() + value[1:] for key, value in ROLE_SUBJECT.items()},
    "en": {"finance_advisor": "our finance advisor", "technical_specialist": "our technical specialist",
           "sales": "our sales team", "manager": "our manager"},
    "de": {"finance_advisor": "unseren Finanzierungsberater", "technical_specialist": "unseren Technikspezialisten",
           "sales": "unser Verkaufsteam", "manager": "unseren Geschäftsführer"},
}
STATUS_BY = (
    Phrase(nl="{who} heeft je vraag en laat vóór {when} van zich horen.", nl_u="{who} heeft uw vraag en laat vóór {when} van zich horen.",
           en="{who} has your question and will be in touch before {when}.", de="{who} hat Ihre Frage und meldet sich vor {when}."),
    Phrase(nl="Je vraag ligt bij {lower}; uiterlijk {when} hoor je van ons.", nl_u="Uw vraag ligt bij {lower}; uiterlijk {when} hoort u van ons.",
           en="Your question is with {lower}; you'll hear from us by {when}.",
           de="Um Ihre Frage kümmert sich {lower}; spätestens {when} hören Sie von uns."),
    Phrase(nl="{who} is ermee bezig; vóór {when} nemen we contact met je op.", nl_u="{who} is ermee bezig; vóór {when} nemen we contact met u op.",
           en="{who} is on it; we'll be in touch before {when}.", de="{who} kümmert sich darum; vor {when} melden wir uns bei Ihnen."),
)
STATUS_SOON = (
    Phrase(nl="{who} heeft je vraag en neemt zo snel mogelijk contact met je op.",
           nl_u="{who} heeft uw vraag en neemt zo snel mogelijk contact met u op.",
           en="{who} has your question and will get in touch as soon as possible.",
           de="{who} hat Ihre Frage und meldet sich so bald wie möglich bei Ihnen."),
    Phrase(nl="Je vraag ligt bij {lower}; je hoort zo snel mogelijk van ons.", nl_u="Uw vraag ligt bij {lower}; u hoort zo snel mogelijk van ons.",
           en="Your question is with {lower}; you'll hear from us as soon as possible.",
           de="Um Ihre Frage kümmert sich {lower}; Sie hören so bald wie möglich von uns."),
    Phrase(nl="{who} is ermee bezig en neemt zo snel mogelijk contact met je op.",
           nl_u="{who} is ermee bezig en neemt zo snel mogelijk contact met u op.",
           en="{who} is on it and will be in touch as soon as possible.",
           de="{who} kümmert sich darum und meldet sich so bald wie möglich bei Ihnen."),
)
PICKED_UP = Phrase(nl="{who} heeft je vraag opgepakt en neemt contact met je op.", nl_u="{who} heeft uw vraag opgepakt en neemt contact met u op.",
                   en="{who} has picked up your question and will get in touch.", de="{who} hat Ihre Frage übernommen und meldet sich bei Ihnen.")
OVERDUE_BY = Phrase(nl="Het duurt helaas langer dan ik je beloofde. Ik heb {who} opnieuw gevraagd; je hoort vóór {when} van ons.",
                    nl_u="Het duurt helaas langer dan ik u beloofde. Ik heb {who} opnieuw gevraagd; u hoort vóór {when} van ons.",
                    en="I'm sorry, this is taking longer than I promised. I've asked {who} again; you'll hear from us before {when}.",
                    de="Es dauert leider länger als versprochen. Ich habe {who} noch einmal gebeten, sich zu melden; "
                       "Sie hören vor {when} von uns.")
OVERDUE_SOON = Phrase(nl="Het duurt helaas langer dan ik je beloofde. Ik heb {who} opnieuw gevraagd en je hoort zo snel mogelijk van ons.",
                      nl_u="Het duurt helaas langer dan ik u beloofde. Ik heb {who} opnieuw gevraagd en u hoort zo snel mogelijk van ons.",
                      en="I'm sorry, this is taking longer than I promised. I've asked {who} again and you'll hear from us as soon as possible.",
                      de="Es dauert leider länger als versprochen. Ich habe {who} noch einmal gebeten, sich zu melden; "
                         "Sie hören so bald wie möglich von uns.")
FORWARDED = (
    Phrase(nl="Ik heb dit direct doorgegeven aan {who}, die je vraag al heeft.", nl_u="Ik heb dit direct doorgegeven aan {who}, die uw vraag al heeft.",
           en="I've passed this straight on to {who}, who already has your question.",
           de="Ich habe das direkt an {who} weitergegeben, der Ihre Frage schon hat."),
    Phrase(nl="Ook dit bericht heb ik meteen aan {who} doorgestuurd.", en="I've forwarded this message to {who} right away too.",
           de="Auch diese Nachricht habe ich sofort an {who} weitergeleitet."),
    Phrase(nl="Ik heb ook dit doorgezet; {who} leest alles mee.", en="I've passed this on as well; {who} is reading along.",
           de="Auch das habe ich weitergegeben – an {who}; dort wird alles mitgelesen."),
)


def _when(deadline: datetime, now: datetime, tz: ZoneInfo, language: str = "nl") -> str:
    """'11:30', 'morgen 9:30', 'maandag 9:30' (the deadline already counts opening hours only)."""
    spoken = spoken_language(language)
    local, today = deadline.astimezone(tz), now.astimezone(tz).date()
    clock = f"{local.hour}:{local.minute:02d}" + (" Uhr" if spoken == "de" else "")
    days = (local.date() - today).days
    if days <= 0:
        return clock
    if days == 1:
        return f"{RELATIVE_DAYS[spoken]['morgen']} {clock}"
    if days < 7:
        return f"{weekday(local.date(), spoken)} {clock}"
    if spoken == "en":
        return f"{local.day} {MONTH_NAMES['en'][local.month - 1]} {clock}"
    return f"{local.day}.{local.month}. {clock}" if spoken == "de" else f"{local.day}-{local.month} {clock}"


def _who(view: HandoverView, language: str = "nl") -> str:
    spoken = spoken_language(language)
    name = _first_name(view.handler_name)
    if name:
        return f"{name} ({TEAM_WORDS[spoken][view.escalation_type]})"
    return ROLE_SUBJECTS[spoken][view.escalation_type]


def _object(view: HandoverView, language: str = "nl") -> str:
    spoken = spoken_language(language)
    name = _first_name(view.handler_name)
    return f"{name} ({TEAM_WORDS[spoken][view.escalation_type]})" if name else ROLE_OBJECTS[spoken][view.escalation_type]


def status_line(view: HandoverView, now: datetime, times_said: int = 0, language: str = "nl", form: str = "je") -> str:
    """'Fenna (financiering) heeft je vraag en laat vóór 11:30 van zich horen.' (worded anew each time)"""
    tz = ZoneInfo(view.timezone_name)
    promise = view.overdue_until or (None if view.acknowledged else view.sla_deadline)
    who = _who(view, language)
    spoken = spoken_language(language)
    # mid-sentence: "ligt bij onze financieringsadviseur", "is with our finance advisor", "kümmert sich Unser…" (nominative)
    lower = {"nl": who[0].lower() + who[1:] if who.startswith(("Onze", "Een", "De")) else who,
             "en": _object(view, language), "de": who}[spoken]
    fields = {"who": who, "lower": lower}
    if promise is not None and promise > now:
        variants, fields["when"] = STATUS_BY, _when(promise, now, tz, language)
    else:
        variants = STATUS_SOON
    return say(variants[times_said % len(variants)], language, form, **fields)


def status_line_due(last_said: datetime | None, now: datetime) -> bool:
    return last_said is None or now - last_said >= STATUS_LINE_EVERY


def acknowledged_line(view: HandoverView, language: str = "nl", form: str = "je") -> str:
    """Said once, when a person took the question without writing to the customer yet."""
    return say(PICKED_UP, language, form, who=_who(view, language))


def overdue_notice(view: HandoverView, now: datetime, language: str = "nl", form: str = "je") -> str:
    """The SLA passed without anyone picking up: honest, with a new moment."""
    tz = ZoneInfo(view.timezone_name)
    who = ROLE_OBJECTS[spoken_language(language)][view.escalation_type]
    if view.overdue_until is not None and view.overdue_until > now:
        return say(OVERDUE_BY, language, form, who=who, when=_when(view.overdue_until, now, tz, language))
    return say(OVERDUE_SOON, language, form, who=who)


def forwarded_line(view: HandoverView, times_said: int, language: str = "nl", form: str = "je") -> str:
    """This message needs the person too (a complaint, a threat): say it went straight to them."""
    phrase = FORWARDED[times_said % len(FORWARDED)]
    return say(phrase, language, form, who=_object(view, language), subject=_who(view, language))


def without_repeats(text: str, said_before: list[str], keep: tuple[str, ...] = ()) -> str:
    """The reply minus paragraphs the bot already sent word for word (legal lines in `keep` stay)."""
    said = {" ".join(part.split()) for earlier in said_before for part in earlier.split("\n\n") if part.strip()}
    parts = [part for part in text.split("\n\n") if part.strip()]
    fresh = [part for part in parts if " ".join(part.split()) not in said or part.strip() in keep]
    if not any(part.strip() not in keep for part in fresh):
        return ""
    return "\n\n".join(fresh)


# --- what staff read ---------------------------------------------------------------------------------
def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def forward_note(text: str, bot_reply: str | None, reason: str = "") -> str:
    """A Chatwoot private note: the customer wrote again while the escalation is open."""
    head = "➕ Nieuw bericht terwijl de escalatie openstaat" + (f" ({reason})" if reason else "")
    lines = [head + ":", f"Klant: {_one_line(text, 500)}"]
    if bot_reply:
        lines.append(f"Assistent antwoordde: {_one_line(bot_reply, 300)}")
    return "\n".join(lines)


def forward_update(customer: str, texts: list[str], escalation_id: str) -> str:
    """One WhatsApp/e-mail update with every message since the last one (not one per message)."""
    count = len(texts)
    head = f"➕ {customer} stuurde {count} nieuw{'e' if count != 1 else ''} bericht{'en' if count != 1 else ''}:"
    body = [f"{number}. {_one_line(text, 300)}" for number, text in enumerate(texts, start=1)]
    return "\n".join([head, *body, f"(escalatie {escalation_id}; de assistent heeft de algemene vragen beantwoord)"])


def urgency_note(urgency: str, reason: str) -> str:
    titles = {"critical": "KRITIEK", "high": "HOOG", "medium": "NORMAAL", "low": "LAAG"}
    return f"⚠️ Urgentie verhoogd naar {titles.get(urgency, urgency)}: {reason}."
