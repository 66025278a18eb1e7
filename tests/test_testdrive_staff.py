"""Staff commands for test drives: `seldenrijk testdrives list|confirm|cancel|no-show`,
`GET /testdrives` with X-API-Key, and the Chatwoot label `proefrit-bevestigd`."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from datetime import datetime, timedelta
from pathlib import Path

from agents.knowledge.dealer import dealer_facts
from agents.slots import open_hours
from integrations.testdrive_store import SqliteTestDriveStore
from starter import cli
from tests.pipeline import make_settings, pipeline, random_phone
from tests.test_testdrive_workflow import _book, _start

API_KEY = "staff-key-0123456789"
TOKEN = "a-long-random-token-1234567890"
EVENTS = Path(__file__).parent / "data" / "chatwoot_events"


def _label_event(phone: str) -> dict:
    """conversation_updated as Chatwoot sends it when a label is added (shape of the captured event)."""
    body = copy.deepcopy(json.loads((EVENTS / "conversation_updated_assigned.json").read_text()))
    body["meta"]["sender"]["phone_number"] = f"+{phone}"
    body["labels"] = ["interest-considering", "proefrit-bevestigd"]
    body["changed_attributes"] = [{"label_list": {"previous_value": ["interest-considering"],
                                                  "current_value": ["interest-considering", "proefrit-bevestigd"]}}]
    return body


async def _state(settings, booking_id: str, wanted: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        store = SqliteTestDriveStore.from_settings(settings)
        state = store.get(booking_id).state
        store.close()
        if state == wanted:
            return
        assert time.monotonic() < deadline, f"still {state}"
        await asyncio.sleep(0.1)


def _next_open_day(days: int):
    dealer = dealer_facts()
    day = datetime.now(dealer.tz).date() + timedelta(days=days)
    while not open_hours(dealer, day):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=14), tzinfo=dealer.tz)


async def test_list_confirm_by_label_and_cancel_by_api(temporal_env, task_queue, tmp_path, capsys, database_url,
                                                       monkeypatch):
    phone = random_phone()
    if database_url:  # the staff command reads its settings from the environment
        monkeypatch.setenv("DATABASE_URL", database_url)
    settings = make_settings(tmp_path, task_queue, testdrive_confirm_by_staff=True, escalation_api_key=API_KEY,
                             chatwoot_webhook_token=TOKEN, chatwoot_inbox_id=7, database_url=database_url)
    start = _next_open_day(3)
    booking = _book(settings, phone, start)
    async with pipeline(temporal_env.client, settings) as p:
        handle = await _start(temporal_env.client, task_queue, booking, confirm_by_staff=True)

        # The CLI lists day, time, car, the customer with a masked phone, and the state.
        assert await asyncio.to_thread(cli.main, ["testdrives", "list", "--json", "--day", start.date().isoformat(), "--data-dir", str(tmp_path)]) == 0
        [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert row == {"id": booking.booking_id, "day": start.date().isoformat(), "time": "14:00", "car": booking.car_title,
                       "customer": f"Anna de Vries +{phone[:2]} {phone[2]} •••• {phone[-4:]}", "state": "held"}
        assert await asyncio.to_thread(cli.main, ["testdrives", "list", "--data-dir", str(tmp_path)]) == 0
        table = capsys.readouterr().out
        assert "STATUS" in table and "gereserveerd" in table and phone not in table
        assert await asyncio.to_thread(cli.main, ["testdrives", "list", "--day", "zaterdag", "--data-dir", str(tmp_path)]) == 2

        # Chatwoot: the label proefrit-bevestigd confirms the customer's held booking.
        response = await p.http.post(f"/webhook/chatwoot/{TOKEN}", json=_label_event(phone))
        assert response.json() == {"status": "test_drive_confirmed", "booking_id": booking.booking_id}
        await _state(settings, booking.booking_id, "confirmed")
        confirmed = await p.waha.wait_for(1, f"{phone}@c.us")
        assert "is bevestigd" in confirmed[0]["text"]
        again = await p.http.post(f"/webhook/chatwoot/{TOKEN}", json=_label_event(phone))
        assert again.json()["status"] == "ignored"  # nothing held any more

        # The API: a key is needed; cancel tells the customer; a second cancel is a conflict.
        assert (await p.http.get("/testdrives")).status_code == 401
        listed = await p.http.get("/testdrives", headers={"X-API-Key": API_KEY})
        assert [item["state"] for item in listed.json()] == ["confirmed"]
        cancel = await p.http.post(f"/testdrives/{booking.booking_id}/cancel", headers={"X-API-Key": API_KEY})
        assert cancel.status_code == 200
        assert await asyncio.wait_for(handle.result(), 20) == "cancelled"
        cancelled = await p.waha.wait_for(2, f"{phone}@c.us")
        assert "annuleren" in cancelled[-1]["text"] and "nieuw moment" in cancelled[-1]["text"]
        conflict = await p.http.post(f"/testdrives/{booking.booking_id}/cancel", headers={"X-API-Key": API_KEY})
        assert conflict.status_code == 409
        unknown = await p.http.post("/testdrives/testdrive-unknown/confirm", headers={"X-API-Key": API_KEY})
        assert unknown.status_code == 404
        wrong = await p.http.post(f"/testdrives/{booking.booking_id}/reschedule", headers={"X-API-Key": API_KEY})
        assert wrong.status_code == 404
        assert (await p.http.get("/calendar/testdrives.ics?token=x")).status_code == 404  # no feed token set


async def test_bookings_survive_continue_as_new_and_stop_silences_them(temporal_env, task_queue, tmp_path):
    """The conversation continues-as-new after every message; the booking's workflow still follows
    a move, and STOP tells it not to send a reminder or follow-up."""
    from temporalio.client import WorkflowExecutionStatus

    from tests.waha_events import message_event
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput
    from workflows.testdrive import TestDriveWorkflow

    phone = random_phone()
    chat = f"{phone}@c.us"
    day = _next_open_day(8).date()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = await p.client.start_workflow(
            ConversationWorkflow.run, ConversationInput(chat_id=chat, phone=f"+{phone}", messages_per_run=1, coalesce_seconds=0),
            id=f"conversation-{phone}", task_queue=task_queue,
        )
        first_run = (await handle.describe()).run_id
        await p.post(message_event(phone, f"Kan ik op {day.day}-{day.month} om 10 uur een proefrit maken in de Kia Picanto?"))
        booked = (await p.waha.wait_for(1, chat, timeout=30))[-1]["text"]
        assert "staat vast" in booked and "10:00" in booked
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        [drive] = state.context.test_drive.bookings
        await p.post(message_event(phone, "kan het ook om 15 uur?"))
        moved = (await p.waha.wait_for(2, chat, timeout=30))[-1]["text"]
        assert "verzet" in moved and "15:00" in moved
        await p.wait_until(phone, lambda s: s.messages_processed == 2)
        deadline = time.monotonic() + 20
        while (description := await p.client.get_workflow_handle(f"conversation-{phone}").describe()).run_id == first_run:
            assert time.monotonic() < deadline, "no continue-as-new"
            await asyncio.sleep(0.1)
        assert description.status == WorkflowExecutionStatus.RUNNING
        booking = p.client.get_workflow_handle(drive.booking_id)

        async def moved_to_three():
            status = await booking.query(TestDriveWorkflow.status)
            return status.start.astimezone(dealer_facts().tz).hour == 15
        deadline = time.monotonic() + 20
        while not await moved_to_three():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)

        await p.post(message_event(phone, "STOP"))
        await p.wait_until(phone, lambda s: s.messages_processed == 3)
        deadline = time.monotonic() + 20
        while not (await booking.query(TestDriveWorkflow.status)).opted_out:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
