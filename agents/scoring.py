"""The CRM agent: tags, lead score and contact attributes for one conversation (pure).

Everything is derived from the WHOLE conversation: `context` carries what earlier messages
established (merged preferences, trade-in/financing/test-drive flags, turn intents), and
`understanding` is the message being processed now. `previous` (the last CRMOutput) carries
what cannot be re-derived from a bounded history: urgency already expressed, the lead's
source channel, the last date of buying interest and the conversation count.

Score bands (architecture document 4.7): HOT 80-100, WARM 60-79, LUKEWARM 40-59, COLD 0-39.
The score is the sum of `score_factors`; when the sum leaves 0..100 a clamp factor is added
so the factors still add up to the score shown to staff.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from agents.models import (
    CarPreferences,
    ConversationContext,
    CRMOutput,
    LeadQuality,
    ScoreFactor,
    Understanding,
    Urgency,
)

URGENCY_ORDER: tuple[Urgency, ...] = ("low", "medium", "high", "critical")
BUDGET_BANDS: tuple[tuple[str, int | None], ...] = (
    ("0-10k", 10_000),
    ("10k-15k", 15_000),
    ("15k-25k", 25_000),
    ("25k-40k", 40_000),
    ("40k+", None),
)
INTEREST_LEVELS = ("browsing", "comparing", "considering", "ready-to-buy")
STAGES = (
    "new-lead",
    "car-search",
    "trade-in-discussion",
    "financing-discussion",
    "test-drive-requested",
    "negotiation",
    "escalated",
)
CHANNELS = ("whatsapp-direct", "marktplaats", "website", "chat-page")
FUEL_TYPES = ("petrol", "diesel", "hybrid", "plug-in-hybrid", "electric", "lpg")
SENTIMENTS = ("positive", "neutral", "negative")
QUALITIES: tuple[LeadQuality, ...] = ("HOT", "WARM", "LUKEWARM", "COLD")
FLAG_TAGS = (
    "escalated",
    "complaint",
    "vip",
    "returning-customer",
    "trade-in",
    "financing",
    "test-drive",
    "availability-check",
    "needs-attention",
)
# Makes common on the Dutch used-car market: pre-created as labels so staff can filter on them.
# Spelled as the rules vocabulary and inventory spell them; slug() folds "Citroën" to "citroen".
COMMON_MAKES = (
    "Audi", "BMW", "Citroën", "Dacia", "Fiat", "Ford", "Honda", "Hyundai", "Kia", "Mazda",
    "Mercedes-Benz", "MINI", "Mitsubishi", "Nissan", "Opel", "Peugeot", "Renault", "Seat",
    "Skoda", "Suzuki", "Tesla", "Toyota", "Volkswagen", "Volvo", "Lynk & Co", "Polestar",
)
# Families with one current value: a new value replaces the old label in Chatwoot.
EXCLUSIVE_TAG_FAMILIES = ("interest", "urgency", "stage", "budget", "lead", "sentiment", "channel")

# Buying signals: an intent anywhere in the conversation counts.
BUYING_INTENTS = {"car_inquiry", "financing_inquiry", "trade_in", "test_drive", "price_negotiation"}
VIP_BUDGET_EUR = 50_000
NEW_CONVERSATION_GAP_SECONDS = 24 * 3600  # a customer writing again after a day starts a new one

POINTS = {
    "conversation_started": 15,
    "buying_intent": 5,
    "make_known": 10,
    "model_known": 15,
    "budget_known": 15,
    "specifications": 5,  # per detail (fuel, gearbox, body, year, mileage), at most 2
    "engaged": 5,  # three or more customer messages
    "asked_availability": 5,
    "trade_in": 10,
    "financing": 10,
    "test_drive": 20,
    "negotiation": 15,
    "returning_customer": 5,
    "positive_sentiment": 5,
    "negative_sentiment": -10,
    "complaint": -15,
}
URGENCY_POINTS = {"low": 0, "medium": 5, "high": 15, "critical": 20}


def slug(value: str) -> str:
    """'Mercedes-Benz' -> 'mercedes-benz', 'plug_in_hybrid' -> 'plug-in-hybrid', 'Lynk & Co' -> 'lynk-co', 'Citroën' -> 'citroen'."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


PRANK_CEILING = 15  # a prank or absurd offer scores at most this


