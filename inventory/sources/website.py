"""The dealer website (AutoSociaal "Dealertemplates", Laravel + Livewire).

Cards are `div.grid-item.grid-item--link[wire:key=<Hexon id>]`; the Livewire
`wire:snapshot` of the page component says how many cars match and how many fit a page.
Themes differ (Seldenrijk has an image slider and a "Financial lease v.a." price), so the
card parser reads what it can find by meaning, not by one theme's exact CSS.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Awaitable, Callable
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from agents.models import Car
from inventory import normalise
from inventory.models import FetchSourceResult
from inventory.sources.http import MarkupChangedError, PoliteClient, SourceError

SOURCE = "website"
PageCallback = Callable[[int, int], Awaitable[None] | None]


@dataclass
class ListingPage:
    cars: list[Car] = field(default_factory=list)
    total_count: int | None = None  # filteredOccasionsCount
    per_page: int | None = None
    card_keys: list[str] = field(default_factory=list)  # every card seen, parsed or not

    @property
    def card_count(self) -> int:
        return len(self.card_keys)


def _livewire_counts(soup: BeautifulSoup) -> tuple[int | None, int | None]:
    for element in soup.find_all(attrs={"wire:snapshot": True}):
        try:
            data = json.loads(element["wire:snapshot"]).get("data", {})
        except (ValueError, AttributeError):
            continue
        if "filteredOccasionsCount" in data:
            return data.get("filteredOccasionsCount"), data.get("perPage")
    return None, None


def _cards(soup: BeautifulSoup) -> list[Tag]:
    cards = soup.select("div.grid-item--link[wire\\:key]")
    if cards:
        return cards
    # Other themes: any Livewire-keyed element with a link to its own detail page.
    found = []
    for element in soup.find_all(attrs={"wire:key": True}):
        key = element["wire:key"]
        if element.find("a", href=re.compile(rf"/{re.escape(key)}(?:[/?#]|$)")) and not any(
            element in other.descendants for other in found
        ):
            found.append(element)
    return found


def _text(node: Tag | None) -> str | None:
    return normalise.clean_text(node.get_text(" ", strip=True)) if node else None


def _image(card: Tag, page_url: str) -> str | None:
    for img in card.find_all("img"):
        for attribute in ("src", "data-src", "data-lazy", "data-original", "srcset", "data-srcset"):
            value = (img.get(attribute) or "").strip().split(" ")[0]
            if value and not value.startswith("data:"):
                return urljoin(page_url, value)
    return None


def _price(card: Tag) -> tuple[int | None, bool]:
    """The purchase price when shown; else the lease amount, flagged monthly."""
    monthly: int | None = None
    blocks = [block for block in card.select("[class*=price]") if "€" in block.get_text()]
    # The innermost block with an amount also holds its label ("Kopen", "Financial lease v.a.").
    texts = [
        _text(block) for block in blocks
        if not any("€" in inner.get_text() for inner in block.select("[class*=price]"))
    ] or [_text(card)]
    for text in texts:
        amount, is_monthly = normalise.parse_price(text)
        if amount is None:
            continue
        if not is_monthly:
            return amount, False
        monthly = monthly or amount
    return (monthly, True) if monthly is not None else (None, False)


def _summary(card: Tag) -> dict[str, object]:
    items = card.select("[class*=summary-item], [class*=spec] li, ul li")
    texts = [_text(item) for item in items] or [
        normalise.clean_text(s) for s in card.stripped_strings if len(s) < 40
    ]
    facts: dict[str, object] = {}
    for text in filter(None, texts):
        if "year" not in facts and re.fullmatch(r"(\d{2}[-/])?(19|20)\d{2}", text):
            facts["year"] = normalise.parse_year(text)
        elif "mileage_km" not in facts and re.search(r"\d\s*km\b", text, re.I):
            facts["mileage_km"] = normalise.parse_int(text)
        elif "transmission" not in facts and normalise.parse_transmission(text):
            facts["transmission"] = normalise.parse_transmission(text)
        elif "fuel_type" not in facts and normalise.parse_fuel(text):
            facts["fuel_type"] = normalise.parse_fuel(text)
        elif "body_type" not in facts and normalise.parse_body(text):
            facts["body_type"] = normalise.parse_body(text)
    return facts


def parse_card(card: Tag, page_url: str, seen_at: datetime) -> Car | None:
    key = card.get("wire:key")
    link = card.find("a", href=re.compile(rf"/{re.escape(key)}(?:[/?#]|$)")) if key else None
    link = link or card.find("a", href=True)
    url = urljoin(page_url, link["href"]) if link else None
    path = [part for part in urlparse(url).path.split("/") if part] if url else []
    source_id = key or (path[-1] if path else None)
    if not source_id:
        return None
    make_text = _text(card.select_one("[class*=subtitle], [class*=brand], [class*=make]"))
    model_text = _text(card.select_one("h3, h2, [class*=title] h4, [class*=model]"))
    if not make_text and len(path) >= 3:  # /aanbod-occasions/<make>/<model>/<id>
        make_text, model_text = path[-3].replace("-", " "), model_text or path[-2].replace("-", " ")
    if not make_text or not model_text:
        return None
    make = normalise.canonical_make(make_text)
    # Some themes put "Volkswagen Golf 1.5 TSI" in one heading: split_title strips the make.
    _, model, title_rest = normalise.split_title(model_text, make)
    variant_node = card.select_one("[class*=content-short], [class*=variant], [class*=subtitle-2]")
    variant = _text(variant_node) or title_rest
    price, monthly = _price(card)
    facts = _summary(card)
    fuel = facts.get("fuel_type") or normalise.infer_fuel(variant)
    body = facts.get("body_type") or normalise.infer_body(model, variant)
    car = Car(
        id=f"web-{source_id}",
        sources=[SOURCE],
        url=url,
        make=make,
        model=model or normalise.canonical_model(make, model_text),
        variant=variant,
        price_eur=price,
        price_is_monthly=monthly,
        year=facts.get("year"),
        mileage_km=facts.get("mileage_km"),
        fuel_type=fuel,
        transmission=facts.get("transmission") or normalise.parse_transmission(variant),
        body_type=body,
        image_url=_image(card, page_url),
        license_plate=normalise.find_plate(_text(card)),
        first_seen=seen_at,
        last_seen=seen_at,
    )
    return normalise.with_listed_equipment(car)


def parse_listing_page(html: str, page_url: str, seen_at: datetime | None = None) -> ListingPage:
    seen_at = seen_at or datetime.now(timezone.utc)
    soup = BeautifulSoup(html, "lxml")
    total, per_page = _livewire_counts(soup)
    cards = _cards(soup)
    cars = [car for card in cards if (car := parse_card(card, page_url, seen_at))]
    keys = [card.get("wire:key") or f"card-{index}" for index, card in enumerate(cards)]
    return ListingPage(cars=cars, total_count=total, per_page=per_page, card_keys=keys)


def page_url(base_url: str, page: int) -> str:
    if page == 1:
        return base_url
    return f"{base_url}{'&' if '?' in base_url else '?'}page={page}"


async def fetch_website(
    client: PoliteClient, base_url: str, max_pages: int, on_page: PageCallback | None = None
) -> FetchSourceResult:
    """Read every listing page; stop at the announced count, an empty page, or max_pages."""
    started = datetime.now(timezone.utc)
    cars: dict[str, Car] = {}
    seen_cards: set[str] = set()  # counted against the announced total, parsable or not
    total: int | None = None
    pages = 0
    error: str | None = None
    complete = False
    for page in range(1, max_pages + 1):
        url = page_url(base_url, page)
        try:
            response = await client.get(url)
        except SourceError as failure:
            if page == 1:
                raise
            error = f"page {page}: {failure}"
            break
        parsed = parse_listing_page(response.text, url, started)
        pages = page
        if page == 1:
            total = parsed.total_count
            if not parsed.cars and total != 0:
                raise MarkupChangedError(
                    f"{url}: no car cards recognised ({parsed.card_count} card-like elements; "
                    f"announced count {total}); the site's markup may have changed"
                )
        new_cards = set(parsed.card_keys) - seen_cards  # "load more" pages repeat earlier cards
        seen_cards |= new_cards
        cars.update((car.id, car) for car in parsed.cars)
        if on_page:
            outcome = on_page(page, len(cars))
            if outcome is not None:
                await outcome
        if total is not None and len(seen_cards) >= total:
            complete = True
            break
        if not new_cards:
            complete = total is None  # an empty page before the announced count: suspicious
            if not complete:
                error = f"page {page} added no cars; read {len(cars)} of {total}"
            break
        if total is not None and parsed.per_page and page >= math.ceil(total / parsed.per_page):
            error = f"read all {page} pages but found {len(seen_cards)} of {total} cars"
            break
    else:
        error = f"stopped at scraper_max_pages={max_pages} with {len(cars)} of {total or '?'} cars"
    return FetchSourceResult(
        source=SOURCE, cars=list(cars.values()), complete=complete, pages=pages,
        expected_count=total, error=error, fetched_at=started,
    )
