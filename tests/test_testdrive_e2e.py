"""Done-when of issue 15, end to end: WhatsApp in → booking → the .ics feed and a real CalDAV
server (Radicale) → a second customer gets alternatives → move to Friday 10:00 → the reminder
timer fires (time-skipping) → cancelling removes the event everywhere.

The sample inventory has three Polos, so the bot first asks which one ("de eerste").
"""

from __future__ import annotations

import asyncio
import email
import time
from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from agents.knowledge.dealer import dealer_facts
from agents.slots import open_hours
from integrations.calendar_ics import event_uid
from tests.peers.radicale import PASSWORD, USER, RadicaleServer
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event

FEED_TOKEN = "feed-token-0123456789abcdef"
API_KEY = "staff-key-0123456789"


def _clean_monday(now: datetime, tz) -> datetime:
    """The next Monday 08:00 whose Friday and Saturday are ordinary opening days."""
    dealer = dealer_facts()
    day = now.astimezone(tz).date() + timedelta(days=1)
    while True:
        if day.weekday() == 0 and all(open_hours(dealer, day + timedelta(days=n)) for n in range(6)):
            return datetime.combine(day, datetime.min.time().replace(hour=8), tzinfo=tz)
        day += timedelta(days=1)


async def _until(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


def _feed_events(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


async def test_book_move_remind_cancel_everywhere(time_env, task_queue, tmp_path):
    dealer = dealer_facts()
    tz = dealer.tz
    now = await time_env.get_current_time()
    monday = _clean_monday(now, tz)
    await time_env.sleep(monday - now)
    saturday_11 = (monday + timedelta(days=5)).replace(hour=11)
    friday_10 = (monday + timedelta(days=4)).replace(hour=10)

    with RadicaleServer(tmp_path / "radicale") as radicale:
        settings = make_settings(
            tmp_path / "data", task_queue, calendar_feed_token=FEED_TOKEN, escalation_api_key=API_KEY,
            caldav_url=radicale.calendar_url, caldav_username=USER, caldav_password=PASSWORD,
        )
        anna, bas = random_phone(), random_phone()
        chat_a = f"{anna}@c.us"
        async with pipeline(time_env.client, settings) as p:
            async def say(phone: str, text: str, count: int) -> str:
                await p.post(message_event(phone, text, name="Anna" if phone == anna else "Bas"))
                sent = await p.waha.wait_for(count, f"{phone}@c.us", timeout=40)
                return sent[-1]["text"]

            async def feed() -> list:
                response = await p.http.get(f"/calendar/testdrives.ics?token={FEED_TOKEN}")
                assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
                return _feed_events(response.content)

            # 1. Anna asks; three Polos: the bot asks which one and says the slot is free.
            asked = await say(anna, "kan ik zaterdag om 11 uur een proefrit maken in de polo?", 1)
            assert "Welke wil je proberen?" in asked and "1. Volkswagen Polo" in asked
            assert f"zaterdag {saturday_11.day}" in asked.lower() and "11:00" in asked
            confirmed = await say(anna, "de eerste", 2)
            state = await p.wait_until(anna, lambda s: s.messages_processed == 2)
            booking = state.context.test_drive.bookings[0]
            assert booking.start == saturday_11
            for part in ("staat vast", f"Zaterdag {saturday_11.day} december" if saturday_11.month == 12 else "Zaterdag",
                         "11:00", booking.car_title, "Zuiderbreedte 22", "rijbewijs"):
                assert part in confirmed, part
            assert confirmed.count("Zuiderbreedte") == 1
            assert state.last_crm.lead_quality == "HOT" and "stage:test-drive-booked" in state.last_crm.tags

            # 2. In the feed and in Radicale.
            events = await feed()
            assert [e.decoded("dtstart") for e in events] == [saturday_11.astimezone(timezone.utc)]
            assert booking.car_title in str(events[0]["summary"])
            uid = event_uid(booking.booking_id)
            in_radicale = await _until(lambda: [e for e in radicale.events()
                                                if str(e.icalendar_component["uid"]) == uid])
            assert in_radicale[0].icalendar_component.decoded("dtstart") == saturday_11.astimezone(timezone.utc)

            # 3. Bas wants the same Polo at the same time: alternatives, no double booking.
            await say(bas, "kan ik zaterdag om 11 uur een proefrit maken in de polo?", 1)
            offered = await say(bas, "de eerste", 2)
            assert "al bezet" in offered and "1. " in offered and "2. " in offered and "staat vast" not in offered
            assert not (await p.wait_until(bas, lambda s: s.messages_processed == 2)).context.test_drive.bookings
            assert len(await feed()) == 1

            # 4. Anna moves to Friday 10:00: the feed and Radicale follow, the old event is gone.
            moved = await say(anna, "kan het vrijdag om 10 uur worden?", 3)
            assert "verzet" in moved and "10:00" in moved
            await _until(lambda: [e for e in radicale.events()
                                  if e.icalendar_component.decoded("dtstart") == friday_10.astimezone(timezone.utc)])
            assert [str(e.icalendar_component["uid"]) for e in radicale.events()] == [uid]
            assert [e.decoded("dtstart") for e in await feed()] == [friday_10.astimezone(timezone.utc)]

            # 5. Thursday 18:00: the reminder, with the new time.
            reminder_at = (friday_10 - timedelta(days=1)).replace(hour=18)
            await time_env.sleep(reminder_at + timedelta(minutes=1) - await time_env.get_current_time())
            sent = await p.waha.wait_for(4, chat_a, timeout=40)
            status = await p.client.get_workflow_handle(booking.booking_id).query("status")
            assert len(sent) == 4, (str(status), await time_env.get_current_time())
            reminder = sent[-1]["text"]
            assert "herinnering" in reminder and "morgen om 10:00" in reminder and booking.car_title in reminder
            assert "rijbewijs" in reminder

            # 6. Anna cancels: gone from the feed and from Radicale; a new time is offered.
            cancelled = await say(anna, "ik kan toch niet", 5)
            assert "geannuleerd" in cancelled and "1. " in cancelled
            assert await p.client.get_workflow_handle(booking.booking_id).result() == "cancelled"
            assert not radicale.events()
            assert await feed() == []
            listing = await p.http.get("/testdrives", headers={"X-API-Key": API_KEY})
            assert [row["state"] for row in listing.json()] == ["cancelled"]
            assert (await p.http.get("/testdrives")).status_code == 401
            assert (await p.http.get("/calendar/testdrives.ics?token=wrong")).status_code == 401

        # Sales got invites that update and then cancel the same event.
        mails = sorted((settings.outbox_dir / "email").glob("*.eml"))
        invites = []
        for path in mails:
            message = email.message_from_bytes(path.read_bytes())
            for part in message.walk():
                if part.get_content_type() == "text/calendar":
                    calendar = Calendar.from_ical(part.get_payload(decode=True))
                    event = next(iter(calendar.walk("VEVENT")))
                    invites.append((str(calendar["method"]), int(event["sequence"]), str(event["uid"])))
        assert {uid for _, _, uid in invites} == {uid}
        assert invites[0] == ("REQUEST", 0, uid) and invites[-1][0] == "CANCEL"
        assert [seq for _, seq, _ in invites] == sorted(seq for _, seq, _ in invites)
