"""Escalations against the WAHA, SMTP and Chatwoot peers: the assignee found by e-mail, links
staff can open, alerts sent once under retry, and the customer's one Chatwoot conversation."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

from activities.crm import CrmActivities, CrmSyncRequest
from activities.escalation import (
    ChatwootHandover,
    ChatwootLookup,
    ChatwootNote,
    EmailAlert,
    EscalationActivities,
    WhatsAppAlert,
)
from agents.escalation import chatwoot_public_base
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.peers.waha import WahaPeer
from tests.pipeline import make_chatwoot_settings, pipeline, random_phone
from tests.test_escalation_workflow import Harness, make_settings
from tests.waha_events import message_event
from workflows.escalation import EscalationWorkflow
from workflows.models import PendingCrmUpdate, Resolution

SPECIALIST_CHAT = "31611111111@c.us"


def test_the_chatwoot_link_is_one_staff_can_open():
    assert chatwoot_public_base("https://chat.seldenrijk.nl", "http://chatwoot-rails:3000") == "https://chat.seldenrijk.nl"
    assert chatwoot_public_base(None, "https://chat.seldenrijk.nl") == "https://chat.seldenrijk.nl"
    assert chatwoot_public_base(None, "http://127.0.0.1:3100") == "http://127.0.0.1:3100"
    assert chatwoot_public_base(None, "http://localhost:3100") == "http://localhost:3100"
    assert chatwoot_public_base(None, "http://chatwoot-rails:3000") is None  # a compose container name
    assert chatwoot_public_base(None, None) is None


async def test_the_specialist_is_assigned_by_email_and_the_link_is_public(temporal_env, task_queue, tmp_path):
    with WahaPeer() as waha, SmtpPeer() as smtp, ChatwootPeer() as chatwoot:
        chatwoot.add_agent(9, "Femke (financiering)", "Finance@Seldenrijk.nl")
        settings = make_settings(
            tmp_path, waha, smtp, chatwoot, escalation_assignee_finance=None,
            chatwoot_public_url="https://chat.seldenrijk.nl",
        )
        async with Harness(temporal_env, task_queue, settings) as harness:
            _, handle = await harness.start(urgency="high")
            status = await harness.alerting_done(handle)
            conversation_id = next(iter(chatwoot.conversations))
            conversation = chatwoot.conversations[conversation_id]
            assert conversation["assignee_id"] == 9 and conversation["team_id"] == 2
            assert status.channels.chatwoot_assigned
            assert "agent 9, found by e-mail finance@seldenrijk.nl" in status.channels.chatwoot_assignment
            [alert] = waha.texts_for(SPECIALIST_CHAT)
            assert f"https://chat.seldenrijk.nl/app/accounts/1/conversations/{conversation_id}" in alert
            assert chatwoot.url not in alert
            [mail] = smtp.received
            assert f"https://chat.seldenrijk.nl/app/accounts/1/conversations/{conversation_id}" in mail.body
            assert chatwoot.violations == [] and waha.violations == []
            await handle.signal(EscalationWorkflow.resolve, Resolution())
            await asyncio.wait_for(handle.result(), 15)


async def test_no_agent_with_that_email_assigns_the_team_or_says_so(tmp_path):
    with ChatwootPeer() as chatwoot:
        settings = make_settings(tmp_path, None, None, chatwoot, escalation_assignee_finance=None)
        acts = EscalationActivities(settings)
        ref = await acts.chatwoot.ensure_conversation("+31612345678", "Jan")
        handover = ChatwootHandover(
            conversation_id=ref.conversation_id, note="Escalatie", escalation_type="finance_advisor",
            assignee_email="finance@seldenrijk.nl", team_id=2, ledger_key="esc-1:chatwoot:handover",
        )
        to_team = await acts.hand_over_in_chatwoot(handover)
        assert to_team.assigned and to_team.assigned_by == "team" and to_team.team_id == 2
        assert "no Chatwoot agent with e-mail finance@seldenrijk.nl" in to_team.detail
        nobody = await acts.hand_over_in_chatwoot(
            handover.model_copy(update={"team_id": None, "ledger_key": "esc-2:chatwoot:handover"})
        )
        assert not nobody.assigned and nobody.assigned_by == "none"
        await acts.chatwoot.aclose()
        conversation = chatwoot.conversations[ref.conversation_id]
    assert conversation["team_id"] == 2 and conversation["assignee_id"] is None
    assert [body for _, body in chatwoot.assignments] == [{"team_id": 2}]
    # The agent list is fetched once and cached, not per escalation.
    assert sum(1 for method, path, _ in chatwoot.requests if path.endswith("/agents")) == 1


async def test_alerts_are_sent_once_under_retry(tmp_path, database_url):
    """The alert ledger on both backends (SQLite file, PostgreSQL)."""
    with WahaPeer() as waha, SmtpPeer() as smtp, ChatwootPeer() as chatwoot:
        settings = make_settings(tmp_path, waha, smtp, chatwoot, database_url=database_url)
        acts = EscalationActivities(settings)

        # WhatsApp: a retried activity, and one whose first answer was a 5xx after WhatsApp got it.
        alert = WhatsAppAlert(chat_id=SPECIALIST_CHAT, text="🚨 ESCALATIE", ledger_key="esc-1:whatsapp:alert")
        first = await acts.send_escalation_whatsapp(alert)
        assert await acts.send_escalation_whatsapp(alert) == first
        waha.fail_after_send_next(1, status=502)
        reminder = WhatsAppAlert(chat_id=SPECIALIST_CHAT, text="⏰ Herinnering", ledger_key="esc-1:whatsapp:reminder1")
        try:
            await acts.send_escalation_whatsapp(reminder)
        except Exception as exc:  # noqa: BLE001 - Temporal would retry
            assert getattr(exc, "retryable", False), exc
        await acts.send_escalation_whatsapp(reminder)
        assert waha.texts_for(SPECIALIST_CHAT) == ["🚨 ESCALATIE", "⏰ Herinnering"]
        assert acts.ledger.sent_by_us(waha.sent[0]["_id"]) and acts.ledger.sent_by_us(waha.sent[1]["_id"])

        # E-mail: sent once, with a Message-ID fixed by the escalation and kind.
        mail = EmailAlert(to=["finance@seldenrijk.nl"], subject="Escalatie", body="Bel Jan", message_id_hint="esc-1.alert")
        await acts.send_escalation_email(mail)
        await acts.send_escalation_email(mail)
        assert len(smtp.received) == 1
        assert smtp.received[0].message["Message-ID"] == "<esc-1.alert@seldenrijk-agent>"

        # Chatwoot note: retried, and after a worker died between posting it and recording it.
        ref = await acts.chatwoot.ensure_conversation("+31612345678", "Jan")
        note = ChatwootNote(conversation_id=ref.conversation_id, text="Nieuw bericht", ledger_key="esc-1:chatwoot:note-1")
        await acts.add_chatwoot_note(note)
        await acts.add_chatwoot_note(note)
        lost = ChatwootNote(conversation_id=ref.conversation_id, text="Nog een", ledger_key="esc-1:chatwoot:note-2")
        acts.ledger.begin_attempt(lost.ledger_key, time.time())
        await acts.chatwoot.post_message(ref.conversation_id, lost.text, incoming=False, private=True,
                                         echo_id=lost.ledger_key)
        await acts.add_chatwoot_note(lost)
        handover = ChatwootHandover(conversation_id=ref.conversation_id, assignee_id=5, note="Escalatie",
                                    escalation_type="finance_advisor", ledger_key="esc-1:chatwoot:handover")
        await acts.hand_over_in_chatwoot(handover)
        await acts.hand_over_in_chatwoot(handover)
        await acts.chatwoot.aclose()
        await acts.waha.aclose()
    assert [m["content"] for m in chatwoot.conversation_messages(ref.conversation_id)] == [
        "Nieuw bericht", "Nog een", "Escalatie"]
    assert chatwoot.violations == []


async def test_escalation_and_crm_mirror_share_the_customers_one_conversation(tmp_path):
    """Both look the customer up at the same moment (a first message that escalates)."""
    with ChatwootPeer() as chatwoot:
        chatwoot.hang(0.3, method="POST", path_suffix="/conversations")  # both look before either creates
        settings = make_settings(tmp_path, None, None, chatwoot)
        crm = CrmActivities(settings)
        acts = EscalationActivities(settings, crm=crm)
        now = datetime.now(timezone.utc)
        sync = CrmSyncRequest(phone="+31612345678", chat_id="31612345678@c.us", customer_name="Jan", updates=[
            PendingCrmUpdate(role="customer", text="Ik heb een BKR-registratie", message_id="m1", at=now)])
        synced, located = await asyncio.gather(
            crm.sync_crm(sync), acts.locate_chatwoot_conversation(ChatwootLookup(phone="+31612345678", name="Jan")))
        await crm.aclose()
    assert len(chatwoot.contacts) == 1 and len(chatwoot.conversations) == 1
    assert synced.chatwoot_conversation_id == located.conversation_id


async def test_a_first_message_that_escalates_uses_one_contact_and_conversation(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    with ChatwootPeer() as chatwoot, SmtpPeer() as smtp:
        chatwoot.hang(0.3, method="POST", path_suffix="/conversations")
        settings = make_chatwoot_settings(
            tmp_path, task_queue, chatwoot, "secret", escalation_whatsapp_finance="+31611110000",
            smtp_host=smtp.host, smtp_port=smtp.port, smtp_starttls=False,
        )
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Ik heb een BKR-registratie, kan ik een auto financieren?", name="Jan"))
            await p.waha.wait_for(1, f"{phone}@c.us")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                notes = [m for m in chatwoot.messages.values() if m["private"]]
                mirrored = [m for m in chatwoot.messages.values() if not m["private"]]
                if notes and len(mirrored) >= 2:
                    break
                await asyncio.sleep(0.1)
    mine = [c for c in chatwoot.contacts.values() if c["phone_number"] == f"+{phone}"]
    assert len(mine) == 1 and len(chatwoot.conversations) == 1
    [conversation_id] = chatwoot.conversations
    assert notes and all(m["conversation_id"] == conversation_id for m in chatwoot.messages.values())
    assert "escalated" in chatwoot.conversations[conversation_id]["labels"]
