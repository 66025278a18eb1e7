"""Trade-in intake: pure decisions and texts (no I/O). The workflow calls these around each message.

1. The customer mentions a trade-in: ask the plate and the mileage in one question.
2. A plate: RDW's facts back to the customer ("Een Opel Astra uit 2015, benzine, APK tot 3 maart
   2027: klopt dat?"). RDW's odometer judgement is for sales only, never said to the customer.
3. The mileage: ask for 3 or 4 photos and say when a colleague makes the offer.
4. Photos: counted ("Top, 3 foto's binnen") and kept with the trade-in.
5. Complete (plate, mileage, enough photos) or 30 minutes quiet: sales get one summary.

The bot never values the car: a colleague does, after the photos. "Bijbetalen" is computed only
from an indicative value staff entered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from agents.knowledge.dealer import DealerFacts
from agents.models import Car, ConversationContext, ExtractionOutput, RouterOutput
from agents.plates import Plate, compact, find_plates
from agents.rules.numbers import find_quantities
from agents.rules.parse import WANTED_CUE
from agents.rules.text import normalize
from agents import tradein_texts as texts
from agents.rules.phrases import Phrase, say
from agents.tradein_models import PlateLookup, TradeIn, TradeInPhoto

PHOTOS_WANTED = 4  # outside (front/back), inside, dashboard with the mileage, damage
QUIET_MINUTES = 30
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")

_VALUE_QUESTION = re.compile(
    r"\b(?:wat\s+(?:krijg|geef|bied|betaal)\w*\s+(?:ik\s+|jullie\s+|je\s+|u\s+)?(?:er\s*)?(?:voor|ervoor)|"
    r"wat\s+(?:is|zou)\s+(?:hij|ze|die|mijn\s+\w+|m'?n\s+\w+)\s+(?:nog\s+)?waard|waard\s*\?|inruilwaarde|inruilprijs|"
    r"hoeveel\s+(?:krijg|geven|bieden|betalen)|wat\s+(?:geven|bieden)\s+(?:jullie|je|u))",
)
# "ik kan foto's sturen, moet dat hier?", "waar kan ik de foto's naartoe sturen?", "can I send the photos here?"
_PHOTOS_WHERE = re.compile(
    r"\b(?:foto'?s|fotos|photos?|pictures?|bilder|fotos)\b[^.!?]*\b(?:hier|here|waar|where|wohin|hoe|how|wie|mailen|e-?mail)\b"
    r"|\b(?:waar|hoe|where|how|wohin|wie)\b[^.!?]*\b(?:foto'?s|fotos|photos?|pictures?|bilder)\b"
)
_TOP_UP_QUESTION = re.compile(r"\b(?:bijbetal\w*|bij\s+te\s+betalen|bijleggen|bij\s+(?:moet|moeten)\s+leggen|het\s+verschil)\b")
# An amount with euros, a bound ("tot", "max") or a wish ("ik zoek … tot 25000") answers no mileage
# question, even right after one.
_ABOUT_MONEY_OR_WISH = re.compile(
    rf"€|\beuro\b|\bbudget\b|\b(?:tot|max(?:imaal)?|hooguit|under|up\s+to|bis)\s+(?:de\s+|ongeveer\s+)?\d|{WANTED_CUE.pattern}"
)
_MILEAGE_WORD = re.compile(r"\b(?:km|kilometer\w*|kilometerstand|teller\w*|gelopen|dkm|mijl)\b")


@dataclass
class IntakeStep:
    trade_in: TradeIn | None
    reply: str | None = None  # what the intake says this turn (None: nothing new to say)
    about_trade_in: bool = False  # the message was about the trade-in (answer it as such)
    newly_complete: bool = False  # plate and mileage became known this turn
    confirmation: bool = False  # a "ja klopt" / "nee" to our check of the RDW facts


# --- reading the message --------------------------------------------------------------
def plate_to_look_up(text: str, trade_in: TradeIn | None) -> Plate | None:
    """The first plate in the message that is not already the trade-in's."""
    known = compact(trade_in.plate) if trade_in and trade_in.plate else None
    return next((plate for plate in find_plates(text) if plate.compact != known), None)


