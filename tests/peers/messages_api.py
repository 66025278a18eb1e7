"""A local Anthropic Messages API (POST /v1/messages) on 127.0.0.1.

The anthropic SDK talks httpx2, which respx cannot intercept, so tests point the real SDK
at this server through base_url. It records every request (headers + JSON), answers from a
script (a queue of responses, or a handler function), and enforces the parts of the API
contract we depend on: an API key (x-api-key or Bearer), no sampling parameters and no forced tool_choice for
5.x models, and structured answers that validate against the JSON schema sent in
output_config.format (so a test cannot script an answer the real API would never give).
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import jsonschema
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tests.peers.http_peer import ThreadedServer

SAMPLING_PARAMS = ("temperature", "top_p", "top_k")


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def system_text(self) -> str:
        system = self.body.get("system")
        if isinstance(system, str):
            return system
        return "\n".join(block.get("text", "") for block in system or [])

    @property
    def user_text(self) -> str:
        parts = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            else:
                parts += [block.get("text", "") for block in content or [] if block.get("type") == "text"]
        return "\n".join(parts)

    @property
    def output_schema(self) -> dict[str, Any] | None:
        return ((self.body.get("output_config") or {}).get("format") or {}).get("schema")


def usage_block(
    input_tokens: int = 100, output_tokens: int = 50, cache_read: int = 0, cache_write: int = 0
) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cache_write,
    }


def message_response(
    payload: BaseModel | dict[str, Any] | str | None,
    *,
    model: str = "claude-haiku-5-5",
    usage: dict[str, int] | None = None,
    stop_reason: str = "end_turn",
) -> Scripted:
    """A 200 Messages API answer whose text block carries `payload` as JSON (what parse() reads).

    `payload=None` gives an answer without content blocks (as a refusal may come back).
    """
    if payload is None:
        text = None
    elif isinstance(payload, BaseModel):
        text = payload.model_dump_json()
    elif isinstance(payload, dict):
        text = json.dumps(payload, ensure_ascii=False)
    else:
        text = payload
    return Scripted(
        200,
        {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [] if text is None else [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage or usage_block(),
        },
    )


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error_response(status: int, message: str = "scripted error", retry_after: int | None = None) -> Scripted:
    """Anthropic's error shape: {"type": "error", "error": {"type": ..., "message": ...}}."""
    headers = {"request-id": f"req_{uuid.uuid4().hex[:20]}"}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    body = {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}
    return Scripted(status, body, headers)


Handler = Callable[[RecordedRequest], Scripted]


class MessagesApiPeer:
    def __init__(self, api_key: str = "test-anthropic-key"):
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.handler: Handler | None = None
        self.check_schema = True  # off only to script a deliberately malformed answer
        self._queue: list[Scripted] = []
        self._lock = threading.Lock()
        app = FastAPI()
        app.post("/v1/messages")(self._messages)
        self.server = ThreadedServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    def script(self, *responses: Scripted) -> None:
        with self._lock:
            self._queue.extend(responses)

    def _contract_error(self, request: RecordedRequest) -> str | None:
        # The API takes the key as x-api-key or (what SDK 2.x sends) "Authorization: Bearer".
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key not in (request.headers.get("x-api-key"), bearer):
            return "missing or wrong x-api-key"
        body = request.body
        for required in ("model", "max_tokens", "messages"):
            if required not in body:
                return f"{required}: Field required"
        model = str(body["model"])
        if "-5-" in model or model.endswith("-5"):
            used = [name for name in SAMPLING_PARAMS if name in body]
            if used:
                return f"{', '.join(used)}: sampling parameters are not supported for {model}"
            if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
                return f"tool_choice: forced tool use is not supported for {model}"
        return None

    async def _messages(self, request: Request):
        recorded = RecordedRequest(headers=dict(request.headers), body=json.loads(await request.body()))
        with self._lock:
            self.requests.append(recorded)
        problem = self._contract_error(recorded)
        if problem:
            with self._lock:
                self.violations.append(problem)
            status = 401 if "x-api-key" in problem else 400
            scripted = error_response(status, problem)
        else:
            scripted = self._next(recorded)
        content = scripted.body.get("content") if scripted.status == 200 else None
        if self.check_schema and content and recorded.output_schema is not None:
            try:
                payload = json.loads(content[0]["text"])
                jsonschema.validate(payload, recorded.output_schema)
            except (ValueError, jsonschema.ValidationError) as exc:
                with self._lock:
                    self.violations.append(f"scripted answer does not fit the output schema: {exc}")
        return JSONResponse(scripted.body, status_code=scripted.status, headers=scripted.headers)

    def _next(self, recorded: RecordedRequest) -> Scripted:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        if self.handler is not None:
            return self.handler(recorded)
        with self._lock:
            self.violations.append("no scripted response left")
        return error_response(500, "no scripted response left")

    def reset(self) -> None:
        """Forget requests, script and violations (one peer can serve a whole test module)."""
        with self._lock:
            self.requests.clear()
            self.violations.clear()
            self._queue.clear()
            self.handler = None
            self.check_schema = True

    def start(self) -> "MessagesApiPeer":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> "MessagesApiPeer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
