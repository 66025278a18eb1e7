"""Intent from cue phrases: each intent scores its cues, the highest wins, ties by priority."""

from __future__ import annotations

import re

from agents.knowledge import drivetrain, ownership
from agents.models import ConversationContext, RouterOutput
from agents.rules import concepts, our_car
from agents.rules.expertise import agrees_to_offer, defect_on_our_car, finance_reason, manager_reason, wants_to_buy
from agents.rules.parse import CAR_WORDS, OFF_TOPIC, ParsedMessage

# Earlier wins a tie: the more specific need before the general one.
PRIORITY = (
    "complaint",
    "price_negotiation",
    "trade_in",
    "financing_inquiry",
    "test_drive",
    "service_inquiry",
    "car_inquiry",
    "general_info",
    "greeting",
    "other",
)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# (pattern, weight) per intent, on normalised text.
CUES: dict[str, list[tuple[re.Pattern[str], int]]] = {
    "complaint": [
        (_re(r"(?<!geen\s)(?<!geen\senkele\s)\bklacht\w*|\bklagen\b(?<!niks\ste\sklagen)"), 3),
        (_re(r"\b(slechtste|klaar\s+mee|(?:klant)?onvriendelijk\w*|onbeleefd|brutaal|onbetrouwbaar|rotte\s+(?:auto|wagen|service)|beroerd\w*|bagger|dramatisch|zwaar\s+teleurgesteld|geergerd|ergerlijk|ontevreden|teleurgesteld|teleurstellend|schandalig|belachelijk|waardeloos|oplicht\w*|bedrogen|belazerd|"
             r"genaaid|afgezet|opgelicht|woedend|boos|kwaad|zeer\s+slecht|heel\s+slecht|super\s+slecht|slecht\w*\s+(?:service|ervaring|geholpen|behandeld)|"
             r"nooit\s+meer|schande|onacceptabel|onbeschoft|onprofessioneel|klote|kut\w*|wtf|prutsers|amateurs|cowboys)\b"), 3),
        (_re(r"\b(advocaat|advocaten|juridisch\w*|rechtszaak|rechter|rechtbank|consumentenbond|geschillencommissie|"
             r"ingebrekestelling|aangifte|rechtsbijstand|juridische\s+stappen|politie)\b"), 4),
        (_re(r"\b(?:koop|aankoop|bestelling|order|koopcontract|contract)\s+(?:\w+\s+){0,2}(?:annuleren|ontbinden|terugdraaien|opzeggen)\b|"
             r"\b(?:annuleren|ontbinden|terugdraaien)\s+(?:van\s+)?(?:de|mijn)\s+(?:koop|aankoop|bestelling)|"
             r"\bgeld\s+(?:\w+\s+)?terug\b|\bvan\s+de\s+koop\s+af\b|\bontbind\w*\b|\bterug\s*brengen\b|\bterugbrengen\b"), 4),
        (_re(r"\b(niemand\s+(?:reageert|belt)|geen\s+reactie|nog\s+steeds\s+(?:niks|niets|geen)|niet\s+(?:terug)?gebeld|"
             r"alweer\s+kapot|weer\s+kapot|nu\s+al\s+kapot|al\s+weken)\b"), 2),
        (_re(r"\b(?:hebben|had|heeft|was|werd)\s+(?:\w+\s+){0,3}beloofd\b|\bbeloofd\b.{0,60}\b(?:niet|nog\s+steeds|weer)\b|"
             r"\b(?:afspraak|afspraken|belofte)\s+(?:\w+\s+)?niet\s+nagekomen|\bweer\s+niet\b|\balweer\s+niet\b"), 2),
        (_re(r"[😡🤬😠]"), 2),
    ],
    "price_negotiation": [
        # the customer names their own price: "ik geef 14.500 voor de i20, akkoord?"
        (_re(r"\b(?:ik\s+)?(?:geef|bied|betaal|doe)\s+(?:jullie\s+|je\s+|u\s+)?(?:er\s+)?(?:€\s*)?\d[\d.,]*\s*(?:k|euro|mille)?\s+(?:voor|euro|contant|cash)\b|\bakkoord\s*\?"), 3),
        # open to negotiation without the word "korting": bespreekbaar, vaste prijs, matching a competitor
        (_re(r"\b(?:bespreekbaar|onderhandelbaar|negotiable|negotiat\w*|evenaren|matchen|match|price\s*match|discount|"
             r"(?:best|lowest|better|final)\s+(?:price|deal|offer))\b|\b(?:vraag)?prijs\s+(?:\w+\s+)?vast\b|\bvaste\s+prijs\b|"
             r"\bover\s+de\s+prijs\s+(?:\w+\s+)?(?:te\s+)?(?:praten|hebben|onderhandelen|spreken)|"
             r"\bgoedkoper\b.{0,50}\b(?:elders|ergens\s+anders|concurrent\w*|bij\s+een\s+ander\w*|gezien|zag|staan|aangeboden)\b|"
             r"\b(?:elders|ergens\s+anders|concurrent\w*|andere\s+dealer)\b.{0,50}\bgoedkoper\b|"
             r"\b(?:kan|kunnen|mag|mogen|gaat|gaan)\s+(?:\w+\s+){1,3}(?:eraf|er\s+af|er\s+vanaf)\b|"
             r"\bals\s+ik\s+(?:\w+\s+)?(?:contant|cash|direct|meteen|vandaag)\s+(?:\w+\s+)?(?:betaal|koop|afreken|pay)\w*|"
             r"\blower\s+(?:the\s+)?price|\bknock\s+(?:\w+\s+)?off\b"), 3),
        (_re(r"\b(korting|kortinkje|laatste\s+prijs|scherpste\s+prijs|beste\s+prijs|onderhandel\w*|handje\s*klap|"
             r"\bbod\b|bieden|bied|biedt|geboden|doe\s+(?:je|jullie)?\s*een\s+bod|afdingen|marchanderen)\b"), 3),
        (_re(r"\b(?:wat|hoeveel)\s+(?:gaat|kan|wil)\s+er\s+(?:nog\s+)?(?:\w+\s+)?(?:af|vanaf|vanaf)\b|"
             r"\bkan\s+(?:er\s+)?(?:nog\s+)?(?:iets|wat)\s+(?:van\s+)?(?:de\s+prijs\s+)?(?:af|vanaf)\b|\b(?:mee\s+)?zakken\b|"
             r"\bte\s+duur\b|\bgoedkoper\s+(?:maken|doen|krijgen|voor\s+mij)\b|\bscherper\b|\bdeal\s+maken\b|"
             r"\bvoor\s+(?:€\s*)?\d[\d.]*\s*k?\s*(?:euro\s+)?(?:meenemen|mee|weg|kopen|doen|ophalen)\b|"
             r"\bvoor\s+(?:€\s*)?\d[\d.,]*\s*(?:k|euro|mille|duizend)?\s+(?:neem|koop|wil|mag|kan)\s+ik\s+(?:hem|'?m|em|die|deze|het)\b|"
             r"\b\d{1,2}\s*(?:%|procent)\s*(?:korting|eraf|er\s+af|minder)|\bprijs\s+(?:\w+\s+)?(?:omlaag|lager|zakken)|"
             r"\b(?:iets|wat)\s+(?:met|aan)\s+de\s+prijs\s+doen\b|\b(?:prijs|vraagprijs|bedrag)\s+(?:is\s+)?(?:best\s+|erg\s+|wel\s+|nogal\s+|aan\s+de\s+|wat\s+)?(?:hoog|veel|fors|pittig|stevig)\b|"
             r"\bwat\s+(?:wordt|is|zou)\s+(?:de|het|jullie)\s+(?:prijs|bedrag)\s+(?:\w+\s+)?als\s+ik\b|"
             r"\b(?:kost|prijs|bedrag)\b.{0,30}\bals\s+ik\s+(?:\w+\s+)?(?:contant|cash|direct|meteen|vandaag)\b"), 3),
        # no discount word, still haggling: room in the price, money off, a trade price, extras for free
        (_re(r"\b(?:rek|speling|ruimte|marge|wiggle\s+room|room)\s+(?:\w+\s+){0,2}(?:in|op|aan|on|voor)\s+(?:de\s+|het\s+|the\s+)?(?:\w+\s+)?"
             r"(?:prijs|vraagprijs|bedrag|price|onderhandel\w*|negotiat\w*)|"
             r"\b(?:doen|doe)\s+aan\s+(?:de|het|die|deze)\s+(?:prijs|bedrag|vraagprijs)|\b(?:iets|wat)\s+(?:\w+\s+)?aan\s+(?:de|het)\s+(?:prijs|bedrag|vraagprijs)|"
             r"\b(?:kan|mag|gaat|kunnen)\s+er\s+(?:nog\s+)?(?:€\s*)?\d[\d.,]*\s*(?:euro|eur|k)?\s+(?:\w+\s+){0,3}af\b|"
             r"\bhandel(?:s|aars?)prijs|\binkoopprijs|\btrade\s+price|"
             r"\bgratis\b.{0,20}\bbij\b|\b(?:er|erbij)\s+gratis|\b(?:doen|doe)\s+(?:jullie|je|u)\s+er\s+(?:\w+\s+){0,4}bij\b|\berbij\s+doen\b|\bthrow\s+in|\bfor\s+free\b|"
             r"\b(?:kan|kunnen|mag)\s+(?:het|de\s+prijs|die|hij)\s+(?:nog\s+)?(?:wat\s+|iets\s+)?(?:lager|omlaag|minder|goedkoper)\b|"
             r"\b(?:prijs|vraagprijs|bedrag|price)\b.{0,25}\b(?:aan\s+de\s+hoge\s+kant|te\s+hoog|(?:best|erg|wel|nogal|vrij|te)\s+(?:hoog|fors|pittig|stevig|veel|duur))|"
             r"\baan\s+de\s+(?:hoge|dure)\s+kant|\d\s+(?:is\s+)?(?:wel|te|erg|best|nogal)\s+(?:veel|duur|hoog)\b"), 4),
        # money off without "korting": "daar kan toch nog wel wat vanaf", "daar moet wel een paar honderd euro af"
        (_re(r"\b(?:kan|kunnen|mag|gaat|moet|moeten)\s+(?:er\s+)?(?:toch\s+|vast\s+|nog\s+|wel\s+|echt\s+|zeker\s+|nou\s+){0,4}"
             r"(?:wat|iets|een\s+(?:paar|aantal)\s+(?:honderd|hondert|tientjes|euro)\w*|(?:€\s*)?\d[\d.,]*\s*(?:euro|eur|k)?)\s+(?:euro\s+)?(?:van\s*af|af|eraf|er\s+af)\b|"
             # a concrete bid, a competitor's lower price, "wat doen jullie nou echt voor die landcruiser"
             r"\b(?:mijn\s+|een\s+)?bod\s+(?:is\s+|van\s+|:\s*)?(?:€\s*)?\d|\bik\s+bied\b|"
             r"\b(?:bij\s+(?:een\s+)?(?:ander\w*|concurrent\w*)|elders|ergens\s+anders|andere\s+dealer)\b.{0,50}\b(?:minder|lager|goedkoper|voordeliger)\b|"
             r"\bwat\s+(?:doen|doe)\s+(?:jullie|je|u)\s+(?:\w+\s+){0,3}voor\s+(?:die|deze|hem|'?m|em)\b|"
             r"\bgratis\b.{0,25}\b(?:er)?bij\b|\b(?:gaan|gaat)\s+(?:jullie|u|je)\s+akkoord\s+met\s+(?:€\s*)?\d"), 5),
        # an offer as a question: "kan dat voor 15.000?", "mag hij weg voor 18k?", "verkoop mij de tesla voor 1 euro"
        (_re(r"\b(?:kan|mag|wil|doe|doen|gaat)\s+(?:je\s+|jij\s+|jullie\s+|u\s+)?(?:dat|die|het|hij|ie|hem|'?m|deze)\s+(?:\w+\s+){0,2}(?:voor|op)\s+(?:€\s*)?\d[\d.,]*\s*(?:k|euro|mille|duizend)?\s*(?:\?|$|weg|kwijt)|"
             r"\bverkoop\s+(?:mij|me|ons)\s+(?:\w+\s+){0,3}voor\s+(?:€\s*)?\d"), 4),
    ],
    "trade_in": [
        # a bid or price on the customer's own car: "een bod doen op mijn golf"
        (_re(r"\b(?:bod|prijs|bedrag|bieden|bied|biedt|waarde)\b.{0,30}\b(?:op|voor|van)\s+(?:mijn|m'?n|mn|onze)\b"), 4),
        # taking the customer's car in without the word "inruil"
        (_re(r"\bingeruild\b|\binnemen\b|\b(?:neem|neemt|nemen)\s+(?:jullie|u|je)\s+(?:\w+\s+){0,5}in\b|"
             r"\bpart\s*-?\s*exchange|\btrade\s+(?:\w+\s+){0,3}in\b|\bworth\b|\bhow\s+much\s+(?:\w+\s+){0,4}for\s+my\b"), 3),
        (_re(r"\b(inruil\w*|in\s*te\s*ruilen|inruilen|taxatie|taxeren|inruilwaarde|inruilprijs)\b|"
             r"\b(?:oude|huidige|mijn|m'?n|mn)\s+(?:\w+\s+)?(?:auto|wagen)\s+(?:\w+\s+)?(?:inleveren|verkopen|kwijt|overdoen)\b"), 3),
        (_re(r"\bwat\s+(?:geven|bieden|betalen)\s+(?:jullie|je|u)\s+(?:nog\s+)?(?:voor|ervoor)|\bwaard\b|"
             r"\b(?:kopen|nemen)\s+jullie\s+(?:ook\s+)?(?:auto'?s\s+)?(?:in|over)\b|\b(?:auto|wagen)\s+(?:verkopen|kwijt)\b|\bopkopen\b|\binkoop\b|\boverkopen\b|"
             r"\b(?:hoeveel|wat)\s+(?:krijg|kan|zou|levert)\s+(?:ik\s+)?(?:\w+\s+)?(?:nog\s+)?(?:voor|ervoor)\s+(?:mijn|m'?n|mn)\b|"
             r"\bruil\s+(?:\w+\s+){1,4}in\b|\btrade\s*-?\s*in\b|\btrade\s+(?:it|my\s+\w+)\s+in\b"), 3),
        # what the customer's car brings in, cars bought without a sale: "wat zou onze auto nog opleveren",
        # "wat jullie minimaal voor mijn fiesta geven", "kopen jullie auto's ook op", "nemen jullie auto's met schade in"
        (_re(r"\b(?:mijn|m'?n|mn|onze|ons|huidige)\b.{0,60}\b(?:opleveren|oplevert|opbrengen|opbrengt)\b|\b(?:brengt|levert)\s+(?:mijn|m'?n|mn|onze|ons)\s+(?:\w+\s+){0,3}(?:nog\s+)?op\b|"
             r"\bwat\s+(?:jullie|je|u)\s+(?:\w+\s+){0,2}voor\s+(?:mijn|m'?n|mn|onze)\s+(?:\w+\s+){0,2}(?:geven|bieden|betalen)\b|"
             r"\b(?:bieden|geven|betalen)\s+(?:jullie|je|u)\s+(?:\w+\s+){0,2}voor\s+(?:mijn|m'?n|mn|onze)\b|"
             r"\b(?:nemen|neemt|kopen|koopt)\s+(?:jullie|u|je)\s+(?![^.?!]{0,30}\btelefoon)(?:[\w']+\s+){0,5}(?:in|op|over)\b"), 4),
    ],
    "financing_inquiry": [
        (_re(r"\b(?:financ\w*|loan|monthly|installments?|per\s+month|interest\s+rate|credit)\b"), 3),
        (_re(r"\b(financier\w*|financeer\w*|financering\w*|finaciering|lening|lenen|krediet\w*|huurkoop|lease\w*|"
             r"maandbedrag\w*|maandlast\w*|afbetal\w*|aflossen|aflossing|rente\w*|jkp|bkr|slottermijn|"
             r"schuldsanering|schuldhulp\w*|wsnp|jaarcijfers|afgewezen|gespreid\s+betalen|in\s+termijnen)\b"), 3),
        # the rate's name and the applicant's situation: "effectieve jaarrente", "vast contract en geen schulden"
        (_re(r"\b(?:\w*rente|totaal\s+te\s+betalen\s+bedrag|vast\s+contract|vaste\s+(?:baan|aanstelling|dienst|job)|vast\s+in\s+dienst|"
             r"loonstrook\w*|werkgeversverklaring|geen\s+schulden|permanent\s+contract)\b"), 3),
        (_re(r"\b(per\s+maand|per\s+mnd|p/m|p\.m\b|p\s?mnd|pm\b|in\s+de\s+maand|maandelijks)"), 3),
    ],
    "test_drive": [
        (_re(r"\b(?:uitproberen|uittesten)\b|\bom\s+(?:hem\s+)?te\s+(?:testen|proberen)\b|\bdagje\s+(?:mee|lenen|rijden|proberen)|\britje\b|"
             r"\b(?:in|met)\s+(?:de|die|deze|het|hem|jullie)\s+(?:\w+\s+){0,3}(?:rijden|toeren|rondrijden)\b|\bmee\s+(?:\w+\s+)?rijden\b"), 4),
        (_re(r"\b(?:een|voor\s+een)\s+rondje\b|\brondje\s+(?:mee|in|rijden|maken|toeren)\b|\beven\s+(?:proberen|testen|uitproberen|proefrijden)\b|"
             r"\b(?:hem|die|deze|em|'m)\s+(?:\w+\s+){0,5}(?:even\s+)?(?:proberen|testen)\b"), 4),
        (_re(r"\bproef\w*|\btest\s*-?\s*rit\w*|\brondje\s+(?:\w+\s+){0,3}(?:rijden|maken|toeren)\b|\btest\s*-?\s*drive\w*|\btest\s*-?\s*rijden\b"), 4),
        (_re(r"\b(rondje\s+(?:rijden|maken|in)|even\s+(?:in\s+)?rijden|stukje\s+rijden|bezichtig\w*|komen\s+(?:kijken|bekijken|zien|proberen)|"
             r"langs\s*(?:te\s+)?komen|langskomen|kom\s+(?:ik\s+)?(?:\w+\s+){0,2}(?:kijken|langs)|afspraak\w*|"
             r"(?:hem|die|deze|em|m)\s+(?:\w+\s+){0,2}(?:zien|bekijken|bezichtigen|proberen)|in\s+het\s+echt\s+(?:zien|bekijken))\b"), 3),
    ],
    "service_inquiry": [
        # defects by stem, also inside compounds: "olielek", "motorstoringslampje", "kapotte"
        (_re(r"storing|lampje|kapot|defect|(?<![pv])lek(?:t|ken|kage|kende?|ke)?\b|rammel|piep|\btik(?:t|ken)\b|getik|kraak|knars|hapert|sputter|"
             r"slipt|oververhit|roest|\bstuk\b|nakijken|\bnaar\s+kijken|\bernaar\s+kijken|repar\w*|\bbroken\b|\bnoise\b|\bleak\w*|\brepair\w*"), 3),
        (_re(r"\b(?:gecontroleerd|gecheckt|gekeurd|nagekeken|controleren|warranty|guarantee|maintenance|service\s+history|"
             r"deliver\w*|inspection)\b"), 2),
        (_re(r"\b(\w*garantie\w*|bovag|nap|apk|onderhoud\w*|beurt|afleverkosten|aflever\w*|bezorg\w*|levering\w*|thuisbezorg\w*|"
             r"rijklaar\w*|tenaamstelling|overschrijving|werkplaats|reparatie|repareren|winterbanden|zomerbanden|"
             r"onderhoudshistorie|onderhoudsboekje|boekjes|carpass|"
             r"keuring|geluid\w*|trilt|schokt|start\s+niet|werkt\s+niet|doet\s+het\s+niet|levertijd|ophalen|poetsbeurt|recall|terugroepactie|distributieriem|accu|banden)\b"), 3),
        (_re(r"\bwat\s+zit\s+er\s+(?:bij|in)\b|\binclusief\b|\bkosten\s+(?:koper|extra)\b|\bk\.k\.?\b|\bbijkomende\s+kosten\b"), 2),
        # home delivery and workshop jobs: "brengen jullie de auto thuis", "aircoservice", "grote beurt"
        (_re(r"\bthuis\s*(?:brengen|bezorgen|afleveren|leveren|gebracht|bezorgd)|\b(?:brengen|bezorgen|leveren)\s+(?:jullie\s+)?(?:\w+\s+){0,3}thuis\b|"
             r"\b(?:airco|onderhouds|poets|banden|band|ruit|winter|zomer|apk)\w*(?:service|beurt|check|wissel)\b|\b(?:grote|kleine)\s+beurt\b|"
             r"\b(?:brengen|bezorgen|afleveren|leveren)\s+(?:jullie\s+)?(?:\w+\s+){0,3}(?:bij\s+(?:mij|ons)|naar\s+(?:mijn|ons|onze|m'?n|mn)\s+(?:\w+\s+)?(?:adres|huis|werk|woning|bedrijf|boerderij|zaak))\b|"
             r"\bbij\s+(?:mij|ons)\s+(?:\w+\s+){0,5}(?:brengen|bezorgen|afleveren|leveren|thuisbrengen)\b|"
             r"\b(?:afgeleverd|leveringstermijn)\b|\b(?:leveren|bezorgen|brengen)\s+jullie\s+(?:ook\s+)?(?:in|naar|buiten|aan\s+huis)\b|\bhoe\s+(?:lang|snel)\s+(?:duurt\s+(?:het\s+)?)?(?:\w+\s+){0,5}(?:afleveren|afgeleverd|geleverd|leveren|bezorgd)\b"), 3),
    ],
    "car_inquiry": [
        (_re(r"\b(?:looking\s+for|do\s+you\s+(?:still\s+)?have|still\s+available|for\s+sale|in\s+stock|how\s+much\s+(?:is|does|for)\b)"), 2),
        (_re(r"\b(?:need|want|searching\s+for|search\w*\s+for|look\w*\s+for)\s+(?:a|an|some)\s+(?:[\w-]+\s+){0,3}(?:car|suv|estate|hatchback|van|vehicle|automatic|hybrid|electric|ev)\b"), 4),
        (_re(r"\b(zoek\w*|op\s*zoek|opzoek|hebben\s+jullie|heb\s+je\s+(?:nog|ook|een)|hebben\s+jullie\s+nog|"
             r"nog\s+(?:beschikbaar|te\s+koop|leverbaar|aanwezig|op\s+voorraad)|al\s+verkocht|verkocht|staat\s+(?:die|deze|hij|de|het|ie|em)|"
             r"(?:ik\s+)?(?:wil|neem)\s+(?:hem|die|deze|em|m)\s*(?:graag\s+)?(?:kopen|hebben|nemen)?|interesse|geinteresseerd|"
             r"aanbod|voorraad|occasion\w*|reserveren|reserveer\w*|aanbetal\w*)\b|\b(?:kom|wil)\s+(?:hem|die|deze|em)\s+(?:\w+\s+)?(?:halen|ophalen)\b"), 2),
        (_re(r"\b(wat\s+kost|prijs|vraagprijs|km\s*-?\s*stand|kilometerstand|bouwjaar|verbruik\w*|trekhaak|actieradius|bereik|"
             r"opties|uitvoering|kleur|kopen|automaat|handgeschakeld|benzine|diesel|elektrisch\w*|hybride|plug\s*-?\s*in|"
             r"suv|stationwagen|hatchback|cabrio|bestelbus|bestelwagen|budget|laden|laadtijd|trekgewicht|pk|vermogen|"
             r"meer\s+foto'?s|foto'?s|video)\b"), 1),
    ],
    "general_info": [
        (_re(r"\bmet\s+(?:de\s+|het\s+)?(?:trein|bus|ov|openbaar\s+vervoer)\b|\b(?:toilet|wc|koffie|wifi|rolstoel\w*|invalide\w*)\b"), 3),
        (_re(r"\bparkeer\w*|\bparkeren\b|\bopening\s*(?:hours|times)|\bwhere\s+are\s+you|\blocated\b|\baddress\b|"
             r"\b(?:are\s+you|you're)\s+open\b|\bclosing\s+time|\bhow\s+late\b|\bphone\s+number\b"), 3),
        (_re(r"\b(openingstijd\w*|geopend|open|dicht|gesloten|hoe\s+laat|tot\s+hoe\s+laat|adres|waar\s+(?:zitten|zit|zijn|zijn\s+jullie|ligt)|"
             r"locatie|route|parkeren|parkeerplaats|(?<!mijn\s)(?<!m'n\s)(?<!mn\s)(?<!my\s)telefoonnummer|website|e-?mail\w*|mailadres|koopzondag|zitten\s+jullie\s+(?:nog\s+)?(?:steeds\s+)?(?:in|op|aan|bij)|hoe\s+kom\s+ik\s+(?:bij|naar)\s+(?:jullie|u|de\s+zaak)|(?:wat\s+is|welk)\s+(?:het|jullie|uw)\s+(?:telefoon)?nummer|(?:zijn\s+jullie|is\s+de\s+zaak)\s+(?:goed\s+|makkelijk\s+)?bereikbaar|bereikbaar\s+(?:met|per|via)\s+(?:de\s+|het\s+)?(?:trein|bus|ov|openbaar|auto|fiets)|"
             r"feestdag\w*|kerst\w*|pasen|showroom|vestiging\w*|harderwijk|wie\s+zijn\s+jullie|hoeveel\s+auto'?s|"
             r"station\s+(?:harderwijk|afstand)|ov|bus\s+(?:vanaf|naar))\b"), 3),
        (_re(r"\b(pinnen|pinbetaling|creditcard|betaalmogelijkhe\w*|contant\s+betalen|betalen\s+met|overmaken)\b"), 2),
        # payment methods, the route, reachability, walking in, facilities on site
        (_re(r"\b(?:met\s+(?:de\s+)?(?:pin|pinpas|bankpas|creditcard)|overboeking|afrekenen|betaalmethode\w*|betaalwijze\w*|pinpas|ideal|tikkie)\b|"
             r"\b(?:afrit|afslag|snelweg|rotonde|routebeschrijving|hoe\s+rij\s+ik)\b|"
             r"\b(?:creditcards?|credit\s+cards?|bank\s*transfer|bank\s+account|bankrekening|pay\s+(?:\w+\s+)?(?:in\s+)?cash|cash\s+(?:or|of)\b|"
             r"(?:kan|mag|kun)\s+(?:ik|je|u|we)\s+(?:\w+\s+){0,3}(?:contant|cash)|contant\b.{0,25}\b(?:probleem|mogelijk|toegestaan|bezwaar)|"
             r"(?:probleem|mogelijk|toegestaan)\s+(?:\w+\s+){0,4}contant|factuur|facturen|invoice|btw\s+(?:apart|aftrekbaar|vermeld|terug)|"
             r"op\s+naam\s+van\s+(?:de|mijn|m'?n|ons|onze)\s+(?:bv|bedrijf|zaak|vof|onderneming))\b|"
             r"\b(?:ik|we)\s+(?:jullie|u)\s+(?:ook\s+)?(?:\w+\s+)?(?:appen|whatsappen|bellen|mailen)\s+of\b|\bof\s+(?:is\s+)?(?:whatsapp|appen|bellen|mailen)\s+(?:beter|handiger|makkelijker)\b|"
             r"\b(?:telefonisch|per\s+telefoon|via\s+(?:whatsapp|de\s+telefoon|mail))\s+bereikbaar|\bbereikbaar\s+(?:in\s+het\s+weekend|op\s+(?:zondag|zaterdag|feestdagen)|buiten)|"
             r"\bbinnen\s*lopen|\bzonder\s+afspraak|\bop\s+afspraak\b|\bwalk\s*-?\s*in|\bop\s+(?:het|jullie)\s+terrein\b|\b(?:laadpaal|laadpalen|oplaadpunt)\s+(?:\w+\s+){0,2}(?:bij\s+(?:de\s+)?(?:showroom|zaak))"), 4),
    ],
    # not about cars or the dealership's services: jobs, other products
    "other": [
        # small talk that is not about cars: the weather, sports, trivia
        (_re(r"\b(?:hoe\s+is|wordt|is)\s+het\s+weer\b(?!\s+(?:niet|kapot|mis|stuk|raak|gelukt))|\b(?:mooi|slecht|lekker)\s+weer\b|"
             r"\bweer(?:bericht|sverwachting)\b|\bweather\b|\bvoetbal\w*|\bhoofdstad\b|\bgedicht\w*\b|\bmopje?\b|\brecept\w*"), 5),
        (OFF_TOPIC, 6),
        (_re(r"\b(vacature\w*|sollicit\w*|baan|stageplek\w*|stage\s+lopen|"
             r"(?:zoeken|hebben)\s+jullie\s+(?:nog\s+|ook\s+)?(?:personeel|monteurs?|mensen|collega'?s|verkopers?|medewerkers?)\b(?!\s+die)|"
             r"(?:verkopen|hebben|repareren)\s+jullie\s+(?:ook\s+)?(?:fietsen|e-?bikes|scooters|brommers|boten|caravans)|"
             r"rijschool\w*|driving\s+school|restaurant\w*|hotel\w*|kapper|supermarkt|tandarts|huisarts)\b"), 5),
    ],
    "greeting": [
        (_re(r"^\W*(hoi|hallo|halo|hey|hee|hi|hello|heey|hoii|goedemorgen|goedemiddag|goedenavond|goedendag|goede\s+(?:morgen|middag|avond|dag)|"
             r"dag|yo|moi|mogge|moin|hallootjes|hoihoi|beste|geachte|morgen|middag|avond|goeiemorgen|goeiemiddag|goeienavond)\b"), 1),
        (_re(r"^\W*(bedankt|dank\s*je(?:wel)?|dank\s*u(?:wel)?|dankjewel|dankuwel|thanks|thnx|thx|merci|top|super|prima|ok|oke|okay|"
             r"helder|duidelijk|fijne\s+dag|tot\s+ziens|doei|later|groetjes|👍)\b"), 1),
    ],
}

_FILLER = re.compile(
    r"\b(hoi|hallo|halo|hey|hee|hi|hello|heey|goedemorgen|goedemiddag|goedenavond|goedendag|goede|morgen|middag|avond|dag|"
    r"beste|geachte|daar|allemaal|team|seldenrijk|auto|bedankt|dank|je|u|jullie|wel|dankjewel|dankuwel|thanks|thnx|thx|merci|"
    r"top|super|prima|ok|oke|okay|helder|duidelijk|fijne|tot|ziens|doei|later|groetjes|groet|mvg|voor|de|het|info|hulp|"
    r"ik|ben|heet|mijn|naam|is|met|en|een|vraag|vraagje|heb|had|mag|ik|iets|vragen|goeiemorgen|goeiemiddag|goeienavond|"
    r"moi|mogge|moin|yo|hoihoi|hallootjes|nogmaals|alvast|snelle|reactie|antwoord|heel|erg|fijn|mooi|zo|even|nou|ja|nee|hoor|"
    r"meneer|mevrouw|heer|dame|heren|dames|allen|iedereen|sir|madam|het|weer|nog|keer|a|lot|much|you|thank|very)\b"
)
_NAME_INTRO = re.compile(r"\b(ik\s+ben|mijn\s+naam\s+is|m'?n\s+naam\s+is|ik\s+heet|met)\s+[a-z]+")


