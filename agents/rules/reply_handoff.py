"""The reply when a colleague takes over: an opening that fits the reason, then the handoff sentence."""

from __future__ import annotations

from agents.knowledge.financial import CREDIT_WARNING
from agents.models import ConversationOutput, ReplyRequest
from agents.rules.reply_draft import Variety

def handoff(request: ReplyRequest, vary: Variety) -> ConversationOutput:
    name = request.extraction.customer_name or request.context.customer_name
    decision = request.expertise.escalation_decision
    who = f", {name}" if name else ""
    reason = decision.reason or ""
    if decision.escalation_type == "manager":
        first = vary.pick(f"Wat vervelend dat het zo gelopen is{who}. Dat nemen we serieus.",
                          f"Het spijt me dat je dit zo ervaart{who}; we willen dit goed oplossen.")
    elif decision.escalation_type == "technical_specialist":
        first = vary.pick(f"Vervelend dat er iets mis is met je auto{who}! Daar gaan we je mee helpen.",
                          f"Balen dat je auto niet doet wat hij moet doen{who}. Dat lossen we samen op.")
    elif decision.escalation_type == "finance_advisor":
        first = vary.pick(f"Dank je dat je dit meteen vertelt{who}; zo kunnen we goed met je meedenken.",
                          f"Goed dat je het aangeeft{who}. Hier kijken we graag persoonlijk naar.")
    elif "kopen" in reason:
        first = vary.pick(f"Wat leuk{who}! 🎉 Dan gaan we dat samen regelen.", f"Top{who}, mooie keuze! 🎉")
    elif "niet begrepen" in reason:
        first = "Sorry, ik begrijp je nog steeds niet goed en wil je niet laten wachten."
    else:
        first = vary.pick(f"Natuurlijk{who}!", f"Dat regelen we{who}!")
    parts = [first, request.escalation_handoff or ""]
    if decision.escalation_type == "finance_advisor":
        parts.append(CREDIT_WARNING)
    return ConversationOutput(response_text="\n\n".join(p for p in parts if p), handoff=True, backend="rules")
