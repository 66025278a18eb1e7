"""The spine, end to end on the real Temporal dev server: webhook → workflow → WAHA reply."""

from __future__ import annotations

import asyncio

from temporalio.client import WorkflowExecutionStatus

from tests.pipeline import eventually, make_settings, pipeline, random_phone
from tests.waha_events import message_event, signed


async def test_webhook_to_reply_at_the_waha_peer(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        response = await p.post(message_event(phone, "Hoi! Hebben jullie een Volkswagen Golf?"))
        assert response.status_code == 200
        assert response.json() == {"status": "queued", "workflow_id": f"conversation-{phone}"}
        sent = await p.waha.wait_for(1, f"{phone}@c.us")
        assert len(sent) == 1
        assert p.waha.violations == []
        assert sent[0]["session"] == "default"
        assert "Golf" in sent[0]["text"]  # the sample inventory has Golfs: the reply names them
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        record = state.recent[-1]
        assert record.router_output.intent == "car_inquiry"
        assert record.extraction_output.car_preferences.make == "Volkswagen"
        assert record.crm_output is not None and record.conversation_output is not None
        assert set(record.timings.step_ms) >= {"router", "extraction", "expertise", "reply", "crm"}


async def test_three_quick_messages_are_answered_in_order(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    texts = ["Hallo", "Ik zoek een Toyota hybride", "Budget is max 25k"]
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        ids = []
        for text in texts:
            body = message_event(phone, text)
            ids.append(body["payload"]["id"])
            assert (await p.post(body)).status_code == 200
        sent = await p.waha.wait_for(3, f"{phone}@c.us")
        assert len(sent) == 3
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3)
        assert [record.message_id for record in state.recent] == ids
        customer_turns = [turn.text for turn in state.context.history if turn.role == "customer"]
        assert customer_turns == texts
        roles = [turn.role for turn in state.context.history]
        assert roles == ["customer", "bot"] * 3
        # preferences accumulate: Toyota + hybrid from message 2, the budget from message 3
        prefs = state.recent[-1].extraction_output.car_preferences
        assert (prefs.make, prefs.fuel_type, prefs.max_price) == ("Toyota", "hybrid", 25000)


async def test_the_same_delivery_five_times_is_answered_once(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    body = message_event(phone, "Staat de Golf nog te koop?")
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        for _ in range(5):
            assert (await p.post(body)).status_code == 200
        await p.waha.wait_for(1, f"{phone}@c.us")
        await p.wait_until(phone, lambda s: s.messages_processed == 1 and not s.pending)
        await asyncio.sleep(1.0)  # a duplicate would have been answered by now
        assert len(p.waha.texts_for(f"{phone}@c.us")) == 1


async def test_hmac_accepted_and_rejected(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    settings = make_settings(tmp_path, task_queue, waha_webhook_hmac_key="s3cret")
    async with pipeline(temporal_env.client, settings) as p:
        raw, headers = signed(message_event(phone, "Hoi"), "s3cret")
        assert (await p.post(raw, headers)).status_code == 200
        bad_raw, bad_headers = signed(message_event(phone, "Hoi"), "wrong-key")
        rejected = await p.post(bad_raw, bad_headers)
        assert rejected.status_code == 401 and "does not match" in rejected.json()["reason"]
        unsigned = await p.post(message_event(phone, "Hoi"))
        assert unsigned.status_code == 401 and "missing" in unsigned.json()["reason"]
        await p.waha.wait_for(1, f"{phone}@c.us")


MALFORMED = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'{"event": "message"}',
    b'{"event": "message", "payload": "hi"}',
    b'{"event": "message", "payload": {"body": "hoi"}}',
    b'{"event": "message", "payload": {"id": "", "from": "316@c.us", "body": "hoi"}}',
    b'{"event": "message", "payload": {"id": "x", "from": "31612345678", "body": "hoi"}}',
    b'{"event": "message", "payload": {"id": "x", "from": "316@c.us", "body": 5}}',
    b'{"event": "message", "payload": {"id": "x", "from": "316@c.us", "hasMedia": "ja"}}',
    b'{"event": null, "payload": {}}',
    b'{"event": "message", "payload": {"id": "x", "from": "316@c.us", "body": "hoi", "timestamp": "gisteren"}}',
]


async def test_a_dozen_malformed_bodies_get_4xx_with_a_reason(temporal_env, task_queue, tmp_path):
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue), worker=False) as p:
        for raw in MALFORMED:
            response = await p.post(raw, {"Content-Type": "application/json"})
            assert 400 <= response.status_code < 500, raw
            assert response.json()["reason"], raw


async def test_other_events_and_own_messages_are_ignored(temporal_env, task_queue, tmp_path):
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue), worker=False) as p:
        for body in (
            message_event(event="message.ack"),  # session.status is handled now (tests/test_session_health.py)
            message_event(from_me=True),
            message_event(chat_suffix="@g.us"),
            message_event(chat_suffix="@newsletter"),
        ):
            response = await p.post(body)
            assert response.status_code == 200 and response.json()["status"] == "ignored"


