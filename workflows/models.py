"""Inputs, signals and query results of the workflows (one pydantic model each)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agents.handover import HandoverView
from agents.media import InboundMedia
from agents.models import (
    CRMOutput,
    ConversationContext,
    ConversationOutput,
    EscalationType,
    ExpertiseOutput,
    ExtractionOutput,
    InventorySearchResult,
    RouterOutput,
    Urgency,
    Usage,
)

# --- ids ---------------------------------------------------------------------


def phone_digits(chat_id_or_phone: str) -> str:
    """'31612345678@c.us', '+31 6 1234 5678' -> '31612345678'."""
    head = chat_id_or_phone.split("@", 1)[0]
    return "".join(ch for ch in head if ch.isdigit())


def conversation_workflow_id(phone_or_chat_id: str) -> str:
    return f"conversation-{phone_digits(phone_or_chat_id)}"


def escalation_workflow_id(phone_or_chat_id: str, number: int, trigger_message_id: str | None = None) -> str:
    """'escalation-31612345678-2-1a2b3c4d': the trigger's digest keeps the id unique when a
    new run of the conversation counts from 1 again (a counter alone collided)."""
    base = f"escalation-{phone_digits(phone_or_chat_id)}-{number}"
    if trigger_message_id is None:
        return base  # ids of escalations started before the patch "escalation-id-from-trigger"
    return f"{base}-{hashlib.sha1(trigger_message_id.encode()).hexdigest()[:8]}"


# --- conversation workflow ---------------------------------------------------
class InboundMessage(BaseModel):
    """A customer's WhatsApp message, as the webhook accepted it (signal `new_message`)."""

    message_id: str  # WAHA payload.id, the dedupe key
    chat_id: str  # "31612345678@c.us" or "...@lid": where replies go
    phone: str  # E.164, "+31612345678" (for @lid chats: the resolved number or the lid digits)
    sender_name: str | None = None
    text: str
    sent_at: datetime  # the customer's timestamp
    received_at: datetime  # when our webhook accepted it
    source: Literal["waha", "chat_page"] = "waha"
    has_media: bool = False
    media: InboundMedia | None = None  # photo, voice note, document, location, sticker, reaction
    # Mark it seen and show "typing…" (issue 17): false without WAHA or with WAHA_TYPING=false, so
    # the workflow schedules no presence activity at all then.
    show_presence: bool = True


class MessageEdited(BaseModel):
    """The customer edited a message (WAHA `message.edited`, signal `message_edited`)."""

    message_id: str  # the edited message: WAHA's `editedMessageId` (the id's last part) or a full id
    edit_id: str  # the edit event's own message id, the dedupe key (and the reply id when answered again)
    text: str
    at: datetime


class MessageRevoked(BaseModel):
    """The customer deleted a message for everyone (WAHA `message.revoked`, signal `message_revoked`)."""

    message_id: str  # WAHA's `revokedMessageId` (the id's last part) or a full id
    at: datetime


class CustomerLine(BaseModel):
    """A recent customer message, to judge a later edit or deletion of it."""

    message_id: str
    text: str
    at: datetime


class StaffMessage(BaseModel):
    """A human wrote to the customer: from Chatwoot, or on the dealer's phone (signal `staff_message`)."""

    text: str
    author: str | None = None
    via: Literal["chatwoot", "whatsapp_app"]
    delivered: bool = False  # True when it already reached WhatsApp (typed on the phone)
    external_id: str | None = None  # Chatwoot message id or WAHA message id, for dedupe
    at: datetime


class StaffEngagement(BaseModel):
    """A staff member took the chat (assigned, opened): acknowledges an open escalation."""

    how: Literal["assigned", "opened", "replied"]
    by: str | None = None
    at: datetime
    assignee_id: int | None = None  # the Chatwoot agent assigned, to recognise our own assignment's echo


