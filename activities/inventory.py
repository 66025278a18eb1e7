"""Inventory activities: search the snapshot (milliseconds), scrape a source, commit a scrape.

Thin adapters over `inventory/`; the worker registers
`search_inventory`, `fetch_source` and `commit_snapshot` of one `InventoryActivities`.
"""

from __future__ import annotations

import asyncio

from temporalio import activity

from agents.models import InventorySearchResult
from config import Settings
from inventory import sync
from inventory.catalog import InventoryCatalog
from inventory.models import CommitSnapshotRequest, CommitSnapshotResult, FetchSourceRequest, FetchSourceResult
from inventory.search import InventorySearchRequest
from inventory.store import InventoryStore
from observability import metrics


class InventoryActivities:
    def __init__(self, settings: Settings, store: InventoryStore | None = None):
        self.settings = settings
        self.store = store or InventoryStore.from_settings(settings)
        self.catalog = InventoryCatalog(settings, self.store)

    @activity.defn
    async def search_inventory(self, request: InventorySearchRequest) -> InventorySearchResult:
        result = (await self.catalog.index_async()).search(request)
        metrics.INVENTORY_SEARCH_SECONDS.observe(result.search_ms / 1000)
        return result

    @activity.defn
    async def fetch_source(self, request: FetchSourceRequest) -> FetchSourceResult:
        def heartbeat(page: int, cars: int) -> None:
            activity.heartbeat({"page": page, "cars": cars})

        def detail_heartbeat(done: int, total: int) -> None:
            activity.heartbeat({"details": done, "of": total})

        return await sync.fetch_source(request.source, self.settings, on_page=heartbeat, details_cache=self.store,
                                       on_detail=detail_heartbeat)

    @activity.defn
    async def commit_snapshot(self, request: CommitSnapshotRequest) -> CommitSnapshotResult:
        result = await asyncio.to_thread(self.store.commit, request.result)
        status = self.store.status(result.source)
        if status is not None and status.last_success is not None:
            metrics.record_inventory_snapshot(result.source, status.last_success.timestamp(), result.car_count)
        return result
