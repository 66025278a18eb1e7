"""Escalation concepts matched by word stems, so compounds and new phrasings count too.

Dutch glues words together ("motorstoringslampje", "rechtsbijstandsverzekering",
"leningaanvraag"), so most stems below are matched inside words, not only as whole
words. A concept is found anywhere in the message and, where it takes two parts
("bought here" + "defect"), the parts may come in any order. Every function takes
text.normalize(...) output. English equivalents sit next to the Dutch.
"""

from __future__ import annotations

import re
from functools import lru_cache

# "niet bij jullie gekocht", "geen klacht", "not a complaint": a cue negated just before it
_NEGATED = re.compile(r"\b(?:niet|geen|nooit|zonder|not|no|never)\s+(?:\w+\s+){0,2}$")


def _affirmed(regex: re.Pattern[str], text: str) -> bool:
    return any(not m.group()[:1].isalnum() or not _NEGATED.search(text[max(0, m.start() - 20): m.start()])
               for m in regex.finditer(text))


# --- technical: a defect or warranty claim on a car bought here ------------------------
_HERE = (r"(?:(?:bij|van|via|from|at)\s+(?:jullie|julie|u|seldenrijk|you|your\s+(?:place|garage|dealership|shop)|jou)\b|"
         r"\bhier\b|\bhere\b|\bjullie\s+vandaan\b)")
_GOT = (r"(?:ge)?(?:kocht|kochte|kochten|haald|haalde|haalden|aangeschaft|aanschafte|opgehaald|afgenomen|gekregen|afgeleverd|"
        r"geleverd|meegenomen|bought|purchased|got|picked\s+up)\b")
_RECENT = (r"\b(?:net|pas|onlangs|kort\s+geleden|recent\w*|vorige\s+(?:week|maand)|afgelopen\s+(?:week|maand)|gisteren|eergisteren|"
           r"(?:\d+|een|twee|drie|vier|paar|enkele)\s+(?:dag|dagen|week|weken|maand|maanden)(?:\s+geleden|\s+terug)?|"
           r"just|recently|last\s+(?:week|month)|(?:\d+|a|two|three|few)\s+(?:days?|weeks?|months?)\s+ago)\b")
