"""Agent steps as activities: route, extract, assess, compose the reply, score the lead.

Thin adapters: each picks the backend (Claude when configured and asked for, else the
rules engine), times the call, and maps errors to Temporal's retry semantics.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents import dialogue
from agents.backend import AgentBackend
from agents.handled import fixed_reply
from agents.language import with_language
from agents.repetition import without_repeats
from agents.stock_question import stock_search, wants_stock
from agents.models import (
    Backend,
    CRMOutput,
    ConversationContext,
    ConversationOutput,
    EscalationType,
    ExpertiseOutput,
    ExtractionOutput,
    InventorySearchResult,
    ReplyRequest,
    RouterOutput,
    Understanding,
    Urgency,
    Usage,
)
from config import Settings
from integrations.errors import IntegrationError
from inventory.search import InventorySearchRequest
from observability import metrics

BackendChoice = Literal["auto", "rules"]


class StepRequest(BaseModel):
    text: str
    context: ConversationContext
    backend: BackendChoice = "auto"  # "rules" after Claude failed for this message
    # understand_message: also search the stock when the message asks about cars (patch
    # "answer-in-two-steps": one local activity less per message)
    search_stock: bool = False


class RouteResult(BaseModel):
    router: RouterOutput
    usage: Usage
    backend: Backend
    elapsed_ms: float


class ExtractRequest(StepRequest):
    router: RouterOutput


class ExtractResult(BaseModel):
    extraction: ExtractionOutput
    usage: Usage
    backend: Backend
    elapsed_ms: float


class AssessRequest(ExtractRequest):
    extraction: ExtractionOutput


class AssessResult(BaseModel):
    expertise: ExpertiseOutput
    usage: Usage
    backend: Backend
    elapsed_ms: float
    escalation_enabled: bool


class UnderstandResult(BaseModel):
    """Router, extraction and expertise of one message from one local activity (patch
    "understand-in-one-step"): one context in, one marker in the history, instead of three."""

    router: RouterOutput
    extraction: ExtractionOutput
    expertise: ExpertiseOutput
    usage: Usage
    backend: Backend
    step_ms: dict[str, float] = Field(default_factory=dict)  # router, extraction, expertise
    escalation_enabled: bool = True
    searched: bool = False  # the stock was searched (search_stock asked, and the message is about cars)
    inventory: InventorySearchResult | None = None
    inventory_error: str | None = None  # the search failed: answer without stock


class ScoreRequest(BaseModel):
    context: ConversationContext
    understanding: Understanding
    escalated: bool
    previous: CRMOutput | None = None
    channel: str = "whatsapp-direct"
    backend: Backend = "rules"  # who answered this message (for the metrics)
    usage: Usage = Field(default_factory=Usage)  # what this message cost so far
    inventory: InventorySearchResult | None = None  # this message's stock search: the car a price question is about
    # Plate and mileage of a trade-in known (context.trade_in): at least a WARM lead.
    trade_in_complete: bool = False


class ScoreResult(BaseModel):
    crm: CRMOutput
    elapsed_ms: float
    # No Chatwoot: the CRM is only the local SQLite record, a millisecond write the workflow
    # syncs as a local activity (False in older histories: they used a regular activity).
    crm_local_only: bool = False


class ComposeRequest(BaseModel):
    reply: ReplyRequest
    backend: BackendChoice = "auto"
    escalation_type: EscalationType | None = None  # set when this message starts an escalation
    escalation_urgency: Urgency = "medium"
    handover_open: bool = False  # an escalation is open: answer what you can, promise no new hand-over
    # Score the lead in the same step, once the reply is made (patch "answer-in-two-steps"); its
    # backend and usage are the reply's. A failing score never costs the reply.
    score: ScoreRequest | None = None


class ComposeResult(BaseModel):
    output: ConversationOutput
    usage: Usage
    backend: Backend
    elapsed_ms: float
    scored: ScoreResult | None = None
    score_error: str | None = None


def _raise_for_temporal(exc: Exception) -> None:
    """Re-raise an integration error so Temporal retries only what may succeed later."""
    if isinstance(exc, IntegrationError) and not exc.retryable:
        raise ApplicationError(str(exc), type="NonRetryableIntegrationError", non_retryable=True) from exc
    raise exc


class AgentActivities:
    def __init__(self, settings: Settings, rules: AgentBackend, claude: AgentBackend | None = None,
                 search_stock: Callable[[InventorySearchRequest], Awaitable[InventorySearchResult]] | None = None):
        self.settings = settings
        self.rules = rules
        self.claude = claude
        self.search_stock = search_stock  # InventoryActivities.search_inventory: the understanding step searches ahead

    def _backend(self, choice: BackendChoice) -> AgentBackend:
        return self.claude if (choice == "auto" and self.claude is not None) else self.rules

    @staticmethod
    def _count(usage: Usage, model: str) -> None:
        if usage.input_tokens or usage.output_tokens:
            metrics.record_llm_usage(model, usage)

    async def _run(self, choice: BackendChoice, model: str, call: Callable[[AgentBackend], Awaitable[tuple[Any, Usage]]]):
        """One backend call: timed, its tokens counted, its errors classified for Temporal."""
        backend = self._backend(choice)
        started = time.perf_counter()
        try:
            output, usage = await call(backend)
        except Exception as exc:  # noqa: BLE001 - classified for Temporal below
            _raise_for_temporal(exc)
        self._count(usage, model)
        return backend.name, output, usage, _ms(started)

    @activity.defn
    async def route_message(self, request: StepRequest) -> RouteResult:
        name, router, usage, ms = await self._run(
            request.backend, self.settings.claude_fast_model, lambda b: b.route(request.text, request.context)
        )
        if name != "rules":  # the rules engine reads its own answers in the state; Claude's the same way here
            router = dialogue.route_in_state(router, request.text, request.context)
        return RouteResult(router=router, usage=usage, backend=name, elapsed_ms=ms)

    @activity.defn
    async def extract_details(self, request: ExtractRequest) -> ExtractResult:
        name, extraction, usage, ms = await self._run(
            request.backend,
            self.settings.claude_fast_model,
            lambda b: b.extract(request.text, request.context, request.router),
        )
        extraction = with_language(extraction, request.text, request.context.language, request.context.address_form)
        if name != "rules":
            extraction = dialogue.extract_in_state(extraction, request.text, request.context)
        return ExtractResult(extraction=extraction, usage=usage, backend=name, elapsed_ms=ms)

    @activity.defn
    async def assess_expertise(self, request: AssessRequest) -> AssessResult:
        name, expertise, usage, ms = await self._run(
            request.backend,
            self.settings.claude_fast_model,
            lambda b: b.assess(request.text, request.context, request.router, request.extraction),
        )
        return AssessResult(
            expertise=expertise,
            usage=usage,
            backend=name,
            elapsed_ms=ms,
            escalation_enabled=self.settings.enable_escalation,
        )

    @activity.defn
    async def understand_message(self, request: StepRequest) -> UnderstandResult:
        """The three understanding steps in one activity, each as its own activity would run it."""
        route = await self.route_message(request)
        extract = await self.extract_details(
            ExtractRequest(text=request.text, context=request.context, backend=request.backend, router=route.router)
        )
        assess = await self.assess_expertise(
            AssessRequest(
                text=request.text, context=request.context, backend=request.backend,
                router=route.router, extraction=extract.extraction,
            )
        )
        result = UnderstandResult(
            router=route.router,
            extraction=extract.extraction,
            expertise=assess.expertise,
            usage=route.usage + extract.usage + assess.usage,
            backend=assess.backend,
            step_ms={"router": route.elapsed_ms, "extraction": extract.elapsed_ms, "expertise": assess.elapsed_ms},
            escalation_enabled=assess.escalation_enabled,
        )
        understanding = Understanding(text=request.text, router=result.router, extraction=result.extraction,
                                      expertise=result.expertise)
        if request.search_stock and self.search_stock is not None and wants_stock(understanding):
            result.searched = True
            try:
                result.inventory = await self.search_stock(stock_search(request.text, request.context, understanding))
                result.step_ms["inventory"] = result.inventory.search_ms
            except Exception as exc:  # noqa: BLE001 - the workflow answers without stock, as when its own search fails
                result.inventory_error = f"{type(exc).__name__}: {exc}"[:500]
        return result

    @activity.defn
    async def compose_reply(self, request: ComposeRequest) -> ComposeResult:
        result = await self._compose(request)
        if request.score is not None:
            score = request.score.model_copy(update={"backend": result.backend, "usage": request.score.usage + result.usage})
            try:
                result.scored = await self.score_lead(score)
            except Exception as exc:  # noqa: BLE001 - the lead score must never cost the reply
                result.score_error = f"{type(exc).__name__}: {exc}"[:500]
        return result

    async def _compose(self, request: ComposeRequest) -> ComposeResult:
        reply = request.reply
        fixed = None if request.escalation_type else fixed_reply(reply)
        if fixed is not None:  # STOP, voice note, prank: one text for both backends, no model call
            return ComposeResult(output=fixed, usage=Usage(), backend="rules", elapsed_ms=0.0)
        if request.escalation_type:
            from agents.escalation import handoff_message
            from agents.knowledge.dealer import dealer_facts
            from agents.rules.phrases import voice_of

            language, form = voice_of(reply)
            handoff = handoff_message(
                request.escalation_type,
                request.escalation_urgency,
                datetime.now(timezone.utc),
                dealer_facts(self.settings.dealer_config_file),
                sla_minutes=self.settings.sla_minutes(request.escalation_urgency),
                language=language,
                address_form=form,
            )
            reply = reply.model_copy(update={"escalation_handoff": handoff})
        elif request.handover_open:
            reply = reply.model_copy(update={"handover_open": True})
        name, output, usage, ms = await self._run(
            request.backend, self.settings.claude_reply_model, lambda b: b.reply(reply)
        )
        output = output.model_copy(update={"response_text": without_repeats(output.response_text, reply.context, keep=reply.test_drive_note,
                                                                         asked=reply.text)})
        return ComposeResult(output=output, usage=usage, backend=name, elapsed_ms=ms)

    @activity.defn
    async def score_lead(self, request: ScoreRequest) -> ScoreResult:
        from agents.scoring import score_lead

        started = time.perf_counter()
        crm = score_lead(
            request.context,
            request.understanding,
            escalated=request.escalated,
            channel=request.channel,
            previous=request.previous,
            now=datetime.now(timezone.utc),
            inventory=request.inventory,
        )
        from agents.tradein import crm_with_trade_in

        crm = crm_with_trade_in(crm, request.context.trade_in, request.trade_in_complete)
        metrics.MESSAGES_PROCESSED.labels(intent=request.understanding.router.intent, backend=request.backend).inc()
        metrics.LEAD_SCORE.observe(crm.lead_score)
        metrics.LEAD_QUALITY.labels(quality=crm.lead_quality).inc()
        metrics.COST_PER_MESSAGE_USD.observe(request.usage.cost_usd)
        chatwoot = bool(self.settings.chatwoot_base_url and self.settings.chatwoot_api_token)
        return ScoreResult(crm=crm, elapsed_ms=_ms(started), crm_local_only=not chatwoot)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
