"""One scrape of one source, and a whole sync in-process (the CLI's `inventory sync`)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from config import Settings
from integrations.rdw import RdwClient
from inventory.details import DetailReader, DetailsCache, ProgressCallback
from inventory.models import CommitSnapshotResult, FetchSourceResult
from inventory.sources import live_sources
from inventory.sources.http import PoliteClient, SourceError
from inventory.sources.marktplaats import fetch_marktplaats
from inventory.sources.website import PageCallback, fetch_website
from inventory.store import InventoryStore


async def fetch_source(
    source: str,
    settings: Settings,
    on_page: PageCallback | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    details_cache: DetailsCache | None = None,
    on_detail: ProgressCallback | None = None,
) -> FetchSourceResult:
    """Scrape one source; failures come back as `error` (with no cars), never as an exception.

    The website's cars also get their detail-page facts (cached in `details_cache`, the store).
    """
    started = datetime.now(timezone.utc)
    try:
        async with PoliteClient(settings, transport=transport) as client:
            if source == "website":
                result = await fetch_website(
                    client, settings.inventory_website_url, settings.scraper_max_pages, on_page
                )
                if settings.scraper_detail_pages and result.cars:
                    result = await _with_details(result, settings, client, details_cache, on_detail)
                return result
            if source == "marktplaats":
                result = await fetch_marktplaats(
                    client, settings.marktplaats_base_url, settings.marktplaats_seller_id,
                    settings.scraper_max_pages, on_page,
                )
                if settings.inventory_rdw_lookup and any(car.license_plate for car in result.cars):
                    result = await _with_details(result, settings, client, details_cache, on_detail, pages=False)
                return result
            raise SourceError(f"unknown inventory source {source!r}")
    except SourceError as failure:
        return FetchSourceResult(
            source=source, error=f"{type(failure).__name__}: {failure}", fetched_at=started
        )


async def _with_details(result: FetchSourceResult, settings: Settings, client: PoliteClient,
                        cache: DetailsCache | None, on_detail: ProgressCallback | None,
                        pages: bool = True) -> FetchSourceResult:
    """The cars with their detail-page facts (`pages`) or only RDW's by plate (sources without pages we read)."""
    rdw = RdwClient(settings.rdw_api_url, timeout=settings.rdw_timeout_seconds,
                    app_token=settings.rdw_app_token.get_secret_value() if settings.rdw_app_token else None) \
        if settings.inventory_rdw_lookup else None
    reader = DetailReader(settings, client, cache, result.source, rdw)
    try:
        cars = await (reader.add_details if pages else reader.add_registration_facts)(result.cars, on_detail)
    finally:
        if rdw is not None:
            await rdw.aclose()
    stats = reader.stats
    return result.model_copy(update={"cars": cars, "details_read": stats.read, "details_failed": stats.failed,
                                     "details_deferred": stats.deferred})


async def sync_now(settings: Settings, store: InventoryStore | None = None) -> list[CommitSnapshotResult]:
    """Fetch and commit every configured live source, one after the other."""
    store = store or InventoryStore.from_settings(settings)
    results = []
    for source in live_sources(settings.inventory_sources):
        fetched = await fetch_source(source, settings, details_cache=store)
        results.append(store.commit(fetched))
    return results
