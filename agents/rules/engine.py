"""RulesEngine: the built-in Dutch backend (no API key needed), implementing AgentBackend."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable

from agents import dialogue, handled
from agents.context import is_repeat
from agents.knowledge.dealer import DealerFacts, dealer_facts
from agents.models import (
    ConversationContext,
    ConversationOutput,
    EscalationDecision,
    ExpertiseOutput,
    ExtractionOutput,
    ReplyRequest,
    RouterOutput,
    Understanding,
    Usage,
)
from agents.rules import classifier as second_opinion
from agents.rules import expertise, extraction, reply, router
from agents.rules.text import is_short_answer, normalize
from agents.rules.classifier import MessageClassifier, Policy
from agents.rules.parse import ParsedMessage, parse
from agents.rules.reply_parts import only_practical
from agents.scoring_signals import bought_elsewhere


class RulesEngine:
    name = "rules"

    def __init__(self, dealer: DealerFacts | None = None, now: Callable[[], datetime] | None = None,
                 model: MessageClassifier | None = None, use_model: bool = True, policy: Policy = second_opinion.POLICY):
        """`model`: the statistical second opinion (default: trained lazily once per process on the corpus,
        see agents/rules/classifier.py for how it is combined with the rules)."""
        self._dealer = dealer
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._model = model
        self._use_model = use_model
        self._policy = policy

    def _classifier(self) -> MessageClassifier | None:
        if not self._use_model:
            return None
        return self._model or second_opinion.classifier()

    @property
    def dealer(self) -> DealerFacts:
        return self._dealer or dealer_facts()

    def _parse(self, text: str) -> ParsedMessage:
        return parse(text or "", self._now().year)

    # --- sync steps ------------------------------------------------------------
    def route_sync(self, text: str, context: ConversationContext | None = None) -> RouterOutput:
        parsed = self._parse(text)
        routed = self._route(parsed, text, context)
        if routed.intent in ("trade_in", "other", "price_negotiation") and only_practical(text):
            # "what should I bring?", "inbegrepen?": a practical question (agents/rules/reply_parts.py), no trade-in
            return router.reroute(parsed, "general_info", confidence=0.8)
        if routed.intent != "test_drive" and _answers_booking(text, context):
            # "de eerste", "11 uur", "ik kan toch niet" while a test drive is being booked or stands
            return router.reroute(parsed, "test_drive", confidence=0.85)
        if context is not None:  # a short answer to our open question: its intent follows from the question
            answered = dialogue.route_in_state(routed, text, context, self._now())
            if answered.intent != routed.intent:
                rerouted = router.reroute(parsed, answered.intent, confidence=answered.confidence)
                return rerouted.model_copy(update={"needs_extraction": rerouted.needs_extraction or answered.needs_extraction})
            return answered  # the same intent, but understood as an answer (never "not understood")
        return routed

    def _route(self, parsed: ParsedMessage, text: str, context: ConversationContext | None) -> RouterOutput:
        routed = router.route(parsed, context)
        model = self._classifier()
        if model is None:
            return routed
        model_intent, margin = model.intent(parsed.text)
        misunderstood = _not_understood(routed) or is_repeat(text, context)
        intent = second_opinion.combine_intent(routed.intent, routed.confidence, misunderstood, model_intent, margin, self._policy)
        if intent == routed.intent:
            return routed
        return router.reroute(parsed, intent, confidence=min(0.85, 0.5 + 0.2 * margin))

    def extract_sync(self, text: str, context: ConversationContext | None, router_output: RouterOutput) -> ExtractionOutput:
        from agents.booking import booking_cue

        extracted = handled.with_special_requests(extraction.extract(self._parse(text), context, router_output, self._now()), text)
        extracted = extracted.model_copy(update={"booking": booking_cue(text, context, extracted)})
        return dialogue.extract_in_state(extracted, text, context or ConversationContext(), self._now())

    def assess_sync(
        self, text: str, context: ConversationContext | None, router_output: RouterOutput, extraction_output: ExtractionOutput
    ) -> ExpertiseOutput:
        return self._no_hand_over(text, self._assess(text, context, router_output, extraction_output))

    def _assess(
        self, text: str, context: ConversationContext | None, router_output: RouterOutput, extraction_output: ExtractionOutput
    ) -> ExpertiseOutput:
        parsed = self._parse(text)
        handled_reason = handled.handled_without_person(extraction_output, text)
        misunderstood = (_not_understood(router_output) or is_repeat(text, context)) and handled_reason is None
        assessed = expertise.assess(parsed, context, router_output, extraction_output, self.dealer, misunderstood)
        if handled_reason is not None:  # answered or handled here: no statistical second opinion either
            decision = assessed.escalation_decision
            kept = handled.keep_escalation(decision, extraction_output, decision.reason or None, text)
            return assessed if kept == decision else assessed.model_copy(update={"escalation_decision": kept})
        model = self._classifier()
        decision = assessed.escalation_decision
        if model is None or (misunderstood and decision.escalate):  # "not understood twice" is the rules' call
            return assessed
        if extraction_output.booking.action in ("choose", "move", "cancel") and not decision.escalate:
            return assessed  # "ik kan toch niet" about a booking is no defect for the model to guess at
        if dialogue.mentions_earlier_contact(text) and not decision.escalate:
            return assessed  # "ik had vorige week contact over de tiguan": no purchase or complaint for the model to guess
        if is_short_answer(text) and not decision.escalate:
            return assessed  # "ja graag" answers our own question: no purchase for the model to guess at
        rules_type = decision.escalation_type if decision.escalate else None
        opinion = model.escalation_opinion(parsed.text)
        chosen = second_opinion.combine_escalation(rules_type, expertise.cleared(parsed.text), opinion, self._policy)
        if chosen is None or chosen == rules_type:
            return assessed
        return expertise.escalate_on_second_opinion(assessed, router_output, chosen)

    def _no_hand_over(self, text: str, assessed: ExpertiseOutput) -> ExpertiseOutput:
        """Bought elsewhere, or asking whether cash lowers the price: answered here, no colleague needed."""
        decision = assessed.escalation_decision
        if not decision.escalate or decision.escalation_type not in ("sales", "technical_specialist", "manager"):
            return assessed
        lowered = text.lower()
        done = bought_elsewhere(lowered) and not _COMPLAINT_WORDS.search(lowered)
        # "en als ik contant betaal?" asks about the price; "i pay 13000 cash today" is an offer for sales
        cash = bool(_CASH_QUESTION.search(lowered)) and decision.escalation_type == "sales" \
            and not _BUY_NOW.search(lowered) and not re.search(r"\d", lowered) \
            and bool(re.search(r"\b(als|wat\s+als|if|wenn|korting|discount|rabatt|goedkoper|cheaper|billiger)\b", lowered))
        if done or cash:
            return assessed.model_copy(update={"escalation_decision": EscalationDecision()})
        return assessed

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


_COMPLAINT_WORDS = re.compile(r"\b(klacht|boos|schandalig|advocaat|defect|kapot|garantie|terug\s*brengen|ontbind\w*)\b")
_CASH_QUESTION = re.compile(r"\b(contant|cash|bar)\b[^?.!]{0,30}\b(betaal\w*|betalen|afreken\w*|korting|goedkoper|zahle\w*|pay\w*)\b|"
                            r"\b(betaal|betalen|pay|zahle\w*)\b[^?.!]{0,20}\b(contant|cash|bar)\b")
_BUY_NOW = re.compile(r"\b(kopen|koop|reserve\w*|neem\s+(?:hem|haar|die|deze)|buy|kaufen|kaufe)\b")

_ABOUT_THE_DRIVE = re.compile(r"\b(meenemen|meebrengen|mee\s+(?:nemen|brengen)|nodig\s+voor\s+de\s+proefrit|hoe\s+lang\s+duurt)\b|"
                              r"\bwat\s+(?:moet|heb)\s+ik\s+(?:\w+\s+)?(?:nodig|mee)")


def _answers_booking(text: str, context: ConversationContext | None) -> bool:
    if context is None or not (context.test_drive.open_question or context.test_drive.bookings):
        return False
    from agents.booking import booking_cue

    if _ABOUT_THE_DRIVE.search(normalize(text)):  # normalised: "do I need to bring anything?" reads as Dutch
        return True  # "moet ik iets meenemen?" while booking: about the test drive
    return booking_cue(text, context, ExtractionOutput()).action in ("choose", "move", "cancel")


def _not_understood(routed: RouterOutput) -> bool:
    return routed.intent == "other" and not routed.needs_extraction
