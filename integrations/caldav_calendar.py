"""The dealer's own calendar over CalDAV (`caldav` library), when CALDAV_URL is set.

Bookings are written, moved and removed there under the same UID as in the feed. Events
in that calendar that are not ours (a salesperson's day off, entered by hand) are busy
time: they block test-drive slots. The library is synchronous: calls run in a thread.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlparse

import caldav
from caldav.lib import error as caldav_error

from agents.knowledge.dealer import DealerFacts
from agents.slots import Busy
from integrations.calendar_ics import UID_DOMAIN, event_uid, single
from integrations.errors import IntegrationError
from integrations.testdrive_store import Booking


class CalDavCalendar:
    def __init__(self, url: str, username: str | None, password: str | None, timeout: int = 15):
        host = urlparse(url).hostname or ""
        self.url = url
        self._client = caldav.DAVClient(
            url=url, username=username, password=password, timeout=timeout,
            # Plain HTTP only to a server on this machine (tests, a local Radicale).
            require_tls=host not in ("127.0.0.1", "localhost", "::1"),
        )
        self._calendar = self._client.calendar(url=url)

    @classmethod
    def from_settings(cls, settings) -> "CalDavCalendar | None":
        if not settings.caldav_url:
            return None
        password = settings.caldav_password.get_secret_value() if settings.caldav_password else None
        return cls(settings.caldav_url, settings.caldav_username, password)

    async def upsert(self, booking: Booking, dealer: DealerFacts) -> None:
        await self._run(self._upsert, booking, dealer)

    async def remove(self, booking_id: str) -> None:
        await self._run(self._remove, booking_id)

    async def busy(self, start: datetime, end: datetime) -> list[Busy]:
        return await self._run(self._busy, start, end)

    async def has_event(self, booking_id: str) -> bool:
        return await self._run(self._find, booking_id) is not None

    # --- synchronous internals -----------------------------------------------------------------
    async def _run(self, call, *args):
        try:
            return await asyncio.to_thread(call, *args)
        except caldav_error.AuthorizationError as exc:
            raise IntegrationError(f"CalDAV refused the login: {exc}", retryable=False, status_code=401) from exc
        except caldav_error.DAVError as exc:
            raise IntegrationError(f"CalDAV failed: {exc}"[:300], retryable=True) from exc
        except OSError as exc:
            raise IntegrationError(f"CalDAV unreachable: {exc!r}"[:300], retryable=True) from exc

    def _find(self, booking_id: str):
        try:
            return self._calendar.event_by_uid(event_uid(booking_id))
        except caldav_error.NotFoundError:
            return None

    def _upsert(self, booking: Booking, dealer: DealerFacts) -> None:
        data = single(booking, dealer).decode()
        existing = self._find(booking.booking_id)
        if existing is not None:
            existing.data = data
            existing.save()
        else:
            self._calendar.add_event(data)

    def _remove(self, booking_id: str) -> None:
        existing = self._find(booking_id)
        if existing is not None:
            existing.delete()

    def _busy(self, start: datetime, end: datetime) -> list[Busy]:
        found = self._calendar.search(start=start, end=end, event=True, expand=True)
        busy = []
        for item in found:
            component = item.icalendar_component
            if str(component.get("uid", "")).endswith("@" + UID_DOMAIN):
                continue  # our own bookings count from the store, per car
            if str(component.get("transp", "")).upper() == "TRANSPARENT":
                continue
            begin = _as_datetime(component.get("dtstart").dt)
            finish = component.get("dtend")
            finish = _as_datetime(finish.dt) if finish is not None else begin + timedelta(days=1)
            busy.append(Busy(start=begin, end=finish))
        return busy


def _as_datetime(value) -> datetime:
    """All-day events (a date) span the whole day in the dealer's zone; naive times are UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        from zoneinfo import ZoneInfo

        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo("Europe/Amsterdam"))
    raise ValueError(f"not a date: {value!r}")
