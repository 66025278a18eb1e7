"""`seldenrijk testdrives list|confirm|cancel|no-show`: staff's view of test drives.

Listing reads the store; changes are signals to the booking's TestDriveWorkflow, which
updates the store, the calendars and tells the customer and staff. Also the logic behind
the HTTP routes (starter/testdrive_routes.py) and the Chatwoot label `proefrit-bevestigd`.
"""

from __future__ import annotations

import json
from datetime import date

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from agents.booking import day_time
from agents.escalation import masked_phone
from agents.knowledge.dealer import dealer_facts
from integrations.calendar_ics import STATE_TEXT
from integrations.testdrive_store import Booking, SqlTestDriveStore
from workflows.testdrive_models import CancelRequest, StaffDecision

ACTIONS = {"confirm": "confirm", "cancel": "cancel", "no-show": "no_show"}


class BookingNotFound(LookupError):
    pass


class BookingClosed(RuntimeError):
    pass


def list_bookings(settings, day: date | None = None) -> list[Booking]:
    store = SqlTestDriveStore.from_settings(settings)
    try:
        return store.listing(day, tz=dealer_facts(settings.dealer_config_file).tz)
    finally:
        store.close()


def booking_row(booking: Booking, tz) -> dict:
    local = booking.start.astimezone(tz)
    return {
        "id": booking.booking_id,
        "day": local.date().isoformat(),
        "time": f"{local:%H:%M}",
        "car": booking.car_title,
        "customer": (booking.customer_name + " " if booking.customer_name else "") + masked_phone(booking.customer_phone),
        "state": booking.state,
    }


def print_bookings(settings, day: date | None, as_json: bool) -> None:
    tz = dealer_facts(settings.dealer_config_file).tz
    rows = [booking_row(b, tz) for b in list_bookings(settings, day)]
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        print("Geen proefritten" + (f" op {day.isoformat()}." if day else "."))
        return
    widths = {key: max(len(key), *(len(str(row[key])) for row in rows)) for key in rows[0]}
    headers = {"id": "ID", "day": "DAG", "time": "TIJD", "car": "AUTO", "customer": "KLANT", "state": "STATUS"}
    print("  ".join(headers[key].ljust(widths[key]) for key in widths))
    for row in rows:
        row = row | {"state": STATE_TEXT[row["state"]]}
        print("  ".join(str(row[key]).ljust(widths[key]) for key in widths))


async def act(client: Client, settings, booking_id: str, action: str, by: str | None, via: str) -> Booking:
    """Signal confirm / cancel / no-show to the booking's workflow; the store shows it moments later."""
    store = SqlTestDriveStore.from_settings(settings)
    try:
        booking = store.get(booking_id)
    finally:
        store.close()
    if booking is None:
        raise BookingNotFound(booking_id)
    if not booking.active and not (action == "no-show" and booking.state == "confirmed"):
        raise BookingClosed(f"{booking_id} is al {STATE_TEXT[booking.state]}")
    handle = client.get_workflow_handle(booking_id)
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise BookingNotFound(booking_id) from exc
        raise
    if description.status != WorkflowExecutionStatus.RUNNING:
        raise BookingClosed(f"{booking_id} is already closed ({description.status.name.lower()})")
    if action == "cancel":
        await handle.signal("cancel", CancelRequest(by="staff", via=via))
    else:
        await handle.signal(ACTIONS[action], StaffDecision(by=by, via=via))
    return booking


def held_booking_for(settings, phone: str) -> Booking | None:
    """The customer's oldest booking waiting for staff confirmation (the Chatwoot label)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    for booking in list_bookings(settings):
        if booking.state == "held" and "".join(ch for ch in booking.customer_phone if ch.isdigit()) == digits:
            return booking
    return None


def describe(booking: Booking, settings) -> str:
    return f"{booking.booking_id}: {day_time(booking.start, dealer_facts(settings.dealer_config_file).tz)}, {booking.car_title}"
