"""Claude as an AgentBackend: one fast structured call understands a message, a stronger
model writes the reply, and the reply passes the guardrails before anyone sees it.

SDK retries are off (max_retries=0): Temporal retries the activity, so one attempt here
is one HTTP request. Errors become IntegrationError with `retryable` and `status_code`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, TypeVar

import anthropic
import pydantic
from pydantic import BaseModel, Field

from agents.dialogue_models import QuestionKind
from agents.guardrails import check_reply, known_cars
from agents.knowledge.consistency import with_knowledge_rules
from agents.knowledge.dealer import DealerFacts, dealer_facts
from agents.models import (
    Backend,
    Classification,
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
from agents import handled, open_checks, prompts
from config import Settings, reveal
from integrations.errors import IntegrationError, is_retryable_status

log = logging.getLogger(__name__)

UNDERSTAND_MAX_TOKENS = 1200
REPLY_MAX_TOKENS = 1000
CACHE_SIZE = 256

OutputT = TypeVar("OutputT", bound=BaseModel)


# --- what we ask Claude to produce (the parts of our models it may decide) ----
class ClaudeExpertise(BaseModel):
    classification: Classification
    escalation_decision: EscalationDecision
    knowledge_topics: list[prompts.KnowledgeTopic] = Field(default_factory=list)


class ClaudeUnderstanding(BaseModel):
    router: RouterOutput
    extraction: ExtractionOutput
    expertise: ClaudeExpertise


class ClaudeCheck(BaseModel):
    """A question the reply promised to have checked (agents.open_checks): a light task for sales."""

    question: str
    topic: str
    car_id: str | None = None


class ClaudeDialogueUpdate(BaseModel):
    """The dialogue state after the reply (agents/dialogue_models.py), as Claude sees it."""

    open_question: QuestionKind | None = None  # what the reply's closing question asks
    car_id: str | None = None  # the car the conversation is now about


class ClaudeReply(BaseModel):
    response_text: str
    mentioned_car_ids: list[str] = Field(default_factory=list)
    follow_up_question: str | None = None
    handoff: bool = False
    open_checks: list[ClaudeCheck] = Field(default_factory=list)
    dialogue: ClaudeDialogueUpdate = Field(default_factory=ClaudeDialogueUpdate)


class GuardrailViolation(IntegrationError):
    """Claude's reply broke a rule; retrying the same prompt will not reliably fix it."""

    def __init__(self, violations: list[str]):
        # The message names only the kinds ("unknown euro amount"), not the quoted reply text: it reaches
        # Temporal's failure logs, where customer-facing text must not appear. `.violations` has it all.
        kinds = sorted({violation.split(":", 1)[0] for violation in violations})
        super().__init__("reply rejected by guardrails: " + "; ".join(kinds), retryable=False)
        self.violations = violations


def usage_cost(usage: Any, model: str, settings: Settings) -> Usage:
    """Usage of one call, priced in dollars per million tokens from settings.claude_prices."""
    tokens = {
        "input": getattr(usage, "input_tokens", 0) or 0,
        "output": getattr(usage, "output_tokens", 0) or 0,
        "cache_read": getattr(usage, "cache_read_input_tokens", 0) or 0,
        "cache_write": getattr(usage, "cache_creation_input_tokens", 0) or 0,
    }
    price = settings.price_for(model)
    cost = sum(tokens[kind] * price.get(kind, 0.0) for kind in tokens) / 1_000_000
    return Usage(
        input_tokens=tokens["input"],
        output_tokens=tokens["output"],
        cache_read_tokens=tokens["cache_read"],
        cache_write_tokens=tokens["cache_write"],
        cost_usd=round(cost, 6),
    )


def _map_error(exc: Exception, model: str) -> IntegrationError:
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {}
        detail = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
        kind = detail.get("type", "error")
        message = detail.get("message", str(exc))
        return IntegrationError(
            f"Claude {model} answered {status} {kind}: {message}"[:500],
            retryable=is_retryable_status(status),
            status_code=status,
        )
    if isinstance(exc, anthropic.APITimeoutError):
        return IntegrationError(f"Claude {model} timed out", retryable=True)
    if isinstance(exc, anthropic.APIConnectionError):
        return IntegrationError(f"Claude {model} unreachable: {exc}", retryable=True)
    if isinstance(exc, pydantic.ValidationError):
        # A malformed answer may well be fine on the next attempt; the activity caps attempts.
        return IntegrationError(f"Claude {model} returned invalid structured output: {exc}"[:500], retryable=True)
    return IntegrationError(f"Claude {model} failed: {exc}"[:500], retryable=False)


def _context_key(text: str, context: ConversationContext) -> str:
    digest = hashlib.sha256(context.model_dump_json().encode()).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest() + digest


