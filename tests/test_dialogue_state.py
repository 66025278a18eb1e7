"""The dialogue state's pure functions (agents/dialogue.py): which question we asked, how a short
answer reads against it, how the state moves, and how it is shown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agents import dialogue
from agents.context import absorb_reply, absorb_staff_message, absorb_understanding, prepare_context
from agents.booking_models import BookingCue
from agents.dialogue_models import CarRef, DialogueState, OpenQuestion
from agents.models import (
    Car,
    CarPreferences,
    ConversationContext,
    ConversationOutput,
    ExpertiseOutput,
    ExtractionOutput,
    RouterOutput,
    Turn,
    Understanding,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def car(car_id: str, model: str, variant: str, color: str, price: int, make: str = "Volkswagen") -> Car:
    return Car(id=car_id, make=make, model=model, variant=variant, color=color, price_eur=price)


GOLFS = [car("g1", "Golf", "1.5 TSI Life", "grijs", 24950), car("g2", "Golf", "2.0 TDI Style DSG", "zwart", 27450),
         car("g3", "Golf", "1.6 TDI Highline", "blauw", 13450)]


def asked(kind: str, text: str = "?", shown: list[Car] | None = None, at: datetime = NOW) -> ConversationContext:
    state = DialogueState(open_question=OpenQuestion(kind=kind, text=text, asked_at=at),
                          shown=[dialogue.car_ref(c) for c in shown or []])
    context = ConversationContext(history=[Turn(role="bot", text=text, at=at)], dialogue=state)
    return prepare_context(context, at + timedelta(minutes=1))


@pytest.mark.parametrize("reply, kind", [
    ("Ik heb er drie.\n\nWat is ongeveer je budget?", "budget"),
    ("Dank je! Wat is het kenteken van je auto, en wat is ongeveer de kilometerstand?", "trade_in_mileage"),
    ("Dank je! Wat is nog het kenteken van je auto? Dan zoek ik de gegevens erbij.", "trade_in_plate"),
    ("Een Opel Astra uit 2015, benzine, APK tot 3 maart 2027: klopt dat?", "trade_in_check"),
    ("1. zaterdag 28 november om 10:00\n2. zaterdag 28 november om 11:00\nWelke past je het best?", "slot"),
    ("Welke bedoel je? Stuur gerust de link of het kenteken, dan kijk ik het voor je na.", "which_car"),
    ("Zal ik breder zoeken, bijvoorbeeld met een ander merk, een ruimer budget of een ouder bouwjaar?", "broader_search"),
    ("Zin om een keer te komen proefrijden?", "visit"),
    ("Welke dag past je?", "day"),
    ("Laat je me weten hoe laat het je uitkomt?", "time"),
    ("Heb je een voorkeur voor benzine, diesel, hybride of elektrisch?", "fuel"),
    ("Liever een automaat of handgeschakeld?", "gearbox"),
    ("Heb je nog een auto om in te ruilen?", "trade_in"),
    ("Naar wat voor auto ben je op zoek?", "car_type"),
    ("What is roughly your budget?", "budget"),
    ("Wann passt es Ihnen?", "day"),
    ("Rekenvoorbeeld: € 410 per maand.\n\nLet op! Geld lenen kost geld.", None),
    ("Hoe gaat het met je?", "other"),
])
def test_the_question_our_reply_ends_with(reply, kind):
    found = dialogue.question_of(reply)
    assert (found[0] if found else None) == kind


@pytest.mark.parametrize("kind, text, reading, number", [
    ("budget", "rond de 20k", "amount", 20_000),
    ("budget", "max 25 mille", "amount", 25_000),
    ("trade_in_mileage", "ongeveer 120 duizend", "mileage", 120_000),
    ("trade_in_mileage", "140.000", "mileage", 140_000),
    ("trade_in_mileage", "zo'n 98k km", "mileage", 98_000),
    ("day", "zaterdag", "when", None),
    ("time", "rond 10 uur", "when", None),
    ("time", "na vijven", "when", None),
    ("time", "eind van de middag", "when", None),
    ("visit", "volgende week dinsdag", "when", None),
    ("visit", "ja graag", "yes", None),
    ("visit", "doe maar", "yes", None),
    ("broader_search", "prima", "yes", None),
    ("trade_in", "nee hoor", "no", None),
    ("payment", "nee dank je", "no", None),
])
def test_a_short_answer_reads_against_the_open_question(kind, text, reading, number):
    answer = dialogue.read_answer(text, asked(kind))
    assert answer is not None and answer.kind == kind and answer.reading == reading
    assert answer.number == number


def test_picks_from_the_cars_just_shown_by_position_and_colour():
    context = asked("budget", "Wat is je budget?", shown=GOLFS)
    assert dialogue.read_answer("die tweede", context).car.id == "g2"
    assert dialogue.read_answer("de laatste", context).car.id == "g3"
    assert dialogue.read_answer("die blauwe", context).car.id == "g3"
    assert dialogue.read_answer("die dsg", context).car.id == "g2"
    assert dialogue.read_answer("nummer 1", asked("which_car", shown=GOLFS)).car.id == "g1"
    assert dialogue.read_answer("dsg", context) is None  # a bare word is a wish; "die dsg" points


def test_no_open_question_no_answer_reading():
    assert dialogue.read_answer("zaterdag", ConversationContext()) is None
    assert dialogue.read_answer("ja", asked("other")) is None  # a question we do not read answers to
    assert dialogue.read_answer("heeft die dsg een trekhaak?", asked("budget", shown=GOLFS)) is None  # more than a pick
    long = "ik wil eigenlijk eerst weten of jullie ook een garantie geven op de auto"
    assert dialogue.read_answer(long, asked("visit")) is None


def test_an_old_question_or_a_person_in_between_binds_no_answer():
    stale = asked("day", at=NOW - timedelta(days=3))
    assert dialogue.read_answer("zaterdag", prepare_context(stale, NOW)) is None
    person = absorb_staff_message(asked("day"), "Ik bel je zo!", NOW + timedelta(minutes=2))
    assert dialogue.read_answer("zaterdag", person) is None


def test_route_and_extraction_follow_the_open_question():
    context = asked("day", "Welke dag past je?")
    routed = dialogue.route_in_state(RouterOutput(intent="general_info", confidence=0.6), "zaterdag", context)
    assert routed.intent == "test_drive"
    read = dialogue.extract_in_state(ExtractionOutput(), "zaterdag", context)
    assert read.test_drive_requested and read.booking.action == "book" and read.booking.when_text == "zaterdag"
    budget = dialogue.extract_in_state(ExtractionOutput(preferred_time="20:00"), "rond de 20k", asked("budget"))
    assert budget.car_preferences.max_price == 20_000 and budget.preferred_time is None
    km = dialogue.extract_in_state(ExtractionOutput(car_preferences=CarPreferences(max_price=120_000)),
                                   "ongeveer 120 duizend", asked("trade_in_mileage"))
    assert km.car_preferences.max_price is None and km.trade_in_vehicle.mileage_km == 120_000 and km.has_trade_in


def test_the_trade_in_sets_no_search_filter():
    context = ConversationContext()
    said = ExtractionOutput(car_preferences=CarPreferences(fuel_type="diesel"), has_trade_in=True)
    assert dialogue.extract_in_state(said, "ik wil mijn diesel inruilen", context).car_preferences.fuel_type is None
    both = ExtractionOutput(car_preferences=CarPreferences(make="Opel", model="Corsa", fuel_type="petrol"), has_trade_in=True)
    read = dialogue.extract_in_state(both, "ik ruil mijn diesel in en zoek een benzine corsa", context)
    assert read.car_preferences.fuel_type == "petrol"  # a wish in the same message: the extraction's split stands


def test_a_named_car_is_searched_with_this_messages_own_filters_only():
    before = ConversationContext(preferences=CarPreferences(max_price=20_000, fuel_type="petrol"))
    said = ExtractionOutput(car_preferences=CarPreferences(make="Volkswagen", model="Golf", body_type="stationwagen",
                                                           transmission="automatic", max_price=20_000, fuel_type="petrol"))
    read = dialogue.extract_in_state(said, "hebben jullie een golf variant automaat?", before)
    assert read.named_search == CarPreferences(make="Volkswagen", model="Golf", body_type="stationwagen", transmission="automatic")
    assert dialogue.extract_in_state(ExtractionOutput(car_preferences=CarPreferences(max_price=20_000)), "tot 20k",
                                     ConversationContext()).named_search is None


@pytest.mark.parametrize("text, name, ok", [
    ("ik ben Sanne", "Sanne", True),
    ("Hoi, met Jan de Vries", "Jan de Vries", True),
    ("groetjes, Piet", "Piet", True),
    ("dit is toch niet normaal?", "Toch", False),
    ("dit is Toch niet normaal", "Toch", False),
    ("ik zoek een auto voor Sanne", "Sanne", False),
    ("my name is Tom", "Tom", True),
])
def test_a_name_only_from_a_clear_introduction(text, name, ok):
    assert dialogue.introduces(text, name) is ok
    read = dialogue.extract_in_state(ExtractionOutput(customer_name=name), text, ConversationContext())
    assert (read.customer_name == name) is ok


def _understood(text: str, **extraction) -> Understanding:
    return Understanding(text=text, router=RouterOutput(intent="car_inquiry"), extraction=ExtractionOutput(**extraction),
                         expertise=ExpertiseOutput())


def test_the_state_moves_with_list_pick_question_and_financing():
    context = ConversationContext()
    context = absorb_understanding(context, "hebben jullie een golf?", NOW, _understood("hebben jullie een golf?"))
    context = absorb_reply(context, "Deze heb ik:\n...\n\nWat is ongeveer je budget?", NOW, GOLFS)
    state = context.dialogue
    assert [c.id for c in state.shown] == ["g1", "g2", "g3"] and state.open_question.kind == "budget"
    later = NOW + timedelta(minutes=1)
    context = prepare_context(context, later)
    context = absorb_understanding(context, "die blauwe", later, _understood("die blauwe"))
    assert context.dialogue.car.id == "g3" and context.dialogue.last_answer == "pick:budget"
    context = absorb_reply(context, "De Golf 1.6 TDI Highline kost € 13.450.", later, [GOLFS[2]])
    assert context.dialogue.open_question is None and context.dialogue.car.id == "g3"
    text = "als ik 5000 aanbetaal en 60 maanden?"
    context = absorb_understanding(context, text, later, _understood(text, needs_financing=True, asks_monthly_payment=True))
    financing = context.dialogue.financing
    assert (financing.car_id, financing.price_eur, financing.down_payment_eur, financing.term_months) == ("g3", 13450, 5000, 60)


def test_the_backends_question_kind_wins_and_a_booking_question_is_a_slot_question():
    context = absorb_reply(ConversationContext(), "Zullen we iets inplannen?", NOW, [],
                           ConversationOutput(response_text="Zullen we iets inplannen?", open_question="visit"))
    assert context.dialogue.open_question.kind == "visit"


def test_summary_shows_every_part_known():
    context = asked("day", "Welke dag past je?", shown=GOLFS[:2])
    context = context.model_copy(update={"dialogue": context.dialogue.model_copy(update={"car": CarRef(id="g1", title="Volkswagen Golf 1.5 TSI Life", price_eur=24950)})})
    text = dialogue.summary_markdown(context)
    assert "Volkswagen Golf 1.5 TSI Life (€ 24.950)" in text and "welke dag" in text and "1. Volkswagen Golf" in text
    assert "**Taal:** nl, je" in text


@pytest.mark.parametrize("text, yes", [
    ("bevestiging?", True), ("staat het vast?", True), ("klopt het nog?", True), ("confirmed?", True),
    ("bevestiging van de financiering graag", False), ("staat die golf nog?", False),
    ("welke auto staat er nu eigenlijk voor me klaar en hoe laat?", True), ("hoe laat moet ik er zijn?", True),
    ("What time is my test drive?", True), ("hoe laat zijn jullie open op zaterdag?", False),
])
def test_a_booking_status_question(text, yes):
    assert dialogue.asks_booking_status(text) is yes


def test_a_longer_no_and_an_own_question():
    assert dialogue.read_answer("nee hoor, ik kijk nog even rond", asked("visit")).reading == "no"
    assert dialogue.read_answer("nee, maar wat kost hij?", asked("visit")) is None
    assert dialogue.read_answer("wat zijn jullie openingstijden op zaterdag?", asked("which_car")) is None
    assert dialogue.read_answer("is goed", asked("visit")).reading == "yes"


def test_daar_dan_takes_the_day_just_asked_about():
    context = asked("visit", "Zin om een keer te komen proefrijden?")
    context = context.model_copy(update={"history": [*context.history, Turn(role="customer", text="Wat zijn uw openingstijden op zaterdag?", at=NOW),
                                                      Turn(role="bot", text="Zaterdag open van 9 tot 5.", at=NOW)]})
    said = ExtractionOutput(test_drive_requested=True, booking=BookingCue(action="book", when_text="Kan ik daar dan om 12 uur?"))
    read = dialogue.extract_in_state(said, "Kan ik daar dan om 12 uur?", context)
    assert "zaterdag" in read.booking.when_text and "12 uur" in read.booking.when_text


def test_haggling_after_the_price_talk_stays_a_price_talk():
    context = ConversationContext(last_intent="price_negotiation")
    routed = dialogue.route_in_state(RouterOutput(intent="other", needs_extraction=False), "echt niet een paar honderd euro?", context)
    assert routed.intent == "price_negotiation"
    assert dialogue.route_in_state(RouterOutput(intent="other"), "hoe gaat het?", context).intent == "other"


@pytest.mark.parametrize("name, addressed", [("Jan de Vries", "Jan"), ("Sanne", "Sanne"), ("van Dijk", "van Dijk"), (None, None)])
def test_we_address_the_first_name(name, addressed):
    assert dialogue.first_name(name) == addressed


def test_the_car_a_reply_names_in_full_is_the_car_under_discussion():
    ceed = car("k1", "Ceed Sportswagon", "1.0 T-GDi", "wit", 21950, make="Kia")
    reply = ConversationOutput(response_text=f"Of er een kinderwagen in de {ceed.title} past, laat ik nakijken.")
    assert dialogue.cars_in_reply(reply, [ceed, *GOLFS]) == [ceed]
    listed = ConversationOutput(response_text="...", mentioned_car_ids=["g2"])
    assert dialogue.cars_in_reply(listed, [ceed, *GOLFS]) == [GOLFS[1]]
    assert dialogue.cars_in_reply(ConversationOutput(response_text="Hallo!"), [ceed]) == []
