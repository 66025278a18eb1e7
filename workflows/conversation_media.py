"""The conversation's trade-in intake, WhatsApp media and the sales lane (a mixin of ConversationWorkflow).

Orchestration only: decisions and texts live in agents.tradein and agents.media, I/O in
activities.tradein. Every new command here sits behind a `workflow.patched` id, so histories
recorded before it replay unchanged:
- "tradein-intake": the RDW lookup, the intake step, the sales lane's quiet timer and summary;
- "media-messages": media messages answered without the agent pipeline (photos, voice notes, ...).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from activities.tradein import IntakeRequest, MediaReplyRequest, PlateLookupRequest, TradeInActivities
    from agents import context as memory
    from agents import media as media_texts
    from agents import tradein
    from agents.models import EscalationDecision, Understanding
    from agents.rules.phrases import say
    from agents.tradein_models import PlateLookup, TradeInPhoto
    from workflows.models import (
        with_recent,
        Attachment,
        ForwardedMessage,
        InboundMessage,
        MessageTimings,
        ProcessedMessage,
        SalesTaskRequest,
        TradeInValue,
    )
    from workflows.patches import PATCH_MEDIA_FORWARD, PATCH_TRADEIN

RDW_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), maximum_attempts=2)
LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=3)
SALES_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["SalesTaskRejected"],
)
# After the summary went out, photos that still come in go to sales as a short extra note.
LATE_PHOTOS = timedelta(days=1)


class TradeInAndMedia:
    """Mixed into ConversationWorkflow: uses its state `self.s` and its `_send` / `_queue_crm`."""

    # --- text messages: the intake ----------------------------------------------------------
    async def _trade_in_turn(self, message: InboundMessage, context, understanding: Understanding, record):
        """Plate lookup and intake step for one message. Returns (context, understanding, intake reply)."""
        trade_in = context.trade_in
        plate = tradein.plate_to_look_up(message.text, trade_in)
        starts = tradein.starts_intake(understanding.router, understanding.extraction)
        if not (plate or trade_in or starts) or not workflow.patched(PATCH_TRADEIN):
            return context, understanding, None
        lookup = None
        if plate is not None:
            self._show_owed_presence()  # the RDW lookup takes a moment: seen and "typing…" first
            try:
                lookup = await workflow.execute_activity(
                    TradeInActivities.lookup_plate,
                    PlateLookupRequest(plate=plate.compact, dashed=plate.dashed),
                    start_to_close_timeout=timedelta(seconds=8),
                    schedule_to_close_timeout=timedelta(seconds=20),
                    retry_policy=RDW_RETRY,
                    summary=f"rdw ← {plate.dashed}",
                )
            except FailureError as exc:  # RDW down: the chat goes on without its facts
                record.errors.append(f"rdw: {exc.cause or exc}")
                lookup = PlateLookup(plate=plate.compact, dashed=plate.dashed, status="unavailable")
        if lookup is not None and lookup.status == "stock" and trade_in is None and not starts:
            return context, understanding, None  # the plate of one of our cars: the car they want
        wanted = context.last_cars[0] if context.last_cars else None
        result = await workflow.execute_local_activity(
            TradeInActivities.intake_step,
            IntakeRequest(trade_in=trade_in, text=message.text, router=understanding.router,
                          extraction=understanding.extraction, lookup=lookup, wanted=wanted, now=workflow.now(),
                          context=context),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=LOCAL_RETRY,
            summary="inruil ← " + (plate.dashed if plate else understanding.router.intent),
        )
        if result.trade_in is None:
            return context, understanding, None
        extraction = tradein.without_trade_in(understanding.extraction, context, result.trade_in, message.text,
                                              about_trade_in=result.about_trade_in or starts)
        understanding = understanding.model_copy(update={"extraction": extraction})
        if result.about_trade_in:
            # the intake understood it: no "not understood twice" hand-over for a "ja klopt"
            decision = understanding.expertise.escalation_decision
            # nor a "wil kopen" hand-over for confirming the RDW facts of their own car
            if decision.escalate and ("twee keer niet begrepen" in decision.reason or result.confirmation):
                expertise = understanding.expertise.model_copy(update={"escalation_decision": EscalationDecision()})
                understanding = understanding.model_copy(update={"expertise": expertise})
                record.expertise_output = expertise
        trade_in = result.trade_in
        media = message.media
        if media is not None and media.kind == "image" and all(p.message_id != message.message_id for p in trade_in.photos):
            # "wat krijg ik hiervoor?" under a photo of their car: the photo belongs to the new trade-in
            photo = TradeInPhoto(message_id=message.message_id, url=media.url, mimetype=media.mimetype,
                                 filename=media.filename, at=message.received_at)
            trade_in = trade_in.model_copy(update={"photos": trade_in.photos + [photo]})
        context = context.model_copy(update={"trade_in": trade_in, "has_trade_in": True})
        return context, understanding, result.reply

    def _after_trade_in_turn(self) -> None:
        trade_in = self.s.context.trade_in
        if tradein.ready_for_summary(trade_in, self.s.trade_in_photos_wanted):
            self._queue_trade_in_summary("inruilgegevens compleet (kenteken, kilometerstand en foto's)")

    # --- media messages ----------------------------------------------------------------------
    async def _media_message(self, message: InboundMessage) -> str | None:
        """Answer a media message. Returns a prefix when its caption should go through the agents."""
        media = message.media
        now = workflow.now()
        silent = self._bot_is_silent(now)
        if media.kind == "reaction":
            if media.is_yes and self.s.context.history and self.s.context.history[-1].role == "bot":
                # a 👍 on our question is a "ja": the next reply reads it as the answer
                self.s.context = memory.absorb_customer_turn(self.s.context, "ja", message.received_at)
            if not self._store_reaction(message):  # a note for staff (conversation_events.py)
                self._queue_crm("customer", message.text, message.message_id, message.received_at)
            self._count_plain(message, None)
            return None
        if media.kind == "sticker":
            await self._plain_reply(message, None, silent)
            return None
        if media.kind == "image" and self._photos_belong_to_trade_in(now):
            images = [message] + self._more_pending_images()
            photos = [TradeInPhoto(message_id=m.message_id, url=m.media.url, mimetype=m.media.mimetype,
                                   filename=m.media.filename, at=m.received_at) for m in images]
            before = self.s.context.trade_in
            result = await self._media_reply(message, photos)
            self.s.context = self.s.context.model_copy(update={"trade_in": result.trade_in})
            for extra in images[1:]:
                self._queue_crm("customer", extra.text, extra.message_id, extra.received_at, media=extra.media)
                self._count_plain(extra, None)
            await self._plain_reply(message, result.reply, silent)
            if before.summary_sent_at is not None:
                self._queue_sales_task(f"tradein-extra:{message.message_id}", "Extra foto's voor de inruil",
                                       f"Extra foto's van {self._customer_label()} voor de inruil ({before.describe()}).",
                                       [Attachment(url=p.url, mimetype=p.mimetype, filename=p.filename) for p in photos])
            else:
                self._after_trade_in_turn()
            return None
        voice = (self.s.context.language, self.s.context.address_form)  # the chat's: a photo says nothing about it
        if media.kind in ("image", "video"):
            thanks = media_texts.visual_thanks(media.kind, *voice)
            if media.caption:
                return thanks
            await self._plain_reply(message, f"{thanks} {say(media_texts.HOW_CAN_I_HELP, *voice)}", silent)
            return None
        if media.kind == "voice":
            await self._plain_reply(message, say(media_texts.VOICE_REPLY_SAID, *voice), silent)
            return None
        if media.kind == "document":
            self._queue_sales_task(f"document:{message.message_id}", "Document van een klant via WhatsApp",
                                   f"{self._customer_label()} stuurde via WhatsApp een document"
                                   + (f" ({media.filename})" if media.filename else "")
                                   + (f" met de tekst: «{media.caption}»" if media.caption else "") + ". Graag bekijken.",
                                   [Attachment(url=media.url, mimetype=media.mimetype, filename=media.filename)])
            reply = media_texts.document_reply(media, *voice)
            if media.caption:
                return reply
            await self._plain_reply(message, reply, silent)
            return None
        if media.kind == "location":
            result = await self._media_reply(message, [])
            await self._plain_reply(message, result.reply, silent)
            return None
        reply = say(media_texts.ATTACHMENT_UNREADABLE, *voice)
        if media.kind == "contact":
            reply = say(media_texts.CONTACT_CARD, *voice)
        await self._plain_reply(message, reply, silent)
        return None

    def _photos_belong_to_trade_in(self, now) -> bool:
        trade_in = self.s.context.trade_in
        if trade_in is None:
            return False
        return trade_in.summary_sent_at is None or now - trade_in.summary_sent_at < LATE_PHOTOS

    def _more_pending_images(self) -> list[InboundMessage]:
        """Photos sent together arrive as separate messages: acknowledge them with one reply."""
        taken = []
        while self.s.pending and self.s.pending[0].media is not None and self.s.pending[0].media.kind == "image" \
                and not self.s.pending[0].media.caption:
            taken.append(self.s.pending.pop(0))
        return taken

    async def _media_reply(self, message: InboundMessage, photos: list[TradeInPhoto]):
        return await workflow.execute_local_activity(
            TradeInActivities.media_reply,
            MediaReplyRequest(media=message.media, trade_in=self.s.context.trade_in, photos=photos,
                              photos_wanted=self.s.trade_in_photos_wanted, now=workflow.now(),
                              language=self.s.context.language, address_form=self.s.context.address_form),
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=LOCAL_RETRY,
            summary=f"media ← {message.media.kind}" + (f" ({len(photos)} foto's)" if photos else ""),
        )

    async def _plain_reply(self, message: InboundMessage, text: str | None, silent: bool) -> None:
        """Send a fixed reply to a media message; transcript, CRM and bookkeeping as for any message."""
        self._processing = message.message_id
        self._last_customer_message = message.text
        delivered = False
        errors: list[str] = []
        if text and not silent:
            try:
                await self._send(text, f"{workflow.info().workflow_id}:{message.message_id}", message)
                delivered = True
            except FailureError as exc:
                errors.append(f"whatsapp: {exc.cause or exc}")
        self.s.context = memory.absorb_customer_turn(self.s.context, message.text, message.received_at)
        self._queue_crm("customer", message.text, message.message_id, message.received_at, media=message.media)
        if delivered:
            self.s.context = memory.absorb_reply(self.s.context, text, workflow.now(), [])
            self._queue_crm("bot", text, f"{message.message_id}:reply", workflow.now())
            self._last_answer = text
        self._count_plain(message, text if delivered else None, errors, bot_silent=bool(text) and silent)
        if self.s.open_escalation is not None and not silent and workflow.patched(PATCH_MEDIA_FORWARD):
            # Whoever has the question sees the photo or voice note too (the CRM lane mirrors the file).
            await self._signal_escalation("forward", ForwardedMessage(
                message_id=message.message_id, text=message.text, bot_reply=text if delivered else None,
                at=message.received_at,
            ))

    def _count_plain(self, message: InboundMessage, answer: str | None, errors: list[str] | None = None,
                     bot_silent: bool = False) -> None:
        record = ProcessedMessage(
            message_id=message.message_id,
            content=message.text,
            bot_silent=bot_silent,
            error_occurred=bool(errors),
            errors=errors or [],
            timings=MessageTimings(received_at=message.received_at, started_at=workflow.now(),
                                   replied_at=workflow.now() if answer else None),
        )
        self.s.messages_processed += 1
        self.s.recent = with_recent(self.s.recent, record, 10)
        self._processing = None

    # --- staff input -------------------------------------------------------------------------------
    def _set_trade_in_value(self, value: TradeInValue) -> None:
        trade_in = self.s.context.trade_in
        if trade_in is None:
            trade_in = tradein.TradeIn(started_at=value.at, last_activity_at=value.at)
        self.s.context = self.s.context.model_copy(update={
            "trade_in": trade_in.model_copy(update={"indicative_value_eur": value.amount_eur}), "has_trade_in": True})

    # --- the sales lane: summaries and forwarded documents ------------------------------------------
    def _customer_label(self) -> str:
        return f"{self.s.customer_name} ({self.s.phone})" if self.s.customer_name else self.s.phone

    def _queue_sales_task(self, task_id: str, subject: str, text: str, attachments: list[Attachment]) -> None:
        self.s.sales_tasks.append(SalesTaskRequest(
            task_id=f"{workflow.info().workflow_id}:{task_id}", phone=self.s.phone, chat_id=self.s.chat_id,
            customer_name=self.s.customer_name, subject=subject, text=text, attachments=attachments))

    def _queue_trade_in_summary(self, reason: str) -> None:
        trade_in = self.s.context.trade_in
        if trade_in is None or trade_in.summary_sent_at is not None:
            return
        self.s.context = self.s.context.model_copy(
            update={"trade_in": trade_in.model_copy(update={"summary_sent_at": workflow.now()})})
        text = tradein.summary_text(trade_in, customer=self.s.customer_name or "klant", phone=self.s.phone,
                                    wants=tradein.wanted_description(self.s.context), reason=reason)
        subject = f"Inruil: {trade_in.describe()} — {self._customer_label()}"
        attachments = [Attachment(url=p.url, mimetype=p.mimetype, filename=p.filename) for p in trade_in.photos if p.url]
        self._queue_sales_task(f"tradein:{trade_in.started_at.isoformat()}", subject, text, attachments)

    def _quiet_deadline(self):
        return tradein.quiet_deadline(self.s.context.trade_in, self.s.trade_in_quiet_seconds)

    async def _sales_lane(self) -> None:
        while True:
            await workflow.wait_condition(
                lambda: not self._draining and (bool(self.s.sales_tasks) or self._quiet_deadline() is not None))
            if self.s.sales_tasks:
                task = self.s.sales_tasks[0]
                self._sales_in_flight = True
                try:
                    await workflow.execute_activity(
                        TradeInActivities.send_sales_task,
                        task,
                        start_to_close_timeout=timedelta(seconds=90),
                        schedule_to_close_timeout=timedelta(days=1),
                        retry_policy=SALES_RETRY,
                        summary=f"verkoop ← {task.subject[:50]}",
                    )
                except FailureError as exc:  # given up: keep the reason where staff look
                    self.s.crm_failures = (self.s.crm_failures + [f"taak voor verkoop: {exc.cause or exc}"])[-20:]
                finally:
                    self._sales_in_flight = False
                self.s.sales_tasks.pop(0)
                continue
            deadline = self._quiet_deadline()
            if deadline is None:
                continue
            if not workflow.patched(PATCH_TRADEIN):
                return  # replaying a run from before the intake existed
            remaining = (deadline - workflow.now()).total_seconds()
            if remaining > 0:
                try:
                    await workflow.wait_condition(
                        lambda: self._draining or bool(self.s.sales_tasks) or self._quiet_deadline() != deadline,
                        timeout=timedelta(seconds=remaining),
                    )
                    continue
                except asyncio.TimeoutError:
                    pass
            if self._quiet_deadline() == deadline:
                minutes = max(1, round(self.s.trade_in_quiet_seconds / 60))
                self._queue_trade_in_summary(f"{minutes} {'minuut' if minutes == 1 else 'minuten'} geen nieuws van de klant")
