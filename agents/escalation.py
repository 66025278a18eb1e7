"""Escalation decisions and texts: who is alerted, what they read, when the SLA runs out.

Pure logic (no I/O): the escalation activities and workflow call these, and the
conversation workflow uses `handoff_message` for the customer's reply.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from agents.knowledge.dealer import DUTCH_WEEKDAYS, DealerFacts
from agents.models import EscalationType, Urgency
from agents.rules.phrases import Phrase, say, spoken_language
from agents.rules.spoken_dates import MONTH_NAMES, weekday

TYPE_TITLES: dict[str, str] = {
    "finance_advisor": "Finance Advisor",
    "technical_specialist": "Technisch Specialist",
    "sales": "Verkoop",
    "manager": "Bedrijfsleider",
}
# Who the customer is told will contact them.
CUSTOMER_FACING_ROLE: dict[str, str] = {
    "finance_advisor": "een van onze financieringsadviseurs",
    "technical_specialist": "onze technisch specialist",
    "sales": "een verkoper",
    "manager": "de bedrijfsleider",
}
URGENCY_TITLES: dict[str, str] = {"critical": "KRITIEK", "high": "HOOG", "medium": "NORMAAL", "low": "LAAG"}
URGENT = ("high", "critical")
# Used when the caller does not pass the configured SLA (same values as config.py's defaults).
DEFAULT_SLA_MINUTES: dict[str, int] = {"critical": 5, "high": 15, "medium": 60, "low": 240}
MAX_REMINDERS = 2  # chase rounds after the first SLA; afterwards the escalation just stays open
ESCALATED_LABEL = "escalated"


# --- the plan the workflow follows (computed in an activity, recorded in history) ----------------
class Recipient(BaseModel):
    chat_id: str | None = None  # WhatsApp chat id "316...@c.us"; None = no number configured
    email: str | None = None
    label: str  # "Finance Advisor", "Bedrijfsleider"


class EscalationPlan(BaseModel):
    specialist: Recipient
    manager: Recipient
    cc_manager: bool  # urgent: the manager reads along from the first e-mail
    whatsapp_fallback_note: str | None = None  # why the alert goes to someone else, or nowhere
    sla_minutes: int
    deadlines: list[datetime]  # the first SLA deadline, then one per reminder round
    timezone_name: str = "Europe/Amsterdam"  # the dealer's, for times in the texts
    chatwoot_configured: bool
    chatwoot_assignee_id: int | None = None
    chatwoot_team_id: int | None = None
    public_base_url: str = ""
    specialist_name: str | None = None  # ESCALATION_NAME_<TYPE>, told to the customer once acknowledged
    forward_window_seconds: int = 120  # grouping of forwarded messages without Chatwoot


# --- phone formatting ------------------------------------------------------------------------------
def whatsapp_chat_id(phone: str) -> str:
    """'+31 6 1234 5678' -> '31612345678@c.us' (chat ids pass through)."""
    if "@" in phone:
        return phone
    return "".join(ch for ch in phone if ch.isdigit()) + "@c.us"


def pretty_phone(phone: str) -> str:
    """'+31612345678' -> '+31 6 1234 5678' (Dutch mobiles); other numbers keep '+digits'."""
    digits = "".join(ch for ch in phone.split("@", 1)[0] if ch.isdigit())
    if digits.startswith("316") and len(digits) == 11:
        return f"+31 6 {digits[3:7]} {digits[7:]}"
    return f"+{digits}" if digits else phone


def masked_phone(phone: str) -> str:
    """'+31612345678' -> '+31 6 •••• 5678': enough to recognise, not to copy."""
    digits = "".join(ch for ch in phone.split("@", 1)[0] if ch.isdigit())
    if len(digits) < 6:
        return "•" * len(digits)
    return f"+{digits[:2]} {digits[2]} •••• {digits[-4:]}"


def customer_label(name: str | None, phone: str) -> str:
    return f"{name} ({pretty_phone(phone)})" if name else pretty_phone(phone)


def chatwoot_conversation_url(base_url: str, account_id: int, conversation_id: int) -> str:
    return f"{base_url.rstrip('/')}/app/accounts/{account_id}/conversations/{conversation_id}"


def chatwoot_public_base(public_url: str | None, base_url: str | None) -> str | None:
    """Where staff open Chatwoot: CHATWOOT_PUBLIC_URL, else CHATWOOT_BASE_URL unless that is an
    internal container name ("http://chatwoot-rails:3000"), which no phone or laptop can open."""
    if public_url:
        return public_url
    if not base_url:
        return None
    host = (urlsplit(base_url).hostname or "").lower()
    if "." in host or ":" in host or host == "localhost":  # a domain or an IP address
        return base_url
    return None


# --- texts for staff ---------------------------------------------------------------------------------
def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def alert_text(
    escalation_type: str,
    customer_name: str | None,
    customer_phone: str,
    question: str,
    chatwoot_url: str | None = None,
    *,
    urgency: str | None = None,
) -> str:
    """The short WhatsApp alert to the specialist."""
    head = f"🚨 ESCALATIE: {TYPE_TITLES[escalation_type]}"
    if urgency in URGENT:
        head += f" ({URGENCY_TITLES[urgency]})"
    lines = [head, f"Klant: {customer_label(customer_name, customer_phone)}", f"Vraag: {_one_line(question)}"]
    if chatwoot_url:
        lines.append(f"Chatwoot: {chatwoot_url}")
    return "\n".join(lines)


def reminder_text(
    escalation_type: str,
    customer_name: str | None,
    customer_phone: str,
    question: str,
    waiting_minutes: int,
    round_number: int,
    chatwoot_url: str | None = None,
) -> str:
    """The chase message to the specialist when nobody acknowledged in time."""
    lines = [
        f"⏰ HERINNERING {round_number}: {TYPE_TITLES[escalation_type]}",
        f"Klant {customer_label(customer_name, customer_phone)} wacht al {waiting_minutes} min op een reactie.",
        f"Vraag: {_one_line(question)}",
    ]
    if chatwoot_url:
        lines.append(f"Chatwoot: {chatwoot_url}")
    lines.append("Bevestig dat je het oppakt: antwoord hier 👍 of ok (of via Chatwoot / `seldenrijk escalations ack`).")
    return "\n".join(lines)


def manager_alert_text(
    escalation_type: str,
    customer_name: str | None,
    customer_phone: str,
    question: str,
    waiting_minutes: int,
    chatwoot_url: str | None = None,
) -> str:
    """To the manager: a specialist did not pick up an escalation within its SLA."""
    lines = [
        f"🚨 NIET OPGEPAKT: {TYPE_TITLES[escalation_type]}",
        f"Klant: {customer_label(customer_name, customer_phone)}",
        f"Al {waiting_minutes} min geen reactie van {TYPE_TITLES[escalation_type].lower()}.",
        f"Vraag: {_one_line(question)}",
    ]
    if chatwoot_url:
        lines.append(f"Chatwoot: {chatwoot_url}")
    return "\n".join(lines)


def email_subject(
    escalation_type: str, urgency: str, customer_name: str | None, customer_phone: str, *, overdue: bool = False
) -> str:
    prefix = "[Escalatie NIET OPGEPAKT]" if overdue else "[Escalatie]"
    return (
        f"{prefix}[{URGENCY_TITLES[urgency]}] {TYPE_TITLES[escalation_type]}: "
        f"{customer_label(customer_name, customer_phone)}"
    )


def email_body(
    *,
    escalation_id: str,
    escalation_type: str,
    urgency: str,
    reason: str,
    question: str,
    customer_name: str | None,
    customer_phone: str,
    transcript: list[str],
    started_at: datetime,
    sla_deadline: datetime | None,
    timezone_name: str,
    chatwoot_url: str | None,
    public_base_url: str,
    overdue_minutes: int | None = None,
) -> str:
    """The detailed plain-text e-mail: everything needed to call the customer back."""
    tz = ZoneInfo(timezone_name)
    lines = ["Beste collega,", ""]
    if overdue_minutes is not None:
        lines += [
            f"Deze escalatie is na {overdue_minutes} minuten nog door niemand opgepakt.",
            "Wil je zorgen dat de klant snel wordt teruggebeld?",
            "",
        ]
    else:
        lines += ["De WhatsApp-assistent heeft een gesprek doorgezet dat een mens nodig heeft.", ""]
    lines += [
        f"Type:        {TYPE_TITLES[escalation_type]}",
        f"Urgentie:    {URGENCY_TITLES[urgency]}",
        f"Reden:       {reason or '-'}",
        f"Klant:       {customer_name or '(naam onbekend)'}",
        f"Telefoon:    {pretty_phone(customer_phone)}",
        f"WhatsApp:    https://wa.me/{''.join(ch for ch in customer_phone if ch.isdigit())}",
        f"Gestart:     {started_at.astimezone(tz):%d-%m-%Y %H:%M}",
    ]
    if sla_deadline is not None:
        lines.append(f"Reageer vóór: {sla_deadline.astimezone(tz):%d-%m-%Y %H:%M}")
    if chatwoot_url:
        lines.append(f"Chatwoot:    {chatwoot_url}")
    lines += ["", "Vraag van de klant:", f"  {question.strip()}", ""]
    if transcript:
        lines.append("Gesprek tot nu toe:")
        lines += [f"  {line}" for line in transcript]
        lines.append("")
    base = public_base_url.rstrip("/")
    lines += [
        "Oppakken / afsluiten:",
        f"  seldenrijk escalations ack {escalation_id}",
        f"  seldenrijk escalations resolve {escalation_id}",
        f"  of POST {base}/escalations/{escalation_id}/ack (header X-API-Key)",
        "",
        f"Escalatie-id: {escalation_id}",
    ]
    return "\n".join(lines)


def transcript_summary(transcript: list[str], max_lines: int = 12, max_chars: int = 300) -> str:
    """The last lines of the conversation, each shortened, for a Chatwoot private note."""
    recent = transcript[-max_lines:]
    skipped = len(transcript) - len(recent)
    lines = [f"… ({skipped} eerdere berichten)"] if skipped else []
    lines += [_one_line(line, max_chars) for line in recent]
    return "\n".join(lines)


def chatwoot_note(
    escalation_type: str,
    urgency: str,
    reason: str,
    question: str,
    transcript: list[str],
    sla_deadline: datetime | None,
    timezone_name: str,
) -> str:
    """The private note on the Chatwoot conversation when the escalation starts."""
    lines = [
        f"🚨 Escalatie naar {TYPE_TITLES[escalation_type]} (urgentie {URGENCY_TITLES[urgency].lower()})",
        f"Reden: {reason or '-'}",
        f"Vraag: {_one_line(question, 300)}",
    ]
    if sla_deadline is not None:
        lines.append(f"Graag reageren vóór {sla_deadline.astimezone(ZoneInfo(timezone_name)):%d-%m %H:%M}.")
    if transcript:
        lines += ["", "Samenvatting gesprek:", transcript_summary(transcript)]
    lines += [
        "",
        "De assistent blijft algemene vragen beantwoorden en zet nieuwe klantberichten hier als notitie. "
        "Zodra jij in het gesprek schrijft, zwijgt hij (HUMAN_QUIET_PERIOD_MINUTES).",
    ]
    return "\n".join(lines)


def follow_up_note(text: str, reason: str) -> str:
    """A later trigger while the escalation is still open."""
    why = reason or "opnieuw getriggerd"
    return f"➕ Nieuw bericht terwijl de escalatie openstaat ({why}):\n{_one_line(text, 500)}"


# --- time ------------------------------------------------------------------------------------------
def business_deadline(start: datetime, minutes: int, dealer: DealerFacts) -> datetime:
    """`minutes` of opening time counted from `start` (or from the next opening when closed).

    Without any opening hours configured the dealer counts as always open.
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    if not dealer.opening_hours:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    cursor = dealer.next_opening(start)
    for _ in range(400):  # bounded: about a year of opening days
        if not dealer.is_open(cursor):  # no opening within next_opening's horizon
            return start + timedelta(minutes=minutes)
        local = cursor.astimezone(dealer.tz)
        hours = dealer.hours_on(local.date())
        assert hours is not None
        closing = datetime.combine(local.date(), hours[1], tzinfo=dealer.tz)
        available = closing - local
        if remaining <= available:
            return (local + remaining).astimezone(start.tzinfo)
        remaining -= available
        cursor = dealer.next_opening(closing)
    return start + timedelta(minutes=minutes)


