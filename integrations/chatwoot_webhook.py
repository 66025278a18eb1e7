"""Chatwoot webhook deliveries: signature check and parsing into typed events (pure, no web framework).

Payload shapes per INTEGRATIONS.md 3.2/3.3. What we act on:
- a human agent's public reply (`message_created`, outgoing, sender.type "user", not our echo)
  -> StaffReply, which the webhook forwards to the conversation as a staff message;
- status changes -> ConversationResolved / ConversationReopened, or StaffEngaged("opened")
  when a human takes over a pending (bot-handled) conversation;
- assignment to a user or the first human reply (`conversation_updated`) -> StaffEngaged.
Customer messages (we mirrored them ourselves), private notes, our own bot echoes and other
event types give None. Note: assignments made by our own escalation also arrive as
StaffEngaged("assigned"); the receiver decides what that means for the bot.

Subscribe the webhook to `message_created`, `conversation_status_changed` and
`conversation_updated`: status changes are read only from the status events so one change
is not reported twice.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Container
from typing import Any, Literal, Union

from pydantic import BaseModel

from agents.privacy import PRIVACY_APPROVED_LABEL
from integrations.chatwoot import BOT_MARKER
from integrations.errors import WebhookRejected  # noqa: F401 - part of this module's interface



class StaffReply(BaseModel):
    kind: Literal["staff_reply"] = "staff_reply"
    conversation_id: int
    phone_e164: str
    text: str
    author: str | None = None
    message_id: int


class ConversationResolved(BaseModel):
    kind: Literal["resolved"] = "resolved"
    conversation_id: int
    phone_e164: str


class ConversationReopened(BaseModel):
    kind: Literal["reopened"] = "reopened"
    conversation_id: int
    phone_e164: str


class StaffEngaged(BaseModel):
    kind: Literal["staff_engaged"] = "staff_engaged"
    conversation_id: int
    phone_e164: str
    how: Literal["assigned", "opened", "replied"]
    who: str | None = None
    assignee_id: int | None = None


class TradeInValueEntered(BaseModel):
    """Staff filled in the contact attribute `trade_in_value` (an indicative trade-in value)."""

    kind: Literal["trade_in_value"] = "trade_in_value"
    phone_e164: str
    amount_eur: int
    who: str | None = None


class TestDriveConfirmed(BaseModel):
    """Staff put the label `proefrit-bevestigd` on the conversation: confirm its held test drive."""

    kind: Literal["test_drive_confirmed"] = "test_drive_confirmed"
    conversation_id: int
    phone_e164: str
    who: str | None = None


CONFIRM_LABEL = "proefrit-bevestigd"


class PrivacyApproved(BaseModel):
    """Staff added the label `privacy-approved`: the customer's privacy request may be carried out."""

    kind: Literal["privacy_approved"] = "privacy_approved"
    conversation_id: int
    phone_e164: str


ChatwootEvent = Union[StaffReply, ConversationResolved, ConversationReopened, StaffEngaged, PrivacyApproved,
                      TestDriveConfirmed, TradeInValueEntered]

# --- signature ---------------------------------------------------------------------


def signature_for(secret: str, timestamp: str, raw_body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str, timestamp: str, raw_body: bytes, signature_header: str, now: float, max_age_seconds: int
) -> None:
    """Chatwoot >= 4.12: X-Chatwoot-Signature = sha256=HMAC(secret, "<X-Chatwoot-Timestamp>.<raw body>")."""
    if not signature_header or not timestamp:
        raise WebhookRejected(401, "missing signature or timestamp")
    if not (timestamp.isascii() and signature_header.isascii()):
        raise WebhookRejected(401, "malformed signature or timestamp")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected(401, "malformed timestamp") from None
    if abs(now - sent_at) > max_age_seconds:
        raise WebhookRejected(401, "stale timestamp")
    expected = signature_for(secret, timestamp, raw_body)
    if not hmac.compare_digest(expected.encode(), signature_header.strip().lower().encode()):
        raise WebhookRejected(401, "bad signature")


# --- parsing -------------------------------------------------------------------------


def parse_event(
    body: dict[str, Any], *, inbox_id: int | None = None, own_message_ids: Container[int] = ()
) -> ChatwootEvent | None:
    """The event to act on, or None. `inbox_id` ignores other inboxes of the account;
    `own_message_ids` are Chatwoot ids of messages we posted (a second guard against echoes)."""
    if not isinstance(body, dict):
        raise WebhookRejected(422, "body is not a JSON object")
    event = body.get("event")
    try:
        if event == "message_created":
            return _message_created(body, inbox_id, own_message_ids)
        if event in ("conversation_status_changed", "conversation_resolved", "conversation_opened"):
            return _status_event(event, body, inbox_id)
        if event == "conversation_updated":
            return _conversation_updated(body, inbox_id, own_message_ids)
        if event == "contact_updated":
            return _trade_in_value(body)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:  # e.g. "conversation": null
        raise WebhookRejected(422, f"malformed {event} payload: {exc!r}"[:300]) from None
    return None


def _trade_in_value(body: dict) -> TradeInValueEntered | None:
    """contact_updated carries the contact's custom_attributes: a `trade_in_value` is staff's estimate."""
    attributes = body.get("custom_attributes") or {}
    raw = attributes.get("trade_in_value") if isinstance(attributes, dict) else None
    phone = body.get("phone_number")
    if raw is None or raw == "" or not isinstance(phone, str) or not phone.startswith("+"):
        return None
    try:
        amount = int(round(float(str(raw).replace("€", "").replace(".", "").replace(",", ".").strip())))
    except ValueError:
        return None
    if not 0 <= amount <= 10_000_000:
        return None
    return TradeInValueEntered(phone_e164=phone, amount_eur=amount)


