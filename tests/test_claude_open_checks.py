"""Issue 14 §2 with the Claude backend: the same rules in the prompt, the promised checks in its output.

Against the local Messages API peer: the reply prompt says to answer every part in order, to promise
a check in one line with BELOFTE, and lists what is already being checked; Claude's open_checks
become OpenChecks (only for known cars, never twice in a chat).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agents.models import (
    Car,
    CarMatch,
    ConversationContext,
    ExpertiseOutput,
    ExtractionOutput,
    InventorySearchResult,
    OpenCheck,
    ReplyRequest,
    RouterOutput,
)
from agents.prompts import reply_system_prompt, reply_user_message
from config import Settings
from integrations.claude import ClaudeBackend, ClaudeCheck, ClaudeReply
from tests.peers.messages_api import MessagesApiPeer, message_response
from tests.rules_chat import DEALER

TIGUAN = Car(id="w-10", make="Volkswagen", model="Tiguan", variant="1.5 TSI", price_eur=32950, year=2021, mileage_km=54300)


@pytest.fixture
def api():
    with MessagesApiPeer() as peer:
        yield peer
        assert peer.violations == []


def request(text: str, context: ConversationContext | None = None) -> ReplyRequest:
    return ReplyRequest(text=text, context=context or ConversationContext(), router=RouterOutput(intent="car_inquiry"),
                        extraction=ExtractionOutput(), expertise=ExpertiseOutput(),
                        inventory=InventorySearchResult(matches=[CarMatch(car=TIGUAN, score=1.0)], total_found=1))


def test_the_prompt_asks_for_every_part_in_order_and_a_promise_with_the_right_day():
    system = reply_system_prompt(DEALER)
    assert "beantwoord ze allemaal, in de volgorde" in system
    assert "dat je het laat nakijken en wanneer je de klant appt" in system and "open_checks" in system
    assert "*Private lease*" in system and "Financial lease: alleen voor ondernemers" in system
    assert "BV die wil financieren" in system  # zzp / BV -> finance advisor
    tuesday_11 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    saturday_1630 = datetime(2026, 11, 28, 15, 30, tzinfo=timezone.utc)  # 16:30, closing at 17:00
    assert "BELOFTE (wanneer een collega een open vraag beantwoordt): vandaag nog" in reply_user_message(
        request("heeft hij een trekhaak?"), DEALER, tuesday_11)
    assert "BELOFTE (wanneer een collega een open vraag beantwoordt): op maandag" in reply_user_message(
        request("heeft hij een trekhaak?"), DEALER, saturday_1630)
    open_one = OpenCheck(key="vraag:trekhaak:w-10", question="heeft hij een trekhaak?", topic="trekhaak", car_id="w-10",
                         car_title=TIGUAN.title)
    again = reply_user_message(request("TREKHAAK?? ja of nee", ConversationContext(open_checks=[open_one])), DEALER, tuesday_11)
    assert "NAGEKEKEN_WORDT" in again and "trekhaak (Volkswagen Tiguan 1.5 TSI): “heeft hij een trekhaak?”" in again


async def test_claude_checks_become_open_checks_once(api):
    backend = ClaudeBackend(Settings(anthropic_api_key=api.api_key, anthropic_base_url=api.url, _env_file=None), dealer=DEALER)
    draft = ClaudeReply(
        response_text="Of de Volkswagen Tiguan 1.5 TSI een trekhaak heeft, zie ik niet in mijn gegevens; ik laat het "
                      "nakijken en app je vandaag nog. En ja, je vriend mag mee op de proefrit.",
        mentioned_car_ids=["w-10"],
        open_checks=[ClaudeCheck(question="heeft hij een trekhaak?", topic="Trekhaak", car_id="w-10"),
                     ClaudeCheck(question="en een trekhaak??", topic="trekhaak", car_id="w-10"),  # the same, twice
                     ClaudeCheck(question="past er een kinderwagen in?", topic="kofferbak", car_id="invented-id")],
    )
    api.script(message_response(draft, model="claude-sonnet-5-5"))
    output, _ = await backend.reply(request("heeft hij een trekhaak en mag mijn vriend mee?"))
    assert [(c.key, c.car_title) for c in output.open_checks] == [
        ("vraag:trekhaak:w-10", TIGUAN.title), ("vraag:kofferbak:", None)]  # an unknown car id is no car
    assert output.open_checks[0].question == "heeft hij een trekhaak?"
    assert output.open_checks[0].promised in ("vandaag nog", "morgen") or output.open_checks[0].promised.startswith("op ")
    schema = api.requests[0].output_schema
    assert "open_checks" in str(schema)

    # already promised in this chat: not again
    api.script(message_response(draft, model="claude-sonnet-5-5"))
    context = ConversationContext(open_checks=output.open_checks)
    again, _ = await backend.reply(request("TREKHAAK?? ja of nee", context))
    assert again.open_checks == []
    assert "NAGEKEKEN_WORDT" in api.requests[1].user_text
    await backend.aclose()