BOUGHT_HERE = re.compile(
    rf"{_HERE}.{{0,60}}\b{_GOT}|\b{_GOT}.{{0,60}}{_HERE}|{_RECENT}.{{0,40}}\b{_GOT}|\b{_GOT}.{{0,30}}{_RECENT}|"
    r"\b(?:sinds|na|bij|since|after)\s+(?:de\s+|het\s+|the\s+)?(?:aankoop|aflevering|afleveren|ophalen|levering|purchase|delivery)\b|"
    r"\b(?:gekochte|aangeschafte|opgehaalde|afgeleverde)\b|"
    r"\b(?:auto|wagen|hij|die|ie|occasion|aankoop|car)\s+(?:is|komt|was|came|is\s+from)\s+(?:\w+\s+){0,2}(?:van|bij|from)\s+(?:jullie|you)\b|"
    r"\bjullie\s+(?:hebben|heeft)\s+(?:mij|me|ons)\s+(?:\w+\s+){0,3}verkocht\b|\byou\s+sold\s+(?:me|us)\b|"
    r"\b(?:auto|wagen|hem|'?m|em|occasion|car)\s+(?:\w+\s+){0,4}(?:van|bij|from)\s+(?:jullie|you)\b(?!\s+(?:site|website|gezien|gehoord))|"
    r"\b(?:werd|is|was|zijn|werden|was\s+delivered)\s+(?:\w+\s+){0,3}(?:afgeleverd|geleverd|opgeleverd)\b|"
    r"\b(?:heb|hebben|hebt|heeft|have|had)\s+(?:hem|'?m|em|die|ze|de\s+auto|it|the\s+car)\s+(?:nu\s+)?(?:pas|net|nog\s+maar|only|just)\b|"
    r"\b(?:mijn|m'?n|mn|onze|my|our)\s+(?:[\w.-]+\s+){1,3}(?:van|from)\s+(?:jullie|you)\b(?!\s+(?:site|website|showroom))|"
    r"\b(?:heb|hebben|have|got)\s+(?:ik\s+|we\s+)?(?:hem|'?m|em|die|de\s+auto|the\s+car|it)\s+(?:\w+\s+){0,2}(?:van|bij|from)\s+(?:jullie|you)\b|"
    # broken English, past meant: "my friend he buy golf at you", "we have buyed the astra at your garage"
    r"(?<!can\s)(?<!could\s)(?<!will\s)(?<!would\s)(?<!if\s)(?<!when\s)(?<!to\s)"
    r"\b(?:he|she|i|we|they|my\s+\w+)\s+(?:have\s+|has\s+)?(?:buy|buys|buyed|bought)\s+(?:[\w.-]+\s+){0,3}(?:at|from|by)\s+(?:you|your)\b"
)
DEFECT = re.compile(
    r"(?=[a-z])(?:"
    r"storing|lampje|lampjes|waarschuwingslamp|motorlamp|kapot|defect|mankement|gebrek\w*|foutmelding|foutcode|"
    r"(?<![pv])lek(?:t|ken|kage|kende?|ke)?\b|rammel|ratel|klapper|gepiep|piep|tik(?:t|ken|kend)?\b|getik|kraak|kraken|knars|"
    r"hapert|haperen|sputter|stotter|schok|tril|rook\b|rookt|oververhit|slipt|slippen|roest|lawaai|geluid|herrie|"
    r"\bprobleem|\bproblemen|\bstuk\b|\bslaat\s+(?:\w+\s+){0,2}af\b|\bvalt\s+(?:\w+\s+){0,2}uit\b|\bstart\s+(?:\w+\s+){0,2}niet|"
    r"\bspringt\s+(?:\w+\s+)?niet\s+aan|\b(?:werkt|doet)\s+(?:het\s+)?(?:\w+\s+){0,2}niet|\b(?:werken|doen|werkte|werkten|deed|deden)\s+(?:\w+\s+){0,4}niet\b|\bhet\s+niet\s+meer\b|"
    r"\bbesla(?:a|at|an|gen)\b|\bcondens|\bvocht|\bwater\s+(?:in|op|onder|binnen)\b|\bnatte?\b|\bopent\s+(?:\w+\s+)?niet|\bgaat\s+(?:\w+\s+){0,2}niet\s+(?:meer\s+)?(?:open|dicht|aan|uit|omhoog|omlaag)|\bgaat\s+(?:steeds\s+|telkens\s+)?(?:uit|mis)\b|"
    r"\baccu\s+(?:is\s+)?(?:\w+\s+)?leeg|\braar\b|\brare\s+(?:geluid|geur|trilling)|\bvreemd\w*|\bschakelt\s+(?:\w+\s+)?(?:raar|slecht|niet|moeilijk|zwaar)|\bbrandt\b|\bknippert\b|\bblaast\s+(?:warme|koude|geen)|"
    r"\bbroken|\bbroke\b|\bnoise|\bnoisy|\bleak|\bwarning\s+light|\bengine\s+light|\bcheck\s+engine|\bfaulty|\bdefective|"
    r"\bproblem|\bissue|\b(?:does\s*n[o']?t|won'?t|will\s+not|doesn't)\s+(?:start|work)|\bnot\s+working|\bstall|\brattl|\bsqueak|\bsmoke|\boverheat)"
)


@lru_cache(maxsize=1024)
def has_defect(text: str) -> bool:
    return DEFECT.search(text) is not None


