"""Escalation activities: thin adapters between EscalationWorkflow and WAHA, SMTP and Chatwoot.

The texts are composed in the workflow (pure functions in agents/escalation.py), so every
alert's content is visible in the workflow history. Settings and dealer hours are read here,
in `plan_escalation`, whose result history records; replays never re-read them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents.escalation import (
    ESCALATED_LABEL,
    TYPE_TITLES,
    EscalationPlan,
    Recipient,
    chatwoot_conversation_url,
    escalation_plan_deadlines,
    whatsapp_chat_id,
)
from agents.knowledge.dealer import DealerFacts, dealer_facts
from integrations.errors import IntegrationError
from integrations.smtp import SmtpMailer
from integrations.waha import WahaClient
from observability import metrics
from workflows.models import EscalationInput

NON_RETRYABLE = "EscalationChannelRejected"


# --- activity arguments and results (one model each) ----------------------------------------------
class PlanRequest(BaseModel):
    input: EscalationInput
    now: datetime  # workflow time, so the SLA counts from the same clock the timers use


class WhatsAppAlert(BaseModel):
    chat_id: str
    text: str


class EmailAlert(BaseModel):
    to: list[str]
    cc: list[str] = Field(default_factory=list)
    subject: str
    body: str
    message_id_hint: str  # "<escalation id>.<kind>": makes retried sends recognisable as one mail


class ChatwootLookup(BaseModel):
    phone: str
    name: str | None = None


class ChatwootLocation(BaseModel):
    conversation_id: int
    contact_id: int | None = None
    url: str


class ChatwootHandover(BaseModel):
    conversation_id: int
    assignee_id: int | None = None
    team_id: int | None = None
    note: str
    escalation_type: str


class ChatwootHandoverResult(BaseModel):
    assigned: bool
    detail: str  # what was done, or why nobody was assigned
    assignee_id: int | None = None  # the agent we assigned: its assignment event is our echo


class ChatwootNote(BaseModel):
    conversation_id: int
    text: str


def _reject_or_raise(exc: IntegrationError, channel: str) -> None:
    """Retryable failures go back to Temporal's retry policy; the rest fail the activity now."""
    if not exc.retryable:
        raise ApplicationError(f"{channel}: {exc}", type=NON_RETRYABLE, non_retryable=True) from exc
    raise exc


