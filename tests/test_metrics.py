"""The metrics others record, their exposition, and the Temporal SDK's Prometheus runtime."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from pathlib import Path

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.runtime import Runtime

from agents.models import Usage
from observability import metrics

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy/grafana/dashboards/seldenrijk.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def exposed_samples(text: str) -> dict[str, list]:
    families = {}
    for family in text_string_to_metric_families(text):
        for item in family.samples:
            families.setdefault(item.name, []).append(item)
    return families


def test_counters_and_histograms_have_the_agreed_names_and_labels() -> None:
    before = sample("seldenrijk_messages_processed_total", {"intent": "car_inquiry", "backend": "rules"})
    metrics.MESSAGES_PROCESSED.labels(intent="car_inquiry", backend="rules").inc()
    metrics.ESCALATIONS.labels(escalation_type="finance_advisor").inc()
    metrics.WEBHOOKS_REJECTED.labels(endpoint="waha", reason="bad_signature").inc()
    metrics.LEAD_QUALITY.labels(quality="HOT").inc()
    metrics.CRM_SYNC_FAILURES.inc()
    metrics.WEBHOOK_ACK_SECONDS.labels(endpoint="waha").observe(0.012)
    metrics.REPLY_SECONDS.observe(2.5)
    metrics.INVENTORY_SEARCH_SECONDS.observe(0.004)
    metrics.COST_PER_MESSAGE_USD.observe(0.003)

    assert sample("seldenrijk_messages_processed_total", {"intent": "car_inquiry", "backend": "rules"}) == before + 1
    assert sample("seldenrijk_escalations_total", {"escalation_type": "finance_advisor"}) >= 1
    assert sample("seldenrijk_webhooks_rejected_total", {"endpoint": "waha", "reason": "bad_signature"}) >= 1
    assert sample("seldenrijk_lead_quality_total", {"quality": "HOT"}) >= 1
    assert sample("seldenrijk_crm_sync_failures_total") >= 1
    assert sample("seldenrijk_webhook_ack_seconds_bucket", {"endpoint": "waha", "le": "0.025"}) >= 1
    assert sample("seldenrijk_reply_seconds_count") >= 1
    assert sample("seldenrijk_inventory_search_seconds_count") >= 1
    assert sample("seldenrijk_cost_per_message_usd_count") >= 1


def test_lead_score_buckets_are_bands_of_ten() -> None:
    metrics.LEAD_SCORE.observe(85)
    metrics.LEAD_SCORE.observe(35)
    bounds = [
        s.labels["le"]
        for family in REGISTRY.collect()
        if family.name == "seldenrijk_lead_score"
        for s in family.samples
        if s.name.endswith("_bucket")
    ]
    assert bounds == [f"{value}.0" for value in range(0, 101, 10)] + ["+Inf"]
    assert sample("seldenrijk_lead_score_bucket", {"le": "90.0"}) - sample(
        "seldenrijk_lead_score_bucket", {"le": "80.0"}
    ) >= 1


def test_llm_usage_counts_tokens_by_kind_and_cost() -> None:
    model = "claude-test-model"
    cost_before = sample("seldenrijk_llm_cost_usd_total")
    usage = Usage(input_tokens=1200, output_tokens=300, cache_read_tokens=5000, cache_write_tokens=0, cost_usd=0.0081)
    metrics.record_llm_usage(model, usage)
    metrics.record_llm_usage(model, usage)
    assert sample("seldenrijk_llm_tokens_total", {"model": model, "kind": "input"}) == 2400
    assert sample("seldenrijk_llm_tokens_total", {"model": model, "kind": "output"}) == 600
    assert sample("seldenrijk_llm_tokens_total", {"model": model, "kind": "cache_read"}) == 10000
    assert sample("seldenrijk_llm_tokens_total", {"model": model, "kind": "cache_write"}) == 0
    assert abs(sample("seldenrijk_llm_cost_usd_total") - cost_before - 0.0162) < 1e-9


def test_inventory_age_grows_between_scrapes_without_a_new_snapshot() -> None:
    metrics.record_inventory_snapshot("website", taken_at=time.time() - 600, cars=87)
    assert sample("seldenrijk_inventory_cars", {"source": "website"}) == 87
    first = sample("seldenrijk_inventory_snapshot_age_seconds", {"source": "website"})
    time.sleep(0.05)
    second = sample("seldenrijk_inventory_snapshot_age_seconds", {"source": "website"})
    assert 600 <= first < second < 610


async def test_asgi_app_serves_prometheus_text() -> None:
    metrics.MESSAGES_PROCESSED.labels(intent="greeting", backend="claude").inc()
    transport = httpx.ASGITransport(app=metrics.metrics_asgi_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = exposed_samples(response.text)
    assert any(s.labels == {"intent": "greeting", "backend": "claude"} for s in families["seldenrijk_messages_processed_total"])


async def test_metrics_server_for_the_worker_listens_on_its_port() -> None:
    port = free_port()
    server, thread = metrics.start_metrics_server(port, addr="127.0.0.1")
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        assert "seldenrijk_escalations_total" in response.text or "seldenrijk_escalations" in response.text
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_sdk_runtime_without_port_is_the_default_runtime() -> None:
    assert metrics.sdk_runtime(None) is Runtime.default()


async def test_sdk_runtime_serves_temporal_client_metrics(temporal_env) -> None:
    port = free_port()
    runtime = metrics.sdk_runtime(port)
    assert metrics.sdk_runtime(port) is runtime  # one runtime per port: the port is bound once
    target = temporal_env.client.service_client.config.target_host
    client = await Client.connect(target, namespace="default", runtime=runtime)
    await client.count_workflows()
    async with httpx.AsyncClient() as http:
        for _ in range(50):  # the exporter may publish on its next collection tick
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            if "temporal_request" in text:
                break
            await asyncio.sleep(0.1)
    assert "temporal_request" in text


def test_dashboard_only_queries_metrics_that_exist() -> None:
    exposed = {sample.name for family in REGISTRY.collect() for sample in family.samples}
    exposed |= {family.name for family in REGISTRY.collect()}
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", []) if "expr" in target
    ]
    used = {name for expr in expressions for name in re.findall(r"\bseldenrijk_\w+", expr)}
    assert used, "the dashboard queries no app metrics"
    missing = sorted(name for name in used if name not in exposed)
    assert not missing, f"dashboard queries unknown metrics: {missing}"
