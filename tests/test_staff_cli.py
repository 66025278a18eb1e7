"""What a salesperson reads: the inventory search table, the leads and the open escalations, in Dutch."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from agents.models import CRMOutput
from integrations.local_crm import LocalCrm
from starter import escalations_cli
from starter.leads_cli import format_leads
from starter.tables import local_time
from tests.pipeline import make_settings, pipeline, random_phone
from tests.test_operations import _cli
from tests.waha_events import message_event

T0 = datetime(2026, 11, 24, 12, 5, tzinfo=timezone.utc)


def test_inventory_search_prints_a_table_for_a_salesperson(tmp_path):
    result = _cli("inventory", "search", "golf diesel tot 25k", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Gezocht: Volkswagen Golf, diesel, tot € 25.000"
    header = next(line for line in lines if line.startswith("Auto"))
    assert header.split() == ["Auto", "Prijs", "Bouwjaar", "Km-stand", "Brandstof", "Transmissie", "Link"]
    # The shipped sample's only diesel Golf under 25k, every column readable.
    row = next(line for line in lines if line.startswith("Volkswagen Golf"))
    for cell in ("Volkswagen Golf 1.6 TDI Highline", "€ 13.450", "2017", "142.300", "diesel", "handgeschakeld",
                 "https://www.seldenrijk.nl/aanbod-occasions/volkswagen/golf/sample-004"):
        assert cell in row, cell
    assert any("VOORBEELDVOORRAAD" in line for line in lines)  # no sync yet: staff are told
    assert lines[-1] == "1 gevonden"
    assert not result.stdout.lstrip().startswith("{")


def test_inventory_search_json_is_machine_output(tmp_path):
    result = _cli("inventory", "search", "elektrische suv", "--json", "--limit", "2", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["preferences"]["fuel_type"] == "electric" and len(payload["matches"]) == 2
    assert {"id", "url", "price_eur", "year", "mileage_km"} <= set(payload["matches"][0]["car"])


def test_leads_show_dutch_columns_the_car_and_the_last_message(tmp_path):
    crm = LocalCrm(tmp_path)
    crm.record_message("+31622222222", "Fatima", "customer", "Staat de Golf nog?", "m1", T0)
    crm.record_message("+31622222222", "Fatima", "bot", "Ja, die staat er nog.", "m1:reply", T0 + timedelta(minutes=1))
    crm.record_message("+31622222222", "Fatima", "customer", "Top, zaterdag proefrit?", "m2", T0 + timedelta(hours=2))
    crm.record_crm("+31622222222", "Fatima", CRMOutput(
        lead_score=81, lead_quality="HOT", tags=["car:volkswagen", "lead:hot"],
        custom_attributes={"interested_in_make": "Volkswagen", "interested_in_model": "Golf"}), T0)
    crm.record_crm("+31611111111", None, CRMOutput(lead_score=20, lead_quality="COLD"), T0)
    leads = crm.list_leads()
    crm.close()
    assert leads[0].last_message_at == T0 + timedelta(hours=2)  # the customer's, not the bot's
    table = format_leads(leads).splitlines()
    assert table[0].split("  ")[0:2] == ["Score", "Kwaliteit"] and "Laatste bericht" in table[0]
    assert "Interesse" in table[0] and "Telefoon" in table[0] and "Naam" in table[0]
    fatima, cold = table[2], table[3]
    assert "Fatima" in fatima and "heet" in fatima and "Volkswagen Golf" in fatima
    assert "24-11-2026 15:05" in fatima  # 14:05 UTC in Harderwijk
    assert "koud" in cold and " - " in cold

    result = _cli("leads", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Laatste bericht" in result.stdout and "Volkswagen Golf" in result.stdout


async def test_escalations_list_shows_the_car_and_the_last_message(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        await p.post(message_event(phone, "Hebben jullie een Volkswagen Golf diesel?"))
        await p.wait_until(phone, lambda s: s.messages_processed == 1)
        await p.post(message_event(phone, "Ik heb een BKR registratie, kan ik die Golf toch financieren?"))
        state = await p.wait_until(phone, lambda s: s.messages_processed == 2 and s.open_escalation, timeout=30)
        escalation_id = state.open_escalation.escalation_id
        statuses = [s for s in await escalations_cli.list_escalations(p.client) if s.escalation_id == escalation_id]
        facts = await escalations_cli.conversation_facts(p.client, statuses)
    last_customer = max(turn.at for turn in state.context.history if turn.role == "customer")
    assert facts[escalation_id].car_of_interest == "Volkswagen Golf"
    assert facts[escalation_id].last_message_at == last_customer
    table = escalations_cli.format_escalations(statuses, datetime.now(timezone.utc), facts).splitlines()
    assert table[0].split() == ["ID", "Type", "Urgentie", "Klant", "Auto", "Laatste", "bericht", "Open", "sinds",
                                "Status", "SLA"]
    row = next(line for line in table if line.startswith(escalation_id))
    assert "Finance Advisor" in row and "Volkswagen Golf" in row and local_time(last_customer) in row
    assert f"+31 6 •••• {phone[-4:]}" in row  # the customer's number masked
    rows = escalations_cli.escalation_row(statuses[0], datetime.now(timezone.utc), facts[escalation_id])
    assert rows["car_of_interest"] == "Volkswagen Golf" and rows["last_message_at"] == last_customer.isoformat()


async def test_escalation_facts_tolerate_a_conversation_that_is_gone(temporal_env):
    from workflows.models import EscalationInput, EscalationStatus

    status = EscalationStatus.model_construct(
        escalation_id="escalation-x", input=EscalationInput(
            escalation_id="escalation-x", conversation_workflow_id=f"conversation-gone-{random_phone()}",
            chat_id="x@c.us", customer_phone="+31600000000", escalation_type="sales", urgency="low",
            reason="r", question="q", started_at=T0))
    facts = await escalations_cli.conversation_facts(temporal_env.client, [status])
    assert facts["escalation-x"].car_of_interest is None and facts["escalation-x"].last_message_at is None


async def test_escalations_whose_worker_is_gone_do_not_hang_the_list(temporal_env, task_queue):
    """The staff list queries every open escalation at once, each with a short deadline: ones no worker
    answers are left out. (Asked one by one, each such query waits for the server's own deadline.)"""
    import asyncio

    from workflows.models import EscalationInput

    orphans = [f"escalation-orphan-{random_phone()}" for _ in range(3)]
    for orphan in orphans:
        await temporal_env.client.start_workflow(
            "EscalationWorkflow",
            EscalationInput(
                escalation_id=orphan, conversation_workflow_id="conversation-x", chat_id="x@c.us",
                customer_phone="+31600000000", escalation_type="sales", urgency="low", reason="r", question="q",
                started_at=T0,
            ),
            id=orphan,
            task_queue=f"{task_queue}-no-worker",
        )
    try:
        listed = await asyncio.wait_for(escalations_cli.list_escalations(temporal_env.client), timeout=60)
        assert not set(orphans) & {status.escalation_id for status in listed}
    finally:
        for orphan in orphans:
            await temporal_env.client.get_workflow_handle(orphan).terminate("test done")
