"""SLA timers of EscalationWorkflow on the time-skipping server: ack in time, chase, opening hours."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest_asyncio
from temporalio.worker import Worker

from activities.escalation import escalation_activities
from agents.knowledge.dealer import WEEKDAYS, load_dealer
from config import PROJECT_ROOT
from tests.peers.smtp import SmtpPeer
from tests.pipeline import skip_to_open_morning
from tests.peers.waha import WahaPeer
from tests.test_escalation_workflow import eventually, make_input, make_settings
from workflows.escalation import EscalationWorkflow
from workflows.models import Acknowledgement, Resolution

SPECIALIST_CHAT = "31611111111@c.us"
MANAGER_CHAT = "31699999999@c.us"


@pytest_asyncio.fixture
async def skipping(time_env):
    """This test's own time-skipping server (conftest registers our search attributes)."""
    return time_env


def dealer_open(closed: list[date] | None = None):
    """Open every day 00:00-23:59, minus `closed` dates.

    The one closed minute before midnight moves a deadline that spans it by a minute: tests that
    count minutes first skip to the morning (`skip_to_open_morning`).
    """
    base = load_dealer(PROJECT_ROOT / "dealer.yaml")
    return base.model_copy(update={"opening_hours": {day: "00:00-23:59" for day in WEEKDAYS},
                                   "closed_dates": closed or []})


async def start(env, task_queue, urgency="high"):
    input = make_input("conversation-gone", urgency)  # no parent: closing must tolerate that
    # The server's clock runs ahead of the wall clock once tests skip time: start on its clock.
    input.started_at = await env.get_current_time()
    handle = await env.client.start_workflow(EscalationWorkflow.run, input, id=input.escalation_id,
                                             task_queue=task_queue)

    async def alerted():
        status = await handle.query(EscalationWorkflow.status)
        return status if status.state != "alerting" else None

    return handle, await eventually(alerted)


async def status_of(handle):
    return await handle.query(EscalationWorkflow.status)


async def test_acknowledged_in_time_means_no_chasing(skipping, task_queue, tmp_path):
    await skip_to_open_morning(skipping, dealer_open())
    with WahaPeer() as waha, SmtpPeer() as smtp:
        settings = make_settings(tmp_path, waha, smtp, None)
        async with Worker(skipping.client, task_queue=task_queue, workflows=[EscalationWorkflow],
                          activities=escalation_activities(settings, dealer=dealer_open())):
            handle, status = await start(skipping, task_queue, urgency="high")  # SLA 15 min
            started = await skipping.get_current_time()
            assert status.sla_deadline - started < timedelta(minutes=16)
            await skipping.sleep(timedelta(minutes=10))
            await handle.signal(EscalationWorkflow.acknowledge, Acknowledgement(by="Sanne", via="cli"))
            await skipping.sleep(timedelta(hours=2))
            status = await status_of(handle)
            assert status.state == "acknowledged" and status.reminders_sent == 0
            assert not status.manager_alerted
            assert len(waha.sent) == 1 and len(smtp.received) == 1
            await handle.signal(EscalationWorkflow.resolve, Resolution(by="Sanne"))
            final = await asyncio.wait_for(handle.result(), 20)
            assert final.state == "resolved" and final.reminders_sent == 0


