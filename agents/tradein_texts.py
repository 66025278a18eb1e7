"""What the trade-in intake says to the customer, in Dutch ("je"/"u"), English and German. Pure.

agents.tradein decides what to say; this module says it. RDW's odometer judgement and the
summary for sales are staff-facing and stay Dutch (agents.tradein).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from agents.knowledge.dealer import DealerFacts
from agents.models import Car
from agents.rules.phrases import Phrase, euro, join, kilometres, say, spoken_language
from agents.rules.spoken_dates import MONTH_NAMES, RELATIVE_DAYS, weekday
from agents.tradein_models import PlateLookup, TradeIn

WELCOME = Phrase(nl="Inruilen kan zeker!", en="Trading in is no problem at all!", de="Eine Inzahlungnahme ist gar kein Problem!")
PLATE_WRONG = Phrase(nl="Dan klopt er iets niet met het kenteken. Wil je het nog eens sturen?",
                     nl_u="Dan klopt er iets niet met het kenteken. Wilt u het nog eens sturen?",
                     en="Then something's off with the registration number. Could you send it again?",
                     de="Dann stimmt etwas mit dem Kennzeichen nicht. Könnten Sie es noch einmal schicken?")
THANKS_GREAT = Phrase(nl="Top, dank je!", nl_u="Top, dank u!", en="Great, thanks!", de="Prima, danke!")
THANKS = Phrase(nl="Dank je!", nl_u="Dank u!", en="Thanks!", de="Danke!")
AND_MILEAGE = Phrase(nl="En wat is ongeveer de kilometerstand?", en="And roughly what's the mileage?",
                     de="Und wie hoch ist ungefähr der Kilometerstand?")
PLATE_STILL = Phrase(nl="Dank je! Wat is nog het kenteken van je auto? Dan zoek ik de gegevens erbij.",
                     nl_u="Dank u! Wat is nog het kenteken van uw auto? Dan zoek ik de gegevens erbij.",
                     en="Thanks! And what's your car's registration number? Then I'll look up the details.",
                     de="Danke! Wie lautet noch das Kennzeichen Ihres Wagens? Dann suche ich die Daten heraus.")
GREAT_MILEAGE = Phrase(nl="Top! En wat is ongeveer de kilometerstand?", en="Great! And roughly what's the mileage?",
                       de="Prima! Und wie hoch ist ungefähr der Kilometerstand?")
GREAT_PHOTOS = Phrase(nl="Top! Dan zie ik de foto's graag tegemoet.", en="Great! Then I look forward to the photos.",
                      de="Prima! Dann freue ich mich auf die Fotos.")
PLATE_OF = Phrase(nl="Wat is het kenteken van je {car}? Dan zoek ik de gegevens erbij.",
                  nl_u="Wat is het kenteken van uw {car}? Dan zoek ik de gegevens erbij.",
                  en="What's the registration number of your {car}? Then I'll look up the details.",
                  de="Wie lautet das Kennzeichen Ihres {car}? Dann suche ich die Daten heraus.")
PLATE_AND_MILEAGE_OF = Phrase(nl="Wat is het kenteken van je {car}, en wat is ongeveer de kilometerstand?",
                              nl_u="Wat is het kenteken van uw {car}, en wat is ongeveer de kilometerstand?",
                              en="What's the registration number of your {car}, and roughly what's the mileage?",
                              de="Wie lautet das Kennzeichen Ihres {car}, und wie hoch ist ungefähr der Kilometerstand?")
A_CAR = {"nl": "auto", "en": "car", "de": "Wagens"}  # de: "Ihres Wagens" (genitive)
FROM_YEAR = Phrase(nl=" uit {year}", en=" from {year}", de=" von {year}")
VEHICLE = Phrase(nl="Een {title}{year}", en="A {title}{year}", de="Ein {title}{year}")
APK_EXPIRED = Phrase(nl="APK verlopen op {date}", en="MOT (APK) expired on {date}", de="APK abgelaufen am {date}")
APK_UNTIL = Phrase(nl="APK tot {date}", en="MOT (APK) valid until {date}", de="APK bis {date}")
ABOUT_KM = Phrase(nl="ongeveer {km}", en="about {km}", de="etwa {km}")
IS_THAT_RIGHT = Phrase(nl="{facts}: klopt dat?", en="{facts}: is that right?", de="{facts}: stimmt das?")
PLATE_UNKNOWN = Phrase(nl="Kenteken {plate} kan ik niet vinden in de RDW-gegevens; klopt het?",
                       en="I can't find registration {plate} in the RDW (Dutch vehicle authority) records; is it correct?",
                       de="Das Kennzeichen {plate} finde ich in den RDW-Daten (niederländische Fahrzeugbehörde) nicht; stimmt es?")
PLATE_NOTED = Phrase(nl="Dank je, kenteken {plate} heb ik genoteerd.", nl_u="Dank u, kenteken {plate} heb ik genoteerd.",
                     en="Thanks, I've noted registration {plate}.", de="Danke, das Kennzeichen {plate} habe ich notiert.")
PHOTOS_PLEASE = Phrase(
    nl="Stuur je 3 of 4 foto's? Van buiten, van binnen, van het dashboard met de kilometerstand en van "
       "eventuele schade. Dan maakt een collega je {when} een inruilvoorstel.",
    nl_u="Wilt u 3 of 4 foto's sturen? Van buiten, van binnen, van het dashboard met de kilometerstand en van "
         "eventuele schade. Dan maakt een collega u {when} een inruilvoorstel.",
    en="Could you send 3 or 4 photos? Outside, inside, the dashboard showing the mileage, and any damage. "
       "Then a colleague will make you a trade-in offer {when}.",
    de="Könnten Sie 3 oder 4 Fotos schicken? Von außen, von innen, vom Armaturenbrett mit dem Kilometerstand und von "
       "eventuellen Schäden. Dann macht Ihnen ein Kollege {when} ein Angebot für Ihren Wagen.",
)
PHOTOS_HERE = Phrase(
    nl="Stuur ze gerust hier in de chat: van buiten, van binnen, van het dashboard met de kilometerstand en van "
       "eventuele schade. Dan maakt een collega je {when} een inruilvoorstel.",
    nl_u="Stuurt u ze gerust hier in de chat: van buiten, van binnen, van het dashboard met de kilometerstand en "
         "van eventuele schade. Dan maakt een collega u {when} een inruilvoorstel.",
    en="Just send them here in this chat: outside, inside, the dashboard showing the mileage, and any damage. "
       "Then a colleague will make you a trade-in offer {when}.",
    de="Schicken Sie sie gern hier im Chat: von außen, von innen, vom Armaturenbrett mit dem Kilometerstand und "
       "von eventuellen Schäden. Dann macht Ihnen ein Kollege {when} ein Angebot für Ihren Wagen.",
)
TODAY_STILL = Phrase(nl="vandaag nog", en="later today", de="heute noch")
ON_DAY = Phrase(nl="op {day}", en="on {day}", de="am {day}")
NO_AMOUNT = Phrase(nl="Een bedrag noem ik hier niet: een collega maakt je inruilvoorstel {after}.",
                   nl_u="Een bedrag noem ik hier niet: een collega maakt uw inruilvoorstel {after}.",
                   en="I won't name an amount here: a colleague will make you a trade-in offer {after}.",
                   de="Einen Betrag nenne ich hier nicht: Ein Kollege macht Ihnen ein Angebot {after}.")
ONCE_WE_HAVE = Phrase(nl="zodra we {missing} hebben", en="once we have {missing}", de="sobald wir {missing} haben")
AFTER_PHOTOS = Phrase(nl="na het bekijken van je foto's", nl_u="na het bekijken van uw foto's", en="after looking at your photos",
                      de="nachdem er Ihre Fotos angesehen hat")
MISSING = {
    "nl": {"plate": "het kenteken", "mileage": "de kilometerstand", "photos": "een paar foto's"},
    "en": {"plate": "the registration number", "mileage": "the mileage", "photos": "a few photos"},
    "de": {"plate": "das Kennzeichen", "mileage": "den Kilometerstand", "photos": "ein paar Fotos"},
}
TOP_UP_LATER = Phrase(nl=" Wat je dan bijbetaalt, reken ik uit zodra die inruilwaarde er is.",
                      nl_u=" Wat u dan bijbetaalt, reken ik uit zodra die inruilwaarde er is.",
                      en=" I'll work out what you'd pay on top as soon as that trade-in value is in.",
                      de=" Was Sie dann noch zuzahlen, rechne ich aus, sobald der Wert feststeht.")
VALUED = Phrase(nl="Een collega heeft je auto indicatief gewaardeerd op {value} (onder voorbehoud van bezichtiging).",
                nl_u="Een collega heeft uw auto indicatief gewaardeerd op {value} (onder voorbehoud van bezichtiging).",
                en="A colleague has given your car an indicative value of {value} (subject to seeing it).",
                de="Ein Kollege hat Ihren Wagen vorläufig auf {value} geschätzt (vorbehaltlich einer Besichtigung).")
PAY_ON_TOP = Phrase(nl=" Voor de {title} van {price} betaal je dan ongeveer {difference} bij.",
                    nl_u=" Voor de {title} van {price} betaalt u dan ongeveer {difference} bij.",
                    en=" For the {title} at {price}, you'd then pay about {difference} on top.",
                    de=" Für den {title} zu {price} zahlen Sie dann etwa {difference} dazu.")
MORE_THAN_CAR = Phrase(nl=" Dat is meer dan de {title} kost ({price}); een collega bespreekt het verschil met je.",
                       nl_u=" Dat is meer dan de {title} kost ({price}); een collega bespreekt het verschil met u.",
                       en=" That's more than the {title} costs ({price}); a colleague will go through the difference with you.",
                       de=" Das ist mehr, als der {title} kostet ({price}); die Differenz bespricht ein Kollege mit Ihnen.")
WHICH_CAR_TOP_UP = Phrase(nl=" Voor welke auto wil je weten wat je bijbetaalt?", nl_u=" Voor welke auto wilt u weten wat u bijbetaalt?",
                          en=" Which car would you like to know the difference for?",
                          de=" Für welches Auto möchten Sie wissen, was Sie zuzahlen?")
PHOTOS_IN = Phrase(nl="Top, {count} foto's binnen!", en="Great, {count} photos received!", de="Prima, {count} Fotos sind da!")
PHOTO_IN = Phrase(nl="Top, 1 foto binnen!", en="Great, 1 photo received!", de="Prima, 1 Foto ist da!")
STILL_NEED = Phrase(nl="Wat is nog {missing}?", en="What's {missing}?", de="Wie ist noch {missing}?")
STILL_NEED_WORDS = {
    "nl": {"plate": "het kenteken", "mileage": "ongeveer de kilometerstand"},
    "en": {"plate": "the registration number", "mileage": "roughly the mileage"},
    "de": {"plate": "das Kennzeichen", "mileage": "ungefähr der Kilometerstand"},
}
ALL_IN = Phrase(nl="Ik geef alles door aan een collega; die maakt je {when} een inruilvoorstel.",
                nl_u="Ik geef alles door aan een collega; die maakt u {when} een inruilvoorstel.",
                en="I'll pass everything on to a colleague, who'll make you a trade-in offer {when}.",
                de="Ich gebe alles an einen Kollegen weiter; er macht Ihnen {when} ein Angebot.")
MORE_WELCOME = Phrase(nl="Stuur gerust de andere ook; een collega kijkt ernaar.", nl_u="Stuurt u gerust de andere ook; een collega kijkt ernaar.",
                      en="Feel free to send the others too; a colleague will look at them.",
                      de="Schicken Sie gern auch die anderen; ein Kollege schaut sie sich an.")


def first_question(trade_in: TradeIn, language: str = "nl", form: str = "je") -> str:
    car = " ".join(p for p in (trade_in.make, trade_in.model) if p) or A_CAR[spoken_language(language)]
    return say(PLATE_OF if trade_in.mileage_km else PLATE_AND_MILEAGE_OF, language, form, car=car)


def spoken_date(day: date, language: str = "nl") -> str:
    """"3 maart 2027", "3 March 2027", "3. März 2027"."""
    spoken = spoken_language(language)
    month = MONTH_NAMES[spoken][day.month - 1]
    return f"{day.day}. {month} {day.year}" if spoken == "de" else f"{day.day} {month} {day.year}"


_FUELS = {"en": {"benzine": "petrol", "diesel": "diesel", "elektriciteit": "electric", "lpg": "LPG", "waterstof": "hydrogen"},
          "de": {"benzine": "Benzin", "diesel": "Diesel", "elektriciteit": "Elektro", "lpg": "Autogas", "waterstof": "Wasserstoff"}}


def plate_sentence(trade_in: TradeIn, lookup: PlateLookup, today: date, language: str = "nl", form: str = "je") -> str:
    spoken = spoken_language(language)
    vehicle = lookup.vehicle
    if lookup.status == "found" and vehicle is not None and vehicle.make:
        year = say(FROM_YEAR, spoken, year=vehicle.year) if vehicle.year else ""
        facts = [say(VEHICLE, spoken, title=vehicle.title, year=year)]
        if vehicle.fuels:
            fuels = [fuel.lower() if spoken == "nl" else _FUELS[spoken].get(fuel.lower(), fuel) for fuel in vehicle.fuels]
            facts.append(join(fuels, spoken))
        if vehicle.apk_expiry and vehicle.apk_expiry < today:
            facts.append(say(APK_EXPIRED, spoken, date=spoken_date(vehicle.apk_expiry, spoken)))
        elif vehicle.apk_expiry:
            facts.append(say(APK_UNTIL, spoken, date=spoken_date(vehicle.apk_expiry, spoken)))
        if trade_in.mileage_km and not trade_in.photos_requested:
            facts.append(say(ABOUT_KM, spoken, km=kilometres(trade_in.mileage_km, spoken)))
        return say(IS_THAT_RIGHT, spoken, facts=", ".join(facts))
    if lookup.status == "unknown":
        return say(PLATE_UNKNOWN, spoken, plate=lookup.dashed)
    return say(PLATE_NOTED, spoken, form, plate=lookup.dashed)


def offer_moment(dealer: DealerFacts, now: datetime, language: str = "nl") -> str:
    """When a colleague makes the offer: "vandaag nog" inside opening hours, else the next working day."""
    spoken = spoken_language(language)
    local = now.astimezone(dealer.tz)
    hours = dealer.hours_on(local.date())
    if hours and local.time() < hours[0]:
        return say(TODAY_STILL, spoken)
    if hours and local.time() < hours[1] and (
        datetime.combine(local.date(), hours[1], tzinfo=dealer.tz) - local >= timedelta(hours=1)
    ):
        return say(TODAY_STILL, spoken)
    day = local.date() + timedelta(days=1)
    for _ in range(14):
        if dealer.hours_on(day):
            break
        day += timedelta(days=1)
    if day == local.date() + timedelta(days=1):
        return RELATIVE_DAYS[spoken]["morgen"]
    return say(ON_DAY, spoken, day=weekday(day, spoken))


def photo_request(dealer: DealerFacts, now: datetime, language: str = "nl", form: str = "je") -> str:
    return say(PHOTOS_PLEASE, language, form, when=offer_moment(dealer, now, language))


def value_answer(trade_in: TradeIn, dealer: DealerFacts, now: datetime, wanted: Car | None, top_up: bool,
                 language: str = "nl", form: str = "je") -> str:
    """Honest about value: a colleague makes the offer; "bijbetalen" only from staff's indicative value."""
    spoken = spoken_language(language)
    value = trade_in.indicative_value_eur
    if value is None:
        missing = [MISSING[spoken][what] for what, have in (("plate", trade_in.plate), ("mileage", trade_in.mileage_km),
                                                            ("photos", trade_in.photos)) if not have]
        after = say(ONCE_WE_HAVE, spoken, missing=join(missing, spoken)) if missing else say(AFTER_PHOTOS, spoken, form)
        text = say(NO_AMOUNT, spoken, form, after=after)
        if top_up:
            text += say(TOP_UP_LATER, spoken, form)
        return text
    text = say(VALUED, spoken, form, value=euro(value, spoken))
    if wanted is not None and wanted.price_eur and not wanted.price_is_monthly:
        difference = wanted.price_eur - value
        if difference > 0:
            text += say(PAY_ON_TOP, spoken, form, title=wanted.title, price=euro(wanted.price_eur, spoken),
                        difference=euro(difference, spoken))
        else:
            text += say(MORE_THAN_CAR, spoken, form, title=wanted.title, price=euro(wanted.price_eur, spoken))
    elif top_up:
        text += say(WHICH_CAR_TOP_UP, spoken, form)
    return text


def photos_received(count: int, missing: list[str], enough: bool, first: bool, dealer: DealerFacts, now: datetime,
                    language: str = "nl", form: str = "je") -> str:
    """"Top, 3 foto's binnen!" and what comes next; `missing` holds "plate"/"mileage"."""
    spoken = spoken_language(language)
    ack = say(PHOTOS_IN, spoken, count=count) if count != 1 else say(PHOTO_IN, spoken)
    if missing:
        words = [STILL_NEED_WORDS[spoken][what] for what in missing]
        return f"{ack} {say(STILL_NEED, spoken, missing=join(words, spoken))}"
    if enough:
        return f"{ack} {say(ALL_IN, spoken, form, when=offer_moment(dealer, now, spoken))}"
    if first:
        return f"{ack} {say(MORE_WELCOME, spoken, form)}"
    return ack
