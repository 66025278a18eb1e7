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
    """Mixed into ConversationWorkflow: `_agent_step`, `_escalation_enabled` come from it."""

    async def _understand_at_once(self, text: str, context, record: ProcessedMessage, summary: str) -> Understanding:
        result = await self._agent_step(AgentActivities.understand_message, StepRequest(text=text, context=context), summary)
        record.timings.step_ms.update(result.step_ms)
        record.usage = record.usage + result.usage
        record.router_output = result.router
        record.extraction_output = result.extraction
        record.expertise_output = result.expertise
        self._escalation_enabled = result.escalation_enabled
        return Understanding(text=text, router=result.router, extraction=result.extraction, expertise=result.expertise)