def quality_for(score: int) -> LeadQuality:
    if score >= 80:
        return "HOT"
    if score >= 60:
        return "WARM"
    if score >= 40:
        return "LUKEWARM"
    return "COLD"


def budget_band(amount: int) -> str:
    for band, upper in BUDGET_BANDS:
        if upper is None or amount <= upper:
            return band
    return BUDGET_BANDS[-1][0]


def score_lead(
    context: ConversationContext,
    understanding: Understanding,
    *,
    escalated: bool,
    channel: str = "whatsapp-direct",
    previous: CRMOutput | None = None,
    now: datetime,
) -> CRMOutput:
    facts = _ConversationFacts(context, understanding, escalated=escalated, channel=channel, previous=previous)
    factors = _score_factors(facts)
    total = sum(factor.points for factor in factors)
    if total > 100:
        factors.append(ScoreFactor(name="capped_at_100", points=100 - total))
    elif total < 0:
        factors.append(ScoreFactor(name="floored_at_0", points=-total))
    score = max(0, min(100, total))
    quality = quality_for(score)
    tags = _tags(facts, score, quality)
    previous_tags = set(previous.tags) if previous else set()
    return CRMOutput(
        lead_score=score,
        lead_quality=quality,
        score_factors=factors,
        tags=tags,
        tags_added=[tag for tag in tags if tag not in previous_tags],
        custom_attributes=_attributes(facts, score, quality, now),
    )


class _ConversationFacts:
    """What the whole conversation established, computed once for scoring, tags and attributes."""

    def __init__(
        self,
        context: ConversationContext,
        understanding: Understanding,
        *,
        escalated: bool,
        channel: str,
        previous: CRMOutput | None,
    ):
        extraction = understanding.extraction
        previous_attributes = previous.custom_attributes if previous else {}
        self.preferences: CarPreferences = context.preferences.merged_with(extraction.car_preferences)
        customer_turns = [turn for turn in context.history if turn.role == "customer"]
        # The current message may or may not already be in the history: count it once.
        current_in_history = bool(customer_turns) and customer_turns[-1].text == understanding.text
        self.customer_messages = len(customer_turns) + (0 if current_in_history else 1)
        self.intents = {turn.intent for turn in customer_turns if turn.intent}
        self.intents.add(understanding.router.intent)
        self.current_intent = understanding.router.intent
        self.has_trade_in = context.has_trade_in or extraction.has_trade_in or "trade_in" in self.intents
        self.financing = (
            context.needs_financing
            or extraction.needs_financing
            or extraction.asks_monthly_payment
            or "financing_inquiry" in self.intents
        )
        self.test_drive = context.test_drive_requested or extraction.test_drive_requested or "test_drive" in self.intents
        self.negotiating = "price_negotiation" in self.intents
        self.complaint = "complaint" in self.intents
        self.prank = extraction.prank
        self.escalated = escalated or context.escalated
        self.asked_availability = extraction.asks_availability
        self.sentiment = "negative" if understanding.router.intent == "complaint" else extraction.sentiment
        self.urgency = _max_urgency(
            extraction.urgency_level,
            understanding.expertise.escalation_decision.urgency if self.escalated else "low",
            previous_attributes.get("urgency_level"),
        )
        self.channel = str(previous_attributes.get("source_channel") or channel)
        self.total_conversations = _total_conversations(context, previous_attributes)
        self.previous_interest_date = previous_attributes.get("last_interest_date")
        self.shows_interest_now = self.current_intent in BUYING_INTENTS or not extraction.car_preferences.is_empty()
        self.distinct_cars = len({(car.make, car.model) for car in context.last_cars})

    @property
    def budget(self) -> int | None:
        return self.preferences.max_price or self.preferences.min_price

    @property
    def specifications(self) -> int:
        prefs = self.preferences
        return sum(
            value is not None
            for value in (prefs.fuel_type, prefs.transmission, prefs.body_type, prefs.min_year, prefs.max_mileage_km)
        )


def _max_urgency(*levels: Any) -> Urgency:
    known = [level for level in levels if level in URGENCY_ORDER]
    return max(known, key=URGENCY_ORDER.index) if known else "low"


