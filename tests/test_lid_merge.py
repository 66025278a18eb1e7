"""Issue 17, @lid senders: resolved with WAHA's lids API (the peer serves it per the OpenAPI spec),
cached, keyed by the lid while unknown and merged into the phone's conversation once known:
one person, one conversation, one CRM record, one Chatwoot contact. Real dev server and peers."""

from __future__ import annotations

import json
import random
import time

from temporalio.client import WorkflowExecutionStatus

from integrations.local_crm import LocalCrm
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import eventually, make_chatwoot_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.conversation_merge import absorb_state
from workflows.models import ConversationInput, InboundMessage


def _lid_digits() -> str:
    return "2" + "".join(random.choice("0123456789") for _ in range(13))


async def test_a_lid_sender_is_merged_with_its_phone_once_known(temporal_env, task_queue, tmp_path):
    lid_digits, phone = _lid_digits(), random_phone()
    lid_chat = f"{lid_digits}@lid"
    with ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, "lid-secret", lid_retry_minutes=0)
        async with pipeline(temporal_env.client, settings) as p:
            p.waha.lids[lid_chat] = None  # WhatsApp does not share the number yet
            first = await p.post(message_event(lid_digits, "Hoi, staat de Golf nog?", name="Sanne", chat_suffix="@lid"))
            assert first.json() == {"status": "queued", "workflow_id": f"conversation-{lid_digits}"}
            [reply] = await p.waha.wait_for(1, lid_chat, timeout=60)
            await p.wait_until(lid_digits, lambda s: s.messages_processed == 1 and not s.crm_pending, timeout=60)
            assert chatwoot.contacts and [c["phone_number"] for c in chatwoot.contacts.values()] == [f"+{lid_digits}"]

            # A colleague answers the still-unresolved contact in Chatwoot: it reaches the lid's chat.
            [conversation_id] = list(chatwoot.conversations)
            raw = json.dumps(chatwoot.staff_reply(conversation_id, "Ik zoek het even voor je uit, groet Eva")).encode()
            staff = await p.http.post("/webhook/chatwoot", content=raw,
                                      headers=chatwoot.signed_headers("lid-secret", raw, int(time.time())))
            assert staff.json()["workflow_id"] == f"conversation-{lid_digits}"
            await p.waha.wait_for(2, lid_chat, timeout=60)
            await p.wait_until(lid_digits, lambda s: not s.staff_pending and not s.crm_pending, timeout=60)
            lid_sends = p.waha.texts_for(lid_chat)

            p.waha.lids[lid_chat] = f"{phone}@c.us"  # now it does
            second = await p.post(message_event(lid_digits, "En wat kost hij per maand?", chat_suffix="@lid"))
            assert second.json() == {"status": "merging", "workflow_id": f"conversation-{lid_digits}"}
            await p.waha.wait_for(1, f"{phone}@c.us", timeout=60)
            merged = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_merges and not s.crm_pending, timeout=60)
            assert merged.merged_from == [f"conversation-{lid_digits}"] and merged.chat_id == f"{phone}@c.us"
            said = [turn.text for turn in merged.context.history if turn.role == "customer"]
            assert said == ["Hoi, staat de Golf nog?", "En wat kost hij per maand?"]
            assert merged.context.history[1].text == reply["text"]  # our first answer is part of the memory
            lid_handle = p.client.get_workflow_handle(f"conversation-{lid_digits}")
            assert (await lid_handle.describe()).status == WorkflowExecutionStatus.COMPLETED

            third = await p.post(message_event(lid_digits, "Kan ik zaterdag langskomen?", chat_suffix="@lid"))
            assert third.json()["workflow_id"] == f"conversation-{phone}"  # the mapping is stored
            await p.wait_until(phone, lambda s: s.messages_processed == 3 and not s.crm_pending, timeout=60)
            assert p.waha.texts_for(lid_chat) == lid_sends  # nothing more to the lid, nothing twice
            assert lid_sends[1] == "Ik zoek het even voor je uit, groet Eva"
            assert len(p.waha.texts_for(f"{phone}@c.us")) == 2
            assert p.waha.violations == [] and chatwoot.violations == []

            # One CRM record and one Chatwoot contact, now with the number, holding both conversations' messages.
            [contact] = chatwoot.contacts.values()
            assert contact["phone_number"] == f"+{phone}" and contact["custom_attributes"]["whatsapp_lid"] == lid_chat
            crm = LocalCrm(tmp_path)
            try:
                assert [lead.phone for lead in crm.list_leads()] == [f"+{phone}"]
                customer_lines = [line.text for line in crm.transcript(f"+{phone}") if line.role == "customer"]
                assert customer_lines == ["Hoi, staat de Golf nog?", "En wat kost hij per maand?", "Kan ik zaterdag langskomen?"]
            finally:
                crm.close()


