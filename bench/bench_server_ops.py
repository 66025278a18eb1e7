"""What each kind of workflow step costs the Temporal dev server, in CPU per step.

    .venv/bin/python bench/bench_server_ops.py [--workflows 100] [--rounds 10]

Starts the dev server as `seldenrijk run` does (SQLite in WAL mode, the same flags), and a probe
workflow that answers each signal with one kind of step. Each mode sends `--rounds` signals to
each of `--workflows` workflows and reads the server process's CPU time. The floor, from the same
run, is `signal`: a signal and the workflow task that handles it, with no step. A step costs what
its mode adds to the floor. docs/performance.md uses these figures to say where the server's
share of a customer message goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import free_port, machine_conditions, print_table, run_main  # noqa: E402

SCORE = SearchAttributeKey.for_int("LeadScore")
MODES = {
    "signal": "a signal and its workflow task (the floor)",
    "local": "+ a local activity (a marker)",
    "local-5k": "+ a local activity with a 5 KB result",
    "activity": "+ an activity (its task, and the workflow task its result brings)",
    "timer": "+ a timer started and cancelled",
    "upsert": "+ a search attribute upsert",
    "upsert-5": "+ five search attribute upserts in one task",
}


@activity.defn
async def small_step(number: int) -> str:
    return "ok"


@activity.defn
async def large_step(number: int) -> str:
    return "x" * 5000


@workflow.defn
class ServerOpsProbe:
    def __init__(self) -> None:
        self.signals = 0
        self.handled = 0

    @workflow.signal
    def go(self) -> None:
        self.signals += 1

    @workflow.query
    def count(self) -> int:
        return self.handled

    @workflow.run
    async def run(self, mode: str) -> None:
        while True:
            try:
                await workflow.wait_condition(
                    lambda: self.signals > self.handled,
                    timeout=timedelta(minutes=10) if mode == "timer" else None,
                )
            except asyncio.TimeoutError:
                continue
            self.handled += 1
            if mode in ("local", "local-5k"):
                step = large_step if mode == "local-5k" else small_step
                await workflow.execute_local_activity(step, self.handled, start_to_close_timeout=timedelta(seconds=5))
            elif mode == "activity":
                await workflow.execute_activity(small_step, self.handled, start_to_close_timeout=timedelta(seconds=5))
            elif mode.startswith("upsert"):
                for index in range(5 if mode == "upsert-5" else 1):
                    workflow.upsert_search_attributes([SCORE.value_set(self.handled * 10 + index)])


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(client, server_pid: int, mode: str, workflows: int, rounds: int) -> tuple[float, float]:
    handles = [
        await client.start_workflow(ServerOpsProbe.run, mode, id=f"ops-{mode}-{uuid.uuid4().hex[:8]}-{index}",
                                    task_queue="server-ops")
        for index in range(workflows)
    ]
    await asyncio.sleep(1)  # the starts' own work done
    before, started = process_cpu_seconds(server_pid), time.monotonic()
    for _ in range(rounds):
        await asyncio.gather(*(handle.signal(ServerOpsProbe.go) for handle in handles))
        await asyncio.sleep(0.05)
    while sum(await asyncio.gather(*(handle.query(ServerOpsProbe.count) for handle in handles))) < workflows * rounds:
        await asyncio.sleep(0.2)
    cpu = process_cpu_seconds(server_pid) - before
    for handle in handles:
        await handle.terminate()
    return 1000 * cpu / (workflows * rounds), time.monotonic() - started


async def main() -> int:
    from temporalio.client import Client
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from starter.devstack import DevServer
    from workflows.converter import data_converter

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(machine_conditions())
    with tempfile.TemporaryDirectory() as tmp:
        server = DevServer(Path(tmp), free_port(), free_port(), "default")
        server.start()
        try:
            for _ in range(150):
                try:
                    client = await Client.connect(server.address, data_converter=data_converter)
                    break
                except Exception:  # noqa: BLE001 - still starting
                    await asyncio.sleep(0.2)
            rows, results = [], {}
            async with Worker(client, task_queue="server-ops", workflows=[ServerOpsProbe],
                              activities=[small_step, large_step], workflow_runner=UnsandboxedWorkflowRunner()):
                for mode in ["signal", *[m for m in MODES if m != "signal"], "signal"]:  # the floor before and after
                    per_step, seconds = await measure(client, server.process.pid, mode, args.workflows, args.rounds)
                    results.setdefault(mode, []).append(per_step)
                    rows.append([mode, MODES[mode], f"{per_step:.2f}", f"{seconds:.1f}"])
        finally:
            server.stop()
    floor = sum(results["signal"]) / len(results["signal"])
    print_table(f"Dev server CPU per signal, {args.workflows} workflows × {args.rounds} signals per mode",
                ["mode", "each signal brings", "server CPU ms", "seconds"], rows)
    print_table("What a step adds to the floor", ["step", "server CPU ms"],
                [[mode, f"{results[mode][0] - floor:+.2f}"] for mode in MODES if mode != "signal"]
                + [["floor: signal + workflow task", f"{floor:.2f}"]])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
