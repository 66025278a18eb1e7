"""Escalation on the labelled multi-turn set (tests/data/escalation_set.jsonl): recall and precision.

Each case is a WhatsApp conversation: the customer's turns in order, and whether a person is
needed (and which team). The engine reads the turns one by one with the conversation's memory,
as the workflow does (each turn answered before the next); the case counts as escalated when any
turn escalates, to the team of the first escalation. Recall is over the must-escalate cases,
precision over the cases the engine escalated.

    .venv/bin/python bench/bench_escalation_set.py [FILE] [--rules-only] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents import context as memory  # noqa: E402
from agents.models import ConversationContext, ReplyRequest  # noqa: E402
from agents.rules import RulesEngine  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "escalation_set.jsonl"
START = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)  # a Tuesday morning, the dealer is open


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_escalation(case: dict, engine: RulesEngine) -> str | None:
    """The team of the first turn that escalates, or None."""
    context = ConversationContext()
    now = START
    for turn in case["turns"]:
        now += timedelta(minutes=2)
        context = memory.prepare_context(context, now)
        understanding = engine.understand(turn, context)
        decision = understanding.expertise.escalation_decision
        if decision.escalate:
            return decision.escalation_type
        after = memory.absorb_understanding(context, turn, now, understanding)
        reply = engine.reply_sync(ReplyRequest(text=turn, context=context, router=understanding.router,
                                               extraction=understanding.extraction, expertise=understanding.expertise))
        context = memory.absorb_reply(after, reply.response_text, now + timedelta(seconds=3), [])
    return None


def evaluate(cases: list[dict], engine: RulesEngine) -> dict:
    must = [case for case in cases if case["escalate"]]
    results = {case["id"]: first_escalation(case, engine) for case in cases}
    caught = [case for case in must if results[case["id"]]]
    right_team = [case for case in must if results[case["id"]] == case["team"]]
    escalated = [case for case in cases if results[case["id"]]]
    needless = [case for case in escalated if not case["escalate"]]
    return {
        "cases": len(cases),
        "must_escalate": len(must),
        "escalated": len(escalated),
        "recall": len(caught) / len(must) if must else 1.0,
        "right_team": len(right_team) / len(must) if must else 1.0,
        "precision": (len(escalated) - len(needless)) / len(escalated) if escalated else 1.0,
        "missed": [case["id"] for case in must if not results[case["id"]]],
        "wrong_team": [(case["id"], case["team"], results[case["id"]]) for case in caught if results[case["id"]] != case["team"]],
        "needless": [(case["id"], results[case["id"]]) for case in needless],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--rules-only", action="store_true", help="without the statistical second opinion")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    cases = load(args.path)
    result = evaluate(cases, RulesEngine(use_model=not args.rules_only, now=lambda: START))
    print(f"{args.path.name}: {result['cases']} cases, {result['must_escalate']} must escalate, "
          f"{sum(len(case['turns']) > 1 for case in cases)} with more than one turn")
    print(f"recall    {result['recall']:.1%} ({result['must_escalate'] - len(result['missed'])}/{result['must_escalate']})")
    print(f"right team {result['right_team']:.1%}")
    print(f"precision {result['precision']:.1%} ({result['escalated'] - len(result['needless'])}/{result['escalated']})")
    if args.show_errors:
        by_id = {case["id"]: case for case in cases}
        for case_id in result["missed"]:
            print("MISSED  ", case_id, by_id[case_id]["team"], "|", by_id[case_id]["turns"][-1][:100])
        for case_id, wanted, got in result["wrong_team"]:
            print("TEAM    ", case_id, wanted, "->", got, "|", by_id[case_id]["turns"][-1][:100])
        for case_id, got in result["needless"]:
            print("NEEDLESS", case_id, got, "|", " // ".join(by_id[case_id]["turns"])[:140])
    return 0


if __name__ == "__main__":
    sys.exit(main())
