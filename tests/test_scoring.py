from datetime import datetime, timedelta, timezone

from agents.models import (
    CarPreferences,
    ConversationContext,
    CRMOutput,
    EscalationDecision,
    ExpertiseOutput,
    ExtractionOutput,
    RouterOutput,
    Turn,
    Understanding,
)
from agents.scoring import ALL_LABELS, CONTACT_ATTRIBUTE_DEFINITIONS, budget_band, label_for_tag, quality_for, score_lead

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


def understand(text, intent, **extraction) -> Understanding:
    return Understanding(
        text=text,
        router=RouterOutput(intent=intent),
        extraction=ExtractionOutput(**extraction),
        expertise=ExpertiseOutput(),
    )


def converse(messages: list[Understanding], *, escalated=False, gap_seconds=60.0) -> list[CRMOutput]:
    """Score each message the way the workflow does: context accumulates, previous is carried."""
    context = ConversationContext()
    previous = None
    outputs = []
    at = NOW
    for understanding in messages:
        at += timedelta(seconds=gap_seconds)
        extraction = understanding.extraction
        context.history.append(Turn(role="customer", text=understanding.text, at=at, intent=understanding.router.intent))
        crm = score_lead(context, understanding, escalated=escalated, previous=previous, now=at)
        outputs.append(crm)
        previous = crm
        context.preferences = context.preferences.merged_with(extraction.car_preferences)
        context.has_trade_in |= extraction.has_trade_in
        context.needs_financing |= extraction.needs_financing
        context.test_drive_requested |= extraction.test_drive_requested
        context.history.append(Turn(role="bot", text="antwoord", at=at))
        context.seconds_since_last_message = gap_seconds
    return outputs


def test_browsing_customer_stays_cold():
    outputs = converse([
        understand("hoi, wat voor auto's hebben jullie?", "general_info"),
        understand("gewoon even rondkijken hoor", "other"),
        understand("hebben jullie ook iets automatisch?", "car_inquiry",
                   car_preferences=CarPreferences(transmission="automatic")),
    ])
    last = outputs[-1]
    assert last.lead_quality in ("COLD", "LUKEWARM")
    assert last.lead_score < 60
    assert "interest:browsing" in last.tags and "stage:car-search" in last.tags
    assert "urgency:low" in last.tags and "channel:whatsapp-direct" in last.tags
    assert sum(f.points for f in last.score_factors) == last.lead_score
    assert outputs[0].lead_quality == "COLD" and "stage:new-lead" in outputs[0].tags


def test_test_drive_this_week_with_financing_is_hot():
    outputs = converse([
        understand("Hoi, ik zoek een Volkswagen Golf", "car_inquiry",
                   car_preferences=CarPreferences(make="Volkswagen", model="Golf")),
        understand("Max 25.000 euro, benzine graag", "car_inquiry",
                   car_preferences=CarPreferences(max_price=25000, fuel_type="petrol")),
        understand("Kan ik deze week een proefrit maken? Ik wil hem graag financieren", "test_drive",
                   test_drive_requested=True, needs_financing=True, urgency_level="high", sentiment="positive"),
    ])
    first, last = outputs[0], outputs[-1]
    assert last.lead_quality in ("HOT", "WARM")
    assert last.lead_score >= 80
    assert sum(f.points for f in last.score_factors) == last.lead_score
    for tag in ("interest:ready-to-buy", "urgency:high", "car:volkswagen", "fuel:petrol", "budget:15k-25k",
                "stage:test-drive-requested", "financing", "test-drive", "lead:hot"):
        assert tag in last.tags, tag
    # Tags of earlier messages are kept (whole conversation), new ones reported as added.
    assert "car:volkswagen" not in last.tags_added and "test-drive" in last.tags_added
    assert first.lead_score < last.lead_score
    attributes = last.custom_attributes
    assert attributes["interested_in_make"] == "Volkswagen" and attributes["interested_in_model"] == "Golf"
    assert attributes["budget_max"] == 25000 and attributes["financing_needed"] is True
    assert attributes["test_drive_requested"] is True and attributes["lead_quality"] == last.lead_quality
    assert attributes["lead_score"] == last.lead_score and attributes["urgency_level"] == "high"
    assert attributes["last_interest_date"] == "2026-05-04" and attributes["total_conversations"] == 1
    assert attributes["source_channel"] == "whatsapp-direct" and attributes["interested_in_fuel_type"] == "petrol"


