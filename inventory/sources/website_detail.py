"""One car's detail page on the dealer website: APK, owners, NAP, towing weight, options.

AutoSociaal detail pages put their specs in `.details-table-item` rows with Dutch labels
("Kenteken", "APK tot", "Aantal eigenaren"); other themes use a definition list, a table or
"Label: waarde" lines, and some add schema.org JSON-LD. So the page is read by meaning: every
label/value pair wherever it sits, the list under an "Opties"/"Uitrusting" heading, and the
JSON-LD when there is one. A value the page does not show stays None ("not in our data").
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date
from typing import Any, Callable, Iterable

from bs4 import BeautifulSoup, Tag

from agents.equipment import equipment_in
from inventory import normalise
from inventory.models import CarDetails

MAX_OPTIONS = 20  # kept on the car (the whole list still decides its equipment)
# An option list this long is the car's full list: an option it does not name is absent.
FULL_OPTION_LIST = 5
# Options a full list reliably names when the car has them; for other options absence says little.
ABSENT_WHEN_UNLISTED = ("trekhaak", "navigatie", "panoramadak", "cruise_control")

_MONTHS = {name: index for index, name in enumerate(
    ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
     "november", "december"], start=1)}
_MONTHS.update({name[:3]: index for name, index in list(_MONTHS.items())})
_WORD_COUNTS = {"een": 1, "eerste": 1, "1e": 1, "twee": 2, "tweede": 2, "2e": 2, "drie": 3, "derde": 3, "3e": 3,
                "vier": 4, "vierde": 4, "4e": 4}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "button", "summary", "strong", "b", "legend")
_OPTIONS_HEADING = re.compile(
    r"^(?:(?:alle\s+)?opties|uitrusting|accessoires|opties\s*(?:en|&)\s*accessoires|(?:standaard\s+|extra\s+)?uitrusting"
    r"|extra'?s|optielijst|fabrieksopties|options|equipment|ausstattung)\b", re.I)


def _clean(text: str | None) -> str:
    return normalise.clean_text(text or "")


def _label_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", _clean(text).lower()).strip()


# --- values -----------------------------------------------------------------------------
def _kg(text: str) -> int | None:
    match = re.search(r"(\d{1,2}[.\s]?\d{3}|\d{2,4})\s*(?:kg)?", text)
    value = normalise.parse_int(match.group(1)) if match else None
    return value if value and 50 <= value <= 10000 else None


def _count(text: str) -> int | None:
    lowered = _clean(text).lower()
    match = re.search(r"\b(\d{1,2})\b", lowered)
    if match:
        return int(match.group(1))
    return next((count for word, count in _WORD_COUNTS.items() if re.search(rf"\b{word}\b", lowered)), None)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_date(text: str) -> date | None:
    """'14-05-2027', '2027-05-14', '14 mei 2027' -> that day; '09-2026', 'mei 2027' -> the month's last day."""
    lowered = _clean(text).lower()
    try:
        if match := re.search(r"\b(20\d{2})-(\d{1,2})-(\d{1,2})\b", lowered):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := re.search(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](20\d{2})\b", lowered):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if match := re.search(r"\b(\d{1,2})[-/.](20\d{2})\b", lowered):
            return _month_end(int(match.group(2)), int(match.group(1)))
        if match := re.search(r"\b(?:(\d{1,2})\s+)?([a-z]{3,9})\.?\s+(20\d{2})\b", lowered):
            month = _MONTHS.get(match.group(2)) or _MONTHS.get(match.group(2)[:3])
            if month:
                year = int(match.group(3))
                return date(year, month, int(match.group(1))) if match.group(1) else _month_end(year, month)
    except ValueError:
        return None
    return None


def parse_consumption(text: str) -> float | None:
    """'5,5 l/100km' -> 5.5; '1 op 18,2' or '18,2 km/l' -> litres per 100 km. Electric kWh figures are not fuel."""
    lowered = _clean(text).lower().replace(",", ".")
    if "kwh" in lowered:
        return None
    if match := re.search(r"(\d+(?:\.\d+)?)\s*(?:l|liter)\s*(?:/|per)\s*100", lowered):
        value = float(match.group(1))
    elif match := re.search(r"1\s*op\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*km\s*(?:/|per)\s*(?:l|liter)\b", lowered):
        value = 100 / float(match.group(1) or match.group(2))
    else:
        return None
    return round(value, 1) if 1 <= value <= 30 else None


def _km(text: str) -> int | None:
    value = normalise.parse_int(re.sub(r"\(.*?\)", "", text))
    return value if value and 10 <= value <= 2000 else None


