"""EscalationWorkflow on the real dev server against real local peers (WAHA, SMTP, Chatwoot)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone
from pathlib import Path

from temporalio import workflow
from temporalio.client import WorkflowExecutionStatus
from workflows.converter import data_converter
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker

from activities.escalation import escalation_activities
from agents.knowledge.dealer import load_dealer
from config import PROJECT_ROOT, Settings
from tests.pipeline import eventually
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.smtp import SmtpPeer
from tests.peers.waha import WahaPeer
from workflows import search_attributes as sa
from workflows.escalation import EscalationWorkflow
from workflows.models import (
    Acknowledgement,
    EscalationClosed,
    EscalationInput,
    EscalationNote,
    Resolution,
)

SPECIALIST = "+31611111111"
MANAGER = "+31699999999"
CUSTOMER = "+31612345678"


@workflow.defn(sandboxed=False)
class ParentProbe:
    """Stands in for ConversationWorkflow: records `escalation_closed`."""

    def __init__(self) -> None:
        self.closed: list[EscalationClosed] = []

    @workflow.run
    async def run(self) -> EscalationClosed:
        await workflow.wait_condition(lambda: bool(self.closed))
        return self.closed[0]

    @workflow.signal
    def escalation_closed(self, closed: EscalationClosed) -> None:
        self.closed.append(closed)


def always_open_dealer():
    return load_dealer(PROJECT_ROOT / "dealer.yaml").model_copy(update={"opening_hours": {}})


def make_settings(tmp_path: Path, waha: WahaPeer | None, smtp: SmtpPeer | None, chatwoot: ChatwootPeer | None,
                  **extra) -> Settings:
    values = dict(
        _env_file=None,
        data_dir=tmp_path,
        waha_url=waha.url if waha else None,
        waha_api_key="test-waha-key",
        smtp_host=smtp.host if smtp else None,
        smtp_port=smtp.port if smtp else 587,
        smtp_starttls=False,
        escalation_whatsapp_finance=SPECIALIST,
        escalation_whatsapp_manager=MANAGER,
        escalation_assignee_finance=5,
        escalation_team_finance=2,
        public_base_url="https://agent.example",
    )
    if chatwoot:
        values.update(chatwoot_base_url=chatwoot.url, chatwoot_api_token=chatwoot.api_token,
                      chatwoot_account_id=chatwoot.account_id, chatwoot_inbox_id=chatwoot.inbox_id)
    values.update(extra)
    return Settings(**values)


def make_input(parent_id: str, urgency: str = "high", escalation_type: str = "finance_advisor") -> EscalationInput:
    digits = uuid.uuid4().int % 10**6
    return EscalationInput(
        escalation_id=f"escalation-316{digits:08d}-1",
        conversation_workflow_id=parent_id,
        chat_id=CUSTOMER[1:] + "@c.us",
        customer_phone=CUSTOMER,
        customer_name="Jan",
        escalation_type=escalation_type,
        urgency=urgency,
        reason="BKR-registratie financiering",
        question="Ik heb een BKR-registratie, kan ik toch financieren?",
        transcript=["klant: Hoi, ik zoek een Golf", "bot: We hebben er drie!", "klant: Ik heb een BKR-registratie"],
        started_at=datetime.now(timezone.utc),
    )




class Harness:
    def __init__(self, env, task_queue: str, settings: Settings):
        self.client = env.client
        self.task_queue = task_queue
        self.settings = settings

    async def __aenter__(self) -> "Harness":
        self._workers = [
            Worker(self.client, task_queue=self.task_queue, workflows=[EscalationWorkflow],
                   activities=escalation_activities(self.settings, dealer=always_open_dealer())),
            Worker(self.client, task_queue=self.task_queue + "-parent", workflows=[ParentProbe],
                   workflow_runner=UnsandboxedWorkflowRunner()),
        ]
        self._runs = [asyncio.create_task(worker.run()) for worker in self._workers]
        return self

    async def __aexit__(self, *exc) -> None:
        for worker in self._workers:
            await worker.shutdown()

    async def start(self, urgency: str = "high", escalation_type: str = "finance_advisor"):
        parent = await self.client.start_workflow(
            ParentProbe.run, id=f"conversation-probe-{uuid.uuid4().hex[:8]}", task_queue=self.task_queue + "-parent"
        )
        input = make_input(parent.id, urgency, escalation_type)
        handle = await self.client.start_workflow(
            EscalationWorkflow.run, input, id=input.escalation_id, task_queue=self.task_queue
        )
        return parent, handle

    @staticmethod
    async def alerting_done(handle):
        async def check():
            status = await handle.query(EscalationWorkflow.status)
            return status if status.state != "alerting" else None

        return await eventually(check)


async def test_alerts_every_channel_and_closes_the_parent(temporal_env, task_queue, tmp_path):
    with WahaPeer() as waha, SmtpPeer() as smtp, ChatwootPeer() as chatwoot:
        settings = make_settings(tmp_path, waha, smtp, chatwoot)
        async with Harness(temporal_env, task_queue, settings) as harness:
            parent, handle = await harness.start(urgency="high")
            status = await harness.alerting_done(handle)
            assert status.state == "waiting_ack"
            assert status.channels.whatsapp_sent and status.channels.email_sent and status.channels.chatwoot_assigned
            assert status.channels.errors == []

            # WhatsApp: short alert to the specialist, with the Chatwoot link.
            [alert] = waha.texts_for("31611111111@c.us")
            conversation_id = next(iter(chatwoot.conversations))
            assert alert.startswith("🚨 ESCALATIE: Finance Advisor")
            assert "Klant: Jan (+31 6 1234 5678)" in alert
            assert "Vraag: Ik heb een BKR-registratie" in alert
            assert f"{chatwoot.url}/app/accounts/1/conversations/{conversation_id}" in alert
            assert waha.texts_for("31699999999@c.us") == []  # the manager is only chased later
            assert waha.violations == []

            # E-mail: to the finance team, manager in CC (urgency high), transcript and links.
            [mail] = smtp.received
            assert mail.message["To"] == "finance@seldenrijk.nl"
            assert mail.message["Cc"] == "manager@seldenrijk.nl"
            assert set(mail.rcpt_tos) == {"finance@seldenrijk.nl", "manager@seldenrijk.nl"}
            assert "[HOOG] Finance Advisor: Jan" in mail.subject
            assert "klant: Ik heb een BKR-registratie" in mail.body
            assert "BKR-registratie financiering" in mail.body
            assert f"/conversations/{conversation_id}" in mail.body
            assert f"seldenrijk escalations ack {handle.id}" in mail.body

            # Chatwoot: assigned to agent and team, labelled, private note with the summary.
            conversation = chatwoot.conversations[conversation_id]
            assert conversation["assignee_id"] == 5 and conversation["team_id"] == 2
            assert "escalated" in conversation["labels"]
            [note] = chatwoot.conversation_messages(conversation_id)
            assert note["private"] and "Escalatie naar Finance Advisor" in note["content"]
            assert "bot: We hebben er drie!" in note["content"]
            assert chatwoot.violations == []

            description = await handle.describe()
            attributes = description.typed_search_attributes
            assert attributes.get(sa.ESCALATED) is True
            assert attributes.get(sa.ESCALATION_TYPE) == "finance_advisor"
            assert attributes.get(sa.CUSTOMER_PHONE) == CUSTOMER
            assert attributes.get(sa.ESCALATION_STATE) == "waiting_ack"

            await handle.signal(EscalationWorkflow.acknowledge, Acknowledgement(by="Sanne", via="chatwoot"))
            await handle.signal(EscalationWorkflow.acknowledge, Acknowledgement(by="Someone else", via="chatwoot"))
            await handle.signal(EscalationWorkflow.resolve, Resolution(outcome="financiering rond", by="Sanne"))
            final = await asyncio.wait_for(handle.result(), 15)
            assert final.state == "resolved"
            assert final.acknowledged.by == "Sanne"  # the first acknowledgement counts
            assert final.resolution.outcome == "financiering rond"
            assert final.reminders_sent == 0 and not final.manager_alerted

            closed = await asyncio.wait_for(parent.result(), 15)
            assert closed.escalation_id == handle.id and closed.outcome == "financiering rond"
            assert len(waha.sent) == 1 and len(smtp.received) == 1  # nothing more was sent

            # The recorded history replays deterministically (no settings or clock read in the workflow).
            replayer = Replayer(workflows=[EscalationWorkflow], data_converter=data_converter)
            await replayer.replay_workflow(await handle.fetch_history())


async def test_new_trigger_adds_a_note_without_a_second_alert(temporal_env, task_queue, tmp_path):
    with WahaPeer() as waha, SmtpPeer() as smtp, ChatwootPeer() as chatwoot:
        settings = make_settings(tmp_path, waha, smtp, chatwoot)
        async with Harness(temporal_env, task_queue, settings) as harness:
            _, handle = await harness.start(urgency="medium")
            await harness.alerting_done(handle)
            await handle.signal(
                EscalationWorkflow.add_note,
                EscalationNote(text="Hallo? Kan iemand mij bellen?", reason="BKR", at=datetime.now(timezone.utc)),
            )
            conversation_id = next(iter(chatwoot.conversations))

            async def two_notes():
                return len(chatwoot.conversation_messages(conversation_id)) >= 2

            assert await eventually(two_notes)
            follow_up = chatwoot.conversation_messages(conversation_id)[-1]
            assert follow_up["private"] and "Kan iemand mij bellen?" in follow_up["content"]
            status = await handle.query(EscalationWorkflow.status)
            assert [note.text for note in status.notes] == ["Hallo? Kan iemand mij bellen?"]
            assert len(waha.sent) == 1 and len(smtp.received) == 1
            [mail] = smtp.received
            assert mail.message["Cc"] is None  # medium urgency: no manager in CC
            await handle.signal(EscalationWorkflow.resolve, Resolution())
            final = await asyncio.wait_for(handle.result(), 15)
            assert final.acknowledged is not None  # resolving counts as picking it up


async def test_a_failing_channel_does_not_stop_the_others(temporal_env, task_queue, tmp_path):
    with WahaPeer() as waha, SmtpPeer() as smtp:
        waha.fail_next(1, status=400)  # a rejected request: no retry can help
        settings = make_settings(tmp_path, waha, smtp, None)
        async with Harness(temporal_env, task_queue, settings) as harness:
            _, handle = await harness.start(urgency="low")
            status = await harness.alerting_done(handle)
            assert not status.channels.whatsapp_sent
            assert status.channels.email_sent
            assert not status.channels.chatwoot_assigned
            errors = "\n".join(status.channels.errors)
            assert "400" in errors and "chatwoot: not configured" in errors
            assert waha.requests == 1 and len(smtp.received) == 1
            await handle.signal(EscalationWorkflow.resolve, Resolution())
            await asyncio.wait_for(handle.result(), 15)


async def test_smtp_rejection_and_missing_numbers_fall_back(temporal_env, task_queue, tmp_path):
    """SMTP refuses (550): recorded. No technical number: the alert goes to the manager's phone."""
    with WahaPeer() as waha, SmtpPeer() as smtp:
        smtp.reject_next(1, 550)
        settings = make_settings(tmp_path, waha, smtp, None)
        async with Harness(temporal_env, task_queue, settings) as harness:
            _, handle = await harness.start(urgency="medium", escalation_type="technical_specialist")
            status = await harness.alerting_done(handle)
            assert status.channels.whatsapp_sent and not status.channels.email_sent
            assert any("550" in error for error in status.channels.errors)
            assert any("bedrijfsleider" in error for error in status.channels.errors)
            [alert] = waha.texts_for("31699999999@c.us")
            assert alert.startswith("🚨 ESCALATIE: Technisch Specialist")
            await handle.signal(EscalationWorkflow.resolve, Resolution())
            await asyncio.wait_for(handle.result(), 15)


