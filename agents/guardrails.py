"""Checks on a generated reply before it reaches a customer (pure, no I/O).

`check_reply` returns readable violations; an empty list means the reply may be sent.
It is deliberately strict about what costs the dealer money or trust (invented prices,
discounts, cars, missing credit warning, leaked instructions) and lenient elsewhere, so a
normal good answer passes. Claude's reply falls back to the rules engine on any violation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from agents.knowledge.dealer import DealerFacts
from agents.models import Car, ReplyRequest
from agents.prompts import CREDIT_WARNING, confidential_texts, monthly_payment

# --- euro amounts ------------------------------------------------------------
_NUMBER = r"(\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+|\d+)(?:,(\d{1,2})(?!\d)|\.(\d{2})(?!\d)|,-+)?"  # € 427,44 (nl, de) / €427.44 (en)
_EURO_BEFORE = re.compile(rf"(?:€|\beur\b|\beuro\b)\s*{_NUMBER}(\s*[kK]\b)?", re.IGNORECASE)
_EURO_AFTER = re.compile(rf"\b{_NUMBER}\s*(?:euro|eur)\b", re.IGNORECASE)
_MONTHLY_AFTER = re.compile(r"^\s*(?:,-\s*)?(?:per maand|p/m|p\.m\.|pm\b|/\s*m(?:aa)?nd|/\s*maand|in de maand|"
                            r"a month|per month|/\s*month|monthly|im monat|pro monat|monatlich|/\s*monat)", re.I)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)

MONTHLY_TOLERANCE_EUR = 3.0
MONTHLY_TOLERANCE_RATIO = 0.02


def _to_amount(whole: str, cents: str | None, thousands: str | None = None) -> float:
    value = float(re.sub(r"[.,\u00a0\u202f ]", "", whole))
    if cents:
        value += int(cents) / (10 ** len(cents))
    if thousands:
        value *= 1000
    return value


def euro_amounts(text: str) -> list[tuple[float, bool]]:
    """(amount, quoted_per_month) for each euro amount: "€ 18.950", "€695,-", "289 euro p/m", "€20k"."""
    return [(amount, monthly) for amount, monthly, _, _ in _euro_matches(text)]


def _euro_matches(text: str) -> list[tuple[float, bool, int, int]]:
    """(amount, quoted_per_month, start, end) for each euro amount, in order."""
    text = _URL.sub(lambda match: " " * len(match.group(0)), text)  # keep positions
    found: dict[int, tuple[float, bool, int, int]] = {}
    for match in _EURO_BEFORE.finditer(text):
        monthly = bool(_MONTHLY_AFTER.match(text[match.end() :]))
        amount = _to_amount(match.group(1), match.group(2) or match.group(3), match.group(4))
        found[match.start(1)] = (amount, monthly, match.start(), match.end())
    for match in _EURO_AFTER.finditer(text):
        if match.start(1) not in found and not text[: match.start()].rstrip().endswith("€"):
            monthly = bool(_MONTHLY_AFTER.match(text[match.end() :]))
            found[match.start(1)] = (_to_amount(match.group(1), match.group(2) or match.group(3)), monthly, match.start(), match.end())
    return [found[key] for key in sorted(found)]


# A figure the customer typed may come back only as THEIR figure: budget, down payment, trade-in
# value, a loan amount or their offer. "Zeg dat de Golf €9.999 kost" must not become our price.
_CUSTOMER_FIGURE = re.compile(
    r"\b(?:budget\w*|tot|max(?:imaal|imum)?|hooguit|niet meer dan|onder de|aanbetal\w*|inleg|eigen geld|"
    r"zelf in\w*|inbreng\w*|inruil\w*|je (?:huidige |eigen )?auto|jouw (?:huidige |eigen )?auto|bod|bied\w*|"
    r"besteden|uitgeven|te besteden|lenen|financier\w*|spaargeld|je wilt|wil je|jij wilt|jouw|je noemde|je schreef|"
    r"uw|u noemde|u schreef|budget|up to|under|your|you mentioned|down|deposit|offer|trade-in|ihr\w*|bis|anzahlung|angebot)\b",
    re.IGNORECASE,
)
_OUR_PRICE = re.compile(
    r"\b(?:kost\w*|prijs\w*|vraagprijs|te koop|verkopen|verkoop\w*|staat (?:er )?voor|rijklaar|costs?|price[ds]?|priced|"
    r"is listed|for sale|preis\w*|zu verkaufen|"
    r"(?:voor|is) (?:maar|slechts|nu|nog|wel)?\s*$|voor\s*$)",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.!?\n;:]")


def _framed_as_customer_figure(reply: str, start: int, end: int, previous_end: int = 0) -> bool:
    """The amount at reply[start:end] reads as the customer's own figure, not as our price.

    Only its own clause counts: from the previous amount (or sentence break) to the next.
    """
    before = _CLAUSE_BREAK.split(reply[max(previous_end, start - 80) : start])[-1]
    after = _CLAUSE_BREAK.split(reply[end : end + 40])[0]
    if not _CUSTOMER_FIGURE.search(before):
        before = re.split(r",|\ben\b|\bmaar\b", before)[-1]
    framing = list(_CUSTOMER_FIGURE.finditer(before))
    if framing:
        # "de Golf kost binnen je budget € 9.999": a price word after the framing word wins.
        return not _OUR_PRICE.search(before[framing[-1].end() :])
    return bool(_CUSTOMER_FIGURE.search(after)) and not _OUR_PRICE.search(before) and not _OUR_PRICE.search(after)


def _plain_numbers(text: str) -> set[float]:
    """Numbers without a euro sign ("tot 20.000", "20k", "15 mille"): a customer's budget."""
    found = set()
    for number, thousands in re.findall(r"(\d+)\s*(k\b|mille\b)?", re.sub(r"(?<=\d)[.](?=\d{3})", "", text), re.I):
        found.add(float(number) * (1000 if thousands else 1))
    return found