class HandoffEnded(BaseModel):
    """The human is done (Chatwoot conversation resolved): the bot may speak again."""

    reason: str = "resolved"
    at: datetime


class EscalationClosed(BaseModel):
    """Sent by a finished EscalationWorkflow to its conversation."""

    escalation_id: str
    outcome: str
    at: datetime


class MessageTimings(BaseModel):
    received_at: datetime
    started_at: datetime
    replied_at: datetime | None = None
    step_ms: dict[str, float] = Field(default_factory=dict)


class ProcessedMessage(BaseModel):
    """The architecture document's ConversationState for one message."""

    message_id: str
    content: str
    router_output: RouterOutput | None = None
    extraction_output: ExtractionOutput | None = None
    expertise_output: ExpertiseOutput | None = None
    rag_results: InventorySearchResult | None = None
    conversation_output: ConversationOutput | None = None
    crm_output: CRMOutput | None = None
    needs_escalation: bool = False
    escalation_type: EscalationType | None = None
    escalation_id: str | None = None
    bot_silent: bool = False  # a human was handling the chat: no bot reply
    error_occurred: bool = False
    errors: list[str] = Field(default_factory=list)
    timings: MessageTimings
    usage: Usage = Field(default_factory=Usage)

    def slim(self) -> "ProcessedMessage":
        """The record without the agents' outputs (cars, knowledge texts, the reply, the lead score):
        what an older entry of `recent` keeps. The full trace is in the activity results in the
        history; the state holds the latest message's record whole (docs/memory.md)."""
        return self.model_copy(update={
            "content": self.content[:SLIM_CONTENT_CHARS], "extraction_output": None, "expertise_output": None,
            "rag_results": None, "conversation_output": None, "crm_output": None,
        })


SLIM_CONTENT_CHARS = 300


def with_recent(recent: list[ProcessedMessage], record: ProcessedMessage, kept: int) -> list[ProcessedMessage]:
    """`recent` with `record` added whole, the earlier ones slimmed, at most `kept` (a cached workflow's
    memory stays the same however long the chat: each full record held ~32 KB of Python objects)."""
    return [older.slim() for older in recent[-(kept - 1):]] + [record] if kept > 1 else [record]


class ScorePoint(BaseModel):
    at: datetime
    score: int
    quality: str


class OpenEscalation(BaseModel):
    escalation_id: str
    escalation_type: EscalationType
    urgency: Urgency
    started_at: datetime
    # What the customer may be told (from the escalation's updates) and what they were told already.
    view: HandoverView | None = None
    status_line_at: datetime | None = None
    ack_due: bool = False  # a person took it: say who, once
    ack_announced: bool = False  # said, or the person wrote to the customer themselves
    overdue_due: bool = False  # the SLA passed unacknowledged: say so honestly, once
    overdue_announced: bool = False
    unanswered_streak: int = 0  # customer messages since the last human reply
    person_spoke: bool = False  # a person wrote to the customer: no more status lines for this one
    forwarded_said: int = 0  # times the customer was told a message went straight to the person
    status_lines_said: int = 0  # each status line is worded anew


class PendingCrmUpdate(BaseModel):
    """One unit of CRM work, synced in order by the workflow's CRM lane."""

    role: Literal["customer", "bot", "staff", "note"]  # note: for staff only (Chatwoot private note)
    text: str
    message_id: str
    at: datetime
    crm: CRMOutput | None = None
    media: InboundMedia | None = None  # mirrored to Chatwoot as an attachment
    opt_out: bool = False  # STOP: mark the contact opted out (local CRM, Chatwoot attribute and label)


class Attachment(BaseModel):
    url: str | None = None  # WAHA media.url (downloaded from the configured WAHA host only)
    mimetype: str | None = None
    filename: str | None = None


