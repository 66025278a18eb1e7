"""A statistical second opinion for the rules: intent and escalation learnt from our labelled corpus.

Training needs scikit-learn and takes seconds; answering needs only numpy. A trained model is
kept on disk (agents/rules/model_cache.py), so a process that finds it starts in milliseconds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).parent / "corpus"
NO_ESCALATION = "none"
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)


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


# --- features: scikit-learn's "char_wb" and "word" analyzers (lowercase, default token pattern), written
# out so that answering needs no scikit-learn import (a second of start-up). Training passes these very
# functions to TfidfVectorizer, so the model always sees the features it is asked about.
_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def char_wb_ngrams(text: str, min_n: int = CHAR_NGRAMS[0], max_n: int = CHAR_NGRAMS[1]) -> list[str]:
    ngrams: list[str] = []
    append = ngrams.append
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        length = len(word)
        for n in range(min_n, max_n + 1):
            offset = 0
            append(word[:n])
            while offset + n < length:
                offset += 1
                append(word[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return ngrams


def word_ngrams(text: str, min_n: int = WORD_NGRAMS[0], max_n: int = WORD_NGRAMS[1]) -> list[str]:
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


ANALYZERS = (char_wb_ngrams, word_ngrams)


@dataclass(frozen=True)
class LinearModel:
    """What answering needs of a trained LinearSVC: one score per class."""
    coef: np.ndarray  # classes x features
    intercept: np.ndarray
    classes: np.ndarray  # str labels

    def scores(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        scores = self.coef[:, indices] @ values + self.intercept
        if len(self.classes) == 2:  # a binary model has one score: positive means the second class
            scores = np.array([-scores[0], scores[0]])
        return scores


@dataclass(frozen=True)
class ModelArrays:
    """A trained second opinion as plain arrays: the vocabulary of each analyzer (in feature order), the idf
    weights, and the two linear models. This is what the on-disk cache stores."""
    vocabularies: tuple[list[str], list[str]]
    idf: np.ndarray
    intent: LinearModel
    escalation: LinearModel


def train(rows: list[dict]) -> ModelArrays:
    from sklearn.feature_extraction.text import TfidfVectorizer  # imported here: a second of start-up
    from sklearn.pipeline import FeatureUnion
    from sklearn.svm import LinearSVC

    texts = [row["text"] for row in rows]
    vectorizers = [TfidfVectorizer(analyzer=analyzer, sublinear_tf=True) for analyzer in ANALYZERS]
    matrix = FeatureUnion([(str(i), v) for i, v in enumerate(vectorizers)]).fit_transform(texts)

    def linear(labels: list[str]) -> LinearModel:
        svc = LinearSVC(C=0.5, class_weight="balanced").fit(matrix, labels)
        return LinearModel(np.asarray(svc.coef_, dtype=np.float64), np.asarray(svc.intercept_, dtype=np.float64),
                           np.asarray([str(c) for c in svc.classes_]))

    vocabularies = tuple(sorted(v.vocabulary_, key=v.vocabulary_.get) for v in vectorizers)
    return ModelArrays(
        vocabularies=vocabularies,  # type: ignore[arg-type]
        idf=np.concatenate([v.idf_ for v in vectorizers]),
        intent=linear([row["intent"] for row in rows]),
        escalation=linear([row.get("escalation") or NO_ESCALATION for row in rows]),
    )


class MessageClassifier:
    def __init__(self, rows: list[dict] | None = None, arrays: ModelArrays | None = None):
        """Trains on `rows`, or answers from already trained `arrays`."""
        self.origin = "given"  # "trained" here, or "cache" (agents/rules/model_cache.py)
        if arrays is None:
            if rows is None:
                raise ValueError("MessageClassifier needs rows to train on or trained arrays")
            arrays = train(rows)
            self.origin = "trained"
        self.arrays = arrays
        self._intent = arrays.intent
        self._escalation = arrays.escalation
        # TfidfVectorizer's transform computed directly: its per-call validation costs ~1 ms, ten times the arithmetic.
        offsets = np.cumsum([0] + [len(vocabulary) for vocabulary in arrays.vocabularies])
        self._lookups = [
            {term: index + int(offset) for index, term in enumerate(vocabulary)}
            for vocabulary, offset in zip(arrays.vocabularies, offsets)
        ]
        self._idf = arrays.idf

    @lru_cache(maxsize=256)  # router and expertise ask about the same message
    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        all_indices, all_values = [], []
        for analyzer, lookup in zip(ANALYZERS, self._lookups):
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

    def _scores(self, model: LinearModel, text: str) -> np.ndarray:
        return model.scores(*self._features(text))

    def _best(self, model: LinearModel, text: str) -> tuple[str, float]:
        scores = self._scores(model, text)
        order = np.argsort(scores)
        return str(model.classes[order[-1]]), float(scores[order[-1]] - scores[order[-2]])

    def intent(self, text: str) -> tuple[str, float]:
        """The most likely intent and its margin over the runner-up."""
        return self._best(self._intent, text)

    def escalation(self, text: str) -> tuple[str, float]:
        """An escalation type, or "none", with its margin."""
        return self._best(self._escalation, text)

    def escalation_opinion(self, text: str) -> EscalationOpinion:
        """The likeliest label, and the likeliest team with its distance to "none"."""
        top, margin = self.escalation(text)
        scores = dict(zip(self._escalation.classes, self._scores(self._escalation, text)))
        none = scores.pop(NO_ESCALATION, 0.0)
        team = max(scores, key=scores.get)
        return EscalationOpinion(top=top, margin=margin, team=str(team), lead=float(scores[team] - none))


@lru_cache(maxsize=1)
def classifier() -> MessageClassifier:
    """The model for the packaged corpus, once per process: from the on-disk cache when it is there and
    sound, else trained (a few seconds) and cached for the next process."""
    from agents.rules.model_cache import load_or_train

    return load_or_train()


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
