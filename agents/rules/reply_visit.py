"""Coming over: a test drive, the opening hours on the day asked, and where we are."""

from __future__ import annotations

import re

from agents.knowledge import service
from agents.repetition import said_sentence
from agents.rules.phrases import Phrase
from agents.rules.reply_cars import cars_in_question
from agents.rules.reply_draft import Draft, wants_new_car
from agents.rules.reply_hours import compact_hours, day_hours_sentence, open_now_sentence, resolve_day
from agents.rules.reply_questions import asks_open_now, wants_all_hours
from agents.rules.reply_stock import inventory_parts

BRING_DURING_BOOKING = Phrase(
    nl="Neem {bring} mee; de proefrit duurt zo'n {minutes} minuten.",
    nl_u="Neemt u {bring} mee; de proefrit duurt zo'n {minutes} minuten.",
    en="Please bring {bring}; the test drive takes about {minutes} minutes.",
    de="Bitte bringen Sie {bring} mit; die Probefahrt dauert etwa {minutes} Minuten.",
)
WHICH_CAR_NUMBER = Phrase(
    nl=" Welke auto wil je proberen? Zeg maar het nummer, dan zet ik hem vast.",
    nl_u=" Welke auto wilt u proberen? Noemt u maar het nummer, dan zet ik hem vast.",
    en=" Which car would you like to try? Just send me the number and I'll book it.",
    de=" Welches Auto möchten Sie fahren? Nennen Sie mir einfach die Nummer, dann trage ich es ein.",
)
WHICH_SLOT = Phrase(nl=" Welke van de tijden past je het best?", nl_u=" Welke van de tijden past u het best?",
                    en=" Which of these times suits you best?", de=" Welche der Zeiten passt Ihnen am besten?")
TEST_DRIVE_OK = (
    Phrase(nl="Een proefrit maken kan zeker!", en="A test drive is no problem at all!", de="Eine Probefahrt ist gar kein Problem!"),
    Phrase(nl="Proefrijden kan natuurlijk!", en="Of course you can take it for a test drive!",
           de="Eine Probefahrt können Sie natürlich gern machen!"),
)
TEST_DRIVE_PITCH = (
    Phrase(nl="Een proefrit is zeker mogelijk! 🚗", en="A test drive is definitely possible! 🚗",
           de="Eine Probefahrt ist auf jeden Fall möglich! 🚗"),
    Phrase(nl="Proefrijden kan zeker!", en="You're very welcome to come for a test drive!",
           de="Zu einer Probefahrt sind Sie herzlich willkommen!"),
)
OPEN_WEEK = Phrase(nl="We zijn open {hours}.", en="We're open {hours}.", de="Geöffnet haben wir {hours}.")
TRY_CAR = Phrase(nl="Dan kun je de {title} proberen.", nl_u="Dan kunt u de {title} proberen.",
                 en="You'd be driving the {title}.", de="Dann können Sie den {title} probefahren.")
TIME_NOTED = Phrase(
    nl="Ik geef je voorkeur voor {time} door; een collega bevestigt de afspraak.",
    nl_u="Ik geef uw voorkeur voor {time} door; een collega bevestigt de afspraak.",
    en="I'll pass on your preference for {time}; a colleague will confirm the appointment.",
    de="Ich gebe Ihren Wunschtermin ({time}) weiter; ein Kollege bestätigt ihn Ihnen.",
)
ASK_CAR_AND_TIME = Phrase(
    nl="Laat je me weten welke auto je wilt proberen en hoe laat het je uitkomt?",
    nl_u="Laat u mij weten welke auto u wilt proberen en hoe laat het u uitkomt?",
    en="Could you let me know which car you'd like to try and what time suits you?",
    de="Welches Auto möchten Sie fahren, und welche Uhrzeit passt Ihnen?",
)
ASK_CAR = Phrase(nl="Laat je me weten welke auto je wilt proberen?", nl_u="Laat u mij weten welke auto u wilt proberen?",
                 en="Could you let me know which car you'd like to try?", de="Welches Auto möchten Sie denn fahren?")
