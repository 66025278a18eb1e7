"""Prometheus metrics of the app, one definition per name; the code imports and records them.

Record them in the API and in activities, never in workflow code: a workflow replays, and
a replay would count again. Every process (API, each worker) serves its own /metrics and
Prometheus sums over them.

Escalation rate for Grafana: ESCALATIONS / MESSAGES_PROCESSED, e.g.
    sum(increase(seldenrijk_escalations_total[1h])) / sum(increase(seldenrijk_messages_processed_total[1h]))
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    make_asgi_app,
    start_http_server,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

# --- messages ------------------------------------------------------------------
MESSAGES_PROCESSED = Counter(
    "seldenrijk_messages_processed",
    "Customer messages fully processed (reply sent or deliberately silent).",
    ["intent", "backend"],
)
WEBHOOK_ACK_SECONDS = Histogram(
    "seldenrijk_webhook_ack_seconds",
    "Time from a webhook request arriving to our HTTP answer (WAHA retries slow answers).",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0),
)
INTAKE_REFUSED = Counter(
    "seldenrijk_intake_refused",
    "Accepted customer messages Temporal refused for good (kept in the intake as refused; see /healthz).",
)
INTAKE_RETRIES = Counter(
    "seldenrijk_intake_retries",
    "Failed attempts to hand an accepted message to Temporal (retried with backoff).",
    ["reason"],
)
INTAKE_DELIVERY_SECONDS = Histogram(
    "seldenrijk_intake_delivery_seconds",
    "From the webhook accepting a customer message until Temporal took it (the forwarder's delay).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 300.0),
)
INTAKE_WAITING = Gauge(
    "seldenrijk_intake_waiting",
    "Accepted customer messages not yet handed to Temporal (as of the last /healthz).",
)
REPLY_SECONDS = Histogram(
    "seldenrijk_reply_seconds",
    "End to end: customer message received by the webhook until our reply was sent.",
    buckets=(0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0, 120.0),
)
WHATSAPP_PRESENCE = Counter(
    "seldenrijk_whatsapp_presence",
    "Best-effort WAHA presence calls (sendSeen, startTyping, stopTyping) by outcome; a failure never delays a reply.",
    ["action", "outcome"],
)
REPLIES_COALESCED = Counter(
    "seldenrijk_replies_coalesced",
    "Customer messages answered together with an earlier one of the same burst (one reply saved each).",
)
WEBHOOKS_REJECTED = Counter(
    "seldenrijk_webhooks_rejected",
    "Webhook deliveries refused (bad signature, too old, malformed, rate limited, ...).",
    ["endpoint", "reason"],
)

# --- escalations and leads -----------------------------------------------------------
ESCALATIONS = Counter(
    "seldenrijk_escalations",
    "Escalations to a human started (divide by messages processed for the rate).",
    ["escalation_type"],
)
LEAD_SCORE = Histogram(
    "seldenrijk_lead_score",
    "Lead score (0-100) after each scored customer message.",
    buckets=tuple(range(0, 101, 10)),
)
LEAD_QUALITY = Counter(
    "seldenrijk_lead_quality",
    "Scored customer messages by lead band (HOT, WARM, LUKEWARM, COLD).",
    ["quality"],
)
CRM_SYNC_FAILURES = Counter(
    "seldenrijk_crm_sync_failures",
    "Chatwoot updates that failed after their retries.",
)

# --- WhatsApp session and follow-ups (issue 17) ----------------------------------------------
WAHA_SESSION_UP = Gauge(
    "seldenrijk_waha_session_up",
    "1 while the WAHA session is WORKING, 0 while customers cannot reach us (set by session.status events).",
    ["session"],
)
WAHA_SESSION_STATUS = Gauge(
    "seldenrijk_waha_session_status",
    "The WAHA session's current status: 1 for the current one, 0 for the others.",
    ["session", "status"],
)
FOLLOW_UPS_SENT = Counter(
    "seldenrijk_follow_ups_sent",
    "Follow-ups sent to quiet WARM/HOT leads, by their number (1st, 2nd).",
    ["number"],
)
for _number in ("1", "2"):
    FOLLOW_UPS_SENT.labels(number=_number)  # exposed as 0 from the start: Grafana shows "none yet"
FOLLOW_UP_REPLIES = Counter(
    "seldenrijk_follow_up_replies",
    "Customers who wrote again within 48 hours of a follow-up.",
)
STALE_REPLIES_REPLACED = Counter(
    "seldenrijk_stale_replies_replaced",
    "Replies held while the session was down and replaced by a short apology version (older than STALE_REPLY_MINUTES).",
)


def record_session_status(session: str, status: str, states: tuple[str, ...]) -> None:
    WAHA_SESSION_UP.labels(session=session).set(1 if status == "WORKING" else 0)
    for state in states:
        WAHA_SESSION_STATUS.labels(session=session, status=state).set(1 if state == status else 0)


# --- inventory -------------------------------------------------------------------------
INVENTORY_SNAPSHOT_AGE_SECONDS = Gauge(
    "seldenrijk_inventory_snapshot_age_seconds",
    "Seconds since the inventory snapshot of a source was taken (computed at scrape time).",
    ["source"],
)
INVENTORY_CARS = Gauge(
    "seldenrijk_inventory_cars",
    "Cars for sale in the current snapshot of a source.",
    ["source"],
)
INVENTORY_SEARCH_SECONDS = Histogram(
    "seldenrijk_inventory_search_seconds",
    "Time to search the inventory snapshot for one message.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0),
)

# --- Claude ---------------------------------------------------------------------------
LLM_TOKENS = Counter(
    "seldenrijk_llm_tokens",
    "Claude tokens by model and kind (input, output, cache_read, cache_write).",
    ["model", "kind"],
)
LLM_COST_USD = Counter(
    "seldenrijk_llm_cost_usd",
    "Claude spend in US dollars.",
)
COST_PER_MESSAGE_USD = Histogram(
    "seldenrijk_cost_per_message_usd",
    "Claude spend for one customer message, all agents together (0 for the rules engine).",
    buckets=(0.0, 0.0005, 0.001, 0.002, 0.004, 0.006, 0.01, 0.02, 0.05, 0.1),
)

TOKEN_KINDS = ("input", "output", "cache_read", "cache_write")


class _UsageLike(Protocol):
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float


def record_llm_usage(model: str, usage: _UsageLike) -> None:
    """Count one Claude call's tokens and cost (agents.models.Usage fits)."""
    for kind in TOKEN_KINDS:
        count = getattr(usage, f"{kind}_tokens")
        if count:
            LLM_TOKENS.labels(model=model, kind=kind).inc(count)
    if usage.cost_usd:
        LLM_COST_USD.inc(usage.cost_usd)


