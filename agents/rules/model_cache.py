"""The trained second opinion kept on disk, so `seldenrijk analyze`, `inventory search` and the worker
start in well under a second instead of retraining for several.

The cache is plain arrays in an `.npz` file read with `allow_pickle=False`: loading it can run no code.
It is trusted only when the key beside it matches (a hash of the corpus files, this code and the
numpy/scikit-learn versions) and the file's bytes hash to the digest written beside them. Anything
else (a missing, stale, truncated or tampered file) is retrained and rewritten, never used.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from agents.rules import classifier as second_opinion
from agents.rules.classifier import LinearModel, MessageClassifier, ModelArrays

log = logging.getLogger(__name__)

FORMAT = 1
NAME = "second-opinion"
_cache_dir: Path | None = None


def use_cache_dir(directory: Path) -> None:
    """Where the model is cached (the worker and the CLI pass the MODEL_CACHE_DIR setting)."""
    global _cache_dir
    _cache_dir = Path(directory)


def cache_dir() -> Path:
    """As configured; else MODEL_CACHE_DIR or DATA_DIR/cache from the environment (agents/ reads no settings)."""
    if _cache_dir is not None:
        return _cache_dir
    if os.environ.get("MODEL_CACHE_DIR"):
        return Path(os.environ["MODEL_CACHE_DIR"])
    return Path(os.environ.get("DATA_DIR") or "var") / "cache"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key(corpus: Path | None = None) -> str:
    """Changes whenever the model could: a corpus file, the training/feature code, or the libraries."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for module in (second_opinion.__file__, __file__):
        digest.update(Path(module).read_bytes())
    digest.update(f"numpy {_version('numpy')} scikit-learn {_version('scikit-learn')}\n".encode())
    for path in second_opinion.corpus_files(corpus or second_opinion.CORPUS):
        digest.update(f"\n{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _paths(directory: Path) -> tuple[Path, Path]:
    return directory / f"{NAME}.npz", directory / f"{NAME}.json"


def _to_bytes(arrays: ModelArrays) -> bytes:
    buffer = io.BytesIO()
    fields = {"idf": arrays.idf}
    for i, vocabulary in enumerate(arrays.vocabularies):
        # Terms never hold a newline (the analyzers split on white space), so one joined blob per vocabulary.
        fields[f"vocabulary{i}"] = np.frombuffer("\n".join(vocabulary).encode("utf-8"), dtype=np.uint8)
    for name in ("intent", "escalation"):
        model: LinearModel = getattr(arrays, name)
        fields[f"{name}_coef"], fields[f"{name}_intercept"] = model.coef, model.intercept
        fields[f"{name}_classes"] = np.asarray(model.classes, dtype=str)
    np.savez(buffer, **fields)
    return buffer.getvalue()


def _from_bytes(raw: bytes) -> ModelArrays:
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        vocabularies = tuple(bytes(data[f"vocabulary{i}"]).decode("utf-8").split("\n") for i in range(2))
        models = {
            name: LinearModel(data[f"{name}_coef"], data[f"{name}_intercept"], data[f"{name}_classes"])
            for name in ("intent", "escalation")
        }
        arrays = ModelArrays(vocabularies=vocabularies, idf=data["idf"], **models)  # type: ignore[arg-type]
    features = sum(len(v) for v in vocabularies)
    for model in models.values():
        rows = 1 if len(model.classes) == 2 else len(model.classes)  # a binary model has one row of weights
        if model.coef.shape != (rows, features) or model.intercept.shape != (rows,):
            raise ValueError("cached model arrays do not fit together")
    if arrays.idf.shape != (features,):
        raise ValueError("cached idf does not fit the vocabulary")
    return arrays


def load(directory: Path, key: str) -> ModelArrays | None:
    """The cached arrays if the key matches and the bytes are the ones we wrote; else None."""
    model_path, meta_path = _paths(directory)
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("key") != key:
            return None
        raw = model_path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != meta.get("sha256"):
            log.warning("second-opinion cache does not match its digest: retraining")
            return None
        return _from_bytes(raw)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache is never fatal: the model is trained instead
        log.warning("second-opinion cache unreadable (%s): retraining", type(exc).__name__)
        return None


def store(directory: Path, key: str, arrays: ModelArrays) -> None:
    """Writes model then digest, each atomically, so a reader sees a matching pair or no match."""
    raw = _to_bytes(arrays)
    model_path, meta_path = _paths(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for path, content in ((model_path, raw), (meta_path, json.dumps({"key": key, "sha256": hashlib.sha256(raw).hexdigest()}).encode())):
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def load_or_train(directory: Path | None = None, corpus: Path | None = None) -> MessageClassifier:
    directory = directory or cache_dir()
    key = cache_key(corpus)
    arrays = load(directory, key)
    origin = "cache"
    if arrays is None:
        origin = "trained"
        arrays = second_opinion.train(second_opinion.load_corpus(corpus or second_opinion.CORPUS))
        try:
            store(directory, key, arrays)
        except OSError as exc:  # a read-only disk costs start-up time, nothing else
            log.warning("second-opinion cache not written (%s)", exc)
    model = MessageClassifier(arrays=arrays)
    model.origin = origin
    return model
