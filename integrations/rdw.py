"""RDW open data (Socrata JSON, no key needed): make, model, dates, APK, NAP judgement, fuel.

GET {RDW_API_URL}/resource/m9d7-ebf2.json?kenteken=1XJR34 (registered vehicles) and
/resource/8ys7-d773.json?kenteken=1XJR34 (fuels). Both answer a JSON array, `[]` for an
unknown plate; every value is a string. A plate's data changes rarely, so answers are cached
(an unknown plate for a shorter while).
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

import httpx

from agents.tradein_models import RdwVehicle
from integrations.errors import IntegrationError, call

VEHICLES = "/resource/m9d7-ebf2.json"
FUELS = "/resource/8ys7-d773.json"
# Brand names RDW writes in capitals that do not title-case well.
_MAKES = {"BMW": "BMW", "MERCEDES-BENZ": "Mercedes-Benz", "VOLKSWAGEN": "Volkswagen", "DS": "DS", "MG": "MG",
          "KIA": "Kia", "SEAT": "SEAT", "CUPRA": "CUPRA", "MINI": "MINI", "LYNK & CO": "Lynk & Co"}


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    for fmt in ("%Y%m%d", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _yes(value: Any) -> bool | None:
    if not isinstance(value, str):
        return None
    return {"ja": True, "nee": False}.get(value.strip().lower())


def _title(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    if text.upper() in _MAKES:
        return _MAKES[text.upper()]
    # "ASTRA SPORTS TOURER" -> "Astra Sports Tourer"; keep codes with digits as written ("C3", "A4")
    # parts of one or two letters stay capitals: "C-HR", "GT", "RS"
    def word_case(word: str) -> str:
        if any(ch.isdigit() for ch in word):
            return word
        return "-".join(part if len(part) <= 2 else part.capitalize() for part in word.split("-"))

    return " ".join(word_case(word) for word in text.split())


def vehicle_from_rows(plate: str, vehicles: list[dict], fuels: list[dict]) -> RdwVehicle | None:
    row = next((item for item in vehicles if isinstance(item, dict)), None)
    if row is None:
        return None
    fuel_names = [str(item["brandstof_omschrijving"]) for item in fuels
                  if isinstance(item, dict) and isinstance(item.get("brandstof_omschrijving"), str)]
    return RdwVehicle(
        plate=plate,
        make=_title(row.get("merk")),
        model=_title(row.get("handelsbenaming")),
        first_registration=_date(row.get("datum_eerste_toelating")) or _date(row.get("datum_eerste_toelating_dt")),
        apk_expiry=_date(row.get("vervaldatum_apk")) or _date(row.get("vervaldatum_apk_dt")),
        odometer_judgement=row.get("tellerstandoordeel") if isinstance(row.get("tellerstandoordeel"), str) else None,
        open_recall=_yes(row.get("openstaande_terugroepactie_indicator")),
        body=row.get("inrichting") if isinstance(row.get("inrichting"), str) else None,
        colour=row.get("eerste_kleur") if isinstance(row.get("eerste_kleur"), str) else None,
        empty_mass_kg=_int(row.get("massa_ledig_voertuig")),
        fuels=list(dict.fromkeys(fuel_names)),
        seats=_int(row.get("aantal_zitplaatsen")),
        towing_braked_kg=_int(row.get("maximum_trekken_massa_geremd")) or None,
        towing_unbraked_kg=_int(row.get("maximum_massa_trekken_ongeremd")) or None,
        fuel_consumption_l_100km=_first(fuels, _FUEL_USE, float_value=True),
        electric_range_km=_first(fuels, _RANGE),
    )


# Fuel-dataset fields, WLTP first (newer cars), then the older NEDC ones.
_FUEL_USE = ("brandstof_verbruik_gecombineerd_wltp", "brandstofverbruik_gecombineerd")
_RANGE = ("actie_radius_enkel_elektrisch_wltp", "actieradius", "actie_radius_extern_opladen_wltp")


def _first(rows: list[dict], fields: tuple[str, ...], float_value: bool = False) -> Any:
    for field in fields:
        for row in rows:
            if not isinstance(row, dict):
                continue
            try:
                value = float(row.get(field))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            if value > 0:
                return round(value, 1) if float_value else int(value)
    return None


class RdwClient:
    def __init__(self, base_url: str, *, app_token: str | None = None, timeout: float = 5.0,
                 cache_seconds: float = 7 * 86400, unknown_cache_seconds: float = 86400):
        headers = {"User-Agent": "seldenrijk-agent", "Accept": "application/json"}
        if app_token:
            headers["X-App-Token"] = app_token
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)
        self.cache_seconds = cache_seconds
        self.unknown_cache_seconds = unknown_cache_seconds
        self._cache: dict[str, tuple[float, RdwVehicle | None]] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _rows(self, path: str, plate: str) -> list[dict]:
        response = await call(self._http, "RDW", "GET", path, params={"kenteken": plate})
        try:
            rows = response.json()
        except ValueError as exc:
            raise IntegrationError(f"RDW {path} sent no JSON", retryable=True) from exc
        if not isinstance(rows, list):
            raise IntegrationError(f"RDW {path} sent no JSON array", retryable=True)
        return rows

    async def vehicle(self, plate: str) -> RdwVehicle | None:
        """RDW's facts for a compact plate ("1XJR34"); None for a plate RDW does not know."""
        cached = self._cache.get(plate)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        vehicles = await self._rows(VEHICLES, plate)
        fuels = await self._rows(FUELS, plate) if vehicles else []
        vehicle = vehicle_from_rows(plate, vehicles, fuels)
        ttl = self.cache_seconds if vehicle else self.unknown_cache_seconds
        self._cache[plate] = (time.monotonic() + ttl, vehicle)
        if len(self._cache) > 5000:  # bounded: drop the oldest half
            for key in list(self._cache)[:2500]:
                self._cache.pop(key, None)
        return vehicle
