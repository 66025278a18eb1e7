"""General car knowledge (agents.knowledge.technical and .drivetrain) in English, German and Dutch "u".

The Dutch "je" texts live with their topics (technical._TEXTS, drivetrain.TEXTS); these are the
same answers for a customer who writes English or German, or who says "u".
"""

from __future__ import annotations

from agents.rules.phrases import Phrase

TECHNICAL = {
    "fuel_types": dict(
        nl_u="Benzine is fijn voor wie vooral korte ritten maakt; diesel loont bij veel kilometers (vaak 25.000+ per jaar), "
             "maar de wegenbelasting is hoger. Een hybride laadt zichzelf op en is zuinig in de stad; een plug-in hybride "
             "kunt u aan de stekker laden en rijdt korte stukken elektrisch. Volledig elektrisch rijden is het goedkoopst per kilometer.",
        en="Petrol suits you if you mostly do short trips; diesel pays off if you drive a lot (often 25,000+ km a year), "
           "but the road tax is higher. A hybrid charges itself and is economical in town; a plug-in hybrid you charge "
           "from the socket and it does short distances on electric power. Fully electric is the cheapest per kilometre.",
        de="Benzin passt, wenn Sie vor allem kurze Strecken fahren; Diesel lohnt sich bei vielen Kilometern (oft 25.000+ im Jahr), "
           "die Kfz-Steuer ist in den Niederlanden aber höher. Ein Hybrid lädt sich selbst und ist in der Stadt sparsam; einen "
           "Plug-in-Hybrid laden Sie an der Steckdose und fahren kurze Strecken elektrisch. Rein elektrisch ist pro Kilometer am günstigsten.",
    ),
    "consumption": dict(
        en="Consumption depends on the engine, your driving style and your trips: a petrol hatchback often does 5 to 6.5 "
           "litres per 100 km, a diesel 4.3 to 5.5 and a hybrid in town sometimes 4. The figure for each car is in its listing.",
        de="Der Verbrauch hängt von Motor, Fahrstil und Strecken ab: Ein Benziner-Kompaktwagen braucht oft 5 bis 6,5 Liter "
           "auf 100 km, ein Diesel 4,3 bis 5,5 und ein Hybrid in der Stadt manchmal 4. Die Angabe je Auto steht in der Anzeige.",
    ),
    "ev_range": dict(
        nl_u="De actieradius van een elektrische auto hangt af van de accu, de temperatuur en uw snelheid: reken in de winter "
             "op zo'n 20-30% minder dan de WLTP-opgave. De accu van een occasion controleren we; vraagt u gerust naar de accugezondheid (SoH).",
        en="An electric car's range depends on the battery, the temperature and your speed: in winter, expect about 20-30% "
           "less than the WLTP figure. We check the battery of every used car; feel free to ask for its state of health (SoH).",
        de="Die Reichweite eines Elektroautos hängt von Akku, Temperatur und Geschwindigkeit ab: Rechnen Sie im Winter mit "
           "etwa 20-30 % weniger als der WLTP-Angabe. Den Akku jedes Gebrauchtwagens prüfen wir; fragen Sie gern nach dem Akkuzustand (SoH).",
    ),
    "charging": dict(
        nl_u="Thuis laden met een laadpaal (11 kW) duurt een nacht; aan een snellader laadt u de meeste elektrische auto's "
             "in 20-40 minuten van 10 naar 80%. Via een gewoon stopcontact kan het ook, maar dat duurt veel langer.",
        en="Charging at home with a wallbox (11 kW) takes a night; at a rapid charger most electric cars go from 10 to 80% "
           "in 20-40 minutes. A normal socket works too, but takes much longer.",
        de="Zu Hause an einer Wallbox (11 kW) lädt man über Nacht; an einer Schnellladesäule laden die meisten Elektroautos "
           "in 20-40 Minuten von 10 auf 80 %. An einer normalen Steckdose geht es auch, dauert aber viel länger.",
    ),
    "towing": dict(
        nl_u="Het maximale trekgewicht staat op het kenteken (geremd en ongeremd). Voor een caravan kijkt u ook naar de kogeldruk; "
             "met rijbewijs B mag de combinatie in de regel tot 3.500 kg. Een trekhaak laten monteren kan vaak achteraf.",
        en="The maximum towing weight is on the registration (braked and unbraked). For a caravan, also check the nose weight; "
           "with a category B licence the combination may usually weigh up to 3,500 kg. A towbar can often be fitted afterwards.",
        de="Die maximale Anhängelast steht in den Fahrzeugpapieren (gebremst und ungebremst). Für einen Wohnwagen zählt auch die "
           "Stützlast; mit Führerschein Klasse B darf das Gespann in der Regel bis 3.500 kg wiegen. Eine Anhängerkupplung lässt sich oft nachrüsten.",
    ),
}

