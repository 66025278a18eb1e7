"""The reply: short, friendly Dutch WhatsApp text built from the understanding and the search.

It only states cars, prices and facts it was given (inventory, dealer.yaml), varies its
wording by a hash of the message (deterministic for replays) and never follows
instructions hidden in the customer's text.
"""

from __future__ import annotations

import re
import zlib
from datetime import date, datetime, timedelta

from agents.knowledge import financial, service
from agents.knowledge.dealer import DUTCH_WEEKDAYS, DealerFacts
from agents.knowledge.financial import CREDIT_WARNING, format_eur, format_rate
from agents.models import Car, CarPreferences, ConversationOutput, ReplyRequest
from agents.rules.text import normalize

INJECTION = re.compile(
    r"(negeer|vergeet|ignore|disregard|forget)\s+(?:\w+\s+){0,3}(instructies|instructions|regels|rules|prompt|opdracht)|"
    r"\[\s*(system|systeem|admin|developer)\s*\]|\bsystem\s*prompt|\bsysteemprompt|\bjailbreak|\bdeveloper\s+mode|"
    r"\bje\s+bent\s+nu\s+(?:een|de)\b|\byou\s+are\s+now\b|\b(?:toon|laat\s+zien|geef|print|reveal|show)\s+(?:me\s+)?(?:je|jouw|your|de)\s+(?:\w+\s+)?(?:prompt|instructies|instructions)"
)


class _Variety:
    """Deterministic choice between phrasings, seeded by the message text."""

    def __init__(self, text: str):
        self.seed = zlib.crc32(text.encode("utf-8", "replace"))
        self.calls = 0

    def pick(self, *options: str) -> str:
        self.calls += 1
        return options[(self.seed >> (self.calls * 3)) % len(options)]


def compose(request: ReplyRequest, dealer: DealerFacts, now: datetime) -> ConversationOutput:
    vary = _Variety(request.text)
    name = request.extraction.customer_name or request.context.customer_name
    if request.escalation_handoff:
        return _handoff(request, name, vary)

    text = normalize(request.text)
    intent = request.router.intent
    parts: list[str] = []
    cars: list[Car] = []
    if INJECTION.search(text):
        parts.append("Ik help je graag met vragen over onze auto's, financiering, inruil en proefritten; daar houd ik me aan.")

    opener = _opener(request, name, vary)
    if opener:
        parts.append(opener)
    handler = _HANDLERS.get(intent, _other)
    body, cars = handler(request, dealer, now, vary)
    parts.extend(body)

    follow_up = None if intent in ("complaint", "other") else _follow_up(request, cars, vary)
    if follow_up and follow_up not in " ".join(parts):
        parts.append(follow_up)
    response = "\n\n".join(part for part in parts if part)
    if _discusses_credit(response) and CREDIT_WARNING not in response:
        response += f"\n\n{CREDIT_WARNING}"
    return ConversationOutput(
        response_text=response,
        mentioned_car_ids=[car.id for car in cars],
        follow_up_question=follow_up,
        handoff=False,
        backend="rules",
    )


# --- handoff -----------------------------------------------------------------
def _handoff(request: ReplyRequest, name: str | None, vary: _Variety) -> ConversationOutput:
    decision = request.expertise.escalation_decision
    who = f", {name}" if name else ""
    reason = decision.reason or ""
    if decision.escalation_type == "manager":
        first = vary.pick(f"Wat vervelend dat het zo gelopen is{who}. Dat nemen we serieus.",
                          f"Het spijt me dat je dit zo ervaart{who}; we willen dit goed oplossen.")
    elif decision.escalation_type == "technical_specialist":
        first = vary.pick(f"Vervelend dat er iets mis is met je auto{who}! Daar gaan we je mee helpen.",
                          f"Balen dat je auto niet doet wat hij moet doen{who}. Dat lossen we samen op.")
    elif decision.escalation_type == "finance_advisor":
        first = vary.pick(f"Dank je dat je dit meteen vertelt{who}; zo kunnen we goed met je meedenken.",
                          f"Goed dat je het aangeeft{who}. Hier kijken we graag persoonlijk naar.")
    elif "kopen" in reason:
        first = vary.pick(f"Wat leuk{who}! 🎉 Dan gaan we dat samen regelen.", f"Top{who}, mooie keuze! 🎉")
    elif "niet begrepen" in reason:
        first = "Sorry, ik begrijp je nog steeds niet goed en wil je niet laten wachten."
    else:
        first = vary.pick(f"Natuurlijk{who}!", f"Dat regelen we{who}!")
    parts = [first, request.escalation_handoff or ""]
    if decision.escalation_type == "finance_advisor":
        parts.append(CREDIT_WARNING)
    return ConversationOutput(response_text="\n\n".join(p for p in parts if p), handoff=True, backend="rules")


