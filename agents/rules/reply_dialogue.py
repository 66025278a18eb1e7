"""Short answers to our own open question (agents/dialogue.py), answered as such.

"die tweede" after a list: that car. "ja graag" after "Zal ik breder zoeken?": the wider search.
"ja" to a question that "ja" does not answer ("Wat is ongeveer je budget?"): the question once
more, plainly, instead of a thank-you and a new question. Answers that a booking, the trade-in
intake or the search already act on (a day, a time, a mileage, an amount) are left to them.
"""

from __future__ import annotations

from agents import dialogue
from agents.models import Car
from agents.rules.phrases import Phrase, euro, spoken_language
from agents.rules.reply_cars import car_line, car_list, MAX_LISTED
from agents.rules.reply_draft import Draft
from agents.rules.reply_questions import car_facts_asked
from agents.rules.text import SHORT_ANSWER

PICKED = Phrase(
    nl="Goede keus! De {title}:", nl_u="Goede keus! De {title}:",
    en="Good choice! The {title}:", de="Gute Wahl! Der {title}:",
)
WIDER = Phrase(
    nl="Ik heb breder gezocht; deze komen het dichtst in de buurt:",
    en="I searched more widely; these come closest:",
    de="Ich habe breiter gesucht; diese kommen am nächsten:",
)
WIDER_NOTHING = Phrase(
    nl="Ook breder gezocht heb ik nu niets dat past. Ons hele aanbod staat op {website}.",
    en="Even searching more widely I have nothing that fits right now. All our stock is on {website}.",
    de="Auch bei breiterer Suche habe ich gerade nichts Passendes. Unser ganzes Angebot steht auf {website}.",
)
KEEP_WISHES = Phrase(
    nl="Helder, dan houd ik het bij je wensen. Zeg het gerust als je toch breder wilt kijken.",
    nl_u="Helder, dan houd ik het bij uw wensen. Zeg het gerust als u toch breder wilt kijken.",
    en="Clear, I'll stick to your wishes then. Just say so if you'd like to look more widely after all.",
    de="Alles klar, dann bleibe ich bei Ihren Wünschen. Sagen Sie gern Bescheid, wenn Sie doch breiter schauen möchten.",
)
NO_PAYMENT = Phrase(
    nl="Prima, dan laat ik de financiering rusten.", en="Fine, I'll leave the financing aside then.",
    de="In Ordnung, dann lasse ich die Finanzierung beiseite.",
)
ASK_AGAIN = Phrase(nl="Top! {question}", en="Great! {question}", de="Prima! {question}")

RESUMED = Phrase(
    nl="Ja, de {title} waar je naar vroeg staat er nog:",
    nl_u="Ja, de {title} waar u naar vroeg staat er nog:",
    en="Yes, the {title} you asked about is still available:",
    de="Ja, der {title}, nach dem Sie gefragt haben, ist noch da:",
)

ABOVE_BUDGET = Phrase(
    nl="Let wel: die valt boven de {budget} die je eerder noemde.",
    nl_u="Let wel: die valt boven de {budget} die u eerder noemde.",
    en="Mind you: that is above the {budget} you mentioned earlier.",
    de="Beachten Sie: Das liegt über den {budget}, die Sie vorhin genannt haben.",
)

