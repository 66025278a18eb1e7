"""One answer per burst (issue 17): quick messages wait for a durable quiet window and get one reply.

End to end through the webhook on the dev server, and the timer semantics (window restarts,
maximum) on the time-skipping server.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agents import burst
from agents.knowledge.dealer import dealer_facts
from integrations.local_crm import LocalCrm
from tests.pipeline import eventually, make_settings, pipeline, random_phone, skip_to_an_ordinary_monday
from tests.waha_events import message_event
from workflows.models import StaffMessage

BURST = ["Hallo", "is de polo nog beschikbaar?", "en wat kost hij per maand?"]


async def test_three_quick_messages_get_one_reply(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=2.0)) as p:
        events = [message_event(phone, text, name="Sanne") for text in BURST]
        for event in events:
            assert (await p.post(event)).json()["status"] == "queued"
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3 and not s.crm_pending, timeout=30)
        replies = p.waha.texts_for(chat)
        assert len(replies) == 1, replies
        reply = replies[0]
        assert "Polo" in reply and "per maand" in reply and "€" in reply  # availability and a monthly example
        assert state.messages_coalesced == 2
        assert state.recent[-1].content == "\n".join(BURST)
        # Each message was marked read on its own and is in the CRM on its own; one bot line answers them.
        # (Their seen calls are separate activities in flight together: WAHA may get them in any order.)
        seen = [call["messageIds"] for call in p.waha.presence if call["action"] == "seen"]
        assert sorted(seen) == sorted([event["payload"]["id"]] for event in events)
        assert p.waha.calls_for(chat)[-2:] == ["stop_typing", "send"]
        transcript = LocalCrm.from_settings(p.settings).transcript(f"+{phone}")
        assert [line.text for line in transcript if line.role == "customer"] == BURST
        assert [line.role for line in transcript].count("bot") == 1
        assert p.waha.violations == []


async def test_a_colleague_writing_during_the_window_keeps_the_bot_quiet(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=3.0)) as p:
        await p.post(message_event(phone, "Hallo, ik wil een afspraak"))
        await p.post(message_event(phone, "voor de Polo"))
        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        await handle.signal("staff_message", StaffMessage(text="Hoi! Ik ben Sanne, ik help je.", via="chatwoot",
                                                          external_id="cw-7", at=datetime.now(timezone.utc)))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_pending, timeout=30)
        assert p.waha.texts_for(chat) == ["Hoi! Ik ben Sanne, ik help je."]
        assert all(record.bot_silent for record in state.recent)
        # "typing…" was shown for the waiting messages: it is stopped, since no answer follows
        await eventually(lambda: p.waha.calls_for(chat)[-1] == "stop_typing" or
                         p.waha.calls_for(chat)[-2:] == ["stop_typing", "send"])


async def test_stop_in_a_burst_is_handled_on_its_own(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=2.0)) as p:
        await p.post(message_event(phone, "Staat de Polo nog?"))
        await p.post(message_event(phone, "STOP"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2, timeout=30)
        replies = p.waha.texts_for(chat)
        assert len(replies) == 2 and "Polo" in replies[0]
        assert state.opted_out and [record.content for record in state.recent] == ["Staat de Polo nog?", "STOP"]


async def test_the_window_restarts_per_message_up_to_the_maximum(time_env, task_queue, tmp_path):
    """Time-skipping: messages 1.5 s apart keep the window open, but at 6 s the bot answers."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    settings = make_settings(tmp_path, task_queue, coalesce_seconds=2.0, coalesce_max_seconds=6.0)
    texts = ["Hoi", "ik zoek een auto", "een Golf", "liefst diesel", "tot 25k", "met trekhaak"]
    async with pipeline(time_env.client, settings) as p:
        for index, text in enumerate(texts[:5]):
            if index:
                await time_env.sleep(timedelta(seconds=1.45))
            await p.post(message_event(phone, text))
        # 5.8 s after the first: the 6 s maximum closes the burst although the customer is typing
        await p.waha.wait_for(1, chat, timeout=30)
        await time_env.sleep(timedelta(seconds=1))
        await p.post(message_event(phone, texts[5]))
        await time_env.sleep(timedelta(seconds=3))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 6, timeout=30)
        assert [record.content for record in state.recent] == ["\n".join(texts[:5]), texts[5]]
        assert len(p.waha.texts_for(chat)) == 2 and state.messages_coalesced == 4