def route(parsed: ParsedMessage, context: ConversationContext | None = None) -> RouterOutput:
    scores = score_intents(parsed, context)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], PRIORITY.index(item[0])))
    best, top = ranked[0] if ranked and ranked[0][1] > 0 else ("other", 0)
    if best == "greeting" and not _only_social(parsed.text) and not _WORKSHOP_THANKS.search(parsed.text):
        best, top = ("car_inquiry", 1) if parsed.wanted else (ranked[1] if len(ranked) > 1 and ranked[1][1] > 0 else ("other", 0))
    if best == "other" and _POSITIVE.search(parsed.text) and not parsed.wanted and not _CALL_ME.search(parsed.text):
        best, top = "greeting", 1  # "geen klachten hoor, super geholpen!" is a social remark
    elif best in ("car_inquiry", "other") and _social_praise(parsed, scores):
        best, top = "greeting", 1
    second = next((score for intent, score in ranked if intent != best), 0)
    confidence = 0.3 if best == "other" else min(0.95, 0.55 + 0.1 * top - 0.08 * second)
    priority = _priority(best, parsed)
    return RouterOutput(
        intent=best,
        priority=priority,
        needs_extraction=best not in ("greeting", "other") or bool(parsed.wanted or parsed.quantities),
        confidence=round(max(0.3, confidence), 2),
    )


