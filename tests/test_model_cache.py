"""The second opinion's on-disk cache: used when sound, rebuilt when stale, damaged or unsafe, and
the features it answers from are exactly scikit-learn's."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.rules import classifier as second_opinion
from agents.rules import model_cache
from agents.rules.classifier import char_wb_ngrams, load_corpus, word_ngrams

ROOT = Path(__file__).resolve().parent.parent
ROWS = [
    {"text": "hebben jullie een golf", "intent": "car_inquiry"},
    {"text": "zoek een polo diesel", "intent": "car_inquiry"},
    {"text": "staat de tesla nog te koop", "intent": "car_inquiry"},
    {"text": "ik heb een bkr registratie", "intent": "financing_inquiry", "escalation": "finance_advisor"},
    {"text": "kan ik financieren met bkr", "intent": "financing_inquiry", "escalation": "finance_advisor"},
    {"text": "wat kost lease per maand", "intent": "financing_inquiry"},
]
PROBES = ["bkr notering, kan ik lenen?", "hebben jullie nog een golf", "Staat de Polo nog?  ", "ÉÉN straße"]


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(json.dumps(row) for row in ROWS[:3]) + "\n")
    (folder / "b.jsonl").write_text("\n".join(json.dumps(row) for row in ROWS[3:]) + "\n")
    return folder


def answers(model) -> list:
    return [(model.intent(text), model.escalation_opinion(text)) for text in PROBES]


def test_first_start_trains_and_caches_the_next_loads(tmp_path, corpus):
    cache = tmp_path / "cache"
    first = model_cache.load_or_train(cache, corpus)
    assert first.origin == "trained" and (cache / "second-opinion.npz").exists()
    second = model_cache.load_or_train(cache, corpus)
    assert second.origin == "cache"
    assert answers(second) == answers(first)  # the very same model, not a retrained look-alike


def test_a_changed_corpus_file_is_a_new_key_and_retrains(tmp_path, corpus):
    cache = tmp_path / "cache"
    model_cache.load_or_train(cache, corpus)
    key = model_cache.cache_key(corpus)
    with (corpus / "b.jsonl").open("a") as out:
        out.write(json.dumps({"text": "kan ik een proefrit maken", "intent": "test_drive"}) + "\n")
    assert model_cache.cache_key(corpus) != key
    retrained = model_cache.load_or_train(cache, corpus)
    assert retrained.origin == "trained" and "test_drive" in retrained.arrays.intent.classes
    assert model_cache.load_or_train(cache, corpus).origin == "cache"


def test_the_key_covers_the_code_and_library_versions(monkeypatch, corpus):
    key = model_cache.cache_key(corpus)
    monkeypatch.setattr(model_cache, "_version", lambda package: "0.0-other")
    assert model_cache.cache_key(corpus) != key
    monkeypatch.undo()
    monkeypatch.setattr(model_cache, "FORMAT", model_cache.FORMAT + 1)
    assert model_cache.cache_key(corpus) != key


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "empty", "garbage digest file", "no digest file"])
def test_a_damaged_cache_is_rebuilt_never_trusted(tmp_path, corpus, damage):
    cache = tmp_path / "cache"
    model_cache.load_or_train(cache, corpus)
    model_file, meta_file = cache / "second-opinion.npz", cache / "second-opinion.json"
    raw = bytearray(model_file.read_bytes())
    if damage == "flip a byte":
        raw[len(raw) // 2] ^= 0xFF
        model_file.write_bytes(bytes(raw))
    elif damage == "truncate":
        model_file.write_bytes(bytes(raw[: len(raw) // 3]))
    elif damage == "empty":
        model_file.write_bytes(b"")
    elif damage == "garbage digest file":
        meta_file.write_text("{not json")
    else:
        meta_file.unlink()
    rebuilt = model_cache.load_or_train(cache, corpus)
    assert rebuilt.origin == "trained"
    assert model_cache.load_or_train(cache, corpus).origin == "cache"  # and the rewrite is sound


def test_a_cache_holding_pickled_objects_is_refused_even_with_a_matching_digest(tmp_path, corpus):
    """The digest guards against damage; allow_pickle=False guards against running code from the cache."""
    cache = tmp_path / "cache"
    model_cache.load_or_train(cache, corpus)
    buffer = io.BytesIO()
    np.savez(buffer, idf=np.array([{"payload": "object"}], dtype=object))
    raw = buffer.getvalue()
    (cache / "second-opinion.npz").write_bytes(raw)
    key = model_cache.cache_key(corpus)
    (cache / "second-opinion.json").write_text(json.dumps({"key": key, "sha256": hashlib.sha256(raw).hexdigest()}))
    assert model_cache.load(cache, key) is None
    assert model_cache.load_or_train(cache, corpus).origin == "trained"


def test_arrays_that_do_not_fit_together_are_refused(tmp_path, corpus):
    cache = tmp_path / "cache"
    model = model_cache.load_or_train(cache, corpus)
    arrays = model.arrays
    broken = second_opinion.ModelArrays(
        vocabularies=(arrays.vocabularies[0][:-1], arrays.vocabularies[1]), idf=arrays.idf,
        intent=arrays.intent, escalation=arrays.escalation,
    )
    key = model_cache.cache_key(corpus)
    model_cache.store(cache, key, broken)
    assert model_cache.load(cache, key) is None


def test_an_unwritable_cache_still_answers(tmp_path, corpus):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    model = model_cache.load_or_train(blocker / "cache", corpus)
    assert model.origin == "trained" and model.intent("hebben jullie een golf")[0] == "car_inquiry"


# --- the features are scikit-learn's -------------------------------------------------------
def _sklearn_analyzers():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (TfidfVectorizer(analyzer="char_wb", ngram_range=second_opinion.CHAR_NGRAMS).build_analyzer(),
            TfidfVectorizer(analyzer="word", ngram_range=second_opinion.WORD_NGRAMS).build_analyzer())


def test_our_analyzers_equal_sklearns_on_the_corpus():
    char, word = _sklearn_analyzers()
    for row in load_corpus():
        assert char_wb_ngrams(row["text"]) == char(row["text"])
        assert word_ngrams(row["text"]) == word(row["text"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_our_analyzers_equal_sklearns_on_any_text(text):
    char, word = _sklearn_analyzers()
    assert char_wb_ngrams(text) == char(text)
    assert word_ngrams(text) == word(text)


def test_a_cached_start_needs_no_scikit_learn(tmp_path):
    """What makes a start fast: with the cache warm, answering imports neither sklearn nor scipy."""
    cache = tmp_path / "cache"
    shutil.copytree(ROOT / "agents" / "rules" / "corpus", tmp_path / "corpus")
    script = (
        "import sys; from pathlib import Path; from agents.rules.model_cache import load_or_train; "
        f"m = load_or_train(Path({str(cache)!r})); m.intent('staat de golf nog'); "
        "print(m.origin, 'sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
            for _ in range(2)]
    assert [run.stdout.split() for run in runs] == [["trained", "True", "True"], ["cache", "False", "False"]], \
        [run.stderr[-500:] for run in runs]