INTEREST = Phrase(
    nl="Leuk! Zal ik een proefrit in de {title} voor je inplannen?",
    nl_u="Leuk! Zal ik een proefrit in de {title} voor u inplannen?",
    en="Great! Shall I book a test drive in the {title} for you?",
    de="Schön! Soll ich eine Probefahrt im {title} für Sie einplanen?",
)
NO_VISIT = Phrase(
    nl="Geen probleem, rustig rondkijken mag altijd. Heb je nog een vraag over de {title} of een andere auto, app gerust.",
    nl_u="Geen probleem, rustig rondkijken mag altijd. Heeft u nog een vraag over de {title} of een andere auto, app gerust.",
    en="No problem, take your time to look around. Any question about the {title} or another car, just message us.",
    de="Kein Problem, schauen Sie sich in Ruhe um. Bei Fragen zum {title} oder einem anderen Auto schreiben Sie uns gern.",
)
NO_THANKS = Phrase(
    nl="Geen probleem! Laat het gerust weten als ik ergens mee kan helpen.",
    nl_u="Geen probleem! Laat het gerust weten als ik ergens mee kan helpen.",
    en="No problem! Just let me know if I can help with anything.",
    de="Kein Problem! Sagen Sie gern Bescheid, wenn ich helfen kann.",
)
NO_TRADE_IN = Phrase(
    nl="Helder, dan gaan we uit van een aankoop zonder inruil.", en="Clear, then we'll assume a purchase without a trade-in.",
    de="Alles klar, dann gehen wir von einem Kauf ohne Inzahlungnahme aus.",
)

BOOKING_STATUS = Phrase(
    nl="Je proefrit staat genoteerd: {when} in de {title}. Tot dan!",
    nl_u="Uw proefrit staat genoteerd: {when} in de {title}. Tot dan!",
    en="Your test drive is noted: {when} in the {title}. See you then!",
    de="Ihre Probefahrt ist eingetragen: {when} im {title}. Bis dann!",
)
_WEEKDAYS = {"nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
             "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
             "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")}
_MONTHS = {"nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
                  "november", "december"),
           "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"),
           "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                  "November", "Dezember")}


def when_text(moment, tz, language: str) -> str:
    """"vrijdag 27 november om 10:00" / "Friday 27 November at 10:00" / "Freitag, 27. November um 10:00"."""
    spoken = spoken_language(language)
    local = moment.astimezone(tz)
    day, month = _WEEKDAYS[spoken][local.weekday()], _MONTHS[spoken][local.month - 1]
    if spoken == "en":
        return f"{day} {local.day} {month} at {local:%H:%M}"
    if spoken == "de":
        return f"{day}, {local.day}. {month} um {local:%H:%M}"
    return f"{day} {local.day} {month} om {local:%H:%M}"


WHEN_TO_DRIVE = Phrase(
    nl="Wanneer wil je hem komen proefrijden?", nl_u="Wanneer wilt u hem komen proefrijden?",
    en="When would you like to come for a test drive?", de="Wann möchten Sie zur Probefahrt kommen?",
)

# "ja" answers these; for the others it does not (what budget? which fuel?), so we ask again.
_YES_ACTED_ON_ELSEWHERE = {"visit", "trade_in", "trade_in_check", "slot", "which_car", "payment"}


