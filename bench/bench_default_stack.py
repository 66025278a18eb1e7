"""Benchmark 5: the default stack (`make run` = `seldenrijk run`), by how the worker runs.

    .venv/bin/python bench/bench_default_stack.py [--quick] [--topologies split,one-worker,one-process]

Topologies: split (the default: a workflows worker and an activities worker, each its own
process beside the API), one-worker (one worker process for both), one-process (the worker on
the API's event loop). Each gets a fresh `seldenrijk run` (its own Temporal dev server on SQLite, the rules
engine, the default log level), with replies going to a local WAHA stand-in:

1. Throughput: 1,000 messages from 200 customers, 50 customers at a time. Each customer asks
   five different questions, one after another, waiting for each answer as a person does.
   The rate counts from the first message sent until all 1,000 are answered. Every message
   must get exactly one reply. Target ≥ 30 messages/s.
2. Acknowledgement while the worker is busy: background traffic at 20 messages/s keeps the
   worker busy; meanwhile 10 senders POST back to back (500 webhooks, to chats of their own).
   p50/p99 from request to answer. Target p99 ≤ 50 ms.
The stack runs with COALESCE_SECONDS=0: the customers wait for their answers, so no burst forms.

Floors from the same run: the same throughput traffic through the same pipeline called
in-process without Temporal or HTTP (bench/inprocess.py); and the same 10-sender burst against
an empty FastAPI endpoint (bench/empty_app.py) during the same background load.
--quick: 300 messages from 60 customers, 200 webhooks in the burst (about 2 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Stack, WahaReceipts, machine_conditions, percentile, print_table, run_main, verdict  # noqa: E402
from traffic import (  # noqa: E402
    OpenLoopRun,
    TEXTS,
    check_texts,
    http_clients,
    open_loop,
    phone,
    wait_for_replies,
    webhook_body,
    pooled_webhook_sender,
    webhook_sender,
)

# name -> how `seldenrijk run` starts the worker
TOPOLOGIES = {
    "split": {},  # the default: a workflows worker and an activities worker beside the API
    "one-worker": {"worker_processes": 1},  # one worker process beside the API
    "one-process": {"worker_in_process": True},  # the worker on the API's event loop
}
THROUGHPUT_TARGET = 30.0
ACK_TARGET_MS = 50.0
QUESTIONS_PER_CUSTOMER = 5
ACK_SENDERS = 10
BACKGROUND_RATE = 20.0


@dataclass
class Throughput:
    sent: int = 0
    replied: int = 0
    missing: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ack_ms: list[float] = field(default_factory=list)
    cpu: str = ""

    @property
    def rate(self) -> float:
        return self.replied / self.seconds if self.seconds else 0.0

    @property
    def exact(self) -> bool:
        return self.missing == 0 and self.duplicates == 0 and not self.errors and self.replied == self.sent


def customer_questions(customer: int) -> list[str]:
    """Five different questions per customer, each customer starting elsewhere in the list."""
    return [TEXTS[(customer + k) % len(TEXTS)] for k in range(QUESTIONS_PER_CUSTOMER)]


async def customers_in_turn(customers: list[str], senders: int, ask) -> tuple[float, list[str]]:
    """`senders` at a time: each takes the next customer and asks their questions one after another.

    `ask(chat, number, text)` returns when the answer arrived. Returns (seconds, errors)."""
    queue = list(enumerate(customers))
    errors: list[str] = []

    async def sender() -> None:
        while queue:
            index, chat = queue.pop(0)
            for number, text in enumerate(customer_questions(index), start=1):
                try:
                    await ask(chat, number, text)
                except Exception as exc:  # noqa: BLE001 - counted, and the customer gives up
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    break

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return time.monotonic() - started, errors


def process_tree_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of `seldenrijk run` and each of its children, by role."""
    seconds: dict[str, float] = defaultdict(float)
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            cmdline = " ".join(process.cmdline())
            times = process.cpu_times()
        except psutil.Error:
            continue
        role = ("temporal" if "start-dev" in cmdline
                else f"worker ({cmdline.rsplit(' ', 1)[-1]})" if "cli worker --role" in cmdline
                else "worker" if "cli worker" in cmdline else "api")
        seconds[role] += times.user + times.system
    return seconds


def cpu_text(before: dict[str, float], after: dict[str, float], elapsed: float) -> str:
    return ", ".join(f"{role} {100 * (after[role] - before.get(role, 0.0)) / elapsed:.0f}%" for role in sorted(after))


