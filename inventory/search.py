"""Search the inventory snapshot: filter, rank, explain, and relax when nothing fits.

Pure and in-memory: an `InventoryIndex` is built once per snapshot; each row gets a
bitmask of the customer's criteria it fails, so relaxing a filter is an integer test.
"""

from __future__ import annotations

import heapq
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import BaseModel, Field

from agents.equipment import EQUIPMENT as EQUIPMENT_ORDER
from agents.equipment import label as equipment_label
from agents.models import Car, CarMatch, CarPreferences, InventorySearchResult
from inventory import normalise

FUEL_LABELS = {
    "petrol": "benzine", "diesel": "diesel", "hybrid": "hybride", "plug_in_hybrid": "plug-in hybride",
    "electric": "elektrisch", "lpg": "LPG",
}
TRANSMISSION_LABELS = {"automatic": "automaat", "manual": "handgeschakeld"}
BUDGET_SLACK = 1.15  # first relaxation of the budget: up to 15% over

MAKE, MODEL, FUEL, TRANSMISSION, BODY, MIN_PRICE, OVER_BUDGET, FAR_OVER_BUDGET, YEAR, MILEAGE, EQUIPMENT, EQUIPMENT_LACKING = (
    1 << bit for bit in range(12)
)
# Relaxation order: what a salesperson gives up first. Each step: (bit(s) dropped, name).
RELAX_STEPS: list[tuple[int, str]] = [
    (MILEAGE, "max_mileage_km"),
    (YEAR, "min_year"),
    (TRANSMISSION, "transmission"),
    (BODY, "body_type"),
    (EQUIPMENT, "equipment"),  # listings name few options: "not listed" is no "no"
    (MIN_PRICE, "min_price"),
    (OVER_BUDGET, "max_price"),  # allow up to 15% over budget
    (FUEL, "fuel_type"),
    (FAR_OVER_BUDGET, "max_price"),  # budget dropped entirely
    (EQUIPMENT_LACKING, "equipment_lacking"),  # its specs say it lacks the option (5 seats, no towbar)
    (MODEL, "model"),
    (MAKE, "make"),
]
# The bits each name covers ("max_price": over budget, then far over it); each bit is one power of two.
_STEP_BITS = {name: sum({bit for bit, step in RELAX_STEPS if step == name}) for _, name in RELAX_STEPS}


class InventorySearchRequest(BaseModel):
    preferences: CarPreferences = Field(default_factory=CarPreferences)
    asks_availability: bool = False
    referenced_car_ids: list[str] = Field(default_factory=list)  # from context.last_cars, best first
    text: str = ""
    limit: int = 3
    # The car this message names, with only its own filters (agents.dialogue.named_search): when the
    # full wish finds no exact match, the car named is looked up by name before anything is relaxed.
    named_first: CarPreferences | None = None


def _euros(amount: int) -> str:
    return "€ " + f"{amount:,}".replace(",", ".")


@dataclass(slots=True)
class _Row:
    car: Car
    make: str
    model_key: str
    price: int | None  # purchase price; None for lease-only ads
    year: int | None
    mileage: int | None
    variant: str
    equipment: frozenset[str]
    lacking: frozenset[str]  # options the detail page's specs rule out
    base: float  # tie-breakers: newer, fewer kilometres, most recently listed


def _model_matches(car_model_key: str, wanted_key: str) -> bool:
    # "golf" matches "Golf" and "Golf Variant"; "3serie" matches "3 Serie".
    return car_model_key == wanted_key or car_model_key.startswith(wanted_key)


