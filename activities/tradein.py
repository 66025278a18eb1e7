"""Trade-in and media activities: RDW lookups, the intake's texts, media replies, tasks for sales.

- `lookup_plate` (regular activity, timeout + retries; cached in the RDW client): a stock car's
  plate first (then it is the car they want), else RDW's facts. RDW down after the retries: the
  workflow goes on without them.
- `intake_step`, `media_reply` (local, pure + dealer.yaml): what the intake or a media message says.
- `send_sales_task` (regular): one note for sales with the files attached: a Chatwoot private
  note, or an e-mail when Chatwoot is not configured. A task, not an escalation.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx
from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents import media as media_texts
from agents import tradein
from agents.rules.phrases import say
from agents.knowledge.dealer import dealer_facts
from agents.media import InboundMedia
from agents.models import Car, ConversationContext, ExtractionOutput, RouterOutput
from agents.plates import compact
from agents.tradein_models import PlateLookup, TradeIn, TradeInPhoto
from config import Settings, reveal
from integrations.chatwoot import ChatwootClient
from integrations.errors import IntegrationError
from integrations.local_crm import LocalCrm
from integrations.rdw import RdwClient
from integrations.smtp import SmtpMailer
from integrations.waha_media import MediaFile, download
from inventory.catalog import InventoryCatalog
from workflows.models import Attachment, SalesTaskRequest

log = logging.getLogger(__name__)


class PlateLookupRequest(BaseModel):
    plate: str  # compact
    dashed: str


class IntakeRequest(BaseModel):
    trade_in: TradeIn | None = None
    text: str
    router: RouterOutput
    extraction: ExtractionOutput
    lookup: PlateLookup | None = None
    wanted: Car | None = None
    now: datetime
    context: ConversationContext | None = None  # the conversation before this message


class IntakeResult(BaseModel):
    trade_in: TradeIn | None = None
    reply: str | None = None
    about_trade_in: bool = False
    newly_complete: bool = False
    confirmation: bool = False


class MediaReplyRequest(BaseModel):
    media: InboundMedia
    trade_in: TradeIn | None = None
    photos: list[TradeInPhoto] = Field(default_factory=list)  # images for the running intake
    photos_wanted: int = tradein.PHOTOS_WANTED
    now: datetime
    language: str = "nl"  # the chat's language and form of address: what the reply is in
    address_form: str = "je"


class MediaReplyResult(BaseModel):
    reply: str | None = None
    trade_in: TradeIn | None = None


class SalesTaskResult(BaseModel):
    via: str  # "chatwoot" or "email"
    attached: int = 0
    missing: list[str] = Field(default_factory=list)
    chatwoot_message_id: int | None = None


def media_http(settings: Settings) -> httpx.AsyncClient | None:
    """A client for WAHA's media files (base URL + X-Api-Key), or None without WAHA."""
    if not settings.waha_url:
        return None
    headers = {"User-Agent": "seldenrijk-agent"}
    if settings.waha_api_key:
        headers["X-Api-Key"] = reveal(settings.waha_api_key)
    return httpx.AsyncClient(base_url=settings.waha_url.rstrip("/"), headers=headers, timeout=20.0)


async def fetch_files(http: httpx.AsyncClient | None, items: list[Attachment | InboundMedia], max_bytes: int
                      ) -> tuple[list[MediaFile], list[str]]:
    """Download what can be downloaded; the reasons for the rest (never raises for one bad file)."""
    files, missing = [], []
    for item in items:
        if http is None:
            missing.append(f"{item.filename or item.url or 'bestand'}: WAHA niet geconfigureerd")
            continue
        try:
            files.append(await download(http, item.url, max_bytes=max_bytes, mimetype=item.mimetype, filename=item.filename))
        except IntegrationError as exc:
            if exc.retryable:
                raise
            missing.append(f"{item.filename or 'bestand'}: {exc}")
    return files, missing


