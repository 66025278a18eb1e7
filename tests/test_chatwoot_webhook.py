import json
from pathlib import Path

import pytest

from integrations.chatwoot import ChatwootClient
from integrations.chatwoot_webhook import (
    ConversationReopened,
    ConversationResolved,
    StaffEngaged,
    StaffReply,
    WebhookRejected,
    parse_event,
    signature_for,
    verify_signature,
)
from tests.peers.chatwoot_fixtures import chatwoot_peer  # noqa: F401 (fixture)

EVENTS = Path(__file__).parent / "data" / "chatwoot_events"
SECRET = "whsec-test-123"


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


# --- signatures ----------------------------------------------------------------------
def test_valid_signature_is_accepted():
    raw = (EVENTS / "message_created_staff_reply.json").read_bytes()
    header = signature_for(SECRET, "1777886100", raw)
    verify_signature(SECRET, "1777886100", raw, header, now=1777886130, max_age_seconds=300)


@pytest.mark.parametrize(
    ("secret", "timestamp", "now", "reason"),
    [
        ("wrong-secret", "1777886100", 1777886130, "bad signature"),
        (SECRET, "1777886100", 1777886100 + 301, "stale timestamp"),
        (SECRET, "1777886100", 1777886100 - 400, "stale timestamp"),  # from the future
    ],
)
def test_bad_or_stale_signature_is_rejected(secret, timestamp, now, reason):
    raw = b'{"event":"message_created"}'
    header = signature_for(secret, timestamp, raw)
    with pytest.raises(WebhookRejected) as caught:
        verify_signature(SECRET, timestamp, raw, header, now=now, max_age_seconds=300)
    assert caught.value.status_code == 401 and caught.value.reason == reason


def test_tampered_body_and_missing_header_are_rejected():
    raw = b'{"event":"message_created","content":"hoi"}'
    header = signature_for(SECRET, "100", raw)
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify_signature(SECRET, "100", raw.replace(b"hoi", b"doei"), header, now=100, max_age_seconds=300)
    with pytest.raises(WebhookRejected, match="missing"):
        verify_signature(SECRET, "100", raw, "", now=100, max_age_seconds=300)
    with pytest.raises(WebhookRejected, match="malformed timestamp"):
        verify_signature(SECRET, "soon", raw, header, now=100, max_age_seconds=300)


# --- parsing -------------------------------------------------------------------------
def test_staff_reply_is_parsed_with_the_customer_phone():
    parsed = parse_event(event("message_created_staff_reply"))
    assert parsed == StaffReply(
        conversation_id=12,
        phone_e164="+31612345678",
        text="Goedemiddag Jan, de Golf staat klaar voor een proefrit zaterdag om 10:00.",
        author="Sanne Bakker",
        message_id=901,
    )


@pytest.mark.parametrize(
    "name",
    ["message_created_incoming", "message_created_bot_echo", "message_created_private_note",
     "message_created_agent_bot", "contact_created"],
)
def test_ignored_deliveries(name):
    assert parse_event(event(name)) is None


def test_echo_recognised_by_our_message_ids_too():
    body = event("message_created_staff_reply")
    assert parse_event(body, own_message_ids={901}) is None
    assert parse_event(body, inbox_id=99) is None  # another inbox of the account


def test_conversation_events():
    assert parse_event(event("conversation_status_changed_resolved")) == ConversationResolved(
        conversation_id=12, phone_e164="+31612345678")
    assert parse_event(event("conversation_resolved_bot")) == ConversationResolved(
        conversation_id=12, phone_e164="+31612345678")
    assert parse_event(event("conversation_status_changed_reopened")) == ConversationReopened(
        conversation_id=12, phone_e164="+31612345678")
    assert parse_event(event("conversation_status_changed_pending_to_open")) == StaffEngaged(
        conversation_id=12, phone_e164="+31612345678", how="opened", who="Sanne")
    assert parse_event(event("conversation_updated_assigned")) == StaffEngaged(
        conversation_id=12, phone_e164="+31612345678", how="assigned", who="Sanne", assignee_id=5)
    assert parse_event(event("conversation_updated_first_reply")) == StaffEngaged(
        conversation_id=12, phone_e164="+31612345678", how="replied", who="Sanne Bakker")


