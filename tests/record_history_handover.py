"""Record the conversation and escalation histories of an issue-13 hand-over for tests/test_replay.py.

    .venv/bin/python -m tests.record_history_handover

Writes NEW files (conversation-e1-handover.json, escalation-e1-handover.json); older histories stay.
The chat: a BKR question escalates, a general question is answered and forwarded, Chatwoot
echoes our own assignment, the specialist acknowledges on WhatsApp, a staff reply from
Chatwoot, and a review threat that raises urgency.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path


from tests.record_history import start_env, target, write
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import make_chatwoot_settings, pipeline
from tests.waha_events import message_event
from workflows.escalation import EscalationWorkflow

PHONE = "31612345432"
FINANCE = "31611110000"
SECRET = "record-secret"


async def _post_chatwoot(p, peer: ChatwootPeer, body: dict) -> None:
    raw = json.dumps(body).encode()
    await p.http.post("/webhook/chatwoot", content=raw, headers=peer.signed_headers(SECRET, raw, int(time.time())))


async def _until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("recording scenario stalled")
        await asyncio.sleep(0.1)


async def record() -> None:
    env = await start_env()
    try:
        with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as peer:
            settings = make_chatwoot_settings(
                Path(tmp), "record-handover", peer, SECRET,
                escalation_whatsapp_finance=f"+{FINANCE}", escalation_whatsapp_manager="+31699990000",
                escalation_assignee_finance=5, escalation_name_finance="Fenna",
            )
            async with pipeline(env.client, settings) as p:
                count = 0

                async def say(text: str) -> None:
                    nonlocal count
                    count += 1
                    await p.post(message_event(PHONE, text, name="Jan"))
                    await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending)

                await say("Ik heb een BKR registratie, kan ik dan financieren?")
                state = await p.wait_until(PHONE, lambda s: s.open_escalation and s.open_escalation.view)
                escalation = p.client.get_workflow_handle(state.open_escalation.escalation_id)
                await say("Wat zijn jullie openingstijden op zaterdag?")
                conversation_id = next(iter(peer.conversations))
                body = peer._conversation_json(peer.conversations[conversation_id])
                body.update(event="conversation_updated",
                            changed_attributes=[{"assignee_id": {"previous_value": None, "current_value": 5}}])
                await _post_chatwoot(p, peer, body)
                await p.post(message_event(FINANCE, "👍", name="Fenna"))
                await p.wait_until(PHONE, lambda s: s.open_escalation.ack_announced)
                await _post_chatwoot(p, peer, peer.staff_reply(conversation_id, "Hoi Jan, Fenna hier. Ik bel je zo."))
                await p.wait_until(PHONE, lambda s: not s.staff_pending and s.open_escalation.person_spoke)
                await say("Als dit niet goed komt zet ik een slechte review online.")

                async def settled() -> bool:
                    status = await escalation.query(EscalationWorkflow.status)
                    return status.urgency == "critical" and status.manager_alerted_for == ["critical"]

                await _until(settled)
                conversation = await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()
                escalated = await escalation.fetch_history()
        for name, history in (("conversation-e1-handover", conversation), ("escalation-e1-handover", escalated)):
            write(target(f"{name}.json"), history)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
