"""The production topology as docker-compose.yml runs it, as separate processes.

A Temporal dev server of its own (no search attributes pre-registered), the compose setup
step (deploy/temporal/register-search-attributes.sh, run with the `temporal` CLI), then
`seldenrijk api` and `seldenrijk worker` as two processes of this checkout, configured only
through the environment, with a WAHA peer and the inventory site peer. Every wait is bounded
and every process is stopped, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path

import httpx
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from workflows.converter import data_converter

from inventory.schedule import SCHEDULE_ID
from workflows.inventory_sync import InventorySyncResult
from starter.binaries import temporal_cli
from tests.peers.http_peer import ThreadedServer, free_port
from tests.peers.inventory_site import InventorySite
from tests.peers.waha import WahaPeer
from tests.test_inventory_http import seldenrijk_stock
from tests.waha_events import message_event
from workflows import search_attributes

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "staff-key-for-the-topology-test"
WAHA_KEY = "waha-key-for-the-topology-test"


class Processes:
    """Child processes with their output in files; all stopped at the end."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        out = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.children.append((name, process))
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def check_alive(self) -> None:
        for name, process in self.children:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)}")

    def stop_all(self) -> None:
        for _, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.children):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


async def until(what: str, check, processes: Processes, timeout: float = 90.0, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            result = await check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - not ready yet
            last_error = exc
        await asyncio.sleep(interval)
    logs = "\n".join(f"--- {name}\n{processes.log(name)}" for name, _ in processes.children)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error!r})\n{logs}")


@asynccontextmanager
async def topology(tmp_path: Path):
    with ExitStack() as stack:
        waha = stack.enter_context(WahaPeer(api_key=WAHA_KEY))
        site = InventorySite(seldenrijk_cars=seldenrijk_stock(8), per_page=15)
        site.url = stack.enter_context(ThreadedServer(site.app())).url
        processes = Processes(tmp_path)
        stack.callback(processes.stop_all)
        temporal_port, api_port = free_port(), free_port()
        address = f"127.0.0.1:{temporal_port}"

        processes.start("temporal", [
            str(temporal_cli()), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
            "--port", str(temporal_port), "--log-level", "error",
            "--db-filename", str(tmp_path / "temporal.sqlite3"),
        ], dict(os.environ))

        async def connected():
            return await Client.connect(address, data_converter=data_converter)

        client = await until("the Temporal dev server", connected, processes, timeout=60)

        # The compose setup step, with the `temporal` CLI of this checkout first on PATH.
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "temporal").symlink_to(temporal_cli())
        setup_env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                     "TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": "default"}
        setup = subprocess.run(["sh", str(ROOT / "deploy/temporal/register-search-attributes.sh")],
                               env=setup_env, capture_output=True, text=True, timeout=180)
        assert setup.returncode == 0, setup.stdout + setup.stderr

        # What .env gives both containers in production (and nothing from the developer's shell).
        app_env = {key: value for key, value in os.environ.items()
                   if not key.startswith(("WAHA_", "CHATWOOT_", "SMTP_", "ANTHROPIC_", "ESCALATION_", "TEMPORAL_",
                                          "INVENTORY_", "DATA_DIR"))}
        app_env.update(
            ENVIRONMENT="production", TEMPORAL_ADDRESS=address, TEMPORAL_NAMESPACE="default",
            WAHA_URL=waha.url, WAHA_API_KEY=WAHA_KEY, ESCALATION_API_KEY=API_KEY,
            ESCALATION_WHATSAPP_FINANCE="+31611110000", ESCALATION_WHATSAPP_MANAGER="+31699990000",
            INVENTORY_SOURCES="website", INVENTORY_WEBSITE_URL=f"{site.url}/aanbod-occasions",
            SCRAPER_DELAY_SECONDS="0", SCRAPER_TIMEOUT_SECONDS="5", PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING",
        )
        cli = [sys.executable, "-m", "starter.cli"]
        processes.start("worker", cli + ["worker"], {**app_env, "DATA_DIR": str(tmp_path / "worker-data")})
        processes.start("api", cli + ["api", "--host", "127.0.0.1", "--port", str(api_port)],
                        {**app_env, "DATA_DIR": str(tmp_path / "api-data")})
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=10) as http:

            async def healthy():
                return (await http.get("/healthz")).status_code == 200

            await until("the API", healthy, processes, timeout=60)
            yield client, http, waha, processes


async def test_api_worker_and_setup_step_as_separate_processes(tmp_path):
    async with asyncio.timeout(480), topology(tmp_path) as (client, http, waha, processes):
        # The setup step registered the search attributes the workflows set.
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default"))
        assert set(search_attributes.CLI_TYPES) <= set(listed.custom_attributes)

        # The worker ensured the inventory schedule at start, and it has run once.
        schedule = client.get_schedule_handle(SCHEDULE_ID)

        async def synced_once():
            info = (await schedule.describe()).info
            return info.num_actions >= 1 and not info.running_actions and info

        info = await until("the first inventory sync", synced_once, processes, timeout=120)
        [run] = info.recent_actions[:1]
        result = await client.get_workflow_handle(run.action.workflow_id, result_type=InventorySyncResult).result()
        assert [(commit.source, commit.car_count) for commit in result.commits] == [("website", 8)]

        # A WAHA message is answered; the answer comes from the synced stock, not the samples.
        phone = "31687650001"
        response = await http.post("/webhook/waha", json=message_event(phone, "Hebben jullie een Kia Niro?"))
        assert response.status_code == 200 and response.json()["status"] == "queued"

        async def answered():
            return waha.texts_for(f"{phone}@c.us")

        [reply] = await until("the reply", answered, processes)
        assert "Niro" in reply and waha.violations == []

        # An escalation, listed, acknowledged and resolved over HTTP with X-API-Key.
        other = "31687650002"
        await http.post("/webhook/waha", json=message_event(
            other, "Ik heb een BKR-registratie, kan ik toch een auto financieren?"))
        key = {"X-API-Key": API_KEY}
        assert (await http.get("/escalations")).status_code == 401

        async def escalation_listed():
            response = await http.get("/escalations", headers=key)
            assert response.status_code == 200, response.text
            return [row for row in response.json() if row["status"]["input"]["customer_phone"] == f"+{other}"]

        [row] = await until("the escalation in GET /escalations", escalation_listed, processes)
        acked = await http.post(f"/escalations/{row['id']}/ack", headers=key, json={"by": "Sanne"})
        assert acked.status_code == 200, acked.text
        assert acked.json()["acknowledged"]["by"] == "Sanne" and acked.json()["acknowledged"]["via"] == "api"
        resolved = await http.post(f"/escalations/{row['id']}/resolve", headers=key,
                                   json={"by": "Sanne", "outcome": "klant gebeld"})
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["resolution"]["outcome"] == "klant gebeld"

        # Prometheus scrapes /metrics as written: 200, no redirect.
        metrics = await http.get("/metrics", follow_redirects=False)
        assert metrics.status_code == 200 and "seldenrijk_" in metrics.text
        processes.check_alive()
