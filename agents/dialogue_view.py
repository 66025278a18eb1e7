"""The dialogue state as staff see it: the Temporal UI's current details and the chat page's lead card."""

from __future__ import annotations

from agents.models import ConversationContext

_QUESTION_WORDS = {"car_type": "wat voor auto", "budget": "budget", "fuel": "brandstof", "gearbox": "automaat/hand",
                   "trade_in": "inruil?", "trade_in_plate": "kenteken inruil", "trade_in_mileage": "km-stand inruil",
                   "trade_in_check": "RDW-gegevens kloppen?", "visit": "proefrit?", "day": "welke dag", "time": "hoe laat",
                   "slot": "welke tijd", "which_car": "welke auto", "broader_search": "breder zoeken?",
                   "payment": "maandbedrag?", "other": "vraag"}


def state_lines(context: ConversationContext) -> list[tuple[str, str]]:
    """(label, value) pairs of the dialogue state, in Dutch for staff; only what is known."""
    state = context.dialogue
    lines: list[tuple[str, str]] = []
    if state.car:
        lines.append(("Auto in gesprek", state.car.title + (f" (€ {state.car.price_eur:,})".replace(",", ".") if state.car.price_eur else "")))
    if state.shown:
        lines.append(("Laatst getoond", "; ".join(f"{i}. {car.title}" + (f" ({car.color})" if car.color else "")
                                                   for i, car in enumerate(state.shown, 1))))
    if state.open_question:
        asked = state.open_question
        lines.append(("Open vraag", f"{_QUESTION_WORDS.get(asked.kind, asked.kind)}: «{asked.text}» ({asked.asked_at:%d-%m %H:%M})"))
    if state.last_answer:
        lines.append(("Laatste antwoord gelezen als", state.last_answer))
    drive = context.test_drive
    if drive.car or drive.wish or drive.bookings or drive.car_options:
        parts = []
        if drive.car:
            parts.append(drive.car.title)
        elif drive.car_options:
            parts.append("kiest uit " + ", ".join(option.title for option in drive.car_options))
        if drive.wish and not drive.wish.empty:
            wish = drive.wish
            when = " ".join(str(v) for v in (wish.day, wish.at, wish.earliest and f"na {wish.earliest}",
                                             wish.latest and f"voor {wish.latest}", wish.asap and "zsm") if v)
            parts.append(when)
        for booking in drive.bookings:
            parts.append(f"geboekt {booking.car_title} {booking.start:%d-%m %H:%M}")
        lines.append(("Proefrit", ", ".join(parts)))
    if state.financing:
        f = state.financing
        bits = [f.car_title or "", f.price_eur and f"prijs € {f.price_eur:,}".replace(",", "."),
                f.down_payment_eur and f"aanbetaling € {f.down_payment_eur:,}".replace(",", "."),
                f.term_months and f"{f.term_months} mnd"]
        lines.append(("Financiering", ", ".join(str(b) for b in bits if b) or "gevraagd"))
    if context.trade_in is not None:
        lines.append(("Inruil (eigen auto)", context.trade_in.describe()))
    prefs = context.preferences
    if not prefs.is_empty():
        lines.append(("Wensen", ", ".join(f"{k}={v}" for k, v in prefs.model_dump(exclude_defaults=True).items())))
    lines.append(("Taal", f"{context.language}, {context.address_form}"))
    return lines


def summary_markdown(context: ConversationContext) -> str:
    return "\n".join(f"- **{label}:** {value}" for label, value in state_lines(context))
