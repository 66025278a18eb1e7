"""HTTP route for staff: approve a customer's privacy request (`X-API-Key`, ESCALATION_API_KEY).

Without a configured key the route answers 503, like the escalation routes: an open approve
endpoint would let anyone have a customer's data deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ValidationError
from temporalio.client import Client

from starter import privacy_cli
from workflows.models import PrivacyStatus


class ApproveBody(BaseModel):
    by: str | None = None


def privacy_router(get_client: Callable, settings) -> APIRouter:
    def require_key(request: Request) -> None:
        expected = settings.escalation_api_key
        expected = expected.get_secret_value() if hasattr(expected, "get_secret_value") else expected
        if not expected:
            raise HTTPException(503, "privacy API disabled: set ESCALATION_API_KEY to enable it")
        given = request.headers.get("x-api-key") or ""
        if not secrets.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(401, "missing or wrong X-API-Key")

    router = APIRouter(prefix="/privacy", tags=["privacy"], dependencies=[Depends(require_key)])

    @router.post("/{request_id}/approve")
    async def approve(request_id: str, request: Request) -> PrivacyStatus:
        raw = await request.body()
        try:
            body = ApproveBody.model_validate_json(raw) if raw.strip() else ApproveBody()
        except ValidationError as exc:
            raise HTTPException(422, f"invalid JSON body: {exc}") from exc
        if not (request_id.startswith("privacy-") or privacy_cli.valid_phone(request_id)):
            raise HTTPException(422, "not a privacy request id or phone number")
        client: Client = await get_client()
        try:
            return await privacy_cli.approve(client, request_id, body.by, via="api")
        except privacy_cli.PrivacyRequestNotFound as exc:
            raise HTTPException(404, f"no privacy request {exc}") from exc

    return router