def mileage_in(text: str, *, awaiting: bool, now: datetime) -> int | None:
    """"ongeveer 140.000 km", "140k km", "rond de 140 duizend"; a bare number only when we asked for it."""
    normalized = normalize(text)
    quantities = find_quantities(normalized, [], now.year)
    for quantity in quantities:
        if quantity.kind == "mileage" and 100 <= quantity.value <= 1_500_000:
            return quantity.value
    if _MILEAGE_WORD.search(normalized) or (awaiting and not about_money_or_wish(normalized)):
        for quantity in quantities:
            if quantity.kind in ("price", "quoted", "offer") and 1_000 <= quantity.value <= 999_999:
                return quantity.value
    return None


def about_money_or_wish(normalized: str) -> bool:
    """Euros, a bound or a wish ("ik zoek een diesel tot 25000 euro"): no answer to a mileage question."""
    return bool(_ABOUT_MONEY_OR_WISH.search(normalized)) and not _MILEAGE_WORD.search(normalized)


def starts_intake(router: RouterOutput, extraction: ExtractionOutput) -> bool:
    return router.intent == "trade_in" or extraction.has_trade_in


def without_trade_in(extraction: ExtractionOutput, context: ConversationContext, trade_in: TradeIn | None,
                     text: str = "", about_trade_in: bool = False) -> ExtractionOutput:
    """The trade-in's make, model, year and mileage never become the wish: keep the earlier wish.

    A car named in a message about the trade-in without a wish cue ("ik heb een opel astra 2015
    met 140.000 km, wat krijg ik ervoor?") is the trade-in, whatever the extraction made of it."""
    if trade_in is None:
        return extraction
    prefs = extraction.car_preferences
    before = context.preferences
    makes = {m.lower() for m in (trade_in.make, trade_in.vehicle.make if trade_in.vehicle else None) if m}
    models = {m.lower() for m in (trade_in.model, trade_in.vehicle.model if trade_in.vehicle else None) if m}
    # the trade-in's make with another model ("hebben jullie ook een corsa?" with an Astra to trade in) is a wish
    same_car = prefs.make is not None and prefs.make.lower() in makes and (
        not prefs.model or not models or any(prefs.model.lower() in model for model in models))
    theirs = prefs.make is not None and prefs.make != before.make and (
        same_car or (about_trade_in and not WANTED_CUE.search(normalize(text))))
    changed = {key for key in ("min_year", "max_mileage_km") if getattr(prefs, key) != getattr(before, key)}
    if not theirs and not (about_trade_in and changed and not WANTED_CUE.search(normalize(text))):
        return extraction
    restored = prefs.model_copy(update={
        "make": before.make if theirs else prefs.make, "model": before.model if theirs else prefs.model,
        "min_year": before.min_year, "max_mileage_km": before.max_mileage_km,
    })
    return extraction.model_copy(update={"car_preferences": restored})


def _named_car(extraction: ExtractionOutput, context: ConversationContext, text: str) -> dict:
    """The car this trade-in message names (make, model, year) when it names no wish."""
    if WANTED_CUE.search(normalize(text)):
        return {}
    prefs, before = extraction.car_preferences, context.preferences
    named = {}
    if prefs.make and prefs.make != before.make:
        named.update(make=prefs.make, model=prefs.model)
    if prefs.min_year and prefs.min_year != before.min_year:
        named["year"] = prefs.min_year
    return named