_WARRANTY_WORD = r"(?:\w*garantie\w*|warranty|guarantee)"
WARRANTY_CLAIM = re.compile(
    rf"garantie(?:claim|reparatie|geval|kwestie|melding|aanvraag|zaak)|garantie\s*-?\s*claim|claim\w*\s+(?:\w+\s+){{0,3}}{_WARRANTY_WORD}|{_WARRANTY_WORD}\s+(?:\w+\s+){{0,2}}claimen|"
    rf"(?:beroep|aanspraak)\s+(?:\w+\s+){{0,2}}op\s+(?:\w+\s+){{0,2}}{_WARRANTY_WORD}|warranty\s+claim|"
    rf"onder\s+(?:de\s+|jullie\s+|mijn\s+|uw\s+)?{_WARRANTY_WORD}\s+(?:\w+\s+){{0,3}}(?:maken|repareren|vervangen|oplossen|verhelpen)|"
    rf"via\s+(?:de\s+)?{_WARRANTY_WORD}\s+(?:\w+\s+){{0,2}}(?:maken|repareren|oplossen|vervangen)"
)
# "valt ... onder de garantie", "covered by the warranty": a claim when there is a defect or the car is ours
WARRANTY_QUESTION = re.compile(
    rf"\b(?:valt|vallen|valt\s+dit|valt\s+dat|gaat)\s+(?:\w+\s+){{0,6}}onder\s+(?:de\s+|jullie\s+|mijn\s+|uw\s+|het\s+)?(?:\w+\s+)?{_WARRANTY_WORD}|"
    rf"\b{_WARRANTY_WORD}\s+(?:\w+\s+){{0,3}}(?:op|voor)\s+(?:dit|dat|deze|die|het|de\s+(?:reparatie|schade))\b|"
    rf"\bcovered\s+(?:\w+\s+){{0,2}}(?:warranty|guarantee)|\bunder\s+(?:the\s+)?warranty"
)


# only a negation right before "bij jullie gekocht" denies it ("niet bij jullie gekocht");
# "de navigatie werkt niet in de auto die ik bij jullie kocht" still is ours
_NEGATED_RIGHT_BEFORE = re.compile(r"\b(?:niet|geen|nooit|not|never)\s+$")


# a negation inside the phrase: "heb hem niet bij jullie gekocht", "auto niet van jullie"
_NEGATED_INSIDE = re.compile(r"\b(?:niet|nooit|not|never)\s+(?:\w+\s+)?(?:bij|van|via|hier|from|at|here|(?:ge)?kocht|bought)\b")


@lru_cache(maxsize=1024)
def bought_here(text: str, regex: re.Pattern[str] = BOUGHT_HERE) -> bool:
    return any(not _NEGATED_RIGHT_BEFORE.search(text[max(0, m.start() - 8): m.start()]) and not _NEGATED_INSIDE.search(m.group())
               for m in regex.finditer(text))


# "wat is het beleid als er na aankoop iets kapot gaat": a policy question, not a defect report
HYPOTHETICAL = re.compile(r"\b(?:wat\s+als|wat\s+gebeurt|stel\s+(?:dat|nou)|mocht\s+(?:er|de|het)|indien|beleid|in\s+case|what\s+if|what\s+happens)\b")
_OWN = re.compile(r"\b(?:mijn|m'?n|mn|ik\s+heb|heb\s+ik|we\s+hebben|my|i\s+bought|i\s+have)\b")


@lru_cache(maxsize=1024)
def defect_on_our_car(text: str) -> bool:
    return bought_here(text) and has_defect(text) and not hypothetical(text)


@lru_cache(maxsize=1024)
def hypothetical(text: str) -> bool:
    return HYPOTHETICAL.search(text) is not None and _OWN.search(text) is None


@lru_cache(maxsize=1024)
def warranty_claim(text: str) -> bool:
    if WARRANTY_CLAIM.search(text):
        return True
    if hypothetical(text):  # "wat gebeurt er als er iets kapot gaat, valt dat onder de garantie?" is a question
        return False
    return WARRANTY_QUESTION.search(text) is not None and (has_defect(text) or bought_here(text))


