"""Tell sales when a WhatsApp message could not reach a customer: the customer is waiting.

Used when a reply (or a colleague's message) is given up on, e.g. WAHA stuck for 15 minutes.
An e-mail to sales and a private note in the customer's Chatwoot conversation; each channel
fails on its own and the result says which made it. The activity never raises for a channel
failure, so a retry cannot send the other channel twice; the e-mail has a fixed Message-ID.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from pydantic import BaseModel, Field
from temporalio import activity

from agents.escalation import customer_label
from config import Settings
from activities.messaging import post_note_once, send_mail_once
from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
from integrations.smtp import SmtpMailer

log = logging.getLogger(__name__)


class UndeliveredAlert(BaseModel):
    alert_id: str  # stable per undelivered message: the reply id
    phone: str  # E.164
    customer_name: str | None = None
    kind: Literal["reply", "staff"] = "reply"
    customer_text: str | None = None  # what the customer wrote (for a reply)
    undelivered_text: str
    error: str
    at: datetime


class UndeliveredAlertResult(BaseModel):
    email_sent: bool = False
    chatwoot_noted: bool = False
    errors: list[str] = Field(default_factory=list)


def _what(alert: UndeliveredAlert) -> str:
    return "ons antwoord" if alert.kind == "reply" else "het bericht van een collega"


def alert_subject(alert: UndeliveredAlert) -> str:
    return f"[WACHT] WhatsApp niet afgeleverd: {customer_label(alert.customer_name, alert.phone)}"


def alert_body(alert: UndeliveredAlert) -> str:
    lines = [
        f"{_what(alert).capitalize()} aan {customer_label(alert.customer_name, alert.phone)} kon niet via "
        f"WhatsApp worden afgeleverd ({alert.at:%Y-%m-%d %H:%M} UTC). De klant wacht op antwoord: "
        "neem contact op (bellen of WhatsApp vanaf de telefoon van de zaak).",
        "",
    ]
    if alert.customer_text:
        lines += [f"Klant schreef: {alert.customer_text[:1000]}", ""]
    lines += [f"Niet afgeleverd: {alert.undelivered_text[:2000]}", "", f"Fout: {alert.error[:500]}"]
    return "\n".join(lines)


def chatwoot_note(alert: UndeliveredAlert) -> str:
    return (
        f"⚠️ {_what(alert).capitalize()} is niet afgeleverd via WhatsApp ({alert.at:%H:%M} UTC); "
        f"de klant wacht. Niet afgeleverd: «{alert.undelivered_text[:500]}». Fout: {alert.error[:300]}"
    )


class DeliveryAlertActivities:
    def __init__(self, settings: Settings, *, mailer: SmtpMailer | None = None, chatwoot=None,
                 ledger: SentLedger | None = None, crm=None):
        self.settings = settings
        self.mailer = mailer or SmtpMailer.from_settings(settings)
        # The worker passes its CrmActivities (the customer's one Chatwoot conversation) and the
        # sent ledger (a retried or re-run alert is not sent twice).
        self.crm = crm
        self.ledger = ledger or SentLedger.from_settings(settings)
        if chatwoot is None and crm is not None and crm.chatwoot_configured:
            chatwoot = crm.chatwoot()
        self._chatwoot = chatwoot

    def chatwoot(self):
        if self._chatwoot is None and self.settings.chatwoot_base_url and self.settings.chatwoot_api_token:
            from integrations.chatwoot import ChatwootClient

            # Built on first use, inside the worker's event loop.
            self._chatwoot = ChatwootClient(
                self.settings.chatwoot_base_url,
                self.settings.chatwoot_api_token.get_secret_value(),
                self.settings.chatwoot_account_id,
                self.settings.chatwoot_inbox_id,
            )
        return self._chatwoot

    async def aclose(self) -> None:
        if self._chatwoot is not None and self.crm is None:  # the CRM's client is closed by the CRM
            await self._chatwoot.aclose()

    @activity.defn
    async def alert_undelivered(self, alert: UndeliveredAlert) -> UndeliveredAlertResult:
        result = UndeliveredAlertResult()
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = self.settings.escalation_email_sales
        message["Subject"] = alert_subject(alert)
        message["Date"] = formatdate(localtime=False)
        digest = hashlib.sha1(alert.alert_id.encode()).hexdigest()[:20]
        message["Message-ID"] = f"<undelivered.{digest}@seldenrijk-agent>"
        message.set_content(alert_body(alert))
        try:
            await send_mail_once(self.mailer, self.ledger, f"undelivered:{alert.alert_id}:email", message)
            result.email_sent = True
        except IntegrationError as exc:
            result.errors.append(f"email: {exc}")
        chatwoot = self.chatwoot()
        if chatwoot is None:
            result.errors.append("chatwoot: not configured")
            return result
        try:
            if self.crm is not None:
                ref = await self.crm.customer_conversation(alert.phone, alert.customer_name)
            else:
                ref = await chatwoot.ensure_conversation(alert.phone, alert.customer_name)
            key = f"undelivered:{alert.alert_id}:chatwoot"
            await post_note_once(chatwoot, self.ledger, ref.conversation_id, chatwoot_note(alert), key)
            result.chatwoot_noted = True
        except IntegrationError as exc:
            result.errors.append(f"chatwoot: {exc}")
        if result.errors:
            log.warning("undelivered-message alert incomplete", extra={"errors": result.errors})
        return result