# --- the intake -------------------------------------------------------------------------
def observe(
    trade_in: TradeIn | None,
    text: str,
    router: RouterOutput,
    extraction: ExtractionOutput,
    lookup: PlateLookup | None,
    now: datetime,
    dealer: DealerFacts,
    wanted: Car | None = None,
    context: ConversationContext | None = None,
) -> IntakeStep:
    """Fold one customer message into the trade-in and say what the intake wants said."""
    context = context or ConversationContext()
    language = extraction.language or context.language
    form = extraction.address_form or context.address_form
    cue = starts_intake(router, extraction)
    plate_for_us = lookup if lookup is not None and lookup.status != "stock" else None
    normalized = normalize(text)
    asks_value = bool(_VALUE_QUESTION.search(normalized))
    asks_top_up = bool(_TOP_UP_QUESTION.search(normalized))
    asks_where_photos = trade_in is not None and "?" in text and bool(_PHOTOS_WHERE.search(normalized))
    if trade_in is None and not (cue or plate_for_us):
        return IntakeStep(None)
    new = trade_in is None
    if trade_in is None:
        trade_in = TradeIn(started_at=now, last_activity_at=now)
    was_complete = trade_in.complete
    update: dict = {}
    said = extraction.trade_in_vehicle
    named = dict(said.model_dump(include={"make", "model", "year"}, exclude_none=True)) if said else {}
    if cue or new:
        named = {**_named_car(extraction, context, text), **named}
    for field, value in named.items():
        if value and not getattr(trade_in, field):
            update[field] = value
    new_plate = plate_for_us is not None and plate_for_us.dashed != trade_in.plate
    if new_plate:
        update.update(plate=plate_for_us.dashed, lookup_status=plate_for_us.status, vehicle=plate_for_us.vehicle)
    awaiting_mileage = trade_in.mileage_km is None and not new
    mileage = mileage_in(text, awaiting=awaiting_mileage, now=now)
    if mileage is None and said is not None and said.mileage_km:
        mileage = said.mileage_km
    new_mileage = mileage is not None and mileage != trade_in.mileage_km and (cue or awaiting_mileage or new_plate or not new)
    if new_mileage:
        update["mileage_km"] = mileage
    answer = _answer_to_check(text, trade_in, context) if not (new_plate or new_mileage) else None
    if answer == "no":
        update.update(plate=None, lookup_status=None, vehicle=None)
    if not (new or new_plate or new_mileage or asks_value or asks_top_up or asks_where_photos or cue or answer):
        return IntakeStep(trade_in)
    trade_in = trade_in.model_copy(update={**update, "last_activity_at": now})

    def said(phrase: Phrase) -> str:
        return say(phrase, language, form)

    welcome = said(texts.WELCOME)
    parts: list[str] = []
    if new:
        parts.append(welcome)
    if new_plate:
        parts.append(texts.plate_sentence(trade_in, plate_for_us, now.astimezone(dealer.tz).date(), language, form))
    if asks_value or asks_top_up:
        parts.append(value_answer(trade_in, dealer, now, wanted, asks_top_up, language, form))
    if answer == "no":
        parts.append(said(texts.PLATE_WRONG))
    elif asks_where_photos and not (new_plate or new_mileage):
        parts.append(say(texts.PHOTOS_HERE, language, form, when=offer_moment(dealer, now, language)))
        trade_in = trade_in.model_copy(update={"photos_requested": True})
    elif trade_in.plate and trade_in.mileage_km and not trade_in.photos_requested:
        if not new_plate:
            parts.insert(0, said(texts.THANKS_GREAT) if answer == "yes" else said(texts.THANKS))
        parts.append(photo_request(dealer, now, language, form))
        trade_in = trade_in.model_copy(update={"photos_requested": True})
    elif new_plate and not trade_in.mileage_km:
        parts.append(said(texts.AND_MILEAGE))
    elif new:
        parts.append(texts.first_question(trade_in, language, form))
        parts.remove(welcome)
        parts.insert(0, welcome)
    elif new_mileage and not trade_in.plate:
        parts.append(said(texts.PLATE_STILL))
    elif answer == "yes":
        if not trade_in.mileage_km:
            parts.append(said(texts.GREAT_MILEAGE))
        elif not trade_in.photos:
            parts.append(said(texts.GREAT_PHOTOS))
    reply = " ".join(part for part in parts if part) or None
    return IntakeStep(
        trade_in,
        reply=reply,
        about_trade_in=bool(reply),
        newly_complete=trade_in.complete and not was_complete,
        confirmation=answer is not None,
    )


_YES = re.compile(r"(?:ja|jazeker|jawel|jep|yes|klopt|correct|precies|dat\s+klopt|ja\s+hoor|👍)(?:[ ,!.]+(?:klopt|hoor|dat\s+klopt|precies|helemaal))*[ !.]*")
_NO = re.compile(r"(?:nee|neen|klopt\s+niet|niet\s+goed|dat\s+klopt\s+niet|nope)(?:[ ,!.]+.*)?")


