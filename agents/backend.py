"""The one interface both backends implement: the rules engine and Claude.

Each step returns its typed output and the Usage it cost (zero for the rules engine).
The workflow calls each step as its own activity, so a person can trace it in the UI.
"""

from __future__ import annotations

from typing import Protocol

from agents.models import (
    Backend,
    ConversationContext,
    ConversationOutput,
    ExpertiseOutput,
    ExtractionOutput,
    ReplyRequest,
    RouterOutput,
    Usage,
)


class AgentBackend(Protocol):
    name: Backend

    async def route(self, text: str, context: ConversationContext) -> tuple[RouterOutput, Usage]: ...

    async def extract(
        self, text: str, context: ConversationContext, router: RouterOutput
    ) -> tuple[ExtractionOutput, Usage]: ...

    async def assess(
        self,
        text: str,
        context: ConversationContext,
        router: RouterOutput,
        extraction: ExtractionOutput,
    ) -> tuple[ExpertiseOutput, Usage]: ...

    async def reply(self, request: ReplyRequest) -> tuple[ConversationOutput, Usage]: ...
