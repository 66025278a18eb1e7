"""The send step is idempotent per reply id, also when an earlier attempt died mid-request (SQLite and PostgreSQL)."""

from __future__ import annotations

import time

import pytest

from activities.messaging import MessagingActivities, SendReplyRequest
from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
from tests.peers.waha import WahaPeer

CHAT = "31612345678@c.us"


def activities_for(peer: WahaPeer, settings) -> MessagingActivities:
    """The ledger on the test's backend (SQLite file or PostgreSQL: `store_settings`)."""
    waha = WahaClient(peer.url, api_key=peer.api_key, session="default", outbox_dir=settings.outbox_dir)
    return MessagingActivities(waha, SentLedger.from_settings(settings))


async def test_a_retry_after_a_completed_send_sends_nothing(store_settings):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        request = SendReplyRequest(chat_id=CHAT, text="Hoi!", reply_id="conversation-1:m1")
        first = await messaging.send_whatsapp(request)
        second = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert len(peer.sent) == 1 and not first.already_sent
    assert second.already_sent and second.provider_message_id == first.provider_message_id


async def test_an_attempt_that_died_after_whatsapp_got_it_is_not_sent_again(store_settings):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
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


async def test_an_attempt_that_died_before_whatsapp_got_it_is_sent(store_settings):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        # The same words were sent earlier as another reply: that one is not ours.
        earlier = SendReplyRequest(chat_id=CHAT, text="Graag gedaan!", reply_id="conversation-1:m3")
        await messaging.send_whatsapp(earlier)
        request = SendReplyRequest(chat_id=CHAT, text="Graag gedaan!", reply_id="conversation-1:m4")
        messaging.ledger.begin_attempt(request.reply_id, time.time())
        result = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert not result.already_sent
    assert [item["text"] for item in peer.sent] == ["Graag gedaan!", "Graag gedaan!"]


async def test_a_refusal_from_waha_clears_the_attempt(store_settings):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        request = SendReplyRequest(chat_id=CHAT, text="Tot zaterdag!", reply_id="conversation-1:m5")
        peer.fail_next(1, status=422)  # session STARTING: WAHA sent nothing
        with pytest.raises(IntegrationError) as failed:
            await messaging.send_whatsapp(request)
        assert failed.value.retryable  # Temporal tries again
        assert messaging.ledger.unfinished_attempt(request.reply_id) is None
        await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert len(peer.sent) == 1 and peer.lookups == 0


@pytest.mark.parametrize("status", [422, 409, 429, 500, 502, 503])
async def test_only_400_401_403_404_are_final_for_waha(store_settings, status):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        peer.fail_next(1, status=status)
        request = SendReplyRequest(chat_id=CHAT, text="Hoi!", reply_id=f"conversation-1:r{status}")
        with pytest.raises(IntegrationError) as failed:
            await messaging.send_whatsapp(request)
        assert failed.value.retryable, status
        result = await messaging.send_whatsapp(request)  # the session is back
        await messaging.waha.aclose()
    assert not result.already_sent and peer.texts_for(CHAT) == ["Hoi!"]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_final_waha_answers_fail_the_send_for_good(store_settings, status):
    from temporalio.exceptions import ApplicationError

    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        peer.fail_next(1, status=status)
        request = SendReplyRequest(chat_id=CHAT, text="Hoi!", reply_id=f"conversation-1:f{status}")
        with pytest.raises(ApplicationError) as failed:
            await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert failed.value.non_retryable and failed.value.type == "WahaRejected"


async def test_a_5xx_after_the_send_means_outcome_unknown_not_resent(store_settings):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        request = SendReplyRequest(chat_id=CHAT, text="De Golf is er nog.", reply_id="conversation-1:m6")
        peer.fail_after_send_next(1, status=504)  # WhatsApp got it; the answer was lost
        with pytest.raises(IntegrationError) as failed:
            await messaging.send_whatsapp(request)
        assert failed.value.retryable
        assert messaging.ledger.unfinished_attempt(request.reply_id) is not None
        retried = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert peer.texts_for(CHAT) == ["De Golf is er nog."] and peer.lookups == 1
    assert retried.already_sent and retried.provider_message_id == peer.sent[0]["_id"]


