"""OpenAPI request bodies of the two webhooks, so /openapi.json documents (and fuzzers can use) them.

The handlers read the raw bytes themselves (signatures are over the raw body), so FastAPI
does not validate against these: they describe what WAHA and Chatwoot send.
WAHA: the essentials of waha-openapi.json's WAHAWebhookMessage and WAMessage.
Chatwoot: the message_created / conversation_* event shapes of INTEGRATIONS.md 3.2/3.3.
"""

from __future__ import annotations

from typing import Any

_NULLABLE_STRING = {"type": ["string", "null"]}

WAHA_MESSAGE = {
    "type": "object",
    "description": "WAMessage (the fields we read). message.revoked sends a WAMessageRevokedBody instead: "
                   "revokedMessageId, after (the deletion, a WAMessage), before (the deleted message, if kept)",
    "required": ["id", "from", "fromMe"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 256, "example": "false_31612345678@c.us_AAAA"},
        "timestamp": {"type": "integer", "description": "seconds", "example": 1763985600},
        "from": {
            "type": "string",
            "pattern": r"^([0-9]{6,15}@(c\.us|lid|s\.whatsapp\.net|g\.us|newsletter|broadcast)|status@broadcast)$",
            "example": "31612345678@c.us",
        },
        "fromMe": {"type": "boolean"},
        "source": {"enum": ["api", "app"]},
        "to": _NULLABLE_STRING,
        "body": {**_NULLABLE_STRING, "description": "text, or a media caption"},
        "hasMedia": {"type": "boolean"},
        "media": {
            "type": ["object", "null"],
            "description": "WAMedia: fetched from the configured WAHA host only, with the API key, size-limited",
            "properties": {"url": {"type": "string"}, "mimetype": {"type": "string"}, "filename": {"type": ["string", "null"]}},
        },
        "location": {"type": "object", "description": "WALocation", "properties": {
            "latitude": {"type": ["string", "number"]}, "longitude": {"type": ["string", "number"]}, "name": {"type": "string"}}},
        "reaction": {"type": "object", "description": "WAReaction (event message.reaction)", "properties": {
            "text": {"type": "string"}, "messageId": {"type": "string"}}},
        "editedMessageId": {"type": "string", "description": "event message.edited: the original's id (last part)"},
        "ack": {"type": "integer", "minimum": -1, "maximum": 4},
        "ackName": {"enum": ["ERROR", "PENDING", "SERVER", "DEVICE", "READ", "PLAYED"]},
        "_data": {
            "type": "object",
            "description": "raw engine object; notifyName (WEBJS) or pushName (NOWEB) is the sender's name",
            "properties": {"notifyName": {"type": "string"}, "pushName": {"type": "string"}},
        },
    },
}

WAHA_WEBHOOK = {
    "title": "WAHAWebhookMessage",
    "type": "object",
    "required": ["event"],
    "properties": {
        "id": {"type": "string", "description": "event id, evt_<ulid>", "example": "evt_01aaaaaaaaaaaaaaaaaaaaaaaa"},
        "timestamp": {"type": "integer", "description": "event creation, Unix ms", "example": 1763985600000},
        "event": {"enum": ["message", "message.any", "session.status", "message.ack", "message.reaction",
                           "message.edited", "message.revoked"]},
        "session": {"type": "string", "example": "default"},
        "engine": {"enum": ["WEBJS", "WPP", "NOWEB", "GOWS"]},
        "me": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "pushName": {"type": "string"}},
        },
        "payload": WAHA_MESSAGE,
    },
}

_PHONE = {"type": ["string", "null"], "pattern": r"^\+[1-9][0-9]{7,14}$", "example": "+31612345678"}
_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "available_name": {"type": "string"},
        "type": {"enum": ["user", "contact", "agent_bot"]},
        "phone_number": _PHONE,
    },
}
_CONVERSATION = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "inbox_id": {"type": "integer", "minimum": 1},
        "status": {"enum": ["open", "resolved", "pending", "snoozed"]},
        "meta": {
            "type": "object",
            "properties": {
                "sender": {"type": "object", "properties": {"phone_number": _PHONE}},
                "assignee": _USER,
                "assignee_type": {"enum": ["User", "AgentBot"]},
            },
        },
        "messages": {"type": "array", "maxItems": 3, "items": {"type": "object"}},
    },
}

CHATWOOT_WEBHOOK = {
    "title": "ChatwootWebhookEvent",
    "type": "object",
    "required": ["event"],
    "description": "message_created carries the message at the top level and its conversation; "
    "conversation_* events carry the conversation at the top level.",
    "properties": {
        "event": {
            "enum": [
                "message_created",
                "message_updated",
                "conversation_created",
                "conversation_status_changed",
                "conversation_updated",
                "conversation_resolved",
                "conversation_opened",
            ]
        },
        "id": {"type": "integer", "minimum": 1},
        "content": _NULLABLE_STRING,
        "message_type": {"enum": ["incoming", "outgoing", "activity", "template"]},
        "private": {"type": "boolean"},
        "content_attributes": {"type": "object"},
        "sender": _USER,
        "inbox": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "inbox_id": {"type": "integer", "minimum": 1},
        "conversation": _CONVERSATION,
        "status": {"enum": ["open", "resolved", "pending", "snoozed"]},
        "meta": _CONVERSATION["properties"]["meta"],
        "changed_attributes": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"previous_value": {}, "current_value": {}},
                },
            },
        },
    },
}


def request_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """`openapi_extra` for a route whose handler reads the raw body itself."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }
