"""One message read once: normalised text, car mentions split into wanted and owned, numbers.

Router, extraction and expertise all start from this (cached, so calling the three steps
separately costs one parse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from agents.rules import concepts, our_car
from agents.rules.numbers import Quantity, find_plates, find_quantities, words_to_digits
from agents.rules.text import normalize
from agents.rules.vocabulary import Mention, find_cars

TRADE_IN_CUE = re.compile(
    r"\b(inruil\w*|in\s*te\s*ruilen|inruilen|ruilen|inleveren|taxatie|taxeren|"
    r"wat\s+(?:geven|bieden|betalen)\s+(?:jullie|je|u)|wat\s+is\s+(?:mijn|m'?n|mn)\s+(?:auto|wagen|\w+)\s+(?:nog\s+)?waard|"
    r"(?:mijn|m'?n|mn)\s+(?:huidige\s+|oude\s+)?(?:auto|wagen|\w+)\s+(?:verkopen|kwijt|overnemen|inkopen|inleveren)|"
    r"(?:mijn|m'?n|mn)\s+(?:\w+\s+){0,2}(?:nog\s+)?waard\b|"
    r"(?:kopen|nemen)\s+jullie\s+(?:ook\s+)?(?:auto'?s\s+)?(?:in|over)|overnemen|inkoop|opkopen|"
    r"(?:hoeveel|wat)\s+(?:krijg|kan|zou|levert)\s+(?:ik\s+)?(?:\w+\s+)?(?:nog\s+)?(?:voor|ervoor)\s+(?:mijn|m'?n|mn)|"
    r"ruil\s+(?:\w+\s+){1,4}in|trade\s*-?\s*ins?|trade\s+(?:it|my\s+\w+)\s+in|part\s*-?\s*exchange|"
    r"ingeruild|innemen|(?:neem|neemt|nemen)\s+(?:jullie|u|je)\s+(?:[\w']+\s+){0,5}in|what\s+is\s+my\s+\w+\s+worth|"
    r"opleveren|oplevert|opbrengen|opbrengt|(?:brengt|levert)\s+(?:mijn|m'?n|mn|onze|ons)\s+(?:\w+\s+){0,3}(?:nog\s+)?op|"
    # Flemish, Frisian, German, English: "in overname", "ynruilje", "in Zahlung", "would you buy my car"
    r"overname|ynruil\w*|inruilje|(?:neem|neemt|nemen|nimme)\s+(?:ge|gij|jim|jullie|u)\s+(?:[\w']+\s+){0,5}in|"
    r"in\s+zahlung|inzahlungnahme|ankauf\w*|ankaufen|(?:kauft|kaufen)\s+(?:ihr|sie)\s+(?:[\w']+\s+){0,4}an|loswerden|"
    r"part\s*-?\s*ex\w*|(?:would|will|do|could)\s+you\s+buy\s+(?:my|it|mine|our)|buy\s+it\s+from\s+me|sell\s+(?:you\s+)?(?:my|our)\s+car|"
    r"lever\s+(?:[\w']+\s+){0,4}in|inruilers?)\b"
)
# a car the customer bought, here or elsewhere: "de Niro die ik bij jullie kocht", "bought a Clio from you",
# "bei Ihnen gekauften Audi", "via marktplaats gekocht", "you sold me": theirs, whatever the sentence asks
_PURCHASED = (r"(?:ge)?(?:kocht|kochte|kochten)|gekauft\w*|erworben\w*|abgeholt|bought|purchased|sold\s+(?:me|us)|got\s+from\s+you|"
              r"opgehaald|haalde|gehaald\s+bij\s+(?:jullie|u)|"
              r"verkocht\s+(?:aan\s+)?(?:mij|me|ons)|kocht|kochten|cocht")
_PURCHASED_AFTER = re.compile(
    rf"^[^.?!;]{{0,45}}?\b(?:{_PURCHASED})\b|"
    r"^\s*(?:die|dat|den|which|that)\s+(?:ik|we|wij)\s+(?:\w+\s+){0,3}(?:(?:van|bij|from)\s+(?:jullie|u|you)|dagen|weken|maanden)\s+(?:heb|hebben|have)\b"
)
_FROM_US_AFTER = re.compile(r"^\s*(?:\([^)]{0,30}\)\s*)?(?:van|from)\s+(?:jullie|u|you)\b(?!\s+(?:site|website|showroom|voorraad|stock))")
_PURCHASED_BEFORE = re.compile(rf"\b(?:{_PURCHASED}|van\s+bij\s+u)\s+(?:[\w.-]+\s+){{0,4}}$")
# "die jullie op de site hebben", "the Yaris you have listed": the dealer's car, wanted
# a question about what the customer's car is worth: the cars it names are theirs, not wishes
VALUATION = re.compile(
    r"\b(?:waard|waarde\w*|inruilwaarde|inruilprijs|inruil\s*prijs|taxatie\w*|taxeren|worth|opleveren|oplevert|opbrengen|opbrengt|levert|"
    r"wat\s+(?:geven|bieden|betalen)\s+(?:jullie|je|u)|(?:wat|hoeveel)\s+(?:krijg|kan|zou)\s+ik)\b"
)
WANTED_CUE = re.compile(
    r"\b(?:zoek\w*|op\s*zoek|(?<!jullie\s)(?<!\bu\s)(?<!nog\s)interesse(?!\s*(?:\?|in\s+(?:mijn|m'?n|mn|onze)))|hebben\s+jullie|heb\s+je|kopen|richting|looking\s+for|"
    r"(?:op|on)\s+(?:jullie|your|de|the)\s+(?:site|website)|\bneed\s+an?\b|\bdo\s+you\s+have|\bi\s+want\s+an?\b|"
    r"\bwil\s+(?:ik\s+)?(?:nu\s+)?(?:een|graag\s+een)\b|\bnu\s+wil\b|(?:you|jullie)\s+(?:have\s+)?(?:listed|adverteren|hebben\s+staan)|"
    r"(?:ruilen|inruilen|in\s+te\s+ruilen|tegen)\s+(?:voor\s+|tegen\s+)?(?:een|de|die|n)\b|"
    # "trade in my fiesta for the yaris cross", "meinen Astra gegen den Golf in Zahlung geben"
    r"\b(?:trade|swap|exchange|part\s*-?\s*ex\w*)\s+(?:[\w']+\s+){0,6}for\s+(?:a|an|the)\b|"
    r"\b(?:fur|gegen)\s+(?:den|die|das|einen|eine|ein)\s+(?:\w+\s+){0,3}(?:in\s+zahlung|tauschen)|"
    r"\bin\s+zahlung\s+(?:geben\s+)?(?:\w+\s+){0,2}(?:fur|gegen)\s+(?:den|die|das|einen|eine|ein)\b)"
)
OWNED_BEFORE = re.compile(
    r"(?:\bmijn|\bm'?n|\bmn|\bonze|\bons|\bour|\bmein\w*|\bmyn|\bmien|\bus|\bunser\w*|\bhuidige|\boude|\bheb\s+(?:nu\s+|momenteel\s+|nog\s+)?(?:een|n|1)|\brijd?\s+(?:nu\s+|momenteel\s+)?(?:in\s+)?(?:een|n)|"
    r"\binruil\w*(?:\s+van)?|\bruil\s+(?:mijn|m'?n|mn)|\bruilen|\bmet\s+(?:een|mijn)|\bmy(?:\s+car\s+is)?(?:\s+an?)?|\b(?:i|we)\s+(?:have|drive|own)\s+an?)"
    r"[\s(,]+(?:\w+[\s(,]+){0,2}$"
)
_OWNED_AFTER = re.compile(r"^\s*(?:\([^)]{0,40}\)\s*)?(?:\w+\s+){0,3}(?:inruilen|in\s+te\s+ruilen|als\s+inruil|inruil|verkopen|kwijt)")
_WANTED_BEFORE = re.compile(
    r"\b(?:voor|tegen|op|for|gegen|foar|towards)\s+(?:een|n|de|die|the|an?|euren|ihren|in|jullie|your|zo'?n)\s+(?:\w+\s+){0,1}$|\bjullie\s+$|"
    r"\b(?:und|and|en)\s+(?:buy|kaufen|kopen)\s+(?:\w+\s+)?$|"
    # "als ik de kuga koop", "bij aankoop van de sportage", "wil een yaris", "I want a ..."
    r"\b(?:als|wanneer|if|when)\s+(?:ik|we|i)\s+(?:\w+\s+){0,2}(?:de|die|deze|een|n|the|a|an)\s+(?:\w+\s+)?$|"
    r"\b(?:aankoop|aanschaf|purchase)\s+van\s+(?:de|die|deze|een|n)\s+(?:\w+\s+)?$|"
    r"\b(?:wil|willen|want|wol|will)\s+(?:ik\s+|we\s+|graag\s+)*(?:een|n|de|die|deze|a|an|the|in|einen|eine)\s+(?:\w+\s+)?$"
)
_WANTED_AFTER = re.compile(r"^\s*(?:[\w']+\s+){0,2}(?:neem|nemen|koop|kopen|afneem|afnemen|take|buy)\b")
_GENERATION = re.compile(r"^\s*(?:mk\s?)?(?:[1-9]|i{1,3}|iv|v|vi{1,3})\b(?!\s*(?:k\b|mille|duizend|euro|km|dkm|jaar|ruggen))")

# an off-topic creative request names cars without wanting one: "schrijf een gedichtje over een skoda"
_CREATION = (r"(?:gedicht\w*|liedje\w*|lied|rap|rijm\w*|mop\w*|grap\w*|verhaal\w*|sprookje\w*|poem|song|joke|story|limerick)")
_CREATE = r"(?:schrijf|schrijven|vertel|vertellen|verzin|verzinnen|maak|maken|write|tell|make\s+up)"
OFF_TOPIC = re.compile(rf"\b{_CREATE}\b.{{0,30}}\b{_CREATION}\b|\b{_CREATION}\b.{{0,40}}\b{_CREATE}\b")
# the customer's own car at the workshop: "wanneer moet de auris voor de onderhoudsbeurt", "moet mijn polo apk"
_OWN_SERVICE = re.compile(
    r"\bmoet\s+(?:mijn|m'?n|mn|de|onze|ons|hij|ie)\s+(?:[\w.-]+\s+){0,2}(?:weer\s+|nog\s+)?(?:voor\s+(?:de|een|zijn|haar)\s+)?"
    r"(?:\w+\s+)?(?:\w*beurt|apk|onderhoud\w*|keuring)\b"
)

CAR_WORDS = re.compile(
    r"\b(auto|auto'?s|wagen|wagens|occasion\w*|suv|stationwagen|station|hatchback|sedan|cabrio|bestel\w*|busje|bus|"
    r"mpv|coupe|elektrische?|ev|hybride|diesel|benzine|automaat|exemplaar|model|merk)\b"
)


@dataclass(frozen=True)
class ParsedMessage:
    raw: str
    text: str  # normalised
    wanted: tuple[Mention, ...]
    owned: tuple[Mention, ...]
    quantities: tuple[Quantity, ...]
    plates: tuple[str, ...]
    trade_in_cue: bool
    # a defect or warranty question about a car bought here: every car and fuel named is the customer's own
    own_car_report: bool = False

    def has(self, regex: re.Pattern[str]) -> bool:
        return regex.search(self.text) is not None


@lru_cache(maxsize=512)
def parse(raw: str, current_year: int) -> ParsedMessage:
    text = words_to_digits(normalize(raw[:4000]))
    mentions = find_cars(text)
    trade_cue = TRADE_IN_CUE.search(text) is not None
    wanted, owned, bought_cars = [], [], []
    valuation = trade_cue and VALUATION.search(text) is not None and WANTED_CUE.search(text) is None
    own_car_report = _own_car_report(text) or _OWN_SERVICE.search(text) is not None
    if OFF_TOPIC.search(text):
        mentions = []
    for mention in mentions:
        if own_car_report:
            owned.append(mention)
            continue
        before = text[max(0, mention.start - 40) : mention.start]
        after = text[mention.end : mention.end + 60]
        bought = _PURCHASED_AFTER.search(after)
        bought_before = _PURCHASED_BEFORE.search(before[-45:])
        if bought_before and (WANTED_CUE.search(bought_before.group()) or re.search(r"\b(?:en|and|und|maar|but)\b", bought_before.group())):
            bought_before = None  # "heb net een huis gekocht en zoek een polo": the polo is the wish
        # "de tesla van jullie kraakt", "the ID.3 I got from you": a defect on a car from us
        from_us = _FROM_US_AFTER.match(after) is not None and concepts.has_defect(text)
        if (bought and not WANTED_CUE.search(after[: bought.end()])) or bought_before or from_us:
            owned.append(mention)
            bought_cars.append(mention)
            continue
        is_owned = bool(OWNED_BEFORE.search(before) or _OWNED_AFTER.search(after[:40]))
        if _WANTED_BEFORE.search(before) or (is_owned and not trade_cue and not _mine(before)):
            is_owned = False
        (owned if is_owned else wanted).append(mention)
    if bought_cars and not wanted and WANTED_CUE.search(text) is None and not concepts.SHOPPING.search(text):
        own_car_report = True  # only a car they bought is named, and no wish: its fuel and amounts are theirs too
    if valuation and not owned:
        # "inruilprijs voor een megane 2013?", "wat is mijn auto waard? vw polo": no car named as
        # theirs, so the one named is; with "mijn v40" named, the other car stays the wish
        wanted, owned = [], wanted
    if trade_cue and wanted and WANTED_CUE.search(text) is None and not any(
            _WANTED_BEFORE.search(text[max(0, m.start - 40) : m.start]) or _WANTED_AFTER.search(text[m.end : m.end + 30]) for m in wanted):
        # "Inruil: Opel Zafira, 2011", "Nehmen Sie meinen Golf in Zahlung?": a trade-in naming no wish names theirs
        # ("kan de v60 in financial lease, met inruil van onze auto": the dealer's car stays the wish)
        moved = [m for m in wanted if not re.search(r"\b(?:de|die|deze|the|that|this|dem|der)\s+$", text[max(0, m.start - 8) : m.start])]
        wanted, owned = [m for m in wanted if m not in moved], owned + moved
    # a generation number after a model is part of the name: "golf 8", "polo 6"
    masked = []
    for mention in mentions:
        if mention.model:
            gen = _GENERATION.match(text[mention.end :])
            if gen:
                masked.append((mention.end, mention.end + gen.end()))
        masked.append((mention.start, mention.end))
    quantities = find_quantities(text, masked, current_year)
    plates = tuple(plate for plate, _, _ in find_plates(text))
    return ParsedMessage(raw, text, tuple(wanted), tuple(owned), tuple(quantities), plates, trade_cue, own_car_report)


def _mine(before: str) -> bool:
    return re.search(r"\b(mijn|m'?n|mn|onze|ons|our|my|huidige|oude)\s+(?:\w+\s+){0,2}$", before) is not None


_WARRANTY = re.compile(r"garantie|warranty|guarantee")
# a car bought (here or elsewhere) and no wish in the message: every car and fuel named is theirs
_PURCHASED_REPORT = re.compile(rf"\b(?:{_PURCHASED})\b|\bvan\s+bij\s+u\b|\baus\s+eurem\s+haus\b|\bnach\s+dem\s+kauf\b")


def _own_car_report(text: str) -> bool:
    """"de Kuga die ik bij jullie kocht lekt", "golf vorig jaar hier gekocht, valt dit onder garantie"."""
    if WANTED_CUE.search(text) is not None:
        return False
    if concepts.wants_to_cancel(text):
        return True  # "ik wil van de koop af, jullie kunnen die golf terugkrijgen": the car they bought
    ours = concepts.bought_here(text) or our_car.recurring_defect(text)
    return (ours and (concepts.has_defect(text) or _WARRANTY.search(text) is not None)) or (
        _PURCHASED_REPORT.search(text) is not None and not concepts.SHOPPING.search(text))


def financed_amount(raw: str, current_year: int) -> int | None:
    """The amount a monthly-payment or interest question is about: a loan's principal or a listed
    car's price ("als ik 10.000 financier over 48 maanden", "de golf van 19.950"), else the budget.
    Neither of the first two is a budget, so they are not in car_preferences; a reply needs them."""
    amounts = [q for q in parse(raw, current_year).quantities if q.kind in ("quoted", "price")]
    quoted = [q for q in amounts if q.kind == "quoted"]
    return (quoted or amounts)[0].value if amounts else None
