"""Every part of a message answered, in the order asked, once.

"staat de Golf nog, wat kost hij per maand en mag mijn vriend mee met de proefrit?" is three
questions. The reply's main answer covers the cars, prices and the test drive; this module
splits the message into its questions and answers the practical ones the main answer has no
handler for: what to bring, a passenger on the test drive, coming by train, what the price
includes, the maintenance history, a pushchair in the boot, an option the listing does not name.

What our data does not say gets one honest line and a promise ("ik laat het nakijken en app je
vandaag nog") plus an OpenCheck, which the workflow sends to sales once as a light task. The
same open question again gets "je vroeg het al", who finds out and when; insisting ("TREKHAAK??
ja of nee") gets a straight "that I don't know yet", never the same paragraph again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from agents import car_facts, open_checks
from agents.equipment import EQUIPMENT_FACT, as_object
from agents.knowledge.dealer import DealerFacts
from agents.models import Car, ConversationContext, OpenCheck
from agents.rules.phrases import Phrase, euro, say

# --- splitting ------------------------------------------------------------------------------------
_ASKS = (r"wat|hoe|welke?|waar|wanneer|waarom|hoeveel|mag|mogen|kan|kun|kunnen|moet|moeten|heeft|hebben|is|zijn|zit|zitten|"
         r"past|passen|staat|staan|doen|krijg|krijgen|what|how|which|where|when|can|could|may|must|do|does|is|are|has|have|"
         r"was|wie|wo|wann|kann|darf|muss|hat|ist|sind|gibt|passt")
_SPLIT = re.compile(rf"\?+|[.!;]+\s|\n+|,\s*(?=(?:en\s+|and\s+|und\s+|of\s+)?(?:{_ASKS})\b)|\s(?:en|and|und)\s+(?=(?:{_ASKS})\b)", re.I)


@dataclass(frozen=True)
class Segment:
    text: str
    start: int
    question: str = ""  # the customer's own words, with their question mark(s)


def split_questions(text: str) -> list[Segment]:
    """The message cut into its questions and statements, with where each starts."""
    segments, start = [], 0
    for match in _SPLIT.finditer(text):
        piece = text[start:match.start()]
        if piece.strip(" ,.-"):
            asked = piece.strip(" ,") + ("?" if match.group(0).startswith("?") else "")
            segments.append(Segment(piece.strip(" ,"), start, asked))
        start = match.end()
    if text[start:].strip(" ,.-?!"):
        segments.append(Segment(text[start:].strip(" ,"), start, text[start:].strip(" ,")))
    return segments


# --- the practical questions -----------------------------------------------------------------------
_TOPICS: dict[str, re.Pattern[str]] = {
    "companion": re.compile(
        r"\b(?:mag|mogen|kan|kunnen|kun)\s+(?:(?:mijn|m'n|me|onze|ons|mn)\s+)?(?:vriend\w*|vrouw|man|partner|vader|pa|moeder|ma|zoon|dochter|"
        r"kind\w*|broer|zus|collega|iemand)\s+(?:ook\s+)?mee|\biemand\s+meenemen\b|\bmeerijden\b|"
        r"\b(?:can|may)\s+(?:my|a)\s+\w+\s+(?:come|join|ride)|\bdarf\s+(?:mein|meine)\s+\w+\s+mit"),
    "bring": re.compile(
        r"\b(?:iets|wat)\s+(?:mee\s*(?:nemen|brengen)|meenemen|meebrengen)|\bmoet\s+ik\s+\w*\s*(?:meenemen|meebrengen)|"
        r"\bwat\s+(?:moet|heb)\s+ik\s+(?:\w+\s+)?(?:nodig|mee)\b|\bwhat\s+(?:should|do)\s+i\s+(?:need\s+to\s+)?bring|"
        r"\b(?:do|should|must)\s+i\s+(?:need\s+to\s+|have\s+to\s+)?bring\b|\bbring\s+anything\b|"
        r"\b(?:soll|muss)\s+ich\s+(?:etwas|was)\s+mitbringen|\bwas\s+muss\s+ich\s+mitbringen"),
    "train": re.compile(r"\b(?:trein|ov|openbaar\s+vervoer|bus|station|ns|train|public\s+transport|zug|bahn|bahnhof)\b"),
    "included": re.compile(
        r"\b(?:inbegrepen|(?:is|zit)\s+(?:er\s+)?(?:\w+\s+)?(?:bij|in)\s+de\s+prijs|wat\s+zit\s+er\s+(?:allemaal\s+)?bij|"
        r"is\s+dat\s+(?:all\s*in|inclusief)|all\s*-?\s*in|included|inklusive|inbegriffen)\b"),
    "maintenance": re.compile(
        r"\b(?:onderhoudshistorie|onderhouds(?:boekje|geschiedenis|historie|facturen)|onderhoud\w*\s+(?:bijgehouden|bekend|gedaan)|"
        r"dealer\s*onderhouden|service\s*(?:history|book)|scheckheft\w*|wartungs\w*)\b"),
    "boot": re.compile(r"\b(?:kinderwagen|buggy|wandelwagen|kofferbak\w*|bagageruimte|laadruimte|pram|pushchair|stroller|boot|"
                       r"kofferraum|kinderwagen)\b"),
}
_TRAIN_CONTEXT = re.compile(r"\b(?:kom|komen|bereik\w*|reizen|come|get\s+there|kommen|erreich\w*|vanaf|van\s+het)\b")

# Subjects of "… zie ik niet in mijn gegevens", with the car or without one.
SUBJECTS: dict[str, tuple[Phrase, Phrase]] = {
    "boot": (
        Phrase(nl="Of er een kinderwagen in de kofferbak van de {car} past,", en="Whether a pushchair fits in the boot of the {car}",
               de="Ob ein Kinderwagen in den Kofferraum des {car} passt,"),
        Phrase(nl="Of er een kinderwagen in de kofferbak past,", en="Whether a pushchair fits in the boot",
               de="Ob ein Kinderwagen in den Kofferraum passt,"),
    ),
    "maintenance": (
        Phrase(nl="De onderhoudshistorie van de {car}", en="The service history of the {car}",
               de="Die Wartungshistorie des {car}"),
        Phrase(nl="De onderhoudshistorie", en="The service history", de="Die Wartungshistorie"),
    ),
    "train": (
        Phrase(nl="Hoe je met de trein het makkelijkst bij ons komt,", nl_u="Hoe u met de trein het makkelijkst bij ons komt,",
               en="The easiest way to reach us by train", de="Wie Sie uns am besten mit dem Zug erreichen,"),
        Phrase(nl="Hoe je met de trein het makkelijkst bij ons komt,", nl_u="Hoe u met de trein het makkelijkst bij ons komt,",
               en="The easiest way to reach us by train", de="Wie Sie uns am besten mit dem Zug erreichen,"),
    ),
    "companion": (
        Phrase(nl="Of er iemand mee mag op de proefrit,", en="Whether someone may come along on the test drive",
               de="Ob jemand bei der Probefahrt mitfahren darf,"),
        Phrase(nl="Of er iemand mee mag op de proefrit,", en="Whether someone may come along on the test drive",
               de="Ob jemand bei der Probefahrt mitfahren darf,"),
    ),
}
FACTS_SUBJECT = Phrase(nl="{facts} van de {car}", en="{facts} of the {car}", de="{facts} des {car}")
FACT_NAMES = car_facts.FACT_NAMES
EQUIPMENT_SUBJECT = Phrase(nl="Of de {car} {option} heeft,", en="Whether the {car} has {option}", de="Ob der {car} {option} hat,")
_EQUIPMENT_EN = {"trekhaak": "a towbar", "navigatie": "navigation", "zeven_zitplaatsen": "7 seats",
                 "vierwielaandrijving": "four-wheel drive", "panoramadak": "a panoramic roof", "cruise_control": "cruise control",
                 "climate_control": "climate control", "stoelverwarming": "heated seats", "achteruitrijcamera": "a reversing camera",
                 "parkeersensoren": "parking sensors", "carplay": "Apple CarPlay / Android Auto", "lederen_bekleding": "leather seats"}
_EQUIPMENT_DE = {"trekhaak": "eine Anhängerkupplung", "navigatie": "ein Navi", "zeven_zitplaatsen": "7 Sitze",
                 "vierwielaandrijving": "Allradantrieb", "panoramadak": "ein Panoramadach", "cruise_control": "einen Tempomat",
                 "climate_control": "eine Klimaautomatik", "stoelverwarming": "Sitzheizung", "achteruitrijcamera": "eine Rückfahrkamera",
                 "parkeersensoren": "Parksensoren", "carplay": "Apple CarPlay / Android Auto", "lederen_bekleding": "Ledersitze"}
TOPIC_LABELS = {"boot": "past een kinderwagen in de kofferbak", "maintenance": "onderhoudshistorie",
                "train": "bereikbaarheid met de trein", "companion": "iemand mee op de proefrit"}

BRING = Phrase(
    nl="Neem alleen {bring} mee; meer is niet nodig.",
    nl_u="Neemt u alleen {bring} mee; meer is niet nodig.",
    en="Just bring {bring}; nothing else is needed.",
    de="Bringen Sie nur {bring} mit; mehr brauchen Sie nicht.",
)
COMPANION_YES = Phrase(
    nl="Neem gerust iemand mee, die mag gewoon meerijden op de proefrit.",
    nl_u="Neemt u gerust iemand mee, die mag gewoon meerijden op de proefrit.",
    en="Feel free to bring someone along; they're welcome to ride along on the test drive.",
    de="Bringen Sie gern jemanden mit; die Person darf bei der Probefahrt mitfahren.",
)
TRAIN_KNOWN = Phrase(nl="Met het openbaar vervoer: {how}", en="By public transport: {how}", de="Mit öffentlichen Verkehrsmitteln: {how}")
ADDRESS = Phrase(nl="Ons adres is {address}.", en="Our address is {address}.", de="Unsere Adresse ist {address}.")
INCLUDED_WARRANTY = Phrase(
    nl="In de prijs zit {months} maanden BOVAG-garantie, en de kilometerstand is NAP-gecontroleerd.",
    en="The price includes a {months}-month BOVAG warranty, and the mileage is NAP-checked.",
    de="Im Preis sind {months} Monate BOVAG-Garantie enthalten, und der Kilometerstand ist NAP-geprüft.",
)
INCLUDED_DELIVERY = Phrase(
    nl="Daar komen de afleverkosten van {cost} bij: rijklaar maken, poetsen, onderhoudsbeurt, {apk}tenaamstelling.",
    en="Delivery costs of {cost} come on top: preparation, cleaning, a service, {apk}registration in your name.",
    de="Dazu kommen die Überführungskosten von {cost}: Aufbereitung, Reinigung, Inspektion, {apk}Ummeldung.",
)
_APK = {"nl": "nieuwe APK en ", "en": "a new MOT (APK) and ", "de": "neue HU (APK) und "}


@dataclass
class PartAnswer:
    segment: int  # which segment of the message it answers
    text: str
    check: OpenCheck | None = None


@dataclass
class Parts:
    segments: list[Segment]
    answers: list[PartAnswer]
    side: set[int]  # segments fully answered here; the others are the main answer's

    @property
    def only_side(self) -> bool:
        return bool(self.segments) and len(self.side) == len(self.segments)

    def before(self, first_main: int) -> list[PartAnswer]:
        return [a for a in self.answers if a.segment < first_main]

    def after(self, first_main: int) -> list[PartAnswer]:
        return [a for a in self.answers if a.segment >= first_main]

    def main_text(self) -> str:
        return " ".join(segment.text for index, segment in enumerate(self.segments) if index not in self.side)

    @property
    def topics(self) -> set[str]:
        return {topic_of(self.segments[index].text) or "" for index in self.side}

    @property
    def first_main(self) -> int:
        return min((i for i in range(len(self.segments)) if i not in self.side), default=len(self.segments))


def topic_of(segment: str) -> str | None:
    text = segment.lower()
    for key, pattern in _TOPICS.items():
        if pattern.search(text) and (key != "train" or _TRAIN_CONTEXT.search(text) or len(text.split()) <= 4):
            return key
    return None


def only_practical(text: str) -> bool:
    """Every part of the message is a practical question this module answers."""
    segments = split_questions(text)
    return bool(segments) and all(topic_of(segment.text) for segment in segments)


def _lang(context: ConversationContext) -> str:
    return context.language if context.language in ("nl", "en", "de") else "en"


def _subject(key: str, car: Car | None, context: ConversationContext) -> str:
    with_car, without = SUBJECTS[key]
    if car is not None:
        return say(with_car, context.language, context.address_form, car=car.title)
    return say(without, context.language, context.address_form)


def promised(key: str, subject: str, question: str, car: Car | None, dealer: DealerFacts, now: datetime,
             context: ConversationContext, topic: str) -> tuple[str, OpenCheck | None]:
    """The line for something we do not know, and the check to send (None when it is already open)."""
    check_key = f"{key}:{car.id if car else ''}"
    is_open = open_checks.is_open(context, check_key)
    check = None if is_open else open_checks.check(check_key, question, topic, car,
                                                   open_checks.promise_moment(dealer, now, "nl"), now)
    if is_open or open_checks.said_unknown(context, subject):
        # asked again: short, and the promise behind it is real (sent now if it was not yet)
        return open_checks.repeat_line(subject, dealer, now, context, open_checks.insisting(question)), check
    return open_checks.unknown_line(subject, dealer, now, context), check


def equipment_unknown(car: Car, keys: list[str], question: str, dealer: DealerFacts, now: datetime,
                      context: ConversationContext) -> tuple[str, list[OpenCheck], bool]:
    """ "Of de Tiguan een trekhaak heeft, zie ik niet in mijn gegevens; ik laat het nakijken …" (or the repeat).

    Returns the line, the check to send (none when it is already open) and whether it was a repeat."""
    lang = _lang(context)
    objects = [{"en": _EQUIPMENT_EN, "de": _EQUIPMENT_DE}.get(lang, {}).get(key) or as_object(key) for key in keys]
    subject = say(EQUIPMENT_SUBJECT, context.language, context.address_form, car=car.title, option=_and(objects, lang))
    key = "equipment:" + "+".join(keys)
    repeat = open_checks.is_open(context, f"{key}:{car.id}") or open_checks.said_unknown(context, subject)
    line, check = promised(key, subject, question, car, dealer, now, context,
                           topic=" en ".join(as_object(key).removeprefix("een ") for key in keys))
    return line, [check] if check else [], repeat


def facts_unknown(car: Car, facts: list[str], question: str, dealer: DealerFacts, now: datetime,
                  context: ConversationContext) -> tuple[str, list[OpenCheck], bool]:
    """ "De onderhoudshistorie van de Golf zie ik niet in mijn gegevens; ik laat het nakijken …" (or the repeat)."""
    lang = _lang(context)
    index = {"nl": 0, "en": 1, "de": 2}[lang]
    names = _and([FACT_NAMES[fact][index] for fact in facts if fact in FACT_NAMES], lang)
    subject = say(FACTS_SUBJECT, context.language, context.address_form, facts=names, car=car.title)
    subject = subject[:1].upper() + subject[1:]
    key = "fact:" + "+".join(facts)
    repeat = open_checks.is_open(context, f"{key}:{car.id}") or open_checks.said_unknown(context, subject)
    line, check = promised(key, subject, question, car, dealer, now, context,
                           topic=" en ".join(FACT_NAMES[fact][0].split(" ", 1)[-1] for fact in facts if fact in FACT_NAMES))
    return line, [check] if check else [], repeat


def _and(words: list[str], lang: str) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + {"en": " and ", "de": " und "}.get(lang, " en ") + words[-1]


def missing_equipment(car: Car, facts: list[str]) -> list[str]:
    """Options asked about that the listing neither names nor rules out (unknown, never "no")."""
    return [f.removeprefix(EQUIPMENT_FACT) for f in facts
            if f.startswith(EQUIPMENT_FACT) and car_facts.status(car, f.removeprefix(EQUIPMENT_FACT)) == "unknown"]


def _known_answer(key: str, dealer: DealerFacts, context: ConversationContext) -> str | None:
    lang, form = context.language, context.address_form
    if key == "bring":
        return say(BRING, lang, form, bring=dealer.word(dealer.test_drive.bring, lang, form))  # dealer.yaml's translations
    if key == "companion":
        return say(COMPANION_YES, lang, form) if dealer.test_drive.passengers_allowed else None
    if key == "train":
        how = dealer.public_transport
        return (say(TRAIN_KNOWN, lang, form, how=how) + " " + say(ADDRESS, lang, form, address=dealer.address.one_line())) if how else None
    if key == "included":
        text = say(INCLUDED_WARRANTY, lang, form, months=dealer.warranty.bovag_months)
        if dealer.delivery.delivery_cost_eur:
            apk = _APK[_lang(context)] if dealer.delivery.apk_included else ""
            text += " " + say(INCLUDED_DELIVERY, lang, form, cost=euro(dealer.delivery.delivery_cost_eur, lang), apk=apk)
        return text
    return None  # maintenance history and the boot: not in our data (yet)


def answer_parts(text: str, context: ConversationContext, car: Car | None, dealer: DealerFacts, now: datetime) -> Parts:
    """The practical questions of this message, each answered or honestly promised, in order."""
    segments = split_questions(text)
    answers, side = [], set()
    seen: set[str] = set()
    for index, segment in enumerate(segments):
        key = topic_of(segment.text)
        if key is None or key in seen:
            continue
        seen.add(key)
        side.add(index)
        known = _known_answer(key, dealer, context)
        if key == "maintenance" and car is not None:
            known = car_facts.maintenance_known(car, context.language, context.address_form)
            if not known:  # the same check as "onderhoudshistorie?" asked among other facts of this car
                line, checks, _ = facts_unknown(car, ["maintenance"], segment.question or segment.text, dealer, now, context)
                answers.append(PartAnswer(index, line, checks[0] if checks else None))
                continue
        if known:
            answers.append(PartAnswer(index, known))
            continue
        subject = _subject(key, car if key in ("boot", "maintenance") else None, context)
        line, check = promised(key, subject, segment.question or segment.text, car if key in ("boot", "maintenance") else None,
                               dealer, now, context, TOPIC_LABELS[key])
        if key == "train":
            line += " " + say(ADDRESS, context.language, context.address_form, address=dealer.address.one_line())
        answers.append(PartAnswer(index, line, check))
    return Parts(segments, answers, side)