async def test_a_quiet_window_closes_the_burst(time_env, task_queue, tmp_path):
    """Time-skipping: 2.5 s between two messages (window 2 s) are two bursts, two replies."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    settings = make_settings(tmp_path, task_queue, coalesce_seconds=2.0, coalesce_max_seconds=6.0)
    async with pipeline(time_env.client, settings) as p:
        await p.post(message_event(phone, "Staat de Polo nog?"))
        await time_env.sleep(timedelta(seconds=2.5))
        await p.waha.wait_for(1, chat, timeout=30)
        await p.post(message_event(phone, "Zijn jullie zaterdag open?"))
        await time_env.sleep(timedelta(seconds=2.5))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2, timeout=30)
        assert [record.content for record in state.recent] == ["Staat de Polo nog?", "Zijn jullie zaterdag open?"]
        assert len(p.waha.texts_for(chat)) == 2 and state.messages_coalesced == 0


def test_window_and_joining_rules():
    start = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
    assert burst.window_closes(start, start, 2, 6) == start + timedelta(seconds=2)
    assert burst.window_closes(start, start + timedelta(seconds=3), 2, 6) == start + timedelta(seconds=5)
    assert burst.window_closes(start, start + timedelta(seconds=5.5), 2, 6) == start + timedelta(seconds=6)
    assert burst.window_closes(start, start, 3, 1) == start + timedelta(seconds=3)  # a maximum below the window
    assert burst.joins(["Hallo"], "is de polo nog beschikbaar?")
    assert not burst.joins(["Staat de Polo nog?"], "STOP")
    assert not burst.joins(["Hallo"], "verwijder al mijn gegevens")
    assert not burst.joins(["x"] * burst.BURST_KEPT, "nog een")
    assert burst.joined_text(["Hallo ", "", "wat kost hij?"]) == "Hallo\nwat kost hij?"




async def test_a_burst_during_an_escalation_is_forwarded_message_by_message(temporal_env, task_queue, tmp_path):
    from tests.peers.chatwoot_peer import ChatwootPeer
    from tests.pipeline import make_chatwoot_settings
    from workflows.escalation import EscalationWorkflow
    from workflows.models import EscalationStatus

    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(tmp_path, task_queue, peer, "secret", escalation_assignee_finance=5,
                                          coalesce_seconds=2.0)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Ik heb een BKR registratie, kan ik dan wel een auto financieren?"))
            state = await p.wait_until(phone, lambda s: s.open_escalation and s.open_escalation.view, timeout=30)
            escalation = p.client.get_workflow_handle(state.open_escalation.escalation_id, result_type=EscalationStatus)
            burst = [message_event(phone, text) for text in ("Nog een vraag", "staat de polo nog?",
                                                             "en wat kost hij per maand?")]
            for event in burst:
                await p.post(event)
            state = await p.wait_until(phone, lambda s: s.messages_processed == 4 and not s.crm_pending, timeout=30)
            assert len(p.waha.texts_for(chat)) == 2 and state.messages_coalesced == 2  # one answer to the burst

            async def forwarded():
                status = await escalation.query(EscalationWorkflow.status)
                return status if len(status.forwards) == 3 else None

            status = await eventually(forwarded)
            assert [forward.message_id for forward in status.forwards] == [event["payload"]["id"] for event in burst]
            await eventually(lambda: len([m for m in peer.messages.values() if m["message_type"] == 0]) >= 4)
            customer_mirrored = [m for m in peer.messages.values() if m["message_type"] == 0]  # incoming
            assert [m["content"] for m in customer_mirrored][-3:] == ["Nog een vraag", "staat de polo nog?",
                                                                      "en wat kost hij per maand?"]
        assert peer.violations == []


async def test_a_day_and_a_time_in_two_messages_book_one_test_drive(time_env, task_queue, tmp_path):
    """A day and a time typed as two messages are read together, as the customer meant them."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    await skip_to_an_ordinary_monday(time_env, dealer_facts())  # next week's Tuesday is open (not King's Day)
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=2.0)) as p:
        await p.post(message_event(phone, "Ik wil graag een proefrit maken in de Kia Picanto"))
        await p.waha.wait_for(1, chat, timeout=30)
        await p.wait_until(phone, lambda s: s.messages_processed == 1, timeout=30)
        await p.post(message_event(phone, "volgende week dinsdag"))
        await p.post(message_event(phone, "om 11 uur"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3 and not s.crm_pending, timeout=30)
        replies = p.waha.texts_for(chat)
        assert len(replies) == 2, replies
        assert "11:00" in replies[1] and "dinsdag" in replies[1].lower(), replies[1]
        assert state.recent[-1].content == "volgende week dinsdag\nom 11 uur"


async def test_a_photo_between_the_texts_of_a_burst_does_not_end_it(temporal_env, task_queue, tmp_path):
    from tests.waha_events import media_event

    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=2.0)) as p:
        url = p.waha.add_file(f"false_{chat}_P1.jpeg", b"\xff\xd8 polo", "image/jpeg")
        events = [message_event(phone, BURST[0], name="Sanne"), media_event(phone, url=url, mimetype="image/jpeg", name="Sanne"),
                  message_event(phone, BURST[1], name="Sanne"), message_event(phone, BURST[2], name="Sanne")]
        for event in events:
            assert (await p.post(event)).json()["status"] == "queued"
        state = await p.wait_until(phone, lambda s: s.messages_processed == 4 and not s.crm_pending, timeout=30)
        replies = p.waha.texts_for(chat)
        # one reply covers the three texts; the photo is still handled (after it, as its own media reply)
        assert len(replies) == 2, replies
        assert "Polo" in replies[0] and "per maand" in replies[0] and "€" in replies[0]
        assert state.messages_coalesced == 2
        assert "\n".join(BURST) in [record.content for record in state.recent]
        transcript = LocalCrm.from_settings(p.settings).transcript(f"+{phone}")
        customer = [line for line in transcript if line.role == "customer"]
        assert [line.text for line in customer if line.text in BURST] == BURST
        assert len(customer) == 4  # the photo too, on its own line
        assert [line.role for line in transcript].count("bot") == 2
        assert p.waha.violations == []
