"""Nothing accepted is lost, the workflow never dies of a failed send, its state stays small.

All on real servers: the Temporal dev server (or the time-skipping server for the 15-minute
give-up), the WAHA and Chatwoot peers, aiosmtpd.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

from temporalio.client import WorkflowExecutionStatus
from workflows.converter import data_converter

from integrations.local_crm import LocalCrm
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.pipeline import eventually, make_chatwoot_settings, make_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.conversation import FLOOD_NOTICE, PENDING_KEPT, ConversationWorkflow
from workflows.crm_lane import CRM_PENDING_KEPT, HELD_KEPT
from workflows.models import ConversationInput, InboundMessage, StaffMessage

BKR = "Ik heb wel een BKR registratie, kan ik dan financieren?"




async def start(p, phone: str, **fields):
    fields.setdefault("coalesce_seconds", 0)  # one answer per message here (bursts: tests/test_burst.py)
    return await p.client.start_workflow(
        ConversationWorkflow.run,
        ConversationInput(chat_id=f"{phone}@c.us", phone=f"+{phone}", **fields),
        id=f"conversation-{phone}",
        task_queue=p.settings.temporal_task_queue,
    )


def inbound(phone: str, number: int, text: str, at: datetime) -> InboundMessage:
    return InboundMessage(
        message_id=f"false_{phone}@c.us_{number:06d}", chat_id=f"{phone}@c.us", phone=f"+{phone}",
        text=text, sent_at=at, received_at=at,
    )


def incoming_texts(peer: ChatwootPeer) -> str:
    return "\n".join(m["content"] for m in list(peer.messages.values()) if m["message_type"] == 0)


# --- a failed staff-message or flood-notice send ---------------------------------------------


async def test_a_refused_staff_message_is_recorded_and_the_workflow_goes_on(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, "Hallo, hebben jullie een Polo?"))
        await p.waha.wait_for(1, chat)
        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        now = datetime.now(timezone.utc)
        p.waha.fail_next(1, status=400)  # WAHA refuses the colleague's message for good
        await handle.signal("staff_message", StaffMessage(text="Ik bel je zo!", via="chatwoot", external_id="cw-1", at=now))
        state = await p.wait_until(phone, lambda s: s.send_failures and not s.staff_pending)
        assert "staff" in state.send_failures[-1] and "400" in state.send_failures[-1]
        assert all(turn.text != "Ik bel je zo!" for turn in state.context.history)  # never reached the customer
        # The chat is alive: the next staff message is delivered.
        await handle.signal("staff_message", StaffMessage(text="Nu wel?", via="chatwoot", external_id="cw-2", at=now))
        sent = await p.waha.wait_for(2, chat)
        assert [item["text"] for item in sent][1:] == ["Nu wel?"]
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        # Sales hear that a colleague's message did not arrive (no SMTP configured: the outbox).
        mails = await eventually(lambda: list((tmp_path / "outbox" / "email").glob("*.eml")))
        assert "Ik bel je zo!" in mails[0].read_text()


async def test_a_refused_flood_notice_is_recorded_and_later_messages_are_answered(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = await start(p, phone, rate_limit_per_minute=2)
        p.waha.fail_next(3, status=400)  # two replies and the flood notice are refused
        t0 = datetime.now(timezone.utc)
        for number in range(3):  # the third within a minute is held: a flood notice is due
            await handle.signal(ConversationWorkflow.new_message, inbound(phone, number, f"Hoi {number}", t0))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2 and s.held_total == 1)
        await eventually(lambda: p.waha.requests >= 3)
        later = t0 + timedelta(minutes=2)
        await handle.signal(ConversationWorkflow.new_message, inbound(phone, 9, "Zijn jullie zaterdag open?", later))
        sent = await p.waha.wait_for(1, chat)
        assert len(sent) == 1 and sent[0]["text"] != FLOOD_NOTICE
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3)
        assert any("flood notice" in failure and "400" in failure for failure in state.send_failures)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING


# --- escalation ids ---------------------------------------------------------------------------


async def test_escalation_ids_do_not_collide_when_a_new_run_starts(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, BKR))
        first = (await p.wait_until(phone, lambda s: s.open_escalation is not None)).open_escalation.escalation_id
        await p.waha.wait_for(1, chat)
        # The conversation is ended by hand (an operator, a bug); its escalation lives on.
        await p.client.get_workflow_handle(f"conversation-{phone}").terminate("operator")
        await p.post(message_event(phone, BKR))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1 and s.open_escalation is not None)
        second = state.open_escalation.escalation_id
        assert second != first and second.startswith(f"escalation-{phone}-1-")
        assert not state.recent[-1].error_occurred
        assert len(await p.waha.wait_for(2, chat)) == 2  # the customer got an answer again
        for escalation_id in (first, second):
            description = await p.client.get_workflow_handle(escalation_id).describe()
            assert description.status == WorkflowExecutionStatus.RUNNING
            await p.client.get_workflow_handle(escalation_id).terminate("test done")


# --- continue-as-new and the CRM lane ------------------------------------------------------------


async def test_continue_as_new_lets_the_crm_batch_finish(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(tmp_path, task_queue, peer, "cw-secret-can")
        async with pipeline(temporal_env.client, settings) as p:
            handle = await start(p, phone, messages_per_run=2)
            first_run = (await handle.describe()).run_id
            peer.hang(1.0)  # Chatwoot is slow: the first CRM batch is still in flight at the hand-over
            await p.post(message_event(phone, "Hoi, hebben jullie een Golf?"))
            await p.waha.wait_for(1, chat)
            await p.post(message_event(phone, "Wat kost die?"))
            await p.waha.wait_for(2, chat)  # the reply did not wait for Chatwoot
            peer.hang(0)

            async def handed_over_and_synced():
                description = await handle.describe()
                state = await p.snapshot(phone)
                return description.run_id != first_run and not state.crm_pending and state.messages_processed == 2

            deadline = time.monotonic() + 60
            while not await handed_over_and_synced():
                assert time.monotonic() < deadline, "never handed over with the CRM in sync"
                await asyncio.sleep(0.2)
            state = await p.snapshot(phone)
            replies = p.waha.texts_for(chat)
    assert state.crm_failures == []
    assert LocalCrm(tmp_path).failures(f"+{phone}") == []
    mirrored = [(m["message_type"], m["content"]) for m in peer.messages.values() if not m.get("private")]
    for text in ("Hoi, hebben jullie een Golf?", "Wat kost die?"):
        assert mirrored.count((0, text)) == 1
    for reply in replies:
        assert mirrored.count((1, reply)) == 1
    assert not [m for m in peer.messages.values() if m.get("private") and "mislukt" in m["content"]]


# --- bounded state under a flood --------------------------------------------------------------------


def payload_size(snapshot) -> int:
    return len(data_converter.payload_converter.to_payloads([snapshot])[0].data)


async def test_a_thousand_messages_in_a_minute_keep_the_state_small_and_lose_nothing(
    temporal_env, task_queue, tmp_path
):
    phone = random_phone()
    chat = f"{phone}@c.us"
    texts = [f"Hebben jullie nog een Polo? nr {number:04d}" for number in range(1000)]
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(tmp_path, task_queue, peer, "cw-secret-flood")
        async with pipeline(temporal_env.client, settings) as p:
            handle = await start(p, phone)
            t0 = datetime.now(timezone.utc)
            sizes = []
            for number, text in enumerate(texts):
                at = t0 + timedelta(milliseconds=55 * number)  # 1,000 messages within 55 seconds
                await handle.signal(ConversationWorkflow.new_message, inbound(phone, number, text, at))
                if number % 100 == 99:
                    sizes.append(payload_size(await p.snapshot(phone)))
                    state = await p.snapshot(phone)
                    assert len(state.held_messages) <= HELD_KEPT and len(state.pending) <= PENDING_KEPT
            state = await p.wait_until(
                phone, lambda s: s.messages_processed + s.held_total == 1000 and not s.pending and not s.crm_pending,
                timeout=120,
            )
            sizes.append(payload_size(state))
            await asyncio.sleep(0.5)
            replies = p.waha.texts_for(chat)
    # The flood policy: 20 a minute are answered, the rest held (not answered) and told once.
    assert state.messages_processed == 20 and state.held_total == 980
    assert replies.count(FLOOD_NOTICE) == 1
    assert len(state.held_messages) == HELD_KEPT
    assert [m.text for m in state.held_messages] == texts[-HELD_KEPT:]
    # Bounded: the carried state stays far below Temporal's payload limits (warn 512 KB, refuse 2 MB).
    assert max(sizes) < 256 * 1024, sizes
    # Nothing accepted is lost: every message reached the CRM (held ones too).
    assert state.crm_unmirrored == 0
    mirrored = incoming_texts(peer)
    assert [text for text in texts if text not in mirrored] == []
    assert peer.violations == []


async def test_messages_waiting_for_an_answer_are_capped(temporal_env, task_queue, tmp_path):
    """A rate limit set high (or slow answers) cannot grow the queue either: beyond 50 waiting, hold."""
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        handle = await start(p, phone, rate_limit_per_minute=1000)
        p.waha.reply_delay = 5.0  # the first reply is slow: everything below arrives meanwhile
        t0 = datetime.now(timezone.utc)
        await handle.signal(ConversationWorkflow.new_message, inbound(phone, 0, "Hebben jullie een Polo?", t0))
        await p.wait_until(phone, lambda s: s.processing is not None)
        for number in range(1, 120):
            at = t0 + timedelta(milliseconds=10 * number)
            await handle.signal(ConversationWorkflow.new_message, inbound(phone, number, f"En nog iets {number}", at))
        state = await p.snapshot(phone)
        p.waha.reply_delay = 0.0
        assert state.processing is not None  # all arrived while the first was still being answered
        assert len(state.pending) == PENDING_KEPT and state.held_total == 119 - PENDING_KEPT
        final = await p.wait_until(phone, lambda s: s.messages_processed == 1 + PENDING_KEPT and not s.pending,
                                   timeout=120)
    assert final.held_total == 119 - PENDING_KEPT


async def test_a_flood_while_the_crm_is_down_is_mirrored_in_full_once_it_is_back(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    texts = [f"Is de Polo er nog? vraag {number:03d}" for number in range(400)]
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(tmp_path, task_queue, peer, "cw-secret-flood-down")
        async with pipeline(temporal_env.client, settings) as p:
            peer.set_down(True)
            handle = await start(p, phone)
            t0 = datetime.now(timezone.utc)
            for number, text in enumerate(texts):
                at = t0 + timedelta(milliseconds=100 * number)  # 400 messages in 40 seconds
                await handle.signal(ConversationWorkflow.new_message, inbound(phone, number, text, at))
            state = await p.wait_until(phone, lambda s: s.messages_processed + s.held_total == 400 and not s.pending,
                                       timeout=60)
            assert len(state.crm_pending) <= CRM_PENDING_KEPT  # capped while Chatwoot is down
            assert payload_size(state) < 256 * 1024
            peer.set_down(False)
            state = await p.wait_until(phone, lambda s: not s.crm_pending, timeout=120)
    assert state.crm_unmirrored == 0 and state.crm_failures == []
    mirrored = incoming_texts(peer)
    assert [text for text in texts if text not in mirrored] == []  # joined, but every one is there


# --- a stuck send gives up after 15 minutes --------------------------------------------------------


async def test_a_stuck_reply_gives_up_after_15_minutes_and_sales_are_alerted(time_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer, SmtpPeer() as smtp:
        settings = make_chatwoot_settings(
            tmp_path, task_queue, peer, "cw-secret-stuck", smtp_host=smtp.host, smtp_port=smtp.port, smtp_starttls=False
        )
        async with pipeline(time_env.client, settings) as p:
            p.waha.set_down(True)  # WAHA answers 503 on every attempt
            await p.post(message_event(phone, "Hoi, hebben jullie een Kia Niro?"))
            await p.wait_until(phone, lambda s: s.processing is not None, timeout=15)
            await time_env.sleep(timedelta(minutes=10))
            assert (await p.snapshot(phone)).messages_processed == 0  # still trying after 10 minutes
            await time_env.sleep(timedelta(minutes=6))
            state = await p.wait_until(phone, lambda s: s.messages_processed == 1, timeout=30)
            record = state.recent[-1]
            assert record.error_occurred and "whatsapp" in record.errors[-1]
            assert any("reply" in failure for failure in state.send_failures)
            # Sales: an e-mail and a private note in the customer's Chatwoot conversation.
            [mail] = await smtp.wait_for(1)
            assert mail.rcpt_tos == [settings.escalation_email_sales] and "[WACHT]" in mail.subject
            assert "Kia Niro" in mail.body
            await eventually(lambda: [m for m in peer.messages.values()
                                      if m.get("private") and "niet afgeleverd" in m["content"]])
            # WAHA is back: the next message is answered, the given-up reply is not sent late.
            p.waha.set_down(False)
            later = message_event(phone, "Hallo? Zijn jullie er?")
            later["payload"]["timestamp"] = int((await time_env.get_current_time()).timestamp())
            await p.post(later)
            sent = await p.waha.wait_for(1, chat, timeout=30)
            await p.wait_until(phone, lambda s: s.messages_processed == 2, timeout=30)
            await time_env.sleep(timedelta(minutes=2))
            assert len(p.waha.texts_for(chat)) == 1 and sent[0]["text"] == p.waha.texts_for(chat)[0]
    assert len(smtp.received) == 1
