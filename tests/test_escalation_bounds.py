"""The escalation's status (its query result and final result) stays bounded however chatty the customer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.peers.waha import WahaPeer
from tests.test_escalation_workflow import Harness, eventually, make_settings
from workflows.escalation import NOTES_KEPT, EscalationWorkflow
from workflows.models import EscalationNote, Resolution


async def test_sixty_notes_keep_the_latest_and_count_all(temporal_env, task_queue, tmp_path):
    with WahaPeer() as waha, SmtpPeer() as smtp, ChatwootPeer() as chatwoot:
        settings = make_settings(tmp_path, waha, smtp, chatwoot)
        async with Harness(temporal_env, task_queue, settings) as harness:
            _, handle = await harness.start(urgency="medium")
            await harness.alerting_done(handle)
            texts = [f"Hallo? Bericht {number}" for number in range(60)]
            for text in texts:
                note = EscalationNote(text=text, reason="BKR", at=datetime.now(timezone.utc))
                await handle.signal(EscalationWorkflow.add_note, note)
            conversation_id = next(iter(chatwoot.conversations))

            async def every_note_posted():
                return len(chatwoot.conversation_messages(conversation_id)) >= 61  # hand-over note + 60

            assert await eventually(every_note_posted, timeout=60)
            status = await handle.query(EscalationWorkflow.status)
            assert status.notes_total == 60
            assert [note.text for note in status.notes] == texts[-NOTES_KEPT:]
            await handle.signal(EscalationWorkflow.resolve, Resolution())
            final = await asyncio.wait_for(handle.result(), 30)
    assert len(final.notes) == NOTES_KEPT and final.notes_total == 60