def test_urgency_persists_and_score_is_capped():
    outputs = converse([
        understand("Ik wil vandaag nog een BMW 3 Serie kopen, 60k, met inruil en financiering, wat is de laatste prijs?",
                   "price_negotiation", car_preferences=CarPreferences(make="BMW", model="3 Serie", max_price=60000,
                   fuel_type="diesel", transmission="automatic"), urgency_level="critical", has_trade_in=True,
                   needs_financing=True, test_drive_requested=True, sentiment="positive"),
        understand("ok top", "other"),
    ])
    last = outputs[-1]
    assert last.lead_score == 100
    assert any(f.name == "capped_at_100" and f.points < 0 for f in last.score_factors)
    assert sum(f.points for f in last.score_factors) == 100
    assert "urgency:critical" in last.tags and "vip" in last.tags and "budget:40k+" in last.tags
    assert "stage:negotiation" in last.tags and "trade-in" in last.tags
    assert last.tags_added == ["sentiment:neutral"]  # only the mood of the latest message changed


def test_escalation_and_complaint_tags():
    outputs = converse([
        understand("Mijn auto is kapot na een week, belachelijk!", "complaint", sentiment="negative"),
    ], escalated=True)
    crm = outputs[0]
    assert "escalated" in crm.tags and "stage:escalated" in crm.tags and "complaint" in crm.tags
    assert "needs-attention" in crm.tags and crm.lead_quality == "COLD"
    assert crm.custom_attributes["conversation_sentiment"] == "negative"


def test_escalation_urgency_counts_when_escalated():
    understanding = understand("Kan ik met BKR financieren?", "financing_inquiry")
    understanding.expertise = ExpertiseOutput(escalation_decision=EscalationDecision(escalate=True, urgency="high"))
    crm = score_lead(ConversationContext(), understanding, escalated=True, now=NOW)
    assert "urgency:high" in crm.tags and "stage:escalated" in crm.tags and "financing" in crm.tags


def test_returning_customer_after_a_day_counts_conversations():
    outputs = converse([understand("hoi", "greeting"), understand("weer terug, nog een Golf?", "car_inquiry",
                        car_preferences=CarPreferences(make="Volkswagen", model="Golf"))], gap_seconds=2 * 86400)
    assert outputs[0].custom_attributes["total_conversations"] == 1
    assert outputs[1].custom_attributes["total_conversations"] == 2
    assert "returning-customer" in outputs[1].tags and "vip" in outputs[1].tags


def test_channel_comes_from_first_score():
    first = score_lead(ConversationContext(), understand("hoi", "greeting"), escalated=False, channel="marktplaats", now=NOW)
    later = score_lead(ConversationContext(), understand("nog iets", "other"), escalated=False, previous=first, now=NOW)
    assert "channel:marktplaats" in later.tags and later.custom_attributes["source_channel"] == "marktplaats"


def test_bands_and_budget_bands():
    assert [quality_for(s) for s in (0, 39, 40, 59, 60, 79, 80, 100)] == [
        "COLD", "COLD", "LUKEWARM", "LUKEWARM", "WARM", "WARM", "HOT", "HOT"]
    assert [budget_band(a) for a in (8000, 10000, 12000, 25000, 30000, 45000)] == [
        "0-10k", "0-10k", "10k-15k", "15k-25k", "25k-40k", "40k+"]


def test_labels_are_valid_chatwoot_labels():
    import re

    assert label_for_tag("interest:ready-to-buy") == "interest-ready-to-buy"
    assert label_for_tag("budget:40k+") == "budget-40k-plus"
    assert label_for_tag("car:Mercedes-Benz") == "car-mercedes-benz"
    assert all(re.fullmatch(r"[a-z0-9_-]+", label) for label in ALL_LABELS)
    assert len(ALL_LABELS) == len(set(ALL_LABELS)) >= 20
    keys = [definition[0] for definition in CONTACT_ATTRIBUTE_DEFINITIONS]
    assert len(keys) == 18 and {"last_interest_date", "test_drive_at", "trade_in_vehicle", "trade_in_value"} <= set(keys)
