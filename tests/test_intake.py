"""The webhook's durable intake: the store on both backends, and the forwarder on the real dev server.

The webhook answers once a customer message is in the intake; the forwarder hands it to the chat's
workflow in acceptance order per chat, retries while Temporal is down, survives an API restart,
takes over a crashed replica's rows after their lease, and keeps what Temporal refuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
import time
from datetime import datetime, timezone

import httpx
from prometheus_client import REGISTRY

from integrations.intake_store import IntakeStore
from starter import intake_cli
from starter.api import create_app
from tests.pipeline import eventually, make_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.models import InboundMessage


def _inbound(phone: str, text: str, message_id: str | None = None, chat_id: str | None = None) -> InboundMessage:
    now = datetime.now(timezone.utc)
    return InboundMessage(message_id=message_id or f"false_{phone}@c.us_{random.getrandbits(64):X}",
                          chat_id=chat_id or f"{phone}@c.us", phone=f"+{phone}", text=text, sent_at=now,
                          received_at=now, show_presence=False)


async def _signalled_ids(client, phone: str) -> list[str]:
    """The message ids the chat's workflow was signalled with, in history order."""
    history = await client.get_workflow_handle(f"conversation-{phone}").fetch_history()
    return [json.loads(event.workflow_execution_signaled_event_attributes.input.payloads[0].data)["message_id"]
            for event in history.events if event.HasField("workflow_execution_signaled_event_attributes")
            and event.workflow_execution_signaled_event_attributes.signal_name == "new_message"]


@contextlib.asynccontextmanager
async def _api(settings, get_client):
    app = create_app(settings, get_client)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as http:
        yield app, http


def _waiting(app) -> int:
    return app.state.intake_forwarder.store.backlog()["waiting"]


# --- the store, on SQLite and on PostgreSQL ----------------------------------------------------------
def test_store_order_claims_leases_refusals_and_privacy(store_settings):
    store = IntakeStore.from_settings(store_settings)
    a1 = store.add("31611111111@c.us", "+31611111111", "Els", "new_message", '{"n": 1}', "host-a", 100.0)
    b1 = store.add("31622222222@c.us", "+31622222222", None, "new_message", '{"n": 2}', "host-a", 100.0)
    a2 = store.add("31611111111@c.us", "+31611111111", "Els", "new_message", '{"n": 3}')
    assert a1 < b1 < a2
    assert store.head("31611111111@c.us").id == a1 and store.waiting_in_chat("31611111111@c.us") == 2

    # host-a's lease runs to 100: host-b may not take a1 before, and may after (host-a crashed)
    assert store.head("31611111111@c.us").held_by_other("host-b", now=50.0)
    assert not store.claim(a1, "host-b", until=200.0, now=50.0)
    assert store.chats_to_deliver("host-b", now=50.0) == ["31611111111@c.us"]  # a2 is nobody's
    assert store.chats_to_deliver("host-b", now=150.0) == ["31611111111@c.us", "31622222222@c.us"]
    assert store.claim(a1, "host-b", until=200.0, now=150.0)
    assert store.get(a1).claimed_by == "host-b" and store.get(a1).claim_until == 200.0
    assert store.owns_any("31611111111@c.us", "host-b") and not store.owns_any("31622222222@c.us", "host-b")
    assert store.renew("host-b", 300.0) == 1 and store.get(a1).claim_until == 300.0
    assert store.release("host-b") == 1 and store.get(a1).claimed_by is None
    assert store.take_over_all("host-c", 400.0) == 3

    store.failed(a1, "Temporal unreachable: connection refused")
    store.refuse(a1, "refused by Temporal: WorkflowId exceeds length limit")
    assert store.head("31611111111@c.us").id == a2  # out of the way: the chat goes on
    [refused] = store.refused()
    assert refused.id == a1 and refused.attempts == 2 and "length limit" in refused.last_error
    backlog = store.backlog()
    assert backlog["waiting"] == 2 and backlog["refused"] == 1 and backlog["oldest_seconds"] >= 0

    assert [row["payload"] for row in store.export_phone("31611111111")] == ['{"n": 1}', '{"n": 3}']
    assert store.forget_phone("31611111111") == 2 and store.export_phone("31611111111") == []
    store.delivered(b1)
    assert store.backlog() == {"waiting": 0, "oldest_seconds": None, "refused": 0}
    store.close()


