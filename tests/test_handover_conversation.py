"""Issue 13 §1, the reviewer's worst case end to end: an open escalation never silences the chat.

Real Temporal dev server, real worker and API app, WAHA, Chatwoot and SMTP peers. A BKR question
escalates to finance; more questions are answered and forwarded; the specialist acknowledges on
WhatsApp and the next message names her; a Chatwoot reply makes the bot quiet for the quiet
period only; a review threat raises urgency and alerts the manager once. Echoes (our own
assignment, Chatwoot's automatic assignment to our API user, WAHA's "source: app" copy of our
own reply) never count as a person.
"""

from __future__ import annotations

import asyncio
import json
import re
import time

from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.pipeline import eventually, make_chatwoot_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.escalation import EscalationWorkflow
from workflows.models import EscalationStatus

SECRET = "chatwoot-webhook-secret"
FINANCE = "31611110000"
MANAGER = "31699990000"
CREDIT_WARNING = "Let op! Geld lenen kost geld."




async def post_chatwoot(p, peer: ChatwootPeer, body: dict):
    raw = json.dumps(body).encode()
    return await p.http.post("/webhook/chatwoot", content=raw, headers=peer.signed_headers(SECRET, raw, int(time.time())))


def assignment_event(peer: ChatwootPeer, conversation_id: int, user_id: int) -> dict:
    """conversation_updated as Chatwoot sends it when the conversation is assigned to `user_id`."""
    body = peer._conversation_json(peer.conversations[conversation_id])
    body["meta"]["assignee"] = dict(peer.users[user_id])
    body["meta"]["assignee_type"] = "User"
    body.update(
        event="conversation_updated",
        changed_attributes=[{"assignee_id": {"previous_value": None, "current_value": user_id}}],
    )
    return body


def paragraphs(texts: list[str]) -> list[str]:
    return [" ".join(part.split()) for text in texts for part in text.split("\n\n") if part.strip()]


