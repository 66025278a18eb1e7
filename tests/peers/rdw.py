"""A local RDW open-data peer: Socrata JSON as opendata.rdw.nl serves it (tests/data/rdw/).

GET /resource/m9d7-ebf2.json?kenteken=... and /resource/8ys7-d773.json?kenteken=...: a JSON array,
every value a string, `[]` for an unknown plate. `fail_next(n, status)` answers the next n requests
with an error (RDW having a bad moment); `requests` records every plate asked for.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.peers.http_peer import ThreadedServer

DATA = Path(__file__).resolve().parents[1] / "data" / "rdw"
DATASETS = {"m9d7-ebf2": "vehicles.json", "8ys7-d773": "fuels.json"}


class RdwPeer:
    def __init__(self):
        self.rows = {name: json.loads((DATA / file).read_text()) for name, file in DATASETS.items()}
        self.requests: list[tuple[str, str]] = []  # (dataset, kenteken)
        self.violations: list[str] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/resource/{dataset}.json", self._resource, methods=["GET"])])
        self.server = ThreadedServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def recover(self) -> None:
        """RDW is fine again: drop the failures still queued."""
        with self._lock:
            self._failures.clear()

    def plates_asked(self) -> list[str]:
        return [plate for _, plate in self.requests]

    async def _resource(self, request: Request):
        dataset = request.path_params["dataset"]
        plate = request.query_params.get("kenteken", "")
        with self._lock:
            self.requests.append((dataset, plate))
            if dataset not in self.rows:
                return JSONResponse({"error": True, "message": f"dataset {dataset} not found"}, status_code=404)
            if not re.fullmatch(r"[A-Z0-9]{6}", plate):
                # RDW stores plates without dashes, in capitals: anything else finds nothing
                self.violations.append(f"kenteken {plate!r} is not 6 capitals/digits without dashes")
            if self._failures:
                status = self._failures.pop(0)
                return JSONResponse({"error": True, "message": "Internal error"}, status_code=status)
        return JSONResponse([row for row in self.rows[dataset] if row.get("kenteken") == plate])

    def __enter__(self) -> "RdwPeer":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()
