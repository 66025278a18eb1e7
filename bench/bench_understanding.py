"""Accuracy and speed of the rules engine on the labelled messages.

    .venv/bin/python bench/bench_understanding.py [path/to/labelled.jsonl]

Prints accuracy per field (intent, escalation recall/precision, make, model, fuel type,
max price exact match), the misses, and analyses per second.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "agents" / "rules" / "corpus" / "labelled_messages.jsonl"
FIELDS = ("make", "model", "fuel_type", "max_price")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(records: list[dict], engine) -> dict:
    """Scores of `engine.understand` on labelled records; also lists the misses."""
    hits = {"intent": 0, **{field: 0 for field in FIELDS}}
    true_pos = false_pos = false_neg = 0
    misses: list[str] = []
    for record in records:
        u = engine.understand(record["text"])
        prefs = u.extraction.car_preferences
        got = {"intent": u.router.intent, **{field: getattr(prefs, field) for field in FIELDS}}
        for field in hits:
            if got[field] == record.get(field):
                hits[field] += 1
            else:
                misses.append(f"{field}: {record['text']!r} expected {record.get(field)!r} got {got[field]!r}")
        decision = u.expertise.escalation_decision
        expected = record.get("escalation")
        actual = decision.escalation_type if decision.escalate else None
        if expected and actual == expected:
            true_pos += 1
        elif expected:
            false_neg += 1
            misses.append(f"escalation: {record['text']!r} expected {expected} got {actual}")
        if actual and actual != expected:
            false_pos += 1
            if not expected:
                misses.append(f"escalation: {record['text']!r} expected none got {actual}")
    total = len(records)
    scores = {field: hits[field] / total for field in hits}
    scores["escalation_recall"] = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    scores["escalation_precision"] = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    return {"total": total, "scores": scores, "misses": misses}


def main() -> None:
    from agents.knowledge.dealer import dealer_facts
    from agents.rules import RulesEngine

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    records = load(path)
    now = lambda: datetime(2026, 11, 24, 12, tzinfo=timezone.utc)  # noqa: E731
    engine = RulesEngine(dealer=dealer_facts(), now=now)
    result = evaluate(records, engine)
    print(f"{result['total']} labelled messages from {path}")
    for field, value in result["scores"].items():
        print(f"  {field:22s} {value:6.1%}")
    for miss in result["misses"]:
        print("  miss:", miss)
    rounds = 5
    count = rounds * len(records)
    rules_only = RulesEngine(dealer=dealer_facts(), use_model=False, now=now)
    for label, measured in (("floor: rules alone", rules_only), ("throughput", engine)):
        started = time.perf_counter()
        for round_ in range(rounds):
            for record in records:
                measured.understand(record["text"] + " " * (round_ + 1))  # defeat the parse cache
        elapsed = time.perf_counter() - started
        print(f"  {label:22s} {count / elapsed:,.0f} analyses/s ({elapsed / count * 1000:.3f} ms each)")


if __name__ == "__main__":
    main()
