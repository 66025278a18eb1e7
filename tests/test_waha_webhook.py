"""WAHA webhook verification and parsing (pure, no server)."""

import hashlib
import hmac
import time
from datetime import datetime, timezone

import pytest

from integrations.waha_webhook import (
    CustomerMessage,
    Ignored,
    StaffTyped,
    WebhookRejected,
    parse_body,
    parse_event,
    verify_hmac,
)
from tests.waha_events import message_event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def parse(body):
    return parse_event(body, received_at=NOW, max_chars=2000)


def test_docs_hmac_test_vector():
    body = b'{"event":"message","session":"default","engine":"WEBJS"}'
    expected = (
        "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce"
        "93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89"
    )
    assert hmac.new(b"my-secret-key", body, hashlib.sha512).hexdigest() == expected
    verify_hmac("my-secret-key", body, expected, None, now=time.time(), max_age_seconds=300)


@pytest.mark.parametrize(
    "signature, timestamp, reason",
    [
        (None, None, "missing"),
        ("00" * 64, None, "does not match"),
        ("SIG", str(int((time.time() - 3600) * 1000)), "too old"),
    ],
)
def test_hmac_rejections(signature, timestamp, reason):
    body = b'{"event":"message"}'
    if signature == "SIG":
        signature = hmac.new(b"k", body, hashlib.sha512).hexdigest()
    with pytest.raises(WebhookRejected) as info:
        verify_hmac("k", body, signature, timestamp, now=time.time(), max_age_seconds=300)
    assert info.value.status_code == 401 and reason in info.value.reason


def test_customer_message_is_parsed():
    event = parse(message_event("31612345678", "staat die golf nog", name="Jan", message_id="false_31612345678@c.us_ABC"))
    assert isinstance(event, CustomerMessage)
    message = event.message
    assert message.chat_id == "31612345678@c.us"
    assert message.phone == "+31612345678"
    assert message.sender_name == "Jan"
    assert message.message_id == "false_31612345678@c.us_ABC"
    assert message.text == "staat die golf nog"


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"from_me": True}, "own message"),
        ({"chat_suffix": "@g.us"}, "group"),
        ({"chat_suffix": "@newsletter"}, "newsletter"),
        ({"event": "message.ack"}, "not handled"),
        ({"text": "   "}, "empty"),
    ],
)
def test_ignored_deliveries(changes, reason):
    event = parse(message_event(**changes))
    assert isinstance(event, Ignored) and reason in event.reason


def test_status_broadcast_is_ignored():
    body = message_event()
    body["payload"]["from"] = "status@broadcast"
    assert parse(body).reason == "status update"


def test_salesperson_typing_on_the_phone_is_a_staff_message():
    event = parse(message_event("31612345678", "Ik bel je zo even", from_me=True, source="app", event="message.any"))
    assert isinstance(event, StaffTyped)
    assert event.chat_id == "31612345678@c.us" and event.message.delivered and event.message.via == "whatsapp_app"


def test_lid_chats_are_accepted():
    event = parse(message_event("123456789012345", chat_suffix="@lid"))
    assert isinstance(event, CustomerMessage) and event.message.chat_id == "123456789012345@lid"


def test_long_messages_are_capped_not_refused():
    event = parse_event(message_event(text="a" * 5000), received_at=NOW, max_chars=100)
    assert len(event.message.text) < 120 and event.message.text.endswith("[…]")


MALFORMED = [
    (b"", 400, "empty body"),
    (b"not json", 400, "not valid JSON"),
    (b"[1, 2]", 422, "JSON object"),
    (b'"message"', 422, "JSON object"),
    (b"{}", 422, "event"),
    (b'{"event": 5}', 422, "event"),
    (b'{"event": "message"}', 422, "payload"),
    (b'{"event": "message", "payload": []}', 422, "payload"),
    (b'{"event": "message", "payload": {"from": "316@c.us", "body": "x"}}', 422, "payload.id"),
    (b'{"event": "message", "payload": {"id": "x", "body": "x"}}', 422, "payload.from"),
    (b'{"event": "message", "payload": {"id": "x", "from": "hello", "body": "x"}}', 422, "not a WhatsApp chat id"),
    (b'{"event": "message", "payload": {"id": "x", "from": "@c.us", "body": "x"}}', 422, "no phone digits"),
    (b'{"event": "message", "payload": {"id": "x", "from": "316@c.us", "fromMe": "maybe"}}', 422, "fromMe"),
    # Python's json reads these; an id of Infinity once reached int() in the Chatwoot webhook (a 500)
    (b'{"event": "message_created", "id": Infinity}', 400, "not JSON"),
    (b'{"event": "message", "payload": {"id": NaN}}', 400, "not JSON"),
    (b'{"event": "message_created", "id": 1e400}', 400, "too large"),
]


@pytest.mark.parametrize("raw, status, reason", MALFORMED)
def test_malformed_bodies_get_a_clear_reason(raw, status, reason):
    with pytest.raises(WebhookRejected) as info:
        parse(parse_body(raw))
    assert info.value.status_code == status
    assert reason in info.value.reason


def test_escaped_lone_surrogates_are_replaced_not_fatal():
    body = parse_body(b'{"event": "message", "payload": {"id": "x", "from": "316@c.us", "body": "hoi \\udcff"}}')
    event = parse(body)
    assert event.message.text == "hoi \ufffd"
    event.message.model_dump_json()  # serialisable for Temporal
