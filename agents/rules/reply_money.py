"""Money in a reply: a monthly-payment example, financing products, and the fixed price."""

from __future__ import annotations

import re

from agents.knowledge import finance_products, financial
from agents.knowledge.financial import CREDIT_WARNING
from agents.rules.parse import financed_amount
from agents.rules.phrases import Phrase, euro, percent
from agents.rules.reply_draft import Draft, focus_car, wants_new_car, without_history
from agents.rules.reply_stock import inventory_parts
from agents.rules.reply_questions import financing_wishes

WHICH_AMOUNT = Phrase(
    nl="Voor welke auto of welk bedrag wil je het maandbedrag weten? Dan reken ik het voor je uit.",
    nl_u="Voor welke auto of welk bedrag wilt u het maandbedrag weten? Dan reken ik het voor u uit.",
    en="Which car or amount would you like the monthly payment for? I'll work it out for you.",
    de="Für welches Auto oder welchen Betrag möchten Sie die Monatsrate wissen? Dann rechne ich sie Ihnen aus.",
)
TERM_OUT_OF_RANGE = Phrase(
    nl="Een looptijd van {months} maanden kan niet; het kan van {shortest} tot {longest} maanden.",
    en="A term of {months} months isn't possible; it can run from {shortest} to {longest} months.",
    de="Eine Laufzeit von {months} Monaten ist nicht möglich; möglich sind {shortest} bis {longest} Monate.",
)
SUBJECT_CAR = Phrase(nl="de {title} ({price})", en="the {title} ({price})", de="den {title} ({price})")
SUBJECT_AMOUNT = Phrase(nl="een auto van {price}", en="a {price} car", de="ein Auto für {price}")
PAID_IN_FULL = Phrase(
    nl="Met {down} aanbetaling betaal je {subject} helemaal zelf; financieren is dan niet nodig.",
    nl_u="Met {down} aanbetaling betaalt u {subject} helemaal zelf; financieren is dan niet nodig.",
    en="With a {down} down payment you'd pay for {subject} in full, so there's nothing to finance.",
    de="Mit {down} Anzahlung bezahlen Sie {subject} komplett selbst; eine Finanzierung ist dann nicht nötig.",
)
TOO_SMALL = Phrase(
    nl="Financieren kan vanaf {minimum}, dus voor {subject}{with_down} is een lening niet nodig.",
    en="Financing starts at {minimum}, so for {subject}{with_down} you won't need a loan.",
    de="Finanzieren ist ab {minimum} möglich, für {subject}{with_down} brauchen Sie also keinen Kredit.",
)
WITH_THAT_DOWN = Phrase(nl=" met die aanbetaling", en=" with that down payment", de=" mit dieser Anzahlung")
CONDITION_DOWN = Phrase(nl="met {down} aanbetaling (je financiert dan {principal})",
                        nl_u="met {down} aanbetaling (u financiert dan {principal})",
                        en="with {down} down (so you'd finance {principal})",
                        de="mit {down} Anzahlung (Sie finanzieren dann {principal})")
CONDITION_NONE = Phrase(nl="zonder aanbetaling", en="with no down payment", de="ohne Anzahlung")
EXAMPLE = Phrase(
    nl="Rekenvoorbeeld voor {subject}, {condition}: bij {months} maanden en {rate} JKP is dat ongeveer {monthly} "
       "per maand (totaal {total}).",
    en="Here's an example for {subject}, {condition}: over {months} months at {rate} APR that's about {monthly} "
       "a month ({total} in total).",
    de="Rechenbeispiel für {subject}, {condition}: bei {months} Monaten und {rate} effektivem Jahreszins sind das etwa "
       "{monthly} im Monat (insgesamt {total}).",
)
OTHER_TERM = Phrase(nl=" Een andere looptijd of aanbetaling kan ook.", en=" A different term or down payment works too.",
                    de=" Eine andere Laufzeit oder Anzahlung ist auch möglich.")
