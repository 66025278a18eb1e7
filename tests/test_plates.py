"""Dutch plates in every sidecode, with and without dashes, any case; never a price or a phone number."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.plates import SIDECODES, compact, find_plates, parse_plate
from agents.rules.numbers import find_quantities
from agents.rules.text import normalize

# One example per sidecode (RDW.md): letters X, digits 9.
EXAMPLES = {
    1: "GB-12-34", 2: "12-34-GB", 3: "12-GB-34", 4: "GB-12-HD", 5: "GB-HD-12", 6: "12-GB-HD",
    7: "12-ABC-3", 8: "1-XJR-34", 9: "GB-123-X", 10: "G-123-BH", 11: "XJR-34-X", 12: "X-12-BHD",
    13: "1-GB-234", 14: "123-GB-4",
}


@pytest.mark.parametrize("sidecode,plate", sorted(EXAMPLES.items()))
def test_every_sidecode_with_dashes_in_any_case(sidecode, plate):
    for written in (plate, plate.lower(), plate.title()):
        found = find_plates(f"mijn kenteken is {written}, groet")
        assert [(p.dashed, p.sidecode) for p in found] == [(plate, sidecode)]


@pytest.mark.parametrize("sidecode,plate", sorted(EXAMPLES.items()))
def test_without_dashes_after_the_word_kenteken(sidecode, plate):
    found = find_plates(f"kenteken {compact(plate).lower()}")
    assert [(p.dashed, p.compact) for p in found] == [(plate, compact(plate))]


@pytest.mark.parametrize("text,expected", [
    ("ik wil mijn auto inruilen, kenteken 1-XJR-34", "1-XJR-34"),
    ("1xjr34", "1-XJR-34"),
    ("GB-123-X", "GB-123-X"),
    ("gb123x graag", "GB-123-X"),
    ("12-ABC-3", "12-ABC-3"),
    ("kenteken: gb 123 x", "GB-123-X"),
    ("Kentekenplaat XJR34X", "XJR-34-X"),
])
def test_issue_examples(text, expected):
    assert [p.dashed for p in find_plates(text)] == [expected]


@pytest.mark.parametrize("text", [
    "budget 25000 euro", "€ 12.500,-", "tussen de 25-30k", "140.000 km", "2015km", "1500cc", "150kw",
    "bel me op 06-12345678", "0341-799554", "+31 6 1234 5678", "golf20", "polo gti", "de a35amg",
    "xc40 recharge", "320i uit 2019", "id3pro", "07-12-2026", "12-12-12", "ab-cd-ef", "xjr34",
])
def test_prices_phone_numbers_and_car_names_are_no_plates(text):
    assert find_plates(text) == []


def test_bare_old_sidecodes_need_the_word_kenteken():
    assert find_plates("ab1234") == []  # could be anything
    assert [p.dashed for p in find_plates("kenteken ab1234")] == ["AB-12-34"]


def test_a_plate_is_never_read_as_a_price():
    text = normalize("kenteken 12-ABC-3 en mijn budget is 25k")
    values = [q.value for q in find_quantities(text, [], 2026)]
    assert values == [25000]


def test_parse_plate_rejects_what_fits_no_sidecode():
    assert parse_plate("ABC-DEF-1") is None
    assert parse_plate("1234-AB") is None
    assert parse_plate("") is None


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10_000_000), st.sampled_from(["", " euro", ",-", " km", "k", " mille"]))
def test_no_amount_is_ever_a_plate(amount, unit):
    for written in (str(amount), f"{amount:,}".replace(",", "."), f"€ {amount}"):
        assert find_plates(written + unit) == []


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"(\+31|0031|0)6[ -]?[0-9]{8}", fullmatch=True))
def test_no_mobile_number_is_ever_a_plate(number):
    assert find_plates(f"bel me op {number}") == []


def test_sidecode_table_has_the_fourteen_passenger_car_codes():
    assert len(SIDECODES) == 14 and all(len(code.replace("-", "")) == 6 for code in SIDECODES.values())