class TradeInActivities:
    def __init__(self, settings: Settings, catalog: InventoryCatalog | None = None):
        self.settings = settings
        self.rdw = RdwClient(settings.rdw_api_url, app_token=reveal(settings.rdw_app_token), timeout=settings.rdw_timeout_seconds,
                             cache_seconds=settings.rdw_cache_hours * 3600)
        self.catalog = catalog or InventoryCatalog(settings)
        self.local = LocalCrm.from_settings(settings)
        self.mailer = SmtpMailer.from_settings(settings)
        self._http: httpx.AsyncClient | None = None
        self._chatwoot: ChatwootClient | None = None

    async def aclose(self) -> None:
        await self.rdw.aclose()
        if self._http is not None:
            await self._http.aclose()
        if self._chatwoot is not None:
            await self._chatwoot.aclose()
        self.local.close()

    def _media_http(self) -> httpx.AsyncClient | None:
        if self._http is None:
            self._http = media_http(self.settings)
        return self._http

    @activity.defn
    async def lookup_plate(self, request: PlateLookupRequest) -> PlateLookup:
        plate = compact(request.plate)
        stock = [car for car in self.catalog.index().cars if car.license_plate and compact(car.license_plate) == plate]
        if stock:
            return PlateLookup(plate=plate, dashed=request.dashed, status="stock", stock_car_id=stock[0].id)
        try:
            vehicle = await self.rdw.vehicle(plate)
        except IntegrationError as exc:
            if exc.retryable:
                raise  # Temporal retries a few times; then the workflow goes on without RDW
            return PlateLookup(plate=plate, dashed=request.dashed, status="unavailable", error=str(exc)[:300])
        if vehicle is None:
            return PlateLookup(plate=plate, dashed=request.dashed, status="unknown")
        return PlateLookup(plate=plate, dashed=request.dashed, status="found", vehicle=vehicle)

    @activity.defn
    async def intake_step(self, request: IntakeRequest) -> IntakeResult:
        dealer = dealer_facts(self.settings.dealer_config_file)
        step = tradein.observe(request.trade_in, request.text, request.router, request.extraction, request.lookup,
                               request.now, dealer, request.wanted, request.context)
        return IntakeResult(trade_in=step.trade_in, reply=step.reply, about_trade_in=step.about_trade_in,
                            newly_complete=step.newly_complete, confirmation=step.confirmation)

    @activity.defn
    async def media_reply(self, request: MediaReplyRequest) -> MediaReplyResult:
        dealer = dealer_facts(self.settings.dealer_config_file)
        media = request.media
        voice = (request.language, request.address_form)
        if request.photos and request.trade_in is not None:
            trade_in, reply = tradein.add_photos(request.trade_in, request.photos, request.now, dealer, request.photos_wanted,
                                                 *voice)
            return MediaReplyResult(reply=reply, trade_in=trade_in)
        if media.kind == "voice":
            return MediaReplyResult(reply=say(media_texts.VOICE_REPLY_SAID, *voice))
        if media.kind == "location":
            return MediaReplyResult(reply=media_texts.location_reply(media, dealer, *voice))
        if media.kind == "document":
            return MediaReplyResult(reply=media_texts.document_reply(media, *voice))
        return MediaReplyResult(reply=None)

    # --- sales tasks --------------------------------------------------------------------------
    def _chatwoot_client(self) -> ChatwootClient:
        if self._chatwoot is None:
            settings = self.settings
            self._chatwoot = ChatwootClient(settings.chatwoot_base_url or "", reveal(settings.chatwoot_api_token) or "",
                                            settings.chatwoot_account_id, settings.chatwoot_inbox_id)
        return self._chatwoot

    @activity.defn
    async def send_sales_task(self, request: SalesTaskRequest) -> SalesTaskResult:
        key = f"task:{request.task_id}"
        files, missing = await fetch_files(self._media_http(), list(request.attachments), self.settings.media_max_bytes)
        text = request.text + ("".join(f"\n(bijlage ontbreekt: {m})" for m in missing) if missing else "")
        try:
            if self.settings.chatwoot_base_url and self.settings.chatwoot_api_token:
                done = await asyncio.to_thread(self.local.mirrored_id, key)
                if done is not None:
                    return SalesTaskResult(via="chatwoot", attached=len(files), missing=missing, chatwoot_message_id=done)
                chatwoot = self._chatwoot_client()
                ref = await chatwoot.ensure_conversation(request.phone, request.customer_name)
                if files:
                    message_id = await chatwoot.post_with_attachments(
                        ref.conversation_id, text, [(f.filename, f.content, f.mimetype) for f in files],
                        incoming=False, private=True)
                else:
                    message_id = await chatwoot.post_message(ref.conversation_id, text, incoming=False, private=True)
                await asyncio.to_thread(self.local.mark_mirrored, key, message_id)
                return SalesTaskResult(via="chatwoot", attached=len(files), missing=missing, chatwoot_message_id=message_id)
            await self.mailer.send_email(self._email(request, text, files))
            return SalesTaskResult(via="email", attached=len(files), missing=missing)
        except IntegrationError as exc:
            if exc.retryable:
                raise
            raise ApplicationError(str(exc), type="SalesTaskRejected", non_retryable=True) from exc

    def _email(self, request: SalesTaskRequest, text: str, files: list[MediaFile]) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = request.subject
        message["From"] = self.settings.smtp_from
        message["To"] = self.settings.escalation_email_sales
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(idstring=request.task_id.replace(":", ".")[:60], domain="seldenrijk.local")
        message.set_content(text)
        for item in files:
            main, _, sub = item.mimetype.partition("/")
            message.add_attachment(item.content, maintype=main or "application", subtype=sub or "octet-stream",
                                   filename=item.filename)
        return message