# --- pieces ------------------------------------------------------------------
def _opener(request: ReplyRequest, name: str | None, vary: _Variety) -> str:
    first_message = not any(turn.role == "bot" for turn in request.context.history)
    if request.router.intent == "greeting":
        return ""
    if first_message:
        who = f" {name}" if name else ""
        return vary.pick(f"Hoi{who}! 👋", f"Hallo{who}!", f"Hoi{who}, leuk dat je ons appt!")
    if name and request.extraction.customer_name:
        return f"Hoi {name}!"
    return ""


def car_line(car: Car) -> str:
    bits = [car.title]
    details = []
    if car.price_eur:
        details.append(f"{format_eur(car.price_eur)} p/m (lease)" if car.price_is_monthly else format_eur(car.price_eur))
    if car.year:
        details.append(str(car.year))
    if car.mileage_km is not None:
        details.append(f"{car.mileage_km:,} km".replace(",", "."))
    line = "• " + bits[0] + (" – " + " – ".join(details) if details else "")
    if car.url:
        line += f"\n  {car.url}"
    return line


def _car_list(cars: list[Car]) -> str:
    return "\n".join(car_line(car) for car in cars[:3])


def _describe(preferences: CarPreferences) -> str:
    words = []
    fuel = {"petrol": "benzine", "diesel": "diesel", "hybrid": "hybride", "plug_in_hybrid": "plug-in hybride",
            "electric": "elektrische", "lpg": "LPG"}
    if preferences.fuel_type:
        words.append(fuel[preferences.fuel_type])
    if preferences.make:
        words.append(preferences.make)
    if preferences.model:
        words.append(preferences.model)
    if not preferences.make and preferences.body_type:
        words.append(preferences.body_type)
    if not words:
        words.append("auto")
    if preferences.transmission == "automatic":
        words.append("automaat")
    text = " ".join(words)
    if preferences.max_price:
        text += f" tot {format_eur(preferences.max_price)}"
    return text


def _focus_car(request: ReplyRequest) -> Car | None:
    inventory = request.inventory
    if inventory and inventory.asked_car:
        return inventory.asked_car
    if inventory and inventory.matches:
        return inventory.matches[0].car
    last = request.context.last_cars[0] if request.context.last_cars else None
    wanted = request.extraction.car_preferences.model
    if last and (not wanted or wanted.lower() in last.model.lower() or request.extraction.refers_to_previous_car):
        return last
    return None


