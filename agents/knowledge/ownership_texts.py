"""What the ownership answers say (road tax, equipment, consumption), in Dutch (je/u), English and German."""

from __future__ import annotations

from agents.rules.phrases import Phrase

ROAD_TAX_DEPENDS = Phrase(nl="De wegenbelasting (motorrijtuigenbelasting) hangt af van {factors}.",
                          en="Dutch road tax (motorrijtuigenbelasting) depends on {factors}.",
                          de="Die niederländische Kfz-Steuer (motorrijtuigenbelasting) hängt von {factors} ab.")
FACTORS = {"en": {"gewicht": "weight", "brandstof": "fuel", "provincie": "province"},
           "de": {"gewicht": "Gewicht", "brandstof": "Kraftstoff", "provincie": "Provinz"}}
REDUCED_RATE = Phrase(nl="Elektrische auto's en plug-in hybrides betalen in {year} een verlaagd tarief.",
                      en="Electric cars and plug-in hybrids pay a reduced rate in {year}.",
                      de="Elektroautos und Plug-in-Hybride zahlen {year} einen ermäßigten Satz.")
CALCULATOR = Phrase(nl="Het precieze bedrag reken je uit met de rekenhulp van de Belastingdienst: {url}",
                    nl_u="Het precieze bedrag rekent u uit met de rekenhulp van de Belastingdienst: {url}",
                    en="You can work out the exact amount with the Belastingdienst's calculator: {url}",
                    de="Den genauen Betrag berechnen Sie mit dem Rechner der Belastingdienst: {url}")
WEIGHT_FOR_TAX = Phrase(nl="De {car} weegt {kg} (leeg), dat vul je daar in.",
                        nl_u="De {car} weegt {kg} (leeg), dat vult u daar in.",
                        en="The {car} weighs {kg} (empty); that is what you enter there.",
                        de="Der {car} wiegt {kg} (leer); das tragen Sie dort ein.")
NO_WEIGHT = Phrase(nl="Het gewicht van de {car} zie ik niet in onze gegevens; het staat op het kentekenbewijs, "
                      "en een collega zoekt het graag voor je op ({phone}).",
                   nl_u="Het gewicht van de {car} zie ik niet in onze gegevens; het staat op het kentekenbewijs, "
                        "en een collega zoekt het graag voor u op ({phone}).",
                   en="The {car}'s weight isn't in our data; it's on the registration certificate, and a colleague "
                      "will gladly look it up for you ({phone}).",
                   de="Das Gewicht des {car} sehe ich nicht in unseren Daten; es steht im Fahrzeugschein, und ein Kollege "
                      "schaut gern für Sie nach ({phone}).")
WEIGHT_WHICH_CAR = Phrase(nl="Het gewicht staat op het kentekenbewijs; noem de auto, dan kijk ik of ik het in onze gegevens heb.",
                          nl_u="Het gewicht staat op het kentekenbewijs; noemt u de auto, dan kijk ik of ik het in onze gegevens heb.",
                          en="The weight is on the registration certificate; tell me which car, and I'll see whether our data has it.",
                          de="Das Gewicht steht im Fahrzeugschein; nennen Sie mir das Auto, dann schaue ich, ob ich es in unseren Daten habe.")

OPTION_LIST = Phrase(nl="In de advertentie van de {car} staan onder meer: {options}.",
                     en="The listing of the {car} names, among others: {options}.",
                     de="In der Anzeige des {car} stehen unter anderem: {options}.")
NO_OPTION_LIST = Phrase(nl="De uitrusting van de {car} zie ik niet in onze gegevens; bel gerust {phone}, dan zoeken we het voor je uit.",
                        nl_u="De uitrusting van de {car} zie ik niet in onze gegevens; belt u gerust {phone}, dan zoeken we het voor u uit.",
                        en="The {car}'s equipment isn't in our data; feel free to call {phone} and we'll find out for you.",
                        de="Die Ausstattung des {car} sehe ich nicht in unseren Daten; rufen Sie gern unter {phone} an, dann finden wir es für Sie heraus.")