def _total_conversations(context: ConversationContext, previous_attributes: dict[str, Any]) -> int:
    gap = context.seconds_since_last_message
    starts_new = gap is not None and gap >= NEW_CONVERSATION_GAP_SECONDS
    if "total_conversations" in previous_attributes:
        return int(previous_attributes["total_conversations"]) + (1 if starts_new else 0)
    # First score for this lead: count the day-long gaps in the (bounded) history.
    count = 1
    times = [turn.at for turn in context.history if turn.role == "customer"]
    for earlier, later in zip(times, times[1:]):
        if (later - earlier).total_seconds() >= NEW_CONVERSATION_GAP_SECONDS:
            count += 1
    return count + (1 if starts_new and times else 0)


def _score_factors(facts: _ConversationFacts) -> list[ScoreFactor]:
    earned: list[tuple[str, int]] = [("conversation_started", POINTS["conversation_started"])]
    prefs = facts.preferences
    checks = (
        ("buying_intent", bool(facts.intents & BUYING_INTENTS)),
        ("make_known", prefs.make is not None),
        ("model_known", prefs.model is not None),
        ("budget_known", facts.budget is not None),
        ("engaged", facts.customer_messages >= 3),
        ("asked_availability", facts.asked_availability),
        ("trade_in", facts.has_trade_in),
        ("financing", facts.financing),
        ("test_drive", facts.test_drive),
        ("negotiation", facts.negotiating),
        ("returning_customer", facts.total_conversations >= 2),
        ("positive_sentiment", facts.sentiment == "positive"),
        ("negative_sentiment", facts.sentiment == "negative"),
        ("complaint", facts.complaint),
    )
    earned += [(name, POINTS[name]) for name, applies in checks if applies]
    if facts.specifications:
        earned.append(("specifications", POINTS["specifications"] * min(2, facts.specifications)))
    if URGENCY_POINTS[facts.urgency]:
        earned.append((f"urgency_{facts.urgency}", URGENCY_POINTS[facts.urgency]))
    if facts.prank:  # "de tesla voor 1 euro": whatever else it says, not a lead (stays COLD)
        earned.append(("prank", min(0, PRANK_CEILING - sum(points for _, points in earned))))
    return [ScoreFactor(name=name, points=points) for name, points in earned]


def _interest(facts: _ConversationFacts, score: int) -> str:
    prefs = facts.preferences
    if facts.test_drive or facts.negotiating or score >= 80:
        return "ready-to-buy"
    if (prefs.make and prefs.model) or (facts.budget is not None and prefs.make) or facts.financing:
        return "considering"
    if prefs.make or facts.distinct_cars >= 2 or facts.budget is not None:
        return "comparing"
    return "browsing"


def _stage(facts: _ConversationFacts) -> str:
    if facts.escalated:
        return "escalated"
    if facts.negotiating:
        return "negotiation"
    if facts.test_drive:
        return "test-drive-requested"
    if facts.financing:
        return "financing-discussion"
    if facts.has_trade_in:
        return "trade-in-discussion"
    if not facts.preferences.is_empty() or facts.intents & BUYING_INTENTS:
        return "car-search"
    return "new-lead"


def _tags(facts: _ConversationFacts, score: int, quality: LeadQuality) -> list[str]:
    prefs = facts.preferences
    tags = [
        f"interest:{_interest(facts, score)}",
        f"urgency:{facts.urgency}",
        f"channel:{slug(facts.channel)}",
        f"stage:{_stage(facts)}",
        f"lead:{quality.lower()}",
        f"sentiment:{facts.sentiment}",
    ]
    if prefs.make:
        tags.append(f"car:{slug(prefs.make)}")
    if prefs.fuel_type:
        tags.append(f"fuel:{slug(prefs.fuel_type)}")
    if prefs.transmission:
        tags.append(f"transmission:{prefs.transmission}")
    if prefs.body_type:
        tags.append(f"body:{slug(prefs.body_type)}")
    if facts.budget is not None:
        tags.append(f"budget:{budget_band(facts.budget)}")
    flags = {
        "escalated": facts.escalated,
        "complaint": facts.complaint,
        "vip": (facts.budget or 0) >= VIP_BUDGET_EUR or facts.total_conversations >= 2,
        "returning-customer": facts.total_conversations >= 2,
        "trade-in": facts.has_trade_in,
        "financing": facts.financing,
        "test-drive": facts.test_drive,
        "availability-check": facts.asked_availability,
        "needs-attention": facts.sentiment == "negative" or facts.urgency == "critical",
    }
    tags += [name for name in FLAG_TAGS if flags[name]]
    return tags


