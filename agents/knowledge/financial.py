"""Financial knowledge: financing products, BKR, and a correct annuity example.

The rate comes from dealer.yaml (annual_rate_percent, capped at the legal maximum).
The rate is an effective annual rate (JKP); the monthly rate is (1 + jkp)^(1/12) - 1.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from agents.knowledge.dealer import DealerFacts
from agents.models import KnowledgeSnippet

CREDIT_WARNING = "Let op! Geld lenen kost geld."

TOPICS: dict[str, re.Pattern[str]] = {
    "financing_options": re.compile(r"\b(financier\w*|financeer\w*|financering\w*|afbetal\w*|gespreid\s+betalen|in\s+termijnen|mogelijkheden\s+om\s+te\s+betalen)\b"),
    "personal_loan": re.compile(r"\b(persoonlijke\s+lening|lening|lenen|krediet\w*)\b"),
    "huurkoop": re.compile(r"\b(huurkoop)\b"),
    "private_lease": re.compile(r"\b(private\s*lease|prive\s*lease|privelease|privatelease|lease\w*)\b"),
    "financial_lease": re.compile(r"\b(financial\s*lease|zakelijk\w*\s+lease\w*|lease\w*\s+(?:via|op)\s+(?:de\s+)?(?:zaak|bv|bedrijf)|zakelijk\s+financieren|operational\s+lease)\b"),
    "bkr": re.compile(r"\b(bkr|kredietregistratie|kredietwaardig\w*|toetsing)\b"),
    "interest_rate": re.compile(r"\b(rente\w*|jkp|percentage|tarief)\b"),
    "monthly_payment": re.compile(r"\b(per\s+maand|per\s+mnd|p/m|p\.m\b|maandbedrag\w*|maandlast\w*|maandelijks\w*|maandtermijn\w*)"),
}


class PaymentExample(BaseModel):
    principal_eur: int
    months: int
    annual_rate_percent: float
    monthly_payment_eur: float
    total_eur: float


def monthly_payment(principal: float, annual_rate_percent: float, months: int) -> float:
    """Annuity payment for an effective annual rate (JKP), as Dutch lenders quote it."""
    if months <= 0:
        raise ValueError("months must be positive")
    if annual_rate_percent <= 0:
        return principal / months
    monthly_rate = (1 + annual_rate_percent / 100) ** (1 / 12) - 1
    return principal * monthly_rate / (1 - (1 + monthly_rate) ** -months)


def example_payment(
    price_eur: int, dealer: DealerFacts, months: int | None = None, down_payment_eur: int | None = None
) -> PaymentExample | None:
    """An example for financing a car of this price with the dealer's rate and term, or None if too small.

    A down payment the customer names replaces the dealer's default percentage; the term
    is kept within the dealer's minimum and maximum.
    """
    financing = dealer.financing
    if down_payment_eur is not None:
        principal = max(0, int(round(price_eur - down_payment_eur)))
    else:
        principal = int(round(price_eur * (1 - financing.down_payment_percent / 100)))
    if principal < financing.min_amount_eur:
        return None
    months = clamp_term(months, dealer)
    rate = financing.effective_rate_percent
    payment = monthly_payment(principal, rate, months)
    return PaymentExample(
        principal_eur=principal,
        months=months,
        annual_rate_percent=rate,
        monthly_payment_eur=round(payment, 2),
        total_eur=round(payment * months, 2),
    )


def clamp_term(months: int | None, dealer: DealerFacts) -> int:
    """The requested term within the dealer's bounds, or the default term."""
    financing = dealer.financing
    return min(max(months or financing.default_months, financing.min_months), financing.max_months)


def format_eur(amount: float, cents: bool = False) -> str:
    """Dutch notation: € 18.950 or € 110,23."""
    if cents:
        whole, frac = f"{amount:,.2f}".split(".")
        return f"€ {whole.replace(',', '.')},{frac}"
    return "€ " + f"{int(round(amount)):,}".replace(",", ".")


def format_rate(rate: float) -> str:
    return f"{rate:.2f}".rstrip("0").rstrip(".").replace(".", ",") + "%"


def topics_in(text: str) -> list[str]:
    return [topic for topic, regex in TOPICS.items() if regex.search(text)]


def _texts(dealer: DealerFacts) -> dict[str, str]:
    financing = dealer.financing
    rate = format_rate(financing.effective_rate_percent)
    products = ", ".join(financing.products) if financing.products else "een persoonlijke lening"
    return {
        "financing_options": (
            f"Financieren kan via {financing.partner}: {products}. Looptijd van {financing.min_months} tot "
            f"{financing.max_months} maanden, vanaf {format_eur(financing.min_amount_eur)}. {CREDIT_WARNING}"
        ),
        "personal_loan": (
            f"Met een persoonlijke lening leen je een vast bedrag tegen een vaste rente (nu vanaf {rate} JKP) en "
            f"word je direct eigenaar van de auto. Vervroegd aflossen mag zonder boete. {CREDIT_WARNING}"
        ),
        "huurkoop": (
            "Bij huurkoop betaal je in termijnen en word je eigenaar na de laatste termijn; tot dan blijft de "
            f"financier eigenaar. Ook huurkoop wordt bij het BKR geregistreerd. {CREDIT_WARNING}"
        ),
        "private_lease": (
            "Bij private lease betaal je een vast bedrag per maand inclusief onderhoud, verzekering en wegenbelasting, "
            "maar de auto wordt nooit van jou. Ook private lease wordt bij het BKR geregistreerd."
        ),
        "financial_lease": (
            "Financial lease is alleen voor ondernemers: de auto staat op de balans van je bedrijf en je betaalt in "
            f"termijnen. Onze financieringsadviseur rekent dit graag voor je uit. {CREDIT_WARNING}"
        ),
        "bkr": (
            "Bij elke financiering kijkt de financier in het BKR (Bureau Krediet Registratie) naar lopende leningen en "
            "eventuele achterstanden. Een lopende lening is geen probleem; bij een achterstandscodering kijkt onze adviseur "
            f"persoonlijk wat er mogelijk is. {CREDIT_WARNING}"
        ),
        "interest_rate": (
            f"Onze rente is nu {rate} effectief jaarlijks (JKP), nooit boven het wettelijk maximum van "
            f"{format_rate(financing.legal_max_rate_percent)}. {CREDIT_WARNING}"
        ),
        "monthly_payment": _monthly_text(dealer),
    }


def _monthly_text(dealer: DealerFacts) -> str:
    example = example_payment(10_000, dealer)
    if example is None:
        return CREDIT_WARNING
    return (
        f"Rekenvoorbeeld: {format_eur(example.principal_eur)} lenen over {example.months} maanden tegen "
        f"{format_rate(example.annual_rate_percent)} JKP is {format_eur(example.monthly_payment_eur, cents=True)} per maand "
        f"(totaal {format_eur(example.total_eur, cents=True)}). {CREDIT_WARNING}"
    )


def knowledge_for(text: str, dealer: DealerFacts) -> list[KnowledgeSnippet]:
    texts = _texts(dealer)
    topics = topics_in(text)
    if "financial_lease" in topics and "private_lease" in topics and not re.search(r"priv", text):
        topics.remove("private_lease")
    if "personal_loan" in topics and "financing_options" in topics:
        topics.remove("financing_options")
    return [KnowledgeSnippet(module="financial", topic=topic, text=texts[topic]) for topic in topics]
