"""Benchmark 4: the worker's memory (RSS) while 20,000 messages flow over 2,000 conversations.

    .venv/bin/python bench/bench_memory.py [--quick] [--messages 20000] [--conversations 2000] [--rate 25]

Messages go through `seldenrijk api` at a steady offered rate, round robin over the conversations
(each conversation gets a message every conversations/rate seconds, so none is a burst). The
worker runs with its default settings, so with more conversations than its workflow cache holds,
most messages find their conversation evicted and replay it from its history. The worker's RSS
(psutil) is read idle at start (the floor: everything imported, the model loaded) and when a
quarter, half, three quarters and all of the messages have been answered. Every message must get
exactly one reply. Target: RSS flat within ±10% from a quarter (5,000) to all (20,000) messages.
A full run takes about 14 minutes at the default 25 messages/s; on a busy machine offer less
(`--rate 15`): an offered rate above what the worker sustains builds a backlog over every
conversation, and the cache then thrashes. --quick: 3,000 messages over 300 conversations (the
same ten per conversation; a few minutes).
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
    pooled_webhook_sender,
)

TASK_QUEUE = "bench-memory"
FLAT_WITHIN = 0.10


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 messages over 300 conversations")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=25.0, help="messages per second offered (keep it below what the worker sustains)")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.conversations = 3_000, 300
    check_texts()
    marks = [args.messages * quarter // 4 for quarter in (1, 2, 3, 4)]
    print("Benchmark 4: worker memory")
    print(f"machine: {machine_conditions()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}", flush=True)
    rows: list[list[object]] = []
    started = time.monotonic()
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        worker = await stack.start_worker(TASK_QUEUE, MODEL_CACHE_DIR=str(Path(__file__).resolve().parent.parent / "var" / "cache"))
        api = await stack.start_api(TASK_QUEUE)
        await asyncio.sleep(2)
        rows.append(["floor: idle worker at start", 0, worker.rss_mib(), 0.0])
        receipts = WahaReceipts(stack.waha_url)
        chats = [f"{phone('80', index)}@c.us" for index in range(args.conversations)]
        async with http_clients(20) as clients:
            run = OpenLoopRun()  # filled as messages go out, so replies can be checked meanwhile
            sending = asyncio.create_task(
                open_loop(args.rate, args.messages, chats, pooled_webhook_sender(clients, f"{api}/webhook/waha"), run)
            )
            pending_marks = list(marks)
            while pending_marks:
                await asyncio.sleep(1)
                worker.check_alive()
                replied = match_replies(run.sent, await receipts.refresh()).replied
                while pending_marks and replied >= pending_marks[0]:
                    rows.append([f"after {pending_marks[0]:,} messages answered", replied, worker.rss_mib(),
                                 time.monotonic() - started])
                    print(f"  {replied:,} answered: RSS {rows[-1][2]:.1f} MiB", flush=True)
                    pending_marks.pop(0)
                if sending.done() and pending_marks and time.monotonic() - run.finished > 300:
                    break  # nothing answered for five minutes after the last send: report what we have
            await sending
            check = await wait_for_replies(receipts, run.sent, timeout=60)
        await receipts.aclose()
    print_table(
        f"Worker RSS, {args.messages:,} messages over {args.conversations:,} conversations at {args.rate:g} msg/s offered "
        "(default WORKER_MAX_CACHED_WORKFLOWS)",
        ["when", "answered", "RSS MiB", "seconds"],
        rows,
    )
    first, last = rows[1], rows[-1]  # a quarter of the messages, and all
    change = (last[2] - first[2]) / first[2]
    exact = check.exact and not run.errors
    print_table(
        "Checks",
        ["check", "measured", "verdict"],
        [["every message exactly one reply", f"{check.missing} missing, {check.duplicates} extra, "
          f"{len(run.errors)} send errors", verdict(exact)],
         [f"RSS flat within ±{FLAT_WITHIN:.0%} from {marks[0]:,} to {marks[-1]:,} messages",
          f"{first[2]:.1f} → {last[2]:.1f} MiB ({change:+.1%})", verdict(abs(change) <= FLAT_WITHIN and last[1] >= marks[-1])],
         ["growth over the idle floor at the end", f"{last[2] - rows[0][2]:+.1f} MiB", "-"]],
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
