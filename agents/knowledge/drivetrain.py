"""Engines and drivetrains a salesperson explains: TSI/TDI, hybrids, EV, gearboxes, 4x4, Euro classes.

General car knowledge, not dealer facts, phrased for a WhatsApp answer. Patterns work on
normalised text (agents.rules.text.normalize). A question ABOUT an engine type ("wat is
het verschil tussen TSI en TDI?") is an explanation, never a fuel preference: see
`explains_engine_type`, which the extraction uses to leave fuel and gearbox unset.
"""

from __future__ import annotations

import re

from agents.models import KnowledgeSnippet
from agents.knowledge.general_texts import DRIVETRAIN, catalog
from agents.rules.phrases import say

_ENGINE_WORDS = (r"tsi|tfsi|tdi|e-?tsi|e-?hybrid|mild\s*-?\s*hybrid\w*|mhev|full\s*-?\s*hybrid\w*|hev|volledig\s+hybride|"
                 r"plug\s*-?\s*in(?:\s*-?\s*hybride?)?|phev|ev|bev|elektrische?\s+auto|hybride|hybrid|diesel|benzine|"
                 r"dsg|cvt|automaat|handgeschakeld|handbak|schakel\w*|4\s*motion|quattro|x\s*drive|awd|4wd|4x4|vierwiel\w*|"
                 r"euro\s*-?\s*[1-6]\w*|euronorm|emissieklasse|milieuzone\w*")

TOPICS: dict[str, re.Pattern[str]] = {
    "engine_types": re.compile(r"(?<!e-)(?<!e\s)\b(tsi|tfsi|tdi|tce|puretech|ecoboost|turbodiesel|benzinemotor|dieselmotor)\b"),
    "mild_hybrid": re.compile(r"\b(e-?tsi|mild\s*-?\s*hybrid\w*|mhev|48\s*-?\s*v(?:olt)?)\b"),
    "full_hybrid": re.compile(r"\b(full\s*-?\s*hybrid\w*|volledige?\s+hybride|zelfopladende?\s+hybride|self\s*-?\s*charging|"
                              r"(?:wat\s+is|hoe\s+werkt|verschil\s+\w+\s+(?:een\s+)?)\s*(?:een\s+)?hybride?\b)"),
    "plug_in_hybrid": re.compile(r"\b(plug\s*-?\s*in\w*|phev|e-?hybrid|stekkerhybride)\b"),
    "electric": re.compile(r"\b((?:volledig\s+)?elektrische?\s+auto|bev|(?:wat\s+is|hoe\s+werkt)\s+(?:een\s+)?ev|"
                           r"verschil\s+\w+\s+(?:\w+\s+){0,4}(?:ev|elektrisch\w*))\b"),
    "automatic_gearbox": re.compile(r"\b(dsg|cvt|edc|automaat|automatische?\s+versnellingsbak|koppeling|schakelen|versnellingsbak|"
                                    r"tiptronic|steptronic|handgeschakeld|handbak)\b"),
    "all_wheel_drive": re.compile(r"\b(4\s*motion|quattro|x\s*drive|awd|4wd|4x4|vierwielaandrijving|vierwiel\w*|all\s*-?\s*wheel)\b"),
    "emissions": re.compile(r"\b(euro\s*-?\s*[1-6]\w*|euronorm\w*|euroklasse\w*|emissieklasse\w*|emissienorm\w*|milieuzone\w*|"
                            r"milieusticker|zero\s*-?\s*emissiezone\w*|ze\s*-?\s*zone\w*|roetfilter|adblue)\b"),
}

# "wat is", "verschil tussen", "is een X beter/zuiniger", "hoe werkt", "X of Y?": asking for an explanation
_EXPLAIN = re.compile(
    r"\b(verschil\w*|wat\s+(?:is|zijn|betekent|betekenen|houdt|doet|bedoel\w*)|hoe\s+werk\w*|uitleg\w*|leg\s+(?:\w+\s+)?uit|"
    r"wat\s+(?:is\s+)?(?:beter|handiger|slimmer|zuiniger|betrouwbaarder|goedkoper)|"
    r"(?:is|zijn)\s+(?:een\s+|de\s+)?(?:\w+\s+){0,2}(?:beter|zuiniger|betrouwbaarder|duurder|goedkoper|sneller|handiger|nodig|zinvol)|"
    r"voordel\w*|nadel\w*|vs|versus|of\s+(?:een\s+)?\w+\s*\?|mag\s+(?:ik|je|een)\b.{0,40}\bmilieuzone|heb\s+ik\s+(?:\w+\s+)?nodig)\b"
)
_ENGINE = re.compile(rf"\b(?:{_ENGINE_WORDS})\b")
# "ik zoek een golf tdi", "hebben jullie een quattro": a search wish keeps its fuel
_SEARCH = re.compile(r"\b(zoek\w*|hebben\s+jullie|heb\s+je\s+(?:nog|ook|een)|ik\s+wil\s+(?:een|graag)|liefst|voorkeur|gezocht|"
                     r"op\s+voorraad|tot\s+\d|max\w*\s+\d|budget|staat\s+(?:die|de|deze))\b")


def explains_engine_type(text: str) -> bool:
    """A question about what an engine, gearbox or drivetrain type is, not a wish for one."""
    return bool(_ENGINE.search(text) and _EXPLAIN.search(text) and not _SEARCH.search(text))