async def throughput_run(stack: Stack, api: str, run_pid: int, customers: list[str], senders: int) -> Throughput:
    result = Throughput(sent=len(customers) * QUESTIONS_PER_CUSTOMER)
    receipts = WahaReceipts(stack.waha_url)
    await receipts.refresh()
    sent: dict[str, list[float]] = defaultdict(list)
    async with http_clients(senders) as clients, httpx.AsyncClient(base_url=stack.waha_url, timeout=120) as sink:
        free = list(clients)

        async def ask(chat: str, number: int, text: str) -> None:
            http = free.pop()
            try:
                started = time.monotonic()
                sent[chat].append(started)
                response = await http.post(f"{api}/webhook/waha", content=webhook_body(chat.split("@")[0], text),
                                           headers={"content-type": "application/json"})
                result.ack_ms.append((time.monotonic() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"webhook answered {response.status_code}")
            finally:
                free.append(http)
            answered = (await sink.get("/_bench/wait", params={"chat": chat, "count": number, "timeout": 90})).json()
            if answered["count"] < number:
                raise TimeoutError(f"no answer to question {number} within 90 s")

        cpu_before = process_tree_cpu(run_pid)
        result.seconds, result.errors = await customers_in_turn(customers, senders, ask)
        result.cpu = cpu_text(cpu_before, process_tree_cpu(run_pid), result.seconds)
    check = await wait_for_replies(receipts, sent, timeout=10)
    await receipts.aclose()
    result.replied, result.missing, result.duplicates = check.replied, check.missing, check.duplicates
    return result


async def floor_throughput(stack: Stack, customers: list[str], senders: int) -> Throughput:
    """The same traffic through the pipeline in-process: no HTTP in, no Temporal."""
    from config import Settings
    from inprocess import InProcessPipeline

    settings = Settings(_env_file=None, data_dir=stack.root / "in-process", waha_url=stack.waha_url,
                        waha_api_key="bench-key", inventory_sources=["sample"])
    pipeline = InProcessPipeline(settings)
    result = Throughput(sent=len(customers) * QUESTIONS_PER_CUSTOMER)
    receipts = WahaReceipts(stack.waha_url)
    await receipts.refresh()
    sent: dict[str, list[float]] = defaultdict(list)

    async def ask(chat: str, number: int, text: str) -> None:
        sent[chat].append(time.monotonic())
        await pipeline.handle(chat, text)

    try:
        result.seconds, result.errors = await customers_in_turn(customers, senders, ask)
        check = await wait_for_replies(receipts, sent, timeout=10)
    finally:
        await pipeline.aclose()
        await receipts.aclose()
    result.replied, result.missing, result.duplicates = check.replied, check.missing, check.duplicates
    return result


async def burst(url: str, chats: list[str]) -> tuple[list[float], list[str]]:
    """ACK_SENDERS senders POST back to back, one message to each chat; latencies in ms."""
    queue = list(chats)
    latencies: list[float] = []
    errors: list[str] = []
    async with http_clients(ACK_SENDERS) as clients:

        async def sender(http: httpx.AsyncClient) -> None:
            while queue:
                chat = queue.pop(0)
                started = time.perf_counter()
                try:
                    response = await http.post(url, content=webhook_body(chat.split("@")[0], TEXTS[len(queue) % len(TEXTS)]),
                                               headers={"content-type": "application/json"})
                    if response.status_code != 200:
                        raise RuntimeError(f"answered {response.status_code}")
                    latencies.append((time.perf_counter() - started) * 1000)
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])

        await asyncio.gather(*(sender(http) for http in clients))
    return latencies, errors


@dataclass
class AckResult:
    webhook_ms: list[float]
    empty_ms: list[float]
    missing: int
    duplicates: int
    errors: list[str]


async def ack_while_busy(stack: Stack, api: str, empty: str, prefix: str, burst_size: int) -> AckResult:
    receipts = WahaReceipts(stack.waha_url)
    await receipts.refresh()
    background_chats = [f"{phone(prefix + '1', i)}@c.us" for i in range(200)]
    burst_chats = [f"{phone(prefix + '2', i)}@c.us" for i in range(burst_size)]
    background = OpenLoopRun()
    async with http_clients(10) as clients:
        seconds = 8 + burst_size / 40  # long enough to cover both bursts with the worker busy
        task = asyncio.create_task(open_loop(BACKGROUND_RATE, int(BACKGROUND_RATE * seconds), background_chats,
                                             pooled_webhook_sender(clients, f"{api}/webhook/waha"), background))
        await asyncio.sleep(4)  # the worker is busy now
        webhook_ms, errors = await burst(f"{api}/webhook/waha", burst_chats)
        empty_ms, empty_errors = await burst(f"{empty}/webhook/waha", [f"{phone(prefix + '3', i)}@c.us"
                                                                      for i in range(burst_size)])
        await task
    sent = dict(background.sent)
    now = time.monotonic()
    for chat in burst_chats:
        sent[chat] = [now]
    check = await wait_for_replies(receipts, sent, timeout=120)
    await receipts.aclose()
    return AckResult(webhook_ms, empty_ms, check.missing, check.duplicates,
                     errors + empty_errors + background.errors)


