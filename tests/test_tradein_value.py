"""An indicative trade-in value from staff (CLI or Chatwoot `trade_in_value`): only then is "bijbetalen" computed."""

from __future__ import annotations

import json
import time

import pytest

from starter.tradein_cli import TradeInCliError, parse_amount, set_value
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.rdw import RdwPeer
from tests.pipeline import make_chatwoot_settings, pipeline, random_phone
from tests.waha_events import message_event

SECRET = "tradein-secret"


@pytest.mark.parametrize("text,amount", [("6000", 6000), ("6.000", 6000), ("€ 6.000,-", 6000), ("6k", 6000), ("12.500", 12500)])
def test_amounts(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["zesduizend", "6,5", "-100", "", "99999999"])
def test_not_an_amount(text):
    with pytest.raises(TradeInCliError):
        parse_amount(text)


async def _say(p, phone, text, count):
    await p.post(message_event(phone, text))
    return (await p.waha.wait_for(count, f"{phone}@c.us", timeout=30))[count - 1]["text"]


async def test_bijbetalen_only_after_staff_entered_a_value(temporal_env, task_queue, tmp_path):
    cli_phone, chatwoot_phone = random_phone(), random_phone()
    with RdwPeer() as rdw, ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, SECRET, rdw_api_url=rdw.url)
        async with pipeline(temporal_env.client, settings) as p:
            for phone in (cli_phone, chatwoot_phone):
                await _say(p, phone, "Hebben jullie een Golf 1.5 TSI Life Business?", 1)
                await _say(p, phone, "Ik wil mijn Opel inruilen, kenteken 1-XJR-34, 140.000 km", 2)
                before = await _say(p, phone, "hoeveel moet ik bijbetalen?", 3)
                assert "€" not in before and "inruilwaarde" in before, before

            value = await set_value(p.client, f"+{cli_phone}", "6.000", "sanne")
            assert value.amount_eur == 6000
            with pytest.raises(TradeInCliError):
                await set_value(p.client, "+31600000000", "6000", None)  # no such conversation

            contact = next(c for c in chatwoot.contacts.values() if c["phone_number"] == f"+{chatwoot_phone}")
            body = {"event": "contact_updated", "id": contact["id"], "name": contact["name"],
                    "phone_number": contact["phone_number"], "custom_attributes": {"trade_in_value": "5500"}}
            raw = json.dumps(body).encode()
            response = await p.http.post("/webhook/chatwoot", content=raw,
                                         headers=chatwoot.signed_headers(SECRET, raw, int(time.time())))
            assert response.status_code == 200 and response.json()["status"] == "trade_in_value", response.text

            await p.wait_until(cli_phone, lambda s: s.context.trade_in.indicative_value_eur == 6000)
            await p.wait_until(chatwoot_phone, lambda s: s.context.trade_in.indicative_value_eur == 5500)
            cli_after = await _say(p, cli_phone, "en hoeveel moet ik dan bijbetalen?", 4)
            chatwoot_after = await _say(p, chatwoot_phone, "en hoeveel moet ik dan bijbetalen?", 4)
    assert "€ 6.000" in cli_after and "€ 18.950 bij" in cli_after, cli_after  # Golf 1.5 TSI: € 24.950
    assert "€ 5.500" in chatwoot_after and "€ 19.450 bij" in chatwoot_after, chatwoot_after