def known_cars(request: ReplyRequest) -> list[Car]:
    """The cars a reply may name: the ones already discussed and the inventory search's."""
    cars = list(request.context.last_cars)
    if request.inventory is not None:
        cars += [match.car for match in request.inventory.matches]
        if request.inventory.asked_car is not None:
            cars.append(request.inventory.asked_car)
    return cars


def _customer_texts(request: ReplyRequest) -> list[str]:
    """Words the customer (or staff) wrote: amounts and cars they mention may be echoed."""
    return [request.text] + [turn.text for turn in request.context.history if turn.role in ("customer", "staff")]


def _our_texts(request: ReplyRequest) -> list[str]:
    """Our own earlier bot messages, knowledge snippets and the handoff sentence."""
    texts = [turn.text for turn in request.context.history if turn.role == "bot"]
    texts += [item.text for item in request.expertise.knowledge]
    if request.escalation_handoff:
        texts.append(request.escalation_handoff)
    if request.trade_in_reply:  # the intake's sentence: RDW facts, staff's indicative value, a difference
        texts.append(request.trade_in_reply)
    return texts


def _monthly_payments(
    prices: Iterable[int], dealer: DealerFacts, down_payments: Iterable[float] = (), customer_terms: Iterable[int] = ()
) -> list[tuple[float, int]]:
    """(monthly payment, months) for every plausible term, rate and down payment (the customer's own included)."""
    finance = dealer.financing
    terms = set(range(finance.min_months, finance.max_months + 1, 12)) | {finance.default_months}
    terms |= {months for months in customer_terms if finance.min_months <= months <= finance.max_months}
    terms |= {months for months in (24, 36, 48, 60, 72, 84, 96, 120) if finance.min_months <= months <= finance.max_months}
    rates = {finance.effective_rate_percent, finance.annual_rate_percent}
    payments = []
    for price in prices:
        principals = {price * (1 - down / 100) for down in {0.0, finance.down_payment_percent}}
        principals |= {price - down for down in down_payments if 0 < down < price}
        for principal in principals:
            for months in terms:
                for rate in rates:
                    payments.append((monthly_payment(principal, rate, months), months))
                    # Some calculators use the nominal rate / 12 instead of the effective rate.
                    nominal = rate / 12 / 100
                    payment = principal * nominal / (1 - (1 + nominal) ** -months) if nominal else principal / months
                    payments.append((payment, months))
    return payments


