"""A local stand-in for seldenrijk.nl and Marktplaats: listing pages, the search API, faults.

Serves the real AutoSociaal capture as page 1 of `/occasions`, generated pages in a
Seldenrijk-like theme (image slider, "Financial lease v.a.") at `/aanbod-occasions`, and
`/lrp/api/search` in the real Marktplaats schema. Faults are queued per route:
`site.fail("website", 2, status=429, retry_after="0")`, `status=503`, `sleep=2.0`, `markup=True`.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tests.paths import FIXTURES

JVD_PAGE_1 = FIXTURES / "dealer_sites" / "autosociaal_janvandijk_occasions_p1.html"
# Detail pages DERIVED from two real cards of that capture (tests/data/SOURCES.md): served as theirs.
JVD_DETAILS = {car_id: FIXTURES / "dealer_sites" / f"autosociaal_janvandijk_occasion_{car_id}_DERIVED.html"
               for car_id in ("7382393", "7314013")}
MP_SEARCH = FIXTURES / "marktplaats" / "mppy_lrp_search_response.json"
SELLER_ID = "10866554"

# Cards 16..27 of the janvandijk capture (its page 2), in the same theme-3 markup.
JVD_PAGE_2_CARS = [
    {"id": str(7390000 + n), "make": "Honda", "model": "Jazz", "variant": f"1.5 Hybrid Elegance {n}",
     "year": 2021, "km": 20000 + n * 1000, "gear": "Automaat", "fuel": "Hybride benzine", "price": 21000 + n * 100}
    for n in range(12)
]


def _euro(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def jvd_card(car: dict) -> str:
    return f"""<div class="grid-item grid-item--link will-animate" wire:key="{car['id']}" wire:ignore>
<a href="https://janvandijk.nl/occasions/{car['make'].lower()}/{car['model'].lower()}/{car['id']}">
<div class="grid-item-title"><small class="grid-item-subtitle">{car['make']}</small><h3>{car['model']}</h3></div></a>
<div class="grid-item-content"><div class="grid-item-content-short">{car['variant']}</div></div>
<div class="grid-item-summary"><div class="grid-item-summary-item"><i class="ti-calendar-event"></i>{car['year']}</div>
<div class="grid-item-summary-item"><i class="ti-road"></i>{_euro(car['km'])} km</div>
<div class="grid-item-summary-item"><i class="ti-automatic-gearbox"></i>{car['gear']}</div>
<div class="grid-item-summary-item"><i class="ti-gas-station"></i>{car['fuel']}</div></div>
<div class="grid-item-detail"><div class="grid-item-detail-price grid-item-detail-price-primary">
<span class="grid-item-detail-price-title">Kopen</span><h4>€ {_euro(car['price'])},-</h4></div></div></div>"""


def seldenrijk_card(car: dict) -> str:
    slides = "".join(
        f'<div class="swiper-slide"><img src="data:image/gif;base64,R0lGOD" data-src="{url}" alt=""></div>'
        for url in car.get("images", [])
    )
    prices = []
    if car.get("price"):
        prices.append(f'<div class="occasion-price"><span>Kopen</span> € {_euro(car["price"])},-</div>')
    if car.get("lease"):
        prices.append(f'<div class="occasion-price occasion-price--lease"><span>Financial lease v.a.</span> '
                      f'€ {_euro(car["lease"])},- p/m</div>')
    slug = f"{car['make'].lower().replace(' ', '-')}/{car['model'].lower().replace(' ', '-')}"
    return f"""<div class="occasion-card" wire:key="{car['id']}">
