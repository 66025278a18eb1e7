"""A real SMTP server (aiosmtpd) on 127.0.0.1 that collects what it receives.

`reject_next(n, code)` answers the next n DATA commands with an error, e.g. 550 or 451.
"""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.peers.http_peer import free_port


class _Collector:
    def __init__(self, peer: "SmtpPeer"):
        self.peer = peer

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.peer._lock:
            if self.peer._rejections:
                code = self.peer._rejections.pop(0)
                return f"{code} injected rejection"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.peer.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 OK"


class ReceivedMail:
    def __init__(self, mail_from: str, rcpt_tos: list[str], message: EmailMessage):
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.message = message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


class SmtpPeer:
    """Use as a context manager; `host`/`port` go into SMTP_HOST/SMTP_PORT (with STARTTLS off)."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.received: list[ReceivedMail] = []
        self._rejections: list[int] = []
        self._lock = threading.Lock()
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port)

    def reject_next(self, count: int, code: int = 550) -> None:
        with self._lock:
            self._rejections.extend([code] * count)

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.received if address in mail.rcpt_tos]

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return list(self.received)

    def __enter__(self) -> "SmtpPeer":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
