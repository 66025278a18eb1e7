"""A running pipeline for tests: real worker on the real dev server, the real API app, a WAHA peer."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from agents.followup import is_open
from agents.slots import open_hours
from config import Settings, reveal
from starter.api import create_app
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.waha import WahaPeer
from worker.build import running_worker
from workflows.conversation import ConversationWorkflow
from workflows.models import ConversationSnapshot, conversation_workflow_id


async def skip_to_open_morning(env, dealer, at: dt_time = dt_time(10)) -> datetime:
    """Skip a time-skipping server to the next `at` (dealer's time) when the dealer is open from then
    until four hours later, and return that moment.

    Tests that count opening hours or minutes start there, so they do not depend on the hour they
    run (at night both of two messages three hours apart count from the same opening).
    """
    now = (await env.get_current_time()).astimezone(dealer.tz)
    for offset in range(0, 30):
        moment = datetime.combine(now.date() + timedelta(days=offset), at, tzinfo=dealer.tz)
        if moment > now and is_open(moment, dealer) and is_open(moment + timedelta(hours=4), dealer):
            await env.sleep(moment - now)
            return moment
    raise AssertionError("the dealer is not open in the next 30 days")


async def skip_to_an_ordinary_monday(env, dealer, at: dt_time = dt_time(10)) -> datetime:
    """Skip a time-skipping server to `at` on the next Monday of two ordinary weeks: every day
    Monday to Saturday of it and the week after open as usual (no holiday, no closed date).

    For chats that name weekdays ("zaterdag om 11 uur", "volgende week dinsdag"): played on the
    real clock they fail on a Saturday morning or in the week of Christmas.
    """
    now = (await env.get_current_time()).astimezone(dealer.tz)
    day = now.date() + timedelta(days=(7 - now.weekday()) % 7 or 7)
    for _ in range(60):
        fortnight = [day + timedelta(days=offset) for offset in range(14) if (day + timedelta(days=offset)).weekday() < 6]
        if all(open_hours(dealer, each) == dealer.hours_on(each) is not None for each in fortnight):
            moment = datetime.combine(day, at, tzinfo=dealer.tz)
            await env.sleep(moment - now)
            return moment
        day += timedelta(days=7)
    raise AssertionError("no two ordinary weeks in the next 60")


async def eventually(check, timeout: float = 30.0, interval: float = 0.05):
    """Poll `check` (plain or async) until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def events_of_every_run(client, workflow_id: str) -> list:
    """The history events of a workflow's runs, oldest run first (it continues as new when the chat
    goes quiet), following each run's `continued_execution_run_id` back to the first."""
    runs = []
    handle = client.get_workflow_handle(workflow_id)
    while True:
        history = await handle.fetch_history()
        runs.append(list(history.events))
        previous = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        if not previous:
            break
        handle = client.get_workflow_handle(workflow_id, run_id=previous)
    return [event for run in reversed(runs) for event in run]


def random_phone() -> str:
    return "3169" + "".join(random.choice("0123456789") for _ in range(7))


def make_settings(tmp_path: Path, task_queue: str, **overrides) -> Settings:
    values = dict(
        data_dir=tmp_path,
        temporal_task_queue=task_queue,
        inventory_sources=["sample"],
        waha_api_key="test-waha-key",
        # Most tests send a message and wait for its answer: no burst window to wait out. The burst
        # tests (tests/test_burst*.py) set it, as production does by default (2 s).
        coalesce_seconds=0.0,
        # A test's conversations outlive it on the shared time-skipping server; a pending quiet timer
        # there would wake a workflow whose worker is gone and hold up the next test's clock. The
        # quiet continue-as-new has its own tests (tests/test_history_cost.py), which set it.
        quiet_continue_seconds=0.0,
        _env_file=None,
    )
    values.update(overrides)
    return Settings(**values)


def make_chatwoot_settings(tmp_path: Path, task_queue: str, peer: ChatwootPeer, webhook_secret: str, **overrides) -> Settings:
    """`make_settings` with the Chatwoot peer configured as the CRM."""
    return make_settings(
        tmp_path,
        task_queue,
        chatwoot_base_url=peer.url,
        chatwoot_api_token=peer.api_token,
        chatwoot_account_id=peer.account_id,
        chatwoot_inbox_id=peer.inbox_id,
        chatwoot_webhook_secret=webhook_secret,
        **overrides,
    )


@dataclass
class Pipeline:
    client: Client
    settings: Settings
    http: httpx.AsyncClient
    waha: WahaPeer | None
    app: Any = None

    async def post(self, body: dict | bytes, headers: dict | None = None, *, delivered: bool = True) -> httpx.Response:
        """POST to the WAHA webhook; with `delivered`, return once the intake handed what it queued
        to Temporal (the webhook answers before that), so a test's next step sees it in the workflow."""
        if isinstance(body, bytes):
            response = await self.http.post("/webhook/waha", content=body, headers=headers or {})
        else:
            response = await self.http.post("/webhook/waha", json=body, headers=headers or {})
        if delivered and response.status_code == 200 and response.json().get("status") == "queued":
            await self.delivered()
        return response

    async def delivered(self, timeout: float = 30.0) -> None:
        """Until the intake holds no message waiting for Temporal."""
        store = self.app.state.intake_forwarder.store
        await eventually(lambda: store.backlog()["waiting"] == 0, timeout=timeout, interval=0.002)

    async def snapshot(self, phone: str) -> ConversationSnapshot:
        handle = self.client.get_workflow_handle(conversation_workflow_id(phone))
        return await handle.query(ConversationWorkflow.state)

    async def wait_until(self, phone: str, predicate, timeout: float = 20.0) -> ConversationSnapshot:
        """Poll the state query until `predicate` holds.

        On the time-skipping server, do not poll while a run continues as new: a query that meets
        the closing run leaves the server's clock locked, so later skips hang.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                snapshot = await self.snapshot(phone)
                if predicate(snapshot):
                    return snapshot
            except Exception:  # noqa: BLE001 - not started yet
                snapshot = None
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met in {timeout}s; last state: {snapshot}")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def pipeline(
    client: Client, settings: Settings, *, with_waha: bool = True, worker: bool = True
) -> AsyncIterator[Pipeline]:
    async def get_client() -> Client:
        return client

    with contextlib.ExitStack() as stack:
        peer = stack.enter_context(WahaPeer(api_key=reveal(settings.waha_api_key))) if with_waha else None
        if peer:
            settings = settings.model_copy(update={"waha_url": peer.url})
        app = create_app(settings, get_client)
        transport = httpx.ASGITransport(app=app)
        # The lifespan starts the intake forwarder and stops it at the end (ASGITransport runs none).
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            if worker:
                async with running_worker(client, settings):
                    yield Pipeline(client, settings, http, peer, app)
            else:
                yield Pipeline(client, settings, http, peer, app)
