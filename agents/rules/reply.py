"""The reply: short, friendly WhatsApp text built from the understanding and the search.

It answers every part of the message (the cars AND the test drive AND the opening hours),
only states cars, prices and facts it was given (inventory, dealer.yaml), asks at most one
new qualifying question, varies its wording by a hash of the message (deterministic for
replays) and never follows instructions hidden in the customer's text. The parts live in
reply_stock (cars we have), reply_money (payments, price), reply_visit (test drive, hours,
address), reply_handoff and reply_greeting; reply_draft holds the reply being built.
"""

from __future__ import annotations

import re
from datetime import datetime

from agents.guardrails import known_cars
from agents.handled import fixed_reply
from agents.knowledge import service
from agents.knowledge.dealer import DealerFacts
from agents.knowledge.financial import CREDIT_WARNING
from agents.models import Car, ConversationOutput, ReplyRequest
from agents import open_checks, repetition
from agents.equipment import EQUIPMENT_FACT
from agents.rules import reply_technical, reply_warranty
from agents import car_facts
from agents.rules.phrases import Phrase
from agents.scoring_signals import bought_elsewhere
from agents.rules.reply_parts import answer_parts, equipment_unknown, facts_unknown, missing_equipment
from agents.rules.reply_cars import cars_in_question, facts_answer, named_stock_car, names_a_new_car, superlative_answer
from agents.rules.reply_dialogue import answer_in_state
from agents.rules.reply_draft import QUESTION, Draft, Variety, trade_in_known, wants_new_car, without_history
from agents.rules.reply_followup import last_question_key, pick_follow_up
from agents.rules.phrases import Phrase, voice_of
from agents.rules.reply_greeting import foreign_question, greet_first, greeting_answer, other_language_note
from agents.rules.reply_handoff import handoff
from agents.rules.reply_hours import compact_hours
from agents.rules.reply_money import financing_answer, payment_parts, price_negotiation_answer
from agents.rules.reply_questions import car_facts_asked, financing_wishes, superlative_asked
from agents.rules.reply_stock import inventory_parts
from agents.rules.reply_visit import general_info_answer, hours_answer, test_drive_answer, test_drive_parts
from agents.rules.text import SHORT_ANSWER, normalize

__all__ = ["compose"]

INJECTION = re.compile(
    r"(negeer|vergeet|ignore|disregard|forget)\s+(?:\w+\s+){0,3}(instructies|instructions|regels|rules|prompt|opdracht)|"
    r"\[\s*(system|systeem|admin|developer)\s*\]|\bsystem\s*prompt|\bsysteemprompt|\bjailbreak|\bdeveloper\s+mode|"
    r"\bje\s+bent\s+nu\s+(?:een|de)\b|\byou\s+are\s+now\b|\b(?:toon|laat\s+zien|geef|print|reveal|show)\s+(?:me\s+)?(?:je|jouw|your|de)\s+(?:\w+\s+)?(?:prompt|instructies|instructions)"
)
SAMPLE_NOTE = Phrase(
    nl="(Let op: dit zijn voorbeeldgegevens, niet onze live voorraad.)",
    en="(Please note: this is sample data, not our live stock.)",
    de="(Hinweis: Das sind Beispieldaten, nicht unser aktueller Bestand.)",
)
STAY_ON_TOPIC = Phrase(
    nl="Ik help je graag met vragen over onze auto's, financiering, inruil en proefritten; daar houd ik me aan.",
    nl_u="Ik help u graag met vragen over onze auto's, financiering, inruil en proefritten; daar houd ik me aan.",
    en="I'm happy to help with questions about our cars, financing, trade-ins and test drives; that's what I stick to.",
    de="Gern helfe ich Ihnen bei Fragen zu unseren Autos, zur Finanzierung, zur Inzahlungnahme und zu Probefahrten – dabei bleibe ich.",
)
NO_TRADE_IN_PRICE = Phrase(
    nl="Een inruilprijs noem ik hier niet; die maakt een collega na het bekijken.",
    en="I can't put a price on it here; a colleague does that once they've seen the details.",
    de="Einen Preis für Ihren Wagen kann ich hier nicht nennen; den macht ein Kollege, sobald er die Angaben gesehen hat.",
)
TOP = Phrase(nl="Top!", en="Great!", de="Prima!")
NO_TRADE_IN = Phrase(nl="Helder, dan gaan we uit van een aankoop zonder inruil.", en="Got it – so no trade-in.",
                     de="Alles klar, dann gehen wir von einem Kauf ohne Inzahlungnahme aus.")