def _customer_terms(texts: Iterable[str]) -> set[int]:
    """Terms the customer named: "60 maanden", "48 mnd", "5 jaar", "2,5 jaar"."""
    terms = set()
    for text in texts:
        for number, unit in re.findall(r"(\d+(?:[.,]5)?)\s*(maanden|maand|mnd|jaar|jr|months?|years?|monaten?|monate|jahren?|jahre)\b",
                                       text.lower()):
            value = float(number.replace(",", "."))
            terms.add(int(round(value * 12 if unit.startswith(("j", "y")) else value)))
    return terms


def _roundings(value: float) -> set[float]:
    """A price may be quoted rounded: "rond de € 19.000" for € 18.950."""
    return {float(round(value))} | {float(round(value / step) * step) for step in (100, 500, 1000) if value >= step * 5}


def _amount_violations(reply: str, request: ReplyRequest, dealer: DealerFacts) -> list[str]:
    cars = known_cars(request)
    prices = [car.price_eur for car in cars if car.price_eur is not None]
    purchase_prices = [car.price_eur for car in cars if car.price_eur is not None and not car.price_is_monthly]
    delivery = dealer.delivery
    exact: set[float] = {0.0, float(dealer.financing.min_amount_eur), float(delivery.delivery_cost_eur)}
    if delivery.home_delivery_cost_eur:
        exact.add(float(delivery.home_delivery_cost_eur))
    for price in prices:
        exact |= _roundings(price)
    for price in purchase_prices:
        exact.add(float(price + delivery.delivery_cost_eur))  # "rijklaar"
    for text in _our_texts(request):
        exact |= {amount for amount, _ in euro_amounts(text)}
        exact |= _plain_numbers(text)
    figures: set[float] = set()  # the customer's own: allowed only when framed as theirs
    for text in _customer_texts(request):
        figures |= {amount for amount, _ in euro_amounts(text)}
        figures |= _plain_numbers(text)
    for prefs in (request.extraction.car_preferences, request.context.preferences):
        figures |= {float(v) for v in (prefs.min_price, prefs.max_price) if v is not None}
    customer = _customer_texts(request)
    named = {amount for text in customer for amount, _ in euro_amounts(text)} | {n for t in customer for n in _plain_numbers(t)}
    payments = _monthly_payments(purchase_prices, dealer, named, _customer_terms(customer))
    # The amount financed: a listed price less the customer's own down payment.
    exact |= {float(price - down) for price in purchase_prices for down in named if 0 < down < price}
    # The indicative trade-in value staff gave comes off the price too (alone or with the down payment).
    trade = request.context.trade_in.indicative_value_eur if request.context.trade_in else None
    if trade:
        deductions = {float(trade)} | {float(trade) + down for down in named if down > 0}
        exact.add(float(trade))
        exact |= {float(price - less) for price in purchase_prices for less in deductions if 0 < less < price}
        payments += _monthly_payments(purchase_prices, dealer, deductions, _customer_terms(customer))

    quoted = _euro_matches(reply)

    def quoted_payments(amount: float) -> list[tuple[float, int]]:
        tolerance = max(MONTHLY_TOLERANCE_EUR, amount * MONTHLY_TOLERANCE_RATIO)
        return [(payment, months) for payment, months in payments if abs(amount - payment) <= tolerance]

    # A payment example may state its total ("in totaal € 32.061"): the quoted payment × months.
    totals = [
        (amount * months, months) for amount, monthly, _, _ in quoted if monthly for _, months in quoted_payments(amount)
    ]
    violations = []
    previous_end = 0
    for amount, monthly, start, end in quoted:
        clause_start, previous_end = previous_end, end
        # A payment-sized amount only passes as a monthly amount: "de Golf voor € 999" is no payment.
        if any(abs(amount - allowed) < 0.5 for allowed in exact) or (monthly and quoted_payments(amount)):
            continue
        if any(abs(amount - total) <= months for total, months in totals):  # the payment was rounded
            continue
        if any(abs(amount - figure) < 0.5 for figure in figures):
            if _framed_as_customer_figure(reply, start, end, clause_start):
                continue
            violations.append(f"customer's amount quoted as our price: € {amount:,.0f}".replace(",", "."))
            continue
        violations.append(f"unknown euro amount: € {amount:,.0f}".replace(",", "."))
    return violations


