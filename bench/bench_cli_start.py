"""Start-up of the staff commands: `python bench/bench_cli_start.py [--runs N]`.

Times one query end to end as a salesperson runs it (process start, imports, the rules engine's
second opinion, the answer): `seldenrijk analyze` with one line on stdin and
`seldenrijk inventory search`. Each runs with the model cache warm (the normal case) and once cold
(no cache: the model is trained, as every start did before the cache). The floor is a bare
`python -c pass` in the same run. Target: one query within 1.5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET_SECONDS = 1.5


CPU_SECONDS: dict[str, list[float]] = {}


def timed(command: list[str], stdin: str | None = None, name: str = "") -> float:
    """Wall-clock seconds; the child's CPU seconds (user + sys) are kept too: on a machine shared with
    other work they show what the command itself costs, whatever the queue for the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU_SECONDS.setdefault(name, []).append(cpu)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    seldenrijk = [str(BIN / "seldenrijk"), "--data-dir", str(data_dir)]
    commands = {
        "floor: python -c pass": ([sys.executable, "-c", "pass"], None),
        "seldenrijk analyze (1 line)": ([*seldenrijk, "analyze"], "staat die golf diesel tot 25k nog?\n"),
        "seldenrijk inventory search": ([*seldenrijk, "inventory", "search", "golf diesel tot 25k"], None),
    }
    try:
        cold = {}
        for name, (command, stdin) in list(commands.items())[1:]:
            shutil.rmtree(data_dir / "cache", ignore_errors=True)
            cold[name] = timed(command, stdin, "cold " + name)  # trains the model and writes the cache
        print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
        print(f"{'command':<32} {'median':>8} {'best':>8} {'CPU':>8}  (warm cache, {args.runs} runs)   cold (no cache)")
        for name, (command, stdin) in commands.items():
            times = [timed(command, stdin, name) for _ in range(args.runs)]
            cpu = statistics.median(CPU_SECONDS[name][-args.runs:])
            verdict = "" if name.startswith("floor") else ("  met" if statistics.median(times) <= TARGET_SECONDS else "  NOT MET")
            cold_text = f"{cold[name]:8.2f} s" if name in cold else ""
            print(f"{name:<32} {statistics.median(times):6.2f} s {min(times):6.2f} s {cpu:6.2f} s{verdict:<10} {cold_text}")
        print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        print(f"target: one query within {TARGET_SECONDS} s (wall clock; CPU is user + sys of the command)")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
