"""The dealer's Marktplaats ads, via the public search API `/lrp/api/search`.

The seller filter is double-checked on every listing: if Marktplaats ever ignored the
seller parameter, other sellers' cars must never end up in our stock.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from bs4 import BeautifulSoup

from agents.models import Car
from inventory import normalise
from inventory.models import FetchSourceResult
from inventory.sources.http import MarkupChangedError, PoliteClient, SourceError
from inventory.sources.website import PageCallback

SOURCE = "marktplaats"
CARS_CATEGORY = 91  # l1 "Auto's"
PAGE_SIZE = 100  # the API's maximum
NO_PRICE_TYPES = {"FREE", "EXCHANGE", "SEE_DESCRIPTION", "ON_REQUEST", "RESERVED", "FAST_BID"}


def attributes(listing: dict[str, Any]) -> dict[str, str]:
    """attributes + extendedAttributes as key -> value (the first wins)."""
    found: dict[str, str] = {}
    for entry in (listing.get("attributes") or []) + (listing.get("extendedAttributes") or []):
        key, value = entry.get("key"), entry.get("value")
        if key and value is not None and key not in found:
            found[key] = str(value)
    return found


def _price(info: dict[str, Any] | None) -> tuple[int | None, bool]:
    info = info or {}
    kind = str(info.get("priceType") or "").upper()
    cents = info.get("priceCents") or 0
    if not cents or kind in NO_PRICE_TYPES:
        return None, False
    return round(cents / 100), "LEASE" in kind or "MONTH" in kind


def _absolute(url: str | None, base_url: str) -> str | None:
    if not url:
        return None
    if url.startswith("//"):
        return "https:" + url
    if url.startswith("/"):
        return base_url.rstrip("/") + url
    return url


def _image(listing: dict[str, Any], base_url: str) -> str | None:
    for picture in listing.get("pictures") or []:
        for key in ("largeUrl", "mediumUrl", "extraExtraLargeUrl"):
            if picture.get(key):
                return _absolute(picture[key], base_url)
    urls = listing.get("imageUrls") or []
    return _absolute(urls[0], base_url) if urls else None


def car_from_listing(listing: dict[str, Any], base_url: str, seen_at: datetime) -> Car | None:
    title = normalise.clean_text(listing.get("title"))
    item_id = listing.get("itemId")
    if not title or not item_id:
        return None
    attrs = attributes(listing)
    make, model, variant = normalise.split_title(title, attrs.get("brand"))
    if not make or not model:
        return None
    price, monthly = _price(listing.get("priceInfo"))
    if not monthly and normalise.MONTHLY.search(title) and price and price < 2000:
        monthly = True  # "Golf 8 vanaf € 299 p/m" in a fixed-price ad
    description = listing.get("categorySpecificDescription") or listing.get("description") or ""
    car = Car(
        id=f"mp-{item_id}",
        sources=[SOURCE],
        url=_absolute(listing.get("vipUrl"), base_url),
        make=make,
        model=model,
        variant=variant,
        price_eur=price,
        price_is_monthly=monthly,
        year=normalise.parse_year(attrs.get("constructionYear")),
        mileage_km=normalise.parse_int(attrs.get("mileage")),
        fuel_type=normalise.parse_fuel(attrs.get("fuel")) or normalise.infer_fuel(variant),
        transmission=normalise.parse_transmission(attrs.get("transmission"))
        or normalise.parse_transmission(variant),
        body_type=normalise.parse_body(attrs.get("body")) or normalise.infer_body(model, variant),
        color=(attrs.get("color") or attrs.get("colour") or "").lower() or None,
        image_url=_image(listing, base_url),
        license_plate=normalise.normalise_plate(attrs.get("licensePlate"))
        or normalise.find_plate(f"{title} {description}"),
        first_seen=seen_at,
        last_seen=seen_at,
    )
    return normalise.with_listed_equipment(car, title, description)


def parse_search_response(
    payload: dict[str, Any], seller_id: str, base_url: str, seen_at: datetime | None = None
) -> tuple[list[Car], int | None, int]:
    """(the seller's cars, totalResultCount, listings in the payload)."""
    if not isinstance(payload, dict) or "listings" not in payload:
        raise MarkupChangedError("Marktplaats search response has no 'listings': the API changed")
    seen_at = seen_at or datetime.now(timezone.utc)
    listings = payload.get("listings") or []
    cars = []
    for listing in listings:
        seller = (listing.get("sellerInformation") or {}).get("sellerId")
        if str(seller) != str(seller_id):
            continue
        if car := car_from_listing(listing, base_url, seen_at):
            cars.append(car)
    return cars, payload.get("totalResultCount"), len(listings)


CONFIG_BLOB = re.compile(r"window\.__CONFIG__\s*=\s*(\{.*?\})\s*;\s*(?:</script>|window\.)", re.S)


def parse_listing_config(html: str) -> dict[str, Any]:
    """The `window.__CONFIG__` JSON of an ad page (its "listing" object holds the ad)."""
    match = CONFIG_BLOB.search(html)
    if not match:
        raise MarkupChangedError("ad page has no window.__CONFIG__ blob")
    return json.loads(match.group(1))


def kenmerken(html: str) -> dict[str, str]:
    """The ad page's "Kenmerken" table: {'Bouwjaar': '2018', 'Kilometerstand': '21172 km', ...}."""
    soup = BeautifulSoup(html, "lxml")
    table = {}
    for item in soup.select(".Attributes-item"):
        label, value = item.select_one(".Attributes-label"), item.select_one(".Attributes-value")
        if label and value:
            table[normalise.clean_text(label.get_text())] = normalise.clean_text(value.get_text(" "))
    return table


def enrich_from_ad_page(car: Car, html: str) -> Car:
    """Fill year, mileage, fuel, transmission and body from the ad page the search API left out."""
    table = {key.lower(): value for key, value in kenmerken(html).items()}
    listing = parse_listing_config(html).get("listing", {})
    updates: dict[str, Any] = {
        "year": car.year or normalise.parse_year(table.get("bouwjaar")),
        "mileage_km": car.mileage_km or normalise.parse_int(table.get("kilometerstand")),
        "fuel_type": car.fuel_type or normalise.parse_fuel(table.get("brandstof")),
        "transmission": car.transmission or normalise.parse_transmission(table.get("transmissie")),
        "body_type": car.body_type or normalise.parse_body(table.get("carrosserie")),
        "license_plate": car.license_plate or normalise.normalise_plate(table.get("kenteken")),
    }
    if car.price_eur is None and listing.get("priceInfo"):
        updates["price_eur"], updates["price_is_monthly"] = _price(listing["priceInfo"])
    return car.model_copy(update=updates)


MAX_AD_PAGES_PER_SYNC = 20  # politeness: only ads whose search entry lacks year or mileage


async def fetch_marktplaats(
    client: PoliteClient,
    base_url: str,
    seller_id: str,
    max_pages: int,
    on_page: PageCallback | None = None,
) -> FetchSourceResult:
    started = datetime.now(timezone.utc)
    cars: dict[str, Car] = {}
    total: int | None = None
    error: str | None = None
    complete = False
    pages = 0
    listings_seen = 0
    search_url = base_url.rstrip("/") + "/lrp/api/search"
    for page in range(max_pages):
        params = {
            "l1CategoryId": CARS_CATEGORY, "sellerId": seller_id,
            "limit": PAGE_SIZE, "offset": page * PAGE_SIZE,
        }
        try:
            response = await client.get(search_url, params=params, accept="application/json")
            payload = response.json()
        except SourceError as failure:
            if page == 0:
                raise
            error = f"offset {page * PAGE_SIZE}: {failure}"
            break
        except ValueError as failure:
            raise MarkupChangedError(f"{search_url}: response is not JSON ({failure})") from failure
        page_cars, page_total, page_listings = parse_search_response(payload, seller_id, base_url, started)
        pages = page + 1
        total = page_total if page_total is not None else total
        listings_seen += page_listings
        cars.update((car.id, car) for car in page_cars)
        if on_page:
            outcome = on_page(pages, len(cars))
            if outcome is not None:
                await outcome
        if page_listings == 0 or (total is not None and listings_seen >= total):
            complete = True
            break
    else:
        error = f"stopped at scraper_max_pages={max_pages} with {len(cars)} of {total or '?'} ads"
    if listings_seen and not cars:
        raise MarkupChangedError(
            f"{search_url}: {listings_seen} listings but none from seller {seller_id} parsed as a car"
        )
    await _enrich(client, cars, base_url)
    return FetchSourceResult(
        source=SOURCE, cars=list(cars.values()), complete=complete, pages=pages,
        expected_count=total, error=error, fetched_at=started,
    )


async def _enrich(client: PoliteClient, cars: dict[str, Car], base_url: str) -> None:
    lacking = [car for car in cars.values() if car.url and (car.year is None or car.mileage_km is None)]
    for car in lacking[:MAX_AD_PAGES_PER_SYNC]:
        try:
            response = await client.get(car.url)
            cars[car.id] = enrich_from_ad_page(car, response.text)
        except (SourceError, ValueError):
            continue  # the search entry alone is still a valid listing
