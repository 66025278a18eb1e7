"""The searchable view of the snapshot: merged across sources, rebuilt only when it changes."""

from __future__ import annotations

import threading

from config import Settings
from integrations.db import off_loop
from inventory.normalise import merge_sources
from inventory.search import InventoryIndex
from inventory.sources import LIVE_SOURCES, live_sources
from inventory.sources.sample import sample_cars
from inventory.store import InventoryStore


def build_index(store: InventoryStore, configured_sources: list[str]) -> InventoryIndex:
    """Live listings merged (website first: its ids and urls win); the sample when there are none."""
    sources = [source for source in LIVE_SOURCES if source in live_sources(configured_sources)]
    merged, aliases = [], {}
    for source in sources:
        merged, new_aliases = merge_sources(merged, store.listings([source]))
        aliases.update(new_aliases)
    if not merged:
        return InventoryIndex(sample_cars(), is_sample=True)
    successes = [s.last_success for s in store.statuses() if s.source in sources and s.last_success]
    return InventoryIndex(merged, aliases=aliases, snapshot_at=max(successes) if successes else None)


class InventoryCatalog:
    def __init__(self, settings: Settings, store: InventoryStore | None = None):
        self.settings = settings
        self.store = store or InventoryStore.from_settings(settings)
        self._lock = threading.Lock()
        self._index: InventoryIndex | None = None
        self._version = -1

    async def index_async(self) -> InventoryIndex:
        """`index()` from async code: with the snapshot in PostgreSQL the version check (and a
        rebuild) runs in a thread, so the worker's event loop does not wait on the network."""
        return await off_loop(self.store.database, self.index)

    def index(self) -> InventoryIndex:
        version = self.store.version()
        if self._index is None or version != self._version:
            with self._lock:
                if self._index is None or version != self._version:
                    self._index = build_index(self.store, self.settings.inventory_sources)
                    self._version = version
        return self._index
