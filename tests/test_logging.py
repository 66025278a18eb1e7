"""Logs never show phone numbers or secrets, and in production no message bodies at INFO."""

from __future__ import annotations

import io
import json
import logging

import pytest

from config import Settings
from observability.logging import configure_logging, mask_phone, secret_values

WAHA_KEY = "waha-key-9f8e7d6c5b4a"
HMAC_KEY = "hmac-key-with\"quote-1234"
SMTP_PASSWORD = "s3cret-smtp-pw!"


@pytest.mark.parametrize(
    "raw",
    ["+31612345678", "31612345678", "31612345678@c.us", "0612345678", "+31 6 1234 5678"],
)
def test_every_phone_spelling_masks_to_the_same_form(raw: str) -> None:
    assert mask_phone(raw) == "+31 6 ****5678"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("klant 31612345678@c.us schreef", "klant +31 6 ****5678 schreef"),
        ("id false_31612345678@c.us_3EB0C4F2", "id false_+31 6 ****5678_3EB0C4F2"),
        ("conversation-4915112345678", "conversation-+49 1 ****5678"),
        ("escalation-31612345678-2", "escalation-+31 6 ****5678-2"),
        ("vast nummer 0341799554", "vast nummer +31 3 ****9554"),
        ("+1 415 555 2671", "+1 4 ****2671"),
        ("lid 123456789012345@lid", "lid ****2345@lid"),
    ],
)
def test_phones_inside_text_and_ids_are_masked(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    "harmless",
    ["timestamp 1712345678901", "unix 1712345678", "prijs € 24950", "km 123456", "+31 6 ****5678"],
)
def test_timestamps_prices_and_masked_numbers_stay_as_they_are(harmless: str) -> None:
    assert mask_phone(harmless) == harmless


@pytest.fixture
def configure():
    """Configure logging into a buffer; restore the root logger afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level

    def _configure(**overrides) -> io.StringIO:
        stream = io.StringIO()
        settings = Settings(
            _env_file=None,
            waha_api_key=WAHA_KEY,
            waha_webhook_hmac_key=HMAC_KEY,
            smtp_password=SMTP_PASSWORD,
            **overrides,
        )
        configure_logging(settings, stream=stream)
        return stream

    yield _configure
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_mask_phones_in_message_and_extra_fields(configure) -> None:
    stream = configure(log_format="json", log_level="INFO")
    logging.getLogger("seldenrijk.webhook").info(
        "message from %s accepted",
        "31612345678@c.us",
        extra={"phone": "+31612345678", "chat": {"id": "31687654321@c.us", "ids": ["0612345678"]}},
    )
    [line] = json_lines(stream)
    assert line["message"] == "message from +31 6 ****5678 accepted"
    assert line["phone"] == "+31 6 ****5678"
    assert line["chat"] == {"id": "+31 6 ****4321", "ids": ["+31 6 ****5678"]}
    assert line["level"] == "INFO" and line["logger"] == "seldenrijk.webhook"
    assert "612345678" not in stream.getvalue() and "687654321" not in stream.getvalue()


def test_tracebacks_are_masked_too(configure) -> None:
    stream = configure(log_format="json")
    try:
        raise RuntimeError("WAHA refused chat 31612345678@c.us")
    except RuntimeError:
        logging.getLogger("seldenrijk").exception("send failed")
    [line] = json_lines(stream)
    assert "RuntimeError: WAHA refused chat +31 6 ****5678" in line["exc_info"]
    assert "612345678" not in stream.getvalue()


def test_text_format_masks_and_keeps_extras(configure) -> None:
    stream = configure(log_format="text")
    logging.getLogger("seldenrijk").warning("retry for %s", "+31612345678", extra={"attempt": 2})
    output = stream.getvalue()
    assert "WARNING" in output and "retry for +31 6 ****5678" in output and "attempt=2" in output
    assert "612345678" not in output


def test_production_drops_bodies_at_info(configure) -> None:
    stream = configure(environment="production", log_format="json", log_level="INFO")
    logging.getLogger("seldenrijk.conversation").info(
        "reply sent",
        extra={"text": "Ik heb BKR", "body": "b", "content": "c", "message_text": "m", "intent": "financing_inquiry"},
    )
    [line] = json_lines(stream)
    assert line["intent"] == "financing_inquiry"
    assert not {"text", "body", "content", "message_text"} & set(line)
    assert "BKR" not in stream.getvalue()


def test_production_keeps_bodies_when_debugging(configure) -> None:
    stream = configure(environment="production", log_format="json", log_level="DEBUG")
    logging.getLogger("seldenrijk.conversation").info("reply sent", extra={"text": "Ik heb BKR"})
    assert json_lines(stream)[0]["text"] == "Ik heb BKR"


def test_development_keeps_bodies(configure) -> None:
    stream = configure(environment="development", log_format="json", log_level="INFO")
    logging.getLogger("seldenrijk").info("in", extra={"body": "Staat de Golf nog?"})
    assert json_lines(stream)[0]["body"] == "Staat de Golf nog?"


def test_secret_values_are_redacted_everywhere(configure) -> None:
    stream = configure(log_format="json")
    log = logging.getLogger("seldenrijk.integrations")
    log.error("WAHA said 401 for key %s", WAHA_KEY, extra={"headers": {"X-Api-Key": WAHA_KEY}})
    log.warning("hmac %s / smtp %s", HMAC_KEY, SMTP_PASSWORD)
    output = stream.getvalue()
    for secret in (WAHA_KEY, HMAC_KEY, SMTP_PASSWORD, json.dumps(HMAC_KEY)[1:-1]):
        assert secret not in output
    first, second = json_lines(stream)
    assert first["headers"] == {"X-Api-Key": "[REDACTED]"}
    assert second["message"] == "hmac [REDACTED] / smtp [REDACTED]"


def test_secret_values_come_from_the_secret_settings_only() -> None:
    settings = Settings(
        _env_file=None,
        anthropic_api_key="sk-ant-abcdef",
        chatwoot_api_token="cw-token-123",
        chatwoot_webhook_secret="cw-secret-456",
        escalation_api_key="esc-key-789",
        smtp_user="notifications@seldenrijk.nl",
    )
    assert set(secret_values(settings)) == {"sk-ant-abcdef", "cw-token-123", "cw-secret-456", "esc-key-789"}


def test_configuring_twice_keeps_one_handler(configure) -> None:
    configure(log_format="json")
    stream = configure(log_format="json")
    logging.getLogger("seldenrijk").info("once")
    assert len(json_lines(stream)) == 1
    assert logging.getLogger().level == logging.INFO
