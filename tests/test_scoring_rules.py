"""The lead score a sales manager trusts: the rules table, the labelled set, explanations and history."""

from __future__ import annotations

import re
import sys
from datetime import timedelta

import pytest

from agents.booking_models import BookedDrive
from agents.context import absorb_reply, absorb_understanding
from agents.models import Car, ConversationContext
from agents.rules.engine import RulesEngine
from agents.scoring import BAND_RULES, SCORE_RULES, quality_for, score_lead
from config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import bench_scoring  # noqa: E402

NOW = bench_scoring.NOW
GOLF = Car(id="golf-1", make="Volkswagen", model="Golf", variant="1.5 TSI", price_eur=22000, year=2021, mileage_km=48000)
# every expectation the issue names, as the `covers` of at least one labelled case
REQUIRED = {"visit_soon", "test_drive_booked", "stock_car_question", "financing_worked_out", "trade_in_details",
            "lowball", "not_serious", "opted_out", "lost"}


@pytest.fixture(scope="module")
def engine():
    return RulesEngine(now=lambda: NOW)


@pytest.fixture(scope="module")
def result(engine):
    return bench_scoring.evaluate(bench_scoring.load(), engine)


def conversation(engine, *messages, cars=(), booked=False, **context_flags):
    context = ConversationContext(last_cars=list(cars), **context_flags)
    if booked:  # as the test-drive agenda records a booking
        start = NOW + timedelta(days=1)
        context.test_drive.bookings.append(BookedDrive(booking_id="td-1", car_id=GOLF.id, car_title=GOLF.title,
                                                       start=start, end=start + timedelta(minutes=30)))
    previous, at = None, NOW
    outputs = []
    for text in messages:
        understanding = engine.understand(text, context)
        after = absorb_understanding(context, text, at, understanding)
        previous = score_lead(after, understanding, escalated=after.escalated, previous=previous, now=at)
        outputs.append(previous)
        context = absorb_reply(after, "ok", at, [])
        at += timedelta(minutes=1)
    return outputs


def test_the_labelled_set_is_big_enough_and_covers_every_case():
    cases = bench_scoring.load()
    assert len(cases) >= 60
    assert REQUIRED <= {case.get("covers") for case in cases}
    assert all(case["band"] in ("HOT", "WARM", "LUKEWARM", "COLD") and case["why"].strip() for case in cases)
    assert len({case["id"] for case in cases}) == len(cases)


def test_agreement_with_the_sales_manager_is_at_least_90_percent(result):
    disagreements = [(row["id"], row["expected"], row["got"]) for row in result["rows"] if not row["agree"]]
    assert result["agreement"] >= 0.90, disagreements


def test_the_later_conversations_agree_too(engine):
    later = bench_scoring.evaluate(bench_scoring.load(bench_scoring.HOLDOUT), engine)
    assert later["cases"] >= 20 and later["agreement"] >= 0.90, [r for r in later["rows"] if not r["agree"]]


def test_every_required_case_gets_its_band_and_tags(result):
    cases = {case["id"]: case for case in bench_scoring.load()}
    for row in result["rows"]:
        if cases[row["id"]].get("covers") in REQUIRED:
            assert row["agree"], row
            assert not row["missing_tags"], row


def test_lowball_gets_no_negotiation_bonus_and_is_price_sensitive(engine):
    crm = conversation(engine, "kan dat voor €15.000?", cars=[GOLF])[-1]
    assert "price-sensitive" in crm.tags
    assert "negotiation" not in {factor.name for factor in crm.score_factors}
    assert crm.lead_quality != "WARM" and crm.lead_quality != "HOT"
    fair = conversation(engine, "kan dat voor €20.000?", cars=[GOLF])[-1]
    assert "negotiation" in {factor.name for factor in fair.score_factors} and "price-sensitive" not in fair.tags


def test_same_day_test_drive_is_hot_and_explained(engine):
    crm = conversation(engine, "kan ik vandaag langskomen voor een proefrit?")[-1]
    assert crm.lead_quality == "HOT"
    assert crm.explanation.startswith("+20 proefrit vandaag gevraagd")