ASK_TIME = Phrase(nl="Laat je me weten hoe laat het je uitkomt?", nl_u="Laat u mij weten hoe laat het u uitkomt?",
                  en="What time would suit you?", de="Welche Uhrzeit passt Ihnen?")
CONFIRM_AFTER = Phrase(nl=" Een collega bevestigt daarna de afspraak.", en=" A colleague will then confirm the appointment.",
                       de=" Ein Kollege bestätigt Ihnen dann den Termin.")
BRING = Phrase(
    nl="Neem {bring} mee; een proefrit duurt zo'n {minutes} minuten.",
    nl_u="Neemt u {bring} mee; een proefrit duurt zo'n {minutes} minuten.",
    en="Please bring {bring}; a test drive takes about {minutes} minutes.",
    de="Bitte bringen Sie {bring} mit; eine Probefahrt dauert etwa {minutes} Minuten.",
)
HOURS_WEEK = Phrase(nl="Onze openingstijden: {hours}.", en="Our opening hours: {hours}.", de="Unsere Öffnungszeiten: {hours}.")
CALL_OR_MAIL = Phrase(nl="Bellen kan op {phone}, mailen naar {email}.", en="You can call us on {phone} or email {email}.",
                      de="Sie erreichen uns telefonisch unter {phone} oder per E-Mail an {email}.")
STOCK_SIZE = Phrase(nl="We hebben {size}occasions; alles staat op {website}.", en="We have {size}used cars; you'll find them all at {website}.",
                    de="Wir haben {size}Gebrauchtwagen; alle finden Sie auf {website}.")
ABOUT = Phrase(nl="zo'n {count} ", en="around {count} ", de="rund {count} ")
_CONTACT = re.compile(r"\b(telefoon\w*|nummer|bellen|mail\w*|phone|call|number|telefon\w*|anrufen|e-?mail)\b")
_STOCK = re.compile(r"\b(hoeveel\s+auto|aanbod|voorraad|website|how\s+many\s+cars|stock|inventory|wie\s+viele\s+autos|bestand|angebot)\b")


def test_drive_parts(draft: Draft, brief: bool) -> None:
    """When we are open that day, which car and what time, what to bring; a colleague confirms."""
    if draft.request.test_drive_note and not draft.test_drive_done:
        draft.parts.append(draft.request.test_drive_note)  # the booking itself: slots or a confirmation
        draft.test_drive_done = True
        return
    dialogue = draft.request.context.test_drive
    if dialogue.open_question or dialogue.bookings:  # a booking under way: what to bring, and our open question
        drive = draft.dealer.test_drive
        line = draft.say(BRING_DURING_BOOKING, bring=_bring(draft), minutes=drive.duration_minutes)
        if dialogue.open_question == "car":
            line += draft.say(WHICH_CAR_NUMBER)
        elif dialogue.open_question == "slot":
            line += draft.say(WHICH_SLOT)
        draft.parts.append(line)
        draft.test_drive_done = True
        return
    draft.test_drive_done = True
    request, dealer = draft.request, draft.dealer
    extraction = request.extraction
    day = extraction.preferred_day
    when = resolve_day(day, draft.now.astimezone(dealer.tz).date()) if day else None
    lines = []
    if brief:
        lines.append(draft.pick(*TEST_DRIVE_OK))
    if when is not None:
        lines.append(day_hours_sentence(dealer, day, when, draft.language))
    else:
        lines += once(draft, draft.say(OPEN_WEEK, hours=compact_hours(dealer, draft.language)))
    candidates = draft.cars or cars_in_question(request.context, extraction, draft.text)
    if not candidates and request.inventory and request.inventory.asked_car and request.inventory.availability == "available":
        candidates = [request.inventory.asked_car]
    focus = candidates[0] if len(candidates) == 1 else None  # several cars: ask which one
    ask_car = focus is None
    ask_time = not (extraction.preferred_time and (when is None or dealer.hours_on(when)))
    if focus is not None:
        draft.show([focus])
        lines.append(draft.say(TRY_CAR, title=focus.title))
    time_known = not ask_time and extraction.preferred_time
    if time_known:
        lines.append(draft.say(TIME_NOTED, time=extraction.preferred_time))
    if ask_car or ask_time:
        ask = ASK_CAR_AND_TIME if ask_car and ask_time else ASK_CAR if ask_car else ASK_TIME
        lines.append(draft.say(ask) + ("" if time_known else draft.say(CONFIRM_AFTER)))
    drive = dealer.test_drive
    lines += once(draft, draft.say(BRING, bring=_bring(draft), minutes=drive.duration_minutes))
    if not brief and not draft.said_before(re.escape(dealer.address.street)):
        lines += once(draft, draft.say(service.LOCATION, address=dealer.address.one_line()))
    draft.parts.append(" ".join(lines))


