"""`seldenrijk inventory sync|search|status|list`: plain functions taking settings and printing.

`starter/cli.py` wires them into argparse. Each returns a process exit code.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone
from typing import TextIO

from agents.models import CarPreferences
from config import Settings
from inventory.catalog import InventoryCatalog
from inventory.search import InventorySearchRequest
from inventory.sources import live_sources
from inventory.store import InventoryStore
from inventory.sync import sync_now


async def sync_async(settings: Settings, out: TextIO = sys.stdout) -> int:
    sources = live_sources(settings.inventory_sources)
    if not sources:
        print(f"no live source in INVENTORY_SOURCES={','.join(settings.inventory_sources)}: "
              "the sample inventory is used", file=out)
        return 0
    results = await sync_now(settings, InventoryStore.from_settings(settings))
    for result in results:
        state = "kept previous snapshot" if result.kept_previous else f"{result.car_count} cars"
        line = f"{result.source}: {state}, {result.added} new, {result.marked_sold} marked sold"
        print(line + (f" | {result.note}" if result.note else ""), file=out)
    return 1 if any(result.kept_previous for result in results) else 0


def sync(settings: Settings, out: TextIO = sys.stdout) -> int:
    """One sync now, in this process (no Temporal needed)."""
    return asyncio.run(sync_async(settings, out))


def preferences_from_text(text: str) -> CarPreferences:
    """The same extraction the agent uses (the rules engine)."""
    from agents.rules import RulesEngine  # imported late: optional for the other commands

    return RulesEngine().understand(text).extraction.car_preferences


def search(
    settings: Settings,
    text: str,
    preferences: CarPreferences | None = None,
    limit: int = 3,
    out: TextIO = sys.stdout,
) -> int:
    prefs = preferences if preferences is not None else preferences_from_text(text)
    result = InventoryCatalog(settings).index().search(
        InventorySearchRequest(preferences=prefs, text=text, limit=limit)
    )
    document = {"preferences": prefs.model_dump(exclude_none=True), **result.model_dump(mode="json")}
    print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
    return 0


def status(settings: Settings, out: TextIO = sys.stdout) -> int:
    store = InventoryStore.from_settings(settings)
    index = InventoryCatalog(settings, store).index()
    now = datetime.now(timezone.utc)
    kind = "SAMPLE DATA" if index.is_sample else "live snapshot"
    print(f"inventory: {len(index)} cars for sale ({kind}); store {store.path}", file=out)
    statuses = {status.source: status for status in store.statuses()}
    for source in live_sources(settings.inventory_sources):
        entry = statuses.get(source)
        if entry is None:
            print(f"  {source}: never synced", file=out)
            continue
        age = f"{(now - entry.last_success).total_seconds() / 60:.0f} min ago" if entry.last_success else "never"
        print(f"  {source}: {entry.car_count} for sale, {entry.sold_count} sold; last success {age}; "
              f"{entry.pages} pages{' (complete)' if entry.complete else ''}", file=out)
        if entry.last_error:
            print(f"    last error ({entry.last_error_at:%Y-%m-%d %H:%M}): {entry.last_error}", file=out)
    return 0


def list_cars(settings: Settings, as_json: bool = True, include_sold: bool = False, out: TextIO = sys.stdout) -> int:
    """One JSON object per line (or a short table line per car)."""
    index = InventoryCatalog(settings).index()
    for car in index.cars:
        if car.sold and not include_sold:
            continue
        if as_json:
            print(car.model_dump_json(), file=out)
        else:
            price = f"€ {car.price_eur:,}".replace(",", ".") + (" p/m" if car.price_is_monthly else "") if car.price_eur else "-"
            print(f"{car.id:<18} {car.title[:48]:<48} {car.year or '-':>4} {car.mileage_km or 0:>8} km  {price}", file=out)
    return 0
