"""WhatsApp media in WAHA webhooks: parsed leniently, downloaded safely, never a 5xx or an unanswered message."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.media import media_from_payload
from integrations.errors import IntegrationError
from integrations.waha_media import download, media_path
from integrations.waha_webhook import CustomerMessage, Ignored, WebhookRejected, parse_event
from tests.peers.waha import WahaPeer
from tests.pipeline import make_settings, pipeline, random_phone
from tests.waha_events import location_event, media_event, message_event, reaction_event

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)


def _parse(body: dict):
    return parse_event(body, received_at=NOW, max_chars=2000)


@pytest.mark.parametrize("mimetype,raw_type,kind", [
    ("image/jpeg", None, "image"),
    ("image/jpeg", "image", "image"),
    ("audio/ogg; codecs=opus", "ptt", "voice"),
    ("audio/mpeg", None, "voice"),
    ("application/pdf", "document", "document"),
    ("video/mp4", None, "video"),
    ("image/webp", "sticker", "sticker"),
])
def test_media_kinds(mimetype, raw_type, kind):
    event = media_event("31612345678", url="http://waha:3000/api/files/x.bin", mimetype=mimetype, raw_type=raw_type,
                        caption="kijk" if kind in ("image", "document", "video") else "")
    parsed = _parse(event)
    assert isinstance(parsed, CustomerMessage)
    assert parsed.message.media.kind == kind and parsed.message.media.mimetype == mimetype
    assert parsed.message.has_media and parsed.message.text


def test_caption_is_the_text_and_a_photo_without_one_gets_a_placeholder():
    captioned = _parse(media_event("31612345678", url="http://w/api/files/a.jpeg", mimetype="image/jpeg", caption="mijn golf"))
    bare = _parse(media_event("31612345678", url="http://w/api/files/b.jpeg", mimetype="image/jpeg"))
    assert captioned.message.text == "mijn golf" and captioned.message.media.caption == "mijn golf"
    assert bare.message.text == "[foto]" and bare.message.media.caption is None


def test_media_null_although_has_media_is_still_a_message():
    event = media_event("31612345678", url=None, mimetype=None)
    event["payload"]["media"] = None
    parsed = _parse(event)
    assert isinstance(parsed, CustomerMessage) and parsed.message.media.kind == "other"


def test_location_uses_coordinates_not_the_thumbnail_body():
    parsed = _parse(location_event("31612345678", "52.0907", "5.1214", "Utrecht Centraal"))
    media = parsed.message.media
    assert (media.kind, media.latitude, media.longitude, media.place) == ("location", 52.0907, 5.1214, "Utrecht Centraal")
    assert parsed.message.text == "[locatie] Utrecht Centraal"


def test_reactions():
    yes = _parse(reaction_event("31612345678", "👍", "true_31612345678@c.us_ABC"))
    assert yes.message.media.kind == "reaction" and yes.message.media.is_yes
    assert yes.message.media.reacted_to == "true_31612345678@c.us_ABC"
    assert not _parse(reaction_event("31612345678", "😂", "x")).message.media.is_yes
    assert isinstance(_parse(reaction_event("31612345678", "", "x")), Ignored)  # a reaction taken back


# --- fuzzing ------------------------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_mimetypes = st.sampled_from(["image/jpeg", "image/webp", "audio/ogg; codecs=opus", "application/pdf", "video/mp4",
                              "", "text/html", "x" * 300, "image/", "audio"]) | st.text(max_size=40) | _json
_urls = st.sampled_from(["http://127.0.0.1:1/api/files/a.jpeg", "file:///etc/passwd", "http://evil.example/x",
                         "http://waha/api/files/../../etc", "", "javascript:alert(1)"]) | st.text(max_size=60) | _json


@st.composite
def media_payloads(draw):
    event = message_event("31612345678", draw(st.sampled_from(["", "kijk", "wat krijg ik hiervoor?"])))
    payload = event["payload"]
    payload["hasMedia"] = draw(st.sampled_from([True, True, False, "true", 1, None]))
    payload["media"] = draw(st.one_of(
        st.none(), _json,
        st.fixed_dictionaries({}, optional={"url": _urls, "mimetype": _mimetypes, "filename": _json | st.text(max_size=300),
                                            "error": _json}),
    ))
    if draw(st.booleans()):
        payload["location"] = draw(st.one_of(_json, st.fixed_dictionaries(
            {"latitude": _json | st.text(max_size=12), "longitude": _json | st.text(max_size=12)})))
    if draw(st.booleans()):
        payload["_data"]["type"] = draw(st.sampled_from(["image", "ptt", "sticker", "document", "location", "vcard"]) | _json)
    if draw(st.booleans()):
        payload["vCards"] = draw(_json)
    if draw(st.booleans()):
        payload["body"] = draw(_json)
    return event


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(media_payloads())
def test_fuzzed_media_fields_always_parse_to_an_answerable_message(event):
    payload = event["payload"]
    if not isinstance(payload.get("body"), (str, type(None))) or payload.get("hasMedia") not in (True, False, "true", 1):
        # body and hasMedia are typed in the spec: a wrong type is a clear 4xx (tests/test_pipeline.py)
        with pytest.raises(WebhookRejected) as rejected:
            _parse(event)
        assert 400 <= rejected.value.status_code < 500
        return
    parsed = _parse(event)  # must not raise: odd media fields are never the customer's fault
    if isinstance(parsed, Ignored):
        assert parsed.reason == "empty message"
        assert media_from_payload(event["payload"]) is None and not (payload.get("body") or "").strip()
        return
    assert isinstance(parsed, CustomerMessage)
    assert parsed.message.text.strip()
    media = parsed.message.media
    if media is not None:
        assert media.url is None or isinstance(media.url, str)
        assert media.latitude is None or -90 <= media.latitude <= 90


# --- downloads ----------------------------------------------------------------------------------
def test_media_path_only_accepts_waha_file_urls():
    assert media_path("http://localhost:3000/api/files/false_316@c.us_AAA.jpeg") == "/api/files/false_316@c.us_AAA.jpeg"
    assert media_path("http://other-host:9999/api/files/x.oga") == "/api/files/x.oga"  # fetched from OUR WAHA only
    for bad in ("http://evil.example/steal", "file:///etc/passwd", "http://waha/api/files/../../secret",
                "http://waha/api/sendText", "", None, "ftp://waha/api/files/x"):
        assert media_path(bad) is None


async def test_download_uses_the_api_key_the_waha_host_and_a_size_limit():
    with WahaPeer(api_key="k1") as waha:
        url = waha.add_file("photo.jpeg", b"x" * 5000, "image/jpeg")
        elsewhere = url.replace("127.0.0.1", "attacker.invalid")
        async with httpx.AsyncClient(base_url=waha.url, headers={"X-Api-Key": "k1"}) as http:
            file = await download(http, elsewhere, max_bytes=10_000)
            assert (file.content, file.mimetype, file.filename) == (b"x" * 5000, "image/jpeg", "photo.jpeg")
            with pytest.raises(IntegrationError) as too_big:
                await download(http, url, max_bytes=4000)
            assert not too_big.value.retryable
            with pytest.raises(IntegrationError):
                await download(http, "http://127.0.0.1/etc/passwd", max_bytes=10_000)
        async with httpx.AsyncClient(base_url=waha.url) as anonymous:
            with pytest.raises(IntegrationError) as refused:
                await download(anonymous, url, max_bytes=10_000)
            assert refused.value.status_code == 401
    assert all(name == "photo.jpeg" for name, _ in waha.file_requests)


def _fuzzed_events(count: int) -> list[dict]:
    found: list[dict] = []

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(media_payloads())
    def collect(event):
        found.append(event)

    collect()
    return found


async def test_fuzzed_media_through_the_stack_never_a_5xx_never_unanswered(temporal_env, task_queue, tmp_path):
    events = _fuzzed_events(14)
    async with pipeline(temporal_env.client, make_settings(tmp_path, task_queue)) as p:
        expected = 0
        phones = []
        for event in events:
            phone = random_phone()  # one chat per delivery: each answer is attributable
            event["payload"]["from"] = f"{phone}@c.us"
            event["payload"]["id"] = f"false_{phone}@c.us_FUZZ"
            # raw bytes: fuzzed floats may be NaN, which WAHA's JSON could carry and httpx refuses to encode
            response = await p.post(json.dumps(event).encode(), {"Content-Type": "application/json"})
            assert response.status_code < 500, response.text
            if response.status_code != 200:
                continue  # a wrongly typed body or hasMedia: a clear 4xx, nothing accepted
            parsed = _parse(event)
            if isinstance(parsed, CustomerMessage):
                media = parsed.message.media
                silent = media is not None and media.kind in ("sticker", "reaction")
                phones.append((phone, silent))
                expected += 0 if silent else 1
        for phone, silent in phones:
            snapshot = await p.wait_until(phone, lambda s: s.messages_processed == 1, timeout=40)
            assert not snapshot.recent[-1].error_occurred, snapshot.recent[-1].errors
            if not silent:
                assert len(await p.waha.wait_for(1, f"{phone}@c.us")) == 1
        assert len(p.waha.sent) == expected
        assert p.waha.violations == []
