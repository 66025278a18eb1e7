"""Arguments and results of the inventory activities and the sync workflow (one model each)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from agents.models import Car


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
