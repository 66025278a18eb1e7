"""Where listings come from: the dealer website, Marktplaats, and the shipped sample."""

from __future__ import annotations

LIVE_SOURCES = ("website", "marktplaats")


def live_sources(configured: list[str]) -> list[str]:
    """The configured sources that are scraped (the sample is not a live source)."""
    return [source for source in configured if source in LIVE_SOURCES]
