"""The chat page's lead card shows the trade-in (RDW facts, mileage, photos), in headless Chromium."""

from __future__ import annotations

import asyncio

import pytest

from starter.api import create_app
from tests.chat_page_driver import ChatPageDriver, chromium_available
from tests.peers.rdw import RdwPeer
from tests.pipeline import make_settings
from tests.test_chat_page import served_api
from worker.build import running_worker

pytestmark = pytest.mark.skipif(not chromium_available(), reason="run scripts/ensure-chromium.sh (make test does)")


async def test_lead_card_shows_the_trade_in(temporal_env, task_queue, tmp_path):
    with RdwPeer() as rdw:
        settings = make_settings(tmp_path, task_queue, rdw_api_url=rdw.url)

        async def get_client():
            return temporal_env.client

        async with running_worker(temporal_env.client, settings), served_api(create_app(settings, get_client)) as url:
            page = await asyncio.to_thread(ChatPageDriver)
            try:
                await asyncio.to_thread(page.open, url + "/")
                assert await asyncio.to_thread(page.trade_in) is None
                await asyncio.to_thread(page.send, "ik wil mijn auto inruilen, kenteken 1-XJR-34")
                first = await asyncio.to_thread(page.wait_for_bot_reply, 1, 30)
                await asyncio.to_thread(page.send, "ongeveer 140.000 km")
                await asyncio.to_thread(page.wait_for_bot_reply, 2, 30)
                card = await asyncio.to_thread(page.wait_for_trade_in, "140.000 km", 30)
            finally:
                await asyncio.to_thread(page.quit)
    assert "Opel Astra uit 2015" in first
    assert card.startswith("Opel Astra 2015, 140.000 km, 1-XJR-34"), card
    assert "APK tot 2027-03-03" in card and "NAP: Logisch" in card and "0 foto('s)" in card
