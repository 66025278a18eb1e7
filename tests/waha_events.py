"""Builders for WAHA webhook deliveries shaped like waha-openapi.json's WAHAWebhookMessage."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid


def message_event(
    phone_digits: str = "31612345678",
    text: str = "Hoi, staat de Golf nog?",
    *,
    message_id: str | None = None,
    name: str = "Jan",
    from_me: bool = False,
    source: str = "api",
    event: str = "message",
    chat_suffix: str = "@c.us",
) -> dict:
    chat = f"{phone_digits}{chat_suffix}"
    own = "31341799554@c.us"
    return {
        "id": f"evt_{uuid.uuid4().hex[:26]}",
        "timestamp": int(time.time() * 1000),
        "event": event,
        "session": "default",
        "me": {"id": own, "pushName": "Seldenrijk Auto"},
        "engine": "WEBJS",
        "environment": {"version": "2026.9.2", "engine": "WEBJS", "tier": "CORE"},
        "payload": {
            "id": message_id or f"{str(from_me).lower()}_{chat}_{uuid.uuid4().hex[:20].upper()}",
            "timestamp": int(time.time()),
            "from": own if from_me else chat,
            "fromMe": from_me,
            "source": source,
            "to": chat if from_me else own,
            "body": text,
            "hasMedia": False,
            "ack": 1,
            "ackName": "SERVER",
            "_data": {"notifyName": name},
        },
    }


def signed(body: dict, key: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    signature = hmac.new(key.encode(), raw, hashlib.sha512).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Webhook-Hmac": signature,
        "X-Webhook-Hmac-Algorithm": "sha512",
        "X-Webhook-Timestamp": str(int(time.time() * 1000)),
    }
    return raw, headers


def media_event(
    phone_digits: str,
    *,
    url: str | None,
    mimetype: str | None,
    caption: str = "",
    filename: str | None = None,
    raw_type: str | None = None,
    name: str = "Jan",
) -> dict:
    """A WAHA `message` event with media (WAMessage.hasMedia + WAMedia), as the WEBJS engine sends it."""
    event = message_event(phone_digits, caption, name=name)
    payload = event["payload"]
    payload["hasMedia"] = True
    payload["media"] = {"url": url, "mimetype": mimetype, "filename": filename, "error": None}
    payload["mediaUrl"] = url
    if raw_type:
        payload["_data"]["type"] = raw_type
    return event


def location_event(phone_digits: str, latitude: str, longitude: str, name: str | None = None) -> dict:
    """WAMessage.location (WALocation: latitude/longitude as strings); WEBJS puts a thumbnail in body."""
    event = message_event(phone_digits, "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/")
    event["payload"]["location"] = {"latitude": latitude, "longitude": longitude, "live": False,
                                    **({"name": name} if name else {})}
    event["payload"]["_data"]["type"] = "location"
    return event


def reaction_event(phone_digits: str, emoji: str, reacted_to: str) -> dict:
    """A `message.reaction` event (WAHAWebhookMessageReaction / WAMessageReaction)."""
    event = message_event(phone_digits, "", event="message.reaction")
    payload = event["payload"]
    for key in ("body", "hasMedia", "ack", "ackName"):
        payload.pop(key, None)
    payload["participant"] = payload["from"]  # required string in WAMessageReaction
    payload["reaction"] = {"text": emoji, "messageId": reacted_to}
    return event


def edited_event(phone_digits: str, original_id: str, new_text: str, *, from_me: bool = False) -> dict:
    """A `message.edited` event (WAHAWebhookMessageEdited / WAMessageEditedBody): `editedMessageId`
    is the original's short id (the last part of "false_316…@c.us_ABC"), `id` the edit's own id."""
    event = message_event(phone_digits, new_text, event="message.edited", from_me=from_me)
    payload = event["payload"]
    payload["editedMessageId"] = original_id.rsplit("_", 1)[-1]
    _spec_strings(payload)
    return event


def _spec_strings(payload: dict) -> None:
    """WAMessage requires `participant` and `mediaUrl` as strings (no null in the spec)."""
    payload["participant"] = payload["from"]
    payload["mediaUrl"] = ""


def revoked_event(phone_digits: str, revoked_id: str, *, before_text: str | None = None, from_me: bool = False) -> dict:
    """A `message.revoked` event (WAHAWebhookMessageRevoked / WAMessageRevokedBody): `after` is the
    deletion itself (a WAMessage from the chat), `before` the deleted message when the engine kept it."""
    event = message_event(phone_digits, "", event="message.revoked", from_me=from_me)
    after = dict(event["payload"])
    _spec_strings(after)
    short = revoked_id.rsplit("_", 1)[-1]
    payload: dict = {"revokedMessageId": short, "after": after}
    if before_text is not None:
        payload["before"] = dict(after, id=revoked_id, body=before_text)
    event["payload"] = payload
    return event


def session_status_event(status: str, session: str = "default") -> dict:
    """A `session.status` event (waha-openapi.json → WAHAWebhookSessionStatus)."""
    now_ms = int(time.time() * 1000)
    return {
        "id": f"evt_{uuid.uuid4().hex[:26]}",
        "timestamp": now_ms,
        "event": "session.status",
        "session": session,
        "me": {"id": "31341799554@c.us", "pushName": "Seldenrijk Auto"},
        "engine": "WEBJS",
        "environment": {"version": "2026.9.2", "engine": "WEBJS", "tier": "CORE"},
        "payload": {"name": session, "status": status, "statuses": [{"status": status, "timestamp": now_ms}]},
    }