def _clock(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


ROLES = {
    "finance_advisor": Phrase(nl="een van onze financieringsadviseurs", en="one of our finance advisors",
                              de="einen unserer Finanzierungsberater"),
    "technical_specialist": Phrase(nl="onze technisch specialist", en="our technical specialist", de="unseren Technikspezialisten"),
    "sales": Phrase(nl="een verkoper", en="a salesperson", de="einen Verkäufer"),
    "manager": Phrase(nl="de bedrijfsleider", en="our manager", de="unseren Geschäftsführer"),
}
PASSED_ON = Phrase(nl="Ik heb je vraag doorgezet naar {who}.", nl_u="Ik heb uw vraag doorgezet naar {who}.",
                   en="I've passed your question on to {who}.", de="Ich habe Ihre Frage an {who} weitergegeben.")
CONTACT_WITHIN = Phrase(nl="Die neemt {within} contact met je op.", nl_u="Die neemt {within} contact met u op.",
                        en="They'll get in touch {within}.", de="Er meldet sich {within} bei Ihnen.")
CONTACT_TODAY_OR = Phrase(nl="Die neemt vandaag nog contact met je op, of anders {day}.",
                          nl_u="Die neemt vandaag nog contact met u op, of anders {day}.",
                          en="They'll get in touch later today, or otherwise {day}.",
                          de="Er meldet sich heute noch bei Ihnen, sonst {day}.")
CLOSED_CONTACT = Phrase(nl="We zijn nu gesloten; die neemt {day} contact met je op.",
                        nl_u="We zijn nu gesloten; die neemt {day} contact met u op.",
                        en="We're closed right now; they'll get in touch {day}.",
                        de="Wir haben gerade geschlossen; er meldet sich {day} bei Ihnen.")
WITHIN = {  # (up to minutes, phrase)
    5: Phrase(nl="binnen enkele minuten", en="within a few minutes", de="innerhalb weniger Minuten"),
    15: Phrase(nl="binnen een kwartier", en="within a quarter of an hour", de="innerhalb einer Viertelstunde"),
    30: Phrase(nl="binnen een half uur", en="within half an hour", de="innerhalb einer halben Stunde"),
    60: Phrase(nl="binnen een uur", en="within the hour", de="innerhalb einer Stunde"),
    120: Phrase(nl="binnen twee uur", en="within two hours", de="innerhalb von zwei Stunden"),
}
LATER_TODAY = Phrase(nl="vandaag nog", en="later today", de="heute noch")


def _day_phrase(opening: datetime, now_local: datetime, language: str = "nl") -> str:
    """'vanochtend na 9:00', 'morgenochtend na 9:00', 'maandag na 9:00', 'op 2 januari na 9:00' (and in en/de)."""
    spoken = spoken_language(language)
    days = (opening.date() - now_local.date()).days
    part = "ochtend" if opening.hour < 12 else "middag"
    clock = _clock(opening)
    if spoken == "en":
        if days == 0:
            return f"this {'morning' if part == 'ochtend' else 'afternoon'} after {clock}"
        if days == 1:
            return f"tomorrow {'morning ' if part == 'ochtend' else ''}after {clock}"
        if days < 7:
            return f"on {weekday(opening.date(), 'en')} after {clock}"
        return f"on {opening.day} {MONTH_NAMES['en'][opening.month - 1]} after {clock}"
    if spoken == "de":
        if days == 0:
            return f"heute {'Vormittag' if part == 'ochtend' else 'Nachmittag'} ab {clock} Uhr"
        if days == 1:
            return f"morgen {'früh ' if part == 'ochtend' else ''}ab {clock} Uhr"
        if days < 7:
            return f"am {weekday(opening.date(), 'de')} ab {clock} Uhr"
        return f"am {opening.day}. {MONTH_NAMES['de'][opening.month - 1]} ab {clock} Uhr"
    if days == 0:
        return f"van{part} na {clock}"
    if days == 1:
        return f"morgen{part} na {clock}" if part == "ochtend" else f"morgen na {clock}"
    if days < 7:
        return f"{DUTCH_WEEKDAYS[opening.weekday()]} na {clock}"
    return f"op {opening.day} {MONTH_NAMES['nl'][opening.month - 1]} na {clock}"


def _within_phrase(minutes: int, language: str = "nl") -> str:
    limit = next((limit for limit in WITHIN if minutes <= limit), None)
    return say(WITHIN[limit] if limit else LATER_TODAY, language)


def handoff_message(
    escalation_type: EscalationType,
    urgency: Urgency,
    now: datetime,
    dealer: DealerFacts,
    sla_minutes: int | None = None,
    language: str = "nl",
    address_form: str = "je",
) -> str:
    """The honest sentence telling the customer who takes over and roughly when, in their language."""
    who = say(ROLES[escalation_type], language)
    minutes = sla_minutes if sla_minutes is not None else DEFAULT_SLA_MINUTES[urgency]
    now_local = now.astimezone(dealer.tz)
    deadline = business_deadline(now, minutes, dealer).astimezone(dealer.tz)
    passed_on = say(PASSED_ON, language, address_form, who=who)
    if not dealer.opening_hours or (dealer.is_open(now) and deadline.date() == now_local.date()):
        return f"{passed_on} {say(CONTACT_WITHIN, language, address_form, within=_within_phrase(minutes, language))}"
    if dealer.is_open(now):  # open now, but the SLA runs past closing time
        opening = _opening_of(deadline, dealer)
        return f"{passed_on} {say(CONTACT_TODAY_OR, language, address_form, day=_day_phrase(opening, now_local, language))}"
    opening = dealer.next_opening(now).astimezone(dealer.tz)
    return f"{passed_on} {say(CLOSED_CONTACT, language, address_form, day=_day_phrase(opening, now_local, language))}"


def _opening_of(moment: datetime, dealer: DealerFacts) -> datetime:
    """The opening time of the day `moment` falls on (the dealer is open then)."""
    local = moment.astimezone(dealer.tz)
    hours = dealer.hours_on(local.date())
    if hours is None:
        return local
    return datetime.combine(local.date(), hours[0], tzinfo=dealer.tz)


def sla_state(deadline: datetime | None, now: datetime) -> tuple[str, int]:
    """('ok', minutes left) or ('overdue', minutes late); ('-', 0) without a deadline."""
    if deadline is None:
        return "-", 0
    delta = (deadline - now).total_seconds() / 60
    return ("ok", int(delta)) if delta >= 0 else ("overdue", int(-delta))


def escalation_plan_deadlines(start: datetime, sla_minutes: int, dealer: DealerFacts) -> list[datetime]:
    """The first SLA deadline and one more per reminder round, each a further SLA of open time."""
    return [business_deadline(start, sla_minutes * (round_ + 1), dealer) for round_ in range(MAX_REMINDERS)]

