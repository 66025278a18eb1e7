"""Errors that tell Temporal whether a retry can help."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


class IntegrationError(Exception):
    """A call to an outside service failed. `retryable=False` means retrying cannot help."""

    def __init__(self, message: str, *, retryable: bool, status_code: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status_code = status_code


def is_retryable_status(status: int) -> bool:
    """5xx, 408 (timeout), 409 (conflict) and 429 (rate limit) may pass; other 4xx will not."""
    return status >= 500 or status in (408, 409, 429)


class WebhookRejected(Exception):
    """A webhook delivery we refuse: the API answers `status_code` with `reason`."""

    def __init__(self, status_code: int, reason: str):
        super().__init__(f"{status_code}: {reason}")
        self.status_code = status_code
        self.reason = reason


async def call(
    http: httpx.AsyncClient,
    service: str,
    method: str,
    path: str,
    *,
    retryable: Callable[[int, str], bool] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One HTTP call, with transport failures and non-2xx answers as IntegrationError.

    `retryable(status, body)` overrides the generic rule for a service with its own contract.
    """
    try:
        response = await http.request(method, path, **kwargs)
    except httpx.TimeoutException as exc:
        raise IntegrationError(f"{service} {method} {path} timed out", retryable=True) from exc
    except httpx.TransportError as exc:
        raise IntegrationError(f"{service} unreachable ({method} {path}): {exc}", retryable=True) from exc
    if response.status_code >= 300:
        raise IntegrationError(
            f"{service} {method} {path} answered {response.status_code}: {response.text[:300]}",
            retryable=(retryable or (lambda status, _: is_retryable_status(status)))(
                response.status_code, response.text[:2000]
            ),
            status_code=response.status_code,
        )
    return response