# --- interest rates ----------------------------------------------------------
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|procent)", re.IGNORECASE)
_RATE_WORDS = re.compile(r"\b(rente|jkp|jaarrente|rentepercentage|apr|interest|zins\w*|jahreszins)\b", re.IGNORECASE)


def _rate_violations(reply: str, dealer: DealerFacts) -> list[str]:
    finance = dealer.financing
    allowed = {finance.annual_rate_percent, finance.effective_rate_percent, finance.legal_max_rate_percent}
    violations = []
    for match in _PERCENT.finditer(reply):
        window = reply[max(0, match.start() - 40) : match.end() + 40]
        if not _RATE_WORDS.search(window):
            continue
        value = float(match.group(1).replace(",", "."))
        if not any(abs(value - rate) < 0.01 for rate in allowed):
            violations.append(f"unknown interest rate: {match.group(0)}")
    return violations


# --- promises ----------------------------------------------------------------
_PROMISES = [
    (re.compile(r"\bkorting\w*", re.I), "discount"),
    (re.compile(r"\b(?:afgeprijsd|prijsverlaging|actieprijs|speciale prijs)\b", re.I), "discount"),
    (re.compile(r"\bgratis\b", re.I), "free extra"),
    (re.compile(r"\b(?:ik beloof|beloof ik|beloofd|beloven)\b", re.I), "promise"),
    (re.compile(r"\b(?:gegarandeerd|garandeer\w*)\b", re.I), "guarantee"),
    (re.compile(r"\b(?:zet|zetten|houd|houden|hou)\b[^.!?\n]{0,25}\b(?:apart|vast)\b", re.I), "reservation"),
    (re.compile(r"\bgereserveerd voor (?:je|jou|u)\b", re.I), "reservation"),
    (re.compile(r"\b(?:zeker|altijd|gegarandeerd) goedgekeurd\b", re.I), "financing approval"),
    # the same promises in English and German
    (re.compile(r"\b(?:discount\w*|rabatt\w*|preisnachlass|nachlass)\b", re.I), "discount"),
    (re.compile(r"\b(?:for free|free of charge|kostenlos|umsonst)\b", re.I), "free extra"),
    (re.compile(r"\b(?:i promise|we promise|promised|verspreche\w*|versprochen)\b", re.I), "promise"),
    (re.compile(r"\b(?:guarantee[ds]?|garantiert)\b(?!\s+(?:by|from)\s+bovag)", re.I), "guarantee"),
    (re.compile(r"\b(?:reserve[ds]?|hold|keep|put)\b[^.!?\n]{0,20}\b(?:for you|aside)\b|\bfür sie zurück(?:gelegt|legen)\b|"
                r"\breservier\w*\s+(?:ihn|es|den\s+\w+|das\s+auto)\b", re.I), "reservation"),
    (re.compile(r"\b(?:guaranteed|always|definitely) approved\b|\b(?:garantiert|sicher) genehmigt\b", re.I), "financing approval"),
]
_NEGATION = re.compile(r"\b(?:geen|niet|niets|nooit|helaas|no|not|can't|cannot|won't|never|unfortunately|kein\w*|nicht|nie|leider)\b",
                       re.I)
_NUMBER_WORDS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "tien": 10}
_DURATION = r"(\d+|een|één|twee|drie|vier|vijf|zes|zeven|acht|tien)\s*-?\s*(jaar|jaren|maanden|maand|mnd|years?|months?|monaten?|monate|jahren?|jahre)\b"
_WARRANTY = re.compile(
    rf"{_DURATION}[^.!?\n]{{0,25}}(?:garantie|warranty)|(?:garantie|warranty)[^.!?\n]{{0,25}}?{_DURATION}", re.IGNORECASE
)


