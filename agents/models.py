"""Typed outputs of the agents, as in the architecture document (made precise by the issues).

Every part of the system speaks these models: the rules engine and Claude produce
them, the workflow stores them in its state, the CRM and the UI read them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from agents.equipment import Equipment

from agents.booking_models import BookingCue, TestDriveDialogue
from agents.dialogue_models import DialogueState, QuestionKind
from agents.tradein_models import TradeIn

Intent = Literal[
    "car_inquiry",
    "financing_inquiry",
    "trade_in",
    "test_drive",
    "service_inquiry",
    "price_negotiation",
    "complaint",
    "general_info",
    "greeting",
    "other",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]
Priority = Literal["high", "medium", "low"]
FuelType = Literal["petrol", "diesel", "hybrid", "plug_in_hybrid", "electric", "lpg"]
Transmission = Literal["automatic", "manual"]
Urgency = Literal["low", "medium", "high", "critical"]
Domain = Literal["technical", "financial", "service", "general"]
Complexity = Literal["simple", "moderate", "complex"]
EscalationType = Literal["finance_advisor", "technical_specialist", "sales", "manager"]
LeadQuality = Literal["HOT", "WARM", "LUKEWARM", "COLD"]
Sentiment = Literal["positive", "neutral", "negative"]
Backend = Literal["rules", "claude"]
Language = Literal["nl", "en", "de", "other"]
AddressForm = Literal["je", "u"]


# --- router ------------------------------------------------------------------
class RouterOutput(BaseModel):
    intent: Intent
    priority: Priority = "medium"
    needs_extraction: bool = True
    confidence: float = Field(ge=0.0, le=1.0, default=0.5)


# --- extraction --------------------------------------------------------------
class CarPreferences(BaseModel):
    make: str | None = None  # canonical brand: "Volkswagen", "BMW", "Mercedes-Benz"
    model: str | None = None  # canonical model: "Golf", "3 Serie", "Model 3"
    fuel_type: FuelType | None = None
    transmission: Transmission | None = None
    body_type: str | None = None  # hatchback, sedan, stationwagon, suv, mpv, coupe, cabrio, bestelwagen
    min_price: int | None = None  # whole euros
    max_price: int | None = None
    min_year: int | None = None
    max_mileage_km: int | None = None
    color: str | None = None
    equipment: list[Equipment] = Field(default_factory=list)  # must-haves: "met trekhaak", "7 zitter", "4x4"

    def merged_with(self, newer: "CarPreferences") -> "CarPreferences":
        """Preferences accumulate across messages: newer values win, gaps keep older ones.

        A new make or model resets the fields that belonged to the old car; equipment wishes add up.
        """
        base = self.model_dump()
        new = newer.model_dump()
        if newer.make and newer.make != self.make:
            base["model"] = None
        base.update({key: value for key, value in new.items() if value is not None and key != "equipment"})
        base["equipment"] = list(dict.fromkeys([*self.equipment, *newer.equipment]))
        return CarPreferences(**base)

    def without_car(self) -> "CarPreferences":
        """The wishes without the make and model aimed at: a new search keeps budget and fuel."""
        return self.model_copy(update={"make": None, "model": None})

    def is_empty(self) -> bool:
        return not self.equipment and all(
            value is None for key, value in self.model_dump().items() if key != "equipment"
        )


class TradeInVehicle(BaseModel):
    make: str | None = None
    model: str | None = None
    year: int | None = None
    mileage_km: int | None = None
    license_plate: str | None = None


class ExtractionOutput(BaseModel):
    car_preferences: CarPreferences = Field(default_factory=CarPreferences)
    urgency_level: Urgency = "low"
    has_trade_in: bool = False
    trade_in_vehicle: TradeInVehicle | None = None
    needs_financing: bool = False
    test_drive_requested: bool = False
    preferred_day: str | None = None  # "zaterdag", "morgen", "2026-11-28"
    preferred_time: str | None = None  # "10:00", "ochtend", "middag"
    customer_name: str | None = None
    asks_availability: bool = False  # "staat die nog?", "is hij nog beschikbaar?"
    asks_monthly_payment: bool = False
    refers_to_previous_car: bool = False  # "hij", "die", "deze" without a new car named
    new_search: bool = False  # "ik zoek eigenlijk een 7 zitter": the earlier make and model no longer hold
    sentiment: Sentiment = "neutral"
    # Handled, never escalated (agents/privacy.py recognises them for both backends):
    opt_out: bool = False  # "stop", "afmelden", "bitte keine Nachrichten": no proactive message ever again
    privacy_request: Literal["delete", "export"] | None = None  # "verwijder mijn gegevens" / "wat weten jullie van mij"
    voice_note: bool = False  # a voice message we cannot listen to yet
    prank: bool = False  # "verkoop mij de tesla voor 1 euro": a friendly refusal, the lead stays cold
    # Set by agents.language for both backends, never asked of Claude: not in its schema, and
    # left out of a dump until set, so a Claude answer is read exactly as its schema says.
    language: SkipJsonSchema[Language | None] = Field(default=None, exclude_if=lambda value: value is None)
    address_form: SkipJsonSchema[AddressForm | None] = Field(default=None, exclude_if=lambda value: value is None)
    booking: BookingCue = Field(default_factory=BookingCue)  # the test-drive booking action, if any
    # Set by agents.dialogue for both backends: the car this message names, with only this message's
    # own filters, looked up before the earlier filters narrow anything (never asked of Claude).
    named_search: SkipJsonSchema[CarPreferences | None] = Field(default=None, exclude_if=lambda value: value is None)


# --- expertise ---------------------------------------------------------------
class Classification(BaseModel):
    primary_domain: Domain = "general"
    complexity_level: Complexity = "simple"
    confidence: float = Field(ge=0.0, le=1.0, default=0.5)


class EscalationDecision(BaseModel):
    escalate: bool = False
    escalation_type: EscalationType | None = None
    urgency: Urgency = "low"
    reason: str = ""


class KnowledgeSnippet(BaseModel):
    module: Literal["technical", "financial", "service"]
    topic: str
    text: str


class ExpertiseOutput(BaseModel):
    classification: Classification = Field(default_factory=Classification)
    escalation_decision: EscalationDecision = Field(default_factory=EscalationDecision)
    knowledge: list[KnowledgeSnippet] = Field(default_factory=list)


# --- inventory ---------------------------------------------------------------
class Car(BaseModel):
    id: str
    sources: list[str] = Field(default_factory=list)  # "website", "marktplaats", "sample"
    url: str | None = None
    make: str
    model: str
    variant: str | None = None
    price_eur: int | None = None
    price_is_monthly: bool = False  # lease ads quote a monthly amount
    year: int | None = None
    mileage_km: int | None = None
    fuel_type: FuelType | None = None
    transmission: Transmission | None = None
    body_type: str | None = None
    color: str | None = None
    image_url: str | None = None
    license_plate: str | None = None
    equipment: list[str] = Field(default_factory=list)  # agents.equipment keys the listing names
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    sold: bool = False
    sold_at: datetime | None = None
    # Technical data when the listing or RDW gives it; None/empty means "not in our data" (say so).
    weight_kg: int | None = None  # massa ledig voertuig, what road tax is based on
    fuel_consumption_l_100km: float | None = None
    electric_range_km: int | None = None
    # From the dealer website's detail page (inventory/sources/website_detail.py) or RDW by plate.
    apk_until: date | None = None
    owner_count: int | None = None
    nap_logical: bool | None = None  # NAP odometer judgement: True "logisch", False "onlogisch"
    maintenance_history: str | None = None  # as the page words it: "volledig dealer onderhouden"
    towing_braked_kg: int | None = None
    towing_unbraked_kg: int | None = None
    seats: int | None = None
    options: list[str] = Field(default_factory=list)  # the page's option list (the first ones)
    equipment_absent: list[str] = Field(default_factory=list)  # equipment keys the full specs rule out: "no"
    details_at: datetime | None = None  # when the detail page was read

    @property
    def title(self) -> str:
        return " ".join(part for part in (self.make, self.model, self.variant) if part)


class CarMatch(BaseModel):
    car: Car
    score: float
    reasons: list[str] = Field(default_factory=list)


Availability = Literal["available", "sold", "unknown"]


class InventorySearchResult(BaseModel):
    matches: list[CarMatch] = Field(default_factory=list)
    total_found: int = 0
    availability: Availability | None = None  # set when the customer asked "staat die nog?"
    asked_car: Car | None = None  # the car the availability question was about
    relaxed: list[str] = Field(default_factory=list)  # filters dropped to find anything
    # earlier wishes the car named now does not meet ("max_price"): found by name first (agents.dialogue)
    beyond_earlier_wishes: list[str] = Field(default_factory=list)
    snapshot_age_seconds: float | None = None
    is_sample_data: bool = False
    search_ms: float = 0.0


# --- conversation and CRM ----------------------------------------------------
class OpenCheck(BaseModel):
    """A customer question we could not answer from our data and promised to have checked.

    It goes to sales once as a light task (a Chatwoot private note or an e-mail), never as an
    escalation: the bot keeps answering. `key` deduplicates: the same question about the same
    car is one task, however often it is asked."""

    key: str  # "trekhaak:sample-010", "kinderwagen:sample-010", or "vraag:<normalised topic>"
    question: str  # the customer's own words
    topic: str  # short Dutch label for staff: "trekhaak", "past een kinderwagen in de kofferbak"
    car_id: str | None = None
    car_title: str | None = None
    promised: str = ""  # when we said we would come back, in Dutch: "vandaag nog", "morgen", "op maandag"
    asked_at: datetime | None = None


class ConversationOutput(BaseModel):
    response_text: str
    mentioned_car_ids: list[str] = Field(default_factory=list)
    follow_up_question: str | None = None
    handoff: bool = False
    backend: Backend = "rules"
    open_checks: list[OpenCheck] = Field(default_factory=list)  # promised checks: a light task for sales each
    # What our reply's closing question asks for (agents.dialogue_models.QuestionKind), when the
    # backend knows; otherwise agents.dialogue reads it from the text.
    open_question: QuestionKind | None = None
    car_id: str | None = None  # the car the conversation is now about, when the backend says so (a known car)


class ScoreFactor(BaseModel):
    name: str
    points: int


class ScoreChange(BaseModel):
    """One change of the lead score, with the one-line reason staff see."""

    at: datetime
    score: int
    quality: LeadQuality
    explanation: str  # "+20 proefrit vandaag gevraagd"


class CRMOutput(BaseModel):
    lead_score: int = Field(ge=0, le=100)
    lead_quality: LeadQuality
    score_factors: list[ScoreFactor] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)  # the full, current set
    tags_added: list[str] = Field(default_factory=list)  # new since the previous message
    custom_attributes: dict[str, Any] = Field(default_factory=dict)
    explanation: str = ""  # the last change in one line: "+20 proefrit vandaag gevraagd"
    history: list[ScoreChange] = Field(default_factory=list)  # bounded, oldest first
    follow_ups_allowed: bool = True  # False once opted out or bought elsewhere: no follow-up messages


class Usage(BaseModel):
    """Tokens and cost of Claude calls; zero for the rules engine."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, 6),
        )