def parse_nap(text: str) -> bool | None:
    lowered = _clean(text).lower()
    if re.search(r"\bonlogisch\b|\bniet\s+logisch\b|\bnee\b|\bgeen\s+nap\b", lowered):
        return False
    if re.search(r"\blogisch\b|\bja\b|\baanwezig\b|\bgecontroleerd\b|\bgoedgekeurd\b|\bok\b|✓|✔", lowered):
        return True
    return None


def _plate(text: str) -> str | None:
    compact = re.sub(r"[^A-Z0-9]", "", _clean(text).upper())
    return compact if len(compact) == 6 and re.search(r"[A-Z]", compact) and re.search(r"\d", compact) else None


def _drive(details: dict[str, Any], text: str) -> None:
    lowered = _clean(text).lower()
    if equipment_in(lowered).count("vierwielaandrijving") or re.search(r"vierwiel|4\s*-?\s*wiel|all\s*-?\s*wheel", lowered):
        details.setdefault("equipment", []).append("vierwielaandrijving")
    elif re.search(r"voorwiel|achterwiel|\b2wd\b|\bfwd\b|\brwd\b|front|rear", lowered):
        details.setdefault("equipment_absent", []).append("vierwielaandrijving")


def _seats(details: dict[str, Any], text: str) -> None:
    seats = _count(text)
    if seats and 1 <= seats <= 9:
        details["seats"] = seats


# Label patterns (on the lower-cased label) and how their value is read, most specific first.
_Reader = Callable[[dict[str, Any], str], None]


def _set(field: str, parse: Callable[[str], Any]) -> _Reader:
    def read(details: dict[str, Any], text: str) -> None:
        value = parse(text)
        if value is not None and details.get(field) is None:
            details[field] = value
    return read


_LABELS: list[tuple[re.Pattern[str], _Reader]] = [
    (re.compile(r"^kenteken$"), _set("license_plate", _plate)),
    (re.compile(r"^apk\b|\bapk\s+(?:tot|geldig|vervaldatum|datum)|vervaldatum\s+apk"), _set("apk_until", parse_date)),
    (re.compile(r"eigenaren|eigenaars|^eigenaar"), _set("owner_count", _count)),
    (re.compile(r"^nap\b|\bnap$|nationale\s+auto\s*pas|tellerstand\s*oordeel|tellerstandoordeel"), _set("nap_logical", parse_nap)),
    (_MAINTENANCE := re.compile(r"onderhouds?\s*(?:historie|historiek|boekje|boekjes|geschiedenis)|service\s*(?:historie|boekje)"
                                r"|^onderhoud$|^historie$"),
     _set("maintenance_history", lambda text: _clean(text) or None)),
    (re.compile(r"ongeremd"), _set("towing_unbraked_kg", _kg)),
    (re.compile(r"trek\s*gewicht|aanhang\w*\s*(?:gewicht|massa)|geremd|trekvermogen"), _set("towing_braked_kg", _kg)),
    (re.compile(r"zitplaats|aantal\s+stoelen|^stoelen$"), _seats),
    (re.compile(r"^(?:ledig|leeg|eigen)\s*gewicht|gewicht\s+(?:leeg|ledig)|massa\s+(?:ledig|leeg)|^gewicht(?:\s+kg)?$"), _set("weight_kg", _kg)),
    (re.compile(r"actieradius|^bereik|elektrisch\w*\s+bereik|^range"), _set("electric_range_km", _km)),
    (re.compile(r"verbruik"), _set("fuel_consumption_l_100km", parse_consumption)),
    (re.compile(r"^(?:kleur|carrosseriekleur|exterieurkleur|lakkleur)$"), _set("color", lambda text: _clean(text) or None)),
    (re.compile(r"aandrijving"), _drive),
]


# --- where label/value pairs sit -----------------------------------------------------------
def _pairs(soup: BeautifulSoup) -> Iterable[tuple[str, str]]:
    for row in soup.find_all(class_=_SPEC_ROW):
        parts = [_clean(child.get_text(" ", strip=True)) for child in row.find_all(recursive=False)]
        parts = [part for part in parts if part]
        if len(parts) >= 2:
            yield parts[0], " ".join(parts[1:])
        elif ":" in (text := _clean(row.get_text(" ", strip=True))):
            label, _, value = text.partition(":")
            yield label, value
    for term in soup.find_all("dt"):
        value = term.find_next_sibling("dd")
        if value is not None:
            yield _clean(term.get_text(" ", strip=True)), _clean(value.get_text(" ", strip=True))
    for row in soup.find_all("tr"):
        cells = row.find_all(["th", "td"], recursive=False)
        if len(cells) == 2:
            yield _clean(cells[0].get_text(" ", strip=True)), _clean(cells[1].get_text(" ", strip=True))
    # "APK: 14-05-2027", "<li><strong>Kenteken:</strong> ZT-482-K</li>": short lines with a colon,
    # found from their text nodes (one pass, however big the page).
    seen: set[int] = set()
    for node in soup.find_all(string=_COLON):
        element = node.parent
        if element is None or element.name in ("script", "style", "title"):
            continue
        text = _clean(element.get_text(" ", strip=True))
        if text.endswith(":") and element.parent is not None:  # the label alone: its line is the parent
            element = element.parent
            text = _clean(element.get_text(" ", strip=True))
        if id(element) in seen or len(text) > 80:
            continue
        seen.add(id(element))
        label, _, value = text.partition(":")
        if len(label) <= 40:
            yield label, value