class SalesTaskRequest(BaseModel):
    """A task for sales (trade-in summary, a forwarded document): a Chatwoot private note or an e-mail."""

    task_id: str  # stable: a retry posts the note once
    phone: str
    chat_id: str
    customer_name: str | None = None
    subject: str
    text: str
    attachments: list[Attachment] = Field(default_factory=list)


class ConversationInput(BaseModel):
    """Workflow input; also what continue-as-new carries over."""

    chat_id: str
    phone: str
    customer_name: str | None = None
    context: ConversationContext = Field(default_factory=ConversationContext)
    pending: list[InboundMessage] = Field(default_factory=list)
    seen_message_ids: list[str] = Field(default_factory=list)
    recent: list[ProcessedMessage] = Field(default_factory=list)
    crm_pending: list[PendingCrmUpdate] = Field(default_factory=list)
    last_crm: CRMOutput | None = None
    score_history: list[ScorePoint] = Field(default_factory=list)
    escalation_count: int = 0
    open_escalation: OpenEscalation | None = None
    human_active_until: datetime | None = None  # bot silent until then (or until resolved)
    human_active: bool = False
    messages_processed: int = 0
    messages_per_run: int = 50  # continue-as-new after this many (or when Temporal suggests it): docs/memory.md
    # ...or once the chat has been quiet this long after a customer turn (0: never): docs/memory.md
    quiet_continue_seconds: float = 60.0
    human_quiet_minutes: float = 120  # after a staff message the bot is silent this long (or until resolved)
    rate_limit_per_minute: int = 20  # more customer messages than this are held, not processed
    staff_pending: list[StaffMessage] = Field(default_factory=list)
    seen_staff_ids: list[str] = Field(default_factory=list)
    flood_notice_due: bool = False
    total_usage: Usage = Field(default_factory=Usage)
    crm_failures: list[str] = Field(default_factory=list)
    rate_window: list[datetime] = Field(default_factory=list)  # recent arrival times (flood control)
    flood_notice_sent_at: datetime | None = None
    held_messages: list[InboundMessage] = Field(default_factory=list)  # the latest held ones (bounded)
    held_total: int = 0  # every message held by the flood control (each mirrored to the CRM)
    crm_unmirrored: int = 0  # CRM updates dropped because the queue was full (flood with the CRM down)
    send_failures: list[str] = Field(default_factory=list)  # sends given up on (latest few)
    # STOP (issue 13 §3): every proactive message (follow-ups, reminders) checks `proactive_allowed`.
    test_drive_count: int = 0  # bookings made in this chat
    opted_out: bool = False
    opted_out_at: datetime | None = None
    # Our own recent sends: a WhatsApp "source: app" echo of one of them is not a person typing.
    recent_outgoing: list[str] = Field(default_factory=list)
    sent_provider_ids: list[str] = Field(default_factory=list)

    # Issue 17: replies held while the WhatsApp session was down (workflows/conversation_session.py).
    stale_reply_minutes: float = 60  # older than this when the session is back: the short apology version
    held_for_session: int = 0  # sends that found the session down
    stale_replies_replaced: int = 0

    # Issue 17 @lid merge (workflows/conversation_merge.py).
    merge_target: "MergeInto | None" = None  # this lid chat's number is known: hand over to that conversation
    merged_from: list[str] = Field(default_factory=list)  # lid conversations absorbed (each once)
    crm_merges: list[str] = Field(default_factory=list)  # lid "phones" whose CRM/Chatwoot contact joins ours
    escalation_to_move: str | None = None  # an escalation the lid's conversation started: tell it we took over
    test_drives_to_move: list[str] = Field(default_factory=list)  # the lid's bookings' workflows: tell them too
    privacy_request_id: str | None = None  # the PrivacyRequestWorkflow this chat started (the latest)
    privacy_to_move: str | None = None  # one the lid's conversation started: tell it we took over
    # Burst coalescing (issue 17): quick messages answered together (PATCH_BURST); 0 turns it off.
    coalesce_seconds: float = 2.0
    coalesce_max_seconds: float = 6.0
    messages_coalesced: int = 0  # messages answered in an earlier message's reply (replies saved)
    recent_customer: list[CustomerLine] = Field(default_factory=list)  # latest few, for edits and deletions
    edits_seen: int = 0  # message.edited events handled
    revoked_unanswered: int = 0  # messages deleted while still waiting: never answered

    # Issue 17 follow-ups for quiet leads (workflows/conversation_followup.py).
    follow_up_at: datetime | None = None  # the planned moment: the main loop's durable timer
    follow_up_reason: str | None = None  # why (not): for staff in the state query
    follow_ups_sent: int = 0
    last_follow_up_at: datetime | None = None
    follow_up_reply_counted: bool = False

    trade_in_quiet_seconds: int = 1800  # trade-in summary to sales after this long without news
    trade_in_photos_wanted: int = 4
    sales_tasks: list[SalesTaskRequest] = Field(default_factory=list)  # queued for the sales lane

    @property
    def proactive_allowed(self) -> bool:
        """False once the customer said STOP: only answers to their own questions from then on."""
        return not self.opted_out


