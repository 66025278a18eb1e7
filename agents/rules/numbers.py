"""Prices, years, mileage, licence plates and phone numbers in Dutch chat text.

Works on text.normalize(...) output. Phone numbers and kentekens are found first and
masked, so their digits never become a price; a car's generation ("golf 8") is masked
by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# "quoted": a price that is not the budget but still an amount the customer works with: a listed car's
# price ("de golf van 19.950") or a loan's principal ("als ik 10.000 financier over 48 maanden")
# "offer": a bid on, or the asking price of, one specific car ("ik bied 16.000 voor de polo"): not a budget
Kind = Literal["price", "monthly", "mileage", "year", "age_years", "quoted", "offer"]
Bound = Literal["max", "min", "around", "exact"]

PHONE = re.compile(
    r"(?:\+|00)\s?(?:32|44|49|33|48|90|380|212)(?:[\s-]?\(?\d{1,5}\)?){2,5}|"  # foreign numbers: "+49 2821 448812"
    r"(?:\+|00)\s?31[\s-]?\(?0?\)?[\s-]?6(?:[\s-]?\d){8}"
    r"|\b06(?:[\s-]?\d){8}\b"
    r"|\b0[1-9]\d{1,2}[\s-]\d{6,7}\b|\b0[1-9]\d{8}\b"
)

_NUM = r"(\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d{1,2})?)"  # "25.000", "25,000", "19,5"
_THOUSANDS = r"(?:k|k€|keuro|k euro|mille|mil|duizend|duizend euro|dzd|tsd|ruggen|rug|rugge|ruggies|grand)"
_EURO = r"(?:euro|eur|€|,-|,--|\.-)"
_KM = r"(?:km|kilometer|kilometers|kms|dkm|dzkm|d\.km|dkm\.|kkm|k\s?km|duizend\s?km|duizend\s?kilometer|mijl)"
_MONTHLY = r"(?:\s*(?:euro|eur|€)?\s*(?:per\s+maand|per\s+mnd|p/m|p\.m\.?|pm|pmnd|in\s+de\s+maand|maandelijks|/\s*maand|/\s*mnd|p\s?mnd))"
_UNIT_SKIP = r"(?:kg|kilo|kilogram|kilos|ton|nm|mm|cm|inch|pk|kw|cc|uur|u\b|min|minuten|maanden|mnd|deur|deurs|deuren|persoons|zits|%|procent|jaar|jaren|keer|x\b|liter|l\b|kwh|dagen|weken|cilinder|versnellingen|stuks|volgers|followers|subs|subscribers|abonnees|likes|views|leden|members)"

QUANTITY = re.compile(
    rf"(?P<euro>€\s*|eur\s+|euro\s+)?{_NUM}(?P<dash>,-+|\.-)?\s*"
    rf"(?:(?P<thousands>{_THOUSANDS})(?![a-z]))?\s*"
    rf"(?:(?P<monthly>{_MONTHLY})|(?P<km>{_KM})(?![a-z])|(?P<eur>{_EURO})|(?P<skip>{_UNIT_SKIP})(?![a-z]))?"
)
RANGE = re.compile(
    rf"(?:tussen\s+(?:de\s+)?|van\s+)?(?P<euro>€\s*)?{_NUM}\s*(?P<t1>{_THOUSANDS})?\s*(?:euro\s*)?"
    rf"(?:-|en|tot|a|à|~)\s*(?:€\s*)?{_NUM}\s*(?P<t2>{_THOUSANDS})?(?![a-z0-9])\s*(?P<km>{_KM})?(?P<eur>\s*{_EURO})?"
)

_MAX_CUE = re.compile(
    r"(?:onder\s+(?:de\s+)?|beneden\s+(?:de\s+)?|tot\s+(?:en\s+met\s+)?(?:ongeveer\s+|max\s+)?|t/m\s+|max(?:imaal|imum)?\.?\s+(?:van\s+)?|"
    r"niet\s+meer\s+dan\s+|niet\s+duurder\s+dan\s+|niet\s+boven\s+(?:de\s+)?|hooguit\s+|hoogstens\s+|minder\s+dan\s+|<\s*|binnen\s+(?:de\s+)?|"
    r"(?:bovengrens|grens|plafond)\s+(?:is|ligt\s+op|van|:)?\s*(?:(?:bij|op)\s+)?|"
    r"(?:max|maximum|limiet|limit)\s+(?:is|ligt\s+op)\s+|under\s+|below\s+|up\s*to\s+|less\s+than\s+|no\s+more\s+than\s+|not\s+more\s+than\s+|max\s+of\s+|unter\s+|bis\s+(?:zu\s+)?|hochstens\s+|maximal\s+|"
    r"budget\s+(?:is\s+|van\s+|tot\s+|ligt\s+op\s+|:\s*)?(?:zo'?n\s+)?|te\s+besteden\s+|heb\s+(?:ongeveer\s+|zo'?n\s+)?|"
    r"mag\s+(?:max\s+)?|kan\s+(?:max\s+)?|wil\s+(?:max\s+)?|voor\s+(?:max\s+)?|zit\s+op\s+|uitgeven\s+)$"
)
_MIN_CUE = re.compile(
    r"(?:vanaf\s+|boven\s+(?:de\s+)?|minimaal\s+|minimum\s+|minstens\s+|meer\s+dan\s+|niet\s+minder\s+dan\s+|>\s*|"
    r"na\s+|nieuwer\s+dan\s+|jonger\s+dan\s+|niet\s+ouder\s+dan\s+|uit\s+|bouwjaar\s+(?:vanaf\s+)?|bj\.?\s*|"
    r"minimaal\s+bouwjaar\s+)$"
)
_AROUND_CUE = re.compile(
    r"(?:rond\s+(?:de\s+)?|rondom\s+|ongeveer\s+|circa\s+|ca\.?\s+|zo'?n\s+|om\s+en\s+nabij\s+|"
    r"plusminus\s+|\+/-\s*|\+-\s*|ergens\s+rond\s+(?:de\s+)?|ongeveer\s+rond\s+(?:de\s+)?|~\s*)$"
)
_PRICE_CONTEXT = re.compile(r"\b(budget|prijs|kost|kosten|euro|eur|besteden|uitgeven|betalen|geld|vraagprijs|duur)\b|€")
_YEAR_STRICT_NEWER = re.compile(r"(?:na|nieuwer\s+dan|jonger\s+dan)\s+$")
_YEAR_AFTER = re.compile(r"^\s*(?:of|en)\s+(?:nieuwer|jonger|later|recenter|hoger)")
_AGE = re.compile(
    r"(?:jonger\s+dan|niet\s+ouder\s+dan|max(?:imaal)?\.?|hooguit|hoogstens|tot|onder\s+de|minder\s+dan)\s+(\d{1,2})\s+jaar(?:\s+oud)?"
    r"|(\d{1,2})\s+jaar\s+oud\s+(?:max|maximaal|hooguit|of\s+jonger)"
)


@dataclass(frozen=True)
class Quantity:
    kind: Kind
    value: int
    bound: Bound
    start: int
    end: int
    # said without a budget word ("19.500", "voor 14.000"): in a haggle or a complaint that is no budget
    weak: bool = False


def find_phones(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PHONE.finditer(text)]


def format_plate(raw: str) -> str:
    raw = raw.upper()
    if "-" in raw:
        return raw
    groups = re.findall(r"[A-Z]+|\d+", raw)
    return "-".join(groups)


def find_plates(text: str) -> list[tuple[str, int, int]]:
    """Plates validated against the RDW sidecodes (agents.plates), dashed ("1-XJR-34")."""
    from agents.plates import find_plates as find_valid_plates

    return [(plate.dashed, plate.start, plate.end) for plate in find_valid_plates(text)]


# Amounts that are not the car's price: "500 euro korting", "5000 aanbetalen", "1500 euro goedkoper",
# "595 euro afleverkosten", "1800 geremd". A loan amount asked for counts ("kan ik 20k lenen" is the
# budget); the principal of a rate or term sum does not ("als ik 10.000 financier over 48 maanden").
_NOT_BUDGET_AFTER = re.compile(
    r"\s*(?:euro'?s?\s+|eur\s+)?(?:korting|eraf|er\s+af|af\b(?!\s+te\b)|goedkoper|duurder|minder|aanbeta+l\w*|aan\s+te\s+betalen|"
    r"bijbetalen|bij\s+te\s+betalen|eigen\s+geld|contant\s+(?:in|erbij)|terug\b|down\s*payment|deposit|"
    r"\w+kosten\b|fee\b|costs?\b|geremd|ongeremd|trekken|trekgewicht|towing|gift\s*cards?|vouchers?|cadeaubon\w*|tegoed|prize|gewonnen|won\b|"
    r"(?:is\s+)?(?:wel|te|erg|best|nogal|vrij)\s+(?:veel|duur|hoog|fors|pittig))"
)
# the price of one specific car, quoted: "de yaris van 16.950", "listed for 27.950", "jullie vragen 18.950"
_QUOTED_PRICE_BEFORE = re.compile(
    r"(?:\b(?:de|die|deze|dat|the|that|this)\s+(?:[\w.-]+\s+){0,5}(?:van|voor|for|at)|"
    r"\b(?:listed|advertised|priced|geadverteerd|adverte\w*|aangeboden|geprijsd|staat|staan|stond|stonden|te\s+koop|op\s+de\s+site|online)"
    r"\s+(?:\w+\s+){0,3}(?:for|at|voor|met|op)|"
    r"\b(?:vragen|vraagt|vroegen|vroeg|rekenen|rekent|asking|ask)\s+(?:jullie\s+|u\s+|you\s+|ze\s+)?(?:nu\s+|wel\s+)?|"
    r"\b(?:vraagprijs|asking\s+price|listed\s+price|jullie\s+prijs|your\s+price)\s*(?:van|is|of|:)?|"
    # a price that changed on them: "nu is het ineens 13.950" (a bid stays the budget: "ik bied 16.000")
    r"\b(?:was|is|werd|wordt)\s+(?:het|hij|ie|de\s+prijs)\s+(?:ineens|opeens|plots\w*|nu|toch)\s+|"
    r"\b(?:hij|ie|die|deze|it|de\s+[\w.-]+)\s+kost\s+(?:nu\s+)?|\bcosts?\s+)\s*(?:€\s*)?$"
)
# the principal of a sum, not a budget: "als ik 12.000 financier", "if I finance 10.000", "rente op een lening van 8000"
_FINANCE_VERB = r"(?:financier\w*|financeer\w*|finance|leen|lenen|borrow|afbetaal|aanbeta+l\w*)"
_RATE_BEFORE = re.compile(r"\b(?:rente|interest|jkp|apr|maandbedrag\w*|maandlast\w*|monthly\s+payment)\b.{0,30}$")
_IF_BEFORE = re.compile(rf"\b(?:als|if|wanneer|when)\s+(?:ik|we|i)\s+(?:{_FINANCE_VERB}\s+)?(?:€\s*)?$")
_FINANCE_VERB_AFTER = re.compile(rf"\s*(?:euro\s+)?{_FINANCE_VERB}")


# a loan for a car is its budget ("als ik 10.000 financier voor een clio"); a bare sum's principal is not
_FOR_A = re.compile(r"\b(?:voor|for)\s+(?:een|de|die|a|an|the)\s+(?=((?:\w+\s+)?))")
_CAR_WORD = re.compile(r"(?:auto|wagen|car|occasion|suv|stationwagen|hatchback|gezinsauto)\b")


def _for_a_car(text: str, masked: list[tuple[int, int]]) -> bool:
    car_starts = {start for start, _ in masked}
    return any(pos in car_starts or _CAR_WORD.match(text, pos) for m in _FOR_A.finditer(text) for pos in (m.end(), m.end() + len(m.group(1))))


def _principal(before: str, after: str) -> bool:
    conditional = _IF_BEFORE.search(before)
    if conditional and (conditional.group().split()[-1].startswith(("financ", "leen", "lenen", "borrow", "afbeta", "aanbeta"))
                        or _FINANCE_VERB_AFTER.match(after)):
        return True
    return _RATE_BEFORE.search(before) is not None and re.search(r"\b(?:lening|loan|krediet|financ\w*|leen|lenen)\b", before) is not None
# mileage said without "km": "NAP zegt 180.000", "teller staat op 143.000", "adverteerden met 98.000" (after "km stand")
_MILEAGE_TOPIC = re.compile(r"\b(?:nap|km\s*-?\s*stand|kilometerstand|tellerstand|teller|odometer|mileage|gereden)\b")
_WEIGHT_BEFORE = re.compile(r"\b(?:trekgewicht|gewicht|weegt|weight|towing(?:\s+capacity)?)\s*(?:(?:is|van|of|:|geremd|ongeremd|max|maximaal)\s*){0,2}$")
_NOT_BUDGET_BEFORE = re.compile(
    r"\b(?:aanbetaling|korting|aanbetalen|bijbetalen|\w+kosten|rekening|factuur|invoice|bill|won|gewonnen|\w*tegoed\w*|\w*cadeau\w*)\s*(?:van\s+|is\s+|zijn\s+|:\s*|,\s*)?"
    r"(?:ongeveer\s+|zo'?n\s+|zeg\s+|bijvoorbeeld\s+|bv\.?\s+|circa\s+|ca\.?\s+)?(?:€\s*)?$"
)
_INCOME = re.compile(r"\b(verdien\w*|inkomen|salaris|loon|netto|bruto|uitkering)\b[^.?!]*$")
_RANGE_AFTER = re.compile(r"\s*(?:\w+\s+)?(?:bereik|actieradius|range|rijbereik|wltp|op\s+een\s+(?:lading|acculading|volle))")
_RANGE_BEFORE = re.compile(r"\b(?:bereik|actieradius|range|rijbereik)\s+(?:\w+\s+){0,2}$")
_MILEAGE_BEFORE = re.compile(
    r"\b(?:km\s*-?\s*stand|kilometerstand|tellerstand|teller|gereden|kms?|kilometers?)\s*(?:is|van|:|=|staat\s+op|op)?\s*"
    r"(?:ongeveer|rond|ca\.?|circa|zo'?n|net|bijna)?\s*$"
)


# a bid or a car's asking price rather than a budget: "ik bied 16.000", "would you take 8k", "tegenbod: 9.250",
# "19k en we hebben een deal", "11 mille voor die yaris" (a definite car: that one's price), "4.500 voor mijn aygo"
_OFFER_BEFORE = re.compile(
    r"(?:\bbied\w*|\w*bod\b|\bbod\w*|\bgegenangebot|\bangebot|\bbieden|\bgeboden|\boffer\w*|\bwould\s+you\s+(?:take|accept|do)|\bcan\s+you\s+do|\bif\s+you\s+(?:can\s+)?do|"
    r"\bdrop\s+it\s+to|\bdoe\b|\bdoen\b|\bgeef|\bgeven|\bzeg\b|\bkom\s+(?:op|tot)|\bga(?:an)?\s+naar|\bnaar\b|\bakkoord\s+met|\baccept\w*|"
    r"\bdeal\s+(?:voor|for|at|op)|\bvoorstel\w*|\bbiete\w*|\bbereid|\bdacht\s+(?:meer\s+)?aan|\bmatchen|\bdefinitief|\bconsider|\bagree|"
    r"\bin\s+plaats\s+van|\binstead\s+of|"
    r"\bprijs\s+(?:te\s+)?(?:hoog|laag)|\binruil\w*|\bwas\b|\bkrijg\s+ik|\bpay|\bcash|\bcontant|\bgespaard)"
    r"\s*(?:[:,]\s*)?(?:(?:\w+|€)\s+){0,3}(?:€\s*)?$"
)
_OFFER_AFTER = re.compile(
    r"^\s*(?:euro\s+|eur\s+|,-\s+)?(?:(?:cash|contant|rond|flat|incl\w*|liggen|geboden)\s+)*(?:"
    r"(?:\w+\s+)?(?:voor|for|op|on|fur|foar)\s+(?:de|die|deze|dat|het|the|that|this|your|jullie|den|dem|mijn|mn|m'?n|my|onze|our)\b|"
    r"(?:en|and|dan|then)\s+(?:(?:ik|we|i)\s+)?(?:teken|neem|koop|kom|haal|sign|buy|take|pick|maak|hebben|have|is\s+(?:ie|hij|het)|praten|zijn\s+we|denk)|"
    r"(?:teken|neem|koop|kom)\s+(?:ik|we)\b|is\s+(?:mijn|mn|m'?n|ons)\s+(?:laatste\s+)?bod|(?:is|zou)\s+\w*\s*bespreekbaar|"
    r"\w*\s*bespreekbaar|in\s+plaats\s+van|instead\s+of|onder\s+de\s+vraagprijs|(?:is|vind\s+ik)\s+(?:echt\s+|wel\s+)?(?:te\s+veel|te\s+duur|aan\s+de\s+hoge\s+kant)|"
    r"(?:is\s+)?too\s+much|(?:een|an)\s+optie|an\s+option|(?:en|and)\s+(?:geen|not\s+a)\s+(?:euro|cent)|ik\s+geef|deal\b|ok\?|akkoord|geboden|toegezegd|"
    r"(?:van|voor|for)\s+(?:de|die|the|that)\s+\w+\s*[?,.]?\s*$)"
)
_WEAK_CUE = re.compile(r"(?:\bvoor|\bheb|\bkan|\bwil|\bmag|\bzit\s+op|\b(?:kom|ga)\s+(?:ik\s+)?tot)\s+(?:max\s+)?(?:\w+\s+)?(?:€\s*)?$")


def _offer(before: str, after: str) -> bool:
    return _OFFER_BEFORE.search(before[-40:]) is not None or _OFFER_AFTER.match(after) is not None


def is_euro_marker(match: re.Match[str]) -> bool:
    return bool(match.group("euro") or match.group("eur") or match.group("dash"))


def _thousand_km(unit: str) -> bool:
    """'80dkm', '80 duizend km', '80kkm': the number counts thousands."""
    return unit.startswith(("d", "kkm", "k ")) or "duizend" in unit


def _to_number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+", raw):
        return float(raw.replace(".", "").replace(",", ""))
    return float(raw.replace(",", "."))


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _cue(before: str) -> Bound | None:
    before = before[-40:]
    if _AROUND_CUE.search(before):
        return "around"
    if _MAX_CUE.search(before):
        return "max"
    if _MIN_CUE.search(before):
        return "min"
    return None


def find_quantities(text: str, masked: list[tuple[int, int]], current_year: int) -> list[Quantity]:
    """Every quantity with its kind and bound, in text order."""
    masked = list(masked) + find_phones(text) + [(s, e) for _, s, e in find_plates(text)]
    work = _mask(text, masked)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    for match in _AGE.finditer(work):
        years = int(match.group(1) or match.group(2))
        if 0 < years <= 30:
            found.append(Quantity("age_years", current_year - years, "min", *match.span()))
            taken.append(match.span())

    for match in RANGE.finditer(work):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        low, high = _to_number(match.group(2)), _to_number(match.group(4))
        if match.group("t2") and not match.group("t1") and low >= high:
            continue  # "uit 2021 tot 23k" is a year and a budget, not a range
        if match.group("km"):
            kind: Kind = "mileage"
            factor = 1000 if high < 1000 and (match.group("t2") or _thousand_km(match.group("km"))) else 1
        else:
            kind = "price"
            factor = 1000 if (match.group("t1") or match.group("t2")) else 1
            if factor == 1 and high < 300 and _PRICE_CONTEXT.search(work[max(0, match.start() - 40) : match.end() + 10]):
                factor = 1000  # "budget tussen 15 en 20" means thousands
        lo, hi = int(low * factor), int(high * factor)
        if kind == "price" and factor == 1 and (1950 <= lo <= current_year + 1 or lo < 500 or hi < 500):
            continue  # "2015-2018" are years, "10 tot 12" are hours
        if not match.group(0).strip().startswith(("tussen", "van")) and kind == "price" and factor == 1 and not match.group("eur") and not match.group("euro"):
            if not _PRICE_CONTEXT.search(work[max(0, match.start() - 30) : match.end() + 10]):
                continue
        if lo > hi:
            lo, hi = hi, lo
        found.append(Quantity(kind, lo, "min", match.start(), match.end()))
        found.append(Quantity(kind, hi, "max", match.start(), match.end()))
        taken.append(match.span())

    for match in QUANTITY.finditer(work):
        raw = match.group(2)
        if raw is None or any(s <= match.start(2) < e for s, e in taken):
            continue
        if match.start(2) > 0 and (work[match.start(2) - 1].isalpha() or work[match.start(2) - 1] in "-/:"):
            continue  # "id3", "xc40", "e-208", "10:30"
        if match.group("skip"):
            continue
        number = _to_number(raw)
        before = work[: match.start()]
        if _INCOME.search(before[-25:]) or re.match(r"\s*(?:netto|bruto)\b", work[match.end(2) : match.end(2) + 8]):
            continue  # income, not a budget
        after = work[match.end() : match.end() + 40]
        if _NOT_BUDGET_BEFORE.search(before[-30:]) or _NOT_BUDGET_AFTER.match(after) or _WEIGHT_BEFORE.search(before[-30:]):
            continue  # a discount, down payment, cost or weight is not what the car may cost
        bound = _cue(before)
        thousands = match.group("thousands")
        if not match.group("km") and _MILEAGE_BEFORE.search(before[-30:]) and not thousands and not is_euro_marker(match):
            found.append(Quantity("mileage", int(number), bound or "exact", match.start(2), match.end()))
            continue
        if match.group("km") and (_RANGE_AFTER.match(work[match.end():match.end() + 20]) or _RANGE_BEFORE.search(before[-30:])):
            continue  # "400 km bereik" is an EV's range, not its mileage
        if match.group("km"):
            unit = match.group("km")
            factor = 1000 if number < 1000 and (thousands or _thousand_km(unit)) else 1
            found.append(Quantity("mileage", int(number * factor), bound or "exact", match.start(2), match.end()))
            continue
        if match.group("monthly"):
            found.append(Quantity("monthly", int(number), bound or "max", match.start(2), match.end()))
            continue
        is_euro = bool(match.group("euro") or match.group("eur") or match.group("dash"))
        is_int = "." not in raw.replace(".000", "") and "," not in raw
        if thousands:
            value = int(round(number * 1000))
        elif is_euro:
            value = int(number)
        elif is_int and len(raw) == 4 and 1950 <= number <= current_year + 1 and not _PRICE_CONTEXT.search(before[-12:]):
            year_bound: Bound = "min" if bound in ("min", None) else bound
            if _YEAR_STRICT_NEWER.search(before[-20:]):
                number += 1
            if _YEAR_AFTER.search(work[match.end(2) : match.end(2) + 20]):
                year_bound = "min"
            found.append(Quantity("year", int(number), year_bound, match.start(2), match.end(2)))
            continue
        elif number >= 1000:
            value = int(number)
        elif bound in ("max", "around", "min") and 3 <= number < 300 and _PRICE_CONTEXT.search(before[-30:] + work[match.end() : match.end() + 12]):
            value = int(number * 1000)  # "budget max 15" -> 15k
        else:
            continue
        if value < 500 or value > 2_000_000:
            continue
        bare_voor = bound == "max" and re.search(r"\bvoor\s+(?:€\s*)?$", before[-8:]) is not None  # "staat dezelfde voor 17.500"
        if bound is None or (bound == "max" and _WEAK_CUE.search(before[-25:])):
            if _offer(before, after):
                found.append(Quantity("offer", value, "exact", match.start(2), match.end()))
                continue
            if thousands and _QUOTED_PRICE_BEFORE.search(before[-45:]):  # "the Kuga you have listed for 20k"
                found.append(Quantity("quoted", value, "exact", match.start(2), match.end()))
                continue
        if (bound is None or bare_voor) and not thousands:
            if _QUOTED_PRICE_BEFORE.search(before[-45:]) or (_principal(before[-45:], after) and not _for_a_car(text, masked)):
                found.append(Quantity("quoted", value, "exact", match.start(2), match.end()))
                continue  # the price of a listed car or a sum's principal, not the budget
            if value >= 5000 and not is_euro and _MILEAGE_TOPIC.search(work) and not _PRICE_CONTEXT.search(before[-20:]):
                found.append(Quantity("mileage", value, "exact", match.start(2), match.end()))
                continue  # "NAP zegt 180.000"
        weak = bound is None or (bound == "max" and _WEAK_CUE.search(before[-25:]) is not None)
        found.append(Quantity("price", value, bound or "exact", match.start(2), match.end(), weak))
    found.sort(key=lambda q: q.start)
    return found


# --- Dutch number words: "vijftienduizend", "twaalf en een half duizend", "achttien duizend euro" ----
_UNITS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9}
_TEENS = {"tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
          "zeventien": 17, "achttien": 18, "negentien": 19}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80, "negentig": 90}
_WORD = "|".join(sorted([*_UNITS, *_TEENS, *_TENS], key=len, reverse=True))
_SMALL = rf"(?:(?:{'|'.join(_UNITS)})(?:en|e?n)?(?:{'|'.join(_TENS)})|{_WORD})"
_HALF = r"(?:\s*(?:en\s*)?(?:een\s*)?half|enhalf)"
_BELOW_THOUSAND = rf"(?:(?:{_SMALL})?honderd(?:\s*en\s*|\s*)?(?:{_SMALL})?|{_SMALL}{_HALF}?|anderhalf)"
# a spelled number only counts with "duizend"/"honderd" in it or a unit after it (prices and mileages)
NUMBER_WORDS = re.compile(
    rf"\b(?P<n>(?:{_BELOW_THOUSAND})\s*duizend(?:\s*(?:en\s*)?{_BELOW_THOUSAND}(?![a-z]))?|(?:{_SMALL})?honderd(?:{_SMALL})?"
    rf"|{_SMALL}{_HALF}?(?=\s*(?:k\b|mille|euro|ruggen|km|kilometer)))"
)


def _small(word: str) -> float:
    word = word.replace(" ", "")
    if word.endswith("half"):
        word = word.removesuffix("half")
        if word == "ander":
            return 1.5
        # "twaalfeneen", "tweeen" (tweeënhalf): the number before "en (een) half"
        for suffix in ("eneen", "een", "en", ""):
            if word.endswith(suffix) and _small(word.removesuffix(suffix) if suffix else word):
                return _small(word.removesuffix(suffix) if suffix else word) + 0.5
        return 0.0
    half = 0.0
    for value in (_UNITS, _TEENS, _TENS):
        if word in value:
            return value[word] + half
    match = re.fullmatch(rf"({'|'.join(_UNITS)})e?n({'|'.join(_TENS)})", word)
    if match:
        return _UNITS[match.group(1)] + _TENS[match.group(2)] + half
    return half


def _below_thousand(words: str) -> float:
    words = words.replace(" ", "")
    if "honderd" in words:
        left, right = words.split("honderd", 1)
        return (_small(left) if left else 1) * 100 + (_small(right.removeprefix("en")) if right else 0)
    return _small(words)


def number_from_words(words: str) -> int:
    """'vijfentwintigduizend' -> 25000, 'twaalf en een half duizend' -> 12500, 'anderhalf duizend' -> 1500."""
    words = re.sub(r"\s+", " ", words.strip())
    if "duizend" in words:
        left, right = words.split("duizend", 1)
        right = right.strip().removeprefix("en").strip()
        return int((_below_thousand(left) if left.strip() else 1) * 1000 + (_below_thousand(right) if right else 0))
    return int(_below_thousand(words))


# English and German thousands: "under thirty thousand euros", "maximal zweiundzwanzigtausend Euro"
_EN = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                                  "fifteen sixteen seventeen eighteen nineteen".split())} | {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_DE = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
       "elf": 11, "zwolf": 12, "dreizehn": 13, "vierzehn": 14, "funfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
       "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "funfzig": 50, "sechzig": 60, "siebzig": 70,
       "achtzig": 80, "neunzig": 90}
_EN_WORD = "|".join(sorted(_EN, key=len, reverse=True))
_DE_WORD = "|".join(sorted(_DE, key=len, reverse=True))
_EN_THOUSANDS = re.compile(rf"\b({_EN_WORD})(?:[\s-]({_EN_WORD}))?\s+thousand\b")
_DE_THOUSANDS = re.compile(rf"\b(?:({_DE_WORD})und)?({_DE_WORD})tausend\b")


def _foreign_thousands(text: str) -> str:
    text = _EN_THOUSANDS.sub(lambda m: f"{(_EN[m.group(1)] + (_EN[m.group(2)] if m.group(2) else 0)) * 1000}", text)
    return _DE_THOUSANDS.sub(lambda m: f"{((_DE[m.group(1)] if m.group(1) else 0) + _DE[m.group(2)]) * 1000}", text)


def words_to_digits(text: str) -> str:
    """Spelled-out amounts as digits, so the number rules read them: 'tot vijftien duizend euro' -> 'tot 15000 euro'."""
    if "thousand" in text or "tausend" in text:
        text = _foreign_thousands(text)
    if not re.search(r"duizend|honderd|tig|tien|half", text):
        return text  # fast path: most messages spell no numbers
    return NUMBER_WORDS.sub(lambda m: f"{number_from_words(m.group('n'))}" if number_from_words(m.group("n")) else m.group(), text)
