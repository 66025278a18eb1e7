"""Benchmark 6: workflow history per customer message, in events and bytes.

    .venv/bin/python bench/bench_history.py [--messages 20] [--customers 3]

Each customer sends `--messages` different everyday questions through `seldenrijk api` and the
worker (rules engine), one after another, each after the previous answer. Then the
conversation's history is read back and measured: events and serialized bytes per customer
message (the first message, which starts the workflow, is counted separately), by event type.
Temporal suggests continue-as-new at 4 MB or 4,000 events; the workflow continues as new after
`messages_per_run` messages, so the history stays under that times the per-message figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Stack, machine_conditions, print_table, run_main  # noqa: E402
from traffic import TEXTS, check_texts, phone, webhook_body  # noqa: E402

TASK_QUEUE = "bench-history"
SUGGEST_BYTES = 4 * 2**20  # Temporal's continue-as-new suggestion thresholds
SUGGEST_EVENTS = 4000


def measure(history) -> tuple[int, int, Counter]:
    events = list(history.events)
    kinds = Counter()
    size = 0
    for event in events:
        raw = event.ByteSize()
        size += raw
        kinds[event.WhichOneof("attributes").removesuffix("_event_attributes")] += 1
    return len(events), size, kinds


async def conversation(api: str, sink: httpx.AsyncClient, http: httpx.AsyncClient, chat: str, first: int, last: int,
                       offset: int) -> None:
    """Messages `first`..`last` of the chat, each after the previous one was answered."""
    for number in range(first, last + 1):
        text = TEXTS[(offset + number) % len(TEXTS)]
        response = await http.post(f"{api}/webhook/waha", content=webhook_body(chat.split("@")[0], text),
                                   headers={"content-type": "application/json"})
        response.raise_for_status()
        got = (await sink.get("/_bench/wait", params={"chat": chat, "count": number, "timeout": 60})).json()
        if got["count"] < number:
            raise RuntimeError(f"{chat}: no answer to message {number}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--customers", type=int, default=3)
    args = parser.parse_args()
    check_texts()
    print("Benchmark 6: workflow history per customer message")
    print(f"machine: {machine_conditions()}")
    from workflows.models import conversation_workflow_id

    rows = []
    type_rows = []
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        await stack.start_worker(TASK_QUEUE)
        api = await stack.start_api(TASK_QUEUE)
        client = await stack.client()
        async with httpx.AsyncClient(timeout=30) as http, httpx.AsyncClient(base_url=stack.waha_url, timeout=90) as sink:
            per_customer = []
            for customer in range(args.customers):
                chat = f"{phone('40', customer)}@c.us"
                await conversation(api, sink, http, chat, 1, 1, customer)
                await asyncio.sleep(1.5)  # the CRM lane's batch after the first message
                first = measure(await client.get_workflow_handle(conversation_workflow_id(chat)).fetch_history())
                await conversation(api, sink, http, chat, 2, args.messages, customer)
                await asyncio.sleep(1.5)
                total = measure(await client.get_workflow_handle(conversation_workflow_id(chat)).fetch_history())
                per_customer.append((first, total))
        for index, (first, total) in enumerate(per_customer):
            more = args.messages - 1
            rows.append([f"customer {index + 1}", first[0], first[1], (total[0] - first[0]) / more,
                         (total[1] - first[1]) / more, total[0], total[1]])
        kinds = Counter()
        for first, total in per_customer:
            kinds.update({kind: n - first[2].get(kind, 0) for kind, n in total[2].items()})
        more_messages = (args.messages - 1) * len(per_customer)
        type_rows = [[kind, count / more_messages] for kind, count in kinds.most_common()]
    print_table(
        f"History of one conversation, {args.messages} messages each (the first starts the workflow)",
        ["conversation", "events, 1st msg", "bytes, 1st msg", "events per later msg", "bytes per later msg",
         "events total", "bytes total"],
        rows,
    )
    print_table("Events per later message, by type", ["event type", "per message"], type_rows)
    events_per, bytes_per = sum(r[3] for r in rows) / len(rows), sum(r[4] for r in rows) / len(rows)
    print(f"  at these sizes Temporal would suggest continue-as-new after about "
          f"{min(SUGGEST_EVENTS / events_per, SUGGEST_BYTES / bytes_per):.0f} messages")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
