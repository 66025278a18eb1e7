"""Text normalisation shared by the rules: lower case, no accents, emoji kept apart."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from agents.rules.glossary import dutch_terms

_TOKEN = re.compile(r"[a-z0-9&]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


# "ja", "ja graag", "nee hoor", "prima, dank je": an answer to our own question, nothing more.
SHORT_ANSWER = re.compile(r"(nee|neen|nope|nah|ja|jazeker|jawel|jep|yes|klopt|zeker|graag|prima|goed|ok|oke)"
                          r"(?:[ ,!.]+(?:hoor|graag|dank\s*je|bedankt|thanks|hoor\s+dank\s*je))?")


def is_short_answer(text: str) -> bool:
    return SHORT_ANSWER.fullmatch(normalize(text).strip(" !.,")) is not None


@lru_cache(maxsize=2048)  # a message and the turns before it are read by many rules: ~17 calls, ~6 texts
def normalize(text: str) -> str:
    """'Citroën C3 – €15.000,-' -> 'citroen c3 - €15.000,-' (accents gone, quotes/dashes unified,
    English and German words the rules need in Dutch: agents.rules.glossary)."""
    text = text.translate(_QUOTES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return dutch_terms(stripped.lower())  # "saturday", "pro Monat": read as the Dutch the rules know


def tokens(normalized: str) -> list[str]:
    return _TOKEN.findall(normalized)


def token_spans(normalized: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(normalized)]
