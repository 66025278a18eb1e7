"""Dealer facts from the dealer-edited YAML file (see dealer.yaml)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class Address(BaseModel):
    street: str
    postal_code: str
    city: str
    # For "how far is it": the distance answer to a shared WhatsApp location (agents.media).
    latitude: float | None = None
    longitude: float | None = None

    def one_line(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


class Financing(BaseModel):
    partner: str = "onze financieringspartner"
    annual_rate_percent: float
    legal_max_rate_percent: float = 14.0
    default_months: int = 72
    min_months: int = 12
    max_months: int = 120
    min_amount_eur: int = 2500
    down_payment_percent: float = 0
    products: list[str] = Field(default_factory=list)

    @property
    def effective_rate_percent(self) -> float:
        """The configured rate, never above the legal maximum."""
        return min(self.annual_rate_percent, self.legal_max_rate_percent)


class Warranty(BaseModel):
    bovag_months: int = 12
    extended_available: bool = True
    description: str = ""
    inspection: str = ""  # what every car goes through before delivery (the BOVAG check)


class Delivery(BaseModel):
    apk_included: bool = True
    delivery_cost_eur: int = 0
    home_delivery_available: bool = False
    home_delivery_cost_eur: int | None = None


class TestDrive(BaseModel):
    duration_minutes: int = 30
    requires_license: bool = True
    bring: str = "je rijbewijs"
    slot_minutes: int = 30  # the calendar's grid: one booking takes one slot
    at_once: int = 2  # test drives that can run at the same time
    lead_time_minutes: int = 120  # no booking sooner than this from now
    book_ahead_days: int = 21  # how far ahead customers may book
    passengers_allowed: bool | None = None  # may someone ride along? None: not stated, the bot has it checked


class TradeIn(BaseModel):
    needed: list[str] = Field(default_factory=lambda: ["kenteken", "kilometerstand", "foto's"])


class RoadTax(BaseModel):
    """Road-tax facts with their source and year (no tariff table: the calculator has the amounts)."""

    year: int | None = None
    source: str = ""
    calculator_url: str = ""
    depends_on: list[str] = Field(default_factory=lambda: ["gewicht", "brandstof", "provincie"])
    reduced_rate_note: str = ""


class DealerFacts(BaseModel):
    name: str
    address: Address
    phone: str
    whatsapp: str | None = None
    email: str
    website: str
    timezone: str = "Europe/Amsterdam"
    opening_hours: dict[str, str] = Field(default_factory=dict)  # weekday -> "09:00-18:00"
    closed_dates: list[date] = Field(default_factory=list)
    stock_size_hint: int | None = None
    customer_rating: str | None = None
    financing: Financing
    warranty: Warranty = Field(default_factory=Warranty)
    delivery: Delivery = Field(default_factory=Delivery)
    test_drive: TestDrive = Field(default_factory=TestDrive)
    trade_in: TradeIn = Field(default_factory=TradeIn)
    road_tax: RoadTax = Field(default_factory=RoadTax)
    public_transport: str | None = None  # how to reach us by train/bus; None: the bot has it checked by sales
    # The dealer's own Dutch words (what to bring, the products, the trade-in items) in the
    # customer's language: {"je rijbewijs": {"nl_u": "uw rijbewijs", "en": "...", "de": "..."}}.
    translations: dict[str, dict[str, str]] = Field(default_factory=dict)

    def word(self, dutch: str, language: str | None = "nl", address_form: str | None = "je") -> str:
        """A Dutch value from this file in the customer's language and register (as written if untranslated)."""
        variants = self.translations.get(dutch, {})
        if language in ("en", "de", "other"):
            return variants.get("en" if language == "other" else language, dutch)
        if address_form == "u":
            return variants.get("nl_u", dutch)
        return dutch

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """Opening and closing time on a date, or None when closed."""
        if day in self.closed_dates:
            return None
        spec = self.opening_hours.get(WEEKDAYS[day.weekday()])
        if not spec or "-" not in spec:
            return None
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-", 1))
        return start, end

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        hours = self.hours_on(local.date())
        return bool(hours) and hours[0] <= local.time() < hours[1]

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the next opening time (timezone-aware, dealer's zone)."""
        local = moment.astimezone(self.tz)
        if self.is_open(local):
            return local
        for offset in range(0, 15):
            day = local.date() + timedelta(days=offset)
            hours = self.hours_on(day)
            if not hours:
                continue
            opening = datetime.combine(day, hours[0], tzinfo=self.tz)
            if opening > local:
                return opening
        return local  # no opening hours configured at all: treat as always open

    def opening_hours_text(self) -> str:
        lines = []
        for weekday, dutch in zip(WEEKDAYS, DUTCH_WEEKDAYS):
            spec = self.opening_hours.get(weekday)
            lines.append(f"{dutch}: {spec.replace('-', ' - ') if spec else 'gesloten'}")
        return "\n".join(lines)


def load_dealer(path: Path | str) -> DealerFacts:
    with open(path, encoding="utf-8") as handle:
        return DealerFacts.model_validate(yaml.safe_load(handle))


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> DealerFacts:
    return load_dealer(path)


def dealer_facts(path: Path | str | None = None) -> DealerFacts:
    """The dealer facts, re-read when the file changes."""
    if path is None:
        from config import get_settings

        path = get_settings().dealer_config_file
    path = Path(path)
    return _cached(str(path), path.stat().st_mtime)
