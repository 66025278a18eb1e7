"""Issue 17, session health: session.status events alert the manager once per outage, set the
gauge, and replies held while the session was down go out in order when it works again (the
stale ones as a short apology version). Real dev server, the WAHA peer, an SMTP peer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY

from activities.session_alert import alert_body, alert_subject
from agents.late_reply import gist, late_version
from integrations.errors import WebhookRejected
from integrations.waha_session import parse_session_status
from tests.peers.smtp import SmtpPeer
from tests.pipeline import eventually, make_settings, pipeline, random_phone
from tests.waha_events import message_event, session_status_event
from workflows.session_health import SessionHealthWorkflow
from workflows.session_models import SessionAlert


def _gauge(session: str) -> float | None:
    return REGISTRY.get_sample_value("seldenrijk_waha_session_up", {"session": session})


def test_session_status_is_parsed_and_checked():
    now = datetime.now(timezone.utc)
    change = parse_session_status(session_status_event("SCAN_QR_CODE", "zaak"), received_at=now, default_session="default")
    assert (change.session, change.status) == ("zaak", "SCAN_QR_CODE") and change.event_id.startswith("evt_")
    bad = session_status_event("BROKEN")
    with pytest.raises(WebhookRejected) as refused:
        parse_session_status(bad, received_at=now, default_session="default")
    assert refused.value.status_code == 422


def test_alert_texts_say_what_to_do():
    at = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)
    down = SessionAlert(kind="down", session="default", status="SCAN_QR_CODE", outage_id="x", down_since=at, at=at)
    assert "QR-code" in alert_body(down) and "SCAN_QR_CODE" in alert_subject(down)
    back = down.model_copy(update={"kind": "back", "status": "WORKING", "at": at + timedelta(minutes=42)})
    assert "42 minuten" in alert_body(back)


def test_the_late_version_is_shorter_and_in_every_language():
    stale = "De Golf Variant staat er nog, € 23.950.\n\n" + "Een lang verhaal over financiering. " * 20
    nl = late_version(stale, "nl", "je")
    assert nl.startswith("Sorry voor de late reactie") and "Golf Variant" in nl and len(nl) < len(stale)
    assert "uw vraag" in late_version(stale, "nl", "u")
    assert late_version(stale, "en", "je").startswith("Sorry for the late reply")
    assert late_version(stale, "de", "je").startswith("Entschuldigung")
    assert len(gist("Zin een. " * 100)) <= 281


async def test_an_outage_alerts_once_and_held_replies_go_out_in_order(temporal_env, task_queue, tmp_path, database_url):
    phone = random_phone()
    session = f"s{task_queue[-6:]}"
    with SmtpPeer() as smtp:
        settings = make_settings(  # the session alert's ledger on both store backends
            tmp_path, task_queue, smtp_host=smtp.host, smtp_port=smtp.port, smtp_starttls=False,
            waha_session=session, escalation_email_manager="baas@seldenrijk.nl", stale_reply_minutes=60,
            database_url=database_url,
        )
        async with pipeline(temporal_env.client, settings) as p:
            failed = session_status_event("FAILED", session)
            answer = await p.post(failed)
            assert answer.status_code == 200 and answer.json()["session_status"] == "FAILED"
            assert _gauge(session) == 0
            await p.post(failed)  # WAHA redelivers
            await p.post(session_status_event("SCAN_QR_CODE", session))  # still the same outage
            mails = await smtp.wait_for(1, timeout=60)
            assert mails[0].rcpt_tos == ["baas@seldenrijk.nl"] and "FAILED" in mails[0].subject

            p.waha.session_status = "FAILED"
            await p.post(message_event(phone, "Hoi, staat de Golf nog?"))
            await p.wait_until(phone, lambda s: s.held_for_session >= 1, timeout=60)
            await p.post(message_event(phone, "En wat kost hij per maand?"))
            health = p.client.get_workflow_handle(f"waha-session-{session}")
            await eventually(lambda: _waiting(health), timeout=60)
            assert p.waha.texts_for(f"{phone}@c.us") == []

            p.waha.session_status = "WORKING"
            await p.post(session_status_event("WORKING", session))
            assert _gauge(session) == 1
            sent = await p.waha.wait_for(2, f"{phone}@c.us", timeout=60)
            assert len(sent) == 2
            first, second = (item["text"] for item in sent)
            assert "Golf" in first and "Sorry voor de late reactie" not in first  # fresh enough: the answer itself
            assert "maand" in second.lower() or "€" in second
            snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 2, timeout=60)
            assert snapshot.stale_replies_replaced == 0
            mails = await smtp.wait_for(2, timeout=60)
            assert len(mails) == 2 and "werkt weer" in mails[1].subject
            state = await health.query(SessionHealthWorkflow.state)
            assert state.outages == 1 and state.outage_id is None and state.waiting == []
            assert len(p.waha.sent) == 2  # nothing twice


async def _waiting(handle) -> bool:
    state = await handle.query(SessionHealthWorkflow.state)
    return bool(state.waiting)


async def test_a_reply_held_too_long_goes_out_as_the_short_apology(temporal_env, task_queue, tmp_path):
    phone = random_phone()
    session = f"s{task_queue[-6:]}"
    settings = make_settings(tmp_path, task_queue, waha_session=session, stale_reply_minutes=0.01)  # 0.6 s
    async with pipeline(temporal_env.client, settings) as p:
        await p.post(session_status_event("STOPPED", session))
        p.waha.session_status = "STOPPED"
        await p.post(message_event(phone, "Hello, is the Golf still available?"))
        await p.wait_until(phone, lambda s: s.held_for_session >= 1, timeout=60)
        health = p.client.get_workflow_handle(f"waha-session-{session}")
        await eventually(lambda: _waiting(health), timeout=60)
        import asyncio

        await asyncio.sleep(1.0)  # older than STALE_REPLY_MINUTES (0.6 s) before the session returns
        p.waha.session_status = "WORKING"
        await p.post(session_status_event("WORKING", session))
        [sent] = await p.waha.wait_for(1, f"{phone}@c.us", timeout=60)
        assert sent["text"].startswith("Sorry for the late reply")
        snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 1, timeout=60)
        assert snapshot.stale_replies_replaced == 1
        assert p.waha.texts_for(f"{phone}@c.us") == [sent["text"]]


def test_grafana_panel_and_alert_rule_watch_the_session_gauge():
    import json
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent
    dashboard = json.loads((root / "deploy/grafana/dashboards/seldenrijk.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert any("seldenrijk_waha_session_up" in expr for expr in exprs)
    rules = yaml.safe_load((root / "deploy/prometheus-alerts.yml").read_text())
    [rule] = [r for group in rules["groups"] for r in group["rules"] if r["alert"] == "WhatsAppSessionDown"]
    assert "seldenrijk_waha_session_up" in rule["expr"] and rule["labels"]["severity"] == "critical"
    prometheus = yaml.safe_load((root / "deploy/prometheus.yml").read_text())
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert any(m.endswith(f":{prometheus['rule_files'][0]}:ro") and "prometheus-alerts.yml" in m for m in mounts)


def test_only_wahas_session_answer_counts_as_the_session_down():
    from activities.messaging import session_down
    from integrations.errors import IntegrationError

    body = '{"statusCode":422,"session":"default","status":"SCAN_QR_CODE","expected":["WORKING"]}'
    assert session_down(IntegrationError(f"WAHA POST /api/sendText answered 422: {body}", retryable=True, status_code=422))
    assert not session_down(IntegrationError("WAHA answered 500: a job FAILED", retryable=True, status_code=500))
    assert not session_down(IntegrationError("WAHA unreachable", retryable=True))


async def test_without_session_events_the_held_reply_is_retried_on_a_timer(time_env, task_queue, tmp_path):
    """WAHA's webhook not subscribed to session.status: the conversation re-checks every 5 minutes."""
    phone = random_phone()
    async with pipeline(time_env.client, make_settings(tmp_path, task_queue, waha_session=f"n{task_queue[-6:]}")) as p:
        p.waha.session_status = "SCAN_QR_CODE"
        await p.post(message_event(phone, "Wat zijn jullie openingstijden?"))
        await p.wait_until(phone, lambda s: s.held_for_session >= 1, timeout=60)
        await time_env.sleep(timedelta(minutes=6))
        assert p.waha.texts_for(f"{phone}@c.us") == []
        p.waha.session_status = "WORKING"
        await time_env.sleep(timedelta(minutes=6))
        await p.waha.wait_for(1, f"{phone}@c.us", timeout=60)
        snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 1, timeout=60)
        assert snapshot.held_for_session >= 2  # found down, waited, tried again on the timer
        assert len(p.waha.texts_for(f"{phone}@c.us")) == 1  # (the skipped clock may make it the late version)
