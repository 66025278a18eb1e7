import uuid
from datetime import datetime, timedelta, timezone

import pytest
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities, CrmFailure, CrmSyncRequest, CrmSyncResult
    from agents.models import CRMOutput, ScoreFactor
    from config import Settings
    from workflows.models import PendingCrmUpdate

from tests.peers.chatwoot_fixtures import chatwoot_peer, chatwoot_settings  # noqa: F401 (fixtures)

PHONE = "+31612345678"
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def hot_crm(urgency: str = "high") -> CRMOutput:
    return CRMOutput(
        lead_score=85,
        lead_quality="HOT",
        score_factors=[ScoreFactor(name="test_drive", points=85)],
        tags=["interest:ready-to-buy", f"urgency:{urgency}", "car:volkswagen", "budget:15k-25k"],
        custom_attributes={"lead_score": 85, "lead_quality": "HOT", "interested_in_make": "Volkswagen"},
    )


def request(*updates: PendingCrmUpdate) -> CrmSyncRequest:
    return CrmSyncRequest(phone=PHONE, chat_id="31612345678@c.us", customer_name="Jan", updates=list(updates))


def update(role: str, text: str, message_id: str, seconds: int = 0, crm: CRMOutput | None = None) -> PendingCrmUpdate:
    return PendingCrmUpdate(role=role, text=text, message_id=message_id, at=T0 + timedelta(seconds=seconds), crm=crm)


@pytest.fixture
async def activities(chatwoot_settings):  # noqa: F811
    crm = CrmActivities(chatwoot_settings)
    yield crm
    await crm.aclose()


async def test_sync_mirrors_both_roles_and_sets_labels_and_attributes(activities, chatwoot_peer):  # noqa: F811
    sync = request(
        update("customer", "Kan ik deze week een proefrit maken in de Golf?", "wa-1"),
        update("bot", "Zeker! Welke dag past je?", "wa-1:reply", 2, crm=hot_crm()),
        update("staff", "Ik bel je zo even (Sanne)", "cw-88", 5),
    )
    result = await ActivityEnvironment().run(activities.sync_crm, sync)
    assert result.mirrored == 2 and result.recorded_locally == 3 and result.chatwoot_configured
    messages = chatwoot_peer.conversation_messages(result.chatwoot_conversation_id)
    assert [(m["message_type"], m["content"]) for m in messages] == [
        (0, "Kan ik deze week een proefrit maken in de Golf?"), (1, "Zeker! Welke dag past je?")]
    assert messages[1]["content_attributes"]["seldenrijk_bot"] is True
    conversation = chatwoot_peer.conversations[result.chatwoot_conversation_id]
    assert {"interest-ready-to-buy", "urgency-high", "car-volkswagen", "budget-15k-25k"} <= set(conversation["labels"])
    contact = chatwoot_peer.contacts[conversation["contact_id"]]
    assert contact["custom_attributes"]["lead_quality"] == "HOT" and contact["phone_number"] == PHONE
    # The local record has all three lines, including the staff message Chatwoot already shows.
    assert [line.role for line in activities.local.transcript(PHONE)] == ["customer", "bot", "staff"]
    assert activities.local.list_leads()[0].score == 85
    assert activities.local.is_own_chatwoot_message(messages[1]["id"])
    # The same batch again (a replayed lane) posts nothing twice.
    again = await ActivityEnvironment().run(activities.sync_crm, sync)
    assert again.mirrored == 0 and again.already_mirrored == 2
    assert len(chatwoot_peer.messages) == 2
    assert chatwoot_peer.violations == []


async def test_urgency_label_is_replaced_and_staff_labels_kept(activities, chatwoot_peer):  # noqa: F811
    first = await ActivityEnvironment().run(activities.sync_crm, request(update("customer", "hoi", "a", crm=hot_crm("low"))))
    conversation = chatwoot_peer.conversations[first.chatwoot_conversation_id]
    conversation["labels"].append("terugbellen")
    await ActivityEnvironment().run(activities.sync_crm, request(update("customer", "snel graag", "b", crm=hot_crm("critical"))))
    assert "urgency-critical" in conversation["labels"] and "urgency-low" not in conversation["labels"]
    assert "terugbellen" in conversation["labels"]


