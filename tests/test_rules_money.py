"""Issue 14 §4 with the rules engine: down payment, term and trade-in applied; "bijbetalen?"; the products.

Payments are checked against a reference that shares no formula with the code: the monthly
amount is found by bisection so that a month-by-month amortisation at the effective annual
rate (JKP) ends at zero.
"""

from __future__ import annotations

import re

import pytest

from agents.rules import RulesEngine
from agents.tradein_models import TradeIn
from tests.rules_chat import DEALER, TUESDAY, Chat, sample_inventory

RATE = DEALER.financing.effective_rate_percent
TIGUAN_PRICE = 32_950  # sample-010, Volkswagen Tiguan 1.5 TSI Life Business DSG


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    return sample_inventory(tmp_path_factory.mktemp("inv"))


def reference_payment(principal: float, annual_percent: float, months: int) -> float:
    """The monthly amount that pays the loan off exactly, by bisection over an amortisation table."""
    monthly_growth = (1 + annual_percent / 100) ** (1 / 12)

    def left_after(payment: float) -> float:
        balance = principal
        for _ in range(months):
            balance = balance * monthly_growth - payment
        return balance

    low, high = 0.0, principal
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if left_after(middle) > 0 else (low, middle)
    return (low + high) / 2


def monthly_in(text: str) -> float:
    match = re.search(r"ongeveer € ([\d.]+,\d\d) per maand", text)
    assert match, text
    return float(match.group(1).replace(".", "").replace(",", "."))


def test_the_reference_is_sane():
    assert abs(reference_payment(12_000, 0.0001, 12) - 1000) < 0.01
    assert 570 < reference_payment(TIGUAN_PRICE - 5000, RATE, 60) < 580  # the "about € 575"


async def chat_about_the_tiguan(inventory) -> Chat:
    chat = Chat(inventory)
    await chat.say("hebben jullie een tiguan?")
    await chat.say("de eerste")
    assert chat.context.last_cars[0].price_eur == TIGUAN_PRICE
    return chat


async def test_down_payment_and_term_are_applied(inventory):
    chat = await chat_about_the_tiguan(inventory)
    reply = await chat.say("als ik 5000 aanbetaal en 60 maanden?")
    assert "je financiert dan € 27.950" in reply and "bij 60 maanden" in reply, reply
    assert abs(monthly_in(reply) - reference_payment(27_950, RATE, 60)) < 0.01
    assert "Let op! Geld lenen kost geld" in reply


async def test_the_trade_in_value_staff_gave_comes_off_as_well(inventory):
    chat = await chat_about_the_tiguan(inventory)
    chat.context = chat.context.model_copy(update={"has_trade_in": True, "trade_in": TradeIn(
        make="Opel", model="Astra", plate="1-XJR-34", mileage_km=140_000, started_at=TUESDAY, last_activity_at=TUESDAY,
        indicative_value_eur=6_000)})
    reply = await chat.say("wat wordt het per maand met 5000 aanbetaling over 60 maanden?")
    assert "€ 5.000 aanbetaling en je inruilauto (indicatief € 6.000) eraf, dus je financiert € 21.950" in reply, reply
    assert abs(monthly_in(reply) - reference_payment(TIGUAN_PRICE - 5000 - 6000, RATE, 60)) < 0.01
    without_down = await chat.say("en zonder aanbetaling, over 72 maanden?")
    assert "je financiert € 26.950" in without_down, without_down
    assert abs(monthly_in(without_down) - reference_payment(TIGUAN_PRICE - 6000, RATE, 72)) < 0.01


async def test_bijbetalen_waits_for_the_colleagues_value_then_is_price_minus_value(inventory):
    chat = await chat_about_the_tiguan(inventory)
    await chat.say("ik wil mijn opel astra inruilen")
    before = await chat.say("bijbetalen?")
    assert "€" not in before and "collega" in before and "inruilwaarde" in before, before
    chat.context = chat.context.model_copy(update={"trade_in": chat.context.trade_in.model_copy(
        update={"indicative_value_eur": 6_000})})
    after = await chat.say("en wat moet ik dan bijbetalen?")
    assert "indicatief gewaardeerd op € 6.000" in after and "€ 26.950 bij" in after, after


@pytest.mark.parametrize("question, expected, not_expected", [
    ("wat is het verschil tussen private lease en financial lease?",
     ["*Private lease*", "nooit van jou", "*Financial lease*: alleen voor ondernemers"], ["*Huurkoop*"]),
    ("huurkoop of een persoonlijke lening, wat past bij mij?",
     ["*Huurkoop*", "eigenaar na de laatste termijn", "*Persoonlijke lening*", "meteen eigenaar"], ["*Private lease*"]),
    ("wat is private lease eigenlijk?", ["*Private lease*", "vast bedrag per maand"], ["*Financial lease*"]),
])
async def test_products_are_explained_with_who_they_suit(inventory, question, expected, not_expected):
    reply = await Chat(inventory).say(question)
    for text in expected:
        assert text in reply, (text, reply)
    for text in not_expected:
        assert text not in reply, (text, reply)
    assert "Past bij" in reply or "alleen voor ondernemers" in reply
    named = [reply.index(text) for text in expected if text.startswith("*")]
    assert named == sorted(named)  # in the order the customer named them


@pytest.mark.parametrize("opening, question, expected", [
    ("Hello, I'm looking for a car", "what is the difference between private lease and financial lease?",
     ["*Private lease*: a fixed amount a month", "*Financial lease*: for businesses only"]),
    ("Guten Tag, ich suche ein Auto", "was ist der Unterschied zwischen Private Lease und Financial Lease?",
     ["*Private Lease*: eine feste Monatsrate", "*Financial Lease*: nur für Unternehmer"]),
    ("Goedemiddag, ik zoek een auto voor u", "Wat is het verschil tussen private lease en financial lease?",
     ["*Private lease*: u betaalt", "de auto wordt nooit van u"]),
])
async def test_products_in_the_customers_language(inventory, opening, question, expected):
    chat = Chat(inventory)
    await chat.say(opening)
    reply = await chat.say(question)
    for text in expected:
        assert text in reply, (text, reply)


@pytest.mark.parametrize("text", [
    "ik ben zzp'er, kan ik de golf financieren?",
    "ik wil een auto via mijn BV leasen",
    "kan ik de auto op naam van mijn bv kopen en financieren?",
    "ik heb een eenmanszaak, kan ik financieren?",
    "I am self-employed, can I finance the car?",
    "Ich bin selbstständig, kann ich finanzieren?",
])
def test_self_employed_and_bv_go_to_the_finance_advisor(text):
    decision = RulesEngine(dealer=DEALER).understand(text).expertise.escalation_decision
    assert decision.escalate and decision.escalation_type == "finance_advisor", text


def test_a_private_customer_asking_about_lease_is_not_escalated():
    decision = RulesEngine(dealer=DEALER).understand("wat is het verschil tussen private lease en financial lease?") \
        .expertise.escalation_decision
    assert not decision.escalate


async def test_paying_cash_does_not_change_the_price_and_is_no_purchase(inventory):
    chat = await chat_about_the_tiguan(inventory)
    await chat.say("kan er nog wat van de prijs af?")
    reply = await chat.say("en als ik vandaag contant betaal?")
    assert "Contant betalen verandert de prijs niet" in reply and "🎉" not in reply, reply
    assert not chat.requests[-1].expertise.escalation_decision.escalate
