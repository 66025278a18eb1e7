"""Which cars we have: availability of the car asked about, matches for a wish, or nothing."""

from __future__ import annotations

import re

from agents.models import Car, ReplyRequest
from agents.rules.reply_cars import MAX_LISTED, car_line, car_list, describe, relaxed_note
from agents.rules.phrases import Phrase
from agents.rules.reply_dialogue import beyond_budget_note
from agents.rules.reply_draft import Draft
from agents.rules.text import normalize

FULL_STOCK_ONLINE = Phrase(nl="Ons complete aanbod ({size}occasions) staat op {website}.",
                          en="You'll find all our cars ({size}used cars) at {website}.",
                          de="Unser komplettes Angebot ({size}Gebrauchtwagen) finden Sie auf {website}.")
ABOUT = Phrase(nl="zo'n {count} ", en="around {count} ", de="rund {count} ")
SOLD = (
    Phrase(nl="Die {title} is helaas verkocht 😕", en="I'm afraid the {title} has been sold 😕",
           de="Der {title} ist leider schon verkauft 😕"),
    Phrase(nl="Helaas, die {title} is al verkocht.", en="Sorry, that {title} has already been sold.",
           de="Leider ist der {title} bereits verkauft."),
)
MAYBE_THESE = Phrase(nl="Misschien is een van deze iets voor je:", nl_u="Misschien is een van deze iets voor u:",
                     en="Perhaps one of these would suit you:", de="Vielleicht ist einer von diesen etwas für Sie:")
NOTHING_SIMILAR = Phrase(
    nl="Ik heb nu geen vergelijkbare auto; zal ik breder zoeken, bijvoorbeeld een ander merk of budget?",
    en="I don't have anything similar right now; shall I search more widely, say another make or budget?",
    de="Etwas Vergleichbares habe ich gerade nicht; soll ich breiter suchen, zum Beispiel nach einer anderen Marke oder einem anderen Budget?",
)
STILL_THERE = (
    Phrase(nl="Goed nieuws: de {title} staat er nog! 👍", en="Good news: the {title} is still here! 👍",
           de="Gute Nachricht: Der {title} ist noch da! 👍"),
    Phrase(nl="Ja, de {title} is nog beschikbaar.", en="Yes, the {title} is still available.",
           de="Ja, der {title} ist noch verfügbar."),
)
HOW_MANY = Phrase(nl="Van de {name} hebben we er nu {count} staan{shown}", en="We have {count} of the {name} in stock right now{shown}",
                  de="Vom {name} haben wir gerade {count} Stück da{shown}")
SHOWN_SOME = Phrase(nl="; dit zijn er {shown}:", en="; here are {shown}:", de="; hier sind {shown}:")
WHICH_ONE = Phrase(
    nl="Welke bedoel je? Stuur gerust de link of het kenteken, dan kijk ik het voor je na.",
    nl_u="Welke bedoelt u? Stuurt u gerust de link of het kenteken, dan kijk ik het voor u na.",
    en="Which one do you mean? Feel free to send the link or the registration number and I'll check it for you.",
    de="Welchen meinen Sie? Schicken Sie mir gern den Link oder das Kennzeichen, dann schaue ich für Sie nach.",
)
NOT_FOUND = Phrase(
    nl="Die auto kan ik in ons actuele aanbod niet terugvinden, dus ik weet niet zeker of hij er nog staat.",
    en="I can't find that car in our current stock, so I'm not sure it's still here.",
    de="Dieses Auto finde ich in unserem aktuellen Bestand nicht, daher weiß ich nicht sicher, ob es noch da ist.",
)
NEWEST = (
    Phrase(nl="Een greep uit onze nieuwste occasions:", en="A few of our newest arrivals:", de="Eine Auswahl unserer neuesten Gebrauchtwagen:"),
    Phrase(nl="Dit zijn een paar van onze nieuwste occasions:", en="Here are some of our latest used cars:",
           de="Hier ein paar unserer neuesten Gebrauchtwagen:"),
)
ALL_ONLINE = Phrase(nl="Het hele aanbod, te sorteren op prijs, staat op {website}.",
                    en="Our full stock, sortable by price, is at {website}.",
                    de="Das ganze Angebot, nach Preis sortierbar, finden Sie auf {website}.")
