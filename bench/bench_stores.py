"""The stores on both backends: what one send costs the sent ledger, and a snapshot version check.

    .venv/bin/python bench/bench_stores.py [--sends 2000]

One send's ledger work is what `send_once` does: look the reply up, look for an unfinished attempt,
claim the attempt, record the result (4 queries). Measured on SQLite (a WAL file under a temporary
DATA_DIR) and on a throw-away PostgreSQL 127.0.0.1 server (tests/postgres_server.py, fsync off like
the tests; a production server with fsync pays its disk on every commit), from one thread and
from 8 threads at once (several workers sharing one database). The floor is the same loop against
an in-memory SQLite database: the Python cost of the store code itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from integrations.db import SqliteDatabase, close_pools, open_database  # noqa: E402
from integrations.sent_ledger import SentLedger  # noqa: E402
from inventory.store import InventoryStore  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402


def one_send(ledger: SentLedger, key: str) -> None:
    ledger.provider_id(key)
    started = ledger.unfinished_attempt(key)
    ledger.claim_attempt(key, time.time(), started)
    ledger.record(key, f"true_{key}")


def sends_per_second(ledger: SentLedger, sends: int, threads: int, tag: str) -> tuple[float, float]:
    """(sends per second, median milliseconds per send)."""
    keys = [f"conversation-{tag}:{n}" for n in range(sends)]
    timings: list[float] = []

    def run(chunk: list[str]) -> None:
        for key in chunk:
            began = time.perf_counter()
            one_send(ledger, key)
            timings.append(time.perf_counter() - began)

    chunks = [keys[i::threads] for i in range(threads)]
    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, chunks))
    elapsed = time.perf_counter() - began
    return sends / elapsed, statistics.median(timings) * 1000


def version_checks_per_second(store: InventoryStore, count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        store.version()
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=2000)
    args = parser.parse_args()
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            backends = {
                "floor (SQLite in memory)": Settings(_env_file=None, data_dir=Path(tmp) / "memory"),
                "SQLite (WAL file)": Settings(_env_file=None, data_dir=Path(tmp) / "sqlite"),
                "PostgreSQL (127.0.0.1)": Settings(_env_file=None, data_dir=Path(tmp) / "pg",
                                                   database_url=server.new_database("bench")),
            }
            print(f"{'backend':26} {'threads':>7} {'sends/s':>9} {'ms/send (median)':>17} {'version checks/s':>17}")
            for name, settings in backends.items():
                if name.startswith("floor"):
                    ledger = SentLedger(SqliteDatabase(":memory:"))
                    inventory = InventoryStore(SqliteDatabase(":memory:"))
                else:
                    ledger = SentLedger.from_settings(settings)
                    inventory = InventoryStore(open_database(settings, "inventory"))
                checks = f"{version_checks_per_second(inventory, args.sends):.0f}"
                for threads in (1, 8):
                    rate, median = sends_per_second(ledger, args.sends, threads, f"{threads}-{name[:6]}")
                    print(f"{name:26} {threads:>7} {rate:>9.0f} {median:>17.3f} {checks if threads == 1 else '':>17}")
                ledger.close()
                inventory.close()
    finally:
        close_pools()
        server.stop()


if __name__ == "__main__":
    main()