async def test_the_reviewers_worst_case(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer, SmtpPeer() as smtp:
        settings = make_chatwoot_settings(
            tmp_path, task_queue, peer, SECRET,
            escalation_whatsapp_finance=f"+{FINANCE}",
            escalation_whatsapp_manager=f"+{MANAGER}",
            escalation_assignee_finance=5,
            escalation_name_finance="Fenna de Vries",
            human_quiet_period_minutes=0.25,  # 15 s: the test waits it out on the real server
            smtp_host=smtp.host, smtp_port=smtp.port, smtp_starttls=False,
        )
        async with pipeline(temporal_env.client, settings) as p:
            customer = []

            async def ask(text: str, replies_before: int, *, answered: bool = True) -> str | None:
                customer.append(text)
                await p.post(message_event(phone, text, name="Jan"))
                await p.wait_until(phone, lambda s: s.messages_processed == len(customer))
                if not answered:
                    return None
                sent = await p.waha.wait_for(replies_before + 1, chat)
                assert len(sent) == replies_before + 1, f"no answer to {text!r}"
                return sent[-1]["text"]

            # 1. A BKR question escalates to finance: one honest hand-over.
            handoff = await ask("Ik heb een BKR registratie, kan ik dan wel een auto financieren?", 0)
            assert "financier" in handoff.lower()
            state = await p.wait_until(phone, lambda s: s.open_escalation and s.open_escalation.view)
            escalation_id = state.open_escalation.escalation_id
            escalation = p.client.get_workflow_handle(escalation_id, result_type=EscalationStatus)
            conversation_id = next(iter(peer.conversations))
            await eventually(lambda: peer.conversations[conversation_id]["assignee_id"] == 5)

            # Echoes: our own assignment of Fenna (late or not) and Chatwoot's automatic
            # assignment to our API user are not a person taking the question.
            own = await post_chatwoot(p, peer, assignment_event(peer, conversation_id, 5))
            assert own.json()["status"] == "staff_engaged"
            auto = await post_chatwoot(p, peer, assignment_event(peer, conversation_id, 1))
            assert auto.json()["status"] == "ignored" and "API user" in auto.json()["reason"]
            status = await eventually(
                lambda: _status_where(escalation, lambda s: s.echoes_ignored == 1)
            )
            assert status.acknowledged is None and status.state == "waiting_ack"

            # 2. Three more questions: each answered, each forwarded to the finance advisor.
            answers = [
                await ask("Wat zijn jullie openingstijden op zaterdag?", 1),
                await ask("Hebben jullie ook een Kia Niro hybride?", 2),
                await ask("Wat kost een Golf ongeveer per maand?", 3),
            ]
            assert "17:00" in answers[0] and "Niro" in answers[1] and "per maand" in answers[2]
            assert not any("doorgezet" in answer for answer in answers)  # the hand-over is not repeated
            status = await eventually(lambda: _status_where(escalation, lambda s: len(s.forwards) == 3))
            assert [(f.channel, f.delivered) for f in status.forwards] == [("chatwoot", True)] * 3
            notes = [m["content"] for m in peer.conversation_messages(conversation_id) if m["private"]]
            for question in customer[1:]:
                assert any(question in note for note in notes), question
            # Three customer messages in a row without a human reply: urgency rises, manager alerted.
            status = await eventually(lambda: _status_where(escalation, lambda s: s.urgency == "high"))
            assert len(p.waha.texts_for(f"{MANAGER}@c.us")) == 1
            assert len(p.waha.texts_for(f"{FINANCE}@c.us")) == 1  # one alert, no alert per message

            # WAHA echoing our own API-sent reply as "source: app" does not mute the bot.
            echo = message_event(phone, answers[-1], from_me=True, source="app", event="message.any")
            await p.post(echo)

            # 3. Fenna answers the alert on WhatsApp with a thumbs-up: acknowledged, and the
            # customer hears who has the question, by name, without asking.
            ack = await p.post(message_event(FINANCE, "👍", name="Fenna"))
            assert ack.json() == {"status": "staff_ack", "escalation_id": escalation_id}
            status = await eventually(lambda: _status_where(escalation, lambda s: s.acknowledged is not None))
            assert status.acknowledged.via == "whatsapp"
            named = (await p.waha.wait_for(5, chat))[4]["text"]
            assert "Fenna (financiering)" in named and "opgepakt" in named
            followup = await ask("Kan ik mijn huidige auto bij jullie inruilen?", 5)
            assert "Fenna" not in followup  # said once

            # 4. Sanne replies in Chatwoot: the bot is quiet while she chats...
            reply = peer.staff_reply(conversation_id, "Hoi Jan, Sanne hier. Ik bel je over 10 minuten.")
            assert (await post_chatwoot(p, peer, reply)).json()["status"] == "staff_reply_queued"
            await p.waha.wait_for(7, chat)
            await ask("Oké, prima!", 7, answered=False)
            await asyncio.sleep(0.5)
            assert len(p.waha.texts_for(chat)) == 7
            silent = await p.snapshot(phone)
            assert silent.recent[-1].bot_silent
            # ... and answers again by itself once the quiet period is over, escalation still open.
            await eventually(lambda: _quiet_over(p, phone), timeout=40)
            resumed = await ask("Tot hoe laat zijn jullie vandaag open?", 7)
            assert not re.search(r"doorgezet|opgepakt|heeft je vraag|collega", resumed)
            assert (await p.snapshot(phone)).open_escalation is not None

            # 5. A review threat: urgency critical, in the note, the manager alerted once.
            await ask("Als dit niet snel geregeld wordt zet ik een slechte review op Google.", 8)
            status = await eventually(lambda: _status_where(escalation, lambda s: s.urgency == "critical"))
            await ask("Echt, die slechte review komt er!", 9)
            status = await eventually(lambda: _status_where(escalation, lambda s: len(s.forwards) == 7))
            assert status.manager_alerted_for == ["high", "critical"]
            manager = p.waha.texts_for(f"{MANAGER}@c.us")
            assert len(manager) == 2 and "KRITIEK" in manager[1]
            notes = [m["content"] for m in peer.conversation_messages(conversation_id) if m["private"]]
            assert sum("Urgentie verhoogd naar KRITIEK" in note for note in notes) == 1

            # The transcript as a demanding customer reads it: every message answered but the one
            # Sanne was answering, nothing said twice.
            to_customer = p.waha.texts_for(chat)
            assert len(to_customer) == len(customer) - 1 + 2  # + the "opgepakt" line + Sanne's message
            said = [part for part in paragraphs(to_customer) if part != CREDIT_WARNING]
            assert len(said) == len(set(said)), said
        assert peer.violations == []


async def _status_where(handle, predicate):
    status = await handle.query(EscalationWorkflow.status)
    return status if predicate(status) else None


async def _terminate(p, *workflow_ids: str) -> None:
    """Time-skipping tests leave no timers behind: a timer firing with no worker stalls later skips."""
    for workflow_id in workflow_ids:
        try:
            await p.client.get_workflow_handle(workflow_id).terminate("test done")
        except Exception:  # noqa: BLE001 - already closed
            pass


async def _quiet_over(p, phone) -> bool:
    from datetime import datetime, timezone

    state = await p.snapshot(phone)
    return state.human_active_until is not None and datetime.now(timezone.utc) > state.human_active_until


async def test_without_chatwoot_updates_are_grouped_and_the_customer_hears_the_status(time_env, task_queue, tmp_path):
    """No Chatwoot: one WhatsApp update for several messages, a status line after half an hour,
    and an honest notice when nobody picked it up by the SLA deadline."""
    from datetime import timedelta

    from tests.pipeline import make_settings

    phone = random_phone()
    chat = f"{phone}@c.us"
    settings = make_settings(
        tmp_path, task_queue,
        escalation_whatsapp_finance=f"+{FINANCE}", escalation_whatsapp_manager=f"+{MANAGER}",
        escalation_forward_window_seconds=120,
    )
    async with pipeline(time_env.client, settings) as p:
        count = 0

        async def ask(text: str) -> str:
            nonlocal count
            count += 1
            await p.post(message_event(phone, text, name="Jan"))
            await p.wait_until(phone, lambda s: s.messages_processed == count, timeout=30)
            sent = await p.waha.wait_for(count, chat, timeout=30)
            assert len(sent) >= count, f"no answer to {text!r}"
            return sent[-1]["text"]

        await ask("Ik heb een BKR registratie, kan ik dan wel een auto financieren?")
        state = await p.wait_until(phone, lambda s: s.open_escalation and s.open_escalation.view, timeout=30)
        escalation = p.client.get_workflow_handle(state.open_escalation.escalation_id, result_type=EscalationStatus)
        answers = [await ask(text) for text in (
            "Wat zijn jullie openingstijden op zaterdag?",
            "Hebben jullie ook een Kia Niro hybride?",
            "Wat kost een Golf ongeveer per maand?",
        )]
        assert not any("heeft je vraag" in answer for answer in answers)  # the hand-over just said it
        assert len(p.waha.texts_for(f"{FINANCE}@c.us")) == 1  # the alert; the update waits for its window

        await time_env.sleep(timedelta(minutes=3))
        finance = await p.waha.wait_for(2, f"{FINANCE}@c.us", timeout=30)
        assert len(finance) == 2
        update = finance[1]["text"]
        assert "3 nieuwe berichten" in update and all(text in update for text in (
            "openingstijden op zaterdag", "Kia Niro", "Golf ongeveer per maand"))
        status = await escalation.query(EscalationWorkflow.status)
        assert [(f.channel, f.delivered) for f in status.forwards] == [("whatsapp", True)] * 3

        # Half an hour later: one short status line, with the deadline; not on the next reply.
        await time_env.sleep(timedelta(minutes=31))
        later = await ask("Hebben jullie ook auto's met een trekhaak?")
        assert "Onze financieringsadviseur heeft je vraag en laat vóór" in later
        assert "Onze financieringsadviseur" not in await ask("En hoe lang is de garantie?")

        # Nobody picked it up by the SLA deadline: the customer hears it honestly, once.
        status = await escalation.query(EscalationWorkflow.status)
        now = await time_env.get_current_time()
        await time_env.sleep(status.sla_deadline - now + timedelta(minutes=1))
        sent = await p.waha.wait_for(count + 1, chat, timeout=30)
        assert len(sent) == count + 1
        assert "duurt helaas langer" in sent[-1]["text"]
        manager = p.waha.texts_for(f"{MANAGER}@c.us")
        assert any("NIET OPGEPAKT" in text for text in manager)
        await p.post(message_event(phone, "Oké, ik wacht wel."))
        await p.wait_until(phone, lambda s: s.messages_processed == count + 1, timeout=30)
        final = await p.waha.wait_for(count + 2, chat, timeout=30)
        assert "duurt helaas langer" not in final[-1]["text"]
        said = [part for part in paragraphs(p.waha.texts_for(chat)) if part != CREDIT_WARNING]
        assert len(said) == len(set(said)), said
        await _terminate(p, escalation.id, f"conversation-{phone}")


async def test_staff_numbers_are_never_customers(temporal_env, task_queue, tmp_path):
    from temporalio.service import RPCError

    from tests.pipeline import make_settings

    staff = "31622220000"
    settings = make_settings(tmp_path, task_queue, escalation_whatsapp_sales=f"+{staff}")
    async with pipeline(temporal_env.client, settings, worker=False) as p:
        question = await p.post(message_event(staff, "Wie heeft de sleutels van de Golf?"))
        assert question.json()["status"] == "ignored" and "staff number" in question.json()["reason"]
        nothing_open = await p.post(message_event(staff, "ok"))
        assert nothing_open.json()["status"] == "ignored" and "no open escalation" in nothing_open.json()["reason"]
        typed = message_event(staff, "Zet jij de Golf klaar?", from_me=True, source="app", event="message.any")
        assert (await p.post(typed)).json()["status"] == "ignored"
        try:
            await p.client.get_workflow_handle(f"conversation-{staff}").describe()
            started = True
        except RPCError:
            started = False
        assert not started  # no customer conversation for a colleague


async def test_the_same_rules_hold_with_claude(temporal_env, task_queue, tmp_path):
    """§4: forwarding, the hand-over status and urgency live in the workflow, not in one backend."""
    import re as regex

    from agents.models import CarPreferences, Classification, EscalationDecision, ExtractionOutput, RouterOutput
    from integrations.claude import ClaudeExpertise, ClaudeReply, ClaudeUnderstanding
    from tests.peers.messages_api import MessagesApiPeer, message_response
    from tests.pipeline import make_settings

    def understanding(intent: str, decision: EscalationDecision):
        return ClaudeUnderstanding(
            router=RouterOutput(intent=intent, priority="medium", confidence=0.95),
            extraction=ExtractionOutput(car_preferences=CarPreferences()),
            expertise=ClaudeExpertise(
                classification=Classification(primary_domain="financial", confidence=0.9), escalation_decision=decision
            ),
        )

    prompts: list[str] = []

    def claude(request):
        latest = request.user_text.rsplit("LAATSTE KLANTBERICHT", 1)[-1]
        if "response_text" in (request.output_schema or {}).get("properties", {}):
            prompts.append(request.user_text)
            handoff = regex.search(r'OVERDRACHTSZIN \(letterlijk opnemen\): "([^"]+)"', request.user_text)
            if handoff:
                return message_response(ClaudeReply(response_text=f"Goed dat je het zegt. {handoff.group(1)}"))
            if "zaterdag" in latest:
                return message_response(ClaudeReply(response_text="Zaterdag zijn we open van 9:00 tot 17:00."))
            return message_response(ClaudeReply(response_text="Dat is vervelend, ik begrijp je boosheid."))
        if "BKR" in latest:
            return message_response(understanding("financing_inquiry", EscalationDecision(
                escalate=True, escalation_type="finance_advisor", urgency="medium", reason="BKR-registratie")))
        if "advocaat" in latest:
            return message_response(understanding("complaint", EscalationDecision(
                escalate=True, escalation_type="manager", urgency="high", reason="juridische dreiging")))
        return message_response(understanding("general_info", EscalationDecision()))

    phone = random_phone()
    chat = f"{phone}@c.us"
    with MessagesApiPeer() as peer:
        peer.handler = claude
        settings = make_settings(
            tmp_path, task_queue, anthropic_api_key=peer.api_key, anthropic_base_url=peer.url,
            escalation_whatsapp_finance=f"+{FINANCE}", escalation_whatsapp_manager=f"+{MANAGER}",
            escalation_forward_window_seconds=1,
        )
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Ik heb een BKR registratie, kan ik financieren?"))
            assert "doorgezet" in (await p.waha.wait_for(1, chat))[0]["text"]
            state = await p.wait_until(phone, lambda s: s.open_escalation and s.open_escalation.view)
            escalation = p.client.get_workflow_handle(state.open_escalation.escalation_id, result_type=EscalationStatus)

            await p.post(message_event(phone, "Hoe laat zijn jullie zaterdag open?"))
            sent = await p.waha.wait_for(2, chat)
            assert sent[1]["text"] == "Zaterdag zijn we open van 9:00 tot 17:00."
            assert "OVERDRACHT LOOPT AL" in prompts[-1] and "OVERDRACHTSZIN" not in prompts[-1]

            await p.post(message_event(phone, "Mijn advocaat gaat hier naar kijken."))
            third = (await p.waha.wait_for(3, chat))[2]["text"]
            assert third.startswith("Dat is vervelend") and "doorgegeven aan onze financieringsadviseur" in third
            status = await eventually(lambda: _status_where(escalation, lambda s: len(s.forwards) == 2))
            assert status.urgency == "critical" and status.manager_alerted_for == ["critical"]
            assert {f.channel for f in status.forwards} == {"whatsapp"}
            assert len(p.waha.texts_for(f"{MANAGER}@c.us")) == 1
            assert (await p.snapshot(phone)).escalation_count == 1  # the threat did not open a second one
        assert peer.violations == []


async def test_our_own_assignment_arriving_late_is_no_person(time_env, task_queue, tmp_path):
    """Issue 12 §3: Chatwoot reporting the assignment our escalation made, minutes later, is an echo."""
    from datetime import timedelta

    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(
            tmp_path, task_queue, peer, SECRET, escalation_whatsapp_finance=f"+{FINANCE}", escalation_assignee_finance=5
        )
        async with pipeline(time_env.client, settings) as p:
            await p.post(message_event(phone, "Ik heb een BKR registratie, kan ik dan financieren?"))
            await p.waha.wait_for(1, chat, timeout=30)
            state = await p.wait_until(phone, lambda s: s.open_escalation and s.open_escalation.view, timeout=30)
            escalation = p.client.get_workflow_handle(state.open_escalation.escalation_id, result_type=EscalationStatus)
            conversation_id = next(iter(peer.conversations))
            await eventually(lambda: peer.conversations[conversation_id]["assignee_id"] == 5)

            await time_env.sleep(timedelta(minutes=5))
            late = await post_chatwoot(p, peer, assignment_event(peer, conversation_id, 5))
            assert late.json()["status"] == "staff_engaged"
            status = await eventually(lambda: _status_where(escalation, lambda s: s.echoes_ignored == 1))
            assert status.acknowledged is None

            # A colleague assigning it to someone else is a person taking it.
            peer.users[6] = {"id": 6, "name": "Fenna de Vries", "available_name": "Fenna", "type": "user"}
            await post_chatwoot(p, peer, assignment_event(peer, conversation_id, 6))
            status = await eventually(lambda: _status_where(escalation, lambda s: s.acknowledged is not None))
            assert status.acknowledged.by == "Fenna" and status.acknowledged.how == "assigned"
            sent = await p.waha.wait_for(2, chat, timeout=30)
            assert sent[1]["text"] == "Fenna (financiering) heeft je vraag opgepakt en neemt contact met je op."

            # Neither assignment muted the bot.
            await p.post(message_event(phone, "Wat zijn jullie openingstijden op zaterdag?"))
            answered = await p.waha.wait_for(3, chat, timeout=30)
            assert "17:00" in answered[2]["text"]
            # Let the CRM mirror and the forward finish: the time-skipping server keeps its clock
            # locked for an activity that was running when its workflow was terminated.
            await eventually(lambda: _status_where(escalation, lambda s: len(s.forwards) == 1))
            await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_pending, timeout=30)
            await _terminate(p, escalation.id, f"conversation-{phone}")
        assert peer.violations == []


