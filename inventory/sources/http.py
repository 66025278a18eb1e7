"""A polite HTTP client for scraping: identifies itself, paces requests, honours 429s."""

from __future__ import annotations

import asyncio
import email.utils
import time
from datetime import datetime, timezone

import httpx

from config import Settings

MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_SECONDS = 120.0  # longer waits: give up this run; the schedule tries again


class SourceError(Exception):
    """A source could not be read; the previous snapshot for it stays in place."""


class MarkupChangedError(SourceError):
    """The page loaded but no longer looks like what the parser knows."""


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


class PoliteClient:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self._delay = settings.scraper_delay_seconds
        self._backoff_base = max(settings.scraper_delay_seconds, 0.05)
        self._last_request = 0.0
        self.requests_made = 0
        self._http = httpx.AsyncClient(
            headers={
                "User-Agent": settings.scraper_user_agent,
                "Accept-Language": "nl-NL,nl;q=0.9",
            },
            timeout=httpx.Timeout(settings.scraper_timeout_seconds),
            follow_redirects=True,
            transport=transport,
        )

    async def __aenter__(self) -> "PoliteClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self._http.aclose()

    async def _pace(self) -> None:
        # Each request reserves the next free slot before it waits, so requests running side
        # by side (detail pages) still go out at most one per delay.
        now = time.monotonic()
        slot = max(now, self._last_request + self._delay)
        self._last_request = slot
        if slot > now:
            await asyncio.sleep(slot - now)

    async def get(self, url: str, params: dict | None = None, accept: str = "text/html") -> httpx.Response:
        """GET with retries on 429 (Retry-After), 5xx and network errors; raises SourceError."""
        problem = ""
        for attempt in range(MAX_ATTEMPTS):
            await self._pace()
            self.requests_made += 1
            try:
                response = await self._http.get(url, params=params, headers={"Accept": accept})
            except httpx.TimeoutException:
                problem = f"timeout after {self._http.timeout.read}s"
                response = None
            except httpx.TransportError as error:
                problem = f"network error: {error.__class__.__name__}: {error}"
                response = None
            if response is not None:
                if response.status_code < 400:
                    return response
                problem = f"HTTP {response.status_code}"
                if response.status_code == 429:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    if wait is not None and wait > MAX_RETRY_AFTER_SECONDS:
                        raise SourceError(f"{url}: rate limited (Retry-After {wait:.0f}s)")
                    await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
                    continue
                if response.status_code < 500:
                    raise SourceError(f"{url}: {problem}")
            if attempt + 1 < MAX_ATTEMPTS:
                await asyncio.sleep(self._backoff(attempt))
        raise SourceError(f"{url}: {problem} (after {MAX_ATTEMPTS} attempts)")

    def _backoff(self, attempt: int) -> float:
        return min(self._backoff_base * (2**attempt), 30.0)
