"""Record issue 17's histories for the replay test (tests/test_replay.py); never overwrites others.

    .venv/bin/python -m tests.record_history_i17 session

session: conversation-i17-session.json (a reply held while the WAHA session is FAILED, sent when it is
WORKING again: patch "i17-send-waits-for-session") and waha-session.json (its SessionHealthWorkflow
through one outage).
lid: conversation-i17-lid.json (an @lid chat answered, then handed over to its phone's conversation once
WAHA knows the number: patch "i17-lid-merge") and conversation-i17-lid-merged.json (the phone's
conversation absorbing it and merging the CRM contact).
lid-testdrive: conversation-i17-lid-testdrive.json (the phone's conversation absorbing a lid chat that had
booked a test drive, then signalling the booking's workflow `conversation_moved`: patch
"i17-lid-merge-moves-test-drives") and testdrive-i17-lid-moved.json (that TestDriveWorkflow, told it
moved, then confirmed by staff: the confirmation goes to the phone's chat).
lid-privacy: conversation-i17-lid-privacy.json (the phone's conversation absorbing a lid chat that had made
an AVG request, then signalling its PrivacyRequestWorkflow `conversation_moved`: patch
"i17-lid-merge-moves-privacy") and privacy-i17-lid-moved.json (that workflow, moved, approved, carried out).
followup: conversation-i17-followup.json (time-skipping server: a WARM lead's answered question, the
"follow-up" timer of 24 opening hours, the follow-up sent with priority 5: patch "i17-follow-ups").
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from tests.pipeline import eventually, make_settings, pipeline
from tests.record_history import start_env, target, write
from tests.waha_events import message_event, session_status_event
from workflows.session_health import SessionHealthWorkflow

PHONE = "31612340017"


async def record_session(env) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-i17", waha_session="default")
        async with pipeline(env.client, settings) as p:
            await p.post(session_status_event("FAILED"))
            p.waha.session_status = "FAILED"
            await p.post(message_event(PHONE, "Hoi, staat de Golf nog?", name="Sanne"))
            health = p.client.get_workflow_handle("waha-session-default")

            async def waiting():
                return (await health.query(SessionHealthWorkflow.state)).waiting

            await eventually(waiting)
            p.waha.session_status = "WORKING"
            await p.post(session_status_event("WORKING"))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 1 and not s.crm_pending)
            conversation = await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()
            await eventually(lambda: _released(health))
            session = await health.fetch_history()
    return [("conversation-i17-session.json", conversation), ("waha-session.json", session)]


async def record_lid(env) -> list:
    from tests.peers.chatwoot_peer import ChatwootPeer
    from tests.pipeline import make_chatwoot_settings

    lid = "21234567890123"
    with tempfile.TemporaryDirectory() as tmp, ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(Path(tmp), "record-history-i17-lid", chatwoot, "record", lid_retry_minutes=0)
        async with pipeline(env.client, settings) as p:
            p.waha.lids[f"{lid}@lid"] = None
            await p.post(message_event(lid, "Hoi, staat de Golf nog?", name="Sanne", chat_suffix="@lid"))
            await p.wait_until(lid, lambda s: s.messages_processed == 1 and not s.crm_pending)
            p.waha.lids[f"{lid}@lid"] = f"{PHONE}@c.us"
            await p.post(message_event(lid, "En wat kost hij per maand?", chat_suffix="@lid"))
            await p.wait_until(PHONE, lambda s: s.messages_processed == 2 and not s.crm_merges and not s.crm_pending)
            lid_history = await p.client.get_workflow_handle(f"conversation-{lid}").fetch_history()
            phone_history = await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()
    return [("conversation-i17-lid.json", lid_history), ("conversation-i17-lid-merged.json", phone_history)]


async def record_lid_testdrive(env) -> list:
    from datetime import datetime, timedelta

    from agents.knowledge.dealer import dealer_facts
    from agents.slots import open_hours
    from workflows.testdrive import TestDriveWorkflow
    from workflows.testdrive_models import StaffDecision

    lid, phone = "21234567890177", "31612340077"
    dealer = dealer_facts()
    day = datetime.now(dealer.tz).date() + timedelta(days=8)
    while not open_hours(dealer, day):
        day += timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-i17-lid-testdrive", lid_retry_minutes=0,
                                 testdrive_confirm_by_staff=True)
        async with pipeline(env.client, settings) as p:
            p.waha.lids[f"{lid}@lid"] = None
            await p.post(message_event(lid, f"Kan ik op {day.day}-{day.month} om 10 uur een proefrit maken in de Kia Picanto?",
                                       name="Sanne", chat_suffix="@lid"))
            booked = await p.wait_until(lid, lambda s: s.messages_processed == 1 and s.context.test_drive.bookings)
            [drive] = booked.context.test_drive.bookings
            p.waha.lids[f"{lid}@lid"] = f"{phone}@c.us"
            await p.post(message_event(lid, "Top, dank je!", chat_suffix="@lid"))
            await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_merges
                               and not s.test_drives_to_move and not s.crm_pending)
            booking = p.client.get_workflow_handle(drive.booking_id)
            await booking.signal(TestDriveWorkflow.confirm, StaffDecision(by="Eva", via="api"))
            await p.waha.wait_for(2, f"{phone}@c.us", timeout=60)
            await p.wait_until(phone, lambda s: len(s.context.history) >= 5 and not s.crm_pending)
            phone_history = await p.client.get_workflow_handle(f"conversation-{phone}").fetch_history()
            drive_history = await booking.fetch_history()
    return [("conversation-i17-lid-testdrive.json", phone_history), ("testdrive-i17-lid-moved.json", drive_history)]


async def record_lid_privacy(env) -> list:
    from workflows.models import PrivacyApproval, privacy_workflow_id
    from workflows.privacy import PrivacyRequestWorkflow

    lid, phone = "21234567890188", "31612340088"
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), "record-history-i17-lid-privacy", lid_retry_minutes=0)
        async with pipeline(env.client, settings) as p:
            p.waha.lids[f"{lid}@lid"] = None
            await p.post(message_event(lid, "verwijder mijn gegevens", name="Sanne", chat_suffix="@lid"))
            await p.wait_until(lid, lambda s: s.messages_processed == 1 and s.privacy_request_id)
            p.waha.lids[f"{lid}@lid"] = f"{phone}@c.us"
            await p.post(message_event(lid, "Hoe lang duurt dat?", chat_suffix="@lid"))
            await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_merges
                               and s.privacy_to_move is None and not s.crm_pending)
            phone_history = await p.client.get_workflow_handle(f"conversation-{phone}").fetch_history()
            request = p.client.get_workflow_handle_for(PrivacyRequestWorkflow.run, privacy_workflow_id(f"+{lid}"))
            await request.signal(PrivacyRequestWorkflow.approve, PrivacyApproval(by="Eva", via="api"))
            await asyncio.wait_for(request.result(), 60)
            privacy_history = await request.fetch_history()
    return [("conversation-i17-lid-privacy.json", phone_history), ("privacy-i17-lid-moved.json", privacy_history)]


async def record_followup(_env) -> list:
    """On the time-skipping server: a WARM lead's question answered, 24 quiet opening hours, one follow-up."""
    from datetime import timedelta

    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from workflows.converter import data_converter
    from temporalio.testing import WorkflowEnvironment

    from starter.binaries import temporal_test_server
    from workflows import search_attributes

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server()), data_converter=data_converter
    )
    kinds = {"Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
             "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT}
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace=env.client.namespace,
        search_attributes={name: kinds[kind] for name, kind in search_attributes.CLI_TYPES.items()},
    ))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with pipeline(env.client, make_settings(Path(tmp), "record-history-i17-followup")) as p:
                await p.post(message_event(PHONE, "Hoi, staat de Golf nog? Wat kost hij per maand?", name="Sanne"))
                planned = await p.wait_until(PHONE, lambda s: s.messages_processed == 1 and s.follow_up_at is not None)
                await env.sleep(planned.follow_up_at - await env.get_current_time() + timedelta(minutes=1))
                await p.wait_until(PHONE, lambda s: s.follow_ups_sent == 1 and not s.crm_pending)
                history = await p.client.get_workflow_handle(f"conversation-{PHONE}").fetch_history()
    finally:
        await env.shutdown()
    return [("conversation-i17-followup.json", history)]


async def _released(handle) -> bool:
    state = await handle.query(SessionHealthWorkflow.state)
    return state.status == "WORKING" and not state.waiting and state.outage_id is None


async def main(part: str) -> None:
    env = await start_env()
    try:
        histories = await {"session": record_session, "lid": record_lid, "lid-testdrive": record_lid_testdrive,
                                "lid-privacy": record_lid_privacy, "followup": record_followup}[part](env)
    finally:
        await env.shutdown()
    for name, history in histories:
        write(target(name), history)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["session", "lid", "lid-testdrive", "lid-privacy", "followup"])
    asyncio.run(main(parser.parse_args().part))