<div class="occasion-slider swiper"><div class="swiper-wrapper">{slides}</div></div>
<a class="occasion-card-link" href="/aanbod-occasions/{slug}/{car['id']}"><h3 class="occasion-title">{car['make']} {car['model']}</h3></a>
<p class="occasion-variant">{car['variant']}</p>
<ul class="occasion-specs"><li>{car['year']}</li><li>{_euro(car['km'])} km</li><li>{car['gear']}</li><li>{car['fuel']}</li></ul>
<div class="occasion-prices">{''.join(prices)}</div></div>"""


def detail_page(car: dict) -> str:
    """A detail page in the AutoSociaal markup: `.details-table-item` label/value rows, an options list.

    `car["details"]` holds the rows the page shows ({"APK tot": "14-05-2027", ...}) and
    `car["options"]` its option list; a car without them gets the card's facts only.
    """
    rows = {"Merk": car["make"], "Model": car["model"], "Bouwjaar": car["year"], "Kilometerstand": f"{_euro(car['km'])} km",
            "Transmissie": car["gear"], "Brandstof": car["fuel"], **car.get("details", {})}
    table = "".join(f'<div class="details-table-item"><span class="details-table-item-label">{label}</span>'
                    f'<span class="details-table-item-value">{value}</span></div>' for label, value in rows.items())
    options = "".join(f"<li>{option}</li>" for option in car.get("options", []))
    options_block = f'<h2>Opties &amp; accessoires</h2><ul class="occasion-options-list">{options}</ul>' if options else ""
    return (f'<!DOCTYPE html><html lang="nl"><body class="page-occasion-show"><main><section class="occasion-detail">'
            f'<small>{car["make"]}</small><h1>{car["model"]}</h1><p>{car["variant"]}</p>'
            f'<h4>€ {_euro(car["price"])},-</h4><h2>Specificaties</h2><div class="details-table">{table}</div>'
            f'{options_block}<h2>Omschrijving</h2><p>Occasion van Seldenrijk.</p></section></main></body></html>')


def livewire_page(cards: list[str], total: int, per_page: int) -> str:
    snapshot = json.dumps({"data": {"perPage": per_page, "filteredOccasionsCount": total}, "memo": {"name": "occasion-page"}})
    snapshot = snapshot.replace('"', "&quot;")
    return (f'<!DOCTYPE html><html lang="nl"><body><section class="section-fluid" wire:snapshot="{snapshot}">'
            f'<div class="grid">{"".join(cards)}</div></section></body></html>')


def mp_listing(car: dict, seller_id: str = SELLER_ID) -> dict:
    """A car ad in the real `/lrp/api/search` listing schema (the captured one is a bicycle)."""
    listing = copy.deepcopy(json.loads(MP_SEARCH.read_text())["listings"][0])
    attributes = [{"key": key, "value": str(value), "values": [str(value)]}
                  for key, value in car.get("attributes", {}).items()]
    listing.update(
        itemId=car["itemId"], title=car["title"], categoryId=car.get("categoryId", 157),
        priceInfo={"priceCents": car["priceCents"], "priceType": car.get("priceType", "FIXED")},
        attributes=attributes, extendedAttributes=car.get("extended", []),
        vipUrl=f"/v/auto-s/{car['itemId']}-{car['title'].lower().replace(' ', '-')}",
        verticals=["cars"],
    )
    listing["sellerInformation"] = {**listing["sellerInformation"], "sellerId": int(seller_id),
                                    "sellerName": "Seldenrijk Auto"}
    return listing


@dataclass
class InventorySite:
    seldenrijk_cars: list[dict] = field(default_factory=list)
    per_page: int = 15
    mp_listings: list[dict] = field(default_factory=list)
    faults: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    markup_changed: bool = False
    ignore_seller_filter: bool = False  # an API change: every seller's ads come back
    detail_seconds: float = 0.0  # how long a detail page takes (to see how many are read at once)
    details_in_flight: int = 0
    details_most_at_once: int = 0

    def fail(self, route: str, page: int, **fault) -> None:
        """Queue a fault for the next request of `route` ("jvd", "website", "marktplaats") page N (1-based)."""
        self.faults.setdefault((route, page), []).append(fault)

    async def _fault(self, route: str, page: int) -> Response | None:
        queue = self.faults.get((route, page))
        if not queue:
            return None
        fault = queue.pop(0)
        if "sleep" in fault:
            await asyncio.sleep(fault["sleep"])
            return None
        headers = {"Retry-After": fault["retry_after"]} if "retry_after" in fault else {}
        return Response("busy", status_code=fault["status"], headers=headers)

    def _log(self, request: Request, route: str, page: int) -> None:
        self.requests.append({"route": route, "page": page, "user_agent": request.headers.get("user-agent"),
                              "params": dict(request.query_params)})

    async def jvd(self, request: Request) -> Response:
        page = int(request.query_params.get("page", 1))
        self._log(request, "jvd", page)
        if fault := await self._fault("jvd", page):
            return fault
        if page == 1:
            return HTMLResponse(JVD_PAGE_1.read_text())
        cards = [jvd_card(car) for car in JVD_PAGE_2_CARS] if page == 2 else []
        return HTMLResponse(livewire_page(cards, 27, 15))

    async def website(self, request: Request) -> Response:
        page = int(request.query_params.get("page", 1))
        self._log(request, "website", page)
        if fault := await self._fault("website", page):
            return fault
        cars = self.seldenrijk_cars[(page - 1) * self.per_page: page * self.per_page]
        if self.markup_changed:  # a redesign: cards without Livewire keys or known classes
            body = "".join(f"<article class='vehicle'><span>{c['make']} {c['model']}</span></article>" for c in cars)
            return HTMLResponse(f"<html><body><main>{body}</main></body></html>")
        return HTMLResponse(livewire_page([seldenrijk_card(c) for c in cars], len(self.seldenrijk_cars), self.per_page))

    async def marktplaats(self, request: Request) -> Response:
        offset, limit = int(request.query_params.get("offset", 0)), int(request.query_params.get("limit", 30))
        page = offset // max(limit, 1) + 1
        self._log(request, "marktplaats", page)
        if fault := await self._fault("marktplaats", page):
            return fault
        seller = None if self.ignore_seller_filter else request.query_params.get("sellerId")
        listings = [item for item in self.mp_listings
                    if seller is None or str(item["sellerInformation"]["sellerId"]) == seller]
        return JSONResponse({"totalResultCount": len(listings), "listings": listings[offset: offset + limit],
                             "maxAllowedPageNumber": math.ceil(len(listings) / max(limit, 1))})

    async def ad_page(self, request: Request) -> Response:
        self._log(request, "ad", 1)
        item_id = request.path_params["slug"].split("-", 1)[0]
        listing = next((item for item in self.mp_listings if item["itemId"] == item_id), None)
        if listing is None:
            return Response("weg", status_code=404)
        config = json.dumps({"listing": {"itemId": item_id, "title": listing["title"], "priceInfo": listing["priceInfo"]}})
        return HTMLResponse(
            f"<html><body><script>window.__CONFIG__ = {config};</script><h2>Kenmerken</h2><div class='Attributes-list'>"
            "<div class='Attributes-item'><div class='Attributes-label'>Bouwjaar</div><div class='Attributes-value'>2019</div></div>"
            "<div class='Attributes-item'><div class='Attributes-label'>Kilometerstand</div><div class='Attributes-value'>88.500 km</div></div>"
            "<div class='Attributes-item'><div class='Attributes-label'>Brandstof</div><div class='Attributes-value'>Diesel</div></div>"
            "</div></body></html>"
        )

    async def detail(self, request: Request) -> Response:
        """One car's page: the derived janvandijk pages, or one generated from the stock entry."""
        car_id = request.path_params["car_id"]
        self._log(request, "detail", int(car_id) if car_id.isdigit() else 0)
        if fault := await self._fault("detail", int(car_id) if car_id.isdigit() else 0):
            return fault
        self.details_in_flight += 1
        self.details_most_at_once = max(self.details_most_at_once, self.details_in_flight)
        try:
            if self.detail_seconds:
                await asyncio.sleep(self.detail_seconds)
        finally:
            self.details_in_flight -= 1
        if car_id in JVD_DETAILS:
            return HTMLResponse(JVD_DETAILS[car_id].read_text())
        car = next((c for c in [*self.seldenrijk_cars, *JVD_PAGE_2_CARS] if c["id"] == car_id), None)
        if car is None:
            return Response("Pagina niet gevonden", status_code=404)
        return HTMLResponse(detail_page(car))

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/occasions", self.jvd),
            Route("/occasions/{make}/{model}/{car_id}", self.detail),
            Route("/aanbod-occasions", self.website),
            Route("/aanbod-occasions/{make}/{model}/{car_id}", self.detail),
            Route("/lrp/api/search", self.marktplaats),
            Route("/v/auto-s/{slug}", self.ad_page),
        ])
