"""Why the score moved, where staff look: the local record, `seldenrijk leads` and a Chatwoot note."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from temporalio.testing import ActivityEnvironment

from activities.crm import CrmActivities, CrmSyncRequest
from agents.models import CRMOutput, ScoreChange, ScoreFactor
from integrations.local_crm import LocalCrm, score_note
from starter.leads_cli import format_leads
from tests.peers.chatwoot_fixtures import chatwoot_peer, chatwoot_settings  # noqa: F401 (fixtures)
from workflows.models import PendingCrmUpdate

PHONE = "+31612345678"
T0 = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)


def crm(score: int, quality: str, explanation: str) -> CRMOutput:
    return CRMOutput(lead_score=score, lead_quality=quality, score_factors=[ScoreFactor(name="conversation_started", points=score)],
                     tags=[f"lead:{quality.lower()}"], explanation=explanation,
                     history=[ScoreChange(at=T0, score=score, quality=quality, explanation=explanation)])


def update(message_id: str, seconds: int, output: CRMOutput) -> PendingCrmUpdate:
    return PendingCrmUpdate(role="bot", text=f"antwoord {message_id}", message_id=message_id, at=T0 + timedelta(seconds=seconds), crm=output)


def test_local_record_and_leads_table_show_the_explanation(tmp_path):
    local = LocalCrm(tmp_path)
    try:
        local.record_crm(PHONE, "Jan", crm(85, "HOT", "+20 proefrit vandaag gevraagd (85 HOT)"), T0)
        lead = local.list_leads()[0]
    finally:
        local.close()
    assert lead.score_explanation == "+20 proefrit vandaag gevraagd (85 HOT)"
    table = format_leads([lead])
    assert "Waarom" in table.splitlines()[0] and "+20 proefrit vandaag gevraagd (85 HOT)" in table


def test_an_older_database_gets_the_new_columns(tmp_path):
    db = sqlite3.connect(tmp_path / "crm.sqlite3")
    db.executescript("""
        CREATE TABLE leads (phone TEXT PRIMARY KEY, name TEXT, score INTEGER, quality TEXT, tags TEXT NOT NULL DEFAULT '[]',
            attributes TEXT NOT NULL DEFAULT '{}', chatwoot_contact_id INTEGER, chatwoot_conversation_id INTEGER,
            last_error TEXT, last_error_at TEXT, updated_at TEXT NOT NULL);
        CREATE TABLE score_history (id INTEGER PRIMARY KEY AUTOINCREMENT, phone TEXT NOT NULL, score INTEGER NOT NULL,
            quality TEXT NOT NULL, at TEXT NOT NULL);
        INSERT INTO leads (phone, score, quality, updated_at) VALUES ('+31600000000', 40, 'LUKEWARM', '2026-01-01T00:00:00+00:00');
    """)
    db.close()
    local = LocalCrm(tmp_path)
    try:
        local.record_crm(PHONE, None, crm(60, "WARM", "+15 vraagt naar prijs (60 WARM)"), T0)
        leads = {lead.phone: lead for lead in local.list_leads()}
    finally:
        local.close()
    assert leads[PHONE].score_explanation == "+15 vraagt naar prijs (60 WARM)"
    assert leads["+31600000000"].score_explanation is None


async def test_chatwoot_gets_a_private_note_when_the_band_changes(chatwoot_settings, chatwoot_peer):  # noqa: F811
    activities = CrmActivities(chatwoot_settings)
    try:
        warm = crm(60, "WARM", "+15 vraagt naar prijs of beschikbaarheid van een voorraadauto (45 LUKEWARM → 60 WARM)")
        warmer = crm(65, "WARM", "+5 drie of meer berichten (60 WARM → 65 WARM)")
        hot = crm(85, "HOT", "+20 proefrit vandaag gevraagd (65 WARM → 85 HOT)")
        request = CrmSyncRequest(phone=PHONE, chat_id="31612345678@c.us", customer_name="Jan",
                                 updates=[update("m1", 0, warm)])
        await ActivityEnvironment().run(activities.sync_crm, request)
        # within the band: no note; a replayed batch: no second note
        await ActivityEnvironment().run(activities.sync_crm, request.model_copy(update={"updates": [update("m2", 10, warmer)]}))
        await ActivityEnvironment().run(activities.sync_crm, request.model_copy(update={"updates": [update("m2", 10, warmer)]}))
        await ActivityEnvironment().run(activities.sync_crm, request.model_copy(update={"updates": [update("m3", 20, hot)]}))
    finally:
        await activities.aclose()
    notes = [m["content"] for m in chatwoot_peer.messages.values() if m["private"]]
    assert notes == [score_note(60, "WARM", warm.explanation), score_note(85, "HOT", hot.explanation)]
    assert "+20 proefrit vandaag gevraagd" in notes[-1]
    assert chatwoot_peer.violations == []
