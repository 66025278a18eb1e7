"""Logging setup: JSON or text lines that never leak phone numbers, secrets or (in production) bodies.

Masking happens twice: a handler filter cleans the record's fields (so every handler and
the JSON formatter see clean values), and the formatter cleans the final line (tracebacks,
reprs of objects). Both passes are idempotent.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter

__all__ = ["configure_logging", "mask_phone", "secret_values", "BODY_FIELDS"]

# Extra fields that carry what the customer or the bot wrote, or who the customer is. Customer text goes
# into logs only as one of these (`extra={"text": ...}`), never inside the message string, so that the
# body filter can keep it out of production logs (tests/test_security_basics.py checks both).
BODY_FIELDS = frozenset({"text", "body", "content", "message_text", "reply", "violations", "customer_name"})
SECRET_SUFFIXES = ("_api_key", "_token", "_password", "_secret")
MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words
REDACTED = "[REDACTED]"

# ITU-T E.164 country calling codes of one and two digits; every other code has three.
_ONE_DIGIT_CODES = {"1", "7"}
_TWO_DIGIT_CODES = {
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
    "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61",
    "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94",
    "95", "98",
}  # fmt: skip

_PHONE_PATTERN = re.compile(
    r"""
    (?P<lid>(?<!\d)\d{6,20}@lid)(?![a-z])                                # WhatsApp privacy id
    | (?<!\d)(?P<chat>\d{8,15})@(?:c\.us|s\.whatsapp\.net)(?![a-z])       # WAHA chat id, also inside message ids
    | (?<![\w+])\+(?P<plus>\d(?:[ \-.]?\d){7,16})(?!\d)                 # +31612345678, +31 6 1234 5678
    | %2[Bb](?P<urlplus>\d{8,15})(?!\d)                                  # URL-encoded: ?q=%2B31612345678
    | (?<=conversation-)(?P<wfid>\d{8,15})(?!\d)                          # workflow ids carry the number
    | (?<=escalation-)(?P<wfid2>\d{8,15})(?=-\d)
    | (?<![A-Za-z0-9+])(?P<nl_intl>31\d{9})(?!\d)                         # 31612345678
    | (?<![A-Za-z0-9+])(?P<nl_national>0[1-9]\d{8})(?!\d)                 # 0612345678
    """,
    re.VERBOSE,
)


def _split_country_code(digits: str) -> tuple[str, str]:
    for size, codes in ((1, _ONE_DIGIT_CODES), (2, _TWO_DIGIT_CODES)):
        if digits[:size] in codes:
            return digits[:size], digits[size:]
    return digits[:3], digits[3:]


def _masked(country_code: str, national: str) -> str:
    return f"+{country_code} {national[:1]} ****{national[-4:]}"


def _mask_match(match: re.Match[str]) -> str:
    kind = match.lastgroup
    raw = match.group(kind or 0)
    if kind == "lid":
        return f"****{raw.split('@', 1)[0][-4:]}@lid"
    digits = "".join(ch for ch in raw if ch.isdigit())
    if kind == "nl_national":
        return _masked("31", digits[1:])
    return _masked(*_split_country_code(digits))


def mask_phone(value: str) -> str:
    """Mask every phone number in `value`: '+31612345678' -> '+31 6 ****5678'.

    Handles E.164 (with or without '+', with spaces), WAHA chat ids ('...@c.us'),
    Dutch national numbers ('0612345678'), '@lid' ids and our workflow ids.
    """
    return _PHONE_PATTERN.sub(_mask_match, value)


def secret_values(settings: Any) -> list[str]:
    """The current values of the settings that are secrets (API keys, tokens, passwords, HMAC keys)."""
    values: list[str] = []
    for name in type(settings).model_fields:
        if name.endswith(SECRET_SUFFIXES) or "hmac" in name:
            value = getattr(settings, name, None)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
                values.append(value)
    # Longest first, so a secret that contains another is replaced whole.
    return sorted(set(values), key=len, reverse=True)


class _Scrubber:
    """Masks phones and redacts secrets in strings and in nested containers."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            forms.add(secret)
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])  # as it looks inside JSON
        self._secret_pattern = (
            re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)))
            if forms
            else None
        )

    def text(self, value: str) -> str:
        if self._secret_pattern is not None:
            value = self._secret_pattern.sub(REDACTED, value)
        return mask_phone(value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple, set)):
            return [self.value(item) for item in value]
        if isinstance(value, (int, float, bool)) or value is None:
            return value
        # Anything else (models, exceptions, paths) is logged by its text form anyway.
        return self.text(str(value))


_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def _extra_fields(record: logging.LogRecord) -> list[str]:
    return [name for name in record.__dict__ if name not in _STANDARD_ATTRS]


class ScrubFilter(logging.Filter):
    """Handler filter: masks phones and secrets in the message and in every extra field."""

    def __init__(self, scrubber: _Scrubber) -> None:
        super().__init__()
        self._scrubber = scrubber

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self._scrubber.text(message)
        record.args = None
        for name in _extra_fields(record):
            setattr(record, name, self._scrubber.value(getattr(record, name)))
        return True


class BodyFilter(logging.Filter):
    """Production: message bodies stay out of the logs unless the logger is at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.getLogger(record.name).getEffectiveLevel() > logging.DEBUG:
            for name in BODY_FIELDS & set(record.__dict__):
                delattr(record, name)
        return True


class _ScrubbingFormatterMixin:
    """Cleans the finished line too: tracebacks and stack info are rendered after the filters ran."""

    scrub: Callable[[str], str] = staticmethod(lambda text: text)

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(record))  # type: ignore[misc]


class ScrubbingJsonFormatter(_ScrubbingFormatterMixin, JsonFormatter):
    pass


class ScrubbingTextFormatter(_ScrubbingFormatterMixin, logging.Formatter):
    """`time level logger: message key=value ...` (extras appended, so nothing is silently lost)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{name}={getattr(record, name)!r}" for name in _extra_fields(record))
        if not extras:
            return line
        head, _, tail = line.partition("\n")  # keep a traceback below the extras
        return self.scrub(f"{head} {extras}" + (f"\n{tail}" if tail else ""))


_HANDLER_MARK = "_seldenrijk_handler"


def build_handler(settings: Any, stream: Any = None) -> logging.Handler:
    """A stream handler with the formatter and filters `settings` ask for."""
    scrubber = _Scrubber(secret_values(settings))
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    if settings.log_format == "json":
        formatter: logging.Formatter = ScrubbingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    else:
        formatter = ScrubbingTextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    formatter.scrub = scrubber.text  # type: ignore[attr-defined]
    handler.setFormatter(formatter)
    if settings.environment == "production":
        handler.addFilter(BodyFilter())  # before scrubbing: dropped fields need no masking
    handler.addFilter(ScrubFilter(scrubber))
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure_logging(settings: Any, stream: Any = None) -> None:
    """Install our handler on the root logger (replacing one installed earlier), at settings.log_level.

    Other libraries' loggers (uvicorn with log_config=None, temporalio, httpx) propagate to
    root, so they get the same format and masking.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    root.addHandler(build_handler(settings, stream))
    root.setLevel(str(settings.log_level).upper())
    logging.captureWarnings(True)
    # httpx logs every request at INFO: one line per WhatsApp send or CRM call drowns the log.
    # Its failures still surface through our own error handling; DEBUG shows the requests.
    logging.getLogger("httpx").setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
