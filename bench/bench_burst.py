"""Burst coalescing: the latency the window adds, and the replies it saves on bursty traffic.

    .venv/bin/python bench/bench_burst.py [--window 2] [--max-window 6] [--chats 30] [--single 40]

One stack (Temporal dev server, one worker, the WAHA sink) and two APIs on it: one starts its
conversations with the burst window (COALESCE_SECONDS=--window), the other without (0, the floor).
Both get the same traffic at the same time, on different chats, in two phases:
1. lone messages (one per chat, --rate per second per API): webhook POST → sendText, p50/p99;
   what the window adds is the difference (a lone message waits the window out);
2. bursty chats: each sends three bursts of 1–4 quick messages (0.3–1.2 s apart, 5 s between
   bursts, seeded): replies per burst, and the wait from the customer's LAST message to the answer.
A worker that falls behind answers late messages together too (they came in before it started
answering them): on an overloaded machine fewer replies than bursts are possible.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Stack, WahaReceipts, machine_conditions, percentile, print_table, run_main  # noqa: E402
from traffic import http_clients, phone, webhook_sender  # noqa: E402

TASK_QUEUE = "bench-burst"
BURSTS = [  # everyday bursts the rules engine answers without escalating
    ["Hallo", "is de polo nog beschikbaar?", "en wat kost hij per maand?"],
    ["Hoi", "hebben jullie een automaat?"],
    ["Zijn jullie zaterdag open?"],
    ["Ik zoek een Golf", "diesel", "tot 25k", "liefst met trekhaak"],
    ["Goedemiddag", "ik zoek een elektrische auto"],
    ["Is er een Toyota Yaris hybride?"],
    ["Hebben jullie ook SUV's?", "tot 30.000"],
]
BURSTS_PER_CHAT = 3
GAP_BETWEEN_BURSTS = 5.0


async def single_messages(send, chats: list[str], rate: float) -> dict[str, float]:
    """One message per chat at `rate`/s; returns the send time per chat."""
    sent: dict[str, float] = {}
    tasks = []
    start = time.monotonic()
    for index, chat in enumerate(chats):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[chat] = time.monotonic()
        tasks.append(asyncio.create_task(send(chat, "Hoi, hebben jullie een Volkswagen Golf?")))
    await asyncio.gather(*tasks)
    return sent


async def bursty_chat(send, chat: str, rng: random.Random) -> list[list[float]]:
    """Three bursts; returns the send times of each burst's messages."""
    bursts = []
    for number in range(BURSTS_PER_CHAT):
        texts = BURSTS[rng.randrange(len(BURSTS))]
        times = []
        for index, text in enumerate(texts):
            if index:
                await asyncio.sleep(rng.uniform(0.3, 1.2))
            times.append(time.monotonic())
            await send(chat, text)
        bursts.append(times)
        if number < BURSTS_PER_CHAT - 1:
            await asyncio.sleep(GAP_BETWEEN_BURSTS + rng.uniform(0, 1))
    return bursts


def replies_by_chat(rows: list[tuple[str, str, float]]) -> dict[str, list[float]]:
    received: dict[str, list[float]] = defaultdict(list)
    for chat, _text, at in rows:
        received[chat].append(at)
    return {chat: sorted(times) for chat, times in received.items()}


