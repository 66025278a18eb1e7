"""WhatsApp media: what a message carries (read leniently from WAHA) and what we say back. Pure.

Images belong to a running trade-in intake, else they get "Dank je voor de foto!" and their
caption is answered as the text. Voice notes get an honest "please type it". Documents are
acknowledged and forwarded to sales. Locations get the distance and a route link. Stickers and
reactions need no reply; a 👍 on our message counts as "ja".
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal
from urllib.parse import quote_plus

from pydantic import BaseModel

from agents.knowledge.dealer import DealerFacts
from agents.privacy import VOICE_NOTE, VOICE_NOTE_REPLY
from agents.rules.phrases import Phrase, say

MediaKind = Literal["image", "video", "voice", "document", "location", "sticker", "reaction", "contact", "other"]

VOICE_REPLY = VOICE_NOTE_REPLY  # one text: agents.privacy answers a typed "[spraakbericht]" the same way
VOICE_REPLY_SAID = VOICE_NOTE  # ... in every language
PHOTO_THANKS = "Dank je voor de foto!"
YES_REACTIONS = {"👍", "👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿", "👌", "✅", "🙏", "❤️", "❤"}
_MAX_FIELD = 1000


class InboundMedia(BaseModel):
    """The media part of a WhatsApp message, as far as WAHA told us (every field optional)."""

    kind: MediaKind
    url: str | None = None  # WAHA's media.url: fetched only from the configured WAHA host
    mimetype: str | None = None
    filename: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    place: str | None = None  # location name or address
    reaction: str | None = None  # the emoji ("" removes a reaction)
    reacted_to: str | None = None  # the message id reacted to
    caption: str | None = None  # the text sent with an image, video or document

    @property
    def is_yes(self) -> bool:
        return self.kind == "reaction" and (self.reaction or "").strip() in YES_REACTIONS


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:_MAX_FIELD]
    return None


def _coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def media_from_payload(payload: dict[str, Any], *, event: str = "message") -> InboundMedia | None:
    """Classify a WAHA message payload; None for a plain text message. Never raises on odd fields."""
    if event == "message.reaction":
        reaction = payload.get("reaction") if isinstance(payload.get("reaction"), dict) else {}
        text = reaction.get("text") if isinstance(reaction.get("text"), str) else ""
        return InboundMedia(kind="reaction", reaction=text[:16], reacted_to=_text(reaction.get("messageId")))
    raw = payload.get("_data") if isinstance(payload.get("_data"), dict) else {}
    raw_type = raw.get("type") if isinstance(raw.get("type"), str) else None
    location = payload.get("location") if isinstance(payload.get("location"), dict) else None
    if location is not None or raw_type == "location":
        location = location or {}
        latitude = _coordinate(location.get("latitude", raw.get("lat")), 90)
        longitude = _coordinate(location.get("longitude", raw.get("lng")), 180)
        place = _text(location.get("name")) or _text(location.get("address")) or _text(location.get("description"))
        return InboundMedia(kind="location", latitude=latitude, longitude=longitude, place=place)
    vcards = payload.get("vCards")
    if raw_type in ("vcard", "multi_vcard") or (isinstance(vcards, list) and vcards):
        return InboundMedia(kind="contact")
    if payload.get("hasMedia") is not True:
        return None
    media = payload.get("media") if isinstance(payload.get("media"), dict) else {}
    url = _text(media.get("url")) or _text(payload.get("mediaUrl"))
    mimetype = _text(media.get("mimetype"))
    filename = _text(media.get("filename"))
    return InboundMedia(kind=_kind(mimetype, raw_type), url=url, mimetype=mimetype, filename=filename)


def _kind(mimetype: str | None, raw_type: str | None) -> MediaKind:
    if raw_type in ("sticker",):
        return "sticker"
    if raw_type in ("ptt", "audio"):
        return "voice"
    if raw_type in ("image", "video", "document"):
        return raw_type  # type: ignore[return-value]
    base = (mimetype or "").split(";")[0].strip().lower()
    if base == "image/webp":
        return "sticker"
    if base.startswith("image/"):
        return "image"
    if base.startswith("audio/"):
        return "voice"
    if base.startswith("video/"):
        return "video"
    if base:
        return "document"
    return "other"


# --- replies ---------------------------------------------------------------------------------
PHOTO_THANKS_SAID = Phrase(nl=PHOTO_THANKS, nl_u="Dank u voor de foto!", en="Thanks for the photo!", de="Danke für das Foto!")
VIDEO_THANKS = Phrase(nl="Dank je voor de video! Zelf kan ik video's niet bekijken, maar mijn collega's zien hem ook.",
                      nl_u="Dank u voor de video! Zelf kan ik video's niet bekijken, maar mijn collega's zien hem ook.",
                      en="Thanks for the video! I can't watch videos myself, but my colleagues can see it too.",
                      de="Danke für das Video! Ich selbst kann keine Videos ansehen, aber meine Kollegen sehen es auch.")
PHOTO_UNSEEN = Phrase(nl="Zelf kan ik foto's niet bekijken, maar mijn collega's zien hem ook.",
                      en="I can't look at photos myself, but my colleagues can see it too.",
                      de="Ich selbst kann keine Fotos ansehen, aber meine Kollegen sehen es auch.")
HOW_CAN_I_HELP = Phrase(nl="Waarmee kan ik je helpen?", nl_u="Waarmee kan ik u helpen?", en="How can I help?",
                        de="Wie kann ich Ihnen helfen?")
DOCUMENT_IN = Phrase(nl="Dank je, je document{name} is binnen. Ik stuur het door naar een collega van verkoop; "
                        "die kijkt ernaar en neemt contact met je op.",
                     nl_u="Dank u, uw document{name} is binnen. Ik stuur het door naar een collega van verkoop; "
                          "die kijkt ernaar en neemt contact met u op.",
                     en="Thanks, your document{name} has arrived. I'm passing it on to a colleague in sales, who'll look "
                        "at it and get in touch.",
                     de="Danke, Ihr Dokument{name} ist angekommen. Ich leite es an einen Kollegen im Verkauf weiter; "
                        "er sieht es sich an und meldet sich bei Ihnen.")
ATTACHMENT_UNREADABLE = Phrase(
    nl="Dank je! Die bijlage kan ik hier niet openen; wil je in een paar woorden typen waar het over gaat?",
    nl_u="Dank u! Die bijlage kan ik hier niet openen; wilt u in een paar woorden typen waar het over gaat?",
    en="Thanks! I can't open that attachment here; could you type in a few words what it's about?",
    de="Danke! Diesen Anhang kann ich hier nicht öffnen; könnten Sie in ein paar Worten schreiben, worum es geht?")
CONTACT_CARD = Phrase(nl="Dank je voor het contact! Ik geef het door aan een collega.",
                      nl_u="Dank u voor het contact! Ik geef het door aan een collega.",
                      en="Thanks for the contact! I'll pass it on to a colleague.",
                      de="Danke für den Kontakt! Ich gebe ihn an einen Kollegen weiter.")
ROUTE_TO_US = Phrase(nl="Dank je! Je vindt ons op {address}. Route: {route}", nl_u="Dank u! U vindt ons op {address}. Route: {route}",
                     en="Thanks! You'll find us at {address}. Directions: {route}",
                     de="Danke! Unsere Adresse: {address}. Route: {route}")
YOUR_ROUTE = Phrase(nl="Dank je! Je vindt ons op {address}. Je route: {route}", nl_u="Dank u! U vindt ons op {address}. Uw route: {route}",
                    en="Thanks! You'll find us at {address}. Your route: {route}",
                    de="Danke! Unsere Adresse: {address}. Ihre Route: {route}")
CLOSE_BY = Phrase(nl="Je bent vlakbij! We zitten op {address}. Route: {route}", nl_u="U bent vlakbij! We zitten op {address}. Route: {route}",
                  en="You're very close! We're at {address}. Directions: {route}",
                  de="Sie sind ganz in der Nähe! Wir sind in {address}. Route: {route}")
FAR_AWAY = Phrase(nl="Dat is een flink stuk: zo'n {km} km hemelsbreed naar {city}. "
                     "Thuisbezorgen kan ook; vraag gerust naar de mogelijkheden. Route: {route}",
                  nl_u="Dat is een flink stuk: zo'n {km} km hemelsbreed naar {city}. "
                       "Thuisbezorgen kan ook; vraagt u gerust naar de mogelijkheden. Route: {route}",
                  en="That's quite a way: about {km} km as the crow flies to {city}. "
                     "We can also deliver to your door; just ask about the options. Directions: {route}",
                  de="Das ist ein ganzes Stück: etwa {km} km Luftlinie bis {city}. "
                     "Wir liefern auch nach Hause; fragen Sie gern nach den Möglichkeiten. Route: {route}")
DISTANCE = Phrase(nl="Je bent zo'n {km} km hemelsbreed van onze showroom op {address}. De route: {route}",
                  nl_u="U bent zo'n {km} km hemelsbreed van onze showroom op {address}. De route: {route}",
                  en="You're about {km} km as the crow flies from our showroom at {address}. Directions: {route}",
                  de="Sie sind etwa {km} km Luftlinie von unserem Autohaus entfernt ({address}). Die Route: {route}")


def visual_thanks(kind: str, language: str = "nl", form: str = "je") -> str:
    """A photo or video outside a trade-in intake: thanks, and honest that the bot cannot see it."""
    if kind == "video":
        return say(VIDEO_THANKS, language, form)
    return f"{say(PHOTO_THANKS_SAID, language, form)} {say(PHOTO_UNSEEN, language, form)}"


def document_reply(media: InboundMedia, language: str = "nl", form: str = "je") -> str:
    name = f" ({media.filename})" if media.filename and re.fullmatch(r"[\w .()-]{1,80}", media.filename) else ""
    return say(DOCUMENT_IN, language, form, name=name)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(min(1.0, a)))


def location_reply(media: InboundMedia, dealer: DealerFacts, language: str = "nl", form: str = "je") -> str:
    address = dealer.address
    destination = quote_plus(f"{address.street}, {address.postal_code} {address.city}")
    if media.latitude is None or media.longitude is None:
        return say(ROUTE_TO_US, language, form, address=address.one_line(),
                   route=f"https://www.google.com/maps/dir/?api=1&destination={destination}")
    route = (f"https://www.google.com/maps/dir/?api=1&origin={media.latitude:.5f},{media.longitude:.5f}"
             f"&destination={destination}")
    if address.latitude is None or address.longitude is None:
        return say(YOUR_ROUTE, language, form, address=address.one_line(), route=route)
    km = distance_km(media.latitude, media.longitude, address.latitude, address.longitude)
    if km < 1:
        return say(CLOSE_BY, language, form, address=address.one_line(), route=route)
    if km > 400:
        return say(FAR_AWAY, language, form, km=f"{round(km, -1):.0f}", city=address.city, route=route)
    return say(DISTANCE, language, form, km=f"{km:.0f}", address=address.one_line(), route=route)


def placeholder_text(media: InboundMedia) -> str:
    """What stands for a media message in the transcript and the CRM."""
    return {
        "image": "[foto]", "video": "[video]", "voice": "[spraakbericht]", "document": "[document]",
        "location": "[locatie]", "sticker": "[sticker]", "reaction": f"[reactie {media.reaction or ''}]".replace(" ]", "]"),
        "contact": "[contactkaart]", "other": "[bijlage]",
    }[media.kind] + (f" {media.filename}" if media.kind == "document" and media.filename else "") + (
        f" {media.place}" if media.kind == "location" and media.place else "")