CLOSEST = Phrase(nl="Precies een {wish} heb ik nu niet; deze komen het dichtst in de buurt{note}:",
                 en="I don't have exactly {wish} right now; these come closest{note}:",
                 de="Genau das ({wish}) habe ich gerade nicht; diese kommen am nächsten heran{note}:")
BEST_OF_MANY = (
    Phrase(nl="Ik heb {count} passende auto's; dit zijn de beste {shown}:", en="I have {count} cars that fit; here are the best {shown}:",
           de="Ich habe {count} passende Autos; hier die besten {shown}:"),
    Phrase(nl="Er passen er {count} bij je wensen, bijvoorbeeld deze {shown}:",
           nl_u="Er passen er {count} bij uw wensen, bijvoorbeeld deze {shown}:",
           en="{count} cars match what you're after, for example these {shown}:",
           de="{count} Autos passen zu Ihren Wünschen, zum Beispiel diese {shown}:"),
)
ONE_FOR_YOU = (
    Phrase(nl="Ik heb er nu één voor je:", nl_u="Ik heb er nu één voor u:", en="I have one for you right now:",
           de="Ich habe gerade einen für Sie:"),
    Phrase(nl="Deze past bij wat je zoekt:", nl_u="Deze past bij wat u zoekt:", en="This one fits what you're looking for:",
           de="Dieser passt zu dem, was Sie suchen:"),
)
SOME_FOR_YOU = (
    Phrase(nl="Dit heb ik op dit moment voor je:", nl_u="Dit heb ik op dit moment voor u:", en="Here's what I have for you right now:",
           de="Das habe ich gerade für Sie:"),
    Phrase(nl="Deze passen bij wat je zoekt:", nl_u="Deze passen bij wat u zoekt:", en="These fit what you're looking for:",
           de="Diese passen zu dem, was Sie suchen:"),
    Phrase(nl="Kijk eens naar deze:", nl_u="Kijkt u eens naar deze:", en="Have a look at these:", de="Schauen Sie sich diese einmal an:"),
)
NONE_IN_STOCK = Phrase(nl="Op dit moment heb ik helaas geen {wish} in de voorraad.", en="I'm afraid I don't have {wish} in stock right now.",
                       de="Einen passenden Wagen ({wish}) habe ich leider gerade nicht im Bestand.")
SEARCH_WIDER = Phrase(
    nl="Zal ik breder zoeken, bijvoorbeeld met een ander merk, een ruimer budget of een ouder bouwjaar?",
    en="Shall I search more widely – another make, a bigger budget or an older model year?",
    de="Soll ich breiter suchen – mit einer anderen Marke, einem größeren Budget oder einem älteren Baujahr?",
)


def _identified(request: ReplyRequest, car: Car) -> bool:
    """Did the customer point at this exact car (discussed before, kenteken or link)?"""
    if any(c.id == car.id for c in request.context.last_cars):
        return True
    compact = re.sub(r"[\s-]", "", request.text.lower())
    plate = re.sub(r"[\s-]", "", (car.license_plate or "").lower())
    if (plate and plate in compact) or (car.url and car.url.lower() in request.text.lower()):
        return True
    # "staat die golf 1.5 tsi life business nog?": the variant singles it out from the others
    said = set(re.findall(r"[a-z0-9.]+", normalize(request.text)))

    def overlap(other: Car) -> int:
        return len(said & set(re.findall(r"[a-z0-9.]+", normalize(other.variant or ""))))

    others = [m.car for m in request.inventory.matches if m.car.id != car.id] if request.inventory else []
    if overlap(car) >= 1 and _told_by_version(request, [car, *others]) is car:
        return True  # one version word only this car has: "XC40 T3"
    return overlap(car) >= 2 and all(overlap(car) > overlap(other) for other in others)


