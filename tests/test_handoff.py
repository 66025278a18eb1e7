"""Chatwoot as the staff console and escalations, end to end through both webhooks.

Real dev server, real worker, real API app, and local WAHA, Chatwoot and SMTP peers.
"""

from __future__ import annotations

import asyncio
import json
import time

from starter import escalations_cli
from workflows.escalation import EscalationWorkflow
from workflows.models import EscalationStatus
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.pipeline import eventually, make_chatwoot_settings, pipeline, random_phone
from tests.waha_events import message_event

SECRET = "chatwoot-webhook-secret"
FINANCE_PHONE = "+31611110000"
MANAGER_PHONE = "+31699990000"




def chatwoot_settings(tmp_path, task_queue, peer: ChatwootPeer, **extra):
    return make_chatwoot_settings(tmp_path, task_queue, peer, SECRET, **extra)


async def post_chatwoot(p, peer: ChatwootPeer, body: dict):
    raw = json.dumps(body).encode()
    headers = peer.signed_headers(SECRET, raw, int(time.time()))
    return await p.http.post("/webhook/chatwoot", content=raw, headers=headers)


def resolved_event(peer: ChatwootPeer, conversation_id: int) -> dict:
    conversation = peer.conversations[conversation_id]
    conversation["status"] = "resolved"
    body = peer._conversation_json(conversation)  # the conversation as Chatwoot presents it
    body.update(
        event="conversation_status_changed",
        changed_attributes=[{"status": {"previous_value": "open", "current_value": "resolved"}}],
    )
    return body


def conversation_for(peer: ChatwootPeer, phone: str) -> int:
    for conversation in peer.conversations.values():
        if peer.contacts[conversation["contact_id"]]["phone_number"] == f"+{phone}":
            return conversation["id"]
    return 0


