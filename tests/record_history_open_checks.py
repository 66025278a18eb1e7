"""Record a ConversationWorkflow history with a promised check sent to sales (issue 14 §2).

It covers the commands behind the patch "c-open-question-sales-task": a question our data cannot
answer puts a light task on the sales lane (`send_sales_task`, a Chatwoot private note here), the
same question again sends nothing. Writes tests/data/histories/conversation-open-checks.json; it
never touches other histories:
    .venv/bin/python -m tests.record_history_open_checks
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import make_settings, pipeline
from tests.record_history import start_env, target, write
from tests.waha_events import message_event

OUT = "conversation-open-checks.json"
PHONE = "31612340014"


async def record() -> None:
    env = await start_env()
    try:
        with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as chatwoot:
            settings = make_settings(
                Path(tmp), "record-history-open-checks", chatwoot_base_url=chatwoot.url,
                chatwoot_api_token=chatwoot.api_token, chatwoot_account_id=chatwoot.account_id,
                chatwoot_inbox_id=chatwoot.inbox_id,
            )
            async with pipeline(env.client, settings) as p:
                count = 0

                async def send(text: str) -> None:
                    nonlocal count
                    count += 1
                    await p.post(message_event(PHONE, text, name="Sanne"))
                    await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending
                                       and not s.sales_tasks, timeout=30)

                await send("hoi, ik zoek een tiguan")
                await send("de eerste, heeft hij een trekhaak?")
                await send("TREKHAAK?? ja of nee")
                await send("kan ik met de trein komen en moet ik iets meenemen?")
                handle = p.client.get_workflow_handle(f"conversation-{PHONE}")
                history = await handle.fetch_history()
        write(target(OUT), history)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