# --- context the agents read ---------------------------------------------------
Role = Literal["customer", "bot", "staff"]


class Turn(BaseModel):
    role: Role
    text: str
    at: datetime
    intent: Intent | None = None


class ConversationContext(BaseModel):
    """What the agents know of the conversation so far (bounded, carried by the workflow)."""

    customer_name: str | None = None
    history: list[Turn] = Field(default_factory=list)
    preferences: CarPreferences = Field(default_factory=CarPreferences)
    last_cars: list[Car] = Field(default_factory=list)  # cars last shown or discussed, best first
    said_fingerprints: list[str] = Field(default_factory=list)  # agents.repetition: paragraphs we already sent
    listed_cars: list[Car] = Field(default_factory=list)  # the last list we sent, in its order: "de tweede", "de andere"
    last_intent: Intent | None = None
    misunderstood_count: int = 0  # consecutive messages the bot did not understand
    seconds_since_last_message: float | None = None
    has_trade_in: bool = False
    needs_financing: bool = False
    test_drive_requested: bool = False
    escalated: bool = False
    # Set by the opt-out handling: the lead is COLD and gets no follow-ups (agents/scoring.py).
    opted_out: bool = False
    language: Language = "nl"  # the chat's language: nl, en, de, or other (answered in English)
    address_form: AddressForm = "je"  # "u" once the customer writes "u"
    test_drive: TestDriveDialogue = Field(default_factory=TestDriveDialogue)  # a booking in progress
    # The customer's own car: never matched against stock, never part of `preferences`.
    trade_in: TradeIn | None = None
    # Questions we promised to have checked (agents.open_checks): sent to sales once, and a repeat is
    # answered with who finds out and when, not the same paragraph again.
    open_checks: list[OpenCheck] = Field(default_factory=list)
    # Issue 14 §1: the car under discussion, the cars just shown, our open question, the financing
    # scenario (agents/dialogue.py keeps it; test_drive and trade_in above are its other parts).
    dialogue: DialogueState = Field(default_factory=DialogueState)


class Understanding(BaseModel):
    """Router, extraction and expertise of one message, as `seldenrijk analyze` prints them."""

    text: str
    router: RouterOutput
    extraction: ExtractionOutput
    expertise: ExpertiseOutput


class ReplyRequest(BaseModel):
    text: str
    context: ConversationContext
    router: RouterOutput
    extraction: ExtractionOutput
    expertise: ExpertiseOutput
    inventory: InventorySearchResult | None = None
    escalation_handoff: str | None = None  # the honest handoff sentence when escalating
    handover_open: bool = False  # a colleague already has the question; the workflow adds the status line
    test_drive_note: str | None = None  # the booking's outcome, said as is (both backends)
    test_drive_car_ids: list[str] = Field(default_factory=list)  # cars the booking note names
    # The trade-in intake's sentence(s) for this message (agents.tradein): said as given.
    trade_in_reply: str | None = None
