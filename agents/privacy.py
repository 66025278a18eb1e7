"""STOP, privacy requests, voice notes and pranks: recognised the same way whichever backend runs.

Pure functions, no I/O. The keyword sets are deliberately literal: a customer who writes
"stop" must be opted out whether Claude or the rules engine reads the message, so the
Claude backend ORs its own judgement with these (integrations/claude.py).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from agents.models import ConversationOutput
from agents.rules.phrases import Phrase, say

PrivacyKind = Literal["delete", "export"]

OPT_OUT_CONFIRMATION = "Helder, je krijgt geen berichten meer van ons."
VOICE_NOTE_REPLY = "Ik kan spraakberichten nog niet beluisteren; wil je het even typen?"
PRANK_REPLY = (
    "Haha, leuk geprobeerd 😄 Zo'n bod kunnen we helaas niet aannemen. "
    "Zoek je echt een auto? Dan denk ik graag met je mee."
)
OPT_OUT = Phrase(nl=OPT_OUT_CONFIRMATION, nl_u="Helder, u krijgt geen berichten meer van ons.",
                 en="Understood – you won't get any more messages from us.",
                 de="Verstanden, Sie bekommen keine Nachrichten mehr von uns.")
VOICE_NOTE = Phrase(nl=VOICE_NOTE_REPLY, nl_u="Ik kan spraakberichten nog niet beluisteren; wilt u het even typen?",
                    en="I can't listen to voice messages yet – could you type it out?",
                    de="Sprachnachrichten kann ich leider noch nicht abhören – könnten Sie es kurz schreiben?")
PRANK = Phrase(nl=PRANK_REPLY,
               nl_u="Haha, leuk geprobeerd 😄 Zo'n bod kunnen we helaas niet aannemen. Zoekt u echt een auto? Dan denk ik graag met u mee.",
               en="Haha, nice try 😄 I'm afraid we can't accept an offer like that. If you're really looking for a car, I'm happy to help.",
               de="Haha, netter Versuch 😄 So ein Angebot können wir leider nicht annehmen. Wenn Sie wirklich ein Auto suchen, helfe ich Ihnen gern.")


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^\w\s'?]", " ", folded.lower()).split())


# --- STOP ----------------------------------------------------------------------------------------
# The whole message is the request ("STOP", "stop!", "afmelden aub"), or it says so in words.
_STOP_ALONE = re.compile(
    r"^(?:stop|stoppen|stop ermee|afmelden|uitschrijven|unsubscribe|opt ?out|"
    r"geen berichten meer|geen berichten|geen whatsapp meer|geen appjes meer|"
    r"bitte keine nachrichten(?: mehr)?|keine nachrichten mehr|abmelden)(?: (?:aub|graag|svp|please|alstublieft|alsjeblieft|danke|bitte|dank je|bedankt))?$"
)
_STOP_WORDS = re.compile(
    r"\b(?:ik wil (?:graag )?(?:me |mij )?(?:afmelden|uitschrijven)|(?:meld|schrijf) (?:me|mij) (?:\w+ )?(?:af|uit)|"
    r"(?:stuur|app|stuurt|appen|sturen) (?:me|mij) (?:\w+ )?(?:geen|niet meer|nooit meer)|"
    r"(?:wil|hoef|wens) (?:\w+ ){0,2}geen (?:berichten|appjes|whatsapps?|reclame|nieuwsbrieven?) meer|"
    r"geen berichten meer (?:ontvangen|sturen|van jullie|van u)|niet meer (?:benaderen|appen|berichten)|"
    r"bitte keine nachrichten|keine nachrichten mehr|please (?:stop|unsubscribe)|stop (?:messaging|texting) me|"
    r"unsubscribe|uitschrijven|afmelden voor (?:alle )?berichten)\b"
)
# "stop" inside a car question is no opt-out: "start stop systeem", "stopt de motor", "waar moet ik stoppen"
_NOT_STOP = re.compile(r"\b(?:start ?stop|stopt|gestopt|stoppen met roken|motor|afmelden (?:bij|van) de rdw|kenteken)\b")


def opt_out_requested(text: str) -> bool:
    plain = _plain(text).strip(" ?")
    if not plain:
        return False
    if _STOP_ALONE.match(plain):
        return True
    return bool(_STOP_WORDS.search(plain)) and not _NOT_STOP.search(plain)


# --- privacy (AVG/GDPR) --------------------------------------------------------------------------------
_DELETE = re.compile(
    r"\b(?:verwijder|verwijderen|wis|wissen|vernietig|vernietigen|delete|erase|remove|loschen|losche|entfernen)\b"
    r"(?:\s+\w+){0,5}?\s+(?:gegevens|data|persoonsgegevens|nummer|telefoonnummer|informatie|info|dossier|daten|details|account)\b|"
    r"\b(?:gegevens|data|persoonsgegevens|telefoonnummer|nummer|daten)\b(?:\s+\w+){0,4}?\s+"
    r"(?:verwijderen|verwijderd|wissen|gewist|vernietigen|loschen|geloscht|deleten|deleted)\b|"
    r"\brecht op (?:vergetelheid|vergeten worden|verwijdering)\b|\bright to be forgotten\b|\bvergeet (?:mij|me|mijn gegevens)\b"
)
_EXPORT = re.compile(
    r"\bwat (?:weten|hebben|bewaren|registreren|verzamelen) (?:jullie|u|julie)\b(?:\s+\w+){0,3}?\s+(?:van|over) (?:mij|me|ons)\b|"
    r"\bwelke (?:gegevens|persoonsgegevens|data|informatie|info)\b(?:\s+\w+){0,4}?\s+(?:van|over) (?:mij|me|ons)\b|"
    r"\b(?:inzage|inzageverzoek|kopie|overzicht|export)\b(?:\s+\w+){0,4}?\s+(?:in |van )?(?:mijn |m'?n )?(?:gegevens|persoonsgegevens|data|dossier)\b|"
    r"\bwhat (?:data|information|info) do you (?:have|hold|store|keep)\b|\bwas wissen sie (?:uber|von) mir\b|"
    r"\bwelche daten\b(?:\s+\w+){0,4}?\s+(?:uber|von) mir\b|\bavg verzoek\b|\bgdpr (?:request|verzoek)\b"
)


def privacy_request(text: str) -> PrivacyKind | None:
    """'verwijder mijn gegevens' -> 'delete'; 'wat weten jullie van mij' -> 'export'; else None."""
    plain = _plain(text)
    if _DELETE.search(plain):
        return "delete"
    if _EXPORT.search(plain):
        return "export"
    return None


RECEIVED_DELETE = Phrase(
    nl="Dank je, ik heb je verzoek om je gegevens te verwijderen ontvangen. Een collega handelt het af "
       "en bevestigt het binnen een maand; meestal is het binnen een paar werkdagen geregeld.",
    nl_u="Dank u, ik heb uw verzoek om uw gegevens te verwijderen ontvangen. Een collega handelt het af "
         "en bevestigt het binnen een maand; meestal is het binnen een paar werkdagen geregeld.",
    en="Thank you, I've received your request to delete your data. A colleague will handle it and confirm within "
       "a month; usually it's done within a few working days.",
    de="Vielen Dank, Ihre Anfrage zur Löschung Ihrer Daten ist eingegangen. Ein Kollege bearbeitet sie und bestätigt "
       "sie innerhalb eines Monats; meist ist es in wenigen Werktagen erledigt.",
)
RECEIVED_EXPORT = Phrase(
    nl="Dank je, ik heb je verzoek ontvangen om te zien welke gegevens we van je hebben. Een collega stelt "
       "het overzicht samen en stuurt het je binnen een maand, meestal binnen een paar werkdagen.",
    nl_u="Dank u, ik heb uw verzoek ontvangen om te zien welke gegevens we van u hebben. Een collega stelt "
         "het overzicht samen en stuurt het u binnen een maand, meestal binnen een paar werkdagen.",
    en="Thank you, I've received your request to see what data we hold about you. A colleague will put the overview "
       "together and send it within a month, usually within a few working days.",
    de="Vielen Dank, Ihre Anfrage, welche Daten wir über Sie gespeichert haben, ist eingegangen. Ein Kollege stellt die "
       "Übersicht zusammen und schickt sie Ihnen innerhalb eines Monats, meist in wenigen Werktagen.",
)
ALREADY_OPEN = Phrase(
    nl="Je verzoek over je gegevens is al in behandeling; een collega komt er binnen een maand bij je op terug.",
    nl_u="Uw verzoek over uw gegevens is al in behandeling; een collega komt er binnen een maand bij u op terug.",
    en="Your request about your data is already being handled; a colleague will get back to you within a month.",
    de="Ihre Anfrage zu Ihren Daten wird bereits bearbeitet; ein Kollege meldet sich innerhalb eines Monats bei Ihnen.",
)
PRIVACY_ALREADY_OPEN = ALREADY_OPEN.nl


def privacy_received_text(kind: PrivacyKind, language: str = "nl", address_form: str = "je") -> str:
    """To the customer: the request is received and who handles it (the one-month limit is ours to keep)."""
    return say(RECEIVED_DELETE if kind == "delete" else RECEIVED_EXPORT, language, address_form)


def privacy_already_open_text(language: str = "nl", address_form: str = "je") -> str:
    return say(ALREADY_OPEN, language, address_form)


# --- voice notes and pranks ------------------------------------------------------------------------
_VOICE = re.compile(
    r"^\s*(?:[\[(<]\s*)?(?:spraakbericht|spraakmemo|voice ?note|voice ?message|audio(?:bericht)?|ptt|🎤|🎙️?)"
    r"(?:\s*[\])>])?\s*$",
    re.IGNORECASE,
)


def is_voice_note(text: str) -> bool:
    """A voice note as it reaches the agent: a bare marker such as '[spraakbericht]' or '(audio)'."""
    return bool(_VOICE.match(text or ""))


_ABSURD_PRICE = re.compile(
    r"\b(?:voor|for|geef|bied|betaal)\b.{0,20}?(?:€\s*(?:0|1|2|5|10)\b(?![.,]?\d)|"
    r"\b(?:0|1|2|5|10|een|één|twee|vijf|tien)\s*(?:euro|eur|€|,-)(?!\w)|een\s+tientje\b|een\s+appel\s+en\s+een\s+ei\b)"
)
# ... and it is about buying the car: "kost de tenaamstelling 10 euro?" is a real question
_DEAL = re.compile(r"\b(?:verkoop|verkopen|verkoopt|koop|kopen|neem|nemen|krijg|geef|bied|deal|meenemen|mee\s+nemen|sell|buy)\b")
_PRANK_WORDS = re.compile(r"\b(?:gratis|voor\s+niks|voor\s+niets|kado|cadeau)\b.{0,30}\b(?:tesla|porsche|ferrari|auto|wagen)\b|"
                          r"\b(?:ruil|ruilen)\b.{0,30}\b(?:fiets|step|skateboard|playstation|iphone|hamster|kat|hond)\b")


def is_prank(text: str) -> bool:
    """'verkoop mij de tesla voor 1 euro', 'krijg ik hem gratis?': a friendly refusal, no escalation, no hot lead."""
    plain = (text or "").lower()
    return bool((_ABSURD_PRICE.search(plain) and _DEAL.search(plain)) or _PRANK_WORDS.search(plain))


# --- replies to someone who opted out ----------------------------------------------------------------
def answer_only(reply: ConversationOutput) -> ConversationOutput:
    """An opted-out customer asked something: answer it, without the sales follow-up question."""
    question = reply.follow_up_question
    if not question:
        return reply
    text = reply.response_text
    if question in text:
        text = text.replace(question, "").rstrip()
    return reply.model_copy(update={"response_text": text or reply.response_text, "follow_up_question": None})


# --- texts for staff (Dutch) -------------------------------------------------------------------------------
PRIVACY_KIND_TITLES = {"delete": "verwijderen van gegevens", "export": "inzage in gegevens"}
PrivacyStage = Literal["new", "reminder", "escalation", "done"]


def privacy_staff_subject(kind: PrivacyKind, stage: PrivacyStage, customer: str) -> str:
    prefix = {"new": "[AVG-verzoek]", "reminder": "[AVG-verzoek HERINNERING]",
              "escalation": "[AVG-verzoek ESCALATIE]", "done": "[AVG-verzoek afgehandeld]"}[stage]
    return f"{prefix} {PRIVACY_KIND_TITLES[kind]}: {customer}"


def privacy_staff_text(kind: PrivacyKind, stage: PrivacyStage, customer: str, question: str, request_id: str,
                       days_open: int, outcome: str | None = None) -> str:
    """The manager's message: what was asked, how long it has been open, and how to approve it."""
    lines = {
        "new": [f"🔒 AVG-verzoek: {PRIVACY_KIND_TITLES[kind]}", f"Klant: {customer}", f"Bericht: {question.strip()[:300]}",
                "De klant heeft een ontvangstbevestiging gekregen. Wettelijke termijn: één maand."],
        "reminder": [f"⏰ AVG-verzoek staat al {days_open} dagen open: {PRIVACY_KIND_TITLES[kind]}", f"Klant: {customer}",
                     "Binnen een maand na het verzoek moet het zijn afgehandeld."],
        "escalation": [f"🚨 AVG-verzoek na {days_open} dagen nog niet goedgekeurd: {PRIVACY_KIND_TITLES[kind]}",
                       f"Klant: {customer}", "De wettelijke termijn van één maand loopt over enkele dagen af."],
        "done": [f"✅ AVG-verzoek afgehandeld: {PRIVACY_KIND_TITLES[kind]}", f"Klant: {customer}", f"Resultaat: {outcome or '-'}"],
    }[stage]
    if stage != "done":
        lines += ["Goedkeuren en uitvoeren:", f"  seldenrijk privacy approve {request_id}",
                  f"  of POST /privacy/{request_id}/approve (header X-API-Key)",
                  "  of het label `privacy-approved` op het gesprek in Chatwoot"]
    return "\n".join(lines)


