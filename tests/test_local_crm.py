import json
from datetime import datetime, timedelta, timezone

from agents.models import CRMOutput, ScoreFactor
from config import Settings
from integrations.local_crm import LocalCrm
from starter.leads_cli import print_leads

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def crm(score: int, quality: str, *tags: str) -> CRMOutput:
    return CRMOutput(lead_score=score, lead_quality=quality, score_factors=[ScoreFactor(name="x", points=score)],
                     tags=list(tags), custom_attributes={"lead_score": score})


def test_transcript_dedupes_by_message_id_and_keeps_order(store_settings, tmp_path):
    store = LocalCrm.from_settings(store_settings)
    assert store.record_message("31612345678@c.us", "Jan", "customer", "hoi", "m1", T0)
    assert store.record_message("+31612345678", None, "bot", "Hallo Jan!", "m1:reply", T0 + timedelta(seconds=2))
    assert not store.record_message("+31612345678", "Jan", "customer", "hoi", "m1", T0)  # retried delivery
    lines = store.transcript("+31 6 1234 5678")
    assert [(line.role, line.text) for line in lines] == [("customer", "hoi"), ("bot", "Hallo Jan!")]
    assert (tmp_path / "crm.sqlite3").exists() == (store_settings.database_url is None)
    store.close()


def test_leads_hottest_first_with_history_and_failures(store_settings, tmp_path):
    store = LocalCrm.from_settings(store_settings)
    store.record_crm("+31611111111", "Koud", crm(20, "COLD", "interest:browsing"), T0)
    store.record_crm("+31622222222", "Heet", crm(55, "LUKEWARM"), T0)
    store.record_crm("+31622222222", None, crm(88, "HOT", "test-drive"), T0 + timedelta(minutes=1))
    store.record_crm("+31622222222", None, crm(88, "HOT", "test-drive"), T0 + timedelta(minutes=2))
    store.record_message("+31633333333", "Nog geen score", "customer", "hallo?", "m9", T0)
    store.record_failure("+31611111111", "Chatwoot 401: token verlopen", T0)
    leads = store.list_leads()
    assert [lead.name for lead in leads] == ["Heet", "Koud", "Nog geen score"]
    assert leads[0].score == 88 and leads[0].quality == "HOT" and leads[0].tags == ["test-drive"]
    assert [(score, quality) for _, score, quality in store.score_history("+31622222222")] == [(55, "LUKEWARM"), (88, "HOT")]
    assert leads[1].last_error == "Chatwoot 401: token verlopen"
    assert store.failures("+31611111111")[0][1] == "Chatwoot 401: token verlopen"
    store.close()


def test_mirrored_ids_survive_a_restart(store_settings, tmp_path):
    store = LocalCrm.from_settings(store_settings)
    store.record_message("+31612345678", "Jan", "bot", "Ja!", "m1:reply", T0)
    store.mark_mirrored("m1:reply", 4711)
    store.close()
    reopened = LocalCrm.from_settings(store_settings)
    assert reopened.mirrored_id("m1:reply") == 4711
    assert reopened.is_own_chatwoot_message(4711) and not reopened.is_own_chatwoot_message(4712)
    reopened.close()


def test_print_leads_table_and_json(store_settings, tmp_path, capsys):
    store = LocalCrm.from_settings(store_settings)
    store.record_crm("+31622222222", "Fatima", crm(81, "HOT", "car:volkswagen", "lead:hot"), T0)
    store.close()
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=store_settings.database_url)
    print_leads(settings, as_json=False)
    table = capsys.readouterr().out
    assert "Fatima" in table and "heet" in table and "car:volkswagen" in table and "lead:hot" not in table
    print_leads(settings, as_json=True)
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["phone"] == "+31622222222" and rows[0]["score"] == 81
