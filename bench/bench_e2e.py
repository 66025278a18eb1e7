"""Benchmark 2: end to end, webhook POST → WAHA sendText received, at a steady 10 messages/s.

    .venv/bin/python bench/bench_e2e.py [--rate 10] [--messages 600] [--conversations 50]

The full system: `seldenrijk api` → Temporal dev server → `seldenrijk worker` (rules engine)
→ WAHA sink. Floor, same run, same traffic: the same pipeline called in-process without
Temporal (bench/inprocess.py), which shows what Temporal's durability costs per message.
Every message must get exactly one reply. Targets: p50 ≤ 300 ms, p99 ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    Stack,
    WahaReceipts,
    machine_conditions,
    print_table,
    run_main,
    verdict,
)
from traffic import (  # noqa: E402
    check_texts,
    http_clients,
    open_loop,
    phone,
    wait_for_replies,
    webhook_sender,
)

TASK_QUEUE = "bench-e2e"


def chats(run: str, count: int) -> list[str]:
    return [f"{phone(run, index)}@c.us" for index in range(count)]


async def in_process(stack: Stack, rate: float, total: int, conversations: int):
    from config import Settings
    from inprocess import InProcessPipeline

    settings = Settings(
        _env_file=None,
        data_dir=stack.root / "in-process",
        waha_url=stack.waha_url,
        waha_api_key="bench-key",
        inventory_sources=["sample"],
    )
    pipeline = InProcessPipeline(settings)
    receipts = WahaReceipts(stack.waha_url)
    try:
        await receipts.refresh()
        run = await open_loop(rate, total, chats("51", conversations), pipeline.handle)
        return run, await wait_for_replies(receipts, run.sent, timeout=30)
    finally:
        await pipeline.aclose()
        await receipts.aclose()


async def through_temporal(stack: Stack, api: str, rate: float, total: int, conversations: int):
    receipts = WahaReceipts(stack.waha_url)
    async with http_clients(1) as (http,):
        try:
            await receipts.refresh()
            # Warm-up: one message in a separate chat, so imports and caches are not measured.
            warm = await open_loop(5, 5, chats("49", 5), webhook_sender(http, f"{api}/webhook/waha"))
            await wait_for_replies(receipts, warm.sent, timeout=30, settle=0)
            run = await open_loop(rate, total, chats("50", conversations), webhook_sender(http, f"{api}/webhook/waha"))
            return run, await wait_for_replies(receipts, run.sent, timeout=60)
        finally:
            await receipts.aclose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--conversations", type=int, default=50)
    args = parser.parse_args()
    check_texts()
    print("Benchmark 2: end to end (webhook POST → WAHA sendText received)")
    print(f"machine: {machine_conditions()}")
    # The burst window is added to every reply; the figures here are the pipeline without it.
    window = os.environ.get("COALESCE_SECONDS", "0")
    print(f"burst window: COALESCE_SECONDS={window} (production default 2 s; bench/bench_burst.py measures it)")
    rows, verdicts = [], []
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        await stack.start_worker(TASK_QUEUE)
        api = await stack.start_api(TASK_QUEUE)
        floor_run, floor = await in_process(stack, args.rate, args.messages, args.conversations)
        run, check = await through_temporal(stack, api, args.rate, args.messages, args.conversations)
    for name, sent_run, result in (
        ("floor: same pipeline in-process, no Temporal", floor_run, floor),
        ("webhook → Temporal → WAHA (full system)", run, check),
    ):
        rows.append([
            name, sent_run.count, result.replied, result.missing, result.duplicates,
            len(sent_run.errors), result.p50, result.p99,
        ])
    verdicts.append(["p50 ≤ 300 ms", f"{check.p50:.1f} ms", verdict(check.p50 <= 300)])
    verdicts.append(["p99 ≤ 1000 ms", f"{check.p99:.1f} ms", verdict(check.p99 <= 1000)])
    verdicts.append(["every message exactly one reply", f"{check.missing} missing, {check.duplicates} extra",
                     verdict(check.exact and not run.errors)])
    print_table(
        f"End to end at {args.rate:g} msg/s, {args.messages} messages over {args.conversations} conversations",
        ["path", "sent", "replied", "missing", "extra", "send errors", "p50 ms", "p99 ms"],
        rows,
    )
    print(f"  Temporal's overhead per message: p50 +{check.p50 - floor.p50:.1f} ms, p99 +{check.p99 - floor.p99:.1f} ms")
    print_table("Targets", ["target", "measured", "verdict"], verdicts)
    for error in run.errors[:5]:
        print(f"  send error: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