# --- manager: complaints, legal threats, cancelling the purchase -----------------------
LEGAL = re.compile(
    r"(?=[a-z])(?:"
    r"advoca|jurist|juridisch|rechtsbijstand|rechtszaak|rechtbank|\brechter\b|geschillencommissie|consumentenbond|"
    r"aansprakelijk|ingebreke|in\s+gebreke|sommatie|dagvaard|kort\s+geding|\baangifte\b|ombudsman|tros\s+radar|\bradar\b|"
    r"\blawyer|\battorney|\blegal\s+(?:action|steps)|\bsue\b|\bsuing\b|\bcourt\b|\bsolicitor)"
)
_NOT_A_PURCHASE = r"(?!\s+(?:\w+\s+)?(?:afspraak|proefrit|bezichtiging|testrit|appointment|test\s+drive))"
CANCEL = re.compile(
    r"(?=[a-z])(?:"
    r"annule|annuler|ontbind|ontbinding|terugdraai|terug\s+draaien|herroep|"
    r"\bgeld\s+(?:\w+\s+)?terug\b|\b(?:aanbetaling|aankoopbedrag|bedrag)\s+(?:\w+\s+)?terug\b|terugbetal|terug\s+betalen|"
    r"\bterug\s*(?:brengen|geven|inleveren|sturen)\b|\bterugbrengen\b|\bteruggeven\b|"
    r"\bterug\s*(?:nemen|neemt|genomen)\b|\b(?:koop|aankoop|deal)\s+(?:\w+\s+){0,2}ongedaan\b|\bongedaan\s+maken\b|\bneem\s+(?:\w+\s+){0,3}terug\b|"
    r"\beis\w*\b.{0,40}\b(?:geld|vervangend\w*|andere\s+auto|terug\w*)\b|"
    r"\b(?:zie|zien|afzien)\s+(?:\w+\s+){0,3}(?:af\s+)?van\s+(?:de|het|mijn|deze)\s+(?:koop|aankoop|auto|bestelling)|\bvan\s+de\s+(?:koop|aankoop)\s+af\b|"
    r"\bspijt\s+(?:\w+\s+){0,2}(?:koop|aankoop|gekocht)|"
    r"\b(?:beroep\s+op|gebruik\s+(?:\w+\s+)?van|binnen)\s+(?:de\s+|mijn\s+)?bedenktijd|\bbedenktijd\b.{0,40}\b(?:gekocht|koop|aankoop|terug|annul\w*)|"
    r"\b(?:gekocht|aankoop|koop)\b.{0,40}\bbedenktijd|\b(?:wil|willen)\s+(?:hem|'?m|em|de\s+auto|het|die)\s+(?:toch\s+)?niet\s+meer\b|"
    r"\bcancel\w*|\brefund\w*|\bmoney\s+back|\breturn\s+(?:the|my|this)\s+(?:car|vehicle|purchase)|\bwithdraw\s+from)"
)
_CANCEL_APPOINTMENT = re.compile(
    r"(?:afspraak|proefrit|bezichtiging|testrit|appointment|test\s+drive|reservering)\w*\s+(?:\w+\s+){0,3}(?:annule|cancel)|"
    r"(?:annule\w*|cancel\w*)\s+(?:\w+\s+){0,3}(?:afspraak|proefrit|bezichtiging|testrit|appointment|test\s+drive)"
)

_BOSS = (r"(?:bedrijfsleider|manager|directeur|directie|leidinggevende|teamleider|vestigingsmanager|chef|baas|supervisor|"
         r"eigenaar\s+van\s+(?:de\s+|het\s+)?(?:zaak|bedrijf|garage)|the\s+owner|your\s+boss|"
         r"(?<!vorige\s)(?<!eerste\s)(?<!nieuwe\s)(?<!oude\s)(?<!previous\s)(?<!vorig\s)eigenaar)\b")

