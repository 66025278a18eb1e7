"""What one cached conversation costs per message: the worker's RSS after each round of messages.

    .venv/bin/python bench/memory_per_message.py [--conversations 150] [--rounds 5] [--cache 1000]

Every conversation gets one message per round, each answered before the round ends; with
fewer conversations than the workflow cache holds, all of them stay cached, so the RSS growth
per round divided by the conversations is what a cached conversation holds per message
(docs/memory.md). The first round also pays for starting the workflows and warming up.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import PROJECT_ROOT, Stack, machine_conditions, print_table, run_main  # noqa: E402
from traffic import TEXTS, phone  # noqa: E402

TASK_QUEUE = "bench-memory-rounds"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache", type=int, default=1000, help="WORKER_MAX_CACHED_WORKFLOWS")
    parser.add_argument("--quiet", type=float, default=0.0,
                        help="QUIET_CONTINUE_SECONDS for the conversations, and a pause of twice that between "
                             "rounds (0: never quiet, the run grows)")
    args = parser.parse_args()
    print(f"machine: {machine_conditions()}")
    rows = []
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        worker = await stack.start_worker(TASK_QUEUE, MODEL_CACHE_DIR=str(PROJECT_ROOT / "var" / "cache"),
                                          WORKER_MAX_CACHED_WORKFLOWS=str(args.cache), COALESCE_SECONDS="0")
        client = await stack.client()
        from workflows.conversation import ConversationWorkflow
        from workflows.models import ConversationInput, InboundMessage, conversation_workflow_id

        chats = [f"{phone('34', index)}@c.us" for index in range(args.conversations)]
        rows.append(["idle worker", worker.rss_mib(), "-", "-"])
        limit = asyncio.Semaphore(20)
        async with httpx.AsyncClient(base_url=stack.waha_url, timeout=120) as sink:

            async def one(index: int, chat: str, number: int) -> None:
                async with limit:
                    now = datetime.now(timezone.utc)
                    digits = chat.split("@")[0]
                    message = InboundMessage(message_id=f"round-{number}-{digits}", chat_id=chat, phone=f"+{digits}",
                                             text=TEXTS[(number + index) % len(TEXTS)], sent_at=now, received_at=now)
                    await client.start_workflow(
                        ConversationWorkflow.run, ConversationInput(chat_id=chat, phone=message.phone, coalesce_seconds=0,
                                                      quiet_continue_seconds=args.quiet),
                        id=conversation_workflow_id(digits), task_queue=TASK_QUEUE,
                        start_signal="new_message", start_signal_args=[message],
                    )
                    answered = (await sink.get("/_bench/wait", params={"chat": chat, "count": number, "timeout": 90})).json()
                    if answered["count"] < number:
                        raise RuntimeError(f"{chat}: message {number} not answered")

            previous = rows[0][1]
            for number in range(1, args.rounds + 1):
                started = time.monotonic()
                await asyncio.gather(*(one(index, chat, number) for index, chat in enumerate(chats)))
                await asyncio.sleep(max(1.0, 2 * args.quiet))
                rss = worker.rss_mib()
                rows.append([f"after round {number}", rss, (rss - previous) * 1024 / args.conversations,
                             time.monotonic() - started])
                previous = rss
    print_table(f"{args.conversations} conversations, one message each per round, cache {args.cache}",
                ["when", "worker RSS MiB", "KiB per conversation this round", "seconds"], rows)
    later = [row[2] for row in rows[2:]]
    if later:
        print(f"  rounds 2-{args.rounds}: {sum(later) / len(later):.0f} KiB per cached conversation per message")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
