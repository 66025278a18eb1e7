"""E-mail the manager when the WhatsApp session drops (and when it works again).

No customer can reach the dealer while the session is FAILED, STOPPED or waiting for a QR
scan, so this goes out at once, by e-mail (WhatsApp itself is what is down). One e-mail per
outage: the sent ledger's key is the outage id, and the Message-ID is fixed by it.
"""

from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage
from email.utils import formatdate

from temporalio import activity

from activities.messaging import send_mail_once
from config import Settings
from integrations.sent_ledger import SentLedger
from integrations.smtp import SmtpMailer
from workflows.session_models import SessionAlert

log = logging.getLogger(__name__)

WHAT_TO_DO = {
    "SCAN_QR_CODE": "WhatsApp vraagt om opnieuw koppelen: scan de QR-code in het WAHA-dashboard met de telefoon van de zaak.",
    "STOPPED": "De sessie is gestopt: start hem opnieuw in het WAHA-dashboard (Sessions → Start).",
    "FAILED": "De sessie is mislukt: herstart hem in het WAHA-dashboard; helpt dat niet, koppel dan opnieuw met de QR-code.",
}


def alert_subject(alert: SessionAlert) -> str:
    if alert.kind == "down":
        return f"[STORING] WhatsApp onbereikbaar: sessie {alert.session} is {alert.status}"
    return f"[OPGELOST] WhatsApp werkt weer (sessie {alert.session})"


def alert_body(alert: SessionAlert) -> str:
    if alert.kind == "down":
        return "\n".join([
            f"De WhatsApp-sessie '{alert.session}' is sinds {alert.down_since:%Y-%m-%d %H:%M} UTC {alert.status}.",
            "Klanten kunnen ons nu niet via WhatsApp bereiken en krijgen geen antwoord.",
            "",
            WHAT_TO_DO.get(alert.status, "Controleer de sessie in het WAHA-dashboard."),
            "",
            "Antwoorden die niet weg konden, gaan op volgorde alsnog uit zodra de sessie weer WORKING is;",
            "wat ouder is dan STALE_REPLY_MINUTES wordt vervangen door een korte reactie met excuses.",
        ])
    minutes = max(0, int((alert.at - alert.down_since).total_seconds() // 60))
    return (
        f"De WhatsApp-sessie '{alert.session}' werkt weer ({alert.at:%Y-%m-%d %H:%M} UTC), na ongeveer "
        f"{minutes} minuten storing. Wachtende antwoorden worden nu verstuurd."
    )


class SessionAlertActivities:
    def __init__(self, settings: Settings, *, mailer: SmtpMailer | None = None, ledger: SentLedger | None = None):
        self.settings = settings
        self.mailer = mailer or SmtpMailer.from_settings(settings)
        self.ledger = ledger or SentLedger.from_settings(settings)

    @activity.defn
    async def alert_session(self, alert: SessionAlert) -> str:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = self.settings.escalation_email_manager
        message["Subject"] = alert_subject(alert)
        message["Date"] = formatdate(localtime=False)
        digest = hashlib.sha1(f"{alert.outage_id}:{alert.kind}".encode()).hexdigest()[:20]
        message["Message-ID"] = f"<waha-session.{digest}@seldenrijk-agent>"
        message.set_content(alert_body(alert))
        where = await send_mail_once(self.mailer, self.ledger, f"waha-session:{alert.outage_id}:{alert.kind}", message)
        log.warning("whatsapp session alert", extra={"session": alert.session, "status": alert.status, "kind": alert.kind})
        return where