def _bring(draft: Draft) -> str:
    return draft.dealer.word(draft.dealer.test_drive.bring, draft.language, draft.form)


def test_drive_answer(draft: Draft) -> None:
    dialogue = draft.request.context.test_drive
    if dialogue.open_question or dialogue.bookings:
        test_drive_parts(draft, brief=True)  # mid-booking: no new pitch
        return
    if wants_new_car(draft) and not cars_in_question(draft.request.context, draft.request.extraction, draft.text):
        inventory_parts(draft)  # "kan ik zaterdag een golf proefrijden?": which Golfs there are first
    draft.parts.append(draft.pick(*TEST_DRIVE_PITCH))
    test_drive_parts(draft, brief=False)


def hours_answer(draft: Draft) -> str:
    """The day asked first; the whole week only when asked for all hours (or no day given)."""
    dealer, extraction = draft.dealer, draft.request.extraction
    day = extraction.preferred_day
    when = resolve_day(day, draft.now.astimezone(dealer.tz).date()) if day else None
    lines = []
    if when is not None:
        lines.append(day_hours_sentence(dealer, day, when, draft.language))
    if asks_open_now(draft.text) or when is None:
        lines.append(open_now_sentence(dealer, draft.now, draft.language))
    if wants_all_hours(draft.text) or when is None:
        lines.append(draft.say(HOURS_WEEK, hours=compact_hours(dealer, draft.language)))
    return " ".join(lines)


def general_info_answer(draft: Draft) -> None:
    dealer = draft.dealer
    topics = {s.topic for s in draft.request.expertise.knowledge if s.module == "service"}
    asked_day = draft.request.extraction.preferred_day is not None
    if "opening_hours" in topics or asked_day or not topics:
        draft.parts.append(hours_answer(draft))
    if "location" in topics or not (topics or asked_day) or (asked_day and not draft.said_before(re.escape(dealer.address.street))):
        draft.parts.append(draft.say(service.LOCATION, address=dealer.address.one_line()))
    if _CONTACT.search(draft.text):
        draft.parts.append(draft.say(CALL_OR_MAIL, phone=dealer.phone, email=dealer.email))
    if _STOCK.search(draft.text):
        size = draft.say(ABOUT, count=dealer.stock_size_hint) if dealer.stock_size_hint else ""
        draft.parts.append(draft.say(STOCK_SIZE, size=size, website=dealer.website))
    for topic in ("warranty", "delivery", "nap", "apk"):
        snippet = next((s.text for s in draft.request.expertise.knowledge if s.topic == topic), None)
        if snippet:
            draft.parts.append(snippet)


def once(draft: Draft, sentence: str) -> list[str]:
    """Boilerplate (hours, what to bring, the address) once per chat; asked for again, it is the answer."""
    return [] if said_sentence(draft.request.context, sentence) else [sentence]
