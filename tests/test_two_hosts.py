"""Two hosts: two `seldenrijk worker` processes with their own DATA_DIR share one PostgreSQL and one Temporal.

Host A alone syncs the inventory (from the inventory-site peer) and answers from it; host B starts
with an empty DATA_DIR. Six customers then write five questions each while both workers run, and
host A is SIGKILLed mid-load (the WAHA peer takes a moment between "sent to WhatsApp" and its 201,
so a kill can land after WhatsApp got a reply that A never recorded). Host B picks up A's work:
its retries find A's attempts in the shared ledger and ask WAHA instead of sending again.
Counted at the WAHA peer: every accepted message answered once, none twice; and host B answers
from the stock host A synced, not from the sample cars.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from config import reveal
from inventory.models import InventorySyncInput
from tests.peers.http_peer import ThreadedServer
from tests.peers.inventory_site import InventorySite
from tests.pipeline import make_settings, pipeline, random_phone
from tests.test_inventory_http import seldenrijk_stock
from tests.waha_events import message_event
from workflows.inventory_sync import InventorySyncWorkflow

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS = 6
QUESTIONS = [  # each answered with one reply by the rules engine
    "Hebben jullie een Volkswagen Golf?",
    "Wat zijn jullie openingstijden?",
    "Ik zoek een Toyota hybride",
    "Hebben jullie iets onder de 20.000 euro?",
    "Waar zitten jullie precies?",
]
STOCK = seldenrijk_stock(8)  # Golf, Niro, Yaris, 208, … with prices the sample cars do not have
PEUGEOT_PRICES = [f"{car['price']:,}".replace(",", ".") for car in STOCK if car["model"] == "208"]


def start_worker(name: str, env: dict[str, str], logs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "starter.cli", "worker"], cwd=ROOT, env=env,
        stdout=(logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


async def test_two_workers_on_one_postgresql_lose_nothing_and_send_nothing_twice(temporal_env, task_queue,
                                                                                  tmp_path, postgres):
    client = temporal_env.client
    database_url = postgres.new_database("hosts")
    site = InventorySite(seldenrijk_cars=STOCK, per_page=15)
    accepted: Counter[str] = Counter()
    workers: dict[str, subprocess.Popen] = {}
    with ThreadedServer(site.app()) as site_server:
        site.url = site_server.url
        settings = make_settings(tmp_path / "api", task_queue, database_url=database_url, inventory_sources=["website"])
        async with pipeline(client, settings, worker=False) as p:
            p.waha.reply_delay = 0.15

            def host_env(name: str) -> dict[str, str]:
                env = {key: value for key, value in os.environ.items()
                       if not key.startswith(("WAHA_", "TEMPORAL_", "INVENTORY_", "DATA_DIR", "DATABASE_URL"))}
                env.update(
                    TEMPORAL_ADDRESS=client.service_client.config.target_host, TEMPORAL_TASK_QUEUE=task_queue,
                    DATABASE_URL=database_url, DATA_DIR=str(tmp_path / name),
                    MODEL_CACHE_DIR=str(ROOT / "var" / "cache"),  # shared with the suite: no retraining per host
                    WAHA_URL=p.waha.url, WAHA_API_KEY=reveal(p.settings.waha_api_key),
                    INVENTORY_SOURCES="website", INVENTORY_WEBSITE_URL=f"{site.url}/aanbod-occasions",
                    SCRAPER_DELAY_SECONDS="0", SCRAPER_TIMEOUT_SECONDS="5", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
                )
                return env

            async def ask(phone: str, text: str) -> str:
                before = len(p.waha.texts_for(f"{phone}@c.us"))
                response = await p.post(message_event(phone, text))
                assert response.status_code == 200, response.text
                accepted[phone] += 1
                deadline = time.monotonic() + 120
                while len(p.waha.texts_for(f"{phone}@c.us")) <= before:
                    assert time.monotonic() < deadline, f"no reply to {text!r}\n{logs()}"
                    await asyncio.sleep(0.1)
                return p.waha.texts_for(f"{phone}@c.us")[before]

            def logs() -> str:
                return "\n".join(f"--- {name}\n{(tmp_path / f'{name}.log').read_text(errors='replace')[-2500:]}"
                                 for name in workers)

            try:
                # Host A alone: it syncs the stock into PostgreSQL and answers from it.
                workers["host-a"] = start_worker("host-a", host_env("host-a"), tmp_path)
                synced = await client.execute_workflow(
                    InventorySyncWorkflow.run, InventorySyncInput(sources=["website"]),
                    id=f"sync-{uuid.uuid4().hex[:8]}", task_queue=task_queue, execution_timeout=timedelta(minutes=3))
                assert [(commit.source, commit.car_count) for commit in synced.commits] == [("website", 8)]
                by_a = await ask(random_phone(), "Hebben jullie een Peugeot 208?")
                assert any(price in by_a for price in PEUGEOT_PRICES), by_a

                # Host B joins with an empty DATA_DIR; wait until both poll the queue.
                workers["host-b"] = start_worker("host-b", host_env("host-b"), tmp_path)
                await until_pollers(client, task_queue, 2, logs)

                phones = [random_phone() for _ in range(CUSTOMERS)]
                replies_before = len(p.waha.sent)

                async def customer(index: int) -> None:
                    for turn in range(len(QUESTIONS)):
                        await ask(phones[index], QUESTIONS[(index + turn) % len(QUESTIONS)])

                load = asyncio.gather(*(customer(index) for index in range(CUSTOMERS)))
                # Mid-load: a third of the replies out, the rest still to come.
                while len(p.waha.sent) - replies_before < CUSTOMERS * len(QUESTIONS) // 3:
                    assert workers["host-a"].poll() is None, logs()
                    await asyncio.sleep(0.05)
                stop(workers["host-a"], signal.SIGKILL)
                await asyncio.wait_for(load, 300)

                # Only host B is left: it answers from the stock host A synced.
                by_b = await ask(random_phone(), "Hebben jullie een Peugeot 208?")
                assert any(price in by_b for price in PEUGEOT_PRICES), by_b
                await asyncio.sleep(1.0)  # a retried send still in flight would land now
                assert workers["host-b"].poll() is None, logs()
            finally:
                for process in workers.values():
                    stop(process)

            sent_per_chat = Counter(item["chatId"] for item in p.waha.sent)
    duplicates = sum(max(0, sent_per_chat[f"{phone}@c.us"] - count) for phone, count in accepted.items())
    missing = sum(max(0, count - sent_per_chat[f"{phone}@c.us"]) for phone, count in accepted.items())
    print(f"\ntwo hosts, host A SIGKILLed mid-load: {sum(accepted.values())} messages accepted, "
          f"{len(p.waha.sent)} replies, {duplicates} duplicate(s), {missing} missing, "
          f"{p.waha.lookups} unfinished send(s) checked with WAHA")
    assert p.waha.violations == []
    assert missing == 0 and duplicates == 0
    # Neither host keeps a store of its own: the ledger and the snapshot are in PostgreSQL.
    for host in ("host-a", "host-b"):
        assert not list((tmp_path / host).glob("*.sqlite3")), list((tmp_path / host).iterdir())


async def until_pollers(client, task_queue: str, count: int, logs) -> None:
    deadline = time.monotonic() + 90
    while True:
        described = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY))
        if len({poller.identity for poller in described.pollers}) >= count:
            return
        assert time.monotonic() < deadline, f"fewer than {count} workers poll {task_queue}\n{logs()}"
        await asyncio.sleep(0.25)
