"""Issue 14 §2, through the whole stack: a question our data cannot answer becomes a light task.

"kan ik met de trein komen?" (no public-transport facts in dealer.yaml): the customer gets one
honest line with a promise, sales get the exact question once — a Chatwoot private note (the
Chatwoot peer, checked against the swagger) or, without Chatwoot, an e-mail (aiosmtpd). No
escalation, the bot keeps answering, the same question again sends nothing new, and a Chatwoot
outage does not hold up the reply.
"""

from __future__ import annotations

from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.pipeline import eventually, make_settings, pipeline, random_phone
from tests.waha_events import message_event

QUESTION = "Kan ik eigenlijk ook met de trein naar jullie toe komen?"


def _notes(chatwoot: ChatwootPeer) -> list[dict]:
    return [m for m in chatwoot.messages.values() if m["private"] and "die de bot niet" in m["content"]]


async def test_unknown_answer_becomes_one_chatwoot_note_and_no_escalation(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as chatwoot:
        settings = make_settings(tmp_path, task_queue, chatwoot_base_url=chatwoot.url, chatwoot_api_token=chatwoot.api_token,
                                 chatwoot_account_id=chatwoot.account_id, chatwoot_inbox_id=chatwoot.inbox_id)
        async with pipeline(temporal_env.client, settings) as p:
            # Chatwoot fails first: the customer's answer does not wait for it
            chatwoot.fail_next(3, status=503)
            await p.post(message_event(phone, QUESTION, name="Sanne"))
            first = (await p.waha.wait_for(1, chat))[0]["text"]
            assert "zie ik niet in mijn gegevens" in first and "nakijken" in first, first
            assert "Zuiderbreedte 22" in first  # what we do know: the address

            notes = await eventually(lambda: _notes(chatwoot), timeout=45)
            note = notes[0]["content"]
            assert QUESTION in note and "Sanne" in note and "trein" in note, note
            assert "Geen escalatie" in note

            # the same question again: a short acknowledgement, and no second task
            await p.post(message_event(phone, "kan ik met de trein komen??"))
            second = (await p.waha.wait_for(2, chat))[1]["text"]
            assert "al" in second.lower() and ("vandaag nog" in second or "morgen" in second or " op " in second), second
            assert second != first
            snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.sales_tasks and not s.crm_pending)
            assert len(_notes(chatwoot)) == 1
            assert [c.key for c in snapshot.context.open_checks] == ["train:"]
            # a light task, not an escalation: no child, nobody assigned, the bot still answers
            assert snapshot.open_escalation is None and snapshot.escalation_count == 0
            assert chatwoot.assignments == []
            await p.post(message_event(phone, "en moet ik iets meenemen?"))
            third = (await p.waha.wait_for(3, chat))[2]["text"]
            assert "rijbewijs" in third, third
        assert chatwoot.violations == []


async def test_without_chatwoot_the_task_is_an_email_to_sales(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with SmtpPeer() as smtp:
        settings = make_settings(tmp_path, task_queue, smtp_host=smtp.host, smtp_port=smtp.port, smtp_starttls=False)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "hoi, staat de tiguan 4motion nog? past er een kinderwagen in de kofferbak?",
                                       name="Jan"))
            reply = (await p.waha.wait_for(1, chat))[0]["text"]
            assert "Tiguan" in reply and "kinderwagen" in reply and "nakijken" in reply, reply

            mails = await eventually(lambda: [m for m in smtp.received if m.subject.startswith("Vraag nakijken")], timeout=45)
            mail = mails[0]
            assert mail.rcpt_tos == [settings.escalation_email_sales]
            assert "kinderwagen" in mail.subject and "Tiguan" in mail.subject
            assert "past er een kinderwagen in de kofferbak" in mail.body and "Jan" in mail.body

            await p.post(message_event(phone, "en past die kinderwagen er nou in?"))
            await p.waha.wait_for(2, chat)
            snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.sales_tasks)
            assert len([m for m in smtp.received if m.subject.startswith("Vraag nakijken")]) == 1
            assert snapshot.escalation_count == 0 and snapshot.open_escalation is None


async def test_claude_promised_checks_become_the_same_light_task(temporal_env, task_queue, tmp_path):
    """The Claude backend: its structured open_checks take the same path (one private note, no escalation)."""
    from agents.models import Classification, EscalationDecision, ExtractionOutput, RouterOutput
    from integrations.claude import ClaudeCheck, ClaudeExpertise, ClaudeReply, ClaudeUnderstanding
    from tests.peers.messages_api import MessagesApiPeer, message_response

    def claude(request):
        if "response_text" in (request.output_schema or {}).get("properties", {}):
            return message_response(ClaudeReply(
                response_text="Hoe je met de trein het makkelijkst bij ons komt, zie ik niet in mijn gegevens; ik laat "
                              "het nakijken en app je zo snel mogelijk. Ons adres is Zuiderbreedte 22, 3845 MC Harderwijk.",
                open_checks=[ClaudeCheck(question="kunnen we met de trein komen?", topic="bereikbaarheid met de trein")],
            ), model="claude-sonnet-5-5")
        return message_response(ClaudeUnderstanding(
            router=RouterOutput(intent="general_info", priority="low", confidence=0.9),
            extraction=ExtractionOutput(),
            expertise=ClaudeExpertise(classification=Classification(primary_domain="general", confidence=0.9),
                                      escalation_decision=EscalationDecision()),
        ))

    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as chatwoot, MessagesApiPeer() as api:
        api.handler = claude
        settings = make_settings(tmp_path, task_queue, anthropic_api_key=api.api_key, anthropic_base_url=api.url,
                                 chatwoot_base_url=chatwoot.url, chatwoot_api_token=chatwoot.api_token,
                                 chatwoot_account_id=chatwoot.account_id, chatwoot_inbox_id=chatwoot.inbox_id)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "kunnen we met de trein komen?", name="Fatima"))
            assert "nakijken" in (await p.waha.wait_for(1, chat))[0]["text"]
            notes = await eventually(lambda: _notes(chatwoot), timeout=45)
            assert "kunnen we met de trein komen?" in notes[0]["content"] and "Fatima" in notes[0]["content"]
            await p.post(message_event(phone, "en met de trein?"))  # Claude names the same check again
            await p.waha.wait_for(2, chat)
            snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.sales_tasks)
            assert len(_notes(chatwoot)) == 1
            assert snapshot.recent[-1].conversation_output.backend == "claude"
            assert snapshot.escalation_count == 0 and chatwoot.assignments == []
        assert api.violations == [] and chatwoot.violations == []