# --- the forwarder --------------------------------------------------------------------------------
async def test_a_chats_messages_keep_their_order_under_concurrent_posts(temporal_env, task_queue, tmp_path, database_url):
    """Six chats post at once, each its messages one after the other; Temporal answers each delivery
    after a random delay, so a forwarder that let a chat's messages race would reorder them."""

    async def jittery_temporal():
        await asyncio.sleep(random.uniform(0, 0.02))
        return temporal_env.client

    phones = [random_phone() for _ in range(6)]
    posted: dict[str, list[str]] = {phone: [] for phone in phones}
    async with _api(make_settings(tmp_path, task_queue, database_url=database_url), jittery_temporal) as (app, http):

        async def customer(phone: str) -> None:
            for n in range(5):
                body = message_event(phone, f"Vraag {n + 1} over de Golf")
                response = await http.post("/webhook/waha", json=body)
                assert response.status_code == 200 and response.json()["status"] == "queued"
                posted[phone].append(body["payload"]["id"])

        await asyncio.gather(*(customer(phone) for phone in phones))
        await eventually(lambda: _waiting(app) == 0)
    for phone in phones:
        assert await _signalled_ids(temporal_env.client, phone) == posted[phone]
    assert (REGISTRY.get_sample_value("seldenrijk_intake_delivery_seconds_count") or 0) >= 30


async def test_an_api_restart_delivers_what_the_last_one_left_once_in_order(
    temporal_env, task_queue, tmp_path, database_url
):
    settings = make_settings(tmp_path, task_queue, database_url=database_url)

    async def temporal_down():
        raise ConnectionError("connection refused")

    async def temporal_up():
        return temporal_env.client

    first, second = random_phone(), random_phone()
    posted: dict[str, list[str]] = {first: [], second: []}
    async with _api(settings, temporal_down) as (app, http):
        for phone, text in [(first, "Hoi"), (second, "Goedemiddag"), (first, "Ik zoek een Kia"),
                            (first, "Liefst hybride"), (second, "Wat kost de Polo?")]:
            body = message_event(phone, text)
            assert (await http.post("/webhook/waha", json=body)).status_code == 200
            posted[phone].append(body["payload"]["id"])
        await eventually(lambda: max(row.attempts for row in _rows(app)) > 0)  # it did try, and failed
    # The API is gone; its five messages wait in the store (intake.sqlite3, or PostgreSQL).
    assert IntakeStore.from_settings(settings).backlog()["waiting"] == 5

    async with _api(settings, temporal_up) as (app, http):
        await eventually(lambda: _waiting(app) == 0)
    for phone in (first, second):
        assert await _signalled_ids(temporal_env.client, phone) == posted[phone]


def _rows(app):
    store = app.state.intake_forwarder.store
    return [store.get(row_id) for (row_id,) in store.db.execute("SELECT id FROM intake").fetchall()]


async def test_a_crashed_replicas_messages_are_taken_over_and_ours_wait_behind_them(
    temporal_env, task_queue, tmp_path, database_url
):
    """Rows another API process claimed and then stopped renewing (it crashed) are delivered by this
    one once the lease ran out, and this process's newer message of that chat waits behind them."""
    settings = make_settings(tmp_path, task_queue, database_url=database_url, intake_lease_seconds=0.6)

    async def get_client():
        return temporal_env.client

    phone, warmup = random_phone(), random_phone()
    async with _api(settings, get_client) as (app, http):
        assert (await http.post("/webhook/waha", json=message_event(warmup, "Hallo"))).status_code == 200
        await eventually(lambda: _waiting(app) == 0)  # running; the start-up sweep is behind us
        store = app.state.intake_forwarder.store
        crashed = [_inbound(phone, "Hebben jullie een Octavia?"), _inbound(phone, "Diesel graag")]
        for message in crashed:
            store.add(message.chat_id, message.phone, None, "new_message", message.model_dump_json(),
                      "crashed-host:1:dead", time.time() + 0.6)
        ours = message_event(phone, "En wat kost die?")
        assert (await http.post("/webhook/waha", json=ours)).status_code == 200
        await eventually(lambda: _waiting(app) == 0)
    assert await _signalled_ids(temporal_env.client, phone) == [m.message_id for m in crashed] + [ours["payload"]["id"]]


