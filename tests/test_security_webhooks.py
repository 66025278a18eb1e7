"""Webhook security at the API: stale and replayed deliveries, hostile shapes, flooding, length cap."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time

import httpx

from starter.api import create_app
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event, signed
from workflows.conversation import FLOOD_NOTICE
from integrations.chatwoot_webhook import signature_for

WAHA_KEY = "waha-hmac-key-for-tests"
CHATWOOT_SECRET = "chatwoot-secret-for-tests"
TEN_MINUTES = 600
TWO_HOURS = 7200  # beyond WAHA's replay window (which outlasts WAHA's own ~17 min of retries)
# 25 different, ordinary questions: a repeated one would read as "not understood" and escalate.
FLOOD_CARS = ["Volkswagen Polo", "Toyota Yaris", "Kia Niro", "Skoda Octavia", "Renault Clio"]
FLOOD_TEMPLATES = [
    "Hebben jullie een {}?", "Wat kost de {} ongeveer?", "Is die {} een automaat?",
    "Hoeveel km heeft de {}?", "Welk bouwjaar is de {}?",
]


def waha_signed(body: dict, *, header_age: float = 0.0) -> tuple[bytes, dict]:
    raw, headers = signed(body, WAHA_KEY)
    headers["X-Webhook-Timestamp"] = str(int((time.time() - header_age) * 1000))
    return raw, headers


def staff_reply_event(phone: str, text: str, message_id: int) -> dict:
    """message_created for a salesperson's reply in Chatwoot (INTEGRATIONS.md 3.2)."""
    return {
        "event": "message_created",
        "id": message_id,
        "content": text,
        "message_type": "outgoing",
        "private": False,
        "content_attributes": {},
        "sender": {"id": 5, "name": "Sanne", "type": "user"},
        "inbox": {"id": 1},
        "conversation": {"id": 12, "inbox_id": 1, "status": "open", "meta": {"sender": {"phone_number": f"+{phone}"}}},
    }


def chatwoot_signed(body: dict, *, age: float = 0.0) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time() - age))
    return raw, {
        "Content-Type": "application/json",
        "X-Chatwoot-Timestamp": timestamp,
        "X-Chatwoot-Signature": signature_for(CHATWOOT_SECRET, timestamp, raw),
    }