DRIVETRAIN = {
    "engine_types": dict(
        nl_u="TSI (Volkswagen, Skoda, Seat) en TFSI (Audi) zijn benzinemotoren met turbo en directe inspuiting: "
             "stil, vlot en prima voor korte en middellange ritten. TDI is de turbodiesel: zuinig en sterk op lange afstanden, "
             "maar duurder in de wegenbelasting, en het roetfilter houdt niet van alleen korte ritjes. "
             "Rijdt u minder dan zo'n 20.000 km per jaar, dan is een TSI meestal de logische keuze.",
        en="TSI (Volkswagen, Skoda, Seat) and TFSI (Audi) are turbocharged petrol engines with direct injection: quiet, lively "
           "and fine for short and medium trips. TDI is the turbodiesel: economical and strong over long distances, but "
           "dearer in road tax, and its particulate filter doesn't like only short trips. If you drive less than about "
           "20,000 km a year, a TSI is usually the logical choice.",
        de="TSI (Volkswagen, Skoda, Seat) und TFSI (Audi) sind Benzinmotoren mit Turbo und Direkteinspritzung: leise, spritzig "
           "und gut für kurze und mittlere Strecken. TDI ist der Turbodiesel: sparsam und kräftig auf langen Strecken, aber "
           "teurer in der Kfz-Steuer, und der Partikelfilter mag keine reinen Kurzstrecken. Fahren Sie weniger als etwa "
           "20.000 km im Jahr, ist ein TSI meist die logische Wahl.",
    ),
    "mild_hybrid": dict(
        en="A mild hybrid (e-TSI at Volkswagen) has a small 48-volt system that helps the petrol engine when pulling away and "
           "lets the car coast with the engine off. It can't drive on electric power and never needs charging; it mainly "
           "saves a little fuel in town.",
        de="Ein Mildhybrid (bei Volkswagen e-TSI) hat ein kleines 48-Volt-System, das den Benzinmotor beim Anfahren unterstützt "
           "und das Auto mit abgeschaltetem Motor rollen lässt. Elektrisch fahren kann er nicht, laden muss man ihn nie; "
           "er spart vor allem in der Stadt etwas Kraftstoff.",
    ),
    "full_hybrid": dict(
        nl_u="Een volledige hybride (zoals de hybrides van Toyota) rijdt bij lage snelheid en korte stukjes elektrisch; "
             "de accu laadt zichzelf op bij het remmen en via de motor. U hoeft nooit aan de stekker en hij is vooral in de stad zuinig.",
        en="A full hybrid (like Toyota's hybrids) drives on electric power at low speed and for short stretches; the battery "
           "charges itself when braking and from the engine. You never need to plug it in, and it's especially economical in town.",
        de="Ein Vollhybrid (wie die Hybride von Toyota) fährt bei niedrigem Tempo und kurzen Strecken elektrisch; der Akku lädt "
           "sich beim Bremsen und über den Motor selbst. An die Steckdose müssen Sie nie, und in der Stadt ist er besonders sparsam.",
    ),
    "plug_in_hybrid": dict(
        nl_u="Een plug-in hybride (PHEV) heeft een grotere accu die u aan de stekker laadt: daarmee rijdt u een stuk volledig "
             "elektrisch (vaak 40 tot 80 km), daarna rijdt hij als gewone hybride op benzine. Voordelig als u vaak laadt, "
             "anders sleept u vooral een zware accu mee.",
        en="A plug-in hybrid (PHEV) has a bigger battery that you charge from the socket: with it you drive a stretch fully "
           "electric (often 40 to 80 km), after which it runs as a normal hybrid on petrol. Worth it if you charge often; "
           "otherwise you're mostly carrying a heavy battery around.",
        de="Ein Plug-in-Hybrid (PHEV) hat einen größeren Akku, den Sie an der Steckdose laden: Damit fahren Sie ein Stück rein "
           "elektrisch (oft 40 bis 80 km), danach fährt er als normaler Hybrid mit Benzin. Lohnend, wenn Sie oft laden; "
           "sonst fahren Sie vor allem einen schweren Akku spazieren.",
    ),
    "electric": dict(
        nl_u="Een elektrische auto (EV) rijdt alleen op de accu: geen brandstof, weinig onderhoud en stil. U laadt thuis, op uw werk "
             "of aan een snellader; hoe ver u komt hangt af van de accu, de temperatuur en uw snelheid.",
        en="An electric car (EV) runs on its battery alone: no fuel, little maintenance and quiet. You charge at home, at work "
           "or at a rapid charger; how far you get depends on the battery, the temperature and your speed.",
        de="Ein Elektroauto fährt nur mit dem Akku: kein Kraftstoff, wenig Wartung und leise. Laden können Sie zu Hause, bei der "
           "Arbeit oder an einer Schnellladesäule; wie weit Sie kommen, hängt von Akku, Temperatur und Geschwindigkeit ab.",
    ),
    "automatic_gearbox": dict(
        nl_u="Een automaat schakelt zelf, zonder koppelingspedaal: relaxt in de file. Een DSG is een automaat met dubbele koppeling "
             "(snel schakelen en zuinig), een CVT schakelt traploos en is heel soepel in de stad. Handgeschakeld is vaak iets goedkoper "
             "in aanschaf en u schakelt zelf. Let op: met een automaatrijbewijs mag u geen handgeschakelde auto rijden.",
        en="An automatic changes gear by itself, without a clutch pedal: relaxed in traffic jams. A DSG is a dual-clutch "
           "automatic (quick shifts and economical), a CVT is stepless and very smooth in town. A manual is often a bit "
           "cheaper to buy and you change gear yourself. Note: with an automatic-only licence you may not drive a manual.",
        de="Ein Automatik schaltet selbst, ohne Kupplungspedal: entspannt im Stau. Ein DSG ist ein Doppelkupplungsgetriebe "
           "(schnelles Schalten und sparsam), ein CVT schaltet stufenlos und ist in der Stadt sehr sanft. Ein Schaltwagen ist "
           "in der Anschaffung oft etwas günstiger und Sie schalten selbst. Achtung: Mit einem Automatik-Führerschein dürfen "
           "Sie keinen Schaltwagen fahren.",
    ),
    "all_wheel_drive": dict(
        en="4Motion (Volkswagen), quattro (Audi) and xDrive (BMW) are brand names for all-wheel drive (AWD): the engine drives "
           "all four wheels. That gives more grip on slippery roads, with a caravan or on an unpaved track, but costs a little "
           "extra fuel. In the Netherlands it's rarely truly needed, but it does feel reassuring.",
        de="4Motion (Volkswagen), quattro (Audi) und xDrive (BMW) sind Markennamen für Allradantrieb: Der Motor treibt alle vier "
           "Räder an. Das gibt mehr Grip auf glatter Straße, mit Wohnwagen oder auf unbefestigten Wegen, kostet aber etwas "
           "mehr Kraftstoff. In den Niederlanden ist er selten wirklich nötig, fährt sich aber sicher.",
    ),
    "emissions": dict(
        nl_u="De Euroklasse (Euro 1 tot en met Euro 6) zegt hoe schoon een motor is en staat bij de RDW op het kenteken. "
             "In de milieuzones voor personenauto's mogen diesels met Euro 3 of lager niet meer in (grofweg bouwjaar 2005 en ouder); "
             "benzineauto's mogen er overal in. Welke zones er zijn en of een kenteken erin mag, checkt u op milieuzones.nl. "
             "De zero-emissiezones gelden voor bestel- en vrachtauto's, niet voor personenauto's.",
        en="The Euro class (Euro 1 to Euro 6) says how clean an engine is and is on the registration at the RDW. Diesels of "
           "Euro 3 or lower (roughly built in 2005 or earlier) may no longer enter the Dutch low-emission zones for cars; "
           "petrol cars may go everywhere. Which zones exist and whether a number plate may enter, you can check on "
           "milieuzones.nl. The zero-emission zones are for vans and lorries, not for cars.",
        de="Die Euro-Klasse (Euro 1 bis Euro 6) sagt, wie sauber ein Motor ist, und ist beim RDW zum Kennzeichen eingetragen. "
           "In die niederländischen Umweltzonen für Pkw dürfen Diesel mit Euro 3 oder niedriger (grob Baujahr 2005 und älter) "
           "nicht mehr hinein; Benziner dürfen überall fahren. Welche Zonen es gibt und ob ein Kennzeichen hinein darf, prüfen "
           "Sie auf milieuzones.nl. Die Null-Emissions-Zonen gelten für Liefer- und Lastwagen, nicht für Pkw.",
    ),
}


def catalog(dutch: dict[str, str], translations: dict[str, dict[str, str]]) -> dict[str, Phrase]:
    """The Dutch texts with their translations, as phrases."""
    return {topic: Phrase(nl=text, **translations[topic]) for topic, text in dutch.items()}
