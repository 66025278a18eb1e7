"""What operators see: search attributes, current details, metrics, and the staff CLIs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from temporalio.api.sdk.v1 import WorkflowMetadata

from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event

SELDENRIJK = Path(sys.executable).parent / "seldenrijk"
MODEL_CACHE = Path(__file__).resolve().parent.parent / "var" / "cache"


async def _find(client, query: str, timeout: float = 15.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        ids = [execution.id async for execution in client.list_workflows(query)]
        if ids or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.2)


async def test_conversation_is_findable_and_traceable(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        text = "Hebben jullie een Golf tot 25k? Kan ik zaterdag een proefrit maken?"
        await p.post(message_event(phone, text))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        crm = state.last_crm
        workflow_id = f"conversation-{phone}"

        assert workflow_id in await _find(p.client, f'CustomerPhone = "+{phone}"')
        quality_query = f'LeadQuality = "{crm.lead_quality}" AND CustomerPhone = "+{phone}"'
        assert workflow_id in await _find(p.client, quality_query)
        assert workflow_id in await _find(p.client, f"LeadScore = {crm.lead_score} AND CustomerPhone = \"+{phone}\"")
        intent = state.recent[-1].router_output.intent
        assert workflow_id in await _find(p.client, f'Intent = "{intent}" AND CustomerPhone = "+{phone}"')

        # Current details: the last customer message and the last answer.
        handle = p.client.get_workflow_handle(workflow_id)
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        details = metadata.current_details
        assert text in details and state.recent[-1].conversation_output.response_text[:30] in details

        # One summarised event per step in the history.
        history = await handle.fetch_history()
        summaries = []
        for event in history.events:
            if event.user_metadata.HasField("summary"):
                summaries.append(json.loads(event.user_metadata.summary.data))
        steps = [summary.split(" ")[0] for summary in summaries]
        # Router, extraction and expertise are one step since patch "understand-in-one-step"; the
        # stock is searched in it and the lead scored in the reply step since "answer-in-two-steps".
        for step in ("understanding", "reply", "whatsapp"):
            assert step in steps, (step, summaries)
        assert any(summary.startswith("reply ←") and summary.endswith("· lead") for summary in summaries), summaries


async def test_metrics_move_with_a_message(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:

        def value(text: str, name: str) -> float:
            total = 0.0
            for line in text.splitlines():
                if line.startswith(name) and not line.startswith("#"):
                    total += float(line.rsplit(" ", 1)[1])
            return total

        before = (await p.http.get("/metrics")).text
        await p.post(message_event(phone, "Hebben jullie een Tesla Model 3?"))
        await p.waha.wait_for(1, f"{phone}@c.us")
        await p.wait_until(phone, lambda s: s.messages_processed == 1)
        after = (await p.http.get("/metrics")).text
    for name in (
        "seldenrijk_messages_processed_total",
        "seldenrijk_webhook_ack_seconds_count",
        "seldenrijk_reply_seconds_count",
        "seldenrijk_lead_score_count",
        "seldenrijk_inventory_search_seconds_count",
    ):
        assert value(after, name) > value(before, name), name


def _cli(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    # One model cache for the whole suite: the first CLI run trains, the rest load (agents/rules/model_cache.py).
    env = {"PATH": str(SELDENRIJK.parent), "INVENTORY_SOURCES": "sample", "HOME": str(data_dir),
           "MODEL_CACHE_DIR": str(MODEL_CACHE)}
    # --data-dir after the (sub)command, as a user types it
    return subprocess.run(
        [str(SELDENRIJK), *args, "--data-dir", str(data_dir)],
        input=stdin, capture_output=True, text=True, timeout=60, env=env,
    )


def test_analyze_prints_one_json_object_per_line(tmp_path):
    result = _cli("analyze", data_dir=tmp_path, stdin="staat die golf 8 nog\nheb BKR kan ik financieren?\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["staat die golf 8 nog", "heb BKR kan ik financieren?"]
    assert set(rows[0]) == {"text", "router", "extraction", "expertise"}
    assert rows[0]["extraction"]["car_preferences"]["model"] == "Golf"
    assert rows[1]["expertise"]["escalation_decision"]["escalation_type"] == "finance_advisor"


def test_inventory_search_uses_the_agents_extraction(tmp_path):
    result = _cli("inventory", "search", "golf diesel tot 25k", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    wanted = {"make": "Volkswagen", "model": "Golf", "fuel_type": "diesel", "max_price": 25000}
    assert {key: payload["preferences"].get(key) for key in wanted} == wanted
    assert payload["matches"]
    for match in payload["matches"]:
        assert match["car"]["make"] == "Volkswagen"
        assert match["car"]["price_eur"] <= 25000 * 1.15


def test_leads_lists_the_local_crm_hottest_first(tmp_path):
    from datetime import datetime, timezone

    from agents.models import CRMOutput
    from integrations.local_crm import LocalCrm

    crm = LocalCrm(tmp_path)
    now = datetime.now(timezone.utc)
    crm.record_crm("+31611111111", "Koud", CRMOutput(lead_score=20, lead_quality="COLD"), now)
    crm.record_crm("+31622222222", "Heet", CRMOutput(lead_score=90, lead_quality="HOT"), now)
    crm.close()
    result = _cli("leads", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    leads = json.loads(result.stdout)
    assert [lead["score"] for lead in leads] == [90, 20]
    assert [lead["quality"] for lead in leads] == ["HOT", "COLD"]