NO_VISIT = Phrase(
    nl="Geen probleem! Je bent altijd welkom om te komen kijken; we zijn open {hours}.",
    nl_u="Geen probleem! U bent altijd welkom om te komen kijken; we zijn open {hours}.",
    en="No problem! You're always welcome to come and have a look; we're open {hours}.",
    de="Kein Problem! Sie können jederzeit gern vorbeikommen und sich umsehen; geöffnet haben wir {hours}.",
)
NOTED = (
    Phrase(nl="Helder, dank je!", nl_u="Helder, dank u!", en="Got it, thanks!", de="Alles klar, danke!"),
    Phrase(nl="Duidelijk, dank je!", nl_u="Duidelijk, dank u wel!", en="Clear, thank you!", de="Verstanden, vielen Dank!"),
)
TRADE_IN_WELCOME = (
    Phrase(nl="Inruilen kan zeker!", en="Trading in is no problem at all!", de="Eine Inzahlungnahme ist gar kein Problem!"),
    Phrase(nl="Je kunt je auto zeker bij ons inruilen 👍", nl_u="U kunt uw auto zeker bij ons inruilen 👍",
           en="You can certainly trade in your car with us 👍", de="Ihren Wagen können Sie gern bei uns in Zahlung geben 👍"),
)
TRADE_IN_WELCOME_CAR = (
    Phrase(nl="Inruilen kan zeker! Leuk, je {car} nemen we graag in behandeling.",
           nl_u="Inruilen kan zeker! Uw {car} nemen we graag in behandeling.",
           en="Trading in is no problem at all – we'd be glad to take a look at your {car}.",
           de="Eine Inzahlungnahme ist gar kein Problem – Ihren {car} schauen wir uns gern an."),
    Phrase(nl="Je kunt je {car} zeker bij ons inruilen 👍", nl_u="U kunt uw {car} zeker bij ons inruilen 👍",
           en="You can certainly trade in your {car} with us 👍", de="Ihren {car} können Sie gern bei uns in Zahlung geben 👍"),
)
FROM_YEAR = Phrase(nl=" uit {year}", en=" from {year}", de=" (Baujahr {year})")
NO_VALUE_HERE = Phrase(nl="Een inruilwaarde kan ik hier niet noemen.", en="I can't give a trade-in value here.",
                       de="Einen Inzahlungnahmewert kann ich hier leider nicht nennen.")
THANKS = Phrase(nl="Dank je!", nl_u="Dank u!", en="Thank you!", de="Vielen Dank!")
NO_PRICE_BEFORE_SEEING = Phrase(
    nl="Een inruilprijs noem ik hier niet: die maakt een collega pas na het bekijken van de gegevens.",
    en="I won't name a trade-in price here: a colleague works that out once they've seen the details.",
    de="Einen Preis nenne ich hier nicht: Den ermittelt ein Kollege, sobald er die Angaben gesehen hat.",
)
SERVICE_CALL_US = Phrase(
    nl="Daar help ik je graag mee. Voor onderhoud en reparaties kun je ons bellen op {phone}.",
    nl_u="Daar help ik u graag mee. Voor onderhoud en reparaties kunt u ons bellen op {phone}.",
    en="Happy to help. For servicing and repairs, please give us a call on {phone}.",
    de="Dabei helfe ich gern. Für Wartung und Reparaturen erreichen Sie uns telefonisch unter {phone}.",
)
SORRY_COMPLAINT = Phrase(
    nl="Wat vervelend om te horen, het spijt me dat het zo gelopen is.",
    en="I'm sorry to hear that – that's not how it should have gone.",
    de="Das tut mir leid zu hören – so hätte es nicht laufen dürfen.",
)
COMPLAINT_CONTACT = Phrase(
    nl="Bel ons gerust direct op {phone} (of mail {email}), dan zoeken we samen naar een oplossing.",
    nl_u="Belt u ons gerust direct op {phone} (of mail naar {email}), dan zoeken we samen naar een oplossing.",
    en="Please call us directly on {phone} (or email {email}) and we'll work out a solution together.",
    de="Rufen Sie uns gern direkt unter {phone} an (oder schreiben Sie an {email}), dann finden wir gemeinsam eine Lösung.",
)
NOT_UNDERSTOOD = (
    Phrase(nl="Sorry, dat begrijp ik niet helemaal.", en="Sorry, I didn't quite get that.",
           de="Entschuldigung, das habe ich nicht ganz verstanden."),
    Phrase(nl="Hmm, die vraag snap ik niet goed.", nl_u="Excuses, die vraag begrijp ik niet goed.",
           en="Hmm, I'm not sure I follow the question.", de="Hm, die Frage verstehe ich nicht ganz."),
)
REPHRASE = Phrase(
    nl="Kun je het anders zeggen? Ik help je met ons aanbod, financiering, inruil of een proefrit.",
    nl_u="Kunt u het anders verwoorden? Ik help u graag met ons aanbod, financiering, inruil of een proefrit.",
    en="Could you put it another way? I can help with our cars, financing, a trade-in or a test drive.",
    de="Können Sie es anders formulieren? Ich helfe Ihnen gern bei unserem Angebot, der Finanzierung, einer Inzahlungnahme oder einer Probefahrt.",
)
CREDIT_WARNING_SAID = Phrase(
    nl=CREDIT_WARNING,
    en=CREDIT_WARNING + " (Borrowing money costs money.)",
    de=CREDIT_WARNING + " (Achtung: Geld leihen kostet Geld.)",
)
_GEARBOX_QUESTION = re.compile(r"\b(dsg|cvt|edc|versnellingsbak|koppeling|schakel\w*|tiptronic|steptronic|verschil)\b")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?")
_CREDIT = re.compile(r"\b(lening|lenen|krediet|huurkoop|per maand|JKP|rente|afbetal\w*|financieren kan|financial lease|"
                     r"loan|a month|per month|APR|interest|hire purchase|Kredit\w*|im Monat|pro Monat|monatlich|Zins\w*|Mietkauf|"
                     r"Ratenkredit|Finanzierung)\b", re.I)



