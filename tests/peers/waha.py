"""A local WAHA peer: records sendText, sendSeen, startTyping and stopTyping requests and checks
each body against waha-openapi.json (MessageTextRequest, SendSeenRequest, ChatRequest)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import jsonschema
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.peers.http_peer import ThreadedServer
from tests.paths import SPECS

SPEC_PATH = SPECS / "waha-openapi.json"


def _resolve(schema: Any, spec: dict) -> Any:
    """Inline local $refs so jsonschema can validate without a registry."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target: Any = spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target, spec)
        return {key: _resolve(value, spec) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve(item, spec) for item in schema]
    return schema


def request_schema(path: str) -> dict:
    spec = json.loads(SPEC_PATH.read_text())
    operation = spec["paths"][path]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    return _resolve(body, spec)


def send_text_schema() -> dict:
    return request_schema("/api/sendText")


PRESENCE_PATHS = {"/api/sendSeen": "seen", "/api/startTyping": "start_typing", "/api/stopTyping": "stop_typing"}


class WahaPeer:
    """WAHA's sendText on 127.0.0.1. `fail_next(n, status)` makes the next n calls fail."""

    def __init__(self, api_key: str | None = "test-waha-key"):
        self.api_key = api_key
        self.sent: list[dict] = []
        self.violations: list[str] = []
        self.requests = 0
        self._failures: list[int] = []
        self._down = False
        self._lock = threading.Lock()
        self._schema = send_text_schema()
        self._counter = 0
        self.lookups = 0  # GET chat messages calls (a sender checking an unfinished send)
        self.reply_delay = 0.0  # seconds between "sent to WhatsApp" and the 201 (a dying caller misses it)
        # "webjs": the sent message's id comes back as whatsapp-web.js's object {..., "_serialized"}.
        self.engine = "NOWEB"
        self._failures_after_send: list[int] = []
        # Presence calls in arrival order, and one log of every call (presence and sendText) to check order.
        self.presence: list[dict] = []
        self.calls: list[tuple[str, str]] = []  # (action, chatId): "seen", "start_typing", "stop_typing", "send"
        self.presence_status = 201  # e.g. 500: WAHA refuses seen and typing (they must not matter)
        self.presence_delay = 0.0  # seconds before answering a presence call (a slow WAHA)
        self._presence_schemas = {path: request_schema(path) for path in PRESENCE_PATHS}
        app = FastAPI()
        app.post("/api/sendText")(self._send_text)
        for path in PRESENCE_PATHS:
            app.post(path)(self._presence_handler(path))
        app.get("/api/{session}/chats/{chat_id}/messages")(self._chat_messages)
        app.get("/api/files/{name:path}")(self._file)
        app.get("/api/{session}/lids/{lid}")(self._lid)
        # Issue 17: the session's state (sendText answers 422 unless WORKING) and the lids API.
        self.session_status = "WORKING"
        self.lids: dict[str, str | None] = {}  # "123@lid" -> "316…@c.us" (None: not known yet)
        self.lid_requests: list[str] = []
        self._lid_schema = _resolve(
            json.loads(SPEC_PATH.read_text())["paths"]["/api/{session}/lids/{lid}"]["get"]["responses"]["200"]
            ["content"]["application/json"]["schema"], json.loads(SPEC_PATH.read_text()),
        )
        self.files: dict[str, tuple[bytes, str]] = {}  # name -> (content, mimetype): media WAHA downloaded
        self.file_requests: list[tuple[str, str | None]] = []  # (name, X-Api-Key)
        self.server = ThreadedServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def fail_after_send_next(self, count: int, status: int = 500) -> None:
        """The next n sends reach WhatsApp, but the answer is an error (a gateway timing out)."""
        with self._lock:
            self._failures_after_send.extend([status] * count)

    def set_down(self, down: bool) -> None:
        """Down: every request gets 503, as when the WAHA container restarts."""
        self._down = down

    async def _send_text(self, request: Request):
        raw = await request.body()
        with self._lock:
            self.requests += 1
            if self.api_key and request.headers.get("x-api-key") != self.api_key:
                self.violations.append("missing or wrong X-Api-Key")
                return JSONResponse({"message": "Unauthorized"}, status_code=401)
            if self._down:
                return JSONResponse({"message": "down"}, status_code=503)
            if self.session_status != "WORKING":  # WAHA's SessionStatusNotExpected answer
                return JSONResponse(
                    {"statusCode": 422, "session": "default", "status": self.session_status, "expected": ["WORKING"],
                     "message": "Session status is not as expected. Try again later or restart the session"},
                    status_code=422,
                )
            if self._failures:
                status = self._failures.pop(0)
                if status == 422:  # what WAHA answers while the session is (re)starting
                    return JSONResponse(
                        {"statusCode": 422, "session": "default", "status": "STARTING", "expected": ["WORKING"],
                         "message": "Session status is not as expected. Try again later or restart the session"},
                        status_code=422,
                    )
                return JSONResponse({"message": "injected failure"}, status_code=status)
        try:
            body = json.loads(raw)
            jsonschema.validate(body, self._schema)
        except (ValueError, jsonschema.ValidationError) as exc:
            with self._lock:
                self.violations.append(f"sendText body invalid: {exc}")
            return JSONResponse({"message": str(exc)}, status_code=400)
        with self._lock:
            self._counter += 1
            body["_received_at"] = time.time()
            message_id = f"true_{body['chatId']}_{self._counter:08d}"
            body["_id"] = message_id
            self.sent.append(body)
            self.calls.append(("send", body["chatId"]))
        if self.reply_delay:
            import asyncio

            await asyncio.sleep(self.reply_delay)
        with self._lock:
            if self._failures_after_send:
                return JSONResponse({"message": "gateway timeout"}, status_code=self._failures_after_send.pop(0))
        if self.engine == "WEBJS":
            serial = message_id.rsplit("_", 1)[1]
            sent_id = {"fromMe": True, "remote": body["chatId"], "id": serial, "_serialized": message_id}
            return JSONResponse({"id": sent_id, "body": body["text"], "fromMe": True}, status_code=201)
        return JSONResponse({"id": message_id, "body": body["text"], "fromMe": True}, status_code=201)

    def _presence_handler(self, path: str):
        action = PRESENCE_PATHS[path]

        async def handler(request: Request):
            raw = await request.body()
            with self._lock:  # `requests` and `fail_next` stay about sendText
                if self.api_key and request.headers.get("x-api-key") != self.api_key:
                    self.violations.append(f"{path}: missing or wrong X-Api-Key")
                    return JSONResponse({"message": "Unauthorized"}, status_code=401)
            try:
                body = json.loads(raw)
                jsonschema.validate(body, self._presence_schemas[path])
                unknown = set(body) - set(self._presence_schemas[path]["properties"])
                if unknown:
                    raise jsonschema.ValidationError(f"fields not in the spec: {sorted(unknown)}")
            except (ValueError, jsonschema.ValidationError) as exc:
                with self._lock:
                    self.violations.append(f"{path} body invalid: {exc}")
                return JSONResponse({"message": str(exc)}, status_code=400)
            if self.presence_delay:
                import asyncio

                await asyncio.sleep(self.presence_delay)
            with self._lock:
                self.presence.append({"action": action, **body, "_received_at": time.time()})
                self.calls.append((action, body["chatId"]))
            if self._down or self.presence_status >= 300:
                return JSONResponse({"message": "injected failure"}, status_code=503 if self._down else self.presence_status)
            return JSONResponse({}, status_code=201)

        return handler

    def calls_for(self, chat_id: str) -> list[str]:
        with self._lock:
            return [action for action, chat in self.calls if chat == chat_id]

    async def _chat_messages(self, session: str, chat_id: str, request: Request):
        """GET /api/{session}/chats/{chatId}/messages: our sent messages as WAMessage objects."""
        query = request.query_params
        self.lookups += 1
        if "limit" not in query:
            return JSONResponse({"message": "limit is required"}, status_code=400)
        if self.api_key and request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if self._down:
            return JSONResponse({"message": "down"}, status_code=503)
        since = float(query.get("filter.timestamp.gte", 0))
        with self._lock:
            mine = [item for item in self.sent if item["chatId"] == chat_id and int(item["_received_at"]) >= since]
        mine.sort(key=lambda item: item["_received_at"], reverse=query.get("sortOrder", "desc") == "desc")
        return [
            {
                "id": item["_id"], "timestamp": int(item["_received_at"]), "from": "31341799554@c.us",
                "fromMe": True, "source": "api", "to": chat_id, "participant": None, "body": item["text"],
                "hasMedia": False, "mediaUrl": None, "ack": 1, "ackName": "SERVER",
            }
            for item in mine[: int(float(query["limit"]))]
        ]

    async def _lid(self, session: str, lid: str, request: Request):
        """GET /api/{session}/lids/{lid} → LidToPhoneNumber {lid, pn}; pn null while WhatsApp does not share it."""
        if self.api_key and request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if self._down:
            return JSONResponse({"message": "down"}, status_code=503)
        full = lid if lid.endswith("@lid") else f"{lid}@lid"
        with self._lock:
            self.lid_requests.append(full)
            answer = {"lid": full, "pn": self.lids.get(full)}
        try:
            jsonschema.validate({k: v for k, v in answer.items() if v is not None}, self._lid_schema)
        except jsonschema.ValidationError as exc:
            self.violations.append(f"lids answer invalid: {exc}")
        return answer

    def add_file(self, name: str, content: bytes, mimetype: str) -> str:
        """Media as WAHA stores it; returns the `media.url` a webhook would carry."""
        self.files[name] = (content, mimetype)
        return f"{self.url}/api/files/{name}"

    async def _file(self, name: str, request: Request):
        """GET /api/files/{file}: the media WAHA saved (needs the API key like every WAHA route)."""
        key = request.headers.get("x-api-key")
        with self._lock:
            self.file_requests.append((name, key))
        if self.api_key and key != self.api_key:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if name not in self.files:
            return JSONResponse({"message": "not found"}, status_code=404)
        content, mimetype = self.files[name]
        return Response(content, media_type=mimetype)

    def texts_for(self, chat_id: str) -> list[str]:
        return [item["text"] for item in self.sent if item["chatId"] == chat_id]

    async def wait_for(self, count: int, chat_id: str | None = None, timeout: float = 20.0) -> list[dict]:
        import asyncio

        deadline = time.monotonic() + timeout
        while True:
            items = [item for item in self.sent if chat_id is None or item["chatId"] == chat_id]
            if len(items) >= count or time.monotonic() > deadline:
                return items
            await asyncio.sleep(0.05)

    def __enter__(self) -> "WahaPeer":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()
