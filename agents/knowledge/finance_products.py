"""The four ways to pay for a car in instalments, two or three lines each, and who each suits.

Private lease, financial lease, huurkoop and a persoonlijke lening, in the customer's language
and register. Asked about one, the customer gets that one; asked for the difference or "welke
vormen", the ones named (or all four). Self-employed customers and BVs are the finance advisor's
(agents/rules/expertise.py escalates them); the texts only say who each form suits.
"""

from __future__ import annotations

import re

from agents.rules.phrases import Phrase, say

PRODUCTS: dict[str, Phrase] = {
    "private_lease": Phrase(
        nl="*Private lease*: je betaalt een vast bedrag per maand, inclusief onderhoud, verzekering en wegenbelasting, "
           "maar de auto wordt nooit van jou. Past bij wie zorgeloos wil rijden zonder eigenaar te worden "
           "(let op: ook private lease staat bij het BKR).",
        nl_u="*Private lease*: u betaalt een vast bedrag per maand, inclusief onderhoud, verzekering en wegenbelasting, "
             "maar de auto wordt nooit van u. Past bij wie zorgeloos wil rijden zonder eigenaar te worden "
             "(let op: ook private lease staat bij het BKR).",
        en="*Private lease*: a fixed amount a month including maintenance, insurance and road tax, but the car never "
           "becomes yours. It suits private drivers who want worry-free motoring without owning the car "
           "(it is registered with the BKR credit bureau too).",
        de="*Private Lease*: eine feste Monatsrate inklusive Wartung, Versicherung und Kfz-Steuer, aber das Auto gehört "
           "Ihnen nie. Passt zu Privatleuten, die sorgenfrei fahren möchten, ohne Eigentümer zu werden "
           "(auch Private Lease wird beim BKR registriert).",
    ),
    "financial_lease": Phrase(
        nl="*Financial lease*: alleen voor ondernemers. De auto staat op de balans van je bedrijf, je betaalt in "
           "termijnen en na de laatste termijn is hij van de zaak. Dat regelt onze financieringsadviseur persoonlijk.",
        nl_u="*Financial lease*: alleen voor ondernemers. De auto staat op de balans van uw bedrijf, u betaalt in "
             "termijnen en na de laatste termijn is hij van de zaak. Dat regelt onze financieringsadviseur persoonlijk.",
        en="*Financial lease*: for businesses only. The car is on your company's balance sheet, you pay in instalments "
           "and after the last one it belongs to the business. Our finance advisor arranges it personally.",
        de="*Financial Lease*: nur für Unternehmer. Das Auto steht in der Bilanz Ihres Unternehmens, Sie zahlen in Raten "
           "und nach der letzten Rate gehört es der Firma. Das regelt unser Finanzierungsberater persönlich.",
    ),
    "huurkoop": Phrase(
        nl="*Huurkoop*: je betaalt de auto in termijnen af en wordt eigenaar na de laatste termijn; tot dan is de "
           "financier eigenaar. Past bij wie de auto uiteindelijk zelf wil hebben maar het bedrag wil spreiden.",
        nl_u="*Huurkoop*: u betaalt de auto in termijnen af en wordt eigenaar na de laatste termijn; tot dan is de "
             "financier eigenaar. Past bij wie de auto uiteindelijk zelf wil hebben maar het bedrag wil spreiden.",
        en="*Hire purchase (huurkoop)*: you pay the car off in instalments and own it after the last one; until then the "
           "lender owns it. It suits people who want to own the car in the end but spread the cost.",
        de="*Mietkauf (huurkoop)*: Sie zahlen das Auto in Raten ab und werden nach der letzten Rate Eigentümer; bis dahin "
           "gehört es dem Finanzierer. Passt zu allen, die das Auto am Ende besitzen, die Kosten aber verteilen möchten.",
    ),
    "personal_loan": Phrase(
        nl="*Persoonlijke lening*: je leent een vast bedrag tegen een vaste rente en bent meteen eigenaar van de auto; "
           "vervroegd aflossen mag zonder boete. Past bij wie direct eigenaar wil zijn en zekerheid over de maandlast wil.",
        nl_u="*Persoonlijke lening*: u leent een vast bedrag tegen een vaste rente en bent meteen eigenaar van de auto; "
             "vervroegd aflossen mag zonder boete. Past bij wie direct eigenaar wil zijn en zekerheid over de maandlast wil.",
        en="*Personal loan*: you borrow a fixed amount at a fixed rate and own the car straight away; early repayment has "
           "no penalty. It suits people who want to own the car at once with a predictable monthly payment.",
        de="*Privatkredit*: Sie leihen einen festen Betrag zu einem festen Zins und sind sofort Eigentümer; vorzeitige "
           "Rückzahlung ist ohne Gebühr möglich. Passt zu allen, die sofort Eigentümer sein und eine feste Rate wollen.",
    ),
}

_NAMED = {
    "private_lease": re.compile(r"\bpriv[ée]e?\s*-?\s*lease\w*|\bprivate\s*-?\s*leas\w*"),
    "financial_lease": re.compile(r"\bfinancial\s*-?\s*lease\w*|\bfinanci[eë]le\s+lease"),
    "huurkoop": re.compile(r"\bhuurkoop\w*|\bhire\s+purchase|\bmietkauf"),
    "personal_loan": re.compile(r"\bpersoonlijke?\s+lening\w*|\bpersonal\s+loan|\bprivatkredit|\bratenkredit"),
}
_COMPARE = re.compile(r"\b(verschil\w*|vergelijk\w*|welke\s+(?:vormen|manieren|mogelijkheden|opties)|wat\s+zijn\s+de\s+opties|"
                      r"wat\s+past\s+bij\s+mij|difference|compare|which\s+options|unterschied\w*|welche\s+möglichkeiten)\b")
_ORDER = ("private_lease", "financial_lease", "huurkoop", "personal_loan")


def asked_products(text: str) -> list[str]:
    """The forms the message asks to explain, in the order named; all four for "welke vormen zijn er?"."""
    lowered = text.lower()
    named = sorted((match.start(), key) for key, pattern in _NAMED.items() if (match := pattern.search(lowered)))
    keys = [key for _, key in named]
    if _COMPARE.search(lowered) and len(keys) < 2 and re.search(r"\b(lease|lenen|lening|financier\w*|huurkoop|finanz\w*|loan)\b", lowered):
        keys += [key for key in _ORDER if key not in keys]  # "wat is het verschil met private lease?" compares with the rest
    return keys


def explain(keys: list[str], language: str | None, address_form: str | None) -> list[str]:
    return [say(PRODUCTS[key], language, address_form) for key in keys]


def for_staff_prompt() -> str:
    """The four forms for Claude's dealer facts (quotable, Dutch)."""
    return "\n".join(f"- {PRODUCTS[key].nl}" for key in _ORDER)
