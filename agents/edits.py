"""Edited, deleted and reacted-to WhatsApp messages (issue 17): pure decisions and the CRM notes.

- An edit after our answer is answered again only when it changes the meaning: another car,
  another amount (price, budget, mileage, year), another plate, or another day or time.
  A typo fixed or a word added is noted in the CRM instead.
- A 👍 or ❤️ (and the other yes-emoji) on our latest message, while that message asked a yes/no
  question, confirms it: the dialogue reads it as "ja" and answers it.
Staff-facing notes are Dutch; nothing here is said to the customer.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from agents.dialogue_models import YES_NO_KINDS
from agents.media import YES_REACTIONS
from agents.when import resolve

DEALER_ZONE = ZoneInfo("Europe/Amsterdam")
QUOTE_CHARS = 200
# WAHA message ids: "{fromMe}_{chatId}_{msgId}[_{participant}]"; edit/revoke events name only {msgId}.
_FULL_ID = re.compile(r"^(?:true|false)_[^_]+_([^_]+)(?:_.*)?$")


class MessageFacts(BaseModel):
    """What an edit may change that matters for the answer."""

    cars: list[str] = Field(default_factory=list)  # "volkswagen polo", "kia"
    amounts: list[str] = Field(default_factory=list)  # "price:25000", "mileage:140000"
    plates: list[str] = Field(default_factory=list)
    when: str = ""  # the day and time asked for, as the dealer reads them


def message_key(message_id: str) -> str:
    """The part of a WAHA message id that edit and revoke events use ("false_316…@c.us_ABC" -> "ABC")."""
    match = _FULL_ID.match(message_id or "")
    return match.group(1) if match else (message_id or "")


def same_message(message_id: str, other_id: str) -> bool:
    return bool(message_id) and bool(other_id) and (message_id == other_id or message_key(message_id) == message_key(other_id))


def facts(text: str, now: datetime) -> MessageFacts:
    from agents.rules.parse import parse

    parsed = parse(text or "", now.year)
    cars = sorted({" ".join(part for part in (m.make, m.model) if part).lower() for m in (*parsed.wanted, *parsed.owned)})
    amounts = sorted({f"{q.kind}:{q.value}" for q in parsed.quantities})
    wish = resolve(text or "", now, DEALER_ZONE)
    when = "" if wish.empty else "|".join(str(value) for value in (wish.day, wish.not_before_day, wish.at, wish.earliest,
                                                                     wish.latest, wish.asap))
    return MessageFacts(cars=cars, amounts=amounts, plates=sorted(set(parsed.plates)), when=when)


def changes_meaning(original: str | None, edited: str, now: datetime) -> bool:
    """Does the edit change what we should answer? Unknown original: only if it names such facts."""
    after = facts(edited, now)
    before = facts(original, now) if original is not None else MessageFacts()
    return after != before


def confirms_proposal(emoji: str | None, reacted_to: str | None, latest_sent: str | None, open_question: str | None) -> bool:
    """A yes-emoji on our latest message, while it asked a yes/no question ("Zal ik … inplannen?")."""
    if (emoji or "").strip() not in YES_REACTIONS or open_question not in YES_NO_KINDS:
        return False
    if latest_sent is None or reacted_to is None:
        return latest_sent is None  # no WAHA ids (local outbox): our latest message is the one they saw
    return same_message(reacted_to, latest_sent)


def _quote(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def edit_note(original: str | None, edited: str, answered_again: bool) -> str:
    before = f"«{_quote(original)}»" if original is not None else "een eerder bericht"
    outcome = ("de betekenis veranderde, dus de bot beantwoordt het opnieuw" if answered_again
               else "zelfde strekking, niet opnieuw beantwoord")
    return f"Klant bewerkte {before} naar «{_quote(edited)}» ({outcome})."


def revoke_note(text: str | None, answered: bool) -> str:
    if not answered:
        return "Klant verwijderde een bericht voordat de bot antwoordde; het is niet beantwoord."
    if text is None:
        return "Klant verwijderde een eerder bericht voor iedereen."
    return f"Klant verwijderde het bericht «{_quote(text)}» voor iedereen (het was al beantwoord)."


def _last_line(text: str) -> str:
    """What a reaction answers: the end of our message (its question), not the car list above it."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if len(lines) > 1 and len(last) <= QUOTE_CHARS:
        return "… " + last
    return last if len(last) <= QUOTE_CHARS else "…" + last[-(QUOTE_CHARS - 1):]


def reaction_note(emoji: str, our_text: str | None) -> str:
    if our_text:
        return f"Klant reageerde met {emoji} op ons bericht «{_last_line(our_text)}»."
    return f"Klant reageerde met {emoji} op een bericht."
