"""Issue 13 "done when": STOP, and `seldenrijk privacy export|forget`, end to end.

Real Temporal dev server, the real worker and API, the WAHA and Chatwoot peers (checked against
their specs). The CLI runs as its own process, as staff run it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from temporalio.service import RPCError, RPCStatusCode

from agents import privacy
from config import reveal
from integrations.local_crm import LocalCrm
from integrations import personal_data
from integrations.personal_data import phone_hash
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import eventually, make_chatwoot_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.models import conversation_workflow_id, privacy_workflow_id
from workflows.privacy import PrivacyRequestWorkflow

ROOT = Path(__file__).resolve().parent.parent
SECRET = "privacy-webhook-secret"


def run_cli(args: list[str], settings, address: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATWOOT_", "WAHA_", "TEMPORAL_"))}
    env.update(
        TEMPORAL_ADDRESS=address, DATA_DIR=str(settings.data_dir), CHATWOOT_BASE_URL=settings.chatwoot_base_url,
        CHATWOOT_API_TOKEN=reveal(settings.chatwoot_api_token), CHATWOOT_ACCOUNT_ID=str(settings.chatwoot_account_id),
        CHATWOOT_INBOX_ID=str(settings.chatwoot_inbox_id), LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    if settings.database_url is not None:
        env["DATABASE_URL"] = reveal(settings.database_url)
    return subprocess.run([sys.executable, "-m", "starter.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


async def say(p, phone: str, text: str, count: int):
    response = await p.post(message_event(phone, text, name="Els"))
    assert response.status_code == 200, response.text
    return await p.wait_until(phone, lambda s: s.messages_processed == count and not s.crm_pending, timeout=30)


async def post_chatwoot(p, peer: ChatwootPeer, body: dict):
    raw = json.dumps(body).encode()
    return await p.http.post("/webhook/chatwoot", content=raw, headers=peer.signed_headers(SECRET, raw, int(time.time())))


async def gone(client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        return exc.status == RPCStatusCode.NOT_FOUND
    return False




@pytest.fixture
def chatwoot():
    with ChatwootPeer() as peer:
        yield peer


async def test_stop_then_export_then_approved_deletion(temporal_env, task_queue, tmp_path, chatwoot, database_url):
    """On both store backends: with DATABASE_URL the CRM, ledger, bookings and audit are in PostgreSQL."""
    address = temporal_env.client.service_client.config.target_host
    settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, SECRET, escalation_api_key="staff-key",
                                      database_url=database_url)
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, settings) as p:
        await say(p, phone, "Hoi, hebben jullie een Golf tot 25k?", 1)
        state = await say(p, phone, "STOP", 2)

        # STOP: the short confirmation, the flag in the state, and the contact marked everywhere
        assert p.waha.texts_for(chat)[-1] == privacy.OPT_OUT_CONFIRMATION
        assert state.opted_out and not state.proactive_allowed
        crm = LocalCrm.from_settings(settings)
        assert crm.opted_out(f"+{phone}")
        crm.close()
        [contact] = [c for c in chatwoot.contacts.values() if c["phone_number"] == f"+{phone}"]
        assert contact["custom_attributes"]["opted_out"] is True
        assert "opted-out" in contact["labels"]

        # A question afterwards is answered, without a sales question tacked on
        state = await say(p, phone, "hoe laat zijn jullie zaterdag open?", 3)
        answer = state.recent[-1].conversation_output
        assert answer.follow_up_question is None and "zaterdag" in answer.response_text.lower()
        assert state.opted_out

        # A privacy request starts the workflow, which confirms receipt and notifies the manager
        state = await say(p, phone, "verwijder mijn gegevens", 4)
        assert not state.recent[-1].needs_escalation and state.open_escalation is None
        request = temporal_env.client.get_workflow_handle_for(PrivacyRequestWorkflow.run, privacy_workflow_id(phone))

        async def waiting():
            status = await request.query(PrivacyRequestWorkflow.status)
            return status if status.manager_notified and status.customer_told else None

        status = await eventually(waiting)
        assert status.state == "waiting_approval" and status.input.kind == "delete"
        assert p.waha.texts_for(chat)[-1] == privacy.privacy_received_text("delete")
        mails = list((tmp_path / "outbox" / "email").glob("*.eml"))
        assert any("AVG-verzoek" in mail.read_text() for mail in mails)

        # export: everything held, as JSON, from every store
        exported = await asyncio.to_thread(run_cli, ["privacy", "export", f"+{phone}"], settings, address)
        assert exported.returncode == 0, exported.stderr
        data = json.loads(exported.stdout)["stores"]
        texts = [line["text"] for line in data["local_crm"]["transcript"]]
        assert "STOP" in texts and "verwijder mijn gegevens" in texts
        assert data["local_crm"]["lead"]["opted_out_at"]
        assert data["chatwoot"]["contact"]["phone_number"] == f"+{phone}"
        assert any(row["reply_id"].startswith(f"conversation-{phone}:") for row in data["sent_ledger"])
        conversation = next(w for w in data["temporal"] if w["workflow_id"] == conversation_workflow_id(phone))
        signalled = [e["payload"]["text"] for e in conversation["events"] if e.get("signal") == "new_message"]
        assert signalled == ["Hoi, hebben jullie een Golf tot 25k?", "STOP", "hoe laat zijn jullie zaterdag open?",
                             "verwijder mijn gegevens"]
        sent = [e["input"]["text"] for e in conversation["events"] if e.get("activity") == "send_whatsapp"]
        assert privacy.OPT_OUT_CONFIRMATION in sent
        assert any(w["type"] == "PrivacyRequestWorkflow" for w in data["temporal"])
        assert any("AVG-verzoek" in mail["content"] for mail in data["email_outbox"])

        # Staff approve with the Chatwoot label: the workflow runs the same forget as the CLI
        conversation_id = next(c["id"] for c in chatwoot.conversations.values() if c["contact_id"] == contact["id"])
        answered = await post_chatwoot(p, chatwoot, chatwoot.label_conversation(conversation_id, "privacy-approved"))
        assert answered.json() == {"status": "privacy_approved", "workflow_id": privacy_workflow_id(phone)}
        final = await asyncio.wait_for(request.result(), 60)
        assert final.state == "done" and final.approval.via == "chatwoot"
        assert final.errors == [] and final.outcome.startswith("verwijderd:")

        # ... and nothing of the customer is left: CRM, ledger, Chatwoot, Temporal; the audit has no phone
        assert await eventually(lambda: gone(temporal_env.client, conversation_workflow_id(phone)))
        crm = LocalCrm.from_settings(settings)
        assert crm.transcript(f"+{phone}") == [] and not crm.opted_out(f"+{phone}")
        crm.close()
        assert all(c["phone_number"] != f"+{phone}" for c in chatwoot.contacts.values())
        assert not any(phone in mail.read_text() for mail in (tmp_path / "outbox" / "email").glob("*.eml"))
        [audit] = personal_data.read_audit(settings)
        assert phone not in json.dumps(audit)
        assert audit["phone_hash"] == phone_hash(phone, settings) and audit["via"] == "workflow"
        assert audit["deleted"]["temporal"] >= 1 and audit["deleted"]["chatwoot"] == 1 and audit["deleted"]["local_crm"] > 0
        assert audit["deleted"]["sent_ledger"] > 0
        again = await asyncio.to_thread(run_cli, ["privacy", "export", phone], settings, address)
        left = json.loads(again.stdout)["stores"]
        assert left["local_crm"]["lead"] is None and left["chatwoot"] is None and left["sent_ledger"] == []
        assert [w for w in left["temporal"] if w["type"] != "PrivacyRequestWorkflow"] == []
        assert chatwoot.violations == []


async def test_forget_command_deletes_everything_at_once(temporal_env, task_queue, tmp_path, chatwoot, database_url):
    address = temporal_env.client.service_client.config.target_host
    settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, SECRET, database_url=database_url)
    phone, other = random_phone(), random_phone()
    async with pipeline(temporal_env.client, settings) as p:
        await say(p, phone, "Hoi, staat die Polo nog?", 1)
        await say(p, phone, "Ik heb een BKR registratie, kan ik financieren?", 2)  # an escalation too
        await say(p, other, "Hebben jullie een Yaris?", 1)
        escalation_id = (await p.snapshot(phone)).open_escalation.escalation_id

        forgotten = await asyncio.to_thread(run_cli, ["privacy", "forget", f"+{phone}"], settings, address)
        assert forgotten.returncode == 0, forgotten.stderr
        report = json.loads(forgotten.stdout)
        assert phone not in forgotten.stdout
        assert report["deleted"]["temporal"] >= 2 and report["deleted"]["chatwoot"] == 1

        assert await gone(temporal_env.client, conversation_workflow_id(phone))
        assert await gone(temporal_env.client, escalation_id)
        assert all(c["phone_number"] != f"+{phone}" for c in chatwoot.contacts.values())
        crm = LocalCrm.from_settings(settings)
        assert crm.transcript(f"+{phone}") == []
        assert crm.transcript(f"+{other}") != []  # the other customer is untouched
        crm.close()
        assert not await gone(temporal_env.client, conversation_workflow_id(other))
        assert any(c["phone_number"] == f"+{other}" for c in chatwoot.contacts.values())

        bad = await asyncio.to_thread(run_cli, ["privacy", "forget", "not-a-phone"], settings, address)
        assert bad.returncode == 2 and "not a phone number" in bad.stderr


async def test_approve_route_needs_the_api_key(temporal_env, task_queue, tmp_path, chatwoot):
    settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, SECRET, escalation_api_key="staff-key")
    async with pipeline(temporal_env.client, settings, worker=False) as p:
        assert (await p.http.post("/privacy/privacy-31600000000/approve")).status_code == 401
        wrong = await p.http.post("/privacy/privacy-31600000000/approve", headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401
        missing = await p.http.post("/privacy/privacy-31600000000/approve", headers={"X-API-Key": "staff-key"})
        assert missing.status_code == 404
        junk = await p.http.post("/privacy/hello/approve", headers={"X-API-Key": "staff-key"})
        assert junk.status_code == 422