CARRIED_OUT_DELETE = Phrase(
    nl="Je verzoek is goedgekeurd: we verwijderen nu je gegevens. Dit is ons laatste bericht. Bedankt en het ga je goed!",
    nl_u="Uw verzoek is goedgekeurd: we verwijderen nu uw gegevens. Dit is ons laatste bericht. Bedankt en het ga u goed!",
    en="Your request has been approved: we're deleting your data now. This is our last message. Thank you, and all the best!",
    de="Ihre Anfrage wurde genehmigt: Wir löschen jetzt Ihre Daten. Dies ist unsere letzte Nachricht. Vielen Dank und alles Gute!",
)
CARRIED_OUT_EXPORT = Phrase(
    nl="Je overzicht van je gegevens is klaar; een collega stuurt het je zo op een veilige manier toe.",
    nl_u="Uw overzicht van uw gegevens is klaar; een collega stuurt het u zo op een veilige manier toe.",
    en="The overview of your data is ready; a colleague will send it to you securely shortly.",
    de="Die Übersicht Ihrer Daten ist fertig; ein Kollege schickt sie Ihnen gleich auf sicherem Weg zu.",
)


def privacy_carried_out_text(kind: PrivacyKind, language: str = "nl", address_form: str = "je") -> str:
    """To the customer, sent just before a deletion (afterwards nothing of them is left to send from)."""
    return say(CARRIED_OUT_DELETE if kind == "delete" else CARRIED_OUT_EXPORT, language, address_form)


# --- Chatwoot set-up (`seldenrijk chatwoot setup`) -----------------------------------------------------------
OPTED_OUT_LABEL = "opted-out"
PRIVACY_APPROVED_LABEL = "privacy-approved"  # staff add it to a conversation to approve a privacy request
PRIVACY_LABELS = (OPTED_OUT_LABEL, PRIVACY_APPROVED_LABEL)
PRIVACY_ATTRIBUTE_DEFINITIONS = (("opted_out", "Afgemeld (STOP)", "checkbox", ()),)