def _address_once(parts: list[str], address: str) -> list[str]:
    """The address in one sentence only: a location answer and a test-drive note both end with it."""
    seen = False

    def once(line: str) -> str:
        nonlocal seen
        if address not in line:
            return line
        kept = []
        for sentence in repetition.sentences(line):
            if address in sentence and seen:
                continue
            seen = seen or address in sentence
            kept.append(sentence)
        return " ".join(kept)

    return ["\n".join(once(line) for line in part.split("\n")).strip() for part in parts]


def compose(request: ReplyRequest, dealer: DealerFacts, now: datetime) -> ConversationOutput:
    fixed = fixed_reply(request)  # STOP, a voice note, a prank: the same text whichever backend runs
    if fixed is not None:
        return fixed
    vary = Variety(request.text)
    if request.escalation_handoff:
        return handoff(request, vary)
    language, form = voice_of(request)
    draft = Draft(request, dealer, now, vary, normalize(request.text), language=language, form=form)
    if INJECTION.search(draft.text):
        draft.parts.append(draft.say(STAY_ON_TOPIC))

    note = request.test_drive_note
    note_last = False
    parts_car = _car_for_parts(draft)
    practical = answer_parts(request.text, _voiced(draft), parts_car, dealer, now)
    draft.checks += [answer.check for answer in practical.answers if answer.check]
    draft.covered = practical.topics
    if parts_car is not None and any(parts_car.title in answer.text for answer in practical.answers):
        draft.show([parts_car])  # "past er een kinderwagen in de ceed?": the Ceed is the car under discussion
    if bought_elsewhere(request.text) and not request.escalation_handoff:
        return _goodbye(draft)
    if practical.only_side and not note:
        draft.intent = "practical"  # "moet ik iets meenemen?", "past er een kinderwagen in?": answered below
        draft.test_drive_done = True
        if request.trade_in_reply:
            draft.parts.append(request.trade_in_reply)  # the intake's sentence is said as given
    elif note and (request.router.intent in _BOOKING_ONLY_INTENTS or request.extraction.booking.action in ("choose", "move", "cancel")):
        draft.intent = request.router.intent
        first_asked = request.extraction.asks_availability and request.inventory is not None and request.inventory.asked_car
        if first_asked:
            inventory_parts(draft)  # "staat de tiguan nog, ... proefrit?": the first question first, the booking last
        else:
            draft.parts.append(note)  # "de eerste", "ik kan toch niet": the booking is the main answer
        draft.test_drive_done = draft.answered_car_facts = True
        _answer_the_other_parts(draft)  # "... en wat kost hij per maand?" still gets its answer
        note_last = bool(first_asked)
    elif foreign_question(draft):  # "et quel est le prix?": the price we know, or please ask in English
        draft.intent = "other"
    else:
        if practical.side and not _TEST_DRIVE_WORDS.search(practical.main_text()):
            draft.test_drive_done = True  # "mag mijn vriend mee met de proefrit?" is answered below, no pitch
            draft.main_intent = "car_inquiry" if request.router.intent == "test_drive" else None
        _main_answer(draft)
        _answer_the_other_parts(draft)
    # the practical questions in the order asked: before the main answer when asked before it
    first_main = practical.first_main
    draft.parts[0:0] = [answer.text for answer in practical.before(first_main)]
    draft.parts += [answer.text for answer in practical.after(first_main)]
    if note_last:
        draft.parts.append(note)  # its question ("welke wil je proberen?") last, where WhatsApp readers look
    if note and not draft.test_drive_done:
        draft.parts.append(note)
        draft.test_drive_done = True
    if note:
        draft.show([car for car in _booking_cars(request) if car.id in request.test_drive_car_ids])

    follow_up = None
    if not note and not draft.no_follow_up and draft.intent not in ("complaint", "other", "greeting", "general_info") and not any("?" in p for p in draft.parts):
        prefs = request.context.preferences.merged_with(request.extraction.car_preferences)
        follow_up = pick_follow_up(request, prefs, draft.cars, draft.pick, draft.intent, draft.answered_car_facts,
                                   said_now=" ".join(draft.parts), visiting=draft.test_drive_done)
    greet_first(draft)
    warning = draft.say(CREDIT_WARNING_SAID)
    parts = [part.replace(warning, "").replace(CREDIT_WARNING, "").strip() for part in draft.parts]
    if _CREDIT.search(" ".join(parts)):
        parts.append(warning)
    if request.inventory is not None and request.inventory.is_sample_data and draft.cars \
            and not draft.said_before("voorbeeldgegevens|sample data|Beispieldaten"):
        parts.append(draft.say(SAMPLE_NOTE))
    parts += other_language_note(draft)
    parts = _address_once(parts, dealer.address.one_line())
    if follow_up:
        parts.append(follow_up)  # the question last, where WhatsApp readers expect it
    response = _one_emoji("\n\n".join(part for part in parts if part))
    return ConversationOutput(
        response_text=response,
        mentioned_car_ids=[car.id for car in draft.cars],
        follow_up_question=follow_up,
        handoff=False,
        backend="rules",
        open_checks=open_checks.new_checks(request.context, draft.checks),
    )


