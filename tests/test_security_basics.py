"""Security basics: secrets stay secret, malformed signatures are a 401, the chat page is off in
production, the dev stack listens locally, and customer text reaches logs only through the body filter."""

from __future__ import annotations

import ast
import io
import json
import logging
import typing
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agents.models import CarPreferences, Classification, EscalationDecision, ExtractionOutput, RouterOutput
from config import Settings, reveal
from integrations.claude import ClaudeExpertise, ClaudeReply, ClaudeUnderstanding
from observability.logging import BODY_FIELDS, SECRET_SUFFIXES, configure_logging
from starter.api import create_app
from starter.cli import build_parser
from integrations.chatwoot_webhook import signature_for
from tests.peers.messages_api import MessagesApiPeer, RecordedRequest, message_response
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event, signed

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "waha_api_key": "waha-key-5f1e2d3c4b",
    "waha_webhook_hmac_key": "waha-hmac-8a7b6c5d4e",
    "anthropic_api_key": "sk-ant-test-1a2b3c4d5e",
    "chatwoot_api_token": "chatwoot-token-9e8d7c6b5a",
    "chatwoot_webhook_secret": "chatwoot-hook-0f1e2d3c4b",
    "chatwoot_webhook_token": "chatwoot-url-token-6a5b4c3d2e",
    "escalation_api_key": "escalation-key-7d6c5b4a3f",
    "smtp_password": "smtp-pass-2c3d4e5f6a",
}


# --- secrets ----------------------------------------------------------------------------
def test_secrets_never_show_in_repr_str_or_model_dump():
    settings = Settings(_env_file=None, **SECRETS)
    shown = [repr(settings), str(settings), str(settings.model_dump()), settings.model_dump_json()]
    for name, secret in SECRETS.items():
        assert all(secret not in text for text in shown), name
        assert reveal(getattr(settings, name)) == secret  # the one way to the value


def test_every_secret_setting_is_a_secret_str():
    secret_like = [name for name in Settings.model_fields if name.endswith(SECRET_SUFFIXES) or "hmac" in name]
    assert set(SECRETS) <= set(secret_like)
    for name in secret_like:
        assert SecretStr in typing.get_args(Settings.model_fields[name].annotation), name


# --- malformed signature headers --------------------------------------------------------
async def _never_connects():
    raise AssertionError("a refused delivery must not reach Temporal")


