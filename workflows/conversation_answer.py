"""Answering a message once it is understood: the stock, the reply, the lead score (a mixin of
ConversationWorkflow; state in `self.s`, `_agent_step` and `_account` from the workflow).

Patch "answer-in-two-steps", decided when a run starts: the understanding step also searches the
stock when the message is about cars, and the reply step also scores the lead. A message then
takes two agent local activities instead of four; each one costs a round trip through the SDK
core, a workflow activation and a history marker (docs/performance.md). The separate steps stay
for what the combined ones do not cover: a trade-in turn that changed the understanding, a bot
that stays silent (no reply to make, only a score), and runs recorded before the patch.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.agents import AgentActivities, ComposeRequest, ComposeResult, ScoreRequest, UnderstandResult
    from activities.inventory import InventoryActivities
    from agents import privacy
    from agents.models import ConversationContext, ConversationOutput, InventorySearchResult, ReplyRequest, Understanding
    from agents.stock_question import stock_search, wanted_summary
    from workflows.models import ProcessedMessage

RULES_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)


class AnswerSteps:
    def _init_answer(self) -> None:
        self._two_steps = False  # PATCH_TWO_STEP_ANSWER, decided in run()
        # The understanding step's own search: (the understanding, the context it read, its result)
        self._stock_ahead: tuple[Understanding, ConversationContext, UnderstandResult] | None = None
        self._scored_with_reply: ComposeResult | None = None  # the reply step scored the lead too

    def _searched_ahead(self, understanding: Understanding, context: ConversationContext, result: UnderstandResult) -> None:
        self._stock_ahead = (understanding, context, result) if result.searched else None

    async def _search_inventory(
        self, text: str, context: ConversationContext, understanding: Understanding, record: ProcessedMessage,
    ) -> InventorySearchResult | None:
        ahead, self._stock_ahead = self._stock_ahead, None
        if ahead is not None and ahead[0] is understanding and ahead[1] is context:
            found = ahead[2]
            if found.inventory is None:  # answer without stock rather than not at all
                record.errors.append(f"inventory: {found.inventory_error}")
                return None
            record.timings.step_ms["inventory"] = found.inventory.search_ms
            return found.inventory
        result = await workflow.execute_local_activity(
            InventoryActivities.search_inventory,
            stock_search(text, context, understanding),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RULES_RETRY,
            summary=f"inventory ← {wanted_summary(understanding) or 'alles'}",
        )
        record.timings.step_ms["inventory"] = result.search_ms
        return result

    async def _compose(
        self, text, context, understanding, inventory, escalation_type, urgency, record, booking=None,
        trade_in_reply: str | None = None, handover_open: bool = False, score: ScoreRequest | None = None,
    ) -> ConversationOutput:
        request = ComposeRequest(
            handover_open=handover_open,
            reply=ReplyRequest(
                text=text,
                context=context,
                router=understanding.router,
                extraction=understanding.extraction,
                expertise=understanding.expertise,
                inventory=inventory,
                test_drive_note=booking.note if booking is not None else None,
                test_drive_car_ids=booking.car_ids_named if booking is not None else [],
                trade_in_reply=trade_in_reply,
            ),
            escalation_type=escalation_type,
            escalation_urgency=urgency,
            score=score,
        )
        found = f"{len(inventory.matches)} auto's" if inventory else "geen voorraad nodig"
        summary = f"reply ← overdracht {escalation_type}" if escalation_type else f"reply ← {found}"
        result: ComposeResult = await self._agent_step(
            AgentActivities.compose_reply, request, f"{summary} · lead" if score is not None else summary
        )
        self._account(record, "reply", result)
        self._scored_with_reply = result if score is not None else None
        if self.s.opted_out and not understanding.extraction.opt_out:
            return privacy.answer_only(result.output)  # they said STOP: their question only, no sales question
        return result.output

    def _score_request(self, context, understanding: Understanding, record: ProcessedMessage) -> ScoreRequest:
        return ScoreRequest(
            context=context,
            understanding=understanding,
            escalated=self.s.open_escalation is not None,
            previous=self.s.last_crm,
            inventory=record.rag_results,
            backend="rules" if self._claude_failed else record.conversation_output.backend
            if record.conversation_output
            else "rules",
            usage=record.usage,
            trade_in_complete=bool(context.trade_in and context.trade_in.complete),
        )

    async def _score(self, context, understanding: Understanding, record: ProcessedMessage):
        """The lead score: from the reply step when it scored (two steps), else its own local activity.
        None when the reply step's scoring failed (recorded; the lead score never blocks the reply)."""
        composed, self._scored_with_reply = self._scored_with_reply, None
        if composed is not None:
            if composed.scored is None:
                record.errors.append(f"crm: {composed.score_error}")
                return None
            result = composed.scored
        else:
            result = await workflow.execute_local_activity(
                AgentActivities.score_lead,
                self._score_request(context, understanding, record),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RULES_RETRY,
                summary=f"crm ← {understanding.router.intent}",
            )
        record.timings.step_ms["crm"] = result.elapsed_ms
        self._crm_local_only = result.crm_local_only
        return result.crm
