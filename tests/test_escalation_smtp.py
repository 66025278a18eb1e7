"""integrations/smtp.py against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from integrations.errors import IntegrationError
from integrations.smtp import SmtpMailer
from tests.peers.http_peer import free_port
from tests.peers.smtp import SmtpPeer


def message(subject: str = "Escalatie: Jan") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "notifications@seldenrijk.nl"
    mail["To"] = "finance@seldenrijk.nl"
    mail["Cc"] = "manager@seldenrijk.nl"
    mail["Subject"] = subject
    mail.set_content("Klant: Jan\nVraag: BKR — kan dat?")
    return mail


def mailer(tmp_path, port: int | None, **extra) -> SmtpMailer:
    return SmtpMailer("127.0.0.1" if port else None, port=port or 587, starttls=False, timeout=5,
                      outbox_dir=tmp_path, **extra)


async def test_delivers_to_and_cc(tmp_path):
    with SmtpPeer() as peer:
        assert await mailer(tmp_path, peer.port).send_email(message()) == "smtp"
    [mail] = peer.received
    assert set(mail.rcpt_tos) == {"finance@seldenrijk.nl", "manager@seldenrijk.nl"}
    assert mail.subject == "Escalatie: Jan" and "BKR — kan dat?" in mail.body


@pytest.mark.parametrize("code, retryable", [(550, False), (554, False), (451, True), (421, True)])
async def test_rejections_say_whether_a_retry_can_help(tmp_path, code, retryable):
    with SmtpPeer() as peer:
        peer.reject_next(1, code)
        with pytest.raises(IntegrationError) as caught:
            await mailer(tmp_path, peer.port).send_email(message())
    assert caught.value.retryable is retryable and caught.value.status_code == code


async def test_server_down_is_retryable(tmp_path):
    with pytest.raises(IntegrationError) as caught:
        await mailer(tmp_path, free_port()).send_email(message())
    assert caught.value.retryable


async def test_required_starttls_without_server_support_fails(tmp_path):
    with SmtpPeer() as peer:
        strict = SmtpMailer("127.0.0.1", port=peer.port, starttls=True, timeout=5, outbox_dir=tmp_path)
        with pytest.raises(IntegrationError):  # never send a password in the clear
            await strict.send_email(message())
    assert peer.received == []


async def test_without_host_writes_eml_to_the_outbox(tmp_path):
    outbox = mailer(tmp_path, None)
    assert outbox.uses_outbox
    path = await outbox.send_email(message("Escalatie: Jan / BKR"))
    [eml] = list((tmp_path / "email").glob("*.eml"))
    assert str(eml) == path and eml.name.endswith("Escalatie-Jan-BKR.eml")
    assert b"finance@seldenrijk.nl" in eml.read_bytes()
