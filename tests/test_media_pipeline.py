"""Media replies through the whole stack: documents to sales, locations, reactions, stickers, captioned photos."""

from __future__ import annotations

import asyncio
import time

from agents.media import PHOTO_THANKS
from tests.peers.chatwoot_peer import ChatwootPeer
from tests.pipeline import make_chatwoot_settings, pipeline, random_phone
from tests.waha_events import location_event, media_event, message_event, reaction_event


async def _settled(p, phone, count):
    return await p.wait_until(phone, lambda s: s.messages_processed == count and not s.crm_pending, timeout=40)


async def test_media_messages_get_the_right_answer(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as chatwoot:
        settings = make_chatwoot_settings(tmp_path, task_queue, chatwoot, "secret")
        async with pipeline(temporal_env.client, settings) as p:
            waha = p.waha
            # a photo with a caption, no trade-in going on: thanks, and the caption answered as text
            url = waha.add_file(f"false_{chat}_P1.jpeg", b"\xff\xd8 photo", "image/jpeg")
            await p.post(media_event(phone, url=url, mimetype="image/jpeg", caption="Hebben jullie deze ook in het rood? Een Golf"))
            first = (await waha.wait_for(1, chat))[0]["text"]
            assert first.startswith(PHOTO_THANKS) and "Golf" in first, first

            # a 👍 on our question: no reply, and the dialogue reads it as "ja"
            ours = waha.sent[-1]["_id"]
            await p.post(reaction_event(phone, "👍", ours))
            snapshot = await _settled(p, phone, 2)
            assert snapshot.context.history[-1].role == "customer" and snapshot.context.history[-1].text == "ja"
            # a sticker: no reply either
            await p.post(media_event(phone, url=None, mimetype="image/webp", raw_type="sticker"))
            await _settled(p, phone, 3)
            assert len(waha.texts_for(chat)) == 1

            # a location: distance and a route to the dealer
            await p.post(location_event(phone, "52.0907", "5.1214", "Utrecht"))
            location = (await waha.wait_for(2, chat))[1]["text"]
            assert "km" in location and "Harderwijk" in location and "google.com/maps/dir/" in location, location

            # a document: acknowledged and forwarded to sales with the file attached
            pdf = b"%PDF-1.4 offerte"
            url = waha.add_file(f"false_{chat}_DOC.pdf", pdf, "application/pdf")
            await p.post(media_event(phone, url=url, mimetype="application/pdf", filename="offerte.pdf", raw_type="document"))
            document = (await waha.wait_for(3, chat))[2]["text"]
            assert "offerte.pdf" in document and "collega" in document, document
            deadline = time.monotonic() + 30
            while not [m for m in chatwoot.messages.values() if m["private"] and "document" in m["content"]]:
                assert time.monotonic() < deadline, "no note for sales"
                await asyncio.sleep(0.1)
            note = next(m for m in chatwoot.messages.values() if m["private"] and "document" in m["content"])
            assert [a["content"] for a in note["attachments"]] == [pdf]
            assert note["attachments"][0]["file_name"] == "offerte.pdf"
            final = await _settled(p, phone, 5)
            assert final.open_escalation is None and final.escalation_count == 0
        assert chatwoot.violations == [] and waha.violations == []


async def test_photos_sent_together_get_one_acknowledgement(temporal_env, task_queue, tmp_path):
    from tests.peers.rdw import RdwPeer
    from tests.pipeline import make_settings

    phone = random_phone()
    chat = f"{phone}@c.us"
    with RdwPeer() as rdw:
        async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, rdw_api_url=rdw.url)) as p:
            await p.post(message_event(phone, "Ik wil mijn auto inruilen: kenteken 1-XJR-34, 140.000 km"))
            await p.waha.wait_for(1, chat)
            for number in range(3):
                url = p.waha.add_file(f"false_{chat}_B{number}.jpeg", b"\xff\xd8", "image/jpeg")
                await p.post(media_event(phone, url=url, mimetype="image/jpeg"))
            snapshot = await _settled(p, phone, 4)
            texts = p.waha.texts_for(chat)[1:]
            assert len(snapshot.context.trade_in.photos) == 3
            # however WhatsApp spread them, the last acknowledgement counts all three, each counted once
            assert texts[-1].startswith("Top, 3 foto's binnen!"), texts
            assert len(texts) <= 3


async def test_without_chatwoot_the_summary_is_an_email_with_the_photos(temporal_env, task_queue, tmp_path):
    from tests.peers.rdw import RdwPeer
    from tests.peers.smtp import SmtpPeer
    from tests.pipeline import make_settings

    phone = random_phone()
    chat = f"{phone}@c.us"
    with RdwPeer() as rdw, SmtpPeer() as smtp:
        settings = make_settings(tmp_path, task_queue, rdw_api_url=rdw.url, smtp_host=smtp.host, smtp_port=smtp.port,
                                 smtp_starttls=False, trade_in_photos_wanted=2)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Ik wil inruilen: kenteken GB-123-X, ongeveer 210.000 km"))
            first = (await p.waha.wait_for(1, chat))[0]["text"]
            assert "Volkswagen Golf uit 2012" in first and "logisch" not in first.lower()
            for number in range(2):
                url = p.waha.add_file(f"false_{chat}_E{number}.jpeg", b"\xff\xd8 e" + bytes([number]), "image/jpeg")
                await p.post(media_event(phone, url=url, mimetype="image/jpeg"))
            mails = await smtp.wait_for(1, timeout=30)
            snapshot = await _settled(p, phone, 3)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.rcpt_tos == [settings.escalation_email_sales] and "Inruil" in mail.subject
    assert "GB-123-X" in mail.body and "Onlogisch" in mail.body and "210.000 km" in mail.body
    assert [part.get_content() for part in mail.message.iter_attachments()] == [b"\xff\xd8 e\x00", b"\xff\xd8 e\x01"]
    assert snapshot.context.trade_in.summary_sent_at is not None and snapshot.escalation_count == 0
