"""The trade-in intake's decisions and texts (agents.tradein), with the rules engine's reading of each message."""

from __future__ import annotations

from datetime import date, datetime, timezone

from agents.knowledge.dealer import dealer_facts
from agents.models import Car, CarPreferences, ConversationContext, Turn
from agents.rules import RulesEngine
from agents.tradein import (
    add_photos,
    crm_with_trade_in,
    observe,
    offer_moment,
    ready_for_summary,
    summary_text,
    without_trade_in,
)
from agents.tradein_models import PlateLookup, RdwVehicle, TradeIn, TradeInPhoto
from agents.models import CRMOutput
from config import PROJECT_ROOT

DEALER = dealer_facts(PROJECT_ROOT / "dealer.yaml")
# Monday 7 December 2026, 11:00 in Harderwijk (10:00 UTC): open until 18:00
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
ASTRA = RdwVehicle(plate="1XJR34", make="Opel", model="Astra", first_registration=date(2015, 3, 12),
                   apk_expiry=date(2027, 3, 3), odometer_judgement="Logisch", fuels=["Benzine"], open_recall=False)


def _read(text: str, context: ConversationContext | None = None):
    """The rules engine's router and extraction of a message, as the workflow gets them."""
    rules = RulesEngine()
    router = rules.route_sync(text, context)
    return router, rules.extract_sync(text, context, router)


def _lookup(vehicle=ASTRA, status="found", dashed="1-XJR-34"):
    return PlateLookup(plate=dashed.replace("-", ""), dashed=dashed, status=status, vehicle=vehicle)


def test_a_trade_in_asks_plate_and_mileage_in_one_question():
    router, extraction = _read("ik wil mijn auto inruilen")
    step = observe(None, "ik wil mijn auto inruilen", router, extraction, None, MONDAY_MORNING, DEALER)
    assert step.reply == "Inruilen kan zeker! Wat is het kenteken van je auto, en wat is ongeveer de kilometerstand?"
    assert step.trade_in is not None and step.about_trade_in


def test_the_plate_brings_rdw_facts_back_as_a_question():
    text = "ik wil mijn auto inruilen, kenteken 1-XJR-34"
    router, extraction = _read(text)
    step = observe(None, text, router, extraction, _lookup(), MONDAY_MORNING, DEALER)
    assert step.reply == ("Inruilen kan zeker! Een Opel Astra uit 2015, benzine, APK tot 3 maart 2027: klopt dat? "
                          "En wat is ongeveer de kilometerstand?")
    assert step.trade_in.plate == "1-XJR-34" and step.trade_in.vehicle == ASTRA


def test_onlogisch_is_told_to_sales_never_to_the_customer():
    vehicle = ASTRA.model_copy(update={"odometer_judgement": "Onlogisch"})
    text = "kenteken 1-XJR-34, ongeveer 140.000 km, wil hem inruilen"
    router, extraction = _read(text)
    step = observe(None, text, router, extraction, _lookup(vehicle), MONDAY_MORNING, DEALER)
    assert "logisch" not in step.reply.lower() and "nap" not in step.reply.lower()
    note = summary_text(step.trade_in, customer="Jan", phone="+31612345678", wants=None, reason="test")
    assert "Tellerstandoordeel (NAP): Onlogisch" in note and "NIET met de klant besproken" in note


def test_the_mileage_asks_for_photos_and_says_when_the_offer_comes():
    start = TradeIn(plate="1-XJR-34", lookup_status="found", vehicle=ASTRA, started_at=MONDAY_MORNING,
                    last_activity_at=MONDAY_MORNING)
    context = ConversationContext(history=[Turn(role="bot", text="…: klopt dat? En wat is ongeveer de kilometerstand?",
                                                at=MONDAY_MORNING)], has_trade_in=True, trade_in=start)
    router, extraction = _read("ongeveer 140.000 km", context)
    step = observe(start, "ongeveer 140.000 km", router, extraction, None, MONDAY_MORNING, DEALER, context=context)
    assert step.trade_in.mileage_km == 140000 and step.newly_complete
    assert "3 of 4 foto's" in step.reply and "dashboard met de kilometerstand" in step.reply and "schade" in step.reply
    assert "vandaag nog een inruilvoorstel" in step.reply and "€" not in step.reply


