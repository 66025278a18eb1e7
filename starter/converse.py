"""`seldenrijk converse FILE`: play a scripted WhatsApp conversation through the whole stack.

Each customer line goes in as a WAHA webhook delivery to the real API app, through a real
Temporal dev server (started for the run, in a temporary folder) and a real worker with the
configured agent backend. Every WhatsApp message the dealer's number sends back is printed
in order, so anyone can read how the agent sounds. Replies always go to a private outbox,
never to a real phone, whatever WAHA_URL says.

Script format, one message a line:
    # a comment
    klant: staat die Golf nog?        (a bare line is a customer message too)
    klant+: en wat kost hij?           (sent right after the line before, without waiting for the
                                        answer: a burst, answered together after a 1 s window)
    medewerker: Ik bel je zo even!     (staff typing on the dealer's phone)
    naam: Sanne                        (the customer's WhatsApp profile name from here on)
    foto: dashboard                    (a photo, with its caption; "foto:" alone has none)
    spraak:                            (a voice note)
    locatie: Station Harderwijk        (a shared location)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from config import Settings
from starter.binaries import temporal_cli
from workflows import search_attributes
from workflows.converter import data_converter
from workflows.models import ConversationSnapshot, conversation_workflow_id

DEALER_CHAT = "31341000000@c.us"
CUSTOMER_PHONE = "31600000042"
SETTLE_SECONDS = 0.5  # quiet time after a message is processed, for messages sent by child workflows
MESSAGE_TIMEOUT_SECONDS = 60.0


@dataclass
class Line:
    speaker: str  # "klant", "medewerker", "naam", or a media kind: "foto", "spraak", "locatie"
    text: str


MEDIA_LINES = ("foto", "spraak", "locatie")


def parse_script(lines: Iterable[str]) -> list[Line]:
    """The script's messages; unknown "speaker:" prefixes are part of the customer's text."""
    script = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        speaker, sep, rest = line.partition(":")
        speaker = speaker.strip().lower()
        if sep and speaker in MEDIA_LINES:
            script.append(Line(speaker, rest.strip()))
        elif sep and speaker in ("klant", "klant+", "medewerker", "naam") and rest.strip():
            script.append(Line(speaker, rest.strip()))
        else:
            script.append(Line("klant", line))
    return script


def waha_delivery(text: str, *, phone: str, name: str, from_me: bool, media: str | None = None) -> dict:
    """A delivery shaped as WAHA sends it (WAHAWebhookMessage in WAHA's OpenAPI); `media` is a MEDIA_LINES kind."""
    chat = f"{phone}@c.us"
    delivery = {
        "id": f"evt_{uuid.uuid4().hex[:26]}",
        "timestamp": int(time.time() * 1000),
        "event": "message.any" if from_me else "message",
        "session": "default",
        "payload": {
            "id": f"{str(from_me).lower()}_{chat}_{uuid.uuid4().hex[:20].upper()}",
            "timestamp": int(time.time()),
            "from": DEALER_CHAT if from_me else chat,
            "to": chat if from_me else DEALER_CHAT,
            "fromMe": from_me,
            "source": "app" if from_me else "api",
            "body": text,
            "hasMedia": False,
            "_data": {"notifyName": name} if name else {},
        },
    }
    payload = delivery["payload"]
    if media == "foto":
        payload.update(hasMedia=True, media={"url": f"http://waha.invalid/api/files/{payload['id']}.jpeg", "mimetype": "image/jpeg"})
        payload["_data"]["type"] = "image"
    elif media == "spraak":
        payload.update(body="", hasMedia=True, media={"url": f"http://waha.invalid/api/files/{payload['id']}.oga", "mimetype": "audio/ogg; codecs=opus"})
        payload["_data"]["type"] = "ptt"
    elif media == "locatie":
        payload.update(body="", location={"latitude": 52.3386, "longitude": 5.6214, "name": text or None})
        payload["_data"]["type"] = "location"
    return delivery


class Conversation:
    """One customer's chat with the running stack."""

    def __init__(self, client: Client, http: httpx.AsyncClient, outbox: Path, phone: str):
        self.client = client
        self.phone = phone
        self.http = http
        self.outbox = outbox
        self._read = 0
        self._customer_messages = 0

    async def say(self, text: str, name: str, media: str | None = None) -> list[str]:
        await self.send(text, name, media)
        return await self.replies()

    async def send(self, text: str, name: str, media: str | None = None) -> None:
        """Deliver a customer message without waiting for the answer (a burst: `replies()` after the last)."""
        delivery = waha_delivery(text, phone=self.phone, name=name, from_me=False, media=media)
        response = await self.http.post("/webhook/waha", json=delivery)
        response.raise_for_status()
        self._customer_messages += 1

    async def replies(self) -> list[str]:
        """What the dealer's number sent once every customer message so far is handled."""
        await self._settled(lambda s: s.messages_processed + len(s.held_messages) >= self._customer_messages)
        return self._new_replies()

    async def staff_says(self, text: str) -> list[str]:
        response = await self.http.post("/webhook/waha", json=waha_delivery(text, phone=self.phone, name="", from_me=True))
        response.raise_for_status()
        await asyncio.sleep(SETTLE_SECONDS)
        return self._new_replies()

    async def _settled(self, done) -> ConversationSnapshot:
        handle = self.client.get_workflow_handle(conversation_workflow_id(self.phone))
        deadline = time.monotonic() + MESSAGE_TIMEOUT_SECONDS
        while True:
            with contextlib.suppress(Exception):  # not started yet
                snapshot = await handle.query("state", result_type=ConversationSnapshot)
                if done(snapshot) and snapshot.processing is None and not snapshot.pending:
                    await asyncio.sleep(SETTLE_SECONDS)
                    return snapshot
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer within {MESSAGE_TIMEOUT_SECONDS:.0f} s")
            await asyncio.sleep(0.05)

    def _new_replies(self) -> list[str]:
        if not self.outbox.exists():
            return []
        lines = self.outbox.read_text(encoding="utf-8").splitlines()
        fresh, self._read = lines[self._read :], len(lines)
        replies = []
        for line in fresh:
            body = json.loads(line)
            if body.get("chatId", "").startswith(self.phone):
                replies.append(body.get("text", ""))
        return replies


@contextlib.asynccontextmanager
async def _temporal(client: Client | None) -> AsyncIterator[Client]:
    """The given client, or a private dev server for this run."""
    if client is not None:
        yield client
        return
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=data_converter,
        search_attributes=search_attributes.ALL,
        ui=False,
        dev_server_log_level="error",
    )
    try:
        yield env.client
    finally:
        await env.shutdown()


