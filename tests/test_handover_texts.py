"""agents/handover.py: what the customer hears during a hand-over, urgency rises, staff acknowledgements."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agents import handover
from agents.handover import HandoverView

# Monday 8 December 2025, 10:00 in Amsterdam (09:00 UTC).
NOW = datetime(2025, 12, 8, 9, 0, tzinfo=timezone.utc)


def view(**changes) -> HandoverView:
    values = dict(escalation_type="finance_advisor", sla_deadline=NOW + timedelta(minutes=90))
    values.update(changes)
    return HandoverView(**values)


@pytest.mark.parametrize("text", ["ok", "OK", "Oké!", "okay", "ack", "👍", "👍🏽", "👍👍", " ok. ", "Ik pak het op"])
def test_staff_acknowledgements(text):
    assert handover.is_staff_ack(text)


@pytest.mark.parametrize("text", ["", "ok maar morgen pas", "niet ok", "👎", "wie is dit?", "oké, wat is het kenteken?"])
def test_other_staff_messages_are_no_acknowledgement(text):
    assert not handover.is_staff_ack(text)


@pytest.mark.parametrize(
    "text",
    [
        "Als dit niet snel geregeld wordt zet ik een slechte review op Google",
        "Ik ga jullie 1 ster geven op Trustpilot",
        "Ik stap naar de BOVAG",
        "Dan gaat het naar de Geschillencommissie",
        "Mijn advocaat neemt contact op",
        "Ik onderneem juridische stappen",
        "Ik kom morgen verhaal halen",
        "Dit wordt een rechtszaak",
    ],
)
def test_threats_make_it_critical(text):
    rise = handover.urgency_rise(text, unanswered_streak=1, current="medium")
    assert rise is not None and rise.urgency == "critical" and rise.reason.startswith("klant ")


@pytest.mark.parametrize(
    "text",
    [
        "Jullie reviews op Google zijn top!",
        "Heeft hij BOVAG-garantie?",
        "Zijn jullie een BOVAG-bedrijf?",
        "Ik zag jullie op Google Maps, laat maar weten",
        "Hoe laat zijn jullie open?",
        "Kan ik de geschiedenis van de auto zien?",
    ],
)
def test_ordinary_messages_raise_nothing(text):
    assert handover.urgency_rise(text, unanswered_streak=1, current="medium") is None


def test_a_threat_raises_a_high_escalation_to_critical():
    assert handover.urgency_rise("Ik ga naar de BOVAG", 1, "high").urgency == "critical"


def test_three_unanswered_messages_raise_to_high_once():
    assert handover.urgency_rise("En?", 2, "medium") is None
    rise = handover.urgency_rise("Hallo??", 3, "medium")
    assert rise.urgency == "high" and "3 klantberichten" in rise.reason
    assert handover.urgency_rise("Hallo???", 4, "high") is None  # already high: no alert per message
    assert handover.urgency_rise("Mijn advocaat belt jullie", 4, "critical") is None


def test_status_line_names_the_role_then_the_person_with_the_deadline():
    assert handover.status_line(view(), NOW) == (
        "Onze financieringsadviseur heeft je vraag en laat vóór 11:30 van zich horen."
    )
    named = view(handler_name="fenna de Vries", acknowledged=True)
    assert handover.status_line(named, NOW) == "Fenna (financiering) heeft je vraag en neemt zo snel mogelijk contact met je op."


def test_status_line_deadline_on_a_later_day():
    friday_evening = datetime(2025, 12, 12, 16, 30, tzinfo=timezone.utc)
    monday = view(sla_deadline=datetime(2025, 12, 15, 8, 45, tzinfo=timezone.utc))
    assert "vóór maandag 9:45" in handover.status_line(monday, friday_evening)
    tomorrow = view(sla_deadline=datetime(2025, 12, 9, 8, 30, tzinfo=timezone.utc))
    assert "vóór morgen 9:30" in handover.status_line(tomorrow, NOW)


def test_status_line_at_most_once_per_half_hour():
    assert handover.status_line_due(None, NOW)
    assert not handover.status_line_due(NOW, NOW + timedelta(minutes=29))
    assert handover.status_line_due(NOW, NOW + timedelta(minutes=30))


def test_acknowledged_and_overdue_lines():
    assert handover.acknowledged_line(view(handler_name="Fenna", acknowledged=True)) == (
        "Fenna (financiering) heeft je vraag opgepakt en neemt contact met je op."
    )
    assert handover.acknowledged_line(view(escalation_type="manager", acknowledged=True)).startswith("De bedrijfsleider")
    overdue = view(overdue_until=NOW + timedelta(minutes=60))
    assert handover.overdue_notice(overdue, NOW) == (
        "Het duurt helaas langer dan ik je beloofde. Ik heb onze financieringsadviseur opnieuw gevraagd; "
        "je hoort vóór 11:00 van ons."
    )
    assert "zo snel mogelijk" in handover.overdue_notice(view(), NOW)


def test_forwarded_line_varies():
    lines = {handover.forwarded_line(view(handler_name="Fenna", acknowledged=True), n) for n in range(3)}
    assert len(lines) == 3 and all("Fenna (financiering)" in line for line in lines)
    assert "onze financieringsadviseur" in handover.forwarded_line(view(), 0)


def test_without_repeats_keeps_legal_lines_and_never_empties_silently():
    said = ["Wat vervelend.\n\nBel ons gerust.", "Rekenvoorbeeld A.\n\nLet op! Geld lenen kost geld."]
    keep = ("Let op! Geld lenen kost geld.",)
    assert handover.without_repeats("Wat vervelend.\n\nIk zoek het uit.", said, keep) == "Ik zoek het uit."
    assert handover.without_repeats("Rekenvoorbeeld B.\n\nLet op! Geld lenen kost geld.", said, keep) == (
        "Rekenvoorbeeld B.\n\nLet op! Geld lenen kost geld."
    )
    assert handover.without_repeats("Wat vervelend.\n\nBel ons gerust.", said, keep) == ""


def test_staff_texts():
    note = handover.forward_note("Hebben jullie een Niro?", "Ja, één.", "")
    assert note.startswith("➕ Nieuw bericht") and "Klant: Hebben jullie een Niro?" in note and "Ja, één." in note
    update = handover.forward_update("Jan (+31 6 1234 5678)", ["a", "b"], "escalation-1")
    assert "2 nieuwe berichten" in update and "1. a" in update and "2. b" in update
    assert handover.urgency_note("critical", "klant noemt een advocaat") == (
        "⚠️ Urgentie verhoogd naar KRITIEK: klant noemt een advocaat."
    )


def test_claude_is_told_a_hand_over_is_already_running():
    """§4: with Claude the same rule holds; the status line is ours, so Claude must not write one."""
    from agents.knowledge.dealer import load_dealer
    from agents.models import (
        ConversationContext,
        EscalationDecision,
        ExpertiseOutput,
        ExtractionOutput,
        ReplyRequest,
        RouterOutput,
    )
    from agents.prompts import reply_user_message
    from config import PROJECT_ROOT

    dealer = load_dealer(PROJECT_ROOT / "dealer.yaml")
    request = ReplyRequest(
        text="hoe laat zijn jullie zaterdag open?",
        context=ConversationContext(),
        router=RouterOutput(intent="general_info"),
        extraction=ExtractionOutput(),
        expertise=ExpertiseOutput(escalation_decision=EscalationDecision()),
        handover_open=True,
    )
    message = reply_user_message(request, dealer)
    assert "OVERDRACHT LOOPT AL" in message and "Beloof geen nieuwe overdracht" in message
    assert "OVERDRACHT LOOPT AL" not in reply_user_message(request.model_copy(update={"handover_open": False}), dealer)


@pytest.mark.parametrize(
    "text, only",
    [
        ("Hallo?? Hoe lang duurt dat nog?", True),
        ("Wanneer hoor ik iets?", True),
        ("Is er al iemand die naar mijn vraag kijkt?", True),
        ("???", True),
        ("Nog steeds niks gehoord", True),
        ("Belt er nog iemand?", True),
        ("Hoe lang duurt het nog? En wat kost de Golf per maand?", False),
        ("Ik vind het maar niks dat niemand reageert", False),
    ],
)
def test_asking_where_the_question_is(text, only):
    assert handover.asks_for_status(text)
    assert handover.only_status_question(text) is only


@pytest.mark.parametrize("text", ["Hoe lang duurt een proefrit?", "Wanneer kan ik langskomen?", "Hoe lang is de garantie?"])
def test_ordinary_questions_are_no_status_question(text):
    assert not handover.asks_for_status(text)


def test_status_lines_are_worded_anew():
    lines = [handover.status_line(view(), NOW, n) for n in range(3)]
    assert len(set(lines)) == 3 and all("11:30" in line for line in lines)
    assert lines[1] == "Je vraag ligt bij onze financieringsadviseur; uiterlijk 11:30 hoor je van ons."
