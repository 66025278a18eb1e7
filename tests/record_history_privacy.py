"""Record the histories of issue 13 §3 for the replay test (tests/test_replay.py); never overwrites others.

    .venv/bin/python -m tests.record_history_privacy

conversation-privacy.json: a car question, STOP, a question after STOP, and a privacy request that
starts the PrivacyRequestWorkflow child (patch "e2-privacy-request-workflow").
privacy-request.json: that PrivacyRequestWorkflow, approved through the API route and carried out.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path


from tests.record_history import start_env, target, write
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import make_settings, pipeline
from tests.waha_events import message_event
from workflows.models import privacy_workflow_id
from workflows.privacy import PrivacyRequestWorkflow

PHONE = "31612340013"
MESSAGES = ["Hoi, hebben jullie een Golf tot 25k?", "STOP", "hoe laat zijn jullie zaterdag open?", "verwijder mijn gegevens"]


async def record() -> None:
    env = await start_env()
    try:
        with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as chatwoot:
            settings = make_settings(
                Path(tmp), "record-history-privacy", chatwoot_base_url=chatwoot.url, chatwoot_api_token=chatwoot.api_token,
                chatwoot_account_id=chatwoot.account_id, chatwoot_inbox_id=chatwoot.inbox_id, escalation_api_key="record-key",
            )
            async with pipeline(env.client, settings) as p:
                for count, text in enumerate(MESSAGES, start=1):
                    await p.post(message_event(PHONE, text, name="Els"))
                    await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending)
                conversation = await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()
                request = p.client.get_workflow_handle_for(PrivacyRequestWorkflow.run, privacy_workflow_id(PHONE))
                for _ in range(200):
                    if (await request.query(PrivacyRequestWorkflow.status)).manager_notified:
                        break
                    await asyncio.sleep(0.05)
                approved = await p.http.post(f"/privacy/{privacy_workflow_id(PHONE)}/approve", headers={"X-API-Key": "record-key"})
                assert approved.status_code == 200, approved.text
                await asyncio.wait_for(request.result(), 60)
                privacy = await request.fetch_history()
        for name, history in (("conversation-privacy.json", conversation), ("privacy-request.json", privacy)):
            write(target(name), history)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
