"""The dialogue state through the whole stack: WAHA webhook → API → Temporal → worker (rules engine),
visible in the Temporal UI's current details, the `state` query and the chat page's lead card."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata

from starter.api import create_app
from tests.chat_page_driver import ChatPageDriver, chromium_available
from agents.knowledge.dealer import dealer_facts
from tests.pipeline import make_settings, pipeline, random_phone, skip_to_an_ordinary_monday
from tests.test_chat_page import served_api
from tests.waha_events import message_event
from worker.build import running_worker


async def test_the_state_moves_and_shows_in_the_current_details(time_env, task_queue, tmp_path):
    phone = random_phone()
    await skip_to_an_ordinary_monday(time_env, dealer_facts())  # "zaterdag om 11 uur" is free and ahead
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = p.client.get_workflow_handle(f"conversation-{phone}")

        async def details() -> str:
            metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
            return metadata.current_details

        await p.post(message_event(phone, "Hebben jullie een Golf?", message_id="d1"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        shown = state.context.dialogue.shown
        assert len(shown) == 3 and state.context.dialogue.open_question.kind == "budget"
        text = await details()
        assert "**Gespreksstand**" in text and "Open vraag:** budget" in text and f"2. {shown[1].title}" in text

        await p.post(message_event(phone, "die tweede", message_id="d2"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert state.context.dialogue.car.id == shown[1].id
        assert state.recent[-1].conversation_output.mentioned_car_ids == [shown[1].id]
        assert state.context.dialogue.open_question.kind == "visit"
        assert f"Auto in gesprek:** {shown[1].title}" in await details()

        await p.post(message_event(phone, "ja graag", message_id="d3"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3)
        assert state.context.test_drive.car.id == shown[1].id and state.context.dialogue.open_question.kind == "slot"
        await p.post(message_event(phone, "zaterdag om 11 uur?", message_id="d4"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 4)
        booking = state.context.test_drive.bookings[-1]
        assert booking.car_id == shown[1].id and booking.start.strftime("%A") == "Saturday"
        assert "geboekt" in await details()
        labels = dict(state.dialogue_lines)
        assert labels["Auto in gesprek"].startswith(shown[1].title) and "geboekt" in labels["Proefrit"]


@pytest.mark.skipif(not chromium_available(), reason="run scripts/ensure-chromium.sh (make test does)")
async def test_the_lead_card_shows_the_dialogue_state(temporal_env, task_queue, tmp_path):
    settings = make_settings(tmp_path, task_queue)

    async def get_client():
        return temporal_env.client

    async with running_worker(temporal_env.client, settings), served_api(create_app(settings, get_client)) as url:
        page = await asyncio.to_thread(ChatPageDriver)
        try:
            await asyncio.to_thread(page.open, url + "/")
            await asyncio.to_thread(page.send, "Hebben jullie een Golf?")
            await asyncio.to_thread(page.wait_for_bot_reply, 1, 30)
            card = await asyncio.to_thread(page.wait_for_dialogue, "Open vraag", "budget", 30)
            assert "2. Volkswagen Golf" in card["Laatst getoond"]
            await asyncio.to_thread(page.send, "ik wil mijn opel astra inruilen")
            await asyncio.to_thread(page.wait_for_bot_reply, 2, 30)
            card = await asyncio.to_thread(page.wait_for_dialogue, "Inruil (eigen auto)", "Opel Astra", 30)
            assert "km-stand inruil" in card["Open vraag"]
            assert card["Taal"] == "nl, je"
        finally:
            await asyncio.to_thread(page.quit)


async def test_the_state_survives_continue_as_new(temporal_env, task_queue, tmp_path):
    """Every message hands over to a new run: the list, the open question and the car go along."""
    from tests.pipeline import eventually
    from tests.test_conversation_robustness import start

    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = await start(p, phone, messages_per_run=1)
        first_run = (await handle.describe()).run_id
        await p.post(message_event(phone, "Hebben jullie een Golf?", message_id="c1"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        shown = [car.id for car in state.context.dialogue.shown]

        async def handed_over():
            return (await handle.describe()).run_id != first_run

        await eventually(handed_over)
        state = await p.snapshot(phone)
        assert [car.id for car in state.context.dialogue.shown] == shown
        assert state.context.dialogue.open_question.kind == "budget"
        await p.post(message_event(phone, "die tweede", message_id="c2"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert state.context.dialogue.car.id == shown[1]
        assert state.recent[-1].conversation_output.mentioned_car_ids == [shown[1]]
