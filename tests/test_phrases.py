"""The phrase catalog: the chat's language and register pick the text; "other" gets English."""

from __future__ import annotations

import pytest

from agents.guardrails import euro_amounts
from agents.models import ConversationContext
from agents.rules.phrases import Phrase, euro, number, say, say_to

ASK_TIME = Phrase(
    nl="Hoe laat komt het je uit, {name}?",
    nl_u="Hoe laat komt het u uit, {name}?",
    en="What time suits you, {name}?",
    de="Um wie viel Uhr passt es Ihnen, {name}?",
)
OPEN = Phrase(nl="We zijn zaterdag open tot 17:00.", en="We're open until 5 pm on Saturday.", de="Samstags haben wir bis 17 Uhr geöffnet.")


@pytest.mark.parametrize(
    ("language", "form", "expected"),
    [
        ("nl", "je", "Hoe laat komt het je uit, Sanne?"),
        ("nl", "u", "Hoe laat komt het u uit, Sanne?"),
        ("en", "je", "What time suits you, Sanne?"),
        ("en", "u", "What time suits you, Sanne?"),
        ("de", "je", "Um wie viel Uhr passt es Ihnen, Sanne?"),
        ("other", "je", "What time suits you, Sanne?"),
    ],
)
def test_the_chat_language_and_register_pick_the_text(language, form, expected):
    assert say(ASK_TIME, language, form, name="Sanne") == expected


def test_a_sentence_that_does_not_address_the_customer_is_the_same_with_u():
    assert say(OPEN, "nl", "u") == say(OPEN, "nl", "je") == "We zijn zaterdag open tot 17:00."
    context = ConversationContext(language="de", address_form="je")
    assert say_to(OPEN, context) == "Samstags haben wir bis 17 Uhr geöffnet."
    assert say_to(ASK_TIME, ConversationContext(address_form="u"), name="Jan") == "Hoe laat komt het u uit, Jan?"


@pytest.mark.parametrize("informal", ["Heb je de Golf gezien?", "Hoi! Welkom.", "Is dit jouw auto?", "Wil jij komen?"])
def test_an_informal_dutch_text_without_a_u_variant_is_refused(informal):
    with pytest.raises(ValueError):
        Phrase(nl=informal, en="x", de="x")
    with pytest.raises(ValueError):
        Phrase(nl=informal, nl_u="Hey, heeft u hem gezien?", en="x", de="x")
    # "jullie" (the dealer) and words that merely contain "je" are fine
    Phrase(nl="Bij jullie? Wij zijn open; bekijk het mapje.", en="x", de="x")


def test_numbers_and_prices_are_written_the_way_each_language_writes_them():
    assert euro(23950, "nl") == "€ 23.950"
    assert euro(23950, "de") == "€ 23.950"
    assert euro(23950, "en") == "€23,950"
    assert euro(23950, "other") == "€23,950"
    assert number(123456.4, "en") == "123,456" and number(123456.4, "nl") == "123.456"
    # the guardrails read every form back as the same amount
    for language in ("nl", "en", "de"):
        assert euro_amounts(f"It costs {euro(23950, language)}.") == [(23950.0, False)]
