"""Staff taking over a chat: from the dealer's phone, from Chatwoot, and the quiet period."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.models import StaffMessage


async def test_salesperson_typing_on_the_phone_pauses_the_bot(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, "Hoi, hebben jullie een Peugeot 208?"))
        await p.waha.wait_for(1, chat)
        typed = message_event(phone, "Hoi! Mark hier van Seldenrijk, ik bel je zo.", from_me=True, source="app", event="message.any")
        response = await p.post(typed)
        assert response.json()["status"] == "staff_message"
        # Our own API-sent replies echoed by message.any are not a human: ignored.
        echo = message_event(phone, "echo", from_me=True, source="api", event="message.any")
        assert (await p.post(echo)).json()["status"] == "ignored"

        await p.post(message_event(phone, "Top, tot zo"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        await asyncio.sleep(0.5)
        assert len(p.waha.texts_for(chat)) == 1  # the typed message was already delivered; the bot is quiet
        assert state.human_active and state.recent[-1].bot_silent
        assert [turn.role for turn in state.context.history][-2:] == ["staff", "customer"]


async def test_bot_speaks_again_after_the_quiet_period(time_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    settings = make_settings(tmp_path, task_queue, human_quiet_period_minutes=30)
    async with pipeline(time_env.client, settings) as p:
        await p.post(message_event(phone, "Hallo, ik zoek een Opel Corsa"))
        await p.waha.wait_for(1, chat)
        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        now = await time_env.get_current_time()
        await handle.signal("staff_message", StaffMessage(text="Ik help je verder!", via="chatwoot", external_id="cw-1", at=now))
        await p.waha.wait_for(2, chat)

        await p.post(message_event(phone, "Dank je"))
        await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert len(p.waha.texts_for(chat)) == 2  # silent while the colleague handles it

        await time_env.sleep(timedelta(minutes=45))
        later = message_event(phone, "Zijn jullie morgen open?")
        later["payload"]["timestamp"] = int((now + timedelta(minutes=45)).timestamp())
        await p.post(later)
        sent = await p.waha.wait_for(3, chat, timeout=30)
        assert len(sent) == 3
        state = await p.snapshot(phone)
        assert not state.human_active


async def test_chatwoot_webhook_with_a_url_token(temporal_env, task_queue, tmp_path):
    settings = make_settings(tmp_path, task_queue, chatwoot_webhook_token="a-long-random-token-1234567890")
    async with pipeline(temporal_env.client, settings, worker=False) as p:
        body = (Path(__file__).parent / "data" / "chatwoot_events" / "message_created_incoming.json").read_bytes()
        headers = {"Content-Type": "application/json"}
        ok = await p.http.post("/webhook/chatwoot/a-long-random-token-1234567890", content=body, headers=headers)
        assert ok.status_code == 200 and ok.json()["status"] == "ignored"
        wrong = await p.http.post("/webhook/chatwoot/guess", content=body, headers=headers)
        assert wrong.status_code == 401
        missing = await p.http.post("/webhook/chatwoot", content=body, headers=headers)
        assert missing.status_code == 401
        malformed = await p.http.post("/webhook/chatwoot/a-long-random-token-1234567890", content=b"{", headers=headers)
        assert malformed.status_code == 400 and malformed.json()["reason"]
        no_conversation = json.dumps({"event": "message_created", "message_type": "outgoing", "id": 1}).encode()
        incomplete = await p.http.post("/webhook/chatwoot/a-long-random-token-1234567890", content=no_conversation)
        assert incomplete.status_code == 422 and "message_created" in incomplete.json()["reason"]
        unknown = json.dumps({"event": "webwidget_triggered", "id": 3}).encode()
        assert (await p.http.post("/webhook/chatwoot/a-long-random-token-1234567890", content=unknown)).json()[
            "status"
        ] == "ignored"


async def test_chatwoot_webhook_refuses_when_not_configured(temporal_env, task_queue, tmp_path):
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue), worker=False) as p:
        response = await p.http.post("/webhook/chatwoot", json={"event": "message_created"})
        assert response.status_code == 503 and "CHATWOOT_WEBHOOK_SECRET" in response.json()["reason"]
