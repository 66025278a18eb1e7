"""The CRM agent: tags, lead score and contact attributes for one conversation (pure).

Everything is derived from the WHOLE conversation: `context` carries what earlier messages
established (merged preferences, trade-in/financing/test-drive flags, turn intents), and
`understanding` is the message being processed now. `previous` (the last CRMOutput) carries
what cannot be re-derived from a bounded history: urgency already expressed, the lead's
source channel, the last date of buying interest and the conversation count.

Score bands (architecture document 4.7): HOT 80-100, WARM 60-79, LUKEWARM 40-59, COLD 0-39.
The rules are the two tables below (SCORE_RULES: points; BAND_RULES: floors, caps and tags),
explained for a sales manager in docs/lead-scoring.md. The score is the sum of
`score_factors`; a clamp or band rule that moves it is a factor too, so the factors always add
up to the score shown to staff. `explanation` says in one line what moved it last.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, NamedTuple

from agents import scoring_signals as signals
from agents.rules.reply_questions import CAR_FACTS, down_payment
from agents.rules.text import normalize
from agents.models import (
    CarPreferences,
    ConversationContext,
    CRMOutput,
    InventorySearchResult,
    LeadQuality,
    ScoreChange,
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
    "test-drive-booked",
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
    "price-sensitive",
    "not-serious",
    "opted-out",
    "lost",
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
LOWBALL_FRACTION = 0.80  # an offer under 80% of the asking price: no negotiation bonus, tag price-sensitive
ABSURD_FRACTION = 0.30  # under 30% of the asking price (or under ABSURD_EUR): not a serious offer
ABSURD_EUR = 500
HISTORY_KEPT = 20


class Rule(NamedTuple):
    name: str
    points: int
    label: str  # what staff read in the explanation ("+20 proefrit vandaag gevraagd")


class BandRule(NamedTuple):
    name: str
    effect: str  # "floor": at least `score`; "cap": at most `score` (a cap wins over every floor)
    score: int
    tag: str | None
    label: str


# === THE SCORING RULES (a sales manager may tune the points, bounds and labels here) ==========
# Points: the score is the sum of every rule that applies, then the band rules below.
#   rule                    points  label in the explanation             applies when
SCORE_RULES: tuple[Rule, ...] = (
    Rule("conversation_started",  15, "gesprek gestart"),                 # every lead
    Rule("buying_now",            25, "wil de auto kopen of reserveren"),  # "ik neem hem", "akkoord", a reservation
    Rule("test_drive_booked",     25, "proefrit geboekt"),                # a booking in context.test_drive.bookings
    Rule("visit_soon",            20, "proefrit {day} gevraagd"),         # a test drive or visit today or tomorrow
    Rule("test_drive",            20, "proefrit of bezoek gevraagd"),     # a test drive asked, or a visit on a day named
    Rule("stock_car_question",    15, "vraagt naar prijs of beschikbaarheid van een voorraadauto"),
    Rule("negotiation",           15, "onderhandelt over de prijs"),      # not for a lowball (> 20% under the asking price)
    Rule("financing_worked_out",  10, "financiering met aanbetaling uitgewerkt"),
    Rule("trade_in_details",      10, "inruil met kenteken en kilometerstand"),
    Rule("financing",             15, "vraagt naar financiering"),
    Rule("trade_in",              15, "heeft een inruilauto"),
    Rule("model_known",           15, "weet welk model"),
    Rule("budget_known",          15, "budget bekend"),
    Rule("make_known",            10, "weet welk merk"),
    Rule("buying_intent",         10, "koopinteresse"),
    Rule("specifications",         5, "wensen bekend (per wens, max. 2)"),  # fuel, gearbox, body, year, mileage
    Rule("engaged",                5, "drie of meer berichten"),
    Rule("asked_availability",     5, "vraagt of een auto er nog staat"),
    Rule("returning_customer",     5, "terugkerende klant"),
    Rule("positive_sentiment",     5, "positief"),
    Rule("urgency_medium",         5, "wil binnenkort"),
    Rule("urgency_high",          15, "heeft haast"),
    Rule("urgency_critical",      20, "wil vandaag nog"),
    Rule("negative_sentiment",   -10, "negatief"),
    Rule("complaint",            -15, "klacht"),
)
# Band rules, applied after the points: a floor lifts the score to at least `score`, a cap
# lowers it to at most `score` and wins over every floor. Their tag marks the lead.
#   rule                    effect   score  tag              label
BAND_RULES: tuple[BandRule, ...] = (
    BandRule("opted_out",            "cap",     0, "opted-out",     "afgemeld: geen berichten meer"),
    BandRule("lost",                 "cap",     5, "lost",          "heeft elders gekocht of geen interesse meer"),
    BandRule("not_serious",          "cap",    10, "not-serious",   "grap, scheldpartij of absurd bod"),
    BandRule("buying_now",           "floor",  90, None,            "wil kopen of reserveren"),
    BandRule("test_drive_booked",    "floor",  85, None,            "proefrit geboekt"),
    BandRule("visit_soon",           "floor",  80, None,            "proefrit of bezoek vandaag of morgen"),
    BandRule("stock_car_question",   "floor",  60, None,            "prijs/beschikbaarheid van een voorraadauto"),
    BandRule("financing_worked_out", "floor",  60, None,            "financiering met aanbetaling"),
    BandRule("trade_in_details",     "floor",  60, None,            "inruil met kenteken en kilometerstand"),
    BandRule("no_action_yet",        "cap",    79, None,            "nog geen proefrit, bezoek of koopbeslissing (hoogstens WARM)"),
    BandRule("price_sensitive",      "tag",     0, "price-sensitive", "bod meer dan 20% onder de vraagprijs: geen onderhandelbonus"),
)
# ===============================================================================================
_STICKY_TAGS = {rule.name: rule.tag for rule in BAND_RULES if rule.tag}
POINTS = {rule.name: rule.points for rule in SCORE_RULES}
URGENCY_POINTS = {"low": 0, "medium": POINTS["urgency_medium"], "high": POINTS["urgency_high"], "critical": POINTS["urgency_critical"]}
_LABELS = {rule.name: rule.label for rule in SCORE_RULES} | {f"band:{rule.name}": rule.label for rule in BAND_RULES}
# Once seen in a conversation these stay (a later "ok" does not undo an opt-out or a booked drive).
STICKY = ("opted_out", "lost", "not_serious", "price_sensitive", "buying_now", "visit_soon", "stock_car_question",
          "financing_worked_out", "trade_in_details")


def slug(value: str) -> str:
    """'Mercedes-Benz' -> 'mercedes-benz', 'plug_in_hybrid' -> 'plug-in-hybrid', 'Lynk & Co' -> 'lynk-co', 'Citroën' -> 'citroen'."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


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
    inventory: InventorySearchResult | None = None,
) -> CRMOutput:
    """Score, tags and attributes for the conversation so far; `inventory` is this message's search, if any."""
    facts = _ConversationFacts(context, understanding, escalated=escalated, channel=channel, previous=previous,
                               now=now, inventory=inventory)
    factors = _score_factors(facts)
    total = sum(factor.points for factor in factors)
    if total > 100:
        factors.append(ScoreFactor(name="capped_at_100", points=100 - total))
    elif total < 0:
        factors.append(ScoreFactor(name="floored_at_0", points=-total))
    factors += _band_factors(facts, max(0, min(100, total)))
    score = max(0, min(100, sum(factor.points for factor in factors)))
    quality = quality_for(score)
    tags = _tags(facts, score, quality)
    previous_tags = set(previous.tags) if previous else set()
    explanation, history = _explain(previous, factors, score, quality, facts, now)
    return CRMOutput(
        lead_score=score,
        lead_quality=quality,
        score_factors=factors,
        tags=tags,
        tags_added=[tag for tag in tags if tag not in previous_tags],
        custom_attributes=_attributes(facts, score, quality, now),
        explanation=explanation,
        history=history,
        follow_ups_allowed=not (facts.flags["opted_out"] or facts.flags["lost"]),
    )


