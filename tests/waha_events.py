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
