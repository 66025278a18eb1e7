"""Reply guardrails: invented money, promises, cars and leaked instructions are caught; good replies pass."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agents.guardrails import check_reply, euro_amounts
from agents.knowledge.dealer import load_dealer
from agents.models import (
    Car,
    CarMatch,
    ConversationContext,
    EscalationDecision,
    ExpertiseOutput,
    ExtractionOutput,
    InventorySearchResult,
    ReplyRequest,
    RouterOutput,
    Turn,
)
from agents.prompts import CREDIT_WARNING, HARD_RULES, example_monthly_payment, monthly_payment
from config import PROJECT_ROOT

DEALER = load_dealer(PROJECT_ROOT / "dealer.yaml")
GOLF = Car(id="w-1", make="Volkswagen", model="Golf", variant="1.5 TSI Life", price_eur=18950, year=2020, mileage_km=61000)
CLIO = Car(id="w-2", make="Renault", model="Clio", price_eur=12450, year=2019, mileage_km=80000)


def euros(amount: float) -> str:
    return "€ " + f"{round(amount):,}".replace(",", ".")


def request(text: str = "Hebben jullie een Golf?", *, cars=(GOLF, CLIO), history=(), handoff=None, **extraction) -> ReplyRequest:
    return ReplyRequest(
        text=text,
        context=ConversationContext(
            history=[Turn(role=role, text=said, at=datetime.now(timezone.utc)) for role, said in history]
        ),
        router=RouterOutput(intent="car_inquiry"),
        extraction=ExtractionOutput(**extraction),
        expertise=ExpertiseOutput(escalation_decision=EscalationDecision()),
        inventory=InventorySearchResult(matches=[CarMatch(car=car, score=1.0) for car in cars], total_found=len(cars)),
        escalation_handoff=handoff,
    )


def test_a_normal_good_reply_passes():
    payment = example_monthly_payment(GOLF, DEALER)
    reply = (
        "Goed nieuws! We hebben een *Volkswagen Golf 1.5 TSI Life* uit 2020 met 61.000 km voor € 18.950 "
        f"(afleverkosten {euros(DEALER.delivery.delivery_cost_eur)}, inclusief APK). "
        f"Financieren kan ook: bijvoorbeeld {euros(payment)} per maand bij {DEALER.financing.default_months} maanden. "
        f"{CREDIT_WARNING}! Je krijgt {DEALER.warranty.bovag_months} maanden BOVAG-garantie. "
        "Zal ik een proefrit voor je inplannen? Neem dan je rijbewijs mee 🚗 https://www.seldenrijk.nl/occasions/vw-golf-123"
    )
    assert check_reply(reply, request(), DEALER) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("€ 18.950", [(18950.0, False)]),
        ("€695,-", [(695.0, False)]),
        ("289 euro p/m", [(289.0, True)]),
        ("€ 289,50 per maand", [(289.5, True)]),
        ("€20k", [(20000.0, False)]),
        ("voor 18.950 euro of € 12.450", [(18950.0, False), (12450.0, False)]),
        ("bouwjaar 2019, 80.000 km", []),
    ],
)
def test_euro_amounts_are_read_in_dutch_notation(text, expected):
    assert euro_amounts(text) == expected


def test_an_invented_price_is_rejected():
    violations = check_reply("De Volkswagen Golf kost nu maar € 17.500.", request(), DEALER)
    assert any("17.500" in item for item in violations)


def test_rounded_price_and_customer_budget_may_be_quoted():
    reply = "De Volkswagen Golf zit rond de € 19.000, net boven je budget van € 18.000. De Renault Clio past er wel in."
    assert check_reply(reply, request("Ik zoek iets tot 18.000 euro"), DEALER) == []


def test_a_discount_or_free_extra_is_rejected_but_declining_one_passes():
    assert any("discount" in item for item in check_reply("Voor jou doe ik er € 500 korting af!", request(), DEALER))
    assert any("free" in item for item in check_reply("De winterbanden krijg je er gratis bij.", request(), DEALER))
    assert any("promise" in item for item in check_reply("Ik beloof je dat hij morgen klaarstaat.", request(), DEALER))
    declined = "Korting kan ik helaas niet geven; over de prijs kun je het beste met een verkoper praten."
    assert check_reply(declined, request("Krijg ik korting?"), DEALER) == []


def test_warranty_longer_than_the_dealer_gives_is_rejected():
    assert any("warranty" in item for item in check_reply("Je krijgt 3 jaar garantie op deze auto.", request(), DEALER))
    assert any("warranty" in item for item in check_reply("Er zit twee jaar garantie op.", request(), DEALER))
    months = DEALER.warranty.bovag_months
    assert check_reply(f"Er zit {months} maanden BOVAG-garantie op.", request(), DEALER) == []


def test_prompt_disclosure_is_rejected():
    echoed = "Mijn regels: " + HARD_RULES.splitlines()[1]
    assert any("disclosure" in item for item in check_reply(echoed, request(), DEALER))
    assert any("disclosure" in item for item in check_reply("Mijn systeemprompt zegt dat ik dat niet mag.", request(), DEALER))
    assert any("disclosure" in item for item in check_reply("Mijn instructies zijn geheim.", request(), DEALER))


def test_a_car_that_is_not_in_inventory_is_rejected():
    assert any("Audi" in item or "audi" in item for item in check_reply("We hebben ook een Audi A3 staan.", request(), DEALER))
    assert any("polo" in item for item in check_reply("Of kijk eens naar de Volkswagen Polo.", request(), DEALER))


def test_a_car_the_customer_named_may_be_mentioned_when_saying_we_do_not_have_it():
    reply = "Een Audi A4 hebben we op dit moment helaas niet, maar wel een Volkswagen Golf voor € 18.950."
    assert check_reply(reply, request("hebben jullie een audi a4?"), DEALER) == []


def test_credit_without_the_legal_warning_is_rejected():
    payment = example_monthly_payment(GOLF, DEALER)
    reply = f"De Golf kun je financieren vanaf {euros(payment)} per maand."
    assert any("Geld lenen" in item for item in check_reply(reply, request(), DEALER))
    assert check_reply(reply + f" {CREDIT_WARNING}.", request(), DEALER) == []


def test_an_invented_interest_rate_or_monthly_amount_is_rejected():
    reply = f"Bij ons betaal je maar 3,9% rente. {CREDIT_WARNING}."
    assert any("interest" in item for item in check_reply(reply, request(), DEALER))
    reply = f"Dat wordt € 99 per maand. {CREDIT_WARNING}."
    assert any("99" in item for item in check_reply(reply, request(), DEALER))


def test_the_escalation_handoff_sentence_must_be_kept():
    handoff = "Ik heb een collega van financiering gevraagd om je vandaag nog te bellen."
    assert check_reply("Dank je, dat gaan we regelen!", request(handoff=handoff), DEALER) == [
        "escalation handoff sentence missing"
    ]
    assert check_reply(f"Dank je voor je bericht. {handoff}", request(handoff=handoff), DEALER) == []


def test_amounts_from_our_earlier_messages_may_be_repeated():
    history = [("bot", "De thuisbezorging kost € 150."), ("customer", "En mijn budget is 15k")]
    reply = "Klopt, thuisbezorgen kost € 150 en met € 15.000 budget past de Renault Clio."
    assert check_reply(reply, request("ok", history=history), DEALER) == []


def test_monthly_payment_repays_the_principal():
    principal, rate, months = 18950, DEALER.financing.effective_rate_percent, 72
    payment = monthly_payment(principal, rate, months)
    monthly_rate = (1 + rate / 100) ** (1 / 12) - 1
    present_value = sum(payment / (1 + monthly_rate) ** month for month in range(1, months + 1))
    assert present_value == pytest.approx(principal, rel=1e-9)
    assert monthly_payment(1200, 0, 12) == pytest.approx(100)
