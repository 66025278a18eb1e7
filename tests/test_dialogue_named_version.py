"""Fixes after the conversation set (issue 14 §1 and §5): the car the customer names, down to
its version, is the car answered about; a message of only car words keeps the chat's language;
"a month" of time is no monthly payment. The rules engine with the dialogue state, the stock
search and the test-drive planner, as the workflow runs them (tests/dialogue_talk.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from activities.inventory import InventoryActivities
from agents.knowledge.dealer import dealer_facts
from agents.language import detect_language, with_language
from agents.rules import RulesEngine
from agents.rules.glossary import dutch_terms
from config import Settings
from tests.dialogue_talk import Talk


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("inv"), inventory_sources=["sample"])
    return InventoryActivities(settings)


async def test_the_car_named_now_beats_the_car_under_discussion(inventory):
    talk = Talk(inventory)
    await talk.say("Staat de Kia Picanto nog?")
    assert talk.context.dialogue.car.id == "sample-015"
    reply = await talk.say("Staat de Polo nog?")
    assert "Picanto" not in reply.response_text
    assert reply.mentioned_car_ids and all(car_id in ("sample-007", "sample-008", "sample-009")
                                           for car_id in reply.mentioned_car_ids)
    assert talk.context.dialogue.car is None or talk.context.dialogue.car.model == "Polo"
    reply = await talk.say("en staat de polo 1.0 tsi life dsg nog?")
    assert reply.mentioned_car_ids == ["sample-008"] and "Picanto" not in reply.response_text
    assert talk.context.dialogue.car.id == "sample-008"


async def test_a_named_version_that_is_one_car_gets_that_cars_answer(inventory):
    talk = Talk(inventory)
    reply = await talk.say("staat de golf 1.5 tsi life business nog?")
    assert talk.turns[-1].request.extraction.asks_availability
    assert reply.mentioned_car_ids == ["sample-001"], reply.response_text
    assert "Golf 1.5 TSI Life Business" in reply.response_text and "Comfortline" not in reply.response_text
    assert talk.context.dialogue.car.id == "sample-001"


async def test_availability_and_a_test_drive_for_one_named_version_books_that_car(inventory):
    talk = Talk(inventory)
    reply = await talk.say("staat de tiguan r-line nog en kan ik zaterdag om 11 uur proefrijden?")
    text = reply.response_text
    assert "1.5 TSI Life Business" not in text and "Welke wil je" not in text, text
    assert "R-Line" in text and "zaterdag 28 november om 11:00" in text.lower()
    assert talk.context.test_drive.bookings and talk.context.test_drive.bookings[-1].car_id == "sample-011"


@pytest.mark.parametrize("text", ["de 1.0 TSI Life", "die r-line", "en de 1.6 tdi highline?", "de t-roc style"])
def test_a_message_of_only_car_words_keeps_the_chats_language(text):
    assert detect_language(text, "nl") == "nl"
    assert detect_language(text, "en") == "en"
    assert detect_language(text, "de") == "de"


async def test_picking_a_version_in_a_dutch_chat_is_answered_in_dutch(inventory):
    talk = Talk(inventory)
    await talk.say("hoi, hebben jullie een polo?")
    request = talk.turns[-1].request
    extraction = with_language(request.extraction, "de 1.0 TSI Life", "nl", "je")
    assert extraction.language == "nl"
    assert detect_language("I'd like the 1.0 TSI Life please", "nl") == "en"  # a real English sentence still switches


@pytest.mark.parametrize("text", [
    "what happens if the gearbox fails after a month, is that covered by the warranty?",
    "what if the clutch breaks a month after i buy it, is that covered by the warranty?",
    "the gearbox failed a month later, is that covered by the warranty?",
])
def test_a_month_of_time_is_no_monthly_payment(text):
    assert "per maand" not in dutch_terms(text)
    engine = RulesEngine(dealer=dealer_facts(), now=lambda: datetime(2026, 11, 24, 12, tzinfo=timezone.utc), use_model=False)
    understood = engine.understand(text)
    assert understood.router.intent == "service_inquiry"
    assert not understood.expertise.escalation_decision.escalate


@pytest.mark.parametrize("text", ["how much a month for the golf?", "is 300 a month possible?",
                                  "can i pay 250 euro a month?", "what would that be a month?", "what's the price per month?"])
def test_a_month_of_money_is_still_a_monthly_payment(text):
    assert "per maand" in dutch_terms(text)


async def test_a_version_picks_that_car_from_the_list_just_shown(inventory):
    talk = Talk(inventory)
    await talk.say("hoi, hebben jullie een polo?")
    assert len(talk.context.dialogue.shown) == 3
    reply = await talk.say("de 1.0 TSI Life")
    assert talk.context.dialogue.last_answer.startswith("pick:")
    assert talk.context.dialogue.car.id == "sample-008"
    assert reply.mentioned_car_ids == ["sample-008"], reply.response_text


async def test_a_grievance_about_the_trade_in_never_asks_again_for_the_mileage_given(inventory):
    talk = Talk(inventory)
    await talk.say("ik wil mijn opel astra inruilen, het is een diesel")
    await talk.say("ongeveer 120 duizend")
    assert talk.context.trade_in.mileage_km == 120_000
    reply = await talk.say("dit is toch niet normaal dat het zo lang duurt met die inruil?")
    assert "kilometerstand" not in reply.response_text, reply.response_text


@pytest.mark.parametrize("language, text, words", [
    ("nl", "stel dat de koppeling na twee maanden kapot gaat, valt dat onder jullie garantie?", ["12 maanden BOVAG-garantie", "slijtage"]),
    ("en", "what happens if the gearbox fails after a month, is that covered by the warranty?", ["12-month BOVAG warranty", "wear"]),
])
async def test_a_what_if_warranty_question_is_answered_about_the_warranty(inventory, language, text, words):
    talk = Talk(inventory)
    talk.context = talk.context.model_copy(update={"language": language})  # as agents.language sets it
    reply = await talk.say(text)
    assert all(word in reply.response_text for word in words), reply.response_text
    assert "automaat" not in reply.response_text.lower() and "per month" not in reply.response_text


@pytest.mark.parametrize("second, model", [("staat de tiguann nog?", "Tiguan"), ("staat de corola nog?", "Corolla Touring Sports"),
                                           ("staat de volkswagon polo nog?", "Polo")])
async def test_a_misspelt_car_named_after_the_picanto_is_that_car_not_the_picanto(inventory, second, model):
    talk = Talk(inventory)
    await talk.say("Staat de Kia Picanto nog?")
    reply = await talk.say(second)
    assert "Picanto" not in reply.response_text, reply.response_text
    assert reply.mentioned_car_ids and all(stock.model == model for stock in
                                           (inventory.catalog.index().get(car_id) for car_id in reply.mentioned_car_ids))
