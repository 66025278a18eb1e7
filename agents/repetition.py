"""Never the same paragraph twice in one chat.

A reply is cut into paragraphs; one the chat has already had from us (the same text, or
nearly: another emoji, a name added) is left out. Opening hours, the address and what to
bring to a test drive so appear once. When a whole reply would repeat, because the customer
asked the same thing again, the answer is one short line that says so. The legal credit
warning is the exception: it goes with every financing example.

Recent bot turns are compared fuzzily; older paragraphs by a short fingerprint kept in the
context, so a long chat does not bring a paragraph back after its turn left the history.
"""

from __future__ import annotations

import hashlib
import re

from rapidfuzz import fuzz

from agents.models import ConversationContext
from agents.rules.phrases import Phrase, say, spoken_language

SIMILAR = 90  # rapidfuzz ratio of two normalised paragraphs that say the same
MIN_CHARS = 25  # "Graag gedaan! 😊" may come back; a paragraph of substance may not
KEPT_FINGERPRINTS = 400
MAX_REMINDER = 160
ALWAYS_SAID = ("let op! geld lenen kost geld",)  # required in every financing reply
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_NUMBERS = re.compile(r"\d+")


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def _normalised(paragraph: str) -> str:
    return " ".join(re.sub(r"[^\w€.,:/-]+", " ", paragraph.lower()).split())


def fingerprint(paragraph: str) -> str:
    return hashlib.blake2s(_normalised(paragraph).encode(), digest_size=6).hexdigest()


def _exempt(paragraph: str) -> bool:
    normalised = _normalised(paragraph)
    return len(normalised) < MIN_CHARS or any(normalised.startswith(_normalised(text)) for text in ALWAYS_SAID)


def _news(paragraph: str) -> bool:
    """Something the customer did not have yet: not a short line, and not just our closing question."""
    return not _exempt(paragraph) and not paragraph.rstrip().endswith("?")


_WORD = re.compile(r"[^\W\d_]{3,}")


def _other_words(a: str, b: str) -> int:
    """Words one paragraph has and the other lacks: a name added is one, another subject two or more."""
    return len(set(_WORD.findall(a)) ^ set(_WORD.findall(b)))


def _said_before(paragraph: str, earlier: list[str], fingerprints: set[str]) -> bool:
    if fingerprint(paragraph) in fingerprints:
        return True
    normalised, numbers = _normalised(paragraph), _NUMBERS.findall(paragraph)
    # Nearly the same words with other figures ("om 10:00" after "om 11:00") is news, not a repeat;
    # so is the same sentence about another thing ("het verbruik …" after "het aantal eigenaren …").
    return any(
        fuzz.ratio(normalised, _normalised(old)) >= SIMILAR and _NUMBERS.findall(old) == numbers
        and _other_words(normalised, _normalised(old)) < 2
        for old in earlier
    )


def without_repeats(reply: str, context: ConversationContext, keep: str | None = None, asked: str = "") -> str:
    """The reply minus what this chat already had from us; a short "je vroeg het al" if nothing is new.

    `keep`: text that must stay whole (a test-drive booking: a second confirmation for another
    car or time looks like the first one, but it is news)."""
    earlier = [part for turn in context.history if turn.role == "bot" for part in paragraphs(turn.text)]
    known = set(context.said_fingerprints)
    parts = paragraphs(reply)
    kept_whole = {_normalised(part) for part in paragraphs(keep or "") if _normalised(part)}
    repeated = [not _exempt(part) and not any(whole in _normalised(part) for whole in kept_whole)
                and _said_before(part, earlier, known) for part in parts]
    if not any(repeated):
        return reply
    kept = [part for part, again in zip(parts, repeated) if not again]
    if any(_news(part) for part in kept):
        return "\n\n".join(kept)
    first = repeated.index(True)  # nothing new: one line in its place says we said it already
    return "\n\n".join([*parts[:first], _reminder(parts[first], context.address_form, context.language, asked), *kept[first:]])


STILL_OPEN = Phrase(nl="Nog even", en="Just checking", de="Noch kurz")
SAID_ALREADY = Phrase(nl="Je vroeg het al", nl_u="Zoals ik al schreef", en="As I mentioned", de="Wie schon geschrieben")


def _stems(text: str) -> set[str]:
    return {word[:5] for word in re.findall(r"[a-zà-ÿ]{4,}", text.lower())}


def _overlap(sentence: str, stems: set[str]) -> int:
    """How many of the customer's word stems the sentence contains ("bezor" in "Thuisbezorgen")."""
    lowered = sentence.lower()
    return sum(1 for stem in stems if stem in lowered)


def _reminder(paragraph: str, address_form: str, language: str = "nl", asked: str = "") -> str:
    """One line instead of the whole paragraph again, marked as said before.

    Our own open question comes back as "Nog even: …" (the customer did not ask it); an
    answer they had already comes back as the sentence that fits what they asked now ("en
    bezorgen in Zwolle?": the home-delivery sentence), else its first, after "Je vroeg het al".
    """
    flat = " ".join(paragraph.split())
    sentences = _SENTENCE_END.split(flat)
    question = next((sentence for sentence in sentences if sentence.endswith("?")), None)
    first = question or sentences[0]
    wanted = _stems(asked)
    if not question and wanted:
        scored = [(_overlap(sentence, wanted), -index) for index, sentence in enumerate(sentences)]
        best = max(range(len(sentences)), key=lambda index: scored[index])
        if scored[best][0] > 0:
            first = sentences[best]
    if len(first) > MAX_REMINDER:
        first = first[:MAX_REMINDER].rsplit(" ", 1)[0] + " …"
    lead = say(STILL_OPEN if question else SAID_ALREADY, language, address_form)
    spoken = spoken_language(language)
    if spoken == "nl" or (spoken == "en" and not re.match(r"I\b", first)):  # "I", German nouns and "Sie" keep their capital
        first = first[:1].lower() + first[1:]
    return f"{lead}: {first}"


def sentences(paragraph: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(" ".join(paragraph.split())) if part]


def said_sentence(context: ConversationContext, sentence: str) -> bool:
    """Boilerplate ("Neem je rijbewijs mee; …", the address, the week's hours) the chat already had,
    alone or inside a longer paragraph: it goes out once per chat unless asked for again."""
    if fingerprint(sentence) in set(context.said_fingerprints):
        return True
    normalised = _normalised(sentence)
    return any(turn.role == "bot" and normalised in _normalised(turn.text) for turn in context.history)


def remember_said(context_fingerprints: list[str], reply: str) -> list[str]:
    """The fingerprints of everything said so far, this reply included (bounded, oldest dropped).

    Sentences are kept too, so a boilerplate sentence inside a longer paragraph is known later."""
    new = [fingerprint(part) for part in paragraphs(reply) if not _exempt(part)]
    new += [fingerprint(sentence) for part in paragraphs(reply) for sentence in sentences(part)
            if not _exempt(sentence) and sentence != part]
    merged = list(dict.fromkeys([*context_fingerprints, *new]))
    return merged[-KEPT_FINGERPRINTS:]