def _told_by_version(request: ReplyRequest, cars: list[Car]) -> Car | None:
    """The one car whose version words the message names while no other car's do ("XC40 T3", "de TDI")."""
    said = set(re.findall(r"[a-z0-9.]+", normalize(request.text)))
    hits = [car for car in cars
            if said & (set(re.findall(r"[a-z0-9.]+", normalize(car.variant or ""))) - _COMMON_VERSION_WORDS)]
    return hits[0] if len(hits) == 1 and len(cars) > 1 else None


_COMMON_VERSION_WORDS = {"nog", "de", "die", "en", "met", "auto", "automaat"}


def inventory_parts(draft: Draft) -> None:
    request = draft.request
    language = draft.language
    inventory = request.inventory
    preferences = request.extraction.car_preferences
    dealer = draft.dealer
    if inventory is None:
        size = draft.say(ABOUT, count=dealer.stock_size_hint) if dealer.stock_size_hint else ""
        draft.parts.append(draft.say(FULL_STOCK_ONLINE, size=size, website=dealer.website))
        return
    asked = inventory.asked_car
    asks = request.extraction.asks_availability
    others = [m.car for m in inventory.matches if not asked or m.car.id != asked.id]
    if asks and inventory.availability == "sold" and asked:
        draft.parts.append(draft.pick(*SOLD, title=asked.title))
        if others:
            draft.parts.append(draft.say(MAYBE_THESE) + "\n" + car_list(others, language))
            draft.show(others[:MAX_LISTED])
        else:
            draft.parts.append(draft.say(NOTHING_SIMILAR))
        return
    if asks and inventory.availability == "available" and asked:
        in_stock = 1 + (0 if inventory.relaxed else inventory.total_found)  # relaxed ones are not what was asked
        asked = _told_by_version(request, [asked] + others) or asked  # "de Volvo XC40 T3": the T3, not the first XC40
        if _identified(request, asked) or in_stock == 1:
            draft.parts.append(draft.pick(*STILL_THERE, title=asked.title))
            draft.parts.append(car_line(asked, language))
            draft.parts.extend(beyond_budget_note(draft, [asked]))  # named after "tot 20k": honest that it is above
            draft.show([asked])
            return
        # "staat die golf nog?" without knowing which one: never pick one arbitrarily.
        listed = [asked] + others
        name = " ".join(p for p in (asked.make, preferences.model or asked.model) if p)
        shown = draft.say(SHOWN_SOME, shown=min(MAX_LISTED, len(listed))) if in_stock > MAX_LISTED else ":"
        draft.parts.append(draft.say(HOW_MANY, name=name, count=in_stock, shown=shown) + "\n" + car_list(listed, language))
        draft.parts.append(draft.say(WHICH_ONE))
        draft.show(listed[:MAX_LISTED])
        return
    if asks and inventory.availability == "unknown":
        draft.parts.append(draft.say(NOT_FOUND))
    cars = [m.car for m in inventory.matches]
    nothing_asked = request.context.preferences.merged_with(preferences).is_empty()
    if cars and nothing_asked:
        # No wish to match (yet): show some stock without claiming it fits, and point to the full list.
        draft.parts.append(draft.pick(*NEWEST) + "\n" + car_list(cars, language) + "\n" + draft.say(ALL_ONLINE, website=dealer.website))
        draft.show(cars[:MAX_LISTED])
    elif cars:
        if inventory.relaxed:
            intro = draft.say(CLOSEST, wish=describe(preferences, language), note=relaxed_note(inventory.relaxed, language))
        elif inventory.total_found > MAX_LISTED:
            intro = draft.pick(*BEST_OF_MANY, count=inventory.total_found, shown=MAX_LISTED)
        elif len(cars) == 1:
            intro = draft.pick(*ONE_FOR_YOU)
        else:
            intro = draft.pick(*SOME_FOR_YOU)
        draft.parts.append(intro + "\n" + car_list(cars, language))
        draft.parts.extend(beyond_budget_note(draft, cars))  # the car named, found by name above the budget said
        draft.show(cars[:MAX_LISTED])
    else:
        draft.parts.append(draft.say(NONE_IN_STOCK, wish=describe(preferences, language)))
        draft.parts.append(draft.say(SEARCH_WIDER))