def _inventory_parts(request: ReplyRequest, dealer: DealerFacts, vary: _Variety) -> tuple[list[str], list[Car]]:
    inventory = request.inventory
    preferences = request.extraction.car_preferences
    if inventory is None:
        size = f"zo'n {dealer.stock_size_hint} " if dealer.stock_size_hint else ""
        return [f"Ons complete aanbod ({size}occasions) staat op {dealer.website}."], []
    parts: list[str] = []
    shown: list[Car] = []
    asked = inventory.asked_car
    others = [m.car for m in inventory.matches if not asked or m.car.id != asked.id]
    if request.extraction.asks_availability and inventory.availability == "sold" and asked:
        parts.append(vary.pick(f"Die {asked.title} is helaas verkocht 😕", f"Helaas, die {asked.title} is helaas verkocht."))
        if others:
            parts.append("Misschien is een van deze iets voor je:\n" + _car_list(others))
            shown = others[:3]
        else:
            parts.append("Ik heb nu geen vergelijkbare auto; zal ik breder zoeken, bijvoorbeeld een ander merk of budget?")
        return parts, shown
    if request.extraction.asks_availability and inventory.availability == "available" and asked:
        parts.append(vary.pick(f"Goed nieuws: de {asked.title} staat er nog! 👍", f"Ja, de {asked.title} is nog beschikbaar."))
        parts.append(_car_list([asked]))
        return parts, [asked]
    if request.extraction.asks_availability and inventory.availability == "unknown":
        parts.append("Die auto kan ik in ons actuele aanbod niet terugvinden, dus ik weet niet zeker of hij er nog staat.")
    cars = [m.car for m in inventory.matches]
    if cars:
        if inventory.relaxed:
            parts.append(f"Precies een {_describe(preferences)} heb ik nu niet, maar deze komen dichtbij:")
        else:
            parts.append(vary.pick("Dit heb ik op dit moment voor je:", "Deze passen bij wat je zoekt:", "Kijk eens naar deze:"))
        parts.append(_car_list(cars))
        shown = cars[:3]
        if inventory.total_found > 3:
            parts.append(f"Ik heb er nog {inventory.total_found - 3} meer; zal ik verder filteren?")
    else:
        parts.append(f"Op dit moment heb ik helaas geen {_describe(preferences)} in de voorraad.")
        parts.append("Zal ik breder zoeken, bijvoorbeeld met een ander merk, een ruimer budget of een ouder bouwjaar?")
    if inventory.is_sample_data:
        parts.append("(Let op: dit zijn voorbeeldgegevens, niet onze live voorraad.)")
    return parts, shown


# --- per intent ----------------------------------------------------------------
def _car_inquiry(request, dealer, now, vary):
    parts, cars = _inventory_parts(request, dealer, vary)
    technical = [s.text for s in request.expertise.knowledge if s.module == "technical"]
    if technical:
        parts.append(technical[0])
    if request.extraction.asks_monthly_payment:
        parts.extend(_payment_parts(request, dealer, cars))
    return parts, cars


def _payment_parts(request: ReplyRequest, dealer: DealerFacts, cars: list[Car]) -> list[str]:
    car = cars[0] if cars else _focus_car(request)
    price = car.price_eur if car and car.price_eur and not car.price_is_monthly else request.extraction.car_preferences.max_price
    if not price:
        return ["Voor welke auto of welk bedrag wil je het maandbedrag weten? Dan reken ik het voor je uit."]
    example = financial.example_payment(price, dealer)
    if example is None:
        return [f"Financieren kan vanaf {format_eur(dealer.financing.min_amount_eur)}."]
    subject = f"de {car.title} van {format_eur(price)}" if car and car.price_eur == price else f"een auto van {format_eur(price)}"
    return [
        f"Rekenvoorbeeld voor {subject}: bij {example.months} maanden en {format_rate(example.annual_rate_percent)} JKP "
        f"(zonder aanbetaling) is dat ongeveer {format_eur(example.monthly_payment_eur, cents=True)} per maand, "
        f"totaal {format_eur(example.total_eur, cents=True)}. Een andere looptijd of aanbetaling kan ook.",
        CREDIT_WARNING,
    ]


def _financing(request, dealer, now, vary):
    parts: list[str] = []
    cars: list[Car] = []
    inventory = request.inventory
    if inventory and inventory.asked_car:
        cars = [inventory.asked_car]
    topics = {s.topic: s.text for s in request.expertise.knowledge if s.module == "financial"}
    if request.extraction.asks_monthly_payment or (_focus_car(request) and not topics.keys() - {"financing_options", "monthly_payment"}):
        parts.extend(_payment_parts(request, dealer, cars))
        focus = cars[0] if cars else _focus_car(request)
        if focus and focus not in cars and any(focus.title in p for p in parts):
            cars = [focus]
    for topic in ("interest_rate", "bkr", "personal_loan", "huurkoop", "private_lease", "financial_lease"):
        if topic in topics:
            parts.append(topics[topic])
            break
    if not parts:
        parts.append(topics.get("financing_options") or financial.knowledge_for("financiering", dealer)[0].text)
    return parts, cars


