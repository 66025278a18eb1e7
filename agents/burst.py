"""Burst coalescing decisions (pure): which quick messages are answered together, and until when to wait.

A customer on WhatsApp often types one thought in three messages ("Hallo" / "is de polo nog
beschikbaar?" / "en wat kost hij per maand?"). Messages that arrive within the quiet window
of each other, before the bot started answering, are understood as one text and get one reply.
The window restarts with every message, up to a maximum counted from the first one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agents import privacy

BURST_KEPT = 10  # at most this many messages answered as one; more start the next burst
BURST_CHARS = 4000  # ...or this much text


def window_closes(first_at: datetime, last_at: datetime, quiet_seconds: float, max_seconds: float) -> datetime:
    """When the burst is complete: `quiet_seconds` after the latest message, but never later
    than `max_seconds` after the first (a customer who keeps typing still gets an answer)."""
    quiet = last_at + timedelta(seconds=quiet_seconds)
    cap = first_at + timedelta(seconds=max(max_seconds, quiet_seconds))
    return min(quiet, cap)


def stands_alone(text: str) -> bool:
    """STOP and privacy requests are never folded into a car question: each is handled on its own."""
    return privacy.opt_out_requested(text) or privacy.privacy_request(text) is not None


def joins(burst_texts: list[str], text: str) -> bool:
    """May `text` join the burst so far? Not after the limits, and never a message that stands alone."""
    if len(burst_texts) >= BURST_KEPT or sum(len(part) for part in burst_texts) + len(text) > BURST_CHARS:
        return False
    return not stands_alone(text)


def joined_text(texts: list[str]) -> str:
    """One text for the agents: each message on its own line, as the customer typed them."""
    return "\n".join(part.strip() for part in texts if part.strip())