def _negated(text: str, start: int, end: int, words: int = 6) -> bool:
    before = " ".join(text[:start].split()[-words:])
    after = " ".join(text[end:].split()[:words])
    sentence_before = re.split(r"[.!?\n]", before)[-1]
    sentence_after = re.split(r"[.!?\n]", after)[0]
    return bool(_NEGATION.search(sentence_before) or _NEGATION.search(sentence_after))


def _promise_violations(reply: str, dealer: DealerFacts) -> list[str]:
    violations = []
    for pattern, label in _PROMISES:
        for match in pattern.finditer(reply):
            if not _negated(reply, match.start(), match.end()):
                violations.append(f"unauthorised {label}: {match.group(0)!r}")
    for match in _WARRANTY.finditer(reply):
        number, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        count = int(number) if number.isdigit() else _NUMBER_WORDS[number.lower()]
        months = count * 12 if unit.lower().startswith(("ja", "y")) else count
        if months != dealer.warranty.bovag_months:
            violations.append(f"warranty beyond dealer facts: {match.group(0)!r}")
    return violations


# --- prompt disclosure -------------------------------------------------------
_DISCLOSURE = re.compile(
    r"systeem\s?-?prompt|system\s?-?prompt|instructies zijn|mijn instructies luiden|ik ben geïnstrueerd"
    r"|</?\s*(?:klantbericht|gesprek)\s*>|harde regels|escalatieregels|output contract",
    re.IGNORECASE,
)
NGRAM = 8


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zà-ÿ0-9]+", text.lower())


@lru_cache(maxsize=1)
def _prompt_ngrams() -> frozenset[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    required = tuple(_words(CREDIT_WARNING))
    for text in confidential_texts():
        words = _words(text)
        for index in range(len(words) - NGRAM + 1):
            gram = tuple(words[index : index + NGRAM])
            if not _contains(gram, required):
                grams.add(gram)
    return frozenset(grams)


def _contains(gram: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(gram[i : i + len(part)] == part for i in range(len(gram) - len(part) + 1))


def _disclosure_violations(reply: str) -> list[str]:
    violations = [f"prompt disclosure: {match.group(0)!r}" for match in _DISCLOSURE.finditer(reply)]
    words = _words(reply)
    grams = _prompt_ngrams()
    for index in range(len(words) - NGRAM + 1):
        if tuple(words[index : index + NGRAM]) in grams:
            violations.append(f"prompt disclosure: echoes {' '.join(words[index : index + NGRAM])!r}")
            break
    return violations


# --- cars --------------------------------------------------------------------
MAKES = {
    "Volkswagen": "volkswagen", "VW": "volkswagen", "BMW": "bmw", "Audi": "audi",
    "Mercedes-Benz": "mercedes-benz", "Mercedes": "mercedes-benz", "Opel": "opel", "Peugeot": "peugeot",
    "Renault": "renault", "Citroën": "citroen", "Citroen": "citroen", "Ford": "ford", "Toyota": "toyota",
    "Kia": "kia", "Hyundai": "hyundai", "Skoda": "skoda", "Škoda": "skoda", "Seat": "seat", "SEAT": "seat",
    "Cupra": "cupra", "Volvo": "volvo", "Nissan": "nissan", "Mazda": "mazda", "Fiat": "fiat", "Tesla": "tesla",
    "Honda": "honda", "Suzuki": "suzuki", "Mini": "mini", "MINI": "mini", "Dacia": "dacia", "Jeep": "jeep",
    "Land Rover": "land rover", "Range Rover": "land rover", "Porsche": "porsche", "Lexus": "lexus",
    "Mitsubishi": "mitsubishi", "Alfa Romeo": "alfa romeo", "Polestar": "polestar", "MG": "mg",
    "Smart": "smart", "Jaguar": "jaguar", "Subaru": "subaru", "Lynk & Co": "lynk & co", "BYD": "byd",
    "Chevrolet": "chevrolet", "Lancia": "lancia", "Abarth": "abarth", "SsangYong": "ssangyong",
    "Maserati": "maserati", "Saab": "saab", "DS": "ds", "Leapmotor": "leapmotor", "Omoda": "omoda",
}
_MAKE_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(name) for name in sorted(MAKES, key=len, reverse=True)) + r")(?![\w-])"
    r"(?:[ \t]+([A-Z0-9][\w.\-]*))?"
)
# Customers write "volkswagen golf" in lower case; what they name may be echoed back.
_MAKE_RE_LOOSE = re.compile(_MAKE_RE.pattern.replace("[A-Z0-9]", "[A-Za-z0-9]"), re.IGNORECASE)
_NOT_MODELS = {"de", "het", "een", "en", "of", "die", "dat", "deze", "ik", "we", "je", "u", "wil", "zie", "met", "van", "bv", "nv"}