async def test_staff_reply_reaches_whatsapp_and_the_bot_waits_until_resolved(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer:
        async with pipeline(temporal_env.client, chatwoot_settings(tmp_path, task_queue, peer)) as p:
            await p.post(message_event(phone, "Hoi, ik zoek een Toyota Corolla hybride tot 30k", name="Jan"))
            await p.waha.wait_for(1, chat)
            conversation_id = await eventually(lambda: conversation_for(peer, phone))
            # The conversation is mirrored both ways: the customer incoming, the bot outgoing.
            await eventually(lambda: len(peer.conversation_messages(conversation_id)) >= 2)
            kinds = [m["message_type"] for m in peer.conversation_messages(conversation_id)]
            assert kinds[:2] == [0, 1]
            contact = peer.contacts[peer.conversations[conversation_id]["contact_id"]]
            assert contact["name"] == "Jan"
            await eventually(lambda: "lead_score" in contact.get("custom_attributes", {}))
            assert contact["custom_attributes"]["interested_in_make"] == "Toyota"
            assert any(label.startswith("car-") for label in peer.conversations[conversation_id]["labels"])

            # Our own bot message comes back as a webhook: ignored.
            own = peer.conversation_messages(conversation_id)[1]
            echo = await post_chatwoot(p, peer, peer.webhook_body(own["id"]))
            assert echo.json()["status"] == "ignored"

            # A salesperson answers in Chatwoot: it reaches the customer's WhatsApp.
            staff = peer.staff_reply(conversation_id, "Hoi Jan, Sanne hier. Ik heb er twee voor je, zal ik bellen?")
            response = await post_chatwoot(p, peer, staff)
            assert response.status_code == 200 and response.json()["status"] == "staff_reply_queued"
            sent = await p.waha.wait_for(2, chat)
            assert sent[1]["text"].startswith("Hoi Jan, Sanne hier")

            # While Sanne handles the chat, the bot stays silent.
            await p.post(message_event(phone, "Ja graag, bel me maar"))
            await p.wait_until(phone, lambda s: s.messages_processed == 2)
            await asyncio.sleep(0.5)
            assert len(p.waha.texts_for(chat)) == 2
            state = await p.snapshot(phone)
            assert state.recent[-1].bot_silent and state.human_active
            await eventually(lambda: len(peer.conversation_messages(conversation_id)) >= 4)  # still mirrored

            # Resolved in Chatwoot: the bot answers again.
            done = await post_chatwoot(p, peer, resolved_event(peer, conversation_id))
            assert done.json()["status"] == "handoff_ended"
            await p.post(message_event(phone, "Wat zijn jullie openingstijden op zaterdag?"))
            sent = await p.waha.wait_for(3, chat)
            assert len(sent) == 3 and "17:00" in sent[2]["text"]
        assert peer.violations == []


async def test_bkr_question_escalates_to_the_finance_advisor(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer, SmtpPeer() as smtp:
        settings = chatwoot_settings(
            tmp_path,
            task_queue,
            peer,
            escalation_whatsapp_finance=FINANCE_PHONE,
            escalation_whatsapp_manager=MANAGER_PHONE,
            escalation_assignee_finance=5,
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            smtp_starttls=False,
        )
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Ik heb een BKR registratie, kan ik financieren?", name="Jan"))

            # The customer gets an honest handoff message.
            handoff = (await p.waha.wait_for(1, chat))[0]["text"]
            assert "financier" in handoff.lower()
            # The finance advisor gets a WhatsApp alert and an e-mail.
            alert = (await p.waha.wait_for(1, f"{FINANCE_PHONE[1:]}@c.us"))[0]["text"]
            assert "ESCALATIE" in alert and "Jan" in alert
            await eventually(lambda: smtp.received)
            assert settings.escalation_email_finance in smtp.received[0].rcpt_tos
            # Chatwoot: assigned, a private note, the `escalated` label.
            conversation_id = await eventually(lambda: conversation_for(peer, phone))
            conversation = peer.conversations[conversation_id]
            await eventually(lambda: conversation["assignee_id"] == 5 and "escalated" in conversation["labels"])
            await eventually(lambda: any(m["private"] for m in peer.conversation_messages(conversation_id)))

            state = await p.snapshot(phone)
            escalation_id = state.open_escalation.escalation_id
            assert escalation_id.startswith(f"escalation-{phone}-1-")  # the trigger keeps it unique across runs
            listed = await escalations_cli.list_escalations(p.client)
            assert escalation_id in [status.escalation_id for status in listed]

            # A second trigger is forwarded as a private note, no second alert storm; the bot answers it.
            await p.post(message_event(phone, "En mijn BKR is echt een probleem hoor"))
            await p.wait_until(phone, lambda s: s.messages_processed == 2)
            handle = p.client.get_workflow_handle(escalation_id, result_type=EscalationStatus)
            deadline = time.monotonic() + 15
            while not (status := await handle.query(EscalationWorkflow.status)).forwards and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert [(f.channel, f.delivered) for f in status.forwards] == [("chatwoot", True)]
            assert len(p.waha.texts_for(f"{FINANCE_PHONE[1:]}@c.us")) == 1
            await p.waha.wait_for(2, chat)  # answered while the advisor has the question

            # Sanne replies in Chatwoot: that acknowledges the escalation.
            staff = peer.staff_reply(conversation_id, "Hoi Jan, ik ben Sanne van financiering. Ik bel je zo.")
            await post_chatwoot(p, peer, staff)
            deadline = time.monotonic() + 15
            while (status := await handle.query(EscalationWorkflow.status)).state != "acknowledged" and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert status.state == "acknowledged" and status.acknowledged.via == "chatwoot"

            # Resolved in Chatwoot: the escalation completes and the bot answers again.
            await post_chatwoot(p, peer, resolved_event(peer, conversation_id))
            result = await handle.result()
            assert result.state == "resolved"
            await p.wait_until(phone, lambda s: s.open_escalation is None and not s.human_active)
            before = len(p.waha.texts_for(chat))
            await p.post(message_event(phone, "Hebben jullie ook een Kia Niro?"))
            await p.waha.wait_for(before + 1, chat)
        assert peer.violations == []
