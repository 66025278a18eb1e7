"""The webhook API: WAHA and Chatwoot in, Temporal signals out, plus health, metrics and the chat page.

A customer message is verified, parsed, written to the durable intake and answered at once; the
intake forwarder (starter/intake_forwarder.py) hands it to the chat's workflow with
signal-with-start, in order per chat, retrying while Temporal is unreachable, so the webhook never
waits for a busy Temporal. Other events (staff messages, edits, Chatwoot) still signal directly and
answer 503 when Temporal is unreachable, so their sender retries and nothing accepted is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from config import Settings
from integrations import chatwoot_webhook, waha_session, waha_webhook
from integrations.db import off_loop
from integrations.intake_store import IntakeRow, IntakeStore
from integrations.waha_webhook import (
    CustomerEdited,
    CustomerMessage,
    CustomerRevoked,
    Ignored,
    StaffTyped,
    WebhookRejected,
)
from observability import metrics
from starter import staff_whatsapp
from starter.intake_forwarder import DeliveryRefused, IntakeForwarder, TemporalUnavailable
from starter.lid_routing import LidRouter, is_lid
from starter.webhook_schemas import CHATWOOT_WEBHOOK, WAHA_WEBHOOK, request_body
from workflows import search_attributes as sa
from workflows.conversation import ConversationWorkflow
from workflows.session_models import SessionHealthInput, session_workflow_id
from workflows.models import (
    ConversationInput,
    HandoffEnded,
    InboundMessage,
    StaffEngagement,
    StaffMessage,
    TradeInValue,
    conversation_workflow_id,
    phone_digits,
)

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}
# Webhook events are a few kB (media come as URLs); far bigger is an attack or a broken sender.
MAX_BODY_BYTES = 1_000_000
# An edit or deletion waits this long for its chat's earlier messages to leave the intake.
DRAIN_WAIT_SECONDS = 5.0
INTAKE_SIGNALS = {"new_message": InboundMessage}  # signal name -> its argument's model

ClientProvider = Callable[[], Awaitable[Client]]


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise WebhookRejected(413, f"body larger than {MAX_BODY_BYTES} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise WebhookRejected(413, f"body larger than {MAX_BODY_BYTES} bytes")
    return raw


def _reject(endpoint: str, exc: WebhookRejected) -> JSONResponse:
    metrics.WEBHOOKS_REJECTED.labels(endpoint=endpoint, reason=str(exc.status_code)).inc()
    return JSONResponse({"status": "rejected", "reason": exc.reason}, status_code=exc.status_code)


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", "reason": f"Temporal is unreachable, retry later: {detail}"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def create_app(settings: Settings, get_client: ClientProvider) -> FastAPI:
    """`get_client` returns a connected Temporal client or raises (then we answer 503)."""
    app = FastAPI(title="Seldenrijk WhatsApp agent", version="0.1.0")

    async def client_or_unavailable() -> Client:
        try:
            return await get_client()
        except Exception as exc:  # noqa: BLE001 - any connection failure means "retry later"
            raise TemporalUnavailable(str(exc)) from exc

    def new_conversation(chat_id: str, phone: str, name: str | None) -> ConversationInput:
        return ConversationInput(
            chat_id=chat_id,
            phone=phone,
            customer_name=name,
            human_quiet_minutes=settings.human_quiet_period_minutes,
            stale_reply_minutes=settings.stale_reply_minutes,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            trade_in_quiet_seconds=settings.trade_in_quiet_seconds,
            trade_in_photos_wanted=settings.trade_in_photos_wanted,
            coalesce_seconds=settings.coalesce_seconds,
            coalesce_max_seconds=settings.coalesce_max_seconds,
            quiet_continue_seconds=settings.quiet_continue_seconds,
        )

    lids = LidRouter(settings)
    app.router.on_shutdown.append(lids.aclose)

    async def signal_with_start(chat_id: str, phone: str, name: str | None, signal: str, arg: Any) -> str:
        client = await client_or_unavailable()
        workflow_id = conversation_workflow_id(chat_id)
        try:
            await client.start_workflow(
                ConversationWorkflow.run,
                new_conversation(chat_id, phone, name),
                id=workflow_id,
                task_queue=settings.temporal_task_queue,
                start_signal=signal,
                start_signal_args=[arg],
                search_attributes=TypedSearchAttributes([SearchAttributePair(sa.CUSTOMER_PHONE, phone)]),
                static_summary=f"WhatsApp-gesprek {phone}",
                rpc_timeout=timedelta(seconds=5),
            )
        except RPCError as exc:
            if exc.status in UNAVAILABLE:
                raise TemporalUnavailable(exc.message) from exc
            if exc.status == RPCStatusCode.INVALID_ARGUMENT:
                raise DeliveryRefused(exc.message) from exc
            raise
        return workflow_id

    intake = IntakeStore.from_settings(settings)

    async def deliver(row: IntakeRow) -> None:
        try:
            arg = INTAKE_SIGNALS[row.signal].model_validate_json(row.payload)
        except (KeyError, ValueError) as exc:  # written by another version: cannot become a signal
            raise DeliveryRefused(f"unreadable intake row: {exc}"[:300]) from exc
        await signal_with_start(row.chat_id, row.phone, row.sender_name, row.signal, arg)

    forwarder = IntakeForwarder(
        intake, deliver, lease_seconds=settings.intake_lease_seconds, concurrency=settings.intake_concurrency,
        # SQLite is one host's file: rows an earlier process left are ours at once. With PostgreSQL
        # another replica may still be delivering them: its lease decides.
        take_over_at_start=intake.db.dialect == "sqlite",
    )
    app.state.intake_forwarder = forwarder

    async def start_forwarder() -> None:
        forwarder.start()

    app.router.on_startup.append(start_forwarder)
    app.router.on_shutdown.append(forwarder.stop)

    async def existing_conversation(phone: str) -> WorkflowHandle:
        client = await client_or_unavailable()
        return client.get_workflow_handle(conversation_workflow_id(phone))

    @app.exception_handler(TemporalUnavailable)
    async def _temporal_down(request: Request, exc: TemporalUnavailable):
        return _unavailable(str(exc))

    @app.exception_handler(DeliveryRefused)
    async def _refused(request: Request, exc: DeliveryRefused):
        endpoint = "waha" if request.url.path.startswith("/webhook/waha") else "chatwoot"
        return _reject(endpoint, WebhookRejected(422, f"refused by Temporal: {exc}"[:300]))

    # --- WAHA ---------------------------------------------------------------------
    @app.post(
        "/webhook/waha",
        openapi_extra=request_body(WAHA_WEBHOOK, "A WAHA event; signed with X-Webhook-Hmac when a key is set"),
    )
    async def waha(request: Request):
        started = time.perf_counter()
        try:
            raw = await _read_body(request)
            if settings.waha_webhook_hmac_key:
                waha_webhook.verify_hmac(
                    settings.waha_webhook_hmac_key.get_secret_value(),
                    raw,
                    request.headers.get("x-webhook-hmac"),
                    request.headers.get("x-webhook-timestamp"),
                    now=time.time(),
                    max_age_seconds=settings.waha_webhook_max_age_seconds,
                )
            body = waha_webhook.parse_body(raw)
            if settings.waha_webhook_hmac_key:
                waha_webhook.verify_event_age(
                    body, now=time.time(), max_age_seconds=settings.waha_webhook_max_age_seconds
                )
            if body.get("event") == "session.status":
                return await _session_status(body)
            event = waha_webhook.parse_event(
                body,
                received_at=datetime.now(timezone.utc),
                max_chars=settings.max_message_chars,
            )
        except WebhookRejected as exc:
            return _reject("waha", exc)
        if isinstance(event, Ignored):
            return {"status": "ignored", "reason": event.reason}
        if isinstance(event, (CustomerEdited, CustomerRevoked)):
            if staff_whatsapp.is_staff_chat(settings, event.chat_id):
                return {"status": "ignored", "reason": "an edit or deletion in a staff chat"}
            return await _edit_or_revoke(event)
        if staff_whatsapp.is_staff_chat(settings, event.chat_id if isinstance(event, StaffTyped) else event.message.chat_id):
            if isinstance(event, StaffTyped):
                return {"status": "ignored", "reason": "our own message to a staff number"}
            return await staff_whatsapp.handle_staff_message(
                await client_or_unavailable(), event.message.chat_id, event.message.text
            )
        if isinstance(event, StaffTyped):
            chat_id = await lids.staff_chat(event.chat_id)
            phone = event.phone if chat_id == event.chat_id else f"+{phone_digits(chat_id)}"
            workflow_id = await signal_with_start(chat_id, phone, None, "staff_message", event.message)
            return {"status": "staff_message", "workflow_id": workflow_id}
        assert isinstance(event, CustomerMessage)
        message = event.message
        if not (settings.waha_typing and settings.waha_url):  # no seen/typing activity to schedule at all
            message = message.model_copy(update={"show_presence": False})
        if is_lid(message.chat_id):  # issue 17: keyed by the phone number as soon as WAHA knows it
            async def lid_chat_drained() -> None:  # the hand-over must not overtake the lid's queued messages
                if not await forwarder.drained([message.chat_id], DRAIN_WAIT_SECONDS):
                    raise TemporalUnavailable("earlier messages of this chat are still waiting for Temporal")

            try:
                message, merging = await lids.route(await client_or_unavailable(), message, lid_chat_drained)
            except RPCError as exc:
                if exc.status in UNAVAILABLE:
                    raise TemporalUnavailable(exc.message) from exc
                raise
            if merging:
                return {"status": "merging", "workflow_id": merging}
        try:  # durable before we answer; Temporal gets it from the forwarder, we do not wait for it
            await forwarder.accept(message.chat_id, message.phone, message.sender_name, "new_message",
                                   message.model_dump_json())
        except Exception as exc:  # noqa: BLE001 - the store is down: WAHA must retry, nothing is lost
            log.error("intake store unavailable", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
            return JSONResponse({"status": "unavailable", "reason": "the intake store is unavailable, retry later"},
                                status_code=503, headers={"Retry-After": "5"})
        metrics.WEBHOOK_ACK_SECONDS.labels(endpoint="waha").observe(time.perf_counter() - started)
        return {"status": "queued", "workflow_id": conversation_workflow_id(message.chat_id)}

    async def _edit_or_revoke(event: CustomerEdited | CustomerRevoked) -> dict:
        """An edit or deletion goes to the chat's conversation; with none, there is nothing to change."""
        signal, arg = ("message_edited", event.edit) if isinstance(event, CustomerEdited) else (
            "message_revoked", event.revoke)
        chat_id = await lids.staff_chat(event.chat_id)  # a lid chat merged into the phone's: that conversation
        if not await forwarder.drained({event.chat_id, chat_id}, DRAIN_WAIT_SECONDS):  # the message goes first
            raise TemporalUnavailable("the edited message is still waiting for Temporal")
        handle = await existing_conversation(chat_id)
        try:
            await handle.signal(signal, arg, rpc_timeout=timedelta(seconds=5))
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return {"status": "ignored", "reason": "no conversation for this chat"}
            if exc.status in UNAVAILABLE:
                raise TemporalUnavailable(exc.message) from exc
            raise
        return {"status": signal, "workflow_id": handle.id}

    async def _session_status(body: dict) -> dict:
        """Issue 17: the gauge now, the manager's alert and the waiting replies in SessionHealthWorkflow."""
        change = waha_session.parse_session_status(
            body, received_at=datetime.now(timezone.utc), default_session=settings.waha_session
        )
        metrics.record_session_status(change.session, change.status, waha_session.STATES)
        client = await client_or_unavailable()
        workflow_id = session_workflow_id(change.session)
        try:
            await client.start_workflow(
                "SessionHealthWorkflow",
                SessionHealthInput(session=change.session),
                id=workflow_id,
                task_queue=settings.temporal_task_queue,
                start_signal="status_changed",
                start_signal_args=[change],
                static_summary=f"WhatsApp-sessie {change.session}",
                rpc_timeout=timedelta(seconds=5),
            )
        except RPCError as exc:
            if exc.status in UNAVAILABLE:
                raise TemporalUnavailable(exc.message) from exc
            raise
        return {"status": "session_status", "session_status": change.status, "workflow_id": workflow_id}

    # --- Chatwoot -----------------------------------------------------------------
    async def chatwoot(request: Request, url_token: str | None):
        try:
            raw = await _read_body(request)
            if settings.chatwoot_webhook_secret:
                chatwoot_webhook.verify_signature(
                    settings.chatwoot_webhook_secret.get_secret_value(),
                    request.headers.get("x-chatwoot-timestamp", ""),
                    raw,
                    request.headers.get("x-chatwoot-signature", ""),
                    now=time.time(),
                    max_age_seconds=settings.webhook_max_age_seconds,
                )
            elif not settings.chatwoot_webhook_token:
                raise WebhookRejected(
                    503, "set CHATWOOT_WEBHOOK_SECRET (Chatwoot ≥ 4.12) or CHATWOOT_WEBHOOK_TOKEN first"
                )
            elif not url_token or not _same(url_token, settings.chatwoot_webhook_token.get_secret_value()):
                raise WebhookRejected(401, "unknown webhook token in the URL")
            event = chatwoot_webhook.parse_event(waha_webhook.parse_body(raw), inbox_id=settings.chatwoot_inbox_id)
        except WebhookRejected as exc:
            return _reject("chatwoot", exc)
        if event is None:
            return {"status": "ignored"}
        return await _dispatch_chatwoot(event)

    chatwoot_api: list = []  # one client, made on first use

    async def _assigned_to_our_api_user(assignee_id: int | None) -> bool:
        """Chatwoot's automatic assignment to the user our API token acts as is no person taking over."""
        if assignee_id is None or not (settings.chatwoot_base_url and settings.chatwoot_api_token):
            return False
        if not chatwoot_api:
            from integrations.chatwoot import ChatwootClient

            token = settings.chatwoot_api_token
            chatwoot_api.append(
                ChatwootClient(
                    settings.chatwoot_base_url,
                    token.get_secret_value() if hasattr(token, "get_secret_value") else token,
                    settings.chatwoot_account_id,
                    settings.chatwoot_inbox_id,
                )
            )
        try:
            return assignee_id == await chatwoot_api[0].own_user_id()
        except Exception as exc:  # noqa: BLE001 - unknown: let the escalation judge the assignment
            log.warning("cannot look up our Chatwoot user", extra={"error": str(exc)[:200]})
            return False

    async def _dispatch_chatwoot(event) -> dict:
        now = datetime.now(timezone.utc)
        phone = event.phone_e164
        if not phone:
            return {"status": "ignored", "reason": "no customer phone number on the conversation"}
        chat_id = lids.chat_for_contact(phone)  # an unresolved @lid contact's "phone" is its lid
        if isinstance(event, chatwoot_webhook.StaffReply):
            message = StaffMessage(
                text=event.text, author=event.author, via="chatwoot", external_id=f"cw-{event.message_id}", at=now
            )
            workflow_id = await signal_with_start(chat_id, phone, None, "staff_message", message)
            return {"status": "staff_reply_queued", "workflow_id": workflow_id}
        if isinstance(event, chatwoot_webhook.TestDriveConfirmed):
            return await _confirm_test_drive(event)
        if isinstance(event, chatwoot_webhook.PrivacyApproved):
            from starter import privacy_cli

            try:
                status = await privacy_cli.approve(await client_or_unavailable(), phone, None, via="chatwoot")
            except privacy_cli.PrivacyRequestNotFound:
                return {"status": "ignored", "reason": "no privacy request for this customer"}
            except RPCError as exc:
                if exc.status in UNAVAILABLE:
                    raise TemporalUnavailable(exc.message) from exc
                raise
            return {"status": "privacy_approved", "workflow_id": status.request_id}
        handle = await existing_conversation(phone)
        if isinstance(event, chatwoot_webhook.ConversationResolved):
            signal, arg = "handoff_ended", HandoffEnded(reason="opgelost in Chatwoot", at=now)
        elif isinstance(event, chatwoot_webhook.StaffEngaged):
            if event.how == "assigned" and await _assigned_to_our_api_user(event.assignee_id):
                return {"status": "ignored", "reason": "assigned to our own API user (automatic assignment)"}
            signal, arg = "staff_engaged", StaffEngagement(
                how=event.how, by=event.who, at=now, assignee_id=event.assignee_id
            )
        elif isinstance(event, chatwoot_webhook.TradeInValueEntered):
            signal, arg = "trade_in_value", TradeInValue(amount_eur=event.amount_eur, by="chatwoot", at=now)
        else:
            return {"status": "ignored", "reason": type(event).__name__}
        try:
            await handle.signal(signal, arg)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return {"status": "ignored", "reason": "no conversation for this customer"}
            if exc.status in UNAVAILABLE:
                raise TemporalUnavailable(exc.message) from exc
            raise
        return {"status": signal, "workflow_id": handle.id}

    async def _confirm_test_drive(event) -> dict:
        from starter import testdrives_cli

        booking = testdrives_cli.held_booking_for(settings, event.phone_e164)
        if booking is None:
            return {"status": "ignored", "reason": "no test drive waiting for confirmation"}
        try:
            await testdrives_cli.act(await client_or_unavailable(), settings, booking.booking_id, "confirm", event.who, via="chatwoot")
        except (testdrives_cli.BookingNotFound, testdrives_cli.BookingClosed) as exc:
            return {"status": "ignored", "reason": str(exc)}
        return {"status": "test_drive_confirmed", "booking_id": booking.booking_id}

    chatwoot_body = request_body(CHATWOOT_WEBHOOK, "A Chatwoot event; signed with X-Chatwoot-Signature")

    @app.post("/webhook/chatwoot", openapi_extra=chatwoot_body)
    async def chatwoot_signed(request: Request):
        return await chatwoot(request, None)

    @app.post("/webhook/chatwoot/{token}", openapi_extra=chatwoot_body)
    async def chatwoot_with_token(token: str, request: Request):
        return await chatwoot(request, token)

    # --- reading ------------------------------------------------------------------
    @app.get("/api/conversations/{phone}")
    async def conversation_state(phone: str):
        if not settings.chat_page_enabled:
            return JSONResponse({"reason": "disabled (ENABLE_CHAT_PAGE)"}, status_code=404)
        if not phone_digits(phone):
            return JSONResponse({"reason": "not a phone number"}, status_code=422)
        handle = await existing_conversation(phone)
        try:
            snapshot = await handle.query(ConversationWorkflow.state)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return JSONResponse({"reason": "no conversation yet"}, status_code=404)
            if exc.status in UNAVAILABLE:
                raise TemporalUnavailable(exc.message) from exc
            raise
        return JSONResponse(snapshot.model_dump(mode="json"))

    @app.get("/healthz")
    async def healthz():
        try:
            client = await get_client()
            await client.service_client.check_health()
            temporal = "ok"
        except Exception as exc:  # noqa: BLE001
            temporal = f"unreachable: {exc}"[:200]
        try:  # accepted customer messages not yet in Temporal, and any it refused for good
            backlog = await off_loop(intake.db, intake.backlog)
            metrics.INTAKE_WAITING.set(backlog["waiting"])
        except Exception as exc:  # noqa: BLE001
            backlog = {"error": f"{type(exc).__name__}: {exc}"[:200]}
        healthy = temporal == "ok"
        return JSONResponse({"api": "ok", "temporal": temporal, "intake": backlog},
                            status_code=200 if healthy else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics():
        # A route, not a mount: a mounted app answers /metrics with a 307 to /metrics/.
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/", include_in_schema=False)
    async def chat_page():
        if not settings.chat_page_enabled:
            return JSONResponse({"reason": "the chat page is off (ENABLE_CHAT_PAGE)"}, status_code=404)
        return FileResponse(STATIC_DIR / "chat.html")

    from starter.escalation_routes import escalation_router

    app.include_router(escalation_router(client_or_unavailable, settings))
    from starter.testdrive_routes import testdrive_routers

    for router in testdrive_routers(client_or_unavailable, settings):
        app.include_router(router)
    from starter.privacy_routes import privacy_router

    app.include_router(privacy_router(client_or_unavailable, settings))
    return app


def _same(given: str, expected: str) -> bool:
    import hmac

    return hmac.compare_digest(given.encode(), expected.encode())


class LazyTemporalClient:
    """Connects on first use and again after a failure, so the API starts before Temporal."""

    def __init__(self, settings: Settings, address: str):
        self.settings = settings
        self.address = address
        self._client: Client | None = None
        self._connecting = asyncio.Lock()  # the intake's chat tasks start at once: one connection, not one each

    async def __call__(self) -> Client:
        if self._client is None:
            async with self._connecting:
                if self._client is None:
                    from workflows.converter import data_converter

                    self._client = await Client.connect(
                        self.address,
                        namespace=self.settings.temporal_namespace,
                        data_converter=data_converter,
                    )
        return self._client