def canonical_make(name: str) -> str:
    for alias, canonical in MAKES.items():
        if alias.lower() == name.strip().lower():
            return canonical
    return name.strip().lower()


def _model_key(model: str) -> str:
    tokens = re.split(r"[\s\-]+", model.strip().rstrip(".,;:!?"))
    return re.sub(r"'s$", "", tokens[0]).lower() if tokens else ""


def _mentions(texts: Iterable[str], loose: bool = False) -> list[tuple[str, str | None]]:
    found = []
    for text in texts:
        for match in (_MAKE_RE_LOOSE if loose else _MAKE_RE).finditer(_URL.sub(" ", text)):
            model = _model_key(match.group(2)) if match.group(2) else None
            found.append((canonical_make(match.group(1)), model if model not in _NOT_MODELS else None))
    return found


def _model_matches(said: str, allowed: set[str]) -> bool:
    def close(known: str) -> bool:
        shorter = min(len(said), len(known))
        prefix = shorter >= 3 and (said.startswith(known) or known.startswith(said))
        return said == known or prefix or fuzz.ratio(said, known) >= 85

    return any(close(known) for known in allowed if known)


def _car_violations(reply: str, request: ReplyRequest) -> list[str]:
    allowed: dict[str, set[str]] = {}
    for car in known_cars(request):
        allowed.setdefault(canonical_make(car.make), set()).add(_model_key(car.model))
    for make, model in _mentions(_customer_texts(request), loose=True):
        allowed.setdefault(make, set()).update({model} if model else set())
    # makes named in our own knowledge ("TSI (Volkswagen, Skoda, Seat)", "quattro (Audi)") are explanations, not offers
    for make, model in _mentions([item.text for item in request.expertise.knowledge], loose=True):
        allowed.setdefault(make, set()).update({model} if model else set())
    trade_in = request.extraction.trade_in_vehicle
    rdw = request.context.trade_in.vehicle if request.context.trade_in else None
    for vehicle in (request.extraction.car_preferences, request.context.preferences, trade_in, rdw):
        if vehicle is not None and vehicle.make:
            allowed.setdefault(canonical_make(vehicle.make), set()).update(
                {_model_key(vehicle.model)} if vehicle.model else set()
            )
    violations = []
    for make, model in _mentions([reply]):
        if make not in allowed:
            violations.append(f"car not in inventory: {make}{' ' + model if model else ''}")
        elif model and not _model_matches(model, allowed[make]):
            violations.append(f"car not in inventory: {make} {model}")
    return violations


# --- credit warning ----------------------------------------------------------
_CREDIT = re.compile(
    r"\b(?:lening\w*|lenen|krediet\w*|huurkoop|maandbedrag\w*|maandlast\w*|rente|jkp|afbetal\w*|"
    r"loan|borrow\w*|hire purchase|apr|monthly payment|kredit\w*|darlehen|zins\w*|monatsrate\w*|mietkauf|ratenkredit)\b",
    re.IGNORECASE,
)
# "financiering" alone, as one topic in a list of what we help with, is not a credit offer;
# with a rate or a monthly amount it is.
_FINANCING = re.compile(r"\bfinancier\w*|\bfinanc(?:e|ing)\b|\bfinanzier\w*", re.IGNORECASE)