class EscalationActivities:
    def __init__(
        self,
        settings,
        *,
        dealer: DealerFacts | None = None,
        waha: WahaClient | None = None,
        mailer: SmtpMailer | None = None,
        chatwoot=None,
    ):
        self.settings = settings
        self._dealer = dealer
        self.waha = waha or WahaClient(
            settings.waha_url,
            api_key=settings.waha_api_key,
            session=settings.waha_session,
            outbox_dir=settings.outbox_dir,
        )
        self.mailer = mailer or SmtpMailer.from_settings(settings)
        self.chatwoot = chatwoot if chatwoot is not None else self._chatwoot_from_settings(settings)

    @staticmethod
    def _chatwoot_from_settings(settings):
        if not (settings.chatwoot_base_url and settings.chatwoot_api_token):
            return None
        from integrations.chatwoot import ChatwootClient

        return ChatwootClient(
            settings.chatwoot_base_url,
            settings.chatwoot_api_token,
            settings.chatwoot_account_id,
            settings.chatwoot_inbox_id,
        )

    @property
    def dealer(self) -> DealerFacts:
        return self._dealer or dealer_facts(self.settings.dealer_config_file)

    # --- plan ----------------------------------------------------------------------------------
    @activity.defn
    async def plan_escalation(self, request: PlanRequest) -> EscalationPlan:
        settings, kind = self.settings, request.input.escalation_type
        metrics.ESCALATIONS.labels(escalation_type=kind).inc()
        manager_number = settings.escalation_whatsapp_manager
        own_number = settings.escalation_setting("whatsapp", kind)
        fallback_note = None
        if own_number:
            number = own_number
        elif manager_number:
            number = manager_number
            fallback_note = f"geen WhatsApp-nummer voor {TYPE_TITLES[kind]}: alert naar de bedrijfsleider"
        else:
            number = None
            fallback_note = f"whatsapp: not configured (ESCALATION_WHATSAPP_* for {kind} and manager unset)"
        sla = settings.sla_minutes(request.input.urgency)
        return EscalationPlan(
            specialist=Recipient(
                chat_id=whatsapp_chat_id(number) if number else None,
                email=settings.escalation_setting("email", kind) or None,
                label=TYPE_TITLES[kind],
            ),
            manager=Recipient(
                chat_id=whatsapp_chat_id(manager_number) if manager_number else None,
                email=settings.escalation_email_manager or None,
                label=TYPE_TITLES["manager"],
            ),
            cc_manager=request.input.urgency in ("high", "critical") and kind != "manager",
            whatsapp_fallback_note=fallback_note,
            sla_minutes=sla,
            deadlines=escalation_plan_deadlines(request.now, sla, self.dealer),
            timezone_name=self.dealer.timezone,
            chatwoot_configured=self.chatwoot is not None,
            chatwoot_assignee_id=settings.escalation_setting("assignee", kind),
            chatwoot_team_id=settings.escalation_setting("team", kind),
            public_base_url=settings.public_base_url,
            specialist_name=settings.escalation_setting("name", kind),
            forward_window_seconds=settings.escalation_forward_window_seconds,
        )

    # --- channels --------------------------------------------------------------------------------
    @activity.defn
    async def send_escalation_whatsapp(self, alert: WhatsAppAlert) -> str:
        try:
            response = await self.waha.send_text(alert.chat_id, alert.text)
        except IntegrationError as exc:
            _reject_or_raise(exc, "WhatsApp")
        return "outbox" if self.waha.uses_outbox else str(response.get("id") or "waha")

    @activity.defn
    async def send_escalation_email(self, alert: EmailAlert) -> str:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = ", ".join(alert.to)
        if alert.cc:
            message["Cc"] = ", ".join(alert.cc)
        message["Subject"] = alert.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(idstring=alert.message_id_hint, domain="seldenrijk-agent")
        message["X-Seldenrijk-Escalation"] = alert.message_id_hint
        message.set_content(alert.body)
        try:
            return await self.mailer.send_email(message)
        except IntegrationError as exc:
            _reject_or_raise(exc, "SMTP")
        raise AssertionError("unreachable")

    @activity.defn
    async def locate_chatwoot_conversation(self, lookup: ChatwootLookup) -> ChatwootLocation:
        if self.chatwoot is None:
            raise ApplicationError("Chatwoot not configured", type=NON_RETRYABLE, non_retryable=True)
        try:
            ref = await self.chatwoot.ensure_conversation(lookup.phone, lookup.name)
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")
        return ChatwootLocation(
            conversation_id=ref.conversation_id,
            contact_id=ref.contact_id,
            url=chatwoot_conversation_url(
                self.settings.chatwoot_base_url, self.settings.chatwoot_account_id, ref.conversation_id
            ),
        )

    @activity.defn
    async def hand_over_in_chatwoot(self, handover: ChatwootHandover) -> ChatwootHandoverResult:
        """Assign, label `escalated`, then the private note (last: the one step that is not idempotent)."""
        if self.chatwoot is None:
            raise ApplicationError("Chatwoot not configured", type=NON_RETRYABLE, non_retryable=True)
        done: list[str] = []
        try:
            if handover.assignee_id is not None or handover.team_id is not None:
                await self.chatwoot.assign(
                    handover.conversation_id, assignee_id=handover.assignee_id, team_id=handover.team_id
                )
            if handover.assignee_id is not None:
                done.append(f"agent {handover.assignee_id}")
            if handover.team_id is not None:
                done.append(f"team {handover.team_id}")
            await self.chatwoot.add_labels(handover.conversation_id, [ESCALATED_LABEL])
            await self.chatwoot.post_message(handover.conversation_id, handover.note, incoming=False, private=True)
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")
        if not done:
            return ChatwootHandoverResult(
                assigned=False,
                detail=f"chatwoot: no assignee or team configured for {handover.escalation_type} "
                "(labelled and noted only)",
            )
        return ChatwootHandoverResult(
            assigned=True, detail="assigned to " + " and ".join(done), assignee_id=handover.assignee_id
        )

    @activity.defn
    async def add_chatwoot_note(self, note: ChatwootNote) -> None:
        if self.chatwoot is None:
            raise ApplicationError("Chatwoot not configured", type=NON_RETRYABLE, non_retryable=True)
        try:
            await self.chatwoot.post_message(note.conversation_id, note.text, incoming=False, private=True)
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")


def escalation_activities(settings, **overrides) -> list[Callable]:
    """The activities the worker registers (overrides: dealer=, waha=, mailer=, chatwoot= for tests)."""
    acts = EscalationActivities(settings, **overrides)
    return [
        acts.plan_escalation,
        acts.send_escalation_whatsapp,
        acts.send_escalation_email,
        acts.locate_chatwoot_conversation,
        acts.hand_over_in_chatwoot,
        acts.add_chatwoot_note,
    ]
