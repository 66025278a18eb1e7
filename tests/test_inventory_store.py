"""The snapshot store: atomic commits, failures keep data, sold marking, reloads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from agents.models import Car, CarPreferences
from config import Settings
from inventory.catalog import InventoryCatalog
from inventory.models import FetchSourceResult
from inventory.search import InventorySearchRequest
from inventory.store import InventoryStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def cars(*numbers: int, source: str = "website") -> list[Car]:
    prefix = "web" if source == "website" else "mp"
    return [Car(id=f"{prefix}-{n}", sources=[source], make="Volkswagen", model="Polo", year=2015 + n % 8,
                mileage_km=10000 * n, price_eur=10000 + 500 * n) for n in numbers]


def scrape(found: list[Car], at: datetime, complete: bool = True, error: str | None = None,
           source: str = "website") -> FetchSourceResult:
    return FetchSourceResult(source=source, cars=found, complete=complete, error=error, fetched_at=at, pages=1)


@pytest.fixture
def store(store_settings):
    store = InventoryStore.from_settings(store_settings)
    yield store
    store.close()


def test_complete_scrape_marks_missing_cars_sold_and_keeps_them(store):
    store.commit(scrape(cars(*range(1, 13)), T0))
    outcome = store.commit(scrape(cars(*range(2, 13)), T0 + timedelta(minutes=10)))
    assert (outcome.car_count, outcome.marked_sold, outcome.added) == (11, 1, 0)
    gone = next(car for car in store.listings(["website"]) if car.id == "web-1")
    assert gone.sold and gone.sold_at == T0 + timedelta(minutes=10) and gone.first_seen == T0
    # It comes back (ad re-placed): for sale again, first_seen unchanged.
    store.commit(scrape(cars(*range(1, 13)), T0 + timedelta(minutes=20)))
    back = next(car for car in store.listings(["website"]) if car.id == "web-1")
    assert not back.sold and back.sold_at is None and back.first_seen == T0
    assert back.last_seen == T0 + timedelta(minutes=20)


def test_failed_scrape_keeps_previous_snapshot_and_records_error(store):
    store.commit(scrape(cars(1, 2, 3), T0))
    version = store.version()
    outcome = store.commit(scrape([], T0 + timedelta(minutes=10), complete=False, error="MarkupChangedError: x"))
    assert outcome.kept_previous and outcome.car_count == 3
    assert [car.sold for car in store.listings()] == [False, False, False]
    status = store.status("website")
    assert status.last_success == T0 and status.last_error == "MarkupChangedError: x"
    assert status.last_error_at == T0 + timedelta(minutes=10) and store.version() == version + 1


def test_partial_scrape_refreshes_but_marks_nothing_sold(store):
    store.commit(scrape(cars(1, 2, 3, 4), T0))
    outcome = store.commit(scrape(cars(1, 2), T0 + timedelta(minutes=10), complete=False, error="page 2: HTTP 503"))
    assert outcome.marked_sold == 0 and outcome.car_count == 4
    assert not any(car.sold for car in store.listings())
    assert store.status("website").last_success == T0  # a partial run is not a success


def test_sudden_mass_disappearance_is_not_taken_as_sold(store):
    store.commit(scrape(cars(*range(1, 21)), T0))
    outcome = store.commit(scrape(cars(1, 2, 3), T0 + timedelta(minutes=10)))
    assert outcome.marked_sold == 0 and "not marked sold" in outcome.note
    assert store.status("website").car_count == 20


def test_catalog_uses_sample_until_live_data_and_reloads_on_change(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, inventory_sources=["website", "marktplaats"], database_url=database_url)
    catalog = InventoryCatalog(settings)
    first = catalog.index()
    assert first.is_sample and len(first) >= 60
    assert catalog.index() is first  # unchanged snapshot: no rebuild
    web = cars(1, 2)
    mp = [web[0].model_copy(update={"id": "mp-m9", "sources": ["marktplaats"], "color": "rood"})]
    catalog.store.commit(scrape(web, T0))
    catalog.store.commit(scrape(mp, T0 + timedelta(minutes=1), source="marktplaats"))
    live = catalog.index()
    assert not live.is_sample and len(live) == 2 and live.snapshot_at == T0 + timedelta(minutes=1)
    merged = live.get("mp-m9")
    assert merged.id == "web-1" and merged.sources == ["marktplaats", "website"] and merged.color == "rood"
    result = live.search(InventorySearchRequest(preferences=CarPreferences(make="Volkswagen")), T0 + timedelta(minutes=2))
    assert not result.is_sample_data and result.total_found == 2 and result.snapshot_age_seconds == 60


def test_sample_only_configuration_ignores_live_rows(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, inventory_sources=["sample"], database_url=database_url)
    catalog = InventoryCatalog(settings)
    catalog.store.commit(scrape(cars(1), T0))
    assert catalog.index().is_sample


def test_every_host_reads_the_snapshot_one_host_synced(tmp_path, database_url):
    """Two hosts (two DATA_DIRs): with PostgreSQL the second answers from the first one's sync;
    with SQLite each host has only its own file (the embedded default is one host)."""
    first = InventoryCatalog(Settings(data_dir=tmp_path / "a", inventory_sources=["website"], database_url=database_url))
    second = InventoryCatalog(Settings(data_dir=tmp_path / "b", inventory_sources=["website"], database_url=database_url))
    assert second.index().is_sample
    first.store.commit(scrape(cars(1, 2, 3), T0))
    assert second.index().is_sample is (database_url is None)
    if database_url:
        assert sorted(car.id for car in second.index().cars) == ["web-1", "web-2", "web-3"]
