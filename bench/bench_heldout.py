"""The rules engine on the held-out sets it was not written against.

    .venv/bin/python bench/bench_heldout.py [file.jsonl ...]   # default: heldout_tune, heldout_tune2, heldout_final
    .venv/bin/python bench/bench_heldout.py --misses agents/rules/corpus/heldout_tune.jsonl

Prints, per file, accuracy per field (intent, make, model, fuel type, max price exact match),
escalation recall/precision, the speed per message and, with --misses, every miss.
Scoring is shared with bench_understanding.py so both benches count the same way.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "agents" / "rules" / "corpus"
DEFAULT_FILES = (DATA / "heldout_tune.jsonl", DATA / "heldout_tune2.jsonl", DATA / "heldout_final.jsonl")
NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def _scoring():
    spec = importlib.util.spec_from_file_location("bench_understanding", HERE / "bench_understanding.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_engine():
    from agents.knowledge.dealer import dealer_facts
    from agents.rules import RulesEngine

    return RulesEngine(dealer=dealer_facts(), now=lambda: NOW)


def score_file(path: Path, engine=None) -> dict:
    """`evaluate` from bench_understanding on one JSON-lines file, plus ms per message."""
    scoring = _scoring()
    engine = engine or make_engine()
    records = scoring.load(path)
    result = scoring.evaluate(records, engine)
    started = time.perf_counter()
    for record in records:
        engine.understand(record["text"] + " ")  # a fresh text defeats the parse cache
    result["ms_per_message"] = (time.perf_counter() - started) / len(records) * 1000
    return result


def main(argv: list[str]) -> None:
    show_misses = "--misses" in argv
    files = [Path(arg) for arg in argv if arg != "--misses"] or list(DEFAULT_FILES)
    engine = make_engine()
    for path in files:
        result = score_file(path, engine)
        print(f"{path.name}: {result['total']} messages")
        for field, value in result["scores"].items():
            print(f"  {field:22s} {value:6.1%}")
        print(f"  {'speed':22s} {result['ms_per_message']:.3f} ms/message")
        if show_misses:
            for miss in result["misses"]:
                print("  miss:", miss)


if __name__ == "__main__":
    main(sys.argv[1:])
