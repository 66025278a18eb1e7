"""`seldenrijk analyze`: router, extraction and expertise of each input line, as JSON-ready dicts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from agents.backend import AgentBackend
from agents.language import with_language
from agents.models import ConversationContext, Understanding


async def understand_async(text: str, backend: AgentBackend, context: ConversationContext | None = None) -> Understanding:
    context = context or ConversationContext()
    router, _ = await backend.route(text, context)
    extraction, _ = await backend.extract(text, context, router)
    extraction = with_language(extraction, text, context.language, context.address_form)
    expertise, _ = await backend.assess(text, context, router, extraction)
    return Understanding(text=text, router=router, extraction=extraction, expertise=expertise)


def _as_dict(understanding: Understanding) -> dict:
    return {
        "text": understanding.text,
        "router": understanding.router.model_dump(mode="json"),
        "extraction": understanding.extraction.model_dump(mode="json"),
        "expertise": understanding.expertise.model_dump(mode="json"),
    }


async def analyze_lines(lines: Iterable[str], backend: AgentBackend) -> AsyncIterator[dict]:
    """One result per non-empty line, each line understood on its own (no conversation)."""
    for line in lines:
        text = line.strip()
        if text:
            yield _as_dict(await understand_async(text, backend))