# (stem pattern, weight): 3 is a complaint on its own, 4 outweighs a plain defect report
# (the manager, not the technician), lower weights need a second sign.
COMPLAINT_SIGNS: list[tuple[re.Pattern[str], int]] = [(re.compile(p), w) for p, w in [
    (r"(?<!geen\s)(?<!geen\senkele\s)(?<!niet\seen\s)\bklacht|\bklagen\b|\bcomplain", 4),
    (r"gelogen|\bliegen|\bloog\b|\bleugen|bedrogen|\bbedot|belazerd|oplicht|opgelicht|misleid|genaaid|afgezet|\bscam|\blied\b|"
     r"\bliars?\b|cheat|\bfraud|ripped\s+off|rip\s*-?\s*off|misleading", 4),
    (r"schandalig|\bschande\b|belachelijk|waardelo|onacceptabel|woedend|ontevreden|\bnooit\s+meer\b|slechtste|"
     r"\bnever\s+again|unacceptable|disgrac|outrageous|\bworst\b|furious", 4),
    (r"teleurgesteld|teleurstell|\bboos\b|\bkwaad\b|onbeschoft|onprofessioneel|klantonvriendelijk|\bonvriendelijk|\bprutser|"
     r"\bcowboys?\b|disappoint|terrible|horrible|awful|\bangry\b|\brude\b", 3),
    (r"\bslecht\w*\s+(?:\w+\s+)?(?:ervaring|service|geholpen|behandeld|klantenservice|nazorg)|\bbad\s+(?:experience|service)|"
     r"\bklaar\s+mee\b|\b(?:ben|is)\s+(?:het\s+)?zat\b|\bhet\s+zat\b", 3),
    (r"negatie\w*\s+(?:\w+\s+)?(?:review|recensie|beoordeling)|\b(?:review|recensie)s?\s+(?:\w+\s+)?(?:schrijven|plaatsen|achterlaten)|"
     r"\b(?:zet|zetten|plaats|plaatsen|gooi|gooien)\s+(?:\w+\s+){0,3}(?:op|on)\s+(?:google|facebook|trustpilot|social|internet|marktplaats|tiktok|instagram)|"
     r"\b(?:bad|negative)\s+review", 3),
    (r"\breview|\brecensie|trustpilot", 2),
    (r"\b(?:klopt|klopte|klopten|kloppen)\s+(?:\w+\s+){0,2}niet\b|\bniet\s+(?:\w+\s+)?(?:klopt|klopte|kloppen)\b|"
     r"\bniet\s+(?:zoals|wat)\s+(?:\w+\s+){0,3}(?:beloofd|afgesproken|geadverteerd|beschreven|aangeboden|vermeld)|"
     r"\bnot\s+(?:what|as)\s+(?:was\s+|it\s+was\s+)?(?:advertised|described|promised)|\bwrong\s+information", 3),
    (r"\bniet\s+netjes\b|\bslordig|\bonzorgvuldig|\bsloppy", 2),
    # lost trust and demands: "geen enkel vertrouwen meer", "vertrouw hem voor geen meter", "ik eis"
    (r"\b(?:geen|nul)\s+(?:enkel\s+)?vertrouwen\s+meer|\bvertrouw\s+(?:\w+\s+){0,3}(?:niet\s+meer|voor\s+geen\s+meter|geen\s+meter)\b|"
     r"\bvertrouwen\s+(?:\w+\s+)?(?:kwijt|weg|verloren)|\bno\s+(?:more\s+)?trust|\blost\s+(?:all\s+)?(?:trust|faith)", 4),
    (r"\b(?:ik|wij|we)\s+eis(?:en)?\b|\beis\s+(?:ik|wij|we)\b|\bi\s+demand\b", 3),
    # frustration words: "wat is dit voor rommel", "ik word er gek van", "wie gaat dit betalen"
    (r"\brommel\b|\btroep\b|\bzooi\b|\bik\s+word\s+(?:er\s+)?(?:gek|knettergek|horendol)|\bgenoeg\s+van\b|"
     r"\bwie\s+(?:gaat|draait|betaalt)\s+(?:\w+\s+){0,2}(?:betalen|op\b|voor\b|dit|dat)|\bben\s+(?:het\s+)?(?:\w+\s+){0,4}zat\b|\bfed\s+up\b", 3),
    # nobody answers the phone
    (r"\bniemand\s+(?:\w+\s+){0,2}(?:neemt|nam)\s+(?:\w+\s+){0,3}op\b|\bneemt\s+niemand\s+(?:\w+\s+){0,3}op\b|"
     r"\bnobody\s+(?:answers|picks\s+up)|\bno\s+one\s+(?:answers|picks\s+up)", 2),
    # someone in charge: "iemand die er wat over te zeggen heeft", "iemand met verantwoordelijkheid"
    (r"\biemand\s+(?:\w+\s+){0,2}(?:die\s+(?:er\s+)?(?:wat|iets)\s+(?:over\s+)?te\s+(?:zeggen|beslissen)\s+heeft|met\s+(?:\w+\s+)?(?:verantwoordelijkheid|zeggenschap|beslissingsbevoegdheid|mandaat))|"
     r"\b(?:someone|somebody|the\s+person)\s+in\s+charge", 4),
    # billed for what the warranty covers: "reparatienota terwijl het onder de garantie zou vallen"
    (r"\b(?:nota|rekening|factuur|betalen|betaald|bill|invoice|pay)\w*\b.{0,60}\b(?:terwijl|maar|although|while)\b.{0,40}(?:garantie|warranty)|"
     r"(?:garantie|warranty)\b.{0,40}\b(?:toch|maar|still|but)\s+(?:\w+\s+){0,3}(?:betalen|rekening|nota|factuur|pay|bill)", 3),
    (r"\bniet\s+(?:\w+\s+)?(?:opgelost|nagekomen|teruggebeld|gebeld|gereageerd)|\bgeen\s+(?:\w+\s+)?(?:reactie|antwoord)\s+(?:\w+\s+)?(?:gehad|gekregen|meer)|"
     r"\bniemand\s+(?:\w+\s+)?(?:reageert|belt|terug)|\bniemand\s+(?:\w+\s+){0,2}terugbel\w*|\bnog\s+steeds\s+(?:niks|niets|geen|niet)\b|\b(?:al|weer|alweer)\s+(?:\d+|twee|drie|vier)\s+(?:keer|weken)\b|"
     r"\balweer\s+(?:kapot|niet|stuk)|\bweer\s+kapot|\bnu\s+al\s+kapot|\bbeloofd\b|\bbelofte|\bzonde\s+van|\bvoor\s+(?:niks|niets)\b|"
     r"\bno\s+(?:reply|response|answer)|\bstill\s+(?:no|not|nothing)", 2),
    (r"\b(?:blijkt|bleek|bleken|blijken)\s+(?:\w+\s+){0,3}(?:niet|anders|onwaar|gelogen)\b|\b(?:niet|nooit)\s+verwacht\b|"
     r"\b(?:valt|viel|vielen)\s+(?:\w+\s+){0,3}tegen\b|\bverborgen\s+(?:gebrek|schade)|\bhidden\s+(?:damage|defect|fault)|"
     r"\b(?:zei|zeiden|zegt|beweerde|beweerden|verteld|vertelden|gezegd|beloofde|beloofden|said|told|promised)\b.{0,80}\b(?:maar|terwijl|but)\b", 3),
    (r"\b(?:slecht|onprettig|onvriendelijk|onbeleefd|vervelend|arrogant|kortaf|neerbuigend|respectloos|niet\s+(?:fijn|goed|prettig|vriendelijk))\w*\s+"
     r"(?:\w+\s+)?(?:geholpen|behandeld|te\s+woord\s+gestaan|ontvangen|benaderd|afgescheept)|\bafgescheept|\barrogant|\bneerbuigend|\brespectloos|\bonprettig", 3),
    (r"\bwat\s+een\s+(?:\w+\s+)?(?:klantenservice|service|bedrijf|zooi|toestand|gedoe|puinhoop|ellende)\b|\bhoor\s+(?:\w+\s+){0,4}(?:niks|niets)\b|"
     r"\b(?:niks|niets)\s+(?:meer\s+)?(?:van\s+jullie\s+)?gehoord|\bnot\s+(?:ok|okay|acceptable|fair|happy)\b|\bniet\s+(?:ok|oke|acceptabel|normaal|correct|fair)\b|"
     r"\bniet\s+blij\b|\bunhappy\b", 2),
    (r"[😡🤬😠]", 2),
    # formal objection, asking for the boss, a one-star review, how customers are treated
    (r"\bbezwaar\s+(?:\w+\s+)?(?:maken|tegen|aantekenen|indienen)|\bformeel\s+bezwaar|\bmaak\s+(?:ik\s+)?(?:\w+\s+)?bezwaar|\bformal\s+complaint|\bobject\s+to\b", 4),
    (rf"\b(?:spreken|spreek|reactie|contact|praten|talk|speak|bellen|verwacht\w*)\b.{{0,40}}\b{_BOSS}|"
     rf"\b(?:wil|eis|eisen|willen|want|demand)\s+(?:nu\s+|meteen\s+|direct\s+)?(?:de|je|jullie|uw|your|the)\s+{_BOSS}|\b{_BOSS}.{{0,40}}\b(?:spreken|bespreken|reactie|contact|praten|talk|speak|bellen)\b", 4),
    (r"\b(?:slechte|negatieve|bad|negative|lage|low)\s+(?:\w+\s+)?(?:review|recensie|beoordeling|rating)|"
     r"\b(?:een|1|one|0|nul)\s*-?\s*(?:ster|sterren|stars?)\s+(?:\w+\s+){0,2}(?:review|recensie|beoordeling|geven|achterlaten|rating)|"
     r"\b(?:review|recensie|beoordeling)\b.{0,30}\b(?:1|een|one|0|nul)\s*-?\s*(?:ster|sterren|stars?)\b|"
     r"\b(?:geef|geven|gegeven|give)\s+(?:\w+\s+){0,2}(?:een|1|one|0|nul|geen)\s*-?\s*(?:ster|sterren|stars?)\b|\b(?:ster|sterren|stars?)\s+(?:\w+\s+)?(?:op|on)\s+(?:google|facebook|trustpilot|marktplaats|autoscout\w*|internet)\b|"
     r"\b(?:review|recensie)s?\s+(?:\w+\s+)?geven", 3),
    (r"\bzo\s+(?:ga\s+(?:je|jij|u|jullie)\s+(?:\w+\s+)?niet\s+met\s+(?:\w+\s+)?(?:klanten|mensen)\s+om|behandel\s+(?:je|jij|u|jullie)\s+(?:\w+\s+)?(?:klanten|mensen))\b|"
     r"\bno\s+way\s+to\s+treat|\bniet\s+met\s+(?:\w+\s+)?klanten\s+om", 4),
    # money owed back: "aanbetaling nog steeds niet terugbetaald"
    (r"\b(?:aanbetaling|geld|bedrag|borg|deposit|money)\b.{0,50}\b(?:niet|nooit|geen|not|never)\s+(?:\w+\s+)?(?:terug\w*|ontvangen|gestort|overgemaakt|refunded|returned|received)|"
     r"\bnog\s+(?:steeds|altijd)\s+(?:niet|geen)\s+(?:\w+\s+)?(?:terug\w*|ontvangen|gestort|overgemaakt|betaald|geleverd)", 4),
    # an appointment nobody kept: "er was niemand om me te helpen", "voor een dichte deur"
    (r"\bniemand\s+(?:\w+\s+){0,2}(?:om\s+(?:me|mij|ons)\s+te\s+helpen|aanwezig|kwam|te\s+zien)|\bdichte\s+deur|\bnobody\s+(?:was\s+)?there|\bno\s+one\s+(?:was\s+)?there", 2),
    (r"\b(?:afspraak|afgesproken|appointment)\b.{0,60}\b(?:maar|but)\b.{0,40}\b(?:niemand|nobody|no\s+one)\b", 2),
    # a promise now broken: "beloofd ... en nu zeggen jullie nee", "you told me ... and now"
    (r"\b(?:toegezegd|beloofden|beloofd|told\s+me|you\s+said|promised)\b.{0,80}\b(?:en\s+nu|and\s+now|now\s+(?:you|it)|turns\s+out|blijkt)\b", 3),
]]
# damage or dirt counts only on a car we delivered ("auto was bij aflevering vies, een kras")
_DAMAGE = re.compile(r"\bvies\b|\bvuil\b|\bsmerig|\bkras|\bdeuk|\bbeschadigd|\bschade\b|\bdirty\b|\bscratch|\bdent\b|\bdamage")
# what lowers it: "geen klachten hoor", compliments around a remark
_PRAISE = re.compile(r"\b(tevreden|super\s+geholpen|goed\s+geholpen|top\s+geholpen|netjes\s+geholpen|aanrader|bedankt)\b")


