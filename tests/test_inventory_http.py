"""Scraping over real HTTP against a local stand-in site: pagination, 429, 5xx, timeouts, redesigns."""

from __future__ import annotations

import io
import json

import pytest

from config import Settings
from inventory import cli
from inventory.store import InventoryStore
from inventory.sync import fetch_source, sync_now
from tests.peers.http_peer import ThreadedServer
from tests.peers.inventory_site import SELLER_ID, InventorySite, mp_listing


def seldenrijk_stock(count: int) -> list[dict]:
    makes = [("Volkswagen", "Golf"), ("Kia", "Niro"), ("Toyota", "Yaris"), ("Peugeot", "208")]
    stock = []
    for n in range(count):
        make, model = makes[n % len(makes)]
        stock.append({"id": str(8000 + n), "make": make, "model": model, "variant": f"1.0 Editie {n}",
                      "year": 2016 + n % 8, "km": 20000 + 3000 * n, "gear": "Automaat" if n % 2 else "Handgeschakeld",
                      "fuel": "Benzine", "price": 12000 + 250 * n, "lease": 199 + n,
                      "images": [f"https://cdn.example/{n}.jpg"]})
    return stock


@pytest.fixture(scope="module")
def site():
    site = InventorySite(seldenrijk_cars=seldenrijk_stock(40), per_page=15)
    site.mp_listings = [
        mp_listing({"itemId": f"m30000000{n:02d}", "title": f"Volkswagen Golf 1.5 TSI Life {n}",
                    "priceCents": 2000000 + n * 10000,
                    "attributes": {"constructionYear": 2020, "mileage": 40000 + n * 1000, "fuel": "Benzine"}})
        for n in range(130)
    ] + [mp_listing({"itemId": "m3999999999", "title": "Opel Corsa van iemand anders", "priceCents": 500000,
                     "attributes": {"constructionYear": 2015, "mileage": 1}}, seller_id="42")]
    with ThreadedServer(site.app()) as server:
        site.url = server.url
        yield site


@pytest.fixture
def settings(site, tmp_path):
    site.faults.clear()
    site.requests.clear()
    site.markup_changed = False
    return Settings(
        data_dir=tmp_path, inventory_sources=["website", "marktplaats"],
        inventory_website_url=f"{site.url}/aanbod-occasions", marktplaats_base_url=site.url,
        marktplaats_seller_id=SELLER_ID, scraper_delay_seconds=0, scraper_timeout_seconds=0.5,
        scraper_max_pages=10, scraper_user_agent="SeldenrijkVoorraadBot/test",
        scraper_detail_pages=False,  # listing pages here; detail pages and RDW: tests/test_inventory_details.py
    )


async def test_website_paginates_to_the_announced_count(settings, site):
    pages_seen = []
    result = await fetch_source("website", settings, on_page=lambda page, cars: pages_seen.append((page, cars)))
    assert result.error is None and result.complete and result.expected_count == 40
    assert len(result.cars) == 40 and pages_seen == [(1, 15), (2, 30), (3, 40)]
    assert {r["user_agent"] for r in site.requests} == {"SeldenrijkVoorraadBot/test"}
    golf = next(car for car in result.cars if car.id == "web-8000")
    assert (golf.make, golf.model, golf.price_eur, golf.price_is_monthly, golf.transmission) == (
        "Volkswagen", "Golf", 12000, False, "manual")


async def test_real_autosociaal_capture_over_http(settings, site):
    jvd = settings.model_copy(update={"inventory_website_url": f"{site.url}/occasions"})
    result = await fetch_source("website", jvd)
    assert result.complete and len(result.cars) == 27 and result.pages == 2


async def test_429_with_retry_after_then_success(settings, site):
    site.fail("website", 2, status=429, retry_after="0")
    result = await fetch_source("website", settings)
    assert result.complete and len(result.cars) == 40
    assert [r["page"] for r in site.requests] == [1, 2, 2, 3]


async def test_too_long_retry_after_gives_up_this_run(settings, site):
    site.fail("website", 1, status=429, retry_after="3600")
    result = await fetch_source("website", settings)
    assert result.cars == [] and "Retry-After 3600s" in result.error and len(site.requests) == 1


async def test_5xx_is_retried_then_a_page_that_keeps_failing_makes_a_partial_scrape(settings, site):
    site.fail("website", 1, status=503)
    for _ in range(4):
        site.fail("website", 3, status=500)
    result = await fetch_source("website", settings)
    assert not result.complete and len(result.cars) == 30
    assert "page 3" in result.error and "HTTP 500 (after 4 attempts)" in result.error
    store = InventoryStore.from_settings(settings)
    store.commit(result)
    assert store.status("website").car_count == 30 and store.status("website").last_success is None


