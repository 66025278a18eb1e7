"""`seldenrijk leads`: the local CRM record, hottest lead first, in Dutch for the sales team."""

from __future__ import annotations

import json

from config import Settings
from integrations.local_crm import LeadRow, LocalCrm
from starter.tables import local_time, text_table

QUALITY = {"HOT": "heet", "WARM": "warm", "COLD": "koud"}
HEADERS = ["Score", "Kwaliteit", "Telefoon", "Naam", "Interesse", "Laatste bericht", "Waarom (laatste wijziging)", "Labels"]
WHY_WIDTH = 90


def car_of_interest(make: str | None, model: str | None) -> str:
    return " ".join(part for part in (make, model) if part) or "-"


def _short(text: str | None) -> str:
    """The score's last explanation, cut to fit a table row."""
    if not text:
        return "-"
    return text if len(text) <= WHY_WIDTH else text[: WHY_WIDTH - 1] + "…"


def format_leads(leads: list[LeadRow]) -> str:
    if not leads:
        return "Nog geen leads."
    rows, errors = [], []
    for lead in leads:
        tags = ", ".join(tag for tag in lead.tags if not tag.startswith(("lead:", "sentiment:")))
        interest = car_of_interest(lead.attributes.get("interested_in_make"), lead.attributes.get("interested_in_model"))
        rows.append([
            "-" if lead.score is None else str(lead.score),
            QUALITY.get(lead.quality or "", lead.quality or "-"),
            lead.phone,
            (lead.name or "-")[:20],
            interest,
            local_time(lead.last_message_at),
            _short(lead.score_explanation),
            tags or "-",
        ])
        if lead.last_error:
            errors.append(f"! CRM-fout bij {lead.phone}: {lead.last_error[:120]}")
    return "\n".join([text_table(HEADERS, rows, right={0}), *errors])


def print_leads(settings: Settings, as_json: bool) -> None:
    crm = LocalCrm.from_settings(settings)
    try:
        leads = crm.list_leads()
    finally:
        crm.close()
    if as_json:
        print(json.dumps([lead.model_dump(mode="json") for lead in leads], indent=2, ensure_ascii=False))
    else:
        print(format_leads(leads))
