"""Service knowledge: test drives, BOVAG warranty, NAP, APK, delivery, trade-in, visiting us.

Every fact comes from dealer.yaml. A trade-in is never valued here: we ask for the
details and a colleague makes the offer.
"""

from __future__ import annotations

import re

from agents.knowledge.dealer import DealerFacts
from agents.models import KnowledgeSnippet

from agents.knowledge.financial import format_eur

TOPICS: dict[str, re.Pattern[str]] = {
    "test_drive": re.compile(r"\b(proefrit\w*|proef\s*rijden|proefrijden|testrit|rondje\s+rijden|bezichtig\w*|langskomen|langs\s+komen|afspraak)\b"),
    "warranty": re.compile(r"\b(garantie\w*|bovag)\b"),
    "nap": re.compile(r"\b(nap|kilometerstand\s+(?:klopt|echt|gecontroleerd)|tellerstand|teruggedraaid|logisch)\b"),
    "apk": re.compile(r"\b(apk|keuring)\b"),
    "delivery": re.compile(r"\b(afleverkosten|aflever\w*|bezorg\w*|thuisbezorg\w*|rijklaar\w*|tenaamstelling|ophalen|levertijd|kosten\s+koper|bijkomende\s+kosten|wat\s+zit\s+er\s+bij)\b"),
    "trade_in": re.compile(r"\b(inruil\w*|in\s*te\s*ruilen|taxatie|taxeren|inruilwaarde|waard)\b"),
    "opening_hours": re.compile(r"\b(open|geopend|openingstijd\w*|hoe\s+laat|gesloten|dicht|zondag|koopzondag)\b"),
    "location": re.compile(r"\b(adres|waar\s+(?:zitten|zit|zijn|ligt)|locatie|route|parkeren|harderwijk)\b"),
}


def topics_in(text: str) -> list[str]:
    return [topic for topic, regex in TOPICS.items() if regex.search(text)]


def trade_in_request(dealer: DealerFacts, already: set[str] | None = None) -> str:
    """What we need for a trade-in proposal, leaving out what the customer already gave."""
    already = already or set()
    needed = [item for item in dealer.trade_in.needed if not any(item.startswith(have) or have in item for have in already)]
    if not needed:
        return "Dank je, daarmee kan een collega een inruilvoorstel maken."
    needed = [_with_article(item) for item in needed]
    listing = needed[0] if len(needed) == 1 else ", ".join(needed[:-1]) + " en " + needed[-1]
    more = " nog" if already else ""
    return f"Stuur me{more} {listing} van je auto, dan maakt een collega een inruilvoorstel."


_ARTICLES = {"kenteken": "het", "kilometerstand": "de", "foto's": "", "fotos": "", "apk": "de", "onderhoudsboekje": "het"}


def _with_article(item: str) -> str:
    """"kenteken" -> "het kenteken"; "een paar foto's" stays as the dealer wrote it."""
    words = item.split()
    if len(words) > 1 or words[0].lower() in ("een", "de", "het"):
        return item
    article = _ARTICLES.get(item.lower(), "de")
    return f"{article} {item}".strip()


def _texts(dealer: DealerFacts) -> dict[str, str]:
    warranty = dealer.warranty
    delivery = dealer.delivery
    drive = dealer.test_drive
    home = (
        f" Thuisbezorgen kan ook, voor {format_eur(delivery.home_delivery_cost_eur)}."
        if delivery.home_delivery_available and delivery.home_delivery_cost_eur
        else (" Thuisbezorgen is mogelijk." if delivery.home_delivery_available else "")
    )
    apk = " Elke auto krijgt bij aflevering een nieuwe APK." if delivery.apk_included else ""
    cost = (
        f"De afleverkosten zijn {format_eur(delivery.delivery_cost_eur)} (rijklaar maken, poetsen, onderhoudsbeurt, APK en tenaamstelling)."
        if delivery.delivery_cost_eur
        else "Er zijn geen extra afleverkosten."
    )
    return {
        "test_drive": (
            f"Een proefrit duurt ongeveer {drive.duration_minutes} minuten"
            + (f"; neem {drive.bring} mee." if drive.requires_license else ".")
            + f" Je bent welkom op {dealer.address.one_line()}."
        ),
        "warranty": (
            f"Je krijgt {warranty.bovag_months} maanden BOVAG-garantie."
            + (" Verlengen is mogelijk." if warranty.extended_available else "")
            + (f" {warranty.description}" if warranty.description else "")
        ),
        "nap": "Al onze occasions hebben een NAP-gecontroleerde (logische) kilometerstand; het NAP-rapport krijg je erbij.",
        "apk": ("Bij aflevering zorgen we voor een nieuwe APK." if delivery.apk_included else "Vraag ons naar de APK-datum van de auto."),
        "delivery": cost + apk + home,
        "trade_in": "Inruilen kan. " + trade_in_request(dealer) + " Een inruilwaarde noemen we pas na het bekijken van de auto.",
        "opening_hours": "Onze openingstijden:\n" + dealer.opening_hours_text(),
        "location": f"Je vindt ons op {dealer.address.one_line()}.",
    }


def knowledge_for(text: str, dealer: DealerFacts) -> list[KnowledgeSnippet]:
    texts = _texts(dealer)
    return [KnowledgeSnippet(module="service", topic=topic, text=texts[topic]) for topic in topics_in(text)]
