"""E-mail over SMTP (aiosmtplib), or `.eml` files in the local outbox when SMTP_HOST is unset.

Failures become IntegrationError: connection trouble, timeouts and 4xx replies may pass on a
retry; a 5xx reply (bad recipient, rejected login, refused message) will not.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from config import reveal
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

IMPLICIT_TLS_PORT = 465


class SmtpMailer:
    def __init__(
        self,
        host: str | None,
        *,
        port: int = 587,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 15.0,
        outbox_dir: Path,
    ):
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self.outbox_dir = outbox_dir / "email"

    @classmethod
    def from_settings(cls, settings) -> "SmtpMailer":
        return cls(
            settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=reveal(settings.smtp_password),
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            outbox_dir=settings.outbox_dir,
        )

    @property
    def uses_outbox(self) -> bool:
        return not self.host

    async def send_email(self, message: EmailMessage) -> str:
        """Deliver the message; returns "smtp" or the path of the outbox file."""
        if not self.host:
            return str(self._write_outbox(message))
        implicit_tls = self.port == IMPLICIT_TLS_PORT
        try:
            errors, response = await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=implicit_tls,
                # True: the server must offer STARTTLS (no plain-text password); False: never.
                start_tls=False if implicit_tls else self.starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            raise IntegrationError(
                f"SMTP refused all recipients: {exc}",
                retryable=all(400 <= code < 500 for code in codes),
                status_code=codes[0] if codes else None,
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise IntegrationError(
                f"SMTP answered {exc.code}: {exc.message}",
                retryable=400 <= exc.code < 500,
                status_code=exc.code,
            ) from exc
        except aiosmtplib.SMTPNotSupported as exc:  # e.g. no STARTTLS/AUTH: a configuration problem
            raise IntegrationError(f"SMTP server lacks a needed feature: {exc}", retryable=False) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:  # connect, timeout, disconnect, TLS
            raise IntegrationError(f"SMTP unreachable: {exc!r}", retryable=True) from exc
        if errors:  # some recipients refused, others accepted: delivered, but say so
            log.warning("smtp partially refused", extra={"refused": {k: str(v) for k, v in errors.items()}})
        return "smtp"

    def _write_outbox(self, message: EmailMessage) -> Path:
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        slug = re.sub(r"[^A-Za-z0-9]+", "-", str(message.get("Subject", "mail")))[:60].strip("-")
        path = self.outbox_dir / f"{stamp}-{slug or 'mail'}.eml"
        path.write_bytes(message.as_bytes())
        log.info("email outbox", extra={"to": message.get("To"), "outbox": str(path)})
        return path
