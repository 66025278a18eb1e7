"""What the agent handles itself instead of escalating, the same for both backends.

Issue 13 §2: a question about what a lease is, a voice note, a prank, a returning customer
mentioning an earlier call, STOP and privacy requests are answered (or handled by their own
flow), not sent to a person. Explicit triggers in the rules (a legal threat, "ik wil hem
kopen", BKR) still escalate; what these guards stop is an escalation nobody asked for.
"""

from __future__ import annotations

import re

from agents import privacy
from agents.models import ConversationOutput, EscalationDecision, ExtractionOutput, ReplyRequest
from agents.rules.phrases import say, voice_of

# "wat is private lease?", "verschil tussen financial lease en huurkoop?": an explanation, not the
# customer's own business lease ("ik wil financial lease via mijn bv").
_EXPLAIN = re.compile(
    r"\b(?:wat\s+(?:is|zijn|betekent|houdt|bedoelen\s+jullie\s+met)|hoe\s+(?:werkt|zit\s+het\s+met)|"
    r"(?:het\s+)?verschil\s+tussen|uitleg\s+(?:over|van)|leg\s+(?:\w+\s+)?uit|what\s+is|how\s+does)\b"
    r".{0,60}\b(?:private\s*lease|financial\s*lease|operational\s*lease|lease\w*|huurkoop|persoonlijke\s+lening|"
    r"doorlopend\s+krediet|financiering|slottermijn|leasen)\b"
)
_OWN_BUSINESS = re.compile(
    r"\b(?:mijn|m'?n|mn|ons|onze|eigen)\s+(?:bv|b\.v\.?|bedrijf|zaak|onderneming|eenmanszaak|vof|firma)\b|"
    r"\b(?:zzp\w*|kvk|zelfstandige|ondernemer|op\s+de\s+zaak|voor\s+de\s+zaak|zakelijk\w*)\b"
)


def explains_financing(text: str) -> bool:
    """A question about what a financing form is, without the customer's own business in it."""
    plain = (text or "").lower()
    return bool(_EXPLAIN.search(plain)) and not _OWN_BUSINESS.search(plain)


# "ik had gisteren gebeld over de tiguan", "ik heb vorige week met Kees gesproken over de golf"
_EARLIER_CONTACT = re.compile(
    r"\b(?:ik\s+)?(?:had|heb|hebben|hadden)\s+(?:\w+\s+){0,5}(?:gebeld|gesproken|geappt|gemaild|contact\s+gehad|langs\s*geweest|"
    r"geweest|een\s+proefrit\s+gemaakt)\b|\b(?:ik\s+)?(?:belde|sprak)\s+(?:\w+\s+){0,3}(?:gisteren|vorige\s+week|eerder|laatst)\b"
)
_UNHAPPY = re.compile(
    r"\b(?:niet\s+(?:terug)?gebeld|niemand|nooit|geen\s+reactie|nog\s+steeds|beloofd|klacht\w*|boos|ontevreden|"
    r"teleurgesteld|schandalig|belachelijk|kapot|defect|probleem|problemen|garantie|terugbellen|bel\s+me)\b"
)


def earlier_contact(text: str) -> bool:
    """A returning customer mentioning an earlier call or visit, without anything going wrong."""
    plain = (text or "").lower()
    return bool(_EARLIER_CONTACT.search(plain)) and not _UNHAPPY.search(plain)


def with_special_requests(extraction: ExtractionOutput, text: str) -> ExtractionOutput:
    """STOP, privacy, voice note and prank flags from the literal rules, ORed with what is there."""
    kind = extraction.privacy_request or privacy.privacy_request(text)
    return extraction.model_copy(update={
        "opt_out": extraction.opt_out or privacy.opt_out_requested(text),
        "privacy_request": kind,
        "voice_note": extraction.voice_note or privacy.is_voice_note(text),
        "prank": extraction.prank or privacy.is_prank(text),
    })


def handled_without_person(extraction: ExtractionOutput, text: str) -> str | None:
    """Why this message needs no person even if a statistical opinion or an LLM would escalate it."""
    if extraction.opt_out:
        return "afmelding (STOP): bevestigd, geen escalatie"
    if extraction.privacy_request:
        return "privacyverzoek: afgehandeld door PrivacyRequestWorkflow"
    if extraction.voice_note:
        return "spraakbericht: gevraagd het te typen"
    if extraction.prank:
        return "grap of absurd bod: vriendelijk afgewezen"
    if explains_financing(text):
        return "uitleg over een financieringsvorm: beantwoord"
    if earlier_contact(text):
        return "terugkerende klant verwijst naar eerder contact"
    return None


PERSON_OR_CALL = ("klant vraagt om een medewerker", "terugbelverzoek")


def keep_escalation(decision: EscalationDecision, extraction: ExtractionOutput, rules_reason: str | None,
                    text: str = "") -> EscalationDecision:
    """Drop an escalation for something handled here, unless an explicit rule trigger fired
    (a prank's "kopen" is no purchase, so for a prank only a manager trigger survives)."""
    if not decision.escalate:
        return decision
    if extraction.prank and decision.escalation_type != "manager":
        return EscalationDecision()
    # "ik heb net met iemand van jullie gebeld": a past call is no request for a person or a call now
    if rules_reason in PERSON_OR_CALL and earlier_contact(text) and not extraction.prank:
        return EscalationDecision()
    if rules_reason:
        return decision
    return EscalationDecision()


def fixed_reply(request: ReplyRequest) -> ConversationOutput | None:
    """Replies that are the same whichever backend writes: STOP, voice note, prank."""
    extraction = request.extraction
    if request.escalation_handoff:
        return None
    if extraction.opt_out and not extraction.privacy_request:
        phrase = privacy.OPT_OUT
    elif extraction.voice_note:
        phrase = privacy.VOICE_NOTE
    elif extraction.prank:
        phrase = privacy.PRANK
    else:
        return None
    return ConversationOutput(response_text=say(phrase, *voice_of(request)), backend="rules")
