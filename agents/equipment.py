"""Car equipment customers ask about, as one vocabulary for listings and for wishes.

Listings name options in their title or option list ("Executive Trekhaak", "4Motion",
"Navi"); customers ask for them ("7 zitter", "met trekhaak", "4x4"). Both are read with
the same patterns, so "4Motion" on a Tiguan answers "heeft hij 4x4?". An option that is
not found in a listing is unknown, never "no": listings leave most options out.
"""

from __future__ import annotations

import re
from typing import Literal

Equipment = Literal[
    "trekhaak",
    "navigatie",
    "zeven_zitplaatsen",
    "vierwielaandrijving",
    "panoramadak",
    "cruise_control",
    "climate_control",
    "stoelverwarming",
    "achteruitrijcamera",
    "parkeersensoren",
    "carplay",
    "lederen_bekleding",
]
EQUIPMENT: tuple[str, ...] = Equipment.__args__  # type: ignore[attr-defined]
EQUIPMENT_FACT = "equipment:"  # a car fact asked about an option: "equipment:trekhaak"

LABELS: dict[str, str] = {
    "trekhaak": "trekhaak",
    "navigatie": "navigatie",
    "zeven_zitplaatsen": "7 zitplaatsen",
    "vierwielaandrijving": "vierwielaandrijving",
    "panoramadak": "panoramadak",
    "cruise_control": "cruise control",
    "climate_control": "climate control",
    "stoelverwarming": "stoelverwarming",
    "achteruitrijcamera": "achteruitrijcamera",
    "parkeersensoren": "parkeersensoren",
    "carplay": "Apple CarPlay / Android Auto",
    "lederen_bekleding": "lederen bekleding",
}

_PATTERNS: dict[str, re.Pattern[str]] = {
    "trekhaak": re.compile(r"trekhaak|towbar|tow\s*bar|tow\s*hitch|anh[aä]ngerkupplung|\bahk\b"),
    "navigatie": re.compile(r"\bnavi\b|navigatie\w*|navigation\w*|\bnav\b|navi(?:gation)?system"),
    "zeven_zitplaatsen": re.compile(
        r"\b7\s*-?\s*(?:zits|zitter|zitplaatsen|persoons|pers\b|p\b|seats?|seater|sitzer|sitze)"
        r"|\bzeven\s*-?\s*(?:zits|zitter|zitplaatsen|persoons)|\bseven\s*-?\s*seat|\bsiebensitzer"
    ),
    "vierwielaandrijving": re.compile(
        r"\b4\s*x\s*4\b|\b4wd\b|\bawd\b|4\s*motion|quattro|xdrive|4matic|all4|\bq4\b|all\s*-?\s*wheel\s*drive"
        r"|vierwielaandrijving|allrad|four\s*-?\s*wheel\s*drive|\b4x4\b"
    ),
    "panoramadak": re.compile(r"panorama\w*|\bpano\b"),
    "cruise_control": re.compile(r"cruise|\bacc\b|tempomat"),
    "climate_control": re.compile(r"climate\s*control|climatronic|\becc\b|klimaautomatik|clima\b"),
    "stoelverwarming": re.compile(r"stoelverwarming|verwarmde\s+stoelen|heated\s+seats?|sitzheizung"),
    "achteruitrijcamera": re.compile(r"achteruitrij\s*camera|camera|r[uü]ckfahrkamera"),
    "parkeersensoren": re.compile(r"\bpdc\b|parkeersensor\w*|park\s*distance|parking\s+sensors?|parkeerhulp|einparkhilfe"),
    "carplay": re.compile(r"car\s*play|android\s+auto"),
    # Not "leer"/"leren" alone: in Dutch they also mean "to learn".
    "lederen_bekleding": re.compile(r"\bleder\w*|\bleren\s+(?:bekleding|stoelen|interieur)|leather|\bleder\b"),
}


def equipment_in(text: str | None) -> list[str]:
    """The options a listing's title, variant or option list names, in vocabulary order."""
    lowered = (text or "").lower()
    return [key for key, pattern in _PATTERNS.items() if pattern.search(lowered)]


LABELS_EN: dict[str, str] = {
    "trekhaak": "towbar", "navigatie": "satnav", "zeven_zitplaatsen": "7 seats", "vierwielaandrijving": "four-wheel drive",
    "panoramadak": "panoramic roof", "cruise_control": "cruise control", "climate_control": "climate control",
    "stoelverwarming": "heated seats", "achteruitrijcamera": "reversing camera", "parkeersensoren": "parking sensors",
    "carplay": "Apple CarPlay / Android Auto", "lederen_bekleding": "leather seats",
}
LABELS_DE: dict[str, str] = {
    "trekhaak": "Anhängerkupplung", "navigatie": "Navigationssystem", "zeven_zitplaatsen": "7 Sitze", "vierwielaandrijving": "Allradantrieb",
    "panoramadak": "Panoramadach", "cruise_control": "Tempomat", "climate_control": "Klimaautomatik",
    "stoelverwarming": "Sitzheizung", "achteruitrijcamera": "Rückfahrkamera", "parkeersensoren": "Parksensoren",
    "carplay": "Apple CarPlay / Android Auto", "lederen_bekleding": "Lederausstattung",
}
_ARTICLE_EN = {"towbar": "a towbar", "satnav": "satnav", "panoramic roof": "a panoramic roof", "reversing camera": "a reversing camera"}
_ARTICLE_DE = {"Anhängerkupplung": "eine Anhängerkupplung", "Navigationssystem": "ein Navigationssystem", "Panoramadach": "ein Panoramadach",
               "Tempomat": "einen Tempomat", "Rückfahrkamera": "eine Rückfahrkamera", "Klimaautomatik": "eine Klimaautomatik",
               "Lederausstattung": "eine Lederausstattung"}


def label(key: str, language: str | None = "nl") -> str:
    if language in ("en", "other"):
        return LABELS_EN.get(key, LABELS.get(key, key))
    if language == "de":
        return LABELS_DE.get(key, LABELS.get(key, key))
    return LABELS.get(key, key)


_WITH_ARTICLE = {"trekhaak", "panoramadak", "achteruitrijcamera"}


def as_object(key: str, language: str | None = "nl") -> str:
    """The option as the object of "heeft"/"has"/"hat": "een trekhaak", "a towbar", "eine Anhängerkupplung"."""
    if language in ("en", "other"):
        return _ARTICLE_EN.get(label(key, "en"), label(key, "en"))
    if language == "de":
        return _ARTICLE_DE.get(label(key, "de"), label(key, "de"))
    return f"een {label(key)}" if key in _WITH_ARTICLE else label(key)