_BOOKING_ONLY_INTENTS = ("test_drive", "other", "greeting", "general_info", "complaint")


def _booking_cars(request: ReplyRequest) -> list[Car]:
    return known_cars(request)  # the cars a booking may name are the ones a reply may name


_TEST_DRIVE_WORDS = re.compile(r"\b(proefr\w*|test\s*-?\s*drive|probefahrt|rijden)\b", re.I)


def _main_answer(draft: Draft) -> None:
    request = draft.request
    intent = draft.main_intent or request.router.intent
    months, down = financing_wishes(draft.text, without_history(request))
    focus = cars_in_question(request.context, request.extraction, draft.text)
    new_car = names_a_new_car(request.extraction, request.context, draft.text)
    draft.intent = intent
    answered = last_question_key(request)
    if request.trade_in_reply and not new_car and intent not in ("complaint", "test_drive", "financing_inquiry"):
        # the intake's own sentence (RDW facts, mileage, photos, value): the customer's car, not ours
        draft.intent = "trade_in"
        draft.parts.append(request.trade_in_reply)
        return
    if answer_in_state(draft):  # "die tweede", "ja" to "zal ik breder zoeken?": read against our open question
        return
    reply_word = _SHORT_ANSWER.fullmatch(draft.text.strip(" !.,"))
    if reply_word and intent in ("other", "greeting", "car_inquiry", "trade_in", "test_drive") and request.context.history:
        _answer_to_our_question(draft, answered, yes=reply_word.group(1) not in _NO_WORDS)
        return
    if _NO_TRADE_IN.search(draft.text) and intent in ("other", "trade_in"):
        _answer_to_our_question(draft, "trade_in", yes=False)
        return
    best = superlative_asked(draft.text)
    if best and len(request.context.last_cars) > 1 and not new_car:
        answer = superlative_answer(request.context.last_cars, best, draft.dealer, draft.language)
        if answer:
            draft.answered_car_facts = True
            draft.parts.append(answer[0])
            draft.show([answer[1]])
            return
    if focus and not new_car and _asks_about_known_car(draft, intent):
        draft.answered_car_facts = True
        draft.parts.append(_facts_answer(draft, focus, car_facts_asked(draft.text)))
        draft.show(focus)
        return
    named = _the_one_named_car(draft) if new_car else None
    if named and _asks_about_known_car(draft, intent, named=True):
        draft.answered_car_facts = True  # "heeft die Octavia een trekhaak?": the one Octavia in stock
        draft.parts.append(_facts_answer(draft, [named], car_facts_asked(draft.text)))
        draft.show([named])
        return
    trade_in = request.extraction.trade_in_vehicle
    if intent in ("car_inquiry", "other") and trade_in and (trade_in.license_plate or trade_in.mileage_km) \
            and not new_car and not request.extraction.asks_availability:
        intent = draft.intent = "trade_in"  # "kenteken is 12-ABC-3, 98.000 km": details of the trade-in
    has_trade_in = request.extraction.has_trade_in or request.context.has_trade_in
    if intent == "price_negotiation" and has_trade_in and not new_car and _TRADE_IN_VALUE.search(draft.text):
        intent = draft.intent = "trade_in"  # "wat bieden jullie ervoor?" is about their car, not ours
    if (months is not None or down is not None) and intent in ("car_inquiry", "other", "financing_inquiry") and (focus or intent == "financing_inquiry"):
        intent = draft.intent = "financing_inquiry"  # "en met 5000 aanbetaling?" about the car just discussed
    if intent == "service_inquiry" and reply_warranty.answer(draft):
        return  # "stel dat de koppeling kapot gaat, valt dat onder de garantie?": the warranty, no gearbox lesson
    if intent in ("car_inquiry", "other", "general_info", "service_inquiry") and reply_technical.asked(request, draft.text):
        parts, car, unknown, unknown_facts = reply_technical.answer(request, draft.text, draft.dealer)
        draft.parts.extend(parts)
        if car is not None and unknown:  # "heeft hij keyless entry?": not in our data, a check promised
            line, checks, _ = equipment_unknown(car, unknown, request.text, draft.dealer, draft.now, _voiced(draft))
            draft.checks += checks
            draft.parts.append(line)
        if car is not None and unknown_facts:  # road tax without the car's weight: the weight is checked
            line, checks, _ = facts_unknown(car, unknown_facts, request.text, draft.dealer, draft.now, _voiced(draft))
            draft.checks += checks
            draft.parts.append(line)
        draft.answered_car_facts = True
        draft.show([car] if car else [])
        return
    _HANDLERS.get(intent, _other)(draft)


