"""Fuzzing: both webhooks against our own OpenAPI schema, and the rules engine with arbitrary unicode.

The webhooks run in the real app with a real dev-server client on a task queue without a
worker: valid messages really signal-with-start, nothing is processed. Hypothesis runs in
a thread and hands each input to the test's event loop (one loop per process).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from agents.knowledge.dealer import dealer_facts
from agents.models import ConversationContext, ReplyRequest
from agents.rules import RulesEngine
from integrations.chatwoot_webhook import signature_for
from starter.api import create_app
from tests.pipeline import make_settings

# CI runs a fixed sequence (a red build must be reproducible); local runs explore new inputs.
IN_CI = bool(os.environ.get("CI"))

WAHA_INPUTS = 6000
CHATWOOT_INPUTS = 4000
SECRET = "fuzz-chatwoot-secret"

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def from_schema(schema: dict) -> st.SearchStrategy:
    """Values valid against the JSON Schema subset our OpenAPI bodies use.

    (hypothesis-jsonschema would do this, but its 0.23 release breaks on current Hypothesis.)
    Optional properties are present or absent at random; absent `type` means any JSON.
    """
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return st.one_of([from_schema({**schema, "type": kind}) for kind in kinds])
    if kinds == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        properties = schema.get("properties", {})
        fixed = {name: from_schema(sub) for name, sub in properties.items() if name in required}
        optional = {name: from_schema(sub) for name, sub in properties.items() if name not in required}
        extra = schema.get("additionalProperties")
        base = st.fixed_dictionaries(fixed, optional=optional)
        if isinstance(extra, dict):
            return st.tuples(base, st.dictionaries(st.text(max_size=20), from_schema(extra), max_size=2)).map(
                lambda pair: {**pair[1], **pair[0]}
            )
        return base
    if kinds == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=schema.get("maxItems", 4))
    if kinds == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 300))
    if kinds == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kinds == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kinds == "boolean":
        return st.booleans()
    if kinds == "null":
        return st.none()
    return JSON_VALUES


def body_schema(app, path: str) -> dict:
    return app.openapi()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def _paths(value, prefix=()):
    """Every (path to a key) in nested dicts, so a mutation can reach the payload's fields too."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + (key,)
            yield from _paths(item, prefix + (key,))


@st.composite
def mutated(draw, valid: st.SearchStrategy) -> bytes:
    body = draw(valid)
    paths = list(_paths(body))
    how = draw(st.sampled_from(["drop", "retype", "add", "truncate", "flip"]))
    if how in ("drop", "retype") and paths:
        path = draw(st.sampled_from(paths))
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        if how == "drop":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    elif how == "add":
        body[draw(st.text(max_size=12))] = draw(JSON_VALUES)
    raw = json.dumps(body, ensure_ascii=draw(st.booleans())).encode()
    if how == "truncate":
        raw = raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    elif how == "flip" and raw:
        index = draw(st.integers(0, len(raw) - 1))
        raw = raw[:index] + bytes([draw(st.integers(0, 255))]) + raw[index + 1 :]
    return raw


def inputs_for(schema: dict) -> st.SearchStrategy[bytes]:
    valid = from_schema(schema)
    return st.one_of(
        valid.map(lambda body: json.dumps(body).encode()),
        mutated(valid),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=300),
    )


def run_fuzz(loop, post, strategy, count: int, statuses: Counter) -> None:
    """Runs in a worker thread; each request is executed on the test's event loop."""

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=IN_CI,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(raw=strategy, sign=st.sampled_from(["good", "good", "good", "bad"]))
    def fuzz(raw: bytes, sign: str) -> None:
        response = asyncio.run_coroutine_threadsafe(post(raw, sign), loop).result(timeout=30)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (response.status_code, raw[:400], response.text[:400])

    fuzz()


async def test_webhooks_survive_ten_thousand_fuzzed_deliveries(temporal_env, task_queue, tmp_path):
    settings_ = make_settings(tmp_path, task_queue, chatwoot_webhook_secret=SECRET, chatwoot_inbox_id=7)

    async def get_client():
        return temporal_env.client

    app = create_app(settings_, get_client)
    loop = asyncio.get_running_loop()
    async with app.router.lifespan_context(app), httpx.AsyncClient(  # the lifespan runs the intake forwarder
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as http:

        async def post_waha(raw: bytes, _sign: str) -> httpx.Response:
            return await http.post("/webhook/waha", content=raw, headers={"Content-Type": "application/json"})

        async def post_chatwoot(raw: bytes, sign: str) -> httpx.Response:
            timestamp = str(int(time.time()))
            signature = signature_for(SECRET, timestamp, raw if sign == "good" else raw + b" ")
            headers = {
                "Content-Type": "application/json",
                "X-Chatwoot-Timestamp": timestamp,
                "X-Chatwoot-Signature": signature,
            }
            return await http.post("/webhook/chatwoot", content=raw, headers=headers)

        waha, chatwoot = Counter(), Counter()
        started = time.monotonic()
        await asyncio.to_thread(
            run_fuzz, loop, post_waha, inputs_for(body_schema(app, "/webhook/waha")), WAHA_INPUTS, waha
        )
        await asyncio.to_thread(
            run_fuzz, loop, post_chatwoot, inputs_for(body_schema(app, "/webhook/chatwoot")), CHATWOOT_INPUTS, chatwoot
        )
    elapsed = time.monotonic() - started
    print(f"\nfuzzed in {elapsed:.1f}s: WAHA {dict(sorted(waha.items()))}, Chatwoot {dict(sorted(chatwoot.items()))}")
    assert sum(waha.values()) + sum(chatwoot.values()) >= 10_000
    assert waha[200] > 500 and chatwoot[200] > 300  # plenty got through to Temporal, not only rejections
    assert chatwoot[401] > 0 and waha[422] > 0 and waha[400] > 0


# --- the rules engine -----------------------------------------------------------------

ENGINE = RulesEngine(dealer=dealer_facts())
UNICODE = st.text(st.characters(codec=None, exclude_categories=()), max_size=400)
MIXED = st.lists(
    st.one_of(UNICODE, st.sampled_from(["golf", "€", "25k", "BKR", "proefrit", "0612345678", "🚗", "\u200b", "\x00"])),
    max_size=8,
).map(" ".join)


@settings(max_examples=1500, deadline=None, database=None, derandomize=IN_CI, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(UNICODE, MIXED))
def test_rules_engine_never_raises_on_arbitrary_unicode(text):
    context = ConversationContext()
    understanding = ENGINE.understand(text, context)
    reply = ENGINE.reply_sync(
        ReplyRequest(
            text=text,
            context=context,
            router=understanding.router,
            extraction=understanding.extraction,
            expertise=understanding.expertise,
        )
    )
    assert understanding.router.intent and reply.response_text.strip()
