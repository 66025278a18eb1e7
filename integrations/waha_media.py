"""Fetching a customer's WhatsApp media from WAHA: with the API key, size-limited, WAHA's host only.

WAHA puts `media.url` in the webhook (e.g. http://localhost:3000/api/files/<id>.jpeg). The URL
comes from the webhook body, so it is never fetched as given: only its `/api/files/...` path is
used, on the WAHA base URL we are configured with. Anything else is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from integrations.errors import IntegrationError, is_retryable_status

_FILES_PATH = re.compile(r"^/api/files/[A-Za-z0-9@._:/%+=-]{1,300}$")
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "audio/ogg": "ogg",
               "audio/mpeg": "mp3", "video/mp4": "mp4", "application/pdf": "pdf"}


@dataclass
class MediaFile:
    filename: str
    content: bytes
    mimetype: str


def media_path(url: str | None) -> str | None:
    """The `/api/files/...` path of a WAHA media URL, or None when it is not one."""
    if not url or not isinstance(url, str) or len(url) > 1000:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if ".." in parts.path or not _FILES_PATH.match(parts.path):
        return None
    return parts.path


def filename_for(path: str, mimetype: str | None, given: str | None = None) -> str:
    if given and re.fullmatch(r"[\w .()-]{1,120}", given):
        return given
    name = path.rsplit("/", 1)[-1][-80:] or "bestand"
    if "." not in name:
        base = (mimetype or "").split(";")[0].strip().lower()
        name += "." + _EXTENSIONS.get(base, "bin")
    return re.sub(r"[^\w.-]", "_", name)


async def download(http: httpx.AsyncClient, url: str | None, *, max_bytes: int,
                   mimetype: str | None = None, filename: str | None = None) -> MediaFile:
    """GET the file from WAHA (the client carries base URL and X-Api-Key); IntegrationError otherwise."""
    path = media_path(url)
    if path is None:
        raise IntegrationError("media URL is not a WAHA file URL: not fetched", retryable=False)
    try:
        async with http.stream("GET", path) as response:
            if response.status_code >= 300:
                raise IntegrationError(f"WAHA GET {path} answered {response.status_code}",
                                       retryable=is_retryable_status(response.status_code),
                                       status_code=response.status_code)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise IntegrationError(f"media is {declared} bytes, more than {max_bytes}", retryable=False)
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise IntegrationError(f"media is more than {max_bytes} bytes", retryable=False)
                chunks.append(chunk)
            served = response.headers.get("content-type", "").split(";")[0].strip()
    except httpx.TimeoutException as exc:
        raise IntegrationError(f"WAHA GET {path} timed out", retryable=True) from exc
    except httpx.TransportError as exc:
        raise IntegrationError(f"WAHA unreachable (GET {path}): {exc}", retryable=True) from exc
    kind = (mimetype or served or "application/octet-stream").split(";")[0].strip() or "application/octet-stream"
    return MediaFile(filename_for(path, kind, filename), b"".join(chunks), kind)