async def test_waha_failing_twice_then_ok_delivers_once(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        p.waha.fail_next(2, status=500)
        assert (await p.post(message_event(phone, "Wat zijn jullie openingstijden?"))).status_code == 200
        sent = await p.waha.wait_for(1, f"{phone}@c.us", timeout=30)
        assert len(sent) == 1
        assert p.waha.requests == 3
        assert "09:00" in sent[0]["text"] or "9:00" in sent[0]["text"]


async def test_worker_restart_mid_conversation(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    settings = make_settings(tmp_path, task_queue)
    async with pipeline(temporal_env.client, settings) as p:
        await p.post(message_event(phone, "Hoi, ik zoek een Kia"))
        await p.waha.wait_for(1, f"{phone}@c.us")
    # The worker is gone; the webhook still accepts, and nothing is lost.
    async with pipeline(temporal_env.client, settings, worker=False) as p:
        waha_url = p.waha.url
        assert (await p.post(message_event(phone, "Liefst een elektrische"))).status_code == 200
        await asyncio.sleep(0.5)
        assert p.waha.sent == []  # nobody to process it yet
    async with pipeline(temporal_env.client, settings) as p:
        assert p.waha.url != waha_url
        # the earlier peer is gone; the new worker sends the queued reply to the new peer
        sent = await p.waha.wait_for(1, f"{phone}@c.us", timeout=30)
        assert len(sent) == 1
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert state.recent[-1].extraction_output.car_preferences.make == "Kia"
        assert state.recent[-1].extraction_output.car_preferences.fuel_type == "electric"


async def test_continue_as_new_carries_the_conversation(temporal_env, task_queue, tmp_path):
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput

    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = await p.client.start_workflow(
            ConversationWorkflow.run,
            ConversationInput(chat_id=f"{phone}@c.us", phone=f"+{phone}", messages_per_run=2, coalesce_seconds=0),
            id=f"conversation-{phone}",
            task_queue=task_queue,
        )
        first_run = (await handle.describe()).run_id
        for text in ("Hallo", "Ik zoek een Skoda Octavia", "Diesel graag"):
            await p.post(message_event(phone, text))
        await p.waha.wait_for(3, f"{phone}@c.us")
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3)

        async def next_run():
            # The run hands over once its in-flight CRM batch is done, so a moment after the reply.
            description = await p.client.get_workflow_handle(f"conversation-{phone}").describe()
            return description if description.run_id != first_run else None

        description = await eventually(next_run)
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert [turn.text for turn in state.context.history if turn.role == "customer"] == [
            "Hallo", "Ik zoek een Skoda Octavia", "Diesel graag"
        ]
        prefs = state.recent[-1].extraction_output.car_preferences
        assert (prefs.model, prefs.fuel_type) == ("Octavia", "diesel")
        assert len(state.seen_message_ids) == 3


async def test_temporal_unreachable_the_message_is_accepted_and_delivered_when_it_is_back(
    temporal_env, task_queue, tmp_path, monkeypatch
):
    """Temporal down: the webhook still answers 200 (the intake holds the message), /healthz says 503
    and shows the backlog, an edit of the held message waits (503); back up, the message is delivered once."""
    import httpx

    from starter import api
    from starter.api import create_app
    from tests.waha_events import edited_event

    monkeypatch.setattr(api, "DRAIN_WAIT_SECONDS", 0.3)
    down = True

    async def flaky_temporal():
        if down:
            raise ConnectionError("connection refused")
        return temporal_env.client

    phone = random_phone()
    app = create_app(make_settings(tmp_path, task_queue), flaky_temporal)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as http:
        body = message_event(phone, "Hoi, staat de Golf nog?")
        response = await http.post("/webhook/waha", json=body)
        assert response.status_code == 200
        assert response.json() == {"status": "queued", "workflow_id": f"conversation-{phone}"}
        health = await http.get("/healthz")
        assert health.status_code == 503 and health.json()["temporal"].startswith("unreachable")
        assert health.json()["intake"]["waiting"] == 1 and health.json()["intake"]["refused"] == 0
        edit = await http.post("/webhook/waha", json=edited_event(phone, body["payload"]["id"], "Hoi, staat de Polo nog?"))
        assert edit.status_code == 503 and edit.headers["retry-after"]  # it must not overtake its message

        down = False
        await eventually(lambda: app.state.intake_forwarder.store.backlog()["waiting"] == 0)
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json()["intake"]["waiting"] == 0
    history = await temporal_env.client.get_workflow_handle(f"conversation-{phone}").fetch_history()
    signals = [event.workflow_execution_signaled_event_attributes.signal_name
               for event in history.events if event.HasField("workflow_execution_signaled_event_attributes")]
    assert signals == ["new_message"]


async def test_waha_refusing_a_reply_is_recorded_and_the_chat_goes_on(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        p.waha.fail_next(1, status=400)
        await p.post(message_event(phone, "Hallo, wat kost een Polo?"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        record = state.recent[-1]
        assert record.error_occurred and "400" in record.errors[0]
        assert p.waha.requests == 1  # not retried: a 4xx will not get better
        await p.post(message_event(phone, "Hoi?"))
        sent = await p.waha.wait_for(1, f"{phone}@c.us")
        assert len(sent) == 1
