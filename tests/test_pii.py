"""PII: a full conversation with an escalation, JSON logs captured: no phone number unmasked,
no secret in the logs, none in the workflow histories."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from observability.logging import configure_logging
from tests.peers.chatwoot_peer import ChatwootPeer
from agents.models import CarPreferences, Classification, EscalationDecision, ExtractionOutput, RouterOutput
from integrations.claude import ClaudeExpertise, ClaudeUnderstanding
from tests.peers.messages_api import MessagesApiPeer, RecordedRequest, message_response
from tests.peers.smtp import SmtpPeer
from tests.pipeline import make_settings, pipeline, random_phone
from tests.test_claude_pipeline import healthy_claude
from tests.waha_events import message_event, signed

SECRETS = {
    "waha_api_key": "waha-key-7c1d9e2f44",
    "waha_webhook_hmac_key": "waha-hmac-5be0aa91c3",
    "chatwoot_api_token": "chatwoot-token-93ffe0a1b7",
    "chatwoot_webhook_secret": "chatwoot-hook-2d8c61e9f0",
    "anthropic_api_key": "sk-ant-test-0f4e8b2a6d",
    "smtp_password": "smtp-pass-61b9d0c3e8",
    "escalation_api_key": "escalation-key-a4e7f1c905",
}
FINANCE_PHONE = "+31611112222"


def claude_escalating_bkr(request: RecordedRequest):
    """Claude through the local peer; a BKR question is escalated to the finance advisor."""
    last_message = request.user_text.rsplit("<klantbericht>", 1)[-1]
    if "BKR" not in last_message or "response_text" in (request.output_schema or {}).get("properties", {}):
        return healthy_claude(request)
    return message_response(
        ClaudeUnderstanding(
            router=RouterOutput(intent="financing_inquiry", priority="high", confidence=0.95),
            extraction=ExtractionOutput(car_preferences=CarPreferences(), needs_financing=True),
            expertise=ClaudeExpertise(
                classification=Classification(primary_domain="financial", confidence=0.9),
                escalation_decision=EscalationDecision(
                    escalate=True, escalation_type="finance_advisor", urgency="high", reason="BKR-registratie"
                ),
            ),
        )
    )


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def phone_leaks(text: str, phone_digits: str) -> list[str]:
    """Every way the number could appear unmasked: international, with +, URL-encoded, national."""
    national = "0" + phone_digits[2:]
    forms = [phone_digits, national, phone_digits[2:]]
    return [form for form in forms if form in text]


async def test_logs_mask_phones_and_no_secret_reaches_logs_or_histories(
    temporal_env, task_queue, tmp_path, captured_logs
):
    phone = random_phone()
    chat = f"{phone}@c.us"
    with ChatwootPeer(api_token=SECRETS["chatwoot_api_token"], inbox_id=1) as chatwoot, SmtpPeer() as smtp, \
            MessagesApiPeer(api_key=SECRETS["anthropic_api_key"]) as claude:
        claude.handler = claude_escalating_bkr
        settings = make_settings(
            tmp_path,
            task_queue,
            log_level="DEBUG",
            log_format="json",
            chatwoot_base_url=chatwoot.url,
            chatwoot_account_id=chatwoot.account_id,
            chatwoot_inbox_id=chatwoot.inbox_id,
            anthropic_base_url=claude.url,
            escalation_whatsapp_finance=FINANCE_PHONE,
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            smtp_starttls=False,
            **SECRETS,
        )
        configure_logging(settings, captured_logs)
        async with pipeline(temporal_env.client, settings) as p:
            for text in ("Hoi, ik ben Jan, mijn nummer is 06-" + phone[4:], "Ik heb een BKR registratie, kan ik financieren?"):
                raw, headers = signed(message_event(phone, text, name="Jan"), SECRETS["waha_webhook_hmac_key"])
                assert (await p.post(raw, headers)).status_code == 200
            state = await p.wait_until(phone, lambda s: s.messages_processed == 2 and s.open_escalation, timeout=30)
            await p.waha.wait_for(1, f"{FINANCE_PHONE[1:]}@c.us")
            await p.waha.wait_for(2, chat)
            deadline = time.monotonic() + 20
            while not smtp.received and time.monotonic() < deadline:
                await time_sleep()
            histories = [
                await p.client.get_workflow_handle(workflow_id).fetch_history()
                for workflow_id in (f"conversation-{phone}", state.open_escalation.escalation_id)
            ]
    logs = captured_logs.getvalue()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert len(lines) > 20  # a real conversation was logged (DEBUG: every library's records)
    assert any("****" + phone[-4:] in line for line in logs.splitlines())  # masked, but recognisable
    leaking = [line[:400] for line in logs.splitlines() if phone_leaks(line, phone)]
    assert leaking == []
    assert phone_leaks(logs, FINANCE_PHONE[1:]) == []
    for name, secret in SECRETS.items():
        assert secret not in logs, f"{name} in the logs"
    for history in histories:
        dumped = json.dumps(history.to_json_dict())
        assert len(history.events) > 5
        for name, secret in SECRETS.items():
            assert secret not in dumped, f"{name} in the history of {history.workflow_id}"


async def time_sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)


def test_url_encoded_numbers_are_masked_too():
    from observability.logging import mask_phone

    line = 'HTTP Request: GET http://chatwoot/api/v1/accounts/1/contacts/search?q=%2B31612345678&page=1 "200 OK"'
    assert mask_phone(line).endswith('search?q=+31 6 ****5678&page=1 "200 OK"')
    assert "612345678" not in mask_phone(line.replace("%2B", "%2b"))
