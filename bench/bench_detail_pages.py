"""How long reading one car's detail page takes: the parser alone, and a sync reading pages over HTTP.

    .venv/bin/python bench/bench_detail_pages.py

The floor is BeautifulSoup parsing the same page and nothing else (what any parser pays).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bs4 import BeautifulSoup  # noqa: E402

from config import Settings  # noqa: E402
from inventory.sources.website_detail import parse_detail_page  # noqa: E402
from inventory.store import InventoryStore  # noqa: E402
from inventory.sync import fetch_source  # noqa: E402
from tests.peers.http_peer import ThreadedServer  # noqa: E402
from tests.peers.inventory_site import InventorySite  # noqa: E402

PAGE = ROOT / "tests/data/fixtures/dealer_sites/autosociaal_janvandijk_occasion_7382393_DERIVED.html"


def per_call_ms(fn, html: str, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn(html)
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    html = PAGE.read_text()
    padding = "<div><p>Omschrijving: een nette auto.</p><span>x</span></div>" * 1500
    big = html.replace("<h2>Omschrijving</h2>", "<h2>Omschrijving</h2>" + padding)
    for name, page in (("derived page", html), ("padded page", big)):
        floor = per_call_ms(lambda text: BeautifulSoup(text, "lxml"), page, 20)
        parse = per_call_ms(parse_detail_page, page, 20)
        print(f"{name} ({len(page) // 1000} kB): parse_detail_page {parse:.1f} ms, BeautifulSoup alone {floor:.1f} ms")
    stock = [{"id": str(9000 + n), "make": "Kia", "model": "Niro", "variant": f"1.6 GDi Hybrid {n}", "year": 2021,
              "km": 30000 + n, "gear": "Automaat", "fuel": "Hybride", "price": 24000 + n,
              "details": {"APK tot": "01-06-2027", "Aantal eigenaren": "1", "Trekgewicht geremd": "1.300 kg"},
              "options": ["Trekhaak", "Navigatie", "Cruise control", "Climate control", "Camera"]} for n in range(60)]
    site = InventorySite(seldenrijk_cars=stock, per_page=15)
    with ThreadedServer(site.app()) as server, tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=data, inventory_website_url=f"{server.url}/aanbod-occasions", scraper_delay_seconds=0,
                            inventory_rdw_lookup=False)
        store = InventoryStore.from_settings(settings)
        for label in ("first sync (60 pages read)", "second sync (all cached)"):
            started = time.perf_counter()
            result = asyncio.run(fetch_source("website", settings, details_cache=store))
            print(f"{label}: {(time.perf_counter() - started) * 1000:.0f} ms, {result.details_read} pages read, "
                  f"{len(result.cars)} cars")
        settings = settings.model_copy(update={"scraper_detail_pages": False})
        started = time.perf_counter()
        asyncio.run(fetch_source("website", settings))
        print(f"floor, listing pages only: {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
