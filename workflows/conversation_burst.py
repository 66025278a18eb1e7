"""WhatsApp-native behaviour of ConversationWorkflow (issue 17): seen and typing, one answer per burst.

A mixin: state in `self.s`, `_send` and `_queue_crm` from the workflow. Decisions live in
agents/burst.py; WAHA calls in activities/messaging.py. Every new command is guarded:
- "whatsapp-seen-typing": each customer message starts a best-effort `show_presence` activity
  (sendSeen, then startTyping), started and never awaited, so it cannot delay the reply;
  stopTyping rides with the reply's own send (`SendReplyRequest.stop_typing`) or, when no reply
  follows, is one more unawaited `show_presence`.
- "seen-typing-before-send": a send (or a stopTyping) waits, at most 2 s, for a seen/typing call
  still in flight, so WhatsApp never shows "typing…" after the answer;
- "burst-coalescing": before answering, a durable timer waits until the chat has been quiet for
  `coalesce_seconds` (the window restarts per message, at most `coalesce_max_seconds` from the
  first); the messages then waiting are understood as one text and get one reply. Each message
  is still mirrored to the CRM and forwarded to an open escalation on its own.
- "burst-media-joins": a photo (or other media, not a reaction) sent between the texts of a burst
  no longer ends it: the texts get their one reply, and the media is handled right after, as before.
- "seen-rides-with-reply": a text message the workflow can answer at once (it was idle, no burst
  window to wait for) starts no `show_presence` activity: its sendSeen rides with the reply's send.
  The activity would only have started after the answer was made anyway (the agent steps are local
  activities, which keep the workflow task open), so "typing…" showed for a few milliseconds; it
  cost a workflow task, an activity task and a timer per message. When the turn has to wait after
  all (an escalation, a test-drive check, a privacy request) the seen and "typing…" go out first;
  a turn without a reply sends the seen alone.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.messaging import MessagingActivities, PresenceRequest
    from agents import burst
    from workflows.models import InboundMessage
    from workflows.patches import (
        PATCH_BURST,
        PATCH_BURST_MEDIA,
        PATCH_PRESENCE,
        PATCH_PRESENCE_ORDER,
        PATCH_SEEN_WITH_REPLY,
    )

# Best-effort: one attempt, and dropped when the worker cannot even start it in time.
PRESENCE_RETRY = RetryPolicy(maximum_attempts=1)
PRESENCE_START_TO_CLOSE = timedelta(seconds=5)
PRESENCE_SCHEDULE_TO_CLOSE = timedelta(seconds=10)
PRESENCE_WAIT = timedelta(seconds=2)  # the most a send waits for a seen/typing call in flight
NO_REPLY_KINDS = ("reaction", "sticker")  # answered with silence: no "typing…" for them
# Never stepped over: a 👍 answers the message before it, so it keeps its place in the queue.
KEEPS_ITS_PLACE = ("reaction",)


class BurstMixin:
    """Mixed into ConversationWorkflow; `_init_burst()` runs in its __init__."""

    def _init_burst(self) -> None:
        self._arrived: dict[str, datetime] = {}  # message id -> workflow time it arrived (this run)
        self._queue_version = 0  # bumped whenever the waiting queue changes (new, edited, revoked)
        self._typing_shown = False  # "typing…" started and not stopped by a send yet
        self._burst: list[InboundMessage] = []  # the messages the current reply answers
        self._last_presence = None  # the latest show_presence activity (a stop waits for it)
        self._owed_presence: PresenceRequest | None = None  # seen (and typing) not sent yet: rides with the reply
        self._seen_with_reply: bool | None = None  # PATCH_SEEN_WITH_REPLY, decided in the run's first task
        self._idle = True  # the main loop waits for work (a new run is about to)

    # --- arrival: seen and typing ---------------------------------------------------------------
    def _customer_message_queued(self, message: InboundMessage) -> None:
        """Called by the `new_message` signal once the message waits in the queue."""
        self._arrived[message.message_id] = workflow.now()
        self._queue_version += 1
        if message.source != "waha" or not message.show_presence or not workflow.patched(PATCH_PRESENCE):
            return
        kind = message.media.kind if message.media is not None else None
        typing = kind not in NO_REPLY_KINDS and not self._bot_is_silent(workflow.now())
        request = PresenceRequest(
            chat_id=self.s.chat_id,
            action="seen_typing" if typing else "seen",
            message_ids=[message.message_id],
            reply_id=f"{workflow.info().workflow_id}:{message.message_id}",
        )
        if self._answered_at_once(message):
            self._owed_presence = request
            return
        if typing:
            self._typing_shown = True
        self._presence(request)

    def _seen_rides_with_reply(self) -> bool:
        """Decided once per run, in its first task (a signal handler or run() start, before any step)."""
        if self._seen_with_reply is None:
            self._seen_with_reply = workflow.patched(PATCH_SEEN_WITH_REPLY)
        return self._seen_with_reply

    def _answered_at_once(self, message: InboundMessage) -> bool:
        """The main loop takes this text message in this same task and makes the reply without waiting."""
        return (
            self._seen_rides_with_reply()
            and self._idle
            and len(self.s.pending) == 1
            and not (self.s.staff_pending or self.s.flood_notice_due)
            and message.media is None
            and not self._waits_for_burst(message)
        )

    def _show_owed_presence(self, *, reply_follows: bool = True) -> None:
        """The turn waits for something after all (or ends without a reply): seen, and "typing…"
        when a reply follows, go out now instead of with the reply."""
        owed, self._owed_presence = self._owed_presence, None
        if owed is None:
            return
        if not reply_follows:
            owed = owed.model_copy(update={"action": "seen"})
        if owed.action == "seen_typing":
            self._typing_shown = True
        self._presence(owed)

    def _seen_with_send(self) -> list[str]:
        """For the next send: the customer messages it marks read first (the send activity does it)."""
        owed, self._owed_presence = self._owed_presence, None
        return list(owed.message_ids) if owed is not None else []

    def _presence(self, request: PresenceRequest) -> None:
        previous = self._last_presence
        if request.action == "stop_typing" and previous is not None and not previous.done() \
                and workflow.patched(PATCH_PRESENCE_ORDER):
            # WAHA must see stopTyping after the startTyping still in flight, not before it
            async def after_previous() -> None:
                try:
                    await previous
                except ActivityError:
                    pass  # it failed or timed out: stop anyway
                self._last_presence = self._start_presence(request)

            asyncio.create_task(after_previous())
            return
        self._last_presence = self._start_presence(request)

    def _start_presence(self, request: PresenceRequest):
        handle = workflow.start_activity(
            MessagingActivities.show_presence,
            request,
            start_to_close_timeout=PRESENCE_START_TO_CLOSE,
            schedule_to_close_timeout=PRESENCE_SCHEDULE_TO_CLOSE,
            retry_policy=PRESENCE_RETRY,
            summary=f"whatsapp ← {request.action.replace('_', ' ')}",
        )
        # Nobody waits for it: fetch its outcome so a timeout is not reported as an unretrieved error.
        handle.add_done_callback(lambda done: done.cancelled() or done.exception())
        return handle

    async def _presence_settled(self) -> None:
        """Before a send: let a seen/typing call still in flight finish first (at most PRESENCE_WAIT),
        so WhatsApp never shows "typing…" after the answer. Normally it finished long ago."""
        previous = self._last_presence
        if previous is None or previous.done() or not workflow.patched(PATCH_PRESENCE_ORDER):
            return
        try:
            await workflow.wait_condition(previous.done, timeout=PRESENCE_WAIT, timeout_summary="seen/typing")
        except asyncio.TimeoutError:
            pass

    def _stop_typing_with_send(self) -> bool:
        """For the next send: stop "typing…" first (the send activity does it, best-effort)."""
        shown, self._typing_shown = self._typing_shown, False
        return shown

    def _customer_turn_done(self) -> None:
        """After a customer turn: if it ended without a send while "typing…" shows, stop it."""
        self._show_owed_presence(reply_follows=False)
        extra = len(self._burst) - 1
        if extra > 0:
            self.s.messages_processed += extra  # every message of the burst was handled
            self.s.messages_coalesced += extra
        self._burst = []
        if self._typing_shown and not self.s.pending:
            self._typing_shown = False
            self._presence(PresenceRequest(chat_id=self.s.chat_id, action="stop_typing"))

    # --- the burst window ------------------------------------------------------------------------
    def _coalescing(self) -> bool:
        return self.s.coalesce_seconds > 0 and workflow.patched(PATCH_BURST)

    def _waits_for_burst(self, head: InboundMessage) -> bool:
        if head.media is not None or burst.stands_alone(head.text):
            return False  # photos, reactions, STOP: handled as they come
        return self._coalescing() and not self._bot_is_silent(workflow.now())

    async def _burst_settled(self) -> bool:
        """Wait (durable timer) until the burst at the head of the queue is complete.

        False: answer it now. True: the queue changed in a way the main loop must look at first
        (a staff message to deliver, the waiting messages revoked)."""
        if not self.s.pending or not self._waits_for_burst(self.s.pending[0]):
            return False
        now = workflow.now()
        first = self._arrived.get(self.s.pending[0].message_id, now)
        while True:
            if not self.s.pending or self.s.staff_pending:
                return True
            last = max(self._arrived.get(message.message_id, first) for message in self.s.pending)
            closes = burst.window_closes(first, last, self.s.coalesce_seconds, self.s.coalesce_max_seconds)
            now = workflow.now()
            if now >= closes:
                return False
            version = self._queue_version
            try:
                await workflow.wait_condition(
                    lambda: self._queue_version != version or bool(self.s.staff_pending),
                    timeout=closes - now,
                    timeout_summary="burst window",
                )
            except asyncio.TimeoutError:
                return False

    def _take_burst(self) -> InboundMessage:
        """The next message to answer: the head of the queue, with the text messages behind it
        folded in when they came in the same burst (one reply for all)."""
        head = self.s.pending.pop(0)
        self._burst = [head]
        if not self._waits_for_burst(head):
            return head
        texts = [head.text]
        index = 0  # media within the burst stay queued (handled right after the reply) and are stepped over
        while index < len(self.s.pending):
            candidate = self.s.pending[index]
            if candidate.media is not None:
                if candidate.media.kind in KEEPS_ITS_PLACE or not workflow.patched(PATCH_BURST_MEDIA):
                    break
                index += 1
                continue
            if not burst.joins(texts, candidate.text):
                break
            self._burst.append(self.s.pending.pop(index))
            texts.append(candidate.text)
        for message in self._burst:
            self._arrived.pop(message.message_id, None)
        if len(self._burst) == 1:
            return head
        return head.model_copy(update={"text": burst.joined_text(texts), "sent_at": self._burst[-1].sent_at})

    # --- per message bookkeeping of a burst ------------------------------------------------------
    def _burst_of(self, message: InboundMessage) -> list[InboundMessage]:
        """The customer's own messages behind `message` (one, or the whole burst)."""
        if len(self._burst) > 1 and self._burst[0].message_id == message.message_id:
            return list(self._burst)
        return [message]

    def _queue_customer_crm(self, message: InboundMessage, crm) -> None:
        """Each customer message is mirrored on its own, also when a burst got one reply."""
        parts = self._burst_of(message)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            text = self._crm_text.pop(part.message_id, None)  # e.g. "[reactie 👍]" answered as "ja"
            self._queue_crm("customer", text or part.text, part.message_id, part.received_at, crm if last else None,
                            media=part.media)
            if text is None:
                self._remember_line(part)  # an edit or deletion of it later is judged against this

    async def _forward_burst(self, opened, message: InboundMessage, reply, silent: bool, decision) -> None:
        """An open escalation hears every message of the burst; the bot's reply goes with the last."""
        parts = self._burst_of(message)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await self._keep_escalation_informed(opened, part, reply if last else None, silent, decision)
