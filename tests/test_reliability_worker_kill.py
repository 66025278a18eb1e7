"""Reliability: the worker process is SIGKILLed ten times while 20 conversations are busy.

The worker runs as a real `seldenrijk worker` process on the dev server. The WAHA peer
takes a moment between "sent to WhatsApp" and its 201, as the real one does, so a kill
often lands in the window where WAHA already sent a reply but the worker never heard it.
Every accepted message must be answered, and no reply may reach the customer twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from config import reveal
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event

CONVERSATIONS = 20
KILLS = 10
# Questions the rules engine answers directly (no escalation, no silence): one reply each.
QUESTIONS = [
    "Hebben jullie een Volkswagen Golf?",
    "Wat zijn jullie openingstijden?",
    "Ik zoek een Toyota hybride",
    "Hebben jullie iets onder de 20.000 euro?",
    "Staat er een Kia Niro?",
    "Waar zitten jullie precies?",
]
SELDENRIJK_BIN = Path(sys.executable).with_name("seldenrijk")


def start_worker(address: str, settings, log_file) -> subprocess.Popen:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "WAHA_URL": settings.waha_url,
        "WAHA_API_KEY": reveal(settings.waha_api_key),
        "DATA_DIR": str(settings.data_dir),
        "INVENTORY_SOURCES": "sample",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [str(SELDENRIJK_BIN), "worker"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(10)


async def test_sigkilled_worker_loses_nothing_and_sends_nothing_twice(temporal_env, task_queue, tmp_path):
    rng = random.Random()
    address = temporal_env.client.service_client.config.target_host
    phones = [random_phone() for _ in range(CONVERSATIONS)]
    accepted: Counter[str] = Counter()
    settings = make_settings(tmp_path, task_queue)
    log_path = tmp_path / "worker.log"
    async with pipeline(temporal_env.client, settings, worker=False) as p:
        p.waha.reply_delay = 0.15
        worker_settings = p.settings
        feeding = True

        async def feed() -> None:
            round_number = 0
            while feeding:
                for phone in phones:
                    text = QUESTIONS[(round_number + phones.index(phone)) % len(QUESTIONS)]
                    response = await p.post(message_event(phone, text))
                    assert response.status_code == 200, response.text
                    accepted[phone] += 1
                round_number += 1
                await asyncio.sleep(1.0)

        with log_path.open("ab") as log_file:
            worker = start_worker(address, worker_settings, log_file)
            feeder = asyncio.create_task(feed())
            try:
                for _ in range(KILLS):
                    await asyncio.sleep(rng.uniform(0.6, 1.8))
                    kill(worker)
                    worker = start_worker(address, worker_settings, log_file)
                feeding = False
                await feeder
                total = sum(accepted.values())
                deadline = time.monotonic() + 90
                while len(p.waha.sent) < total and time.monotonic() < deadline:
                    await asyncio.sleep(0.25)
                # Anything still in flight (a retried send) would land within this pause.
                await asyncio.sleep(1.0)
            finally:
                feeding = False
                kill(worker)
        sent_per_chat = Counter(item["chatId"] for item in p.waha.sent)

    duplicates = sum(max(0, sent_per_chat[f"{phone}@c.us"] - accepted[phone]) for phone in phones)
    missing = sum(max(0, accepted[phone] - sent_per_chat[f"{phone}@c.us"]) for phone in phones)
    print(f"\nworker SIGKILLed {KILLS}x: {sum(accepted.values())} messages accepted, "
          f"{len(p.waha.sent)} replies sent, {duplicates} duplicate(s), {missing} missing, "
          f"{p.waha.lookups} unfinished send(s) checked with WAHA")
    assert p.waha.violations == []
    assert missing == 0, log_path.read_text()[-3000:]
    assert duplicates == 0