def _trade_in(request, dealer, now, vary):
    vehicle = request.extraction.trade_in_vehicle
    have: set[str] = set()
    if vehicle and vehicle.license_plate:
        have.add("kenteken")
    if vehicle and vehicle.mileage_km:
        have.add("kilometerstand")
    car = ""
    if vehicle and (vehicle.make or vehicle.model):
        car = " je " + " ".join(p for p in (vehicle.make, vehicle.model) if p) + (f" uit {vehicle.year}" if vehicle.year else "")
    parts = [
        vary.pick(f"Inruilen kan zeker!{car and ' Leuk,' + car + ' nemen we graag in behandeling.'}",
                  f"Je kunt{car or ' je auto'} zeker bij ons inruilen 👍"),
        service.trade_in_request(dealer, have),
        "Een inruilprijs noem ik hier niet: die maakt een collega pas na het bekijken van de gegevens.",
    ]
    return parts, []


def _test_drive(request, dealer, now, vary):
    extraction = request.extraction
    parts = [vary.pick("Een proefrit is zeker mogelijk! 🚗", "Leuk, kom gerust een proefrit maken!")]
    day = extraction.preferred_day
    when = _resolve_day(day, now.astimezone(dealer.tz).date()) if day else None
    if when is not None:
        hours = dealer.hours_on(when)
        label = day if day in DUTCH_WEEKDAYS else when.strftime("%d-%m")
        if hours is None:
            parts.append(f"Op {label} zijn we helaas gesloten.\n{_hours_summary(dealer)}")
        else:
            time_text = f" om {extraction.preferred_time}" if extraction.preferred_time and ":" in extraction.preferred_time else ""
            parts.append(
                f"Op {label} zijn we open van {hours[0]:%H:%M} tot {hours[1]:%H:%M}. Ik geef je voorkeur{time_text} door; "
                "een collega bevestigt de afspraak."
            )
    cars: list[Car] = []
    focus = _focus_car(request)
    if focus:
        parts.append(f"Dan staat de {focus.title} voor je klaar.")
        cars = [focus]
    drive = dealer.test_drive
    parts.append(f"Een proefrit duurt zo'n {drive.duration_minutes} minuten; neem {drive.bring} mee. Adres: {dealer.address.one_line()}.")
    return parts, cars


def _service(request, dealer, now, vary):
    snippets = [s.text for s in request.expertise.knowledge if s.module in ("service", "technical")]
    if not snippets:
        snippets = [f"Daar help ik je graag mee. Voor onderhoud en reparaties kun je ons bellen op {dealer.phone}."]
    return snippets[:2], []


def _price_negotiation(request, dealer, now, vary):
    parts = [
        vary.pick("Onze prijzen zijn scherp gezet en gelden zoals vermeld; korting kan ik via WhatsApp niet geven.",
                  "We houden de prijzen scherp, dus zoals vermeld; onderhandelen via de app doe ik niet."),
        "Kom gerust langs voor een proefrit: in de showroom kun je alles met een verkoper bespreken, ook een eventuele inruil.",
    ]
    focus = _focus_car(request)
    cars = []
    if focus and focus.price_eur and not focus.price_is_monthly:
        parts.insert(1, f"De {focus.title} staat voor {format_eur(focus.price_eur)}, inclusief {dealer.warranty.bovag_months} maanden BOVAG-garantie.")
        cars = [focus]
    return parts, cars


def _complaint(request, dealer, now, vary):
    return [
        "Wat vervelend om te horen, het spijt me dat het zo gelopen is.",
        f"Bel ons gerust direct op {dealer.phone} (of mail {dealer.email}), dan zoeken we samen naar een oplossing.",
    ], []


def _general_info(request, dealer, now, vary):
    topics = {s.topic: s.text for s in request.expertise.knowledge if s.module == "service"}
    parts = []
    if "opening_hours" in topics or not topics:
        parts.append(_open_now(dealer, now))
        parts.append(_hours_summary(dealer))
    if "location" in topics or not topics:
        parts.append(f"Je vindt ons op {dealer.address.one_line()}.")
    if re.search(r"\b(telefoon\w*|nummer|bellen|mail\w*)\b", normalize(request.text)):
        parts.append(f"Bellen kan op {dealer.phone}, mailen naar {dealer.email}.")
    if re.search(r"\b(hoeveel\s+auto|aanbod|voorraad|website)\b", normalize(request.text)):
        size = f"zo'n {dealer.stock_size_hint} " if dealer.stock_size_hint else ""
        parts.append(f"We hebben {size}occasions; alles staat op {dealer.website}.")
    return parts, []


