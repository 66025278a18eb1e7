"""Never the same paragraph twice in a chat (agents/repetition.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from agents.context import absorb_reply
from agents.models import ConversationContext, Turn
from agents.repetition import KEPT_FINGERPRINTS, paragraphs, remember_said, without_repeats

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
HOURS = "Zaterdag zijn we open van 09:00 tot 17:00. Neem je rijbewijs mee; een proefrit duurt zo'n 30 minuten."
WARNING = "Let op! Geld lenen kost geld."
PAYMENT = "Rekenvoorbeeld voor de Polo (€ 19.450): bij 72 maanden is dat ongeveer € 345,12 per maand."


def _chat(*bot_texts: str, address_form: str = "je") -> ConversationContext:
    context = ConversationContext(address_form=address_form)
    for text in bot_texts:
        context = absorb_reply(context, text, NOW, [])
    return context


def test_a_paragraph_already_sent_is_left_out_and_the_new_part_stays():
    context = _chat(f"Proefrijden kan zeker!\n\n{HOURS}")
    reply = without_repeats(f"Voor de Golf kan dat ook.\n\n{HOURS} 🙂", context)
    assert reply == "Voor de Golf kan dat ook."


def test_the_credit_warning_goes_with_every_financing_example():
    context = _chat(f"{PAYMENT}\n\n{WARNING}")
    reply = without_repeats(f"Bij 60 maanden is dat € 412,80 per maand.\n\n{WARNING}", context)
    assert reply.endswith(WARNING) and "60 maanden" in reply


def test_asked_again_gets_one_line_that_says_so():
    context = _chat(f"{PAYMENT}\n\n{WARNING}")
    reply = without_repeats(f"{PAYMENT}\n\n{WARNING}", context)
    assert reply == f"Je vroeg het al: rekenvoorbeeld voor de Polo (€ 19.450): bij 72 maanden is dat ongeveer € 345,12 per maand.\n\n{WARNING}"
    formal = without_repeats(PAYMENT, _chat(PAYMENT, address_form="u"))
    assert formal.startswith("Zoals ik al schreef: ")


def test_short_replies_may_come_back():
    assert without_repeats("Graag gedaan! 😊", _chat("Graag gedaan! 😊")) == "Graag gedaan! 😊"


def test_a_paragraph_is_remembered_after_its_turn_left_the_history():
    context = _chat(HOURS)
    context = context.model_copy(update={"history": [Turn(role="bot", text="iets anders", at=NOW)]})
    assert without_repeats(f"Nieuw: de Golf staat er nog.\n\n{HOURS}", context) == "Nieuw: de Golf staat er nog."


def test_the_memory_is_bounded():
    said: list[str] = []
    for number in range(KEPT_FINGERPRINTS + 50):
        said = remember_said(said, f"Dit is alinea nummer {number} met genoeg tekst erin.")
    assert len(said) == KEPT_FINGERPRINTS


def test_paragraphs():
    assert paragraphs("a\n\n\nb\n \nc") == ["a", "b", "c"]


def test_a_closing_question_is_no_news_that_hides_the_repeat():
    context = _chat(f"{PAYMENT}\n\n{WARNING}")
    reply = without_repeats(f"{PAYMENT}\n\n{WARNING}\n\nWil je je huidige auto inruilen?", context)
    assert reply.startswith("Je vroeg het al: rekenvoorbeeld") and reply.endswith("Wil je je huidige auto inruilen?")


def test_other_figures_are_news_not_a_repeat():
    context = _chat("Genoteerd! Vrijdag 11 december om 11:00 heb ik nog plek.")
    reply = "Genoteerd! Vrijdag 11 december om 10:00 heb ik nog plek."
    assert without_repeats(reply, context) == reply


def test_our_own_question_again_is_marked_as_a_reminder():
    context = _chat("Genoteerd! Welke Polo wil je proberen: 1, 2 of 3?")
    reply = without_repeats("Genoteerd! Welke Polo wil je proberen: 1, 2 of 3?", context)
    assert reply == "Nog even: welke Polo wil je proberen: 1, 2 of 3?"


def test_the_same_sentence_about_another_thing_is_news():
    from agents.models import ConversationContext, Turn
    from agents.repetition import without_repeats

    at = datetime(2026, 12, 8, 9, 30, tzinfo=timezone.utc)
    owners = ("Het aantal eigenaren van de Volkswagen Golf 1.5 TSI Life Business zie ik niet in mijn gegevens; "
              "ik laat het nakijken en app je vandaag nog.")
    context = ConversationContext(history=[Turn(role="bot", text=owners, at=at)])
    consumption = owners.replace("Het aantal eigenaren", "Het verbruik")
    assert without_repeats(consumption, context) == consumption
    assert without_repeats(owners, context) != owners  # the very same line again is still a repeat