def is_own_message(message: dict[str, Any], own_message_ids: Container[int] = ()) -> bool:
    attributes = message.get("content_attributes") or {}
    return bool(
        attributes.get(BOT_MARKER)
        or attributes.get("external_echo")
        or message.get("id") in own_message_ids
    )


def _message_created(body: dict, inbox_id: int | None, own_ids: Container[int]) -> StaffReply | None:
    conversation = body["conversation"]
    if not _our_inbox(conversation.get("inbox_id", (body.get("inbox") or {}).get("id")), inbox_id):
        return None
    message_id = int(body["id"])
    if body.get("message_type") != "outgoing" or body.get("private"):
        return None
    sender = body.get("sender") or {}
    if sender.get("type") != "user" or is_own_message(body, own_ids):
        return None
    text = body.get("content")
    if not text:
        return None  # attachments only: nothing to forward as text
    return StaffReply(
        conversation_id=int(conversation["id"]),
        phone_e164=_phone(conversation, body),
        text=text,
        author=sender.get("available_name") or sender.get("name"),
        message_id=message_id,
    )


def _status_event(event: str, body: dict, inbox_id: int | None) -> ChatwootEvent | None:
    conversation_id = int(body["id"])
    if not _our_inbox(body.get("inbox_id"), inbox_id):
        return None
    phone = _phone(body)
    status = body["status"]
    if event == "conversation_resolved" or (event == "conversation_status_changed" and status == "resolved"):
        return ConversationResolved(conversation_id=conversation_id, phone_e164=phone)
    if status != "open":
        return None  # pending / snoozed: nothing for the bot to do
    previous = _changed(body, "status")
    if previous and previous.get("previous_value") == "pending":
        # A human took over a conversation the bot was handling.
        return StaffEngaged(conversation_id=conversation_id, phone_e164=phone, how="opened", who=_assignee(body))
    return ConversationReopened(conversation_id=conversation_id, phone_e164=phone)


def _conversation_updated(body: dict, inbox_id: int | None, own_ids: Container[int]) -> ChatwootEvent | None:
    conversation_id = int(body["id"])
    if not _our_inbox(body.get("inbox_id"), inbox_id):
        return None
    labels = _changed(body, "label_list")
    if labels is not None:
        before, after = _labels(labels.get("previous_value")), _labels(labels.get("current_value") or body.get("labels"))
        if PRIVACY_APPROVED_LABEL in after and PRIVACY_APPROVED_LABEL not in before:
            return PrivacyApproved(conversation_id=conversation_id, phone_e164=_phone(body))
        if CONFIRM_LABEL in after and CONFIRM_LABEL not in before:
            return TestDriveConfirmed(conversation_id=conversation_id, phone_e164=_phone(body), who=_assignee(body))
    meta = body.get("meta") or {}
    assignee = meta.get("assignee") or {}
    to_user = assignee.get("type") == "user" or meta.get("assignee_type") == "User"
    if _changed(body, "assignee_id") and assignee and to_user:
        phone = _phone(body)
        assignee_id = assignee.get("id")
        return StaffEngaged(
            conversation_id=conversation_id, phone_e164=phone, how="assigned", who=_assignee(body),
            assignee_id=int(assignee_id) if isinstance(assignee_id, int) else None,
        )
    first_reply = _changed(body, "first_reply_created_at")
    if first_reply and not first_reply.get("previous_value"):
        last = (body.get("messages") or [{}])[-1]
        # In conversation payloads message_type is an integer: 1 = outgoing.
        human = last.get("message_type") == 1 and (last.get("sender") or {}).get("type") == "user"
        if human and not last.get("private") and not is_own_message(last, own_ids):
            who = (last.get("sender") or {}).get("name")
            return StaffEngaged(conversation_id=conversation_id, phone_e164=_phone(body), how="replied", who=who)
    return None


def _labels(value: Any) -> list[str]:
    """A label list as an array or as acts-as-taggable's comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value or []]


def _our_inbox(event_inbox: Any, inbox_id: int | None) -> bool:
    return inbox_id is None or event_inbox is None or int(event_inbox) == inbox_id


def _changed(body: dict, key: str) -> dict | None:
    for change in body.get("changed_attributes") or []:
        if isinstance(change, dict) and key in change:
            return change[key] or {}
    return None


def _assignee(body: dict) -> str | None:
    assignee = (body.get("meta") or {}).get("assignee") or {}
    return assignee.get("available_name") or assignee.get("name")


def _phone(conversation: dict, message: dict | None = None) -> str:
    sender = (conversation.get("meta") or {}).get("sender") or {}
    phone = sender.get("phone_number")
    if not phone and message:
        author = message.get("sender") or {}
        if author.get("type") != "user":  # a contact sender carries the customer's number
            phone = author.get("phone_number")
    if not phone:
        raise KeyError("conversation.meta.sender.phone_number")
    digits = "".join(ch for ch in phone if ch in "0123456789")
    if not 6 <= len(digits) <= 15:  # E.164: at most 15 digits
        raise ValueError("conversation.meta.sender.phone_number is not a phone number")
    return f"+{digits}"
