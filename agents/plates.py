"""Dutch licence plates (kentekens) in chat text, validated against the RDW sidecodes.

A plate is six letters and digits in three groups ("1-XJR-34", "GB-123-X", "12-ABC-3"). Written
with dashes, any sidecode counts. Written without ("1xjr34", "gb123x") the letter/digit pattern
must fit exactly one sidecode, and the old two-two-two sidecodes (1-6) only count after the word
"kenteken": bare "2015km", "golf20" or "1500cc" fit their pattern but are not plates. Prices and
phone numbers have no letters, so they never fit a sidecode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# RDW sidecodes for passenger cars: X = letter, 9 = digit (../shared/specs/RDW.md).
SIDECODES: dict[int, str] = {
    1: "XX-99-99",
    2: "99-99-XX",
    3: "99-XX-99",
    4: "XX-99-XX",
    5: "XX-XX-99",
    6: "99-XX-XX",
    7: "99-XXX-9",
    8: "9-XXX-99",
    9: "XX-999-X",
    10: "X-999-XX",
    11: "XXX-99-X",
    12: "X-99-XXX",
    13: "9-XX-999",
    14: "999-XX-9",
}
_OLD_SIDECODES = {1, 2, 3, 4, 5, 6}  # pairs: their bare form looks like "2015km"
_UNIT_ENDINGS = re.compile(r"(km|kw|pk|cc|nm|kg|mm|cm|ps|hp|tsi|tdi|cdi|gti|amg|eur)$", re.I)


def _shape(groups: list[str]) -> str:
    return "-".join("9" * len(g) if g.isdigit() else "X" * len(g) for g in groups)


_BY_SHAPE = {shape: code for code, shape in SIDECODES.items()}
_BY_COMPACT_SHAPE: dict[str, list[int]] = {}
for _code, _shape_text in SIDECODES.items():
    _BY_COMPACT_SHAPE.setdefault(_shape_text.replace("-", ""), []).append(_code)


@dataclass(frozen=True)
class Plate:
    compact: str  # "1XJR34": what RDW is asked for
    dashed: str  # "1-XJR-34": how people write it
    sidecode: int
    start: int = 0
    end: int = 0


def _groups(compact: str) -> list[str]:
    return re.findall(r"[A-Z]+|\d+", compact)


def parse_plate(raw: str, *, after_keyword: bool = True) -> Plate | None:
    """One plate as written ("1-xjr-34", "1XJR34", "gb 123 x"), or None when no sidecode fits."""
    text = raw.strip().upper()
    if not text or len(text) > 10:
        return None
    if re.fullmatch(r"[A-Z0-9]{1,3}[- ][A-Z0-9]{1,3}[- ][A-Z0-9]{1,3}", text):
        groups = re.split(r"[- ]", text)
        if any(not (g.isdigit() or g.isalpha()) for g in groups):
            return None
        code = _BY_SHAPE.get(_shape(groups))
        return Plate("".join(groups), "-".join(groups), code) if code else None
    if not re.fullmatch(r"[A-Z0-9]{6}", text):
        return None
    groups = _groups(text)
    shape = "".join("9" * len(g) if g.isdigit() else "X" * len(g) for g in groups)
    codes = _BY_COMPACT_SHAPE.get(shape, [])
    if len(groups) == 3:
        code = _BY_SHAPE.get(_shape(groups))
        return Plate(text, "-".join(groups), code) if code else None
    if len(groups) == 2 and after_keyword:
        # "XJ34RT" cannot be 2 groups; "AB1234" is XX-99-99 split in the middle of the digits
        old = [c for c in codes if c in _OLD_SIDECODES]
        if len(old) == 1:
            parts = SIDECODES[old[0]].split("-")
            cut = [0, len(parts[0]), len(parts[0]) + len(parts[1]), 6]
            split = [text[cut[i] : cut[i + 1]] for i in range(3)]
            return Plate(text, "-".join(split), old[0])
    return None


_DASHED = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z0-9]{1,3})-([A-Za-z0-9]{1,3})-([A-Za-z0-9]{1,3})(?![A-Za-z0-9-])")
_KEYWORD = re.compile(
    r"\b(?:kenteken(?:plaat|nummer)?|nummerbord|plaat|license\s+plate|registration|reg)\b\s*(?:is|:|=)?\s*"
    r"([A-Za-z0-9]{1,3}[- ][A-Za-z0-9]{1,3}[- ][A-Za-z0-9]{1,3}|[A-Za-z0-9]{6})(?![A-Za-z0-9])",
    re.I,
)
_BARE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9]{6}(?![A-Za-z0-9-])")


def find_plates(text: str) -> list[Plate]:
    """Every valid plate in the message, in order, each once."""
    return list(_find_plates(text))


@lru_cache(maxsize=2048)
def _find_plates(text: str) -> tuple[Plate, ...]:
    # the rules engine asks for the same text in several steps: read it once
    if not any(ch.isdigit() for ch in text):
        return ()
    found: dict[str, Plate] = {}
    spans: list[tuple[int, int]] = []

    def add(raw: str, start: int, end: int, after_keyword: bool) -> None:
        if any(s <= start < e for s, e in spans):
            return
        plate = parse_plate(raw, after_keyword=after_keyword)
        if plate is None:
            return
        spans.append((start, end))
        if plate.compact not in found:
            found[plate.compact] = Plate(plate.compact, plate.dashed, plate.sidecode, start, end)

    for match in _KEYWORD.finditer(text):
        add(match.group(1), match.start(1), match.end(1), True)
    for match in _DASHED.finditer(text):
        add(match.group(), match.start(), match.end(), True)
    for match in _BARE.finditer(text):
        word = match.group()
        if word.isdigit() or word.isalpha() or _UNIT_ENDINGS.search(word):
            continue  # "80000km", "150kw"
        add(word, match.start(), match.end(), False)
    return tuple(sorted(found.values(), key=lambda plate: plate.start))


def compact(plate: str) -> str:
    """"1-xjr-34" -> "1XJR34" (what RDW and the stock compare on)."""
    return re.sub(r"[^A-Za-z0-9]", "", plate).upper()
