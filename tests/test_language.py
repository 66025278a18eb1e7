"""The customer's language and form of address: detected per message, sticky per chat."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from agents.context import absorb_understanding
from agents.language import detect_address_form, detect_language, with_language
from agents.models import (
    ConversationContext,
    ExpertiseOutput,
    ExtractionOutput,
    ReplyRequest,
    RouterOutput,
    Understanding,
)
from agents.prompts import CREDIT_WARNING, language_instruction, reply_user_message
from agents.knowledge.dealer import load_dealer
from agents.rules.extraction import _customer_name
from config import PROJECT_ROOT

SET = Path(__file__).parent / "data" / "language_set.tsv"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)


def _rows() -> list[tuple[str, str]]:
    lines = SET.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def test_the_labelled_set_is_mostly_right_and_short_messages_keep_the_chat_language():
    rows = _rows()
    labelled = [(label, text) for label, text in rows if label != "keep"]
    right = sum(detect_language(text) == label for label, text in labelled)
    assert right / len(labelled) >= 0.93  # bench/bench_language.py prints the exact figure
    for text in (text for label, text in rows if label == "keep"):
        assert detect_language(text, "en") == "en", text
        assert detect_language(text, "de") == "de", text
        assert detect_language(text, None) == "nl", text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("is the polo still available?", "en"),
        ("Is the Golf Variant still for sale? I live in Zwolle", "en"),
        ("ist der Golf noch zu haben?", "de"),
        ("ich möchte meine Daten löschen", "de"),
        ("kan ik zaterdag om 11 uur proefrijden?", "nl"),
        ("rond 10 uur", "nl"),
        ("bonjour, la voiture est toujours disponible?", "other"),
        ("مرحبا هل السيارة متوفرة", "other"),
    ],
)
def test_a_new_chat(text, language):
    assert detect_language(text, None) == language


@pytest.mark.parametrize(
    "text, chat, expected",
    [
        ("Is er een Toyota Yaris hybride?", "nl", "nl"),  # Lingua alone leans German
        ("Wat kost de BMW 3 serie?", "nl", "nl"),  # Lingua alone: not one of ours
        ("Je cherche une voiture de sport rouge", "nl", "other"),  # one shared word ("je") keeps nothing
        ("was kostet er im monat?", "nl", "de"),
        ("is de bmw x3 betrouwbaar", "en", "nl"),
    ],
)
def test_a_message_with_the_chats_own_function_words_keeps_its_language(text, chat, expected):
    assert detect_language(text, chat) == expected


def test_dutch_car_and_place_names_do_not_make_an_english_chat_dutch():
    assert detect_language("Golf 1.4 TSI Highline", "en") == "en"
    assert detect_language("can I come to Harderwijk on saturday", "nl") == "en"


def test_u_is_kept_for_the_rest_of_the_chat_and_only_counts_in_dutch():
    assert detect_address_form("Heeft u de Golf nog?") == "u"
    assert detect_address_form("en wat kost hij per maand?", "u") == "u"
    assert detect_address_form("hoi, heb je de golf nog?") == "je"
    assert detect_address_form("wat kost hij?") == "je"
    english = with_language(ExtractionOutput(), "do u have any model y?", "nl", "je")
    assert (english.language, english.address_form) == ("en", "je")
    dutch = with_language(ExtractionOutput(), "Kunt u mij terugbellen?", "nl", "je")
    assert (dutch.language, dutch.address_form) == ("nl", "u")


def test_the_context_carries_language_and_form_from_message_to_message():
    context = ConversationContext()
    for text, language, form in [
        ("Goedemiddag, heeft u de Golf Variant nog?", "nl", "u"),
        ("ok", "nl", "u"),
        ("Sorry, my Dutch is bad. What does it cost per month?", "en", "u"),
        ("thanks", "en", "u"),
    ]:
        extraction = with_language(ExtractionOutput(), text, context.language, context.address_form)
        understanding = Understanding(
            text=text,
            router=RouterOutput(intent="car_inquiry"),
            extraction=extraction,
            expertise=ExpertiseOutput(),
        )
        context = absorb_understanding(context, text, NOW, understanding)
        assert (context.language, context.address_form) == (language, form), text


def test_claude_is_told_the_language_and_the_form_of_address():
    dealer = load_dealer(PROJECT_ROOT / "dealer.yaml")
    request = ReplyRequest(
        text="What does the Golf cost per month?",
        context=ConversationContext(),
        router=RouterOutput(intent="financing_inquiry"),
        extraction=ExtractionOutput(language="en", address_form="je"),
        expertise=ExpertiseOutput(),
    )
    message = reply_user_message(request, dealer)
    assert "Antwoord in het Engels" in message and CREDIT_WARNING in message
    assert 'aan met "u"' in language_instruction("nl", "u")
    assert "Nederlands, Engels of Duits" in language_instruction("other", "je")
    assert "Antwoord in het Duits" in language_instruction("de", "je")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("dit is toch niet normaal?", None),
        ("Dit is toch niet normaal?", None),
        ("ik ben benieuwd naar de golf", None),
        ("ik ben moe van het zoeken", None),
        ("ik ben Sanne", "Sanne"),
        ("ik ben sanne en ik zoek een golf", "Sanne"),
        ("met Jan de Vries", "Jan de Vries"),
        ("Goedemiddag, dit is Anouk van der Berg. Ik zoek een auto", "Anouk van der Berg"),
    ],
)
def test_a_name_comes_from_an_introduction_never_from_a_word_in_a_sentence(text, name):
    assert _customer_name(text) == name
