"""Parse WAHA `session.status` webhook events (waha-openapi.json → WAHAWebhookSessionStatus). Pure."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, get_args

from integrations.errors import WebhookRejected
from workflows.session_models import SessionState, SessionStatusChange

STATES = get_args(SessionState)


def parse_session_status(body: dict[str, Any], *, received_at: datetime, default_session: str) -> SessionStatusChange:
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise WebhookRejected(422, "payload: a session.status event needs a payload object")
    status = payload.get("status")
    if status not in STATES:
        raise WebhookRejected(422, f"payload.status must be one of {', '.join(STATES)}")
    session = body.get("session") or payload.get("name") or default_session
    if not isinstance(session, str) or not session.strip() or len(session) > 100:
        raise WebhookRejected(422, "session must be a session name")
    at = received_at
    stamp = body.get("timestamp")  # milliseconds
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and stamp > 0:
        try:
            at = datetime.fromtimestamp(stamp / 1000.0, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            at = received_at
    event_id = body.get("id") if isinstance(body.get("id"), str) else None
    return SessionStatusChange(session=session.strip(), status=status, event_id=(event_id or None) and event_id[:100], at=at)
