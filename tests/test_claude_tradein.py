"""Claude follows the intake's rules too: the trade-in sentence reaches the customer, the trade-in
car may be named, and no valuation is invented (against the local Messages-API peer)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from agents.models import (
    CarMatch,
    ConversationContext,
    ExpertiseOutput,
    ExtractionOutput,
    InventorySearchResult,
    ReplyRequest,
    RouterOutput,
)
from agents.tradein_models import RdwVehicle, TradeIn
from integrations.claude import ClaudeReply, GuardrailViolation
from tests.peers.messages_api import MessagesApiPeer, message_response
from tests.test_claude_backend import GOLF, make_backend

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
INTAKE = ("Een Opel Astra uit 2015, benzine, APK tot 3 maart 2027: klopt dat? "
          "En wat is ongeveer de kilometerstand?")
TRADE_IN = TradeIn(plate="1-XJR-34", lookup_status="found", started_at=NOW, last_activity_at=NOW,
                   vehicle=RdwVehicle(plate="1XJR34", make="Opel", model="Astra", first_registration=date(2015, 3, 12),
                                      apk_expiry=date(2027, 3, 3), odometer_judgement="Onlogisch", fuels=["Benzine"]))


@pytest.fixture
def api():
    with MessagesApiPeer() as peer:
        yield peer
        assert peer.violations == []


def request() -> ReplyRequest:
    return ReplyRequest(
        text="ik wil mijn auto inruilen, kenteken 1-XJR-34",
        context=ConversationContext(trade_in=TRADE_IN, has_trade_in=True),
        router=RouterOutput(intent="trade_in"),
        extraction=ExtractionOutput(has_trade_in=True),
        expertise=ExpertiseOutput(),
        inventory=InventorySearchResult(matches=[CarMatch(car=GOLF, score=1.0)], total_found=1),
        trade_in_reply=INTAKE,
    )


async def test_the_intake_sentence_and_the_trade_in_car_pass(api):
    api.script(message_response(ClaudeReply(response_text=f"Leuk dat je wilt inruilen! {INTAKE}"), model="claude-sonnet-5-5"))
    backend = make_backend(api)
    output, _ = await backend.reply(request())
    await backend.aclose()
    assert INTAKE in output.response_text
    sent = api.requests[0].user_text
    assert f'INRUILTEKST (letterlijk opnemen' in sent and INTAKE in sent
    assert "Opel Astra 2015, 1-XJR-34" in sent  # the context names the trade-in as the customer's own car
    assert "Onlogisch" not in sent  # the odometer judgement is for sales only


@pytest.mark.parametrize("text", [
    "Inruilen kan! Stuur me je kilometerstand.",  # the RDW question dropped
    f"{INTAKE} Reken op zo'n € 5.500 voor je Astra.",  # a valuation the bot may not give
])
async def test_dropping_the_intake_or_inventing_a_value_is_rejected(api, text):
    api.script(message_response(ClaudeReply(response_text=text), model="claude-sonnet-5-5"))
    backend = make_backend(api)
    with pytest.raises(GuardrailViolation) as caught:
        await backend.reply(request())
    await backend.aclose()
    assert caught.value.violations