def test_a_budget_right_after_the_mileage_question_is_a_wish_not_the_mileage():
    start = TradeIn(started_at=MONDAY_MORNING, last_activity_at=MONDAY_MORNING)
    context = ConversationContext(history=[Turn(role="bot", text="Wat is het kenteken van je auto, en wat is "
                                                "ongeveer de kilometerstand?", at=MONDAY_MORNING)],
                                  has_trade_in=True, trade_in=start)
    for text in ("Ik zoek een diesel stationwagon tot 25000 euro", "max 20k", "€ 25.000"):
        router, extraction = _read(text, context)
        step = observe(start, text, router, extraction, None, MONDAY_MORNING, DEALER, context=context)
        assert step.trade_in.mileage_km is None and step.reply is None, text
    for text in ("ongeveer 120 duizend", "ongeveer 120 duizend, tot zaterdag!"):  # a bare number still answers it
        router, extraction = _read(text, context)
        step = observe(start, text, router, extraction, None, MONDAY_MORNING, DEALER, context=context)
        assert step.trade_in.mileage_km == 120000, text


def test_asked_where_the_photos_go_the_answer_is_here_in_the_chat():
    start = TradeIn(plate="1-XJR-34", lookup_status="found", vehicle=ASTRA, mileage_km=140_000, photos_requested=True,
                    started_at=MONDAY_MORNING, last_activity_at=MONDAY_MORNING)
    context = ConversationContext(history=[Turn(role="bot", text="Stuur je 3 of 4 foto's?", at=MONDAY_MORNING)],
                                  has_trade_in=True, trade_in=start)
    for text in ("Ik kan foto's sturen, moet dat hier?", "waar moet ik de foto's naartoe sturen?"):
        router, extraction = _read(text, context)
        step = observe(start, text, router, extraction, None, MONDAY_MORNING, DEALER, context=context)
        assert step.reply.startswith("Stuur ze gerust hier in de chat") and "dashboard" in step.reply, text
    router, extraction = _read("mooie foto's van de golf!", context)  # no question about where
    assert observe(start, "mooie foto's van de golf!", router, extraction, None, MONDAY_MORNING, DEALER,
                   context=context).reply is None


def test_offer_moment_today_or_next_working_day():
    assert offer_moment(DEALER, MONDAY_MORNING) == "vandaag nog"
    assert offer_moment(DEALER, datetime(2026, 12, 7, 17, 30, tzinfo=timezone.utc)) == "morgen"  # 18:30 local
    assert offer_moment(DEALER, datetime(2026, 12, 12, 16, 30, tzinfo=timezone.utc)) == "op maandag"  # Saturday 17:30


def test_no_valuation_promised_and_bijbetalen_only_from_staffs_value():
    trade_in = TradeIn(plate="1-XJR-34", vehicle=ASTRA, mileage_km=140000, photos_requested=True,
                       started_at=MONDAY_MORNING, last_activity_at=MONDAY_MORNING)
    golf = Car(id="g1", make="Volkswagen", model="Golf", variant="1.5 TSI", price_eur=24950)
    router, extraction = _read("wat krijg ik ervoor?")
    step = observe(trade_in, "wat krijg ik ervoor?", router, extraction, None, MONDAY_MORNING, DEALER, golf)
    assert "Een bedrag noem ik hier niet" in step.reply and "collega" in step.reply and "€" not in step.reply
    router, extraction = _read("hoeveel moet ik bijbetalen voor de golf?")
    step = observe(trade_in, "hoeveel moet ik bijbetalen voor de golf?", router, extraction, None, MONDAY_MORNING, DEALER, golf)
    assert "€" not in step.reply and "bijbetaalt" in step.reply
    valued = trade_in.model_copy(update={"indicative_value_eur": 6000})
    step = observe(valued, "hoeveel moet ik bijbetalen voor de golf?", router, extraction, None, MONDAY_MORNING, DEALER, golf)
    assert "€ 6.000" in step.reply and "€ 18.950 bij" in step.reply


