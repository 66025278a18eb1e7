"""Edits, deletions and reactions (issue 17): event bodies per the WAHA spec, the pure decisions,
and end to end through the webhook, Temporal and the WAHA peer."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import jsonschema
import pytest

from agents import edits
from integrations.local_crm import LocalCrm
from integrations.waha_webhook import CustomerEdited, CustomerRevoked, Ignored, WebhookRejected, parse_event
from tests.paths import SPECS
from tests.peers.waha import _resolve
from tests.pipeline import eventually, make_settings, pipeline, random_phone
from tests.waha_events import edited_event, message_event, reaction_event, revoked_event

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def _schema(name: str) -> dict:
    spec = json.loads((SPECS / "waha-openapi.json").read_text())
    return _resolve(spec["components"]["schemas"][name], spec)


@pytest.mark.parametrize("event, envelope, body", [
    (edited_event("31612345678", "false_31612345678@c.us_AAA", "Staat de Golf nog?"), "WAHAWebhookMessageEdited",
     "WAMessageEditedBody"),
    (revoked_event("31612345678", "false_31612345678@c.us_AAA", before_text="Staat de Polo nog?"),
     "WAHAWebhookMessageRevoked", "WAMessageRevokedBody"),
    (reaction_event("31612345678", "👍", "true_31612345678@c.us_BBB"), "WAHAWebhookMessageReaction", "WAMessageReaction"),
])
def test_event_builders_match_the_waha_spec(event, envelope, body):
    jsonschema.validate(event["payload"], _schema(body))
    required = set(_schema(envelope)["required"])
    assert required <= set(event), required - set(event)
    assert event["event"] in _schema(envelope)["properties"]["event"]["enum"]


def _parse(event: dict):
    return parse_event(event, received_at=NOW, max_chars=2000)


def test_parsing_edits_and_deletions():
    edited = _parse(edited_event("31612345678", "false_31612345678@c.us_AAA", "  Staat de Golf nog? "))
    assert isinstance(edited, CustomerEdited) and edited.chat_id == "31612345678@c.us"
    assert (edited.edit.message_id, edited.edit.text) == ("AAA", "Staat de Golf nog?")
    assert isinstance(_parse(edited_event("31612345678", "true_x_AAA", "typo", from_me=True)), Ignored)
    revoked = _parse(revoked_event("31612345678", "false_31612345678@c.us_AAA"))
    assert isinstance(revoked, CustomerRevoked) and revoked.revoke.message_id == "AAA" and revoked.phone == "+31612345678"
    assert isinstance(_parse(revoked_event("31612345678", "true_31612345678@c.us_OWN", from_me=True)), Ignored)
    broken = revoked_event("31612345678", "x")
    broken["payload"] = {"revokedMessageId": "AAA"}
    with pytest.raises(WebhookRejected) as refused:
        _parse(broken)
    assert refused.value.status_code == 422
    group = revoked_event("31612345678", "x")
    group["payload"]["after"]["from"] = "1203630@g.us"
    assert isinstance(_parse(group), Ignored)


def test_edit_meaning_and_reaction_rules():
    assert edits.changes_meaning("staat de polo nog?", "staat de golf nog?", NOW)
    assert edits.changes_meaning("ik zoek een golf tot 20k", "ik zoek een golf tot 25k", NOW)
    assert edits.changes_meaning("kan ik zaterdag komen?", "kan ik zondag komen?", NOW)
    assert edits.changes_meaning("kan ik om 10 uur komen?", "kan ik om 11 uur komen?", NOW)
    assert not edits.changes_meaning("hoi ik zoek ene auto", "hoi ik zoek een auto", NOW)
    assert not edits.changes_meaning("staat de polo nog", "staat de polo nog? 🙂", NOW)
    assert edits.changes_meaning(None, "en de golf?", NOW) and not edits.changes_meaning(None, "dank je", NOW)
    assert edits.message_key("false_31612345678@c.us_3EB0ABC") == "3EB0ABC" and edits.message_key("3EB0ABC") == "3EB0ABC"
    ours = "true_31612345678@c.us_00000002"
    assert edits.confirms_proposal("👍", ours, ours, "visit") and edits.confirms_proposal("❤️", ours, ours, "payment")
    assert not edits.confirms_proposal("👍", ours, ours, "budget")  # a 👍 is no budget
    assert not edits.confirms_proposal("😂", ours, ours, "visit")
    assert not edits.confirms_proposal("👍", "true_31612345678@c.us_00000001", ours, "visit")  # an older message
    assert edits.confirms_proposal("👍", "whatever", None, "trade_in")  # no WAHA ids (local outbox)


async def test_an_edit_before_the_answer_replaces_the_text(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=2.0)) as p:
        first = message_event(phone, "Staat de Kia Picanto nog?")
        await p.post(first)
        answer = await p.post(edited_event(phone, first["payload"]["id"], "Staat de Polo nog?"))
        assert answer.json()["status"] == "message_edited"
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1 and not s.crm_pending, timeout=30)
        replies = p.waha.texts_for(chat)
        assert len(replies) == 1 and "Polo" in replies[0] and "Picanto" not in replies[0]
        assert state.recent[-1].content == "Staat de Polo nog?"
        lines = LocalCrm.from_settings(p.settings).transcript(f"+{phone}")
        assert [line.text for line in lines if line.role == "customer"] == ["Staat de Polo nog?"]


async def test_edits_after_the_answer(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        first = message_event(phone, "Ik zoek een Golf tot 15k")
        await p.post(first)
        await p.waha.wait_for(1, chat)
        await p.wait_until(phone, lambda s: s.messages_processed == 1)
        # a typo fixed: no second answer, a note for staff
        await p.post(edited_event(phone, first["payload"]["id"], "Ik zoek een Golf tot 15k!"))
        crm = LocalCrm.from_settings(p.settings)
        await eventually(lambda: any(line.role == "note" for line in crm.transcript(f"+{phone}")))
        note = next(line.text for line in crm.transcript(f"+{phone}") if line.role == "note")
        assert "niet opnieuw beantwoord" in note and "15k" in note
        # another budget: answered as a new message
        second = edited_event(phone, first["payload"]["id"], "Ik zoek een Golf tot 30k")
        await p.post(second)
        await p.post(second)  # WAHA redelivers: still one answer
        sent = await p.waha.wait_for(2, chat)
        assert "Golf" in sent[1]["text"] and sent[1]["text"] != sent[0]["text"]
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2 and not s.crm_pending)
        assert state.recent[-1].content == "Ik zoek een Golf tot 30k"
        assert state.recent[-1].extraction_output.car_preferences.max_price == 30000
        assert state.edits_seen == 2 and len(p.waha.texts_for(chat)) == 2
        notes = [line.text for line in crm.transcript(f"+{phone}") if line.role == "note"]
        assert len(notes) == 2 and "opnieuw" in notes[1]


async def test_a_revoked_message_still_waiting_is_not_answered(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue, coalesce_seconds=2.0)) as p:
        first = message_event(phone, "Wat kost de Polo per maand?")
        await p.post(first)
        assert (await p.post(revoked_event(phone, first["payload"]["id"]))).json()["status"] == "message_revoked"
        state = await p.wait_until(phone, lambda s: s.revoked_unanswered == 1 and not s.crm_pending, timeout=30)
        await eventually(lambda: p.waha.calls_for(chat)[-1:] == ["stop_typing"])  # "typing…" taken back
        assert p.waha.sent == [] and state.messages_processed == 0
        lines = LocalCrm.from_settings(p.settings).transcript(f"+{phone}")
        assert [line.role for line in lines] == ["note"] and "niet beantwoord" in lines[0].text

        # a deletion after the answer: noted with the text, nothing said
        second = message_event(phone, "Zijn jullie zaterdag open?")
        await p.post(second)
        await p.waha.wait_for(1, chat, timeout=30)
        await p.post(revoked_event(phone, second["payload"]["id"]))
        crm = LocalCrm.from_settings(p.settings)
        await eventually(lambda: len([line for line in crm.transcript(f"+{phone}") if line.role == "note"]) == 2)
        note = [line.text for line in crm.transcript(f"+{phone}") if line.role == "note"][-1]
        assert "zaterdag" in note and len(p.waha.sent) == 1


async def test_a_thumbs_up_on_our_question_answers_it(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, "Wat kost de Polo 1.0 TSI Life per maand?"))
        sent = await p.waha.wait_for(1, chat)
        state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
        assert state.context.dialogue.open_question.kind == "trade_in", sent[0]["text"]
        # a 😂 is stored for staff, no answer
        await p.post(reaction_event(phone, "😂", sent[0]["_id"]))
        await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert len(p.waha.texts_for(chat)) == 1
        # a 👍 on the question "Wil je je huidige auto inruilen?" is a "ja": the intake starts
        await p.post(reaction_event(phone, "👍", sent[0]["_id"]))
        second = (await p.waha.wait_for(2, chat))[1]["text"]
        assert "kenteken" in second.lower(), second
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3 and not s.crm_pending)
        lines = LocalCrm.from_settings(p.settings).transcript(f"+{phone}")
        assert [line.text for line in lines if line.role == "customer"][-1] == "[reactie 👍]"
        assert any(line.role == "note" and "😂" in line.text and "auto inruilen?»" in line.text for line in lines)


async def test_our_api_sends_are_never_staff_but_the_phone_app_is(temporal_env, task_queue, tmp_path):
    """fromMe + source "app" is a person on the dealer's phone; our own API send echoed back is not."""
    phone = random_phone()
    chat = f"{phone}@c.us"
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, "Staat de Polo nog?"))
        ours = (await p.waha.wait_for(1, chat))[0]
        await p.wait_until(phone, lambda s: s.messages_processed == 1 and s.sent_provider_ids)
        echo_api = message_event(phone, ours["text"], message_id=ours["_id"], from_me=True, source="api",
                                 event="message.any")
        assert (await p.post(echo_api)).json()["status"] == "ignored"
        echo_app = message_event(phone, ours["text"], message_id=ours["_id"], from_me=True, source="app",
                                 event="message.any")
        await p.post(echo_app)  # WAHA reporting our API send as typed on the phone: recognised by its id
        await p.post(message_event(phone, "En wat kost hij per maand?"))
        await p.waha.wait_for(2, chat)
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2)
        assert not state.human_active
        await p.post(message_event(phone, "Ik bel je zo even, Sanne", from_me=True, source="app", event="message.any"))
        state = await p.wait_until(phone, lambda s: s.human_active)
        await p.post(message_event(phone, "Oké, tot zo"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 3)
        assert len(p.waha.texts_for(chat)) == 2 and state.recent[-1].bot_silent


@pytest.mark.parametrize("in_flight", [False, True], ids=["after-the-turn", "while-answering"])
async def test_the_chatwoot_mirror_notes_deletions_and_edits(temporal_env, task_queue, tmp_path, in_flight):
    """The edit and the deletion come after the answer reached WhatsApp; with `in_flight` the
    send's 201 is held back, so both arrive while the turn is still being finished."""
    from tests.peers.chatwoot_peer import ChatwootPeer
    from tests.pipeline import make_chatwoot_settings

    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer() as peer:
        settings = make_chatwoot_settings(tmp_path, task_queue, peer, "secret")
        async with pipeline(temporal_env.client, settings) as p:
            p.waha.reply_delay = 1.0 if in_flight else 0.0
            first = message_event(phone, "Zijn jullie zaterdag open?")
            await p.post(first)
            await p.waha.wait_for(1, chat)
            await p.post(edited_event(phone, first["payload"]["id"], "Zijn jullie zaterdag open? 🙂"))
            await p.post(revoked_event(phone, first["payload"]["id"]))

            def notes():
                found = [m["content"] for m in peer.messages.values() if m["private"]]
                return found if len([n for n in found if n.startswith("Klant ")]) == 2 else None

            found = [note for note in await eventually(notes) if note.startswith("Klant ")]
            assert "bewerkte" in found[0] and "niet opnieuw beantwoord" in found[0]
            assert "verwijderde" in found[1] and "zaterdag open? 🙂" in found[1]  # the edited text
            await eventually(lambda: len(p.waha.texts_for(chat)) == 1)
        assert peer.violations == []