async def test_without_chatwoot_only_the_local_record_is_written(tmp_path, chatwoot_peer):  # noqa: F811
    activities = CrmActivities(Settings(_env_file=None, data_dir=tmp_path))
    try:
        result = await ActivityEnvironment().run(
            activities.sync_crm, request(update("customer", "hoi", "wa-1", crm=hot_crm())))
    finally:
        await activities.aclose()
    assert not result.chatwoot_configured and result.recorded_locally == 1
    assert chatwoot_peer.requests == []
    reopened = CrmActivities(Settings(_env_file=None, data_dir=tmp_path))
    assert reopened.local.list_leads()[0].quality == "HOT"
    await reopened.aclose()


async def test_rejected_request_is_non_retryable(activities, chatwoot_peer):  # noqa: F811
    chatwoot_peer.fail_next(1, 422, path_contains="/messages")
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(activities.sync_crm, request(update("customer", "hoi", "wa-1")))
    assert caught.value.non_retryable and caught.value.type == "ChatwootRejected"


async def test_failure_is_recorded_locally_and_as_private_note(activities, chatwoot_peer):  # noqa: F811
    failure = CrmFailure(phone=PHONE, customer_name="Jan", error="Chatwoot 503 na 10 pogingen", lost_updates=3, at=T0)
    await ActivityEnvironment().run(activities.record_crm_failure, failure)
    assert "503" in activities.local.failures(PHONE)[0][1]
    notes = [m for m in chatwoot_peer.messages.values() if m["private"]]
    assert len(notes) == 1 and "CRM-synchronisatie" in notes[0]["content"] and "3 update(s)" in notes[0]["content"]
    # Chatwoot down as well: still recorded locally, and the activity does not fail.
    chatwoot_peer.fail_next(10, 503)
    await ActivityEnvironment().run(activities.record_crm_failure, failure.model_copy(update={"error": "weer mis"}))
    assert [error for _, error in activities.local.failures(PHONE)][-1].startswith("weer mis")


# --- through a real Temporal worker: retries after 500s without duplicates ---------------
@workflow.defn(sandboxed=False)
class CrmSyncProbe:
    @workflow.run
    async def run(self, sync: CrmSyncRequest) -> CrmSyncResult:
        return await workflow.execute_activity(
            CrmActivities.sync_crm,
            sync,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=50), backoff_coefficient=1.0,
                                     maximum_attempts=5),
        )


async def test_500s_for_a_while_then_success_without_duplicates(temporal_env, task_queue, activities, chatwoot_peer):  # noqa: F811
    # The first message posts, then Chatwoot answers 500 twice: attempt 3 completes the batch.
    chatwoot_peer.fail_next(2, 500, path_contains="/messages", after=1)
    sync = request(
        update("customer", "Staat de Polo er nog?", "wa-7"),
        update("bot", "Ja, de Polo is nog beschikbaar.", "wa-7:reply", 1, crm=hot_crm()),
        update("customer", "Top, ik kom zaterdag kijken", "wa-8", 30),
    )
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=[CrmSyncProbe],
                      activities=[activities.sync_crm]):
        handle = await temporal_env.client.start_workflow(
            CrmSyncProbe.run, sync, id=f"crm-probe-{uuid.uuid4().hex[:8]}", task_queue=task_queue)
        result = await handle.result()
    attempts = [e for e in [event async for event in handle.fetch_history_events()]
                if e.HasField("activity_task_started_event_attributes")]
    assert attempts[-1].activity_task_started_event_attributes.attempt == 3
    texts = [m["content"] for m in chatwoot_peer.conversation_messages(result.chatwoot_conversation_id)]
    assert texts == ["Staat de Polo er nog?", "Ja, de Polo is nog beschikbaar.", "Top, ik kom zaterdag kijken"]
    assert result.already_mirrored == 1 and result.mirrored == 2
    assert chatwoot_peer.violations == []


async def test_permanent_rejection_fails_the_workflow_activity_once(temporal_env, task_queue, activities, chatwoot_peer):  # noqa: F811
    chatwoot_peer.fail_next(5, 401)
    async with Worker(temporal_env.client, task_queue=task_queue, workflows=[CrmSyncProbe],
                      activities=[activities.sync_crm]):
        with pytest.raises(WorkflowFailureError):
            await temporal_env.client.execute_workflow(
                CrmSyncProbe.run, request(update("customer", "hoi", "wa-9")),
                id=f"crm-probe-{uuid.uuid4().hex[:8]}", task_queue=task_queue)
    assert len(chatwoot_peer.requests) == 1  # not retried: a wrong token stays wrong