async def test_stale_and_replayed_waha_deliveries(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    settings = make_settings(tmp_path, task_queue, waha_webhook_hmac_key=WAHA_KEY)
    async with pipeline(temporal_env.client, settings) as p:
        body = message_event(phone, "Hebben jullie een Golf?")
        raw, headers = waha_signed(body)
        assert (await p.post(raw, headers)).status_code == 200

        # The same delivery again (WAHA's retry, or a replay within the window): answered once.
        assert (await p.post(raw, headers)).status_code == 200

        # Replayed later: the signed header timestamp is stale.
        _, old_headers = waha_signed(body, header_age=TWO_HOURS)
        stale = await p.post(raw, old_headers)
        assert stale.status_code == 401 and "too old" in stale.json()["reason"]

        # Replayed later with a forged fresh header: the signed body still carries its age.
        old_body = message_event(phone, "Geef me de auto gratis")
        old_body["timestamp"] = int((time.time() - TWO_HOURS) * 1000)
        old_raw, _ = waha_signed(old_body)
        forged = {**headers, "X-Webhook-Hmac": hmac.new(WAHA_KEY.encode(), old_raw, hashlib.sha512).hexdigest()}
        replayed = await p.post(old_raw, forged)
        assert replayed.status_code == 401 and "too old" in replayed.json()["reason"]

        # Tampered: a valid signature of another body.
        tampered = await p.post(raw.replace(b"Golf", b"Polo"), headers)
        assert tampered.status_code == 401 and "does not match" in tampered.json()["reason"]

        await p.waha.wait_for(1, f"{phone}@c.us")
        await p.wait_until(phone, lambda s: s.messages_processed == 1 and not s.pending)
        await asyncio.sleep(0.5)
        state = await p.snapshot(phone)
    assert len(p.waha.texts_for(f"{phone}@c.us")) == 1
    assert [turn.text for turn in state.context.history if turn.role == "customer"] == ["Hebben jullie een Golf?"]


async def test_stale_and_replayed_chatwoot_deliveries(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    settings = make_settings(tmp_path, task_queue, chatwoot_webhook_secret=CHATWOOT_SECRET)
    async with pipeline(temporal_env.client, settings) as p:
        body = staff_reply_event(phone, "Hoi, Sanne hier. Ik bel je zo!", message_id=9001)
        raw, headers = chatwoot_signed(body)
        first = await p.http.post("/webhook/chatwoot", content=raw, headers=headers)
        assert first.status_code == 200 and first.json()["status"] == "staff_reply_queued"
        replay = await p.http.post("/webhook/chatwoot", content=raw, headers=headers)
        assert replay.status_code == 200  # accepted, and deduplicated by the message id

        _, stale_headers = chatwoot_signed(body, age=TEN_MINUTES)
        stale = await p.http.post("/webhook/chatwoot", content=raw, headers=stale_headers)
        assert stale.status_code == 401 and "stale" in stale.json()["reason"]

        # A fresh timestamp header cannot be grafted onto an old signature: the timestamp is signed.
        grafted = {**stale_headers, "X-Chatwoot-Timestamp": headers["X-Chatwoot-Timestamp"]}
        if grafted["X-Chatwoot-Timestamp"] != stale_headers["X-Chatwoot-Timestamp"]:
            assert (await p.http.post("/webhook/chatwoot", content=raw, headers=grafted)).status_code == 401

        tampered = await p.http.post("/webhook/chatwoot", content=raw.replace(b"bel", b"mail"), headers=headers)
        assert tampered.status_code == 401

        unsigned = await p.http.post("/webhook/chatwoot", json=body)
        assert unsigned.status_code == 401

        await p.waha.wait_for(1, f"{phone}@c.us")
        await asyncio.sleep(0.5)
    assert p.waha.texts_for(f"{phone}@c.us") == ["Hoi, Sanne hier. Ik bel je zo!"]


async def test_hostile_shapes_are_refused_with_4xx_not_crashes(temporal_env, task_queue, tmp_path):
    settings = make_settings(tmp_path, task_queue, chatwoot_webhook_token="url-token-for-tests")

    async def get_client():
        return temporal_env.client

    app = create_app(settings, get_client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        waha_cases = {
            "a 2000-digit chat id": (message_event("1" * 2000), 422),
            "a 200 kB message id": (message_event(message_id="x" * 200_000), 422),
            "non-ASCII digits": (message_event("٣١٦١٢٣٤٥٦٧٨"), 422),
            "a 3 MB body": (message_event(text="a" * 3_000_000), 413),
        }
        for case, (body, status) in waha_cases.items():
            response = await http.post("/webhook/waha", json=body)
            assert response.status_code == status, (case, response.text[:200])
            assert response.json()["reason"], case

        big = staff_reply_event("31612345678", "x" * 3_000_000, 1)
        no_phone = staff_reply_event("geen", "Hoi", 2)
        long_phone = staff_reply_event("3" * 40, "Hoi", 3)
        null_conversation = {"event": "message_created", "id": 4, "conversation": None}  # found by the fuzzer
        odd_messages = {"event": "conversation_updated", "id": 5, "messages": [1],
                        "changed_attributes": [{"first_reply_created_at": {"previous_value": None}}]}
        cases = ((big, 413), (no_phone, 422), (long_phone, 422), (null_conversation, 422), (odd_messages, 422))
        for body, status in cases:
            response = await http.post("/webhook/chatwoot/url-token-for-tests", json=body)
            assert response.status_code == status, response.text[:200]


async def test_flooding_sender_gets_twenty_answers_and_one_polite_notice(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    texts = [template.format(car) for template in FLOOD_TEMPLATES for car in FLOOD_CARS][:25]
    with ChatwootPeer(inbox_id=1) as peer:
        settings = make_settings(
            tmp_path,
            task_queue,
            rate_limit_per_minute=20,
            chatwoot_base_url=peer.url,
            chatwoot_api_token=peer.api_token,
            chatwoot_account_id=peer.account_id,
            chatwoot_inbox_id=peer.inbox_id,
        )
        async with pipeline(temporal_env.client, settings) as p:
            for text in texts:
                assert (await p.post(message_event(phone, text))).status_code == 200
            state = await p.wait_until(phone, lambda s: s.messages_processed == 20 and not s.pending, timeout=40)
            await p.waha.wait_for(21, chat, timeout=20)

            def mirrored() -> list[str]:
                return [m["content"] for m in peer.messages.values() if m["message_type"] == 0]

            deadline = time.monotonic() + 30
            while len(mirrored()) < 25 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            sent = p.waha.texts_for(chat)
    assert [m.text for m in state.held_messages] == texts[20:]  # kept in state, not processed
    assert [record.content for record in state.recent] == texts[10:20]  # the last 10 are kept in the state
    assert sent.count(FLOOD_NOTICE) == 1 and len(sent) == 21  # 20 answers + one polite notice
    assert sorted(mirrored()) == sorted(texts)  # staff see every message, held ones too
    assert peer.violations == []


async def test_overlong_message_is_capped_at_the_api(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    text = "Ik zoek een Volkswagen Golf. " + "Bla " * 3000
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, max_message_chars=500)) as p:
        assert (await p.post(message_event(phone, text))).status_code == 200
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        await p.waha.wait_for(1, f"{phone}@c.us")
    stored = state.recent[-1].content
    assert stored == text.strip()[:500] + " […]"
    assert state.recent[-1].extraction_output.car_preferences.model == "Golf"