def _voiced(draft: Draft):
    """The context in this reply's language and register (this message may have set them)."""
    return draft.request.context.model_copy(update={"language": draft.language, "address_form": draft.form})


def _facts_answer(draft: Draft, cars: list[Car], facts: list[str]) -> str:
    """The facts we have (yes, no); what our data does not say gets one line and a promised check."""
    context = _voiced(draft)
    car = cars[0] if len(cars) == 1 else None
    if car is None:
        return facts_answer(cars, facts, draft.dealer, context, draft.language, draft.form, draft.text)
    options = missing_equipment(car, facts)
    facts = [fact for fact in facts if fact not in draft.covered]  # "onderhoudshistorie?" answered as a practical part
    detail = [fact for fact in facts if fact in car_facts.DETAIL_FACTS]
    _, unknown_detail = car_facts.facts_answer(car, detail, draft.dealer, context.language, context.address_form)
    if "towing" in unknown_detail and "trekhaak" in options:
        unknown_detail.remove("towing")  # one line: the towbar and what it may tow
    if not (options or unknown_detail):
        return facts_answer(cars, facts, draft.dealer, context, draft.language, draft.form, draft.text)
    lines, repeats = [], []
    for keys, line_and_checks in ((options, lambda: equipment_unknown(car, options, draft.request.text, draft.dealer, draft.now, context)),
                                  (unknown_detail, lambda: facts_unknown(car, unknown_detail, draft.request.text, draft.dealer,
                                                                         draft.now, context))):
        if not keys:
            continue
        line, checks, repeat = line_and_checks()
        draft.checks += checks
        lines.append(line)
        repeats.append(repeat)
    if all(repeats):
        draft.no_follow_up = True  # asked again: the short honest line, no sales question after it
        return "\n".join(lines)
    unknown = {EQUIPMENT_FACT + key for key in options} | set(unknown_detail)
    rest = [fact for fact in facts if fact not in unknown]
    known = facts_answer(cars, rest, draft.dealer, context, draft.language, draft.form, draft.text).split("\n") if rest else []
    url = [car.url] if car.url else []
    known = [text for text in known if text not in url]
    return "\n".join([*known, *lines, *url])


