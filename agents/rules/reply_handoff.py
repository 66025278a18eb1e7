"""The reply when a colleague takes over: an opening that fits the reason, then the handoff sentence."""

from __future__ import annotations

from agents.dialogue import first_name

from agents.knowledge.financial import credit_warning
from agents.models import ConversationOutput, ReplyRequest
from agents.rules.phrases import Phrase, say, voice_of
from agents.rules.reply_draft import Variety

MANAGER = (
    Phrase(nl="Wat vervelend dat het zo gelopen is{who}. Dat nemen we serieus.",
           en="I'm sorry it went like this{who}. We take it seriously.",
           de="Es tut mir leid, dass es so gelaufen ist{who}. Das nehmen wir ernst."),
    Phrase(nl="Het spijt me dat je dit zo ervaart{who}; we willen dit goed oplossen.",
           nl_u="Het spijt me dat u dit zo ervaart{who}; we willen dit goed oplossen.",
           en="I'm sorry you've had this experience{who}; we want to put it right.",
           de="Es tut mir leid, dass Sie das so erleben{who}; wir möchten das ordentlich klären."),
)
TECHNICAL = (
    Phrase(nl="Vervelend dat er iets mis is met je auto{who}! Daar gaan we je mee helpen.",
           nl_u="Vervelend dat er iets mis is met uw auto{who}! Daar gaan we u mee helpen.",
           en="Sorry to hear something's wrong with your car{who}! We'll help you sort it out.",
           de="Ärgerlich, dass mit Ihrem Auto etwas nicht stimmt{who}! Dabei helfen wir Ihnen."),
    Phrase(nl="Balen dat je auto niet doet wat hij moet doen{who}. Dat lossen we samen op.",
           nl_u="Vervelend dat uw auto niet doet wat hij moet doen{who}. Dat lossen we samen op.",
           en="What a nuisance that your car isn't behaving{who}. We'll sort it out together.",
           de="Ärgerlich, dass Ihr Auto nicht so will wie es soll{who}. Das lösen wir gemeinsam."),
)
FINANCE = (
    Phrase(nl="Dank je dat je dit meteen vertelt{who}; zo kunnen we goed met je meedenken.",
           nl_u="Dank u dat u dit meteen vertelt{who}; zo kunnen we goed met u meedenken.",
           en="Thanks for telling us straight away{who}; that way we can really think along with you.",
           de="Danke, dass Sie das gleich sagen{who}; so können wir gut mit Ihnen mitdenken."),
    Phrase(nl="Goed dat je het aangeeft{who}. Hier kijken we graag persoonlijk naar.",
           nl_u="Goed dat u het aangeeft{who}. Hier kijken we graag persoonlijk naar.",
           en="Good that you mention it{who}. We'd like to look at this with you personally.",
           de="Gut, dass Sie das ansprechen{who}. Das schauen wir uns gern persönlich an."),
)
BUYING = (
    Phrase(nl="Wat leuk{who}! 🎉 Dan gaan we dat samen regelen.", en="Wonderful{who}! 🎉 Let's get that arranged.",
           de="Wie schön{who}! 🎉 Dann regeln wir das gemeinsam."),
    Phrase(nl="Top{who}, mooie keuze! 🎉", en="Great choice{who}! 🎉", de="Prima{who}, gute Wahl! 🎉"),
)
STILL_NOT_UNDERSTOOD = Phrase(
    nl="Sorry, ik begrijp je nog steeds niet goed en wil je niet laten wachten.",
    nl_u="Excuses, ik begrijp u nog steeds niet goed en wil u niet laten wachten.",
    en="Sorry, I'm still not quite following, and I don't want to keep you waiting.",
    de="Entschuldigung, ich verstehe Sie leider immer noch nicht richtig und möchte Sie nicht warten lassen.",
)
OF_COURSE = (
    Phrase(nl="Natuurlijk{who}!", en="Of course{who}!", de="Natürlich{who}!"),
    Phrase(nl="Dat regelen we{who}!", en="We'll arrange that{who}!", de="Das regeln wir{who}!"),
)


def handoff(request: ReplyRequest, vary: Variety) -> ConversationOutput:
    language, form = voice_of(request)
    name = first_name(request.extraction.customer_name or request.context.customer_name)
    decision = request.expertise.escalation_decision
    who = f", {name}" if name else ""
    reason = decision.reason or ""
    if decision.escalation_type == "manager":
        options = MANAGER
    elif decision.escalation_type == "technical_specialist":
        options = TECHNICAL
    elif decision.escalation_type == "finance_advisor":
        options = FINANCE
    elif "kopen" in reason:
        options = BUYING
    elif "niet begrepen" in reason:
        options = (STILL_NOT_UNDERSTOOD,)
    else:
        options = OF_COURSE
    first = say(vary.pick(*options), language, form, who=who)
    parts = [first, request.escalation_handoff or ""]
    if decision.escalation_type == "finance_advisor":
        parts.append(credit_warning(language))
    return ConversationOutput(response_text="\n\n".join(p for p in parts if p), handoff=True, backend="rules")