def _greeting(request, dealer, now, vary):
    name = request.extraction.customer_name or request.context.customer_name
    who = f" {name}" if name else ""
    text = normalize(request.text)
    if re.match(r"\W*(bedankt|dank|thanks|thx|top|super|prima|ok|oke|okay|fijne|tot\s+ziens|doei)", text):
        return [vary.pick(f"Graag gedaan{who}! 😊", f"Graag gedaan{who}, fijne dag!")], []
    returning = any(turn.role == "bot" for turn in request.context.history)
    welcome = f"Welkom terug{who}!" if returning else vary.pick(
        f"Hoi{who}! 👋 Welkom bij {dealer.name}.", f"Hallo{who}, fijn dat je ons appt! Je spreekt met de digitale assistent van {dealer.name}."
    )
    return [welcome, "Waar kan ik je mee helpen?"], []


def _other(request, dealer, now, vary):
    return [
        vary.pick("Sorry, dat begrijp ik niet helemaal.", "Hmm, die vraag snap ik niet goed."),
        "Kun je het anders zeggen? Ik help je met ons aanbod, financiering, inruil of een proefrit.",
    ], []


_HANDLERS = {
    "car_inquiry": _car_inquiry,
    "financing_inquiry": _financing,
    "trade_in": _trade_in,
    "test_drive": _test_drive,
    "service_inquiry": _service,
    "price_negotiation": _price_negotiation,
    "complaint": _complaint,
    "general_info": _general_info,
    "greeting": _greeting,
    "other": _other,
}


# --- helpers -------------------------------------------------------------------
def _follow_up(request: ReplyRequest, cars: list[Car], vary: _Variety) -> str | None:
    prefs = request.extraction.car_preferences
    context = request.context
    intent = request.router.intent
    if intent in ("greeting", "general_info"):
        return None
    if not (prefs.make or prefs.model or prefs.body_type or cars or context.last_cars):
        return vary.pick("Naar wat voor auto ben je op zoek?", "Welk merk of type auto heb je in gedachten?")
    if not prefs.max_price and intent in ("car_inquiry",) and not cars:
        return "Wat is ongeveer je budget?"
    if not prefs.fuel_type and intent == "car_inquiry" and not cars:
        return "Heb je een voorkeur voor benzine, diesel, hybride of elektrisch?"
    if intent in ("car_inquiry", "financing_inquiry") and not (context.has_trade_in or request.extraction.has_trade_in):
        return "Heb je nog een auto om in te ruilen?"
    if intent != "test_drive" and not (context.test_drive_requested or request.extraction.test_drive_requested):
        return vary.pick("Wanneer zou je langs willen komen voor een proefrit?", "Zin om een keer te komen proefrijden?")
    return None


def _discusses_credit(text: str) -> bool:
    return bool(re.search(r"\b(lening|lenen|krediet|huurkoop|per maand|JKP|rente|afbetal\w*|financieren kan|financial lease)", text, re.IGNORECASE))


def _resolve_day(day: str, today: date) -> date | None:
    if day in DUTCH_WEEKDAYS:
        offset = (DUTCH_WEEKDAYS.index(day) - today.weekday()) % 7
        return today + timedelta(days=offset)
    if day == "vandaag":
        return today
    if day == "morgen":
        return today + timedelta(days=1)
    if day == "overmorgen":
        return today + timedelta(days=2)
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def _hours_summary(dealer: DealerFacts) -> str:
    return "Onze openingstijden:\n" + dealer.opening_hours_text()


def _open_now(dealer: DealerFacts, now: datetime) -> str:
    local = now.astimezone(dealer.tz)
    if dealer.is_open(local):
        hours = dealer.hours_on(local.date())
        return f"We zijn nu open, vandaag tot {hours[1]:%H:%M}."
    nxt = dealer.next_opening(local)
    day = "morgen" if nxt.date() == local.date() + timedelta(days=1) else ("vandaag" if nxt.date() == local.date() else DUTCH_WEEKDAYS[nxt.weekday()])
    return f"We zijn nu gesloten; {day} om {nxt:%H:%M} zijn we er weer."