_COLON = re.compile(":")
# A spec row's class: AutoSociaal's "details-table-item", other themes' "spec-item", "kenmerk-item", …
_SPEC_ROW = re.compile(r"^(?:[\w-]*-)?(?:details-table-item|specs?-(?:item|row)|detail-item|kenmerk(?:en)?-item|attribute-item)$")


def _options(soup: BeautifulSoup) -> list[str]:
    found: list[str] = []
    for heading in soup.find_all(_HEADINGS):
        if not _OPTIONS_HEADING.match(_clean(heading.get_text(" ", strip=True))):
            continue
        for element in heading.find_all_next():
            if element.name in ("h1", "h2", "h3") and element is not heading:
                break
            if element.name in ("ul", "ol"):
                found += [_clean(item.get_text(" ", strip=True)) for item in element.find_all("li")]
        if found:
            break
    if not found:
        for item in soup.select("[class*=option] li, [class*=accessor] li, [class*=equipment] li, [class*=uitrusting] li"):
            found.append(_clean(item.get_text(" ", strip=True)))
    return list(dict.fromkeys(option for option in found if option and len(option) <= 120))


def _json_ld(soup: BeautifulSoup, details: dict[str, Any]) -> None:
    """schema.org Car/Vehicle facts, where the theme publishes them."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            document = json.loads(script.string or "")
        except ValueError:
            continue
        items = document if isinstance(document, list) else document.get("@graph", [document])
        for item in items:
            if not isinstance(item, dict) or str(item.get("@type", "")).lower() not in ("car", "vehicle", "product"):
                continue
            if isinstance(item.get("numberOfPreviousOwners"), (int, str)):
                details.setdefault("owner_count", _count(str(item["numberOfPreviousOwners"])))
            seats = item.get("seatingCapacity") or item.get("vehicleSeatingCapacity")
            if isinstance(seats, (int, str)):
                _seats(details, str(seats))
            consumption = item.get("fuelConsumption")
            if isinstance(consumption, dict) and consumption.get("value") is not None:
                unit = str(consumption.get("unitText") or consumption.get("unitCode") or "l/100km")
                value = parse_consumption(f"{consumption['value']} {unit}".replace("LTR", "l/100km"))
                if value is not None:
                    details.setdefault("fuel_consumption_l_100km", value)
            drive = str(item.get("driveWheelConfiguration") or "")
            if drive:
                _drive(details, "vierwiel" if "AllWheel" in drive or "FourWheel" in drive else "voorwiel")


def parse_detail_page(html: str) -> CarDetails:
    soup = BeautifulSoup(html, "lxml")
    details: dict[str, Any] = {}
    for label, value in _pairs(soup):
        key = _label_key(label)
        if not key or not _clean(value):
            continue
        if re.fullmatch(r"(?:alle\s+)?opties|uitrusting|accessoires", key):
            details.setdefault("listed_options", []).extend(o.strip() for o in re.split(r"[,;|]", value) if o.strip())
            continue
        for pattern, read in _LABELS:
            if pattern.search(key):
                if pattern is _MAINTENANCE and re.fullmatch(r"(?i)\s*(ja|aanwezig|nee|afwezig|compleet|volledig)\s*", value):
                    value = f"{_clean(label)}: {_clean(value).lower()}"  # "Onderhoudsboekjes: aanwezig"
                read(details, value)
                break
    _json_ld(soup, details)
    options = _options(soup) or details.pop("listed_options", [])
    details.pop("listed_options", None)
    equipment = list(dict.fromkeys([*details.pop("equipment", []), *equipment_in(" | ".join(options))]))
    if (details.get("seats") or 0) >= 7:
        equipment.append("zeven_zitplaatsen")
    absent = [key for key in details.pop("equipment_absent", []) if key not in equipment]
    if details.get("seats") and details["seats"] < 7:
        absent.append("zeven_zitplaatsen")
    if len(options) >= FULL_OPTION_LIST:
        absent += [key for key in ABSENT_WHEN_UNLISTED if key not in equipment]
    return CarDetails(
        **details,
        options=options[:MAX_OPTIONS],
        equipment=list(dict.fromkeys(equipment)),
        equipment_absent=list(dict.fromkeys(absent)),
    )
