"""Turn what a listing shows (titles, "34.061 km", "Hybride benzine") into `Car` fields.

Listing titles are cleaner than chat text, so a small canonicaliser suffices here;
the chat-side vocabulary lives in `agents/rules` and is deliberately not shared.
"""

from __future__ import annotations

import re
import unicodedata

from agents.equipment import equipment_in
from agents.models import Car

# alias (lowercase) -> canonical make
MAKES: dict[str, str] = {
    "alfa romeo": "Alfa Romeo", "alfa": "Alfa Romeo", "audi": "Audi", "bmw": "BMW",
    "byd": "BYD", "citroen": "Citroën", "citroën": "Citroën", "cupra": "Cupra", "dacia": "Dacia",
    "ds": "DS", "fiat": "Fiat", "ford": "Ford", "honda": "Honda", "hyundai": "Hyundai",
    "jaguar": "Jaguar", "jeep": "Jeep", "kia": "Kia", "land rover": "Land Rover",
    "landrover": "Land Rover", "lexus": "Lexus", "lynk & co": "Lynk & Co", "lynk&co": "Lynk & Co",
    "mazda": "Mazda", "mercedes-benz": "Mercedes-Benz", "mercedes benz": "Mercedes-Benz",
    "mercedes": "Mercedes-Benz", "mb": "Mercedes-Benz", "mg": "MG", "mini": "MINI",
    "mitsubishi": "Mitsubishi", "nissan": "Nissan", "opel": "Opel", "peugeot": "Peugeot",
    "polestar": "Polestar", "porsche": "Porsche", "renault": "Renault", "seat": "Seat",
    "skoda": "Skoda", "škoda": "Skoda", "smart": "Smart", "subaru": "Subaru", "suzuki": "Suzuki",
    "tesla": "Tesla", "toyota": "Toyota", "volkswagen": "Volkswagen", "vw": "Volkswagen",
    "volvo": "Volvo",
}

# Canonical spelling of models whose case or punctuation varies between listings.
MODELS: dict[str, list[str]] = {
    "Volkswagen": ["Golf Variant", "Golf", "Polo", "Tiguan Allspace", "Tiguan", "T-Roc", "T-Cross",
                   "Taigo", "Passat Variant", "Passat", "Touran", "Touareg", "Arteon", "up!",
                   "ID.3", "ID.4", "ID.5", "ID. Buzz", "Caddy", "Transporter"],
    "BMW": ["1 Serie", "2 Serie", "3 Serie", "4 Serie", "5 Serie", "X1", "X2", "X3", "X5", "i3",
            "i4", "iX1", "iX3", "Z4"],
    "Mercedes-Benz": ["A-Klasse", "B-Klasse", "C-Klasse", "E-Klasse", "GLA", "GLB", "GLC", "CLA",
                      "EQA", "EQB", "Vito", "Sprinter"],
    "Tesla": ["Model 3", "Model Y", "Model S", "Model X"],
    "Toyota": ["Yaris Cross", "Yaris", "Corolla Touring Sports", "Corolla", "C-HR", "RAV4",
               "Aygo X", "Aygo", "Prius", "Auris"],
    "Kia": ["Picanto", "Rio", "Stonic", "Ceed Sportswagon", "Ceed", "XCeed", "Niro", "e-Niro",
            "Sportage", "EV6", "Sorento"],
    "Peugeot": ["108", "208", "e-208", "2008", "e-2008", "308", "3008", "408", "5008", "508"],
    "Opel": ["Corsa", "Astra", "Mokka", "Crossland", "Grandland", "Zafira", "Karl", "Adam"],
    "Skoda": ["Fabia", "Scala", "Octavia", "Superb", "Kamiq", "Karoq", "Kodiaq", "Enyaq", "Citigo"],
    "Volvo": ["XC40", "XC60", "XC90", "V40", "V60", "V90", "S60", "S90", "EX30"],
    "Renault": ["Clio", "Captur", "Megane", "Mégane", "Zoe", "Kadjar", "Arkana", "Austral", "Twingo"],
    "Ford": ["Fiesta", "Focus", "Kuga", "Puma", "Mondeo", "Ka", "Mustang Mach-E"],
    "Hyundai": ["i10", "i20", "i30", "Kona", "Tucson", "Ioniq 5", "Ioniq"],
    "Audi": ["A1", "A3", "A4", "A5", "A6", "Q2", "Q3", "Q4 e-tron", "Q5", "e-tron"],
    "Nissan": ["Micra", "Juke", "Qashqai", "Leaf", "X-Trail"],
    "Honda": ["Jazz", "Civic", "HR-V", "CR-V", "e"],
    "Mazda": ["CX-30", "CX-5", "CX-60", "MX-5", "2", "3", "6"],
    "Citroën": ["C1", "C3 Aircross", "C3", "C4", "C5 Aircross", "Berlingo"],
    "Seat": ["Ibiza", "Leon", "Arona", "Ateca", "Mii"],
    "Fiat": ["500", "500X", "Panda", "Tipo"],
    "MINI": ["Cooper", "One", "Countryman", "Clubman"],
    "Land Rover": ["Range Rover Evoque", "Range Rover Velar", "Range Rover Sport", "Range Rover",
                   "Discovery Sport", "Discovery", "Defender"],
}

