"""`seldenrijk inventory sync|search|status|list`: plain functions taking settings and printing.

`starter/cli.py` wires them into argparse. Each returns a process exit code.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone
from typing import TextIO

from agents.equipment import label as equipment_label
from agents.models import CarPreferences, InventorySearchResult
from config import Settings
from inventory.catalog import InventoryCatalog
from inventory.search import FUEL_LABELS, TRANSMISSION_LABELS, InventorySearchRequest
from inventory.sources import live_sources
from inventory.store import InventoryStore
from starter.tables import euro, text_table, thousands

RELAXED_LABELS = {
    "max_mileage_km": "kilometerstand", "min_year": "bouwjaar", "transmission": "transmissie",
    "body_type": "carrosserie", "min_price": "minimumprijs", "fuel_type": "brandstof", "max_price": "budget", "model": "model", "make": "merk", "equipment": "uitrusting",
}


async def sync_async(settings: Settings, out: TextIO = sys.stdout) -> int:
    sources = live_sources(settings.inventory_sources)
    if not sources:
        print(f"no live source in INVENTORY_SOURCES={','.join(settings.inventory_sources)}: "
              "the sample inventory is used", file=out)
        return 0
    from inventory.sync import sync_now  # imported here: the scrapers' libraries slow every other command

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
    limit: int = 10,
    out: TextIO = sys.stdout,
    as_json: bool = False,
) -> int:
    """The agent's search for `text`: a table for a salesperson, or (`as_json`) the full result."""
    prefs = preferences if preferences is not None else preferences_from_text(text)
    result = InventoryCatalog(settings).index().search(
        InventorySearchRequest(preferences=prefs, text=text, limit=limit)
    )
    if as_json:
        document = {"preferences": prefs.model_dump(exclude_none=True), **result.model_dump(mode="json")}
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
    else:
        print(format_search(prefs, result), file=out)
    return 0


def _understood(prefs: CarPreferences) -> str:
    parts = [" ".join(p for p in (prefs.make, prefs.model) if p)]
    parts.append(FUEL_LABELS.get(prefs.fuel_type or "", ""))
    parts.append(TRANSMISSION_LABELS.get(prefs.transmission or "", ""))
    parts.append(prefs.body_type or "")
    if prefs.min_price:
        parts.append(f"vanaf {euro(prefs.min_price)}")
    if prefs.max_price:
        parts.append(f"tot {euro(prefs.max_price)}")
    if prefs.min_year:
        parts.append(f"bouwjaar {prefs.min_year} of nieuwer")
    if prefs.max_mileage_km:
        parts.append(f"max. {thousands(prefs.max_mileage_km)} km")
    parts.extend(f"met {equipment_label(item)}" for item in getattr(prefs, "equipment", []))
    return ", ".join(part for part in parts if part) or "geen voorkeuren herkend"


def format_search(prefs: CarPreferences, result: InventorySearchResult) -> str:
    lines = [f"Gezocht: {_understood(prefs)}"]
    if result.is_sample_data:
        lines.append("Let op: VOORBEELDVOORRAAD (nog geen geslaagde synchronisatie met de website of Marktplaats)")
    if result.relaxed:
        lines.append("Geen exacte match; versoepeld: " + ", ".join(RELAXED_LABELS.get(r, r) for r in result.relaxed))
    if not result.matches:
        lines.append("Geen auto's gevonden.")
        return "\n".join(lines)
    rows = [
        [
            match.car.title,
            euro(match.car.price_eur, match.car.price_is_monthly),
            str(match.car.year or "-"),
            thousands(match.car.mileage_km),
            FUEL_LABELS.get(match.car.fuel_type or "", "-"),
            TRANSMISSION_LABELS.get(match.car.transmission or "", "-"),
            match.car.url or "-",
        ]
        for match in result.matches
    ]
    lines.append(text_table(["Auto", "Prijs", "Bouwjaar", "Km-stand", "Brandstof", "Transmissie", "Link"], rows,
                            right={1, 2, 3}))
    shown = len(result.matches)
    lines.append(f"{shown} van {result.total_found} gevonden" if result.total_found > shown else f"{shown} gevonden")
    return "\n".join(lines)


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
            price = euro(car.price_eur, car.price_is_monthly)
            print(f"{car.id:<18} {car.title[:48]:<48} {car.year or '-':>4} {car.mileage_km or 0:>8} km  {price}", file=out)
    return 0
