"""Makes and models of the Dutch used-car market, with aliases, and a matcher for them.

The index is built once at import. Aliases are matched on normalised tokens, longest
first; a few model names that are also ordinary words ("up", "ka", "jazz", "leon")
count only when their make is in the same message. Diminutives ("polootje", "golfje") reduce
to their alias; "e-" before or "-e" after a model names the electric version. Typos go through
rapidfuzz, but never for ordinary words or names (common_words.py) or a name after "ik ben"/"met".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from agents.rules.common_words import is_common_word
from agents.rules.text import normalize, token_spans

# canonical make -> aliases (normalised)
MAKES: dict[str, tuple[str, ...]] = {
    "Volkswagen": ("volkswagen", "vw", "volkswagon", "volkwagen", "volks wagen"),
    "Opel": ("opel",),
    "Peugeot": ("peugeot", "peugot", "pegeout", "peugoet"),
    "Renault": ("renault", "renaut", "reno"),
    "Kia": ("kia",),
    "Hyundai": ("hyundai", "hyundia", "huyndai", "hundai", "hyndai"),
    "Toyota": ("toyota", "toyoto"),
    "Ford": ("ford",),
    "Skoda": ("skoda",),
    "Seat": ("seat",),
    "Cupra": ("cupra",),
    "Audi": ("audi",),
    "BMW": ("bmw", "bemmer", "beemer", "bimmer"),
    "Mercedes-Benz": ("mercedes", "mercedes benz", "merc", "mercedez", "benz", "mb"),
    "Volvo": ("volvo",),
    "Tesla": ("tesla",),
    "Nissan": ("nissan", "nisan"),
    "Mazda": ("mazda",),
    "Citroën": ("citroen", "citreon", "citroin"),
    "Fiat": ("fiat",),
    "MINI": ("mini",),
    "Suzuki": ("suzuki", "suzuky"),
    "Dacia": ("dacia",),
    "Lynk & Co": ("lynk & co", "lynk&co", "lynk co", "lynk and co", "lynk", "link & co", "link en co"),
    "Polestar": ("polestar",),
    "MG": ("mg",),
    "BYD": ("byd",),
    "Jeep": ("jeep",),
    "Land Rover": ("land rover", "landrover"),
    "Porsche": ("porsche", "porche"),
    "Honda": ("honda",),
    "Mitsubishi": ("mitsubishi", "mitsubisi", "mitsubitshi"),
    "DS": ("ds automobiles",),
    "Alfa Romeo": ("alfa romeo", "alfa"),
    "Lexus": ("lexus",),
    "Smart": ("smart",),
    "Subaru": ("subaru",),
    "Jaguar": ("jaguar",),
    "Lancia": ("lancia",),
    "Chevrolet": ("chevrolet", "chevy"),
    "SsangYong": ("ssangyong", "ssang yong"),
    "Leapmotor": ("leapmotor",),
    "Xpeng": ("xpeng",),
    "Nio": ("nio",),
}

# Makes whose alias is also an ordinary word: only with a model or a car word nearby.
WEAK_MAKES = {"seat", "smart", "mini", "mb", "alfa", "reno", "lynk"}

# canonical make -> "Canonical model: alias, alias"; a leading "!" on an alias means
# the alias counts only when the make is also named (ordinary words, bare numbers).
_MODELS: dict[str, tuple[str, ...]] = {
    "Volkswagen": (
        "Golf: golf, golf plus, golf variant, gti, golf gti, e-golf, egolf", "Polo: polo",
        "Up: !up", "T-Roc: t-roc, troc, t roc", "T-Cross: t-cross, tcross, t cross",
        "Taigo: taigo", "Tiguan: tiguan, tiguan allspace, tiguann, tiquan", "Touran: touran",
        "Passat: passat, passat variant", "Arteon: arteon", "Touareg: touareg",
        "ID.3: id.3, id3, id 3", "ID.4: id.4, id4, id 4", "ID.5: id.5, id5", "ID.7: id.7, id7",
        "ID. Buzz: id buzz, id.buzz", "Caddy: caddy", "Transporter: transporter, t6, t5",
        "Crafter: crafter", "Scirocco: scirocco", "Sharan: sharan", "Beetle: beetle, kever",
        "Amarok: amarok",
    ),
    "Opel": (
        "Corsa: corsa, corsa e, corsa-e", "Astra: astra, astra sports tourer", "Mokka: mokka, mokka x, mokka-e",
        "Crossland: crossland, crossland x", "Grandland: grandland, grandland x", "Zafira: zafira",
        "Insignia: insignia", "Karl: !karl", "Adam: !adam", "Meriva: meriva", "Combo: combo",
        "Vivaro: vivaro", "Movano: movano", "Frontera: frontera", "Agila: agila",
    ),
    "Peugeot": (
        "108: 108", "208: 208, e-208, e208", "308: 308", "508: 508", "2008: !2008, e-2008",
        "3008: 3008", "5008: 5008", "107: !107", "207: !207", "Partner: !partner",
        "Rifter: rifter", "Expert: !expert", "Boxer: !boxer", "408: !408",
    ),
    "Renault": (
        "Clio: clio", "Captur: captur", "Megane: megane, megane e-tech", "Twingo: twingo",
        "Zoe: zoe", "Kadjar: kadjar", "Arkana: arkana", "Austral: austral", "Scenic: scenic",
        "Kangoo: kangoo", "Trafic: trafic", "Espace: espace", "Talisman: talisman", "Master: !master",
        "Rafale: rafale", "Symbioz: symbioz",
    ),
    "Kia": (
        "Picanto: picanto", "Rio: !rio", "Ceed: ceed, cee'd, ceed sw", "ProCeed: !proceed",
        "XCeed: xceed", "Stonic: stonic", "Niro: niro, e-niro, eniro", "Sportage: sportage",
        "Sorento: sorento", "EV6: ev6, ev 6", "EV9: ev9", "EV3: ev3", "Soul: !soul", "Optima: optima",
    ),
    "Hyundai": (
        "i10: i10", "i20: i20", "i30: i30", "Kona: kona", "Tucson: tucson, tuscon",
        "Ioniq 5: ioniq 5, ioniq5", "Ioniq 6: ioniq 6, ioniq6", "Ioniq: ioniq", "Bayon: bayon",
        "Santa Fe: santa fe", "ix20: ix20", "ix35: ix35", "Inster: inster",
    ),
    "Toyota": (
        "Aygo X: aygo x", "Aygo: aygo", "Yaris Cross: yaris cross", "Yaris: yaris", "Corolla: corolla, corolla touring sports",
        "C-HR: c-hr, chr, c hr", "RAV4: rav4, rav 4, rav-4", "Prius: prius", "Auris: auris",
        "Camry: camry", "bZ4X: bz4x", "Land Cruiser: land cruiser, landcruiser", "Hilux: hilux",
        "Proace: proace", "Verso: verso", "Supra: supra",
    ),
    "Ford": (
        "Fiesta: fiesta", "Focus: focus", "Puma: puma", "Kuga: kuga", "Mondeo: mondeo",
        "Ka: !ka", "EcoSport: ecosport", "S-Max: s-max, smax", "C-Max: c-max, cmax",
        "Galaxy: galaxy", "Transit: transit, transit custom", "Tourneo: tourneo", "Ranger: ranger",
        "Mustang Mach-E: mach-e, mach e, mustang mach-e", "Mustang: mustang", "Explorer: explorer",
    ),
    "Skoda": (
        "Fabia: fabia", "Octavia: octavia, octavia combi", "Superb: superb", "Kamiq: kamiq",
        "Karoq: karoq", "Kodiaq: kodiaq", "Scala: scala", "Enyaq: enyaq", "Citigo: citigo",
        "Rapid: !rapid", "Elroq: elroq", "Yeti: yeti",
    ),
    "Seat": (
        "Ibiza: ibiza", "Leon: !leon, leon st", "Arona: arona", "Ateca: ateca", "Tarraco: tarraco",
        "Mii: mii", "Alhambra: alhambra", "Toledo: toledo",
    ),
    "Cupra": (
        "Formentor: formentor", "Born: !born", "Leon: !leon", "Ateca: !ateca", "Tavascan: tavascan",
        "Terramar: terramar",
    ),
    "Audi": (
        "A1: a1", "A3: a3, a3 sportback", "A4: a4, a4 avant", "A5: a5, a5 sportback", "A6: a6, a6 avant",
        "A7: a7", "A8: a8", "Q2: q2", "Q3: q3, q3 sportback", "Q4 e-tron: q4, q4 e-tron", "Q5: q5",
        "Q7: q7", "Q8: q8", "e-tron: e-tron, etron", "TT: !tt", "RS3: rs3",
    ),
    "BMW": (
        "X1: x1", "X2: x2", "X3: x3", "X4: x4", "X5: x5", "X6: x6", "X7: x7", "i3: i3", "i4: i4",
        "i5: i5", "iX: ix", "iX1: ix1", "iX3: ix3", "Z4: z4", "M3: m3", "M4: m4",
    ),
    "Mercedes-Benz": (
        "GLA: gla", "GLB: glb", "GLC: glc", "GLE: gle", "CLA: cla", "CLS: cls", "EQA: eqa", "EQB: eqb",
        "EQC: eqc", "EQE: eqe", "Vito: vito", "Sprinter: sprinter", "Citan: citan", "V-Klasse: v klasse",
    ),
    "Volvo": (
        "XC40: xc40, xc 40", "XC60: xc60, xc 60", "XC90: xc90, xc 90", "V40: v40", "V60: v60",
        "V90: v90", "S60: s60", "S90: s90", "EX30: ex30", "EX40: ex40", "C40: c40", "V70: v70", "EX90: ex90",
    ),
    "Tesla": (
        "Model 3: model 3, model3", "Model Y: model y, modely", "Model S: model s", "Model X: model x",
    ),
    "Nissan": (
        "Qashqai: qashqai, qasqai, qashquai, quashqai, kashkai, kasjkai, qashkai, quasquai", "Juke: juke", "Micra: micra", "Leaf: leaf",
        "X-Trail: x-trail, xtrail", "Note: !note", "Ariya: ariya", "Navara: navara", "Pulsar: pulsar",
    ),
    "Mazda": (
        "2: !2", "3: !3", "6: !6", "CX-3: cx-3, cx3", "CX-30: cx-30, cx30", "CX-5: cx-5, cx5",
        "CX-60: cx-60, cx60", "MX-5: mx-5, mx5", "MX-30: mx-30, mx30", "CX-80: cx-80, cx80",
    ),
    "Citroën": (
        "C1: c1", "C3 Aircross: c3 aircross", "C3: c3, e-c3", "C4: c4, e-c4, c4 cactus", "C5 Aircross: c5 aircross",
        "C5 X: c5 x", "C4 Picasso: c4 picasso, picasso, c4 spacetourer", "Berlingo: berlingo", "Jumpy: jumpy",
        "Jumper: jumper", "C-Zero: c-zero", "Ami: !ami",
    ),
    "Fiat": (
        "500: !500, 500e, 500c", "500X: 500x", "500L: 500l", "Panda: !panda", "Tipo: tipo",
        "Punto: punto", "Doblo: doblo", "Ducato: ducato", "600: !600, 600e",
    ),
    "MINI": (  # spelled as the dealer's listings (inventory.normalise) spell it
        "Cooper: cooper, cooper s, mini cooper", "One: !one", "Countryman: countryman",
        "Clubman: clubman", "Paceman: paceman", "Aceman: aceman",
    ),
    "Suzuki": (
        "Swift: !swift", "Vitara: vitara", "Ignis: ignis", "S-Cross: s-cross, scross", "Jimny: jimny",
        "Celerio: celerio", "Baleno: baleno", "Alto: !alto", "Splash: !splash", "Swace: swace", "Across: !across",
    ),
    "Dacia": (
        "Sandero: sandero, sandero stepway", "Duster: duster", "Jogger: jogger", "Spring: !spring",
        "Logan: logan", "Bigster: bigster",
    ),
    "Lynk & Co": ("01: !01", "02: !02"),
    "Polestar": ("2: !2", "3: !3", "4: !4"),
    "MG": ("ZS: zs, zs ev", "MG4: mg4, mg 4", "MG5: mg5", "HS: !hs", "MG3: mg3", "Marvel R: marvel r"),
    "BYD": ("Atto 3: atto 3, atto3", "Dolphin: !dolphin", "Seal: !seal", "Seal U: seal u", "Han: !han", "Tang: !tang"),
    "Jeep": ("Renegade: renegade", "Compass: !compass", "Wrangler: wrangler", "Avenger: avenger", "Cherokee: cherokee"),
    "Land Rover": (
        "Range Rover Evoque: evoque, range rover evoque", "Range Rover Sport: range rover sport",
        "Range Rover Velar: velar, range rover velar", "Range Rover: range rover",
        "Discovery Sport: discovery sport", "Discovery: discovery", "Defender: defender", "Freelander: freelander",
    ),
    "Porsche": ("Cayenne: cayenne", "Macan: macan", "911: !911", "Taycan: taycan", "Panamera: panamera", "Boxster: boxster", "Cayman: cayman"),
    "Honda": ("Civic: civic", "Jazz: !jazz", "CR-V: cr-v, crv", "HR-V: hr-v, hrv", "ZR-V: zr-v, zrv", "e: !e", "Accord: !accord"),
    "Mitsubishi": ("Outlander: outlander", "Space Star: space star, spacestar", "ASX: asx", "Eclipse Cross: eclipse cross", "Colt: colt", "L200: l200"),
    "DS": ("DS 3: ds3, ds 3, ds 3 crossback", "DS 4: ds4, ds 4", "DS 7: ds7, ds 7, ds 7 crossback", "DS 9: ds9"),
    "Alfa Romeo": ("Giulia: giulia", "Stelvio: stelvio", "Tonale: tonale", "Giulietta: giulietta", "MiTo: mito", "Junior: !junior"),
    "Lexus": ("NX: !nx", "RX: !rx", "UX: !ux", "CT: !ct, ct200h", "IS: !is", "LBX: lbx", "ES: !es"),
    "Smart": ("Fortwo: fortwo, for two", "Forfour: forfour, for four", "#1: !1", "#3: !3"),
    "Subaru": ("Forester: forester", "Outback: outback", "XV: !xv", "Impreza: impreza"),
    "Jaguar": ("F-Pace: f-pace, fpace", "E-Pace: e-pace, epace", "I-Pace: i-pace, ipace", "XE: !xe", "XF: !xf"),
    "Lancia": ("Ypsilon: ypsilon",),
    "Chevrolet": ("Spark: !spark", "Aveo: aveo", "Captiva: captiva", "Cruze: cruze"),
}

# Models sold only as electric cars: naming one names the fuel.
ELECTRIC_MODELS = frozenset(
    (make, model) for make, models in {
        "Volkswagen": ("ID.3", "ID.4", "ID.5", "ID.7", "ID. Buzz"), "Tesla": ("Model 3", "Model Y", "Model S", "Model X"),
        "Hyundai": ("Ioniq 5", "Ioniq 6", "Inster"), "Kia": ("EV6", "EV9", "EV3"), "Skoda": ("Enyaq", "Elroq"),
        "Renault": ("Zoe",), "Nissan": ("Leaf", "Ariya"), "BMW": ("i3", "i4", "i5", "iX", "iX1", "iX3"),
        "Mercedes-Benz": ("EQA", "EQB", "EQC", "EQE"), "Audi": ("Q4 e-tron", "e-tron"), "Ford": ("Mustang Mach-E",),
        "MG": ("MG4", "Marvel R"), "BYD": ("Atto 3", "Dolphin", "Seal", "Han"), "Cupra": ("Born", "Tavascan"),
        "Volvo": ("EX30", "EX40", "C40", "EX90"), "Polestar": ("2", "3", "4"), "Toyota": ("bZ4X",), "Dacia": ("Spring",),
        "Porsche": ("Taycan",), "Jaguar": ("I-Pace",), "Citroën": ("C-Zero", "Ami"), "Honda": ("e",), "Smart": ("#1", "#3"),
    }.items() for model in models
)
ELECTRIC_MAKES = frozenset({"Tesla", "Polestar", "Leapmotor", "Xpeng", "Nio"})
_ELECTRIC_SINGLE = {("egolf",), ("eniro",), ("e208",), ("500e",), ("600e",), ("etron",)}

# Model families written as a pattern: BMW series, Mercedes classes.
_SERIES = re.compile(
    r"\b(?:bmw\s*)?([1-8])\s*-?\s*(?:serie|series|ser|er)\b|\bm?([1-8])[1-6]\d\s?(?:i|d|e|xd|xi|xe|is|ci)\b"
)
_KLASSE = re.compile(r"\b([abcegsvt])\s*-?\s*(?:klasse|class|klas)\b|\b([abce])\s?(1[468]0|2[0-5]0|[2-5]00|3[05]0|4[03]0)\s?(?:d|e|cdi|h|t)?\b")


# Names that are a trim when another model follows: "mini cooper countryman".
TRIM_LIKE = {"Cooper", "GTI" , "Golf"} - {"Golf"}


@dataclass(frozen=True)
class Mention:
    make: str
    model: str | None
    start: int  # character offsets in the normalised text
    end: int
    fuzzy: bool = False
    electric: bool = False  # an electric-only model or the e-version named ("e-niro", "corsa-e")


@dataclass(frozen=True)
class _Entry:
    make: str
    model: str | None
    needs_make: bool


def _alias_tokens(alias: str) -> tuple[str, ...]:
    return tuple(tok for tok, _, _ in token_spans(normalize(alias)))


def _build_index() -> tuple[dict[tuple[str, ...], list[_Entry]], list[str], dict[str, tuple[str, ...]]]:
    index: dict[tuple[str, ...], list[_Entry]] = {}
    for make, aliases in MAKES.items():
        for alias in aliases:
            index.setdefault(_alias_tokens(alias), []).append(_Entry(make, None, alias in WEAK_MAKES))
    for make, specs in _MODELS.items():
        for spec in specs:
            canonical, _, alias_list = spec.partition(":")
            for alias in alias_list.split(","):
                alias = alias.strip()
                needs_make = alias.startswith("!")
                key = _alias_tokens(alias.lstrip("!"))
                index.setdefault(key, []).append(_Entry(make, canonical.strip(), needs_make))
    fuzzy_choices = {}
    for key, entries in index.items():
        word = " ".join(key)
        if len(key) == 1 and len(word) >= 5 and word.isalpha() and any(not e.needs_make for e in entries):
            fuzzy_choices[word] = key
    return index, list(fuzzy_choices), fuzzy_choices


INDEX, _FUZZY_WORDS, _FUZZY_KEYS = _build_index()
_FUZZY_BY_LETTER: dict[str, list[str]] = {}
for _word in _FUZZY_WORDS:
    _FUZZY_BY_LETTER.setdefault(_word[0], []).append(_word)
MAX_ALIAS_TOKENS = max(len(key) for key in INDEX)
ALL_MAKES = tuple(MAKES)
MODELS_BY_MAKE: dict[str, list[str]] = {
    make: [spec.partition(":")[0].strip() for spec in specs] for make, specs in _MODELS.items()
}

def _fuzzy_lookup(word: str, makes: frozenset[str] = frozenset()) -> tuple[str, ...] | None:
    """A typo of a car name: same first letter, length within one, one edit (two from nine letters,
    or from seven right after its make: "toyoya corrola").

    Ordinary words and first names never count ("balen", "traffic", "Sander", "freelancer")."""
    if len(word) < 5 or not word.isalpha() or is_common_word(word):
        return None
    limit = 1 if len(word) < 7 or (len(word) < 9 and not makes) else 2
    for choice, distance, _ in process.extract(word, _FUZZY_BY_LETTER.get(word[0], ()), scorer=OSA.distance,
                                               score_cutoff=limit, limit=3):
        if abs(len(choice) - len(word)) > 1 or (distance == 2 and word[:2] != choice[:2]):
            continue
        key = _FUZZY_KEYS[choice]
        if distance == 2 and len(word) < 9 and not any(e.make in makes for e in INDEX[key]):
            continue
        return key
    return None


# Dutch diminutives: "polootje", "golfje", "tiguannetje", "fiatje", "skodaatje", "mercje"
_DIMINUTIVE = ("etje", "tje", "pje", "je", "ke")


def _diminutive_key(word: str) -> tuple[str, ...] | None:
    if len(word) < 5 or word.isdigit():
        return None
    if word.endswith("jes"):
        word = word[:-1]  # "golfjes", "polootjes"
    for suffix in _DIMINUTIVE:
        if not word.endswith(suffix):
            continue
        stem = word[: -len(suffix)]
        for candidate in (stem, stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else None):
            if candidate and (candidate,) in INDEX:
                return (candidate,)
    return None


# A name said after "ik ben", "met", in a greeting or a signature is a person, not a typo of a car.
_NAME_BEFORE = re.compile(
    r"(?:\bik\s+ben|\bik\s+heet|\bnaam\s+is|\bmet|\bgroet\w*|\bmvg|\bgr|\bhoi|\bhallo|\bhey|\bbeste|\bdag|"
    r"\bben\s+het\s+(?:\w+\s+){0,3}|\bi\s+am|\bi'?m|\bthis\s+is|\bregards)[\s,.!:]*$"
)


def _said_as_name(normalized: str, start: int, end: int) -> bool:
    signature = normalized[end:].strip(" .!") == "" and normalized[:start].rstrip().endswith(",")
    return signature or _NAME_BEFORE.search(normalized[max(0, start - 30) : start]) is not None


def _lookup(normalized: str, spans: list[tuple[str, int, int]], words: list[str], i: int, makes: frozenset[str] = frozenset()):
    """(token end, entries, fuzzy) of the car name starting at token i: exact alias (longest
    first), plural, diminutive, then a typo."""
    for size in range(min(MAX_ALIAS_TOKENS, len(words) - i), 0, -1):
        key = tuple(words[i : i + size])
        if key in INDEX:
            return i + size, INDEX[key], False
    for key in (_plural_key(words[i]), _diminutive_key(words[i])):  # "q3s", "polos"; "polootje"
        if key and key in INDEX:
            return i + 1, INDEX[key], False
    if not _said_as_name(normalized, spans[i][1], spans[i][2]):
        key = _fuzzy_lookup(words[i], makes)
        if key is not None:
            return i + 1, INDEX[key], True
    return None


def _electric_alias(key: tuple[str, ...]) -> bool:
    """"e-niro", "corsa-e", "e 208", "500e", "egolf": the alias itself names the electric version."""
    return (len(key) > 1 and "e" in (key[0], key[-1])) or key in _ELECTRIC_SINGLE


def find_cars(normalized: str) -> list[Mention]:
    """All car mentions in text order. `normalized` is text.normalize(...) output."""
    spans = token_spans(normalized)
    words = [tok for tok, _, _ in spans]
    raw: list[tuple[int, int, list[_Entry], bool, bool]] = []  # token start, token end, entries, fuzzy, electric
    i = 0
    while i < len(words):
        if _inside_number(normalized, spans[i]):
            i += 1  # the "500" of "9.500 euro" is no Fiat 500
            continue
        # the make just named, for a looser typo match of its model ("toyoya corrola")
        previous = frozenset(e.make for e in raw[-1][2]) if raw and raw[-1][1] == i else frozenset()
        start, hit = i, _lookup(normalized, spans, words, i, previous)
        electric = False
        if words[i] == "e" and i + 1 < len(words) and normalized[spans[i][2] : spans[i][2] + 1] == "-":
            prefixed = _lookup(normalized, spans, words, i + 1)  # "e-up", "e-berlingo": any model with e-
            if prefixed and (hit is None or prefixed[0] > hit[0]):
                # "e-" marks a model even where the bare word needs its make ("e-up")
                models = [_Entry(e.make, e.model, False) for e in prefixed[1] if e.model]
                hit, electric = (prefixed[0], models or prefixed[1], prefixed[2]), True
        if hit is None or _road(normalized, spans[i]):
            i += 1
            continue
        end, entries, fuzzy = hit
        key = tuple(words[start:end])
        electric = electric or _electric_alias(key)
        tail = normalized[spans[end - 1][2] : spans[end - 1][2] + 3]
        if re.match(r"-e(?![a-z0-9])", tail) and end < len(words) and words[end] == "e":
            end, electric = end + 1, True  # "mokka-e", "kona-e"
        raw.append((start, end, entries, fuzzy, electric))
        i = end

    mentions: list[Mention] = []
    strong_makes = {
        e.make for _, _, entries, _, _ in raw for e in entries if e.model is None and not e.needs_make
    } | {e.make for _, _, entries, _, _ in raw if len(entries) == 1 for e in entries if not e.needs_make}
    named_makes = {e.make for _, _, entries, _, _ in raw for e in entries if e.model is None}
    for pos, (start, end, entries, fuzzy, electric) in enumerate(raw):
        chosen = (_choose(entries, strong_makes | named_makes, raw, pos) or _weak_make_as_noun(normalized, spans, start, end, entries)
                  or _model_as_noun(normalized, spans, start, end, entries))
        if chosen is None:
            continue
        electric = electric or (chosen.make, chosen.model) in ELECTRIC_MODELS or (chosen.model is None and chosen.make in ELECTRIC_MAKES)
        mentions.append(Mention(chosen.make, chosen.model, spans[start][1], spans[end - 1][2], fuzzy, electric))
    mentions.extend(_pattern_mentions(normalized))
    mentions.sort(key=lambda m: m.start)
    return _merge_adjacent(_drop_overlaps(mentions), normalized)


# "een mini of zo", "een smart, niet te duur": a weak make used as the noun is the car
_ARTICLE_BEFORE = re.compile(r"\b(?:een|n|de|die|deze|mijn|m'?n|mn|a|the)\s+(?:(?:rode|red|blauwe|blue|groene|green|witte|white|zwarte|black|grijze|grey|gray|gele|yellow|oranje|orange)\s+)?$")
_NOUN_END = re.compile(r"^\s*(?:$|[,.!?;)]|of\s+zo\b|ofzo\b|of\s+(?:een|iets)\b|tot\b|onder\b|voor\s+(?:in|de|mijn|m'?n|mn)\b|met\b|with\b|uit\b|van\s+\d|"
                       r"op\s+(?:de|jullie|your)\s+(?:site|website)\b|(?:is|staat)\s+(?:nog|still)\b|still\b)")


def _weak_make_as_noun(normalized: str, spans, start: int, end: int, entries: list[_Entry]) -> _Entry | None:
    if end - start != 1 or not any(e.model is None for e in entries):
        return None
    begin, finish = spans[start][1], spans[end - 1][2]
    if _ARTICLE_BEFORE.search(normalized[max(0, begin - 14) : begin]) and _NOUN_END.match(normalized[finish : finish + 12]):
        return next(e for e in entries if e.model is None)
    return None


# "file op de a1", "via de a28 richting zwolle": a motorway, not an Audi
_ROAD_BEFORE = re.compile(r"\b(?:via|over|langs|vanaf|richting|afrit|afslag|file\s+op|snelweg)\s+(?:de\s+)?$|\bop\s+de\s+$")
_ROAD_AFTER = re.compile(r"^\s*(?:richting|afrit|afslag|ter\s+hoogte|bij\s+(?!jullie|u\b)|naar\s+(?!jullie|u\b)|file|gesloten|dicht)")
_ROAD_TOPIC = re.compile(r"\b(?:file|files|snelweg|afrit|afslag|verkeer|onderweg|wegwerkzaamheden|flitser|filevrij|rijkswaterstaat)\b")


def _road(normalized: str, span: tuple[str, int, int]) -> bool:
    token, start, end = span
    if not re.fullmatch(r"a\d{1,3}", token):
        return False
    before = _ROAD_BEFORE.search(normalized[max(0, start - 16) : start])
    if before and (not before.group().startswith("op") or _ROAD_TOPIC.search(normalized)):
        return True
    return _ROAD_AFTER.match(normalized[end : end + 16]) is not None and not re.search(r"\baudi\b", normalized)


# Models whose bare name is a word or a number but, after an article, is the car: "de swift",
# "die 2008 gt line", "een jazz hybride", "de leon"; "de partner"/"een expert" stay people.
MODELS_AFTER_ARTICLE = frozenset({"swift", "jazz", "leon", "compass", "panda", "2008", "911", "107", "207", "408", "alto", "spark"})
_MODEL_ARTICLE = re.compile(r"\b(?:de|die|deze|dat|een|n|the|that|this|a|den|dem|die|jullie|your)\s+(?:\w+\s+)?$")
_NOT_A_CAR_AFTER = re.compile(r"^\s*(?:k\b|euro|eur|km|kilometer|mille|ruggen|duizend|jaar|keer|\d)")


def _model_as_noun(normalized: str, spans, start: int, end: int, entries: list[_Entry]) -> _Entry | None:
    if end - start != 1 or spans[start][0] not in MODELS_AFTER_ARTICLE:
        return None
    begin, finish = spans[start][1], spans[start][2]
    article = _MODEL_ARTICLE.search(normalized[max(0, begin - 20) : begin])
    if article is None or _NOT_A_CAR_AFTER.match(normalized[finish : finish + 10]):
        return None
    if spans[start][0].isdigit() and not re.search(r"\b(?:de|die|deze|the|that|this|jullie|your)\s+$", normalized[max(0, begin - 8) : begin]):
        return None  # "een 2008" may be a year; "die 2008" is the Peugeot
    return next((e for e in entries if e.model), None)


def _inside_number(normalized: str, span: tuple[str, int, int]) -> bool:
    """A digit group glued to another by a thousands/decimal separator: "9.500", "19,5"."""
    token, start, end = span
    if not token.isdigit():
        return False
    before = normalized[max(0, start - 2) : start]
    after = normalized[end : end + 2]
    return bool(re.fullmatch(r"\d[.,]", before) or re.fullmatch(r"[.,]\d", after))


def _plural_key(word: str) -> tuple[str, ...]:
    """Models in the plural ("q3s", "polos", "c-hr's" is split already): the singular's key."""
    if len(word) >= 7 and word.endswith("ssen"):
        return (word[:-3],)  # "mercedessen"
    if len(word) >= 3 and word.endswith("s") and (len(word) >= 5 or any(ch.isdigit() for ch in word)):
        return (word[:-1],)
    return ()