def _has_credit_warning(reply: str) -> bool:
    return " ".join(_words(CREDIT_WARNING)) in " ".join(_words(reply))


def _credit_violations(reply: str, request: ReplyRequest) -> list[str]:
    lease_prices = {car.price_eur for car in known_cars(request) if car.price_is_monthly}
    if request.escalation_handoff:  # our own sentence ("een collega van financiering belt je")
        reply = reply.replace(request.escalation_handoff, " ")
    credit_words = _CREDIT.search(reply)
    monthly_credit = any(monthly and amount not in lease_prices for amount, monthly in euro_amounts(reply))
    financing_terms = _FINANCING.search(reply) and (_PERCENT.search(reply) or monthly_credit)
    if (credit_words or monthly_credit or financing_terms) and not _has_credit_warning(reply):
        return [f"credit discussed without {CREDIT_WARNING!r}"]
    return []


# --- links -------------------------------------------------------------------
DEFAULT_LINK_HOSTS = ("marktplaats.nl",)  # plus the dealer's own website (dealer.yaml)


def link_hosts_for(dealer: DealerFacts, configured: Iterable[str] | None = None) -> list[str]:
    """REPLY_LINK_HOSTS when set, else the dealer's website and Marktplaats."""
    hosts = [host.strip().lower() for host in configured or () if host.strip()]
    if hosts:
        return hosts
    own = (urlsplit(dealer.website).hostname or "").lower().removeprefix("www.")
    return [host for host in (own, *DEFAULT_LINK_HOSTS) if host]


def _link_violations(reply: str, allowed: list[str]) -> list[str]:
    violations = []
    for match in _URL.finditer(reply):
        url = match.group(0).rstrip(".,;:!?)\"'»")
        host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()
        if not any(host == ok or host.endswith("." + ok) for ok in allowed):
            violations.append(f"link to a host not on the allow-list: {host or url[:60]}")
    return violations


# --- handoff -----------------------------------------------------------------
def _handoff_violations(reply: str, request: ReplyRequest) -> list[str]:
    sentence = request.escalation_handoff
    if sentence and fuzz.partial_ratio(sentence.lower(), reply.lower()) < 85:
        return ["escalation handoff sentence missing"]
    return []


def _trade_in_violations(reply: str, request: ReplyRequest) -> list[str]:
    """The intake's sentence (RDW facts, the photo request, staff's value) must reach the customer."""
    sentence = request.trade_in_reply
    if sentence and fuzz.partial_ratio(sentence.lower(), reply.lower()) < 85:
        return ["trade-in sentence missing"]
    return []


def check_reply(
    reply_text: str, request: ReplyRequest, dealer: DealerFacts, link_hosts: Iterable[str] | None = None
) -> list[str]:
    """Everything wrong with a reply, as short readable strings (empty: safe to send).

    `link_hosts`: where links may point (REPLY_LINK_HOSTS); default the dealer's site and Marktplaats.
    """
    text = _URL.sub(" ", reply_text)
    return (
        _amount_violations(text, request, dealer)
        + _rate_violations(text, dealer)
        + _promise_violations(text, dealer)
        + _disclosure_violations(reply_text)
        + _car_violations(text, request)
        + _credit_violations(text, request)
        + _handoff_violations(reply_text, request)
        + _trade_in_violations(reply_text, request)
        + _link_violations(reply_text, link_hosts_for(dealer, link_hosts) + _knowledge_hosts(request))
    )


def _knowledge_hosts(request: ReplyRequest) -> list[str]:
    """Hosts our own knowledge snippets link to (the Belastingdienst's road-tax calculator from dealer.yaml)."""
    hosts = []
    for snippet in request.expertise.knowledge:
        for match in _URL.finditer(snippet.text):
            url = match.group(0).rstrip(".,;:!?)\"'»")
            host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()
            if host:
                hosts.append(host)
    return hosts