def topics_in(text: str) -> list[str]:
    return [topic for topic, regex in TOPICS.items() if regex.search(text)]


TEXTS = {
    "engine_types": (
        "TSI (Volkswagen, Skoda, Seat) en TFSI (Audi) zijn benzinemotoren met turbo en directe inspuiting: "
        "stil, vlot en prima voor korte en middellange ritten. TDI is de turbodiesel: zuinig en sterk op lange afstanden, "
        "maar duurder in de wegenbelasting, en het roetfilter houdt niet van alleen korte ritjes. "
        "Rijd je minder dan zo'n 20.000 km per jaar, dan is een TSI meestal de logische keuze."
    ),
    "mild_hybrid": (
        "Een mild hybrid (bij Volkswagen e-TSI) heeft een klein 48-voltsysteem dat de benzinemotor helpt bij het optrekken "
        "en de motor laat uitrollen terwijl hij uit staat. Elektrisch rijden kan er niet mee en opladen hoeft niet; "
        "het scheelt vooral wat brandstof in de stad."
    ),
    "full_hybrid": (
        "Een volledige hybride (zoals de hybrides van Toyota) rijdt bij lage snelheid en korte stukjes elektrisch; "
        "de accu laadt zichzelf op bij het remmen en via de motor. Je hoeft nooit aan de stekker en hij is vooral in de stad zuinig."
    ),
    "plug_in_hybrid": (
        "Een plug-in hybride (PHEV) heeft een grotere accu die je aan de stekker laadt: daarmee rijd je een stuk volledig "
        "elektrisch (vaak 40 tot 80 km), daarna rijdt hij als gewone hybride op benzine. Voordelig als je vaak laadt, "
        "anders sleep je vooral een zware accu mee."
    ),
    "electric": (
        "Een elektrische auto (EV) rijdt alleen op de accu: geen brandstof, weinig onderhoud en stil. Je laadt thuis, op je werk "
        "of aan een snellader; hoe ver je komt hangt af van de accu, de temperatuur en je snelheid."
    ),
    "automatic_gearbox": (
        "Een automaat schakelt zelf, zonder koppelingspedaal: relaxt in de file. Een DSG is een automaat met dubbele koppeling "
        "(snel schakelen en zuinig), een CVT schakelt traploos en is heel soepel in de stad. Handgeschakeld is vaak iets goedkoper "
        "in aanschaf en je schakelt zelf. Let op: met een automaatrijbewijs mag je geen handgeschakelde auto rijden."
    ),
    "all_wheel_drive": (
        "4Motion (Volkswagen), quattro (Audi) en xDrive (BMW) zijn merknamen voor vierwielaandrijving (AWD): de motor drijft "
        "alle vier de wielen aan. Dat geeft meer grip op gladde wegen, met een caravan of op een onverhard pad, maar kost "
        "wat extra brandstof. In Nederland is het zelden echt nodig, wel vertrouwd rijden."
    ),
    "emissions": (
        "De Euroklasse (Euro 1 tot en met Euro 6) zegt hoe schoon een motor is en staat bij de RDW op het kenteken. "
        "In de milieuzones voor personenauto's mogen diesels met Euro 3 of lager niet meer in (grofweg bouwjaar 2005 en ouder); "
        "benzineauto's mogen er overal in. Welke zones er zijn en of een kenteken erin mag, check je op milieuzones.nl. "
        "De zero-emissiezones gelden voor bestel- en vrachtauto's, niet voor personenauto's."
    ),
}
PHRASES = catalog(TEXTS, DRIVETRAIN)


# "de golf 1.5 tsi life business", "2.0 TDI": an engine in a car's name, not a question about the engine type
_NAMED_ENGINE = re.compile(r"\b\d[.,]\d\s*(?:e-?)?(?:tsi|tfsi|tdi|tce|puretech|ecoboost)\b")


_COMPARES_ENGINES = re.compile(r"\b(verschil\s+tussen|vs|versus|beter|zuiniger|difference\s+between|unterschied)\b")


def knowledge_for(text: str, language: str | None = "nl", address_form: str | None = "je") -> list[KnowledgeSnippet]:
    """Explanations for a question about engine or drivetrain types; "ik zoek een golf tdi" is a search, not a question."""
    if _SEARCH.search(text) or not (_EXPLAIN.search(text) or "?" in text):
        return []
    if not _EXPLAIN.search(text) or not _COMPARES_ENGINES.search(text):
        # "heeft de golf 1.5 tsi een trekhaak?" asks about the towbar; "de golf 1.5 tsi en de tiguan 2.0 tdi,
        # wat is het prijsverschil?" about the price
        text = _NAMED_ENGINE.sub(" ", text)
    topics = topics_in(text)
    # "wat is een plug-in hybride?" is about the plug-in, not about hybrids in general
    if "plug_in_hybrid" in topics and "full_hybrid" in topics and not re.search(r"\b(volledig|full|zelfopladend)", text):
        topics.remove("full_hybrid")
    return [KnowledgeSnippet(module="technical", topic=topic, text=text_for(topic, language, address_form)) for topic in topics]


def text_for(topic: str, language: str | None = "nl", address_form: str | None = "je") -> str:
    """The explanation in the customer's language and register (agents.knowledge.general_texts)."""
    return say(PHRASES[topic], language, address_form)