async def test_a_lid_known_at_once_never_gets_its_own_conversation(temporal_env, task_queue, tmp_path):
    lid_digits, phone = _lid_digits(), random_phone()
    with ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, "lid-secret")
        async with pipeline(temporal_env.client, settings) as p:
            p.waha.lids[f"{lid_digits}@lid"] = f"{phone}@c.us"
            for count, text in enumerate(["Hallo, hebben jullie een Polo?", "Tot 15k graag"], start=1):
                answer = await p.post(message_event(lid_digits, text, chat_suffix="@lid"))
                assert answer.json() == {"status": "queued", "workflow_id": f"conversation-{phone}"}
                await p.wait_until(phone, lambda s, n=count: s.messages_processed == n, timeout=60)
            assert p.waha.lid_requests == [f"{lid_digits}@lid"]  # asked once, then cached
            assert p.waha.texts_for(f"{lid_digits}@lid") == [] and len(p.waha.texts_for(f"{phone}@c.us")) == 2


def test_absorbing_keeps_both_memories_in_order():
    from datetime import datetime, timedelta, timezone

    from agents.models import ConversationContext, Turn

    t0 = datetime(2026, 12, 7, 10, tzinfo=timezone.utc)
    lid = ConversationInput(
        chat_id="2@lid", phone="+2", customer_name="Sanne", opted_out=True,
        context=ConversationContext(history=[Turn(role="customer", text="a", at=t0), Turn(role="bot", text="b", at=t0 + timedelta(seconds=5))]),
        pending=[InboundMessage(message_id="m3", chat_id="2@lid", phone="+2", text="c", sent_at=t0, received_at=t0 + timedelta(minutes=2))],
        seen_message_ids=["m1", "m3"],
    )
    own = ConversationInput(
        chat_id="316@c.us", phone="+316",
        pending=[InboundMessage(message_id="m4", chat_id="316@c.us", phone="+316", text="d", sent_at=t0, received_at=t0 + timedelta(minutes=3))],
        seen_message_ids=["m4"],
    )
    merged = absorb_state(own, lid)
    assert [turn.text for turn in merged.context.history] == ["a", "b"]
    assert [(m.message_id, m.chat_id) for m in merged.pending] == [("m3", "316@c.us"), ("m4", "316@c.us")]
    assert merged.opted_out and merged.customer_name == "Sanne" and set(merged.seen_message_ids) == {"m1", "m3", "m4"}


def test_the_local_crm_merges_a_lid_record_on_both_backends(store_settings):
    from datetime import datetime, timezone

    from agents.models import CRMOutput

    at = datetime(2026, 12, 7, 10, tzinfo=timezone.utc)
    store = LocalCrm.from_settings(store_settings)
    try:
        store.record_message("+21234567890123", "Sanne", "customer", "hoi", "l1", at)
        store.record_crm("+21234567890123", "Sanne", CRMOutput(lead_score=70, lead_quality="WARM"), at)
        store.record_message("+31612340099", None, "customer", "nog een vraag", "p1", at.replace(hour=11))
        assert store.merge_phone("+21234567890123", "+31612340099") >= 3
        assert store.merge_phone("+21234567890123", "+31612340099") == 0  # again: nothing left to move
        [lead] = store.list_leads()
        assert (lead.phone, lead.name, lead.score) == ("+31612340099", "Sanne", 70)
        assert [line.text for line in store.transcript("+31612340099")] == ["hoi", "nog een vraag"]
    finally:
        store.close()


async def test_an_escalation_opened_under_the_lid_follows_the_merge(temporal_env, task_queue, tmp_path):
    from workflows.escalation import EscalationWorkflow
    from workflows.models import Resolution

    lid_digits, phone = _lid_digits(), random_phone()
    lid_chat = f"{lid_digits}@lid"
    with ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, "lid-secret", lid_retry_minutes=0)
        async with pipeline(temporal_env.client, settings) as p:
            p.waha.lids[lid_chat] = None
            await p.post(message_event(lid_digits, "Ik heb een BKR registratie, kan ik dan nog een auto financieren?",
                                       chat_suffix="@lid"))
            opened = await p.wait_until(lid_digits, lambda s: s.open_escalation is not None and s.messages_processed == 1, timeout=60)
            escalation = p.client.get_workflow_handle(opened.open_escalation.escalation_id)

            p.waha.lids[lid_chat] = f"{phone}@c.us"
            await p.post(message_event(lid_digits, "Hoe lang duurt het voordat iemand belt?", chat_suffix="@lid"))
            merged = await p.wait_until(phone, lambda s: s.messages_processed == 2 and s.escalation_to_move is None
                                        and not s.crm_merges, timeout=60)
            assert merged.open_escalation.escalation_id == opened.open_escalation.escalation_id

            async def told() -> bool:
                status = await escalation.query(EscalationWorkflow.status)
                return status.input.conversation_workflow_id == f"conversation-{phone}"

            await eventually(told, timeout=60)
            await escalation.signal(EscalationWorkflow.resolve, Resolution(outcome="klant gebeld", by="Eva"))
            await p.wait_until(phone, lambda s: s.open_escalation is None, timeout=60)  # the close reached the phone's chat
