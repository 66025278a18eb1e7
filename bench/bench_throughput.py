"""Benchmark 3: the highest sustained message rate, with zero loss and zero duplicates.

    .venv/bin/python bench/bench_throughput.py [--step-seconds 30] [--conversations 200]

The offered rate steps up (open loop, round robin over fresh conversations each step) until
the replies no longer keep up. A rate is sustained when every message got exactly one reply,
the backlog when sending stopped was under one second's worth of messages, and p99 stayed
under 2 s. Floor, same run: bench/naive.py (one regular activity per step, default worker
settings, its own worker and task queue), driven by raw signal-with-start without the API.
The full system is driven through `seldenrijk api`. Target: ≥ 30 messages/s on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Process, Stack, WahaReceipts, machine_conditions, print_table, run_main, verdict  # noqa: E402
from traffic import check_texts, http_clients, match_replies, open_loop, phone, wait_for_replies, webhook_sender  # noqa: E402

SYSTEM_RATES = (20, 30, 40, 50, 60)
NAIVE_RATES = (10, 15, 20, 25, 30)
P99_BOUND_MS = 2000
TARGET = 30


@dataclass
class Step:
    rate: float
    sent: int
    replied: int
    missing: int
    extra: int
    errors: int
    backlog: int
    reply_rate: float
    p50: float
    p99: float
    cpu: str

    @property
    def sustained(self) -> bool:
        return (
            self.missing == 0 and self.extra == 0 and self.errors == 0
            and self.backlog <= self.rate and self.p99 <= P99_BOUND_MS
        )


def cpu_seconds(processes: list[Process]) -> dict[str, float]:
    """CPU seconds used so far by each stack process, by this load generator, and by the whole machine."""
    import os

    import psutil

    seconds = {}
    for process in processes:
        times = psutil.Process(process.pid).cpu_times()
        seconds[process.name] = times.user + times.system
    own = psutil.Process(os.getpid()).cpu_times()
    seconds["load generator"] = own.user + own.system
    machine = psutil.cpu_times()
    seconds["machine"] = machine.user + machine.system + machine.nice + machine.irq + machine.softirq
    return seconds


def cpu_summary(before: dict[str, float], after: dict[str, float], elapsed: float) -> str:
    """Per-process CPU % while sending; `others` is what the rest of the machine used meanwhile."""
    used = {name: 100 * (after[name] - before.get(name, after[name])) / elapsed for name in after}
    ours = sum(value for name, value in used.items() if name != "machine")
    parts = [f"{name.split('-')[0]} {value:.0f}%" for name, value in used.items()
             if name in ("temporal", "api", "load generator") or "worker" in name]
    parts.append(f"others {max(0.0, used['machine'] - ours):.0f}%")
    return ", ".join(parts)


async def step(stack: Stack, send, rate: float, seconds: float, run_prefix: str, conversations: int) -> Step:
    receipts = WahaReceipts(stack.waha_url)
    try:
        await receipts.refresh()
        chats = [f"{phone(run_prefix, index)}@c.us" for index in range(conversations)]
        cpu_before, clock = cpu_seconds(stack.processes), time.monotonic()
        run = await open_loop(rate, int(rate * seconds), chats, send)
        at_stop = match_replies(run.sent, await receipts.refresh())
        cpu_after, elapsed = cpu_seconds(stack.processes), time.monotonic() - clock
        final = await wait_for_replies(receipts, run.sent, timeout=max(60, seconds))
    finally:
        await receipts.aclose()
    busy = cpu_summary(cpu_before, cpu_after, elapsed)
    span = (final.last_reply or run.finished) - run.started
    return Step(
        rate=rate, sent=run.count, replied=final.replied, missing=final.missing, extra=final.duplicates,
        errors=len(run.errors), backlog=run.count - at_stop.replied, reply_rate=final.replied / span,
        p50=final.p50, p99=final.p99, cpu=busy,
    )


def raw_sender(client, task_queue: str):
    from naive import NaiveConversationWorkflow
    from workflows.models import ConversationInput, InboundMessage, conversation_workflow_id

    counter = iter(range(10**9))

    async def send(chat: str, text: str) -> None:
        now = datetime.now(timezone.utc)
        digits = chat.split("@")[0]
        message = InboundMessage(
            message_id=f"naive-{next(counter)}", chat_id=chat, phone=f"+{digits}", text=text,
            sent_at=now, received_at=now,
        )
        await client.start_workflow(
            NaiveConversationWorkflow.run,
            ConversationInput(chat_id=chat, phone=message.phone),
            id=f"naive-{conversation_workflow_id(digits)}",
            task_queue=task_queue,
            start_signal="new_message",
            start_signal_args=[message],
        )

    return send


async def ramp(stack: Stack, send, rates, args, prefix: str) -> list[Step]:
    steps = []
    for number, rate in enumerate(rates):
        result = await step(stack, send, rate, args.step_seconds, f"{prefix}{number}", args.conversations)
        steps.append(result)
        print(f"  {rate} msg/s: {'sustained' if result.sustained else 'not sustained'} "
              f"(p99 {result.p99:.0f} ms, backlog {result.backlog}, {result.cpu})", flush=True)
        if not result.sustained:
            break
    return steps


def best(steps: list[Step]) -> float:
    return max((s.rate for s in steps if s.sustained), default=0.0)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rates", type=lambda v: [float(x) for x in v.split(",")], default=list(SYSTEM_RATES))
    parser.add_argument("--naive-rates", type=lambda v: [float(x) for x in v.split(",")], default=list(NAIVE_RATES))
    parser.add_argument("--skip-naive", action="store_true", help="no floor (for quick experiments)")
    args = parser.parse_args()
    check_texts()
    print("Benchmark 3: sustained throughput")
    print(f"machine: {machine_conditions()}")
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        naive_steps: list[Step] = []
        if not args.skip_naive:
            print("floor: naive pipeline (one regular activity per step)", flush=True)
            naive_worker = await stack.start_naive_worker("bench-naive")
            client = await stack.client()
            naive_steps = await ramp(stack, raw_sender(client, "bench-naive"), args.naive_rates, args, "6")
            naive_worker.stop()
            stack.processes.remove(naive_worker)
        print("full system: webhook → Temporal → worker → WAHA", flush=True)
        await stack.start_worker("bench-throughput")
        api = await stack.start_api("bench-throughput")
        async with http_clients(1) as (http,):
            steps = await ramp(stack, webhook_sender(http, f"{api}/webhook/waha"), args.rates, args, "7")

    header = ["pipeline", "offered/s", "sent", "replied", "missing", "extra", "errors", "backlog at stop",
              "reply rate/s", "p50 ms", "p99 ms", "sustained", "CPU while sending"]
    rows = [["floor: naive", s.rate, s.sent, s.replied, s.missing, s.extra, s.errors, s.backlog,
             s.reply_rate, s.p50, s.p99, "yes" if s.sustained else "no", s.cpu] for s in naive_steps]
    rows += [["full system", s.rate, s.sent, s.replied, s.missing, s.extra, s.errors, s.backlog,
              s.reply_rate, s.p50, s.p99, "yes" if s.sustained else "no", s.cpu] for s in steps]
    print_table(
        f"Throughput steps of {args.step_seconds:g} s over {args.conversations} fresh conversations each "
        f"(sustained = exactly one reply per message, backlog ≤ 1 s of traffic, p99 ≤ {P99_BOUND_MS} ms)",
        header, rows,
    )
    system = best(steps)
    summary = [["highest sustained rate ≥ 30 msg/s", f"{system:g} msg/s", verdict(system >= TARGET)]]
    if naive_steps:
        summary.append(["floor: naive pipeline, highest sustained", f"{best(naive_steps):g} msg/s", "-"])
    print_table("Targets", ["target", "measured", "verdict"], summary)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
