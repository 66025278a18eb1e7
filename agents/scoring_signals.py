"""What the lead score reads from the messages beyond the understanding (pure, normalised text).

A visit today or tomorrow, an offer and how far under the asking price it is, a prank or
abuse, an opt-out, a customer who bought elsewhere. Kept apart from agents/scoring.py so
the rules table there stays readable.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from agents.knowledge.dealer import DUTCH_WEEKDAYS
from agents.models import Car, ConversationContext, InventorySearchResult, Understanding

DEALER_ZONE = ZoneInfo("Europe/Amsterdam")

_SOON = {"vandaag": 0, "vanavond": 0, "vanmiddag": 0, "vanochtend": 0, "vanmorgen": 0, "straks": 0, "morgen": 1}
VISIT = re.compile(r"\b(proefrit\w*|proef\s*rijden|proefrijden|testrit|langs\s*(?:te\s+)?komen|langskomen|kom\w*\s+(?:ik\s+|we\s+)?(?:\w+\s+){0,3}(?:kijken|bekijken|bezichtigen|proberen|langs)|"
                   r"komen\s+(?:kijken|bekijken)|bezichtig\w*|afspraak\w*|(?:hem|die|deze)\s+(?:\w+\s+){0,2}(?:zien|bekijken|ophalen))\b")


def days_until(day: str | None, now: datetime) -> int | None:
    """"vandaag" -> 0, "morgen" -> 1, "zaterdag" -> days to the coming Saturday, "2026-12-09" -> days to that date."""
    if not day:
        return None
    day = day.lower().strip()
    if day.startswith("morgen"):
        return 1
    if day in _SOON:
        return _SOON[day]
    today = now.astimezone(DEALER_ZONE).date()
    if day in DUTCH_WEEKDAYS:
        return (DUTCH_WEEKDAYS.index(day) - today.weekday()) % 7
    try:
        return (date.fromisoformat(day) - today).days
    except ValueError:
        return None


def day_word(days: int) -> str:
    return "vandaag" if days <= 0 else "morgen"


_AMOUNT = re.compile(r"(?:€\s*)?\b(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*(k\b|mille|duizend)?\s*(euro|eur|,-)?")
_OFFER_CUE = re.compile(r"\b(voor|bied|bod|geef|betaal|doe)\b")


def offered_amount(text: str) -> int | None:
    """The amount a customer offers: "kan dat voor 15.000?" -> 15000, "voor 1 euro" -> 1, "ik bied 18k" -> 18000."""
    for match in _AMOUNT.finditer(text):
        before = text[max(0, match.start() - 25): match.start()]
        if not _OFFER_CUE.search(before):
            continue
        raw, thousands, euro = match.groups()
        if re.match(r"\s*(?:km|kilometer|maanden|mnd|jaar|uur|procent|%)", text[match.end():match.end() + 12]):
            continue
        value = float(raw.replace(".", "").replace(",", "."))
        amount = int(round(value * 1000)) if thousands else int(round(value))
        if not thousands and not euro and 20 < amount < 200:
            amount *= 1000  # "voor 15?" on a car means 15.000
        return amount
    return None


# insults, pranks and absurd requests: no buyer talks like this
_ABUSE = re.compile(r"\b(kanker\w*|tering\w*|klootzak\w*|mongool|hoer\w*|fuck\s*(?:you|off|jullie)|lul\b|debiel\w*|sukkel\w*|"
                    r"idioten|achterlijk\w*|kkr|tyfus\w*|pleur\s+op|rot\s+op|flikker\s+op)")
_PRANK = re.compile(r"\b(prank\w*|grapje|geintje|zak\s+(?:chips|snoep|drop|friet|patat)|voor\s+(?:nop|niks|niets|een\s+appel\s+en\s+een\s+ei|een\s+zak\s+\w+|een\s+euro|1\s+euro)|"
                    r"gratis\s+(?:auto|tesla|bmw|mercedes|porsche)|(?:ruil|ruilen)\s+(?:\w+\s+){0,4}(?:fiets|playstation|ps5|hamster|kat|hond|skateboard|xbox|iphone)|"
                    r"krijg\s+ik\s+(?:hem|die|de\s+\w+)\s+gratis|mag\s+ik\s+(?:hem|die)\s+(?:gratis|lenen\s+voor\s+altijd))\b")


def not_serious(text: str) -> bool:
    return bool(_ABUSE.search(text) or _PRANK.search(text))


_OPT_OUT = re.compile(
    r"^\W*(stop|afmelden|uitschrijven|unsubscribe)\W*$|\b(afmelden|uitschrijven|unsubscribe|geen\s+(?:berichten|appjes|reclame|whatsapp\w*)\s+meer|"
    r"(?:niet|nooit)\s+meer\s+(?:\w+\s+)?(?:benaderen|appen|contacteren|berichten|mailen|bellen)|laat\s+(?:me|mij)\s+(?:met\s+rust|voortaan\s+met\s+rust)|"
    r"haal\s+(?:me|mij|mijn\s+nummer)\s+(?:\w+\s+){0,2}uit)\b"
)
_LOST = re.compile(
    r"\b(?:al|inmiddels|toch|intussen|ondertussen)\s+(?:een\s+(?:andere\s+)?(?:auto|wagen|occasion)|iets(?:\s+anders)?|er\s+een|ergens|elders)\s+(?:\w+\s+){0,4}(?:gekocht|gevonden|gekozen)\b|"
    r"\b(?:elders|ergens\s+anders|bij\s+een\s+ander\w*(?:\s+(?:dealer|garage|bedrijf))?|bij\s+de\s+concurrent\w*)\s+(?:\w+\s+){0,3}(?:gekocht|gekozen|gevonden)\b|"
    r"\b(?:gekocht|gevonden)\s+(?:\w+\s+){0,2}(?:elders|bij\s+een\s+ander\w*|bij\s+de\s+concurrent\w*)\b|"
    r"\bgeen\s+interesse\s+meer\b|\bniet\s+meer\s+(?:geinteresseerd|nodig|op\s+zoek)\b|\bhoeft\s+niet\s+meer\b"
)


def opted_out(text: str) -> bool:
    return _OPT_OUT.search(text) is not None


def bought_elsewhere(text: str) -> bool:
    return _LOST.search(text) is not None and not re.search(r"\b(?:bij|van)\s+(?:jullie|u|seldenrijk)\b", text)


def soon(days: int | None) -> bool:
    return days is not None and 0 <= days <= 1


def car_in_question(context: ConversationContext, understanding: Understanding,
                     inventory: InventorySearchResult | None) -> Car | None:
    """The one stock car the message is about: the car asked for, the one just discussed, or the only match."""
    if inventory is not None and inventory.asked_car is not None and inventory.availability != "sold":
        return inventory.asked_car
    named = understanding.extraction.car_preferences
    last = context.last_cars
    if last and (understanding.extraction.refers_to_previous_car or len(last) == 1) and not (named.make and named.make != last[0].make):
        return last[0]
    if named.model and last:
        same = [car for car in last if car.model.lower() == named.model.lower()]
        if len(same) == 1:
            return same[0]
    if inventory is not None and named.make and named.model and inventory.total_found == 1 and inventory.matches and not inventory.relaxed:
        return inventory.matches[0].car
    return None
