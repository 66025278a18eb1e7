"""What the customer asks, as far as the reply needs it beyond the understanding.

The understanding says *what kind* of message it is; the reply also needs the details
a salesperson answers: which fact about a car ("kilometerstand?"), which term and down
payment for a payment example ("bij 60 maanden", "met 5000 aanbetaling"), whether the
customer wants all opening hours or just one day. Works on normalised text.
"""

from __future__ import annotations

import re

from agents.equipment import EQUIPMENT_FACT, equipment_in
from agents.models import ConversationContext
from agents.rules.text import normalize

# Facts about one car the customer may ask for, in the order we answer them.
CAR_FACTS: dict[str, re.Pattern[str]] = {
    "mileage": re.compile(r"\b(kilometerstand|km[\s-]?stand|tellerstand|hoeveel\s+(?:km|kilometers?)|(?:km|kilometers)\s+(?:gereden|gelopen|op\s+de\s+teller)|gelopen|hoeveel\s+heeft\s+(?:hij|ie|die|het)\s+gereden|"
                          r"wie\s+viele?\s+(?:km|kilometer)|laufleistung|how\s+many\s+(?:km|kilomet\w*|miles)|what(?:'s|\s+is)\s+(?:the|its)\s+mileage)\b"),
    "year": re.compile(r"\b(bouwjaar|welk\s+jaar|uit\s+welk\s+jaar|hoe\s+oud|van\s+welk\s+jaar|jaartal)\b"),
    "price": re.compile(r"\b(wat\s+kost\s+(?:hij|ie|die|deze|het|de\s+\w+)|wat\s+is\s+de\s+(?:vraag)?prijs|vraagprijs|hoe\s*duur|wat\s+moet\s+(?:hij|ie|die)\s+kosten)\b(?![^?.!]*\b(?:per\s+maand|p/m|maand))"),
    "fuel": re.compile(r"\b(brandstof|is\s+(?:hij|ie|die|het|dat)\s+(?:een\s+)?(?:benzine|diesel|hybride|hybrid|elektrisch\w*|plug-?in)|rijdt\s+(?:hij|ie|die)\s+op)\b"),
    "gearbox": re.compile(r"\b(automaat|automatic|handgeschakeld|handbak|schakel\w*|versnellingsbak|dsg|cvt)\b"),
    "colour": re.compile(r"\b(kleur|welke\s+kleur|wat\s+voor\s+kleur)\b"),
    "plate": re.compile(r"\b(kenteken)\b"),
    "apk": re.compile(r"\b(apk|keuring|mot|tuv|hauptuntersuchung)\b"),
    "nap": re.compile(r"\b(nap|km\s*stand\s+(?:klopt|echt|logisch)|kilometerstand\s+(?:klopt|echt|logisch)|teruggedraaid|odometer)\b"),
    "warranty": re.compile(r"\b(garantie\w*|bovag)\b"),
    # Facts from the detail page and RDW (agents/car_facts.py answers them).
    "owners": re.compile(r"\b(eigenaren|eigenaars|(?:eerste|1e|vorige|hoeveel)\s+eigenaa?r\w*|owners?|vorbesitzer|halter)\b"),
    "maintenance": re.compile(r"\b(onderhoudshistorie|onderhoudsboekje\w*|onderhoudsgeschiedenis|servicehistorie|"
                              r"(?:dealer\s*)?onderhouden|onderhoud\s+(?:bijgehouden|gehad)|maintenance|maintained|serviced|"
                              r"service\s+(?:history|book\w*)|"
                              r"scheckheft\w*|wartung\w*)\b"),
    "towing": re.compile(r"\b(trekgewicht|trekvermogen|(?:mag|kan)\s+(?:hij|ie|die|het|deze)\s+(?:\w+\s+){0,3}trekken|"
                         r"towing|tow|anhangelast|anhaengelast|zuglast|(?:darf|kann)\s+er\s+(?:\w+\s+){0,3}ziehen)\b"),
    "weight": re.compile(r"\b(gewicht|hoe\s+zwaar|weegt|wegen|massa|weight|how\s+heavy|leergewicht|wiegt)\b"),
    "consumption": re.compile(r"\b(verbruik\w*|1\s+op\s+hoeveel|liter\s+per|l/100|actieradius|consumption|fuel\s+economy|"
                              r"mpg|verbrauch\w*|reichweite)\b"),
}

# "welke heeft de minste km?" among the cars just shown: (fact, pick the lowest value?)
SUPERLATIVES: dict[str, re.Pattern[str]] = {
    "mileage": re.compile(r"\b(minste\s+(?:km|kilometers?)|minst\s+gereden|laagste\s+(?:km|kilometerstand|tellerstand))\b"),
    "price": re.compile(r"\b(goedkoopst\w*|laagste\s+prijs|minst\s+duur)\b"),
    "year": re.compile(r"\b(nieuwste|nieuwst|jongste|recentste)\b"),
}


def superlative_asked(text: str) -> str | None:
    return next((fact for fact, pattern in SUPERLATIVES.items() if pattern.search(text)), None)