async def test_a_5xx_before_the_send_is_checked_then_sent(store_settings):
    with WahaPeer() as peer:
        messaging = activities_for(peer, store_settings)
        request = SendReplyRequest(chat_id=CHAT, text="Tot zaterdag!", reply_id="conversation-1:m7")
        peer.fail_next(1, status=503)  # nothing went out, but we cannot know that
        with pytest.raises(IntegrationError):
            await messaging.send_whatsapp(request)
        result = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert peer.texts_for(CHAT) == ["Tot zaterdag!"] and peer.lookups == 1 and not result.already_sent


async def test_webjs_object_ids_are_stored_so_an_identical_earlier_reply_is_not_taken(store_settings):
    with WahaPeer() as peer:
        peer.engine = "WEBJS"
        messaging = activities_for(peer, store_settings)
        earlier = SendReplyRequest(chat_id=CHAT, text="Graag gedaan!", reply_id="conversation-1:w1")
        first = await messaging.send_whatsapp(earlier)
        assert first.provider_message_id == peer.sent[0]["_id"]  # the real id, not None
        assert messaging.ledger.sent_by_us(peer.sent[0]["_id"])
        # The same words as a later reply, whose attempt died before WAHA got it.
        request = SendReplyRequest(chat_id=CHAT, text="Graag gedaan!", reply_id="conversation-1:w2")
        messaging.ledger.begin_attempt(request.reply_id, time.time())
        result = await messaging.send_whatsapp(request)
        await messaging.waha.aclose()
    assert not result.already_sent and peer.texts_for(CHAT) == ["Graag gedaan!", "Graag gedaan!"]
    assert result.provider_message_id == peer.sent[1]["_id"]
    assert not messaging.ledger.sent_by_us("true_31612345678@c.us_SOMEONEELSE")


@pytest.mark.parametrize("status, body, retryable", [
    (422, '{"status": "STARTING", "message": "Session status is not as expected"}', True),
    (400, '{"message": "Session status is not as expected", "status": "SCAN_QR_CODE"}', True),
    (400, '{"message": "chatId must be a string"}', False),
    (401, "{}", False), (403, "{}", False), (404, '{"message": "Not found"}', False),
    (409, "{}", True), (429, "{}", True), (500, "{}", True), (503, "{}", True),
])
def test_waha_answers_that_may_pass_on_a_retry(status, body, retryable):
    from integrations.waha import waha_retryable

    assert waha_retryable(status, body) is retryable


def test_waha_message_ids_in_every_engine_shape():
    from integrations.waha import waha_message_id

    serialized = "true_31612345678@c.us_3EB0C0FFEE"
    assert waha_message_id(serialized) == serialized
    assert waha_message_id({"fromMe": True, "remote": "31612345678@c.us", "id": "3EB0C0FFEE",
                            "_serialized": serialized}) == serialized
    assert waha_message_id({"fromMe": True, "remote": "31612345678@c.us", "id": "3EB0C0FFEE"}) == serialized
    assert waha_message_id(None) is None and waha_message_id({}) is None and waha_message_id("") is None


def test_two_hosts_racing_for_one_send_claim_it_once(store_settings):
    """Two workers (own ledgers, one shared database) retry the same send at once: one claim lands."""
    from concurrent.futures import ThreadPoolExecutor

    hosts = [SentLedger.from_settings(store_settings) for _ in range(2)]
    keys = [f"conversation-1:race{n}" for n in range(40)]

    def claims(ledger: SentLedger) -> list[str]:
        return [key for key in keys if ledger.begin_attempt(key, time.time())]

    with ThreadPoolExecutor(2) as pool:
        won = list(pool.map(claims, hosts))
    assert sorted(won[0] + won[1]) == sorted(keys)  # every send claimed exactly once
    # a dead attempt is taken over by one retry only (compare-and-set on its start time)
    started = hosts[0].unfinished_attempt(keys[0])
    assert hosts[1].claim_attempt(keys[0], started + 1, previous=started)
    assert not hosts[0].claim_attempt(keys[0], started + 2, previous=started)
    for ledger in hosts:
        ledger.close()
