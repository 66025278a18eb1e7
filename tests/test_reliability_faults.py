"""Reliability under faults: WAHA down, Chatwoot failing, Temporal down.

(Claude failing is covered by tests/test_claude_pipeline.py; a SIGKILLed worker by
tests/test_reliability_worker_kill.py.)
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest

from starter.api import create_app
from starter.devstack import DevServer, connect
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.http_peer import free_port
from tests.peers.waha import WahaPeer
from tests.pipeline import eventually, make_chatwoot_settings, make_settings, pipeline, random_phone
from tests.waha_events import message_event
from worker.build import running_worker

REPLY_WAIT_SECONDS = 10.0  # a wait bound only; nothing asserts how fast




# --- WAHA down ------------------------------------------------------------------------


async def test_waha_down_for_two_minutes_every_reply_arrives_once_after(time_env, task_queue, tmp_path):
    phones = [random_phone() for _ in range(3)]
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue)) as p:
        p.waha.set_down(True)
        for phone in phones:
            assert (await p.post(message_event(phone, "Wat zijn jullie openingstijden?"))).status_code == 200
        for phone in phones:
            await p.wait_until(phone, lambda s: s.processing is not None, timeout=15)
        await time_env.sleep(120)  # two minutes of WAHA answering 503, skipped
        # A 503 leaves the outcome unknown: each retry asks WAHA (lookup) before sending again.
        failed_while_down = p.waha.requests + p.waha.lookups
        assert p.waha.sent == []
        p.waha.set_down(False)
        await time_env.sleep(60)  # the next retry (backoff is capped at 30 s) finds WAHA back
        await eventually(lambda: len(p.waha.sent) >= len(phones), timeout=20)
        for phone in phones:
            await p.wait_until(phone, lambda s: s.messages_processed == 1 and s.processing is None)
        await time_env.sleep(120)  # nothing left to retry: no second copy appears
    per_chat = Counter(item["chatId"] for item in p.waha.sent)
    assert per_chat == Counter({f"{phone}@c.us": 1 for phone in phones})
    assert failed_while_down >= 3 * len(phones)  # it kept retrying through the outage
    assert p.waha.violations == []


# --- Chatwoot failing -------------------------------------------------------------------


def chatwoot_settings(tmp_path, task_queue, peer: ChatwootPeer):
    return make_chatwoot_settings(tmp_path, task_queue, peer, "cw-secret-for-faults")


def conversation_of(peer: ChatwootPeer, phone: str) -> dict | None:
    for conversation in list(peer.conversations.values()):
        if peer.contacts[conversation["contact_id"]]["phone_number"] == f"+{phone}":
            return conversation
    return None


@pytest.mark.parametrize("fault", ["500", "timeout"])
async def test_chatwoot_failing_delays_no_reply_and_the_crm_catches_up(temporal_env, task_queue, tmp_path, fault):
    phone = random_phone()
    chat = f"{phone}@c.us"
    texts = ["Hebben jullie een Volkswagen Golf?", "Wat zijn jullie openingstijden?"]
    with ChatwootPeer() as peer:
        async with pipeline(temporal_env.client, chatwoot_settings(tmp_path, task_queue, peer)) as p:
            if fault == "500":
                peer.fail_next(10_000, status=500)  # Chatwoot fails every request until healed below
            else:
                peer.hang(11)  # longer than the Chatwoot client's 10 s timeout
            for index, text in enumerate(texts, start=1):
                assert (await p.post(message_event(phone, text))).status_code == 200
                await p.waha.wait_for(index, chat, timeout=REPLY_WAIT_SECONDS)
                # Causal, not timed: the reply is out while Chatwoot has accepted nothing for this chat.
                assert conversation_of(peer, phone) is None, "the reply waited for Chatwoot"
            peer.heal()
            peer.hang(0)
            # Recovery: every customer message and every bot reply mirrored exactly once.
            conversation = await eventually(lambda: conversation_of(peer, phone), timeout=40)
            await eventually(lambda: len(peer.conversation_messages(conversation["id"])) >= 4, timeout=40)
            await eventually(lambda: any(label.startswith("car-") for label in conversation["labels"]), timeout=20)
            await asyncio.sleep(0.5)
            replies = p.waha.texts_for(chat)
    posted = peer.conversation_messages(conversation["id"])
    contents = Counter((m["message_type"], m["content"]) for m in posted if not m.get("private"))
    notes = [m["content"] for m in posted if m.get("private")]  # lead-score notes: each at most once
    assert len(notes) == len(set(notes))
    expected = Counter({(0, text): 1 for text in texts}) + Counter({(1, reply): 1 for reply in replies})
    assert contents == expected
    assert len(conversation["labels"]) == len(set(conversation["labels"]))
    assert len(replies) == len(texts)
    assert peer.violations == []


# --- Temporal down ------------------------------------------------------------------------


async def test_temporal_down_messages_are_accepted_survive_an_api_restart_and_are_answered_once(task_queue, tmp_path):
    """Temporal down: the webhook still accepts (the intake holds the messages, /healthz says 503 with
    the backlog); the API restarts meanwhile; once Temporal is back every accepted message reaches
    the conversation in order, once, and is answered."""
    server = DevServer(tmp_path / "temporal", free_port(), free_port(), "default")
    server.start()
    phone = random_phone()
    chat = f"{phone}@c.us"
    try:
        with WahaPeer() as waha:
            settings = make_settings(tmp_path, task_queue, waha_url=waha.url)
            client = await connect(server.address, "default", wait_seconds=30)

            async def get_client():
                return client

            before = ["Hoi, ik zoek een Kia", "Liefst een hybride", "Wat kost die ongeveer?"]
            during = ["Zijn jullie morgen open?", "En zaterdag?"]
            bodies = [message_event(phone, text) for text in before + during]
            app = create_app(settings, get_client)
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://api"
            ) as http:
                for body in bodies[:3]:  # no worker yet: accepted, handed to Temporal, not processed
                    response = await http.post("/webhook/waha", json=body)
                    assert response.status_code == 200 and response.json()["status"] == "queued"
                intake = app.state.intake_forwarder.store
                await eventually(lambda: intake.backlog()["waiting"] == 0)

                server.stop()
                for body in bodies[3:]:  # accepted while Temporal is down: 200, held in the intake
                    response = await http.post("/webhook/waha", json=body)
                    assert response.status_code == 200 and response.json()["status"] == "queued"
                health = await http.get("/healthz")
                assert health.status_code == 503 and health.json()["intake"]["waiting"] == 2
            # The API stopped with two messages undelivered; they wait in DATA_DIR/intake.sqlite3.
            assert intake.backlog()["waiting"] == 2

            server.start()  # same database file, same port
            await connect(server.address, "default", wait_seconds=30)  # wait until it serves
            app = create_app(settings, get_client)  # the restarted API delivers what the last one left
            async with app.router.lifespan_context(app):
                await eventually(lambda: app.state.intake_forwarder.store.backlog()["waiting"] == 0, timeout=40)
            async with running_worker(client, settings):
                sent = await waha.wait_for(5, chat, timeout=40)
            history = await client.get_workflow_handle(f"conversation-{phone}").fetch_history()
    finally:
        server.stop()
    assert len(sent) == 5
    signalled = [
        json.loads(event.workflow_execution_signaled_event_attributes.input.payloads[0].data)["message_id"]
        for event in history.events
        if event.HasField("workflow_execution_signaled_event_attributes")
    ]
    assert signalled == [body["payload"]["id"] for body in bodies]  # in order, none twice
    assert waha.violations == []
