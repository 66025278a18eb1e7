"""Domain, complexity, escalation and knowledge for one message.

Escalation rules (the dealer's table): finance advisor for negative credit history,
rejected financing, debt restructuring, self-employed without annual figures and business
lease; technical specialist for defects or warranty claims on a car bought here; manager
for complaints, legal threats and cancelled purchases; sales for buy-now, asking for a
person, call-back requests and a customer we failed to understand twice.
Ordinary questions never escalate.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agents.handled import explains_financing
from agents.knowledge import financial, service, technical
from agents.knowledge.consistency import car_in_question
from agents.knowledge.technical import TECHNICAL_FIRST
from agents.knowledge.dealer import DealerFacts
from agents.models import (
    Classification,
    ConversationContext,
    EscalationDecision,
    ExpertiseOutput,
    ExtractionOutput,
    RouterOutput,
)
from agents.rules import concepts, our_car
from agents.rules.parse import ParsedMessage

_NEG = r"(?<!geen\s)(?<!geen\s\s)(?<!niet\s)(?<!nooit\s)"

FINANCE_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("negatieve BKR-registratie", re.compile(
        _NEG + r"\b(?:bkr\s*-?\s*(?:registratie|notering|codering|code|achterstand|vermelding|probleem|problemen)|"
        r"(?:met|heb|sta|staat|ik\s+heb|heb\s+nog|heb\s+een|negatieve?|ivm|vanwege|door\s+(?:mijn|m'?n|een))\s+(?:een\s+)?(?:(?:negatieve?|lopende)\s+)?bkr\b|"
        r"bkr\s*(?:geregistreerd|genoteerd)|bij\s+(?:het\s+)?bkr\s+(?:geregistreerd|genoteerd|staan|sta|bekend)|"
        r"(?:mijn|m'?n)\s+bkr\b(?=.{0,40}\b(?:probleem|problemen|issue|lastig|slecht|negatief|achterstand))|"
        r"(?:a|a1|a2|3|h|1)\s*-?\s*codering|achterstandscodering|zwarte\s+lijst|codering\s+(?:\w+\s+){0,2}(?:gekregen|gehad|staan|opgelopen)|achterstallig\w*|"
        r"negatief\s+(?:geregistreerd|genoteerd|bekend)|(?:sta|staat|staan|geregistreerd|genoteerd)\s+(?:ik\s+)?(?:(?!niet\b|geen\b|nooit\b)\w+\s+){0,2}bij\s+(?:het\s+)?bkr|"
        r"bkr\b.{0,40}\b(?:codering|notering|registratie|achterstand)|(?:codering|notering|registratie)\s+(?:\w+\s+){0,2}(?:bij|in)\s+(?:het\s+)?bkr)\b")),
    ("betalingsachterstanden of schulden", re.compile(
        _NEG + r"\b(betalingsachterstand\w*|achterstand\w*\s+(?:gehad|gehad\s+met|met|op|bij)|schulden(?!vrij)\w*|schuld\w*traject|deurwaarder\w*|"
        r"negatieve\s+(?:registratie|kredietregistratie)|slechte\s+kredietwaardigheid|kredietwaardigheid\s+(?:is\s+)?(?:slecht|laag))\b")),
    ("financiering eerder afgewezen", re.compile(
        r"\b(afgewezen|afwijzing|(?:werd|wordt|ben|word|is)\s+(?:\w+\s+){0,3}geweigerd|krijg\s+(?:nergens\s+|geen\s+)?(?:een\s+)?(?:lening|financiering|krediet)\s*(?:meer\s+)?(?:rond|los)?\b|"
        r"nergens\s+(?:een\s+)?(?:lening|financiering|krediet)|niet\s+goedgekeurd|afgekeurd\s+voor|"
        r"(?:wil|wilde|willen|wou)\s+(?:me|mij|ons)\s+geen\s+(?:krediet|lening|financiering|geld)|"
        r"(?:kreeg|kregen|krijg|krijgen)\s+(?:\w+\s+){0,2}(?:financiering|lening|krediet)\s+(?:\w+\s+)?niet\s+(?:rond|los|goedgekeurd)|"
        r"(?:financiering|lening|krediet|aanvraag)\b.{0,30}\b(?:niet\s+rond|niet\s+gelukt|ging\s+niet\s+door)|"
        r"(?:lening|financiering|krediet|aanvraag|hypotheek)\b.{0,40}\b(?:geweigerd|afgekeurd))\b")),
    ("schuldsanering of schuldhulp", re.compile(
        r"\b(schuldsanering|schuldhulp\w*|wsnp|budgetbeheer|bewindvoer\w*|onder\s+bewind|beschermingsbewind|minnelijk\s+traject|"
        r"schuldregeling|schuldbemiddeling|saneringstraject|stabilisatietraject)\b")),
    ("zzp zonder jaarcijfers", re.compile(
        r"\b(?:zzp\w*|zelfstandige?|freelance\w*|eigen\s+(?:bedrijf|zaak)|ondernemer|eenmanszaak|kvk)\b.{0,60}"
        r"\b(?:geen|zonder|nog\s+geen|niet\s+genoeg)\s+(?:\w+\s+)?(?:jaarcijfers|jaarrekening\w*|jaarstukken|cijfers|jaarcijfer)\b|"
        r"\b(?:geen|zonder|nog\s+geen)\s+(?:\w+\s+)?(?:jaarcijfers|jaarrekening\w*|jaarstukken)\b|"
        r"\b(?:zzp\w*|zelfstandige?|ondernemer|eigen\s+(?:bedrijf|zaak))\b.{0,40}\b(?:net|pas|sinds\s+kort)\s+(?:\w+\s+)?(?:begonnen|gestart|bezig)\b|"
        r"\b(?:net|pas|sinds\s+kort)\s+(?:\w+\s+){0,2}(?:begonnen|gestart)\s+(?:als\s+)?(?:zzp\w*|zelfstandige?|ondernemer|freelancer)\b|"
        r"\bstartende?\s+ondernemer\b|\beerste\s+boekjaar\b|\bboekjaar\s+(?:\w+\s+){0,2}nog\s+niet\s+(?:rond|om|af|voorbij)\b")),
    ("zakelijke of financial lease", re.compile(
        r"\b(financial\s*-?\s*leas\w*|zakelijk\w*\s+(?:lease\w*|financier\w*|financiering|kopen|aanschaffen)|operational\s*lease|"
        r"lease\w*\s+(?:via|op|voor|onder)\s+(?:de\s+|mijn\s+|m'?n\s+|ons\s+|het\s+)?(?:zaak|bv|b\.v\.?|bedrijf|onderneming|eenmanszaak|vof)|"
        r"(?:op|via|voor)\s+(?:de\s+|mijn\s+|m'?n\s+|ons\s+|het\s+)?(?:zaak|bv|bedrijf|onderneming)\s+(?:\w+\s+){0,2}(?:lease\w*|financier\w*|afschrijven|aanschaffen|kopen)|"
        r"(?:bedrijfsauto|auto\s+van\s+de\s+zaak)\s+(?:\w+\s+){0,2}(?:lease\w*|financier\w*)|btw\s*-?\s*(?:auto|verrekenen|aftrekbaar)|"
        r"leas\w*\b.{0,40}\b(?:de\s+zaak|bv|b\.v|bedrijf|onderneming|eenmanszaak|vof|kvk)|(?:voor\s+de\s+zaak|bedrijf|bv|kvk)\b.{0,40}\bleas\w*)\b")),
]

# "this dealer" and "bought/collected" in any order: "hier twee weken terug opgehaald", "van jullie gekregen"
_HERE = r"(?:(?:bij|van|via)\s+(?:jullie|u|seldenrijk|julie)|hier)"
_GOT = (r"(?:gekocht|kocht|kochten|gehaald|haalde|haalden|aangeschaft|aanschafte|opgehaald|afgenomen|gekregen|afgeleverd|"
        r"geleverd|meegenomen|overgenomen)")
_BOUGHT_HERE = re.compile(
    r"\b(?:bij|van|via)\s+(?:jullie|u|seldenrijk|julie)\s+(?:\w+\s+){0,4}(?:gekocht|gehaald|aangeschaft|opgehaald|afgenomen)|"
    r"\b(?:gekocht|gehaald|aangeschaft|opgehaald|afgenomen)\s+(?:\w+\s+){0,4}(?:bij|van|via)\s+(?:jullie|u|seldenrijk|julie)\b|"
    r"\b(?:net|pas|onlangs|kort\s+geleden|recent|vorige\s+(?:week|maand)|afgelopen\s+(?:week|maand)|\d+\s+(?:dagen|weken|maanden)\s+geleden|"
    r"gisteren|eergisteren|vorig\s+jaar)\s+(?:\w+\s+){0,4}(?:gekocht|opgehaald|afgeleverd|gehaald)\b|"
    r"\b(?:gekocht|opgehaald|afgeleverd|gehaald)\s+(?:\w+\s+){0,2}(?:vorige|afgelopen)\s+(?:week|maand)\b|"
    r"\bjullie\s+(?:hebben|heeft)\s+(?:mij|me)\s+(?:\w+\s+){0,3}verkocht\b|\bsinds\s+(?:de\s+)?(?:aankoop|aflevering)\b|"
    r"\bna\s+(?:de\s+)?(?:aankoop|aflevering)\b|\b(?:de|mijn)\s+(?:auto|wagen)\s+(?:die|dat)\s+ik\s+(?:bij|van)\s+(?:jullie|u)\b|"
    rf"\b{_HERE}\b.{{0,50}}\b{_GOT}\b|\b{_GOT}\b.{{0,50}}\b{_HERE}\b|"
    r"\b(?:auto|wagen|occasion|aankoop)\s+(?:\w+\s+)?(?:van|bij)\s+(?:jullie|seldenrijk)\b|\b(?:gekochte|aangeschafte|opgehaalde|afgeleverde)\s+(?:auto|wagen|occasion)\b"
)
_DEFECT = re.compile(
    r"\b(lampje\w*|lamp\s+(?:brandt|aan)|motorlampje|storing\w*|rammel\w*|ratel\w*|tikt|tikken|getik|lekt|lekken|lekkage|lek\b|kapot|"
    r"defect\w*|piept|piepen|gepiep|geluid\w*|start\s+niet|springt\s+niet\s+aan|werkt\s+niet|doet\s+het\s+niet|foutmelding\w*|"
    r"probleem|problemen|trilt|trillen|trilling\w*|slipt|schokt|schokken|olie\w*|rook\w*|oververhit\w*|valt\s+(?:\w+\s+)?uit|afslaan|slaat\s+(?:\w+\s+)?af|"
    r"kraakt|kraken|gekraak|knalt|hapert|haperen|sputter\w*|stottert|schuurt|klappert|bromt|zoemt|fluit|"
    r"(?:warme|koude)\s+lucht|werkt\s+(?:\w+\s+)?niet|doet\s+(?:\w+\s+)?niet\s+meer|gaat\s+(?:steeds\s+|telkens\s+)?uit|"
    r"gebrek\w*|mankement\w*|roest|vocht|condens|brandt|knippert|airco\s+(?:doet|werkt|blaast)|accu\s+(?:leeg|kapot)|"
    r"lekke|stuk|vreemd|raar)\b"
)
_WARRANTY_CLAIM = re.compile(
    r"\b(garantieclaim|garantie\s*-?\s*claim\w*|garantie\s+claimen|(?:beroep|aanspraak)\s+(?:doen\s+|maken\s+)?op\s+(?:de\s+|mijn\s+)?(?:\w+\s+)?garantie|"
    r"onder\s+(?:de\s+)?garantie\s+(?:laten\s+)?(?:maken|repareren|vervangen|oplossen)|"
    r"(?:valt|valt\s+dit|valt\s+dat|is\s+dit|is\s+dat)\s+(?:\w+\s+){0,2}onder\s+(?:de\s+)?garantie|via\s+de\s+garantie\s+(?:laten\s+)?(?:maken|repareren|oplossen))\b"
)

MANAGER_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("juridische dreiging", re.compile(
        r"\b(advocaat|advocaten|juridisch\w*|rechtszaak|rechter|rechtbank|consumentenbond|geschillencommissie|"
        r"ingebrekestelling|in\s+gebreke\s+stellen|aangifte|rechtsbijstand|juridische\s+stappen|dagvaard\w*|kort\s+geding|"
        r"tros\s+radar|ombudsman)\b")),
    ("koop annuleren of geld terug", re.compile(
        r"\b(?:koop|aankoop|bestelling|order|koopcontract|contract|koopovereenkomst)\s+(?:\w+\s+){0,2}(?:annuleren|ontbinden|terugdraaien|opzeggen|cancelen)\b|"
        r"\b(?:annuleren|ontbinden|terugdraaien|cancelen)\s+(?:van\s+)?(?:de|mijn|m'?n)\s+(?:koop|aankoop|bestelling|order)|"
        r"\bgeld\s+(?:\w+\s+)?terug\b|\bvan\s+de\s+koop\s+af\b|\bontbind\w*\b|\bterug\s*brengen\b|\bterugbrengen\b|\bterug\s+(?:inleveren|geven)\b|"
        r"\bwil\s+(?:hem|de\s+auto|het|em)\s+(?:niet\s+meer|terug\s+geven)\b|\baanbetaling\s+terug\b|\bherroep\w*\b")),
    ("klacht", re.compile(
        r"(?<!geen\s)(?<!geen\senkele\s)(?<!niet\seen\s)\bklacht\w*|\b(?:wil|ga)\s+(?:\w+\s+)?klagen\b|"
        r"\b(slechtste|klaar\s+mee|(?:klant)?onvriendelijk\w*|onbeleefd|brutaal|onbetrouwbaar|rotte\s+(?:auto|wagen|service)|beroerd\w*|bagger|dramatisch|zwaar\s+teleurgesteld|geergerd|ergerlijk|ontevreden|teleurgesteld|teleurstellend|schandalig|belachelijk|waardeloos|oplicht\w*|opgelicht|bedrogen|belazerd|genaaid|afgezet|"
        r"woedend|boos|kwaad|schande|onacceptabel|onbeschoft|onprofessioneel|prutsers|cowboys|zeer\s+slecht|heel\s+slecht|"
        r"slecht\w*\s+(?:service|ervaring|geholpen|behandeld|klantenservice)|nooit\s+meer\s+(?:bij|naar|een)|"
        r"niemand\s+(?:reageert|belt)|geen\s+reactie\s+(?:gehad|gekregen|meer)|nog\s+steeds\s+(?:niks|niets|geen)\s+(?:gehoord|reactie)|"
        r"(?:hebben|had|heeft)\s+(?:\w+\s+){0,3}beloofd\b.{0,60}\b(?:niet|nog\s+steeds|weer)|(?:afspraak|belofte)\s+(?:\w+\s+)?niet\s+nagekomen)\b|[😡🤬😠]")),
]

SALES_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("klant wil kopen", re.compile(
        r"\b(?:ik\s+)?(?:wil|ga|kom)\s+(?:hem|'?m|em|die|deze|het|dat|de\s+\w+(?:\s+\w+)?)\s+(?:\w+\s+)?(?:kopen|hebben|nemen|afnemen|bestellen|halen)\b|"
        r"(?<!als\s)\b(?:ik|we|wij)\s+(?:neem|nemen)\s+(?:hem|'?m|em|die|deze|ze|het|de\s+(?!proefrit|testrit|afspraak|gok|tijd)\w+)\b|\bneem\s+ik\s+(?:hem|'?m|em|die|deze|ze|het)\b|\bik\s+koop\s+(?:hem|'?m|em|die|deze|het|de\s+\w+)\b|"
        r"\b(?:een|de)\s+aanbetaling\s+(?:\w+\s+)?(?:doen|betalen|overmaken|storten|voldoen)\b|\baanbetalen\b|\b(?:kan|mag|wil)\s+ik\s+(?:(?!zonder\b|geen\b)\w+\s+){0,2}aanbetal\w*|\b(?:hem|'?m|em|die|deze|auto|de\s+\w+)\s+(?:\w+\s+)?reserveren\b|\breserveer\s+(?:hem|die|deze|de)\b|\bvastleggen\b|\bkoopcontract\b|\bwaar\s+(?:kan|moet)\s+ik\s+tekenen\b|"
        r"\b(?:wil|willen)\s+(?:hem|de\s+auto|die|deze)\s+(?:vast\s*)?(?:zetten|leggen)\b|\bkoop\s+(?:\w+\s+){0,4}(?:af\s+te\s+ronden|afronden|rond\s+(?:te\s+)?maken)\b|"
        r"\b(?:i|we)(?:'d|\s+would)?\s+(?:like\s+to|want\s+to|will|'ll)\s+(?:buy|take|purchase)\b(?!\s+(?:a|an|some|one|another)\b)|\b(?:i|we)'?ll\s+take\s+it\b|\bdeal\b\s*[!.]|\bis\s+verkocht\s+aan\s+mij\b|"
        # "wij willen de touran kopen", "ik wil die golf 8 van 2021 kopen": a specific car, not "een auto"
        r"\b(?:wil|willen|ga|gaan)\s+(?:graag\s+)?(?:hem|'?m|em|die|deze|dat|de)\s+(?:[\w.-]+\s+){0,6}?(?:graag\s+|nog\s+|toch\s+)?(?:kopen|afnemen|bestellen|meenemen)\b|"
        r"\b(?:die|deze|hem|'?m)\s+wil\s+(?:ik|we)\s+(?:graag\s+)?(?:hebben|kopen|nemen)\b|\bdoe\s+(?:mij|me|ons)\s+(?:die|deze|de|dat|hem|'?m|maar)\b|"
        r"\bzet\s+(?:\w+\s+){0,5}op\s+(?:mijn|m'?n|mn|onze|naam)\b|\bop\s+(?:mijn|m'?n|mn|onze)\s+naam\s+(?:zetten|gezet)\b|"
        r"\b(?:die|deze|de)\s+(?:[\w.-]+\s+){0,3}wordt\s+(?:hem|'?m|het)\b|\bhet\s+wordt\s+(?:de|die|deze)\b|"
        r"\b(?:kom|komen|kan|kunnen|wil|willen|mag|mogen)\s+(?:ik|we|wij)\s+(?:\w+\s+){0,3}tekenen\b|\bkom\s+(?:\w+\s+){0,2}tekenen\b|\bom\s+te\s+tekenen\b|"
        r"\b(?:contract|koopovereenkomst|papieren)\s+(?:\w+\s+){0,3}(?:tekenen|getekend|ondertekenen)\b|\btekenen\s+voor\s+(?:de|die|deze)\b|"
        r"\baanbetaling\s+(?:\w+\s+){0,3}(?:over|overmaken|overgemaakt|storten|betalen|doen)\b|\b(?:maak|doe|betaal|stort)\s+(?:ik\s+|we\s+)?(?:\w+\s+){0,2}(?:de|een)\s+aanbetaling\b|"
        r"\b(?:i|we)'?ll\s+take\s+(?:the|that|this|him)\b|\b(?:i|we)\s+(?:want|wanna)\s+(?:to\s+)?buy\s+(?:it|him|this|that|the\s+\w+)\b|\bbuy\s+it\s+now\b|"
        r"\bik\s+wil\s+(?:graag\s+)?(?:de|die|deze)\s+(?:\w+\s+){0,2}kopen\b|\bkopen\s*!|\bhoe\s+(?:kan|kunnen)\s+(?:ik|we)\s+(?:hem|die|deze)\s+kopen\b")),
    ("klant vraagt om een medewerker", re.compile(
        r"\b((?<!geen\s)medewerker|echt\s+persoon|echte\s+persoon|echt\s+mens|echte\s+mens|mens\s+spreken|met\s+een\s+mens|"
        r"iemand\s+(?:spreken|aan\s+de\s+lijn|persoonlijk|van\s+(?:jullie|verkoop|de\s+verkoop))|verkoper\s+spreken|"
        r"(?:een|de)\s+verkoper|adviseur\s+spreken|met\s+iemand\s+(?:spreken|praten|bellen)|persoonlijk\s+contact|"
        r"geen\s+(?:bot|robot|chatbot|computer)|speak\s+(?:to|with)\s+(?:a\s+)?(?:person|human|someone|somebody|salesman|sales)|(?:bot|robot|chatbot)\s+(?:spreken|praten)\s+(?:wil\s+ik\s+)?niet|"
        r"doorverbinden|doorverbonden|collega\s+spreken|iemand\s+die\s+(?:me|mij)\s+(?:\w+\s+)?helpen)\b")),
    ("terugbelverzoek", re.compile(
        r"\b(?:bel|belt|bellen|terugbellen|terug\s+bellen|opbellen)\s+(?:\w+\s+){0,2}(?:me|mij|ons)\b(?!\s+(?:niet|liever\s+niet))|"
        r"\b(?:me|mij|ons)\s+(?:\w+\s+){0,3}(?:bellen|terugbellen|terug\s+bellen|opbellen)\b|\bterugbel\w*|\bbel\s+(?:me|mij)\b|"
        r"\btelefonisch\s+contact\b|\baan\s+de\s+(?:telefoon|lijn)\b|\bbellen\s+mag\b|\bmag\s+(?:me|mij)\s+(?:\w+\s+)?bellen\b|\bbereikbaar\s+op\s+(?:\+|0)|\bgraag\s+(?:een\s+)?(?:telefoontje|belletje)\b|\bbelletje\b|\btelefoontje\s+(?:terug|krijgen)\b|"
        r"\b(?:graag|gelieve|kunt\s+u|kunnen\s+jullie|kan\s+iemand|wilt\s+u|willen\s+jullie)\s+(?:\w+\s+){0,3}contact\s+(?:\w+\s+){0,3}op(?:nemen)?\b|"
        r"\bneem\s+(?:\w+\s+){0,2}contact\s+(?:met\s+)?(?:me|mij|ons)\s+op\b|\bcontact\s+(?:met\s+)?(?:me|mij)\s+op(?:nemen)?\b|"
        r"\b(?:call|phone|ring|contact)\s+(?:me|us)\b|\bcall\s+(?:me\s+)?back\b|\b(?:give|gave)\s+(?:me|us)\s+a\s+(?:call|ring|phone\s*call)\b")),
    # agreeing to an offer is buying: "wij gaan akkoord met de offerte", "deal", "akkoord, hoe gaan we verder"
    ("klant gaat akkoord met het aanbod", re.compile(
        r"\b(?:ik|we|wij)\s+(?:gaan|ga)\s+(?:\w+\s+)?akkoord\b(?!\s*\?)|\bwe\s+gaan\s+voor\s+(?:de|die|het|jullie|uw)\s+(?:offerte|aanbod|voorstel)\b|"
        r"(?:^|[.!,]\s*)(?:(?:prima|ok|oke|goed|top|nou|ja)\s*[,!.]?\s*)?(?:akkoord|deal)\b(?!\s*\?)(?=[\s,.!]*(?:$|[.!,]|hoe|wanneer|met|voor|ik|we|wij))|"
        r"\bakkoord\s+(?:met|op)\s+(?:de|het|jullie|uw|je|die|dat)\s+(?:\w+\s+)?(?:offerte|voorstel|aanbod|bod|prijs|tegenbod|deal|afspraak)\b(?![^.!]*\?)|"
        r"\b(?:accept|agree\s+(?:to|with))\s+(?:the|your)\s+(?:offer|quote|price|deal)\b")),
    # the bot failed them: "jullie bot snapt er niks van", "ik vraag het nu voor de derde keer"
    ("klant voelt zich niet begrepen", re.compile(
        r"\b(?:bot|chatbot|robot|computer|systeem)\b.{0,30}\b(?:snapt|begrijpt|verstaat|snap|begrijp)\s+(?:er\s+|me\s+|mij\s+|het\s+)?(?:\w+\s+){0,2}(?:niks|niets|niet|geen)\b|"
        r"\b(?:bot|chatbot|robot)\b.{0,20}\b(?:dom|stom|nutteloos|useless|stupid|idioot)\b|\bsnap\s+(?:je|jij|u)\s+(?:het\s+)?(?:nou\s+|nu\s+)?(?:nog\s+)?(?:steeds\s+)?niet\b|"
        r"\bvoor\s+de\s+(?:tweede|derde|vierde|zoveelste|[2-9]e)\s+keer\b.{0,12}(?:vraag|gevraagd|:)|\b(?:vraag|vroeg)\s+(?:het|dit|dat)?\s*(?:nu\s+)?(?:al\s+)?voor\s+de\s+(?:tweede|derde|vierde|zoveelste|[2-9]e)\s+keer|"
        r"\b(?:al|nu\s+al)\s+(?:\d|twee|drie|vier)\s+keer\s+(?:\w+\s+)?gevraagd\b|"
        r"\b(?:tweede|derde|vierde|zoveelste|[2-9]e)\s+keer\s+(?:dat\s+)?(?:ik\s+)?(?:het\s+|dit\s+|dat\s+|je\s+|u\s+)?(?:vraag|vragen|gevraagd|stel|uitleg)|"
        r"\bbegrijp\s+(?:je|jij|u)\s+(?:me|mij|het)\s+(?:nou\s+|nu\s+)?(?:wel|niet)\b(?=.{0,60}\b(?:keer|again|weer)\b)|\b(?:you|bot)\s+(?:don'?t|do\s+not)\s+understand\b")),
]
# "ben jij een robot of een echt mens?" asks about the bot; "ik wil een echt mens spreken" asks for one
_BOT_QUESTION = re.compile(
    r"\b(?:ben|bent|is|are)\s+(?:jij|je|u|dit|het|you|this|it)\s+(?:nu\s+)?(?:een\s+|a\s+|an\s+)?(?:echte?\s+)?(?:bot|robot|chatbot|computer|mens|persoon|ai|human|person|real)\b|"
    r"\b(?:praat|chat|spreek|talk|am\s+i\s+talking)\s+(?:ik\s+)?(?:nu\s+)?(?:met|tegen|to|with)\s+(?:een\s+|a\s+)?(?:bot|robot|chatbot|computer|mens|echt)"
)
_ASKS_FOR_PERSON = re.compile(r"\b(?:wil|wens|graag|liever|kan\s+ik|mag\s+ik|moet|want|like)\b.{0,30}\b(?:spreken|praten|bellen|speak|talk)\b")
_AGREES = next(regex for reason, regex in SALES_TRIGGERS if reason == "klant gaat akkoord met het aanbod")
_CUSTOMER_CALLS = re.compile(r"\bik\s+(?:bel|zal\s+bellen|ga\s+bellen|kan\s+(?:jullie\s+)?bellen)|\bkan\s+ik\s+(?:jullie|u)\s+(?:\w+\s+)?bellen|\bbel\s+(?:jullie|ik|u)\b|\b(?:me|mij)\s+niet\s+bellen")
_NOT_BUY = re.compile(
    # a question about the procedure, or a purchase still hedged: "moet ik een aanbetaling doen?", "misschien"
    r"\bmoet(?:en)?\s+(?:ik|we|wij|je|u)\s+(?:dan\s+|ook\s+|eerst\s+|altijd\s+)*(?:een\s+)?aanbeta+l\w*|"
    r"\b(?:misschien|wellicht|eventueel|overweeg\w*|twijfel\w*|denk\s+(?:er\s+)?(?:\w+\s+)?(?:over\s+)?na)\b|"
    r"\b(?:proefrit|afspraak|testrit|plekje|tijd)\w*\s+(?:\w+\s+)?(?:reserveren|vastleggen)\b|\b(?:niet|nooit|geen)\s+(?:\w+\s+){0,2}(?:kopen|nemen|reserveren)\b|\bals\s+ik\s+(?:hem|die)\s+(?:kopen|neem)|\b(?:wil|kan)\s+ik\s+(?:hem|die)\s+(?:eerst\s+)?(?:zien|bekijken)\b|\bof\s+(?:ik\s+)?(?:hem|die)\s+(?:wil\s+)?kopen\b|"
    r"\baanbeta+l\w*\b.{0,40}\b(?:financier\w*|financiering|lenen|lening|afbetal\w*|rest|huurkoop|lease\w*|per\s+maand|maandbedrag\w*|rente|krediet)\b|"
    r"\b(?:financier\w*|financiering|lening|lenen|huurkoop|lease\w*|maandbedrag\w*|per\s+maand|rente|krediet)\b.{0,40}\baanbeta+l\w*|"
    r"\b(?:hoeveel|wat)\s+(?:moet|moeten|kan|kun|zou|is)\s+(?:ik|we|je|u|de)?\s*(?:\w+\s+){0,2}aanbeta+l|"
    r"\b(?:als|if|voordat|before|eer|zodra)\s+(?:ik|we|i)\s+(?:\w+\s+){0,3}(?:kopen|koop|buy)\b|\beerst\s+(?:\w+\s+)?(?:proefrit|proefrijden|testrit|zien|bekijken)")

# "wat is een BKR-registratie?" asks for an explanation, not about the customer's own record.
_BKR_QUESTION = re.compile(
    r"^(?!.*\b(?:ik|mijn|m'?n|wij|we|ons)\b).*\b(?:wat\s+(?:is|betekent|houdt)|hoe\s+werkt|doen\s+jullie|checken\s+jullie|toetsen\s+jullie)\b.*\bbkr"
)
_SAFETY = re.compile(r"\b(remmen|rem\b|stuur\w*|rook\w*|oververhit\w*|brand\b|valt\s+uit|slaat\s+af|airbag\w*|onveilig|gevaarlijk)\b")


def escalation(parsed: ParsedMessage, context: ConversationContext | None, router: RouterOutput,
               extraction: ExtractionOutput, misunderstood: bool) -> EscalationDecision:
    text = parsed.text
    reason = manager_reason(text)
    if reason:
        legal = reason == "juridische dreiging"
        return EscalationDecision(escalate=True, escalation_type="manager", urgency="critical" if legal else "high", reason=reason)
    if defect_on_our_car(text, context) or _WARRANTY_CLAIM.search(text) or concepts.warranty_claim(text):
        urgency = "high" if _SAFETY.search(text) else "medium"
        return EscalationDecision(escalate=True, escalation_type="technical_specialist", urgency=urgency,
                                  reason="defect of garantieclaim op een bij ons gekochte auto")
    reason = finance_reason(text)
    if reason:
        return EscalationDecision(escalate=True, escalation_type="finance_advisor", urgency="medium", reason=reason)
    for reason, regex in SALES_TRIGGERS:
        if reason == "klant wil kopen":
            hit = wants_to_buy(text)  # cached: the router asked already
        else:
            hit = agrees_to_offer(text) if regex is _AGREES else regex.search(text) is not None
        if not hit:
            continue
        if reason == "terugbelverzoek" and _CUSTOMER_CALLS.search(text) and not re.search(r"\bterugbel\w*|\bbel\s+(?:me|mij)\b", text):
            continue
        if reason == "klant vraagt om een medewerker" and _BOT_QUESTION.search(text) and not _ASKS_FOR_PERSON.search(text):
            continue
        urgency = "high" if reason in ("klant wil kopen", "klant gaat akkoord met het aanbod") else "medium"
        return EscalationDecision(escalate=True, escalation_type="sales", urgency=urgency, reason=reason)
    previous = context.misunderstood_count if context else 0
    if misunderstood and previous + 1 >= 2:
        return EscalationDecision(escalate=True, escalation_type="sales", urgency="medium",
                                  reason="klant twee keer niet begrepen")
    return EscalationDecision()


# What the rules explicitly rule out, so a statistical second opinion may not escalate it:
# "niet bij jullie gekocht", "geen bkr", "geen klacht", "wat is bkr?", "ben je een robot?", "ik bel jullie".
_CLEARING_NEGATION = re.compile(
    # not "nog geen maand van jullie": a span of time negates nothing
    r"\b(?:niet|geen|nooit|zonder|not|no|never)\s+(?!(?:\w+\s+)?(?:minuut|minuten|uur|dag|dagen|week|weken|maand|maanden|jaar)\b)"
    r"(?:\w+\s+){0,3}(?:bkr|bij\s+(?:jullie|u)|van\s+jullie|(?:ge)?kocht|klacht\w*|"
    r"boos|ontevreden|afgewezen|geweigerd|schuld\w*|achterstand\w*|codering|registratie|probleem|problemen|kapot|defect|"
    r"storing|bellen|kopen|nemen|advocaat|annuleren|haast|complaint|bought)\b")


# Only announcing a question, or shopping in general: nothing a person must answer yet.
_PREAMBLE = re.compile(
    r"^(?:(?:hoi|hallo|hey|goedemorgen|goedemiddag|goedenavond|goedendag)\W*)?(?:ik\s+heb\s+(?:een\s+)?(?:vraag|vraagje)|vraagje|een\s+vraag)"
    r"(?:\s+(?:over|voor|aan|ivm)\s+(?:\w+\s*){1,3})?\W*$|"
    r"\b(?:ik|we|wij)\s+(?:wil|willen|zoek|zoeken|ga|gaan)\s+(?:\w+\s+)?een\s+(?:auto|wagen|occasion)\s+(?:kopen|aanschaffen)\b(?!.{0,20}\b(?:bkr|schuld|afgewezen|bv|zaak))"
)


@lru_cache(maxsize=1024)
def cleared(text: str) -> bool:
    """The message carries an explicit reason not to escalate (a negation, a question about BKR, a bot question...)."""
    return bool(
        _CLEARING_NEGATION.search(text) or _BKR_QUESTION.search(text) or concepts.hypothetical(text)
        or (_BOT_QUESTION.search(text) and not _ASKS_FOR_PERSON.search(text))
        or (_CUSTOMER_CALLS.search(text) and not re.search(r"\bterugbel\w*|\bbel\s+(?:me|mij)\b", text))
        or _NOT_BUY.search(text) or _PREAMBLE.search(text)
    )


_NEGATION_BEFORE = re.compile(r"\b(niet|geen|nooit|zonder)\s+(?:\w+\s+){0,2}$")  # "niet bij het bkr"


def affirmed(regex: re.Pattern[str], text: str) -> bool:
    """A match not negated just before it: "ik ben niet boos" is no complaint."""
    return any(not _NEGATION_BEFORE.search(text[max(0, m.start() - 20) : m.start()]) for m in regex.finditer(text))


@lru_cache(maxsize=1024)
def agrees_to_offer(text: str) -> bool:
    """"wij gaan akkoord met de offerte", "oke deal": buying, like "ik neem hem"."""
    return _AGREES.search(text) is not None


@lru_cache(maxsize=1024)
def wants_to_buy(text: str) -> bool:
    """The customer is ready to buy now (not "als ik hem koop", not a down payment in a financing question)."""
    return SALES_TRIGGERS[0][1].search(text) is not None and not _NOT_BUY.search(text)


@lru_cache(maxsize=1024)
def defect_bought_here(text: str) -> bool:
    """A defect on a car bought here, in any order; "niet bij jullie gekocht" does not count."""
    bought = concepts.bought_here(text, _BOUGHT_HERE) or concepts.bought_here(text)
    if bought and bool(concepts.has_defect(text) or _DEFECT.search(text)) and not concepts.hypothetical(text):
        return True
    return our_car.recurring_defect(text)  # "derde keer deze maand", "doet het ook niet meer"


def defect_on_our_car(text: str, context: ConversationContext | None) -> bool:
    """A defect on a car bought here, said in this message or clear from the conversation so far."""
    return defect_bought_here(text) or our_car.new_defect_in_our_car_conversation(text, context)


def strong_complaint(text: str) -> bool:
    return bool(re.search(r"(?<!geen\s)\bklacht\w*|\b(schandalig|belachelijk|oplicht\w*|bedrogen|woedend|onacceptabel|nooit\s+meer|ontevreden|waardeloos)\b", text)) \
        or concepts.complaint_score(text) >= 4


@lru_cache(maxsize=1024)
def manager_reason(text: str) -> str | None:
    """Legal threat, cancelled purchase or complaint; a plain defect report goes to the technician instead."""
    if any(affirmed(regex, text) for regex in (MANAGER_TRIGGERS[0][1],)) or concepts.legal_threat(text):
        return "juridische dreiging"
    if affirmed(MANAGER_TRIGGERS[1][1], text) or concepts.wants_to_cancel(text):
        return "koop annuleren of geld terug"
    if affirmed(MANAGER_TRIGGERS[2][1], text) or concepts.complaint_score(text) >= 3:
        if defect_bought_here(text) and not strong_complaint(text):
            return None
        return "klacht"
    return None


@lru_cache(maxsize=1024)
def finance_reason(text: str) -> str | None:
    for reason, regex in FINANCE_TRIGGERS:
        if reason == "zakelijke of financial lease" and explains_financing(text):
            continue  # "wat is het verschil tussen financial lease en private lease?" is answered
        if affirmed(regex, text) and not (reason.startswith("negatieve BKR") and _BKR_QUESTION.search(text)):
            return reason
    if affirmed(concepts.DEBT, text):
        return "betalingsachterstanden of schulden"
    if concepts.REJECTED_FINANCE.search(text):
        return "financiering eerder afgewezen"
    if affirmed(concepts.ENGLISH_FINANCE, text) and not explains_financing(text):
        return "negatieve kredietgeschiedenis of zakelijke lease"
    return None


def _trade_in_given(context: ConversationContext | None, extraction: ExtractionOutput) -> set[str]:
    """The trade-in's plate and mileage the chat already has: the intake's record or this message."""
    own, said = (context.trade_in if context else None), extraction.trade_in_vehicle
    given = set()
    if (own and own.plate) or (said and said.license_plate):
        given.add("kenteken")
    if (own and own.mileage_km) or (said and said.mileage_km):
        given.add("kilometerstand")
    return given


def assess(parsed: ParsedMessage, context: ConversationContext | None, router: RouterOutput,
           extraction: ExtractionOutput, dealer: DealerFacts, misunderstood: bool) -> ExpertiseOutput:
    text = parsed.text
    decision = escalation(parsed, context, router, extraction, misunderstood)
    # the answers in the customer's language and register (set by agents.language before this step)
    voice = (extraction.language or (context.language if context else "nl"),
             extraction.address_form or (context.address_form if context else "je"))
    knowledge = (
        financial.knowledge_for(text, dealer, *voice)
        + technical.knowledge_for(text, dealer, car_in_question(context, extraction), *voice)
        + service.knowledge_for(text, dealer, *voice, _trade_in_given(context, extraction))
    )
    if extraction.asks_monthly_payment and not any(s.topic == "monthly_payment" for s in knowledge):
        knowledge += [s for s in financial.knowledge_for("per maand", dealer, *voice)]
    if router.intent == "trade_in" and not any(s.topic == "trade_in" for s in knowledge):
        knowledge += service.knowledge_for("inruil", dealer, *voice, _trade_in_given(context, extraction))
    if router.intent == "test_drive" and not any(s.topic == "test_drive" for s in knowledge):
        knowledge += service.knowledge_for("proefrit", dealer, *voice)
    domains = {s.module for s in knowledge}
    domain = _domain(router.intent, decision, domains, {s.topic for s in knowledge})
    complexity = "complex" if decision.escalate else ("moderate" if len(domains) > 1 or len(knowledge) > 2 else "simple")
    confidence = round(min(0.95, 0.6 + 0.1 * len(knowledge) + (0.2 if decision.escalate else 0)), 2)
    return ExpertiseOutput(
        classification=Classification(primary_domain=domain, complexity_level=complexity, confidence=confidence),
        escalation_decision=decision,
        knowledge=knowledge[:4],
    )


_SECOND_OPINION_URGENCY = {"manager": "high", "technical_specialist": "medium", "finance_advisor": "medium", "sales": "medium"}
_SECOND_OPINION_REASON = {
    "manager": "klacht of ontevredenheid (herkend door het statistische model)",
    "technical_specialist": "mogelijk defect of garantieclaim (herkend door het statistische model)",
    "finance_advisor": "financiering vraagt maatwerk (herkend door het statistische model)",
    "sales": "klant wil een medewerker of wil kopen (herkend door het statistische model)",
}


def escalate_on_second_opinion(assessed: ExpertiseOutput, router: RouterOutput, escalation_type: str) -> ExpertiseOutput:
    """Escalate what the rules let pass but the model is sure about; domain and complexity follow."""
    decision = EscalationDecision(escalate=True, escalation_type=escalation_type,
                                  urgency=_SECOND_OPINION_URGENCY[escalation_type], reason=_SECOND_OPINION_REASON[escalation_type])
    domains = {s.module for s in assessed.knowledge}
    classification = assessed.classification.model_copy(update={
        "primary_domain": _domain(router.intent, decision, domains), "complexity_level": "complex",
        "confidence": round(min(0.95, assessed.classification.confidence + 0.2), 2)})
    return assessed.model_copy(update={"escalation_decision": decision, "classification": classification})


def _domain(intent: str, decision: EscalationDecision, domains: set[str], topics: set[str] = frozenset()) -> str:
    if decision.escalation_type == "finance_advisor" or intent == "financing_inquiry":
        return "financial"
    if decision.escalation_type == "technical_specialist":
        return "technical"
    # engines, drivetrains, reliability, road tax, a car's equipment: technical, whatever else the message touches
    if topics & TECHNICAL_FIRST and intent not in ("trade_in", "test_drive", "complaint") and not decision.escalate:
        return "technical"
    if intent in ("test_drive", "service_inquiry", "trade_in"):
        return "service"
    if "technical" in domains:
        return "technical"
    if "financial" in domains:
        return "financial"
    if "service" in domains:
        return "service"
    return "general"
