"""Benchmark 1: webhook acknowledgement latency (POST /webhook/waha → {"status":"queued"}).

    .venv/bin/python bench/bench_ack.py [--requests 2000]

Closed loop: 10, then 50 senders each POST back to back. Two floors, same run, same
concurrency: an empty endpoint on the same FastAPI + uvicorn set-up, and raw
signal-with-start through the Temporal client. The API's task queue has no worker, so the
figure is the acknowledgement path alone (processing is benchmarks 2 and 3); the raw floor
signals the same kind of workflow with the same input on the same server.
Targets: p99 ≤ 50 ms at 10 senders; at 50 senders p99 ≤ 1.5 × raw signal-with-start's.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


from harness import Stack, machine_conditions, percentile, print_table, run_main, verdict  # noqa: E402
from traffic import closed_loop, http_clients, phone, webhook_body  # noqa: E402

CONVERSATIONS = 200  # requests go round robin over this many chats: most are signals to a running workflow
WARMUP = 100
ACK_QUEUE = "bench-ack"  # no worker polls it


async def http_run(url: str, senders: int, total: int, run: str) -> list[float]:
    bodies = [webhook_body(phone(run, i % CONVERSATIONS), "Hebben jullie een Golf?") for i in range(total + WARMUP)]
    async with http_clients(senders) as clients:

        async def call(sender: int, index: int) -> None:
            response = await clients[sender].post(
                url, content=bodies[index], headers={"content-type": "application/json"}
            )
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:200]}")

        await closed_loop(senders, WARMUP, call)
        return await closed_loop(senders, total, lambda sender, i: call(sender, WARMUP + i))


async def raw_run(client, senders: int, total: int, run: str) -> list[float]:
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput, InboundMessage, conversation_workflow_id
    from datetime import datetime, timezone

    async def call(sender: int, index: int) -> None:
        digits = phone(run, index % CONVERSATIONS)
        now = datetime.now(timezone.utc)
        message = InboundMessage(
            message_id=f"raw-{run}-{index}", chat_id=f"{digits}@c.us", phone=f"+{digits}",
            text="Hebben jullie een Golf?", sent_at=now, received_at=now,
        )
        await client.start_workflow(
            ConversationWorkflow.run,
            ConversationInput(chat_id=message.chat_id, phone=message.phone),
            id=conversation_workflow_id(digits),
            task_queue=ACK_QUEUE,
            start_signal="new_message",
            start_signal_args=[message],
            rpc_timeout=timedelta(seconds=5),
        )

    await closed_loop(senders, WARMUP, lambda sender, i: call(sender, 10**6 + i))
    return await closed_loop(senders, total, call)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per concurrency level and path")
    args = parser.parse_args()
    print("Benchmark 1: webhook acknowledgement")
    print(f"machine: {machine_conditions()}")
    rows, verdicts = [], []
    async with Stack() as stack:
        await stack.start_temporal()
        api = await stack.start_api(ACK_QUEUE)
        empty = await stack.start_empty_app()
        client = await stack.client()
        for number, senders in enumerate((10, 50)):
            # Distinct chats per path and level, so each path starts its own 200 workflows.
            empty_ms = await http_run(f"{empty}/webhook/waha", senders, args.requests, f"1{number}")
            api_ms = await http_run(f"{api}/webhook/waha", senders, args.requests, f"2{number}")
            raw_ms = await raw_run(client, senders, args.requests, f"3{number}")
            for name, values in (
                ("floor: empty FastAPI endpoint", empty_ms),
                ("floor: raw signal-with-start", raw_ms),
                ("POST /webhook/waha (seldenrijk api)", api_ms),
            ):
                rows.append([senders, name, len(values), percentile(values, 50), percentile(values, 99)])
            api_p99, raw_p99 = percentile(api_ms, 99), percentile(raw_ms, 99)
            if senders == 10:
                verdicts.append(["p99 at 10 senders ≤ 50 ms", f"{api_p99:.1f} ms", verdict(api_p99 <= 50)])
            else:
                bound = 1.5 * raw_p99
                verdicts.append(
                    [f"p99 at 50 senders ≤ 1.5 × raw ({bound:.1f} ms)", f"{api_p99:.1f} ms", verdict(api_p99 <= bound)]
                )
    print_table(
        f"Webhook acknowledgement, {args.requests} requests per row (after {WARMUP} warm-up)",
        ["senders", "path", "requests", "p50 ms", "p99 ms"],
        rows,
    )
    print_table("Targets", ["target", "measured", "verdict"], verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