class MergeInto(BaseModel):
    """API -> a lid chat's conversation (signal `merge_into`): WAHA now knows the number."""

    chat_id: str  # "316…@c.us"
    phone: str  # E.164
    lid_chat_id: str
    message: InboundMessage | None = None  # the message that arrived meanwhile, keyed by the phone


class ConversationMoved(BaseModel):
    """Conversation -> escalation or test drive (signal `conversation_moved`): the @lid chat merged
    into its phone's. `chat_id` (for test drives): where their messages go from now on."""

    workflow_id: str
    at: datetime
    chat_id: str | None = None
    phone: str | None = None  # for a privacy request: whose data it concerns now (the merged record)


class AbsorbConversation(BaseModel):
    """A lid chat's conversation -> the phone's (signal `absorb_conversation`): its whole state."""

    from_workflow_id: str
    from_chat_id: str
    from_phone: str
    state: ConversationInput


class TradeInValue(BaseModel):
    """Staff entered an indicative trade-in value (CLI or Chatwoot contact attribute `trade_in_value`)."""

    amount_eur: int = Field(ge=0, le=10_000_000)
    by: str | None = None
    at: datetime


class ConversationSnapshot(ConversationInput):
    """What the `state` query returns: the carried state plus live details."""

    workflow_id: str
    processing: str | None = None  # message id being processed now
    last_customer_message: str | None = None
    last_answer: str | None = None
    dialogue_lines: list[list[str]] = Field(default_factory=list)  # agents.dialogue.state_lines: the lead card's "Gesprek"


# --- escalation workflow -----------------------------------------------------
EscalationState = Literal["alerting", "waiting_ack", "acknowledged", "resolved"]


class EscalationInput(BaseModel):
    escalation_id: str
    conversation_workflow_id: str
    chat_id: str
    customer_phone: str
    customer_name: str | None = None
    escalation_type: EscalationType
    urgency: Urgency
    reason: str
    question: str  # the customer's message that triggered it
    transcript: list[str] = Field(default_factory=list)  # "klant: ...", "bot: ..." lines
    started_at: datetime


class Acknowledgement(BaseModel):
    by: str | None = None
    via: Literal["chatwoot", "cli", "api", "whatsapp"] = "api"
    at: datetime | None = None
    how: Literal["message", "assigned", "opened", "replied", "command"] | None = None
    assignee_id: int | None = None  # Chatwoot assignments: which agent was assigned


class Resolution(BaseModel):
    outcome: str = "resolved"
    by: str | None = None
    via: Literal["chatwoot", "cli", "api"] = "api"
    at: datetime | None = None


class EscalationNote(BaseModel):
    """A new trigger while this escalation is open: a note, not a new alert storm."""

    text: str
    reason: str
    at: datetime