WHICH_CAR_OPTIONS = Phrase(nl="Over welke auto gaat het? Dan kijk ik of die {options} heeft; de uitrusting verschilt per auto en per uitvoering.",
                           nl_u="Over welke auto gaat het? Dan kijk ik of die {options} heeft; de uitrusting verschilt per auto en per uitvoering.",
                           en="Which car do you mean? Then I'll check whether it has {options}; equipment differs per car and version.",
                           de="Um welches Auto geht es? Dann schaue ich, ob es {options} hat; die Ausstattung ist je Auto und Version anders.")
NO_CONSUMPTION = Phrase(nl="Het verbruik van de {car} zie ik niet in onze gegevens; bel gerust {phone}, dan zoeken we het voor je uit.",
                        nl_u="Het verbruik van de {car} zie ik niet in onze gegevens; belt u gerust {phone}, dan zoeken we het voor u uit.",
                        en="The {car}'s fuel consumption isn't in our data; feel free to call {phone} and we'll find out for you.",
                        de="Den Verbrauch des {car} sehe ich nicht in unseren Daten; rufen Sie gern unter {phone} an, dann finden wir es für Sie heraus.")

RELIABILITY = Phrase(
    nl="Eerlijk antwoord: hoe betrouwbaar {what} is, hangt vooral af van hoe hij onderhouden en gereden is; "
       "over bijna elk model hoor je wisselende verhalen en storingscijfers ga ik niet verzinnen. {ours} "
       "Wil je iets specifieks weten over deze motor of versnellingsbak? Dan laat ik onze werkplaats je vraag beantwoorden.",
    nl_u="Eerlijk antwoord: hoe betrouwbaar {what} is, hangt vooral af van hoe hij onderhouden en gereden is; "
         "over bijna elk model hoort u wisselende verhalen en storingscijfers ga ik niet verzinnen. {ours} "
         "Wilt u iets specifieks weten over deze motor of versnellingsbak? Dan laat ik onze werkplaats uw vraag beantwoorden.",
    en="Honest answer: how reliable {what} is depends mostly on how it's been maintained and driven; you hear mixed "
       "stories about almost every model, and I won't make up failure statistics. {ours} Want to know something specific "
       "about this engine or gearbox? Then I'll have our workshop answer your question.",
    de="Ehrliche Antwort: Wie zuverlässig {what} ist, hängt vor allem davon ab, wie er gewartet und gefahren wurde; über "
       "fast jedes Modell hört man unterschiedliche Geschichten, und Pannenstatistiken erfinde ich nicht. {ours} Möchten "
       "Sie etwas Bestimmtes über diesen Motor oder dieses Getriebe wissen? Dann lasse ich unsere Werkstatt Ihre Frage beantworten.",
)
RELIABILITY_WHAT = {
    "car": Phrase(nl="de {title}", en="the {title}", de="der {title}"),
    "name": Phrase(nl="een {title}", en="a {title}", de="ein {title}"),
    "any": Phrase(nl="een occasion", en="a used car", de="ein Gebrauchtwagen"),
}
RELIABILITY_WARRANTY = Phrase(nl="Je krijgt {months} maanden BOVAG-garantie{longer}", nl_u="U krijgt {months} maanden BOVAG-garantie{longer}",
                              en="You get a {months}-month BOVAG warranty{longer}", de="Sie bekommen {months} Monate BOVAG-Garantie{longer}")
RELIABILITY_LONGER = Phrase(nl=", en die kun je verlengen.", nl_u=", en die kunt u verlengen.", en=", which you can extend.",
                            de=", die Sie verlängern können.")
RELIABILITY_HISTORY = Phrase(nl="De onderhoudshistorie laten we je zien voor zover die bekend is.",
                             nl_u="De onderhoudshistorie laten we u zien voor zover die bekend is.",
                             en="We'll show you the service history as far as it's known.",
                             de="Die Wartungshistorie zeigen wir Ihnen, soweit sie bekannt ist.")
