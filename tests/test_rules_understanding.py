"""The rules engine on labelled Dutch WhatsApp messages: thresholds, fields, robustness, speed."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.knowledge.dealer import dealer_facts
from agents.models import ConversationContext
from agents.rules import RulesEngine

DATA = Path(__file__).parent.parent / "agents" / "rules" / "corpus" / "labelled_messages.jsonl"
NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
RECORDS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(dealer=dealer_facts(), now=lambda: NOW)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_understanding", Path(__file__).parent.parent / "bench" / "bench_understanding.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_labelled_set_is_broad():
    intents = {r["intent"] for r in RECORDS}
    escalations = {r["escalation"] for r in RECORDS}
    assert len(RECORDS) >= 150
    assert intents == {"car_inquiry", "financing_inquiry", "trade_in", "test_drive", "service_inquiry",
                       "price_negotiation", "complaint", "general_info", "greeting", "other"}
    assert escalations == {None, "finance_advisor", "technical_specialist", "sales", "manager"}


def test_thresholds_on_labelled_set(engine):
    result = _bench().evaluate(RECORDS, engine)
    scores = result["scores"]
    assert scores["intent"] >= 0.90, result["misses"]
    assert scores["escalation_recall"] == 1.0, result["misses"]
    assert scores["escalation_precision"] >= 0.90, result["misses"]
    for field in ("make", "model", "fuel_type", "max_price"):
        assert scores[field] >= 0.90, (field, result["misses"])


@pytest.mark.parametrize("record", [r for r in RECORDS if len(r) > 7], ids=lambda r: r["text"][:40])
def test_extra_labelled_fields(engine, record):
    extraction = engine.understand(record["text"]).extraction
    prefs = extraction.car_preferences
    for field in ("min_price", "min_year", "max_mileage_km", "transmission", "body_type", "equipment"):
        if field in record:
            assert getattr(prefs, field) == record[field], field
    for field in ("asks_availability", "asks_monthly_payment", "has_trade_in", "customer_name", "test_drive_requested"):
        if field in record:
            assert getattr(extraction, field) == record[field], field


@pytest.mark.parametrize(
    "text, expected",
    [
        ("€ 25.000,- max", {"max_price": 25000}),
        ("tussen de 25 en 35 duizend", {"min_price": 25000, "max_price": 35000}),
        ("budget rond 15k", {"max_price": 15000}),
        ("iets rond de 15k", {"min_price": 12000, "max_price": 15000}),
        ("vanaf 20.000 euro", {"min_price": 20000, "max_price": None}),
        ("25 mille", {"max_price": 25000}),
        ("jonger dan 5 jaar", {"min_year": 2021}),
        ("nieuwer dan 2017", {"min_year": 2018}),
        ("max 100.000 km", {"max_mileage_km": 100000, "max_price": None}),
        ("minder dan 80dkm", {"max_mileage_km": 80000}),
        ("bel me op 0612345678 over een golf", {"max_price": None, "model": "Golf"}),
        ("golf 8 uit 2021", {"model": "Golf", "min_year": 2021, "max_price": None}),
        ("peugeot 2008 van 2019", {"model": "2008", "min_year": 2019}),
        ("een 3-serie of 320i", {"make": "BMW", "model": "3 Serie"}),
        ("mercedes gla", {"make": "Mercedes-Benz", "model": "GLA"}),
        ("wel een leuke auto die zuinig is", {"make": None, "model": None}),
    ],
)
def test_numbers_and_vocabulary(engine, text, expected):
    prefs = engine.understand(text).extraction.car_preferences
    for field, value in expected.items():
        assert getattr(prefs, field) == value, field


def test_trade_in_vehicle_is_kept_apart_from_the_wish(engine):
    extraction = engine.understand("wil mijn seat ibiza uit 2017 met 98.000 km inruilen voor een tiguan tot 30k").extraction
    assert extraction.car_preferences.model == "Tiguan" and extraction.car_preferences.max_price == 30000
    assert extraction.car_preferences.min_year is None and extraction.car_preferences.max_mileage_km is None
    vehicle = extraction.trade_in_vehicle
    assert (vehicle.make, vehicle.model, vehicle.year, vehicle.mileage_km) == ("Seat", "Ibiza", 2017, 98000)


def test_appointment_and_name(engine):
    extraction = engine.understand("Hoi, met Karin de Vries. Kan ik za ochtend om 10.30 een proefrit maken?").extraction
    assert extraction.customer_name == "Karin de Vries"
    assert extraction.preferred_day == "zaterdag" and extraction.preferred_time == "10:30"
    assert extraction.test_drive_requested
    assert engine.understand("ik ben op zoek naar een auto").extraction.customer_name is None


def test_kenteken_is_read_and_not_a_price(engine):
    extraction = engine.understand("inruil: kenteken 12-ABC-3, 145000 km").extraction
    assert extraction.trade_in_vehicle.license_plate == "12-ABC-3"
    assert extraction.trade_in_vehicle.mileage_km == 145000
    assert extraction.car_preferences.max_price is None


def test_misunderstood_twice_escalates_to_sales(engine):
    first = engine.understand("blablabla qwerty")
    assert not first.expertise.escalation_decision.escalate
    context = ConversationContext(misunderstood_count=1)
    second = engine.understand("zxcv poiu", context)
    decision = second.expertise.escalation_decision
    assert decision.escalate and decision.escalation_type == "sales"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_unicode(text):
    engine = RulesEngine(dealer=dealer_facts(), now=lambda: NOW)
    understanding = engine.understand(text)
    assert understanding.router.intent


async def test_analyze_lines_gives_one_json_object_per_line(engine):
    from agents.understanding import analyze_lines

    results = [row async for row in analyze_lines(["staat die golf 8 nog", "", "heb BKR kan ik financieren?\n"], engine)]
    assert [r["text"] for r in results] == ["staat die golf 8 nog", "heb BKR kan ik financieren?"]
    assert results[0]["extraction"]["car_preferences"]["model"] == "Golf"
    assert results[1]["expertise"]["escalation_decision"]["escalation_type"] == "finance_advisor"
    json.dumps(results)  # JSON-ready