def reroute(parsed: ParsedMessage, intent: str, confidence: float) -> RouterOutput:
    """The router's output for an intent chosen by the second opinion (agents/rules/classifier.py)."""
    return RouterOutput(
        intent=intent,
        priority=_priority(intent, parsed),
        needs_extraction=intent not in ("greeting", "other") or bool(parsed.wanted or parsed.quantities),
        confidence=round(confidence, 2),
    )


def score_intents(parsed: ParsedMessage, context: ConversationContext | None) -> dict[str, int]:
    text = parsed.text
    scores = {intent: sum(weight for regex, weight in cues if _affirmed(regex, text)) for intent, cues in CUES.items()}
    # keep intent and escalation consistent: what the manager gets is a complaint,
    # a defect on a car bought here is a service matter
    if manager_reason(text):
        scores["complaint"] = max(scores["complaint"], 6)
    elif defect_on_our_car(text, context) or concepts.warranty_claim(text):
        scores["service_inquiry"] += 3
        if not re.search(r"proef|test\s*-?\s*ri", text):
            scores["test_drive"] = 0  # "kan ik langskomen?" with a defect: for the workshop
        if _frustrated(parsed):  # "derde keer deze maand", "wat is dit voor rommel!!!": a complaint, still for the technician
            scores["complaint"] = max(scores["complaint"], scores["service_inquiry"] + 1)
    if finance_reason(text):
        scores["financing_inquiry"] = max(scores["financing_inquiry"], 4)
    if parsed.wanted:
        scores["car_inquiry"] += 2 if not parsed.trade_in_cue else 1
    if any(q.kind in ("price", "mileage", "year", "age_years") for q in parsed.quantities):
        scores["car_inquiry"] += 1
    if parsed.owned and parsed.trade_in_cue:
        scores["trade_in"] += 1
    if agrees_to_offer(text):
        scores["car_inquiry"] += 4  # "deal! wanneer kan ik hem ophalen": buying outranks the pick-up
    elif wants_to_buy(text):
        scores["car_inquiry"] += 2
    # a search with a budget beside a defect on another car: "(niet bij jullie gekocht) ... hebben jullie iets tot 5000"
    elif concepts.SHOPPING.search(text) and any(q.kind == "price" and q.bound == "max" for q in parsed.quantities):
        scores["car_inquiry"] += 2
    if scores["car_inquiry"] == 0 and CAR_WORDS.search(text):
        scores["car_inquiry"] += 1
    # "wat is het verschil tussen tsi en tdi?", "is de x3 betrouwbaar?", "heeft deze cruise control?": a question about cars
    if max(scores.values()) < 3 and (drivetrain.explains_engine_type(text) or ownership.topics_in(text)):
        scores["car_inquiry"] = max(scores["car_inquiry"], 3)
    # "geen korting mogelijk?", "geen handelsprijs?": a negated haggling cue in a question still haggles
    if not scores["price_negotiation"] and "?" in text:
        scores["price_negotiation"] = max((w for regex, w in CUES["price_negotiation"]
                                           for m in regex.finditer(text) if "?" in text[m.end(): m.end() + 25]), default=0)
    # a down payment in a monthly-payment question is about financing
    if scores["financing_inquiry"] and re.search(r"\baanbeta+l", text):
        scores["financing_inquiry"] += 2
    # an appointment for the workshop is service, not a test drive
    if scores["test_drive"] and scores["service_inquiry"] >= 3 and _WORKSHOP.search(text) and not re.search(r"proef|test\s*-?\s*ri", text):
        scores["test_drive"] = 0
    if parsed.wanted and _CAR_HISTORY.search(text):
        scores["car_inquiry"] += 3
    # "die fabia van 7.450, is dat rijklaar": the terms of that car's price
    if parsed.wanted and _PRICE_TERMS.search(text) and any(q.kind == "quoted" for q in parsed.quantities):
        scores["car_inquiry"] += 3
    # a warranty or defect question is service; an angry one stays a complaint
    if scores["complaint"] and scores["service_inquiry"] and scores["complaint"] < 3:
        scores["complaint"] = 0
    # "hoe laat kan ik langskomen voor een proefrit" is a test drive, not opening hours
    if scores["test_drive"] >= 3 and scores["general_info"]:
        scores["general_info"] -= 1
    if scores["general_info"] and re.search(r"\bopen\b", text) and not re.search(r"\b(zijn|is|jullie|open\s*\?|zondag|zaterdag|morgen|vandaag|open\s+op|tot|hoe\s+laat)\b", text):
        scores["general_info"] -= 2  # "open dak", "staat open voor"
    # thanks for the workshop's work is a social turn, not a service question
    if _WORKSHOP_THANKS.search(text) and "?" not in parsed.raw and not concepts.has_defect(text):
        scores["greeting"] = max(scores["greeting"], max(scores.values()) + 1)
    # "kan ik langskomen om te kijken": a showroom visit; with a car or a drive it is a test drive
    if scores["test_drive"] and _LOOK_AROUND.search(text) and not (parsed.wanted or _DRIVE.search(text) or _THAT_CAR.search(text)):
        scores["general_info"] = max(scores["general_info"], scores["test_drive"] + 1)
    return scores


