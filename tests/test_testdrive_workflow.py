"""TestDriveWorkflow on the time-skipping server: staff confirmation, the reminder at 18:00 the
evening before, the no-show question, the follow-up the next working day, opt-out, a sold car,
a worker restart; staff told in Chatwoot (peer) and by e-mail with an .ics (outbox)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from datetime import datetime, timedelta, timezone

from agents.knowledge.dealer import dealer_facts
from agents.slots import open_hours
from integrations.testdrive_store import Booking, SqliteTestDriveStore
from starter import testdrives_cli
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.waha import WahaPeer
from tests.pipeline import eventually, make_settings, random_phone
from worker.build import running_worker
from workflows.testdrive import TestDriveWorkflow
from workflows.testdrive_models import OptOut, TestDriveInput

DEALER = dealer_facts()
TZ = DEALER.tz


def _drive_day(now: datetime) -> datetime:
    """11:00 on an open day at least two days ahead whose next day is open too."""
    day = now.astimezone(TZ).date() + timedelta(days=2)
    while not (open_hours(DEALER, day) and open_hours(DEALER, day + timedelta(days=1))):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=11), tzinfo=TZ)


def _book(settings, phone: str, start: datetime, car_id: str = "sample-007", title: str = "Volkswagen Polo 1.0 TSI Comfortline") -> Booking:
    store = SqliteTestDriveStore.from_settings(settings)
    now = datetime.now(timezone.utc)
    booking = Booking(booking_id=f"testdrive-{uuid.uuid4().hex[:10]}", car_id=car_id, car_title=title, start=start,
                      end=start + timedelta(minutes=30), customer_phone=f"+{phone}", customer_name="Anna de Vries",
                      chat_id=f"{phone}@c.us", created_at=now, updated_at=now)
    assert store.hold(booking, at_once=2)
    store.close()
    return booking


async def _start(client, task_queue: str, booking: Booking, **overrides):
    request = TestDriveInput(
        booking_id=booking.booking_id, conversation_workflow_id=f"conversation-{booking.customer_phone[1:]}",
        chat_id=booking.chat_id, customer_phone=booking.customer_phone, customer_name=booking.customer_name,
        car_id=booking.car_id, car_title=booking.car_title, car_make="Volkswagen", car_model="Polo", **overrides,
    )
    return await client.start_workflow(TestDriveWorkflow.run, request, id=booking.booking_id, task_queue=task_queue)


async def _skip_to(env, moment: datetime) -> None:
    await env.sleep(moment - await env.get_current_time())


async def test_staff_confirm_reminder_no_show_question_follow_up_and_a_worker_restart(time_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with WahaPeer() as waha, ChatwootPeer() as chatwoot:
        # No workflow cache: the time-skipping server does not move a dead worker's sticky tasks on.
        settings = make_settings(tmp_path, task_queue, waha_url=waha.url, testdrive_confirm_by_staff=True,
                                 worker_max_cached_workflows=0,
                                 chatwoot_base_url=chatwoot.url, chatwoot_api_token=chatwoot.api_token,
                                 chatwoot_account_id=chatwoot.account_id, chatwoot_inbox_id=chatwoot.inbox_id)
        start = _drive_day(await time_env.get_current_time())
        booking = _book(settings, phone, start)
        async with running_worker(time_env.client, settings):
            handle = await _start(time_env.client, task_queue, booking, confirm_by_staff=True)
            status = await eventually(lambda: _status_when(handle, lambda s: s.next_timer))
            assert status.state == "held" and status.next_timer

            # Staff were told in Chatwoot: label, contact attributes, a private note with the confirm command.
            [conversation] = chatwoot.conversations.values()
            assert "stage-test-drive-booked" in conversation["labels"]
            [contact] = chatwoot.contacts.values()
            assert contact["custom_attributes"]["test_drive_requested"] is True
            assert contact["custom_attributes"]["test_drive_at"] == start.isoformat()
            [note] = chatwoot.conversation_messages(conversation["id"])
            assert note["private"] and "Proefrit geboekt" in note["content"]
            assert f"seldenrijk testdrives confirm {booking.booking_id}" in note["content"]
            assert chatwoot.violations == []

            await testdrives_cli.act(time_env.client, settings, booking.booking_id, "confirm", "Sanne", via="cli")
            [confirmed] = await waha.wait_for(1, chat)
            assert "bevestigd" in confirmed["text"] and "11:00" in confirmed["text"]
            await eventually(lambda: _status_when(handle, lambda s: s.state == "confirmed"))

        # A new worker picks the timers up where the old one left them.
        async with running_worker(time_env.client, settings):
            assert (await handle.query(TestDriveWorkflow.status)).state == "confirmed"  # served by the new worker
            await _skip_to(time_env, (start - timedelta(days=1)).replace(hour=18, minute=1))
            sent = await waha.wait_for(2, chat, timeout=30)
            assert len(sent) == 2
            assert sent[1]["text"].startswith("Hoi Anna! Even een herinnering: morgen om 11:00")
            assert booking.car_title in sent[1]["text"] and "rijbewijs" in sent[1]["text"]

            await _skip_to(time_env, start + timedelta(minutes=61))
            await eventually(lambda: _status_when(handle, lambda s: s.no_show_asked))
            question = await eventually(lambda: [m for m in chatwoot.conversation_messages(conversation["id"])
                                                  if "Is de klant gekomen?" in m["content"]])
            assert f"seldenrijk testdrives no-show {booking.booking_id}" in question[0]["content"]

            follow_up_day = start.date() + timedelta(days=1)
            await _skip_to(time_env, datetime.combine(follow_up_day, datetime.min.time().replace(hour=10, minute=1), tzinfo=TZ))
            assert await asyncio.wait_for(handle.result(), 30) == "done"
            sent = waha.texts_for(chat)
            assert sent[-1].startswith("Hoe was de proefrit in de Polo?") and len(sent) == 3

    store = SqliteTestDriveStore.from_settings(settings)
    assert store.get(booking.booking_id).state == "done"
    store.close()
    # Sales' e-mails: booked (REQUEST) and confirmed (REQUEST), then the no-show question without invite.
    mails = sorted((settings.outbox_dir / "email").glob("*.eml"))
    parsed = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in mails]
    subjects = [str(message["Subject"]) for message in parsed]
    assert [s.split(":")[0].split("?")[0].strip() for s in subjects] == ["Proefrit geboekt", "Proefrit bevestigd", "Is de klant gekomen"]
    calendars = [[part for part in message.walk() if part.get_content_type() == "text/calendar"] for message in parsed]
    assert [len(found) for found in calendars] == [1, 1, 0]
    assert "METHOD:REQUEST" in calendars[0][0].get_content() and "SEQUENCE:0" in calendars[0][0].get_content()


async def _status_when(handle, predicate):
    status = await handle.query(TestDriveWorkflow.status)
    return status if predicate(status) else None


async def test_opted_out_gets_no_reminder_and_a_no_show_ends_it(time_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with WahaPeer() as waha:
        settings = make_settings(tmp_path, task_queue, waha_url=waha.url)
        start = _drive_day(await time_env.get_current_time())
        booking = _book(settings, phone, start)
        async with running_worker(time_env.client, settings):
            handle = await _start(time_env.client, task_queue, booking)
            await eventually(lambda: _status_when(handle, lambda s: s.state == "confirmed" and s.next_timer))
            await handle.signal(TestDriveWorkflow.customer_opted_out, OptOut())
            await _skip_to(time_env, start + timedelta(minutes=61))
            status = await eventually(lambda: _status_when(handle, lambda s: s.no_show_asked))
            assert not status.reminder_sent and waha.texts_for(chat) == []
            await testdrives_cli.act(time_env.client, settings, booking.booking_id, "no-show", "Sanne", via="cli")
            assert await asyncio.wait_for(handle.result(), 30) == "no_show"
            assert waha.texts_for(chat) == []  # no follow-up after a no-show


async def test_a_sold_car_cancels_and_offers_similar_cars(time_env, task_queue, tmp_path, database_url):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with WahaPeer() as waha:
        settings = make_settings(tmp_path, task_queue, waha_url=waha.url, calendar_feed_token="t" * 20,
                                 database_url=database_url)
        start = _drive_day(await time_env.get_current_time())
        booking = _book(settings, phone, start, car_id="sold-polo-1", title="Volkswagen Polo 1.2 TSI Highline")
        async with running_worker(time_env.client, settings):
            handle = await _start(time_env.client, task_queue, booking)
            assert await asyncio.wait_for(handle.result(), 30) == "cancelled"
            [message] = await waha.wait_for(1, chat)
            assert "is net verkocht" in message["text"] and "gaat helaas niet door" in message["text"]
            assert "• Volkswagen Polo" in message["text"]  # the sample's other Polos
    store = SqliteTestDriveStore.from_settings(settings)
    assert store.get(booking.booking_id).state == "cancelled"
    store.close()
