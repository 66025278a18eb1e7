"""Free test-drive slots from dealer.yaml (pure): opening hours, slot length, test drives at
once, lead time, how far ahead, closed dates and Dutch public holidays (`holidays` package).

A slot is free for a car when the car is not booked at an overlapping time, fewer than
`at_once` test drives overlap it, and no busy time from the staff calendar covers it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from pydantic import BaseModel

from agents.knowledge.dealer import DealerFacts
from agents.when import WhenWish

MAX_OFFERED = 3


class Busy(BaseModel):
    """A booked test drive (car_id set) or a busy time from the staff calendar (car_id None)."""

    start: datetime
    end: datetime
    car_id: str | None = None


@lru_cache(maxsize=8)
def _dutch_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("NL", years=year, language="nl"))


def holiday_name(day: date) -> str | None:
    return _dutch_holidays(day.year).get(day)


def open_hours(dealer: DealerFacts, day: date) -> tuple[time, time] | None:
    """Opening hours on a day, None on closed days, closed dates and public holidays."""
    if holiday_name(day):
        return None
    return dealer.hours_on(day)


def day_slots(dealer: DealerFacts, day: date) -> list[datetime]:
    hours = open_hours(dealer, day)
    if not hours:
        return []
    length = timedelta(minutes=dealer.test_drive.slot_minutes)
    start = datetime.combine(day, hours[0], tzinfo=dealer.tz)
    close = datetime.combine(day, hours[1], tzinfo=dealer.tz)
    slots = []
    while start + length <= close:
        slots.append(start)
        start += length
    return slots


def free_slots(dealer: DealerFacts, busy: list[Busy], now: datetime, car_ids: list[str]) -> list[datetime]:
    """Every bookable start for all of `car_ids` (one car, or none known yet), soonest first."""
    drive = dealer.test_drive
    length = timedelta(minutes=drive.slot_minutes)
    earliest = now + timedelta(minutes=drive.lead_time_minutes)
    today = now.astimezone(dealer.tz).date()
    result = []
    for offset in range(drive.book_ahead_days + 1):
        for start in day_slots(dealer, today + timedelta(days=offset)):
            if start < earliest:
                continue
            end = start + length
            overlapping = [b for b in busy if b.start < end and start < b.end]
            if any(b.car_id is None for b in overlapping):
                continue  # a salesperson's day off, a showroom event: nobody drives
            if any(b.car_id in car_ids for b in overlapping):
                continue
            if len(overlapping) >= drive.at_once:
                continue
            result.append(start)
    return result


def is_free(slot: datetime, free: list[datetime]) -> bool:
    return any(abs((slot - candidate).total_seconds()) < 60 for candidate in free)


def matching(free: list[datetime], wish: WhenWish, tz) -> list[datetime]:
    """The free slots inside what the customer asked for (day, window), soonest first."""
    result = []
    for slot in free:
        local = slot.astimezone(tz)
        if wish.day and local.date() != wish.day:
            continue
        if wish.not_before_day and local.date() < wish.not_before_day:
            continue
        if wish.earliest and local.time() < wish.earliest:
            continue
        if wish.latest and local.time() >= wish.latest:
            continue
        result.append(slot)
    return result


def exact(free: list[datetime], wish: WhenWish, tz) -> datetime | None:
    """The slot the customer named, when both its day and its start time are known and free."""
    if not (wish.day and wish.at):
        return None
    for slot in free:
        local = slot.astimezone(tz)
        if local.date() == wish.day and local.time() == wish.at:
            return slot
    return None


def nearest(free: list[datetime], wish: WhenWish, tz, limit: int = MAX_OFFERED) -> list[datetime]:
    """Two or three alternatives close to the wish: same day first, then the nearest days."""
    if not free:
        return []
    inside = matching(free, wish, tz)
    if wish.at:
        anchor_day = wish.day or (inside[0].astimezone(tz).date() if inside else free[0].astimezone(tz).date())
        target = datetime.combine(anchor_day, wish.at, tzinfo=tz)
        pool = inside or matching(free, wish.model_copy(update={"day": None, "earliest": None, "latest": None}), tz) or free
        return sorted(pool, key=lambda slot: (abs((slot - target).total_seconds()), slot))[:limit]
    if inside:
        if wish.day and not (wish.earliest or wish.latest or wish.asap):
            return _spread(inside, limit)  # "doe maar zaterdag": morning, midday and afternoon
        return inside[:limit]
    if wish.day:  # closed or full that day: the nearest days around it
        target = datetime.combine(wish.day, time(11), tzinfo=tz)
        days = sorted({slot.astimezone(tz).date() for slot in free}, key=lambda d: (abs((d - wish.day).days), d))
        chosen = days[:1]
        pool = [slot for slot in free if slot.astimezone(tz).date() in chosen]
        window = matching(pool, wish.model_copy(update={"day": None}), tz)
        return _spread(window or pool, limit) if pool else sorted(free, key=lambda s: abs((s - target).total_seconds()))[:limit]
    return free[:limit]


def _spread(slots: list[datetime], limit: int) -> list[datetime]:
    if len(slots) <= limit:
        return slots
    step = (len(slots) - 1) / (limit - 1)
    return [slots[round(index * step)] for index in range(limit)]