_POSITIVE = re.compile(r"\b(top|super|geweldig|fantastisch|perfect|bedankt|dank\w*|fijn\w*|prima|toppie|tevreden|netjes|goed\s+geholpen)\b|[😊🙂😀😃👍❤😍🙏👌✅👏]")
# thanks and praise: a social turn, whatever else it mentions ("super blij met de auto, bedankt!")
_THANKS_OR_PRAISE = re.compile(
    r"\b(?:bedankt|dank\w*|thanks|thank\s+you|merci|blij|tevreden|aanrader|behulpzaam|top|super|geweldig|perfect|helpful|great|"
    r"prima|helemaal\s+goed|fijn\s+geholpen|goed\s+geholpen|netjes\s+geholpen)\b|[😊🙂😀😃👍❤😍🙏👌✅👏]"
)
_REQUEST = re.compile(r"\b(?:stuur|wil|kan|kun|kunnen|mag|zou|please|send|graag|zoek\w*)\b")
_WORKSHOP = re.compile(r"\b(?:apk|onderhoud\w*|\w*beurt|reparatie|repareren|werkplaats|\w*service|banden\s*wissel\w*)\b")
# the history of a named car: "die a4 van 2019, heeft die nap?" asks about that car, not the dealer's policy
_CAR_HISTORY = re.compile(r"\b(?:heeft|had|is|zijn)\s+(?:die|deze|hij|ie|de\s+\w+|het)\b.{0,25}\b(?:nap|onderhoudsboekje\w*|boekjes|onderhoudshistorie|apk|schade\w*|ongeval\w*)\b")
_NEGATION_BEFORE = re.compile(r"\b(niet|geen|nooit|zonder)\s+(?:\w+\s+)?$")
_CALL_ME = re.compile(r"\b(?:terugbel\w*|bel\s+(?:me|mij)|belletje|telefoontje|call\s+me|give\s+me\s+a\s+call)\b")
_PRICE_TERMS = re.compile(r"\brijklaar\w*|\b(?:komen|zijn)\s+er\s+(?:nog\s+)?(?:\w+\s+)?kosten\b|\binclusief\b|\bexclusief\b")
_WORKSHOP_THANKS = re.compile(
    r"\b(?:dank|bedankt|dankjewel|dankuwel|thanks|thank\s+you)\b.{0,60}\b(?:reparatie|gerepareerd|beurt|onderhoud|monteur|werkplaats)\b|"
    r"\b(?:monteur|werkplaats|reparatie|beurt)\b.{0,60}\b(?:keurig|netjes|snel|goed|prima|top|perfect)\w*\b.{0,40}\b(?:dank|bedankt|dankjewel|dankuwel|thanks)"
)
_LOOK_AROUND = re.compile(r"\b(?:langs\s*(?:te\s+)?komen|langskomen|kom\s+(?:\w+\s+){0,3}langs|binnenlopen)\b.{0,40}\b(?:(?:rond\s*)?(?:te\s+)?kijken|rondkijken|rondneuzen)\b")
_DRIVE = re.compile(r"\b(?:proef\w*|test\s*-?\s*ri\w*|rij\w*|rondje|proberen)\b")
_THAT_CAR = re.compile(r"\b(?:hem|em|'m|die|deze|auto|wagen|occasion)\b")


