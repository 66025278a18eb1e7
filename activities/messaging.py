"""Sending WhatsApp messages through WAHA (or the local outbox), exactly once per reply id."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
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


class SendReplyResult(BaseModel):
    provider_message_id: str | None = None
    via: str  # "waha" or "outbox"
    already_sent: bool = False


class MessagingActivities:
    def __init__(self, waha: WahaClient, ledger: SentLedger):
        self.waha = waha
        self.ledger = ledger

    @activity.defn
    async def send_whatsapp(self, request: SendReplyRequest) -> SendReplyResult:
        via = "outbox" if self.waha.uses_outbox else "waha"
        previous = self.ledger.provider_id(request.reply_id)
        if previous is not None:
            return SendReplyResult(provider_message_id=previous or None, via=via, already_sent=True)
        delivered = await self._delivered_by_an_earlier_attempt(request)
        if delivered is not None:
            self.ledger.record(request.reply_id, delivered)
            return SendReplyResult(provider_message_id=delivered, via=via, already_sent=True)
        self.ledger.begin_attempt(request.reply_id, time.time())
        try:
            response = await self.waha.send_text(request.chat_id, request.text, reply_to=request.reply_to)
        except IntegrationError as exc:
            if exc.status_code is not None:  # WAHA answered: nothing was sent
                self.ledger.forget_attempt(request.reply_id)
            if not exc.retryable:
                raise ApplicationError(str(exc), type="WahaRejected", non_retryable=True) from exc
            raise
        provider_id = response.get("id") if isinstance(response.get("id"), str) else None
        self.ledger.record(request.reply_id, provider_id)
        if request.received_at is not None:
            elapsed = (datetime.now(timezone.utc) - request.received_at).total_seconds()
            metrics.REPLY_SECONDS.observe(max(elapsed, 0.0))
        return SendReplyResult(provider_message_id=provider_id, via=via)

    async def _delivered_by_an_earlier_attempt(self, request: SendReplyRequest) -> str | None:
        """An earlier attempt died without an answer (worker killed, timeout): did WhatsApp get it?

        Our own messages in the chat since that attempt, with this exact text and not already
        recorded for another reply, mean yes. If WAHA cannot list messages, we resend: a rare
        duplicate is better than a customer without an answer.
        """
        started = self.ledger.unfinished_attempt(request.reply_id)
        if started is None or self.waha.uses_outbox:
            return None
        try:
            messages = await self.waha.own_messages_since(request.chat_id, started - CLOCK_SLACK_SECONDS)
        except IntegrationError as exc:
            if exc.retryable:
                raise  # WAHA is down: ask again on the next attempt
            log.warning("cannot check an unfinished send, sending again", extra={"error": str(exc)})
            return None
        candidates = [
            str(item["id"]) for item in messages
            if item.get("fromMe") and item.get("body") == request.text and item.get("id")
        ]
        taken = self.ledger.known_provider_ids(candidates)
        fresh = [candidate for candidate in candidates if candidate not in taken]
        return fresh[-1] if fresh else None  # newest first: the oldest untaken one is ours