class InventoryIndex:
    def __init__(
        self,
        cars: list[Car],
        *,
        aliases: dict[str, str] | None = None,
        is_sample: bool = False,
        snapshot_at: datetime | None = None,
    ):
        self.is_sample = is_sample
        self.snapshot_at = snapshot_at
        self.cars = cars
        self._by_id = {car.id: car for car in cars}
        for alias, target in (aliases or {}).items():
            if target in self._by_id:
                self._by_id.setdefault(alias, self._by_id[target])
        # Best tie-breaker first, so a search without preferences just takes the head.
        self._rows = sorted((self._row(car) for car in cars if not car.sold), key=lambda row: -row.base)
        self._by_make: dict[str, list[_Row]] = {}
        for row in self._rows:
            self._by_make.setdefault(row.make, []).append(row)

    @staticmethod
    def _row(car: Car) -> _Row:
        seen = car.first_seen or car.last_seen
        return _Row(
            car=car,
            make=car.make,
            model_key=normalise.model_key(car.model or ""),
            price=None if car.price_is_monthly else car.price_eur,
            year=car.year,
            mileage=car.mileage_km,
            variant=(car.variant or "").lower(),
            equipment=frozenset(car.equipment),
            lacking=frozenset(car.equipment_absent),
            base=((car.year or 2000) - 2000) / 100 - (car.mileage_km or 250_000) / 5_000_000
            + (seen.timestamp() if seen else 0.0) / 1e12,
        )

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, car_id: str) -> Car | None:
        """Any car by id or by a merged source's id, sold ones included."""
        return self._by_id.get(car_id)

    # --- search --------------------------------------------------------------
    def search(self, request: InventorySearchRequest, now: datetime | None = None) -> InventorySearchResult:
        started = time.perf_counter()
        now = now or datetime.now(timezone.utc)
        prefs = request.preferences
        availability = asked = None
        exclude: set[str] = set()
        if request.asks_availability:
            availability, asked = self._availability(request)
            if asked is not None:
                exclude.add(asked.id)
                if asked.sold and prefs.is_empty():
                    prefs = _alternatives_for(asked)
                elif prefs.is_empty():
                    prefs = CarPreferences(make=asked.make, model=asked.model)
        matches, total, relaxed = self._ranked(prefs, request.text, max(request.limit, 0), exclude)
        beyond = []
        if request.named_first is not None and (relaxed or not matches):
            named, named_total, named_relaxed = self._ranked(request.named_first, request.text, max(request.limit, 0), exclude)
            if named and not named_relaxed:
                beyond = [key for key, value in prefs.model_dump().items()
                          if value not in (None, []) and value != getattr(request.named_first, key)]
                matches, total, relaxed = named, named_total, []
        if availability == "available" and asked is not None:
            lead = CarMatch(car=asked, score=100.0, reasons=["staat nog te koop"])
            matches = [lead] + matches[: max(request.limit - 1, 0)]
        age = (now - self.snapshot_at).total_seconds() if self.snapshot_at else None
        return InventorySearchResult(
            matches=matches,
            total_found=total,
            availability=availability,
            asked_car=asked,
            relaxed=relaxed,
            beyond_earlier_wishes=beyond,
            snapshot_age_seconds=age,
            is_sample_data=self.is_sample,
            search_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    def _availability(self, request: InventorySearchRequest) -> tuple[str, Car | None]:
        named = request.named_first
        for car_id in request.referenced_car_ids:
            # "staat de golf variant nog?" after a list without it: that Golf, not the first car listed
            if (car := self.get(car_id)) and (named is None or _names_match(car, named)):
                return ("sold" if car.sold else "available"), car
        prefs = request.preferences
        if prefs.make or prefs.model:
            # "staat die Golf Variant nog?": the estate, not any Golf (the chat reads Variant as a body type)
            wanted = CarPreferences(make=prefs.make, model=prefs.model, body_type=prefs.body_type)
            matches, _, relaxed = self._ranked(wanted, request.text, 1, set())
            if matches and not relaxed:
                return "available", matches[0].car
            sold = [car for car in self.cars if car.sold and _names_match(car, prefs)]
            if sold:
                latest = max(sold, key=lambda car: car.sold_at or datetime.min.replace(tzinfo=timezone.utc))
                return "sold", latest
        return "unknown", None

    def _ranked(
        self, prefs: CarPreferences, text: str, limit: int, exclude: set[str]
    ) -> tuple[list[CarMatch], int, list[str]]:
        query = _Query(prefs, text)
        if query.empty:  # "wat hebben jullie?": the newest stock, already in order
            hits = [row for row in self._rows if row.car.id not in exclude]
            return [CarMatch(car=row.car, score=round(row.base, 3)) for row in hits[:limit]], len(hits), []
        make = query.make
        candidates = self._by_make.get(make, []) if make else self._rows
        fails = query.fails
        hits = [row for row in candidates if not fails(row) and row.car.id not in exclude]
        masks = [] if hits else [(fails(row), row) for row in candidates if row.car.id not in exclude]
        dropped = 0
        relaxed: list[str] = []
        steps = iter(RELAX_STEPS)
        while not hits:
            step = next(steps, None)
            if step is None:
                return [], 0, relaxed
            bit, name = step
            if bit == MAKE:  # the last step: everything else is already given up, so every car fits
                if make:
                    relaxed.append(name)
                hits = [row for row in self._rows if row.car.id not in exclude]
                break
            if any(mask & bit for mask, _ in masks):
                if name not in relaxed:
                    relaxed.append(name)
            dropped |= bit
            hits = [row for mask, row in masks if not mask & ~dropped]
        score = query.score
        top = heapq.nlargest(limit, hits, key=score)
        matches = [CarMatch(car=row.car, score=round(score(row), 3), reasons=query.reasons(row)) for row in top]
        if relaxed and top:
            # Name only what the cars shown give up: another Octavia Combi over budget is no "ander type".
            given_up = 0
            for row in top:
                given_up |= fails(row)
            relaxed = [name for name in relaxed if given_up & _STEP_BITS[name]] or relaxed
        return matches, len(hits), relaxed


class _Query:
    """The customer's preferences, prepared once per search."""

    def __init__(self, prefs: CarPreferences, text: str):
        self.prefs = prefs
        self.make = normalise.canonical_make(prefs.make) if prefs.make else None
        self.model = normalise.model_key(prefs.model) if prefs.model else None
        self.fuel = prefs.fuel_type
        self.transmission = prefs.transmission
        # The chat says "stationwagen", listings "stationwagon": compare in the listings' words.
        self.body = (normalise.parse_body(prefs.body_type) or prefs.body_type.lower()) if prefs.body_type else None
        self.min_price, self.max_price = prefs.min_price, prefs.max_price
        self.wide_price = prefs.max_price * BUDGET_SLACK if prefs.max_price else None
        self.min_year, self.max_km = prefs.min_year, prefs.max_mileage_km
        self.color = prefs.color.lower() if prefs.color else None
        self.equipment = set(prefs.equipment)
        self.words = _keywords(text)
        self.empty = prefs.is_empty() and not self.words

    def fails(self, row: _Row) -> int:
        car, mask = row.car, 0
        if self.make and row.make != self.make:
            mask |= MAKE
        if self.model and not _model_matches(row.model_key, self.model):
            mask |= MODEL
        if self.fuel and not _fuel_matches(car.fuel_type, self.fuel):
            mask |= FUEL
        if self.transmission and car.transmission != self.transmission:
            mask |= TRANSMISSION
        if self.body and car.body_type != self.body:
            mask |= BODY
        if self.min_price and (row.price is None or row.price < self.min_price):
            mask |= MIN_PRICE
        if self.max_price:
            if row.price is None or row.price > self.wide_price:
                mask |= OVER_BUDGET | FAR_OVER_BUDGET
            elif row.price > self.max_price:
                mask |= OVER_BUDGET
        if self.min_year and (row.year is None or row.year < self.min_year):
            mask |= YEAR
        if self.max_km and (row.mileage is None or row.mileage > self.max_km):
            mask |= MILEAGE
        if self.equipment and not self.equipment <= row.equipment:
            mask |= EQUIPMENT
            if self.equipment & row.lacking:
                mask |= EQUIPMENT_LACKING  # not "not listed": a known no, offered only after almost everything else
        return mask

    def score(self, row: _Row) -> float:
        car, score = row.car, row.base
        if self.make and row.make == self.make:
            score += 3
            if self.model and _model_matches(row.model_key, self.model):
                score += 3
        if self.fuel and _fuel_matches(car.fuel_type, self.fuel):
            score += 1.5 if car.fuel_type == self.fuel else 1.0
        if self.transmission and car.transmission == self.transmission:
            score += 1
        if self.body and car.body_type == self.body:
            score += 1
        if self.max_price and row.price is not None:
            if row.price <= self.max_price:
                score += 1.5 + row.price / self.max_price  # near the budget beats far below it
            else:
                score -= 5 * (row.price - self.max_price) / self.max_price
        if self.min_year and row.year and row.year >= self.min_year:
            score += 0.5
        if self.max_km and row.mileage is not None and row.mileage <= self.max_km:
            score += 0.5
        if self.color and car.color and self.color in car.color.lower():
            score += 0.5
        if self.equipment:
            score += 0.5 * len(self.equipment & row.equipment)
        if self.words:
            score += min(sum(0.4 for word in self.words if word in row.variant), 1.2)
        return score

    def reasons(self, row: _Row) -> list[str]:
        car, reasons = row.car, []
        if self.make and row.make == self.make:
            reasons.append("merk en model" if self.model and _model_matches(row.model_key, self.model) else "merk")
        if self.fuel and _fuel_matches(car.fuel_type, self.fuel):
            reasons.append(FUEL_LABELS.get(car.fuel_type or "", car.fuel_type or ""))
        if self.transmission and car.transmission == self.transmission:
            reasons.append(TRANSMISSION_LABELS[self.transmission])
        if self.body and car.body_type == self.body:
            reasons.append(car.body_type)
        if self.max_price:
            if row.price is None:
                reasons.append("alleen leaseprijs bekend" if car.price_is_monthly else "prijs op aanvraag")
            elif row.price <= self.max_price:
                reasons.append("binnen budget")
            else:
                reasons.append(f"{_euros(row.price - self.max_price)} boven budget")
        if self.min_year and row.year and row.year >= self.min_year:
            reasons.append(f"bouwjaar {row.year}")
        if self.max_km and row.mileage is not None and row.mileage <= self.max_km:
            reasons.append(f"{row.mileage:,} km".replace(",", "."))
        if self.color and car.color and self.color in car.color.lower():
            reasons.append(f"kleur {car.color}")
        reasons += [equipment_label(key) for key in EQUIPMENT_ORDER if key in self.equipment and key in row.equipment]
        if any(word in row.variant for word in self.words):
            reasons.append("uitvoering")
        return reasons


def _fuel_matches(car_fuel: str | None, wanted: str) -> bool:
    # Someone asking for "hybride" is usually happy with a plug-in hybrid too.
    return car_fuel == wanted or (wanted == "hybrid" and car_fuel == "plug_in_hybrid")


def _names_match(car: Car, prefs: CarPreferences) -> bool:
    if prefs.make and car.make != normalise.canonical_make(prefs.make):
        return False
    return not prefs.model or _model_matches(
        normalise.model_key(car.model or ""), normalise.model_key(prefs.model)
    )


def _alternatives_for(car: Car) -> CarPreferences:
    """What to offer instead of a sold car: same make and model, similar money, same fuel."""
    budget = None
    if car.price_eur and not car.price_is_monthly:
        budget = int(car.price_eur * 1.1)
    return CarPreferences(make=car.make, model=car.model, fuel_type=car.fuel_type, max_price=budget)


_STOP = {"een", "die", "met", "voor", "nog", "van", "het", "de", "tot", "ik", "zoek", "heb", "jullie",
         "wat", "is", "er", "en", "of", "the", "auto", "graag", "staat", "beschikbaar"}


def _keywords(text: str) -> list[str]:
    """Words from the message that could name a trim ("gti", "r-line", "amg")."""
    words = re.findall(r"[a-z0-9][a-z0-9\-\.]{2,}", (text or "").lower())
    return [word for word in words if word not in _STOP and not word.isdigit()][:8]
