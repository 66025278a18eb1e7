"""Staff tools: list/ack/resolve through the CLI functions and the HTTP routes (real dev server)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from config import Settings
from starter import escalations_cli as cli
from starter.api import create_app
from tests.test_escalation_workflow import Harness, eventually, make_settings
from workflows.escalation import EscalationWorkflow

API_KEY = "staff-secret"


async def listed(client, escalation_id: str):
    async def check():
        return next((s for s in await cli.list_escalations(client) if s.escalation_id == escalation_id), None)

    return await eventually(check)


async def test_cli_lists_acks_and_resolves(temporal_env, task_queue, tmp_path, capsys):
    settings = make_settings(tmp_path, None, None, None)
    async with Harness(temporal_env, task_queue, settings) as harness:
        parent, handle = await harness.start(urgency="high")
        await harness.alerting_done(handle)
        client = temporal_env.client

        status = await listed(client, handle.id)
        assert status is not None and status.state == "waiting_ack"
        cli.print_escalations([status], as_json=False, now=status.sla_deadline + timedelta(minutes=5, seconds=30))
        table = capsys.readouterr().out
        assert "Finance Advisor" in table and "+31 6 •••• 5678" in table and "TE LAAT 5 min" in table
        assert "5678" in table and "1234 5678" not in table  # masked

        acked = await cli.ack(client, handle.id, by="Sanne")
        assert acked.state == "acknowledged" and acked.acknowledged.by == "Sanne"
        assert acked.acknowledged.via == "cli"
        cli.print_escalations([acked], as_json=True)
        [row] = json.loads(capsys.readouterr().out)
        assert row["sla"] == "acknowledged" and row["acknowledged_by"] == "Sanne"

        resolved = await cli.resolve(client, handle.id, outcome="afspraak gemaakt", by="Sanne")
        assert resolved.resolution.outcome == "afspraak gemaakt"
        await asyncio.wait_for(handle.result(), 15)
        assert (await asyncio.wait_for(parent.result(), 15)).outcome == "afspraak gemaakt"

        with pytest.raises(cli.EscalationAlreadyClosed):
            await cli.resolve(client, handle.id, outcome="again", by="Piet")
        with pytest.raises(cli.EscalationNotFound):
            await cli.ack(client, "escalation-0000-404", by="Piet")


def test_print_escalations_without_any(capsys):
    cli.print_escalations([], as_json=False)
    assert "Geen open escalaties" in capsys.readouterr().out


def app_for(client, settings: Settings) -> httpx.AsyncClient:
    """The API exactly as production builds it (`seldenrijk api`): an async client provider."""

    async def get_client():
        return client

    app = create_app(settings, get_client)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_routes_answer_503_when_temporal_is_down(tmp_path):
    settings = make_settings(tmp_path, None, None, None, escalation_api_key=API_KEY)

    async def unreachable():
        raise RuntimeError("connection refused")

    app = create_app(settings, unreachable)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        response = await http.get("/escalations", headers={"X-API-Key": API_KEY})
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


async def test_routes_need_a_configured_key(temporal_env, tmp_path):
    settings = make_settings(tmp_path, None, None, None)  # no ESCALATION_API_KEY
    async with app_for(temporal_env.client, settings) as http:
        response = await http.post("/escalations/escalation-1-1/ack", headers={"X-API-Key": "anything"})
    assert response.status_code == 503 and "ESCALATION_API_KEY" in response.json()["detail"]


async def test_routes_ack_resolve_and_list(temporal_env, task_queue, tmp_path):
    settings = make_settings(tmp_path, None, None, None, escalation_api_key=API_KEY)
    async with Harness(temporal_env, task_queue, settings) as harness, app_for(temporal_env.client, settings) as http:
        _, handle = await harness.start(urgency="medium")
        await harness.alerting_done(handle)
        key = {"X-API-Key": API_KEY}

        assert (await http.post(f"/escalations/{handle.id}/ack")).status_code == 401
        assert (await http.post(f"/escalations/{handle.id}/ack", headers={"X-API-Key": "wrong"})).status_code == 401
        assert (await http.get("/escalations")).status_code == 401
        assert (await http.post("/escalations/escalation-0-404/ack", headers=key)).status_code == 404

        await listed(temporal_env.client, handle.id)
        rows = (await http.get("/escalations", headers=key)).json()
        [mine] = [row for row in rows if row["id"] == handle.id]
        assert mine["type"] == "finance_advisor" and mine["state"] == "waiting_ack"
        assert mine["sla"].startswith("ok (")

        response = await http.post(f"/escalations/{handle.id}/ack", headers=key)  # no body at all
        assert response.status_code == 200 and response.json()["state"] == "acknowledged"
        assert response.json()["acknowledged"]["via"] == "api"

        response = await http.post(f"/escalations/{handle.id}/resolve", headers=key,
                                   json={"by": "Piet", "outcome": "proefrit gepland"})
        assert response.status_code == 200
        assert response.json()["resolution"] == {
            "outcome": "proefrit gepland", "by": "Piet", "via": "api", "at": response.json()["resolution"]["at"]
        }
        final = await asyncio.wait_for(handle.result(), 15)
        assert final.state == "resolved" and final.acknowledged.by is None  # acked anonymously first

        response = await http.post(f"/escalations/{handle.id}/resolve", headers=key, json={"outcome": "x"})
        assert response.status_code == 409
        response = await http.post(f"/escalations/{handle.id}/ack", headers=key)
        assert response.status_code == 409
        assert handle.id not in [row["id"] for row in (await http.get("/escalations", headers=key)).json()]

        status = await temporal_env.client.get_workflow_handle(handle.id).query(EscalationWorkflow.status)
        assert status.resolution.at <= datetime.now(timezone.utc)
