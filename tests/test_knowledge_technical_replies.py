"""Knowledge a salesperson has: engines, drivetrains, reliability, road tax, consumption, equipment.

Every fact checked here is read from the knowledge modules, dealer.yaml (changed per test
where it matters) or the car's snapshot data; the tests only say where it must appear.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agents.knowledge import drivetrain, ownership
from agents.knowledge.dealer import dealer_facts
from agents.models import Car, ConversationContext, ReplyRequest
from agents.rules.engine import RulesEngine
from agents.rules.text import normalize

NOW = datetime(2026, 12, 8, 9, 30, tzinfo=timezone.utc)
GOLF = Car(id="golf-1", make="Volkswagen", model="Golf", variant="1.5 eTSI Life", price_eur=22000, year=2021,
           mileage_km=48000, fuel_type="petrol", weight_kg=1318, fuel_consumption_l_100km=5.2,
           equipment=["cruise_control", "navigatie", "parkeersensoren"])
BARE_POLO = Car(id="polo-1", make="Volkswagen", model="Polo", variant="1.0 TSI", price_eur=14950, year=2019, mileage_km=71000)


@pytest.fixture(scope="module")
def engine():
    return RulesEngine(now=lambda: NOW)


def ask(engine: RulesEngine, text: str, car: Car | None = None, dealer=None):
    engine = engine if dealer is None else RulesEngine(dealer=dealer, now=lambda: NOW, model=engine._classifier())
    context = ConversationContext(last_cars=[car] if car else [])
    understanding = engine.understand(text, context)
    reply = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                           extraction=understanding.extraction, expertise=understanding.expertise))
    return understanding, reply.response_text


@pytest.mark.parametrize("text, topic", [
    ("Wat is het verschil tussen TSI en TDI?", "engine_types"),
    ("wat is een e-tsi eigenlijk?", "mild_hybrid"),
    ("hoe werkt een volledige hybride?", "full_hybrid"),
    ("wat is een plug-in hybride?", "plug_in_hybrid"),
    ("wat is het verschil tussen dsg en handgeschakeld?", "automatic_gearbox"),
    ("is 4motion nodig of is quattro beter?", "all_wheel_drive"),
    ("mag ik met een euro 4 diesel de milieuzone in?", "emissions"),
])
def test_engine_and_drivetrain_questions_are_technical_and_answered(engine, text, topic):
    understanding, reply = ask(engine, text)
    assert understanding.expertise.classification.primary_domain == "technical"
    assert topic in {s.topic for s in understanding.expertise.knowledge}
    assert understanding.router.intent != "other"
    assert drivetrain.TEXTS[topic] in reply
    # an engine-type question is no fuel or gearbox wish
    assert understanding.extraction.car_preferences.fuel_type is None
    assert understanding.extraction.car_preferences.transmission is None


def test_an_engine_in_a_search_is_still_a_fuel_wish(engine):
    understanding, _ = ask(engine, "ik zoek een golf tdi tot 20.000")
    assert understanding.extraction.car_preferences.fuel_type == "diesel"
    assert not any(s.topic == "engine_types" for s in understanding.expertise.knowledge)


def test_reliability_is_honest_and_says_what_we_do(engine):
    dealer = dealer_facts()
    longer = dealer.model_copy(update={"warranty": dealer.warranty.model_copy(update={"bovag_months": 24})})
    understanding, reply = ask(engine, "is de BMW X3 betrouwbaar? ik hoor gemengde verhalen", dealer=longer)
    assert understanding.expertise.classification.primary_domain == "technical"
    assert "24 maanden BOVAG-garantie" in reply
    assert dealer.warranty.inspection in reply
    assert "onderhoudshistorie" in reply and "werkplaats" in reply
    # no failure statistics: no percentage, no number but the warranty months and the model's name
    assert "%" not in reply and not any(ch.isdigit() for ch in reply.replace("24", "").replace("X3", ""))


def test_road_tax_points_to_the_calculator_and_offers_the_weight(engine):
    dealer = dealer_facts()
    facts = dealer.road_tax.model_copy(update={"calculator_url": "https://rekenhulp.example/mrb",
                                               "reduced_rate_note": "Test: EV's betalen minder."})
    changed = dealer.model_copy(update={"road_tax": facts})
    understanding, reply = ask(engine, "hoeveel wegenbelasting betaal ik?", dealer=changed)
    assert understanding.expertise.classification.primary_domain == "technical"
    assert "https://rekenhulp.example/mrb" in reply and "Test: EV's betalen minder." in reply
    assert "€" not in reply  # no tariff
    assert "gewicht" in reply
    _, with_car = ask(engine, "hoeveel wegenbelasting betaal ik voor deze?", GOLF, dealer=changed)
    assert "1.318 kg" in with_car
    _, unknown = ask(engine, "wat is de wegenbelasting van hem?", BARE_POLO, dealer=changed)
    # no weight: a colleague checks it (a light task the reply promises), and no RDW lookup is promised
    assert "zie ik niet in mijn gegevens; ik laat het nakijken" in unknown and "RDW" not in unknown


def test_road_tax_facts_carry_source_and_year():
    facts = dealer_facts().road_tax
    assert facts.year and facts.source and facts.calculator_url.startswith("https://")


def test_consumption_from_the_snapshot_or_honestly_unknown(engine):
    understanding, reply = ask(engine, "wat verbruikt hij?", GOLF)
    assert understanding.expertise.classification.primary_domain == "technical"
    assert ownership.consumption_answer(GOLF) in reply and "5,2 liter per 100 km" in reply
    _, unknown = ask(engine, "wat verbruikt hij?", BARE_POLO)
    assert f"Het verbruik van de {BARE_POLO.title} zie ik niet in mijn gegevens; ik laat het nakijken" in unknown
    assert "liter" not in unknown  # the promise replaces "bel ons zelf" (issue 14 §2)


def test_equipment_of_a_specific_car_is_technical_and_from_its_list(engine):
    understanding, reply = ask(engine, "heeft deze cruise control?", GOLF)
    assert understanding.expertise.classification.primary_domain == "technical"
    assert f"{GOLF.title} heeft cruise control." in reply  # the listing names it
    # not in the listing: unknown, never "no", and an offer to check
    _, missing = ask(engine, "heeft hij stoelverwarming?", GOLF)
    assert f"Of de {GOLF.title} stoelverwarming heeft, zie ik niet in mijn gegevens; ik laat het nakijken" in missing
    understanding, unknown = ask(engine, "zit er navigatie in?", BARE_POLO)
    assert understanding.expertise.classification.primary_domain == "technical"
    assert f"Of de {BARE_POLO.title} navigatie heeft, zie ik niet in" in unknown
    # no car in the conversation yet: which one?
    understanding, which = ask(engine, "heeft deze cruise control?")
    assert understanding.expertise.classification.primary_domain == "technical"
    assert "Over welke auto gaat het?" in which
    # an option outside the listing vocabulary is never in our data
    dealer = dealer_facts()
    assert ownership.equipment_answer("zit er keyless entry op?", GOLF, dealer) == (
        f"Of de {GOLF.title} keyless entry heeft, zie ik niet in mijn gegevens; bel gerust {dealer.phone}, dan zoeken we het voor je uit.")


def test_explanation_detector():
    assert drivetrain.explains_engine_type(normalize("Wat is het verschil tussen TSI en TDI?"))
    assert drivetrain.explains_engine_type(normalize("DSG of handbak, wat is beter?"))
    assert not drivetrain.explains_engine_type(normalize("ik zoek een tiguan tdi 4motion max 26k"))


def test_a_claude_reply_may_link_the_calculator_from_our_knowledge_only(engine):
    from agents.guardrails import check_reply

    dealer = dealer_facts()
    understanding, _ = ask(engine, "hoeveel wegenbelasting betaal ik?")
    request = ReplyRequest(text="hoeveel wegenbelasting betaal ik?", context=ConversationContext(), router=understanding.router,
                           extraction=understanding.extraction, expertise=understanding.expertise)
    linked = f"Dat hangt af van gewicht, brandstof en provincie; reken het uit op {dealer.road_tax.calculator_url}"
    assert check_reply(linked, request, dealer) == []
    elsewhere = "Dat hangt af van gewicht; kijk op https://www.wegenbelasting-tarieven.example/2026"
    assert any("allow-list" in violation for violation in check_reply(elsewhere, request, dealer))


def test_an_engine_in_a_car_name_is_no_engine_question(engine):
    understanding, reply = ask(engine, "heeft de golf 1.5 tsi life business een trekhaak?", GOLF)
    assert "engine_types" not in {s.topic for s in understanding.expertise.knowledge}
    assert drivetrain.TEXTS["engine_types"] not in reply and "trekhaak" in reply
    understanding, _ = ask(engine, "wat is het verschil tussen de 1.5 tsi en de 2.0 tdi?")
    assert "engine_types" in {s.topic for s in understanding.expertise.knowledge}  # asked to explain: explained
