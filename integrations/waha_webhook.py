"""Verify and parse WAHA webhook deliveries (INTEGRATIONS.md §1.2–1.5, waha-openapi.json).

Pure functions: the API turns `WebhookRejected` into a 4xx and the parsed result into a
workflow signal. Nothing here talks to the network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrations.errors import WebhookRejected  # noqa: F401 - part of this module's interface
from agents.media import InboundMedia, media_from_payload, placeholder_text
from workflows.models import InboundMessage, MessageEdited, MessageRevoked, StaffMessage

SKIPPED_SUFFIXES = {
    "@g.us": "group chat",
    "@newsletter": "newsletter",
    "@broadcast": "broadcast",
}
ACCEPTED_SUFFIXES = ("@c.us", "@lid", "@s.whatsapp.net")
_SURROGATES = ("\ud800", "\udfff")
# WhatsApp numbers and privacy ids are plain ASCII digits (E.164 has at most 15; @lid ids a few more).
_CHAT_DIGITS = re.compile(r"[0-9]{1,20}")
MAX_MESSAGE_ID_CHARS = 256


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1, max_length=MAX_MESSAGE_ID_CHARS)
    timestamp: float | None = None
    from_: str = Field(alias="from", min_length=1)
    fromMe: bool = False
    source: str | None = None
    to: str | None = None
    body: str | None = None  # the text, or a media caption
    hasMedia: bool = False
    data: dict[str, Any] | None = Field(default=None, alias="_data")


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    timestamp: float | None = None
    event: str = Field(min_length=1)
    session: str | None = None
    payload: dict[str, Any] | None = None


class Ignored(BaseModel):
    reason: str


class CustomerMessage(BaseModel):
    kind: Literal["customer"] = "customer"
    message: InboundMessage


class StaffTyped(BaseModel):
    """A salesperson typed on the dealer's phone (fromMe, source "app")."""

    kind: Literal["staff"] = "staff"
    chat_id: str
    phone: str
    message: StaffMessage


class CustomerEdited(BaseModel):
    """The customer edited a message (WAHA `message.edited`, WAMessageEditedBody)."""

    kind: Literal["edited"] = "edited"
    chat_id: str
    phone: str
    edit: MessageEdited


class CustomerRevoked(BaseModel):
    """The customer deleted a message for everyone (WAHA `message.revoked`, WAMessageRevokedBody)."""

    kind: Literal["revoked"] = "revoked"
    chat_id: str
    phone: str
    revoke: MessageRevoked


def verify_hmac(key: str, raw_body: bytes, signature: str | None, timestamp_ms: str | None,
                *, now: float, max_age_seconds: int) -> None:
    """X-Webhook-Hmac = hex HMAC-SHA512(key, raw body). Stale X-Webhook-Timestamp is refused."""
    if not signature:
        raise WebhookRejected(401, "missing X-Webhook-Hmac header")
    expected = hmac.new(key.encode(), raw_body, hashlib.sha512).hexdigest()
    given = signature.strip().lower()
    # compare_digest refuses non-ASCII str (TypeError, a 500): such a header is simply wrong.
    if not given.isascii() or not hmac.compare_digest(expected, given):
        raise WebhookRejected(401, "X-Webhook-Hmac does not match the body")
    if timestamp_ms:
        try:
            sent = float(timestamp_ms) / 1000.0
        except ValueError as exc:
            raise WebhookRejected(400, "X-Webhook-Timestamp is not a number") from exc
        if abs(now - sent) > max_age_seconds:
            raise WebhookRejected(401, "X-Webhook-Timestamp is too old (replayed delivery?)")


def verify_event_age(body: dict[str, Any], *, now: float, max_age_seconds: int) -> None:
    """The envelope's `timestamp` (ms) is inside the signed body, unlike X-Webhook-Timestamp:
    a captured delivery replayed with a fresh header still shows its real age here."""
    stamp = body.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and stamp > 0:
        if abs(now - stamp / 1000.0) > max_age_seconds:
            raise WebhookRejected(401, "event timestamp is too old (replayed delivery?)")


