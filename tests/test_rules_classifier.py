"""The statistical second opinion: trained from the corpus, combined with the rules by a cross-validated policy."""

from __future__ import annotations

from agents.rules import RulesEngine
from agents.rules.classifier import (
    NO_ESCALATION,
    POLICY,
    EscalationOpinion,
    MessageClassifier,
    classifier,
    combine_escalation,
    combine_intent,
    load_corpus,
)
from tests.pipeline import make_settings
from worker.build import running_worker


def test_the_model_learns_its_corpus():
    model = classifier()
    rows = load_corpus()[:200]
    intents = sum(model.intent(row["text"])[0] == row["intent"] for row in rows)
    escalations = sum(model.escalation(row["text"])[0] == (row.get("escalation") or NO_ESCALATION) for row in rows)
    assert intents / len(rows) > 0.95 and escalations / len(rows) > 0.95


def test_a_tiny_corpus_trains_and_answers_with_a_margin():
    rows = [
        {"text": "hebben jullie een golf", "intent": "car_inquiry"},
        {"text": "zoek een polo diesel", "intent": "car_inquiry"},
        {"text": "ik heb een bkr registratie", "intent": "financing_inquiry", "escalation": "finance_advisor"},
        {"text": "kan ik financieren met bkr", "intent": "financing_inquiry", "escalation": "finance_advisor"},
    ]
    model = MessageClassifier(rows)
    label, margin = model.escalation("bkr notering, kan ik lenen?")
    assert label == "finance_advisor" and margin > 0
    assert model.intent("hebben jullie nog een golf")[0] == "car_inquiry"


def test_confident_rules_keep_their_intent():
    assert combine_intent("car_inquiry", POLICY.rules_certain, False, "complaint", 5.0) == "car_inquiry"


def test_unsure_rules_yield_to_a_sure_model_but_not_to_an_unsure_one():
    unsure = POLICY.rules_certain - 0.1
    assert combine_intent("car_inquiry", unsure, False, "trade_in", POLICY.intent_margin) == "trade_in"
    assert combine_intent("car_inquiry", unsure, False, "trade_in", POLICY.intent_margin / 2) == "car_inquiry"


def test_gibberish_stays_not_understood_unless_the_model_is_very_sure():
    assert combine_intent("other", 0.3, True, "car_inquiry", POLICY.misunderstood_margin / 2) == "other"
    assert combine_intent("other", 0.3, True, "car_inquiry", POLICY.misunderstood_margin) == "car_inquiry"


def _opinion(team: str, lead: float) -> EscalationOpinion:
    """What the model says when `team` leads "no escalation" by `lead` (negative: "none" is ahead)."""
    top = team if lead > 0 else NO_ESCALATION
    return EscalationOpinion(top=top, margin=abs(lead), team=team, lead=lead)


def test_a_team_close_behind_no_escalation_still_escalates():
    assert combine_escalation(None, False, _opinion("manager", 0.3)) == "manager"
    assert combine_escalation(None, False, _opinion("manager", -POLICY.none_lead)) == "manager"  # recall first
    assert combine_escalation(None, False, _opinion("manager", -POLICY.none_lead - 0.1)) is None


def test_escalation_second_opinion_respects_what_the_rules_cleared():
    unsure = POLICY.cleared_lead - 0.1
    assert combine_escalation(None, True, _opinion("manager", unsure)) is None  # "niet bij jullie gekocht", "wat is bkr"
    assert combine_escalation(None, True, _opinion("manager", POLICY.cleared_lead)) == "manager"
    assert combine_escalation("sales", False, _opinion("manager", -5.0)) == "sales"  # the model never takes one back


def test_the_model_picks_the_team_only_when_it_is_sure():
    sure = POLICY.retype_margin
    sure_opinion = EscalationOpinion(top="technical_specialist", margin=sure, team="technical_specialist", lead=2.0)
    unsure_opinion = EscalationOpinion(top="technical_specialist", margin=sure / 2, team="technical_specialist", lead=2.0)
    assert combine_escalation("manager", False, sure_opinion) == "technical_specialist"
    assert combine_escalation("manager", False, unsure_opinion) == "manager"


def test_the_opinion_names_the_likeliest_team_even_when_it_would_not_escalate():
    opinion = classifier().escalation_opinion("wat zijn jullie openingstijden op zaterdag")
    assert opinion.top == NO_ESCALATION and opinion.lead < 0
    assert opinion.team in ("finance_advisor", "technical_specialist", "manager", "sales")
    sure = classifier().escalation_opinion("ik heb een negatieve bkr registratie, kan ik toch financieren?")
    assert (sure.top, sure.team) == ("finance_advisor", "finance_advisor") and sure.lead >= sure.margin > 0


def test_the_engine_uses_the_model_by_default_and_can_do_without():
    text = "die golf van jullie rammelt en piept sinds ik hem heb opgehaald, wie gaat dat oplossen"
    with_model = RulesEngine().understand(text)
    without = RulesEngine(use_model=False).understand(text)
    assert with_model.expertise.escalation_decision.escalate
    assert without.router.intent in ("service_inquiry", "complaint", "other", "car_inquiry")


def test_a_social_turn_stays_social_unless_the_model_is_sure_it_is_a_request():
    assert combine_intent("greeting", 0.6, False, "other", POLICY.social_margin / 2) == "greeting"  # "prima, tot zaterdag"
    assert combine_intent("greeting", 0.6, False, "other", POLICY.social_margin) == "other"  # "bedankt! kan iemand me bellen?"


async def test_the_worker_trains_the_model_before_its_first_message(temporal_env, task_queue, tmp_path):
    classifier.cache_clear()
    async with running_worker(temporal_env.client, make_settings(tmp_path, task_queue)):
        assert classifier.cache_info().currsize == 1  # no customer waits ~3 s for the first reply
