"""HTTP routes for test drives: the staff calendar feed and the staff actions.

`GET /calendar/testdrives.ics?token=...` is the iCalendar feed staff subscribe to
(CALENDAR_FEED_TOKEN; unset: 404, no open feed of customer names). `GET /testdrives` and
`POST /testdrives/{id}/confirm|cancel|no-show` need `X-API-Key` (ESCALATION_API_KEY).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel
from temporalio.client import Client

from agents.knowledge.dealer import dealer_facts
from integrations import calendar_ics
from integrations.testdrive_store import SqlTestDriveStore
from starter import testdrives_cli as ops


class ActionBody(BaseModel):
    by: str | None = None


def testdrive_routers(get_client: Callable[[], Client], settings) -> list[APIRouter]:
    def require_key(request: Request) -> None:
        expected = settings.escalation_api_key
        if not expected:
            raise HTTPException(503, "test-drive API disabled: set ESCALATION_API_KEY to enable it")
        given = request.headers.get("x-api-key") or ""
        if not secrets.compare_digest(given.encode(), expected.get_secret_value().encode()):
            raise HTTPException(401, "missing or wrong X-API-Key")

    staff = APIRouter(prefix="/testdrives", tags=["testdrives"], dependencies=[Depends(require_key)])

    @staff.get("")
    async def list_bookings(day: date | None = None) -> list[dict]:
        tz = dealer_facts(settings.dealer_config_file).tz
        return [ops.booking_row(b, tz) for b in ops.list_bookings(settings, day)]

    @staff.post("/{booking_id}/{action}")
    async def act(booking_id: str, action: str, request: Request) -> dict:
        if action not in ops.ACTIONS:
            raise HTTPException(404, f"unknown action {action!r}: confirm, cancel or no-show")
        raw = await request.body()
        try:
            body = ActionBody.model_validate_json(raw) if raw.strip() else ActionBody()
        except ValueError as exc:
            raise HTTPException(422, f"invalid JSON body: {exc}") from exc
        try:
            booking = await ops.act(await get_client(), settings, booking_id, action, body.by, via="api")
        except ops.BookingNotFound as exc:
            raise HTTPException(404, f"unknown test drive {exc}") from exc
        except ops.BookingClosed as exc:
            raise HTTPException(409, str(exc)) from exc
        return {"status": "requested", "action": action, "booking_id": booking.booking_id}

    feed = APIRouter(tags=["calendar"])

    @feed.get("/calendar/testdrives.ics")
    async def calendar_feed(token: str = Query("")) -> Response:
        expected = settings.calendar_feed_token.get_secret_value() if settings.calendar_feed_token else ""
        if not expected:
            raise HTTPException(404, "no calendar feed: set CALENDAR_FEED_TOKEN to enable it")
        if not secrets.compare_digest(token.encode(), expected.encode()):
            raise HTTPException(401, "wrong or missing token")
        store = SqlTestDriveStore.from_settings(settings)
        try:
            bookings = store.listing()
        finally:
            store.close()
        body = calendar_ics.feed(bookings, dealer_facts(settings.dealer_config_file))
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="proefritten.ics"', "Cache-Control": "no-store"})

    return [staff, feed]
