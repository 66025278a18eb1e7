"""Service and technical snippets: facts from dealer.yaml, no trade-in value, topics found."""

from __future__ import annotations

from agents.knowledge import service, technical
from agents.knowledge.dealer import dealer_facts
from agents.rules.text import normalize


def _topics(snippets):
    return {s.topic for s in snippets}


def test_service_facts_come_from_dealer_yaml():
    dealer = dealer_facts()
    changed = dealer.model_copy(update={
        "warranty": dealer.warranty.model_copy(update={"bovag_months": 24}),
        "delivery": dealer.delivery.model_copy(update={"delivery_cost_eur": 495}),
    })
    warranty = service.knowledge_for("hoeveel garantie", changed)[0].text
    delivery = service.knowledge_for("wat zijn de afleverkosten", changed)[0].text
    assert "24 maanden BOVAG" in warranty
    assert "€ 495" in delivery


def test_trade_in_asks_for_details_and_never_a_value():
    dealer = dealer_facts()
    text = service.knowledge_for("inruil", dealer)[0].text
    for item in dealer.trade_in.needed:
        assert item in text
    assert "€" not in text
    assert "kenteken" not in service.trade_in_request(dealer, {"kenteken"})


def test_home_delivery_price_is_for_the_netherlands_only():
    dealer = dealer_facts()
    home = service.knowledge_for(normalize("bezorgen jullie ook thuis?"), dealer)[0].text
    assert "€ 150" in home
    for text, language in (("Liefern Sie nach Deutschland?", "de"), ("kunnen jullie hem in belgië bezorgen?", "nl")):
        abroad = service.knowledge_for(normalize(text), dealer, language)[0].text
        assert "150" not in abroad and dealer.phone in abroad, abroad


def test_service_topics():
    dealer = dealer_facts()
    assert _topics(service.knowledge_for(normalize("Is de km-stand NAP en krijg ik APK?"), dealer)) >= {"nap", "apk"}
    assert "test_drive" in _topics(service.knowledge_for("proefrit zaterdag", dealer))
    assert dealer.address.street in service.knowledge_for("waar zitten jullie", dealer)[0].text


def test_engine_codes_in_two_car_names_are_no_question_about_engines():
    asked = normalize("Ik twijfel tussen de Golf 1.5 TSI en de Tiguan 2.0 TDI. Wat is het prijsverschil?")
    assert technical.knowledge_for(asked) == []
    assert _topics(technical.knowledge_for(normalize("wat is het verschil tussen de 1.5 tsi en de 2.0 tdi?"))) == {"engine_types"}


def test_technical_topics():
    found = _topics(technical.knowledge_for(normalize("wat is de actieradius en hoe snel kan ik laden? heeft hij een trekhaak, dsg?")))
    assert found == {"ev_range", "charging", "towing", "automatic_gearbox"}
    assert technical.knowledge_for("hallo") == []