GOODBYE_BOUGHT_ELSEWHERE = Phrase(
    nl="Jammer, maar fijn dat je het even laat weten! Veel plezier met je nieuwe auto, en als je ooit weer iets zoekt, "
       "ben je van harte welkom.",
    nl_u="Jammer, maar fijn dat u het even laat weten! Veel plezier met uw nieuwe auto, en als u ooit weer iets zoekt, "
         "bent u van harte welkom.",
    en="A pity, but thanks for letting us know! Enjoy your new car, and you're always welcome if you're ever looking again.",
    de="Schade, aber danke, dass Sie Bescheid geben! Viel Freude mit Ihrem neuen Auto, und wenn Sie wieder etwas suchen, "
       "sind Sie herzlich willkommen.",
)


def _goodbye(draft: Draft) -> ConversationOutput:
    """Bought elsewhere: a short, gracious goodbye; no pitch, no question, no hand-over."""
    return ConversationOutput(response_text=draft.say(GOODBYE_BOUGHT_ELSEWHERE), backend="rules")


def _car_for_parts(draft: Draft) -> Car | None:
    """The one car a practical question ("past er een kinderwagen in?") is about, if there is one."""
    request = draft.request
    focus = cars_in_question(request.context, request.extraction, draft.text)
    if len(focus) == 1:
        return focus[0]
    inventory = request.inventory
    if inventory and inventory.asked_car and inventory.availability == "available":
        return inventory.asked_car
    if inventory and inventory.matches and not inventory.relaxed and inventory.total_found == 1:
        return inventory.matches[0].car
    if len(request.context.last_cars) == 1:
        return request.context.last_cars[0]
    return None


def _the_one_named_car(draft: Draft) -> Car | None:
    return named_stock_car(draft.request, draft.text)


def _asks_about_known_car(draft: Draft, intent: str, named: bool = False) -> bool:
    """ "wat is de kilometerstand?" / "is hij automaat?" about the car(s) just discussed, or the one named."""
    facts = car_facts_asked(draft.text)
    extraction = draft.request.extraction
    if not facts or extraction.asks_availability or extraction.asks_monthly_payment:
        return False
    if intent not in ("car_inquiry", "service_inquiry", "other", "general_info"):
        return False
    if re.search(r"\b(zoek\w*|ik\s+wil\s+(?:een|graag)|liefst|voorkeur|hebben\s+jullie|heb\s+je\s+(?:ook|nog)\s+een)\b", draft.text):
        return False  # a new search wish, not a question about this car
    dealer_wide = {"apk", "nap", "warranty"}
    last = draft.request.context.last_cars
    own_data = bool(last) and (last[0].apk_until is not None or last[0].nap_logical is not None) and "warranty" not in facts
    if set(facts) <= dealer_wide and not (named or extraction.refers_to_previous_car or own_data):
        return False  # "hebben jullie garantie?" is about the dealer, the service answer covers it
    if set(facts) <= {"weight", "consumption"} and "road_tax" in {s.topic for s in draft.request.expertise.knowledge}:
        return False  # "wegenbelasting? wat weegt hij?": the road-tax answer gives the weight
    return named or extraction.refers_to_previous_car or bool(QUESTION.search(draft.text)) or len(draft.text.split()) <= 4