SUV_MODELS = {
    "Tiguan", "Tiguan Allspace", "T-Roc", "T-Cross", "Taigo", "Touareg", "ID.4", "ID.5", "X1", "X2",
    "X3", "X5", "iX1", "iX3", "GLA", "GLB", "GLC", "EQA", "EQB", "Model Y", "Model X", "Yaris Cross",
    "C-HR", "RAV4", "Stonic", "XCeed", "Niro", "e-Niro", "Sportage", "EV6", "Sorento", "2008",
    "e-2008", "3008", "5008", "Mokka", "Crossland", "Grandland", "Kamiq", "Karoq", "Kodiaq", "Enyaq",
    "XC40", "XC60", "XC90", "EX30", "Captur", "Kadjar", "Arkana", "Austral", "Kuga", "Puma",
    "Mustang Mach-E", "Kona", "Tucson", "Ioniq 5", "Q2", "Q3", "Q4 e-tron", "Q5", "Juke", "Qashqai",
    "X-Trail", "HR-V", "CR-V", "CX-30", "CX-5", "CX-60", "C3 Aircross", "C5 Aircross", "Arona",
    "Ateca", "500X", "Countryman",
}

FUEL_WORDS: list[tuple[str, str]] = [  # checked in order: the most specific first
    ("plug-in", "plug_in_hybrid"), ("plugin", "plug_in_hybrid"), ("phev", "plug_in_hybrid"),
    ("e-hybrid", "plug_in_hybrid"), ("hybride", "hybrid"), ("hybrid", "hybrid"),
    ("elektrisch", "electric"), ("elektriciteit", "electric"), ("electric", "electric"),
    ("lpg", "lpg"), ("diesel", "diesel"), ("benzine", "petrol"), ("petrol", "petrol"),
]
# Engine codes in a variant ("1.6 TDI", "2.0 BlueHDi") when the fuel field is missing.
DIESEL_CODES = re.compile(r"\b(tdi|cdi|crdi|dci|hdi|bluehdi|multijet|d4d|d-4d|jtd|tdci|[0-9]{3}d)\b", re.I)
ELECTRIC_CODES = re.compile(r"\b(\d{2,3}\s?kwh|ev|e-tron)\b", re.I)

BODY_WORDS: list[tuple[str, str]] = [
    ("suv", "suv"), ("terreinwagen", "suv"), ("crossover", "suv"), ("stationwagon", "stationwagon"),
    ("station", "stationwagon"), ("hatchback", "hatchback"), ("sedan", "sedan"), ("mpv", "mpv"),
    ("coupé", "coupe"), ("coupe", "coupe"), ("cabrio", "cabrio"), ("bestel", "bestelwagen"),
    ("bedrijfswagen", "bestelwagen"),
]
ESTATE_VARIANTS = re.compile(
    r"\b(variant|combi|touring|estate|sports ?tourer|sportswagon|sportwagon|avant|kombi|break|sw)\b", re.I
)
MONTHLY = re.compile(r"p/m|p\.m\.|per maand|/\s*maand|\bmnd\b|lease", re.I)
PLATE = re.compile(r"\b([A-Z0-9]{1,3})-([A-Z0-9]{1,3})-([A-Z0-9]{1,3})\b")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


