"""Issue 14 §7: Claude reads and writes the same dialogue state as the rules engine.

The same four-message chat runs twice through the whole stack (WAHA webhook → API → Temporal →
worker): once with the rules engine, once with Claude behind the local Messages-API peer. The
scripted Claude understands each message on its own, as a model without the state would (no
reading of "die tweede" or "ja graag" against our question), and writes its replies from what
the prompt gives it: the stock list, the GESPREKSSTAND block and the booking's note. The state
must move exactly as with the rules engine, because both backends' output runs through the same
agents.dialogue functions, and Claude's structured reply carries its own state update.
"""

from __future__ import annotations

import json
import re

import pytest

from agents.models import CarPreferences, Classification, EscalationDecision, ExtractionOutput, RouterOutput
from integrations.claude import ClaudeDialogueUpdate, ClaudeExpertise, ClaudeReply, ClaudeUnderstanding
from tests.peers.messages_api import MessagesApiPeer, RecordedRequest, message_response
from agents.knowledge.dealer import dealer_facts
from tests.pipeline import make_settings, pipeline, random_phone, skip_to_an_ordinary_monday
from tests.waha_events import message_event

CHAT = ["Hebben jullie een Golf?", "die tweede", "ja graag", "zaterdag om 11 uur?"]

# What a model without the dialogue state makes of each message on its own.
UNDERSTOOD = {
    "Hebben jullie een Golf?": (RouterOutput(intent="car_inquiry", confidence=0.95),
                                ExtractionOutput(car_preferences=CarPreferences(make="Volkswagen", model="Golf"))),
    "die tweede": (RouterOutput(intent="other", needs_extraction=False, confidence=0.4), ExtractionOutput()),
    "ja graag": (RouterOutput(intent="other", needs_extraction=False, confidence=0.4), ExtractionOutput()),
    "zaterdag om 11 uur?": (RouterOutput(intent="general_info", confidence=0.6),
                            ExtractionOutput(preferred_day="zaterdag", preferred_time="11:00")),
}


def _section(user_text: str, header: str) -> str:
    start = user_text.index(header) + len(header)
    end = user_text.find("\n\n", start)
    return user_text[start:] if end < 0 else user_text[start:end]


def _customer_text(user_text: str) -> str:
    return re.findall(r"<klantbericht>\n(.*?)\n</klantbericht>", user_text, re.S)[-1]


def scripted_claude(request: RecordedRequest):
    text = _customer_text(request.user_text)
    if "response_text" not in (request.output_schema or {}).get("properties", {}):
        router, extraction = UNDERSTOOD[text]
        return message_response(ClaudeUnderstanding(
            router=router, extraction=extraction,
            expertise=ClaudeExpertise(classification=Classification(), escalation_decision=EscalationDecision())))
    user = request.user_text
    state = json.loads(_section(user, "GESPREKSSTAND: "))
    if "PROEFRIT (" in user:  # the booking's note, verbatim, as the contract asks
        note = user[user.index(":\n", user.index("PROEFRIT (")) + 2:user.index("\n\nEERDERE BERICHTEN")]
        car_id = re.search(r"\[([\w-]+)\]", state["auto_in_gesprek"])[1]
        reply = ClaudeReply(response_text=note, mentioned_car_ids=[car_id], dialogue=ClaudeDialogueUpdate(
            open_question="slot" if note.rstrip().endswith("?") else None, car_id=car_id))
    elif text == "die tweede":
        car_id, title = re.fullmatch(r"2\. \[([\w-]+)\] (.*?)(?: \(\w+\))?", state["laatst_getoond"][1]).groups()
        reply = ClaudeReply(response_text=f"Goede keus, de {title}! Zin om een keer te komen proefrijden?",
                            mentioned_car_ids=[car_id],
                            dialogue=ClaudeDialogueUpdate(open_question="visit", car_id=car_id))
    else:
        cars = re.findall(r"^\[([\w-]+)\] (.*?) \| (€ [\d.]+)", _section(user, "VOORRAAD (de enige auto's die je mag noemen):\n"), re.M)[:3]
        lines = "\n".join(f"• {title} – {price}" for _, title, price in cars)
        reply = ClaudeReply(response_text=f"Deze Golfs heb ik:\n{lines}\n\nWat is ongeveer je budget?",
                            mentioned_car_ids=[car_id for car_id, _, _ in cars],
                            dialogue=ClaudeDialogueUpdate(open_question="budget"))
    return message_response(reply, model="claude-sonnet-5-5")


def state_of(snapshot) -> tuple:
    dialogue, drive = snapshot.context.dialogue, snapshot.context.test_drive
    return (
        dialogue.open_question.kind if dialogue.open_question else None,
        dialogue.car.id if dialogue.car else None,
        dialogue.last_answer,
        [car.id for car in dialogue.shown],
        drive.open_question,
        [(booking.car_id, booking.start) for booking in drive.bookings],
    )


async def play(client, settings) -> list[tuple]:
    phone = random_phone()
    states, backends = [], set()
    async with pipeline(client, settings) as p:
        for number, text in enumerate(CHAT, 1):
            await p.post(message_event(phone, text, message_id=f"m{number}"))
            snapshot = await p.wait_until(phone, lambda s, n=number: s.messages_processed == n)
            states.append(state_of(snapshot))
            backends.add(snapshot.recent[-1].conversation_output.backend)  # only the latest record is kept whole
    return states, backends


@pytest.fixture(scope="module")
def claude_peer():
    with MessagesApiPeer() as peer:
        yield peer


async def test_claude_moves_the_dialogue_state_exactly_as_the_rules_engine(time_env, task_queue, tmp_path, claude_peer):
    await skip_to_an_ordinary_monday(time_env, dealer_facts())  # "zaterdag om 11 uur" is free and ahead
    rules_states, rules_backends = await play(time_env.client, make_settings(tmp_path / "rules", task_queue))
    claude_peer.reset()
    claude_peer.handler = scripted_claude
    claude_settings = make_settings(tmp_path / "claude", task_queue, anthropic_api_key=claude_peer.api_key,
                                    anthropic_base_url=claude_peer.url)
    claude_states, claude_backends = await play(time_env.client, claude_settings)

    assert rules_backends == {"rules"} and claude_backends == {"claude"}
    assert claude_peer.violations == []
    # the rules engine's run moves as issue 14 §1 says
    kinds = [state[0] for state in rules_states]
    assert kinds == ["budget", "visit", "slot", None]
    assert rules_states[1][1] == rules_states[1][3][1]  # "die tweede": the second car shown
    assert [state[2] for state in rules_states] == [None, "pick:budget", "yes:visit", "when:slot"]
    assert rules_states[3][5] and rules_states[3][5][0][0] == rules_states[1][1]  # booked, the car picked
    # and Claude's the same, step by step
    assert claude_states == rules_states
    # Claude was given the state: the open question and the list, before "die tweede"
    understanding = [r for r in claude_peer.requests if "response_text" not in (r.output_schema or {}).get("properties", {})]
    second = json.loads(_section(understanding[1].user_text, "GESPREKSSTAND: "))
    assert second["open_vraag"]["soort"] == "budget" and len(second["laatst_getoond"]) == 3
    assert "dialogue" in claude_peer.requests[1].output_schema["properties"]