def _answer_the_other_parts(draft: Draft) -> None:
    """A multi-question message gets every part answered, after the main one."""
    request = draft.request
    extraction = request.extraction
    topics = {s.topic for s in request.expertise.knowledge}
    inventory = request.inventory
    if extraction.asks_availability and inventory is not None and inventory.asked_car is not None \
            and inventory.asked_car.id not in {car.id for car in draft.cars} and draft.intent != "car_inquiry":
        # "staat de id.3 nog, ... tot hoe laat zijn jullie zaterdag open?": the availability first, explicitly
        before = len(draft.parts)
        inventory_parts(draft)
        draft.parts[:] = draft.parts[before:] + draft.parts[:before]
    facts = [fact for fact in car_facts_asked(draft.text) if fact.startswith(EQUIPMENT_FACT) or fact in car_facts.DETAIL_FACTS]
    shown = draft.cars[0] if len(draft.cars) == 1 else None
    if facts and shown is not None and not draft.answered_car_facts:
        # "staat de octavia nog, heeft hij een trekhaak en …?": the towbar of THIS car, not the general text
        general = {s.text for s in request.expertise.knowledge if s.module == "technical"}
        draft.parts[:] = [part for part in draft.parts if part not in general]
        draft.parts.append(_facts_answer(draft, [shown], facts))
        draft.answered_car_facts = True
    if _wants_visit(draft) and not draft.test_drive_done:
        test_drive_parts(draft, brief=True)
    if extraction.asks_monthly_payment and not draft.payment_done and request.router.intent != "financing_inquiry":
        draft.parts.extend(payment_parts(draft))
    if "opening_hours" in topics and request.router.intent != "general_info" and not draft.test_drive_done:
        draft.parts.append(hours_answer(draft))
    if draft.intent in ("trade_in", "general_info", "service_inquiry", "test_drive") and wants_new_car(draft) \
            and not draft.answered_car_facts:
        inventory_parts(draft)  # "ik ruil mijn astra in en zoek een niro": the Niros too
    if request.trade_in_reply and draft.intent != "trade_in":
        draft.parts.append(request.trade_in_reply)
    elif extraction.has_trade_in and draft.intent != "trade_in" and not _NO_TRADE_IN.search(draft.text):
        draft.parts.append(_trade_in_request(draft) + " " + draft.say(NO_TRADE_IN_PRICE))


_TRADE_IN_VALUE = re.compile(r"\b(bieden|bied|ervoor|waard|inruil\w*|taxatie|taxeren)\b")
_SHORT_ANSWER = SHORT_ANSWER
_NO_WORDS = {"nee", "neen", "nope", "nah"}
_NO_TRADE_IN = re.compile(r"\b(geen|niet|nee)\b[^.?!]{0,25}\b(inruil\w*|in te ruilen)")


def _answer_to_our_question(draft: Draft, key: str | None, yes: bool) -> None:
    """A short "ja"/"nee" to the question we just asked: act on it, then ask the next thing."""
    draft.intent = "car_inquiry" if draft.request.context.last_cars else "financing_inquiry"
    if key == "trade_in" and yes:
        draft.parts.append(f"{draft.say(TOP)} {_trade_in_request(draft)} {draft.say(NO_TRADE_IN_PRICE)}")
        draft.intent = "trade_in"
    elif key == "visit" and yes:
        test_drive_parts(draft, brief=True)
    elif key == "trade_in":
        draft.parts.append(draft.say(NO_TRADE_IN))
    elif key == "visit":
        draft.parts.append(draft.say(NO_VISIT, hours=compact_hours(draft.dealer, draft.language)))
    else:
        draft.parts.append(draft.pick(*NOTED))


def _wants_visit(draft: Draft) -> bool:
    """A test drive asked, or "ik kom morgen om 10 uur langs" (a day and coming over)."""
    extraction = draft.request.extraction
    return extraction.test_drive_requested or bool(
        extraction.preferred_day and re.search(r"\b(langs\w*|kom|komen|kijken|bekijken|bezichtig\w*)\b", draft.text))


def _one_emoji(text: str) -> str:
    seen = False

    def keep_first(match: re.Match[str]) -> str:
        nonlocal seen
        if seen:
            return ""
        seen = True
        return match.group(0)

    text = re.sub(r" +(?=[\n.!?,]|$)", "", _EMOJI.sub(keep_first, text))
    return re.sub(r"(?<=\S)  +", " ", text)  # "staat vast!  Zaterdag" after a second emoji went


# --- per intent ----------------------------------------------------------------


