"""The local chat page in headless Chromium, against the real API, worker and dev server."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
import uvicorn

from starter.api import create_app
from tests.chat_page_driver import ChatPageDriver, chromium_available
from tests.peers.http_peer import free_port
from tests.pipeline import make_settings
from worker.build import running_worker

pytestmark = pytest.mark.skipif(not chromium_available(), reason="run scripts/ensure-chromium.sh (make test does)")


@contextlib.asynccontextmanager
async def served_api(app):
    """uvicorn in this event loop (the Temporal client belongs to it); the browser runs in a thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_typing_a_message_gets_a_reply_and_updates_the_lead_card(temporal_env, task_queue, tmp_path):
    settings = make_settings(tmp_path, task_queue)  # no WAHA: replies go to the outbox

    async def get_client():
        return temporal_env.client

    async with running_worker(temporal_env.client, settings), served_api(create_app(settings, get_client)) as url:
        page = await asyncio.to_thread(ChatPageDriver)
        try:
            await asyncio.to_thread(page.open, url + "/")
            await asyncio.to_thread(page.send, "Hoi! Ik zoek een Volkswagen Golf tot 25k, kan ik zaterdag een proefrit maken?")
            reply = await asyncio.to_thread(page.wait_for_bot_reply, 1, 30)
            score = await asyncio.to_thread(page.wait_for_lead_score, 30)
            tags = await asyncio.to_thread(page.lead_tags)
            why = await asyncio.to_thread(page.lead_explanation)
            digits = await asyncio.to_thread(page.phone_digits)
            await asyncio.to_thread(page.screenshot, tmp_path / "chat.png")
        finally:
            await asyncio.to_thread(page.quit)

        assert "Golf" in reply or "proefrit" in reply.lower()
        assert 0 <= score <= 100
        assert any(tag.startswith("car:") or tag.startswith("car-") for tag in tags), tags
        # The page entered through the WAHA webhook: the conversation workflow has the message.
        async with httpx.AsyncClient(base_url=url) as http:
            state = (await http.get(f"/api/conversations/{digits}")).json()
        assert state["messages_processed"] == 1
        assert state["last_crm"]["lead_score"] == score
        # the card says why the score is what it is, as the CRM output does
        assert why and why == state["last_crm"]["explanation"] and f"{score} " in why
        outbox = (tmp_path / "outbox" / "whatsapp.jsonl").read_text()
        assert f"{digits}@c.us" in outbox
