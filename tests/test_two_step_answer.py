"""A message in two agent steps (issue 18, patch "answer-in-two-steps"): the understanding step
also searches the stock, the reply step also scores the lead. Each local activity costs a round
trip through the SDK core, a workflow activation and a history marker."""

from __future__ import annotations

from datetime import datetime, timezone

from activities.agents import AgentActivities, ComposeRequest, ScoreRequest, StepRequest
from activities.inventory import InventoryActivities
from agents.models import ConversationContext, ReplyRequest, Understanding
from agents.rules import RulesEngine
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event
from workflows.models import StaffMessage

GOLF = "Hebben jullie een Volkswagen Golf?"


async def _understood(agents: AgentActivities, text: str, search_stock: bool = True):
    return await agents.understand_message(StepRequest(text=text, context=ConversationContext(), search_stock=search_stock))


async def test_the_understanding_step_searches_the_stock_for_a_car_question(tmp_path):
    settings = make_settings(tmp_path, "unit")
    agents = AgentActivities(settings, RulesEngine(), None, search_stock=InventoryActivities(settings).search_inventory)
    result = await _understood(agents, GOLF)
    assert result.searched and result.inventory_error is None
    assert result.inventory.matches and all(match.car.model == "Golf" for match in result.inventory.matches)
    assert "inventory" in result.step_ms
    assert not (await _understood(agents, GOLF, search_stock=False)).searched  # older runs: their own step
    assert not (await _understood(agents, "Wat zijn jullie openingstijden op zaterdag?")).searched  # no car asked


async def test_a_failing_search_leaves_the_understanding_and_says_why(tmp_path):
    async def broken(request):
        raise OSError("snapshot unreadable")

    agents = AgentActivities(make_settings(tmp_path, "unit"), RulesEngine(), None, search_stock=broken)
    result = await _understood(agents, GOLF)
    assert result.searched and result.inventory is None and "snapshot unreadable" in result.inventory_error
    assert result.router.intent == "car_inquiry"


class _ScoreFails(AgentActivities):
    async def score_lead(self, request: ScoreRequest):
        raise RuntimeError("scoring broke")


async def test_the_reply_step_scores_the_lead_and_a_failing_score_never_costs_the_reply(tmp_path):
    settings = make_settings(tmp_path, "unit")
    rules = RulesEngine()
    understood = rules.understand(GOLF, ConversationContext())
    understanding = Understanding(text=GOLF, router=understood.router, extraction=understood.extraction,
                                  expertise=understood.expertise)
    request = ComposeRequest(
        reply=ReplyRequest(text=GOLF, context=ConversationContext(), router=understood.router,
                           extraction=understood.extraction, expertise=understood.expertise),
        score=ScoreRequest(context=ConversationContext(), understanding=understanding, escalated=False),
    )
    scored = await AgentActivities(settings, rules, None).compose_reply(request)
    alone = await AgentActivities(settings, rules, None).score_lead(request.score)
    assert scored.output.response_text and scored.scored is not None and scored.score_error is None
    assert scored.scored.crm.lead_score == alone.crm.lead_score and scored.scored.crm.lead_quality == alone.crm.lead_quality

    failed = await _ScoreFails(settings, rules, None).compose_reply(request)
    assert failed.output.response_text == scored.output.response_text
    assert failed.scored is None and "scoring broke" in failed.score_error


def _local_activities(history) -> list[str]:
    import json

    names = []
    for event in history.events:
        if event.HasField("marker_recorded_event_attributes"):
            details = event.marker_recorded_event_attributes.details
            if "data" in details:
                names.append(json.loads(details["data"].payloads[0].data).get("activity_type"))
    return names


async def test_a_car_question_takes_two_agent_steps_and_a_silent_turn_still_scores(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, GOLF))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        sent = await p.waha.wait_for(1, chat)
        handle = p.client.get_workflow_handle(f"conversation-{phone}")
        steps = _local_activities(await handle.fetch_history())
        assert [step for step in steps if step not in ("plan_follow_up", "sync_crm")] == ["understand_message", "compose_reply"]
        record = state.recent[-1]
        assert record.rag_results.matches and "Golf" in sent[0]["text"]
        assert record.crm_output is not None and state.last_crm.lead_score == record.crm_output.lead_score
        assert {"inventory", "crm", "reply"} <= set(record.timings.step_ms)

        # A colleague chats: the bot makes no reply, and the lead is still scored, on its own.
        await handle.signal("staff_message", StaffMessage(text="Ik help je verder!", via="chatwoot", external_id="cw-1",
                                                          at=datetime.now(timezone.utc)))
        await p.waha.wait_for(2, chat)
        await p.post(message_event(phone, "Top, en de Polo?"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        steps = _local_activities(await handle.fetch_history())
        assert steps[-3:] == ["understand_message", "score_lead", "plan_follow_up"] or \
            steps[-4:-1] == ["understand_message", "score_lead", "plan_follow_up"], steps
        assert state.recent[-1].bot_silent and state.recent[-1].crm_output is not None
