"""Which language a customer writes in, and whether they say "u" or "je".

The dealer answers in Dutch, English or German. A WhatsApp message is often a few words
("rond 10 uur", "die tweede", "ok"), so the chat's language is sticky: a message too short
or too mixed to tell keeps the language the chat already has. Detection itself is Lingua
(low-accuracy mode: ~45 MB, well under a millisecond), after masking what says nothing
about the language (car names, numbers, plates), and a small vote on function
words that short texts do carry ("is the", "ist der", "is de"). `bench/bench_language.py`
compares this with the bare libraries on `tests/data/language_set.tsv`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from agents.models import ExtractionOutput, Language, AddressForm

# Function words that are common in one of our three languages and rare in the other two.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "nl": frozenset(
        "ik ben bent je jij u het een niet nog ook wat hoe wanneer waar zijn jullie heb hebt heeft kan kun kunt "
        "wil wilt mag moet graag bedankt dank doe maar toch dan al van voor naar bij met mijn m'n mn "
        "geen hij zij ze er dit deze die dat zou zal welke hoeveel ongeveer zoek zoeken kom komen kost kosten "
        "morgen vandaag zaterdag zondag maandag dinsdag woensdag donderdag vrijdag uur".split()
    ),
    "en": frozenset(
        "i you the a an is are do does can could would will what how when where which please thanks "
        "thank my your it its still any have has there this that with for from to of and just want "
        "like looking price much many tomorrow today saturday sunday monday tuesday wednesday "
        "thursday friday instead sorry hi hello".split()
    ),
    "de": frozenset(
        "ich du sie ihr wir der die das den dem des ein eine einen ist sind nicht noch auch was wie "
        "wann wo haben habt hat kann können möchte bitte danke mein meine meinen kein keine mit für "
        "und oder zu nach bei gibt es morgen heute samstag sonntag montag dienstag mittwoch "
        "donnerstag freitag uhr guten tag hallo leider fahrzeug wagen".split()
    ),
}
# Engine codes and trim lines ("de 1.0 TSI Life", "die r-line"): a message of only these and a car
# name says nothing about the language, so they are masked like car names.
_VERSION_WORDS = frozenset(
    "tsi tdi tfsi etsi ehybrid gti gtd gte gtx dsg life business style comfortline highline trendline "
    "r line rline 4motion 4matic xdrive sdrive quattro dynamicline executiveline plusline dpi gdi t-gdi "
    "vvt-i vvt puretech eat8 hybrid plug-in phev mhev hev ev kwh dynamic active executive pulse touring "
    "sports sportline sport m amg s-line edition allure gt pro move up awd rwd long range standard plus "
    "high lease blue ecoboost titanium st-line elegance intens zen techno premium comfort sportswagon "
    "variant avant estate dci hdi crdi cdi tce dig-t skyactiv".split()
)
_OTHER_SCRIPT = re.compile(r"[\u0600-\u06ff\u0400-\u04ff\u0590-\u05ff\u4e00-\u9fff]")
_WORD = re.compile(r"[a-zà-ÿß']+")
_DIGITS = re.compile(r"\S*\d\S*")
_FORMAL = re.compile(r"\b(?:u|uw|kunt u|heeft u|bent u|wilt u|zou u)\b", re.I)
_INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw|jullie|ff|hoi|hey|hee)\b", re.I)
MIN_LETTERS = 8  # fewer letters than this (after masking) says too little: the chat's language stays
DUTCH_MARGIN = 0.1  # Lingua must prefer another language by this much over Dutch


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language as L, LanguageDetectorBuilder

    languages = [L.DUTCH, L.ENGLISH, L.GERMAN, L.FRENCH, L.SPANISH, L.POLISH, L.TURKISH, L.ITALIAN, L.PORTUGUESE, L.ARABIC]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


_LINGUA_CODES = {"DUTCH": "nl", "ENGLISH": "en", "GERMAN": "de"}


def _car_words() -> frozenset[str]:
    from agents.rules.vocabulary import INDEX

    common = frozenset().union(*_FUNCTION_WORDS.values())
    return frozenset(token for key in INDEX for token in key if token not in common) | _VERSION_WORDS


_CARS: frozenset[str] | None = None


def _mask(text: str) -> str:
    """Drop what is the same in every language: car names, numbers, plates."""
    global _CARS
    if _CARS is None:
        _CARS = _car_words()
    text = _DIGITS.sub(" ", text)
    return " ".join(word for word in _WORD.findall(text.lower()) if word not in _CARS)


def _function_word_hits(words: list[str]) -> dict[str, int]:
    return {code: sum(word in vocabulary for word in words) for code, vocabulary in _FUNCTION_WORDS.items()}


def _function_word_vote(hits: dict[str, int]) -> Language | None:
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 2 and top >= 2 * second + 1 else None  # type: ignore[return-value]


def _keeps_chat_language(hits: dict[str, int], current: Language) -> bool:
    """The message has at least two of the chat's own function words and fewer of any other
    language's: "Is er een Yaris hybride?" stays Dutch, though Lingua leans German. (One is not
    enough: "is" or "je" alone are also English or French.)"""
    own = hits.get(current, 0)
    return own >= 2 and all(count < own for code, count in hits.items() if code != current)


def detect_language(text: str, previous: Language | None = None) -> Language:
    """The language to answer in; `previous` is the chat's language so far (None: new chat)."""
    fallback: Language = previous or "nl"
    if _OTHER_SCRIPT.search(text):
        return "other"
    masked = _mask(text)
    if sum(char.isalpha() for char in masked) < MIN_LETTERS:
        return fallback
    words = masked.split()
    hits = _function_word_hits(words)
    voted = _function_word_vote(hits)
    if voted:
        return voted
    confidences: dict[str, float] = {}
    for value in _detector().compute_language_confidence_values(masked):
        code = _LINGUA_CODES.get(value.language.name, "other")
        confidences[code] = max(confidences.get(code, 0.0), value.value)
    best = max(confidences, key=confidences.get)
    if best == fallback or _keeps_chat_language(hits, fallback):
        return fallback
    # Leaving the chat's language (or Dutch, the dealer's) needs a clear margin.
    if confidences[best] - confidences.get(fallback, 0.0) < DUTCH_MARGIN:
        return fallback
    if best == "other" and len(words) < 3:
        return fallback
    return best  # type: ignore[return-value]


def detect_address_form(text: str, previous: AddressForm | None = None) -> AddressForm:
    """ "u" once the customer writes "u" in Dutch (and not "je" in the same message), for good."""
    if previous == "u":
        return "u"  # a customer who once wrote "u" is addressed with "u" for the rest of the chat
    formal = bool(_FORMAL.search(text))
    informal = bool(_INFORMAL.search(text))
    if formal and not informal:
        return "u"
    if informal and not formal:
        return "je"
    return previous or "je"


def with_language(extraction: ExtractionOutput, text: str, previous_language: Language, previous_form: AddressForm) -> ExtractionOutput:
    """The extraction with the message's language and form of address filled in."""
    language = detect_language(text, previous_language)
    form = detect_address_form(text, previous_form) if language == "nl" else previous_form
    return extraction.model_copy(update={"language": language, "address_form": form})
