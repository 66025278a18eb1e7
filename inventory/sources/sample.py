"""The shipped sample inventory: plausible Dutch used cars, clearly marked as sample data.

Used until a live source has synced once, or when INVENTORY_SOURCES names no live source.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from agents.models import Car
from inventory.normalise import with_listed_equipment

SAMPLE_FILE = Path(__file__).resolve().parent.parent / "sample_cars.json"


@lru_cache(maxsize=1)
def _load() -> tuple[Car, ...]:
    document = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    cars = (Car(**row) for row in document["cars"])
    return tuple(with_listed_equipment(car) for car in cars)


def sample_cars() -> list[Car]:
    return [car.model_copy(deep=True) for car in _load()]
