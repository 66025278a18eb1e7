"""The benchmark tooling: reply matching, the WAHA sink, the stack teardown, the naive floor."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timezone
from pathlib import Path

import httpx
import psutil

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from harness import Stack, WahaReceipts, percentile  # noqa: E402
from traffic import TEXTS, check_texts, match_replies, open_loop, text_for  # noqa: E402


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([5.0], 99) == 5.0


def test_replies_pair_by_chat_and_count():
    sent = {"a@c.us": [1.0, 2.0], "b@c.us": [1.5]}
    rows = [("a@c.us", "x", 1.2), ("b@c.us", "y", 1.9), ("a@c.us", "z", 2.05), ("other@c.us", "q", 3.0)]
    check = match_replies(sent, rows)
    assert check.exact and check.replied == 3
    assert sorted(round(ms) for ms in check.latencies_ms) == [50, 200, 400]


def test_a_lost_and_a_duplicated_reply_are_both_counted():
    sent = {"a@c.us": [1.0, 2.0], "b@c.us": [1.0]}
    rows = [("a@c.us", "x", 1.1), ("b@c.us", "y", 1.2), ("b@c.us", "y", 1.3)]
    check = match_replies(sent, rows)
    assert (check.missing, check.duplicates, check.exact) == (1, 1, False)


def test_bench_texts_do_not_escalate_and_chats_do_not_repeat_themselves():
    check_texts()
    for chat in range(5):
        texts = [text_for(k, chat) for k in range(len(TEXTS))]
        assert all(a != b for a, b in zip(texts, texts[1:]))


async def test_open_loop_keeps_its_rate_and_round_robin():
    seen: list[str] = []

    async def send(chat: str, text: str) -> None:
        seen.append(chat)

    run = await open_loop(200, 20, ["a", "b", "c"], send)
    assert run.count == 20 and not run.errors
    assert seen[:4] == ["a", "b", "c", "a"]
    assert 0.08 <= run.finished - run.started < 1.0  # 20 messages at 200/s: about 0.1 s


async def test_sink_records_sends_and_the_stack_stops_everything():
    stack = Stack()
    async with stack:
        url = await stack.start_waha_sink()
        pid = stack.processes[0].pid
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.post("/api/sendText", json={"session": "default", "chatId": "316@c.us", "text": "hoi"})
            assert response.status_code == 201 and response.json()["id"].startswith("true_316@c.us_")
            assert (await http.post("/api/sendText", json={"chatId": "x"})).status_code == 400
        receipts = WahaReceipts(url)
        rows = await receipts.refresh()
        await receipts.aclose()
        assert [(chat, text) for chat, text, _ in rows] == [("316@c.us", "hoi")]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not stack.root.exists()


async def test_naive_pipeline_answers_each_message_once(temporal_env, task_queue, tmp_path):
    from config import Settings
    from naive import NaiveConversationWorkflow, naive_worker
    from workflows.models import ConversationInput, InboundMessage

    async with Stack() as stack:
        waha_url = await stack.start_waha_sink()
        settings = Settings(_env_file=None, data_dir=tmp_path, waha_url=waha_url, inventory_sources=["sample"])
        client = temporal_env.client
        async with naive_worker(client, settings, task_queue):
            for number, text in enumerate(["Hebben jullie een Volkswagen Golf?", "Staat die nog?"]):
                now = datetime.now(timezone.utc)
                await client.start_workflow(
                    NaiveConversationWorkflow.run,
                    ConversationInput(chat_id="31600000001@c.us", phone="+31600000001"),
                    id=f"naive-{task_queue}",
                    task_queue=task_queue,
                    start_signal="new_message",
                    start_signal_args=[
                        InboundMessage(
                            message_id=f"m{number}", chat_id="31600000001@c.us", phone="+31600000001",
                            text=text, sent_at=now, received_at=now,
                        )
                    ],
                )
            receipts = WahaReceipts(waha_url)
            for _ in range(100):
                rows = await receipts.refresh()
                if len(rows) >= 2:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)
            rows = await receipts.refresh()
            await receipts.aclose()
    assert [chat for chat, _, _ in rows] == ["31600000001@c.us"] * 2
    assert "Golf" in rows[0][1]


async def test_in_process_floor_answers_every_message_in_every_chat(tmp_path):
    """bench/inprocess.py walks the workflow's own steps; a changed step signature must fail here."""
    from bench_default_stack import customers_in_turn, customer_questions
    from config import Settings
    from inprocess import InProcessPipeline

    async with Stack() as stack:
        waha_url = await stack.start_waha_sink()
        settings = Settings(_env_file=None, data_dir=tmp_path, waha_url=waha_url, waha_api_key="k",
                            inventory_sources=["sample"])
        pipeline = InProcessPipeline(settings)
        chats = ["31600000011@c.us", "31600000012@c.us", "31600000013@c.us"]
        asked: list[tuple[str, int, str]] = []

        async def ask(chat: str, number: int, text: str) -> None:
            asked.append((chat, number, text))
            await pipeline.handle(chat, text)

        try:
            _, errors = await customers_in_turn(chats, 2, ask)
        finally:
            await pipeline.aclose()
        receipts = WahaReceipts(waha_url)
        rows = await receipts.refresh()
        await receipts.aclose()
    assert errors == []
    assert sorted(chat for chat, _, _ in rows) == sorted(chats * 5)
    for index, chat in enumerate(chats):  # five different questions per customer, in order
        texts = [text for c, _, text in asked if c == chat]
        assert texts == customer_questions(index) and len(set(texts)) == 5
    assert any("Golf" in text for _, text, _ in rows)


async def test_sink_wait_answers_when_the_chat_has_its_replies():
    async with Stack() as stack:
        url = await stack.start_waha_sink()
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            waiting = asyncio.create_task(http.get("/_bench/wait", params={"chat": "31@c.us", "count": 2, "timeout": 5}))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            for text in ("een", "twee"):
                await http.post("/api/sendText", json={"session": "default", "chatId": "31@c.us", "text": text})
            assert (await waiting).json() == {"count": 2}
            timed_out = await http.get("/_bench/wait", params={"chat": "32@c.us", "count": 1, "timeout": 0.2})
            assert timed_out.json() == {"count": 0}
            seen = await http.post("/api/sendSeen", json={"session": "default", "chatId": "31@c.us"})
            assert seen.status_code == 200
        receipts = WahaReceipts(url)
        assert [text for _, text, _ in await receipts.refresh()] == ["een", "twee"]  # seen is no reply
        await receipts.aclose()
