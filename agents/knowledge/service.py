"""Service knowledge: test drives, BOVAG warranty, NAP, APK, delivery, trade-in, visiting us.

Every fact comes from dealer.yaml. A trade-in is never valued here: we ask for the
details and a colleague makes the offer.
"""

from __future__ import annotations

import re

from agents.knowledge.dealer import WEEKDAYS, DealerFacts
from agents.models import KnowledgeSnippet
from agents.rules.phrases import Phrase, euro, join, say, spoken_language

TOPICS: dict[str, re.Pattern[str]] = {
    "test_drive": re.compile(r"\b(proefrit\w*|proef\s*rijden|proefrijden|testrit|rondje\s+rijden|bezichtig\w*|langskomen|langs\s+komen|afspraak|test\s*-?drive|probefahrt\w*)\b"),
    "warranty": re.compile(r"\b(garantie\w*|bovag|warranty|guarantee|gewährleistung|gewahrleistung)\b"),
    "nap": re.compile(r"\b(nap|kilometerstand\s+(?:klopt|echt|gecontroleerd)|tellerstand|teruggedraaid|logisch)\b"),
    "apk": re.compile(r"\b(apk|keuring)\b"),
    "delivery": re.compile(r"\b(lever\w*\s+(?:\w+\s+){0,3}af|afleverkosten|aflever\w*|bezorg\w*|thuisbezorg\w*|rijklaar\w*|tenaamstelling|ophalen|levertijd|kosten\s+koper|bijkomende\s+kosten|wat\s+zit\s+er\s+bij|deliver\w*|on\s+the\s+road|"
                          r"extra\s+costs?|uberfuhrung\w*|lieferung|liefern|nebenkosten|export\w*|ausfuhr\w*)\b"),
    "trade_in": re.compile(r"\b(inruil\w*|in\s*te\s*ruilen|taxatie|taxeren|inruilwaarde|waard|trade\s*-?\s*in|part\s*-?\s*exchange|"
                          r"in\s+zahlung|inzahlungnahme)\b"),
    "opening_hours": re.compile(r"\b(open|geopend|openingstijd\w*|hoe\s+laat|gesloten|dicht|zondag|koopzondag|opening\s+hours|"
                               r"closed|what\s+time|geoffnet|offnungszeit\w*|geschlossen|wann\s+haben\s+sie)\b"),
    "location": re.compile(r"\b(adres|waar\s+(?:zitten|zit|zijn|ligt)|locatie|route|parkeren|harderwijk|address|where\s+are\s+you|"
                          r"adresse|wo\s+(?:sind|finde)|anfahrt)\b"),
}


def topics_in(text: str) -> list[str]:
    return [topic for topic, regex in TOPICS.items() if regex.search(text)]


TRADE_IN_DONE = Phrase(nl="Dank je, daarmee kan een collega een inruilvoorstel maken.",
                      nl_u="Dank u, daarmee kan een collega een inruilvoorstel maken.",
                      en="Thanks – with that, a colleague can put together a trade-in offer.",
                      de="Danke, damit kann ein Kollege Ihnen ein Angebot für Ihren Wagen machen.")
TRADE_IN_SEND = Phrase(nl="Stuur me {listing} van je auto, dan maakt een collega een inruilvoorstel.",
                       nl_u="Stuurt u mij {listing} van uw auto, dan maakt een collega een inruilvoorstel.",
                       en="Send me {listing} of your car and a colleague will put together a trade-in offer.",
                       de="Schicken Sie mir {listing} Ihres Wagens, dann macht Ihnen ein Kollege ein Angebot für Ihren Wagen.")
TRADE_IN_SEND_MORE = Phrase(nl="Stuur me nog {listing} van je auto, dan maakt een collega een inruilvoorstel.",
                            nl_u="Stuurt u mij nog {listing} van uw auto, dan maakt een collega een inruilvoorstel.",
                            en="Could you also send {listing} of your car? Then a colleague will put together a trade-in offer.",
                            de="Schicken Sie mir noch {listing} Ihres Wagens, dann macht Ihnen ein Kollege ein Angebot für Ihren Wagen.")


def trade_in_request(dealer: DealerFacts, already: set[str] | None = None, language: str = "nl", form: str = "je") -> str:
    """What we need for a trade-in proposal, leaving out what the customer already gave."""
    already = already or set()
    needed = [item for item in dealer.trade_in.needed if not any(item.startswith(have) or have in item for have in already)]
    if not needed:
        return say(TRADE_IN_DONE, language, form)
    if spoken_language(language) == "nl":
        needed = [_with_article(item) for item in needed]
    else:
        needed = [dealer.word(item, language) for item in needed]
    listing = join(needed, language)
    return say(TRADE_IN_SEND_MORE if already else TRADE_IN_SEND, language, form, listing=listing)


