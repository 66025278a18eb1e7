"""One scrape of one source, and a whole sync in-process (the CLI's `inventory sync`)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from config import Settings
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
) -> FetchSourceResult:
    """Scrape one source; failures come back as `error` (with no cars), never as an exception."""
    started = datetime.now(timezone.utc)
    try:
        async with PoliteClient(settings, transport=transport) as client:
            if source == "website":
                return await fetch_website(
                    client, settings.inventory_website_url, settings.scraper_max_pages, on_page
                )
            if source == "marktplaats":
                return await fetch_marktplaats(
                    client, settings.marktplaats_base_url, settings.marktplaats_seller_id,
                    settings.scraper_max_pages, on_page,
                )
            raise SourceError(f"unknown inventory source {source!r}")
    except SourceError as failure:
        return FetchSourceResult(
            source=source, error=f"{type(failure).__name__}: {failure}", fetched_at=started
        )


async def sync_now(settings: Settings, store: InventoryStore | None = None) -> list[CommitSnapshotResult]:
    """Fetch and commit every configured live source, one after the other."""
    store = store or InventoryStore.from_settings(settings)
    results = []
    for source in live_sources(settings.inventory_sources):
        fetched = await fetch_source(source, settings)
        results.append(store.commit(fetched))
    return results
