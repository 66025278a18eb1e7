"""The personal-data stores behind `privacy export|forget`, each on its real files (no Temporal needed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from config import Settings
from integrations import personal_data
from integrations.testdrive_store import Booking, SqliteTestDriveStore

NOW = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)


def _booking(booking_id: str, phone: str, hour: int) -> Booking:
    return Booking(booking_id=booking_id, car_id=f"car-{hour}", car_title="Volkswagen Golf", start=NOW + timedelta(hours=hour),
                   end=NOW + timedelta(hours=hour, minutes=45), customer_phone=phone, customer_name="Els",
                   chat_id=phone.lstrip("+") + "@c.us", created_at=NOW, updated_at=NOW)


async def test_outboxes_bookings_and_audit(tmp_path, database_url):
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=database_url)
    outbox = tmp_path / "outbox"
    (outbox / "email").mkdir(parents=True)
    lines = [
        {"chatId": "31655501234@c.us", "text": "Hoi Els, de Golf staat er nog"},
        {"chatId": "31699999999@c.us", "text": "🚨 ESCALATIE\nKlant: Els (+31 6 5550 1234)"},  # a staff alert naming her
        {"chatId": "31677700000@c.us", "text": "Hoi Piet"},
    ]
    (outbox / "whatsapp.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (outbox / "email" / "a.eml").write_text("Telefoon: +31 6 5550 1234\nWhatsApp: https://wa.me/31655501234")
    (outbox / "email" / "b.eml").write_text("Telefoon: +31 6 7770 0000")
    store = SqliteTestDriveStore.from_settings(settings)
    assert store.hold(_booking("testdrive-aaaa", "+31655501234", 1), 2)
    assert store.hold(_booking("testdrive-bbbb", "+31677700000", 3), 2)
    store.close()

    exported = await personal_data.export_stores("+31655501234", settings)
    assert [line["text"] for line in exported["whatsapp_outbox"]] == [lines[0]["text"], lines[1]["text"]]
    assert [mail["file"] for mail in exported["email_outbox"]] == ["a.eml"]
    assert [booking["booking_id"] for booking in exported["test_drives"]] == ["testdrive-aaaa"]
    assert personal_data.related_workflow_ids("+31655501234", settings) == ["testdrive-aaaa"]
    assert "chatwoot" not in exported  # not configured here

    report = personal_data.new_report("+31655501234", settings)
    await personal_data.forget_stores("+31655501234", settings, report)
    assert report.deleted["whatsapp_outbox"] == 2 and report.deleted["email_outbox"] == 1 and report.deleted["test_drives"] == 1
    assert [json.loads(line)["text"] for line in (outbox / "whatsapp.jsonl").read_text().splitlines()] == ["Hoi Piet"]
    assert [path.name for path in (outbox / "email").iterdir()] == ["b.eml"]
    store = SqliteTestDriveStore.from_settings(settings)
    assert store.get("testdrive-aaaa") is None and store.get("testdrive-bbbb") is not None
    store.close()
    # the same phone hashes the same way (one key per installation), another one differently
    assert report.phone_hash == personal_data.phone_hash("31655501234@c.us", settings)
    assert report.phone_hash != personal_data.phone_hash("+31677700000", settings)
    assert "31655501234" not in report.model_dump_json() and "5550" not in report.model_dump_json().replace(report.phone_hash, "")


def test_a_new_store_registers_itself(tmp_path):
    class Bookings:
        name = "extra"

        def __init__(self, settings):
            self.settings = settings

    personal_data.register_store("extra", Bookings)
    try:
        names = [store.name for store in personal_data.stores(Settings(_env_file=None, data_dir=tmp_path))]
        assert "extra" in names and "local_crm" in names and "test_drives" in names
    finally:
        personal_data._FACTORIES.pop("extra")


async def test_crm_ledger_and_audit_on_both_backends(tmp_path, database_url):
    """Export and forget reach the CRM record and the sent ledger wherever they live; with PostgreSQL
    another host (its own DATA_DIR) finds and forgets what the first one wrote, with the same hash."""
    from integrations.local_crm import LocalCrm
    from integrations.sent_ledger import SentLedger

    writer = Settings(_env_file=None, data_dir=tmp_path / "host-a", database_url=database_url)
    crm = LocalCrm.from_settings(writer)
    crm.record_message("+31655501234", "Els", "customer", "staat de Golf er nog?", "m1", NOW)
    crm.record_message("+31677700000", "Piet", "customer", "hoi", "m2", NOW)
    crm.close()
    ledger = SentLedger.from_settings(writer)
    ledger.record("conversation-31655501234:m1", "true_31655501234@c.us_A1")
    ledger.record("conversation-31677700000:m2", "true_31677700000@c.us_B1")
    ledger.close()
    from integrations.lid_store import LidStore

    lids = LidStore.from_settings(writer)
    lids.remember("123456789012345@lid", "31655501234@c.us", 1.0)
    lids.remember("999999999999999@lid", "31677700000@c.us", 1.0)
    lids.close()
    from integrations.intake_store import IntakeStore

    intake = IntakeStore.from_settings(writer)  # accepted while Temporal was down, not delivered yet
    intake.add("31655501234@c.us", "+31655501234", "Els", "new_message", '{"text": "en de Polo?"}')
    intake.add("31677700000@c.us", "+31677700000", "Piet", "new_message", '{"text": "hallo"}')
    intake.close()

    other = Settings(_env_file=None, data_dir=tmp_path / "host-b", database_url=database_url)
    host = other if database_url else writer  # SQLite: the data lives on the host that wrote it
    exported = await personal_data.export_stores("+31655501234", host)
    assert [line["text"] for line in exported["local_crm"]["transcript"]] == ["staat de Golf er nog?"]
    assert [row["reply_id"] for row in exported["sent_ledger"]] == ["conversation-31655501234:m1"]
    assert [row["lid"] for row in exported["whatsapp_lids"]] == ["123456789012345@lid"]
    assert [row["payload"] for row in exported["webhook_intake"]] == ['{"text": "en de Polo?"}']

    report = personal_data.new_report("+31655501234", host)
    await personal_data.forget_stores("+31655501234", host, report)
    personal_data.write_audit(report, host)
    assert report.deleted["local_crm"] == 2 and report.deleted["sent_ledger"] == 1  # transcript line + lead
    assert report.deleted["whatsapp_lids"] == 1
    assert report.deleted["webhook_intake"] == 1
    again = await personal_data.export_stores("+31655501234", writer)
    assert again["local_crm"]["lead"] is None and again["sent_ledger"] == [] and again["whatsapp_lids"] == []
    assert again["webhook_intake"] == [] and (await personal_data.export_stores("+31677700000", writer))["webhook_intake"]
    assert (await personal_data.export_stores("+31677700000", writer))["sent_ledger"] != []
    [audit] = personal_data.read_audit(writer if database_url else host)
    assert audit["phone_hash"] == report.phone_hash and "31655501234" not in json.dumps(audit)
    if database_url:  # one key for every host
        assert personal_data.phone_hash("+31655501234", writer) == personal_data.phone_hash("+31655501234", other)