@pytest.mark.parametrize("header, value", [
    ("X-Webhook-Hmac", "é" * 128),
    ("X-Webhook-Hmac", "\u00ff\u00fe" + "0" * 126),
    ("X-Webhook-Timestamp", "١٧٠٠٠٠٠٠٠٠٠٠٠"),  # Arabic-Indic digits: float() accepts them
])
async def test_waha_malformed_signature_header_is_401(tmp_path, header, value):
    key = "waha-hmac-for-malformed-headers"
    app = create_app(make_settings(tmp_path, "unused", waha_webhook_hmac_key=key), _never_connects)
    raw, headers = signed(message_event(random_phone(), "Hoi"), key)
    if header == "X-Webhook-Timestamp":
        headers["X-Webhook-Hmac"] = "0" * 128
    headers[header] = value
    # Raw latin-1/UTF-8 bytes on the wire, as a broken or hostile client sends them.
    wire = {name: v.encode("utf-8") for name, v in headers.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
        response = await http.post("/webhook/waha", content=raw, headers=wire)
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("signature, timestamp", [
    ("sha256=" + "é" * 64, None),
    ("ü", None),
    (None, "١٧٠٠٠٠٠٠٠٠"),
])
async def test_chatwoot_malformed_signature_header_is_401(tmp_path, signature, timestamp):
    import time

    secret = "chatwoot-secret-for-malformed-headers"
    app = create_app(make_settings(tmp_path, "unused", chatwoot_webhook_secret=secret), _never_connects)
    raw = json.dumps({"event": "message_created", "id": 1}).encode()
    stamp = timestamp or str(int(time.time()))
    headers = {
        "Content-Type": b"application/json",
        "X-Chatwoot-Timestamp": stamp.encode("utf-8"),
        "X-Chatwoot-Signature": (signature or signature_for(secret, stamp, raw)).encode("utf-8"),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
        response = await http.post("/webhook/chatwoot", content=raw, headers=headers)
    assert response.status_code == 401, response.text


# --- the chat page ----------------------------------------------------------------------
@pytest.mark.parametrize("environment, enable, served", [
    ("production", None, False),
    ("production", False, False),
    ("production", True, True),
    ("development", None, True),
    ("development", False, False),
])
async def test_chat_page_and_conversation_api_only_when_enabled(temporal_env, tmp_path, environment, enable, served):
    settings = make_settings(tmp_path, "unused", environment=environment, enable_chat_page=enable)

    async def get_client():
        return temporal_env.client

    app = create_app(settings, get_client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
        page = await http.get("/")
        state = await http.get(f"/api/conversations/{random_phone()}")
    if served:
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert state.status_code == 404 and state.json()["reason"] == "no conversation yet"  # asked Temporal
    else:
        assert page.status_code == 404 and "<html" not in page.text.lower()
        assert state.status_code == 404 and "ENABLE_CHAT_PAGE" in state.json()["reason"]


def test_run_listens_on_this_machine_unless_told_otherwise():
    # The listening socket itself is checked in tests/test_devstack.py.
    assert build_parser().parse_args(["run"]).host == "127.0.0.1"
    assert build_parser().parse_args(["run", "--host", "0.0.0.0"]).host == "0.0.0.0"


# --- customer text in logs ----------------------------------------------------------------
CUSTOMER_NAME = "Wubbo Zonderland"
CUSTOMER_TEXT = "Ik zoek een Golf in zalmroze met trekhaak"
BAD_REPLY = "Speciaal voor jou € 1.000 korting op de zalmroze Golf, Wubbo!"
TELLTALES = ("zalmroze", "Zonderland", "Wubbo", "korting", "trekhaak")


def claude_with_a_rejected_reply(request: RecordedRequest):
    """Understands the message, then writes a reply the guardrails reject (an invented discount)."""
    if "response_text" in (request.output_schema or {}).get("properties", {}):
        return message_response(ClaudeReply(response_text=BAD_REPLY), model="claude-sonnet-5-5")
    return message_response(ClaudeUnderstanding(
        router=RouterOutput(intent="car_inquiry", priority="medium", confidence=0.9),
        extraction=ExtractionOutput(car_preferences=CarPreferences(make="Volkswagen", model="Golf")),
        expertise=ClaudeExpertise(classification=Classification(primary_domain="general", confidence=0.9),
                                  escalation_decision=EscalationDecision()),
    ))


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("environment", ["production", "development"])
async def test_customer_text_reaches_logs_only_in_body_fields(
    temporal_env, task_queue, tmp_path, restore_logging, environment
):
    stream = io.StringIO()
    phone = random_phone()
    with MessagesApiPeer() as claude:
        claude.handler = claude_with_a_rejected_reply
        settings = make_settings(tmp_path, task_queue, environment=environment, log_level="INFO", log_format="json",
                                 anthropic_api_key=claude.api_key, anthropic_base_url=claude.url)
        configure_logging(settings, stream)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, CUSTOMER_TEXT, name=CUSTOMER_NAME))
            await p.waha.wait_for(1, f"{phone}@c.us")  # the rules engine answered instead
            state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
    assert state.recent[-1].conversation_output.backend == "rules"
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert any("guardrail" in json.dumps(line) for line in lines)  # the rejection itself was logged
    for line in lines:
        outside_body = json.dumps({key: value for key, value in line.items() if key not in BODY_FIELDS},
                                  ensure_ascii=False)
        leaks = [word for word in TELLTALES if word in outside_body]
        assert leaks == [], line
        if environment == "production":
            assert not BODY_FIELDS & set(line), line  # dropped at INFO


LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
CUSTOMER_NAMES = {"text", "body", "content", "response_text", "reply", "reply_text", "draft", "customer_name",
                  "sender_name", "notify_name", "question", "transcript", "violations", "history"}


def _names(node: ast.AST) -> set[str]:
    """The names an expression reads: `message.text` -> {message, text}; `body["chatId"]` -> {chatId}."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return {node.slice.value}
    found = {node.attr} if isinstance(node, ast.Attribute) else set()
    for child in ast.iter_child_nodes(node):
        found |= _names(child)
    return found


def _is_logger_call(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr in LOG_METHODS
            and "log" in ast.unparse(func.value).lower())


def test_no_log_call_puts_customer_text_in_its_message():
    """Static guard: a logger call may carry customer text only in an `extra` body field."""
    offences = []
    for folder in ("activities", "agents", "integrations", "inventory", "observability", "starter", "worker", "workflows"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and _is_logger_call(node)):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                in_message = set().union(*(_names(arg) for arg in node.args)) & CUSTOMER_NAMES
                if in_message:
                    offences.append(f"{where}: {sorted(in_message)} in the message")
                for keyword in node.keywords:
                    if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                        for key, value in zip(keyword.value.keys, keyword.value.values):
                            label = key.value if isinstance(key, ast.Constant) else None
                            if _names(value) & CUSTOMER_NAMES and label not in BODY_FIELDS:
                                offences.append(f"{where}: extra {label!r} carries customer text")
    assert offences == []


def test_the_static_guard_catches_an_interpolated_message():
    bad = ast.parse('log.info("got %s from %s", message.text, message.sender_name)').body[0].value
    good = ast.parse('log.info("got a message", extra={"text": message.text})').body[0].value
    assert _is_logger_call(bad) and set().union(*(_names(a) for a in bad.args)) & CUSTOMER_NAMES
    assert not set().union(*(_names(a) for a in good.args)) & CUSTOMER_NAMES
