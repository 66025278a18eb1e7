"""iCalendar (RFC 5545) for test drives, with the `icalendar` package.

One event per booking, the same UID everywhere (the feed, CalDAV, the e-mailed invite), so
a move updates the event where staff see it and a cancel removes it. SEQUENCE grows with
every change; invites use METHOD:REQUEST, and METHOD:CANCEL when the booking is off.
"""

from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress, vText

from agents.escalation import masked_phone
from agents.knowledge.dealer import DealerFacts
from integrations.testdrive_store import Booking

PRODID = "-//Seldenrijk Auto//Proefritten//NL"
UID_DOMAIN = "proefrit.seldenrijk.nl"
STATE_TEXT = {"held": "gereserveerd", "confirmed": "bevestigd", "done": "gereden", "no_show": "niet verschenen",
              "cancelled": "geannuleerd"}


def event_uid(booking_id: str) -> str:
    return f"{booking_id}@{UID_DOMAIN}"


def summary(booking: Booking) -> str:
    who = booking.customer_name or masked_phone(booking.customer_phone)
    return f"Proefrit {booking.car_title} – {who}"


def booking_event(booking: Booking, dealer: DealerFacts, *, with_phone: bool = False) -> Event:
    """The event for one booking. The full phone number only goes to sales' own mailbox."""
    event = Event()
    event.add("uid", event_uid(booking.booking_id))
    event.add("dtstamp", datetime.now(timezone.utc))
    event.add("dtstart", booking.start.astimezone(timezone.utc))
    event.add("dtend", booking.end.astimezone(timezone.utc))
    event.add("sequence", booking.sequence)
    event.add("summary", summary(booking))
    event.add("location", f"{dealer.name}, {dealer.address.one_line()}")
    phone = booking.customer_phone if with_phone else masked_phone(booking.customer_phone)
    event.add("description", "\n".join([
        f"Auto: {booking.car_title} (id {booking.car_id})",
        f"Klant: {booking.customer_name or 'onbekend'}, {phone}",
        f"Status: {STATE_TEXT[booking.state]}",
        f"Boeking: {booking.booking_id}",
    ]))
    event.add("status", {"held": "TENTATIVE", "cancelled": "CANCELLED"}.get(booking.state, "CONFIRMED"))
    event.add("categories", ["Proefrit"])
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def feed(bookings: list[Booking], dealer: DealerFacts) -> bytes:
    """The subscription feed: every booking that still happens or happened (cancelled ones drop out)."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", vText(f"Proefritten {dealer.name}"))
    calendar.add("x-wr-timezone", vText(dealer.timezone))
    calendar.add("refresh-interval;value=duration", "PT15M")
    for booking in bookings:
        if booking.state != "cancelled":
            calendar.add_component(booking_event(booking, dealer))
    return calendar.to_ical()


def single(booking: Booking, dealer: DealerFacts) -> bytes:
    """One booking as its own calendar object (what a CalDAV server stores)."""
    calendar = _calendar()
    calendar.add_component(booking_event(booking, dealer))
    return calendar.to_ical()


def invite(booking: Booking, dealer: DealerFacts, organizer: str, attendee: str) -> bytes:
    """An e-mail invite: REQUEST (new or moved, SEQUENCE grows) or CANCEL."""
    method = "CANCEL" if booking.state == "cancelled" else "REQUEST"
    calendar = _calendar(method)
    event = booking_event(booking, dealer, with_phone=True)
    organizer_address = vCalAddress(f"mailto:{organizer}")
    organizer_address.params["cn"] = vText(dealer.name)
    event.add("organizer", organizer_address)
    attendee_address = vCalAddress(f"mailto:{attendee}")
    attendee_address.params["role"] = vText("REQ-PARTICIPANT")
    attendee_address.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee_address)
    calendar.add_component(event)
    return calendar.to_ical()
