"""What a TestDriveWorkflow says and when (pure): customer messages, staff notes, timer moments.

Customer texts: natural Dutch, "je", short. Staff texts: Dutch, with the commands to act.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from agents.booking import day_time
from agents.escalation import customer_label
from agents.knowledge.dealer import DealerFacts
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
def reminder(name: str | None, car_title: str, start: datetime, place: str, bring: str, tz) -> str:
    local = start.astimezone(tz)
    hello = f"Hoi {name.split()[0]}!" if name else "Hoi!"
    return (f"{hello} Even een herinnering: morgen om {local:%H:%M} staat je proefrit in de {car_title} voor je klaar, "
            f"bij {place}. Neem {bring} mee.\nLukt het toch niet? Laat het even weten, dan zoeken we een ander moment.")


def follow_up(car_model: str | None, car_title: str) -> str:
    return (f"Hoe was de proefrit in de {car_model or car_title}? 😊 Heb je nog vragen, "
            "of zal ik een voorstel voor je maken? Ik hoor het graag!")


def confirmed_by_staff(car_title: str, start: datetime, tz) -> str:
    return f"Goed nieuws: je proefrit op {day_time(start, tz)} in de {car_title} is bevestigd. Tot dan!"


def cancelled_by_staff(car_title: str, start: datetime, tz) -> str:
    return (f"Helaas moeten we je proefrit op {day_time(start, tz)} in de {car_title} annuleren. Sorry voor het ongemak! "
            "Laat je weten wanneer het je wel uitkomt? Dan plannen we een nieuw moment.")


def car_sold(car_title: str, start: datetime, similar: list[str], tz) -> str:
    text = (f"Vervelend nieuws: de {car_title} is net verkocht, dus je proefrit op {day_time(start, tz)} gaat helaas niet door. "
            "Sorry!")
    if similar:
        text += " Misschien is een van deze iets voor je:\n" + "\n".join(f"• {line}" for line in similar[:3])
        text += "\nZeg het maar, dan plan ik een nieuwe proefrit voor je."
    else:
        text += " Zal ik kijken wat we nog meer hebben dat erop lijkt?"
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
