import httpx
import pytest

from agents.privacy import PRIVACY_ATTRIBUTE_DEFINITIONS, PRIVACY_LABELS
from agents.scoring import ALL_LABELS, CONTACT_ATTRIBUTE_DEFINITIONS
from starter.chatwoot_setup import SETUP_LABELS
from integrations.chatwoot import ChatwootClient
from integrations.errors import IntegrationError
from starter.chatwoot_setup import run_setup
from tests.peers.chatwoot_fixtures import chatwoot_peer, chatwoot_settings  # noqa: F401 (fixtures)

PHONE = "+31612345678"


@pytest.fixture
async def client(chatwoot_peer):  # noqa: F811
    client = ChatwootClient(chatwoot_peer.url, chatwoot_peer.api_token, chatwoot_peer.account_id,
                            chatwoot_peer.inbox_id, timeout=5.0)
    yield client
    await client.aclose()


async def test_finds_existing_contact_by_phone_with_encoded_plus(client, chatwoot_peer):  # noqa: F811
    chatwoot_peer.add_contact("Jan", "+31612345678")
    chatwoot_peer.add_contact("Piet", "+31612345")  # a prefix of Jan's number: not an exact match
    contact_id = await client.ensure_contact(PHONE, "Jan")
    assert chatwoot_peer.contacts[contact_id]["name"] == "Jan"
    searches = [query for method, path, query in chatwoot_peer.requests if path.endswith("/contacts/search")]
    assert searches == ["q=%2B31612345678&page=1"]
    assert await client.ensure_contact(PHONE, "Jan") == contact_id  # cached: no second search
    assert len(chatwoot_peer.requests) == 1
    assert chatwoot_peer.violations == []


async def test_peer_finds_nothing_when_plus_is_not_encoded(chatwoot_peer):  # noqa: F811
    chatwoot_peer.add_contact("Jan", PHONE)
    async with httpx.AsyncClient(headers={"api_access_token": chatwoot_peer.api_token}) as http:
        raw = await http.get(f"{chatwoot_peer.url}/api/v1/accounts/1/contacts/search?q=+31612345678")
    assert raw.json()["payload"] == []


async def test_creates_contact_then_conversation_and_reuses_it(client, chatwoot_peer):  # noqa: F811
    ref = await client.ensure_conversation(PHONE, "Jan de Vries")
    contact = chatwoot_peer.contacts[ref.contact_id]
    assert contact["phone_number"] == PHONE and contact["name"] == "Jan de Vries"
    conversation = chatwoot_peer.conversations[ref.conversation_id]
    assert conversation["inbox_id"] == chatwoot_peer.inbox_id
    assert conversation["source_id"] == contact["contact_inboxes"][0]["source_id"]
    # A fresh client (worker restart) finds the open conversation instead of creating one.
    other = ChatwootClient(chatwoot_peer.url, chatwoot_peer.api_token, chatwoot_peer.account_id, chatwoot_peer.inbox_id)
    try:
        assert await other.ensure_conversation(PHONE, "Jan de Vries") == ref
        chatwoot_peer.conversations[ref.conversation_id]["status"] = "resolved"
        other.forget_conversation(PHONE)
        newer = await other.ensure_conversation(PHONE, None)
    finally:
        await other.aclose()
    assert newer.contact_id == ref.contact_id and newer.conversation_id != ref.conversation_id
    assert len(chatwoot_peer.contacts) == 1
    assert chatwoot_peer.violations == []


async def test_existing_contact_without_inbox_gets_a_contact_inbox(client, chatwoot_peer):  # noqa: F811
    contact = chatwoot_peer.add_contact("Els", PHONE)
    contact["contact_inboxes"] = []  # e.g. created by hand in the Chatwoot UI
    ref = await client.ensure_conversation(PHONE, "Els")
    assert ref.contact_id == contact["id"]
    assert chatwoot_peer.conversations[ref.conversation_id]["source_id"] == contact["contact_inboxes"][0]["source_id"]
    assert chatwoot_peer.violations == []


async def test_duplicate_on_create_searches_again(client, chatwoot_peer):  # noqa: F811
    existing = chatwoot_peer.add_contact("Jan", PHONE)
    # The first search misses (as if the contact was created between search and create).
    chatwoot_peer.fail_next(1, 200, path_contains="/contacts/search")
    assert await client.ensure_contact(PHONE, "Jan") == existing["id"]
    creates = [r for r in chatwoot_peer.requests if r[0] == "POST" and r[1].endswith("/contacts")]
    assert len(creates) == 1 and len(chatwoot_peer.contacts) == 1


async def test_messages_are_typed_and_bot_messages_marked(client, chatwoot_peer):  # noqa: F811
    ref = await client.ensure_conversation(PHONE, "Jan")
    customer = await client.post_message(ref.conversation_id, "Hoi, staat de Golf er nog?", incoming=True)
    bot = await client.post_message(ref.conversation_id, "Ja!", incoming=False, echo_id="wa-1:reply")
    note = await client.post_message(ref.conversation_id, "CRM-fout", incoming=False, private=True)
    stored = chatwoot_peer.messages
    assert stored[customer]["message_type"] == 0 and not stored[customer]["content_attributes"]
    assert stored[bot]["message_type"] == 1 and stored[bot]["content_attributes"]["seldenrijk_bot"] is True
    assert stored[bot]["echo_id"] == "wa-1:reply" and stored[bot]["content_attributes"]["echo_id"] == "wa-1:reply"
    assert stored[note]["private"] is True
    assert chatwoot_peer.violations == []


