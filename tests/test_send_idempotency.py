"""The send step is idempotent per reply id, also when an earlier attempt died mid-request."""

from __future__ import annotations

import time

import pytest

from activities.messaging import MessagingActivities, SendReplyRequest
from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
from tests.peers.waha import WahaPeer

CHAT = "31612345678@c.us"


def activities_for(peer: WahaPeer, tmp_path) -> MessagingActivities:
    waha = WahaClient(peer.url, api_key=peer.api_key, session="default", outbox_dir=tmp_path)
    return MessagingActivities(waha, SentLedger(tmp_path / "sent.sqlite3"))


async def test_a_retry_after_a_completed_send_sends_nothing(tmp_path):
    with WahaPeer() as peer:
        messaging = activities_for(peer, tmp_path)
        request = SendReplyRequest(chat_id=CHAT, text="Hoi!", reply_id="conversation-1:m1")
        first = await messaging.send_whatsapp(request)
        second = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert len(peer.sent) == 1 and not first.already_sent
    assert second.already_sent and second.provider_message_id == first.provider_message_id


async def test_an_attempt_that_died_after_whatsapp_got_it_is_not_sent_again(tmp_path):
    with WahaPeer() as peer:
        messaging = activities_for(peer, tmp_path)
        request = SendReplyRequest(chat_id=CHAT, text="De Golf staat er nog.", reply_id="conversation-1:m2")
        # The killed worker: attempt registered, WAHA delivered, the ledger never heard back.
        messaging.ledger.begin_attempt(request.reply_id, time.time())
        await messaging.waha.send_text(CHAT, request.text)
        result = await messaging.send_whatsapp(request)
        again = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert len(peer.sent) == 1 and peer.lookups == 1
    assert result.already_sent and result.provider_message_id == peer.sent[0]["_id"]
    assert again.already_sent


async def test_an_attempt_that_died_before_whatsapp_got_it_is_sent(tmp_path):
    with WahaPeer() as peer:
        messaging = activities_for(peer, tmp_path)
        # The same words were sent earlier as another reply: that one is not ours.
        earlier = SendReplyRequest(chat_id=CHAT, text="Graag gedaan!", reply_id="conversation-1:m3")
        await messaging.send_whatsapp(earlier)
        request = SendReplyRequest(chat_id=CHAT, text="Graag gedaan!", reply_id="conversation-1:m4")
        messaging.ledger.begin_attempt(request.reply_id, time.time())
        result = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert not result.already_sent
    assert [item["text"] for item in peer.sent] == ["Graag gedaan!", "Graag gedaan!"]


async def test_an_error_answer_from_waha_clears_the_attempt(tmp_path):
    with WahaPeer() as peer:
        messaging = activities_for(peer, tmp_path)
        request = SendReplyRequest(chat_id=CHAT, text="Tot zaterdag!", reply_id="conversation-1:m5")
        peer.fail_next(1, status=503)
        with pytest.raises(IntegrationError):  # retryable: Temporal tries again
            await messaging.send_whatsapp(request)
        assert messaging.ledger.unfinished_attempt(request.reply_id) is None
        await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert len(peer.sent) == 1 and peer.lookups == 0
