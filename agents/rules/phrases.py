"""What the dealer says, in the customer's language and register.

Every customer-facing sentence is a `Phrase` with Dutch ("je"), English and German text,
plus Dutch "u" text where the sentence addresses the customer. `say()` picks the variant
for the chat (context.language / context.address_form) and fills in the fields:

    ASK_TIME = Phrase(
        nl="Hoe laat komt het je uit, {name}?",
        nl_u="Hoe laat komt het u uit, {name}?",
        en="What time suits you, {name}?",
        de="Um wie viel Uhr passt es Ihnen, {name}?",
    )
    say(ASK_TIME, context.language, context.address_form, name="Sanne")

Chats in another language ("other") are answered in English. German always uses "Sie".
A Dutch text that says "je/jij/jouw" or "Hoi/Hey" must come with an explicit `nl_u`: a
mechanical je→u swap gets verbs and possessives wrong ("heb je" → "heeft u", "je auto" →
"uw auto", "ik bel je" → "ik bel u"), so the catalog refuses such a phrase without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Spoken = Literal["nl", "en", "de"]

# Words that make a Dutch sentence informal; such a phrase needs its own "u" text.
_INFORMAL = re.compile(r"(?<![\w'])(?:je|jij|jou|jouw|jezelf|je'|hoi|hey|hee|ff)(?![\w'])", re.IGNORECASE)


@dataclass(frozen=True)
class Phrase:
    nl: str
    en: str
    de: str
    nl_u: str | None = None  # Dutch with "u"; None when the Dutch text does not address the customer

    def __post_init__(self) -> None:
        if self.nl_u is None and _INFORMAL.search(self.nl):
            raise ValueError(f'Phrase {self.nl!r} says "je" or "Hoi": give it an nl_u text')
        if self.nl_u is not None and _INFORMAL.search(self.nl_u):
            raise ValueError(f'The "u" text {self.nl_u!r} still says "je" or "Hoi"')

    def text(self, language: str | None = "nl", address_form: str | None = "je") -> str:
        """The raw variant (fields not filled in)."""
        spoken = spoken_language(language)
        if spoken == "en":
            return self.en
        if spoken == "de":
            return self.de
        if address_form == "u" and self.nl_u is not None:
            return self.nl_u
        return self.nl


def spoken_language(language: str | None) -> Spoken:
    """The language we answer in: Dutch, English or German; anything else gets English."""
    if language in ("nl", "en", "de"):
        return language  # type: ignore[return-value]
    return "nl" if language is None else "en"


def say(phrase: Phrase, language: str | None = "nl", address_form: str | None = "je", **fields: Any) -> str:
    """The phrase in the chat's language and register, with `fields` filled in."""
    template = phrase.text(language, address_form)
    return template.format(**fields) if fields else template


def say_to(phrase: Phrase, context: Any, **fields: Any) -> str:
    """`say` for anything with .language and .address_form (ConversationContext, a request)."""
    return say(phrase, getattr(context, "language", "nl"), getattr(context, "address_form", "je"), **fields)


def voice_of(request: Any) -> tuple[str, str]:
    """(language, address_form) for a ReplyRequest: this message's, else the chat's so far."""
    extraction, context = getattr(request, "extraction", None), request.context
    language = getattr(extraction, "language", None) or context.language
    form = getattr(extraction, "address_form", None) or context.address_form
    return language, ("u" if "u" in (form, context.address_form) else form)


def join(items: list[str], language: str | None = "nl") -> str:
    """"a, b en c" / "a, b and c" / "a, b und c"."""
    if len(items) <= 1:
        return "".join(items)
    word = {"nl": "en", "en": "and", "de": "und"}[spoken_language(language)]
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def number(value: float | int, language: str | None = "nl") -> str:
    """A whole number the way the customer writes it: 23.950 (nl, de) or 23,950 (en)."""
    grouped = f"{int(round(value)):,}"
    return grouped if spoken_language(language) == "en" else grouped.replace(",", ".")


def euro(amount: float | int, language: str | None = "nl", cents: bool = False) -> str:
    """An amount in euros: € 23.950 / € 427,44 (nl, de) or €23,950 / €427.44 (en)."""
    english = spoken_language(language) == "en"
    if cents:
        whole, fraction = f"{amount:,.2f}".split(".")
        return f"€{whole}.{fraction}" if english else f"€ {whole.replace(',', '.')},{fraction}"
    return "€" + number(amount, "en") if english else "€ " + number(amount, language)


def percent(rate: float, language: str | None = "nl") -> str:
    """8,99% (nl, de) or 8.99% (en)."""
    text = f"{rate:.2f}".rstrip("0").rstrip(".")
    return (text if spoken_language(language) == "en" else text.replace(".", ",")) + "%"


def kilometres(value: float | int, language: str | None = "nl") -> str:
    return f"{number(value, language)} km"
