"""Claude drives the same booking actions as the rules engine: through structured output
(extraction.booking), never by free text. The local Messages-API peer plays Claude."""

from __future__ import annotations

import re

from agents.booking_models import BookingCue
from agents.knowledge.dealer import dealer_facts
from agents.models import CarPreferences, Classification, EscalationDecision, ExtractionOutput, RouterOutput
from integrations.claude import ClaudeExpertise, ClaudeReply, ClaudeUnderstanding
from integrations.testdrive_store import SqliteTestDriveStore
from tests.peers.messages_api import MessagesApiPeer, RecordedRequest, message_response
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import message_event

CUES = {
    # what "Claude" understood of each customer message: the structured booking fields only
    "Mag ik volgende week dinsdag om 14:00 proefrijden in de Niro?": (
        BookingCue(action="book", when_text="volgende week dinsdag om 14:00"), CarPreferences(make="Kia", model="Niro")),
    "Doe toch maar woensdag": (BookingCue(action="move", when_text="woensdag"), CarPreferences()),
}


def _claude(request: RecordedRequest):
    schema = request.output_schema or {}
    if "response_text" in schema.get("properties", {}):
        # A well-behaved Claude copies the PROEFRIT block; the booking itself was done by the system.
        block = re.search(r"PROEFRIT \(.*?\):\n(.*?)(?:\n\n[A-Z]|$)", request.user_text, re.S)
        text = block.group(1).strip() if block else "Waarmee kan ik je helpen?"
        return message_response(ClaudeReply(response_text=text), model="claude-sonnet-5-5")
    message = request.user_text.rsplit("LAATSTE KLANTBERICHT (analyseer dit):", 1)[1]
    cue, prefs = next((value for key, value in CUES.items() if key in message), (BookingCue(), CarPreferences()))
    return message_response(
        ClaudeUnderstanding(
            router=RouterOutput(intent="test_drive", priority="high", confidence=0.95),
            extraction=ExtractionOutput(car_preferences=prefs, test_drive_requested=cue.action == "book", booking=cue),
            expertise=ClaudeExpertise(classification=Classification(primary_domain="general", confidence=0.9),
                                      escalation_decision=EscalationDecision()),
        )
    )


async def test_claude_books_and_moves_through_structured_fields(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with MessagesApiPeer() as claude:
        claude.handler = _claude
        settings = make_settings(tmp_path, task_queue, anthropic_api_key=claude.api_key, anthropic_base_url=claude.url)
        async with pipeline(temporal_env.client, settings) as p:
            await p.post(message_event(phone, "Mag ik volgende week dinsdag om 14:00 proefrijden in de Niro?"))
            [booked] = await p.waha.wait_for(1, chat, timeout=30)
            assert "staat vast" in booked["text"] and "dinsdag" in booked["text"].lower() and "14:00" in booked["text"]
            assert "Kia Niro" in booked["text"]
            state = await p.wait_until(phone, lambda s: s.messages_processed == 1)
            assert state.recent[-1].conversation_output.backend == "claude"
            [drive] = state.context.test_drive.bookings

            await p.post(message_event(phone, "Doe toch maar woensdag"))
            moved = (await p.waha.wait_for(2, chat, timeout=30))[-1]["text"]
            assert "verzet naar woensdag" in moved and "14:00" in moved
            await p.wait_until(phone, lambda s: s.messages_processed == 2)
            # the understanding call saw the booking in progress
            understanding_calls = [r for r in claude.requests if "response_text" not in (r.output_schema or {}).get("properties", {})]
            assert "proefrit_lopend" in understanding_calls[-1].user_text and "afspraken" in understanding_calls[-1].user_text
            booking_schema = understanding_calls[0].output_schema["$defs"]["BookingCue"]
            assert set(booking_schema["properties"]) == {"action", "when_text", "option"}
            assert claude.violations == []
    store = SqliteTestDriveStore.from_settings(settings)
    stored = store.get(drive.booking_id)
    store.close()
    local = stored.start.astimezone(dealer_facts().tz)
    assert local.weekday() == 2 and local.hour == 14  # Wednesday 14:00 in Harderwijk
