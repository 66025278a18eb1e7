"""Annuity maths and financial snippets: rates from dealer.yaml, capped, always with the warning."""

from __future__ import annotations

import pytest

from agents.knowledge import financial
from agents.knowledge.dealer import dealer_facts
from agents.rules.text import normalize


def test_published_example_5000_over_60_months_at_11_99():
    # Dutch lenders' published example: EUR 5,000, 60 months, 11.99% JKP -> EUR 109.66 a month, EUR 6,579.60 in total
    payment = financial.monthly_payment(5000, 11.99, 60)
    assert payment == pytest.approx(109.66, abs=0.01)
    assert payment * 60 == pytest.approx(6579.60, abs=0.5)


def test_jkp_is_converted_to_a_monthly_rate_not_divided_by_twelve():
    naive_monthly = 0.0899 / 12
    naive = 10_000 * naive_monthly / (1 - (1 + naive_monthly) ** -72)
    correct = financial.monthly_payment(10_000, 8.99, 72)
    assert correct < naive
    assert correct == pytest.approx(178.47, abs=0.01)


def test_zero_rate_is_a_plain_split():
    assert financial.monthly_payment(1200, 0, 12) == 100


def test_rate_is_capped_at_the_legal_maximum():
    dealer = dealer_facts()
    greedy = dealer.model_copy(update={"financing": dealer.financing.model_copy(update={"annual_rate_percent": 19.0})})
    example = financial.example_payment(10_000, greedy, months=60)
    assert example.annual_rate_percent == greedy.financing.legal_max_rate_percent
    assert example.monthly_payment_eur == pytest.approx(financial.monthly_payment(10_000, 14.0, 60), abs=0.01)


def test_example_uses_dealer_term_and_minimum():
    dealer = dealer_facts()
    example = financial.example_payment(18_950, dealer)
    assert example.months == dealer.financing.default_months
    assert example.total_eur == pytest.approx(example.monthly_payment_eur * example.months, abs=1)
    assert financial.example_payment(dealer.financing.min_amount_eur - 1, dealer) is None


def test_formatting():
    assert financial.format_eur(18950) == "€ 18.950"
    assert financial.format_eur(110.234, cents=True) == "€ 110,23"
    assert financial.format_rate(8.99) == "8,99%"


@pytest.mark.parametrize(
    "text, topic",
    [("kan ik financieren", "financing_options"), ("wat is de rente", "interest_rate"), ("heb bkr", "bkr"),
     ("huurkoop mogelijk", "huurkoop"), ("private lease", "private_lease"), ("financial lease voor mijn bv", "financial_lease"),
     ("wat kost hij per maand", "monthly_payment")],
)
def test_snippets_carry_the_credit_warning(text, topic):
    snippets = financial.knowledge_for(normalize(text), dealer_facts())
    chosen = [s for s in snippets if s.topic == topic]
    assert chosen, [s.topic for s in snippets]
    if topic != "private_lease":
        assert financial.CREDIT_WARNING in chosen[0].text


def test_rate_text_follows_dealer_yaml():
    dealer = dealer_facts()
    other = dealer.model_copy(update={"financing": dealer.financing.model_copy(update={"annual_rate_percent": 7.5})})
    text = financial.knowledge_for("wat is de rente", other)[0].text
    assert "7,5%" in text and "8,99" not in text
