"""Car facts beyond price and mileage, answered from the snapshot (issue 14 §3, issue 19).

The cars here are the real list card of the AutoSociaal capture plus its (DERIVED) detail page,
parsed by the production parser: every fact a reply states is read from those cars, never written
in the test. Unknown facts get an honest "not in my data", never a guessed "no".
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agents import car_facts
from agents.knowledge.dealer import dealer_facts
from agents.models import Car, CarPreferences, ConversationContext, ReplyRequest
from agents.rules.engine import RulesEngine
from agents.rules.phrases import Phrase
from integrations.rdw import vehicle_from_rows
from inventory.details import apply_details, with_rdw
from inventory.search import InventoryIndex, InventorySearchRequest
from inventory.sources.website import parse_listing_page
from inventory.sources.website_detail import parse_detail_page
from tests.paths import FIXTURES

NOW = datetime(2026, 12, 8, 9, 30, tzinfo=timezone.utc)
SITES = FIXTURES / "dealer_sites"


def _cards() -> dict[str, Car]:
    page = parse_listing_page((SITES / "autosociaal_janvandijk_occasions_p1.html").read_text(), "https://janvandijk.nl/occasions")
    return {car.id: car for car in page.cars}


def _with_page(car: Car, page: Path) -> Car:
    return apply_details(car, parse_detail_page(page.read_text()))


def _rdw(plate: str):
    """RDW's answer for a plate, from the RDW peer's data (tests/data/rdw)."""
    rows = {name: json.loads((FIXTURES.parent / "rdw" / f"{name}.json").read_text()) for name in ("vehicles", "fuels")}
    return vehicle_from_rows(plate, *([row for row in rows[name] if row["kenteken"] == plate] for name in ("vehicles", "fuels")))


CARDS = _cards()
CRV = _with_page(CARDS["web-7382393"], SITES / "autosociaal_janvandijk_occasion_7382393_DERIVED.html")
JAZZ_PAGE = parse_detail_page((SITES / "autosociaal_janvandijk_occasion_7314013_DERIVED.html").read_text())
JAZZ = apply_details(CARDS["web-7314013"], with_rdw(JAZZ_PAGE, _rdw(JAZZ_PAGE.license_plate)))  # weight: RDW by plate
BARE = CARDS["web-7373029"]  # a card without a detail page: only what the list says
DEALER = dealer_facts()


@pytest.fixture(scope="module")
def engine():
    return RulesEngine(now=lambda: NOW)


def ask(engine, text: str, car: Car | None, language: str = "nl", form: str = "je"):
    context = ConversationContext(last_cars=[car] if car else [], language=language, address_form=form)
    understanding = engine.understand(text, context)
    reply = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                           extraction=understanding.extraction, expertise=understanding.expertise))
    return understanding, reply.response_text


def test_towbar_yes_with_its_braked_towing_weight(engine):
    understanding, reply = ask(engine, "heeft hij een trekhaak?", CRV)
    assert f"Ja, de {CRV.title} heeft een trekhaak, geremd trekgewicht {car_facts.kg(CRV.towing_braked_kg, 'nl')}" in reply
    assert car_facts.kg(CRV.towing_unbraked_kg, "nl") in reply
    assert understanding.expertise.classification.primary_domain == "technical"


def test_a_known_no_is_said_plainly_and_an_unknown_is_never_no(engine):
    _, seats = ask(engine, "is het een 7 zitter?", CRV)
    assert f"Nee, de {CRV.title} heeft {CRV.seats} zitplaatsen." in seats
    _, roof = ask(engine, "heeft de jazz een panoramadak?", JAZZ)  # its full option list has none
    assert f"Nee, de {JAZZ.title} heeft geen panoramadak." in roof
    _, unknown = ask(engine, "heeft hij een trekhaak?", BARE)
    assert "Nee" not in unknown and "geen trekhaak" not in unknown
    # not in our data: one line and a promised check (issue 14 §2), not "bel ons zelf"
    assert f"Of de {BARE.title} een trekhaak heeft, zie ik niet in mijn gegevens; ik laat het nakijken" in unknown


def test_four_wheel_drive_from_the_specs(engine):
    understanding, reply = ask(engine, "heeft hij 4x4?", CRV)
    assert f"Ja, de {CRV.title} heeft vierwielaandrijving." in reply
    assert understanding.expertise.classification.primary_domain == "technical"


@pytest.mark.parametrize("question, fact", [
    ("wanneer verloopt de apk?", "apk"),
    ("hoeveel eigenaren heeft hij gehad?", "owners"),
    ("heeft hij nap?", "nap"),
    ("is hij dealer onderhouden?", "maintenance"),
    ("hoeveel mag hij trekken?", "towing"),
    ("hoeveel weegt hij?", "weight"),
    ("wat verbruikt hij?", "consumption"),
])
def test_detail_facts_from_the_page(engine, question, fact):
    _, reply = ask(engine, question, CRV)
    line = car_facts.fact_line(CRV, fact, DEALER)
    assert line and line in reply


def test_the_facts_are_the_pages(engine):
    _, apk = ask(engine, "wanneer verloopt de apk?", CRV)
    assert car_facts.month_year(CRV.apk_until, "nl") in apk and str(CRV.apk_until.year) in apk
    _, maintenance = ask(engine, "is hij dealer onderhouden?", CRV)
    assert CRV.maintenance_history in maintenance


@pytest.mark.parametrize("question, fact", [("hoeveel eigenaren heeft hij gehad?", "owners"),
                                            ("wat is het trekgewicht?", "towing"), ("wat verbruikt hij?", "consumption")])
def test_unknown_detail_facts_are_said_honestly(engine, question, fact):
    _, reply = ask(engine, question, BARE)
    name = car_facts.FACT_NAMES[fact][0]
    # one honest line and a promised check (issue 14 §2): sales get the question as a light task
    assert f"{name[:1].upper()}{name[1:]} van de {BARE.title} zie ik niet in mijn gegevens; ik laat het nakijken" in reply


@pytest.mark.parametrize("language, form, question, expected", [
    ("en", "je", "does it have a towbar?", "Yes, the {car} has a towbar, braked towing capacity {braked}"),
    ("de", "u", "Hat er eine Anhängerkupplung?", "Ja, der {car} hat eine Anhängerkupplung, Anhängelast gebremst {braked}"),
    ("nl", "u", "Heeft deze auto een trekhaak?", "Ja, de {car} heeft een trekhaak, geremd trekgewicht {braked}"),
])
def test_the_towbar_answer_in_the_customers_language(engine, language, form, question, expected):
    _, reply = ask(engine, question, CRV, language, form)
    assert expected.format(car=CRV.title, braked=car_facts.kg(CRV.towing_braked_kg, language)) in reply


def test_unknown_lines_say_u_to_a_customer_who_says_u(engine):
    _, reply = ask(engine, "Heeft deze auto een trekhaak?", BARE, "nl", "u")
    assert "ik laat het nakijken en app u" in reply and "app je" not in reply


def test_every_new_sentence_exists_in_four_variants():
    import agents.car_facts as module
    import agents.knowledge.ownership_texts as texts

    phrases = [value for source in (module, texts) for value in vars(source).values() if isinstance(value, Phrase)]
    phrases += list(module._CLAUSES.values())
    assert len(phrases) >= 30
    for phrase in phrases:
        assert phrase.nl and phrase.en and phrase.de and phrase.en != phrase.nl and phrase.de != phrase.nl


def test_road_tax_offers_the_snapshot_weight_in_each_language(engine):
    for language, form, question in [("nl", "je", "hoeveel wegenbelasting betaal ik voor deze?"),
                                     ("en", "je", "how much road tax would I pay for it?")]:
        understanding, reply = ask(engine, question, JAZZ, language, form)
        assert understanding.expertise.classification.primary_domain == "technical"
        assert DEALER.road_tax.calculator_url in reply
        assert JAZZ_PAGE.weight_kg is None and JAZZ.weight_kg  # the page has none: RDW by plate gave it
        assert car_facts.kg(JAZZ.weight_kg, language) in reply
    # no weight in the snapshot: the weight goes to sales as a light task, and the promise says so
    context = ConversationContext(last_cars=[BARE])
    text = "hoeveel wegenbelasting betaal ik voor deze?"
    understanding = engine.understand(text, context)
    output = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                            extraction=understanding.extraction, expertise=understanding.expertise))
    assert DEALER.road_tax.calculator_url in output.response_text
    assert f"Het gewicht van de {BARE.title} zie ik niet in mijn gegevens; ik laat het nakijken" in output.response_text
    [check] = output.open_checks
    assert check.car_id == BARE.id and check.question == text


def test_several_cars_get_a_line_each(engine):
    context = ConversationContext(last_cars=[CRV, JAZZ, BARE], listed_cars=[CRV, JAZZ, BARE])
    text = "welke heeft een trekhaak?"
    understanding = engine.understand(text, context)
    reply = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                           extraction=understanding.extraction, expertise=understanding.expertise)).response_text
    assert f"• {CRV.title}: heeft een trekhaak" in reply and f"• {JAZZ.title}: heeft een trekhaak" in reply
    assert f"• {BARE.title}: trekhaak niet vermeld" in reply


# --- search by equipment ------------------------------------------------------------------------
def test_search_by_equipment_uses_the_detail_facts():
    cars = [CRV, JAZZ, BARE, *(car for car_id, car in CARDS.items() if car_id not in {CRV.id, JAZZ.id, BARE.id})]
    index = InventoryIndex(cars)
    towbar = index.search(InventorySearchRequest(preferences=CarPreferences(equipment=["trekhaak", "navigatie"])))
    found = {match.car.id for match in towbar.matches}
    assert {CRV.id, JAZZ.id} <= found and towbar.relaxed == []
    # no 7-seater: the five-seaters the pages rule out are offered last, never as "not listed"
    seven = index.search(InventorySearchRequest(preferences=CarPreferences(equipment=["zeven_zitplaatsen"]), limit=30))
    assert seven.relaxed == ["equipment"]  # cars whose listing does not say: "uitrusting niet vermeld"
    ids = [match.car.id for match in seven.matches]
    assert CRV.id not in ids and JAZZ.id not in ids and len(ids) == len(cars) - 2
    only_five_seaters = InventoryIndex([CRV, JAZZ]).search(
        InventorySearchRequest(preferences=CarPreferences(equipment=["zeven_zitplaatsen"])))
    assert only_five_seaters.relaxed == ["equipment", "equipment_lacking"]  # said as "zonder die uitrusting"
    four = index.search(InventorySearchRequest(preferences=CarPreferences(equipment=["vierwielaandrijving"])))
    assert four.matches[0].car.id in {CRV.id, "web-7377662"} and four.relaxed == []


def test_claude_sees_the_same_facts_in_its_stock_list():
    from agents.prompts import _car_line, reply_system_prompt

    line = _car_line(CRV)
    assert f"APK tot {CRV.apk_until:%m-%Y}" in line and f"{CRV.owner_count} eigenaar(s)" in line
    assert f"trekgewicht geremd {CRV.towing_braked_kg} kg" in line and "NAP logisch" in line
    assert "heeft NIET: 7 zitplaatsen" in line and "trekhaak" in line.split("heeft NIET")[0]
    assert "heeft NIET" not in _car_line(BARE) and "APK" not in _car_line(BARE)
    assert '"heeft NIET"' in reply_system_prompt(DEALER)  # the rule that makes it a plain no


def test_the_caravan_weight_is_checked_against_the_towing_weight(engine):
    _, fits = ask(engine, f"heeft hij een trekhaak? onze caravan weegt {CRV.towing_braked_kg - 100} kg", CRV)
    assert car_facts.load_line(CRV, f"{CRV.towing_braked_kg - 100} kg") in fits and "mag er dus gewoon achter" in fits
    _, heavy = ask(engine, f"hoeveel mag hij trekken? de caravan is {CRV.towing_braked_kg + 500} kilo", CRV)
    assert f"Let op: {car_facts.kg(CRV.towing_braked_kg + 500, 'nl')} is meer dan de {car_facts.kg(CRV.towing_braked_kg, 'nl')}" in heavy


def test_a_car_already_named_is_called_by_its_model_and_linked_once(engine):
    from agents.models import Turn

    said = ConversationContext(last_cars=[CRV], history=[
        Turn(role="bot", text=f"Ja, de {CRV.title} is nog beschikbaar.\n{CRV.url}", at=NOW)])
    text = "is het een 7 zitter?"
    understanding = engine.understand(text, said)
    reply = engine.reply_sync(ReplyRequest(text=text, context=said, router=understanding.router,
                                           extraction=understanding.extraction, expertise=understanding.expertise)).response_text
    assert f"Nee, de {CRV.model} heeft {CRV.seats} zitplaatsen." in reply and CRV.url not in reply
    # two cars of one model shown: the full title stays, so it is clear which one
    other = CRV.model_copy(update={"id": "web-other", "variant": "1.5 i-VTEC Elegance"})
    both = said.model_copy(update={"listed_cars": [CRV, other]})
    understanding = engine.understand(text, both)
    reply = engine.reply_sync(ReplyRequest(text=text, context=both, router=understanding.router,
                                           extraction=understanding.extraction, expertise=understanding.expertise)).response_text
    assert CRV.title in reply


def test_the_same_unknown_option_asked_again_is_acknowledged(engine):
    from agents.models import Turn

    first = car_facts.option_unknown_line(BARE, ["trekhaak"], DEALER)
    context = ConversationContext(last_cars=[BARE], history=[Turn(role="bot", text=first, at=NOW)])
    text = "TREKHAAK?? ja of nee"
    understanding = engine.understand(text, context)
    reply = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                           extraction=understanding.extraction, expertise=understanding.expertise)).response_text
    assert "Je vroeg het al" in reply and "weet ik nog niet" in reply and first not in reply


@pytest.mark.parametrize("language, form, question, fact", [
    ("en", "je", "how many owners has it had?", "owners"),
    ("en", "je", "when does the MOT expire?", "apk"),
    ("en", "je", "is it dealer maintained?", "maintenance"),
    ("en", "je", "how much can it tow?", "towing"),
    ("de", "u", "Wie viele Vorbesitzer hatte er?", "owners"),
    ("de", "u", "Wie viel darf er ziehen?", "towing"),
    ("de", "u", "Ist er scheckheftgepflegt?", "maintenance"),
])
def test_detail_facts_asked_in_english_and_german(engine, language, form, question, fact):
    _, reply = ask(engine, question, CRV, language, form)
    line = car_facts.fact_line(CRV, fact, DEALER, language, form)
    assert line and line in reply


def test_an_option_outside_the_vocabulary_is_promised_a_check(engine):
    context = ConversationContext(last_cars=[CRV])
    text = "heeft hij stuurverwarming?"
    understanding = engine.understand(text, context)
    output = engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                            extraction=understanding.extraction, expertise=understanding.expertise))
    assert f"Of de {CRV.title} stuurverwarming heeft, zie ik niet in mijn gegevens; ik laat het nakijken" in output.response_text
    [check] = output.open_checks
    assert check.car_id == CRV.id and "stuurverwarming" in check.topic