def _attributes(facts: _ConversationFacts, score: int, quality: LeadQuality, now: datetime) -> dict[str, Any]:
    prefs = facts.preferences
    interest_date = now.date().isoformat() if facts.shows_interest_now else facts.previous_interest_date
    attributes: dict[str, Any] = {
        "interested_in_make": prefs.make,
        "interested_in_model": prefs.model,
        "interested_in_fuel_type": prefs.fuel_type,
        "budget_max": prefs.max_price,
        "budget_min": prefs.min_price,
        "lead_quality": quality,
        "lead_score": score,
        "urgency_level": facts.urgency,
        "has_trade_in": facts.has_trade_in,
        "financing_needed": facts.financing,
        "test_drive_requested": facts.test_drive,
        "source_channel": facts.channel,
        "conversation_sentiment": facts.sentiment,
        "last_interest_date": interest_date,
        "total_conversations": facts.total_conversations,
    }
    # Unknown values are left out so they never overwrite what Chatwoot staff filled in.
    return {key: value for key, value in attributes.items() if value is not None}


# --- Chatwoot setup (used by `seldenrijk chatwoot setup`) -------------------------
# (key, display name, display type, list values); display types per the Chatwoot API.
CONTACT_ATTRIBUTE_DEFINITIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("interested_in_make", "Interesse: merk", "text", ()),
    ("interested_in_model", "Interesse: model", "text", ()),
    ("interested_in_fuel_type", "Interesse: brandstof", "list", tuple(f.replace("-", "_") for f in FUEL_TYPES)),
    ("budget_max", "Budget max (EUR)", "number", ()),
    ("budget_min", "Budget min (EUR)", "number", ()),
    ("lead_quality", "Leadkwaliteit", "list", QUALITIES),
    ("lead_score", "Leadscore", "number", ()),
    ("urgency_level", "Urgentie", "list", URGENCY_ORDER),
    ("has_trade_in", "Inruil", "checkbox", ()),
    ("financing_needed", "Financiering nodig", "checkbox", ()),
    ("test_drive_requested", "Proefrit gevraagd", "checkbox", ()),
    ("source_channel", "Bronkanaal", "text", ()),
    ("conversation_sentiment", "Sentiment", "list", SENTIMENTS),
    ("last_interest_date", "Laatste interesse", "date", ()),
    ("total_conversations", "Aantal gesprekken", "number", ()),
)


def _all_tags() -> tuple[str, ...]:
    tags = [f"interest:{level}" for level in INTEREST_LEVELS]
    tags += [f"urgency:{level}" for level in URGENCY_ORDER]
    tags += [f"channel:{name}" for name in CHANNELS]
    tags += [f"stage:{stage}" for stage in STAGES]
    tags += [f"lead:{quality.lower()}" for quality in QUALITIES]
    tags += [f"sentiment:{sentiment}" for sentiment in SENTIMENTS]
    tags += [f"budget:{band}" for band, _ in BUDGET_BANDS]
    tags += [f"fuel:{fuel}" for fuel in FUEL_TYPES]
    tags += ["transmission:automatic", "transmission:manual"]
    tags += [f"car:{slug(make)}" for make in COMMON_MAKES]
    tags += list(FLAG_TAGS)
    return tuple(tags)


ALL_TAGS: tuple[str, ...] = _all_tags()


def label_for_tag(tag: str) -> str:
    """Our tag as a Chatwoot label (lowercase `[a-z0-9_-]`), deterministic and readable.

    ':' becomes '-', '+' becomes '-plus', any other character outside the set becomes '-':
    'interest:ready-to-buy' -> 'interest-ready-to-buy', 'budget:40k+' -> 'budget-40k-plus'.
    """
    label = tag.lower().replace("+", "-plus").replace(":", "-")
    label = re.sub(r"[^a-z0-9_-]+", "-", label)
    return re.sub(r"-{2,}", "-", label).strip("-")


def is_exclusive_label(label: str) -> bool:
    """Labels of single-valued families (urgency-high replaces urgency-low)."""
    return any(label.startswith(f"{family}-") for family in EXCLUSIVE_TAG_FAMILIES)


ALL_LABELS: tuple[str, ...] = tuple(dict.fromkeys(label_for_tag(tag) for tag in ALL_TAGS))