async def test_a_message_temporal_refuses_is_kept_counted_and_the_chat_goes_on(temporal_env, task_queue, tmp_path):
    async def get_client():
        return temporal_env.client

    refused_before = REGISTRY.get_sample_value("seldenrijk_intake_refused_total") or 0.0
    phone = random_phone()
    too_long = "3" * 1100  # a workflow id over the server's length limit: INVALID_ARGUMENT
    async with _api(make_settings(tmp_path, task_queue), get_client) as (app, http):
        forwarder = app.state.intake_forwarder
        store = forwarder.store
        doomed = _inbound(too_long, "Hoi", chat_id=f"{too_long}@c.us")
        store.add(doomed.chat_id, doomed.phone, None, "new_message", doomed.model_dump_json())
        store.add(f"{phone}@c.us", f"+{phone}", None, "new_message", '{"not": "a message"}')
        after = _inbound(phone, "Staat de Golf er nog?")
        store.add(after.chat_id, after.phone, None, "new_message", after.model_dump_json())
        forwarder.kick(doomed.chat_id)
        forwarder.kick(after.chat_id)
        await eventually(lambda: _waiting(app) == 0 and len(store.refused()) == 2)
        health = (await http.get("/healthz")).json()
        assert health["intake"] == {"waiting": 0, "oldest_seconds": None, "refused": 2}
    errors = sorted(row.last_error for row in store.refused())
    assert "WorkflowId exceeds maximum allowed length" in errors[0]  # the server's own refusal
    assert "unreadable intake row" in errors[1] and len({row.chat_id for row in store.refused()}) == 2
    assert REGISTRY.get_sample_value("seldenrijk_intake_refused_total") == refused_before + 2
    assert await _signalled_ids(temporal_env.client, phone) == [after.message_id]  # the chat went on

    # A person sees them (`seldenrijk intake`), and sends one again or deletes it.
    settings = make_settings(tmp_path, task_queue)
    out = io.StringIO()
    intake_cli.show(settings, out)
    assert "Wachtend op Temporal: 0" in out.getvalue() and "Geweigerd door Temporal: 2" in out.getvalue()
    assert "WorkflowId exceeds maximum allowed length" in out.getvalue() and "Hoi" not in out.getvalue()
    unreadable, too_long_row = sorted(store.refused(), key=lambda row: "unreadable" not in row.last_error)
    assert intake_cli.act(settings, "drop", unreadable.id, io.StringIO()) == 0
    assert intake_cli.act(settings, "drop", unreadable.id, io.StringIO()) == 1  # gone already
    assert intake_cli.act(settings, "retry", too_long_row.id, io.StringIO()) == 0
    assert store.refused() == [] and [row.id for row in store.waiting()] == [too_long_row.id]


async def test_a_message_delivered_twice_is_answered_once(temporal_env, task_queue, tmp_path):
    """A replica that crashed after Temporal took a message but before deleting its row makes another
    deliver it again: the conversation ignores a message id it has seen."""
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        app_store = IntakeStore.from_settings(p.settings)
        message = _inbound(phone, "Wat zijn jullie openingstijden?")
        for _ in range(2):
            app_store.add(message.chat_id, message.phone, None, "new_message", message.model_dump_json())
        await p.post(message_event(phone, "Tot hoe laat zijn jullie open?"))  # kicks the chat's delivery
        await eventually(lambda: app_store.backlog()["waiting"] == 0)

        async def both_signalled():  # a signal during a workflow task shows in the history after it
            return (await _signalled_ids(temporal_env.client, phone)).count(message.message_id) == 2

        await eventually(both_signalled)
        await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.pending)
        await asyncio.sleep(1.0)  # a duplicate would have been answered by now
        state = await p.snapshot(phone)
        assert state.messages_processed == 2 and state.seen_message_ids.count(message.message_id) == 1
        assert len(p.waha.texts_for(f"{phone}@c.us")) == 2


async def test_an_edit_waits_for_its_message_to_leave_the_intake(temporal_env, task_queue, tmp_path):
    """The edit comes right after the message, while Temporal answers slowly: it reaches the
    conversation after the message, not before (where it would find no conversation at all)."""

    async def slow_temporal():
        await asyncio.sleep(0.2)
        return temporal_env.client

    from tests.waha_events import edited_event

    phone = random_phone()
    async with _api(make_settings(tmp_path, task_queue), slow_temporal) as (app, http):
        body = message_event(phone, "Staat de Golf nog te koop?")
        assert (await http.post("/webhook/waha", json=body)).status_code == 200
        edit = await http.post("/webhook/waha", json=edited_event(phone, body["payload"]["id"], "Staat de Polo nog te koop?"))
        assert edit.status_code == 200 and edit.json()["status"] == "message_edited", edit.text
    history = await temporal_env.client.get_workflow_handle(f"conversation-{phone}").fetch_history()
    signals = [event.workflow_execution_signaled_event_attributes.signal_name
               for event in history.events if event.HasField("workflow_execution_signaled_event_attributes")]
    assert signals == ["new_message", "message_edited"]


