"""`seldenrijk run` as a user runs it: one command, a reply in the outbox, one Ctrl-C stops all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.peers.http_peer import free_port
from tests.waha_events import message_event

SELDENRIJK = Path(sys.executable).parent / "seldenrijk"


def _wait_for(url: str, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _outbox_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_run_starts_everything_replies_and_stops_cleanly(tmp_path):
    port, temporal_port, ui_port = free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WAHA_", "TEMPORAL_"))}
    env["INVENTORY_SOURCES"] = "sample"
    env["MODEL_CACHE_DIR"] = str(Path(__file__).resolve().parent.parent / "var" / "cache")  # shared with the suite
    stack = subprocess.Popen(
        [str(SELDENRIJK), "run", "--port", str(port), "--temporal-port", str(temporal_port),
         "--ui-port", str(ui_port), "--data-dir", str(tmp_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        assert health.json() == {"api": "ok", "temporal": "ok", "intake": {"waiting": 0, "oldest_seconds": None, "refused": 0}}
        assert _wait_for(f"http://127.0.0.1:{ui_port}/", 30).status_code == 200  # the Temporal UI
        assert "<html" in httpx.get(f"http://127.0.0.1:{port}/").text.lower()  # the chat page

        outbox = tmp_path / "outbox" / "whatsapp.jsonl"
        sent_at = time.monotonic()
        response = httpx.post(f"http://127.0.0.1:{port}/webhook/waha", json=message_event("31612340000", "Hoi, staat de Polo nog?"))
        assert response.status_code == 200 and response.json()["status"] == "queued"
        while not _outbox_lines(outbox) and time.monotonic() - sent_at < 30:
            time.sleep(0.05)
        replies = _outbox_lines(outbox)
        assert replies and replies[0]["chatId"] == "31612340000@c.us"
        assert (tmp_path / "temporal.sqlite3").exists()
        # The chat page reads every conversation: without --host the API listens on this machine only.
        listening = {c.laddr.ip for c in psutil.Process(stack.pid).net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        assert listening == {"127.0.0.1"}

        children = psutil.Process(stack.pid).children(recursive=True)
        assert any("temporal" in " ".join(child.cmdline()) for child in children)
    finally:
        stack.send_signal(signal.SIGINT)
        output, _ = stack.communicate(timeout=60)
    assert stack.returncode in (0, 130), output
    assert "Stopped." in output
    assert f"http://localhost:{port}/" in output and f"http://localhost:{ui_port}" in output
    time.sleep(0.5)
    assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]


def _worker_children(pid: int) -> list[psutil.Process]:
    return [child for child in psutil.Process(pid).children(recursive=True)
            if "starter.cli worker" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE]


def test_run_supervises_the_worker_as_its_own_process_and_logs_no_request_lines(tmp_path):
    """The worker runs beside the API (not on its event loop) as two processes, one for the workflows
    and one for the activities; each is restarted when it dies and stops with the stack; a reply
    through WAHA (an HTTP request) leaves no INFO line per request."""
    from tests.peers.waha import WahaPeer

    waha = WahaPeer()
    waha.server.start()
    port, temporal_port, ui_port = free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WAHA_", "TEMPORAL_", "LOG_"))}
    env.update(INVENTORY_SOURCES="sample", WAHA_URL=waha.url, WAHA_API_KEY="test-waha-key",
               MODEL_CACHE_DIR=str(Path(__file__).resolve().parent.parent / "var" / "cache"))
    stack = subprocess.Popen(
        [str(SELDENRIJK), "run", "--port", str(port), "--temporal-port", str(temporal_port),
         "--ui-port", str(ui_port), "--data-dir", str(tmp_path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    api = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{api}/healthz", 60)
        workers = _worker_children(stack.pid)
        assert sorted(worker.cmdline()[-1] for worker in workers) == ["activities", "workflows"]
        assert all(worker.ppid() == stack.pid for worker in workers)  # children of `seldenrijk run`

        assert httpx.post(f"{api}/webhook/waha", json=message_event("31612340001", "Hebben jullie een Golf?")).status_code == 200
        deadline = time.monotonic() + 60
        while not waha.sent and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [item["chatId"] for item in waha.sent] == ["31612340001@c.us"]

        for worker in workers:  # a crash of each: the stack starts it again, and nothing is lost
            worker.kill()
            worker.wait(10)
        deadline = time.monotonic() + 30
        while len(_worker_children(stack.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        restarted = _worker_children(stack.pid)
        assert len(restarted) == 2 and not {w.pid for w in restarted} & {w.pid for w in workers}
        assert httpx.post(f"{api}/webhook/waha", json=message_event("31612340001", "Wat kost hij per maand?")).status_code == 200
        deadline = time.monotonic() + 60
        while len(waha.sent) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(waha.sent) == 2
        children = psutil.Process(stack.pid).children(recursive=True)
    finally:
        stack.send_signal(signal.SIGINT)
        output, _ = stack.communicate(timeout=60)
        waha.server.stop()
    assert stack.returncode in (0, 130), output
    assert "Stopped." in output and "restarting" in output
    assert "worker polling task queue" in output  # the worker's own lines reach the same terminal
    assert "HTTP Request" not in output and '"logger": "httpx"' not in output, output
    time.sleep(0.5)
    assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]


def test_run_with_one_worker_process_answers_from_it(tmp_path):
    """`--worker-processes 1` (a comparison topology): one worker child does workflows and activities."""
    port, temporal_port, ui_port = free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WAHA_", "TEMPORAL_"))}
    env.update(INVENTORY_SOURCES="sample", MODEL_CACHE_DIR=str(Path(__file__).resolve().parent.parent / "var" / "cache"))
    stack = subprocess.Popen(
        [str(SELDENRIJK), "run", "--port", str(port), "--temporal-port", str(temporal_port),
         "--ui-port", str(ui_port), "--data-dir", str(tmp_path), "--worker-processes", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        workers = _worker_children(stack.pid)
        assert [worker.cmdline()[-1] for worker in workers] == ["all"]
        outbox = tmp_path / "outbox" / "whatsapp.jsonl"
        httpx.post(f"http://127.0.0.1:{port}/webhook/waha", json=message_event("31612340002", "Staat de Polo nog?"))
        deadline = time.monotonic() + 60
        while not _outbox_lines(outbox) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [line["chatId"] for line in _outbox_lines(outbox)] == ["31612340002@c.us"]
    finally:
        stack.send_signal(signal.SIGINT)
        output, _ = stack.communicate(timeout=60)
    assert stack.returncode in (0, 130), output
    assert f"all pid {workers[0].pid}" in output
