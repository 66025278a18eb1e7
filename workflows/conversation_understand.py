"""Understanding a customer message in one local activity (issue 18, patch "understand-in-one-step").

Router, extraction and expertise used to be three local activities. Each carried the whole
conversation context as its input, and the SDK core keeps every local activity's input until
the run ends: three copies of the context per message, three markers in the history and three
round trips through the SDK. One activity does the same three steps (each as before, with its
own timing) for one copy, one marker and one round trip (docs/memory.md, docs/performance.md).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.agents import AgentActivities, StepRequest
    from agents.models import Understanding
    from workflows.models import ProcessedMessage


class UnderstandStep:
    """Mixed into ConversationWorkflow: `_agent_step`, `_escalation_enabled`, `_two_steps` and
    `_searched_ahead` (workflows/conversation_answer.py) come from it."""

    async def _understand_at_once(self, text: str, context, record: ProcessedMessage, summary: str) -> Understanding:
        request = StepRequest(text=text, context=context, search_stock=self._two_steps)
        result = await self._agent_step(AgentActivities.understand_message, request, summary)
        record.timings.step_ms.update(result.step_ms)
        record.usage = record.usage + result.usage
        record.router_output = result.router
        record.extraction_output = result.extraction
        record.expertise_output = result.expertise
        self._escalation_enabled = result.escalation_enabled
        understanding = Understanding(text=text, router=result.router, extraction=result.extraction, expertise=result.expertise)
        self._searched_ahead(understanding, context, result)  # used by the stock step if this is what it needs
        return understanding
