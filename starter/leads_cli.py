"""`seldenrijk leads`: the local CRM record, hottest lead first."""

from __future__ import annotations

import json

from config import Settings
from integrations.local_crm import LeadRow, LocalCrm


def format_leads(leads: list[LeadRow]) -> str:
    if not leads:
        return "Nog geen leads."
    lines = [f"{'score':>5}  {'kwaliteit':<9}  {'telefoon':<15}  {'naam':<20}  tags"]
    for lead in leads:
        score = "-" if lead.score is None else str(lead.score)
        tags = ", ".join(tag for tag in lead.tags if not tag.startswith(("lead:", "sentiment:")))
        line = f"{score:>5}  {lead.quality or '-':<9}  {lead.phone:<15}  {(lead.name or '-')[:20]:<20}  {tags}"
        if lead.score_explanation:  # why the score last moved
            line += f"\n{'':>5}  waarom: {lead.score_explanation[:160]}"
        if lead.last_error:
            line += f"\n{'':>5}  ! CRM-fout: {lead.last_error[:120]}"
        lines.append(line)
    return "\n".join(lines)


def print_leads(settings: Settings, as_json: bool) -> None:
    crm = LocalCrm(settings.data_dir)
    try:
        leads = crm.list_leads()
    finally:
        crm.close()
    if as_json:
        print(json.dumps([lead.model_dump(mode="json") for lead in leads], indent=2, ensure_ascii=False))
    else:
        print(format_leads(leads))
