"""Pure escalation logic: business-hours deadlines, the customer's handoff sentence, staff texts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agents.escalation import (
    alert_text,
    business_deadline,
    email_body,
    escalation_plan_deadlines,
    handoff_message,
    masked_phone,
    pretty_phone,
    sla_state,
    transcript_summary,
    whatsapp_chat_id,
)
from agents.knowledge.dealer import load_dealer
from config import PROJECT_ROOT

AMS = ZoneInfo("Europe/Amsterdam")
DEALER = load_dealer(PROJECT_ROOT / "dealer.yaml")  # Mon-Fri 9-18, Sat 9-17, Sun closed


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.mark.parametrize(
    "start, minutes, expected",
    [
        ("2026-11-24 10:00", 15, "2026-11-24 10:15"),  # Tuesday, open
        ("2026-11-24 21:23", 15, "2026-11-25 09:15"),  # evening: counts from opening
        ("2026-11-24 06:30", 60, "2026-11-24 10:00"),  # early morning, same day
        ("2026-11-24 17:50", 15, "2026-11-25 09:05"),  # 10 min today, 5 tomorrow
        ("2026-11-28 16:55", 15, "2026-11-30 09:10"),  # Saturday closes at 17: Sunday closed
        ("2026-11-29 12:00", 240, "2026-11-30 13:00"),  # Sunday
        ("2026-11-27 15:00", 600, "2026-11-28 16:00"),  # Fri 3h + Sat 7h of a 10h SLA
        ("2026-11-28 16:00", 120, "2026-11-30 10:00"),  # Sat 1h, Sunday closed, Mon 1h
    ],
)
def test_business_deadline_counts_only_open_time(start, minutes, expected):
    assert business_deadline(at(start), minutes, DEALER) == at(expected)


def test_business_deadline_skips_closed_dates_and_keeps_the_callers_zone():
    dealer = DEALER.model_copy(update={"closed_dates": [date(2026, 12, 25), date(2026, 12, 26)]})
    start = datetime(2026, 12, 24, 17, 0, tzinfo=timezone.utc)  # 18:00 Amsterdam: just closed
    deadline = business_deadline(start, 30, dealer)
    assert deadline == at("2026-12-28 09:30")  # 25th, 26th closed, 27th Sunday
    assert deadline.tzinfo == timezone.utc


def test_business_deadline_without_hours_is_plain_minutes():
    dealer = DEALER.model_copy(update={"opening_hours": {}})
    assert business_deadline(at("2026-11-29 03:00"), 15, dealer) == at("2026-11-29 03:15")


def test_plan_deadlines_are_successive_sla_periods_of_open_time():
    assert escalation_plan_deadlines(at("2026-11-24 17:40"), 15, DEALER) == [
        at("2026-11-24 17:55"),
        at("2026-11-25 09:10"),
    ]


@pytest.mark.parametrize(
    "kind, urgency, now, expected",
    [
        ("finance_advisor", "high", "2026-11-24 10:00",
         "Ik heb je vraag doorgezet naar een van onze financieringsadviseurs. Die neemt binnen een kwartier contact met je op."),
        ("technical_specialist", "medium", "2026-11-24 10:00", "onze technisch specialist. Die neemt binnen een uur"),
        ("manager", "critical", "2026-11-24 11:00", "de bedrijfsleider. Die neemt binnen enkele minuten"),
        ("sales", "high", "2026-11-24 21:00", "een verkoper. We zijn nu gesloten; die neemt morgenochtend na 9:00"),
        ("sales", "high", "2026-11-24 07:00", "die neemt vanochtend na 9:00 contact met je op."),
        ("sales", "high", "2026-11-28 18:00", "die neemt maandag na 9:00 contact met je op."),
        ("sales", "low", "2026-11-24 17:00", "Die neemt vandaag nog contact met je op, of anders morgenochtend na 9:00."),
    ],
)  # fmt: skip
def test_handoff_message_is_honest_about_who_and_when(kind, urgency, now, expected):
    assert expected in handoff_message(kind, urgency, at(now), DEALER)


def test_handoff_message_follows_the_configured_sla():
    text = handoff_message("sales", "medium", at("2026-11-24 10:00"), DEALER, sla_minutes=30)
    assert "binnen een half uur" in text


def test_handoff_message_after_a_long_closure_names_the_date():
    dealer = DEALER.model_copy(update={"closed_dates": [date(2026, 12, 24) + timedelta(days=n) for n in range(9)]})
    assert "op 2 januari na 9:00" in handoff_message("sales", "high", at("2026-12-23 19:00"), dealer)


def test_alert_text_matches_the_architecture_example():
    text = alert_text("finance_advisor", "Jan", "+31612345678", "BKR-registratie financiering",
                      "https://cw.example/app/accounts/1/conversations/7")
    assert text == (
        "🚨 ESCALATIE: Finance Advisor\nKlant: Jan (+31 6 1234 5678)\nVraag: BKR-registratie financiering\n"
        "Chatwoot: https://cw.example/app/accounts/1/conversations/7"
    )
    assert "(KRITIEK)" in alert_text("manager", None, "+31612345678", "x", urgency="critical")


def test_phone_helpers():
    assert whatsapp_chat_id("+31 6 1234 5678") == "31612345678@c.us"
    assert whatsapp_chat_id("123@lid") == "123@lid"
    assert pretty_phone("31612345678@c.us") == "+31 6 1234 5678"
    assert pretty_phone("+4915112345678") == "+4915112345678"
    assert masked_phone("+31612345678") == "+31 6 •••• 5678"


def test_email_body_has_everything_to_call_back():
    body = email_body(
        escalation_id="escalation-31612345678-2", escalation_type="technical_specialist", urgency="medium",
        reason="motorstoring", question="Mijn auto maakt een tikkend geluid", customer_name=None,
        customer_phone="+31612345678", transcript=["klant: hoi", "bot: hallo"],
        started_at=datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc), sla_deadline=at("2026-11-24 11:00"),
        timezone_name="Europe/Amsterdam", chatwoot_url=None, public_base_url="https://agent.example/",
    )
    assert "Telefoon:    +31 6 1234 5678" in body and "https://wa.me/31612345678" in body
    assert "Gestart:     24-11-2026 10:00" in body and "Reageer vóór: 24-11-2026 11:00" in body
    assert "  klant: hoi\n  bot: hallo" in body
    assert "POST https://agent.example/escalations/escalation-31612345678-2/ack" in body
    assert "Chatwoot" not in body


def test_transcript_summary_keeps_the_end_and_says_what_it_left_out():
    lines = [f"klant: bericht {n}" for n in range(20)] + ["bot: " + "lang " * 200]
    summary = transcript_summary(lines, max_lines=5, max_chars=50)
    assert summary.splitlines()[0] == "… (16 eerdere berichten)"
    assert "klant: bericht 19" in summary and "bericht 15" not in summary
    assert summary.splitlines()[-1].endswith("…") and len(summary.splitlines()[-1]) <= 50


def test_sla_state():
    now = at("2026-11-24 10:00")
    assert sla_state(now + timedelta(minutes=12, seconds=30), now) == ("ok", 12)
    assert sla_state(now - timedelta(minutes=7), now) == ("overdue", 7)
    assert sla_state(None, now) == ("-", 0)
