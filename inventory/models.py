"""Arguments and results of the inventory activities and the sync workflow (one model each)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from agents.models import Car


class CarDetails(BaseModel):
    """What one car's detail page says beyond its list card (None/empty: the page does not say)."""

    license_plate: str | None = None  # compact: "ZT482K"
    apk_until: date | None = None
    owner_count: int | None = None
    nap_logical: bool | None = None
    maintenance_history: str | None = None
    towing_braked_kg: int | None = None
    towing_unbraked_kg: int | None = None
    seats: int | None = None
    weight_kg: int | None = None
    fuel_consumption_l_100km: float | None = None
    electric_range_km: int | None = None
    color: str | None = None
    options: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)  # agents.equipment keys the page names
    equipment_absent: list[str] = Field(default_factory=list)  # keys the page's full specs rule out
    fetched_at: datetime | None = None

    def is_empty(self) -> bool:
        return not any(value for key, value in self.model_dump(exclude={"fetched_at"}).items())


class CachedDetails(BaseModel):
    """A car's detail facts as last read, with the list-card fingerprint they were read for."""

    fingerprint: str
    details: CarDetails


class FetchSourceRequest(BaseModel):
    source: str  # "website" | "marktplaats"


class FetchSourceResult(BaseModel):
    """What one scrape of one source produced."""

    source: str
    cars: list[Car] = Field(default_factory=list)
    complete: bool = False  # every page read: cars missing from it may be marked sold
    pages: int = 0
    expected_count: int | None = None  # what the source said it has
    error: str | None = None  # set when the scrape stopped early (cars holds what was read)
    fetched_at: datetime
    details_read: int = 0  # detail pages read this run (the rest came from the cache)
    details_failed: int = 0  # pages that could not be read: those cars keep their earlier facts
    details_deferred: int = 0  # over this run's budget: read by a next sync


class CommitSnapshotRequest(BaseModel):
    result: FetchSourceResult


class CommitSnapshotResult(BaseModel):
    source: str
    car_count: int = 0  # active listings of this source after the commit
    added: int = 0
    marked_sold: int = 0
    kept_previous: bool = False  # the scrape failed: the earlier snapshot stays
    note: str | None = None


class SourceStatus(BaseModel):
    source: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    car_count: int = 0
    sold_count: int = 0
    complete: bool = False
    pages: int = 0


class InventorySyncInput(BaseModel):
    sources: list[str] = Field(default_factory=lambda: ["website", "marktplaats"])
    fetch_timeout_seconds: int = 1800
    heartbeat_timeout_seconds: int = 180


class InventorySyncResult(BaseModel):
    commits: list[CommitSnapshotResult] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
