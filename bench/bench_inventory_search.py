"""Search latency over 5,000 generated cars: `python bench/bench_inventory_search.py [count]`.

Prints p50/p99 per query shape; the target is < 10 ms per search.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

from agents.models import Car, CarPreferences
from inventory.search import InventoryIndex, InventorySearchRequest
from inventory.sources.sample import sample_cars

QUERIES = {
    "golf diesel tot 25k": CarPreferences(make="Volkswagen", model="Golf", fuel_type="diesel", max_price=25000),
    "elektrisch tot 30k": CarPreferences(fuel_type="electric", max_price=30000),
    "suv automaat vanaf 2020": CarPreferences(body_type="suv", transmission="automatic", min_year=2020),
    "porsche 911 (relaxes to all makes)": CarPreferences(make="Porsche", model="911"),
    "no preferences": CarPreferences(),
}


def generated_cars(count: int, seed: int = 7) -> list[Car]:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    base = sample_cars()
    return [
        template.model_copy(update={
            "id": f"gen-{n}",
            "price_eur": max(3000, template.price_eur + rng.randint(-6000, 6000)),
            "year": template.year - rng.randint(0, 4),
            "mileage_km": template.mileage_km + rng.randint(0, 60000),
            "first_seen": now - timedelta(days=rng.randint(0, 90)),
        })
        for n in range(count)
        for template in [rng.choice(base)]
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    started = time.perf_counter()
    index = InventoryIndex(generated_cars(count))
    print(f"index of {len(index)} cars built in {(time.perf_counter() - started) * 1000:.0f} ms")
    cars = index.cars
    floor = []
    for _ in range(200):  # floor: one plain pass over every car, the least any search must do
        t0 = time.perf_counter()
        [car for car in cars if car.make == "Volkswagen" and not car.sold]
        floor.append((time.perf_counter() - t0) * 1000)
    print(f"{'floor: one filter pass over all cars':<36} p50 {statistics.median(floor):6.2f} ms   p99 {percentile(floor, 0.99):6.2f} ms")
    everything = []
    for name, prefs in QUERIES.items():
        timings = []
        request = InventorySearchRequest(preferences=prefs, text=name)
        for _ in range(200):
            t0 = time.perf_counter()
            index.search(request)
            timings.append((time.perf_counter() - t0) * 1000)
        everything += timings
        print(f"{name:<36} p50 {statistics.median(timings):6.2f} ms   p99 {percentile(timings, 0.99):6.2f} ms")
    print(f"{'all':<36} p50 {statistics.median(everything):6.2f} ms   p99 {percentile(everything, 0.99):6.2f} ms")


if __name__ == "__main__":
    main()
