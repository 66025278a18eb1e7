"""The typed dialogue state of one chat (issue 14 §1): small records, never whole car trees.

The conversation carries it as `ConversationContext.dialogue`. Together with the parts that
already have their own models in the context, it is the whole state both backends read and
write (see agents/dialogue.py):

- `dialogue.car` / `dialogue.shown`: the car under discussion and the cars just shown, in order
  (for "de tweede", "die blauwe");
- `dialogue.open_question`: the question our last message ended with, and when we asked it;
- `dialogue.financing`: the financing scenario (price, down payment, term);
- `context.test_drive` (agents.booking_models.TestDriveDialogue): the test-drive request in progress;
- `context.trade_in` (agents.tradein_models.TradeIn): the customer's own car, never mixed with stock;
- `context.language` / `context.address_form`: the customer's language and register.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

# What the bot's open question asks for. Short answers are read against it first.
QuestionKind = Literal[
    "car_type",  # "Naar wat voor auto ben je op zoek?"
    "budget",  # "Wat is ongeveer je budget?"
    "fuel",  # "benzine, diesel, hybride of elektrisch?"
    "gearbox",  # "automaat of handgeschakeld?"
    "trade_in",  # "Heb je nog een auto om in te ruilen?" (yes/no)
    "trade_in_plate",  # "Wat is het kenteken?"
    "trade_in_mileage",  # "Hoeveel km heeft je auto gereden?"
    "trade_in_check",  # "Een Opel Astra uit 2015 …: klopt dat?" (yes/no)
    "visit",  # "Zin om een keer te komen proefrijden?" (yes/no, or a day)
    "day",  # "Welke dag past je?"
    "time",  # "Hoe laat komt het je uit?"
    "slot",  # "Welke van deze tijden past je het best?" (numbered times)
    "which_car",  # "Welke bedoel je?" / "Welke wil je proberen?" (numbered cars)
    "broader_search",  # "Zal ik breder zoeken?" (yes/no)
    "payment",  # "Zal ik uitrekenen wat hij per maand kost?" (yes/no)
    "other",  # a question we do not read answers to
]
YES_NO_KINDS: frozenset[str] = frozenset({"trade_in", "trade_in_check", "visit", "broader_search", "payment"})
MAX_SHOWN = 5
QUESTION_TEXT_KEPT = 160


class CarRef(BaseModel):
    """A stock car as the dialogue refers to it: id and what the customer can point at."""

    id: str
    title: str
    make: str | None = None
    model: str | None = None
    color: str | None = None
    price_eur: int | None = None
    fuel_type: str | None = None


class OpenQuestion(BaseModel):
    kind: QuestionKind
    text: str  # the question as we asked it (clipped)
    asked_at: datetime
    stood_over: bool = False  # kept over a question of the customer's own: only a bare answer binds to it


class FinancingScenario(BaseModel):
    """The payment example under discussion: what is financed and how."""

    car_id: str | None = None
    car_title: str | None = None
    price_eur: int | None = None
    down_payment_eur: int | None = None
    term_months: int | None = None


class DialogueState(BaseModel):
    car: CarRef | None = None  # the car under discussion
    shown: list[CarRef] = Field(default_factory=list)  # the cars our last list showed, in its order
    open_question: OpenQuestion | None = None
    financing: FinancingScenario | None = None
    # what the last customer message was read as, against the open question ("budget", "day", "yes:visit")
    last_answer: str | None = None
    updated_at: datetime | None = None
