"""Financial knowledge: financing products, BKR, and a correct annuity example.

The rate comes from dealer.yaml (annual_rate_percent, capped at the legal maximum).
The rate is an effective annual rate (JKP); the monthly rate is (1 + jkp)^(1/12) - 1.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from agents.knowledge.dealer import DealerFacts
from agents.models import KnowledgeSnippet
from agents.rules.phrases import Phrase, euro, percent, say

CREDIT_WARNING = "Let op! Geld lenen kost geld."

TOPICS: dict[str, re.Pattern[str]] = {
    "financing_options": re.compile(r"\b(financier\w*|financeer\w*|financering\w*|afbetal\w*|gespreid\s+betalen|in\s+termijnen|mogelijkheden\s+om\s+te\s+betalen|financ(?:e|ing)|instal+ments?|finanzier\w*|ratenzahlung|in\s+raten)\b"),
    "personal_loan": re.compile(r"\b(persoonlijke\s+lening|lening|lenen|krediet\w*|personal\s+loan|loan|borrow\w*|ratenkredit|kredit|darlehen)\b"),
    "huurkoop": re.compile(r"\b(huurkoop|hire\s+purchase|mietkauf)\b"),
    "private_lease": re.compile(r"\b(private\s*lease|prive\s*lease|privelease|privatelease|lease\w*|privatleasing|leasing)\b"),
    "financial_lease": re.compile(r"\b(financial\s*lease|zakelijk\w*\s+lease\w*|lease\w*\s+(?:via|op)\s+(?:de\s+)?(?:zaak|bv|bedrijf)|zakelijk\s+financieren|operational\s+lease)\b"),
    "bkr": re.compile(r"\b(bkr|kredietregistratie|kredietwaardig\w*|toetsing)\b"),
    "interest_rate": re.compile(r"\b(rente\w*|jkp|percentage|tarief|interest(?:\s+rate)?|apr|zins\w*|jahreszins)\b"),
    "monthly_payment": re.compile(r"\b(per\s+maand|per\s+mnd|p/m|p\.m\b|maandbedrag\w*|maandlast\w*|maandelijks\w*|maandtermijn\w*|per\s+month|a\s+month|monthly|pro\s+monat|im\s+monat|monatlich\w*|monatsrate\w*)"),
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
    price_eur: int, dealer: DealerFacts, months: int | None = None, down_payment_eur: int | None = None,
    trade_in_eur: int | None = None,
) -> PaymentExample | None:
    """An example for financing a car of this price with the dealer's rate and term, or None if too small.

    A down payment the customer names replaces the dealer's default percentage; the indicative
    trade-in value staff gave comes off the price too (annuity on price − down payment − trade-in).
    The term is kept within the dealer's minimum and maximum.
    """
    financing = dealer.financing
    if down_payment_eur is not None:
        principal = max(0, int(round(price_eur - down_payment_eur)))
    else:
        principal = int(round(price_eur * (1 - financing.down_payment_percent / 100)))
    principal = max(0, principal - (trade_in_eur or 0))
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


FINANCING_OPTIONS = Phrase(
    nl="Financieren kan via {partner}: {products}. Looptijd van {min_months} tot {max_months} maanden, vanaf {min_amount}.",
    en="You can finance through {partner}: {products}. Terms run from {min_months} to {max_months} months, from {min_amount}.",
    de="Finanzieren können Sie über {partner}: {products}. Laufzeit von {min_months} bis {max_months} Monaten, ab {min_amount}.",
)
PERSONAL_LOAN = Phrase(
    nl="Met een persoonlijke lening leen je een vast bedrag tegen een vaste rente (nu vanaf {rate} JKP) en "
       "word je direct eigenaar van de auto. Vervroegd aflossen mag zonder boete.",
    nl_u="Met een persoonlijke lening leent u een vast bedrag tegen een vaste rente (nu vanaf {rate} JKP) en "
         "wordt u direct eigenaar van de auto. Vervroegd aflossen mag zonder boete.",
    en="With a personal loan you borrow a fixed amount at a fixed rate (currently from {rate} APR) and the car is yours "
       "straight away. You can pay it off early without a penalty.",
    de="Mit einem Ratenkredit leihen Sie einen festen Betrag zu einem festen Zins (derzeit ab {rate} effektivem Jahreszins) "
       "und das Auto gehört sofort Ihnen. Vorzeitig tilgen können Sie ohne Strafgebühr.",
)
HUURKOOP = Phrase(
    nl="Bij huurkoop betaal je in termijnen en word je eigenaar na de laatste termijn; tot dan blijft de "
       "financier eigenaar. Ook huurkoop wordt bij het BKR geregistreerd.",
    nl_u="Bij huurkoop betaalt u in termijnen en wordt u eigenaar na de laatste termijn; tot dan blijft de "
         "financier eigenaar. Ook huurkoop wordt bij het BKR geregistreerd.",
    en="With hire purchase (huurkoop) you pay in instalments and the car becomes yours after the last one; until then "
       "the lender owns it. Hire purchase is registered with the BKR (the Dutch credit register) too.",
    de="Beim Mietkauf (huurkoop) zahlen Sie in Raten und werden nach der letzten Rate Eigentümer; bis dahin gehört das Auto "
       "dem Finanzierer. Auch ein Mietkauf wird beim BKR (dem niederländischen Kreditregister) eingetragen.",
)
PRIVATE_LEASE = Phrase(
    nl="Bij private lease betaal je een vast bedrag per maand inclusief onderhoud, verzekering en wegenbelasting, "
       "maar de auto wordt nooit van jou. Ook private lease wordt bij het BKR geregistreerd.",
    nl_u="Bij private lease betaalt u een vast bedrag per maand inclusief onderhoud, verzekering en wegenbelasting, "
         "maar de auto wordt nooit van u. Ook private lease wordt bij het BKR geregistreerd.",
    en="With private lease you pay a fixed amount a month including servicing, insurance and road tax, but the car never "
       "becomes yours. Private lease is registered with the BKR (the Dutch credit register) too.",
    de="Beim Privatleasing zahlen Sie einen festen Monatsbetrag inklusive Wartung, Versicherung und Kfz-Steuer, aber das Auto "
       "gehört nie Ihnen. Auch Privatleasing wird beim BKR (dem niederländischen Kreditregister) eingetragen.",
)
FINANCIAL_LEASE = Phrase(
    nl="Financial lease is alleen voor ondernemers: de auto staat op de balans van je bedrijf en je betaalt in "
       "termijnen. Onze financieringsadviseur rekent dit graag voor je uit.",
    nl_u="Financial lease is alleen voor ondernemers: de auto staat op de balans van uw bedrijf en u betaalt in "
         "termijnen. Onze financieringsadviseur rekent dit graag voor u uit.",
    en="Financial lease is for businesses only: the car goes on your company's balance sheet and you pay in instalments. "
       "Our finance advisor will gladly work out the numbers for you.",
    de="Finanzierungsleasing ist nur für Unternehmer: Das Auto steht in der Bilanz Ihres Unternehmens und Sie zahlen in Raten. "
       "Unser Finanzierungsberater rechnet Ihnen das gern durch.",
)
BKR = Phrase(
    nl="Bij elke financiering kijkt de financier in het BKR (Bureau Krediet Registratie) naar lopende leningen en "
       "eventuele achterstanden. Een lopende lening is geen probleem; bij een achterstandscodering kijkt onze adviseur "
       "persoonlijk wat er mogelijk is.",
    en="For any financing, the lender checks the BKR (the Dutch credit register) for running loans and missed payments. "
       "A running loan is no problem; if there are arrears on record, our advisor looks personally at what's possible.",
    de="Bei jeder Finanzierung prüft der Finanzierer im BKR (dem niederländischen Kreditregister) laufende Kredite und "
       "eventuelle Zahlungsrückstände. Ein laufender Kredit ist kein Problem; bei einem Rückstandsvermerk prüft unser "
       "Berater persönlich, was möglich ist.",
)
INTEREST_RATE = Phrase(
    nl="Onze rente is nu {rate} effectief jaarlijks (JKP), nooit boven het wettelijk maximum van {legal_max}.",
    en="Our rate is currently {rate} APR, never above the legal maximum of {legal_max}.",
    de="Unser Zins liegt derzeit bei {rate} effektivem Jahreszins, nie über dem gesetzlichen Höchstsatz von {legal_max}.",
)
MONTHLY_EXAMPLE = Phrase(
    nl="Rekenvoorbeeld: {principal} lenen over {months} maanden tegen {rate} JKP is {monthly} per maand (totaal {total}).",
    en="An example: borrowing {principal} over {months} months at {rate} APR comes to {monthly} a month ({total} in total).",
    de="Ein Rechenbeispiel: {principal} über {months} Monate zu {rate} effektivem Jahreszins ergibt {monthly} im Monat "
       "(insgesamt {total}).",
)


def credit_warning(language: str = "nl") -> str:
    """The legal Dutch warning, with a translation for an English or German reader."""
    from agents.rules.phrases import spoken_language

    spoken = spoken_language(language)
    return CREDIT_WARNING + {"nl": "", "en": " (Borrowing money costs money.)", "de": " (Achtung: Geld leihen kostet Geld.)"}[spoken]


def _texts(dealer: DealerFacts, language: str = "nl", form: str = "je") -> dict[str, str]:
    financing = dealer.financing
    rate = percent(financing.effective_rate_percent, language)
    products = (", ".join(dealer.word(product, language, form) for product in financing.products) if financing.products
                else dealer.word("persoonlijke lening", language, form))
    warning = credit_warning(language)

    def said(phrase: Phrase, **fields) -> str:
        return say(phrase, language, form, **fields)

    return {
        "financing_options": said(FINANCING_OPTIONS, partner=dealer.word(financing.partner, language, form), products=products,
                                  min_months=financing.min_months, max_months=financing.max_months,
                                  min_amount=euro(financing.min_amount_eur, language)) + " " + warning,
        "personal_loan": said(PERSONAL_LOAN, rate=rate) + " " + warning,
        "huurkoop": said(HUURKOOP) + " " + warning,
        "private_lease": said(PRIVATE_LEASE),
        "financial_lease": said(FINANCIAL_LEASE) + " " + warning,
        "bkr": said(BKR) + " " + warning,
        "interest_rate": said(INTEREST_RATE, rate=rate, legal_max=percent(financing.legal_max_rate_percent, language)) + " " + warning,
        "monthly_payment": _monthly_text(dealer, language, form),
    }


def _monthly_text(dealer: DealerFacts, language: str = "nl", form: str = "je") -> str:
    example = example_payment(10_000, dealer)
    if example is None:
        return credit_warning(language)
    return say(MONTHLY_EXAMPLE, language, form, principal=euro(example.principal_eur, language), months=example.months,
               rate=percent(example.annual_rate_percent, language), monthly=euro(example.monthly_payment_eur, language, cents=True),
               total=euro(example.total_eur, language, cents=True)) + " " + credit_warning(language)


def knowledge_for(text: str, dealer: DealerFacts, language: str = "nl", form: str = "je") -> list[KnowledgeSnippet]:
    texts = _texts(dealer, language, form)
    topics = topics_in(text)
    if "financial_lease" in topics and "private_lease" in topics and not re.search(r"priv", text):
        topics.remove("private_lease")
    if "personal_loan" in topics and "financing_options" in topics:
        topics.remove("financing_options")
    return [KnowledgeSnippet(module="financial", topic=topic, text=texts[topic]) for topic in topics]
