"""Record a ConversationWorkflow history with a trade-in intake and WhatsApp media (issue 16).

It covers the commands behind the patches "tradein-intake" (RDW lookup, intake step, the quiet
timer, the summary for sales) and "media-messages" (photos, a voice note, a location). Writes
tests/data/histories/conversation-tradein-media.json; it never touches other histories:
    .venv/bin/python -m tests.record_history_tradein
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path


from tests.record_history import start_env, target, write
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.rdw import RdwPeer
from tests.pipeline import make_settings, pipeline
from tests.waha_events import location_event, media_event, message_event

OUT = "conversation-tradein-media.json"
PHONE = "31612340016"


async def record() -> None:
    env = await start_env()
    chat = f"{PHONE}@c.us"
    try:
        with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as chatwoot, RdwPeer() as rdw:
            settings = make_settings(
                Path(tmp), "record-history-tradein", rdw_api_url=rdw.url, chatwoot_base_url=chatwoot.url,
                chatwoot_api_token=chatwoot.api_token, chatwoot_account_id=chatwoot.account_id,
                chatwoot_inbox_id=chatwoot.inbox_id, trade_in_quiet_seconds=3,
            )
            async with pipeline(env.client, settings) as p:
                count = 0

                async def send(event) -> None:
                    nonlocal count
                    count += 1
                    await p.post(event)
                    await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending)

                await send(message_event(PHONE, "Hoi, ik wil mijn auto inruilen, kenteken 1-XJR-34", name="Jan"))
                await send(message_event(PHONE, "ongeveer 140.000 km"))
                for number in (1, 2):
                    url = p.waha.add_file(f"false_{chat}_H{number}.jpeg", b"\xff\xd8 photo", "image/jpeg")
                    await send(media_event(PHONE, url=url, mimetype="image/jpeg"))
                await p.wait_until(PHONE, lambda s: s.context.trade_in.summary_sent_at is not None and not s.sales_tasks,
                                   timeout=30)
                url = p.waha.add_file(f"false_{chat}_V.oga", b"OggS", "audio/ogg; codecs=opus")
                await send(media_event(PHONE, url=url, mimetype="audio/ogg; codecs=opus", raw_type="ptt"))
                await send(location_event(PHONE, "52.0907", "5.1214"))
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not any(m["private"] for m in chatwoot.messages.values()):
                    await asyncio.sleep(0.1)
                handle = p.client.get_workflow_handle(f"conversation-{PHONE}")
                history = await handle.fetch_history()
        write(target(OUT), history)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
