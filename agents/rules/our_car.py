"""Whether a defect is on a car we sold, when the customer does not say "bij jullie gekocht".

A defect that keeps coming back ("derde keer deze maand", "al het vierde mankement") or comes on
top of another ("de stoelverwarming doet het ook niet meer") is one the customer has been to us
with before: our car. So is any new defect in a conversation that is already about a defect on
our car. A customer shopping for a replacement ("mijn oude corsa is weer kapot, hebben jullie
iets tot 8000") or who says it is not ours is not. Functions take text.normalize(...) output.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agents.models import ConversationContext
from agents.rules import concepts
from agents.rules.text import normalize

_COUNT = r"(?:tweede|derde|vierde|vijfde|zesde|zoveelste|[2-9]e|[2-9]de|second|third|fourth|fifth|[2-9](?:nd|rd|th))"
# "derde keer deze maand", "al het vierde mankement", "al 3 keer"
COUNTED = re.compile(
    rf"\b{_COUNT}\s+(?:keer|maal|mankement|defect|probleem|storing|reparatie|lekkage|time|problem|issue)\b|"
    r"\b(?:al|nu\s+al|alweer)\s+(?:\d|twee|drie|vier|vijf)\s+(?:keer|maal|times)\b"
)
# "alweer een storing", "weer kapot": back again, next to the defect itself
_AGAIN = re.compile(r"\b(?:alweer|wederom|opnieuw|again)\b|\bweer\s+(?:kapot|stuk|lek|defect|mis|niet|een\s+(?:storing|lekke|probleem))")
# "doet het ook niet meer", "is nu ook kapot", "knippert nu ook": a defect after an earlier one
ON_TOP = re.compile(
    r"\b(?:ook|nu\s+ook)\s+(?:nog\s+|al\s+)?(?:niet\s+meer|kapot|stuk|defect|mis|een\s+(?:storing|probleem|lek|mankement|defect))\b|"
    r"\bnu\s+ook\b|\book\s+(?:nog\s+)?(?:\w+\s+){0,2}(?:kapot|stuk)\b|\balso\s+(?:broken|not\s+working)\b|\bnow\s+also\b"
)
_NOT_OURS = re.compile(
    r"\b(?:niet|nooit|not|never)\s+(?:\w+\s+){0,2}(?:bij|van|via|from|at)\s+(?:jullie|u|you)\b|\bniet\s+(?:hier|bij\s+jullie)\s+gekocht\b|"
    r"\b(?:ergens\s+anders|elders|bij\s+een\s+ander\w*)\s+(?:\w+\s+)?(?:gekocht|gehaald)\b"
)


@lru_cache(maxsize=1024)
def recurring_defect(text: str) -> bool:
    """A defect that is back again or comes on top of another, on a car not said to be someone else's."""
    if not concepts.has_defect(text) or concepts.SHOPPING.search(text) or _NOT_OURS.search(text) or concepts.hypothetical(text):
        return False
    return COUNTED.search(text) is not None or ON_TOP.search(text) is not None or any(
        concepts.DEFECT.search(text[max(0, m.start() - 40): m.end() + 40]) for m in _AGAIN.finditer(text))


def about_our_car(context: ConversationContext | None) -> bool:
    """The conversation so far reported a defect or warranty matter on a car we sold."""
    if context is None:
        return False
    for turn in context.history[-8:]:
        if turn.role != "customer":
            continue
        text = normalize(turn.text)
        if concepts.defect_on_our_car(text) or concepts.warranty_claim(text) or recurring_defect(text):
            return True
    return False


def new_defect_in_our_car_conversation(text: str, context: ConversationContext | None) -> bool:
    """"het lampje knippert nu ook" after "de kuga die ik bij jullie kocht tikt": ours as well."""
    return (concepts.has_defect(text) and not concepts.SHOPPING.search(text) and not _NOT_OURS.search(text)
            and not concepts.hypothetical(text) and about_our_car(context))