# shopping for another car, or someone else's car: a defect there is no complaint to us
SHOPPING = re.compile(
    r"\b(?:hebben\s+jullie|heb\s+je|zoek\w*|op\s*zoek|tijd\s+voor\s+(?:een|iets)|looking\s+for|do\s+you\s+have|"
    r"van\s+(?:mijn|m'?n|mn)\s+(?:buurman|buurvrouw|vader|moeder|zus|broer|collega|vriend\w*|schoonvader|schoonmoeder))\b"
)


@lru_cache(maxsize=1024)
def complaint_score(text: str) -> int:
    score = sum(weight for regex, weight in COMPLAINT_SIGNS if _affirmed(regex, text))
    if bought_here(text):
        # damage or dirt on a car we delivered is a complaint in itself
        hits = sum(1 for m in _DAMAGE.finditer(text) if not _NEGATED.search(text[max(0, m.start() - 20): m.start()]))
        score += 3 + min(2, hits - 1) if hits else 0
    if score == 2 and has_defect(text) and not SHOPPING.search(text):
        score += 1  # "not happy, the car broke down after 2 days"
    if score and score < 4 and _PRAISE.search(text):
        score -= 2
    return score


@lru_cache(maxsize=1024)
def legal_threat(text: str) -> bool:
    return _affirmed(LEGAL, text)