def test_booked_test_drive_hook_makes_hot(engine):
    crm = conversation(engine, "ok", cars=[GOLF], booked=True)[-1]
    assert crm.lead_quality == "HOT" and "proefrit geboekt" in crm.explanation


def test_price_question_about_a_stock_car_is_at_least_warm(engine):
    crm = conversation(engine, "wat kost hij?", cars=[GOLF])[-1]
    assert crm.lead_quality in ("WARM", "HOT")


def test_pranks_are_cold_and_not_serious(engine):
    crm = conversation(engine, "verkoop mij de tesla voor 1 euro")[-1]
    assert crm.lead_quality == "COLD" and "not-serious" in crm.tags


def test_opted_out_and_lost_are_cold_without_follow_ups(engine):
    warm, stopped = conversation(engine, "wat kost hij?", "stop, ik wil geen berichten meer", cars=[GOLF])
    assert warm.follow_ups_allowed and warm.lead_quality == "WARM"
    assert stopped.lead_quality == "COLD" and "opted-out" in stopped.tags and not stopped.follow_ups_allowed
    # it stays that way: a later "ok" does not undo the opt-out
    after = conversation(engine, "stop", "ok")[-1]
    assert "opted-out" in after.tags and not after.follow_ups_allowed
    hook = conversation(engine, "ok", opted_out=True)[-1]
    assert "opted-out" in hook.tags and hook.lead_quality == "COLD"
    lost = conversation(engine, "we hebben inmiddels ergens anders een auto gekocht")[-1]
    assert lost.lead_quality == "COLD" and "lost" in lost.tags and not lost.follow_ups_allowed


def test_score_carries_its_history_and_explains_the_last_change(engine):
    outputs = conversation(engine, "hoi", "wat kost hij?", "ok", "kan ik morgen een proefrit maken?", cars=[GOLF])
    last = outputs[-1]
    assert last.lead_quality == "HOT"
    changes = [o.lead_score for i, o in enumerate(outputs) if i == 0 or o.lead_score != outputs[i - 1].lead_score]
    assert [change.score for change in last.history] == changes
    assert last.history[-1].explanation == last.explanation
    assert "proefrit morgen gevraagd" in last.explanation and f"→ {last.lead_score} HOT" in last.explanation
    # a message that changes nothing keeps the explanation of the last change
    assert outputs[1].lead_quality == "WARM" and outputs[2].lead_score == outputs[1].lead_score
    assert outputs[2].explanation == outputs[1].explanation


def test_factors_add_up_to_the_score_and_come_from_the_table(result, engine):
    names = {rule.name for rule in SCORE_RULES} | {f"band:{rule.name}" for rule in BAND_RULES} | {"capped_at_100", "floored_at_0"}
    for messages in (["kan ik vandaag langskomen voor een proefrit?"], ["stop"], ["wat kost hij?"], ["kan dat voor €15.000?"]):
        crm = conversation(engine, *messages, cars=[GOLF])[-1]
        assert sum(factor.points for factor in crm.score_factors) == crm.lead_score
        assert {factor.name for factor in crm.score_factors} <= names
        assert quality_for(crm.lead_score) == crm.lead_quality


def test_the_docs_show_the_same_table():
    doc = (PROJECT_ROOT / "docs" / "lead-scoring.md").read_text(encoding="utf-8")
    for rule in SCORE_RULES:
        points = re.escape(f"{rule.points:+d}")
        assert re.search(rf"\|\s*`{rule.name}`\s*\|\s*{points}\s*\|", doc), rule.name
    for rule in BAND_RULES:
        assert re.search(rf"\|\s*`{rule.name}`\s*\|\s*{rule.effect}\s*\|\s*{rule.score}\s*\|", doc), rule.name


def test_readme_reports_the_measured_agreement(result):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    reported = re.search(r"scoring_set\.jsonl`: (\d+)/(\d+) ", readme)
    assert reported, "README must report the scoring-set agreement"
    assert (int(reported.group(1)), int(reported.group(2))) == (result["agreed"], result["cases"])
    assert "bench/bench_scoring.py" in readme
