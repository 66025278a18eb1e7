"""A warranty question about what might break ("stel dat de koppeling na twee maanden kapot gaat, valt
dat onder jullie garantie?"): answered about the warranty's scope, never with a gearbox explainer.
A claim about a car that did break is not this: that goes to the workshop (agents/rules/concepts.py)."""

from __future__ import annotations

import re

from agents.rules import concepts
from agents.rules.phrases import Phrase
from agents.rules.reply_draft import Draft

_WARRANTY = re.compile(r"\b(?:\w*garantie\w*|warranty|guarantee|garantie)\b")

WARRANTY_SCOPE = Phrase(
    nl="Gaat er binnen de {months} maanden BOVAG-garantie iets kapot door een gebrek, dan herstellen we dat zonder kosten "
       "voor je. Gewone slijtage valt er niet onder; onze werkplaats bekijkt per geval wat de oorzaak is.",
    nl_u="Gaat er binnen de {months} maanden BOVAG-garantie iets kapot door een gebrek, dan herstellen we dat zonder kosten "
         "voor u. Gewone slijtage valt er niet onder; onze werkplaats bekijkt per geval wat de oorzaak is.",
    en="If something breaks because of a defect within the {months}-month BOVAG warranty, we put it right at no cost to you. "
       "Normal wear isn't covered; our workshop looks at the cause case by case.",
    de="Geht innerhalb der {months} Monate BOVAG-Garantie etwas durch einen Mangel kaputt, beheben wir das kostenlos für Sie. "
       "Normaler Verschleiß ist nicht abgedeckt; unsere Werkstatt prüft im Einzelfall die Ursache.",
)
EXTENDABLE = Phrase(nl="Verlengen is mogelijk.", en="The warranty can be extended.", de="Eine Verlängerung ist möglich.")


def asks_what_if(text: str) -> bool:
    """"stel dat ... kapot gaat, valt dat onder de garantie?": a warranty question about a breakdown that may come."""
    return bool(_WARRANTY.search(text)) and concepts.hypothetical(text) and not concepts.warranty_claim(text)


def answer(draft: Draft) -> bool:
    """The warranty's scope for a what-if question; False when the message is something else."""
    if not asks_what_if(draft.text):
        return False
    warranty = draft.dealer.warranty
    draft.parts.append(draft.say(WARRANTY_SCOPE, months=warranty.bovag_months)
                       + (" " + draft.say(EXTENDABLE) if warranty.extended_available else ""))
    return True