def test_first_reply_by_our_bot_is_not_staff():
    body = event("conversation_updated_first_reply")
    body["messages"][0]["content_attributes"] = {"seldenrijk_bot": True}
    assert parse_event(body) is None


def test_malformed_known_events_are_rejected_and_unknown_ignored():
    body = event("message_created_staff_reply")
    del body["conversation"]
    with pytest.raises(WebhookRejected) as caught:
        parse_event(body)
    assert caught.value.status_code == 422
    no_phone = event("conversation_status_changed_resolved")
    no_phone["meta"]["sender"]["phone_number"] = None
    with pytest.raises(WebhookRejected):
        parse_event(no_phone)
    assert parse_event({"event": "webwidget_triggered", "id": 1}) is None
    assert parse_event({"id": 1}) is None


# --- both ways through the peer ------------------------------------------------------
async def test_our_messages_echo_back_ignored_and_staff_reply_parsed(chatwoot_peer):  # noqa: F811
    client = ChatwootClient(chatwoot_peer.url, chatwoot_peer.api_token, chatwoot_peer.account_id,
                            chatwoot_peer.inbox_id)
    try:
        ref = await client.ensure_conversation("+31687654321", "Fatima")
        customer_id = await client.post_message(ref.conversation_id, "Is de Polo nog beschikbaar?", incoming=True)
        bot_id = await client.post_message(ref.conversation_id, "Ja, die staat er nog!", incoming=False,
                                           echo_id="wa-1:reply")
    finally:
        await client.aclose()
    assert parse_event(chatwoot_peer.webhook_body(customer_id)) is None
    assert parse_event(chatwoot_peer.webhook_body(bot_id)) is None  # our echo, though sent with a user token
    reply = parse_event(chatwoot_peer.staff_reply(ref.conversation_id, "Ik bel je zo even, groet Sanne"),
                        inbox_id=chatwoot_peer.inbox_id)
    assert isinstance(reply, StaffReply)
    assert reply.phone_e164 == "+31687654321" and reply.text == "Ik bel je zo even, groet Sanne"
    assert reply.conversation_id == ref.conversation_id
    note = chatwoot_peer.staff_reply(ref.conversation_id, "interne notitie", private=True)
    assert parse_event(note) is None
    assert chatwoot_peer.violations == []


def test_reply_without_text_is_ignored():
    body = event("message_created_staff_reply")
    body["content"] = None  # an attachment-only message: nothing to forward as text
    body["attachments"] = [{"id": 3, "file_type": "image", "data_url": "https://cw.example/a.jpg"}]
    assert parse_event(body) is None


def test_the_privacy_approved_label_is_an_approval():
    from integrations.chatwoot_webhook import PrivacyApproved, parse_event

    body = {"event": "conversation_updated", "id": 12, "inbox_id": 7, "status": "open", "labels": ["lead-warm", "privacy-approved"],
            "meta": {"sender": {"phone_number": "+31612345678"}},
            "changed_attributes": [{"label_list": {"previous_value": "lead-warm", "current_value": "lead-warm,privacy-approved"}}]}
    event = parse_event(body, inbox_id=7)
    assert isinstance(event, PrivacyApproved) and event.phone_e164 == "+31612345678" and event.conversation_id == 12
    # already there before, or another label added: nothing to approve
    body["changed_attributes"] = [{"label_list": {"previous_value": ["privacy-approved"], "current_value": ["privacy-approved", "vip"]}}]
    assert not isinstance(parse_event(body, inbox_id=7), PrivacyApproved)
