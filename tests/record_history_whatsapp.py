"""Record ConversationWorkflow histories of the WhatsApp-native behaviour (issue 17).

    .venv/bin/python -m tests.record_history_whatsapp burst conversation-burst-typing.json
    .venv/bin/python -m tests.record_history_whatsapp events conversation-edits-revokes-reactions.json
    .venv/bin/python -m tests.record_history_whatsapp burst-media conversation-burst-media.json

- burst: patches "whatsapp-seen-typing" and "burst-coalescing": three quick messages (one
  reply after the durable window), a single message, a reaction (seen only), and a burst a
  colleague interrupts (the bot stays quiet and stops "typing…").
- events: patches "edits-revokes-reactions" and "seen-typing-before-send": an edit while the
  message waits, a typo edit and a meaning edit after the answer, a deletion of a waiting
  message and of an answered one, a 😂 (a note) and a 👍 on our yes/no question (answered as "ja").
- burst-media: patch "burst-media-joins": "Hallo", a photo, two more questions within the window:
  one reply to the three texts, then the photo's own handling.

Writes a NEW file under tests/data/histories/ (refuses to overwrite, docs/versioning.md).
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from tests.record_history import record_main

PHONE = "31612340017"

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


async def record_burst_media(env) -> object:
    from tests.pipeline import make_settings, pipeline
    from tests.waha_events import media_event, message_event

    chat = f"{PHONE}@c.us"
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-whatsapp-media", coalesce_seconds=1.0, coalesce_max_seconds=4.0)
        async with pipeline(env.client, settings) as p:
            url = p.waha.add_file(f"false_{chat}_R1.jpeg", b"\xff\xd8 polo", "image/jpeg")
            await p.post(message_event(PHONE, "Hallo", name="Sanne"))
            await p.post(media_event(PHONE, url=url, mimetype="image/jpeg", name="Sanne"))
            for text in ("is de polo nog beschikbaar?", "en wat kost hij per maand?"):
                await p.post(message_event(PHONE, text, name="Sanne"))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 4 and s.messages_coalesced == 2
                               and not s.crm_pending, timeout=30)
            await asyncio.sleep(1.0)  # the last presence activity completes inside the recorded history
            if p.waha.violations:
                raise SystemExit(f"WAHA peer saw requests off the spec: {p.waha.violations}")
            return await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()


async def record_events(env) -> object:
    from tests.pipeline import make_settings, pipeline
    from tests.waha_events import edited_event, message_event, reaction_event, revoked_event

    chat = f"{PHONE}@c.us"
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-events", coalesce_seconds=1.0, coalesce_max_seconds=4.0)
        async with pipeline(env.client, settings) as p:
            first = message_event(PHONE, "Staat de Kia Picanto nog?", name="Sanne")
            await p.post(first)
            await p.post(edited_event(PHONE, first["payload"]["id"], "Wat kost de Polo 1.0 TSI Life per maand?"))
            sent = await p.waha.wait_for(1, chat)
            await p.wait_until(PHONE, lambda s: s.messages_processed == 1 and not s.crm_pending, timeout=30)
            await p.post(edited_event(PHONE, first["payload"]["id"], "Wat kost de Polo 1.0 TSI Life per maand? 🙂"))
            await p.post(reaction_event(PHONE, "😂", sent[0]["_id"]))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 2 and not s.crm_pending, timeout=30)
            await p.post(reaction_event(PHONE, "👍", sent[0]["_id"]))  # "Wil je je huidige auto inruilen?": ja
            await p.waha.wait_for(2, chat)
            await p.wait_until(PHONE, lambda s: s.messages_processed == 3 and not s.crm_pending, timeout=30)
            waiting = message_event(PHONE, "Hebben jullie ook een Golf?")
            await p.post(waiting)
            await p.post(revoked_event(PHONE, waiting["payload"]["id"]))
            await p.wait_until(PHONE, lambda s: s.revoked_unanswered == 1 and not s.crm_pending, timeout=30)
            answered = message_event(PHONE, "Zijn jullie zaterdag open?")
            await p.post(answered)
            await p.waha.wait_for(3, chat)
            await p.wait_until(PHONE, lambda s: s.messages_processed == 4 and not s.crm_pending, timeout=30)
            await p.post(revoked_event(PHONE, answered["payload"]["id"], before_text="Zijn jullie zaterdag open?"))
            await p.post(edited_event(PHONE, answered["payload"]["id"], "Zijn jullie zondag open?"))
            await p.waha.wait_for(4, chat)
            await p.wait_until(PHONE, lambda s: s.messages_processed == 5 and not s.crm_pending, timeout=30)
            await asyncio.sleep(1.0)
            if p.waha.violations:
                raise SystemExit(f"WAHA peer saw requests off the spec: {p.waha.violations}")
            return await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()


def main(argv: list[str] | None = None) -> None:
    record_main({"burst": record_burst, "events": record_events, "burst-media": record_burst_media}, __doc__, argv)


if __name__ == "__main__":
    main()
