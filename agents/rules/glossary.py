"""English and German words the rules read as their Dutch equivalents.

The rules engine's patterns are Dutch. An English or German customer asks the same things
("is it still available?", "am Samstag um 11 Uhr", "per month", "the first one"), so the
normalised text swaps such words for the Dutch the patterns know. Only words that are not
Dutch themselves are mapped ("die", "morgen", "is" are left alone), so a Dutch message
reads exactly as before; a Dutch message with an English word in it ("nog available?")
is read better. Works on lower-case, accent-free text (agents.rules.text.normalize).
"""

from __future__ import annotations

import re

_HOURS_12 = {"am": 0, "pm": 12}

# (pattern, Dutch) in the order applied; patterns are whole words on normalised text.
_TERMS: list[tuple[str, str]] = [
    # days
    (r"the day after tomorrow|ubermorgen", "overmorgen"),
    (r"tomorrow", "morgen"),
    (r"mondays?|montags?", "maandag"),
    (r"tuesdays?|dienstags?", "dinsdag"),
    (r"wednesdays?|mittwochs?", "woensdag"),
    (r"thursdays?|donnerstags?", "donderdag"),
    (r"fridays?|freitags?", "vrijdag"),
    (r"saturdays?|samstags?|sonnabends?", "zaterdag"),
    (r"sundays?|sonntags?", "zondag"),
    (r"next week|naechste woche|nachste woche|kommende woche", "volgende week"),
    (r"this weekend|am wochenende|dieses wochenende", "dit weekend"),
    # times of day
    (r"in the morning|vormittags?", "'s ochtends"),
    (r"in the afternoon|nachmittags?", "'s middags"),
    (r"in the evening|abends", "'s avonds"),
    (r"as soon as possible|so schnell wie moglich|moglichst bald", "zo snel mogelijk"),
    # the test drive and visiting
    (r"test[ -]?drives?|probefahrt(?:en)?", "proefrit"),
    (r"come (?:by|over|round|and see)|drop by|stop by|pop in|vorbeikommen|vorbei kommen", "langskomen"),
    (r"what (?:should|do|must) i bring|(?:do|should) i (?:need|have) to bring(?: anything)?|should i bring anything|"
     r"anything (?:to|i should) bring|was (?:muss|soll) ich mitbringen|muss ich (?:etwas|was) mitbringen", "wat moet ik meenemen"),
    (r"can'?t make it|cannot make it|kann (?:doch )?nicht (?:kommen)?", "kan toch niet"),
    (r"reschedule|move (?:it|the appointment)|verschieben|verlegen", "verzetten"),
    (r"absagen|stornieren", "afzeggen"),
    # picking from a list
    (r"(?:the )?first one|der erste|die erste|das erste|den ersten|(?<![a-z])erste(?:n)?(?![a-z])", "de eerste"),
    (r"(?:the )?second one|der zweite|die zweite|das zweite|den zweiten|(?<![a-z])zweite(?:n)?(?![a-z])", "de tweede"),
    (r"(?:the )?third one|der dritte|die dritte|das dritte|den dritten|(?<![a-z])dritte(?:n)?(?![a-z])", "de derde"),
    (r"(?:the )?last one|der letzte|die letzte|das letzte|den letzten", "de laatste"),
    # money
    (r"and with|and what about|what about|und mit|und was ist mit", "en met"),
    # "a month" is money only right after an amount or a money word ("300 a month", "how much a month",
    # "would that be a month"); "after a month", "a month later" are time and never a payment question
    (r"per month|(?:(?<=\d )|(?<=\dk )|(?<=euro )|(?<=eur )|(?<=much )|(?<=cost )|(?<=costs )|(?<=pay )|(?<=paying )|"
     r"(?<=be )|(?<=that )|(?<=it )|(?<=price )|(?<=payment )|(?<=rate )|(?<=lease ))a month|each month|every month|monthly|pro monat|im monat|"
     r"monatlich(?:e|en)?|monatsrate\w*", "per maand"),
    (r"down ?payment|deposit|anzahlung", "aanbetaling"),
    (r"(?:put |with |pay )?(\d[\d.,]*k?) (?:down|upfront|up front)", r"\1 aanbetaling"),
    (r"uber(?= \d)", "over"),
    (r"(?<=\d )months?|(?<=\d )monate?n?", "maanden"),
    (r"(?<=\d )years?|(?<=\d )jahre?n?", "jaar"),
    (r"discount|rabatt|nachlass", "korting"),
    # questions about a car
    (r"(?:still|is it) available|still for sale|still there|noch (?:verfugbar|da|zu haben|zu verkaufen|vorhanden)", "nog beschikbaar"),
    (r"how much (?:is|does) (?:it|that|the \w+)(?: cost)?|what does (?:it|that) cost|what'?s the price|what is the price|"
     r"was kostet (?:er|es|das auto|der wagen|das|der \w+|die \w+)(?= |$|[?.!,])(?<!per)", "wat kost hij"),
    (r"wie teuer", "hoe duur"),
    # the availability question in the languages we answer in English: "toujours disponible?", "dostępny?"
    (r"(?:toujours |encore |todavia |ancora |jeszcze )?(?:disponib\w+|dostepn\w+)", "nog beschikbaar"),
    (r"mileage|odometer", "kilometerstand"),
    (r"what year|which year|baujahr", "bouwjaar"),
    (r"automatik|automatic", "automaat"),
    (r"manual gearbox|manual transmission|schaltgetriebe|schaltwagen|(?<![a-z])manual(?![a-z])", "handgeschakeld"),
    # the dealer
    (r"opening (?:hours|times)|offnungszeiten|oeffnungszeiten", "openingstijden"),
    (r"when are you open|wann (?:haben sie|habt ihr) (?:geoffnet|offen|auf)", "wanneer zijn jullie open"),
    (r"geoffnet|offen", "open"),
    (r"call me(?: back)?|ruf(?:en sie)? mich (?:zuruck|an)|zuruckrufen", "bel me terug"),
    # short answers
    (r"^(?:yes please|yes sure|sure|sounds good|ja gerne|ja gern|gerne|gern)$", "ja graag"),
    (r"^(?:nein|no)(?= |$|[,.!])(?! problem)", "nee"),
]
_PATTERN = re.compile("|".join(f"(?:(?<![a-z']){pattern}(?![a-z]))" for pattern, _ in _TERMS))
_COMPILED = [(re.compile(f"(?<![a-z']){pattern}(?![a-z])"), dutch) for pattern, dutch in _TERMS]
_CLOCK_12 = re.compile(r"\b(?:at |um )?(\d{1,2})(?:[:.](\d\d))? ?(am|pm|a\.m\.|p\.m\.)(?![a-z])")  # 5:30pm, 5.30pm
_AT_HOUR = re.compile(r"(?<![a-z])(?:at|um)\s+(\d{1,2}(?:[:.]\d\d)?)(?:\s*uhr|\s*o'?clock)?(?![a-z\d])")
_UHR = re.compile(r"(?<=\d)\s*(?:uhr|o'?clock)(?![a-z])")


def _twelve_hour(match: re.Match[str]) -> str:
    hour = int(match.group(1)) % 12 + _HOURS_12[match.group(3)[0] + "m"]
    minutes = match.group(2)
    return f"om {hour}:{minutes}" if minutes else f"om {hour} uur"


def dutch_terms(text: str) -> str:
    """'can i come for a test drive on saturday at 11am?' -> 'can i come for a proefrit on zaterdag om 11 uur?'."""
    if not _PATTERN.search(text) and not _CLOCK_12.search(text) and not _AT_HOUR.search(text) and not _UHR.search(text):
        return text  # most (Dutch) messages: nothing to do
    text = _CLOCK_12.sub(_twelve_hour, text)
    text = _AT_HOUR.sub(lambda m: f"om {m.group(1)}" + ("" if ":" in m.group(1) or "." in m.group(1) else " uur"), text)
    text = _UHR.sub(" uur", text)
    for pattern, dutch in _COMPILED:
        text = pattern.sub(dutch, text)
    return text