_ALL_HOURS = re.compile(r"\b(openingstijden|openingsuren|welke\s+dagen|elke\s+dag|hele\s+week|door\s+de\s+week|alle\s+dagen)\b")
_NOW_OPEN = re.compile(r"\b(nu\s+open|nog\s+open|nu\s+geopend|zijn\s+jullie\s+(?:er\s+)?nu|vandaag\s+open)\b")

_WORD_NUMBERS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10}
_COUNT = r"(\d+(?:[.,]5)?|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien)"
_TERM = re.compile(rf"\b{_COUNT}\s*(maanden|maand|mnd|mnden|termijnen|jaar|jaren|jr)\b")
_TERM_CUE = re.compile(r"\b(looptijd|over|bij|in|met|termijn|maanden|mnd|afbetal\w*|lening|lenen|financier\w*|per\s+maand|p/m|maand)\b")
_AMOUNT = r"(?:€\s*)?(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*(k|mille|duizend)?(?:\s*(?:euro|eur|,-))?"
_DOWN_AFTER = re.compile(rf"{_AMOUNT}\s*(?:euro\s+|eur\s+)?(?:aanbeta\w*|aan\s+te\s+betalen|eigen\s+geld|zelf\s+in\s+te\s+leggen|inleg|contant\s+erbij|cash\s+erbij)")
_DOWN_BEFORE = re.compile(rf"\b(?:aanbeta\w*|eigen\s+inleg|inleggen|inleg|aan\s+te\s+betalen|aanbetaald|eigen\s+geld)\s+(?:van\s+|is\s+|wordt\s+|met\s+)?{_AMOUNT}")
_DOWN_MID = re.compile(rf"\b(?:ik\s+)?(?:betaal|leg|doe)\s+(?:ik\s+)?{_AMOUNT}\s+(?:aan|in|zelf|erbij|contant)\b")


def car_facts_asked(text: str) -> list[str]:
    """Facts about a car the message asks for ("wat is de kilometerstand?" -> ["mileage"]).

    Options are facts too: "heeft hij een trekhaak?" -> ["equipment:trekhaak"].
    """
    facts = [fact for fact, pattern in CAR_FACTS.items() if pattern.search(text)]
    return facts + [f"{EQUIPMENT_FACT}{key}" for key in equipment_in(text)]


def wants_all_hours(text: str) -> bool:
    return bool(_ALL_HOURS.search(text))


def asks_open_now(text: str) -> bool:
    return bool(_NOW_OPEN.search(text))


def _count(raw: str) -> float:
    return float(_WORD_NUMBERS.get(raw, 0) or raw.replace(",", "."))


_HOW_LONG_ALREADY = re.compile(
    r"\b(?:sinds|pas|al|nog\s+maar|since|only|woon\w*|werk\w*|rekening|account|contract|baan|lived?|living|worked?)\s+"
    r"(?:\w+\s+){0,2}$"
)


def term_months(text: str) -> int | None:
    """A financing term the customer names: "60 maanden", "5 jaar", "over 48 mnd"."""
    for match in _TERM.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 12]
        unit = match.group(2)
        # "auto van 5 jaar oud" or "garantie van 12 maanden" is not a term.
        if re.match(r"\s*(oud|garantie|apk)", after) or re.search(r"(garantie|apk|oud|bouwjaar)\W*(?:\w+\W+){0,2}$", before):
            continue
        if _HOW_LONG_ALREADY.search(before) or re.match(r"\s*(?:in\s+nederland|hier|in\s+dienst|in\s+the\s+netherlands)\b", after):
            continue  # "ik woon pas 3 maanden in nederland", "a bank account for 3 months": how long, not a term
        value = _count(match.group(1))
        months = value * 12 if unit.startswith("j") else value
        if unit.startswith("j") and not _TERM_CUE.search(before + " " + after):
            continue  # a bare "5 jaar" is only a term when money is in the air
        if 1 <= months <= 240:
            return int(round(months))
    return None


def _amount(raw: str, thousands: str | None) -> int:
    value = float(raw.replace(".", "").replace(",", "."))
    return int(round(value * 1000 if thousands else value))


_NO_DOWN = re.compile(r"\b(zonder|geen|niks|niets)\s+(?:\w+\s+)?(aanbeta\w*|inleg|eigen\s+geld)")


def down_payment(text: str) -> int | None:
    """A down payment the customer names: "met 5000 aanbetaling", "aanbetaling van 3k"; 0 for "zonder"."""
    if _NO_DOWN.search(text):
        return 0
    for pattern in (_DOWN_BEFORE, _DOWN_AFTER, _DOWN_MID):
        match = pattern.search(text)
        if match:
            amount = _amount(match.group(1), match.group(2))
            if amount >= 100:
                return amount
    return None


def financing_wishes(text: str, context: ConversationContext) -> tuple[int | None, int | None]:
    """(term in months, down payment) from this message, else the customer's latest earlier ones."""
    months, down = term_months(text), down_payment(text)
    for turn in reversed(context.history):
        if months is not None and down is not None:
            break
        if turn.role != "customer":
            continue
        earlier = normalize(turn.text)
        months = months if months is not None else term_months(earlier)
        down = down if down is not None else down_payment(earlier)
    return months, down
