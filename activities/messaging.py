"""Sending WhatsApp messages through WAHA (or the local outbox), exactly once per reply id."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from integrations.errors import IntegrationError
from integrations.sent_ledger import SentLedger
from integrations.waha import WahaClient
from observability import metrics


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
        try:
            response = await self.waha.send_text(request.chat_id, request.text, reply_to=request.reply_to)
        except IntegrationError as exc:
            if not exc.retryable:
                raise ApplicationError(str(exc), type="WahaRejected", non_retryable=True) from exc
            raise
        provider_id = response.get("id") if isinstance(response.get("id"), str) else None
        self.ledger.record(request.reply_id, provider_id)
        if request.received_at is not None:
            elapsed = (datetime.now(timezone.utc) - request.received_at).total_seconds()
            metrics.REPLY_SECONDS.observe(max(elapsed, 0.0))
        return SendReplyResult(provider_message_id=provider_id, via=via)