def after_last_message(bursts: list[list[float]], replies: list[float]) -> list[float]:
    """Per burst: from its last message to the first reply after it (ms)."""
    waits = []
    for times in bursts:
        later = [at for at in replies if at >= times[-1]]
        if later:
            waits.append((later[0] - times[-1]) * 1000)
    return waits


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=2.0, help="COALESCE_SECONDS of the measured API")
    parser.add_argument("--max-window", type=float, default=6.0, help="COALESCE_MAX_SECONDS")
    parser.add_argument("--chats", type=int, default=10, help="bursty chats per API")
    parser.add_argument("--single", type=int, default=30, help="single-message chats per API")
    parser.add_argument("--rate", type=float, default=2.0, help="lone messages per second, per API")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    print("Burst coalescing: added latency and replies saved")
    print(f"machine: {machine_conditions()}")
    print(f"command: .venv/bin/python bench/bench_burst.py --window {args.window:g} --max-window {args.max_window:g} "
          f"--chats {args.chats} --single {args.single} --rate {args.rate:g} --seed {args.seed}")
    async with Stack() as stack:
        await stack.start_temporal()
        await stack.start_waha_sink()
        await stack.start_worker(TASK_QUEUE)
        apis = {
            "floor: no window (COALESCE_SECONDS=0)": await stack.start_api(TASK_QUEUE, COALESCE_SECONDS="0"),
            f"window {args.window:g} s (max {args.max_window:g} s)": await stack.start_api(
                TASK_QUEUE, COALESCE_SECONDS=str(args.window), COALESCE_MAX_SECONDS=str(args.max_window)),
        }
        receipts = WahaReceipts(stack.waha_url)
        urls = list(apis.values())
        half = args.chats + 1
        async with http_clients(2 * half) as clients:
            # one keep-alive connection per bursty chat (its messages in order), one for the singles
            senders = [[webhook_sender(client, f"{urls[n]}/webhook/waha") for client in clients[n * half:(n + 1) * half]]
                       for n in range(2)]
            # warm-up: imports, caches and the model, on chats of their own
            await asyncio.gather(*(senders[n][0](f"{phone('39', n)}@c.us", "Hallo") for n in range(2)))
            await asyncio.sleep(args.window + 3)

            singles = [[f"{phone(run, i)}@c.us" for i in range(args.single)] for run in ("40", "41")]
            bursty = [[f"{phone(run, i)}@c.us" for i in range(args.chats)] for run in ("42", "43")]
            chat_rngs = [_split(random.Random(args.seed), args.chats) for _ in range(2)]  # the same bursts for both

            # 1: lone messages, both APIs at once (a light, steady load), then quiet
            single_sent = list(await asyncio.gather(*(
                single_messages(senders[n][0], singles[n], rate=args.rate) for n in range(2))))
            await asyncio.sleep(args.window + 5)
            # 2: the bursty chats, both APIs at once
            burst_sent = list(await asyncio.gather(*(
                asyncio.gather(*(bursty_chat(senders[n][1 + i], chat, chat_rngs[n][i]) for i, chat in enumerate(bursty[n])))
                for n in range(2))))
            expected_floor = sum(len(times) for chat in burst_sent[0] for times in chat) + args.single
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                rows = await receipts.refresh()
                got = replies_by_chat(rows)
                floor_done = sum(len(got.get(chat, [])) for chat in singles[0] + bursty[0]) >= expected_floor
                window_done = all(len(got.get(chat, [])) >= BURSTS_PER_CHAT for chat in bursty[1]) and all(
                    got.get(chat) for chat in singles[1])
                if floor_done and window_done:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(args.max_window + 2)  # late or duplicate replies would show now
            got = replies_by_chat(await receipts.refresh())
        await receipts.aclose()

    rows, summary = [], []
    names = list(apis)
    for n, name in enumerate(names):
        single = [(got[chat][0] - single_sent[n][chat]) * 1000 for chat in singles[n] if got.get(chat)]
        messages = sum(len(times) for bursts in burst_sent[n] for times in bursts)
        burst_count = sum(len(bursts) for bursts in burst_sent[n])
        replies = sum(len(got.get(chat, [])) for chat in bursty[n])
        one_each = sum(1 for chat, bursts in zip(bursty[n], burst_sent[n]) if len(got.get(chat, [])) == len(bursts))
        waits = [wait for chat, bursts in zip(bursty[n], burst_sent[n]) for wait in after_last_message(bursts, got.get(chat, []))]
        rows.append([name, len(single), percentile(single, 50), percentile(single, 99), messages, burst_count, replies,
                     f"{one_each}/{len(bursty[n])}", percentile(waits, 50), percentile(waits, 99)])
        summary.append((single, messages, burst_count, replies))
    print_table(
        f"{args.single} single messages and {args.chats} bursty chats per API, at the same time",
        ["API", "singles answered", "single p50 ms", "single p99 ms", "burst msgs", "bursts", "replies",
         "chats: one reply per burst", "last msg → reply p50 ms", "p99 ms"],
        rows,
    )
    (floor_single, floor_messages, bursts, floor_replies), (window_single, _, _, window_replies) = summary
    added_p50 = percentile(window_single, 50) - percentile(floor_single, 50)
    added_p99 = percentile(window_single, 99) - percentile(floor_single, 99)
    print(f"  added latency for a lone message: p50 +{added_p50:.0f} ms, p99 +{added_p99:.0f} ms "
          f"(the window is {args.window * 1000:.0f} ms: a lone message waits it out; the difference can be "
          f"smaller when the floor's own queueing under load overlaps it)")
    print(f"  replies on bursty traffic: {window_replies} instead of {floor_replies} (floor: one per message, "
          f"{floor_messages}); saved {floor_replies - window_replies}, at most {floor_messages - bursts} "
          f"({bursts} bursts)")
    return 0


def _split(rng: random.Random, count: int) -> list[random.Random]:
    """One generator per chat, derived from the run's seed: both APIs see the same bursts."""
    return [random.Random(rng.random()) for _ in range(count)]


if __name__ == "__main__":
    sys.exit(run_main(main))
