"""Issue 17, follow-ups for quiet leads: the timing rules as pure functions (no Temporal), the
texts in nl/nl-u/en/de, and end to end on the time-skipping server: one follow-up at the right
moment with a lower task-queue priority, a second only 3 days later, none after STOP."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from agents.followup import (
    FollowUpFacts,
    add_opening_hours,
    draft_follow_up,
    is_open,
    is_question,
    plan_follow_up,
    why_not,
)
from agents.knowledge.dealer import dealer_facts
from config import PROJECT_ROOT
from tests.pipeline import (eventually, events_of_every_run, make_settings, pipeline, random_phone,
                            skip_to_open_morning)
from tests.waha_events import message_event

DEALER = dealer_facts(PROJECT_ROOT / "dealer.yaml")  # ma-vr 9-18, za 9-17, zondag dicht
AMS = DEALER.tz
FRIDAY_16 = datetime(2026, 11, 27, 16, 0, tzinfo=AMS)


def facts(**changes) -> FollowUpFacts:
    base = dict(lead_quality="WARM", last_customer_at=FRIDAY_16, last_customer_text="Staat de Golf Variant nog?",
                answered=True)
    return FollowUpFacts(**{**base, **changes})


def test_quiet_time_is_counted_in_opening_hours():
    # Friday 16:00 + 24 opening hours: Fri 2 h, Sat 8 h, (Sunday closed), Mon 9 h, Tue 5 h -> Tue 14:00.
    assert add_opening_hours(FRIDAY_16, 24, DEALER) == datetime(2026, 12, 1, 14, 0, tzinfo=AMS)
    # Christmas: 25 and 26 December are public holidays, closed.
    assert add_opening_hours(datetime(2026, 12, 24, 17, 0, tzinfo=AMS), 2, DEALER) == datetime(2026, 12, 28, 10, 0, tzinfo=AMS)
    assert not is_open(datetime(2026, 11, 29, 12, 0, tzinfo=AMS), DEALER)  # a Sunday


def test_a_warm_answered_question_gets_one_then_a_second_three_days_later():
    first = plan_follow_up(facts(), DEALER)
    assert first.at == datetime(2026, 12, 1, 14, 0, tzinfo=AMS) and is_open(first.at, DEALER)
    sent_at = first.at
    second = plan_follow_up(facts(follow_ups_sent=1, last_follow_up_at=sent_at), DEALER)
    assert second.at == sent_at + timedelta(days=3)  # Friday 14:00, open
    assert plan_follow_up(facts(follow_ups_sent=2, last_follow_up_at=second.at), DEALER).at is None
    # three days after a Saturday-afternoon follow-up is a Tuesday... and after Friday 17:30 a closed evening:
    late = plan_follow_up(facts(follow_ups_sent=1, last_follow_up_at=datetime(2026, 12, 3, 17, 30, tzinfo=AMS)), DEALER)
    assert late.at == datetime(2026, 12, 7, 9, 0, tzinfo=AMS)  # Sunday closed, Monday at opening


@pytest.mark.parametrize("changes, reason", [
    ({"opted_out": True}, "STOP"),
    ({"follow_ups_allowed": False}, "elders"),
    ({"last_customer_text": "Ik heb al een auto gekocht bij een andere dealer, bedankt"}, "elders"),
    ({"escalation_open": True}, "escalatie"),
    ({"test_drive_booked": True}, "proefrit"),
    ({"human_active": True}, "collega"),
    ({"lead_quality": "LUKEWARM"}, "LUKEWARM"),
    ({"lead_quality": "COLD"}, "COLD"),
    ({"answered": False}, "beantwoorde vraag"),
    ({"last_customer_text": "Oké, bedankt!"}, "beantwoorde vraag"),
    ({"follow_ups_sent": 2}, "al 2"),
    ({"enabled": False}, "FOLLOW_UP_ENABLED"),
])
def test_never(changes, reason):
    assert reason in why_not(facts(**changes)) and plan_follow_up(facts(**changes), DEALER).at is None


def test_questions_in_three_languages():
    assert is_question("Wat kost hij per maand") and is_question("Is the Golf still available")
    assert is_question("Gibt es den noch?") and not is_question("Top, dank je wel.")


def test_the_texts_are_short_specific_and_in_every_language():
    now = datetime(2026, 12, 3, 10, 0, tzinfo=AMS)  # a Thursday: the next open day is tomorrow
    first = draft_follow_up(number=1, now=now, dealer=DEALER, language="nl", address_form="je", name="Sanne de Vries",
                            car="Volkswagen Golf Variant")
    assert first.text == "Hoi Sanne, de Volkswagen Golf Variant staat er nog: zal ik morgen een proefrit voor je inplannen?"
    saturday = draft_follow_up(number=1, now=now + timedelta(days=2), dealer=DEALER, language="nl", address_form="je",
                               name="Sanne", car="Volkswagen Golf Variant")
    assert "zal ik maandag een proefrit" in saturday.text  # Sunday is closed
    u = draft_follow_up(number=1, now=now, dealer=DEALER, language="nl", address_form="u", name="Sanne", car="Golf")
    assert "voor u inplannen" in u.text and " je " not in u.text
    en = draft_follow_up(number=1, now=now, dealer=DEALER, language="en", address_form="je", name=None, car="Golf")
    assert en.text == "Hi, the Golf is still available: shall I book a test drive for you tomorrow?"
    monday = draft_follow_up(number=1, now=now + timedelta(days=2), dealer=DEALER, language="en", address_form="je",
                             name=None, car="Golf")
    assert monday.text.endswith("for you on Monday?")
    de = draft_follow_up(number=1, now=now, dealer=DEALER, language="de", address_form="je", name="Jan", car="Golf")
    assert de.text.startswith("Hallo Jan, der Golf ist noch da") and "Soll ich morgen eine Probefahrt" in de.text
    second = draft_follow_up(number=2, now=now, dealer=DEALER, language="nl", address_form="je", name="Sanne", car="Golf")
    assert second.text != first.text and "Golf" in second.text
    sold = draft_follow_up(number=1, now=now, dealer=DEALER, language="nl", address_form="je", name="Sanne",
                           car="Golf", car_sold=True, alternative="Volkswagen Golf")
    assert "verkocht" in sold.text and "Volkswagen Golf lijkt er veel op" in sold.text
    nothing = draft_follow_up(number=1, now=now, dealer=DEALER, language="nl", address_form="je", name="Sanne",
                              car="Golf", car_sold=True)
    assert nothing.text is None  # sold without an alternative: no follow-up
    wish = draft_follow_up(number=1, now=now, dealer=DEALER, language="nl", address_form="je", name="Sanne", car=None,
                           wish="Volkswagen Golf")
    assert wish.text.startswith("Hoi Sanne, zoek je nog een Volkswagen Golf?")


# --- end to end on the time-skipping server ------------------------------------------------------
async def _sends(p, chat: str) -> list[str]:
    return p.waha.texts_for(chat)


async def test_a_follow_up_fires_once_at_the_planned_moment_and_none_after_stop(time_env, task_queue, tmp_path):
    from temporalio.api.enums.v1 import EventType

    from prometheus_client import REGISTRY

    def sent_metric() -> float:
        return REGISTRY.get_sample_value("seldenrijk_follow_ups_sent_total", {"number": "1"}) or 0.0

    lead, stopped = random_phone(), random_phone()
    before = sent_metric()
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(lead, "Hoi, staat de Golf nog? Wat kost hij per maand?", name="Sanne"))
        await p.post(message_event(stopped, "Hoi, staat de Golf nog?", name="Piet"))
        planned = await p.wait_until(lead, lambda s: s.messages_processed == 1 and s.follow_up_at is not None, timeout=60)
        assert planned.last_crm.lead_quality in ("WARM", "HOT"), planned.follow_up_reason
        await p.wait_until(stopped, lambda s: s.messages_processed == 1 and s.follow_up_at is not None, timeout=60)
        await p.post(message_event(stopped, "STOP"))
        after_stop = await p.wait_until(stopped, lambda s: s.messages_processed == 2, timeout=60)
        assert after_stop.follow_up_at is None and "STOP" in after_stop.follow_up_reason
        lead_chat, stopped_chat = f"{lead}@c.us", f"{stopped}@c.us"
        replies = len(p.waha.texts_for(lead_chat))
        stopped_replies = len(p.waha.texts_for(stopped_chat))

        now = await time_env.get_current_time()
        await time_env.sleep(planned.follow_up_at - now - timedelta(minutes=5))
        assert len(p.waha.texts_for(lead_chat)) == replies  # not a minute early
        await time_env.sleep(timedelta(minutes=10))
        sent = await p.waha.wait_for(replies + 1, lead_chat, timeout=60)
        follow_up = sent[-1]["text"]
        assert follow_up.startswith("Hoi Sanne") and "Golf" in follow_up and "proefrit" in follow_up
        state = await p.wait_until(lead, lambda s: s.follow_ups_sent == 1, timeout=60)
        assert is_open(state.last_follow_up_at, DEALER)  # never outside opening hours
        assert sent_metric() == before + 1
        assert state.follow_up_at is not None and state.follow_up_at - state.last_follow_up_at >= timedelta(days=3)

        await time_env.sleep(timedelta(days=2))
        assert len(p.waha.texts_for(lead_chat)) == replies + 1  # once: the second waits 3 days
        await time_env.sleep(timedelta(days=3))
        await p.waha.wait_for(replies + 2, lead_chat, timeout=60)
        await time_env.sleep(timedelta(days=14))
        assert len(p.waha.texts_for(lead_chat)) == replies + 2  # FOLLOW_UP_MAX = 2
        assert len(p.waha.texts_for(stopped_chat)) == stopped_replies  # never after STOP
        final = await p.snapshot(lead)
        assert final.follow_ups_sent == 2 and final.follow_up_at is None

        # Follow-ups are not customer replies: their send is scheduled with a lower priority (key 5).
        events = await events_of_every_run(p.client, f"conversation-{lead}")  # it continued as new when quiet
        keys = [
            (event.activity_task_scheduled_event_attributes.priority.priority_key,
             "follow-up" in event.user_metadata.summary.data.decode())
            for event in events
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            and event.activity_task_scheduled_event_attributes.activity_type.name == "send_whatsapp"
        ]
        assert sorted(key for key, _ in keys) == [0] * replies + [5, 5]
        timers = [event for event in events if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
        follow_up_timers = [e for e in timers if e.user_metadata.summary.data.decode().strip('"') == "follow-up"]
        assert len(follow_up_timers) >= 2  # the Temporal UI shows each as a pending timer named "follow-up"


async def test_a_new_message_resets_the_timer_and_it_survives_continue_as_new(time_env, task_queue, tmp_path):
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput, InboundMessage

    phone = random_phone()
    await skip_to_open_morning(time_env, DEALER)  # both messages fall in opening hours
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = await p.client.start_workflow(
            ConversationWorkflow.run,
            ConversationInput(chat_id=f"{phone}@c.us", phone=f"+{phone}", messages_per_run=1),
            id=f"conversation-{phone}", task_queue=task_queue,
        )
        first_run = handle.result_run_id
        await p.post(message_event(phone, "Hoi, staat de Golf nog?", name="Sanne"))

        async def continued():
            return (await handle.describe()).run_id != first_run

        await eventually(continued, timeout=60)  # one message per run: the plan is carried into the new run
        first = await p.wait_until(phone, lambda s: s.messages_processed == 1 and s.follow_up_at is not None, timeout=60)
        first_run_history = await p.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()
        assert first_run_history.events[-1].workflow_execution_continued_as_new_event_attributes.input.payloads

        await time_env.sleep(timedelta(hours=3))
        # The customer writes three (skipped) hours later: the webhook's clock does not skip, so the
        # message is signalled as WAHA's webhook would have delivered it then.
        later = await time_env.get_current_time()
        second_run = (await handle.describe()).run_id
        await handle.signal("new_message", InboundMessage(
            message_id=f"later-{phone}", chat_id=f"{phone}@c.us", phone=f"+{phone}", text="En wat kost hij per maand?",
            sent_at=later, received_at=later,
        ))
        # Query only once this run has continued as new: a query that meets a run as it closes
        # leaves the time-skipping server's clock locked, and the skips below would hang.
        await eventually(lambda: _run_changed(handle, second_run), timeout=60)
        second = await p.wait_until(phone, lambda s: s.messages_processed == 2, timeout=60)
        assert second.follow_up_at > first.follow_up_at  # counted again from the new message
        replies = len(p.waha.texts_for(f"{phone}@c.us"))
        now = await time_env.get_current_time()
        await time_env.sleep(first.follow_up_at - now + timedelta(minutes=5))
        assert len(p.waha.texts_for(f"{phone}@c.us")) == replies  # the old moment passed without a follow-up
        await time_env.sleep(second.follow_up_at - first.follow_up_at)
        await p.waha.wait_for(replies + 1, f"{phone}@c.us", timeout=60)


async def _run_changed(handle, run_id: str) -> bool:
    return (await handle.describe()).run_id != run_id


class _Stock:
    """The catalog's one method the follow-up uses, over a real index of the shipped sample stock."""

    def __init__(self, index):
        self._index = index

    def index(self):
        return self._index


