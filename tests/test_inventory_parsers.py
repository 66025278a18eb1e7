"""Parsers and normalisation on the captured fixtures, with exact field values."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from agents.models import Car
from inventory import normalise
from inventory.sources.http import MarkupChangedError, retry_after_seconds
from inventory.sources.marktplaats import (
    car_from_listing,
    enrich_from_ad_page,
    kenmerken,
    parse_listing_config,
    parse_search_response,
)
from inventory.sources.website import parse_listing_page
from tests.peers.inventory_site import livewire_page, mp_listing, seldenrijk_card
from tests.paths import FIXTURES

SEEN = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_autosociaal_page_cards_and_livewire_counts():
    html = (FIXTURES / "dealer_sites/autosociaal_janvandijk_occasions_p1.html").read_text()
    page = parse_listing_page(html, "https://janvandijk.nl/occasions", SEEN)
    assert (page.total_count, page.per_page, page.card_count, len(page.cars)) == (27, 15, 15, 15)
    first = page.cars[0]
    assert first.model_dump(exclude={"first_seen", "last_seen"}) == Car(
        id="web-7378626", sources=["website"], url="https://janvandijk.nl/occasions/honda/hr-v/7378626",
        make="Honda", model="HR-V", variant="1.5 i-MMD 131pk CVT Advance Privacy Glas 4 Seizoenenbanden",
        price_eur=29250, year=2022, mileage_km=34061, fuel_type="hybrid", transmission="automatic",
        body_type="suv",
    ).model_dump(exclude={"first_seen", "last_seen"})
    by_id = {car.id: car for car in page.cars}
    assert by_id["web-7336831"].fuel_type == "plug_in_hybrid"  # "Plug-in Hybride benzine"
    assert by_id["web-7384199"].fuel_type == "petrol" and by_id["web-7384199"].transmission == "automatic"  # C.V.T.
    assert by_id["web-7337062"].model == "Qashqai"  # "QASHQAI" on the card
    assert by_id["web-7376822"].make == "BMW" and by_id["web-7376822"].mileage_km == 34907
    assert by_id["web-7376822"].price_eur == 28500 and not by_id["web-7376822"].price_is_monthly


def test_seldenrijk_theme_slider_and_lease_prices():
    cars = [
        {"id": "901", "make": "Volkswagen", "model": "Golf", "variant": "1.5 TSI Life", "year": 2021, "km": 48210,
         "gear": "Handgeschakeld", "fuel": "Benzine", "price": 24950, "lease": 349,
         "images": ["https://cdn.example/golf-1.jpg", "https://cdn.example/golf-2.jpg"]},
        {"id": "902", "make": "Mercedes-Benz", "model": "C-Klasse", "variant": "Estate 180", "year": 2019,
         "km": 96400, "gear": "Automaat", "fuel": "Benzine", "lease": 289},
    ]
    html = livewire_page([seldenrijk_card(car) for car in cars], 2, 15)
    page = parse_listing_page(html, "https://www.seldenrijk.nl/aanbod-occasions", SEEN)
    golf, benz = page.cars
    assert (golf.id, golf.make, golf.model, golf.variant) == ("web-901", "Volkswagen", "Golf", "1.5 TSI Life")
    assert (golf.price_eur, golf.price_is_monthly, golf.transmission) == (24950, False, "manual")
    assert golf.image_url == "https://cdn.example/golf-1.jpg"  # data: placeholder skipped
    assert golf.url == "https://www.seldenrijk.nl/aanbod-occasions/volkswagen/golf/901"
    assert (benz.make, benz.model, benz.variant, benz.body_type) == ("Mercedes-Benz", "C-Klasse", "Estate 180", "stationwagon")
    assert (benz.price_eur, benz.price_is_monthly) == (289, True)  # lease-only card


def test_marktplaats_search_payload_schema():
    payload = json.loads((FIXTURES / "marktplaats/mppy_lrp_search_response.json").read_text())
    cars, total, listings = parse_search_response(payload, "7405065", "https://www.marktplaats.nl", SEEN)
    assert (total, listings, len(cars)) == (100, 1, 1)
    car = cars[0]
    assert (car.id, car.make, car.model, car.price_eur) == ("mp-m2064554806", "Batavus", "Damesfiets", 75)
    assert car.url == ("https://www.marktplaats.nl/v/fietsen-en-brommers/fietsen-dames-damesfietsen/"
                       "m2064554806-batavus-damesfiets-26-inch")
    assert car.image_url.startswith("https://images.marktplaats.com/") and car.image_url.endswith("_83.jpg")
    # Another seller's ads never enter the stock.
    assert parse_search_response(payload, "10866554", "https://www.marktplaats.nl", SEEN)[0] == []


def test_marktplaats_car_attributes_and_lease():
    listing = mp_listing({
        "itemId": "m2200000001", "title": "Volkswagen Tiguan 1.5 TSI Life Business DSG | Trekhaak",
        "priceCents": 3295000, "attributes": {"constructionYear": 2021, "mileage": "54.300 km", "fuel": "Benzine",
                                               "transmission": "Automaat", "body": "SUV of Terreinwagen"},
        "extended": [{"key": "licensePlate", "value": "k-123-xy", "values": ["k-123-xy"]}],
    })
    car = car_from_listing(listing, "https://www.marktplaats.nl", SEEN)
    assert (car.make, car.model, car.variant) == ("Volkswagen", "Tiguan", "1.5 TSI Life Business DSG | Trekhaak")
    assert (car.year, car.mileage_km, car.fuel_type, car.transmission, car.body_type) == (
        2021, 54300, "petrol", "automatic", "suv")
    assert (car.price_eur, car.price_is_monthly, car.license_plate) == (32950, False, "K123XY")
    lease = mp_listing({"itemId": "m2200000002", "title": "Kia Niro 1.6 GDi Hybrid", "priceCents": 39900,
                        "priceType": "LEASE_PER_MONTH", "attributes": {"fuel": "Hybride Elektrisch/Benzine"}})
    car = car_from_listing(lease, "https://www.marktplaats.nl", SEEN)
    assert (car.price_eur, car.price_is_monthly, car.fuel_type) == (399, True, "hybrid")
    bid = mp_listing({"itemId": "m2200000003", "title": "Opel Corsa 1.2", "priceCents": 0, "priceType": "FAST_BID"})
    assert car_from_listing(bid, "https://www.marktplaats.nl", SEEN).price_eur is None


def test_marktplaats_ad_page_config_and_kenmerken():
    html = (FIXTURES / "marktplaats/mpphp_vip_listing_detail_automotive.html").read_text()
    config = parse_listing_config(html)
    assert config["listing"]["itemId"] == "m2355451324"
    assert config["listing"]["priceInfo"] == {"priceCents": 630000, "priceType": "MIN_BID"}
    assert kenmerken(html)["Kilometerstand"] == "21172 km"
    bare = Car(id="mp-m2355451324", make="Yamaha", model="MT-07", sources=["marktplaats"])
    enriched = enrich_from_ad_page(bare, html)
    assert (enriched.year, enriched.mileage_km, enriched.price_eur) == (2018, 21172, 6300)
    full = (FIXTURES / "marktplaats/mpmcp_vip_listing_page_config.html").read_text()
    assert parse_listing_config(full)["listing"]["seller"]["allowCarTestDriveRequest"] is False
    with pytest.raises(MarkupChangedError):
        parse_listing_config("<html><body>nieuw ontwerp</body></html>")


@pytest.mark.parametrize("text, expected", [
    ("€ 29.250,-", (29250, False)), ("Financial lease v.a. € 289,- p/m", (289, True)),
    ("€ 1.234,56", (1234, False)), ("vanaf €199 per maand", (199, True)), ("Prijs op aanvraag", (None, False)),
])
def test_parse_price(text, expected):
    assert normalise.parse_price(text) == expected


@pytest.mark.parametrize("title, expected", [
    ("VW Golf 8 1.5 eTSI", ("Volkswagen", "Golf", "8 1.5 eTSI")),
    ("BMW 3-serie 318i", ("BMW", "3 Serie", "318i")),
    ("Mercedes A-Klasse 180", ("Mercedes-Benz", "A-Klasse", "180")),
    ("Tesla Model Y Long Range", ("Tesla", "Model Y", "Long Range")),
    ("Toyota Yaris Cross 1.5 Hybrid", ("Toyota", "Yaris Cross", "1.5 Hybrid")),
    ("Škoda Octavia Combi", ("Skoda", "Octavia", "Combi")),
])
def test_split_title(title, expected):
    assert normalise.split_title(title) == expected


def test_retry_after_forms():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None


def test_merge_same_car_from_two_sources():
    web = Car(id="web-1", sources=["website"], make="Volkswagen", model="Golf", year=2021, mileage_km=48210,
              price_eur=24950, url="https://www.seldenrijk.nl/x", first_seen=SEEN)
    mp = Car(id="mp-m1", sources=["marktplaats"], make="Volkswagen", model="Golf", year=2021, mileage_km=48900,
             price_eur=24750, color="grijs", body_type="hatchback")
    other = Car(id="mp-m2", sources=["marktplaats"], make="Volkswagen", model="Golf", year=2021, mileage_km=90000,
                price_eur=18950)
    merged, aliases = normalise.merge_sources([web], [mp, other])
    assert [car.id for car in merged] == ["web-1", "mp-m2"] and aliases == {"mp-m1": "web-1"}
    assert merged[0].sources == ["marktplaats", "website"]
    assert (merged[0].color, merged[0].url, merged[0].price_eur) == ("grijs", "https://www.seldenrijk.nl/x", 24950)
    plated = [Car(id="mp-m3", make="Volkswagen", model="Golf", year=2020, license_plate="K123XY", mileage_km=1)]
    web_plated = [web.model_copy(update={"license_plate": "K123XY"})]
    assert normalise.merge_sources(web_plated, plated)[1] == {"mp-m3": "web-1"}