def record_inventory_snapshot(source: str, taken_at: float, cars: int) -> None:
    """Publish a source's snapshot: its size, and its age as a value computed at every scrape.

    `taken_at` is a Unix timestamp. A plain gauge set here would freeze the age until the
    next refresh; a stalled refresh must show up as a growing age.
    """
    INVENTORY_CARS.labels(source=source).set(cars)
    INVENTORY_SNAPSHOT_AGE_SECONDS.labels(source=source).set_function(
        lambda: max(0.0, time.time() - taken_at)
    )


# --- exposition ------------------------------------------------------------------------
def metrics_asgi_app() -> Any:
    """ASGI app serving the default registry; the API mounts it at /metrics."""
    return make_asgi_app(registry=REGISTRY)


def exposition() -> tuple[bytes, str]:
    """The default registry in Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def start_metrics_server(port: int, addr: str = "0.0.0.0") -> Any:
    """Serve /metrics from a background thread (for the worker, which has no web server)."""
    return start_http_server(port, addr=addr, registry=REGISTRY)


@lru_cache(maxsize=None)
def sdk_runtime(port: int | None) -> Runtime:
    """The Temporal runtime; with a port, the SDK's own worker/client metrics are served there.

    Cached: a runtime binds its port, so asking twice must return the same one.
    """
    if port is None:
        return Runtime.default()
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"0.0.0.0:{port}", durations_as_seconds=True)
        )
    )
