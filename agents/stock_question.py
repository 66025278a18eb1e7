"""Does a message need the stock, and what to search for: plain functions the conversation
workflow and the understanding step share (the step searches ahead, patch "answer-in-two-steps")."""

from __future__ import annotations

from agents.models import ConversationContext, Understanding
from inventory.search import InventorySearchRequest

CAR_INTENTS = {"car_inquiry", "test_drive", "price_negotiation", "financing_inquiry"}


def wants_stock(understanding: Understanding) -> bool:
    extraction = understanding.extraction
    return bool(
        understanding.router.intent in CAR_INTENTS
        or extraction.asks_availability
        or extraction.refers_to_previous_car
        or extraction.asks_monthly_payment
        or (extraction.car_preferences.make and understanding.router.intent not in ("complaint", "greeting"))
    )


def stock_search(text: str, context: ConversationContext, understanding: Understanding) -> InventorySearchRequest:
    return InventorySearchRequest(
        preferences=understanding.extraction.car_preferences,
        asks_availability=understanding.extraction.asks_availability,
        referenced_car_ids=[car.id for car in context.last_cars],
        text=text,
        named_first=understanding.extraction.named_search,
    )


def wanted_summary(understanding: Understanding) -> str:
    """'Volkswagen, Golf, ≤ €25.000' for the step's summary in Temporal's UI."""
    prefs = understanding.extraction.car_preferences
    price = prefs.max_price and f"≤ €{prefs.max_price:,}".replace(",", ".")
    return ", ".join(str(value) for value in (prefs.make, prefs.model, prefs.fuel_type, price) if value)
