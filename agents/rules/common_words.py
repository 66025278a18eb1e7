"""Ordinary words and first names that typo matching must never read as a car name.

A word in this list is never fuzzy-matched ("balen" is no Baleno, "traffic" no Trafic,
"Sander" no Sandero, "bumper" no Jumper); exact aliases still count. Only words of five
letters or more matter: shorter ones are never fuzzy-matched at all.
"""

from __future__ import annotations

_DUTCH = """
aanbod aanbetaling aankoop aanraden aantal aanvraag achter achterbank achterklep achterlicht actie actieradius adres
advies afgelopen afleveren aflevering afrekenen afspraak airco akkoord alleen allemaal altijd ander andere anders
antwoord appen april arena augustus avond avonds balen banden bedankt bedoel bedoeling bedrag bedrijf begin beetje
behandeld bekijken bekleding belangrijk bellen beneden benieuwd benzine bereik bericht beschikbaar beste betalen
betaling beter betreft bezig bezorgen bijbetalen binnen blauw blauwe bleef blijft boven brengen broer budget busje
buurman buurvrouw camera centrum contact contant controle dagen daarna dacht dealer december denken dichtbij dieren
diesel dingen dinsdag dochter donderdag dorst dragen drukte duidelijk duizend dutje eerst eerste eigen eigenaar
elektrisch elektrische enige ergens extra familie februari fijne financieren financiering fietsen foto's fotos
gaan garage garantie gebeld gebeurd gedaan gehad geholpen gekocht geleden geluid gemaakt genoeg gereden gevonden
gewoon gezien gezin gisteren goede graag grote groen groene groet groeten groetjes grijs grijze hallo handig haven
hebben heeft helaas helemaal hello hoeveel hoezo hoofd houden huidige hybride inbegrepen informatie inruil inruilen
interesse januari jongen jullie kabel kapot kijken kinderen klacht klant klanten klasse kleine kleur kofferbak komen
komende kosten kunnen laatste laden lader laadpaal langer langs later leuke lever levering liefst liever lijkt
maandag maanden maart makkelijk meneer mensen middag misschien model modellen moeder morgen motor mooie mooi
navigatie nieuw nieuwe nieuws nodig nogmaals nummer ochtend oktober omdat onderhoud ongeveer oranje overal paard
panorama parkeren partner pasen perfect plaats plannen precies prijs prijzen prima probleem proefrit rijden rijdt
rustig samen schade school september sleutel sleutels snelle sneller spiegel stoelen storing straat super tarief
tegen terug thuis tijdens toch toekomst trekhaak tweede uiteraard vader vakantie vandaag veilig verder verkocht
verkoop verkoper vervelend vinden volgende vooral vorige vraag vragen vriend vriendin vrijdag waarom wachten
weekend welke werkt weten wielen willen winkel woensdag woning zaterdag zeker zitten zoeken zomer zondag zoon
zuinig zuinige zwart zwarte zwager zwemmen kilometer kilometers station stationwagen hatchback sedan cabrio coupe
bestelwagen bestelbus automaat handbak schakel schakelen stekker plugin leasen lease looptijd rente maand
kenteken kilometerstand beurt beurten reparatie werkplaats monteur bumper bumpers velgen koplamp koplampen dashboard
uitlaat koppeling remmen ruiten ruitenwisser portier deuren motorkap stuur stuurwiel wisser wissers zonnedak
trekken caravan aanhanger gewicht vermogen verbruik sneeuw regen zonnig winter herfst lente kerst oudjaar
vertel verteld vertellen begrijp begrijpen dankje dankjewel dankuwel alvast fijne reactie reageren wanneer
hoelang waarmee waarvoor daarom daarvoor ervoor zojuist straks eventjes hopelijk natuurlijk inderdaad trouwens
eigenlijk ongeveer plusminus ruime ruim kleine klein grote groot zoals zouden moeten mogen kunnen willen
getekend tekenen contract papieren overschrijven overgeschreven offerte email mailen gemaild bellen gebeld
eigenaren vorige vorig nieuwste oudste oudere jonger ouder hoger lager korter langer lichter zwaarder
gereviseerd vervangen gecontroleerd nagekeken onderhouden netjes schoon smerig defect kapotte sensoren
parkeersensoren achteruitrijcamera stoelverwarming cruise control climate keyless verwarming ventilatie
""".split()

_ENGLISH = """
about after again agent allowed always another answer anyone anything around available backseat battery because
before being better booking bought brand brother bumper business called calling cannot change charge charging cheap
cheaper clean colour color contact costs could couple daughter dealer dealership delivery diesel doing driving
during electric engine every family father figure first friend garage getting going great happy hello hours house
interest island issue keeping kinda later leasing license little looking lower manager maybe mileage model money
month months morning mother motor nice night number offer order other owner paint parking people petrol phone
picture pictures place please price prices problem purchase question quick quite really repair reply right salesman
saturday school second seller service seven since small smaller something sorry speak staff start still stuff
sunday thanks thank there these thing things think those three today tomorrow towbar traffic travel truck trunk
under until vehicle visit warranty watch weather weekend where which while white without would wrong years yesterday
""".split()

# Dutch first names (and a few common surnames) that sit close to car names.
_NAMES = """
aaron adriaan alex alexander amber angela anita anja anke anna anne annemarie anton arjan arnold astrid bart bas
bastiaan bernard bert bianca bram carla carlo caroline chantal chris christiaan claudia corina daan daniel david
dennis dick diana dirk edwin eline elise ellen emma erik erwin esther eva evelien femke frank freek frits gerard
gerrit gert hanna hannah hans harm hendrik henk herman hugo ilse ingrid iris jacob jan jasper jeroen jesse joost
jordy joris josje judith julia karin kees kevin koen laura lars lieke lisa lotte luuk maarten marcel marco marieke
mario marleen martijn martin mathijs maurice melissa michel mirjam monique nadia nathalie nicole niels nina noah
olaf patrick paula peter petra pieter priscilla ramon remco rene renate richard rick rik rob robert robin roel
roman ronald rosa ruben rutger sander sandra sandro sanne sara sarah simone sjoerd sofie sonja stefan stephanie
sven tamara thijs thomas tijn tim tom tommy vera vincent wendy wesley willem wouter yvonne
jansen janssen visser smit bakker meijer mulder bosch vries boer dekker
""".split()

COMMON_WORDS = frozenset(_DUTCH + _ENGLISH + _NAMES)

# everyday words one typo from a car name: "carry" (Camry), "verse" (Verso), "range" (Ranger),
# "freelancer" (Freelander), "probeer"/"procent" (ProCeed), Frisian "priis" (Prius)
_NEAR_CAR_NAMES = """
carry verse vers versa range ranges probeer probeert procent freelance freelancer freelancers freelancing priis
january combi combis space totale tonal vouwwagen modell passt prins scale civil aroma joggen sharon optimal captive capture bacon
""".split()

COMMON_WORDS = COMMON_WORDS | frozenset(_NEAR_CAR_NAMES)
_SUFFIXES = ("en", "s", "e", "er", "ers", "je", "tje", "ing")


def is_common_word(word: str) -> bool:
    """An ordinary word or an inflection of one ("klanten", "sleutels", "freelancers")."""
    if word in COMMON_WORDS:
        return True
    return any(word.endswith(suffix) and word[: -len(suffix)] in COMMON_WORDS for suffix in _SUFFIXES if len(word) - len(suffix) >= 5)