def clean_text(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def canonical_make(text: str | None) -> str | None:
    """'VW' -> 'Volkswagen', 'MERCEDES-BENZ' -> 'Mercedes-Benz'; unknown makes get title case."""
    if not text:
        return None
    key = clean_text(text).lower()
    if key in MAKES:
        return MAKES[key]
    folded = _fold(key)
    if folded in MAKES:
        return MAKES[folded]
    return clean_text(text).title() if key else None


def model_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "", _fold(text))


def canonical_model(make: str | None, text: str | None) -> str | None:
    """'QASHQAI' -> 'Qashqai', '3-serie' -> '3 Serie'; unknown models keep codes like 'HR-V'."""
    if not text:
        return None
    text = clean_text(text)
    key = model_key(text)
    for model in MODELS.get(make or "", []):
        if model_key(model) == key:
            return model
    words = [w.capitalize() if w.isalpha() and (w.isupper() or w.islower()) and len(w) > 3 else w
             for w in text.split()]
    return " ".join(words)


def split_title(title: str, make_hint: str | None = None) -> tuple[str | None, str | None, str | None]:
    """'Volkswagen Golf 1.5 TSI Life' -> ('Volkswagen', 'Golf', '1.5 TSI Life')."""
    title = clean_text(title)
    rest = title
    make = canonical_make(make_hint) if make_hint else None
    lowered = title.lower()
    if make is None:
        for alias in sorted(MAKES, key=len, reverse=True):
            if lowered == alias or lowered.startswith(alias + " "):
                make, rest = MAKES[alias], title[len(alias):].strip()
                break
        else:
            head, _, rest = title.partition(" ")
            make = canonical_make(head)
    else:
        for alias, canonical in sorted(MAKES.items(), key=lambda kv: -len(kv[0])):
            if canonical == make and (lowered == alias or lowered.startswith(alias + " ")):
                rest = title[len(alias):].strip()
                break
    rest_key = _fold(rest)
    for model in sorted(MODELS.get(make or "", []), key=len, reverse=True):
        model_fold = _fold(model)
        for spelling in {model_fold, model_fold.replace(" ", "-"), model_fold.replace("-", " ")}:
            if rest_key == spelling or rest_key.startswith(spelling + " "):
                return make, model, clean_text(rest[len(spelling):]) or None
    head, _, tail = rest.partition(" ")
    return make, canonical_model(make, head) if head else None, tail or None


def parse_int(text: str | int | float | None) -> int | None:
    """'34.061 km' -> 34061, '€ 29.250,-' -> 29250, 12500 -> 12500."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return int(text)
    text = re.sub(r",(\d{1,2})(?!\d)", "", str(text))  # drop euro cents: ",-" stays, ",50" goes
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits else None


def parse_price(text: str | None) -> tuple[int | None, bool]:
    """'€ 29.250,-' -> (29250, False); 'Financial lease v.a. € 289,- p/m' -> (289, True)."""
    if not text:
        return None, False
    match = re.search(r"€\s*([\d.]+(?:,\d{2})?)|([\d.]+(?:,\d{2}|,-))", text)
    amount = parse_int(match.group(1) or match.group(2)) if match else None
    return amount, bool(MONTHLY.search(text))


def parse_year(text: str | int | None) -> int | None:
    if text is None:
        return None
    match = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", str(text))
    return int(match.group(1)) if match else None


def parse_fuel(text: str | None) -> str | None:
    """'Hybride benzine' -> 'hybrid', 'Plug-in Hybride benzine' -> 'plug_in_hybrid'."""
    if not text:
        return None
    lowered = _fold(text)
    for word, fuel in FUEL_WORDS:
        if word in lowered:
            return fuel
    return None


def infer_fuel(variant: str | None) -> str | None:
    """Fallback from the variant's engine code ('1.6 TDI' -> diesel) when no fuel is listed."""
    if not variant:
        return None
    if fuel := parse_fuel(variant):
        return fuel
    if DIESEL_CODES.search(variant):
        return "diesel"
    if ELECTRIC_CODES.search(variant):
        return "electric"
    return None


def parse_transmission(text: str | None) -> str | None:
    if not text:
        return None
    lowered = _fold(text)
    if any(word in lowered for word in ("handgeschakeld", "handmatig", "manual", "handbak")):
        return "manual"
    if any(word in lowered for word in ("automaat", "automatic", "c.v.t", "cvt", "dsg", "tiptronic", "semi-automaat")):
        return "automatic"
    return None


