"""TestDriveWorkflow's input, signals and status (one pydantic model each)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


TestDriveState = Literal["held", "confirmed", "done", "no_show", "cancelled"]


def test_drive_workflow_id(random_hex: str) -> str:
    """No phone number in the id: it shows in calendars, e-mails and staff lists."""
    return f"testdrive-{random_hex[:10]}"


class TestDriveInput(BaseModel):
    __test__ = False  # not a pytest test class, despite the name

    booking_id: str  # also the workflow id
    conversation_workflow_id: str
    chat_id: str
    customer_phone: str
    customer_name: str | None = None
    car_id: str
    car_title: str
    car_make: str | None = None
    car_model: str | None = None  # "Polo": "Hoe was de proefrit in de Polo?"
    confirm_by_staff: bool = False
    opted_out: bool = False
    language: str = "nl"  # the customer's (nl, en, de, other) and form of address, for what the workflow says
    address_form: str = "je"


class StaffDecision(BaseModel):
    """confirm / no_show from staff: CLI, API (X-API-Key) or the Chatwoot label."""

    by: str | None = None
    via: Literal["cli", "api", "chatwoot"] = "api"


class CancelRequest(BaseModel):
    by: Literal["customer", "staff", "car_sold"] = "customer"
    via: Literal["chat", "cli", "api", "chatwoot", "inventory"] = "chat"


class Reschedule(BaseModel):
    """The conversation already moved it in the store; the workflow follows (calendars, timers)."""

    start: datetime
    end: datetime
    previous_start: datetime


class OptOut(BaseModel):
    at: datetime | None = None


class TestDriveChanged(BaseModel):
    """Sent by TestDriveWorkflow to its conversation: the booking's new state, and what it said."""

    booking_id: str
    state: TestDriveState
    start: datetime
    end: datetime
    said: str | None = None  # a message the workflow sent the customer (kept in the chat's memory)


class TestDriveStatus(BaseModel):
    booking_id: str
    state: TestDriveState
    start: datetime | None = None
    end: datetime | None = None
    reminder_sent: bool = False
    follow_up_sent: bool = False
    no_show_asked: bool = False
    opted_out: bool = False
    next_timer: str | None = None
    errors: list[str] = []
