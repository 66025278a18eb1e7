"""Busy time in the staff's CalDAV calendar (a real Radicale) blocks slots; the store never
double-books a car, even when two chats race for it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from agents.booking_models import BookingCue
from agents.knowledge.dealer import dealer_facts
from agents.models import ConversationContext, ExtractionOutput
from activities.testdrive import PlanTestDriveRequest, TestDriveActivities
from integrations.testdrive_store import Booking, SqliteTestDriveStore
from tests.peers.radicale import PASSWORD, USER, RadicaleServer
from tests.pipeline import make_settings

DEALER = dealer_facts()
TZ = DEALER.tz
NOW = datetime(2026, 12, 7, 9, tzinfo=TZ)  # a Monday
SATURDAY = datetime(2026, 12, 12, tzinfo=TZ)


def _request(booking_id: str, text: str = "kan ik zaterdag om 11 uur een proefrit maken in de picanto?") -> PlanTestDriveRequest:
    from inventory.sources.sample import sample_cars

    picanto = next(car for car in sample_cars() if car.model == "Picanto")
    return PlanTestDriveRequest(
        text=text, context=ConversationContext(last_cars=[picanto]),
        extraction=ExtractionOutput(test_drive_requested=True, refers_to_previous_car=True,
                                    booking=BookingCue(action="book", when_text=text)),
        now=NOW, booking_id=booking_id, customer_phone="+31612345678", chat_id="31612345678@c.us",
    )


async def test_a_day_off_in_caldav_blocks_the_saturday(tmp_path):
    with RadicaleServer(tmp_path / "radicale") as radicale:
        radicale.client().calendar(url=radicale.calendar_url).add_event(
            dtstart=SATURDAY.date(), dtend=(SATURDAY + timedelta(days=1)).date(), summary="Showroom dicht: inventarisatie",
            uid="dicht-1@example.org",
        )
        settings = make_settings(tmp_path, "tq", caldav_url=radicale.calendar_url, caldav_username=USER,
                                 caldav_password=PASSWORD)
        activities = TestDriveActivities(settings)
        result = await activities.plan_test_drive(_request("testdrive-a"))
        plan = result.plan
        assert plan.action == "offer" and plan.dialogue.offered
        assert all(slot.astimezone(TZ).date() != SATURDAY.date() for slot in plan.dialogue.offered)
        assert activities.store.get("testdrive-a") is None  # nothing held


async def test_two_chats_racing_for_one_car_get_one_booking(tmp_path, database_url):
    settings = make_settings(tmp_path, "tq", database_url=database_url)
    first, second = TestDriveActivities(settings), TestDriveActivities(settings)  # two workers, one store
    results = await asyncio.gather(first.plan_test_drive(_request("testdrive-1")),
                                   second.plan_test_drive(_request("testdrive-2")))
    actions = sorted(result.plan.action for result in results)
    assert actions == ["book", "offer"]
    store = SqliteTestDriveStore.from_settings(settings)
    booked = store.listing()
    assert len(booked) == 1 and booked[0].start == SATURDAY.replace(hour=11)
    # a retried activity holds the same booking again without a second row
    again = await first.plan_test_drive(_request(booked[0].booking_id))
    assert again.plan.action == "book" and len(store.listing()) == 1
    store.close()


def test_store_keeps_capacity_and_bumps_the_sequence(store_settings):
    store = SqliteTestDriveStore.from_settings(store_settings)
    start = datetime(2026, 12, 12, 10, tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)

    def booking(booking_id: str, car_id: str) -> Booking:
        return Booking(booking_id=booking_id, car_id=car_id, car_title=car_id, start=start, end=start + timedelta(minutes=30),
                       customer_phone="+31600000000", chat_id="x", created_at=now, updated_at=now)

    assert store.hold(booking("a", "car-1"), at_once=2) and store.hold(booking("b", "car-2"), at_once=2)
    assert not store.hold(booking("c", "car-3"), at_once=2)  # two at once
    assert not store.hold(booking("d", "car-1"), at_once=5)  # the same car
    assert store.move("a", start + timedelta(hours=1), start + timedelta(hours=1, minutes=30), at_once=2)
    assert store.get("a").sequence == 1
    assert store.set_state("a", "cancelled").sequence == 2
    assert [b.booking_id for b in store.between(start, start + timedelta(hours=2))] == ["b"]
    store.close()


def test_hosts_holding_the_same_slot_at_once_get_it_once(store_settings):
    """Threads with their own store objects (hosts sharing one database) race for one car and time."""
    from concurrent.futures import ThreadPoolExecutor

    start = datetime(2026, 12, 12, 10, tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    stores = [SqliteTestDriveStore.from_settings(store_settings) for _ in range(4)]

    def hold(n: int) -> bool:
        booking = Booking(booking_id=f"race-{n}", car_id="car-1", car_title="Golf", start=start,
                          end=start + timedelta(minutes=30), customer_phone="+31600000000", chat_id="x",
                          created_at=now, updated_at=now)
        return stores[n % 4].hold(booking, at_once=3)

    with ThreadPoolExecutor(4) as pool:
        won = list(pool.map(hold, range(12)))
    assert won.count(True) == 1 and len(stores[0].listing()) == 1
    for store in stores:
        store.close()
