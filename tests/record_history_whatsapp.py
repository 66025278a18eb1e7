"""Record ConversationWorkflow histories of the WhatsApp-native behaviour (issue 17).

    .venv/bin/python -m tests.record_history_whatsapp burst conversation-burst-typing.json

- burst: patches "whatsapp-seen-typing" and "burst-coalescing": three quick messages (one
  reply after the durable window), a single message, a reaction (seen only), and a burst a
  colleague interrupts (the bot stays quiet and stops "typing…").

Writes a NEW file under tests/data/histories/ (refuses to overwrite, docs/versioning.md).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from tests.record_history import start_env, target, write

PHONE = "31612340017"
KINDS = ("burst",)


async def record_burst(env) -> object:
    from tests.pipeline import make_settings, pipeline
    from tests.waha_events import message_event, reaction_event
    from workflows.models import StaffMessage

    chat = f"{PHONE}@c.us"
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-whatsapp", coalesce_seconds=1.0, coalesce_max_seconds=4.0)
        async with pipeline(env.client, settings) as p:
            for text in ("Hallo", "is de polo nog beschikbaar?", "en wat kost hij per maand?"):
                await p.post(message_event(PHONE, text, name="Sanne"))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 3 and not s.crm_pending, timeout=30)
            await p.post(message_event(PHONE, "Zijn jullie zaterdag open?"))
            sent = await p.waha.wait_for(2, chat)
            await p.post(reaction_event(PHONE, "😮", sent[-1]["_id"]))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 5 and not s.crm_pending, timeout=30)
            await p.post(message_event(PHONE, "Ik wil ook graag inruilen"))
            handle = p.client.get_workflow_handle(f"conversation-{PHONE}")
            await handle.signal("staff_message", StaffMessage(text="Hoi Sanne, ik bel je even.", via="chatwoot",
                                                              external_id="cw-rec-1", at=datetime.now(timezone.utc)))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 6 and not s.crm_pending and not s.staff_pending,
                               timeout=30)
            await asyncio.sleep(1.0)  # the last presence activity completes inside the recorded history
            if p.waha.violations:
                raise SystemExit(f"WAHA peer saw requests off the spec: {p.waha.violations}")
            return await handle.fetch_history()


async def record(kind: str, path: Path) -> None:
    env = await start_env()
    try:
        history = await record_burst(env)
    finally:
        await env.shutdown()
    write(path, history)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("name", help="new file name under tests/data/histories/")
    args = parser.parse_args(argv)
    asyncio.run(record(args.kind, target(args.name)))


if __name__ == "__main__":
    main()