async def test_without_waha_and_smtp_everything_lands_in_the_outbox(temporal_env, task_queue, tmp_path):
    settings = make_settings(tmp_path, None, None, None)
    async with Harness(temporal_env, task_queue, settings) as harness:
        parent, handle = await harness.start()
        status = await harness.alerting_done(handle)
        assert status.channels.whatsapp_sent and status.channels.email_sent
        outbox = (tmp_path / "outbox" / "whatsapp.jsonl").read_text()
        assert "31611111111@c.us" in outbox and "ESCALATIE" in outbox
        [eml] = list((tmp_path / "outbox" / "email").glob("*.eml"))
        assert "finance@seldenrijk.nl" in eml.read_text()
        await parent.terminate("the conversation is gone")  # closing must tolerate a missing parent
        await handle.signal(EscalationWorkflow.resolve, Resolution(outcome="klant gebeld"))
        final = await asyncio.wait_for(handle.result(), 15)
        assert final.state == "resolved"
        assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_no_number_at_all_is_reported(temporal_env, task_queue, tmp_path):
    settings = make_settings(
        tmp_path, None, None, None, escalation_whatsapp_finance=None, escalation_whatsapp_manager=None
    )
    async with Harness(temporal_env, task_queue, settings) as harness:
        _, handle = await harness.start()
        status = await harness.alerting_done(handle)
        assert not status.channels.whatsapp_sent
        assert any("whatsapp: not configured" in error for error in status.channels.errors)
        await handle.signal(EscalationWorkflow.resolve, Resolution())
        await asyncio.wait_for(handle.result(), 15)

