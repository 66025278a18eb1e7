"""Greetings: a hello to a first message, and the answer to "hoi" or "bedankt"."""

from __future__ import annotations

import re

from agents.rules.reply_draft import Draft

def greet_first(draft: Draft) -> None:
    request = draft.request
    if request.router.intent == "greeting" or any(turn.role == "bot" for turn in request.context.history):
        return
    name = request.extraction.customer_name or request.context.customer_name
    who = f" {name}" if name else ""
    opener = draft.vary.pick(f"Hoi{who}! 👋", f"Hallo{who}!", f"Hoi{who}, leuk dat je ons appt!")
    if draft.parts and not draft.parts[0].startswith("Ik help je graag"):
        draft.parts[0] = f"{opener} {draft.parts[0]}"
    else:
        draft.parts.insert(0, opener)


_SALUTATION = re.compile(r"\b(?:goede|goeie|goeden)?(morgen|middag|avond)\b")


def greeting_answer(draft: Draft) -> None:
    request, vary = draft.request, draft.vary
    name = request.extraction.customer_name or request.context.customer_name
    who = f" {name}" if name else ""
    if re.match(r"\W*(bedankt|dank|thanks|thx|top|super|prima|ok|oke|okay|fijne|tot\s+ziens|doei)", draft.text):
        draft.parts.append(vary.pick(f"Graag gedaan{who}! 😊", f"Graag gedaan{who}, fijne dag!"))
        return
    salutation = _SALUTATION.search(draft.text)
    hello = {"morgen": "Goedemorgen", "middag": "Goedemiddag", "avond": "Goedenavond"}.get(
        salutation.group(1) if salutation else "")
    hello = hello or vary.pick("Hoi", "Hallo", "Hey")
    if any(turn.role == "bot" for turn in request.context.history):
        draft.parts.append(f"{hello}{who}, welkom terug! Waar kan ik je nu mee helpen?")
        return
    draft.parts.append(vary.pick(
        f"{hello}{who}! 👋 Welkom bij {draft.dealer.name}. Waar kan ik je mee helpen?",
        f"{hello}{who}, fijn dat je ons appt! Zoek je een auto, of heb je een vraag over een van onze occasions?",
        f"{hello}{who}! Leuk dat je contact opneemt met {draft.dealer.name}. Waarmee kan ik je helpen?",
    ))
