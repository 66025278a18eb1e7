"""A statistical second opinion for the rules: intent and escalation learnt from our labelled corpus."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

CORPUS = Path(__file__).parent / "corpus"
NO_ESCALATION = "none"


def corpus_files(directory: Path = CORPUS) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_corpus(directory: Path = CORPUS) -> list[dict]:
    return [row for path in corpus_files(directory) for row in load_rows(path)]


@dataclass(frozen=True)
class EscalationOpinion:
    top: str  # the likeliest label: a team or NO_ESCALATION
    margin: float  # its lead over the runner-up
    team: str  # the likeliest team
    lead: float  # that team's score minus NO_ESCALATION's: below zero the model itself would not escalate


class MessageClassifier:
    def __init__(self, rows: list[dict]):
        texts = [row["text"] for row in rows]
        self._vectorizers = [
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        ]
        matrix = FeatureUnion([(str(i), v) for i, v in enumerate(self._vectorizers)]).fit_transform(texts)
        self._intent = LinearSVC(C=0.5, class_weight="balanced").fit(matrix, [row["intent"] for row in rows])
        self._escalation = LinearSVC(C=0.5, class_weight="balanced").fit(matrix, [row.get("escalation") or NO_ESCALATION for row in rows])
        # The same features as sklearn's transform, computed directly: its per-call validation
        # costs ~1 ms, ten times the arithmetic.
        self._analyzers = [v.build_analyzer() for v in self._vectorizers]
        offsets = np.cumsum([0] + [len(v.vocabulary_) for v in self._vectorizers])
        self._lookups = [
            {term: int(index) + int(offset) for term, index in v.vocabulary_.items()}
            for v, offset in zip(self._vectorizers, offsets)
        ]
        self._idf = np.concatenate([v.idf_ for v in self._vectorizers])

    @lru_cache(maxsize=256)  # router and expertise ask about the same message
    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        all_indices, all_values = [], []
        for analyzer, lookup in zip(self._analyzers, self._lookups):
            counts: dict[int, int] = {}
            for term in analyzer(text):
                index = lookup.get(term)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts, dtype=np.int64, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self._idf[indices]
            all_indices.append(indices)
            all_values.append(values / np.linalg.norm(values))
        if not all_indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_indices), np.concatenate(all_values)

    def _scores(self, model: LinearSVC, text: str) -> np.ndarray:
        indices, values = self._features(text)
        scores = model.coef_[:, indices] @ values + model.intercept_
        if len(model.classes_) == 2:  # a binary model has one score: positive means the second class
            scores = np.array([-scores[0], scores[0]])
        return scores

    def _best(self, model: LinearSVC, text: str) -> tuple[str, float]:
        scores = self._scores(model, text)
        order = np.argsort(scores)
        return str(model.classes_[order[-1]]), float(scores[order[-1]] - scores[order[-2]])

    def intent(self, text: str) -> tuple[str, float]:
        """The most likely intent and its margin over the runner-up."""
        return self._best(self._intent, text)

    def escalation(self, text: str) -> tuple[str, float]:
        """An escalation type, or "none", with its margin."""
        return self._best(self._escalation, text)

    def escalation_opinion(self, text: str) -> EscalationOpinion:
        """The likeliest label, and the likeliest team with its distance to "none"."""
        top, margin = self.escalation(text)
        scores = dict(zip(self._escalation.classes_, self._scores(self._escalation, text)))
        none = scores.pop(NO_ESCALATION, 0.0)
        team = max(scores, key=scores.get)
        return EscalationOpinion(top=top, margin=margin, team=str(team), lead=float(scores[team] - none))


@lru_cache(maxsize=1)
def classifier() -> MessageClassifier:
    """Trained once per process from the packaged corpus (about 3 s; the worker does it before it starts)."""
    return MessageClassifier(load_corpus())


# --- how the second opinion is combined with the rules ---------------------------------------
# Thresholds chosen by five-fold cross-validation over the corpus files written after the rules' intent and
# escalation logic (bench/bench_classifier.py), never on one file. Out of sample the model beats the rules on intent at
# every rules confidence, so it decides intent wherever the two disagree and it is clearly surer, and
# surer still to make a request of what the rules call a social turn.
@dataclass(frozen=True)
class Policy:
    rules_certain: float = 1.0  # router confidence at which the rules' intent stands (1.0: never, it caps at 0.95)
    intent_margin: float = 0.25  # model margin needed to replace the rules' intent (below it both are often wrong)
    misunderstood_margin: float = 0.25  # model margin needed to give a not-understood message an intent
    social_margin: float = 0.5  # model margin needed to turn what the rules call social into a request
    none_lead: float = 0.2  # how far "no escalation" must lead the likeliest team to let a message pass:
    #                         a missed escalation costs more than a needless one
    cleared_lead: float = 1.0  # how far a team must lead "no escalation" in a message the rules cleared
    retype_margin: float = 0.5  # model margin needed to send a rules escalation to another team


POLICY = Policy()
SOCIAL = ("greeting",)


def combine_intent(rules_intent: str, rules_confidence: float, misunderstood: bool,
                   model_intent: str, margin: float, policy: Policy = POLICY) -> str:
    """The rules' intent where they are certain; otherwise the model's when it is clearly surer."""
    if model_intent == rules_intent or rules_confidence >= policy.rules_certain:
        return rules_intent
    if misunderstood:  # gibberish stays not-understood, so "twice not understood" still reaches sales
        return model_intent if margin >= policy.misunderstood_margin else rules_intent
    if rules_intent in SOCIAL:  # "prima, tot zaterdag", "👌" stay social; "bedankt! kan iemand me bellen?" does not
        return model_intent if margin >= policy.social_margin else rules_intent
    return model_intent if margin >= policy.intent_margin else rules_intent


def combine_escalation(rules_type: str | None, cleared: bool, opinion: EscalationOpinion,
                       policy: Policy = POLICY) -> str | None:
    """Escalation is a union: the model never takes back a rules escalation, but it may add one the rules
    missed (only when very sure if the rules explicitly cleared the message) or, when sure, pick the team."""
    if rules_type:
        retype = opinion.top != NO_ESCALATION and opinion.margin >= policy.retype_margin
        return opinion.top if retype else rules_type
    needed = policy.cleared_lead if cleared else -policy.none_lead
    return opinion.team if opinion.lead >= needed else None
