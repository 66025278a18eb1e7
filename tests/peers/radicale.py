"""A real CalDAV server for tests: Radicale (PyPI `radicale`) on 127.0.0.1, storage in a temp dir."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import caldav
import httpx

USER = "verkoop"
PASSWORD = "proefrit-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RadicaleServer:
    """`with RadicaleServer(tmp) as server:` → server.calendar_url, an empty calendar collection."""

    def __init__(self, folder: Path, calendar: str = "proefritten"):
        self.folder = Path(folder)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.calendar_url = f"{self.base_url}/{USER}/{calendar}/"
        self._calendar = calendar
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "RadicaleServer":
        users = self.folder / "users"
        self.folder.mkdir(parents=True, exist_ok=True)
        users.write_text(f"{USER}:{PASSWORD}\n")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{self.port}",
             "--storage-filesystem-folder", str(self.folder / "collections"),
             "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(users), "--auth-htpasswd-encryption", "plain",
             "--rights-type", "owner_only", "--logging-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(self.base_url + "/.web/", timeout=1)
                break
            except httpx.HTTPError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"radicale did not start: {self._process.stderr.read().decode()[-500:]}")
                time.sleep(0.1)
        client = caldav.DAVClient(url=self.base_url + "/", username=USER, password=PASSWORD, require_tls=False)
        client.principal().make_calendar(name="Proefritten", cal_id=self._calendar)
        return self

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.calendar_url, username=USER, password=PASSWORD, require_tls=False)

    def events(self) -> list:
        return self.client().calendar(url=self.calendar_url).events()

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