def answer_in_state(draft: Draft) -> bool:
    """Answer a short reply to our open question; False when the normal reply should handle it."""
    request = draft.request
    if _resumes_the_car(draft):
        return True
    bookings = request.context.test_drive.bookings
    if bookings and dialogue.asks_booking_status(request.text) and not request.test_drive_note:
        booking = bookings[-1]  # "bevestiging?": the booking as it stands now, after any move
        draft.intent = "other"
        draft.test_drive_done = True
        draft.parts.append(draft.say(BOOKING_STATUS, title=booking.car_title,
                                  when=when_text(booking.start, draft.dealer.tz, draft.language)))
        return True
    answer = dialogue.read_answer(request.text, request.context)
    if answer is None:
        return False
    context = request.context
    if answer.reading == "pick" and not context.test_drive.open_question:
        car = _known(draft, answer.car.id)
        if car is None:
            return False
        draft.intent = "car_inquiry"
        draft.answered_car_facts = True
        draft.parts.append(draft.say(PICKED, title=car.title) + "\n" + car_line(car, draft.language))
        if answer.kind in ("visit", "day", "time"):  # picked in answer to our test-drive question: it still stands
            draft.parts.append(draft.say(WHEN_TO_DRIVE))
        draft.show([car])
        return True
    if answer.kind == "broader_search" and answer.reading == "yes":
        draft.intent = "car_inquiry"
        inventory = request.inventory
        cars = [match.car for match in inventory.matches] if inventory else []
        if cars:
            draft.parts.append(draft.say(WIDER) + "\n" + car_list(cars, draft.language))
            draft.show(cars[:MAX_LISTED])
        else:
            draft.parts.append(draft.say(WIDER_NOTHING, website=draft.dealer.website))
        return True
    if answer.kind == "broader_search" and answer.reading == "no":
        draft.intent = "other"
        draft.parts.append(draft.say(KEEP_WISHES))
        return True
    if answer.kind == "payment" and answer.reading == "no":
        draft.intent = "other"
        draft.parts.append(draft.say(NO_PAYMENT))
        return True
    if answer.reading == "yes" and answer.kind not in _YES_ACTED_ON_ELSEWHERE and context.dialogue.open_question:
        car = _known(draft, context.dialogue.car.id) if context.dialogue.car else None
        draft.intent = "other"
        if car is not None and not context.test_drive.bookings and answer.kind in ("budget", "fuel", "gearbox", "car_type"):
            # "ja graag" after "de Picanto staat er nog ... budget?": interest in that car, not a budget
            draft.parts.append(draft.say(INTEREST, title=car.title))
            draft.show([car])
            return True
        # "ja graag" to "Wat is ongeveer je budget?": ask it again, plainly
        draft.parts.append(draft.say(ASK_AGAIN, question=context.dialogue.open_question.text))
        return True
    if answer.reading == "no" and not SHORT_ANSWER.fullmatch(draft.text.strip(" !.,")):
        # "nee hoor, ik kijk nog even rond": a polite decline, no new question (short "nee"s: reply.py)
        draft.intent = "other"
        car = context.dialogue.car
        if answer.kind == "visit" and car is not None:
            draft.parts.append(draft.say(NO_VISIT, title=car.title))
        elif answer.kind == "trade_in":
            draft.parts.append(draft.say(NO_TRADE_IN))
        else:
            draft.parts.append(draft.say(NO_THANKS))
        return True
    return False


def _known(draft: Draft, car_id: str) -> Car | None:
    context = draft.request.context
    inventory = draft.request.inventory
    candidates = [*context.listed_cars, *context.last_cars, *((m.car for m in inventory.matches) if inventory else [])]
    return next((car for car in candidates if car.id == car_id), None)


def _resumes_the_car(draft: Draft) -> bool:
    """"ik had gisteren gevraagd naar de tiguan" days later: the Tiguan we discussed, if it is still there."""
    request = draft.request
    focus = request.context.dialogue.car
    if focus is None or not dialogue.mentions_earlier_contact(request.text) or "?" in request.text:
        return False  # "..., heeft die een trekhaak?": the question is the answer, not the availability
    model = (request.extraction.car_preferences.model or "").lower()
    if not model or model not in draft.text or model not in focus.title.lower():
        return False
    inventory = request.inventory
    car = next((m.car for m in inventory.matches if m.car.id == focus.id), None) if inventory else None
    if car is None or car.sold:
        return False
    if car_facts_asked(draft.text):
        return False  # "… de tiguan, heeft die een trekhaak?": the question about it is the answer
    draft.intent = "car_inquiry"
    draft.answered_car_facts = True
    draft.parts.append(draft.say(RESUMED, title=car.title) + "\n" + car_line(car, draft.language))
    draft.show([car])
    return True


def beyond_budget_note(draft: Draft, cars: list[Car]) -> list[str]:
    """The car named was found by name first (agents.dialogue): say honestly that it is above the earlier budget."""
    inventory = draft.request.inventory
    budget = draft.request.context.preferences.max_price
    named_now = draft.request.extraction.named_search is not None  # "staat de golf variant nog?" after "tot 20k"
    if not (inventory and budget and ("max_price" in inventory.beyond_earlier_wishes or named_now)):
        return []
    if not any(car.price_eur and not car.price_is_monthly and car.price_eur > budget for car in cars):
        return []
    return [draft.say(ABOVE_BUDGET, budget=euro(budget, draft.language))]
