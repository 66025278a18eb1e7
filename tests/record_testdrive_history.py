"""Record the histories of a test-drive booking for the replay test (tests/test_replay.py).

    .venv/bin/python -m tests.record_testdrive_history

Writes conversation-testdrive.json (a chat that books, moves and cancels a test drive: the
`testdrive-booking-in-chat` patch) and testdrive.json (that booking's TestDriveWorkflow).
Never overwrite a committed history: record under a new name after a workflow change.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path


from tests.record_history import start_env, target, write
from tests.pipeline import make_settings, pipeline
from tests.waha_events import message_event

PHONE = "31612340015"
MESSAGES = [
    "kan ik volgende week zaterdag om 11 uur een proefrit maken in de polo?",
    "de eerste",
    "kan het vrijdag om 10 uur worden?",
    "ik kan toch niet",
]


async def record(suffix: str = "") -> None:
    env = await start_env()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(Path(tmp), "record-testdrive")
            async with pipeline(env.client, settings) as p:
                booking_ids = []
                for count, text in enumerate(MESSAGES, start=1):
                    await p.post(message_event(PHONE, text, name="Anna"))
                    state = await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending)
                    booking_ids += [b.booking_id for b in state.context.test_drive.bookings]
                booking = p.client.get_workflow_handle(booking_ids[0])
                assert await booking.result() == "cancelled", state.recent[-1].conversation_output
                conversation = await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()
                drive = await booking.fetch_history()
        for name, history in ((f"conversation-testdrive{suffix}.json", conversation), (f"testdrive{suffix}.json", drive)):
            write(target(name), history)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else ""))
