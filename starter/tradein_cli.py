"""`seldenrijk tradein value PHONE AMOUNT`: staff enter an indicative trade-in value.

Only then can the assistant work out "bijbetalen" (the car's price minus this value) when the
customer asks. The same value can be set as the Chatwoot contact attribute `trade_in_value`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.models import TradeInValue, conversation_workflow_id, phone_digits


class TradeInCliError(Exception):
    pass


def parse_amount(text: str) -> int:
    """"6000", "6.000", "€ 6.000,-", "6k" -> 6000."""
    cleaned = text.strip().lower().replace("€", "").replace(",-", "").replace(" ", "")
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{3})+|\d+)(k)?", cleaned)
    if not match:
        raise TradeInCliError(f"geen bedrag: {text!r} (bijv. 6000, 6.000 of 6k)")
    amount = int(match.group(1).replace(".", "")) * (1000 if match.group(2) else 1)
    if not 0 <= amount <= 10_000_000:
        raise TradeInCliError(f"onwaarschijnlijk bedrag: {amount}")
    return amount


async def set_value(client: Client, phone: str, amount_text: str, by: str | None) -> TradeInValue:
    if not phone_digits(phone):
        raise TradeInCliError(f"geen telefoonnummer: {phone!r}")
    value = TradeInValue(amount_eur=parse_amount(amount_text), by=by, at=datetime.now(timezone.utc))
    handle = client.get_workflow_handle(conversation_workflow_id(phone))
    try:
        await handle.signal("trade_in_value", value)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise TradeInCliError(f"geen gesprek met {phone}") from exc
        raise
    return value
