"""Models of the WhatsApp session's health (issue 17): one pydantic model per signal and activity argument."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

# WAHA's session states (waha-openapi.json → WASessionStatusBody.status).
SessionState = Literal[
    "STOPPED", "STARTING", "SCAN_QR_CODE", "PASSKEY_REQUIRED", "PASSKEY_CONFIRMATION_REQUIRED", "WORKING", "FAILED"
]
# No customer can reach the dealer in these: the manager is alerted at once.
DOWN_STATES = ("FAILED", "STOPPED", "SCAN_QR_CODE")
WAITING_KEPT = 500  # conversations told when the session is back (each also re-checks on its own timer)


def session_workflow_id(session: str) -> str:
    return f"waha-session-{session}"


class SessionStatusChange(BaseModel):
    """A `session.status` webhook event (signal `status_changed`)."""

    session: str
    status: SessionState
    event_id: str | None = None  # the envelope id (evt_…): WAHA redelivers, we dedupe
    at: datetime


class ConversationWaiting(BaseModel):
    """A conversation has a reply it could not send: tell it when the session works again."""

    workflow_id: str


class SessionBack(BaseModel):
    """Session workflow -> conversation (signal `session_back`)."""

    session: str
    at: datetime


class SessionHealthInput(BaseModel):
    session: str
    status: SessionState | None = None
    down_since: datetime | None = None
    outage_id: str | None = None  # the event that started the current outage: one alert per outage
    down_status: SessionState | None = None
    waiting: list[str] = Field(default_factory=list)
    seen_event_ids: list[str] = Field(default_factory=list)
    events: int = 0  # this run's, for continue-as-new
    outages: int = 0
    manager_email: str | None = None  # set by the starter from ESCALATION_EMAIL_MANAGER


class SessionAlert(BaseModel):
    """E-mail to the manager: the session dropped (`down`), or works again (`back`)."""

    kind: Literal["down", "back"]
    session: str
    status: str
    outage_id: str
    down_since: datetime
    at: datetime
