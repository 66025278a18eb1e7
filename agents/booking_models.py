"""The typed state of a test-drive request in progress, and the booking cue of one message.

Kept apart from the rest of the conversation context on purpose: a small, clean model the
conversation carries (ConversationContext.test_drive) and both backends read and fill.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agents.when import WhenWish

BookingAction = Literal["none", "book", "choose", "move", "cancel"]
OpenQuestion = Literal["car", "slot"]


class BookingCue(BaseModel):
    """What this message asks of the booking, in structured form (rules engine or Claude).

    book: wants a test drive (new); choose: answers our question (a car or an offered time);
    move: an existing booking to another day/time; cancel: "ik kan toch niet".
    """

    action: BookingAction = "none"
    when_text: str | None = None  # the customer's own words for the day and time: "zaterdag om 11 uur"
    option: int | None = None  # 1-based pick from what we offered: "de eerste" = 1, "de laatste" = -1


class CarOption(BaseModel):
    id: str
    title: str
    make: str | None = None
    model: str | None = None


class BookedDrive(BaseModel):
    booking_id: str
    car_id: str
    car_title: str
    start: datetime
    end: datetime


class TestDriveDialogue(BaseModel):
    """A test-drive request in progress: which car, which day and time, what we offered."""

    __test__ = False  # not a pytest test class, despite the name

    car: CarOption | None = None
    car_options: list[CarOption] = Field(default_factory=list)  # when we asked "welke van deze?"
    wish: WhenWish | None = None
    offered: list[datetime] = Field(default_factory=list)  # numbered in our last message
    open_question: OpenQuestion | None = None
    bookings: list[BookedDrive] = Field(default_factory=list)  # this customer's active bookings

    def active(self, car_id: str | None = None) -> BookedDrive | None:
        """The booking a move or cancel is about: the named car's, else the latest."""
        if not self.bookings:
            return None
        if car_id:
            for booking in self.bookings:
                if booking.car_id == car_id:
                    return booking
        return self.bookings[-1]
