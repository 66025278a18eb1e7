"""Record a ConversationWorkflow history of the dialogue state at work (issue 14 §1).

    .venv/bin/python -m tests.record_history_dialogue conversation-dialogue.json

A list, "die tweede" (the car under discussion), "ja graag" to the test-drive question (the
booking offers times for that car), "zaterdag om 11 uur?" (booked), with one continue-as-new
in between: the carried state must keep replaying as the code changes.

Writes a NEW file under tests/data/histories/ (refuses to overwrite, docs/versioning.md).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from tests.record_history import start_env, target, write

PHONE = "31612340014"


async def record_dialogue(env) -> object:
    from tests.pipeline import make_settings, pipeline
    from tests.waha_events import message_event
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput

    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-dialogue")
        async with pipeline(env.client, settings) as p:
            handle = await p.client.start_workflow(
                ConversationWorkflow.run,
                ConversationInput(chat_id=f"{PHONE}@c.us", phone=f"+{PHONE}", messages_per_run=3, coalesce_seconds=0),
                id=f"conversation-{PHONE}", task_queue=settings.temporal_task_queue,
            )
            for number, text in enumerate(("Hebben jullie een Golf?", "die tweede", "ja graag"), 1):
                await p.post(message_event(PHONE, text, message_id=f"dlg{number}"))
                await p.wait_until(PHONE, lambda s, n=number: s.messages_processed == n and not s.crm_pending, timeout=30)
            state = await p.snapshot(PHONE)
            if state.context.dialogue.open_question is None or state.context.dialogue.open_question.kind != "slot":
                raise SystemExit(f"the chat did not reach the slot question: {state.context.dialogue}")
            first = p.client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
            for _ in range(300):  # the first run hands over after its third message: record it whole
                if (await handle.describe()).run_id != handle.result_run_id:
                    break
                await asyncio.sleep(0.1)
            else:
                raise SystemExit("the first run never continued as new")
            return await first.fetch_history()


async def record(path: Path) -> None:
    env = await start_env()
    try:
        history = await record_dialogue(env)
    finally:
        await env.shutdown()
    write(path, history)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="new file name under tests/data/histories/")
    args = parser.parse_args(argv)
    asyncio.run(record(target(args.name)))


if __name__ == "__main__":
    main()