async def test_a_message_forgotten_while_temporal_is_down_never_reaches_it(temporal_env, task_queue, tmp_path):
    """Privacy forget deletes the waiting row; the forwarder, retrying it, lets it go."""
    from temporalio.service import RPCError, RPCStatusCode

    down = True

    async def flaky_temporal():
        if down:
            raise ConnectionError("connection refused")
        return temporal_env.client

    phone, other = random_phone(), random_phone()
    async with _api(make_settings(tmp_path, task_queue), flaky_temporal) as (app, http):
        forwarder = app.state.intake_forwarder
        assert (await http.post("/webhook/waha", json=message_event(phone, "Mijn nummer is ..."))).status_code == 200
        await eventually(lambda: max(row.attempts for row in _rows(app)) > 0)
        assert forwarder.store.forget_phone(phone) == 1
        down = False
        assert (await http.post("/webhook/waha", json=message_event(other, "Hallo"))).status_code == 200
        await eventually(lambda: _waiting(app) == 0 and f"{phone}@c.us" not in forwarder._chats)
    assert await _signalled_ids(temporal_env.client, other)
    try:
        await temporal_env.client.get_workflow_handle(f"conversation-{phone}").describe()
        raise AssertionError("the forgotten message started a conversation")
    except RPCError as exc:
        assert exc.status == RPCStatusCode.NOT_FOUND


async def test_a_lid_hand_over_waits_for_the_lid_chats_queued_message(temporal_env, task_queue, tmp_path):
    """The number behind an @lid becomes known while the lid's first message is still in the intake:
    the lid conversation gets that message before it is told to hand itself over (issue 17)."""
    from tests.peers.waha import WahaPeer

    async def slow_temporal():  # slow for the forwarder's deliveries only (its tasks are named "intake <chat>")
        if asyncio.current_task().get_name().startswith("intake "):
            await asyncio.sleep(0.5)
        return temporal_env.client

    lid_digits = "2" + "".join(random.choice("0123456789") for _ in range(13))
    lid_chat, phone = f"{lid_digits}@lid", random_phone()
    with WahaPeer(api_key="test-waha-key") as waha:
        settings = make_settings(tmp_path, task_queue, waha_url=waha.url, lid_retry_minutes=0)
        async with _api(settings, slow_temporal) as (app, http):
            waha.lids[lid_chat] = None
            first = await http.post("/webhook/waha", json=message_event(lid_digits, "Hoi", chat_suffix="@lid"))
            assert first.json() == {"status": "queued", "workflow_id": f"conversation-{lid_digits}"}
            waha.lids[lid_chat] = f"{phone}@c.us"
            second = await http.post("/webhook/waha", json=message_event(lid_digits, "Staat de Golf nog?", chat_suffix="@lid"))
            assert second.json() == {"status": "merging", "workflow_id": f"conversation-{lid_digits}"}
    history = await temporal_env.client.get_workflow_handle(f"conversation-{lid_digits}").fetch_history()
    signals = [event.workflow_execution_signaled_event_attributes.signal_name
               for event in history.events if event.HasField("workflow_execution_signaled_event_attributes")]
    assert signals == ["new_message", "merge_into"]


async def test_two_replicas_on_postgresql_one_crashes_the_other_delivers_its_messages(
    temporal_env, task_queue, tmp_path, postgres
):
    """Two API replicas share the intake in PostgreSQL. Replica A accepts messages while its Temporal
    connection is down, then dies without a goodbye; replica B delivers them once A's lease ran out."""
    from integrations.db import close_pools

    database_url = postgres.new_database("intake")
    settings = make_settings(tmp_path, task_queue, database_url=database_url, intake_lease_seconds=0.6)

    async def temporal_down():
        raise ConnectionError("connection refused")

    async def temporal_up():
        return temporal_env.client

    phone = random_phone()
    bodies = [message_event(phone, text) for text in ("Hoi", "Ik zoek een Kia Niro", "Wat kost die?")]
    try:
        replica_a = create_app(settings.model_copy(update={"data_dir": tmp_path / "a"}), temporal_down)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=replica_a), base_url="http://a") as http_a:
            for body in bodies[:2]:
                assert (await http_a.post("/webhook/waha", json=body)).status_code == 200
            forwarder_a = replica_a.state.intake_forwarder
            await eventually(lambda: max(row.attempts for row in _rows(replica_a)) > 0)
            for task in [forwarder_a._sweeper, *forwarder_a._chats.values()]:  # SIGKILL: no release
                task.cancel()
        async with _api(settings.model_copy(update={"data_dir": tmp_path / "b"}), temporal_up) as (replica_b, http_b):
            assert (await http_b.post("/webhook/waha", json=bodies[2])).status_code == 200
            await eventually(lambda: _waiting(replica_b) == 0)
        assert await _signalled_ids(temporal_env.client, phone) == [body["payload"]["id"] for body in bodies]
    finally:
        close_pools(database_url)
