"""A reply that waited for the WhatsApp session too long goes out as a short apology version (issue 17). Pure."""

from __future__ import annotations

from agents.rules.phrases import Phrase, say

LATE_SORRY = Phrase(
    nl="Sorry voor de late reactie, onze WhatsApp lag er even uit.",
    en="Sorry for the late reply, our WhatsApp was down for a while.",
    de="Entschuldigung für die späte Antwort, unser WhatsApp war eine Weile nicht erreichbar.",
)
STILL_OPEN = Phrase(
    nl="Is je vraag nog actueel? Laat het even weten, dan help ik je meteen verder.",
    nl_u="Is uw vraag nog actueel? Laat het even weten, dan help ik u meteen verder.",
    en="Is your question still open? Just let me know and I'll help you right away.",
    de="Ist Ihre Frage noch aktuell? Sagen Sie kurz Bescheid, dann helfe ich Ihnen sofort weiter.",
)
GIST_CHARS = 280


def gist(text: str) -> str:
    """The answer's first paragraph, at most GIST_CHARS (cut at a sentence end where possible)."""
    first = next((part.strip() for part in text.split("\n\n") if part.strip()), "")
    if len(first) <= GIST_CHARS:
        return first
    cut = first[:GIST_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 80 else cut.rstrip() + "…"


def late_version(stale_text: str, language: str | None, address_form: str | None) -> str:
    """The short version of a reply that could not go out for longer than STALE_REPLY_MINUTES."""
    parts = [say(LATE_SORRY, language, address_form)]
    core = gist(stale_text)
    if core:
        parts.append(core)
    parts.append(say(STILL_OPEN, language, address_form))
    return "\n\n".join(parts)
