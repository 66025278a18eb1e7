"""RulesEngine: the built-in Dutch backend (no API key needed), implementing AgentBackend."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from agents.context import is_repeat
from agents.knowledge.dealer import DealerFacts, dealer_facts
from agents.models import (
    ConversationContext,
    ConversationOutput,
    ExpertiseOutput,
    ExtractionOutput,
    ReplyRequest,
    RouterOutput,
    Understanding,
    Usage,
)
from agents.rules import expertise, extraction, reply, router
from agents.rules.parse import ParsedMessage, parse


class RulesEngine:
    name = "rules"

    def __init__(self, dealer: DealerFacts | None = None, now: Callable[[], datetime] | None = None):
        self._dealer = dealer
        self._now = now or (lambda: datetime.now(timezone.utc))

    @property
    def dealer(self) -> DealerFacts:
        return self._dealer or dealer_facts()

    def _parse(self, text: str) -> ParsedMessage:
        return parse(text or "", self._now().year)

    # --- sync steps ------------------------------------------------------------
    def route_sync(self, text: str, context: ConversationContext | None = None) -> RouterOutput:
        return router.route(self._parse(text), context)

    def extract_sync(self, text: str, context: ConversationContext | None, router_output: RouterOutput) -> ExtractionOutput:
        return extraction.extract(self._parse(text), context, router_output, self._now())

    def assess_sync(
        self, text: str, context: ConversationContext | None, router_output: RouterOutput, extraction_output: ExtractionOutput
    ) -> ExpertiseOutput:
        parsed = self._parse(text)
        empty = router_output.intent == "other" and not router_output.needs_extraction
        misunderstood = empty or is_repeat(text, context)
        return expertise.assess(parsed, context, router_output, extraction_output, self.dealer, misunderstood)

    def reply_sync(self, request: ReplyRequest) -> ConversationOutput:
        return reply.compose(request, self.dealer, self._now())

    def understand(self, text: str, context: ConversationContext | None = None) -> Understanding:
        routed = self.route_sync(text, context)
        extracted = self.extract_sync(text, context, routed)
        assessed = self.assess_sync(text, context, routed, extracted)
        return Understanding(text=text, router=routed, extraction=extracted, expertise=assessed)

    # --- AgentBackend ------------------------------------------------------------
    async def route(self, text: str, context: ConversationContext) -> tuple[RouterOutput, Usage]:
        return self.route_sync(text, context), Usage()

    async def extract(self, text: str, context: ConversationContext, router: RouterOutput) -> tuple[ExtractionOutput, Usage]:
        return self.extract_sync(text, context, router), Usage()

    async def assess(
        self, text: str, context: ConversationContext, router: RouterOutput, extraction: ExtractionOutput
    ) -> tuple[ExpertiseOutput, Usage]:
        return self.assess_sync(text, context, router, extraction), Usage()

    async def reply(self, request: ReplyRequest) -> tuple[ConversationOutput, Usage]:
        return self.reply_sync(request), Usage()
