"""WAHA's own webhook retries are accepted: the replay window outlasts WAHA's retry horizon."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from config import Settings
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event, signed

ROOT = Path(__file__).resolve().parents[1]
WAHA_KEY = "waha-hmac-key-for-tests"


def waha_retry_horizon_seconds() -> float:
    """How long after the first delivery WAHA (as docker-compose.yml configures it) still retries."""
    env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["waha"]["environment"]
    delay = float(env["WHATSAPP_HOOK_RETRIES_DELAY_SECONDS"])
    attempts = int(env["WHATSAPP_HOOK_RETRIES_ATTEMPTS"])
    policy = env["WHATSAPP_HOOK_RETRIES_POLICY"]
    retries = range(attempts - 1)  # the first attempt is not a retry
    if policy == "exponential":
        return sum(delay * 2 ** (n + 1) for n in retries)
    if policy == "linear":
        return sum(delay * (n + 1) for n in retries)
    return delay * len(retries)


def test_the_replay_window_covers_wahas_retries():
    horizon = waha_retry_horizon_seconds()
    assert horizon > 15 * 60  # compose: exponential from 2 s, 10 attempts (~17 minutes)
    assert Settings(_env_file=None).waha_webhook_max_age_seconds > horizon


async def test_a_delivery_retried_seventeen_minutes_later_is_answered(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    settings = make_settings(tmp_path, task_queue, waha_webhook_hmac_key=WAHA_KEY)
    age = waha_retry_horizon_seconds()
    async with pipeline(temporal_env.client, settings) as p:
        body = message_event(phone, "Hebben jullie een Golf?")
        body["timestamp"] = int((time.time() - age) * 1000)  # the event as WAHA first tried it
        body["payload"]["timestamp"] = int(time.time() - age)
        raw, headers = signed(body, WAHA_KEY)
        headers["X-Webhook-Timestamp"] = str(int((time.time() - age) * 1000))
        response = await p.post(raw, headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "queued"
        assert (await p.post(raw, headers)).status_code == 200  # yet another retry: harmless
        await p.wait_until(phone, lambda s: s.messages_processed == 1 and not s.pending)
        sent = await p.waha.wait_for(1, f"{phone}@c.us")
    assert len(sent) == 1
