"""Car-preference extraction by concept: only the car the customer wants fills make/model/fuel/budget.

Phrasings are written for these tests (none is copied from a corpus file), one group per category:
1. typo matching never reads an ordinary word as a car;
2. a motorway is no Audi;
3. a car the customer owns, bought (here or elsewhere) or trades in is no wish;
4. models named without their make;
5. bids, asking prices, costs and counts are no budget; budgets in other words still are;
6. engine designations name the fuel.
"""

from __future__ import annotations

import pytest

from agents.rules import RulesEngine


@pytest.fixture(scope="module")
def engine():
    return RulesEngine(use_model=False)


def _prefs(engine, text):
    return engine.understand(text).extraction.car_preferences


# --- 1. ordinary words near a car name are no car ------------------------------------------------
@pytest.mark.parametrize("text", [
    "ik probeer jullie al de hele ochtend te bereiken",
    "hoeveel procent rente rekenen jullie",
    "can you carry my old bike rack over to the new one?",
    "is er een verse apk bij de aflevering?",
    "what is the price range of your stock?",
    "ik werk als freelancer, kan ik dan financieren?",
    "we are freelancers from Zwolle, do you lease to us?",
    "de combi van garantie en onderhoud lijkt me handig",
    "das passt mir gut, wann kann ich kommen?",
])
def test_everyday_words_are_no_car(engine, text):
    prefs = _prefs(engine, text)
    assert (prefs.make, prefs.model) == (None, None)


@pytest.mark.parametrize("text, make, model", [
    ("toyoya corrola gezocht", "Toyota", "Corolla"),  # a two-letter typo right after its make
    ("heb je een volkswagn tiguan", "Volkswagen", "Tiguan"),
    ("zoek een qashqia", "Nissan", "Qashqai"),
])
def test_real_typos_still_match(engine, text, make, model):
    prefs = _prefs(engine, text)
    assert (prefs.make, prefs.model) == (make, model)


# --- 2. roads ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "sorry ik sta vast in de file op de a6, ben iets later",
    "ik rij via de a28 naar jullie toe, welke afslag?",
    "ongeluk op de a1 ter hoogte van barneveld, kom later",
])
def test_a_motorway_is_no_audi(engine, text):
    assert _prefs(engine, text).make is None


def test_an_audi_a_model_is_still_read(engine):
    prefs = _prefs(engine, "hebben jullie een a4 avant tot 20k")
    assert (prefs.make, prefs.model, prefs.max_price) == ("Audi", "A4", 20000)


# --- 3. the customer's own car -------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "de fabia die mijn vrouw in april bij jullie kocht maakt een piepend geluid",
    "I purchased a Kuga from you in spring and the tailgate sticks, can you look at it?",
    "Der Octavia, den ich bei Ihnen gekauft habe, zieht nach links.",
    "ik heb een peugeot 308 via een particulier gekocht, doen jullie ook de grote beurt?",
    "onze hybride yaris, vorig jaar elders gekocht, heeft een lampje dat brandt",
    "Nehmen Sie meinen Seat Ibiza von 2014 in Zahlung?",
    "inruil: renault megane 2012, 190.000 km, wat bieden jullie?",
    "would you buy my car? it's a 2013 mazda 6",
    "ik lever mijn twee oude caddy's in, wat geven jullie?",
    "de kodiaq van jullie lekt olie, wanneer kan hij binnen?",
    "the Enyaq I got from you won't unlock with the card anymore",
])
def test_owned_cars_are_no_wish(engine, text):
    prefs = _prefs(engine, text)
    assert (prefs.make, prefs.model, prefs.fuel_type, prefs.max_price) == (None, None, None, None)


@pytest.mark.parametrize("text, make, model", [
    ("kan ik mijn corsa uit 2012 inruilen op die octavia van jullie site?", "Skoda", "Octavia"),
    ("ik wil mijn clio inruilen als ik de kuga koop", "Ford", "Kuga"),
    ("Würde meinen Opel Astra gegen euren Hyundai i30 tauschen, Inzahlungnahme möglich?", "Hyundai", "i30"),
    ("my old polo as part-exchange towards a yaris hybrid please", "Toyota", "Yaris"),
    ("ik heb vorig jaar een golf bij jullie gekocht, nu zoek ik een polo voor mijn dochter", "Volkswagen", "Polo"),
    ("vorige keer kocht ik hier een astra, nu wil ik een grandland", "Opel", "Grandland"),
])
def test_the_wanted_car_next_to_an_owned_one(engine, text, make, model):
    prefs = _prefs(engine, text)
    assert (prefs.make, prefs.model) == (make, model)


