"""How WhatsApp sends are retried and prioritised (shared by the conversation and its mixins)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import Priority, RetryPolicy

SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["WahaRejected", "WahaSessionDown"],
)
# Temporal priority keys run 1 (first) to 5 (last), 3 when unset. Customer replies keep the
# default; follow-ups to quiet leads are not replies and wait behind every backlogged reply.
FOLLOW_UP_PRIORITY = Priority(priority_key=5)
REPLY_PRIORITY = Priority.default


def send_priority(request) -> Priority:
    return FOLLOW_UP_PRIORITY if getattr(request, "follow_up_number", None) else REPLY_PRIORITY