_ARTICLES = {"kenteken": "het", "kilometerstand": "de", "foto's": "", "fotos": "", "apk": "de", "onderhoudsboekje": "het"}


def _with_article(item: str) -> str:
    """"kenteken" -> "het kenteken"; "een paar foto's" stays as the dealer wrote it."""
    words = item.split()
    if len(words) > 1 or words[0].lower() in ("een", "de", "het"):
        return item
    article = _ARTICLES.get(item.lower(), "de")
    return f"{article} {item}".strip()


HOME_DELIVERY_PRICED = Phrase(nl=" Thuisbezorgen kan ook, voor {cost}.", en=" We can also deliver to your door, for {cost}.",
                              de=" Wir liefern auch nach Hause, für {cost}.")
DELIVERY_ABROAD = Phrase(
    nl=" Thuisbezorgen doen we binnen Nederland; levering in het buitenland en de exportpapieren stemmen we per auto af. "
       "Bel ({phone}) of mail ({email}) ons daarvoor gerust even.",
    nl_u=" Thuisbezorgen doen we binnen Nederland; levering in het buitenland en de exportpapieren stemmen we per auto af. "
         "Belt ({phone}) of mailt ({email}) u ons daarvoor gerust even.",
    en=" We deliver to your door within the Netherlands; delivery abroad and the export papers we arrange car by car. "
       "Just call ({phone}) or email ({email}) us about it.",
    de=" Nach Hause liefern wir innerhalb der Niederlande; eine Lieferung ins Ausland und die Exportpapiere stimmen wir "
       "je Auto ab. Rufen Sie uns dafür gern an ({phone}) oder schreiben Sie uns ({email}).",
)
# "Liefern Sie nach Deutschland?": the home-delivery price is for the Netherlands only
_ABROAD = re.compile(r"\b(buitenland|duitsland|belgi[eë]\w*|frankrijk|deutschland|ausland|germany|belgium|france|abroad|"
                     r"export\w*|luxemb\w*|oostenrijk|österreich|osterreich|austria|schweiz|zwitserland)\b")
HOME_DELIVERY = Phrase(nl=" Thuisbezorgen is mogelijk.", en=" Home delivery is possible too.", de=" Eine Lieferung nach Hause ist möglich.")
NEW_APK = Phrase(nl=" Elke auto krijgt bij aflevering een nieuwe APK.", en=" Every car gets a new MOT (APK) on delivery.",
                 de=" Jedes Auto bekommt bei der Übergabe eine neue APK (Hauptuntersuchung).")
DELIVERY_COST = Phrase(
    nl="De afleverkosten zijn {cost} (rijklaar maken, poetsen, onderhoudsbeurt, APK en tenaamstelling).",
    en="The delivery fee is {cost} (getting the car road-ready, valeting, a service, the MOT (APK) and registration).",
    de="Die Überführungskosten betragen {cost} (fahrbereit machen, Aufbereitung, Inspektion, APK und Ummeldung).",
)
NO_DELIVERY_COST = Phrase(nl="Er zijn geen extra afleverkosten.", en="There's no extra delivery fee.",
                          de="Es fallen keine zusätzlichen Überführungskosten an.")
TEST_DRIVE = Phrase(nl="Een proefrit duurt ongeveer {minutes} minuten{bring} Je bent welkom op {address}.",
                    nl_u="Een proefrit duurt ongeveer {minutes} minuten{bring} U bent welkom op {address}.",
                    en="A test drive takes about {minutes} minutes{bring} You're welcome at {address}.",
                    de="Eine Probefahrt dauert etwa {minutes} Minuten{bring} Unsere Adresse: {address}.")
BRING = Phrase(nl="; neem {bring} mee.", nl_u="; neemt u {bring} mee.", en="; please bring {bring}.", de="; bitte bringen Sie {bring} mit.")
WARRANTY = Phrase(nl="Je krijgt {months} maanden BOVAG-garantie.", nl_u="U krijgt {months} maanden BOVAG-garantie.",
                  en="You get a {months}-month BOVAG warranty (BOVAG is the Dutch motor trade association).",
                  de="Sie bekommen {months} Monate BOVAG-Garantie (BOVAG ist der niederländische Kfz-Branchenverband).")
WARRANTY_LONGER = Phrase(nl=" Verlengen is mogelijk.", en=" It can be extended.", de=" Eine Verlängerung ist möglich.")
NAP = Phrase(nl="Al onze occasions hebben een NAP-gecontroleerde (logische) kilometerstand; het NAP-rapport krijg je erbij.",
             nl_u="Al onze occasions hebben een NAP-gecontroleerde (logische) kilometerstand; het NAP-rapport krijgt u erbij.",
             en="All our used cars have an NAP-checked mileage (the Dutch national mileage register); you get the NAP report with the car.",
             de="Alle unsere Gebrauchtwagen haben einen NAP-geprüften Kilometerstand (das niederländische Kilometerregister); den NAP-Bericht bekommen Sie dazu.")