async def test_labels_merge_with_existing_and_replace_only_our_exclusive_families(client, chatwoot_peer):  # noqa: F811
    ref = await client.ensure_conversation(PHONE, "Jan")
    chatwoot_peer.conversations[ref.conversation_id]["labels"] = ["terugbellen", "urgency-low"]
    merged = await client.add_labels(ref.conversation_id, ["interest:ready-to-buy", "budget:40k+"])
    assert merged == ["terugbellen", "urgency-low", "interest-ready-to-buy", "budget-40k-plus"]
    synced = await client.sync_labels(ref.conversation_id, ["urgency:high", "interest:ready-to-buy", "vip"])
    assert synced == ["terugbellen", "interest-ready-to-buy", "urgency-high", "vip"]
    assert chatwoot_peer.conversations[ref.conversation_id]["labels"] == synced
    posts = [r for r in chatwoot_peer.requests if r[0] == "POST" and r[1].endswith("/labels")]
    await client.sync_labels(ref.conversation_id, ["vip", "urgency:high", "interest:ready-to-buy"])  # no change: no POST
    assert len([r for r in chatwoot_peer.requests if r[0] == "POST" and r[1].endswith("/labels")]) == len(posts)
    assert chatwoot_peer.violations == []


async def test_attributes_assignment_and_status(client, chatwoot_peer):  # noqa: F811
    ref = await client.ensure_conversation(PHONE, "Jan")
    chatwoot_peer.contacts[ref.contact_id]["custom_attributes"] = {"staff_note": "belt liever"}
    await client.update_contact_attributes(ref.contact_id, {"lead_score": 85, "lead_quality": "HOT"})
    assert chatwoot_peer.contacts[ref.contact_id]["custom_attributes"] == {
        "staff_note": "belt liever", "lead_score": 85, "lead_quality": "HOT"}
    await client.assign(ref.conversation_id, assignee_id=5, team_id=2)
    assert chatwoot_peer.assignments == [(ref.conversation_id, {"team_id": 2}), (ref.conversation_id, {"assignee_id": 5})]
    conversation = chatwoot_peer.conversations[ref.conversation_id]
    assert conversation["assignee_id"] == 5 and conversation["team_id"] == 2
    assert await client.toggle_status(ref.conversation_id, "resolved") == "resolved"
    assert conversation["status"] == "resolved"
    assert chatwoot_peer.violations == []


async def test_errors_are_classified(client, chatwoot_peer):  # noqa: F811
    chatwoot_peer.fail_next(1, 503)
    with pytest.raises(IntegrationError) as server_error:
        await client.ensure_contact(PHONE, "Jan")
    assert server_error.value.retryable and server_error.value.status_code == 503
    chatwoot_peer.fail_next(1, 401)
    with pytest.raises(IntegrationError) as auth_error:
        await client.ensure_contact(PHONE, "Jan")
    assert not auth_error.value.retryable
    impatient = ChatwootClient(chatwoot_peer.url, chatwoot_peer.api_token, 1, chatwoot_peer.inbox_id, timeout=0.3)
    chatwoot_peer.hang(1)
    try:
        with pytest.raises(IntegrationError, match="timed out") as timeout:
            await impatient.ensure_contact(PHONE, "Jan")
    finally:
        chatwoot_peer.hang(0)
        await impatient.aclose()
    assert timeout.value.retryable


async def test_setup_is_idempotent(chatwoot_settings, chatwoot_peer):  # noqa: F811
    first = await run_setup(chatwoot_settings)
    assert len(first["attributes_created"]) == len(CONTACT_ATTRIBUTE_DEFINITIONS) + len(PRIVACY_ATTRIBUTE_DEFINITIONS)
    assert sorted(first["labels_created"]) == sorted(SETUP_LABELS) and not first["labels_existing"]
    assert set(ALL_LABELS) | set(PRIVACY_LABELS) | {"proefrit-bevestigd"} == set(SETUP_LABELS)
    assert {"opted-out", "privacy-approved"} <= set(first["labels_created"]) and "opted_out" in first["attributes_created"]
    definitions = {d["attribute_key"]: d for d in chatwoot_peer.attribute_definitions.values()}
    assert definitions["lead_quality"]["attribute_display_type"] == 6
    assert definitions["lead_quality"]["attribute_values"] == ["HOT", "WARM", "LUKEWARM", "COLD"]
    assert definitions["has_trade_in"]["attribute_display_type"] == 7
    assert definitions["last_interest_date"]["attribute_display_type"] == 5
    assert definitions["budget_max"]["attribute_display_type"] == 1
    assert all(d["attribute_model"] == 1 for d in definitions.values())
    second = await run_setup(chatwoot_settings)
    assert second["attributes_created"] == [] and second["labels_created"] == []
    assert len(second["attributes_existing"]) == len(CONTACT_ATTRIBUTE_DEFINITIONS) + len(PRIVACY_ATTRIBUTE_DEFINITIONS)
    assert len(chatwoot_peer.account_labels) == len(SETUP_LABELS)
    assert chatwoot_peer.violations == []