def test_the_trade_in_never_becomes_the_wish():
    context = ConversationContext(preferences=CarPreferences(make="Volkswagen", model="Golf", max_price=25000))
    text = "ik heb een opel astra 2015 met 140.000 km, wat krijg ik ervoor?"
    router, extraction = _read(text, context)
    step = observe(None, text, router, extraction, None, MONDAY_MORNING, DEALER, context=context)
    assert (step.trade_in.make, step.trade_in.model, step.trade_in.year, step.trade_in.mileage_km) == ("Opel", "Astra", 2015, 140000)
    kept = without_trade_in(extraction, context, step.trade_in, text, about_trade_in=True).car_preferences
    assert (kept.make, kept.model, kept.max_price, kept.min_year, kept.max_mileage_km) == ("Volkswagen", "Golf", 25000, None, None)


def test_a_stock_plate_is_not_a_trade_in():
    text = "staat GB-123-X nog?"
    router, extraction = _read(text)
    step = observe(None, text, router, extraction, _lookup(None, "stock", "GB-123-X"), MONDAY_MORNING, DEALER)
    assert step.trade_in is None and step.reply is None


def test_photos_are_counted_and_complete_the_intake():
    trade_in = TradeIn(plate="1-XJR-34", vehicle=ASTRA, mileage_km=140000, photos_requested=True,
                       started_at=MONDAY_MORNING, last_activity_at=MONDAY_MORNING)
    photos = [TradeInPhoto(message_id=f"m{i}", url=f"http://waha/api/files/m{i}.jpeg", at=MONDAY_MORNING) for i in range(4)]
    trade_in, ack = add_photos(trade_in, photos[:3], MONDAY_MORNING, DEALER)
    assert ack.startswith("Top, 3 foto's binnen!") and not ready_for_summary(trade_in)
    trade_in, again = add_photos(trade_in, photos[2:], MONDAY_MORNING, DEALER)
    assert again.startswith("Top, 4 foto's binnen!") and "collega" in again and ready_for_summary(trade_in)
    assert [p.message_id for p in trade_in.photos] == ["m0", "m1", "m2", "m3"]  # a redelivered photo counts once


def test_crm_attributes_label_and_a_warm_floor():
    trade_in = TradeIn(plate="1-XJR-34", vehicle=ASTRA, mileage_km=140000, started_at=MONDAY_MORNING,
                       last_activity_at=MONDAY_MORNING)
    crm = CRMOutput(lead_score=45, lead_quality="LUKEWARM", tags=["lead:lukewarm"], custom_attributes={"lead_score": 45})
    out = crm_with_trade_in(crm, trade_in, trade_in_complete=True)
    assert out.custom_attributes["has_trade_in"] is True
    assert out.custom_attributes["trade_in_vehicle"] == "Opel Astra 2015, 140.000 km, 1-XJR-34"
    assert "trade-in" in out.tags and "lead:warm" in out.tags and "lead:lukewarm" not in out.tags
    assert (out.lead_score, out.lead_quality) == (60, "WARM")
    hot = crm.model_copy(update={"lead_score": 85, "lead_quality": "HOT"})
    assert crm_with_trade_in(hot, trade_in, True).lead_quality == "HOT"
    assert crm_with_trade_in(crm, trade_in, False).lead_quality == "LUKEWARM"


def test_an_expired_apk_is_said_as_expired():
    expired = ASTRA.model_copy(update={"apk_expiry": date(2026, 1, 15)})
    router, extraction = _read("kenteken 1-XJR-34")
    step = observe(None, "inruilen, kenteken 1-XJR-34", router, extraction, _lookup(expired), MONDAY_MORNING, DEALER)
    assert "APK verlopen op 15 januari 2026" in step.reply and "APK tot" not in step.reply
