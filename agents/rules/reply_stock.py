"""Which cars we have: availability of the car asked about, matches for a wish, or nothing."""

from __future__ import annotations

import re

from agents.models import Car, ReplyRequest
from agents.rules.reply_cars import MAX_LISTED, car_line, car_list, describe, relaxed_note
from agents.rules.reply_dialogue import beyond_budget_note
from agents.rules.reply_draft import Draft
from agents.rules.text import normalize

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
    return overlap(car) >= 2 and all(overlap(car) > overlap(other) for other in others)


def inventory_parts(draft: Draft) -> None:
    request, vary = draft.request, draft.vary
    inventory = request.inventory
    preferences = request.extraction.car_preferences
    dealer = draft.dealer
    if inventory is None:
        size = f"zo'n {dealer.stock_size_hint} " if dealer.stock_size_hint else ""
        draft.parts.append(f"Ons complete aanbod ({size}occasions) staat op {dealer.website}.")
        return
    asked = inventory.asked_car
    asks = request.extraction.asks_availability
    others = [m.car for m in inventory.matches if not asked or m.car.id != asked.id]
    if asks and inventory.availability == "sold" and asked:
        draft.parts.append(vary.pick(f"Die {asked.title} is helaas verkocht 😕", f"Helaas, die {asked.title} is al verkocht."))
        if others:
            draft.parts.append("Misschien is een van deze iets voor je:\n" + car_list(others))
            draft.show(others[:MAX_LISTED])
        else:
            draft.parts.append("Ik heb nu geen vergelijkbare auto; zal ik breder zoeken, bijvoorbeeld een ander merk of budget?")
        return
    if asks and inventory.availability == "available" and asked:
        in_stock = 1 + (0 if inventory.relaxed else inventory.total_found)  # relaxed ones are not what was asked
        if _identified(request, asked) or in_stock == 1:
            draft.parts.append(vary.pick(f"Goed nieuws: de {asked.title} staat er nog! 👍", f"Ja, de {asked.title} is nog beschikbaar."))
            draft.parts.append(car_line(asked))
            draft.show([asked])
            return
        # "staat die golf nog?" without knowing which one: never pick one arbitrarily.
        listed = [asked] + others
        name = " ".join(p for p in (asked.make, preferences.model or asked.model) if p)
        draft.parts.append(f"Van de {name} hebben we er nu {in_stock} staan"
                           + (f"; dit zijn er {min(MAX_LISTED, len(listed))}:" if in_stock > MAX_LISTED else ":")
                           + "\n" + car_list(listed))
        draft.parts.append("Welke bedoel je? Stuur gerust de link of het kenteken, dan kijk ik het voor je na.")
        draft.show(listed[:MAX_LISTED])
        return
    if asks and inventory.availability == "unknown":
        draft.parts.append("Die auto kan ik in ons actuele aanbod niet terugvinden, dus ik weet niet zeker of hij er nog staat.")
    cars = [m.car for m in inventory.matches]
    nothing_asked = request.context.preferences.merged_with(preferences).is_empty()
    if cars and nothing_asked:
        # No wish to match (yet): show some stock without claiming it fits, and point to the full list.
        draft.parts.append(vary.pick("Een greep uit onze nieuwste occasions:", "Dit zijn een paar van onze nieuwste occasions:")
                           + "\n" + car_list(cars) + f"\nHet hele aanbod, te sorteren op prijs, staat op {dealer.website}.")
        draft.show(cars[:MAX_LISTED])
    elif cars:
        if inventory.relaxed:
            intro = (f"Precies een {describe(preferences)} heb ik nu niet; deze komen het dichtst in de buurt"
                     f"{relaxed_note(inventory.relaxed)}:")
        elif inventory.total_found > MAX_LISTED:
            intro = vary.pick(f"Ik heb {inventory.total_found} passende auto's; dit zijn de beste {MAX_LISTED}:",
                              f"Er passen er {inventory.total_found} bij je wensen, bijvoorbeeld deze {MAX_LISTED}:")
        elif len(cars) == 1:
            intro = vary.pick("Ik heb er nu één voor je:", "Deze past bij wat je zoekt:")
        else:
            intro = vary.pick("Dit heb ik op dit moment voor je:", "Deze passen bij wat je zoekt:", "Kijk eens naar deze:")
        draft.parts.append(intro + "\n" + car_list(cars))
        draft.parts.extend(beyond_budget_note(draft, cars))  # the car named, found by name above the budget said
        draft.show(cars[:MAX_LISTED])
    else:
        draft.parts.append(f"Op dit moment heb ik helaas geen {describe(preferences)} in de voorraad.")
        draft.parts.append("Zal ik breder zoeken, bijvoorbeeld met een ander merk, een ruimer budget of een ouder bouwjaar?")
