"""Detail pages for the cars a listing scrape found: read a few at a time, cached per car.

A car's detail facts (APK, owners, NAP, towing weight, options) are cached in the store by car
id with a fingerprint of its list card: an unchanged car is not read again until the facts are
`scraper_detail_max_age_hours` old. New reads per sync are capped, so the first sync of a big
stock spreads over a few runs. A page that fails keeps the car's earlier facts (or none): one
car never breaks the sync. With a plate and facts still missing, RDW open data fills in weight,
towing weight, APK and consumption.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Protocol
from urllib.parse import urljoin, urlparse, urlunparse

from agents.models import Car
from agents.tradein_models import RdwVehicle
from config import Settings
from integrations.rdw import RdwClient
from inventory.models import CachedDetails, CarDetails
from inventory.sources.http import PoliteClient, SourceError
from inventory.sources.website_detail import parse_detail_page

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int], Awaitable[None] | None]


class DetailsCache(Protocol):
    def cached_details(self, source: str) -> dict[str, CachedDetails]: ...

    def save_details(self, source: str, car_id: str, cached: CachedDetails) -> None: ...


@dataclass
class DetailStats:
    read: int = 0  # pages read this sync
    cached: int = 0  # fresh facts reused without a request
    failed: int = 0  # pages that could not be read (earlier facts kept)
    deferred: int = 0  # over this sync's budget: next sync


def fingerprint(car: Car) -> str:
    """What the list card says about the car: when it changes, the detail page is read again."""
    card = "|".join(str(part) for part in (car.url, car.variant, car.price_eur, car.mileage_km, car.year))
    return hashlib.sha1(card.encode()).hexdigest()[:16]


def apply_details(car: Car, details: CarDetails) -> Car:
    """The car with its detail facts: the list card's own values win where both have one."""
    update = {field: value for field, value in details.model_dump(exclude={"fetched_at", "equipment", "equipment_absent",
                                                                          "license_plate", "color", "options"}).items()
              if value is not None}
    equipment = list(dict.fromkeys([*car.equipment, *details.equipment]))
    update.update(
        equipment=equipment,
        equipment_absent=[key for key in details.equipment_absent if key not in equipment],
        options=details.options,
        license_plate=car.license_plate or details.license_plate,
        color=car.color or details.color,
        details_at=details.fetched_at,
    )
    return car.model_copy(update=update)


def with_rdw(details: CarDetails, vehicle: RdwVehicle) -> CarDetails:
    """The page's facts, gaps filled from RDW's registration (the page wins where both say something)."""
    nap = {"logisch": True, "onlogisch": False}.get((vehicle.odometer_judgement or "").strip().lower())
    from_rdw = {
        "weight_kg": vehicle.empty_mass_kg, "towing_braked_kg": vehicle.towing_braked_kg,
        "towing_unbraked_kg": vehicle.towing_unbraked_kg, "apk_until": vehicle.apk_expiry, "seats": vehicle.seats,
        "fuel_consumption_l_100km": vehicle.fuel_consumption_l_100km, "electric_range_km": vehicle.electric_range_km,
        "nap_logical": nap,
    }
    update = {field: value for field, value in from_rdw.items() if value is not None and getattr(details, field) is None}
    if update.get("seats"):
        seats = update["seats"]
        if seats >= 7 and "zeven_zitplaatsen" not in details.equipment:
            update["equipment"] = [*details.equipment, "zeven_zitplaatsen"]
        elif seats < 7 and "zeven_zitplaatsen" not in details.equipment_absent:
            update["equipment_absent"] = [*details.equipment_absent, "zeven_zitplaatsen"]
    return details.model_copy(update=update)


def _needs_rdw(details: CarDetails) -> bool:
    return bool(details.license_plate) and any(
        value is None for value in (details.weight_kg, details.towing_braked_kg, details.apk_until,
                                    details.fuel_consumption_l_100km or details.electric_range_km)
    )