async def warm_up(stack: Stack, api: str, prefix: str) -> None:
    """A few messages first, so imports, caches and the worker's start are not measured."""
    receipts = WahaReceipts(stack.waha_url)
    await receipts.refresh()
    async with http_clients(1) as (http,):
        run = await open_loop(5, 5, [f"{phone(prefix, i)}@c.us" for i in range(5)],
                              webhook_sender(http, f"{api}/webhook/waha"))
    check = await wait_for_replies(receipts, run.sent, timeout=90, settle=0)
    await receipts.aclose()
    if not check.exact:
        raise RuntimeError(f"warm-up: {check.missing} of 5 messages not answered within 90 s")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 messages, 60 customers, a burst of 200")
    parser.add_argument("--topologies", type=lambda v: v.split(","), default=list(TOPOLOGIES))
    args = parser.parse_args()
    customers_count, burst_size, senders = (60, 200, 50) if args.quick else (200, 500, 50)
    check_texts()
    print("Benchmark 5: the default stack (`seldenrijk run`), by how the worker runs")
    print(f"machine: {machine_conditions()}", flush=True)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}", flush=True)
    rows, ack_rows, verdicts = [], [], []
    async with Stack() as stack:
        await stack.start_waha_sink()
        empty = await stack.start_empty_app()
        customers = [f"{phone('90', i)}@c.us" for i in range(customers_count)]
        floor = await floor_throughput(stack, customers, senders)
        rows.append(["floor: same pipeline in-process, no Temporal", floor.sent, floor.replied, floor.missing,
                     floor.duplicates, len(floor.errors), floor.seconds, floor.rate, "-", "-", "-"])
        for number, name in enumerate(args.topologies):
            print(f"{name}: starting seldenrijk run", flush=True)
            # No burst window: each customer waits for its answer, so there is no burst to wait for
            # (docs/performance.md); the window would only add waiting time.
            run_process, api = await stack.start_run(f"run-{name}", **TOPOLOGIES[name], COALESCE_SECONDS="0")
            await warm_up(stack, api, f"8{number}")
            customers = [f"{phone(f'7{number}', i)}@c.us" for i in range(customers_count)]
            result = await throughput_run(stack, api, run_process.pid, customers, senders)
            print(f"  throughput {result.rate:.1f} msg/s ({result.cpu})", flush=True)
            ack = await ack_while_busy(stack, api, empty, f"6{number}", burst_size)
            print(f"  ack p99 {percentile(ack.webhook_ms, 99):.1f} ms", flush=True)
            run_process.stop()
            stack.processes.remove(run_process)
            rows.append([f"seldenrijk run, {name}", result.sent, result.replied, result.missing, result.duplicates,
                         len(result.errors), result.seconds, result.rate, percentile(result.ack_ms, 50),
                         percentile(result.ack_ms, 99), result.cpu])
            ack_rows.append([name, "floor: empty FastAPI endpoint", len(ack.empty_ms),
                             percentile(ack.empty_ms, 50), percentile(ack.empty_ms, 99)])
            ack_rows.append([name, "POST /webhook/waha", len(ack.webhook_ms),
                             percentile(ack.webhook_ms, 50), percentile(ack.webhook_ms, 99)])
            ack_rows.append([name, "replies to every message of the phase",
                             f"{ack.missing} missing, {ack.duplicates} extra, {len(ack.errors)} errors", "-", "-"])
            verdicts.append([f"{name}: ≥ {THROUGHPUT_TARGET:g} msg/s, exactly one reply each",
                             f"{result.rate:.1f} msg/s, {result.missing} missing, {result.duplicates} extra",
                             verdict(result.rate >= THROUGHPUT_TARGET and result.exact)])
            p99 = percentile(ack.webhook_ms, 99)
            verdicts.append([f"{name}: ack p99 ≤ {ACK_TARGET_MS:g} ms at {ACK_SENDERS} senders, worker busy",
                             f"{p99:.1f} ms", verdict(p99 <= ACK_TARGET_MS and not ack.errors)])
    print_table(
        f"Throughput: {customers_count * QUESTIONS_PER_CUSTOMER:,} messages from {customers_count} customers, "
        f"{senders} at a time, each waiting for its answer (first message sent → last answered)",
        ["path", "sent", "replied", "missing", "extra", "errors", "seconds", "msg/s", "ack p50 ms", "ack p99 ms",
         "CPU while running"],
        rows,
    )
    print_table(
        f"Webhook acknowledgement, {ACK_SENDERS} senders back to back while the worker is busy "
        f"(background {BACKGROUND_RATE:g} msg/s)",
        ["topology", "path", "requests", "p50 ms", "p99 ms"], ack_rows,
    )
    print_table("Targets", ["target", "measured", "verdict"], verdicts)
    for error in floor.errors[:3]:
        print(f"  floor error: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