FIXED_PRICES = (
    Phrase(nl="Onze prijzen zijn scherp gezet en gelden zoals vermeld; korting kan ik via WhatsApp niet geven.",
           en="Our prices are already sharp and stand as listed; I can't give discounts over WhatsApp.",
           de="Unsere Preise sind knapp kalkuliert und gelten wie angegeben; Rabatt kann ich über WhatsApp leider nicht geben."),
    Phrase(nl="We houden de prijzen scherp, dus zoals vermeld; onderhandelen via de app doe ik niet.",
           en="We keep our prices sharp, so they're as listed; I don't negotiate over the app.",
           de="Wir kalkulieren unsere Preise knapp, sie gelten also wie angegeben; über WhatsApp verhandle ich nicht."),
)
PRICE_WITH_WARRANTY = Phrase(
    nl="De {title} staat voor {price}, inclusief {months} maanden BOVAG-garantie.",
    en="The {title} is {price}, including a {months}-month BOVAG warranty.",
    de="Der {title} kostet {price}, inklusive {months} Monaten BOVAG-Garantie.",
)
TALK_IN_SHOWROOM = Phrase(
    nl="Kom gerust langs voor een proefrit: in de showroom kun je alles met een verkoper bespreken, ook een eventuele inruil.",
    nl_u="Komt u gerust langs voor een proefrit: in de showroom kunt u alles met een verkoper bespreken, ook een eventuele inruil.",
    en="Do come by for a test drive: in the showroom you can talk everything through with a salesperson, including any trade-in.",
    de="Kommen Sie gern zu einer Probefahrt vorbei: Im Autohaus können Sie alles mit einem Verkäufer besprechen, "
       "auch eine mögliche Inzahlungnahme.",
)


CONDITION_TRADE_IN = Phrase(
    nl="met je inruilauto (indicatief {trade}) eraf, dus je financiert {principal}",
    nl_u="met uw inruilauto (indicatief {trade}) eraf, dus u financiert {principal}",
    en="with your trade-in (indicatively {trade}) taken off, so you'd finance {principal}",
    de="abzüglich Ihres Inzahlungnahme-Autos (indikativ {trade}), Sie finanzieren also {principal}",
)
CONDITION_DOWN_AND_TRADE_IN = Phrase(
    nl="met {down} aanbetaling en je inruilauto (indicatief {trade}) eraf, dus je financiert {principal}",
    nl_u="met {down} aanbetaling en uw inruilauto (indicatief {trade}) eraf, dus u financiert {principal}",
    en="with {down} down and your trade-in (indicatively {trade}) taken off, so you'd finance {principal}",
    de="mit {down} Anzahlung und abzüglich Ihres Inzahlungnahme-Autos (indikativ {trade}), Sie finanzieren also {principal}",
)
PAID_BY_TRADE_IN = Phrase(
    nl="Met je inruilauto (indicatief {trade}) en je aanbetaling is {subject} helemaal betaald; financieren is dan niet nodig.",
    nl_u="Met uw inruilauto (indicatief {trade}) en uw aanbetaling is {subject} helemaal betaald; financieren is dan niet nodig.",
    en="With your trade-in (indicatively {trade}) and your down payment, {subject} is fully paid; there's nothing to finance.",
    de="Mit Ihrem Inzahlungnahme-Auto (indikativ {trade}) und Ihrer Anzahlung ist {subject} vollständig bezahlt; "
       "eine Finanzierung ist nicht nötig.",
)


def trade_in_value(draft: Draft) -> int | None:
    """The indicative value staff gave for the customer's trade-in (CLI or Chatwoot), if any."""
    trade_in = draft.request.context.trade_in
    return trade_in.indicative_value_eur if trade_in is not None and trade_in.indicative_value_eur else None


