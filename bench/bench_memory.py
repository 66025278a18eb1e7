"""Benchmark 4: the worker's memory (RSS) while 10,000 messages flow over 1,000 conversations.

    .venv/bin/python bench/bench_memory.py [--messages 10000] [--conversations 1000] [--rate 30]

Messages go through `seldenrijk api` at a steady rate, round robin over the conversations
(so every conversation is live and cached at once). The worker's RSS (psutil) is read at
start (the floor: an idle worker with everything imported) and when 1,000, 5,000 and all
messages have been answered. Every message must get exactly one reply.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Stack, WahaReceipts, machine_conditions, print_table, run_main, verdict  # noqa: E402
from traffic import (  # noqa: E402
    OpenLoopRun,
    check_texts,
    http_clients,
    match_replies,
    open_loop,
    phone,
    wait_for_replies,
    webhook_sender,
)  # noqa: E402

TASK_QUEUE = "bench-memory"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=30.0, help="messages per second offered")
    args = parser.parse_args()
    check_texts()
    marks = sorted({mark for mark in (1_000, 5_000) if mark < args.messages} | {args.messages})
    print("Benchmark 4: worker memory")
    print(f"machine: {machine_conditions()}")
    rows: list[list[object]] = []
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        worker = await stack.start_worker(TASK_QUEUE)
        api = await stack.start_api(TASK_QUEUE)
        rows.append(["floor: idle worker at start", 0, worker.rss_mib()])
        receipts = WahaReceipts(stack.waha_url)
        chats = [f"{phone('80', index)}@c.us" for index in range(args.conversations)]
        async with http_clients(1) as (http,):
            run = OpenLoopRun()  # filled as messages go out, so replies can be checked meanwhile
            sending = asyncio.create_task(
                open_loop(args.rate, args.messages, chats, webhook_sender(http, f"{api}/webhook/waha"), run)
            )
            deadline = time.monotonic() + args.messages / args.rate + 120
            pending_marks = list(marks)
            while pending_marks and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                worker.check_alive()
                replied = match_replies(run.sent, await receipts.refresh()).replied
                while pending_marks and replied >= pending_marks[0]:
                    rows.append([f"after {pending_marks[0]:,} messages answered", replied, worker.rss_mib()])
                    pending_marks.pop(0)
            await sending
            check = await wait_for_replies(receipts, run.sent, timeout=60)
            await asyncio.sleep(1)
            rows.append(["after the run (all answered, 1 s idle)", check.replied, worker.rss_mib()])
        await receipts.aclose()
    print_table(
        f"Worker RSS, {args.messages:,} messages over {args.conversations:,} conversations at {args.rate:g} msg/s",
        ["when", "answered", "RSS MiB"],
        rows,
    )
    exact = check.exact and not run.errors
    print_table(
        "Checks",
        ["check", "measured", "verdict"],
        [["every message exactly one reply", f"{check.missing} missing, {check.duplicates} extra, "
          f"{len(run.errors)} send errors", verdict(exact)],
         ["growth from start to the end", f"{rows[-1][2] - rows[0][2]:+.1f} MiB", "-"]],
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
