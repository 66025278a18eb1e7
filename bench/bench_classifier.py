"""How the statistical second opinion (agents/rules/classifier.py) is combined with the rules, measured.

    .venv/bin/python bench/bench_classifier.py

The rules' intent and escalation logic was written against some corpus files; the others (FRESH) came
later and were not (two small rule fixes aside), so they give honest numbers for the rules. Five-fold cross-validation over
the fresh rows: the model trains on every other row (the rules' files too), and both answer the
held-out fifth. A small margin stands between the model alone and the shipped policy: the price of
keeping "not understood" and social turns, which the conversation needs, out of the model's hands.
It prints the rules alone, the model alone, the shipped policy, and the best policies on a grid,
for intent and for escalation. The shipped thresholds in classifier.POLICY come from this table.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import replace
from datetime import datetime, timezone

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
FRESH = ("generated_", *(f"heldout_blind{n}" for n in range(3, 10)))  # written after the rules' intent and escalation logic
FOLDS = 5


def _escalation(pairs: list[tuple[str | None, str | None]]) -> tuple[float, float]:
    tp = sum(1 for want, got in pairs if want and got == want)
    fn = sum(1 for want, got in pairs if want and got != want)
    fp = sum(1 for want, got in pairs if got and got != want)
    return (tp / (tp + fn) if tp + fn else 1.0), (tp / (tp + fp) if tp + fp else 1.0)


def cross_validate() -> list[dict]:
    """Per fresh row: the truth, the rules' answers and the out-of-fold model's answers."""
    from agents.knowledge.dealer import dealer_facts
    from agents.rules import RulesEngine, expertise
    from agents.rules.classifier import MessageClassifier, corpus_files, load_rows
    from agents.rules.engine import _not_understood

    files = corpus_files()
    fresh = [row for path in files if path.name.startswith(FRESH) for row in load_rows(path)]
    tuned = [row for path in files if not path.name.startswith(FRESH) for row in load_rows(path)]
    random.Random(7).shuffle(fresh)
    rules = RulesEngine(dealer=dealer_facts(), now=lambda: NOW, use_model=False)
    records = []
    for fold in range(FOLDS):
        model = MessageClassifier(tuned + [row for i, row in enumerate(fresh) if i % FOLDS != fold])
        for row in fresh[fold::FOLDS]:
            u = rules.understand(row["text"])
            decision = u.expertise.escalation_decision
            text = rules._parse(row["text"]).text
            records.append({
                "truth": row, "intent": u.router.intent, "confidence": u.router.confidence,
                "misunderstood": _not_understood(u.router), "cleared": expertise.cleared(text),
                "escalation": decision.escalation_type if decision.escalate else None,
                "model_intent": model.intent(text), "model_escalation": model.escalation_opinion(text),
            })
    return records


def score(records: list[dict], policy) -> tuple[float, float, float]:
    """Intent accuracy, escalation recall and precision of `policy`, or of "rules" or "model" alone."""
    from agents.rules.classifier import NO_ESCALATION, combine_escalation, combine_intent

    hits, pairs = 0, []
    for r in records:
        model_intent, intent_margin = r["model_intent"]
        opinion = r["model_escalation"]
        if policy == "rules":
            intent, escalation = r["intent"], r["escalation"]
        elif policy == "model":
            intent, escalation = model_intent, (None if opinion.top == NO_ESCALATION else opinion.top)
        else:
            intent = combine_intent(r["intent"], r["confidence"], r["misunderstood"], model_intent, intent_margin, policy)
            escalation = r["escalation"] if r["misunderstood"] and r["escalation"] else combine_escalation(
                r["escalation"], r["cleared"], opinion, policy)
        hits += intent == r["truth"]["intent"]
        pairs.append((r["truth"].get("escalation"), escalation))
    return (hits / len(records), *_escalation(pairs))


def main() -> None:
    from agents.rules.classifier import POLICY

    started = time.perf_counter()
    records = cross_validate()
    print(f"{len(records)} fresh rows, {FOLDS}-fold, {time.perf_counter() - started:.1f} s\n")
    print(f"{'':14s} {'intent':>7s} {'recall':>7s} {'precision':>9s}")
    for name, policy in (("rules alone", "rules"), ("model alone", "model"), ("shipped", POLICY)):
        i, rec, prec = score(records, policy)
        print(f"{name:14s} {i:7.1%} {rec:7.1%} {prec:9.1%}")
    print(f"shipped: {POLICY}")

    print("\nintent policies (best 8):")
    grid = [replace(POLICY, rules_certain=c, intent_margin=m, misunderstood_margin=u, social_margin=s)
            for c, m, u, s in itertools.product((0.9, 0.95, 1.0), (0.0, 0.25, 0.5), (0.0, 0.25, 0.5), (0.0, 0.5, 99.0))]
    for i, policy in sorted(((score(records, p)[0], p) for p in grid), key=lambda x: x[0])[-8:]:
        print(f"  {i:6.1%}  rules_certain={policy.rules_certain} intent_margin={policy.intent_margin} "
              f"misunderstood_margin={policy.misunderstood_margin} social_margin={policy.social_margin}")
    print("\nescalation policies (recall, precision):")
    for n, t, c in itertools.product((0.0, 0.1, 0.2, 0.3, 0.4), (0.25, 0.5, 99.0), (0.5, 1.0, 99.0)):
        _, rec, prec = score(records, replace(POLICY, none_lead=n, retype_margin=t, cleared_lead=c))
        print(f"  none_lead={n:<4} retype_margin={t:<5} cleared_lead={c:<5} {rec:7.1%} {prec:7.1%}")


if __name__ == "__main__":
    main()
