"""Seen and typing around a reply (issue 17), end to end: webhook → Temporal → the WAHA peer.

The peer checks every sendSeen / startTyping / stopTyping body against waha-openapi.json
(SendSeenRequest, ChatRequest) and logs all calls in order, so the order is what WhatsApp sees.
"""

from __future__ import annotations

from datetime import datetime, timezone

from activities.messaging import MessagingActivities, PresenceRequest
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
from tests.peers.waha import WahaPeer
from tests.pipeline import eventually, make_settings, pipeline, random_phone
from tests.waha_events import message_event, reaction_event
from workflows.models import StaffMessage

BKR = "Ik heb wel een BKR registratie, kan ik dan financieren?"  # a finance hand-over


async def test_seen_and_typing_come_before_the_reply(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    # With no burst window at all the reply can overtake the (unawaited) seen call; a short one orders them.
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=0.5)) as p:
        event = message_event(phone, "Hoi, hebben jullie een Golf tot 25k?")
        assert (await p.post(event)).status_code == 200
        await p.waha.wait_for(1, chat)
        assert p.waha.calls_for(chat) == ["seen", "start_typing", "stop_typing", "send"]
        seen = next(call for call in p.waha.presence if call["action"] == "seen")
        assert seen["messageIds"] == [event["payload"]["id"]] and seen["session"] == "default"
        assert p.waha.violations == []


async def test_a_failing_or_slow_waha_presence_never_blocks_the_reply(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    settings = make_settings(tmp_path, task_queue, waha_presence_timeout_seconds=0.3)
    async with pipeline(temporal_env.client, settings) as p:
        p.waha.presence_status = 500
        await p.post(message_event(phone, "Staat de Polo nog?"))
        await p.waha.wait_for(1, chat)
        p.waha.presence_status = 201
        p.waha.presence_delay = 2.0  # far past the 0.3 s the worker waits: the calls time out
        await p.post(message_event(phone, "En wat kost hij per maand?"))
        sent = await p.waha.wait_for(2, chat)
        assert len(sent) == 2 and "per maand" in sent[1]["text"]
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert not any(record.error_occurred for record in state.recent)
        assert p.waha.violations == []


async def test_waha_typing_false_turns_them_off(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, waha_typing=False)) as p:
        await p.post(message_event(phone, "Zijn jullie zaterdag open?"))
        await p.waha.wait_for(1, chat)
        await p.wait_until(phone, lambda s: s.messages_processed == 1)
        assert p.waha.calls_for(chat) == ["send"]
        assert await _presence_activities(p, phone) == 0  # not even scheduled


async def test_without_waha_no_presence_activity_is_scheduled(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue), with_waha=False) as p:
        await p.post(message_event(phone, "Zijn jullie zaterdag open?"))
        await p.wait_until(phone, lambda s: s.messages_processed == 1)
        assert await _presence_activities(p, phone) == 0
        assert (tmp_path / "outbox" / "whatsapp.jsonl").read_text().count(f"{phone}@c.us") == 1


async def _presence_activities(p, phone: str) -> int:
    history = await p.client.get_workflow_handle(f"conversation-{phone}").fetch_history()
    return sum(1 for event in history.events
               if event.HasField("activity_task_scheduled_event_attributes")
               and event.activity_task_scheduled_event_attributes.activity_type.name == "show_presence")