def _answer_to_check(text: str, trade_in: TradeIn, context: ConversationContext) -> str | None:
    """ "ja klopt" / "nee" to our "…: klopt dat?" about the RDW facts."""
    last_bot = next((turn.text for turn in reversed(context.history) if turn.role == "bot"), "")
    if not trade_in.plate or not any(check in last_bot for check in ("klopt dat?", "is that right?", "stimmt das?")):
        return None
    words = normalize(text).strip()
    if _YES.fullmatch(words):
        return "yes"
    if _NO.fullmatch(words):
        return "no"
    return None


def dutch_date(day: date) -> str:
    return texts.spoken_date(day, "nl")


def offer_moment(dealer: DealerFacts, now: datetime, language: str = "nl") -> str:
    """When a colleague makes the offer: "vandaag nog" inside opening hours, else the next working day."""
    return texts.offer_moment(dealer, now, language)


def photo_request(dealer: DealerFacts, now: datetime, language: str = "nl", form: str = "je") -> str:
    return texts.photo_request(dealer, now, language, form)


def value_answer(trade_in: TradeIn, dealer: DealerFacts, now: datetime, wanted: Car | None, top_up: bool,
                 language: str = "nl", form: str = "je") -> str:
    """Honest about value: a colleague makes the offer; "bijbetalen" only from staff's indicative value."""
    return texts.value_answer(trade_in, dealer, now, wanted, top_up, language, form)


def _euro(amount: int) -> str:
    return f"€ {amount:,}".replace(",", ".")


# --- photos -------------------------------------------------------------------------------
def add_photos(trade_in: TradeIn, photos: list[TradeInPhoto], now: datetime, dealer: DealerFacts,
               photos_wanted: int = PHOTOS_WANTED, language: str = "nl", form: str = "je") -> tuple[TradeIn, str]:
    known = {photo.message_id for photo in trade_in.photos}
    fresh = [photo for photo in photos if photo.message_id not in known]
    trade_in = trade_in.model_copy(update={"photos": trade_in.photos + fresh, "last_activity_at": now,
                                           "photos_requested": True})
    count = len(trade_in.photos)
    missing = [what for what, known_ in (("plate", trade_in.plate), ("mileage", trade_in.mileage_km)) if not known_]
    # the first photo(s) say once what else helps
    return trade_in, texts.photos_received(count, missing, count >= photos_wanted, count == len(fresh), dealer, now,
                                           language, form)


def ready_for_summary(trade_in: TradeIn | None, photos_wanted: int = PHOTOS_WANTED) -> bool:
    return bool(trade_in and trade_in.summary_sent_at is None and trade_in.complete and len(trade_in.photos) >= photos_wanted)


def quiet_deadline(trade_in: TradeIn | None, quiet_seconds: int) -> datetime | None:
    """When the summary goes out anyway: `quiet_seconds` after the last trade-in activity."""
    if trade_in is None or trade_in.summary_sent_at is not None:
        return None
    return trade_in.last_activity_at + timedelta(seconds=quiet_seconds)


