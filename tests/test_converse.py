"""`seldenrijk converse`: a scripted conversation played through the API, Temporal and the worker."""

from __future__ import annotations

import io

from starter.converse import Line, parse_script, play
from tests.pipeline import make_settings, random_phone


def test_the_script_format():
    script = parse_script(
        [
            "# comment",
            "",
            "naam: Sanne",
            "klant: staat die Golf nog?",
            "en wat kost hij per maand?",
            "medewerker: Ik bel je zo!",
            "Tip: ik kom zaterdag",  # an unknown prefix is the customer's own text
            "foto: dashboard",
            "spraak:",
        ]
    )
    assert script == [
        Line("naam", "Sanne"),
        Line("klant", "staat die Golf nog?"),
        Line("klant", "en wat kost hij per maand?"),
        Line("medewerker", "Ik bel je zo!"),
        Line("klant", "Tip: ik kom zaterdag"),
        Line("foto", "dashboard"),
        Line("spraak", ""),
    ]


async def test_a_conversation_is_played_through_the_stack_and_printed(temporal_env, tmp_path, task_queue):
    settings = make_settings(tmp_path, task_queue)
    script = parse_script(
        [
            "naam: Sanne",
            "staat de polo 1.0 tsi life dsg nog?",
            "als ik 5000 aanbetaal en 60 maanden?",
            "als ik 5000 aanbetaal en 60 maanden?",
        ]
    )
    out = io.StringIO()
    await play(script, settings, out, client=temporal_env.client, phone=random_phone())
    transcript = out.getvalue()
    blocks = transcript.strip().split("\n\n")
    assert blocks[0].startswith("klant: staat de polo") and "\nbot: " in blocks[0]
    assert "Polo 1.0 TSI Life DSG" in blocks[0] and "Sanne" in blocks[0]
    assert blocks[1].startswith("klant: als ik 5000") and "€ 5.000 aanbetaling" in blocks[1]
    assert "Let op! Geld lenen kost geld" in blocks[1]
    assert blocks[2].startswith("klant: als ik 5000") and "bot: Je vroeg het al: rekenvoorbeeld" in blocks[2]
    assert "Let op! Geld lenen kost geld" in blocks[2] and blocks[2].count("€ 5.000") == 1  # one line, not the paragraph
    assert "(geen antwoord)" not in transcript


async def test_a_burst_in_a_script_gets_one_answer(temporal_env, tmp_path, task_queue):
    """`klant+:` lines follow the line before at once: one answer after the (1 s) burst window."""
    assert parse_script(["klant: Hallo", "klant+: staat de polo nog?"]) == [
        Line("klant", "Hallo"), Line("klant+", "staat de polo nog?")]
    settings = make_settings(tmp_path, task_queue)
    script = parse_script(["klant: Hallo", "klant+: is de polo nog beschikbaar?", "klant+: en wat kost hij per maand?"])
    out = io.StringIO()
    await play(script, settings, out, client=temporal_env.client, phone=random_phone())
    blocks = out.getvalue().strip().split("\n\n")
    assert blocks[0].startswith("klant: Hallo\nklant: is de polo nog beschikbaar?\nklant: en wat kost hij per maand?\nbot: ")
    assert out.getvalue().count("\nbot: ") == 1 and "Polo" in blocks[0] and "per maand" in out.getvalue()