async def test_no_typing_while_a_colleague_chats_or_for_a_reaction(temporal_env, task_queue, tmp_path):
    """"typing…" promises an answer: none while a person has the chat, none for a 👍."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, "Hallo, ik zoek een Opel Corsa"))
        sent = await p.waha.wait_for(1, chat)
        typing_before = p.waha.calls_for(chat).count("start_typing")
        reaction = reaction_event(phone, "😮", sent[0]["_id"])
        await p.post(reaction)
        await p.wait_until(phone, lambda s: s.messages_processed == 2)
        await eventually(lambda: p.waha.calls_for(chat).count("seen") == 2)
        assert p.waha.calls_for(chat)[-1] == "seen"  # the reaction: marked read, nothing more
        assert p.waha.calls_for(chat).count("start_typing") == typing_before

        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        await handle.signal("staff_message", StaffMessage(text="Ik help je verder!", via="chatwoot",
                                                          external_id="cw-1", at=datetime.now(timezone.utc)))
        await p.waha.wait_for(2, chat)
        await p.post(message_event(phone, "Top, dank je"))
        await p.wait_until(phone, lambda s: s.messages_processed == 3)
        await eventually(lambda: p.waha.calls_for(chat).count("seen") == 3)
        assert p.waha.calls_for(chat)[-1] == "seen" and p.waha.calls_for(chat).count("start_typing") == typing_before
        assert len(p.waha.sent) == 2


async def test_the_activity_without_waha_is_a_no_op(tmp_path):
    waha = WahaClient(None, api_key=None, session="default", outbox_dir=tmp_path / "outbox")
    activities = MessagingActivities(waha, SentLedger(tmp_path / "sent.sqlite3"))
    result = await activities.show_presence(PresenceRequest(chat_id="31612345678@c.us", action="seen_typing",
                                                            message_ids=["false_31612345678@c.us_AAA"]))
    assert result.calls == []
    assert not (tmp_path / "outbox").exists()


async def test_no_typing_once_the_reply_went_out(tmp_path):
    """A late presence activity (a busy worker) must not show "typing…" after the answer."""
    with WahaPeer(api_key="k") as peer:
        waha = WahaClient(peer.url, api_key="k", session="default", outbox_dir=tmp_path)
        ledger = SentLedger(tmp_path / "sent.sqlite3")
        ledger.record("conversation-1:m1", "true_31612345678@c.us_1")
        activities = MessagingActivities(waha, ledger)
        late = await activities.show_presence(PresenceRequest(chat_id="31612345678@c.us", action="seen_typing",
                                                              message_ids=["m1"], reply_id="conversation-1:m1"))
        fresh = await activities.show_presence(PresenceRequest(chat_id="31612345678@c.us", action="seen_typing",
                                                               message_ids=["m2"], reply_id="conversation-1:m2"))
        await waha.aclose()
        assert late.calls == ["seen: ok"]
        assert fresh.calls == ["seen: ok", "start_typing: ok"]
        assert peer.calls_for("31612345678@c.us") == ["seen", "seen", "start_typing"]
        assert peer.violations == []


async def test_a_message_answered_at_once_is_marked_read_by_the_reply_itself(temporal_env, task_queue, tmp_path):
    """No burst window: the reply is made in the task the message arrived in, so its sendSeen rides
    with the send (issue 18): no presence activity, no "typing…" that would last milliseconds."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=0)) as p:
        event = message_event(phone, "Hoi, hebben jullie een Golf tot 25k?")
        await p.post(event)
        await p.waha.wait_for(1, chat)
        await p.wait_until(phone, lambda s: s.messages_processed == 1)
        assert p.waha.calls_for(chat) == ["seen", "send"]
        seen = next(call for call in p.waha.presence if call["action"] == "seen")
        assert seen["messageIds"] == [event["payload"]["id"]]
        assert await _presence_activities(p, phone) == 0
        assert p.waha.violations == []


async def test_a_turn_that_waits_shows_seen_and_typing_first(temporal_env, task_queue, tmp_path):
    """A hand-over starts a child workflow before the reply: seen and "typing…" go out first."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=0)) as p:
        await p.post(message_event(phone, BKR))
        await p.wait_until(phone, lambda s: s.messages_processed == 1 and s.open_escalation is not None)
        await p.waha.wait_for(1, chat)
        assert p.waha.calls_for(chat) == ["seen", "start_typing", "stop_typing", "send"]
        assert await _presence_activities(p, phone) == 1
        assert p.waha.violations == []