def _affirmed(regex: re.Pattern[str], text: str) -> bool:
    """A cue not negated right before it ("ik ben niet boos"); an emoji is never negated."""
    return any(not m.group()[:1].isalnum() or not _NEGATION_BEFORE.search(text[max(0, m.start() - 20) : m.start()])
               for m in regex.finditer(text))


def _frustrated(parsed: ParsedMessage) -> bool:
    letters = [ch for ch in parsed.raw if ch.isalpha()]
    shouting = len(letters) >= 12 and sum(ch.isupper() for ch in letters) >= 0.7 * len(letters)
    return (shouting or "!!" in parsed.raw or our_car.COUNTED.search(parsed.text) is not None
            or concepts.complaint_score(parsed.text) >= 2)


def _social_praise(parsed: ParsedMessage, scores: dict[str, int]) -> bool:
    """Thanks or praise without a question, a wanted car or another need."""
    if "?" in parsed.raw or parsed.wanted or parsed.quantities or _REQUEST.search(parsed.text) or not _THANKS_OR_PRAISE.search(parsed.text):
        return False
    return all(score < 3 for intent, score in scores.items() if intent not in ("car_inquiry", "greeting", "other")) and scores["car_inquiry"] <= 1


def _only_social(text: str) -> bool:
    rest = _FILLER.sub(" ", _NAME_INTRO.sub(" ", text))
    rest = re.sub(r"[^a-z0-9]+", " ", rest).strip()
    return len(rest.split()) <= 1


def _priority(intent: str, parsed: ParsedMessage) -> str:
    if intent in ("complaint",):
        return "high"
    if re.search(r"\b(zsm|z\.s\.m|spoed|dringend|vandaag|direct|meteen|asap|(?:ik\s+)?neem\s+(?:hem|die|deze)|wil\s+(?:hem|die|deze)\s+kopen|aanbetaling)\b", parsed.text):
        return "high"
    if intent in ("greeting", "other", "general_info"):
        return "low"
    return "medium"
