"""Where the worker's memory goes: tracemalloc snapshots and the workflow cache against RSS.

    .venv/bin/python bench/memory_trace.py [--conversations 200] [--messages 2000] [--cache 1000]

Runs the real worker in this process (tracemalloc only sees its own process), with Temporal
and the WAHA stand-in as subprocesses, and feeds it messages by signal-with-start, round robin
over the conversations, each after the conversation's previous one was answered. At each
mark it prints the RSS, the number of cached workflows, the Python heap tracemalloc sees,
and the allocation sites that grew most since the previous mark. docs/memory.md reads these.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Stack, machine_conditions, run_main  # noqa: E402
from traffic import TEXTS, phone  # noqa: E402

TASK_QUEUE = "bench-memory-trace"


def cached_workflows(worker) -> int:
    """Workflows held in the worker's cache (the SDK keeps each running instance in this dict)."""
    running = getattr(getattr(worker, "_workflow_worker", None), "_running_workflows", None)
    return len(running) if running is not None else -1


def top_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, count: int) -> list[str]:
    stats = after.compare_to(before, "traceback")
    lines = []
    for stat in stats[:count]:
        frames = [f"{Path(frame.filename).name}:{frame.lineno}" for frame in stat.traceback]
        lines.append(f"  {stat.size_diff / 2**20:+8.2f} MiB {stat.count_diff:+8d} blocks  " + " < ".join(reversed(frames)))
    return lines


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--cache", type=int, default=1000, help="WORKER_MAX_CACHED_WORKFLOWS")
    parser.add_argument("--marks", type=int, default=4, help="snapshots taken at evenly spaced counts")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--frames", type=int, default=6, help="traceback depth kept by tracemalloc (slower when deeper)")
    args = parser.parse_args()
    print(f"machine: {machine_conditions()}")
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        for key, value in stack.base_env().items():
            if key.startswith(("DATA_DIR", "WAHA_", "INVENTORY_", "TEMPORAL_")):
                os.environ[key] = value
        os.environ["WORKER_MAX_CACHED_WORKFLOWS"] = str(args.cache)
        os.environ.setdefault("MODEL_CACHE_DIR", str(Path(__file__).resolve().parent.parent / "var" / "cache"))
        os.environ["TEMPORAL_TASK_QUEUE"] = TASK_QUEUE
        from config import reload_settings
        from workflows.conversation import ConversationWorkflow
        from workflows.models import ConversationInput, InboundMessage, conversation_workflow_id
        from worker.build import running_worker
        import httpx

        settings = reload_settings()
        client = await stack.client()
        me = psutil.Process()
        tracemalloc.start(args.frames)
        async with running_worker(client, settings) as worker, httpx.AsyncClient(base_url=stack.waha_url, timeout=120) as sink:
            chats = [f"{phone('33', i)}@c.us" for i in range(args.conversations)]
            sent: dict[str, int] = {}

            async def one(index: int) -> None:
                chat = chats[index % len(chats)]
                number = sent.get(chat, 0) + 1
                sent[chat] = number
                now = datetime.now(timezone.utc)
                digits = chat.split("@")[0]
                message = InboundMessage(message_id=f"trace-{index}", chat_id=chat, phone=f"+{digits}",
                                         text=TEXTS[(number + index) % len(TEXTS)], sent_at=now, received_at=now)
                await client.start_workflow(
                    ConversationWorkflow.run, ConversationInput(chat_id=chat, phone=message.phone),
                    id=conversation_workflow_id(digits), task_queue=TASK_QUEUE,
                    start_signal="new_message", start_signal_args=[message],
                )
                got = (await sink.get("/_bench/wait", params={"chat": chat, "count": number, "timeout": 90})).json()
                if got["count"] < number:
                    raise RuntimeError(f"{chat}: message {number} not answered")

            step = args.messages // args.marks
            previous = None
            done = 0
            for mark in range(1, args.marks + 1):
                # One round of the conversations at a time, 20 in parallel: each answered before its next.
                while done < step * mark:
                    batch = range(done, min(done + 20, step * mark))
                    await asyncio.gather(*(one(index) for index in batch))
                    done = batch[-1] + 1
                await asyncio.sleep(1)
                gc.collect()
                snapshot = tracemalloc.take_snapshot().filter_traces(
                    [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
                )
                traced = sum(stat.size for stat in snapshot.statistics("filename"))
                print(f"\nafter {done:,} messages: RSS {me.memory_info().rss / 2**20:,.1f} MiB, "
                      f"cached workflows {cached_workflows(worker)}, Python heap (tracemalloc) {traced / 2**20:,.1f} MiB",
                      flush=True)
                if previous is not None:
                    print("\n".join(top_growth(previous, snapshot, args.top)), flush=True)
                previous = snapshot
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
