"""Questions the reply promised to have checked: a light task for sales each, once per chat.

A mixin of ConversationWorkflow (state in `self.s`). "Of er een trekhaak op zit zie ik niet in
mijn gegevens; ik laat het nakijken" puts the customer's exact question on the sales lane
(workflows/conversation_media.py: a Chatwoot private note, or an e-mail without Chatwoot). It
is not an escalation: no child workflow, the bot keeps answering, and the reply never waits for
it. The same open question (agents.open_checks key) is sent once.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from agents import open_checks
    from agents.models import ConversationContext, ConversationOutput, OpenCheck
    from workflows.models import ConversationInput
    from workflows.patches import PATCH_OPEN_CHECKS


class OpenChecks:
    s: ConversationInput

    def _send_open_checks(self, reply: ConversationOutput, context: ConversationContext) -> list[OpenCheck]:
        """Queue a sales task per new promised check; the checks to remember in the context."""
        fresh = open_checks.new_checks(context, reply.open_checks)
        if not fresh or not workflow.patched(PATCH_OPEN_CHECKS):
            return []
        customer = self._customer_label()
        for item in fresh:
            self._queue_sales_task(f"check:{item.key}", open_checks.task_subject(item, customer),
                                   open_checks.task_text(item, customer), [])
        return fresh
