"""`make bench`: every benchmark, one after another, each in its own process and stack.

    .venv/bin/python bench/run_all.py [--quick] [--only ack,e2e,throughput,memory,default-stack,history,understanding,blind,escalation,inventory]

The full run takes about 30 minutes on a 2-core machine (the memory benchmark alone sends
20,000 messages, about 14 minutes). --quick runs smaller versions (about 4 minutes) for a smoke check; quote
only full runs. Each benchmark prints its own tables; this prints the machine's load
before and after, since other work on the machine shows up in every figure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness import machine_conditions  # noqa: E402

BLIND_SETS = [str(BENCH.parent / "tests" / "data" / f"blind_eval{n}.jsonl") for n in (10, 11)]  # never used for tuning
FULL = {
    "understanding": ["bench_understanding.py"],
    "blind": ["bench_heldout.py", *BLIND_SETS],
    "escalation": ["bench_escalation_set.py"],
    "inventory": ["bench_inventory_search.py"],
    "ack": ["bench_ack.py"],
    "e2e": ["bench_e2e.py"],
    "throughput": ["bench_throughput.py"],
    "memory": ["bench_memory.py"],
    "default-stack": ["bench_default_stack.py"],
    "history": ["bench_history.py"],
}
QUICK = {
    "understanding": ["bench_understanding.py"],
    "blind": ["bench_heldout.py", *BLIND_SETS],
    "escalation": ["bench_escalation_set.py"],
    "inventory": ["bench_inventory_search.py"],
    "ack": ["bench_ack.py", "--requests", "500"],
    "e2e": ["bench_e2e.py", "--messages", "200"],
    "throughput": ["bench_throughput.py", "--step-seconds", "10", "--rates", "20,30", "--naive-rates", "10,15"],
    "memory": ["bench_memory.py", "--quick"],
    "default-stack": ["bench_default_stack.py", "--quick"],
    "history": ["bench_history.py", "--messages", "10", "--customers", "1"],
}
TIME_LIMIT_SECONDS = {"understanding": 120, "blind": 120, "escalation": 120, "inventory": 120, "ack": 300, "e2e": 300, "throughput": 900, "memory": 1500,
                      "default-stack": 600, "history": 300}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", type=lambda value: value.split(","), default=list(FULL))
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    unknown = set(args.only) - set(plan)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    print(f"machine before: {machine_conditions()}", flush=True)
    failed = []
    for name in args.only:
        script, *options = plan[name]
        print(f"\n=== {name}: {script} {' '.join(options)}".rstrip(), flush=True)
        started = time.monotonic()
        try:
            code = subprocess.run(
                [sys.executable, str(BENCH / script), *options], timeout=TIME_LIMIT_SECONDS[name]
            ).returncode
        except subprocess.TimeoutExpired:
            code = "timed out"
        print(f"=== {name} finished in {time.monotonic() - started:.0f} s (exit {code})", flush=True)
        if code != 0:
            failed.append(name)
    print(f"\nmachine after: {machine_conditions()}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
