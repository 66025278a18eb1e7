"""The benchmark stack: Temporal dev server, worker, API and a WAHA sink as subprocesses.

Everything listens on 127.0.0.1 on free ports and lives in a temp dir. `Stack` is an async
context manager: leaving it (normally, on an error or on Ctrl-C) stops every process it
started, in reverse order. Children also get SIGTERM if this process dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(PROJECT_ROOT))  # run as `python bench/x.py` from anywhere

from starter.binaries import find_binary, temporal_cli  # noqa: E402
from starter.devstack import _die_with_parent  # noqa: E402
from workflows import search_attributes  # noqa: E402

PYTHON = sys.executable
# The env prefixes a benchmark must never inherit: no real WhatsApp, CRM, mail or Claude.
SCRUBBED_PREFIXES = ("WAHA_", "CHATWOOT_", "SMTP_", "ANTHROPIC_", "ESCALATION_", "TEMPORAL_", "INVENTORY_")
# The same uvicorn options `seldenrijk api` uses (starter/cli.py cmd_api), for the empty-app floor.
API_UVICORN_OPTIONS: dict = {"log_config": None, "access_log": False}  # as `seldenrijk api` serves


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 2,000 samples is the 1,980th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def machine_conditions() -> str:
    load1, load5, _ = os.getloadavg()
    return (
        f"{psutil.cpu_count(logical=True)} CPUs, load average {load1:.2f}/{load5:.2f} (1/5 min), "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM, Python {sys.version.split()[0]}"
    )


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [header] + [[_fmt(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells[0])))
    print("  " + "  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
    sys.stdout.flush()


def _fmt(cell: object) -> str:
    if isinstance(cell, float):
        return "-" if math.isnan(cell) else f"{cell:,.1f}"
    return str(cell)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_file: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_mib(self) -> float:
        return psutil.Process(self.pid).memory_info().rss / 2**20

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}; log tail:\n{tail}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


@dataclass
class Stack:
    """Start what a benchmark needs with the `start_*` methods; `async with` tears it all down."""

    keep_dir: bool = False
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="seldenrijk-bench-")))
    processes: list[Process] = field(default_factory=list)
    temporal_address: str | None = None
    waha_url: str | None = None

    async def __aenter__(self) -> "Stack":
        return self

    async def __aexit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                process.stop()
        self.processes.clear()
        if not self.keep_dir:
            shutil.rmtree(self.root, ignore_errors=True)

    # --- processes ----------------------------------------------------------------
    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> Process:
        log_file = self.root / f"{name}.log"
        handle = log_file.open("ab")
        popen = subprocess.Popen(
            cmd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.root,  # no stray `.env` from the checkout is read
            env=env or self.base_env(),
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        handle.close()
        process = Process(name, popen, log_file)
        self.processes.append(process)
        return process

    def base_env(self, **overrides: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(SCRUBBED_PREFIXES)}
        env.update(
            DATA_DIR=str(self.root / "data"),
            INVENTORY_SOURCES="sample",
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(PROJECT_ROOT),
        )
        # The pipeline benchmarks measure the pipeline: no burst window (2 s by default in production)
        # unless the environment or the benchmark sets one. bench_burst.py measures what it adds.
        env.setdefault("COALESCE_SECONDS", "0")
        if self.temporal_address:
            env["TEMPORAL_ADDRESS"] = self.temporal_address
        if self.waha_url:
            env["WAHA_URL"] = self.waha_url
            env["WAHA_API_KEY"] = "bench-key"
        env.update(overrides)
        return env

    async def start_temporal(self, *dynamic_config: str) -> str:
        """`dynamic_config`: extra `KEY=VALUE` server settings (none by default: the stock dev server)."""
        port = free_port()
        cmd = [
            str(temporal_cli()), "server", "start-dev", "--headless",
            "--ip", "127.0.0.1", "--port", str(port), "--http-port", str(free_port()),
            "--namespace", "default", "--log-level", "error",
        ]  # in memory: no --db-filename
        for name, kind in search_attributes.CLI_TYPES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        for setting in dynamic_config:
            cmd += ["--dynamic-config-value", setting]
        process = self.spawn("temporal", cmd)
        self.temporal_address = f"127.0.0.1:{port}"
        client = await self.client(wait_seconds=30, process=process)
        del client
        return self.temporal_address

    async def client(self, wait_seconds: float = 10, process: Process | None = None):
        from temporalio.client import Client
        from workflows.converter import data_converter

        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                return await Client.connect(self.temporal_address, data_converter=data_converter)
            except Exception:  # noqa: BLE001 - not up yet
                if process:
                    process.check_alive()
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def start_waha_sink(self) -> str:
        port = free_port()
        process = self.spawn("waha-sink", [PYTHON, str(BENCH_DIR / "waha_sink.py"), "--port", str(port)])
        self.waha_url = f"http://127.0.0.1:{port}"
        await wait_http(f"{self.waha_url}/health", process)
        return self.waha_url

    async def start_worker(self, task_queue: str, **env: str) -> Process:
        process = self.spawn(
            f"worker-{task_queue}",
            [str(find_binary("seldenrijk")), "worker"],
            self.base_env(TEMPORAL_TASK_QUEUE=task_queue, **env),
        )
        await wait_log_line(process, "worker polling task queue")
        return process

    async def start_naive_worker(self, task_queue: str, **env: str) -> Process:
        process = self.spawn(
            f"naive-worker-{task_queue}",
            [PYTHON, str(BENCH_DIR / "naive.py"), "--worker"],
            self.base_env(TEMPORAL_TASK_QUEUE=task_queue, **env),
        )
        await wait_log_line(process, "worker polling task queue")
        return process

    async def start_api(self, task_queue: str, **env: str) -> str:
        port = free_port()
        process = self.spawn(
            "api",
            [str(find_binary("seldenrijk")), "api", "--host", "127.0.0.1", "--port", str(port)],
            self.base_env(TEMPORAL_TASK_QUEUE=task_queue, **env),
        )
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/healthz", process)
        return url

    async def start_run(self, name: str, *, worker_in_process: bool = False, worker_processes: int = 2,
                        **env: str) -> tuple[Process, str]:
        """`seldenrijk run` as `make run` starts it (its own Temporal dev server on SQLite, default log
        level), in a data dir of its own; replies go to the WAHA sink. Returns the process and the API URL."""
        port = free_port()
        cmd = [str(find_binary("seldenrijk")), "run", "--port", str(port), "--temporal-port", str(free_port()),
               "--ui-port", str(free_port()), "--data-dir", str(self.root / name)]
        if worker_in_process:
            cmd.append("--worker-in-process")
        elif worker_processes != 2:
            cmd += ["--worker-processes", str(worker_processes)]
        environment = self.base_env(**env)
        environment.pop("TEMPORAL_ADDRESS", None)  # it starts its own server, as `make run` does
        environment.pop("LOG_LEVEL", None)  # the default level: its log lines are part of the cost
        environment.setdefault("MODEL_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache"))  # no retraining per run
        process = self.spawn(name, cmd, environment)
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/healthz", process, timeout=90)
        return process, url

    async def start_empty_app(self) -> str:
        port = free_port()
        process = self.spawn("empty-app", [PYTHON, str(BENCH_DIR / "empty_app.py"), "--port", str(port)])
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health", process)
        return url


async def wait_http(url: str, process: Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            process.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{process.name} not healthy at {url} after {timeout:.0f} s")
            await asyncio.sleep(0.2)


async def wait_log_line(process: Process, needle: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in process.log_file.read_text(errors="replace"):
        process.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{process.name} did not print {needle!r} within {timeout:.0f} s")
        await asyncio.sleep(0.2)


class WahaReceipts:
    """Reads what the WAHA sink received: (chatId, text, monotonic receive time) rows."""

    def __init__(self, waha_url: str):
        self.url = waha_url
        self.rows: list[tuple[str, str, float]] = []
        self._http = httpx.AsyncClient(base_url=waha_url, timeout=10)

    async def refresh(self) -> list[tuple[str, str, float]]:
        response = await self._http.get("/_bench/received", params={"after": len(self.rows)})
        response.raise_for_status()
        self.rows.extend(tuple(row) for row in response.json())
        return self.rows

    async def aclose(self) -> None:
        await self._http.aclose()


def run_main(main) -> int:
    """One event loop for the whole benchmark; Ctrl-C still tears the stack down."""
    try:
        return asyncio.run(main()) or 0
    except KeyboardInterrupt:
        print("\ninterrupted: stack stopped", file=sys.stderr)
        return 130
