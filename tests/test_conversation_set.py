"""Issue 14's conversation set: every scripted chat in tests/data/conversations/ through the stack.

The chats are played once per run, a few at a time, on one worker; each chat is then its own
test, so a failure names the chat, every problem in it, and prints its whole transcript.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from agents.knowledge.dealer import dealer_facts
from inventory.sources.sample import sample_cars
from starter.converse import Conversation, running_stack
from tests.conversation_set import load_scripts, play_all, problems
from tests.conftest import start_time_skipping
from tests.pipeline import make_settings, random_phone, skip_to_an_ordinary_monday

SCRIPTS = load_scripts()
CARS = {car.id: car for car in sample_cars()}


def test_the_set_covers_the_reviewers_failures_with_the_state_expected():
    assert len(SCRIPTS) >= 40
    covered = {topic for script in SCRIPTS for topic in script.covers}
    assert {
        "short-answer", "named-car-first", "trade-in-apart", "day-change", "no-repeat", "every-part",
        "closing-question", "down-payment", "english", "german", "formal", "test-drive", "names", "returning",
    } <= covered
    for script in SCRIPTS:
        assert any(turn.state for turn in script.turns), f"{script.name} checks no dialogue state"
    for script in SCRIPTS:
        for turn in script.turns:
            assert set(turn.cars) | set(turn.not_cars) <= set(CARS), (script.name, turn.text)
        assert any(turn.says or turn.cars or turn.state or turn.not_says for turn in script.turns), script.name


@pytest_asyncio.fixture(scope="module")
async def ordinary_monday():
    """A time-skipping server whose clock stands on an ordinary Monday morning: the chats name
    weekdays and times, and on the real clock a Saturday morning or Christmas week breaks them."""
    env = await start_time_skipping()
    try:
        await skip_to_an_ordinary_monday(env, dealer_facts())
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="module")
async def played(ordinary_monday, tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("conversation-set"), "unused")
    async with running_stack(settings, client=ordinary_monday.client) as first:
        def make_chat() -> Conversation:
            return Conversation(first.client, first.http, first.outbox, random_phone())

        yield await play_all(make_chat, SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
async def test_conversation(played, script):
    result = played[script.name]
    if isinstance(result, BaseException):
        raise result
    found = problems(result, CARS)
    assert not found, f"{script.title}\n" + "\n".join(found) + "\n\n" + result.transcript()