async def test_timeouts_keep_the_previous_snapshot(settings, site):
    store = InventoryStore.from_settings(settings)
    store.commit(await fetch_source("website", settings))
    for _ in range(4):
        site.fail("website", 1, sleep=0.4)
    impatient = settings.model_copy(update={"scraper_timeout_seconds": 0.15})
    outcome = store.commit(await fetch_source("website", impatient))
    assert outcome.kept_previous and "timeout" in outcome.note
    assert store.status("website").car_count == 40
    assert not any(car.sold for car in store.listings(["website"]))


async def test_changed_markup_is_a_clear_error_and_keeps_the_snapshot(settings, site):
    store = InventoryStore.from_settings(settings)
    store.commit(await fetch_source("website", settings))
    site.markup_changed = True
    outcome = store.commit(await fetch_source("website", settings))
    assert outcome.kept_previous
    assert outcome.note.startswith("MarkupChangedError:") and "markup may have changed" in outcome.note
    assert store.status("website").car_count == 40 and "MarkupChangedError" in store.status("website").last_error


async def test_marktplaats_pages_by_offset_and_only_keeps_the_dealers_ads(settings, site):
    result = await fetch_source("marktplaats", settings)
    assert result.complete and result.expected_count == 130 and len(result.cars) == 130
    params = [r["params"] for r in site.requests if r["route"] == "marktplaats"]
    assert [p["offset"] for p in params] == ["0", "100"]
    assert {p["sellerId"] for p in params} == {SELLER_ID} and {p["l1CategoryId"] for p in params} == {"91"}
    car = next(car for car in result.cars if car.id == "mp-m3000000005")
    assert (car.make, car.model, car.price_eur, car.year, car.mileage_km) == ("Volkswagen", "Golf", 20500, 2020, 45000)
    assert car.url.startswith(site.url + "/v/auto-s/m3000000005-")


async def test_marktplaats_ignoring_the_seller_filter_never_imports_strangers(settings, site):
    site.ignore_seller_filter = True
    try:
        result = await fetch_source("marktplaats", settings)
    finally:
        site.ignore_seller_filter = False
    assert len(result.cars) == 130 and "mp-m3999999999" not in {car.id for car in result.cars}


async def test_marktplaats_reads_the_ad_page_when_year_or_mileage_is_missing(settings, site):
    site.mp_listings.append(mp_listing({"itemId": "m3888888888", "title": "Skoda Octavia Combi", "priceCents": 1500000}))
    try:
        result = await fetch_source("marktplaats", settings)
    finally:
        site.mp_listings.pop()
    octavia = next(car for car in result.cars if car.id == "mp-m3888888888")
    assert (octavia.year, octavia.mileage_km, octavia.fuel_type, octavia.body_type) == (2019, 88500, "diesel", "stationwagon")
    assert [r["route"] for r in site.requests].count("ad") == 1


async def test_cli_sync_status_list_and_search(settings, site):
    out = io.StringIO()
    assert await cli.sync_async(settings, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("website: 40 cars, 40 new, 0 marked sold")
    assert lines[1].startswith("marktplaats: 130 cars, 130 new")
    out = io.StringIO()
    cli.status(settings, out)
    assert "live snapshot" in out.getvalue() and "website: 40 for sale, 0 sold" in out.getvalue()
    out = io.StringIO()
    cli.list_cars(settings, as_json=True, out=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 170 and {"id", "make", "model", "price_eur", "sources"} <= set(rows[0])
    from agents.models import CarPreferences

    out = io.StringIO()
    cli.search(settings, "kia automaat", CarPreferences(make="Kia", transmission="automatic"), limit=3, out=out, as_json=True)
    found = json.loads(out.getvalue())
    assert found["is_sample_data"] is False and len(found["matches"]) == 3
    assert all(m["car"]["make"] == "Kia" and m["car"]["transmission"] == "automatic" for m in found["matches"])
    site.fail("marktplaats", 1, status=404)
    out = io.StringIO()
    assert await cli.sync_async(settings, out) == 1
    assert "marktplaats: kept previous snapshot" in out.getvalue()


async def test_sync_now_marks_sold_after_a_full_scrape(settings, site):
    store = InventoryStore.from_settings(settings)
    await sync_now(settings, store)
    removed = site.seldenrijk_cars.pop(0)
    try:
        results = await sync_now(settings, store)
    finally:
        site.seldenrijk_cars.insert(0, removed)
    assert results[0].marked_sold == 1
    assert next(car for car in store.listings(["website"]) if car.id == "web-8000").sold
