"""Record a workflow history for the replay test (tests/test_replay.py).

Each released shape of a workflow keeps its own file under tests/data/histories/; an
existing file is never overwritten (see docs/versioning.md). After a deliberate change to a
workflow's commands, record an ADDITIONAL history under a new name and commit it:

    .venv/bin/python -m tests.record_history conversation conversation-<topic>.json
    .venv/bin/python -m tests.record_history conversation-handover conversation-handover-<topic>.json
    .venv/bin/python -m tests.record_history escalation escalation-<topic>.json
    .venv/bin/python -m tests.record_history inventory inventory_sync-<topic>.json

- conversation: a car question, a follow-up whose reply WAHA refuses (recorded, sales
  alerted), an escalation (BKR) and a colleague's message from Chatwoot.
- conversation-handover: the first run of a conversation that continues-as-new after two
  messages while Chatwoot is slow, so the CRM batch is still in flight at the hand-over.
- escalation: the escalation that conversation starts, with a note, an acknowledgement and a
  resolution, until it completes.
- inventory: one sync of the website and Marktplaats (Marktplaats failing once) on the local site peer.
- quiet: the first run of a conversation that answers two messages and continues as new once the
  chat has been quiet for `quiet_continue_seconds` (2 s here).
- seen-with-reply: the same with all three messages: the first two are answered at once, their
  sendSeen riding with the reply; the BKR question starts a hand-over, so seen and "typing…" go first.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

from temporalio.client import WorkflowHistory
from workflows.converter import data_converter
from temporalio.testing import WorkflowEnvironment

from starter.binaries import temporal_cli
from workflows import search_attributes

HISTORIES = Path(__file__).parent / "data" / "histories"
PHONE = "31612349876"
MESSAGES = [
    "Hoi! Staat die Golf nog? Ik zoek er een tot 25k",
    "En wat kost hij per maand?",
    "Ik heb wel een BKR registratie, kan ik dan financieren?",
]

def target(name: str, overwrite_ok: bool = False) -> Path:
    """The file to write: a plain name under tests/data/histories/, never an existing one."""
    if Path(name).name != name or not name.endswith(".json"):
        raise SystemExit(f"give a plain file name ending in .json, not {name!r}")
    path = HISTORIES / name
    if path.exists() and not overwrite_ok:
        raise SystemExit(f"{path} exists: old histories stay; record under a new name (docs/versioning.md)")
    return path


def write(path: Path, history: WorkflowHistory) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x") as out:  # "x": refuse to overwrite, even if the file appeared meanwhile
        out.write(history.to_json())
    print(f"wrote {path} ({len(history.events)} events)")


async def start_env() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=data_converter,
        search_attributes=search_attributes.ALL,
        ui=False,
    )


async def record_conversation(env: WorkflowEnvironment, kind: str) -> WorkflowHistory:
    from tests.peers.chatwoot_peer import ChatwootPeer
    from tests.pipeline import make_settings, pipeline
    from tests.waha_events import message_event
    from workflows.escalation import EscalationWorkflow
    from workflows.models import (
        Acknowledgement,
        EscalationNote,
        Resolution,
        StaffMessage,
        escalation_workflow_id,
    )

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
                if count == 2:
                    p.waha.fail_next(1, status=400)  # refused for good: recorded, sales alerted
                await p.post(message_event(PHONE, text, name="Jan"))
                await p.wait_until(PHONE, lambda s, n=count: s.messages_processed == n and not s.crm_pending)
            conversation = p.client.get_workflow_handle(f"conversation-{PHONE}")
            snapshot = await p.snapshot(PHONE)
            escalation_id = snapshot.open_escalation.escalation_id if snapshot.open_escalation else None
            if kind == "conversation":
                sent = len(p.waha.sent)
                await conversation.signal(
                    "staff_message",
                    StaffMessage(text="Ik bel je zo, groet Sanne", author="Sanne", via="chatwoot",
                                 external_id=f"cw-{uuid.uuid4().hex[:8]}", at=datetime.now(timezone.utc)),
                )
                await p.waha.wait_for(sent + 1)
                await p.wait_until(PHONE, lambda s: not s.staff_pending and not s.crm_pending)
                return await conversation.fetch_history()
            if escalation_id is None:
                escalation_id = escalation_workflow_id(PHONE, 1)
            escalation = p.client.get_workflow_handle(escalation_id)
            now = datetime.now(timezone.utc)
            await escalation.signal(
                EscalationWorkflow.add_note, EscalationNote(text="Bel me maar even", reason="BKR", at=now)
            )
            await conversation.signal(
                "staff_message",
                StaffMessage(text="Ik bel je zo, groet Sanne", author="Sanne", via="chatwoot",
                             external_id=f"cw-{uuid.uuid4().hex[:8]}", at=now),
            )
            await escalation.signal(EscalationWorkflow.acknowledge, Acknowledgement(by="Sanne", via="cli", at=now))
            await escalation.signal(EscalationWorkflow.resolve, Resolution(outcome="klant gebeld", by="Sanne"))
            await asyncio.wait_for(escalation.result(), 60)
            return await escalation.fetch_history()


async def record_handover(env: WorkflowEnvironment) -> WorkflowHistory:
    from tests.peers.chatwoot_peer import ChatwootPeer
    from tests.pipeline import make_chatwoot_settings, pipeline
    from tests.waha_events import message_event
    from workflows.conversation import ConversationWorkflow
    from workflows.models import ConversationInput

    with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(Path(tmp), "record-handover", chatwoot, "record-secret")
        async with pipeline(env.client, settings) as p:
            handle = await p.client.start_workflow(
                ConversationWorkflow.run,
                ConversationInput(chat_id=f"{PHONE}@c.us", phone=f"+{PHONE}", messages_per_run=2),
                id=f"conversation-{PHONE}",
                task_queue=settings.temporal_task_queue,
            )
            first_run = handle.result_run_id
            chatwoot.hang(1.0)  # the CRM batch is still in flight when the run hands over
            for count, text in enumerate(MESSAGES[:2], start=1):
                await p.post(message_event(PHONE, text, name="Jan"))
                await p.waha.wait_for(count)
            chatwoot.hang(0)
            for _ in range(600):
                if (await handle.describe()).run_id != first_run:
                    break
                await asyncio.sleep(0.1)
            else:
                raise SystemExit("the conversation never continued as new")
            return await p.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()


async def record_inventory(env: WorkflowEnvironment) -> WorkflowHistory:
    from temporalio.worker import Worker

    from activities.inventory import InventoryActivities
    from config import Settings
    from inventory.models import InventorySyncInput
    from tests.peers.http_peer import ThreadedServer
    from tests.peers.inventory_site import SELLER_ID, InventorySite
    from tests.test_inventory_http import seldenrijk_stock
    from workflows.inventory_sync import InventorySyncWorkflow

    site = InventorySite(seldenrijk_cars=seldenrijk_stock(5), per_page=15)
    with tempfile.TemporaryDirectory() as tmp, ThreadedServer(site.app()) as server:
        site.url = server.url
        site.fail("marktplaats", 1, status=403)
        settings = Settings(
            _env_file=None, data_dir=Path(tmp), inventory_sources=["website", "marktplaats", "sample"],
            inventory_website_url=f"{site.url}/aanbod-occasions", marktplaats_base_url=site.url,
            marktplaats_seller_id=SELLER_ID, scraper_delay_seconds=0, scraper_timeout_seconds=2,
        )
        activities = InventoryActivities(settings)
        task_queue = f"record-inventory-{uuid.uuid4().hex[:6]}"
        async with Worker(env.client, task_queue=task_queue, workflows=[InventorySyncWorkflow],
                          activities=[activities.fetch_source, activities.commit_snapshot]):
            handle = await env.client.start_workflow(
                InventorySyncWorkflow.run, InventorySyncInput(sources=settings.inventory_sources),
                id=f"inventory-sync-{uuid.uuid4().hex[:8]}", task_queue=task_queue,
            )
            await handle.result()
            return await handle.fetch_history()


async def record_quiet(env: WorkflowEnvironment, messages: list[str] = MESSAGES[:2]) -> WorkflowHistory:
    from tests.pipeline import eventually, make_settings, pipeline
    from tests.waha_events import message_event

    phone = "31612340018"
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-quiet", quiet_continue_seconds=2.0)
        async with pipeline(env.client, settings) as p:
            # Waits on the WAHA peer, not on `state` queries: a query arriving while the agent steps
            # run splits the workflow task there, and such a history does not replay (docs/versioning.md).
            for count, text in enumerate(messages, start=1):
                await p.post(message_event(phone, text, name="Jan"))
                await p.waha.wait_for(count, f"{phone}@c.us")
            handle = p.client.get_workflow_handle(f"conversation-{phone}")
            first_run = (await handle.describe()).run_id

            async def continued() -> bool:
                return (await handle.describe()).run_id != first_run

            await eventually(continued, timeout=30)
            history = await p.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()
            if not history.events[-1].HasField("workflow_execution_continued_as_new_event_attributes"):
                raise SystemExit("the first run did not continue as new")
            if p.waha.violations:
                raise SystemExit(f"WAHA peer saw requests off the spec: {p.waha.violations}")
            return history


async def record_with(recorder, path: Path) -> None:
    """Run one recorder on a fresh time-skipping server and write its history to `path`."""
    env = await start_env()
    try:
        history = await recorder(env)
    finally:
        await env.shutdown()
    write(path, history)


def record_main(recorders: dict, description: str, argv: list[str] | None = None) -> None:
    """The command line every recorder shares: `<kind> <new file name>`."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=list(recorders))
    parser.add_argument("name", help="new file name under tests/data/histories/, e.g. conversation-flood.json")
    args = parser.parse_args(argv)
    asyncio.run(record_with(recorders[args.kind], target(args.name)))


RECORDERS = {
    "conversation": lambda env: record_conversation(env, "conversation"),
    "conversation-handover": lambda env: record_handover(env),
    "escalation": lambda env: record_conversation(env, "escalation"),
    "inventory": lambda env: record_inventory(env),
    "quiet": lambda env: record_quiet(env),
    "seen-with-reply": lambda env: record_quiet(env, MESSAGES),
}


def main(argv: list[str] | None = None) -> None:
    record_main(RECORDERS, __doc__, argv)


if __name__ == "__main__":
    main()
