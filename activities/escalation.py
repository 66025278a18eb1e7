"""Escalation activities: thin adapters between EscalationWorkflow and WAHA, SMTP and Chatwoot.

The texts are composed in the workflow (pure functions in agents/escalation.py), so every
alert's content is visible in the workflow history. Settings and dealer hours are read here,
in `plan_escalation`, whose result history records; replays never re-read them.

Every alert goes out at most once per "<escalation id>:<channel>:<kind>" key, through the same
sent ledger as the customer replies: a retried activity (worker killed, timeout) finds what
already went out instead of alerting twice. E-mails carry a Message-ID fixed by that key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents.escalation import (
    ESCALATED_LABEL,
    TYPE_TITLES,
    EscalationPlan,
    Recipient,
    chatwoot_conversation_url,
    chatwoot_public_base,
    escalation_plan_deadlines,
    whatsapp_chat_id,
)
from agents.knowledge.dealer import DealerFacts, dealer_facts
from activities.messaging import post_note_once, send_mail_once, send_once
from config import reveal
from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
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
    ledger_key: str | None = None  # "<escalation id>:whatsapp:<kind>"; None: this activity's own id


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
    url: str | None = None  # None: no address staff can open (set CHATWOOT_PUBLIC_URL)


class ChatwootHandover(BaseModel):
    conversation_id: int
    assignee_id: int | None = None
    team_id: int | None = None
    note: str
    escalation_type: str
    assignee_email: str | None = None  # ESCALATION_EMAIL_<TYPE>: the agent to find when no id is set
    ledger_key: str | None = None  # "<escalation id>:chatwoot:handover"


class ChatwootHandoverResult(BaseModel):
    assigned: bool
    detail: str  # what was done, or why nobody was assigned
    assignee_id: int | None = None  # the agent we assigned: its assignment event is our echo
    team_id: int | None = None
    assigned_by: str = "none"  # "configured" (ESCALATION_ASSIGNEE_*), "email", "team" or "none"


class ChatwootNote(BaseModel):
    conversation_id: int
    text: str
    ledger_key: str | None = None  # "<escalation id>:chatwoot:note-<n>"


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
        ledger: SentLedger | None = None,
        crm=None,
    ):
        self.settings = settings
        self.ledger = ledger or SentLedger.from_settings(settings)
        # The CRM activities own the customer's one Chatwoot contact and conversation.
        self.crm = crm
        self._dealer = dealer
        self.waha = waha or WahaClient(
            settings.waha_url,
            api_key=reveal(settings.waha_api_key),
            session=settings.waha_session,
            outbox_dir=settings.outbox_dir,
        )
        self.mailer = mailer or SmtpMailer.from_settings(settings)
        if chatwoot is None and crm is not None and crm.chatwoot_configured:
            chatwoot = crm.chatwoot()
        self.chatwoot = chatwoot if chatwoot is not None else self._chatwoot_from_settings(settings)

    @staticmethod
    def _chatwoot_from_settings(settings):
        if not (settings.chatwoot_base_url and settings.chatwoot_api_token):
            return None
        from integrations.chatwoot import ChatwootClient

        return ChatwootClient(
            settings.chatwoot_base_url,
            settings.chatwoot_api_token.get_secret_value(),
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
        key = alert.ledger_key or _activity_key()
        try:
            provider_id, _ = await send_once(self.waha, self.ledger, key, alert.chat_id, alert.text)
        except IntegrationError as exc:
            _reject_or_raise(exc, "WhatsApp")
        return "outbox" if self.waha.uses_outbox else str(provider_id or "waha")

    @activity.defn
    async def send_escalation_email(self, alert: EmailAlert) -> str:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = ", ".join(alert.to)
        if alert.cc:
            message["Cc"] = ", ".join(alert.cc)
        message["Subject"] = alert.subject
        message["Date"] = formatdate(localtime=False)
        message_id = escalation_message_id(alert.message_id_hint)
        message["Message-ID"] = message_id
        message["X-Seldenrijk-Escalation"] = alert.message_id_hint
        message.set_content(alert.body)
        try:
            return await send_mail_once(self.mailer, self.ledger, f"email:{alert.message_id_hint}", message)
        except IntegrationError as exc:
            _reject_or_raise(exc, "SMTP")
        raise AssertionError("unreachable")

    @activity.defn
    async def locate_chatwoot_conversation(self, lookup: ChatwootLookup) -> ChatwootLocation:
        if self.chatwoot is None:
            raise ApplicationError("Chatwoot not configured", type=NON_RETRYABLE, non_retryable=True)
        try:
            if self.crm is not None:
                ref = await self.crm.customer_conversation(lookup.phone, lookup.name)
            else:
                ref = await self.chatwoot.ensure_conversation(lookup.phone, lookup.name)
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")
        base = chatwoot_public_base(self.settings.chatwoot_public_url, self.settings.chatwoot_base_url)
        return ChatwootLocation(
            conversation_id=ref.conversation_id,
            contact_id=ref.contact_id,
            url=chatwoot_conversation_url(base, self.settings.chatwoot_account_id, ref.conversation_id)
            if base else None,
        )

    @activity.defn
    async def hand_over_in_chatwoot(self, handover: ChatwootHandover) -> ChatwootHandoverResult:
        """Assign, label `escalated`, then the private note (once per ledger key)."""
        if self.chatwoot is None:
            raise ApplicationError("Chatwoot not configured", type=NON_RETRYABLE, non_retryable=True)
        try:
            result = await self._assignee(handover)
            if result.assignee_id is not None or result.team_id is not None:
                await self.chatwoot.assign(
                    handover.conversation_id, assignee_id=result.assignee_id, team_id=result.team_id
                )
            await self.chatwoot.add_labels(handover.conversation_id, [ESCALATED_LABEL])
            await self._note_once(handover.conversation_id, handover.note, handover.ledger_key or _activity_key())
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")
        return result

    async def _assignee(self, handover: ChatwootHandover) -> ChatwootHandoverResult:
        """ESCALATION_ASSIGNEE_<TYPE>; else the agent whose e-mail is ESCALATION_EMAIL_<TYPE>; else the team."""
        team = handover.team_id
        with_team = f" and team {team}" if team is not None else ""
        if handover.assignee_id is not None:
            return ChatwootHandoverResult(
                assigned=True, assignee_id=handover.assignee_id, team_id=team, assigned_by="configured",
                detail=f"assigned to agent {handover.assignee_id} (configured){with_team}",
            )
        email = handover.assignee_email
        agent = await self.chatwoot.agent_id_for_email(email) if email else None
        if agent is not None:
            return ChatwootHandoverResult(
                assigned=True, assignee_id=agent, team_id=team, assigned_by="email",
                detail=f"assigned to agent {agent}, found by e-mail {email}{with_team}",
            )
        why = f"no Chatwoot agent with e-mail {email}" if email else "no assignee configured"
        if team is not None:
            return ChatwootHandoverResult(
                assigned=True, team_id=team, assigned_by="team", detail=f"assigned to team {team} ({why})"
            )
        return ChatwootHandoverResult(
            assigned=False, assigned_by="none",
            detail=f"chatwoot: {why} and no team configured for {handover.escalation_type} "
            "(labelled and noted only)",
        )

    async def _note_once(self, conversation_id: int, text: str, key: str) -> None:
        await post_note_once(self.chatwoot, self.ledger, conversation_id, text, key)

    @activity.defn
    async def add_chatwoot_note(self, note: ChatwootNote) -> None:
        if self.chatwoot is None:
            raise ApplicationError("Chatwoot not configured", type=NON_RETRYABLE, non_retryable=True)
        try:
            await self._note_once(note.conversation_id, note.text, note.ledger_key or _activity_key())
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")


def _activity_key() -> str:
    """Stable across the retries of one activity (for callers that pass no ledger key)."""
    info = activity.info()
    return f"{info.workflow_id}:{info.workflow_run_id}:{info.activity_id}"


def escalation_message_id(hint: str) -> str:
    """A fixed Message-ID per escalation e-mail: a resent copy is recognisably the same mail."""
    local = re.sub(r"[^A-Za-z0-9.\-_]+", "-", hint).strip("-.") or "escalation"
    return f"<{local}@seldenrijk-agent>"


def escalation_activities(settings, **overrides) -> list[Callable]:
    """The activities the worker registers (overrides: dealer=, waha=, mailer=, chatwoot=, ledger=,
    crm= (the worker's CrmActivities, so escalations use the customer's one Chatwoot conversation))."""
    acts = EscalationActivities(settings, **overrides)
    return [
        acts.plan_escalation,
        acts.send_escalation_whatsapp,
        acts.send_escalation_email,
        acts.locate_chatwoot_conversation,
        acts.hand_over_in_chatwoot,
        acts.add_chatwoot_note,
    ]