class DetailReader:
    def __init__(self, settings: Settings, client: PoliteClient, cache: DetailsCache | None, source: str,
                 rdw: RdwClient | None = None):
        self.settings = settings
        self.client = client
        self.cache = cache
        self.source = source
        self.rdw = rdw
        self.stats = DetailStats()
        self._retry_next_sync: set[str] = set()  # read, but RDW failed: not cached

    def page_url(self, car: Car) -> str:
        """The car's page on the site we scrape: a card linking to another host (a canonical
        www-less address) is read from the listing's own host, never from a stranger's."""
        link, own = urlparse(car.url or ""), urlparse(self.settings.inventory_website_url)
        if link.netloc and link.netloc != own.netloc:
            return urlunparse(own._replace(path=link.path, query=link.query, fragment=""))
        return urljoin(self.settings.inventory_website_url, car.url or "")

    async def _read(self, car: Car) -> CarDetails | None:
        try:
            response = await self.client.get(self.page_url(car))
            # parsing is CPU work: off the event loop, so the worker's other activities keep running
            details = await asyncio.to_thread(parse_detail_page, response.text)
        except SourceError as failure:
            log.info("detail page of %s not read: %s", car.id, failure)
            return None
        except Exception:  # a page the parser chokes on is one car's problem, never the sync's
            log.exception("detail page of %s could not be parsed", car.id)
            return None
        if self.rdw is not None and _needs_rdw(details):
            try:
                vehicle = await self.rdw.vehicle(details.license_plate)  # type: ignore[arg-type]
            except Exception as failure:  # IntegrationError or worse: one car's extra facts, never the sync
                log.info("RDW lookup for %s failed: %s", car.id, failure)
                self._retry_next_sync.add(car.id)  # the page's facts now, RDW's on the next sync
                vehicle = None
            if vehicle is not None:
                details = with_rdw(details, vehicle)
        return details.model_copy(update={"fetched_at": datetime.now(timezone.utc)})

    async def _registration(self, car: Car) -> CarDetails | None:
        """RDW's facts for a car whose source has no detail page we read (Marktplaats): by its plate."""
        details = CarDetails(license_plate=car.license_plate)
        try:
            vehicle = await self.rdw.vehicle(car.license_plate)  # type: ignore[union-attr, arg-type]
        except Exception as failure:  # IntegrationError or worse: one car's extra facts, never the sync
            log.info("RDW lookup for %s failed: %s", car.id, failure)
            return None  # not cached: asked again next sync
        details = with_rdw(details, vehicle) if vehicle is not None else details
        return details.model_copy(update={"fetched_at": datetime.now(timezone.utc)})

    async def add_registration_facts(self, cars: list[Car], on_progress: ProgressCallback | None = None) -> list[Car]:
        """Weight, towing weight, APK and consumption from RDW for the cars with a plate, cached like pages."""
        if self.rdw is None:
            return cars
        with_plate = [car for car in cars if car.license_plate and car.weight_kg is None]
        return await self._fill(cars, with_plate, self._registration, on_progress)

    async def add_details(self, cars: list[Car], on_progress: ProgressCallback | None = None) -> list[Car]:
        return await self._fill(cars, [car for car in cars if car.url], self._read, on_progress)

    async def _fill(self, cars: list[Car], wanted: list[Car], read_one: Callable[[Car], Awaitable[CarDetails | None]],
                    on_progress: ProgressCallback | None) -> list[Car]:
        cached = self.cache.cached_details(self.source) if self.cache is not None else {}
        max_age = timedelta(hours=self.settings.scraper_detail_max_age_hours)
        now = datetime.now(timezone.utc)
        to_read: list[Car] = []
        for car in wanted:
            entry = cached.get(car.id)
            fresh = entry is not None and entry.fingerprint == fingerprint(car) and entry.details.fetched_at is not None \
                and now - entry.details.fetched_at < max_age
            if fresh:
                self.stats.cached += 1
            else:
                to_read.append(car)
        budget = max(0, self.settings.scraper_detail_max_per_sync)
        self.stats.deferred = max(0, len(to_read) - budget)
        to_read = to_read[:budget]
        gate = asyncio.Semaphore(max(1, self.settings.scraper_detail_concurrency))
        done = 0

        async def read(car: Car) -> None:
            nonlocal done
            async with gate:
                details = await read_one(car)
            done += 1
            if details is None:
                self.stats.failed += 1
            else:
                self.stats.read += 1
                entry = CachedDetails(fingerprint=fingerprint(car), details=details)
                cached[car.id] = entry
                if self.cache is not None and car.id not in self._retry_next_sync:
                    try:
                        self.cache.save_details(self.source, car.id, entry)
                    except Exception:  # the cache is an optimisation: the facts still go into this snapshot
                        log.exception("could not cache the detail facts of %s", car.id)
            if on_progress:
                outcome = on_progress(done, len(to_read))
                if outcome is not None:
                    await outcome

        await asyncio.gather(*(read(car) for car in to_read))
        # A car whose page failed or waits for a later sync keeps the facts read before.
        return [apply_details(car, cached[car.id].details) if car.id in cached else car for car in cars]
