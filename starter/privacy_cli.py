"""`seldenrijk privacy export|forget|approve`: the customer's AVG rights, for staff.

export prints everything held about a phone number as JSON; forget deletes it everywhere
(integrations/personal_data.py lists the stores) and writes an audit line without personal
data; approve lets a waiting PrivacyRequestWorkflow carry out the customer's request. The
HTTP route and the Chatwoot label `privacy-approved` use `approve` too.
"""

from __future__ import annotations

import json
import sys
from typing import Literal

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from config import Settings
from integrations import personal_data
from workflows.models import PrivacyApproval, PrivacyStatus, phone_digits, privacy_workflow_id
from workflows.privacy import PrivacyRequestWorkflow


class PrivacyRequestNotFound(LookupError):
    pass


def request_id_for(phone_or_request_id: str) -> str:
    """'privacy-316…' stays; a phone number becomes its request id."""
    if phone_or_request_id.startswith("privacy-"):
        return phone_or_request_id
    return privacy_workflow_id(phone_or_request_id)


async def approve(client: Client, phone_or_request_id: str, by: str | None,
                  via: Literal["cli", "api", "chatwoot"] = "cli") -> PrivacyStatus:
    handle = client.get_workflow_handle(request_id_for(phone_or_request_id))
    try:
        await handle.signal(PrivacyRequestWorkflow.approve, PrivacyApproval(by=by, via=via))
        return await handle.query(PrivacyRequestWorkflow.status)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise PrivacyRequestNotFound(handle.id) from exc
        raise


async def export(client: Client, settings: Settings, phone: str) -> dict:
    return await personal_data.export_everything(phone, settings, client)


async def forget(client: Client, settings: Settings, phone: str) -> personal_data.ForgetReport:
    return await personal_data.forget_everything(phone, settings, client, via="cli")


def valid_phone(text: str) -> bool:
    return 6 <= len(phone_digits(text)) <= 15


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
