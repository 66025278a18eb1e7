"""Claude inside the workflow: Temporal retries it, and the rules engine answers when it fails."""

from __future__ import annotations

import pytest

from agents.models import CarPreferences, Classification, EscalationDecision, ExtractionOutput, RouterOutput
from integrations.claude import ClaudeExpertise, ClaudeReply, ClaudeUnderstanding
from tests.peers.messages_api import MessagesApiPeer, RecordedRequest, error_response, message_response
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event

REPLY_WAIT_SECONDS = 30


@pytest.fixture(scope="module")
def claude_peer():
    with MessagesApiPeer() as peer:
        yield peer


def claude_settings(tmp_path, task_queue, peer):
    return make_settings(tmp_path, task_queue, anthropic_api_key=peer.api_key, anthropic_base_url=peer.url)


def healthy_claude(request: RecordedRequest):
    schema = request.output_schema or {}
    if "response_text" in schema.get("properties", {}):
        return message_response(
            ClaudeReply(response_text="Welkom bij Seldenrijk Auto! Waar kan ik je mee helpen?"),
            model="claude-sonnet-5-5",
        )
    return message_response(
        ClaudeUnderstanding(
            router=RouterOutput(intent="greeting", priority="low", confidence=0.97),
            extraction=ExtractionOutput(car_preferences=CarPreferences()),
            expertise=ClaudeExpertise(
                classification=Classification(primary_domain="general", confidence=0.9),
                escalation_decision=EscalationDecision(),
            ),
        )
    )


async def test_claude_understands_and_answers(temporal_env, task_queue, tmp_path, claude_peer):
    claude_peer.reset()
    claude_peer.handler = healthy_claude
    phone = random_phone()
    async with pipeline(temporal_env.client, claude_settings(tmp_path, task_queue, claude_peer)) as p:
        await p.post(message_event(phone, "Goedemiddag!"))
        sent = await p.waha.wait_for(1, f"{phone}@c.us")
        assert sent[0]["text"] == "Welkom bij Seldenrijk Auto! Waar kan ik je mee helpen?"
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
    record = state.recent[-1]
    assert record.conversation_output.backend == "claude"
    assert record.router_output.intent == "greeting"
    assert len(claude_peer.requests) == 2  # one combined understanding call, one reply call
    assert {r.body["model"] for r in claude_peer.requests} == {"claude-haiku-5-5", "claude-sonnet-5-5"}
    assert record.usage.input_tokens > 0 and record.usage.cost_usd > 0
    assert state.total_usage.cost_usd == record.usage.cost_usd
    assert claude_peer.violations == []


@pytest.mark.parametrize(
    "failure, expected_calls",
    [
        (lambda: error_response(529, "Overloaded"), 3),  # Temporal retried: three attempts, then the rules engine
        (lambda: error_response(429, "Rate limited", retry_after=1), 3),
        (lambda: error_response(400, "bad request"), 1),  # not retryable: straight to the rules engine
    ],
    ids=["529-storm", "429-storm", "400"],
)
async def test_failing_claude_falls_back_to_the_rules_engine(
    temporal_env, task_queue, tmp_path, claude_peer, failure, expected_calls
):
    claude_peer.reset()
    claude_peer.handler = lambda request: failure()
    phone = random_phone()
    async with pipeline(temporal_env.client, claude_settings(tmp_path, task_queue, claude_peer)) as p:
        await p.post(message_event(phone, "Hebben jullie een Toyota Yaris hybride?"))
        # A wait bound, not a timing claim: the retry policy, not this clock, decides when the rules answer.
        sent = await p.waha.wait_for(1, f"{phone}@c.us", timeout=REPLY_WAIT_SECONDS)
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
    assert len(sent) == 1
    record = state.recent[-1]
    assert record.conversation_output.backend == "rules"
    assert record.extraction_output.car_preferences.model == "Yaris"
    # Once Claude gave up on this message, the remaining steps went straight to the rules engine.
    assert len(claude_peer.requests) == expected_calls
