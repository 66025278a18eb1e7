"""Test-drive activities: the booking step of a conversation, and TestDriveWorkflow's adapters
to the store, the calendars (CalDAV), Chatwoot, e-mail and the inventory.

`plan_test_drive` decides with agents/booking.py and holds, moves or cancels the booking in
the store in the same step, so the slot check and the write cannot be split by a race.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents import testdrive_texts as texts
from agents.booking import BookingPlan, candidate_cars, plan_booking
from agents.rules.phrases import euro
from agents.knowledge.dealer import DealerFacts, dealer_facts
from agents.models import CarPreferences, ConversationContext, ExtractionOutput, InventorySearchResult
from agents.scoring import label_for_tag
from agents.slots import Busy, free_slots
from integrations import calendar_ics
from integrations.caldav_calendar import CalDavCalendar
from integrations.errors import IntegrationError
from integrations.smtp import SmtpMailer
from integrations.testdrive_store import Booking, BookingState, SqlTestDriveStore
from inventory.catalog import InventoryCatalog
from inventory.search import InventorySearchRequest

log = logging.getLogger(__name__)
NON_RETRYABLE = "TestDriveChannelRejected"
BOOKED_LABEL = label_for_tag("stage:test-drive-booked")  # "stage-test-drive-booked"


# --- arguments and results (one model each) -----------------------------------------------------
class PlanTestDriveRequest(BaseModel):
    text: str
    context: ConversationContext
    extraction: ExtractionOutput
    inventory: InventorySearchResult | None = None
    now: datetime
    booking_id: str  # the id a new booking gets (the conversation numbers them)
    customer_phone: str
    customer_name: str | None = None
    chat_id: str


class PlanTestDriveResult(BaseModel):
    plan: BookingPlan
    confirm_by_staff: bool = False


class RecordRequest(BaseModel):
    booking_id: str
    state: BookingState | None = None  # None: only read
    car_model: str | None = None  # "Polo", for "Hoe was de proefrit in de Polo?"
    language: str = "nl"  # the customer's, for the texts composed here
    address_form: str = "je"


class TestDriveRecord(BaseModel):
    booking: Booking
    reminder_at: datetime
    no_show_question_at: datetime
    follow_up_at: datetime
    # What the workflow may say to the customer about this booking as it is now (composed here,
    # in the dealer's time zone, so the workflow stays free of time-zone code).
    reminder_text: str
    follow_up_text: str
    confirmed_text: str
    cancelled_text: str


class CalendarSync(BaseModel):
    booking_id: str


class SalesNotice(BaseModel):
    booking_id: str
    change: str  # booked, moved, confirmed, cancelled, no_show_question
    previous_start: datetime | None = None
    reason: str | None = None


class CarCheck(BaseModel):
    booking_id: str
    car_id: str
    make: str | None = None
    model: str | None = None
    language: str = "nl"
    address_form: str = "je"


class CarCheckResult(BaseModel):
    in_stock: bool
    similar: list[str] = Field(default_factory=list)  # "Volkswagen Polo 1.0 TSI – € 14.950 – https://..."
    message: str | None = None  # for the customer when the car is gone


def _reject_or_raise(exc: IntegrationError, channel: str) -> None:
    if not exc.retryable:
        raise ApplicationError(f"{channel}: {exc}", type=NON_RETRYABLE, non_retryable=True) from exc
    raise exc


class TestDriveActivities:
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, settings, *, store=None, caldav=None, mailer: SmtpMailer | None = None, chatwoot=None,
                 catalog: InventoryCatalog | None = None, dealer: DealerFacts | None = None):
        from activities.escalation import EscalationActivities

        self.settings = settings
        self.store = store or SqlTestDriveStore.from_settings(settings)
        self.caldav = caldav if caldav is not None else CalDavCalendar.from_settings(settings)
        self.mailer = mailer or SmtpMailer.from_settings(settings)
        self.chatwoot = chatwoot if chatwoot is not None else EscalationActivities._chatwoot_from_settings(settings)
        self._catalog = catalog
        self._dealer = dealer

    @property
    def dealer(self) -> DealerFacts:
        return self._dealer or dealer_facts(self.settings.dealer_config_file)

    @property
    def catalog(self) -> InventoryCatalog:
        if self._catalog is None:
            self._catalog = InventoryCatalog(self.settings)
        return self._catalog

    # --- the conversation's booking step ---------------------------------------------------------
    @activity.defn
    async def plan_test_drive(self, request: PlanTestDriveRequest) -> PlanTestDriveResult:
        dealer = self.dealer
        by_staff = self.settings.testdrive_confirm_by_staff
        candidates = candidate_cars(request.extraction, request.context, request.inventory, request.text)
        plan = BookingPlan(dialogue=request.context.test_drive)
        for _attempt in range(2):  # a second time when another chat took the slot in between
            busy = await self._busy(request.now, dealer, request.booking_id)
            plan = plan_booking(
                cue=request.extraction.booking,
                dialogue=request.context.test_drive,
                candidates=candidates,
                text=request.text,
                now=request.now,
                dealer=dealer,
                free_for=lambda car_ids, ignore: free_slots(
                    dealer, self._without(busy, ignore) if ignore else busy, request.now, car_ids
                ),
                confirm_by_staff=by_staff,
                language=request.extraction.language or request.context.language,
                form=request.extraction.address_form or request.context.address_form,
            )
            if self._apply(plan, request, dealer):
                break
        return PlanTestDriveResult(plan=plan, confirm_by_staff=by_staff)

    def _without(self, busy: list[Busy], booking_id: str) -> list[Busy]:
        booking = self.store.get(booking_id)
        if booking is None:
            return busy
        return [b for b in busy if not (b.car_id == booking.car_id and b.start == booking.start)]

    async def _busy(self, now: datetime, dealer: DealerFacts, own_booking_id: str) -> list[Busy]:
        horizon = now + timedelta(days=dealer.test_drive.book_ahead_days + 2)
        busy = [Busy(start=b.start, end=b.end, car_id=b.car_id)
                for b in self.store.between(now, horizon) if b.booking_id != own_booking_id]
        if self.caldav is not None:
            try:
                busy += await self.caldav.busy(now, horizon)
            except IntegrationError as exc:  # the store still prevents double bookings
                log.warning("caldav busy times unavailable: %s", exc)
        return busy

    def _apply(self, plan: BookingPlan, request: PlanTestDriveRequest, dealer: DealerFacts) -> bool:
        """Write the plan to the store; False when the slot was taken in the meantime."""
        at_once = dealer.test_drive.at_once
        if plan.action == "book":
            now = datetime.now(timezone.utc)
            booking = Booking(
                booking_id=request.booking_id, car_id=plan.car.id, car_title=plan.car.title,
                start=plan.start, end=plan.end, state="held", customer_phone=request.customer_phone,
                customer_name=request.customer_name, chat_id=request.chat_id, created_at=now, updated_at=now,
            )
            if not self.store.hold(booking, at_once):
                return False
            plan.booking_id = request.booking_id
            for drive in plan.dialogue.bookings:
                if not drive.booking_id:
                    drive.booking_id = request.booking_id
            return True
        if plan.action == "move":
            return self.store.move(plan.booking_id, plan.start, plan.end, at_once)
        if plan.action == "cancel":
            self.store.set_state(plan.booking_id, "cancelled")
        return True

    # --- TestDriveWorkflow's adapters --------------------------------------------------------------
    @activity.defn
    async def record_test_drive(self, request: RecordRequest) -> TestDriveRecord:
        booking = self.store.get(request.booking_id)
        if booking is None:
            raise ApplicationError(f"unknown booking {request.booking_id}", type="UnknownBooking", non_retryable=True)
        if request.state and booking.state != request.state and booking.state != "cancelled":
            booking = self.store.set_state(request.booking_id, request.state)
        dealer = self.dealer
        tz = dealer.tz
        voice = (request.language, request.address_form)
        return TestDriveRecord(
            booking=booking,
            reminder_at=texts.reminder_at(booking.start, dealer),
            no_show_question_at=texts.no_show_question_at(booking.end),
            follow_up_at=texts.follow_up_at(booking.start, dealer),
            reminder_text=texts.reminder(booking.customer_name, booking.car_title, booking.start,
                                         f"{dealer.name}, {dealer.address.one_line()}",
                                         dealer.word(dealer.test_drive.bring, *voice), tz, *voice),
            follow_up_text=texts.follow_up(request.car_model, booking.car_title, *voice),
            confirmed_text=texts.confirmed_by_staff(booking.car_title, booking.start, tz, *voice),
            cancelled_text=texts.cancelled_by_staff(booking.car_title, booking.start, tz, *voice),
        )

    @activity.defn
    async def sync_test_drive_calendar(self, request: CalendarSync) -> str:
        """The booking as it is now in the CalDAV calendar: written, moved or removed."""
        if self.caldav is None:
            return "no CalDAV configured: the .ics feed serves the store"
        booking = self.store.get(request.booking_id)
        if booking is None:
            return "unknown booking"
        try:
            if booking.state == "cancelled":
                await self.caldav.remove(booking.booking_id)
                return "removed"
            await self.caldav.upsert(booking, self.dealer)
            return "written"
        except IntegrationError as exc:
            _reject_or_raise(exc, "CalDAV")
        raise AssertionError("unreachable")

    @activity.defn
    async def tell_sales_in_chatwoot(self, notice: SalesNotice) -> str:
        """Private note; on a booking also the label and the contact attributes."""
        if self.chatwoot is None:
            return "no Chatwoot configured"
        booking = self.store.get(notice.booking_id)
        note = self._note(booking, notice)
        try:
            ref = await self.chatwoot.ensure_conversation(booking.customer_phone, booking.customer_name)
            if notice.change in ("booked", "moved", "confirmed"):
                await self.chatwoot.add_labels(ref.conversation_id, [BOOKED_LABEL])
                if ref.contact_id:
                    await self.chatwoot.update_contact_attributes(
                        ref.contact_id, {"test_drive_requested": True, "test_drive_at": booking.start.isoformat()}
                    )
            await self.chatwoot.post_message(ref.conversation_id, note, incoming=False, private=True)
        except IntegrationError as exc:
            _reject_or_raise(exc, "Chatwoot")
        return "noted"

    @activity.defn
    async def email_sales_invite(self, notice: SalesNotice) -> str:
        """An e-mail to sales with the .ics (REQUEST, or CANCEL); same UID, growing SEQUENCE."""
        booking = self.store.get(notice.booking_id)
        dealer = self.dealer
        to = self.settings.testdrive_sales_email
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = to
        title = texts.CHANGE_TITLES[notice.change]
        message["Subject"] = f"{title}{'' if title.endswith('?') else ':'} {booking.car_title}, " \
                             f"{booking.start.astimezone(dealer.tz):%d-%m %H:%M}"
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(idstring=f"{booking.booking_id}.{booking.sequence}.{notice.change}",
                                           domain="seldenrijk-agent")
        message.set_content(self._note(booking, notice))
        if notice.change != "no_show_question":
            invite = calendar_ics.invite(booking, dealer, organizer=self.settings.smtp_from, attendee=to)
            method = "CANCEL" if booking.state == "cancelled" else "REQUEST"
            message.add_attachment(invite, maintype="text", subtype="calendar", filename="proefrit.ics",
                                   params={"method": method})
        try:
            return await self.mailer.send_email(message)
        except IntegrationError as exc:
            _reject_or_raise(exc, "SMTP")
        raise AssertionError("unreachable")

    def _note(self, booking: Booking, notice: SalesNotice) -> str:
        return texts.staff_note(notice.change, booking.booking_id, booking.car_title, booking.start,
                                booking.customer_name, booking.customer_phone, booking.state, self.dealer.tz,
                                previous_start=notice.previous_start, reason=notice.reason)

    @activity.defn
    async def check_car_in_stock(self, check: CarCheck) -> CarCheckResult:
        index = self.catalog.index()
        car = index.get(check.car_id)
        if car is not None and not car.sold:
            return CarCheckResult(in_stock=True)
        prefs = CarPreferences(make=check.make, model=check.model)
        if car is not None and car.price_eur and not car.price_is_monthly:
            prefs = prefs.model_copy(update={"max_price": int(car.price_eur * 1.15)})
        found = index.search(InventorySearchRequest(preferences=prefs, text=""))
        similar = [_car_line(m.car, check.language) for m in found.matches if m.car.id != check.car_id and not m.car.sold][:3]
        booking = self.store.get(check.booking_id)
        message = (texts.car_sold(booking.car_title, booking.start, similar, self.dealer.tz, check.language, check.address_form)
                   if booking else None)
        return CarCheckResult(in_stock=False, similar=similar, message=message)


def _car_line(car, language: str = "nl") -> str:
    price = f" – {euro(car.price_eur, language)}" if car.price_eur else ""
    return f"{car.title}{price}" + (f" – {car.url}" if car.url else "")


def testdrive_activities(settings, **overrides) -> tuple[TestDriveActivities, list]:
    acts = TestDriveActivities(settings, **overrides)
    return acts, [
        acts.plan_test_drive,
        acts.record_test_drive,
        acts.sync_test_drive_calendar,
        acts.tell_sales_in_chatwoot,
        acts.email_sales_invite,
        acts.check_car_in_stock,
    ]