def _band_factors(facts: "_ConversationFacts", score: int) -> list[ScoreFactor]:
    """Floors lift, then caps lower (a cap wins): each as a factor so the factors still add up to the score."""
    applying = [rule for rule in BAND_RULES if facts.flags.get(rule.name)]
    factors = []
    floors = [rule for rule in applying if rule.effect == "floor"]
    if floors:
        floor = max(floors, key=lambda rule: rule.score)
        if score < floor.score:
            factors.append(ScoreFactor(name=f"band:{floor.name}", points=floor.score - score))
            score = floor.score
    caps = [rule for rule in applying if rule.effect == "cap"]
    if caps:
        cap = min(caps, key=lambda rule: rule.score)
        if score > cap.score:
            factors.append(ScoreFactor(name=f"band:{cap.name}", points=cap.score - score))
    return factors


def factor_label(name: str, day: str = "vandaag") -> str:
    """The staff-facing words for a factor ("visit_soon" -> "proefrit vandaag gevraagd")."""
    if name == "capped_at_100":
        return "maximum 100"
    if name == "floored_at_0":
        return "minimum 0"
    return _LABELS.get(name, name.replace("_", " ")).replace("{day}", day)


def _explain(previous: CRMOutput | None, factors: list[ScoreFactor], score: int, quality: LeadQuality,
             facts: "_ConversationFacts", now: datetime) -> tuple[str, list[ScoreChange]]:
    """One line on what moved the score since the previous message, and the history with it."""
    history = list(previous.history) if previous else []
    before = {factor.name: factor.points for factor in previous.score_factors} if previous else {}
    after = {factor.name: factor.points for factor in factors}
    if previous is not None and previous.lead_score == score and previous.lead_quality == quality:
        return previous.explanation, history  # nothing changed: the last change still explains it
    order = [rule.name for rule in SCORE_RULES]
    changes = [(name, after.get(name, 0) - before.get(name, 0)) for name in dict.fromkeys([*after, *before])]
    changes = [(name, delta) for name, delta in changes if delta and name not in ("capped_at_100", "floored_at_0")]
    bands = [(name, delta) for name, delta in changes if name.startswith("band:")]
    points = sorted((c for c in changes if not c[0].startswith("band:")),
                    key=lambda c: (c[0] == "conversation_started", -abs(c[1]), order.index(c[0]) if c[0] in order else len(order)))
    shown = points[:2]
    words = [f"{delta:+d} {factor_label(name, facts.visit_day)}" for name, delta in shown]
    rest = sum(delta for name, delta in points[2:])
    if rest:
        words.append(f"{rest:+d} overig")
    for name, _ in bands:
        rule = next(rule for rule in BAND_RULES if f"band:{rule.name}" == name)
        words.append(f"{'minimaal' if rule.effect == 'floor' else 'maximaal'} {rule.score}: {rule.label}")
    earlier_tags = set(previous.tags) if previous else set()
    words[:0] = [rule.label for rule in BAND_RULES
                 if rule.effect == "tag" and facts.flags.get(rule.name) and rule.tag not in earlier_tags]
    was = f"{previous.lead_score} {previous.lead_quality} → " if previous else ""
    explanation = f"{'; '.join(words) or 'herberekend'} ({was}{score} {quality})"
    history.append(ScoreChange(at=now, score=score, quality=quality, explanation=explanation))
    return explanation, history[-HISTORY_KEPT:]


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
        now: datetime | None = None,
        inventory: InventorySearchResult | None = None,
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
        # The score input for a booking: set by the conversation when a test drive is booked.
        self.test_drive_booked = bool(context.test_drive.bookings)
        self.test_drive_at = min(b.start for b in context.test_drive.bookings).isoformat() if self.test_drive_booked else None
        self.negotiating = "price_negotiation" in self.intents
        self.complaint = "complaint" in self.intents
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
        self.visit_day = "vandaag"
        self.flags = self._band_flags(context, understanding, previous, now, inventory)

    def _band_flags(self, context: ConversationContext, understanding: Understanding, previous: CRMOutput | None,
                    now: datetime | None, inventory: InventorySearchResult | None) -> dict[str, bool]:
        """Which band rules apply: this message's signals plus the sticky ones from earlier messages."""
        extraction, intent = understanding.extraction, understanding.router.intent
        text = normalize(understanding.text)
        earlier = {factor.name.removeprefix("band:") for factor in previous.score_factors} if previous else set()
        earlier |= {name for name, tag in _STICKY_TAGS.items() if previous and tag in previous.tags}
        flags = {name: name in earlier for name in STICKY}
        car = self.car = signals.car_in_question(context, understanding, inventory)
        # a visit or test drive today or tomorrow
        days = signals.days_until(extraction.preferred_day, now) if now else None
        visiting = extraction.test_drive_requested or intent == "test_drive" or bool(signals.VISIT.search(text))
        if visiting and signals.soon(days):
            flags["visit_soon"] = True
        if flags["visit_soon"] and days is not None and signals.soon(days):
            self.visit_day = signals.day_word(days)
        # a price or availability question about one stock car
        asks_price = (bool(CAR_FACTS["price"].search(text)) or bool(re.search(r"\b(wat\s+kost|prijs|kosten)\b", text))
                      or extraction.asks_monthly_payment)
        if car is not None and (extraction.asks_availability or asks_price or intent == "price_negotiation"):
            flags["stock_car_question"] = True  # a realistic offer on it counts too; a lowball loses it below
        # financing with a down payment, a trade-in with plate and mileage
        if self.financing and (down_payment(text) or 0) > 0:
            flags["financing_worked_out"] = True
        vehicle = extraction.trade_in_vehicle
        if vehicle and vehicle.license_plate and vehicle.mileage_km:
            flags["trade_in_details"] = True
        # an offer: how far under the asking price
        offer = signals.offered_amount(text) if intent in ("price_negotiation", "car_inquiry", "other") else None
        asking = car.price_eur if car is not None and car.price_eur and not car.price_is_monthly else None
        if offer is not None and (intent == "price_negotiation" or asking):
            if offer < ABSURD_EUR or (asking and offer < ABSURD_FRACTION * asking):
                flags["not_serious"] = True
            elif asking and offer < LOWBALL_FRACTION * asking:
                flags["price_sensitive"] = True
        if flags["price_sensitive"] or flags["not_serious"]:
            flags["stock_car_question"] = False  # a lowball or a joke is no sign of a buyer
        if (signals.not_serious(text) and intent != "complaint") or extraction.prank:
            flags["not_serious"] = True  # extraction.prank: agents/privacy.py's verdict, the same for both backends
        flags["opted_out"] = flags["opted_out"] or context.opted_out or extraction.opt_out or signals.opted_out(text)
        flags["lost"] = flags["lost"] or signals.bought_elsewhere(text)
        flags["test_drive_booked"] = self.test_drive_booked  # the test-drive agenda's booking (context.test_drive)
        flags["no_action_yet"] = False  # set in score_lead, after every other flag
        decision = understanding.expertise.escalation_decision
        flags["buying_now"] = flags["buying_now"] or (
            decision.escalate and decision.escalation_type == "sales" and decision.urgency in ("high", "critical"))
        if visiting and days is not None:
            self.test_drive = True  # "zaterdag kom ik de yaris bekijken": a planned visit counts as a test drive
        flags["no_action_yet"] = not (flags["buying_now"] or flags["test_drive_booked"] or flags["visit_soon"] or self.test_drive)
        return flags

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
    flags = facts.flags
    checks = (
        ("buying_intent", bool(facts.intents & BUYING_INTENTS)),
        ("make_known", prefs.make is not None),
        ("model_known", prefs.model is not None or facts.car is not None),  # asking about a stock car is knowing the model
        # a lowball's amount is an offer, not a budget: no bonus for it either
        ("budget_known", facts.budget is not None and not (flags["price_sensitive"] or flags["not_serious"])),
        ("engaged", facts.customer_messages >= 3),
        ("asked_availability", facts.asked_availability),
        ("trade_in", facts.has_trade_in),
        ("financing", facts.financing),
        ("test_drive", facts.test_drive),
        ("negotiation", facts.negotiating and not (flags["price_sensitive"] or flags["not_serious"])),
        ("buying_now", flags["buying_now"]),
        ("test_drive_booked", flags["test_drive_booked"]),
        ("visit_soon", flags["visit_soon"]),
        ("stock_car_question", flags["stock_car_question"]),
        ("financing_worked_out", flags["financing_worked_out"]),
        ("trade_in_details", flags["trade_in_details"]),
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
    if facts.test_drive_booked:
        return "test-drive-booked"
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
    flags |= {rule.tag: bool(facts.flags.get(rule.name)) for rule in BAND_RULES if rule.tag}
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
        "test_drive_requested": facts.test_drive or facts.test_drive_booked,
        "test_drive_at": facts.test_drive_at,
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
    ("trade_in_vehicle", "Inruilauto", "text", ()),
    ("trade_in_value", "Inruilwaarde indicatief (EUR; bijbetalen)", "number", ()),
    ("financing_needed", "Financiering nodig", "checkbox", ()),
    ("test_drive_requested", "Proefrit gevraagd", "checkbox", ()),
    ("test_drive_at", "Proefrit op", "text", ()),
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