@contextlib.asynccontextmanager
async def running_stack(
    settings: Settings, client: Client | None = None, phone: str = CUSTOMER_PHONE, coalesce_seconds: float = 0.0
) -> AsyncIterator[Conversation]:
    """A worker and the API app on a private dev server (or `client`); local outboxes only."""
    from starter.api import create_app
    from worker.build import running_worker

    with tempfile.TemporaryDirectory(prefix="seldenrijk-converse-") as tmp:
        settings = settings.model_copy(
            update={
                "data_dir": Path(tmp),
                "waha_url": None,
                "waha_webhook_hmac_key": None,
                "chatwoot_base_url": None,
                "smtp_host": None,
                "temporal_task_queue": f"converse-{uuid.uuid4().hex[:8]}",
                "rate_limit_per_minute": 1000,  # a script types faster than any customer
                # each line waits for its answer: no burst window, unless the script has bursts (klant+)
                "coalesce_seconds": coalesce_seconds,
            }
        )
        async with _temporal(client) as temporal:

            async def get_client() -> Client:
                return temporal

            app = create_app(settings, get_client)
            transport = httpx.ASGITransport(app=app)
            async with app.router.lifespan_context(app), httpx.AsyncClient(  # the intake forwarder runs in it
                transport=transport, base_url="http://converse"
            ) as http:
                async with running_worker(temporal, settings):
                    yield Conversation(temporal, http, settings.outbox_dir / "whatsapp.jsonl", phone)


async def play(
    script: list[Line], settings: Settings, out: TextIO, client: Client | None = None, phone: str = CUSTOMER_PHONE
) -> None:
    """Print the transcript: each customer or staff line, then what the dealer's number sent."""
    name = ""  # no WhatsApp profile name until the script gives one
    bursts = any(line.speaker == "klant+" for line in script)
    async with running_stack(settings, client, phone, coalesce_seconds=1.0 if bursts else 0.0) as chat:
        for index, line in enumerate(script):
            if line.speaker == "klant+" or (line.speaker == "klant" and index + 1 < len(script)
                                            and script[index + 1].speaker == "klant+"):
                print(f"klant: {line.text}", file=out)
                await chat.send(line.text, name)
                if index + 1 < len(script) and script[index + 1].speaker == "klant+":
                    continue  # the next message follows at once: answered together
                replies = await chat.replies()
            elif line.speaker == "naam":
                name = line.text
                continue
            elif line.speaker == "medewerker":
                print(f"medewerker: {line.text}", file=out)
                replies = await chat.staff_says(line.text)
                replies = [reply for reply in replies if reply != line.text]
            elif line.speaker in MEDIA_LINES:
                print(f"klant: [{line.speaker}]" + (f" {line.text}" if line.text else ""), file=out)
                replies = await chat.say(line.text, name, media=line.speaker)
            else:
                print(f"klant: {line.text}", file=out)
                replies = await chat.say(line.text, name)
            if not replies:
                print("   (geen antwoord)", file=out)
            for reply in replies:
                print("bot: " + reply.replace("\n", "\n     "), file=out)
            print(file=out, flush=True)