# --- for sales ------------------------------------------------------------------------------
def summary_text(trade_in: TradeIn, *, customer: str, phone: str, wants: str | None, reason: str) -> str:
    """The one summary sales get (Dutch, staff-facing): a task, not an escalation."""
    vehicle = trade_in.vehicle
    lines = [f"Inruil-aanvraag van {customer} ({phone}) — taak voor verkoop, geen escalatie; de assistent praat verder."]
    lines.append(f"Kenteken: {trade_in.plate or 'nog niet gegeven'}")
    if vehicle is not None:
        facts = [vehicle.title or "onbekend merk/model"]
        if vehicle.first_registration:
            facts.append(f"eerste toelating {vehicle.first_registration:%d-%m-%Y}")
        facts += [fuel.lower() for fuel in vehicle.fuels]
        if vehicle.apk_expiry:
            facts.append(f"APK tot {vehicle.apk_expiry:%d-%m-%Y}")
        facts += [x for x in (vehicle.body, vehicle.colour and vehicle.colour.lower()) if x]
        if vehicle.empty_mass_kg:
            facts.append(f"{vehicle.empty_mass_kg:,} kg leeg".replace(",", "."))
        if vehicle.open_recall is not None:
            facts.append("OPENSTAANDE TERUGROEPACTIE" if vehicle.open_recall else "geen openstaande terugroepactie")
        lines.append("RDW: " + ", ".join(facts))
        judgement = vehicle.odometer_judgement or "onbekend"
        warning = " ⚠️ NIET met de klant besproken; graag zelf nagaan" if judgement.lower() == "onlogisch" else ""
        lines.append(f"Tellerstandoordeel (NAP): {judgement}{warning}")
    elif trade_in.plate:
        status = {"unknown": "kenteken niet gevonden bij de RDW", "unavailable": "RDW was niet bereikbaar"}
        lines.append(f"RDW: {status.get(trade_in.lookup_status or '', 'geen gegevens')}")
    said = " ".join(str(p) for p in (trade_in.make, trade_in.model, trade_in.year) if p)
    if said:
        lines.append(f"Volgens de klant: {said}")
    mileage = f"ca. {trade_in.mileage_km:,} km".replace(",", ".") if trade_in.mileage_km else "nog niet gegeven"
    lines.append(f"Kilometerstand (volgens de klant): {mileage}")
    lines.append(f"Wil kopen: {wants or 'nog niet bekend'}")
    if trade_in.photos:
        lines.append(f"Foto's ({len(trade_in.photos)}, als bijlage):")
        lines += [f"- {photo.url or photo.message_id}" for photo in trade_in.photos]
    else:
        lines.append("Foto's: nog geen")
    lines.append(f"Waarom nu: {reason}")
    lines.append("Graag een inruilvoorstel maken (vandaag of de volgende werkdag). "
                 f"Indicatieve waarde vastleggen: `seldenrijk tradein value {phone} BEDRAG` of contactattribuut trade_in_value.")
    return "\n".join(lines)


def wanted_description(context: ConversationContext) -> str | None:
    prefs = context.preferences
    parts = [p for p in (prefs.make, prefs.model) if p]
    if prefs.fuel_type:
        parts.append(prefs.fuel_type)
    if prefs.max_price:
        parts.append(f"tot {_euro(prefs.max_price)}")
    if context.last_cars:
        car = context.last_cars[0]
        shown = car.title + (f" ({_euro(car.price_eur)})" if car.price_eur and not car.price_is_monthly else "")
        return (" ".join(parts) + f"; laatst besproken: {shown}") if parts else f"laatst besproken: {shown}"
    return " ".join(parts) or None


# --- CRM ---------------------------------------------------------------------------------------
def crm_with_trade_in(crm, trade_in: TradeIn | None, trade_in_complete: bool):
    """has_trade_in, trade_in_vehicle and the `trade-in` tag; a complete intake is at least a WARM lead.

    (Kept apart from agents.scoring so the score rules can change without touching the intake.)
    """
    from agents.models import ScoreFactor

    if trade_in is None:
        return crm
    attributes = {**crm.custom_attributes, "has_trade_in": True, "trade_in_vehicle": trade_in.describe()}
    tags = list(crm.tags)
    added = list(crm.tags_added)
    if "trade-in" not in tags:
        tags.append("trade-in")
        added.append("trade-in")
    score, quality, factors = crm.lead_score, crm.lead_quality, list(crm.score_factors)
    if trade_in_complete and quality in ("LUKEWARM", "COLD"):
        factors.append(ScoreFactor(name="trade_in_complete", points=60 - score))
        score, quality = 60, "WARM"
        tags = [tag for tag in tags if not tag.startswith("lead:")] + ["lead:warm"]
        added = [tag for tag in added if not tag.startswith("lead:")] + ["lead:warm"]
        attributes.update(lead_score=score, lead_quality=quality)
    return crm.model_copy(update={"custom_attributes": attributes, "tags": tags, "tags_added": added,
                                  "lead_score": score, "lead_quality": quality, "score_factors": factors})