def _choose(entries: list[_Entry], makes: set[str], raw: list, pos: int) -> _Entry | None:
    """Pick the reading of an alias: the named make wins; word-like aliases need their make."""
    for entry in entries:
        if entry.make in makes and (entry.model is not None or not entry.needs_make):
            return entry
    for entry in entries:
        if not entry.needs_make:
            return entry
    # A weak make ("seat", "mini", "smart") counts when a model of it follows.
    if entries[0].model is None and pos + 1 < len(raw):
        following = raw[pos + 1][2]
        for entry in entries:
            if any(f.make == entry.make and f.model for f in following):
                return entry
    return None


def _pattern_mentions(normalized: str) -> list[Mention]:
    found = []
    for match in _SERIES.finditer(normalized):
        digit = match.group(1) or match.group(2)
        found.append(Mention("BMW", f"{digit} Serie", match.start(), match.end()))
    for match in _KLASSE.finditer(normalized):
        letter = (match.group(1) or match.group(2)).upper()
        if match.group(2) and not re.search(r"\b(merc|mercedes|benz)", normalized):
            # "c200" alone is clear; "a 180" with a space needs the make
            if " " in match.group(0).strip():
                continue
        found.append(Mention("Mercedes-Benz", f"{letter}-Klasse", match.start(), match.end()))
    return found


def _drop_overlaps(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for mention in mentions:
        if kept and mention.start < kept[-1].end:
            # keep the more specific of two overlapping readings
            if mention.model and not kept[-1].model:
                kept[-1] = mention
            continue
        kept.append(mention)
    return kept


def _merge_adjacent(mentions: list[Mention], normalized: str) -> list[Mention]:
    """'vw golf' is one mention: a make followed by one of its models."""
    merged: list[Mention] = []
    for mention in mentions:
        if merged:
            prev = merged[-1]
            gap = normalized[prev.end : mention.start]
            if mention.make == prev.make and len(gap.strip(" -")) == 0 and (prev.model is None or prev.model in TRIM_LIKE):
                merged[-1] = Mention(prev.make, mention.model, prev.start, mention.end, prev.fuzzy or mention.fuzzy, mention.electric)
                continue
        merged.append(mention)
    return merged
