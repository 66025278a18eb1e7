"""Leave-one-file-out cross-validation of the statistical second opinion (agents/rules/classifier.py).

    .venv/bin/python bench/bench_classifier.py

For each corpus file: train the model on the other files, score (a) the rules alone, (b) the model
alone, (c) the rules with the model as second opinion (the real RulesEngine) on the held-out file.
The rules were tuned on every file, so (a) is optimistic and no fair baseline; the thresholds are
therefore chosen from the model's out-of-fold calibration: the smallest margin above which the model
is right at least CALIBRATED of the time (intent) or never names a wrong escalation (escalation).
"""

from __future__ import annotations

import importlib.util
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
CALIBRATED = 0.95
GRID = [round(0.1 * i, 1) for i in range(0, 21)]


def _scoring():
    spec = importlib.util.spec_from_file_location("bench_understanding", HERE / "bench_understanding.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _escalation_scores(pairs: list[tuple[str | None, str | None]]) -> tuple[float, float]:
    tp = sum(1 for want, got in pairs if want and got == want)
    fn = sum(1 for want, got in pairs if want and got != want)
    fp = sum(1 for want, got in pairs if got and got != want)
    return (tp / (tp + fn) if tp + fn else 1.0), (tp / (tp + fp) if tp + fp else 1.0)


def main() -> None:
    from agents.knowledge.dealer import dealer_facts
    from agents.rules import RulesEngine
    from agents.rules.classifier import NO_ESCALATION, POLICY, MessageClassifier, Policy, corpus_files, load_rows

    scoring = _scoring()
    files = corpus_files()
    out_of_fold: list[tuple[dict, tuple[str, float], tuple[str, float]]] = []
    by_file: dict[Path, list] = {}
    models = {}
    started = time.perf_counter()
    for held_out in files:
        model = MessageClassifier([row for path in files if path != held_out for row in load_rows(path)])
        models[held_out] = model
        by_file[held_out] = [(row, model.intent(row["text"].lower()), model.escalation(row["text"].lower()))
                             for row in load_rows(held_out)]
        out_of_fold += by_file[held_out]
    print(f"trained {len(files)} folds in {time.perf_counter() - started:.1f} s")

    # calibration: accuracy of the model's intent above each margin, out of fold
    print("\nmodel calibration (out of fold)   margin>=  intent acc (n)   escalation wrong-type-or-false (n)")
    intent_threshold = escalation_threshold = None
    for t in GRID:
        hits = [row["intent"] == intent for row, (intent, m), _ in out_of_fold if m >= t]
        flagged = [(row.get("escalation"), kind) for row, _, (kind, m) in out_of_fold if kind != NO_ESCALATION and m >= t]
        wrong = sum(1 for want, got in flagged if want != got)
        acc = sum(hits) / len(hits) if hits else 1.0
        print(f"  {t:4.1f}   {acc:6.1%} ({len(hits):4d})   {wrong:3d} of {len(flagged):4d}")
        if intent_threshold is None and acc >= CALIBRATED:
            intent_threshold = t
        if escalation_threshold is None and flagged and wrong / len(flagged) <= 1 - CALIBRATED:
            escalation_threshold = t
    chosen = Policy(rules_certain=POLICY.rules_certain, intent_margin=intent_threshold or 2.0,
                    misunderstood_margin=max(POLICY.misunderstood_margin, intent_threshold or 2.0),
                    escalation_margin=escalation_threshold or 2.0)
    print(f"\nchosen from CV: {chosen}   (shipped: {POLICY})")

    print(f"\n{'file':26s} {'n':>4s} | {'rules int':>9s} {'rec':>6s} {'prec':>6s} | {'model int':>9s} {'rec':>6s} {'prec':>6s} | "
          f"{'ens int':>8s} {'rec':>6s} {'prec':>6s}")
    rules = RulesEngine(dealer=dealer_facts(), now=lambda: NOW)
    totals = {"rules": [0, 0, 0], "model": [0, 0, 0], "ensemble": [0, 0, 0]}
    for held_out in files:
        rows = load_rows(held_out)
        fold = by_file[held_out]
        model_intent = sum(r["intent"] == i for r, (i, _), _ in fold) / len(rows)
        model_rec, model_prec = _escalation_scores(
            [(r.get("escalation"), None if k == NO_ESCALATION else k) for r, _, (k, _) in fold])
        ensemble = RulesEngine(dealer=dealer_facts(), now=lambda: NOW, model=models[held_out], use_model=True, policy=POLICY)
        a = scoring.evaluate(rows, rules)["scores"]
        c = scoring.evaluate(rows, ensemble)["scores"]
        print(f"{held_out.name:26s} {len(rows):4d} | {a['intent']:9.1%} {a['escalation_recall']:6.1%} {a['escalation_precision']:6.1%} | "
              f"{model_intent:9.1%} {model_rec:6.1%} {model_prec:6.1%} | "
              f"{c['intent']:8.1%} {c['escalation_recall']:6.1%} {c['escalation_precision']:6.1%}")
        for name, (i, rec, prec) in (("rules", (a["intent"], a["escalation_recall"], a["escalation_precision"])),
                                      ("model", (model_intent, model_rec, model_prec)),
                                      ("ensemble", (c["intent"], c["escalation_recall"], c["escalation_precision"]))):
            totals[name][0] += i * len(rows)
            totals[name][1] += rec * len(rows)
            totals[name][2] += prec * len(rows)
    n = len(out_of_fold)
    print("weighted mean              " + " | ".join(
        f"{t[0] / n:9.1%} {t[1] / n:6.1%} {t[2] / n:6.1%}" for t in totals.values()))


if __name__ == "__main__":
    main()