def parse_body(text: str | None) -> str | None:
    if not text:
        return None
    lowered = _fold(text)
    for word, body in BODY_WORDS:
        if word in lowered:
            return body
    return None


def infer_body(model: str | None, variant: str | None) -> str | None:
    """Card pages rarely show the body type; the model and variant usually give it away."""
    if variant and ESTATE_VARIANTS.search(variant):
        return "stationwagon"
    if model and (model in SUV_MODELS or ESTATE_VARIANTS.search(model)):
        return "suv" if model in SUV_MODELS else "stationwagon"
    return None


def normalise_plate(text: str | None) -> str | None:
    """'ab-123-c' / 'AB123C' -> 'AB123C' (Dutch kentekens, compared without dashes)."""
    if not text:
        return None
    plate = re.sub(r"[^A-Z0-9]", "", text.upper())
    return plate if 6 <= len(plate) <= 8 else None


def find_plate(text: str | None) -> str | None:
    match = PLATE.search(text or "")
    return normalise_plate("".join(match.groups())) if match else None


# --- merging the same car seen on two sources ----------------------------------
MILEAGE_TOLERANCE_KM = 1500  # sources update the odometer at different times
PRICE_TOLERANCE = 0.05


def _same_car(a: Car, b: Car) -> bool:
    if a.license_plate and b.license_plate:
        return a.license_plate == b.license_plate
    if (a.make, (a.model or "").lower(), a.year) != (b.make, (b.model or "").lower(), b.year):
        return False
    if a.year is None or a.mileage_km is None or b.mileage_km is None:
        return False
    if abs(a.mileage_km - b.mileage_km) > max(MILEAGE_TOLERANCE_KM, 0.02 * a.mileage_km):
        return False
    if a.price_eur and b.price_eur and not a.price_is_monthly and not b.price_is_monthly:
        return abs(a.price_eur - b.price_eur) <= max(500, PRICE_TOLERANCE * a.price_eur)
    return True


def with_listed_equipment(car: Car, *texts: str | None) -> Car:
    """The car with every option its title, variant or the given texts name added to its equipment."""
    found = equipment_in(" ".join(part for part in (car.model, car.variant, *texts) if part))
    merged = list(dict.fromkeys([*car.equipment, *found]))
    return car if merged == car.equipment else car.model_copy(update={"equipment": merged})


def _combine(primary: Car, other: Car) -> Car:
    data = primary.model_dump()
    for field, value in other.model_dump().items():
        if data.get(field) is None and value is not None:
            data[field] = value
    if primary.price_is_monthly and other.price_eur and not other.price_is_monthly:
        data["price_eur"], data["price_is_monthly"] = other.price_eur, False  # a real price beats a lease quote
    data["sources"] = sorted(set(primary.sources) | set(other.sources))
    data["equipment"] = list(dict.fromkeys([*primary.equipment, *other.equipment]))
    seen = [d for d in (primary.first_seen, other.first_seen) if d]
    data["first_seen"] = min(seen) if seen else None
    last = [d for d in (primary.last_seen, other.last_seen) if d]
    data["last_seen"] = max(last) if last else None
    data["sold"] = primary.sold and other.sold
    data["sold_at"] = max(d for d in (primary.sold_at, other.sold_at) if d) if data["sold"] and (primary.sold_at or other.sold_at) else None
    return Car(**data)


def merge_sources(primary: list[Car], secondary: list[Car]) -> tuple[list[Car], dict[str, str]]:
    """Merge the secondary source's cars into the primary's; returns cars and alias -> merged id.

    Each secondary car merges into at most one primary car (the first unused match).
    """
    buckets: dict[tuple, list[int]] = {}
    merged = list(primary)
    for index, car in enumerate(merged):
        buckets.setdefault((car.make, (car.model or "").lower(), car.year), []).append(index)
    by_plate = {car.license_plate: i for i, car in enumerate(merged) if car.license_plate}
    used: set[int] = set()
    aliases: dict[str, str] = {}
    for car in secondary:
        candidates = [by_plate[car.license_plate]] if car.license_plate in by_plate else []
        candidates += buckets.get((car.make, (car.model or "").lower(), car.year), [])
        target = next((i for i in candidates if i not in used and _same_car(merged[i], car)), None)
        if target is None:
            merged.append(car)
            continue
        used.add(target)
        aliases[car.id] = merged[target].id
        merged[target] = _combine(merged[target], car)
    return merged, aliases