async def test_no_ack_chases_specialist_and_manager_at_the_deadline(skipping, task_queue, tmp_path):
    await skip_to_open_morning(skipping, dealer_open())
    with WahaPeer() as waha, SmtpPeer() as smtp:
        settings = make_settings(tmp_path, waha, smtp, None)
        async with Worker(skipping.client, task_queue=task_queue, workflows=[EscalationWorkflow],
                          activities=escalation_activities(settings, dealer=dealer_open())):
            handle, status = await start(skipping, task_queue, urgency="high")
            deadline = status.sla_deadline
            await skipping.sleep(deadline - await skipping.get_current_time() - timedelta(minutes=1))
            await asyncio.sleep(0.3)
            assert (await status_of(handle)).reminders_sent == 0
            assert waha.texts_for(MANAGER_CHAT) == []

            await skipping.sleep(timedelta(minutes=2))

            async def chased():
                current = await status_of(handle)
                return current if current.manager_alerted and len(smtp.received) >= 2 else None

            status = await eventually(chased)
            assert status.reminders_sent == 1
            [reminder] = [text for text in waha.texts_for(SPECIALIST_CHAT) if text.startswith("⏰")]
            assert "HERINNERING 1" in reminder and "wacht al 15 min" in reminder
            [manager_alert] = waha.texts_for(MANAGER_CHAT)
            assert manager_alert.startswith("🚨 NIET OPGEPAKT: Finance Advisor")
            overdue = smtp.received[-1]
            assert overdue.message["To"] == "manager@seldenrijk.nl"
            assert "NIET OPGEPAKT" in overdue.subject and "nog door niemand opgepakt" in overdue.body

            # A second round after another SLA period, then no more: chasing is bounded.
            await skipping.sleep(timedelta(minutes=16))
            assert (await eventually(lambda: _reminders_at_least(handle, 2))) is True
            await skipping.sleep(timedelta(hours=6))
            await asyncio.sleep(0.3)
            status = await status_of(handle)
            assert status.reminders_sent == 2 and status.state == "waiting_ack"
            assert len(waha.texts_for(MANAGER_CHAT)) == 2

            await handle.signal(EscalationWorkflow.resolve, Resolution(outcome="teruggebeld", via="api"))
            final = await asyncio.wait_for(handle.result(), 20)
            assert final.acknowledged.via == "api" and final.resolution.outcome == "teruggebeld"


async def _reminders_at_least(handle, count: int) -> bool:
    return (await status_of(handle)).reminders_sent >= count


async def test_outside_opening_hours_the_clock_waits_for_opening(skipping, task_queue, tmp_path):
    now = await skipping.get_current_time()
    dealer = dealer_open()
    today = now.astimezone(dealer.tz).date()
    # Closed today and tomorrow (crossing midnight during the test changes nothing): opens the day after.
    dealer = dealer.model_copy(update={"closed_dates": [today, today + timedelta(days=1)]})
    opening = datetime.combine(today + timedelta(days=2), time(0, 0), tzinfo=dealer.tz)
    with WahaPeer() as waha:
        settings = make_settings(tmp_path, waha, None, None)
        async with Worker(skipping.client, task_queue=task_queue, workflows=[EscalationWorkflow],
                          activities=escalation_activities(settings, dealer=dealer)):
            handle, status = await start(skipping, task_queue, urgency="critical")  # SLA 5 min
            assert status.sla_deadline == opening + timedelta(minutes=5)
            await skipping.sleep(opening + timedelta(minutes=4) - await skipping.get_current_time())
            await asyncio.sleep(0.3)
            assert (await status_of(handle)).reminders_sent == 0  # a night and a day passed: not late yet
            await skipping.sleep(timedelta(minutes=2))
            assert (await eventually(lambda: _reminders_at_least(handle, 1))) is True
            assert len(waha.texts_for(MANAGER_CHAT)) == 1
            await handle.signal(EscalationWorkflow.resolve, Resolution())
            await asyncio.wait_for(handle.result(), 20)


async def test_forgotten_escalation_expires_after_two_weeks(skipping, task_queue, tmp_path):
    settings = make_settings(tmp_path, None, None, None)
    async with Worker(skipping.client, task_queue=task_queue, workflows=[EscalationWorkflow],
                      activities=escalation_activities(settings, dealer=dealer_open())):
        handle, _ = await start(skipping, task_queue, urgency="low")
        await handle.signal(EscalationWorkflow.acknowledge, Acknowledgement(by="Piet"))
        final = await asyncio.wait_for(handle.result(), 30)  # the server skips the 14 days
        assert final.state == "resolved" and final.resolution.outcome == "expired"
        assert final.acknowledged.by == "Piet"
