"""What each message leaves in the conversation's history (issue 18, docs/memory.md): search
attributes upserted only when they change, and a run that continues as new once the chat goes quiet,
carrying everything the next message needs."""

from __future__ import annotations

from datetime import timedelta

from tests.pipeline import events_of_every_run, make_settings, pipeline, random_phone
from tests.waha_events import message_event


async def test_a_message_upserts_only_the_search_attributes_it_changes(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=0)) as p:
        for count, text in enumerate(["Zijn jullie zaterdag open?", "En zondag?", "Zijn jullie maandag open?"], 1):
            await p.post(message_event(phone, text))
            await p.wait_until(phone, lambda s, n=count: s.messages_processed == n)
        events = await events_of_every_run(p.client, f"conversation-{phone}")
    written: dict[str, bytes] = {}
    repeats = []
    for event in events:
        if not event.HasField("upsert_workflow_search_attributes_event_attributes"):
            continue
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        for name, payload in fields.items():
            if name in ("Intent", "LeadScore", "LeadQuality") and written.get(name) == payload.data:
                repeats.append(name)
            written[name] = payload.data
    assert "Intent" in written and "LeadQuality" in written  # the first message set them
    assert repeats == []  # three opening-hours questions: the same intent and lead, upserted once


async def test_a_quiet_chat_continues_as_new_and_the_next_message_goes_on_from_there(time_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    settings = make_settings(tmp_path, task_queue, quiet_continue_seconds=60)
    async with pipeline(time_env.client, settings) as p:
        await p.post(message_event(phone, "Hoi, staat de Golf nog?", name="Sanne"))
        first = await p.wait_until(phone, lambda s: s.messages_processed == 1 and not s.crm_pending, timeout=60)
        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        first_run = (await handle.describe()).run_id
        car = first.context.last_cars[0]
        await time_env.sleep(timedelta(minutes=2))  # quiet: the run hands over to a new one
        assert (await handle.describe()).run_id != first_run
        await p.post(message_event(phone, "Wat kost hij per maand?", name="Sanne"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2, timeout=60)
        replies = await p.waha.wait_for(2, chat)
        first_history = await p.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()
        await handle.terminate("test done")
    assert first_history.events[-1].HasField("workflow_execution_continued_as_new_event_attributes")
    assert [turn.role for turn in state.context.history] == ["customer", "bot", "customer", "bot"]
    assert "per maand" in replies[1]["text"] and car.model in replies[1]["text"]  # "hij" is still the Golf
    assert state.context.customer_name == "Sanne"


async def test_a_run_without_a_customer_turn_never_continues_for_quiet(time_env, task_queue, tmp_path):
    """Otherwise an idle conversation would hand over to a new run every minute, forever."""
    phone = random_phone()
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue, quiet_continue_seconds=60)) as p:
        await p.post(message_event(phone, "Hoi, staat de Golf nog?"))
        await p.wait_until(phone, lambda s: s.messages_processed == 1 and not s.crm_pending, timeout=60)
        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        await time_env.sleep(timedelta(minutes=2))
        second_run = (await handle.describe()).run_id
        await time_env.sleep(timedelta(minutes=10))  # ten quiet minutes: no new run
        assert (await handle.describe()).run_id == second_run
        await handle.terminate("test done")
