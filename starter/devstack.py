"""`seldenrijk run`: a Temporal dev server (with UI), the worker and the API in one command.

The dev server persists to SQLite under the data dir, so conversations survive a restart.
One Ctrl-C stops everything: the API, the worker, then the server process (which is also
tied to our lifetime with PR_SET_PDEATHSIG, so a killed parent leaves no orphan).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import subprocess
import sys
from pathlib import Path

import uvicorn
from temporalio.client import Client

from config import Settings
from starter.binaries import temporal_cli
from workflows import search_attributes
from workflows.converter import data_converter

log = logging.getLogger(__name__)

# The dev server commits every workflow step to SQLite. In its default rollback-journal mode each
# commit waits for an fsync: signal-with-start took ~530 ms at p50 with 10 senders on this machine's
# disk, and the whole stack managed 6 messages/s. Write-ahead logging with synchronous=NORMAL
# syncs at checkpoints instead: ~10x faster, still crash-safe for the process (a power cut may
# lose the last moments, never corrupt the file). Production runs Temporal on PostgreSQL.
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")
# The dev server re-reads its search attributes from the database on every use, so that one added
# at run time works at once: two dozen reads per customer message. Ours are all given at start.
DYNAMIC_CONFIG = ("system.forceSearchAttributesCacheRefreshOnRead=false",)


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the parent process dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DevServer:
    def __init__(self, data_dir: Path, port: int, ui_port: int, namespace: str):
        self.port = port
        self.ui_port = ui_port
        self.namespace = namespace
        self.db_file = data_dir / "temporal.sqlite3"
        self.log_file = data_dir / "temporal-server.log"
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            str(temporal_cli()), "server", "start-dev",
            "--db-filename", str(self.db_file),
            "--ip", "127.0.0.1",
            "--port", str(self.port),
            "--ui-port", str(self.ui_port),
            "--namespace", self.namespace,
            "--log-level", "warn",
            "--ui-disable-news-fetch",
        ]
        for pragma in SQLITE_PRAGMAS:
            cmd += ["--sqlite-pragma", pragma]
        for setting in DYNAMIC_CONFIG:
            cmd += ["--dynamic-config-value", setting]
        for name, kind in search_attributes.CLI_TYPES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        return cmd

    def start(self) -> None:
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        log_handle = self.log_file.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # our Ctrl-C is ours to handle; we stop it in order
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def stop(self, timeout: float = 10.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def exited(self) -> int | None:
        return self.process.poll() if self.process else None


async def connect(address: str, namespace: str, *, wait_seconds: float = 30.0, runtime=None) -> Client:
    """Connect, retrying while a just-started server comes up."""
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while True:
        try:
            return await Client.connect(
                address, namespace=namespace, data_converter=data_converter, runtime=runtime
            )
        except Exception:  # noqa: BLE001 - not up yet
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.3)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: `run_stack` owns Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def banner(settings: Settings, port: int, ui_url: str | None, address: str, workers=()) -> str:
    waha = settings.waha_url or f"outbox {settings.outbox_dir / 'whatsapp.jsonl'}"
    crm_at = "PostgreSQL (DATABASE_URL)" if settings.database_url else settings.data_dir / "crm.sqlite3"
    chatwoot = settings.chatwoot_base_url or f"local CRM {crm_at} (`seldenrijk leads`)"
    agents = "Claude" if settings.anthropic_api_key else "built-in Dutch rules engine"
    lines = [
        "",
        "Seldenrijk WhatsApp agent is running",
        f"  Chat page (try the agent)  http://localhost:{port}/",
        f"  WAHA webhook               POST http://localhost:{port}/webhook/waha",
        f"  Chatwoot webhook           POST http://localhost:{port}/webhook/chatwoot",
        f"  Health / metrics           http://localhost:{port}/healthz  http://localhost:{port}/metrics",
        f"  Temporal                   {address}" + (f"   UI {ui_url}" if ui_url else ""),
        "  Worker                     " + (
            ", ".join(f"{worker.role} pid {worker.pid}" for worker in workers) if workers else "in this process"
        ),
        f"  Agents                     {agents}",
        f"  WhatsApp replies           {waha}",
        f"  CRM                        {chatwoot}",
        f"  Data dir                   {settings.data_dir.resolve()}",
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


async def run_stack(
    settings: Settings, *, port: int, temporal_port: int, ui_port: int, host: str = "127.0.0.1",
    worker_in_process: bool = False, worker_processes: int = 2,
) -> None:
    """The whole local stack. The API listens on `host`: this machine only unless told otherwise, since the
    chat page reads every conversation and writes to any number.

    The worker runs as two supervised child processes (starter/worker_process.py): one for the
    workflows and their local activities (the agent steps, pure CPU), one for the activities that
    talk to WAHA, Chatwoot, SMTP, RDW and the calendar. A busy worker never delays a webhook's
    answer, and the integrations' HTTP work does not queue behind the agents on one core.
    `worker_processes=1` runs one worker process for both (`--role all`); `worker_in_process` puts
    one worker back on the API's event loop (both for comparison in bench/bench_default_stack.py).
    """
    from inventory.schedule import ensure_sync_schedule
    from starter.api import create_app
    from starter.worker_process import WorkerProcess
    from worker.build import running_worker

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    server: DevServer | None = None
    workers: list[WorkerProcess] = []
    ui_url = None
    if settings.temporal_address:
        address = settings.temporal_address
    else:
        server = DevServer(settings.data_dir, temporal_port, ui_port, settings.temporal_namespace)
        server.start()
        address = server.address
        ui_url = f"http://localhost:{ui_port}"
    try:
        from observability.metrics import sdk_runtime

        # The SDK's worker metrics belong to the process that runs the worker.
        runtime = sdk_runtime(settings.worker_metrics_port) if worker_in_process else None
        client = await connect(address, settings.temporal_namespace, runtime=runtime)
        await ensure_sync_schedule(client, settings)

        async def get_client() -> Client:
            return client

        app = create_app(settings, get_client)
        api = _QuietServer(uvicorn.Config(app, host=host, port=port, log_level="warning", log_config=None))
        async with contextlib.AsyncExitStack() as running:
            if worker_in_process:
                await running.enter_async_context(running_worker(client, settings))
            else:
                workers = [WorkerProcess(address, settings.data_dir, role="all")] if worker_processes == 1 else [
                    WorkerProcess(address, settings.data_dir, role="workflows"),
                    WorkerProcess(address, settings.data_dir, _second_ports(settings), role="activities"),
                ]
                for worker in workers:
                    worker.start()
                    running.push_async_callback(worker.stop)
            api_task = asyncio.create_task(api.serve())
            print(banner(settings, port, ui_url, address, workers), flush=True)
            watchers = [asyncio.create_task(_watch(server, stop))]
            watchers += [asyncio.create_task(worker.supervise(stop)) for worker in workers]
            await stop.wait()
            print("Stopping…", flush=True)
            api.should_exit = True
            await api_task
            for watcher in watchers:
                watcher.cancel()
            # Leaving the stack stops the worker (a child gets SIGTERM and finishes its tasks).
    finally:
        for worker in workers:
            await worker.stop()
        if server:
            server.stop()
        print("Stopped.", flush=True)


def _second_ports(settings: Settings) -> dict[str, str]:
    """The activities' worker serves its metrics one port above the workflows' worker, if at all."""
    env = {}
    for name in ("worker_metrics_port", "app_metrics_port"):
        port = getattr(settings, name)
        if port:
            env[name.upper()] = str(port + 1)
    return env


async def _watch(server: DevServer | None, stop: asyncio.Event) -> None:
    """If the Temporal server dies, stop the stack instead of limping on."""
    if server is None:
        return
    while not stop.is_set():
        if server.exited() is not None:
            print(f"Temporal dev server exited; see {server.log_file}", file=sys.stderr, flush=True)
            stop.set()
        await asyncio.sleep(1)

