"""`seldenrijk db import-sqlite`: a host that ran on SQLite moves its stores into PostgreSQL (a real server)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from agents.models import CRMOutput, ScoreFactor
from config import Settings
from integrations.lid_store import LidStore
from integrations.local_crm import LocalCrm
from integrations.sent_ledger import SentLedger
from integrations.testdrive_store import Booking, SqlTestDriveStore
from inventory.catalog import InventoryCatalog
from starter import cli
from tests.test_inventory_store import cars, scrape

T0 = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)


def test_import_copies_every_store_once_and_new_rows_follow(tmp_path, postgres, monkeypatch, capsys):
    old = Settings(_env_file=None, data_dir=tmp_path, inventory_sources=["website"])
    crm = LocalCrm.from_settings(old)
    crm.record_message("+31611112222", "Els", "customer", "staat de Golf er nog?", "m1", T0)
    crm.record_crm("+31611112222", "Els", CRMOutput(lead_score=70, lead_quality="WARM", tags=["car:volkswagen"],
                                                    score_factors=[ScoreFactor(name="x", points=70)]), T0)
    crm.close()
    ledger = SentLedger.from_settings(old)
    ledger.record("conversation-31611112222:m1", "true_31611112222@c.us_A")
    ledger.close()
    bookings = SqlTestDriveStore.from_settings(old)
    bookings.hold(Booking(booking_id="testdrive-1", car_id="web-1", car_title="Golf", start=T0 + timedelta(days=2),
                          end=T0 + timedelta(days=2, minutes=45), customer_phone="+31611112222", chat_id="x",
                          created_at=T0, updated_at=T0), at_once=2)
    bookings.close()
    InventoryCatalog(old).store.commit(scrape(cars(1, 2), T0))
    LidStore.from_settings(old).remember("555@lid", "31611112222@c.us", 1.0)

    url = postgres.new_database("import")
    monkeypatch.setenv("DATABASE_URL", url)
    for _ in range(2):  # a second run copies nothing twice
        assert cli.main(["db", "import-sqlite", "--data-dir", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "transcript            1 rijen gekopieerd" in output and "transcript            0 rijen gekopieerd" in output

    new = Settings(_env_file=None, data_dir=tmp_path / "elsewhere", inventory_sources=["website"], database_url=url)
    crm = LocalCrm.from_settings(new)
    assert [line.text for line in crm.transcript("+31611112222")] == ["staat de Golf er nog?"]
    crm.record_message("+31611112222", None, "bot", "Ja, hij staat er nog.", "m1:reply", T0 + timedelta(seconds=5))
    assert [line.role for line in crm.transcript("+31611112222")] == ["customer", "bot"]  # ids continue after the copy
    assert crm.list_leads()[0].quality == "WARM"
    crm.close()
    assert SentLedger.from_settings(new).provider_id("conversation-31611112222:m1") == "true_31611112222@c.us_A"
    assert SqlTestDriveStore.from_settings(new).get("testdrive-1").car_id == "web-1"
    assert sorted(car.id for car in InventoryCatalog(new).index().cars) == ["web-1", "web-2"]
    assert LidStore.from_settings(new).lookup("555@lid")[0] == "31611112222@c.us"


def test_import_needs_a_database_url(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    try:
        cli.main(["db", "import-sqlite", "--data-dir", str(tmp_path)])
    except SystemExit as stop:
        assert "DATABASE_URL" in str(stop.code)
    else:
        raise AssertionError("expected a refusal without DATABASE_URL")