class ClaudeBackend:
    name: Backend = "claude"

    def __init__(self, settings: Settings, *, dealer: DealerFacts | None = None):
        self.settings = settings
        self._dealer = dealer
        self.client = anthropic.AsyncAnthropic(
            api_key=reveal(settings.anthropic_api_key),
            base_url=settings.anthropic_base_url or None,
            max_retries=0,
            timeout=settings.claude_timeout_seconds,
        )
        self._understood: OrderedDict[str, Understanding] = OrderedDict()

    @property
    def dealer(self) -> DealerFacts:
        return self._dealer or dealer_facts(self.settings.dealer_config_file)

    async def _call(self, model: str, system: str, user: str, output: type[OutputT], max_tokens: int) -> tuple[OutputT, Usage]:
        try:
            response = await self.client.messages.parse(
                model=model,
                max_tokens=max_tokens,
                system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": user}],
                output_format=output,
            )
        except (anthropic.AnthropicError, pydantic.ValidationError) as exc:
            raise _map_error(exc, model) from exc
        usage = usage_cost(response.usage, model, self.settings)
        parsed = response.parsed_output
        if response.stop_reason == "refusal":
            raise IntegrationError(f"Claude {model} refused to answer", retryable=False)
        if parsed is None:
            raise IntegrationError(
                f"Claude {model} returned no structured output (stop_reason={response.stop_reason})", retryable=True
            )
        return parsed, usage

    # --- understanding: one call for router + extraction + expertise ---------
    async def understand(self, text: str, context: ConversationContext) -> tuple[Understanding, Usage]:
        model = self.settings.claude_fast_model
        dealer = self.dealer
        raw, usage = await self._call(
            model,
            prompts.understanding_system_prompt(dealer),
            prompts.understanding_user_message(text, context),
            ClaudeUnderstanding,
            UNDERSTAND_MAX_TOKENS,
        )
        # STOP, privacy, voice notes and pranks: Claude's judgement ORed with the literal rules, and
        # an escalation for something handled here stands only on an explicit rule trigger.
        extraction = handled.with_special_requests(raw.extraction, text)
        decision = _consistent(raw.expertise.escalation_decision)
        if handled.handled_without_person(extraction, text):
            decision = handled.keep_escalation(decision, extraction, _explicit_trigger(text), text)
        understanding = Understanding(
            text=text,
            router=raw.router,
            extraction=extraction,
            expertise=ExpertiseOutput(
                classification=raw.expertise.classification,
                escalation_decision=decision,
                knowledge=prompts.knowledge_for(list(raw.expertise.knowledge_topics), dealer),
            ),
        )
        # the same knowledge rules as the rules engine: no fuel from an engine question, technical domain, our facts
        understanding = with_knowledge_rules(understanding, context, dealer, picked=list(raw.expertise.knowledge_topics))
        self._remember(_context_key(text, context), understanding)
        return understanding, usage

    def _remember(self, key: str, understanding: Understanding) -> None:
        self._understood[key] = understanding
        self._understood.move_to_end(key)
        while len(self._understood) > CACHE_SIZE:
            self._understood.popitem(last=False)

    async def _understanding(self, text: str, context: ConversationContext) -> tuple[Understanding, Usage]:
        """The combined result for this message; its cost was already counted by the first step."""
        cached = self._understood.get(_context_key(text, context))
        if cached is not None:
            return cached, Usage()
        return await self.understand(text, context)

    async def route(self, text: str, context: ConversationContext) -> tuple[RouterOutput, Usage]:
        understanding, usage = await self.understand(text, context)
        return understanding.router, usage

    async def extract(
        self, text: str, context: ConversationContext, router: RouterOutput
    ) -> tuple[ExtractionOutput, Usage]:
        understanding, usage = await self._understanding(text, context)
        return understanding.extraction, usage

    async def assess(
        self, text: str, context: ConversationContext, router: RouterOutput, extraction: ExtractionOutput
    ) -> tuple[ExpertiseOutput, Usage]:
        understanding, usage = await self._understanding(text, context)
        return understanding.expertise, usage

    # --- reply ---------------------------------------------------------------
    async def reply(self, request: ReplyRequest) -> tuple[ConversationOutput, Usage]:
        model = self.settings.claude_reply_model
        dealer = self.dealer
        now = datetime.now(timezone.utc)
        draft, usage = await self._call(
            model,
            prompts.reply_system_prompt(dealer),
            prompts.reply_user_message(request, dealer, now),
            ClaudeReply,
            REPLY_MAX_TOKENS,
        )
        violations = check_reply(draft.response_text, request, dealer, self.settings.reply_link_hosts)
        if violations:
            log.warning("claude reply rejected", extra={"violations": violations, "model": model})
            raise GuardrailViolation(violations)
        cars = {car.id: car for car in known_cars(request)}
        known_ids = set(cars)
        return (
            ConversationOutput(
                response_text=draft.response_text.strip(),
                mentioned_car_ids=[car_id for car_id in dict.fromkeys(draft.mentioned_car_ids) if car_id in known_ids],
                follow_up_question=draft.follow_up_question or None,
                handoff=draft.handoff or bool(request.escalation_handoff),
                backend="claude",
                open_checks=_open_checks(draft.open_checks, cars, request, dealer, now),
                open_question=draft.dialogue.open_question,
                car_id=draft.dialogue.car_id if draft.dialogue.car_id in known_ids else None,
            ),
            usage,
        )

    async def aclose(self) -> None:
        await self.client.close()


def _open_checks(drafts: list[ClaudeCheck], cars: dict, request: ReplyRequest, dealer: DealerFacts, now: datetime) -> list:
    """Claude's promised checks as OpenChecks: only cars we know, deduplicated against the chat's open ones."""
    promised = open_checks.promise_moment(dealer, now, "nl")
    items = []
    for item in drafts:
        if not item.question.strip() or not item.topic.strip():
            continue
        car = cars.get(item.car_id) if item.car_id else None
        items.append(open_checks.check(open_checks.claude_key(item.topic, car.id if car else None), item.question,
                                       item.topic.strip()[:80], car, promised, now))
    return open_checks.new_checks(request.context, items)


def _consistent(decision: EscalationDecision) -> EscalationDecision:
    """No half-escalations: a type without escalate (or the reverse) is no escalation."""
    if decision.escalate and decision.escalation_type:
        return decision
    return EscalationDecision(escalate=False, escalation_type=None, urgency=decision.urgency, reason="")


def _explicit_trigger(text: str) -> str | None:
    """The rules' own reason to escalate (legal threat, complaint, BKR...), without any model."""
    from datetime import date

    from agents.rules import expertise
    from agents.rules.parse import parse

    plain = parse(text, date.today().year).text
    return expertise.manager_reason(plain) or expertise.finance_reason(plain)
