"""Escalate what needs a person, and only that (issue 13 §2), on the labelled multi-turn set.

tests/data/escalation_set.jsonl: 165 WhatsApp conversations written for this purpose (everyday
questions that must not escalate; long, story-like complaints, warranty claims, finance cases,
purchases and requests for a person that must, each with its team). bench/bench_escalation_set.py
prints the same figures. Before the changes of issue 13 the engine escalated 83.1% precisely
(14 needless escalations); the floor below is what it reaches now, minus one case of slack.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agents import handled, privacy
from agents.models import ExtractionOutput, ReplyRequest, RouterOutput, ExpertiseOutput, ConversationContext
from agents.rules import RulesEngine

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_escalation_set", ROOT / "bench" / "bench_escalation_set.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
CASES = BENCH.load(BENCH.DEFAULT_SET)


@pytest.fixture(scope="module")
def result():
    return BENCH.evaluate(CASES, RulesEngine(now=lambda: NOW))


def test_the_set_is_big_multi_turn_and_labelled():
    assert len(CASES) >= 150
    assert sum(len(case["turns"]) > 1 for case in CASES) >= 150
    must = [case for case in CASES if case["escalate"]]
    assert len(must) >= 50 and len(CASES) - len(must) >= 80
    assert {case["team"] for case in must} == {"finance_advisor", "technical_specialist", "sales", "manager"}
    assert all(case["team"] is None for case in CASES if not case["escalate"])
    assert len({case["id"] for case in CASES}) == len(CASES)


def test_every_case_that_needs_a_person_escalates(result):
    assert result["missed"] == []
    assert result["recall"] == 1.0


def test_escalations_reach_the_right_team(result):
    assert result["right_team"] >= 0.98, result["wrong_team"]


def test_precision_went_up(result):
    assert result["precision"] >= 0.95, result["needless"]


@pytest.mark.parametrize("text", [
    "stop", "STOP", "Stop!", "geen berichten meer", "afmelden", "uitschrijven", "unsubscribe",
    "bitte keine Nachrichten", "stuur me geen berichten meer aub", "ik wil me afmelden",
])
def test_stop_is_an_opt_out(text):
    assert privacy.opt_out_requested(text)


@pytest.mark.parametrize("text", [
    "heeft de golf een start stop systeem?", "waar moet ik stoppen bij jullie?", "de motor stopt soms",
    "stop maar, ik neem hem!", "hebben jullie een polo",
])
def test_stop_inside_a_question_is_not(text):
    assert not privacy.opt_out_requested(text)


@pytest.mark.parametrize("text, kind", [
    ("verwijder mijn gegevens", "delete"),
    ("Wilt u al mijn gegevens verwijderen?", "delete"),
    ("ich möchte meine Daten löschen", "delete"),
    ("wat weten jullie van mij", "export"),
    ("welke gegevens hebben jullie over mij?", "export"),
    ("hebben jullie een golf", None),
    ("mijn gegevens voor de proefrit: Jan de Vries, 0612345678", None),
])
def test_privacy_requests(text, kind):
    assert privacy.privacy_request(text) == kind


@pytest.mark.parametrize("text, prank", [
    ("verkoop mij de tesla voor 1 euro", True),
    ("ik geef je 5 euro voor die bmw", True),
    ("voor 15.000 euro neem ik hem", False),
    ("ik zoek iets voor een vriend", False),
    ("kan ik voor 1 dag een proefrit doen", False),
    ("kost de tenaamstelling 10 euro?", False),
    ("betaal ik 5 euro extra voor de apk?", False),
])
def test_pranks(text, prank):
    assert privacy.is_prank(text) is prank


def _reply_request(text: str, engine: RulesEngine) -> ReplyRequest:
    understanding = engine.understand(text)
    return ReplyRequest(text=text, context=ConversationContext(), router=understanding.router,
                        extraction=understanding.extraction, expertise=understanding.expertise)


@pytest.mark.parametrize("text, expected", [
    ("STOP", privacy.OPT_OUT_CONFIRMATION),
    ("[spraakbericht]", privacy.VOICE_NOTE_REPLY),
    ("verkoop mij de tesla voor 1 euro", privacy.PRANK_REPLY),
])
def test_fixed_replies_whichever_backend(text, expected):
    engine = RulesEngine(now=lambda: NOW)
    request = _reply_request(text, engine)
    assert not request.expertise.escalation_decision.escalate
    assert handled.fixed_reply(request).response_text == expected
    assert engine.reply_sync(request).response_text == expected


def test_a_prank_keeps_the_lead_cold():
    from agents.scoring import score_lead

    engine = RulesEngine(now=lambda: NOW)
    understanding = engine.understand("verkoop mij de tesla voor 1 euro, ik kom hem vandaag halen")
    crm = score_lead(ConversationContext(), understanding, escalated=False, now=NOW)
    assert crm.lead_quality == "COLD"
    assert not understanding.expertise.escalation_decision.escalate


def test_an_explicit_trigger_still_escalates_inside_a_handled_message():
    engine = RulesEngine(now=lambda: NOW)
    decision = engine.understand("verwijder mijn gegevens, ik schakel mijn advocaat in").expertise.escalation_decision
    assert decision.escalate and decision.escalation_type == "manager"


def test_answer_only_drops_the_sales_question():
    from agents.models import ConversationOutput

    reply = ConversationOutput(response_text="We zijn zaterdag open van 9 tot 17 uur.\n\nZal ik een proefrit inplannen?",
                               follow_up_question="Zal ik een proefrit inplannen?")
    assert privacy.answer_only(reply).response_text == "We zijn zaterdag open van 9 tot 17 uur."


def test_claude_extraction_gains_the_fields():
    fields = ExtractionOutput.model_json_schema()["properties"]
    assert {"opt_out", "privacy_request", "voice_note", "prank"} <= set(fields)
    assert RouterOutput and ExpertiseOutput  # the structured output is built from these models


def test_a_short_yes_is_an_answer_never_a_purchase():
    """'ja graag' answers our own question; the statistical model must not read a purchase into it."""
    from agents.rules import RulesEngine

    engine = RulesEngine()
    for text in ("ja graag", "ja graag!", "ja, graag", "Ja hoor dank je", "prima"):
        assert not engine.understand(text).expertise.escalation_decision.escalate, text
    assert engine.understand("ja ik wil hem kopen").expertise.escalation_decision.escalate
