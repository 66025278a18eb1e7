"""Car equipment: read from listings, asked for by customers, searched on and answered."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agents.context import absorb_reply, absorb_understanding, prepare_context
from agents.equipment import equipment_in
from agents.knowledge.dealer import load_dealer
from agents.models import ConversationContext, ReplyRequest
from agents.rules import RulesEngine
from config import PROJECT_ROOT
from inventory.search import InventoryIndex, InventorySearchRequest
from inventory.sources.sample import sample_cars
from inventory.sources.website import parse_listing_page
from tests.paths import FIXTURES

DEALER = load_dealer(PROJECT_ROOT / "dealer.yaml")
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def test_a_real_listing_card_names_its_options():
    html = (FIXTURES / "dealer_sites/autosociaal_janvandijk_occasions_p1.html").read_text()
    cars = parse_listing_page(html, "https://www.janvandijk.nl/occasions").cars
    with_towbar = [car for car in cars if "trekhaak" in car.equipment]
    assert with_towbar and all("trekhaak" in (car.variant or "").lower() for car in with_towbar)
    assert all("trekhaak" not in car.equipment for car in cars if "trekhaak" not in (car.variant or "").lower())


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("2.0 TDI R-Line 4Motion", ["vierwielaandrijving"]),
        ("Kodiaq 1.5 TSI Business Edition 7p", ["zeven_zitplaatsen"]),
        ("320d Touring xDrive Navi Leder PDC", ["navigatie", "vierwielaandrijving", "parkeersensoren", "lederen_bekleding"]),
        ("ik leer nog voor mijn rijbewijs", []),  # "leer" is "learn", not leather
        ("1.5 TSI Life Business", []),
    ],
)
def test_options_in_listing_texts(text, options):
    assert sorted(equipment_in(text)) == sorted(options)


@pytest.mark.parametrize(
    ("text", "wished"),
    [
        ("ik zoek een 7 zitter met trekhaak", ["trekhaak", "zeven_zitplaatsen"]),
        ("zoek een suv met 4x4", ["vierwielaandrijving"]),
        ("mijn huidige auto heeft een trekhaak en die wil ik inruilen", []),  # the trade-in is no wish
        ("ik wil mijn auto inruilen voor een suv met trekhaak", ["trekhaak"]),
    ],
)
def test_equipment_wishes(text, wished):
    prefs = RulesEngine().understand(text).extraction.car_preferences
    assert sorted(prefs.equipment) == sorted(wished)


def test_search_on_equipment_and_relax_it_honestly():
    index = InventoryIndex(sample_cars(), is_sample=True)
    seven = RulesEngine().understand("ik zoek een 7 zitter met trekhaak").extraction.car_preferences
    result = index.search(InventorySearchRequest(preferences=seven))
    assert result.matches and not result.relaxed
    assert all({"trekhaak", "zeven_zitplaatsen"} <= set(m.car.equipment) for m in result.matches)
    assert "7 zitplaatsen" in result.matches[0].reasons
    opel = index.search(InventorySearchRequest(
        preferences=RulesEngine().understand("een opel met trekhaak").extraction.car_preferences))
    assert opel.matches and opel.relaxed == ["equipment"]  # no Opel lists one: shown, and said so


class _Chat:
    """The rules engine over the sample stock, with the context carried as the workflow does."""

    def __init__(self):
        self.engine = RulesEngine(dealer=DEALER, now=lambda: self.now)
        self.index = InventoryIndex(sample_cars(), is_sample=True)
        self.context = ConversationContext()
        self.now = TUESDAY

    def say(self, text: str) -> str:
        self.now += timedelta(minutes=1)
        context = prepare_context(self.context, self.now)
        understanding = self.engine.understand(text, context)
        extraction = understanding.extraction
        inventory = self.index.search(InventorySearchRequest(
            preferences=extraction.car_preferences, asks_availability=extraction.asks_availability,
            referenced_car_ids=[car.id for car in context.last_cars], text=text))
        reply = self.engine.reply_sync(ReplyRequest(text=text, context=context, router=understanding.router,
                                                    extraction=extraction, expertise=understanding.expertise,
                                                    inventory=inventory))
        after = absorb_understanding(context, text, self.now, understanding)
        known = {car.id: car for car in [*after.last_cars, *(m.car for m in inventory.matches)]}
        shown = [known[car_id] for car_id in reply.mentioned_car_ids if car_id in known]
        self.context = absorb_reply(after, reply.response_text, self.now, shown)
        return reply.response_text


def test_yes_from_the_listing_unknown_is_never_no():
    chat = _Chat()
    assert "Tiguan 2.0 TDI R-Line 4Motion" in chat.say("hebben jullie een tiguan?")
    told = chat.say("heeft die 4motion een trekhaak?")
    assert "Ja, de Volkswagen Tiguan 2.0 TDI R-Line 4Motion heeft een trekhaak" in told
    other = chat.say("en de andere, heeft die ook een trekhaak?")
    assert "Tiguan 1.5 TSI Life Business DSG" in other and "niet in mijn gegevens" in other and "nakijken" in other
    assert "geen trekhaak" not in other


def test_a_new_search_drops_the_car_aimed_at_before():
    chat = _Chat()
    chat.say("hebben jullie een tiguan?")
    text = chat.say("ik zoek eigenlijk een 7 zitter met trekhaak")
    assert "Kodiaq" in text and "Tiguan" not in text
    assert chat.context.preferences.make is None and chat.context.preferences.model is None


def test_an_option_question_about_the_one_car_named_is_answered_yes():
    chat = _Chat()
    told = chat.say("Heeft die Skoda Octavia Combi diesel een trekhaak?")
    assert "Ja, de Skoda Octavia Combi 2.0 TDI Style DSG heeft een trekhaak." in told


def test_staat_die_golf_variant_nog_answers_about_the_variant():
    """The reviewer's case: the one estate Golf in stock is said to be there, not listed among all Golfs."""
    chat = _Chat()
    text = chat.say("Hoi! Staat die Golf Variant nog?")
    assert "Ja, de Volkswagen Golf Variant 1.0 eTSI Life DSG is nog beschikbaar." in text or \
        "Goed nieuws: de Volkswagen Golf Variant 1.0 eTSI Life DSG staat er nog!" in text
    assert "Welke bedoel je" not in text
    payment = chat.say("en wat kost hij per maand als ik 5000 aanbetaal en 60 maanden?")
    assert "Golf Variant 1.0 eTSI Life DSG (€ 23.950), met € 5.000 aanbetaling (je financiert dan € 18.950)" in payment
