"""Issue 14 §2 with the rules engine, in whole conversations: every part answered, once.

The conversations run as the workflow runs them (tests/rules_chat.py: understanding, search of
the sample stock, trade-in intake, reply, the repetition filter, the context with its promised
checks). The assertions are about meaning: which parts are answered and in which order, what is
promised and when, what is not said again, which closing question is (not) asked.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agents import open_checks
from agents.rules.reply_parts import split_questions, topic_of
from tests.rules_chat import DEALER, Chat, sample_inventory


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    return sample_inventory(tmp_path_factory.mktemp("inv"))


def question_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().endswith("?")]


# --- splitting -------------------------------------------------------------------------------------
def test_a_message_splits_into_its_questions_in_order():
    parts = [s.text for s in split_questions("staat de Golf nog, wat kost hij per maand en mag mijn vriend mee met de proefrit?")]
    assert parts == ["staat de Golf nog", "wat kost hij per maand", "mag mijn vriend mee met de proefrit"]
    assert [s.question for s in split_questions("inbegrepen? en onderhoudshistorie??")] == ["inbegrepen?", "en onderhoudshistorie?"]
    assert [topic_of(s.text) for s in split_questions("moet ik iets meenemen? kan ik met de trein komen?")] == ["bring", "train"]
    assert topic_of("ik zoek een stationwagen") is None  # "station" in a car wish is no train question
    assert topic_of("past er een kinderwagen in de kofferbak") == "boot"


# --- every part, in the order asked -----------------------------------------------------------------
async def test_availability_payment_and_a_friend_on_the_test_drive_are_all_answered_in_order(inventory):
    chat = Chat(inventory)
    reply = await chat.say("staat de Golf nog, wat kost hij per maand en mag mijn vriend mee met de proefrit?")
    assert "Golf" in reply and "per maand" in reply and "meerijden" in reply, reply
    assert reply.index("Golf") < reply.index("per maand") < reply.index("meerijden")
    # the friend's question carries no test-drive pitch with it
    assert "Neem je rijbewijs mee; een proefrit duurt" not in reply
    assert "snap ik niet" not in reply and "begrijp ik niet" not in reply


async def test_a_practical_question_asked_first_is_answered_first(inventory):
    chat = Chat(inventory)
    reply = await chat.say("mag mijn vriendin mee op de proefrit en wat kost de golf 1.5 tsi life business per maand?")
    assert "meerijden" in reply and "per maand" in reply, reply
    assert reply.index("meerijden") < reply.index("per maand")


@pytest.mark.parametrize("question, expected", [
    ("moet ik iets meenemen?", "Neem alleen je rijbewijs mee"),
    ("inbegrepen?", "12 maanden BOVAG-garantie"),
    ("wat zit er allemaal bij de prijs?", "afleverkosten van € 695"),
])
async def test_short_practical_questions_are_answered_not_misunderstood(inventory, question, expected):
    chat = Chat(inventory)
    await chat.say("hoi, staat de golf 1.5 tsi life business nog?")
    reply = await chat.say(question)
    assert expected in reply, reply
    assert "snap ik niet" not in reply and "begrijp ik niet" not in reply
    assert chat.checks == []  # answered from dealer.yaml: nothing for sales to check


async def test_several_practical_questions_in_one_message(inventory):
    chat = Chat(inventory)
    await chat.say("ik zoek een kia sportage")
    reply = await chat.say("past er een kinderwagen in de kofferbak? en inbegrepen?")
    assert reply.index("kinderwagen") < reply.index("BOVAG"), reply
    assert [check.key for check in chat.checks] == ["boot:sample-018"]


# --- not in our data: one line, a promise, a light task ----------------------------------------------
async def test_unknown_towbar_promises_a_check_the_same_day_and_insisting_gets_a_straight_answer(inventory):
    chat = Chat(inventory)
    await chat.say("ik zoek een tiguan")
    first = await chat.say("de eerste, heeft hij een trekhaak?")
    assert "Of de Volkswagen Tiguan 1.5 TSI Life Business DSG een trekhaak heeft, zie ik niet in mijn gegevens; " \
           "ik laat het nakijken en app je vandaag nog." in first
    assert "geen trekhaak" not in first and "0341" not in first  # unknown is not "no", and not "bel ons zelf"
    assert [(c.key, c.question, c.promised) for c in chat.checks] == [
        ("equipment:trekhaak:sample-010", "de eerste, heeft hij een trekhaak?", "vandaag nog")]
    assert [c.key for c in chat.context.open_checks] == ["equipment:trekhaak:sample-010"]
    assert not question_lines(first) or "inruil" not in first  # no trade-in question after a question about the car

    second = await chat.say("TREKHAAK?? ja of nee")
    assert "weet ik nog niet" in second and "vandaag nog" in second, second
    assert first.split("\n")[0] not in second  # never the same paragraph again
    assert not question_lines(second)  # no sales question to someone who is losing patience
    third = await chat.say("en heeft hij nou een trekhaak?")
    assert third.startswith("Je vroeg het al") and "collega van verkoop" in third, third
    assert third not in (first, second)
    assert len(chat.checks) == 1  # the same open question goes to sales once


async def test_practical_unknowns_each_promise_and_send_once(inventory):
    chat = Chat(inventory)
    await chat.say("hoi, staat de kia sportage nog?")
    train = await chat.say("kan ik met de trein komen?")
    assert "zie ik niet in mijn gegevens" in train and "Zuiderbreedte 22" in train, train
    history = await chat.say("onderhoudshistorie?")
    assert "De onderhoudshistorie van de Kia Sportage" in history and "nakijken" in history, history
    again = await chat.say("en de onderhoudshistorie?")
    assert again.startswith("Je vroeg het al"), again
    assert sorted(check.key for check in chat.checks) == ["fact:maintenance:sample-018", "train:"]
    assert all(check.asked_at is not None and check.promised == "vandaag nog" for check in chat.checks)


@pytest.mark.parametrize("now, promised", [
    (datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc), "vandaag nog"),   # Tuesday 11:00
    (datetime(2026, 11, 24, 16, 30, tzinfo=timezone.utc), "morgen"),       # Tuesday 17:30, closing at 18:00
    (datetime(2026, 11, 28, 15, 30, tzinfo=timezone.utc), "op maandag"),   # Saturday 16:30, closed on Sunday
    (datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc), "morgen"),        # Sunday
    (datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc), "vandaag nog"),    # Tuesday 07:00, before opening
])
async def test_the_promise_follows_the_opening_hours(inventory, now, promised):
    chat = Chat(inventory, now=now)
    reply = await chat.say("kan ik met de trein komen?")
    assert f"app je {promised}." in reply, reply
    assert chat.checks[0].promised == promised


def test_the_promise_in_every_language():
    saturday = datetime(2026, 11, 28, 15, 30, tzinfo=timezone.utc)
    assert open_checks.promise_moment(DEALER, saturday, "en") == "on Monday"
    assert open_checks.promise_moment(DEALER, saturday, "de") == "am Montag"
    assert open_checks.promise_moment(DEALER, saturday, "other") == "on Monday"


@pytest.mark.parametrize("opening, question, expected", [
    ("Goedemiddag, heeft u een Kia Sportage?", "kan ik met de trein komen?", "ik laat het nakijken en app u vandaag nog"),
    ("Hello, do you have a Kia Sportage?", "can I come by train?", "I'll have it checked and message you later today"),
    ("Guten Tag, haben Sie einen Kia Sportage?", "kann ich mit dem Zug kommen?", "ich lasse es prüfen und melde mich heute noch"),
    ("Hello, do you have a Kia Sportage?", "what should I bring?", "Just bring your driving licence"),
    ("Guten Tag, haben Sie einen Kia Sportage?", "muss ich etwas mitbringen?", "Bringen Sie nur Ihren Führerschein mit"),
])
async def test_new_texts_speak_the_customers_language_and_register(inventory, opening, question, expected):
    chat = Chat(inventory)
    await chat.say(opening)
    reply = await chat.say(question)
    assert expected in reply, reply


# --- boilerplate once ---------------------------------------------------------------------------------
async def test_test_drive_boilerplate_goes_out_once_unless_asked_again(inventory):
    chat = Chat(inventory)
    first = await chat.say("ik wil een proefrit maken met de kia sportage")
    assert "rijbewijs" in first and "30 minuten" in first, first
    second = await chat.say("kan ik ook een proefrit maken in de tiguan 2.0 tdi?")
    assert "rijbewijs" not in second and "30 minuten" not in second, second
    assert "Zuiderbreedte" not in second or "Zuiderbreedte" not in first
    asked = await chat.say("moet ik iets meenemen?")
    assert "rijbewijs" in asked  # asked for again: then it is the answer


# --- closing questions that fit the moment -------------------------------------------------------------
async def test_no_car_type_question_after_gezinsauto(inventory):
    chat = Chat(inventory)
    reply = await chat.say("ik zoek een gezinsauto")
    assert "Naar wat voor auto" not in reply and "Welk merk of type" not in reply, reply


async def test_no_trade_in_question_after_a_pushchair_question(inventory):
    chat = Chat(inventory)
    await chat.say("staat de kia sportage nog?")
    reply = await chat.say("past er een kinderwagen in de kofferbak?")
    assert "inruil" not in reply.lower() and "in te ruilen" not in reply, reply


@pytest.mark.parametrize("first", [
    "ik heb inmiddels al een auto gekocht bij een ander",
    "we hebben ergens anders gekocht, bedankt",
    "ik ben echt ontevreden over hoe het gisteren ging, niemand belde terug",
])
async def test_no_test_drive_pushed_after_buying_elsewhere_or_a_complaint(inventory, first):
    chat = Chat(inventory)
    await chat.say(first)
    reply = await chat.say("heeft de kia sportage trekhaak?")
    assert "proefr" not in reply.lower() and "inruil" not in reply.lower(), reply


async def test_closing_questions_follow_the_dialogue_state(inventory):
    chat = Chat(inventory)
    await chat.say("staat de tiguan 1.5 tsi nog?")
    assert chat.context.dialogue.car is not None and chat.context.dialogue.car.id == "sample-010"
    payment = await chat.say("wat kost hij per maand met 5000 aanbetaling?")
    assert "budget" not in payment.lower() and "wat voor auto" not in payment.lower(), payment  # the car and its price are known
    await chat.say("ik wil mijn opel astra inruilen")
    later = await chat.say("en bij 48 maanden?")
    assert "inruilen?" not in later and "in te ruilen?" not in later, later  # the trade-in is known


async def test_bought_elsewhere_gets_a_gracious_goodbye_without_a_hand_over(inventory):
    chat = Chat(inventory)
    await chat.say("staat de renault clio nog?")
    reply = await chat.say("laat maar, ik heb al een auto gekocht bij een ander")
    assert "Veel plezier met je nieuwe auto" in reply and "?" not in reply, reply
    assert not chat.requests[-1].expertise.escalation_decision.escalate


async def test_a_family_car_shows_room_not_city_cars(inventory):
    chat = Chat(inventory)
    reply = await chat.say("ik zoek een gezinsauto")
    assert "Aygo" not in reply and "Picanto" not in reply, reply
    assert chat.context.preferences.body_type == "stationwagen"


async def test_a_repeat_reminder_answers_the_part_asked_in_the_customers_language(inventory):
    chat = Chat(inventory)
    await chat.say("leveren jullie ook af in Groningen?")
    again = await chat.say("en bezorgen in Zwolle?")
    assert "€ 150" in again and "thuisbezorgen" in again.lower(), again
    english = Chat(inventory)
    await english.say("Hi, I'd like to book a test drive in the Kia Sportage on Saturday")
    await english.say("Do I need to bring anything?")
    repeat = await english.say("Do I need to bring anything?")
    assert "Je vroeg" not in repeat and "licence" in repeat, repeat
