"""Dates and times in Dutch, free slots from dealer.yaml, and the booking dialogue (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from agents.booking import booking_cue, plan_booking
from agents.booking_models import BookedDrive, BookingCue, CarOption, TestDriveDialogue
from agents.knowledge.dealer import dealer_facts
from agents.models import ConversationContext, ExtractionOutput
from agents.slots import Busy, day_slots, free_slots, holiday_name, nearest
from agents.when import WhenWish, resolve

DEALER = dealer_facts()
TZ = DEALER.tz
# Monday 7 December 2026, 09:00 in Harderwijk
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
POLO = CarOption(id="sample-008", title="Volkswagen Polo 1.0 TSI Life DSG", make="Volkswagen", model="Polo")
GOLF = CarOption(id="sample-001", title="Volkswagen Golf 1.5 TSI Life Business", make="Volkswagen", model="Golf")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kan ik zaterdag om 11 uur een proefrit maken?", {"day": date(2026, 12, 12), "at": time(11)}),
        ("morgen", {"day": date(2026, 12, 8)}),
        ("volgende week dinsdag", {"day": date(2026, 12, 15)}),
        ("dinsdag volgende week rond 10 uur", {"day": date(2026, 12, 15), "at": time(10)}),
        ("rond 10 uur", {"at": time(10)}),
        ("na vijven", {"earliest": time(17)}),
        ("eind van de middag", {"earliest": time(16), "latest": time(18)}),
        ("zo snel mogelijk", {"asap": True}),
        ("kan het vrijdag worden?", {"day": date(2026, 12, 11)}),
        ("half 3", {"at": time(14, 30)}),
        ("om 2 uur", {"at": time(14)}),
        ("12 december om kwart over 10", {"day": date(2026, 12, 12), "at": time(10, 15)}),
        ("volgende week", {"not_before_day": date(2026, 12, 14)}),
        ("'s ochtends", {"earliest": time(9), "latest": time(12)}),
        ("de eerste", {}),
        ("kan hij weg voor 14.000?", {}),  # an offer, not two o'clock
        ("voor 15k?", {}),
        ("om 14.00", {"at": time(14)}),
        # a day ruled out is not the day wanted
        ("oh wacht, donderdag lukt niet, wordt vrijdag 10 uur", {"day": date(2026, 12, 11), "at": time(10)}),
        ("niet donderdag maar vrijdag", {"day": date(2026, 12, 11)}),
        ("Thursday does not work, Friday at 10am?", {"day": date(2026, 12, 11), "at": time(10)}),
        ("donderdag of vrijdag", {"day": date(2026, 12, 10)}),  # alternatives: the first
        ("Thursday after work, say 5.30pm", {"day": date(2026, 12, 10), "at": time(17, 30)}),  # not 18:00
    ],
)
def test_dutch_days_and_times(text, expected):
    assert resolve(text, MONDAY, TZ).model_dump(exclude_defaults=True) == expected


def test_dates_resolve_in_the_dealers_zone():
    # 23:30 UTC on Monday is already Tuesday in Harderwijk: "morgen" is Wednesday.
    late = datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc)
    assert resolve("morgen", late, TZ).day == date(2026, 12, 9)


def test_a_new_day_replaces_the_earlier_one_and_keeps_the_time():
    first = resolve("zaterdag om 11 uur", MONDAY, TZ)
    assert resolve("doe maar vrijdag", MONDAY, TZ).merged_over(first) == WhenWish(day=date(2026, 12, 11), at=time(11))
    assert resolve("liever 14:00", MONDAY, TZ).merged_over(first) == WhenWish(day=date(2026, 12, 12), at=time(14))


def test_holidays_and_closed_days_have_no_slots():
    assert holiday_name(date(2026, 12, 26)) and not day_slots(DEALER, date(2026, 12, 26))  # tweede kerstdag
    assert holiday_name(date(2027, 4, 27)) and not day_slots(DEALER, date(2027, 4, 27))  # Koningsdag
    assert holiday_name(date(2027, 5, 6)) and not day_slots(DEALER, date(2027, 5, 6))  # Hemelvaartsdag
    assert not day_slots(DEALER, date(2026, 12, 13))  # Sunday: not in the opening hours
    saturday = day_slots(DEALER, date(2026, 12, 12))
    assert saturday[0].time() == time(9) and saturday[-1].time() == time(16, 30)  # closes at 17:00
    closed = DEALER.model_copy(update={"closed_dates": [date(2026, 12, 12)]})
    assert not day_slots(closed, date(2026, 12, 12))


def test_lead_time_horizon_capacity_and_one_car_once():
    free = free_slots(DEALER, [], MONDAY, [POLO.id])
    assert free[0] == MONDAY + timedelta(hours=2)  # two hours' lead time
    assert max(free).date() <= (MONDAY + timedelta(days=21)).date()
    saturday_11 = datetime(2026, 12, 12, 11, tzinfo=TZ)
    end = saturday_11 + timedelta(minutes=30)
    polo_taken = [Busy(start=saturday_11, end=end, car_id=POLO.id)]
    assert saturday_11 not in free_slots(DEALER, polo_taken, MONDAY, [POLO.id])
    assert saturday_11 in free_slots(DEALER, polo_taken, MONDAY, [GOLF.id])  # two at once
    full = polo_taken + [Busy(start=saturday_11, end=end, car_id="sample-050")]
    assert saturday_11 not in free_slots(DEALER, full, MONDAY, [GOLF.id])
    day_off = [Busy(start=datetime(2026, 12, 12, 0, tzinfo=TZ), end=datetime(2026, 12, 13, 0, tzinfo=TZ))]
    assert not [s for s in free_slots(DEALER, day_off, MONDAY, [GOLF.id]) if s.date() == date(2026, 12, 12)]


def test_nearest_offers_two_or_three_close_to_the_wish():
    saturday_11 = datetime(2026, 12, 12, 11, tzinfo=TZ)
    free = [s for s in free_slots(DEALER, [], MONDAY, [POLO.id]) if s != saturday_11]
    offered = nearest(free, WhenWish(day=saturday_11.date(), at=time(11)), TZ)
    assert [s.time() for s in offered] == [time(10, 30), time(11, 30), time(10)]
    whole_day = nearest(free, WhenWish(day=saturday_11.date()), TZ)
    assert len(whole_day) == 3 and whole_day[0].time() == time(9) and whole_day[-1].time() >= time(16)
    after_five = nearest(free, WhenWish(earliest=time(17)), TZ)
    assert all(s.time() >= time(17) for s in after_five) and after_five[0].date() == date(2026, 12, 7)


# --- the dialogue ---------------------------------------------------------------------------
def _free(busy: list[Busy]):
    return lambda car_ids, ignore: free_slots(DEALER, busy, MONDAY, car_ids)


def _plan(text: str, dialogue: TestDriveDialogue, candidates=(POLO,), busy=(), extraction=None):
    extraction = extraction or ExtractionOutput(test_drive_requested="proefrit" in text)
    cue = booking_cue(text, ConversationContext(test_drive=dialogue), extraction)
    return plan_booking(cue=cue, dialogue=dialogue, candidates=list(candidates), text=text, now=MONDAY,
                        dealer=DEALER, free_for=_free(list(busy)))


def test_day_and_time_free_books_with_everything_said_once():
    plan = _plan("kan ik zaterdag om 11 uur een proefrit maken?", TestDriveDialogue())
    assert plan.action == "book" and plan.start == datetime(2026, 12, 12, 11, tzinfo=TZ)
    note = plan.note
    for part in ("staat vast", "Zaterdag 12 december om 11:00", POLO.title, "Zuiderbreedte 22, 3845 MC Harderwijk", "rijbewijs"):
        assert note.count(part) == 1, part


def test_asap_offers_the_first_free_slots_and_the_customer_picks():
    plan = _plan("zo snel mogelijk een proefrit graag", TestDriveDialogue())
    assert plan.action == "offer" and plan.dialogue.offered[0] == MONDAY + timedelta(hours=2)
    picked = _plan("de tweede", plan.dialogue)
    assert picked.action == "book" and picked.start == plan.dialogue.offered[1]


def test_day_only_then_a_time():
    plan = _plan("kan ik zaterdag een proefrit maken?", TestDriveDialogue())
    assert plan.action == "offer" and {s.date() for s in plan.dialogue.offered} == {date(2026, 12, 12)}
    picked = _plan("11 uur", plan.dialogue)
    assert picked.action == "book" and picked.start == datetime(2026, 12, 12, 11, tzinfo=TZ)


def test_doe_maar_zaterdag_after_offers_on_several_days():
    offered = [datetime(2026, 12, 11, 15, tzinfo=TZ), datetime(2026, 12, 12, 10, tzinfo=TZ), datetime(2026, 12, 14, 9, tzinfo=TZ)]
    dialogue = TestDriveDialogue(car=POLO, offered=offered, open_question="slot")
    picked = _plan("doe maar zaterdag", dialogue)
    assert picked.action == "book" and picked.start == offered[1]


def test_taken_slot_gets_alternatives():
    saturday_11 = datetime(2026, 12, 12, 11, tzinfo=TZ)
    busy = [Busy(start=saturday_11, end=saturday_11 + timedelta(minutes=30), car_id=POLO.id)]
    plan = _plan("kan ik zaterdag om 11 uur een proefrit maken?", TestDriveDialogue(), busy=busy)
    assert plan.action == "offer" and "al bezet" in plan.note and len(plan.dialogue.offered) == 3
    assert saturday_11 not in plan.dialogue.offered


def test_several_cars_ask_which_then_book_with_the_remembered_time():
    plan = _plan("kan ik zaterdag om 11 uur een proefrit maken in de golf?", TestDriveDialogue(), candidates=[POLO, GOLF])
    assert plan.action == "ask_car" and "1. " + POLO.title in plan.note
    picked = _plan("de tweede", plan.dialogue, candidates=[])
    assert picked.action == "book" and picked.car.id == GOLF.id and picked.start.time() == time(11)


def _booked(start: datetime, car=POLO, booking_id="testdrive-1") -> TestDriveDialogue:
    return TestDriveDialogue(bookings=[BookedDrive(booking_id=booking_id, car_id=car.id, car_title=car.title,
                                                   start=start, end=start + timedelta(minutes=30))])


def test_move_and_cancel():
    dialogue = _booked(datetime(2026, 12, 12, 11, tzinfo=TZ))
    moved = _plan("kan het vrijdag worden?", dialogue, candidates=[])
    assert moved.action == "move" and moved.start == datetime(2026, 12, 11, 11, tzinfo=TZ) and moved.booking_id == "testdrive-1"
    assert "verzet naar vrijdag 11 december om 11:00" in moved.note
    cancelled = _plan("ik kan toch niet", dialogue, candidates=[])
    assert cancelled.action == "cancel" and cancelled.booking_id == "testdrive-1" and "geannuleerd" in cancelled.note
    assert not cancelled.dialogue.bookings and cancelled.dialogue.open_question == "slot"  # a new time offered
    assert booking_cue("ik kan toch niet", ConversationContext(), ExtractionOutput()) == BookingCue()  # nothing booked


def test_two_cars_back_to_back():
    dialogue = _booked(datetime(2026, 12, 12, 11, tzinfo=TZ))
    plan = _plan("en dan direct erna een proefrit in de golf", dialogue, candidates=[GOLF])
    assert plan.action == "book" and plan.start == datetime(2026, 12, 12, 11, 30, tzinfo=TZ)
    assert len(plan.dialogue.bookings) == 2
    assert "11:30" in plan.note and GOLF.title in plan.note and "Zuiderbreedte" not in plan.note  # the address once


def test_a_weekday_in_a_move_means_that_week_of_the_booking():
    dialogue = _booked(datetime(2026, 12, 22, 14, tzinfo=TZ))  # Tuesday in two weeks
    moved = _plan("doe toch maar woensdag", dialogue, candidates=[])
    assert moved.action == "move" and moved.start == datetime(2026, 12, 23, 14, tzinfo=TZ)
    soon = _plan("kan het vrijdag worden?", _booked(datetime(2026, 12, 12, 11, tzinfo=TZ)), candidates=[])
    assert soon.start == datetime(2026, 12, 11, 11, tzinfo=TZ)