class EscalationUpdate(BaseModel):
    """Escalation -> conversation (signal `escalation_update`): what the customer may be told."""

    escalation_id: str
    view: HandoverView


class ForwardedMessage(BaseModel):
    """Conversation -> escalation (signal `forward`): the customer wrote again while it is open."""

    message_id: str
    text: str
    bot_reply: str | None = None
    reason: str = ""  # set when this message alone would have escalated
    at: datetime


class UrgencyRaised(BaseModel):
    """Conversation -> escalation (signal `raise_urgency`): a threat, or the customer keeps waiting."""

    urgency: Urgency
    reason: str
    at: datetime


class ForwardRecord(BaseModel):
    message_id: str
    at: datetime
    channel: Literal["chatwoot", "whatsapp", "email", "none"]
    delivered: bool


class ChannelResult(BaseModel):
    whatsapp_sent: bool = False
    email_sent: bool = False
    chatwoot_assigned: bool = False
    # Who got the Chatwoot conversation and how ("agent 7, found by e-mail …", "team 2: no agent …").
    chatwoot_assignment: str | None = None
    errors: list[str] = Field(default_factory=list)


class EscalationStatus(BaseModel):
    escalation_id: str
    input: EscalationInput
    state: EscalationState
    channels: ChannelResult = Field(default_factory=ChannelResult)
    acknowledged: Acknowledgement | None = None
    resolution: Resolution | None = None
    sla_deadline: datetime | None = None
    reminders_sent: int = 0
    manager_alerted: bool = False
    notes: list[EscalationNote] = Field(default_factory=list)  # the latest few (bounded)
    notes_total: int = 0  # every note, also those no longer kept in `notes`
    specialist_chat_id: str | None = None  # who was alerted on WhatsApp (their "ok" acknowledges)
    urgency: Urgency | None = None  # current urgency when it rose after the start
    urgency_reasons: list[str] = Field(default_factory=list)
    manager_alerted_for: list[str] = Field(default_factory=list)  # urgencies the manager was alerted about
    forwards: list[ForwardRecord] = Field(default_factory=list)  # the last ones; the history has all
    echoes_ignored: int = 0  # our own Chatwoot assignment reported back: not a person
    customer_told_overdue: bool = False


# --- privacy request workflow (AVG) --------------------------------------------------------------------
def privacy_workflow_id(phone_or_chat_id: str) -> str:
    """One open privacy request per customer: a second one while it runs is answered, not duplicated."""
    return f"privacy-{phone_digits(phone_or_chat_id)}"


class PrivacyRequestInput(BaseModel):
    request_id: str
    kind: Literal["delete", "export"]
    chat_id: str
    customer_phone: str
    customer_name: str | None = None
    text: str  # the customer's words, for the manager
    conversation_workflow_id: str
    started_at: datetime
    language: str = "nl"  # the customer's (nl, en, de, other) and their form of address: what they are told
    address_form: str = "je"


class PrivacyApproval(BaseModel):
    """Staff confirm the request may be carried out (CLI, API with X-API-Key, Chatwoot label)."""

    by: str | None = None
    via: Literal["cli", "api", "chatwoot"] = "cli"
    at: datetime | None = None


PrivacyState = Literal["waiting_approval", "carrying_out", "done"]


class PrivacyStatus(BaseModel):
    request_id: str
    input: PrivacyRequestInput
    state: PrivacyState = "waiting_approval"
    customer_told: bool = False
    manager_notified: bool = False
    reminders_sent: int = 0
    escalated: bool = False  # day 28: the legal month is nearly up
    approval: PrivacyApproval | None = None
    outcome: str | None = None  # what was done, without personal data (e.g. "deleted: local_crm 7, chatwoot 1")
    errors: list[str] = Field(default_factory=list)


ConversationInput.model_rebuild()  # `merge_target` names MergeInto, defined after it
ConversationSnapshot.model_rebuild()
