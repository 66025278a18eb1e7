"""Sending WhatsApp messages through WAHA (or the local outbox), exactly once per reply id."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient, waha_message_id
from observability import metrics

log = logging.getLogger(__name__)
# WhatsApp's clock and ours may differ a little: look back this much before the attempt began.
CLOCK_SLACK_SECONDS = 120


class SendReplyRequest(BaseModel):
    chat_id: str
    text: str
    reply_id: str  # stable per reply: "<workflow id>:<message id>[:suffix]"
    received_at: datetime | None = None  # the customer's message arrival, for reply-time metrics
    reply_to: str | None = None
    # Issue 17: a session that is FAILED/STOPPED/SCAN_QR_CODE fails at once (WahaSessionDown) and
    # the workflow waits for it to work again, instead of retrying into the 15-minute give-up.
    session_down_fails_fast: bool = False
    follow_up_number: int | None = None  # a follow-up to a quiet lead (1st, 2nd): counted when sent
    stop_typing: bool = False  # "typing…" was shown for this reply: POST /api/stopTyping first (best-effort)
    answers_messages: int = 1  # customer messages this reply answers (a burst: more than one)
    seen_message_ids: list[str] = Field(default_factory=list)  # mark these read first (no presence activity ran)


class PresenceRequest(BaseModel):
    """What the customer sees of us while the reply is being made (WAHA sendSeen / startTyping / stopTyping)."""

    chat_id: str
    action: Literal["seen_typing", "seen", "stop_typing"]
    message_ids: list[str] = Field(default_factory=list)  # the messages to mark read (NOWEB/GOWS need them)
    reply_id: str | None = None  # the reply this typing precedes: once it is sent, no "typing…" any more


class PresenceResult(BaseModel):
    calls: list[str] = Field(default_factory=list)  # e.g. ["seen: ok", "start_typing: failed (timeout)"]


class SendReplyResult(BaseModel):
    provider_message_id: str | None = None
    via: str  # "waha" or "outbox"
    already_sent: bool = False


async def send_once(
    waha: WahaClient, ledger: SentLedger, key: str, chat_id: str, text: str, *, reply_to: str | None = None
) -> tuple[str | None, bool]:
    """Send `text` at most once per ledger `key`: (WAHA message id, already sent before).

    A 4xx answer means WAHA refused, nothing went out: the attempt is forgotten and a retry
    sends. A timeout, a dropped connection or a 5xx means the outcome is unknown: the attempt
    stays, and the retry first asks WAHA whether the message is in the chat. Raises
    IntegrationError (retryable or not) for Temporal to act on.
    """
    previous = await ledger.call(ledger.provider_id, key)
    if previous is not None:
        return previous or None, True
    started = await ledger.call(ledger.unfinished_attempt, key)
    delivered = await _delivered_by_an_earlier_attempt(waha, ledger, started, chat_id, text)
    if delivered is not None:
        await ledger.call(ledger.record, key, delivered)
        return delivered, True
    if not await ledger.call(ledger.claim_attempt, key, time.time(), started):
        # Another worker (another host, with a shared ledger) claimed this send since we looked:
        # its outcome decides; the next attempt finds it recorded or checks WAHA.
        raise IntegrationError("another attempt of this send is under way", retryable=True)
    try:
        response = await waha.send_text(chat_id, text, reply_to=reply_to)
    except IntegrationError as exc:
        if exc.status_code is not None and exc.status_code < 500:  # WAHA refused: nothing was sent
            await ledger.call(ledger.forget_attempt, key)
        raise
    provider_id = waha_message_id(response.get("id"))
    await ledger.call(ledger.record, key, provider_id)
    return provider_id, False


async def _delivered_by_an_earlier_attempt(
    waha: WahaClient, ledger: SentLedger, started: float | None, chat_id: str, text: str
) -> str | None:
    """An earlier attempt ended without an answer (worker killed, timeout, 5xx): did WhatsApp get it?

    Our own messages in the chat since that attempt, with this exact text and not already
    recorded for another send, mean yes. If WAHA cannot list messages, we resend: a rare
    duplicate is better than a customer without an answer.
    """
    if started is None or waha.uses_outbox:
        return None
    try:
        messages = await waha.own_messages_since(chat_id, started - CLOCK_SLACK_SECONDS)
    except IntegrationError as exc:
        if exc.retryable:
            raise  # WAHA is down: ask again on the next attempt
        log.warning("cannot check an unfinished send, sending again", extra={"error": str(exc)})
        return None
    candidates = [
        message_id for item in messages
        if item.get("fromMe") and item.get("body") == text and (message_id := waha_message_id(item.get("id")))
    ]
    taken = await ledger.call(ledger.known_provider_ids, candidates)
    fresh = [candidate for candidate in candidates if candidate not in taken]
    return fresh[-1] if fresh else None  # newest first: the oldest untaken one is ours


async def post_note_once(chatwoot, ledger: SentLedger, conversation_id: int, text: str, key: str) -> None:
    """A private Chatwoot note, posted once per ledger key: after an unknown outcome (timeout,
    5xx, a worker killed mid-request) the note is looked up by its echo id before posting again."""
    if await ledger.call(ledger.provider_id, key) is not None:
        return
    started = await ledger.call(ledger.unfinished_attempt, key)
    if started is not None:
        found = await chatwoot.find_message_by_echo_id(conversation_id, key)
        if found is not None:
            await ledger.call(ledger.record, key, str(found))
            return
    if not await ledger.call(ledger.claim_attempt, key, time.time(), started):
        raise IntegrationError("another attempt of this note is under way", retryable=True)
    try:
        message_id = await chatwoot.post_message(conversation_id, text, incoming=False, private=True, echo_id=key)
    except IntegrationError as exc:
        if exc.status_code is not None and exc.status_code < 500:  # refused: nothing was posted
            await ledger.call(ledger.forget_attempt, key)
        raise
    await ledger.call(ledger.record, key, str(message_id))


async def send_mail_once(mailer, ledger: SentLedger, key: str, message) -> str:
    """Send an e-mail once per ledger key ("already sent" on a retry). SMTP cannot be asked
    whether a mail went out: after an unknown outcome the retry sends it again with the same
    fixed Message-ID, which mail clients show as one message."""
    if await ledger.call(ledger.provider_id, key) is not None:
        return "already sent"
    started = await ledger.call(ledger.unfinished_attempt, key)
    if not await ledger.call(ledger.claim_attempt, key, time.time(), started):
        raise IntegrationError("another attempt of this e-mail is under way", retryable=True)
    where = await mailer.send_email(message)
    await ledger.call(ledger.record, key, str(message["Message-ID"] or where))
    return where


SESSION_DOWN_ERROR = "WahaSessionDown"
# WAHA's SessionStatusNotExpected answer: {"status": "FAILED", "expected": ["WORKING"], ...}.
_SESSION_DOWN = re.compile(r'"status"\s*:\s*"(?:SCAN_QR_CODE|STOPPED|FAILED)"')


def session_down(exc: IntegrationError) -> bool:
    """WAHA answered that the session is not WORKING (422/400 with the session's state)."""
    return exc.status_code is not None and exc.status_code in (400, 409, 422, 500, 503) and bool(
        _SESSION_DOWN.search(str(exc))
    )


class MessagingActivities:
    def __init__(self, waha: WahaClient, ledger: SentLedger, *, typing: bool = True, presence_timeout: float = 1.0):
        self.waha = waha
        self.ledger = ledger
        self.typing = typing  # WAHA_TYPING: seen and typing calls at all
        self.presence_timeout = presence_timeout

    async def _presence_call(self, action: str, chat_id: str, message_ids: list[str] | None = None) -> str:
        """One best-effort WAHA call: never raises, never retried (the reply matters, this does not)."""
        try:
            called = await self.waha.presence(action, chat_id, message_ids=message_ids, timeout=self.presence_timeout)
        except Exception as exc:  # noqa: BLE001 - any failure only costs the indicator
            log.info("whatsapp presence call failed", extra={"action": action, "error": str(exc)[:200]})
            metrics.WHATSAPP_PRESENCE.labels(action=action, outcome="failed").inc()
            return f"{action}: failed ({str(exc)[:80]})"
        metrics.WHATSAPP_PRESENCE.labels(action=action, outcome="ok" if called else "no_waha").inc()
        return f"{action}: {'ok' if called else 'no WAHA (outbox)'}"

    @activity.defn
    async def show_presence(self, request: PresenceRequest) -> PresenceResult:
        """Mark the customer's message read and show "typing…" (WAHA's advice for bots on a real
        number). Started, not awaited, by the workflow: it never delays or blocks the reply."""
        result = PresenceResult()
        if not self.typing or self.waha.uses_outbox:
            return result
        if request.action == "stop_typing":
            result.calls.append(await self._presence_call("stop_typing", request.chat_id))
            return result
        result.calls.append(await self._presence_call("seen", request.chat_id, request.message_ids))
        # The reply is out (or going out) already: "typing…" now would outlast the answer.
        already_answered = request.reply_id is not None and (
            await self.ledger.call(self.ledger.provider_id, request.reply_id) is not None
            or await self.ledger.call(self.ledger.unfinished_attempt, request.reply_id) is not None
        )
        if request.action == "seen_typing" and not already_answered:
            result.calls.append(await self._presence_call("start_typing", request.chat_id))
        return result

    @activity.defn
    async def send_whatsapp(self, request: SendReplyRequest) -> SendReplyResult:
        via = "outbox" if self.waha.uses_outbox else "waha"
        if request.seen_message_ids and self.typing and not self.waha.uses_outbox:
            await self._presence_call("seen", request.chat_id, request.seen_message_ids)  # never raises
        if request.stop_typing and self.typing and not self.waha.uses_outbox \
                and await self.ledger.call(self.ledger.provider_id, request.reply_id) is None:
            await self._presence_call("stop_typing", request.chat_id)  # short timeout, never raises
        try:
            provider_id, already_sent = await send_once(
                self.waha, self.ledger, request.reply_id, request.chat_id, request.text, reply_to=request.reply_to
            )
        except IntegrationError as exc:
            if request.session_down_fails_fast and session_down(exc):
                raise ApplicationError(
                    str(exc), self.waha.session, type=SESSION_DOWN_ERROR, non_retryable=True
                ) from exc
            if not exc.retryable:
                raise ApplicationError(str(exc), type="WahaRejected", non_retryable=True) from exc
            raise
        if not already_sent and request.follow_up_number:
            metrics.FOLLOW_UPS_SENT.labels(number=str(request.follow_up_number)).inc()
        if not already_sent and request.answers_messages > 1:
            metrics.REPLIES_COALESCED.inc(request.answers_messages - 1)
        if not already_sent and request.received_at is not None:
            elapsed = (datetime.now(timezone.utc) - request.received_at).total_seconds()
            metrics.REPLY_SECONDS.observe(max(elapsed, 0.0))
        return SendReplyResult(provider_message_id=provider_id, via=via, already_sent=already_sent)