@pytest.mark.parametrize("text, fuel", [
    ("mijn huidige diesel gaat weg, ik wil iets elektrisch", "electric"),
    ("ik wil mn benziner inruilen tegen een hybride", "hybrid"),
])
def test_the_fuel_of_the_owned_car_is_no_wish(engine, text, fuel):
    assert _prefs(engine, text).fuel_type == fuel


# --- 4. models named without their make ----------------------------------------------------------
@pytest.mark.parametrize("text, make, model", [
    ("staat de swift met trekhaak er nog?", "Suzuki", "Swift"),
    ("mag ik de jazz zaterdag proefrijden", "Honda", "Jazz"),
    ("is die 2008 allure nog te koop?", "Peugeot", "2008"),
    ("wat kost de compass op jullie site?", "Jeep", "Compass"),
    ("hebben jullie nog mercedessen met een trekhaak?", "Mercedes-Benz", None),
    ("die groene mini op de site, is die nog beschikbaar?", "MINI", None),
    ("die m135i uit 2019, hoeveel km?", "BMW", "1 Serie"),
])
def test_models_without_make(engine, text, make, model):
    prefs = _prefs(engine, text)
    assert (prefs.make, prefs.model) == (make, model)


@pytest.mark.parametrize("text", [
    "mijn auto is uit 2008, wat is hij nog waard?",
    "mijn partner wil ook mee naar de proefrit",
    "ik luister graag jazz in de auto, hoe goed is de speaker?",
])
def test_words_and_years_stay_no_model(engine, text):
    assert _prefs(engine, text).model is None


# --- 5. amounts that are no budget, and budgets said otherwise --------------------------------------
@pytest.mark.parametrize("text", [
    "ik bied 13.250 voor de focus",
    "tegenbod: 8.400 voor die c1",
    "would you accept 22k for the tucson?",
    "18.000 en ik neem de kodiaq vandaag mee",
    "die ibiza staat op 11.950, ik kom tot 10.800",
    "hebben jullie 14 mille cash liggen voor die yaris geaccepteerd?",
    "mijn kanaal heeft 25k volgers, zin in een samenwerking?",
    "u heeft een tegoedbon van €750 gewonnen, klik hier",
    "er staat een rekening van 450 euro voor de reparatie, dat klopt niet",
    "bel me op +49 3455 778899 over de passat",
])
def test_bids_prices_costs_and_counts_are_no_budget(engine, text):
    assert _prefs(engine, text).max_price is None


@pytest.mark.parametrize("text, max_price", [
    ("zoek een skoda fabia, niet boven de 9.500", 9500),
    ("looking for a hybrid estate up to 24,000 euros", 24000),
    ("any automatic under €16,500?", 16500),
    ("Suche einen Golf bis 18 Tsd", 18000),
    ("mijn maximum is 21k voor een suv", 21000),
    ("als ik 14.000 leen voor een auto, wat betaal ik per maand?", 14000),
    ("iets rond de 15k maar echt max 17.000", 17000),
    ("a small automatic for no more than eleven thousand euros", 11000),
    ("Ich suche einen Kombi für höchstens achtzehntausend Euro", 18000),
])
def test_budgets_in_other_words(engine, text, max_price):
    assert _prefs(engine, text).max_price == max_price


# --- 6. engine designations name the fuel --------------------------------------------------------
@pytest.mark.parametrize("text, fuel", [
    ("passat gtd gezocht tot 25k", "diesel"),
    ("astra 1.6 cdti sports tourer", "diesel"),
    ("volvo xc60 d5 met trekhaak", "diesel"),
    ("bmw 420i gran coupe", "petrol"),
    ("x3 xdrive30i beschikbaar?", "petrol"),
    ("clio tce 100 automaat", "petrol"),
    ("bmw 530e touring", "plug_in_hybrid"),
    ("zoek een lpg auto, merk maakt me niet uit", "lpg"),
    ("habt ihr elektroautos bis 25k?", "electric"),
    ("xc40 b3 mildhybrid op voorraad?", "hybrid"),
    ("zoek voor de export oude dieseltjes tot 5k", "diesel"),
])
def test_engine_designations_name_the_fuel(engine, text, fuel):
    assert _prefs(engine, text).fuel_type == fuel


def test_open_about_the_fuel_itself_names_none(engine):
    assert _prefs(engine, "benzine of diesel maakt me niet uit").fuel_type is None


@pytest.mark.parametrize("text, max_price", [
    ("I just bought a flat, now I need a small car under 9k, a fiesta maybe", 9000),
    ("we bought our previous car here, do you have a corolla under 21k?", 21000),
])
def test_a_purchase_told_in_passing_keeps_the_wish(engine, text, max_price):
    assert _prefs(engine, text).max_price == max_price
