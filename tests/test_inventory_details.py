"""Detail pages: the parser against the (DERIVED) AutoSociaal detail pages, and the sync reading
them over HTTP from the inventory-site peer (bounded, cached per car, one failing car never breaks
the sync), with RDW by plate for what a page leaves out."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from config import Settings
from inventory.details import fingerprint
from inventory.sources.website_detail import parse_consumption, parse_date, parse_detail_page, parse_nap
from inventory.store import InventoryStore
from inventory.sync import fetch_source, sync_now
from tests.paths import FIXTURES
from tests.peers.http_peer import ThreadedServer
from tests.peers.inventory_site import InventorySite
from tests.peers.rdw import RdwPeer

CRV = FIXTURES / "dealer_sites" / "autosociaal_janvandijk_occasion_7382393_DERIVED.html"
JAZZ = FIXTURES / "dealer_sites" / "autosociaal_janvandijk_occasion_7314013_DERIVED.html"


def test_autosociaal_details_table_and_options():
    details = parse_detail_page(CRV.read_text())
    assert details.license_plate == "ZT482K"
    assert details.apk_until == date(2027, 5, 14)
    assert (details.owner_count, details.nap_logical, details.maintenance_history) == (1, True, "Volledig dealer onderhouden")
    assert (details.towing_braked_kg, details.towing_unbraked_kg, details.weight_kg) == (750, 600, 1638)
    assert (details.fuel_consumption_l_100km, details.seats, details.color) == (5.5, 5, "Grijs metallic")
    assert details.options[0] == "Trekhaak (afneembaar)" and len(details.options) == 14
    # "Adaptieve cruise control" is cruise control; "Vierwielaandrijving" in the specs is 4x4
    assert {"trekhaak", "navigatie", "cruise_control", "panoramadak", "vierwielaandrijving"} <= set(details.equipment)
    assert details.equipment_absent == ["zeven_zitplaatsen"]  # 5 seats: a definite no


def test_a_sparser_theme_with_a_definition_list_and_json_ld():
    details = parse_detail_page(JAZZ.read_text())
    assert (details.license_plate, details.apk_until) == ("K111TT", date(2026, 9, 30))  # "tot 09-2026": end of month
    assert details.owner_count == 2 and details.seats == 5  # from the JSON-LD
    assert details.nap_logical is True and details.maintenance_history == "Onderhoudsboekjes: aanwezig"
    assert details.weight_kg is None and details.fuel_consumption_l_100km is None  # not on this page
    assert {"trekhaak", "navigatie", "cruise_control"} <= set(details.equipment)
    # a full option list without a panoramic roof: no; four-wheel drive is not an option-list item: unknown
    assert "panoramadak" in details.equipment_absent and "vierwielaandrijving" not in details.equipment_absent


def test_a_page_without_facts_says_nothing():
    details = parse_detail_page("<html><body><h1>Golf</h1><p>Bel ons voor meer informatie: 0341 123456</p></body></html>")
    assert details.is_empty()


@pytest.mark.parametrize("text, expected", [
    ("14-05-2027", date(2027, 5, 14)), ("2027-05-14", date(2027, 5, 14)), ("3 maart 2027", date(2027, 3, 3)),
    ("tot mei 2027", date(2027, 5, 31)), ("02/2028", date(2028, 2, 29)), ("onbekend", None),
])
def test_apk_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("5,5 l/100km", 5.5), ("4.1 liter per 100 km", 4.1), ("1 op 20", 5.0), ("18,2 km/l", 5.5), ("15,3 kWh/100km", None),
])
def test_consumption_units(text, expected):
    assert parse_consumption(text) == expected


@pytest.mark.parametrize("text, expected", [("Logisch", True), ("NAP onlogisch", False), ("Aanwezig", True),
                                            ("Geen oordeel", None)])
def test_nap_values(text, expected):
    assert parse_nap(text) is expected


# --- the sync over HTTP -------------------------------------------------------------------
def stock() -> list[dict]:
    tiguan = {"id": "9001", "make": "Volkswagen", "model": "Tiguan", "variant": "1.5 TSI Life Business", "year": 2021,
              "km": 61200, "gear": "Automaat", "fuel": "Benzine", "price": 31950,
              "details": {"Kenteken": "1-XJR-34", "APK tot": "03-03-2027", "Aantal eigenaren": "2",
                          "Trekgewicht geremd": "2.000 kg", "Trekgewicht ongeremd": "750 kg", "Aantal zitplaatsen": "5"},
              "options": ["Trekhaak elektrisch uitklapbaar", "Navigatie", "Cruise control", "Climatronic", "Parkeersensoren"]}
    touran = {"id": "9002", "make": "Volkswagen", "model": "Touran", "variant": "1.5 TSI Highline", "year": 2020,
              "km": 78000, "gear": "Handgeschakeld", "fuel": "Benzine", "price": 24950,
              "details": {"Aantal zitplaatsen": "7", "NAP": "Logisch"}}
    others = [{"id": str(9100 + n), "make": "Kia", "model": "Picanto", "variant": f"1.0 Comfort {n}", "year": 2019,
               "km": 40000 + n, "gear": "Handgeschakeld", "fuel": "Benzine", "price": 9950 + n} for n in range(6)]
    return [tiguan, touran, *others]


@pytest.fixture(scope="module")
def servers():
    site = InventorySite(seldenrijk_cars=stock(), per_page=15)
    with ThreadedServer(site.app()) as server, RdwPeer() as rdw:
        site.url = server.url
        yield site, rdw


@pytest.fixture
def settings(servers, tmp_path, database_url):
    """On both store backends (the details table is a migration of the snapshot store)."""
    site, rdw = servers
    site.faults.clear()
    site.requests.clear()
    site.detail_seconds, site.details_most_at_once = 0.0, 0
    rdw.requests.clear()
    return Settings(data_dir=tmp_path, inventory_sources=["website"], inventory_website_url=f"{site.url}/aanbod-occasions",
                    scraper_delay_seconds=0, scraper_timeout_seconds=2, scraper_detail_concurrency=2,
                    rdw_api_url=rdw.url, database_url=database_url)


def detail_requests(site) -> list[int]:
    return [request["page"] for request in site.requests if request["route"] == "detail"]


async def test_sync_stores_the_detail_facts_with_the_snapshot(servers, settings):
    site, rdw = servers
    site.detail_seconds = 0.05
    store = InventoryStore.from_settings(settings)
    [commit] = await sync_now(settings, store)
    assert commit.car_count == 8 and commit.note is None
    assert sorted(detail_requests(site)) == sorted(int(car["id"]) for car in stock())
    assert 1 <= site.details_most_at_once <= 2  # scraper_detail_concurrency
    cars = {car.id: car for car in InventoryStore.from_settings(settings).listings()}
    tiguan = cars["web-9001"]
    assert (tiguan.license_plate, tiguan.apk_until, tiguan.owner_count) == ("1XJR34", date(2027, 3, 3), 2)
    assert (tiguan.towing_braked_kg, tiguan.towing_unbraked_kg) == (2000, 750)
    assert "trekhaak" in tiguan.equipment and "zeven_zitplaatsen" in tiguan.equipment_absent
    # what the page left out came from RDW by the plate: weight and consumption
    assert (tiguan.weight_kg, tiguan.fuel_consumption_l_100km) == (1163, 5.4)
    assert rdw.plates_asked() == ["1XJR34", "1XJR34"]  # vehicles + fuels, once
    touran = cars["web-9002"]
    assert "zeven_zitplaatsen" in touran.equipment and touran.nap_logical is True


async def test_unchanged_cars_are_not_read_again_and_a_changed_card_is(servers, settings):
    site, rdw = servers
    store = InventoryStore.from_settings(settings)
    await sync_now(settings, store)
    site.requests.clear()
    rdw.requests.clear()
    [commit] = await sync_now(settings, store)
    assert detail_requests(site) == [] and rdw.requests == []  # all eight from the cache
    assert next(car for car in store.listings() if car.id == "web-9001").towing_braked_kg == 2000
    site.seldenrijk_cars[2]["price"] -= 500  # a price drop: that card's page is read again
    try:
        await sync_now(settings, store)
    finally:
        site.seldenrijk_cars[2]["price"] += 500
    assert detail_requests(site) == [9100]


async def test_one_failing_detail_page_never_breaks_the_sync(servers, settings):
    site, _ = servers
    store = InventoryStore.from_settings(settings)
    await sync_now(settings, store)
    site.seldenrijk_cars[0]["variant"] += " Edition"  # changed card: read again, but the page fails
    for _ in range(4):
        site.fail("detail", 9001, status=503)
    site.fail("detail", 9002, status=404)
    site.seldenrijk_cars[1]["km"] += 100
    try:
        result = await fetch_source("website", settings, details_cache=store)
    finally:
        site.seldenrijk_cars[0]["variant"] = site.seldenrijk_cars[0]["variant"].removesuffix(" Edition")
        site.seldenrijk_cars[1]["km"] -= 100
    assert result.error is None and result.complete and len(result.cars) == 8
    assert result.details_failed == 2 and result.details_read == 0
    tiguan = next(car for car in result.cars if car.id == "web-9001")
    assert tiguan.towing_braked_kg == 2000  # the earlier facts stay


async def test_reads_per_sync_are_capped_and_the_rest_follow(servers, settings):
    site, _ = servers
    capped = settings.model_copy(update={"scraper_detail_max_per_sync": 3})
    store = InventoryStore.from_settings(capped)
    first = await fetch_source("website", capped, details_cache=store)
    assert (first.details_read, first.details_deferred) == (3, 5)
    second = await fetch_source("website", capped, details_cache=store)
    assert (second.details_read, second.details_deferred) == (3, 2)


async def test_real_capture_cards_read_their_pages_from_the_listing_host(servers, settings):
    site, rdw = servers
    jvd = settings.model_copy(update={"inventory_website_url": f"{site.url}/occasions"})
    result = await fetch_source("website", jvd, details_cache=InventoryStore.from_settings(jvd))
    assert result.complete and len(result.cars) == 27
    crv = next(car for car in result.cars if car.id == "web-7382393")
    assert crv.url == "https://janvandijk.nl/occasions/honda/cr-v/7382393"  # the link customers get
    assert (crv.apk_until, crv.owner_count, crv.towing_braked_kg) == (date(2027, 5, 14), 1, 750)
    jazz = next(car for car in result.cars if car.id == "web-7314013")
    assert (jazz.weight_kg, jazz.fuel_consumption_l_100km, jazz.towing_braked_kg) == (1228, 4.5, 500)  # RDW
    # 13 real cards have no page on the peer (404): they keep their card facts, the sync is complete
    assert result.details_failed == 13 and result.error is None


def test_an_older_snapshot_database_gets_the_details_table(tmp_path):
    path = tmp_path / "inventory.sqlite3"
    with sqlite3.connect(path) as db:  # a snapshot written before detail pages existed
        db.executescript("""CREATE TABLE listings (source TEXT NOT NULL, car_id TEXT NOT NULL, car_json TEXT NOT NULL,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, sold INTEGER NOT NULL DEFAULT 0, sold_at TEXT,
            PRIMARY KEY (source, car_id));
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('version', '7');""")
        db.execute("INSERT INTO listings VALUES ('website', 'web-1', ?, '2026-01-01T00:00:00+00:00', "
                   "'2026-01-01T00:00:00+00:00', 0, NULL)", ('{"id": "web-1", "make": "Kia", "model": "Niro"}',))
    store = InventoryStore(path)
    [car] = store.listings()
    assert car.model == "Niro" and car.apk_until is None and car.equipment_absent == []
    assert store.cached_details("website") == {} and store.version() == 7


def test_fingerprint_follows_the_card():
    from agents.models import Car

    car = Car(id="web-1", make="Kia", model="Niro", price_eur=20000, mileage_km=1000, url="https://x/1")
    assert fingerprint(car) == fingerprint(car.model_copy(update={"apk_until": date(2027, 1, 1)}))
    assert fingerprint(car) != fingerprint(car.model_copy(update={"price_eur": 19500}))


async def test_search_by_equipment_after_a_sync(servers, settings):
    from agents.models import CarPreferences
    from inventory.catalog import InventoryCatalog
    from inventory.search import InventorySearchRequest

    store = InventoryStore.from_settings(settings)
    await sync_now(settings, store)
    catalog = InventoryCatalog(settings.model_copy(update={"inventory_sources": ["website"]}), store)
    seven = catalog.index().search(InventorySearchRequest(preferences=CarPreferences(equipment=["zeven_zitplaatsen"])))
    assert [m.car.id for m in seven.matches][:1] == ["web-9002"] and seven.relaxed == []  # "Aantal zitplaatsen: 7"
    towbar = catalog.index().search(InventorySearchRequest(preferences=CarPreferences(equipment=["trekhaak"])))
    assert towbar.matches[0].car.id == "web-9001" and towbar.relaxed == []  # from the page's option list


async def test_marktplaats_cars_with_a_plate_get_rdw_facts_once(servers, settings):
    from tests.peers.inventory_site import SELLER_ID, mp_listing

    site, rdw = servers
    site.mp_listings = [mp_listing({"itemId": "m5000000001", "title": "Toyota C-HR 1.8 Hybrid", "priceCents": 2195000,
                                    "attributes": {"constructionYear": 2019, "mileage": 81000, "licensePlate": "12-ABC-3"}}),
                        mp_listing({"itemId": "m5000000002", "title": "Kia Picanto", "priceCents": 995000,
                                    "attributes": {"constructionYear": 2019, "mileage": 50000}})]
    mp = settings.model_copy(update={"inventory_sources": ["marktplaats"], "marktplaats_base_url": site.url,
                                     "marktplaats_seller_id": SELLER_ID})
    store = InventoryStore.from_settings(mp)
    try:
        result = await fetch_source("marktplaats", mp, details_cache=store)
        again = await fetch_source("marktplaats", mp, details_cache=store)
    finally:
        site.mp_listings = []
    chr_ = next(car for car in result.cars if car.id == "mp-m5000000001")
    assert (chr_.license_plate, chr_.weight_kg, chr_.apk_until) == ("12ABC3", 1380, date(2026, 9, 20))
    assert next(car for car in again.cars if car.id == "mp-m5000000001").weight_kg == 1380  # from the cache
    assert rdw.plates_asked() == ["12ABC3", "12ABC3"]  # vehicles + fuels, first sync only; no plate, no lookup


async def test_rdw_down_keeps_the_page_facts_and_asks_rdw_again_next_sync(servers, settings):
    site, rdw = servers
    store = InventoryStore.from_settings(settings)
    rdw.fail_next(20, status=500)  # RDW has a bad moment (the client's retries included)
    first = await fetch_source("website", settings, details_cache=store)
    tiguan = next(car for car in first.cars if car.id == "web-9001")
    assert tiguan.towing_braked_kg == 2000 and tiguan.weight_kg is None  # page facts, no RDW weight
    rdw.recover()
    second = await fetch_source("website", settings, details_cache=store)
    assert next(car for car in second.cars if car.id == "web-9001").weight_kg == 1163
    assert second.details_read == 1  # only the car whose RDW lookup failed was read again
