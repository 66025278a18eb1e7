"""Done-when of issue 16: a trade-in intake with RDW, photos and a voice note, through the whole stack.

Real Temporal dev server, the real API and worker, the WAHA peer (webhooks in, sendText and
media files out), the Chatwoot peer (checked against its swagger) and the RDW peer.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo


from agents.media import VOICE_REPLY
from config import reveal
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.peers.rdw import RdwPeer
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import media_event, message_event

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

JPEG = b"\xff\xd8\xff\xe0" + b"trade-in photo " * 200 + b"\xff\xd9"


async def _wait(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in {timeout}s")
        await asyncio.sleep(0.1)


async def test_trade_in_intake_end_to_end(temporal_env, task_queue, tmp_path, database_url):
    """On both store backends: the sales task's once-only mark is in the CRM record."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    with RdwPeer() as rdw, ChatwootPeer() as chatwoot:
        settings = make_settings(
            tmp_path,
            task_queue,
            rdw_api_url=rdw.url,
            chatwoot_base_url=chatwoot.url,
            chatwoot_api_token=chatwoot.api_token,
            chatwoot_account_id=chatwoot.account_id,
            chatwoot_inbox_id=chatwoot.inbox_id,
            trade_in_quiet_seconds=15,  # the 30-minute quiet timer, shortened: the summary after the photos
            database_url=database_url,
        )
        async with pipeline(temporal_env.client, settings) as p:
            waha = p.waha
            # 1. the plate: RDW is asked for 1XJR34, the reply names make, model and year
            assert (await p.post(message_event(phone, "ik wil mijn auto inruilen, kenteken 1-XJR-34", name="Jan"))).status_code == 200
            first = (await waha.wait_for(1, chat))[0]["text"]
            assert "1XJR34" in rdw.plates_asked()
            assert "Opel Astra" in first and "2015" in first, first
            # the RDW fixture's APK runs until 3 March 2027: after that day the reply says it expired
            apk = "APK tot 3 maart 2027" if datetime.now(AMSTERDAM).date() <= date(2027, 3, 3) else "APK verlopen op 3 maart 2027"
            assert f"Een Opel Astra uit 2015, benzine, {apk}: klopt dat? En wat is ongeveer de kilometerstand?" in first
            assert "logisch" not in first.lower()

            # 2. the mileage: the reply asks for photos and says when the offer comes
            await p.post(message_event(phone, "ongeveer 140.000 km"))
            second = (await waha.wait_for(2, chat))[1]["text"]
            assert "foto" in second and "inruilvoorstel" in second, second
            assert "€" not in second  # no valuation promised

            # 3. two photos: acknowledged, linked to the trade-in
            for number in (1, 2):
                url = waha.add_file(f"false_{chat}_PHOTO{number}.jpeg", JPEG, "image/jpeg")
                await p.post(media_event(phone, url=url, mimetype="image/jpeg"))
            await p.wait_until(phone, lambda s: s.context.trade_in is not None and len(s.context.trade_in.photos) == 2)
            texts = [item["text"] for item in await waha.wait_for(3, chat)]
            assert any("foto's binnen" in text or "foto binnen" in text for text in texts[2:]), texts

            # 4. after the (shortened) quiet period: ONE private note for sales with two attachments
            def summary_notes():
                return [m for m in chatwoot.messages.values() if m["private"] and "Inruil-aanvraag" in m["content"]]

            notes = await _wait(summary_notes, timeout=45, what="trade-in summary note")
            await asyncio.sleep(1.0)
            assert len(summary_notes()) == 1
            note = notes[0]
            for fact in ("1-XJR-34", "Opel Astra", "eerste toelating 12-03-2015", "benzine", "APK tot 03-03-2027",
                         "Logisch", "140.000 km", "Jan"):
                assert fact in note["content"], (fact, note["content"])
            assert len(note["attachments"]) == 2
            assert all(a["content"] == JPEG and a["content_type"] == "image/jpeg" for a in note["attachments"])
            # the media came from WAHA with the API key
            assert waha.file_requests and all(key == reveal(settings.waha_api_key) for _, key in waha.file_requests)

            # 5. CRM: attributes and label; no escalation
            snapshot = await p.wait_until(phone, lambda s: not s.crm_pending and s.last_crm is not None)
            contact = next(c for c in chatwoot.contacts.values() if c["phone_number"] == f"+{phone}")
            attributes = contact["custom_attributes"]
            assert attributes["has_trade_in"] is True
            assert attributes["trade_in_vehicle"] == "Opel Astra 2015, 140.000 km, 1-XJR-34"
            conversation = next(c for c in chatwoot.conversations.values() if c["contact_id"] == contact["id"])
            assert "trade-in" in conversation["labels"]
            assert snapshot.open_escalation is None and snapshot.escalation_count == 0
            assert chatwoot.assignments == []
            assert snapshot.last_crm.lead_quality in ("WARM", "HOT")
            # the customer's photos are mirrored into the conversation as attachments too
            incoming_files = [m for m in chatwoot.conversation_messages(conversation["id"])
                              if m["message_type"] == 0 and m["attachments"]]
            assert len(incoming_files) == 2

            # 6. a voice note in the same chat
            sent_before = len(waha.texts_for(chat))
            url = waha.add_file(f"false_{chat}_VOICE.oga", b"OggS voice", "audio/ogg; codecs=opus")
            await p.post(media_event(phone, url=url, mimetype="audio/ogg; codecs=opus", raw_type="ptt"))
            voice = (await waha.wait_for(sent_before + 1, chat))[sent_before]["text"]
            assert voice == VOICE_REPLY
            final = await p.wait_until(phone, lambda s: not s.crm_pending)
            assert final.open_escalation is None and final.escalation_count == 0

        assert chatwoot.violations == []
        assert rdw.violations == []
        assert waha.violations == []
