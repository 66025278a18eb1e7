"""RDW open data: the client against the RDW peer, the lookup activity, and RDW being down or not knowing a plate."""

from __future__ import annotations

from datetime import date

import pytest

from activities.tradein import PlateLookupRequest, TradeInActivities
from agents.models import Car
from integrations.errors import IntegrationError
from integrations.rdw import RdwClient
from inventory.search import InventoryIndex
from tests.peers.rdw import RdwPeer
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event


@pytest.fixture
def rdw():
    with RdwPeer() as peer:
        yield peer


async def test_a_known_plate_gives_make_model_dates_fuel_and_nap(rdw):
    client = RdwClient(rdw.url)
    try:
        vehicle = await client.vehicle("1XJR34")
    finally:
        await client.aclose()
    assert (vehicle.make, vehicle.model, vehicle.year) == ("Opel", "Astra", 2015)
    assert vehicle.first_registration == date(2015, 3, 12) and vehicle.apk_expiry == date(2027, 3, 3)
    assert vehicle.fuels == ["Benzine"] and vehicle.odometer_judgement == "Logisch"
    assert vehicle.open_recall is False and vehicle.empty_mass_kg == 1163
    assert (vehicle.body, vehicle.colour) == ("hatchback", "GRIJS")
    assert rdw.requests == [("m9d7-ebf2", "1XJR34"), ("8ys7-d773", "1XJR34")]


async def test_a_hybrid_has_two_fuels_and_an_unknown_plate_is_none(rdw):
    client = RdwClient(rdw.url)
    try:
        hybrid = await client.vehicle("12ABC3")
        unknown = await client.vehicle("ZZ999Z")
    finally:
        await client.aclose()
    assert hybrid.fuels == ["Benzine", "Elektriciteit"] and hybrid.model == "C-HR"
    assert unknown is None
    assert ("8ys7-d773", "ZZ999Z") not in rdw.requests  # no fuel question for a plate RDW does not know


async def test_answers_are_cached(rdw):
    client = RdwClient(rdw.url)
    try:
        first = await client.vehicle("GB123X")
        again = await client.vehicle("GB123X")
        await client.vehicle("ZZ999Z")
        await client.vehicle("ZZ999Z")
    finally:
        await client.aclose()
    assert first == again and first.odometer_judgement == "Onlogisch"
    assert rdw.plates_asked().count("GB123X") == 2  # once per dataset
    assert rdw.plates_asked().count("ZZ999Z") == 1


async def test_a_5xx_is_retryable_and_not_cached(rdw):
    client = RdwClient(rdw.url)
    rdw.fail_next(1, 503)
    try:
        with pytest.raises(IntegrationError) as failed:
            await client.vehicle("1XJR34")
        assert failed.value.retryable
        assert (await client.vehicle("1XJR34")).make == "Opel"
    finally:
        await client.aclose()


class _Stock:
    """The catalog's interface, over a real InventoryIndex with one plated car."""

    def __init__(self, cars):
        self._index = InventoryIndex(cars)

    def index(self):
        return self._index


async def test_lookup_activity_checks_stock_first_then_rdw(rdw, tmp_path):
    stock = _Stock([Car(id="c1", make="Opel", model="Astra", variant="1.2 Turbo", license_plate="GB-123-X", price_eur=18450)])
    activities = TradeInActivities(make_settings(tmp_path, "unused", rdw_api_url=rdw.url), stock)
    try:
        ours = await activities.lookup_plate(PlateLookupRequest(plate="GB123X", dashed="GB-123-X"))
        theirs = await activities.lookup_plate(PlateLookupRequest(plate="1XJR34", dashed="1-XJR-34"))
        unknown = await activities.lookup_plate(PlateLookupRequest(plate="ZZ999Z", dashed="ZZ-999-Z"))
    finally:
        await activities.aclose()
    assert (ours.status, ours.stock_car_id) == ("stock", "c1")
    assert "GB123X" not in rdw.plates_asked()
    assert theirs.status == "found" and theirs.vehicle.title == "Opel Astra"
    assert unknown.status == "unknown" and unknown.vehicle is None


async def test_rdw_down_or_unknown_plate_the_chat_goes_on(temporal_env, task_queue, tmp_path, rdw):
    rdw.fail_next(50, 500)
    down, unknown = random_phone(), random_phone()
    settings = make_settings(tmp_path, task_queue, rdw_api_url=rdw.url)
    async with pipeline(temporal_env.client, settings) as p:
        await p.post(message_event(down, "ik wil mijn auto inruilen, kenteken 1-XJR-34"))
        reply = (await p.waha.wait_for(1, f"{down}@c.us", timeout=45))[0]["text"]
        assert "1-XJR-34" in reply and "kilometerstand" in reply, reply
        snapshot = await p.wait_until(down, lambda s: s.messages_processed == 1)
        assert snapshot.context.trade_in.lookup_status == "unavailable"
        assert any(error.startswith("rdw:") for error in snapshot.recent[-1].errors)

        rdw.fail_next(0)
        rdw._failures.clear()
        await p.post(message_event(unknown, "kan ik inruilen? kenteken ZZ-999-Z"))
        reply = (await p.waha.wait_for(1, f"{unknown}@c.us", timeout=30))[0]["text"]
        assert "ZZ-999-Z" in reply and "RDW" in reply and "klopt het?" in reply, reply
    assert p.waha.violations == [] and rdw.violations == []
