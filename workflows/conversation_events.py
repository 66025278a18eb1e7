"""Edits, deletions and reactions in a conversation (issue 17): a mixin of ConversationWorkflow.

- `message.edited`: a message still waiting (in the burst window or the queue) takes the new
  text. After the answer, the edit is judged (`judge_edit`, a local activity on agents/edits.py):
  a new car, amount, plate, day or time makes it a new message to answer; otherwise staff get a
  CRM note.
- `message.revoked`: a waiting message is dropped, never answered; the CRM (local record and the
  Chatwoot mirror, as a private note) notes the deletion either way.
- A 👍 or ❤️ on our latest message while it asked a yes/no question is answered as "ja"; other
  reactions are stored as a CRM note.
Every new command is behind the patch "edits-revokes-reactions".
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.message_events import EditJudgement, judge_edit
    from activities.messaging import PresenceRequest
    from agents import edits
    from workflows.models import CustomerLine, InboundMessage, MessageEdited, MessageRevoked
    from workflows.patches import PATCH_MESSAGE_EVENTS

CUSTOMER_LINES_KEPT = 20
JUDGE_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)


class MessageEventsMixin:
    """Uses the workflow's `s`, `_seen`/`_remember`, `_queue_crm`, the burst mixin's queue bookkeeping."""

    def _init_message_events(self) -> None:
        self._crm_text: dict[str, str] = {}  # message id -> the CRM line, when it differs from the text answered
        self._edits_judging = 0  # edit signals waiting for their judgement (their notes come first)
        self._edit_of: dict[str, str] = {}  # id of a queued re-ask -> the edited message's id (a deletion drops both)
        # An edit of the message being answered right now: its new text, remembered once the turn ends
        self._edited_in_flight: dict[str, str] = {}

    # --- what the customer said, for later edits and deletions ----------------------------------
    def _remember_line(self, message: InboundMessage) -> None:
        if message.media is not None:
            return
        text = self._edited_in_flight.pop(message.message_id, message.text)
        line = CustomerLine(message_id=message.message_id, text=text, at=message.received_at)
        self.s.recent_customer = (self.s.recent_customer + [line])[-CUSTOMER_LINES_KEPT:]

    def _known_line(self, message_id: str) -> CustomerLine | None:
        for line in reversed(self.s.recent_customer):
            if edits.same_message(line.message_id, message_id):
                return line
        return None

    def _waiting_index(self, message_id: str) -> int | None:
        for index, message in enumerate(self.s.pending):
            original = self._edit_of.get(message.message_id, "")
            if edits.same_message(message.message_id, message_id) or edits.same_message(original, message_id):
                return index
        return None

    def _note(self, text: str, key: str) -> None:
        self._queue_crm("note", text, f"{workflow.info().workflow_id}:{key}", workflow.now())

    # --- edits -----------------------------------------------------------------------------------
    async def _message_edited(self, edit: MessageEdited) -> None:
        if edit.edit_id in self._seen or not workflow.patched(PATCH_MESSAGE_EVENTS):
            return
        self._remember(edit.edit_id)
        self.s.edits_seen += 1
        waiting = self._waiting_index(edit.message_id)
        if waiting is not None:  # not answered yet: the new text is the message
            self.s.pending[waiting] = self.s.pending[waiting].model_copy(update={"text": edit.text})
            self._queue_version += 1  # still typing: the burst window starts again
            return
        in_flight = next((m for m in self._burst if edits.same_message(m.message_id, edit.message_id)), None)
        known = self._known_line(edit.message_id)
        original = (self._edited_in_flight.get(in_flight.message_id, in_flight.text) if in_flight is not None
                    else known.text if known is not None else None)
        self._edits_judging += 1
        try:
            verdict = await workflow.execute_local_activity(
                judge_edit,
                EditJudgement(original=original, edited=edit.text, now=workflow.now()),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=JUDGE_RETRY,
                summary="bewerkt bericht ← zelfde strekking?",
            )
        except FailureError as exc:  # cannot judge it: staff see the edit, the bot says nothing twice
            workflow.logger.warning("edit not judged: %s", exc)
            self._note(edits.edit_note(original, edit.text, False), f"edit:{edit.edit_id}")
            return
        finally:
            self._edits_judging -= 1
        self._note(verdict.note, f"edit:{edit.edit_id}")
        # Where the text lives now (the turn may have ended while the edit was judged), so that a
        # later deletion note quotes what the customer last wrote.
        known = self._known_line(edit.message_id)
        in_flight = next((m for m in self._burst if edits.same_message(m.message_id, edit.message_id)), None)
        if known is not None:
            known.text = edit.text
        elif in_flight is not None:
            self._edited_in_flight[in_flight.message_id] = edit.text
        if not verdict.changes_meaning:
            return
        message = InboundMessage(
            message_id=edit.edit_id, chat_id=self.s.chat_id, phone=self.s.phone, text=edit.text,
            sent_at=edit.at, received_at=workflow.now(),
        )
        self.s.pending.append(message)
        self._edit_of[message.message_id] = edit.message_id
        self._customer_message_queued(message)

    # --- deletions ------------------------------------------------------------------------------
    async def _message_revoked(self, revoke: MessageRevoked) -> None:
        key = f"revoked:{edits.message_key(revoke.message_id)}"
        if key in self._seen or not workflow.patched(PATCH_MESSAGE_EVENTS):
            return
        self._remember(key)
        waiting = self._waiting_index(revoke.message_id)
        if waiting is not None:  # still waiting: never answered
            dropped = self.s.pending.pop(waiting)
            self._arrived.pop(dropped.message_id, None)
            self._queue_version += 1
            self.s.revoked_unanswered += 1
            self._note(edits.revoke_note(None, answered=False), key)
            if self._typing_shown and not self.s.pending and not self._burst:
                self._typing_shown = False
                self._presence(PresenceRequest(chat_id=self.s.chat_id, action="stop_typing"))
            return
        if self._edits_judging:  # an edit that came first is noted first (no command: a plain condition)
            await workflow.wait_condition(lambda: self._edits_judging == 0)
        in_flight = next((m for m in self._burst if edits.same_message(m.message_id, revoke.message_id)), None)
        known = self._known_line(revoke.message_id)
        if in_flight is not None:
            text = self._edited_in_flight.get(in_flight.message_id, in_flight.text)
        else:
            text = known.text if known is not None else None
        self._note(edits.revoke_note(text, answered=True), key)

    # --- reactions ------------------------------------------------------------------------------
    def _reaction_as_answer(self, message: InboundMessage) -> InboundMessage:
        """A 👍 / ❤️ on our latest message while it asked a yes/no question: answered as "ja"."""
        media = message.media
        if media is None or media.kind != "reaction" or not media.is_yes:
            return message
        question = self.s.context.dialogue.open_question
        latest = self.s.sent_provider_ids[-1] if self.s.sent_provider_ids else None
        if not edits.confirms_proposal(media.reaction, media.reacted_to, latest, question.kind if question else None):
            return message
        if not workflow.patched(PATCH_MESSAGE_EVENTS):
            return message
        self._crm_text[message.message_id] = message.text  # "[reactie 👍]" in the CRM, "ja" for the agents
        return message.model_copy(update={"text": "ja", "media": None, "has_media": False})

    def _store_reaction(self, message: InboundMessage) -> bool:
        """Any other reaction: a note for staff. False for a history from before the patch."""
        if not workflow.patched(PATCH_MESSAGE_EVENTS):
            return False
        media = message.media
        latest = self.s.sent_provider_ids[-1] if self.s.sent_provider_ids else None
        ours = None
        if latest is None or edits.same_message(media.reacted_to or "", latest):
            ours = next((turn.text for turn in reversed(self.s.context.history) if turn.role == "bot"), None)
        self._note(edits.reaction_note(media.reaction or "", ours), f"reaction:{message.message_id}")
        return True
