"""HTTP routes for staff tools: acknowledge, resolve and list escalations.

Protected by the `X-API-Key` header (ESCALATION_API_KEY). Without a configured key the
routes answer 503: an open ack/resolve endpoint would let anyone silence an escalation.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from temporalio.client import Client

from starter import escalations_cli as ops
from workflows.models import EscalationStatus


class AckBody(BaseModel):
    by: str | None = None


class ResolveBody(BaseModel):
    by: str | None = None
    outcome: str = "resolved"


def escalation_router(get_client: Callable[[], Awaitable[Client]], settings) -> APIRouter:
    """`get_client` is the API's async client provider (it raises when Temporal is down)."""
    def require_key(request: Request) -> None:
        expected = settings.escalation_api_key
        if not expected:
            raise HTTPException(503, "escalation API disabled: set ESCALATION_API_KEY to enable it")
        given = request.headers.get("x-api-key") or ""
        if not secrets.compare_digest(given.encode(), expected.get_secret_value().encode()):
            raise HTTPException(401, "missing or wrong X-API-Key")

    router = APIRouter(prefix="/escalations", tags=["escalations"], dependencies=[Depends(require_key)])

    async def _body(request: Request, model: type[BaseModel]) -> BaseModel:
        raw = await request.body()
        if not raw.strip():
            return model()
        try:
            return model.model_validate_json(raw)
        except ValueError as exc:
            raise HTTPException(422, f"invalid JSON body: {exc}") from exc

    async def _call(operation):
        try:
            return await operation
        except ops.EscalationNotFound as exc:
            raise HTTPException(404, f"unknown escalation {exc}") from exc
        except ops.EscalationAlreadyClosed as exc:
            raise HTTPException(409, str(exc)) from exc

    @router.get("")
    async def list_open() -> list[dict]:
        now = datetime.now(timezone.utc)
        statuses = await ops.list_escalations(await get_client())
        return [ops.escalation_row(status, now) | {"status": status.model_dump(mode="json")} for status in statuses]

    @router.post("/{escalation_id}/ack")
    async def acknowledge(escalation_id: str, request: Request) -> EscalationStatus:
        body = await _body(request, AckBody)
        return await _call(ops.ack(await get_client(), escalation_id, body.by, via="api"))

    @router.post("/{escalation_id}/resolve")
    async def resolve(escalation_id: str, request: Request) -> EscalationStatus:
        body = await _body(request, ResolveBody)
        return await _call(ops.resolve(await get_client(), escalation_id, body.outcome, body.by, via="api"))

    return router
