"""Greetings: a hello to a first message, "welkom terug" after a long silence, the answer to
"hoi" or "bedankt", and the one line for a customer writing another language.

The greeting fits the register (a "u" chat never gets "Hoi" or "Hey": "Goedemiddag", by the
dealer's local time) and the time since the last message: nothing extra in a running chat,
"welkom terug" only after a real pause.
"""

from __future__ import annotations

from agents.dialogue import first_name

import re

from agents.rules.phrases import Phrase
from agents.rules.reply_draft import Draft

WELCOME_BACK_AFTER_SECONDS = 6 * 3600  # a pause this long is a new visit, not the same chat
_SALUTATION = re.compile(r"\b(?:(?:goede|goeie|goeden)?(morgen|middag|avond)|good\s+(morning|afternoon|evening)|"
                         r"guten\s+(morgen|tag|abend))\b")
_THANKS = re.compile(r"\W*(bedankt|dank|thanks|thank\s+you|thx|cheers|danke|vielen\s+dank|merci|top|super|prima|ok|oke|okay|"
                     r"fijne|tot\s+ziens|doei|bye|tschuss|auf\s+wiedersehen|"
                     r"great|perfect|perfekt|geweldig|see\s+you|tot\s+(?:dan|zo|straks|morgen|\w+dag)|bis\s+(?:dann|bald|morgen|\w+tag))")

PART_OF_DAY = {  # by the dealer's local hour
    "morgen": Phrase(nl="Goedemorgen", en="Good morning", de="Guten Morgen"),
    "middag": Phrase(nl="Goedemiddag", en="Good afternoon", de="Guten Tag"),
    "avond": Phrase(nl="Goedenavond", en="Good evening", de="Guten Abend"),
}
_SALUTATION_PART = {"morgen": "morgen", "middag": "middag", "avond": "avond", "morning": "morgen", "afternoon": "middag",
                    "evening": "avond", "tag": "middag", "abend": "avond"}
HELLO = (  # the informal hellos; a "u" chat gets the part of the day instead
    Phrase(nl="Hoi", nl_u="Goedendag", en="Hi", de="Hallo"),
    Phrase(nl="Hallo", en="Hello", de="Hallo"),
    Phrase(nl="Hey", nl_u="Goedendag", en="Hi", de="Hallo"),
)
OPENERS = (  # before the answer to a first message
    Phrase(nl="{hello}{who}! 👋", en="{hello}{who}! 👋", de="{hello}{who}! 👋"),
    Phrase(nl="{hello}{who}!", en="{hello}{who}!", de="{hello}{who}!"),
    Phrase(nl="{hello}{who}, leuk dat je ons appt!", nl_u="{hello}{who}, fijn dat u ons een bericht stuurt.",
           en="{hello}{who}, thanks for getting in touch!", de="{hello}{who}, schön, dass Sie sich melden!"),
)
WELCOMES = (  # the answer to "hoi" as a first message
    Phrase(nl="{hello}{who}! 👋 Welkom bij {dealer}. Waar kan ik je mee helpen?",
           nl_u="{hello}{who}, welkom bij {dealer}. Waarmee kan ik u helpen?",
           en="{hello}{who}! 👋 Welcome to {dealer}. How can I help?",
           de="{hello}{who}! 👋 Willkommen bei {dealer}. Wie kann ich Ihnen helfen?"),
    Phrase(nl="{hello}{who}, fijn dat je ons appt! Zoek je een auto, of heb je een vraag over een van onze occasions?",
           nl_u="{hello}{who}, fijn dat u ons een bericht stuurt! Zoekt u een auto, of heeft u een vraag over een van onze occasions?",
           en="{hello}{who}, thanks for your message! Are you looking for a car, or do you have a question about one of ours?",
           de="{hello}{who}, schön, dass Sie uns schreiben! Suchen Sie ein Auto, oder haben Sie eine Frage zu einem unserer Gebrauchtwagen?"),
    Phrase(nl="{hello}{who}! Leuk dat je contact opneemt met {dealer}. Waarmee kan ik je helpen?",
           nl_u="{hello}{who}, fijn dat u contact opneemt met {dealer}. Waarmee kan ik u helpen?",
           en="{hello}{who}! Nice to hear from you. What can I do for you?",
           de="{hello}{who}! Schön, von Ihnen zu hören. Was kann ich für Sie tun?"),
)
WELCOME_BACK = Phrase(nl="{hello}{who}, welkom terug! Waar kan ik je mee helpen?",
                      nl_u="{hello}{who}, welkom terug! Waarmee kan ik u helpen?",
                      en="{hello}{who}, welcome back! What can I do for you?",
                      de="{hello}{who}, schön, wieder von Ihnen zu hören! Wie kann ich Ihnen helfen?")
WELCOME_BACK_OPENER = Phrase(nl="{hello}{who}, welkom terug!", en="{hello}{who}, welcome back!",
                             de="{hello}{who}, schön, wieder von Ihnen zu hören!")
STILL_HERE = Phrase(nl="{hello}{who}! Waar kan ik je nog mee helpen?", nl_u="{hello}{who}! Waarmee kan ik u nog helpen?",
                    en="{hello}{who}! What else can I help you with?", de="{hello}{who}! Wobei kann ich Ihnen noch helfen?")
