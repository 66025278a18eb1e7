"""The worker as a supervised child process of `seldenrijk run`.

The API and the worker used to share one event loop: while the worker was busy (the rules
engine is pure CPU), webhook acknowledgements waited behind it (p99 240-290 ms at 10
senders) and the whole stack used one core. As `seldenrijk worker` in its own process the
webhook answers in milliseconds and the worker has a core of its own (docs/performance.md).

The child writes to our stdout/stderr, so its log lines show in the same terminal. It is
restarted when it dies (with a growing pause), stopped with SIGTERM before the Temporal
server, and gets SIGTERM from the kernel if `seldenrijk run` itself is killed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from starter.devstack import _die_with_parent as die_with_parent

RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)  # after the 1st, 2nd, ... crash in a row
STABLE_SECONDS = 60.0  # a worker that ran this long resets the pause to the first one


class WorkerProcess:
    """`python -m starter.cli worker` pointed at `address`, with the parent's settings (env, data dir)."""

    def __init__(self, address: str, data_dir: Path, env: dict[str, str] | None = None, role: str = "all"):
        self.address = address
        self.role = role
        self.data_dir = data_dir
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.crashes = 0
        self.stopping = False

    def command(self) -> list[str]:
        return [sys.executable, "-m", "starter.cli", "worker", "--role", self.role]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(TEMPORAL_ADDRESS=self.address, DATA_DIR=str(self.data_dir.resolve()))
        env.update(self.extra_env)
        # The project root on the path: `-m starter.cli` must import the same code as we did.
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        return env

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command(),
            env=self.environment(),
            stdin=subprocess.DEVNULL,  # stdout/stderr inherited: its logs in our terminal
            start_new_session=True,  # a Ctrl-C is ours: we stop it after the API, before the server
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exited(self) -> int | None:
        return self.process.poll() if self.process else None

    async def supervise(self, give_up: asyncio.Event) -> None:
        """Restart the worker whenever it dies; after many crashes in a row, stop the stack (`give_up`)."""
        while not self.stopping:
            await asyncio.sleep(0.5)
            code = self.exited()
            if code is None or self.stopping:
                continue
            if time.monotonic() - self.started_at > STABLE_SECONDS:
                self.crashes = 0
            if self.crashes >= len(RESTART_PAUSES):
                print(f"{self.role} worker exited with {code} {self.crashes + 1} times in a row: stopping", file=sys.stderr, flush=True)
                give_up.set()
                return
            pause = RESTART_PAUSES[self.crashes]
            self.crashes += 1
            print(f"{self.role} worker exited with {code}; restarting in {pause:g} s", file=sys.stderr, flush=True)
            await asyncio.sleep(pause)
            if not self.stopping:
                self.start()

    async def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, wait for a clean exit (the worker finishes its current tasks), SIGKILL if it hangs."""
        self.stopping = True
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if self.process.poll() is None:
            self.process.kill()
            await asyncio.to_thread(self.process.wait, 5)