APK_NEW = Phrase(nl="Bij aflevering zorgen we voor een nieuwe APK.", en="We give the car a new MOT (APK) on delivery.",
                 de="Bei der Übergabe bekommt das Auto eine neue APK (Hauptuntersuchung).")
APK_ASK = Phrase(nl="Vraag ons naar de APK-datum van de auto.", nl_u="Vraagt u ons gerust naar de APK-datum van de auto.",
                 en="Just ask us for the car's MOT (APK) date.", de="Fragen Sie uns gern nach dem APK-Datum des Autos.")
TRADE_IN = Phrase(nl="Inruilen kan. {request} Een inruilwaarde noemen we pas na het bekijken van de auto.",
                  en="Trading in is possible. {request} We only name a trade-in value once we've seen the car.",
                  de="Eine Inzahlungnahme ist möglich. {request} Einen Wert nennen wir erst, wenn wir den Wagen gesehen haben.")
HOURS = Phrase(nl="Onze openingstijden:\n{hours}", en="Our opening hours:\n{hours}", de="Unsere Öffnungszeiten:\n{hours}")
LOCATION = Phrase(nl="Je vindt ons op {address}.", nl_u="U vindt ons op {address}.", en="You'll find us at {address}.",
                  de="Unsere Adresse: {address}.")


def _opening_hours_text(dealer: DealerFacts, language: str) -> str:
    if spoken_language(language) == "nl":
        return dealer.opening_hours_text()
    from agents.rules.spoken_dates import WEEKDAY_NAMES

    closed = "closed" if spoken_language(language) == "en" else "geschlossen"
    names = WEEKDAY_NAMES[spoken_language(language)]
    return "\n".join(f"{names[index]}: {spec.replace('-', ' - ') if (spec := dealer.opening_hours.get(weekday)) else closed}"
                     for index, weekday in enumerate(WEEKDAYS))


def _texts(dealer: DealerFacts, language: str = "nl", form: str = "je", already: set[str] | None = None) -> dict[str, str]:
    warranty = dealer.warranty
    delivery = dealer.delivery
    drive = dealer.test_drive

    def said(phrase: Phrase, **fields) -> str:
        return say(phrase, language, form, **fields)

    home = (
        said(HOME_DELIVERY_PRICED, cost=euro(delivery.home_delivery_cost_eur, language))
        if delivery.home_delivery_available and delivery.home_delivery_cost_eur
        else (said(HOME_DELIVERY) if delivery.home_delivery_available else "")
    )
    apk = said(NEW_APK) if delivery.apk_included else ""
    cost = said(DELIVERY_COST, cost=euro(delivery.delivery_cost_eur, language)) if delivery.delivery_cost_eur else said(NO_DELIVERY_COST)
    bring = said(BRING, bring=dealer.word(drive.bring, language, form)) if drive.requires_license else "."
    # dealer.yaml's description repeats "BOVAG-garantie" when it only sums up what WARRANTY says
    summing_up = warranty.description and "bovag" in warranty.description.lower()
    description = dealer.word(warranty.description, language, form) if warranty.description and not summing_up else ""
    return {
        "test_drive": said(TEST_DRIVE, minutes=drive.duration_minutes, bring=bring, address=dealer.address.one_line()),
        "warranty": said(WARRANTY, months=warranty.bovag_months) + (said(WARRANTY_LONGER) if warranty.extended_available else "")
        + (f" {description}" if description else ""),
        "nap": said(NAP),
        "apk": said(APK_NEW) if delivery.apk_included else said(APK_ASK),
        "delivery": cost + apk + home,
        "trade_in": said(TRADE_IN, request=trade_in_request(dealer, already, language, form)),
        "opening_hours": said(HOURS, hours=_opening_hours_text(dealer, language)),
        "location": said(LOCATION, address=dealer.address.one_line()),
    }


def knowledge_for(text: str, dealer: DealerFacts, language: str = "nl", form: str = "je",
                  already: set[str] | None = None) -> list[KnowledgeSnippet]:
    """`already`: trade-in details the customer gave ("kenteken", "kilometerstand"), never asked for again."""
    texts = _texts(dealer, language, form, already)
    if _ABROAD.search(text):  # the delivery costs and the home delivery are for a car registered here
        texts["delivery"] = say(DELIVERY_ABROAD, language, form, phone=dealer.phone, email=dealer.email).strip()
    return [KnowledgeSnippet(module="service", topic=topic, text=texts[topic]) for topic in topics_in(text)]