def trade_in_answer(draft: Draft) -> None:
    if draft.request.trade_in_reply:
        draft.parts.append(draft.request.trade_in_reply)
        return
    vehicle = draft.request.extraction.trade_in_vehicle
    car = ""
    if vehicle and (vehicle.make or vehicle.model):
        car = " ".join(p for p in (vehicle.make, vehicle.model) if p) + (draft.say(FROM_YEAR, year=vehicle.year) if vehicle.year else "")
    if draft.said_before("inruilvoorstel|trade-in offer|Angebot für Ihren"):
        asks_value = re.search(r"\b(waard|waarde|bieden|bied|geven|inruilprijs|prijs|worth|value|offer|wert|bieten)\b", draft.text)
        first = draft.say(NO_VALUE_HERE) if asks_value else draft.say(THANKS)
        draft.parts.append(f"{first} {_trade_in_request(draft)}")
        return
    draft.parts += [
        draft.pick(*TRADE_IN_WELCOME_CAR, car=car) if car else draft.pick(*TRADE_IN_WELCOME),
        _trade_in_request(draft) + " " + draft.say(NO_PRICE_BEFORE_SEEING),
    ]


def _trade_in_request(draft: Draft) -> str:
    return service.trade_in_request(draft.dealer, trade_in_known(draft.request), draft.language, draft.form)


def car_inquiry_answer(draft: Draft) -> None:
    request = draft.request
    context, extraction = request.context, request.extraction
    nothing_new = context.preferences.merged_with(extraction.car_preferences) == context.preferences
    knowledge = [s.text for s in request.expertise.knowledge]
    if context.last_cars and nothing_new and knowledge and QUESTION.search(draft.text) \
            and not (extraction.asks_availability or extraction.asks_monthly_payment):
        draft.parts.extend(knowledge[:1])  # "kan ik hem thuis laden?": answer it, don't list the cars again
        draft.answered_car_facts = True
        return
    inventory_parts(draft)
    technical = [s for s in request.expertise.knowledge if s.module == "technical"]
    # "staat de octavia nog, heeft hij een trekhaak?": the one car just shown answers from its own facts
    own = _facts_of_the_car_shown(draft)
    if own:
        draft.parts.append(own)
        technical = [s for s in technical if s.topic not in _CAR_OWN_TOPICS]
    # "liefst automaat" or "een automaat tot 15k?" is a search wish, not a question about DSG.
    technical = [s.text for s in technical if s.topic != "automatic_gearbox" or _GEARBOX_QUESTION.search(draft.text)]
    if technical and QUESTION.search(draft.text):
        draft.parts.append(technical[0])
    if draft.request.extraction.asks_monthly_payment:
        draft.parts.extend(payment_parts(draft))


_CAR_OWN_TOPICS = {"towing", "equipment", "consumption", "ev_range"}


def _facts_of_the_car_shown(draft: Draft) -> str | None:
    """Options and detail facts asked about the one car this reply shows (its link is already there)."""
    if len(draft.cars) != 1 or not QUESTION.search(draft.text):
        return None
    facts = [fact for fact in car_facts_asked(draft.text)
             if fact.startswith(EQUIPMENT_FACT) or fact in car_facts.DETAIL_FACTS]
    if not facts:
        return None
    car = draft.cars[0]
    answer = _facts_answer(draft, [car], facts)
    if car_facts.only_one_of_its_model(car, draft.request.context):
        answer = answer.replace(f" {car.title}", f" {car.model}")  # its full title is in the line just above
    return "\n".join(line for line in answer.split("\n") if line != car.url) or None


def _service(draft: Draft) -> None:
    snippets = [s.text for s in draft.request.expertise.knowledge if s.module in ("service", "technical")]
    if not snippets:
        snippets = [draft.say(SERVICE_CALL_US, phone=draft.dealer.phone)]
    draft.parts.extend(snippets[:2])


def _complaint(draft: Draft) -> None:
    draft.parts += [draft.say(SORRY_COMPLAINT), draft.say(COMPLAINT_CONTACT, phone=draft.dealer.phone, email=draft.dealer.email)]


def _other(draft: Draft) -> None:
    if draft.request.expertise.knowledge:  # "wat is het verschil tussen dsg en cvt?": we do know that
        _service(draft)
        return
    draft.parts += [draft.pick(*NOT_UNDERSTOOD), draft.say(REPHRASE)]


_HANDLERS = {
    "car_inquiry": car_inquiry_answer,
    "financing_inquiry": financing_answer,
    "trade_in": trade_in_answer,
    "test_drive": test_drive_answer,
    "service_inquiry": _service,
    "price_negotiation": price_negotiation_answer,
    "complaint": _complaint,
    "general_info": general_info_answer,
    "greeting": greeting_answer,
    "other": _other,
}
