"""Issue 17, @lid senders and test drives: a booking made while the chat was known only by its
@lid follows the merge into the phone's conversation. The staff's confirmation reaches the customer
on the phone's chat, and the phone's conversation hears about it. Real dev server and WAHA peer."""

from __future__ import annotations

import random

from agents.knowledge.dealer import dealer_facts
from tests.pipeline import make_settings, pipeline, random_phone
from tests.test_testdrive_staff import _next_open_day
from tests.waha_events import message_event
from workflows.testdrive import TestDriveWorkflow
from workflows.testdrive_models import StaffDecision


async def test_a_test_drive_booked_under_a_lid_confirms_to_the_phones_chat(temporal_env, task_queue, tmp_path):
    lid_digits = "2" + "".join(random.choice("0123456789") for _ in range(13))
    phone = random_phone()
    lid_chat, phone_chat = f"{lid_digits}@lid", f"{phone}@c.us"
    day = _next_open_day(8).date()
    settings = make_settings(tmp_path, task_queue, lid_retry_minutes=0, testdrive_confirm_by_staff=True)
    async with pipeline(temporal_env.client, settings) as p:
        p.waha.lids[lid_chat] = None  # WhatsApp does not share the number yet
        await p.post(message_event(lid_digits, f"Kan ik op {day.day}-{day.month} om 10 uur een proefrit maken in de Kia Picanto?",
                                   chat_suffix="@lid"))
        await p.waha.wait_for(1, lid_chat, timeout=60)
        booked = await p.wait_until(lid_digits, lambda s: s.messages_processed == 1 and s.context.test_drive.bookings, timeout=60)
        [drive] = booked.context.test_drive.bookings
        booking = p.client.get_workflow_handle(drive.booking_id)
        assert (await booking.query(TestDriveWorkflow.status)).state == "held"

        p.waha.lids[lid_chat] = f"{phone_chat}"  # now it does: the chat merges into the phone's
        await p.post(message_event(lid_digits, "Top, dank je!", chat_suffix="@lid"))
        await p.waha.wait_for(1, phone_chat, timeout=60)
        merged = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_merges
                                    and not s.test_drives_to_move, timeout=60)
        assert [b.booking_id for b in merged.context.test_drive.bookings] == [drive.booking_id]
        lid_sends = p.waha.texts_for(lid_chat)

        await booking.signal(TestDriveWorkflow.confirm, StaffDecision(by="Eva", via="api"))
        sends = await p.waha.wait_for(2, phone_chat, timeout=60)
        confirmed = sends[-1]["text"]
        assert "10:00" in confirmed and f"{day.day}" in confirmed
        assert p.waha.texts_for(lid_chat) == lid_sends  # nothing more to the lid
        told = await p.wait_until(phone, lambda s: any(t.text == confirmed for t in s.context.history), timeout=60)
        assert told.context.test_drive.bookings[0].start.astimezone(dealer_facts().tz).hour == 10
        assert (await booking.query(TestDriveWorkflow.status)).state == "confirmed"
        assert p.waha.violations == []


async def test_a_privacy_request_made_under_a_lid_deletes_the_merged_record(temporal_env, task_queue, tmp_path):
    import asyncio

    from agents import privacy
    from integrations.local_crm import LocalCrm
    from workflows.models import PrivacyApproval, privacy_workflow_id
    from workflows.privacy import PrivacyRequestWorkflow

    lid_digits = "2" + "".join(random.choice("0123456789") for _ in range(13))
    phone = random_phone()
    lid_chat, phone_chat = f"{lid_digits}@lid", f"{phone}@c.us"
    settings = make_settings(tmp_path, task_queue, lid_retry_minutes=0)
    async with pipeline(temporal_env.client, settings) as p:
        p.waha.lids[lid_chat] = None
        await p.post(message_event(lid_digits, "Hebben jullie een Golf?", chat_suffix="@lid"))
        await p.wait_until(lid_digits, lambda s: s.messages_processed == 1, timeout=60)
        await p.post(message_event(lid_digits, "verwijder mijn gegevens", chat_suffix="@lid"))
        await p.wait_until(lid_digits, lambda s: s.messages_processed == 2 and s.privacy_request_id, timeout=60)
        request = p.client.get_workflow_handle_for(PrivacyRequestWorkflow.run, privacy_workflow_id(f"+{lid_digits}"))

        p.waha.lids[lid_chat] = phone_chat
        await p.post(message_event(lid_digits, "Hoe lang duurt dat?", chat_suffix="@lid"))
        await p.wait_until(phone, lambda s: s.messages_processed == 3 and not s.crm_merges and s.privacy_to_move is None
                           and not s.crm_pending, timeout=60)
        status = await request.query(PrivacyRequestWorkflow.status)
        assert (status.input.chat_id, status.input.customer_phone) == (phone_chat, f"+{phone}")
        before = len(p.waha.texts_for(phone_chat))

        await request.signal(PrivacyRequestWorkflow.approve, PrivacyApproval(by="Eva", via="api"))
        final = await asyncio.wait_for(request.result(), 60)
        assert final.state == "done" and final.errors == []
        sends = p.waha.texts_for(phone_chat)
        assert len(sends) == before + 1 and sends[-1] == privacy.privacy_carried_out_text("delete", "nl", "je")
        crm = LocalCrm.from_settings(settings)
        try:
            assert crm.transcript(f"+{phone}") == [] and crm.transcript(f"+{lid_digits}") == []  # both chats' lines
        finally:
            crm.close()