async def test_media_during_an_escalation_is_forwarded(temporal_env, task_queue, tmp_path):
    """A photo and a voice note while finance has the question: answered, and forwarded like text."""
    from tests.waha_events import media_event

    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(tmp_path, task_queue, peer, SECRET, escalation_assignee_finance=5)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Ik heb een BKR registratie, kan ik dan wel een auto financieren?"))
            state = await p.wait_until(phone, lambda s: s.open_escalation and s.open_escalation.view)
            escalation = p.client.get_workflow_handle(state.open_escalation.escalation_id, result_type=EscalationStatus)
            url = p.waha.add_file(f"false_{chat}_BKR1.jpeg", b"\xff\xd8 loonstrook", "image/jpeg")
            await p.post(media_event(phone, url=url, mimetype="image/jpeg"))
            await p.post(media_event(phone, url=None, mimetype="audio/ogg; codecs=opus", raw_type="ptt"))
            await p.wait_until(phone, lambda s: s.messages_processed == 3)
            sent = await p.waha.wait_for(3, chat)
            assert "Dank je voor de foto" in sent[1]["text"] and "spraakberichten" in sent[2]["text"]
            status = await eventually(lambda: _status_where(escalation, lambda s: len(s.forwards) == 2))
            assert [forward.channel for forward in status.forwards] == ["chatwoot", "chatwoot"]