# "wil er toch van af", "wil hem niet meer": cancelling only when the car was just bought here
_WANTS_OUT = re.compile(r"\b(?:wil|willen|wilde)\s+(?:\w+\s+){0,2}(?:er|hem|'?m|em|ervan)\s+(?:toch\s+)?(?:\w+\s+)?(?:van\s*af|vanaf|niet\s+meer|terug)\b|"
                        r"\b(?:heb|had)\s+spijt\b|\bchanged\s+my\s+mind\b")


@lru_cache(maxsize=1024)
def wants_to_cancel(text: str) -> bool:
    if _CANCEL_APPOINTMENT.search(text):
        return False
    return _affirmed(CANCEL, text) or (_WANTS_OUT.search(text) is not None and bought_here(text))


# --- finance: rejected elsewhere, bad credit, English -----------------------------------
_CREDIT_STEM = r"(?:financ|lening|lenen|krediet|aanvraag|hypothe|\bbank\b|\bloan|\bcredit|\bmortgage)"
_REJECTED = r"(?:afgekeurd|afgewezen|geweigerd|afwijzing|niet\s+goedgekeurd|niet\s+rond|rejected|declined|denied|turned\s+down|refused)"
REJECTED_FINANCE = re.compile(rf"{_CREDIT_STEM}\w*.{{0,60}}\b{_REJECTED}|\b{_REJECTED}\b.{{0,60}}{_CREDIT_STEM}")
DEBT = re.compile(r"betalingsregeling|beslagregeling|beslagvrije\s+voet|schuldeiser|incasso|loonbeslag|\bbeslag\s+(?:\w+\s+){0,2}(?:op|gelegd)\b|beslaglegging|achterstallig|\bschulden\b|\bin\s+de\s+schulden")
ENGLISH_FINANCE = re.compile(
    r"\b(?:bad|poor|negative|low)\s+credit|\bcredit\s+(?:record|history|registration|score|rating)\s+(?:\w+\s+){0,2}(?:bad|poor|negative|low)|"
    r"\b(?:in\s+)?debts?\b|\bdebt\s+(?:restructuring|counselling|relief)|\bbankrupt|"
    r"\bself\s*-?\s*employed\b.{0,60}\b(?:no|without|not\s+yet)\s+(?:\w+\s+)?(?:annual\s+)?(?:accounts|figures|statements|financials)|"
    r"\b(?:business|financial|company)\s+lease|\blease\s+(?:\w+\s+){0,2}(?:through|via)\s+(?:my|our|the)\s+(?:company|business|firm)"
)