YOU_ARE_WELCOME = (  # {who} is ", Sanne" here
    Phrase(nl="Graag gedaan{who}! 😊", en="You're welcome{who}! 😊", de="Gern geschehen{who}! 😊"),
    Phrase(nl="Graag gedaan{who}, {wish}!", en="My pleasure{who} – {wish}!", de="Gern geschehen{who} – {wish}!"),
)
NICE_DAY = {
    "morgen": Phrase(nl="fijne dag", en="have a great day", de="einen schönen Tag noch"),
    "middag": Phrase(nl="fijne dag", en="have a great day", de="einen schönen Tag noch"),
    "avond": Phrase(nl="fijne avond", en="have a nice evening", de="einen schönen Abend noch"),
}
_STAY_ON_TOPIC_START = Phrase(nl="Ik help je graag", nl_u="Ik help u graag", en="I'm happy to help", de="Gern helfe ich")
OTHER_LANGUAGE = Phrase(
    nl="(Ik antwoord in het Engels; Nederlands, Engels of Duits werkt het best.)",
    en="(I've answered in English – Dutch, English or German work best for us.)",
    de="(Ich antworte auf Englisch; Niederländisch, Englisch oder Deutsch funktionieren am besten.)",
)


def part_of_day(draft: Draft) -> str:
    hour = draft.now.astimezone(draft.dealer.tz).hour
    return "morgen" if 5 <= hour < 12 else "middag" if hour < 18 else "avond"


def _hello(draft: Draft) -> str:
    """The customer's own salutation mirrored, else the part of the day ("u") or an informal hello."""
    salutation = _SALUTATION.search(draft.text)
    if salutation:
        word = next(group for group in salutation.groups() if group)
        return draft.say(PART_OF_DAY[_SALUTATION_PART[word]])
    if draft.form == "u" and draft.language == "nl":
        return draft.say(PART_OF_DAY[part_of_day(draft)])
    return draft.pick(*HELLO)


def _who(draft: Draft) -> str:
    name = first_name(draft.request.extraction.customer_name or draft.request.context.customer_name)
    return f" {name}" if name else ""  # "Hoi Jan", never "Hey Jan de Vries"


def _we_talked(draft: Draft) -> bool:
    return any(turn.role == "bot" for turn in draft.request.context.history)


def _long_pause(draft: Draft) -> bool:
    silence = draft.request.context.seconds_since_last_message
    return silence is not None and silence >= WELCOME_BACK_AFTER_SECONDS


def greet_first(draft: Draft) -> None:
    """A hello before the answer to a first message, or "welkom terug" after a long pause."""
    if draft.request.router.intent == "greeting":
        return
    if not _we_talked(draft):
        opener = draft.pick(*OPENERS, hello=_hello(draft), who=_who(draft))
    elif _long_pause(draft):
        opener = draft.say(WELCOME_BACK_OPENER, hello=_hello(draft), who=_who(draft))
    else:
        return  # a running chat: straight to the answer
    if draft.parts and not draft.parts[0].startswith(draft.say(_STAY_ON_TOPIC_START)):
        draft.parts[0] = f"{opener} {draft.parts[0]}"
    else:
        draft.parts.insert(0, opener)


def greeting_answer(draft: Draft) -> None:
    who = _who(draft)
    if _THANKS.match(draft.text):
        draft.parts.append(draft.pick(*YOU_ARE_WELCOME, who=who.replace(" ", ", ", 1), wish=draft.say(NICE_DAY[part_of_day(draft)])))
        return
    hello = _hello(draft)
    if _we_talked(draft):
        phrase = WELCOME_BACK if _long_pause(draft) else STILL_HERE
        draft.parts.append(draft.say(phrase, hello=hello, who=who))
        return
    draft.parts.append(draft.pick(*WELCOMES, hello=hello, who=who, dealer=draft.dealer.name))


ASK_IN_ENGLISH = Phrase(
    nl="Sorry, die vraag kan ik niet goed lezen. Kunt u hem in het Nederlands, Engels of Duits stellen?",
    en="Sorry, I can't quite read that question. Could you ask it in English (or Dutch or German)?",
    de="Entschuldigung, diese Frage kann ich nicht gut lesen. Könnten Sie sie auf Deutsch, Englisch oder Niederländisch stellen?",
)
# "le prix", "el precio", "il prezzo", "cena", "o preço", "fiyat": a price question in a language we do not read
_PRICE_ANYWHERE = re.compile(r"\b(prix|precio|prezzo|cena|ceny|preco|fiyat\w*|pret|hinta|pris|price)\b")


def foreign_question(draft: Draft) -> bool:
    """A question in a language we do not read: the price of the car under discussion, else a polite
    request to ask in English. False when the message is not such a question."""
    request = draft.request
    if draft.language != "other" or "?" not in request.text or request.router.intent not in ("greeting", "other"):
        return False
    from agents.rules.reply_cars import facts_answer

    cars = request.context.last_cars
    if _PRICE_ANYWHERE.search(draft.text) and len(cars) == 1:
        draft.parts.append(facts_answer(cars[:1], ["price"], draft.dealer, request.context, draft.language, draft.form))
        draft.show(cars[:1])
        draft.answered_car_facts = True
    else:
        draft.parts.append(draft.say(ASK_IN_ENGLISH))
    return True


def other_language_note(draft: Draft) -> list[str]:
    """Once per chat, to a customer writing neither Dutch, English nor German: what works best."""
    if draft.language != "other" or draft.said_before(re.escape(draft.say(OTHER_LANGUAGE)[:40])):
        return []
    return [draft.say(OTHER_LANGUAGE)]


def nice_day(draft: Draft) -> str:
    return draft.say(NICE_DAY[part_of_day(draft)])

