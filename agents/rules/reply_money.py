"""Money in a reply: a monthly-payment example, financing products, and the fixed price."""

from __future__ import annotations

from agents.knowledge import financial
from agents.knowledge.financial import CREDIT_WARNING, format_eur, format_rate
from agents.rules.parse import financed_amount
from agents.rules.reply_draft import Draft, focus_car, wants_new_car, without_history
from agents.rules.reply_stock import inventory_parts
from agents.rules.reply_questions import financing_wishes

def payment_parts(draft: Draft) -> list[str]:
    draft.payment_done = True
    dealer = draft.dealer
    finance = dealer.financing
    car = focus_car(draft)
    # a loan's principal or a listed price is no budget (not in max_price), but it is the amount asked about
    price = car.price_eur if car and car.price_eur and not car.price_is_monthly else (
        draft.request.extraction.car_preferences.max_price or financed_amount(draft.request.text, draft.now.year))
    if not price:
        return ["Voor welke auto of welk bedrag wil je het maandbedrag weten? Dan reken ik het voor je uit."]
    months, down = financing_wishes(draft.text, draft.request.context)
    notes = []
    if months is not None and not finance.min_months <= months <= finance.max_months:
        notes.append(f"Een looptijd van {months} maanden kan niet; het kan van {finance.min_months} tot {finance.max_months} maanden.")
        months = financial.clamp_term(months, dealer)
    subject = f"de {car.title} ({format_eur(price)})" if car and car.price_eur == price else f"een auto van {format_eur(price)}"
    if down is not None and down >= price:
        return [f"Met {format_eur(down)} aanbetaling betaal je {subject} helemaal zelf; financieren is dan niet nodig."]
    example = financial.example_payment(price, dealer, months, down)
    if example is None:
        return [f"Financieren kan vanaf {format_eur(finance.min_amount_eur)}, dus voor {subject}"
                + (" met die aanbetaling" if down else "") + " is een lening niet nodig."]
    if car and car.price_eur == price:
        draft.show([car])
    condition = (f"met {format_eur(down)} aanbetaling (je financiert dan {format_eur(example.principal_eur)})"
                 if down else "zonder aanbetaling")
    text = (f"Rekenvoorbeeld voor {subject}, {condition}: bij {example.months} maanden en "
            f"{format_rate(example.annual_rate_percent)} JKP is dat ongeveer {format_eur(example.monthly_payment_eur, cents=True)} "
            f"per maand (totaal {format_eur(example.total_eur, cents=True)}).")
    if months is None and down is None:
        text += " Een andere looptijd of aanbetaling kan ook."
    return notes + [text, CREDIT_WARNING]


def financing_answer(draft: Draft) -> None:
    request = draft.request
    topics = {s.topic: s.text for s in request.expertise.knowledge if s.module == "financial"}
    months, down = financing_wishes(draft.text, without_history(request))
    if focus_car(draft) is None and wants_new_car(draft):
        inventory_parts(draft)  # "kia niro ev, kan ik die financieren?": show which Niro the example is for
    about_a_car = focus_car(draft) and not topics.keys() - {"financing_options", "monthly_payment"}
    if request.extraction.asks_monthly_payment or months is not None or down is not None or about_a_car:
        draft.parts.extend(payment_parts(draft))
    for topic in ("interest_rate", "bkr", "personal_loan", "huurkoop", "private_lease", "financial_lease"):
        if topic in topics:
            draft.parts.append(topics[topic])
            break
    if not draft.parts:
        draft.parts.append(topics.get("financing_options") or financial.knowledge_for("financiering", draft.dealer)[0].text)


def price_negotiation_answer(draft: Draft) -> None:
    dealer = draft.dealer
    draft.parts.append(draft.vary.pick(
        "Onze prijzen zijn scherp gezet en gelden zoals vermeld; korting kan ik via WhatsApp niet geven.",
        "We houden de prijzen scherp, dus zoals vermeld; onderhandelen via de app doe ik niet."))
    focus = focus_car(draft)
    if focus and focus.price_eur and not focus.price_is_monthly:
        draft.parts.append(f"De {focus.title} staat voor {format_eur(focus.price_eur)}, inclusief "
                           f"{dealer.warranty.bovag_months} maanden BOVAG-garantie.")
        draft.show([focus])
    draft.parts.append("Kom gerust langs voor een proefrit: in de showroom kun je alles met een verkoper bespreken, ook een eventuele inruil.")
