"""Record a ConversationWorkflow history for the replay test (tests/test_replay.py).

Run after a deliberate change to the workflow's commands, then commit the JSON:
    .venv/bin/python -m tests.record_history
The conversation covers a car question, a follow-up, an escalation and a staff reply.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from starter.binaries import temporal_cli
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import make_settings, pipeline
from tests.waha_events import message_event
from workflows import search_attributes

OUT = Path(__file__).parent / "data" / "histories" / "conversation.json"
PHONE = "31612349876"
MESSAGES = [
    "Hoi! Staat die Golf nog? Ik zoek er een tot 25k",
    "En wat kost hij per maand?",
    "Ik heb wel een BKR registratie, kan ik dan financieren?",
]


async def record() -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=pydantic_data_converter,
        search_attributes=search_attributes.ALL,
        ui=False,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as chatwoot:
            settings = make_settings(
                Path(tmp),
                "record-history",
                chatwoot_base_url=chatwoot.url,
                chatwoot_api_token=chatwoot.api_token,
                chatwoot_account_id=chatwoot.account_id,
                chatwoot_inbox_id=chatwoot.inbox_id,
            )
            async with pipeline(env.client, settings) as p:
                for count, text in enumerate(MESSAGES, start=1):
                    await p.post(message_event(PHONE, text, name="Jan"))
                    await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending)
                handle = p.client.get_workflow_handle(f"conversation-{PHONE}")
                history = await handle.fetch_history()
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(history.to_json())
        print(f"wrote {OUT} ({len(history.events)} events)")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
