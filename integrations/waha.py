"""WAHA client (POST /api/sendText), or a local outbox when WAHA_URL is unset.

Built against waha-openapi.json: MessageTextRequest = session, chatId, text (+ optional id,
reply_to, linkPreview). Auth is the X-Api-Key header. Success is 201 with a WAMessage.
Presence (seen, typing): SendSeenRequest = session, chatId (+ messageIds), ChatRequest =
session, chatId; best-effort calls with their own short timeout, never retried.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from integrations.errors import call

log = logging.getLogger(__name__)

# Only these answers mean "this request will never work". WAHA answers 422 (and sometimes 5xx
# or 400 with the session's state) while a session is STARTING or reconnecting: that passes.
FINAL_STATUSES = {400, 401, 403, 404}
_SESSION_STATE = re.compile(r"\b(STARTING|SCAN_QR_CODE|STOPPED|FAILED)\b|session status", re.IGNORECASE)


def waha_retryable(status: int, body: str) -> bool:
    if status in FINAL_STATUSES:
        return status == 400 and bool(_SESSION_STATE.search(body))
    return True


def waha_message_id(value: Any) -> str | None:
    """The message id as a string: NOWEB/GOWS send "true_316…@c.us_3EB0…", WEBJS sends the
    whatsapp-web.js object {"fromMe", "remote", "id", "_serialized"}."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        serialized = value.get("_serialized")
        if isinstance(serialized, str) and serialized:
            return serialized
        if value.get("remote") and value.get("id"):
            return f"{str(bool(value.get('fromMe'))).lower()}_{value['remote']}_{value['id']}"
    return None


class WahaClient:
    def __init__(
        self,
        base_url: str | None,
        *,
        api_key: str | None,
        session: str,
        outbox_dir: Path,
        timeout: float = 10.0,
    ):
        self.base_url = base_url.rstrip("/") if base_url else None
        self.session = session
        self.outbox_file = outbox_dir / "whatsapp.jsonl"
        headers = {"User-Agent": "seldenrijk-agent"}
        if api_key:
            headers["X-Api-Key"] = api_key
        self._http = (
            httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout)
            if self.base_url
            else None
        )

    @property
    def uses_outbox(self) -> bool:
        return self._http is None

    async def send_text(
        self, chat_id: str, text: str, *, message_id: str | None = None, reply_to: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"session": self.session, "chatId": chat_id, "text": text}
        if message_id:
            body["id"] = message_id
        if reply_to:
            body["reply_to"] = reply_to
        if self._http is None:
            return self._write_outbox(body)
        response = await call(self._http, "WAHA", "POST", "/api/sendText", json=body, retryable=waha_retryable)
        try:
            return response.json()
        except ValueError:
            return {}

    async def presence(self, action: str, chat_id: str, *, message_ids: list[str] | None = None,
                       timeout: float = 2.0) -> bool:
        """POST /api/sendSeen, /api/startTyping or /api/stopTyping once. False when there is no
        WAHA (the local outbox), True when WAHA accepted; a failure raises IntegrationError."""
        if self._http is None:
            return False
        body: dict[str, Any] = {"session": self.session, "chatId": chat_id}
        if action == "seen" and message_ids:
            body["messageIds"] = list(message_ids)
        path = {"seen": "/api/sendSeen", "start_typing": "/api/startTyping", "stop_typing": "/api/stopTyping"}[action]
        await call(self._http, "WAHA", "POST", path, json=body, timeout=timeout)
        return True

    async def own_messages_since(self, chat_id: str, since: float, limit: int = 50) -> list[dict[str, Any]]:
        """Our own messages in a chat since `since` (epoch seconds), newest first (WAMessage objects).

        GET /api/{session}/chats/{chatId}/messages with filter.fromMe and filter.timestamp.gte.
        """
        if self._http is None:
            return []
        params = {
            "limit": limit,
            "sortOrder": "desc",
            "filter.fromMe": "true",
            "filter.timestamp.gte": int(since),
            "downloadMedia": "false",
        }
        response = await call(
            self._http, "WAHA", "GET", f"/api/{self.session}/chats/{chat_id}/messages",
            params=params, retryable=waha_retryable,
        )
        try:
            messages = response.json()
        except ValueError:
            return []
        return [item for item in messages if isinstance(item, dict)] if isinstance(messages, list) else []

    async def phone_for_lid(self, lid: str, *, timeout: float | None = None) -> str | None:
        """GET /api/{session}/lids/{lid} → LidToPhoneNumber {lid, pn}: the phone chat id
        ("316…@c.us"), or None while WhatsApp does not share it (`pn` null). No WAHA: None."""
        if self._http is None:
            return None
        kwargs: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        response = await call(
            self._http, "WAHA", "GET", f"/api/{self.session}/lids/{quote(lid, safe='')}",
            retryable=waha_retryable, **kwargs,
        )
        try:
            found = response.json()
        except ValueError:
            return None
        pn = found.get("pn") if isinstance(found, dict) else None
        if not isinstance(pn, str) or "@" not in pn:
            return None
        digits = pn.split("@", 1)[0]
        return f"{digits}@c.us" if digits.isdigit() else None

    def _write_outbox(self, body: dict[str, Any]) -> dict[str, Any]:
        record = {"at": datetime.now(timezone.utc).isoformat(), **body}
        self.outbox_file.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.info("whatsapp outbox", extra={"chat_id": body["chatId"], "outbox": str(self.outbox_file)})
        return {"id": body.get("id"), "outbox": str(self.outbox_file)}

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
