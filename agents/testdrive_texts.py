"""What a TestDriveWorkflow says and when (pure): customer messages, staff notes, timer moments.

Customer texts: short, in the customer's language and register. Staff texts: Dutch, with the commands to act.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from agents.booking import day_time
from agents.escalation import customer_label
from agents.knowledge.dealer import DealerFacts
from agents.rules.phrases import Phrase, say
from agents.slots import open_hours

REMINDER_AT = time(18)  # the evening before
FOLLOW_UP_AT = time(10)  # the next working day
NO_SHOW_QUESTION_AFTER = timedelta(minutes=30)  # after the slot ends


# --- when --------------------------------------------------------------------------------------
def reminder_at(start: datetime, dealer: DealerFacts) -> datetime:
    local = start.astimezone(dealer.tz)
    return datetime.combine(local.date() - timedelta(days=1), REMINDER_AT, tzinfo=dealer.tz)


def follow_up_at(start: datetime, dealer: DealerFacts) -> datetime:
    """10:00 (or opening time, if later) on the next day the dealer is open."""
    day = start.astimezone(dealer.tz).date()
    for offset in range(1, 15):
        candidate = day + timedelta(days=offset)
        hours = open_hours(dealer, candidate)
        if hours:
            return datetime.combine(candidate, max(hours[0], FOLLOW_UP_AT), tzinfo=dealer.tz)
    return datetime.combine(day + timedelta(days=1), FOLLOW_UP_AT, tzinfo=dealer.tz)


def no_show_question_at(end: datetime) -> datetime:
    return end + NO_SHOW_QUESTION_AFTER


# --- the customer ----------------------------------------------------------------------------
REMINDER = Phrase(
    nl="{hello} Even een herinnering: morgen om {time} staat je proefrit in de {title} voor je klaar, bij {place}. "
       "Neem {bring} mee.\nLukt het toch niet? Laat het even weten, dan zoeken we een ander moment.",
    nl_u="{hello} Een korte herinnering: morgen om {time} staat uw proefrit in de {title} voor u klaar, bij {place}. "
         "Neemt u {bring} mee.\nLukt het toch niet? Laat u het even weten, dan zoeken we een ander moment.",
    en="{hello} Just a reminder: your test drive in the {title} is tomorrow at {time}, at {place}. "
       "Please bring {bring}.\nCan't make it after all? Just let us know and we'll find another time.",
    de="{hello} Eine kurze Erinnerung: Morgen um {time} Uhr steht Ihre Probefahrt im {title} für Sie bereit, bei {place}. "
       "Bitte bringen Sie {bring} mit.\nKlappt es doch nicht? Geben Sie uns kurz Bescheid, dann finden wir einen anderen Termin.",
)
HELLO_NAME = Phrase(nl="Hoi {name}!", nl_u="Goedendag {name}!", en="Hi {name}!", de="Hallo {name}!")
HELLO = Phrase(nl="Hoi!", nl_u="Goedendag!", en="Hi!", de="Hallo!")
FOLLOW_UP = Phrase(
    nl="Hoe was de proefrit in de {car}? 😊 Heb je nog vragen, of zal ik een voorstel voor je maken? Ik hoor het graag!",
    nl_u="Hoe was de proefrit in de {car}? 😊 Heeft u nog vragen, of zal ik een voorstel voor u maken? Ik hoor het graag!",
    en="How was the test drive in the {car}? 😊 Any questions, or shall I put an offer together for you? I'd love to hear!",
    de="Wie war die Probefahrt im {car}? 😊 Haben Sie noch Fragen, oder soll ich Ihnen ein Angebot machen? Ich freue mich auf Ihre Rückmeldung!",
)
CONFIRMED = Phrase(nl="Goed nieuws: je proefrit op {when} in de {title} is bevestigd. Tot dan!",
                   nl_u="Goed nieuws: uw proefrit op {when} in de {title} is bevestigd. Tot dan!",
                   en="Good news: your test drive in the {title} on {when} is confirmed. See you then!",
                   de="Gute Nachricht: Ihre Probefahrt im {title} am {when} ist bestätigt. Bis dann!")
CANCELLED = Phrase(
    nl="Helaas moeten we je proefrit op {when} in de {title} annuleren. Sorry voor het ongemak! "
       "Laat je weten wanneer het je wel uitkomt? Dan plannen we een nieuw moment.",
    nl_u="Helaas moeten we uw proefrit op {when} in de {title} annuleren. Excuses voor het ongemak! "
         "Laat u weten wanneer het u wel uitkomt? Dan plannen we een nieuw moment.",
    en="Unfortunately we have to cancel your test drive in the {title} on {when}. Sorry for the inconvenience! "
       "Could you let us know when would suit you instead? Then we'll plan a new time.",
    de="Leider müssen wir Ihre Probefahrt im {title} am {when} absagen. Entschuldigen Sie die Umstände! "
       "Sagen Sie uns, wann es Ihnen stattdessen passt? Dann planen wir einen neuen Termin.",
)
CAR_SOLD = Phrase(
    nl="Vervelend nieuws: de {title} is net verkocht, dus je proefrit op {when} gaat helaas niet door. Sorry!",
    nl_u="Vervelend nieuws: de {title} is net verkocht, dus uw proefrit op {when} gaat helaas niet door. Excuses!",
    en="Bad news, I'm afraid: the {title} has just been sold, so your test drive on {when} can't go ahead. Sorry!",
    de="Leider eine schlechte Nachricht: Der {title} wurde gerade verkauft, Ihre Probefahrt am {when} fällt daher aus. Entschuldigung!",
)
SIMILAR = Phrase(nl=" Misschien is een van deze iets voor je:", nl_u=" Misschien is een van deze iets voor u:",
                 en=" Perhaps one of these would suit you:", de=" Vielleicht ist einer von diesen etwas für Sie:")
PLAN_NEW = Phrase(nl="Zeg het maar, dan plan ik een nieuwe proefrit voor je.", nl_u="Laat u het maar weten, dan plan ik een nieuwe proefrit voor u.",
                  en="Just say the word and I'll plan a new test drive for you.", de="Sagen Sie einfach Bescheid, dann plane ich eine neue Probefahrt für Sie.")
LOOK_FURTHER = Phrase(nl=" Zal ik kijken wat we nog meer hebben dat erop lijkt?", en=" Shall I see what else we have that's similar?",
                      de=" Soll ich schauen, was wir sonst noch Ähnliches haben?")


def reminder(name: str | None, car_title: str, start: datetime, place: str, bring: str, tz, language: str = "nl",
             address_form: str = "je") -> str:
    local = start.astimezone(tz)
    first = name.split()[0] if name else ""
    called = name if first.endswith(".") or address_form == "u" else first  # "Dhr. Bakker" keeps his title
    hello = say(HELLO_NAME, language, address_form, name=called) if name else say(HELLO, language, address_form)
    return say(REMINDER, language, address_form, hello=hello, time=f"{local:%H:%M}", title=car_title, place=place, bring=bring)


def follow_up(car_model: str | None, car_title: str, language: str = "nl", address_form: str = "je") -> str:
    return say(FOLLOW_UP, language, address_form, car=car_model or car_title)


def confirmed_by_staff(car_title: str, start: datetime, tz, language: str = "nl", address_form: str = "je") -> str:
    return say(CONFIRMED, language, address_form, when=day_time(start, tz, language), title=car_title)


def cancelled_by_staff(car_title: str, start: datetime, tz, language: str = "nl", address_form: str = "je") -> str:
    return say(CANCELLED, language, address_form, when=day_time(start, tz, language), title=car_title)


def car_sold(car_title: str, start: datetime, similar: list[str], tz, language: str = "nl", address_form: str = "je") -> str:
    text = say(CAR_SOLD, language, address_form, title=car_title, when=day_time(start, tz, language))
    if similar:
        text += say(SIMILAR, language, address_form) + "\n" + "\n".join(f"• {line}" for line in similar[:3])
        text += "\n" + say(PLAN_NEW, language, address_form)
    else:
        text += say(LOOK_FURTHER, language, address_form)
    return text


# --- staff -----------------------------------------------------------------------------------
CHANGE_TITLES = {
    "booked": "Proefrit geboekt",
    "moved": "Proefrit verzet",
    "confirmed": "Proefrit bevestigd",
    "cancelled": "Proefrit geannuleerd",
    "no_show_question": "Is de klant gekomen?",
}


def staff_note(change: str, booking_id: str, car_title: str, start: datetime, customer_name: str | None,
               phone: str, state: str, tz, previous_start: datetime | None = None, reason: str | None = None) -> str:
    who = customer_label(customer_name, phone)
    lines = [f"🚗 {CHANGE_TITLES[change]}: {day_time(start, tz)} – {car_title}", f"Klant: {who}"]
    if previous_start is not None:
        lines.append(f"Was: {day_time(previous_start, tz)}")
    if reason:
        lines.append(f"Reden: {reason}")
    if change == "no_show_question":
        lines.append(f"Niet gekomen? Markeer het: seldenrijk testdrives no-show {booking_id}")
    elif state == "held":
        lines.append(f"Nog niet bevestigd. Bevestigen: seldenrijk testdrives confirm {booking_id} "
                     "(of het label proefrit-bevestigd in Chatwoot)")
    lines.append(f"Boeking: {booking_id} · status: {state}")
    return "\n".join(lines)
