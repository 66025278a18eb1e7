"""The customer's trade-in car: a separate object in the conversation context.

It is never matched against stock and never changes the search for the car they want.
RDW facts come from `integrations.rdw` through the `lookup_plate` activity.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

LookupStatus = Literal["found", "unknown", "unavailable", "stock"]


class RdwVehicle(BaseModel):
    """What RDW's open data says about one plate (m9d7-ebf2 + 8ys7-d773)."""

    plate: str  # compact, "1XJR34"
    make: str | None = None  # "Opel" (RDW writes "OPEL")
    model: str | None = None  # "Astra" (handelsbenaming, may carry a trim)
    first_registration: date | None = None
    apk_expiry: date | None = None
    odometer_judgement: str | None = None  # NAP: Logisch, Onlogisch, Geen oordeel, Niet van toepassing
    open_recall: bool | None = None
    body: str | None = None
    colour: str | None = None
    empty_mass_kg: int | None = None
    fuels: list[str] = Field(default_factory=list)  # ["Benzine"], a hybrid has two
    seats: int | None = None
    towing_braked_kg: int | None = None  # maximum_trekken_massa_geremd
    towing_unbraked_kg: int | None = None  # maximum_massa_trekken_ongeremd
    fuel_consumption_l_100km: float | None = None  # combined, WLTP where registered (8ys7-d773)
    electric_range_km: int | None = None  # electric-only range, WLTP where registered

    @property
    def year(self) -> int | None:
        return self.first_registration.year if self.first_registration else None

    @property
    def title(self) -> str:
        return " ".join(part for part in (self.make, self.model) if part)


class PlateLookup(BaseModel):
    """The `lookup_plate` activity's answer: a stock car's plate, RDW's facts, or nothing."""

    plate: str  # compact
    dashed: str
    status: LookupStatus
    vehicle: RdwVehicle | None = None
    stock_car_id: str | None = None
    error: str | None = None


class TradeInPhoto(BaseModel):
    message_id: str
    url: str | None = None  # WAHA's media.url (fetched with the API key, from the WAHA host only)
    mimetype: str | None = None
    filename: str | None = None
    at: datetime


class TradeIn(BaseModel):
    plate: str | None = None  # dashed, "1-XJR-34"
    lookup_status: LookupStatus | None = None
    vehicle: RdwVehicle | None = None
    # what the customer said when RDW has nothing (or before the plate)
    make: str | None = None
    model: str | None = None
    year: int | None = None
    mileage_km: int | None = None
    photos: list[TradeInPhoto] = Field(default_factory=list)
    photos_requested: bool = False
    started_at: datetime
    last_activity_at: datetime
    summary_sent_at: datetime | None = None
    indicative_value_eur: int | None = None  # entered by staff: CLI or Chatwoot `trade_in_value`

    @property
    def complete(self) -> bool:
        """Plate and mileage known: what the lead score and the summary count as a full intake."""
        return bool(self.plate and self.mileage_km)

    def describe(self) -> str:
        """"Opel Astra 2015, 140.000 km, 1-XJR-34" (the CRM's trade_in_vehicle)."""
        make = self.vehicle.make if self.vehicle and self.vehicle.make else self.make
        model = self.vehicle.model if self.vehicle and self.vehicle.model else self.model
        year = self.vehicle.year if self.vehicle and self.vehicle.year else self.year
        head = " ".join(str(p) for p in (make, model, year) if p)
        parts = [head] if head else []
        if self.mileage_km:
            parts.append(f"{self.mileage_km:,} km".replace(",", "."))
        if self.plate:
            parts.append(self.plate)
        return ", ".join(parts) or "inruilauto (nog geen gegevens)"