def parse_body(raw_body: bytes) -> dict[str, Any]:
    if not raw_body.strip():
        raise WebhookRejected(400, "empty body: expected a WAHA webhook JSON object")
    try:
        body = json.loads(raw_body, parse_constant=_not_json, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise WebhookRejected(422, "body must be a JSON object (the WAHA webhook envelope)")
    return _without_surrogates(body)


def _not_json(constant: str) -> float:
    raise ValueError(f"{constant} is not JSON")  # Python's json reads NaN and Infinity; an id of Infinity is no id


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def _without_surrogates(value: Any) -> Any:
    """JSON may escape lone surrogates (\\udcff) that UTF-8 cannot carry: keep the message, mark the gap."""
    if isinstance(value, str):
        return "".join("\ufffd" if _SURROGATES[0] <= ch <= _SURROGATES[1] else ch for ch in value)
    if isinstance(value, dict):
        return {key: _without_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    return value



def _error_text(exc: ValidationError, prefix: str) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    return f"{prefix}{where}: {first['msg']}"


def _phone_for(chat_id: str) -> str:
    digits = "".join(ch for ch in chat_id.split("@", 1)[0] if ch.isdigit())
    return f"+{digits}"


def _sender_name(payload: _Payload) -> str | None:
    data = payload.data or {}
    for key in ("notifyName", "pushName"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:100]
    return None


def _timestamp(value: float | None, default: datetime) -> datetime:
    if value is None or value <= 0:
        return default
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return default


def _media(payload: dict[str, Any], event: str, has_media: bool) -> InboundMedia | None:
    """Whatever WAHA put in the media fields, a media message stays a message we answer."""
    try:
        return media_from_payload(payload, event=event)
    except Exception:  # noqa: BLE001 - odd media fields must never cost the customer an answer
        return InboundMedia(kind="other") if has_media else None


def _chat_id(chat_id: str) -> str | Ignored:
    """A customer's chat id ("316…@c.us", "…@lid"); groups, channels and status updates are ignored."""
    if chat_id == "status@broadcast":
        return Ignored(reason="status update")
    for suffix, what in SKIPPED_SUFFIXES.items():
        if chat_id.endswith(suffix):
            return Ignored(reason=what)
    if not chat_id.endswith(ACCEPTED_SUFFIXES):
        raise WebhookRejected(422, f"payload.from '{chat_id[:40]}' is not a WhatsApp chat id")
    chat_id = chat_id.replace("@s.whatsapp.net", "@c.us")
    local_part = chat_id.split("@", 1)[0]
    if not any(ch.isdigit() for ch in local_part):
        raise WebhookRejected(422, "payload.from has no phone digits")
    if not _CHAT_DIGITS.fullmatch(local_part):
        raise WebhookRejected(422, "payload.from is not a phone number (up to 20 ASCII digits) before the @")
    return chat_id


def _short_id(value: Any) -> str | None:
    return value.strip()[:MAX_MESSAGE_ID_CHARS] if isinstance(value, str) and value.strip() else None


def _edited(raw: dict[str, Any], payload: _Payload, chat_id: str, received_at: datetime,
            max_chars: int) -> Ignored | CustomerEdited:
    """WAMessageEditedBody: `editedMessageId` names the original, `body` is the new text."""
    if payload.fromMe:
        return Ignored(reason="own edit (fromMe)")
    original = _short_id(raw.get("editedMessageId"))
    if original is None:
        return Ignored(reason="edit without editedMessageId")
    text = (payload.body or "").strip()
    if not text:
        return Ignored(reason="edit without text")
    if len(text) > max_chars:
        text = text[:max_chars] + " […]"
    return CustomerEdited(chat_id=chat_id, phone=_phone_for(chat_id), edit=MessageEdited(
        message_id=original, edit_id=payload.id, text=text, at=_timestamp(payload.timestamp, received_at)))


def _revoked(raw: dict[str, Any], received_at: datetime) -> Ignored | CustomerRevoked:
    """WAMessageRevokedBody: `revokedMessageId`, `after` (the deletion, a WAMessage), `before` (optional)."""
    after = raw.get("after") if isinstance(raw.get("after"), dict) else {}
    before = raw.get("before") if isinstance(raw.get("before"), dict) else {}
    message = after or before
    if not message:
        raise WebhookRejected(422, "payload.after: a message.revoked event needs the message")
    if message.get("fromMe") is True:
        return Ignored(reason="own message deleted (fromMe)")
    sender = message.get("from")
    if not isinstance(sender, str) or not sender:
        raise WebhookRejected(422, "payload.after.from: missing")
    chat_id = _chat_id(sender)
    if isinstance(chat_id, Ignored):
        return chat_id
    revoked = _short_id(raw.get("revokedMessageId")) or _short_id(before.get("id"))
    if revoked is None:
        return Ignored(reason="deletion without revokedMessageId")
    at = _timestamp(message.get("timestamp") if isinstance(message.get("timestamp"), (int, float)) else None, received_at)
    return CustomerRevoked(chat_id=chat_id, phone=_phone_for(chat_id), revoke=MessageRevoked(message_id=revoked, at=at))


def parse_event(
    body: dict[str, Any], *, received_at: datetime, max_chars: int
) -> Ignored | CustomerMessage | StaffTyped | CustomerEdited | CustomerRevoked:
    """Classify one delivery: a customer message, an edit or deletion of one, a salesperson's own
    message, or ignored."""
    try:
        envelope = _Envelope.model_validate(body)
    except ValidationError as exc:
        raise WebhookRejected(422, _error_text(exc, "envelope field ")) from exc
    if envelope.event not in ("message", "message.any", "message.reaction", "message.edited", "message.revoked"):
        return Ignored(reason=f"event '{envelope.event}' is not handled")
    if envelope.payload is None:
        raise WebhookRejected(422, "payload: a message event needs a payload object")
    if envelope.event == "message.revoked":
        return _revoked(envelope.payload, received_at)
    try:
        payload = _Payload.model_validate(envelope.payload)
    except ValidationError as exc:
        raise WebhookRejected(422, _error_text(exc, "payload.")) from exc

    chat_id = _chat_id(payload.from_ if not payload.fromMe else (payload.to or payload.from_))
    if isinstance(chat_id, Ignored):
        return chat_id
    if envelope.event == "message.edited":
        return _edited(envelope.payload, payload, chat_id, received_at, max_chars)

    has_media = payload.hasMedia
    media = _media(envelope.payload, envelope.event, has_media)
    if envelope.event == "message.reaction" and (payload.fromMe or media is None or not media.reaction):
        return Ignored(reason="own or removed reaction")
    body = payload.body if isinstance(payload.body, str) else ""
    text = body.strip() if media is None or media.kind in ("image", "video", "document", "other") else ""
    if media is not None:
        media = media.model_copy(update={"caption": text[:max_chars] or None})
    if not text and media is None:
        return Ignored(reason="empty message")
    if len(text) > max_chars:
        text = text[:max_chars] + " […]"
    sent_at = _timestamp(payload.timestamp, received_at)

    if payload.fromMe:
        if payload.source == "app" and text:
            return StaffTyped(
                chat_id=chat_id,
                phone=_phone_for(chat_id),
                message=StaffMessage(text=text, via="whatsapp_app", delivered=True, external_id=payload.id, at=sent_at),
            )
        return Ignored(reason="own message (fromMe)")
    return CustomerMessage(
        message=InboundMessage(
            message_id=payload.id,
            chat_id=chat_id,
            phone=_phone_for(chat_id),
            sender_name=_sender_name(payload),
            text=(text or placeholder_text(media)) if media is not None else text,
            sent_at=sent_at,
            received_at=received_at,
            has_media=has_media,
            media=media,
        )
    )