def payment_parts(draft: Draft) -> list[str]:
    draft.payment_done = True
    dealer = draft.dealer
    finance = dealer.financing
    car = focus_car(draft)
    # a loan's principal or a listed price is no budget (not in max_price), but it is the amount asked about
    price = car.price_eur if car and car.price_eur and not car.price_is_monthly else (
        draft.request.extraction.car_preferences.max_price or financed_amount(draft.request.text, draft.now.year))
    if not price:
        return [draft.say(WHICH_AMOUNT)]
    months, down = financing_wishes(draft.text, draft.request.context)
    notes = []
    if months is not None and not finance.min_months <= months <= finance.max_months:
        notes.append(draft.say(TERM_OUT_OF_RANGE, months=months, shortest=finance.min_months, longest=finance.max_months))
        months = financial.clamp_term(months, dealer)
    language = draft.language
    subject = (draft.say(SUBJECT_CAR, title=car.title, price=euro(price, language)) if car and car.price_eur == price
               else draft.say(SUBJECT_AMOUNT, price=euro(price, language)))
    trade = trade_in_value(draft)
    if trade is not None and (down or 0) + trade >= price:
        return [draft.say(PAID_BY_TRADE_IN, trade=euro(trade, language), subject=subject)]
    if down is not None and down >= price:
        return [draft.say(PAID_IN_FULL, down=euro(down, language), subject=subject)]
    example = financial.example_payment(price, dealer, months, down, trade)
    if example is None:
        return [draft.say(TOO_SMALL, minimum=euro(finance.min_amount_eur, language), subject=subject,
                          with_down=draft.say(WITH_THAT_DOWN) if down else "")]
    if car and car.price_eur == price:
        draft.show([car])
    condition = (draft.say(CONDITION_DOWN, down=euro(down, language), principal=euro(example.principal_eur, language))
                 if down else draft.say(CONDITION_NONE))
    if trade is not None:  # the indicative value staff gave for their car comes off the price as well
        condition = (draft.say(CONDITION_DOWN_AND_TRADE_IN, down=euro(down, language), trade=euro(trade, language),
                               principal=euro(example.principal_eur, language)) if down
                     else draft.say(CONDITION_TRADE_IN, trade=euro(trade, language), principal=euro(example.principal_eur, language)))
    text = draft.say(EXAMPLE, subject=subject, condition=condition, months=example.months,
                     rate=percent(example.annual_rate_percent, language),
                     monthly=euro(example.monthly_payment_eur, language, cents=True), total=euro(example.total_eur, language, cents=True))
    if months is None and down is None:
        text += draft.say(OTHER_TERM)
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
    products = finance_products.asked_products(draft.text)
    if products:  # "wat is het verschil tussen private lease en financial lease?": each in two or three lines
        draft.parts += finance_products.explain(products, draft.language, draft.form)
    for topic in ("interest_rate", "bkr", "personal_loan", "huurkoop", "private_lease", "financial_lease"):
        if topic in topics and not (products and topic in finance_products.PRODUCTS):
            draft.parts.append(topics[topic])
            break
    if not draft.parts:
        draft.parts.append(topics.get("financing_options")
                           or financial.knowledge_for("financiering", draft.dealer, draft.language, draft.form)[0].text)


CASH_SAME_PRICE = Phrase(
    nl="Contant betalen verandert de prijs niet: die is al scherp gezet en geldt hoe je ook betaalt.",
    nl_u="Contant betalen verandert de prijs niet: die is al scherp gezet en geldt hoe u ook betaalt.",
    en="Paying cash doesn't change the price: it's already sharp and is the same however you pay.",
    de="Barzahlung ändert den Preis nicht: Er ist bereits knapp kalkuliert und gilt unabhängig von der Zahlungsart.",
)
_CASH = re.compile(r"\b(contant|cash|bar(?:zahlung)?)\b")


def price_negotiation_answer(draft: Draft) -> None:
    dealer = draft.dealer
    if _CASH.search(draft.text):  # "en als ik vandaag contant betaal?": the price stays, said plainly
        draft.parts.append(draft.say(CASH_SAME_PRICE))
    else:
        draft.parts.append(draft.pick(*FIXED_PRICES))
    focus = focus_car(draft)
    if focus and focus.price_eur and not focus.price_is_monthly:
        draft.parts.append(draft.say(PRICE_WITH_WARRANTY, title=focus.title, price=euro(focus.price_eur, draft.language),
                                     months=dealer.warranty.bovag_months))
        draft.show([focus])
    draft.parts.append(draft.say(TALK_IN_SHOWROOM))
