"""Load generation shared by the benchmarks: message texts, senders, reply matching.

Replies are matched to messages by chat and count: a conversation answers its messages
one at a time in order, so the k-th reply in a chat belongs to the k-th message sent there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from harness import WahaReceipts, percentile
from tests.waha_events import message_event

# Everyday questions the rules engine answers without escalating (checked by `check_texts`),
# cycled per chat so no chat repeats itself (a repeat counts as "not understood").
TEXTS = [
    "Hoi, hebben jullie een Volkswagen Golf?",
    "Ik zoek een diesel stationwagon tot 25000 euro",
    "Staat die nog?",
    "Wat zijn jullie openingstijden op zaterdag?",
    "Hebben jullie een automaat onder de 20.000?",
    "Is er een Toyota Yaris hybride?",
    "Mag ik zaterdag een proefrit maken?",
    "Wat kost de BMW 3 serie?",
    "Hebben jullie ook SUV's?",
    "Ik zoek een elektrische auto",
    "Kan ik mijn auto inruilen?",
]


def check_texts() -> None:
    """Fail fast if a text would escalate: an escalated chat goes quiet and looks like loss."""
    from agents.rules import RulesEngine

    engine = RulesEngine()
    for text in TEXTS:
        decision = engine.understand(text).expertise.escalation_decision
        if decision.escalate:
            raise SystemExit(f"bench text escalates ({decision.escalation_type}): {text!r}")


def phone(run: str, index: int) -> str:
    """Distinct Dutch mobile numbers per run and conversation: 316<run 2 digits><index 6 digits>."""
    return f"316{run}{index:06d}"


def text_for(index_in_chat: int, chat_index: int) -> str:
    return TEXTS[(index_in_chat + chat_index) % len(TEXTS)]


def webhook_body(phone_digits: str, text: str) -> bytes:
    return json.dumps(message_event(phone_digits, text)).encode()


@contextlib.asynccontextmanager
async def http_clients(count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One keep-alive connection per sender: httpx's shared pool slows down past ~20 connections."""
    async with contextlib.AsyncExitStack() as stack:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        yield [await stack.enter_async_context(httpx.AsyncClient(limits=limits, timeout=30)) for _ in range(count)]


async def closed_loop(senders: int, total: int, call: Callable[[int, int], Awaitable[None]]) -> list[float]:
    """`senders` callers each calling `call(sender, index)` back to back until `total` calls.

    Returns the latencies in ms."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def sender(number: int) -> None:
        for index in counter:
            started = time.perf_counter()
            await call(number, index)
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(sender(number) for number in range(senders)))
    return latencies


@dataclass
class OpenLoopRun:
    """Messages sent at a fixed rate; per chat the send times, in order."""

    sent: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    count: int = 0


async def open_loop(
    rate: float,
    total: int,
    chats: list[str],
    send: Callable[[str, str], Awaitable[None]],
    run: OpenLoopRun | None = None,
) -> OpenLoopRun:
    """Send `total` messages at `rate`/s, round robin over `chats` (chat ids '316…@c.us').

    Each send is its own task, so a slow acknowledgement never slows the offered rate.
    """
    run = run or OpenLoopRun()
    tasks: set[asyncio.Task] = set()
    per_chat: dict[str, int] = defaultdict(int)
    run.started = time.monotonic()

    async def one(chat: str, text: str) -> None:
        try:
            await send(chat, text)
        except Exception as exc:  # noqa: BLE001 - counted as a lost message
            run.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    for index in range(total):
        due = run.started + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        chat_index = index % len(chats)
        chat = chats[chat_index]
        text = text_for(per_chat[chat], chat_index)
        per_chat[chat] += 1
        run.sent[chat].append(time.monotonic())
        task = asyncio.create_task(one(chat, text))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        run.count += 1
    if tasks:
        await asyncio.gather(*tasks)
    run.finished = time.monotonic()
    return run


@dataclass
class ReplyCheck:
    latencies_ms: list[float]
    replied: int
    missing: int
    duplicates: int
    last_reply: float | None

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def exact(self) -> bool:
        return self.missing == 0 and self.duplicates == 0


def match_replies(sent: dict[str, list[float]], rows: list[tuple[str, str, float]]) -> ReplyCheck:
    """Pair the k-th reply in each chat with the k-th message; count the missing and the extra."""
    received: dict[str, list[float]] = defaultdict(list)
    for chat, _text, at in rows:
        if chat in sent:
            received[chat].append(at)
    latencies, missing, duplicates, last = [], 0, 0, None
    for chat, sends in sent.items():
        replies = sorted(received.get(chat, []))
        for sent_at, reply_at in zip(sends, replies):
            latencies.append((reply_at - sent_at) * 1000)
        missing += max(0, len(sends) - len(replies))
        duplicates += max(0, len(replies) - len(sends))
        if replies:
            last = max(last or 0.0, replies[-1])
    return ReplyCheck(latencies, len(latencies), missing, duplicates, last)


async def wait_for_replies(
    receipts: WahaReceipts, sent: dict[str, list[float]], timeout: float, settle: float = 1.0
) -> ReplyCheck:
    """Poll the sink until every message has a reply (then `settle` s more, to catch duplicates)."""
    expected = sum(len(times) for times in sent.values())
    deadline = time.monotonic() + timeout
    while True:
        check = match_replies(sent, await receipts.refresh())
        if check.replied >= expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.25)
    if settle:
        await asyncio.sleep(settle)
        check = match_replies(sent, await receipts.refresh())
    return check


def pooled_webhook_sender(clients: list[httpx.AsyncClient], url: str) -> Callable[[str, str], Awaitable[None]]:
    """Like `webhook_sender`, over several connections: with one, a slow acknowledgement (a busy
    machine) caps the offered rate at one message per round trip."""
    free = asyncio.Queue()
    for client in clients:
        free.put_nowait(client)

    async def send(chat: str, text: str) -> None:
        http = await free.get()
        try:
            await webhook_sender(http, url)(chat, text)
        finally:
            free.put_nowait(http)

    return send


def webhook_sender(http: httpx.AsyncClient, url: str) -> Callable[[str, str], Awaitable[None]]:
    async def send(chat: str, text: str) -> None:
        response = await http.post(
            url, content=webhook_body(chat.split("@")[0], text), headers={"content-type": "application/json"}
        )
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")

    return send
