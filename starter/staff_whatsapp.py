"""Staff on WhatsApp: messages from the configured escalation numbers are never a customer's.

"ok", "ack" or "👍" from the specialist alerted for an open escalation acknowledges it
(via="whatsapp"); anything else from a staff number is left alone.
"""

from __future__ import annotations

from datetime import datetime, timezone

from temporalio.client import Client

from agents.handover import is_staff_ack
from config import ESCALATION_ENV_SUFFIX
from workflows.models import Acknowledgement, phone_digits


def staff_numbers(settings) -> set[str]:
    """Digits of every ESCALATION_WHATSAPP_* number."""
    numbers = (settings.escalation_setting("whatsapp", kind) for kind in ESCALATION_ENV_SUFFIX)
    return {phone_digits(number) for number in numbers if number and phone_digits(number)}


def is_staff_chat(settings, chat_id: str) -> bool:
    return chat_id.endswith(("@c.us", "@s.whatsapp.net")) and phone_digits(chat_id) in staff_numbers(settings)


async def handle_staff_message(client: Client, chat_id: str, text: str) -> dict:
    """The webhook's answer for a message from a staff number."""
    if not is_staff_ack(text):
        return {"status": "ignored", "reason": "message from a staff number (not a customer)"}
    from starter.escalations_cli import list_escalations

    sender = phone_digits(chat_id)
    waiting = [
        status
        for status in await list_escalations(client)
        if status.acknowledged is None
        and status.resolution is None
        and status.specialist_chat_id
        and phone_digits(status.specialist_chat_id) == sender
    ]
    if not waiting:
        return {"status": "ignored", "reason": "staff number: no open escalation waiting for this specialist"}
    newest = waiting[-1]  # the alert they most likely answer
    handle = client.get_workflow_handle(newest.escalation_id)
    await handle.signal(
        "acknowledge",
        Acknowledgement(by=None, via="whatsapp", how="command", at=datetime.now(timezone.utc)),
    )
    return {"status": "staff_ack", "escalation_id": newest.escalation_id}
