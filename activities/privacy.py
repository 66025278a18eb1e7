"""Privacy activities (AVG): tell the manager, and carry out an approved request.

Texts are composed in the workflow (agents/privacy.py) so they show in its history; here only
the recipients are read from the settings, and the stores are exported or forgotten
(integrations/personal_data.py, Temporal included through this activity's client).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents.escalation import whatsapp_chat_id
from config import Settings, reveal
from integrations import personal_data
from integrations.errors import IntegrationError
from integrations.smtp import SmtpMailer
from integrations.waha import WahaClient

NON_RETRYABLE = "PrivacyChannelRejected"


class PrivacyNotice(BaseModel):
    subject: str
    text: str
    message_id_hint: str  # "<request id>.<stage>": a retried e-mail is recognisable as one


class NoticeResult(BaseModel):
    email: bool = False
    whatsapp: bool = False
    errors: list[str] = Field(default_factory=list)


class CarryOut(BaseModel):
    request_id: str
    kind: str  # "delete" or "export"
    phone: str


class CarryOutResult(BaseModel):
    summary: str  # no personal data: store names and counts, or the export file name
    export_file: str | None = None
    errors: dict[str, str] = Field(default_factory=dict)


class PrivacyActivities:
    def __init__(self, settings: Settings, *, waha: WahaClient | None = None, mailer: SmtpMailer | None = None):
        self.settings = settings
        self.waha = waha or WahaClient(settings.waha_url, api_key=reveal(settings.waha_api_key), session=settings.waha_session,
                                       outbox_dir=settings.outbox_dir)
        self.mailer = mailer or SmtpMailer.from_settings(settings)

    @activity.defn
    async def notify_privacy_manager(self, notice: PrivacyNotice) -> NoticeResult:
        """E-mail to the manager, and WhatsApp when the manager's number is configured."""
        result = NoticeResult()
        address = self.settings.escalation_email_manager
        if address:
            message = EmailMessage()
            message["From"] = self.settings.smtp_from
            message["To"] = address
            message["Subject"] = notice.subject
            message["Date"] = formatdate(localtime=False)
            message["Message-ID"] = make_msgid(idstring=notice.message_id_hint, domain="seldenrijk-agent")
            message.set_content(notice.text)
            try:
                await self.mailer.send_email(message)
                result.email = True
            except IntegrationError as exc:
                if exc.retryable:
                    raise
                result.errors.append(f"email: {exc}")
        number = self.settings.escalation_whatsapp_manager
        if number:
            try:
                await self.waha.send_text(whatsapp_chat_id(number), notice.text)
                result.whatsapp = True
            except IntegrationError as exc:
                if exc.retryable and not result.email:
                    raise
                result.errors.append(f"whatsapp: {exc}")
        if not (result.email or result.whatsapp):
            raise ApplicationError("no manager e-mail or WhatsApp reached: " + "; ".join(result.errors or ["none configured"]),
                                   type=NON_RETRYABLE, non_retryable=True)
        return result

    @activity.defn
    async def carry_out_privacy_request(self, request: CarryOut) -> CarryOutResult:
        client = activity.client()
        if request.kind == "delete":
            report = await personal_data.forget_everything(
                request.phone, self.settings, client, keep_workflow_id=request.request_id, via="workflow"
            )
            deleted = ", ".join(f"{name} {count}" for name, count in report.deleted.items())
            return CarryOutResult(summary=f"verwijderd: {deleted}", errors=report.errors)
        data = await personal_data.export_everything(request.phone, self.settings, client)
        directory = self.settings.data_dir / "privacy" / "exports"
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{personal_data.phone_hash(request.phone, self.settings)[:16]}.json"
        (directory / name).write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return CarryOutResult(summary=f"overzicht klaar: {directory / name}", export_file=str(directory / name))

    async def aclose(self) -> None:
        await self.waha.aclose()


def privacy_activities(acts: PrivacyActivities) -> list[Callable]:
    return [acts.notify_privacy_manager, acts.carry_out_privacy_request]