def _sample_stock(tmp_path, sold_ids: set[str]):
    from activities.inventory import InventoryActivities
    from config import Settings
    from inventory.search import InventoryIndex

    settings = Settings(_env_file=None, data_dir=tmp_path, inventory_sources=["sample"])
    cars = InventoryActivities(settings).catalog.index().cars
    cars = [car.model_copy(update={"sold": car.id in sold_ids}) for car in cars]
    return settings, _Stock(InventoryIndex(cars, is_sample=True))


async def test_at_the_moment_every_rule_is_checked_again(tmp_path):
    from activities.followup import FollowUpActivities, PrepareFollowUpRequest

    settings, stock = _sample_stock(tmp_path, set())
    golfs = [car for car in stock.index().cars if car.model == "Golf"]
    lonely = next(car for car in stock.index().cars
                  if sum(other.model == car.model and other.make == car.make for other in stock.index().cars) == 1)
    open_moment = datetime(2026, 12, 3, 10, 0, tzinfo=AMS)

    async def prepare(sold: set[str], car, now=open_moment, **changes):
        settings_, stock_ = _sample_stock(tmp_path, sold)
        request = PrepareFollowUpRequest(facts=facts(**changes), number=1, now=now, name="Sanne", car_id=car.id,
                                         car=f"{car.make} {car.model}")
        return await FollowUpActivities(settings_, stock_).prepare_follow_up(request)

    still = await prepare(set(), golfs[0])
    assert still.draft.text.startswith("Hoi Sanne, de Volkswagen Golf staat er nog")
    sold = await prepare({golfs[0].id}, golfs[0])
    assert "Golf is inmiddels verkocht, maar de Volkswagen Golf" in sold.draft.text and "lijkt er veel op" in sold.draft.text
    everything = {car.id for car in stock.index().cars}
    gone = await prepare(everything, lonely)  # sold, and nothing like it left
    assert gone.draft.text is None and "geen alternatief" in gone.reason
    sunday = await prepare(set(), golfs[0], now=datetime(2026, 12, 6, 12, 0, tzinfo=AMS))
    assert sunday.draft is None and sunday.retry_at == datetime(2026, 12, 7, 9, 0, tzinfo=AMS)
    stopped = await prepare(set(), golfs[0], opted_out=True)
    assert stopped.draft is None and "STOP" in stopped.reason
    off = await FollowUpActivities(settings.model_copy(update={"follow_up_enabled": False}), stock).prepare_follow_up(
        PrepareFollowUpRequest(facts=facts(), number=1, now=open_moment, car_id=golfs[0].id))
    assert off.draft is None and "FOLLOW_UP_ENABLED" in off.reason


def test_the_quiet_time_counts_from_our_answer():
    # Asked Friday 16:00, answered (after a backlog) Saturday 10:00: 24 opening hours from the answer.
    answered = datetime(2026, 11, 28, 10, 0, tzinfo=AMS)
    plan = plan_follow_up(facts(answered_at=answered), DEALER)
    assert plan.at == add_opening_hours(answered, 24, DEALER) == datetime(2026, 12, 1, 17, 0, tzinfo=AMS)  # Sat 7 h, Mon 9 h, Tue 8 h
