"""Tests of mssc.identifiers: FINESS, SIREN, SIRET, RPPS, ADELI and idNat."""

from __future__ import annotations

import random

import pytest
import stdnum.fr.siren
import stdnum.fr.siret
import stdnum.luhn
from hypothesis import given
from hypothesis import strategies as st

from mssc.errors import InvalidIdentifier
from mssc.identifiers import (
    IdentifierScheme,
    IdNat,
    IdNatKind,
    adeli,
    finess,
    luhn_is_valid,
    parse_idnat,
    rpps,
    siren,
    siret,
)


def luhn_digit(body: str) -> str:
    """The Luhn check digit to append to ``body``, computed without mssc."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these digits end up at odd positions once the key is added
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


# --------------------------------------------------------------------------------------------
# Luhn.


@given(st.text("0123456789", min_size=1, max_size=20))
def test_luhn_agrees_with_stdnum(digits: str) -> None:
    assert luhn_is_valid(digits) == stdnum.luhn.is_valid(digits)


@given(st.text("0123456789", min_size=1, max_size=20))
def test_luhn_digit_makes_a_valid_number(body: str) -> None:
    assert luhn_is_valid(body + luhn_digit(body))
    assert luhn_digit(body) == stdnum.luhn.calc_check_digit(body)


# --------------------------------------------------------------------------------------------
# FINESS.

#: Well-known real FINESS numbers, as listed in domain-facts §7.
REAL_FINESS = [
    "750712184",
    "130786049",
    "690781810",
    "330781196",
    "590780193",
    "300017985",
    "010008407",
    "750100042",
]


@pytest.mark.parametrize("number", REAL_FINESS)
def test_real_finess_numbers_are_valid(number: str) -> None:
    assert finess.validate(number) == number
    assert finess.is_valid(number)
    assert luhn_digit(number[:8]) == number[8]


@pytest.mark.parametrize("number", REAL_FINESS)
def test_every_single_digit_change_of_a_real_finess_is_refused(number: str) -> None:
    for i, original in enumerate(number):
        for ch in "0123456789":
            if ch != original:
                changed = number[:i] + ch + number[i + 1 :]
                with pytest.raises(InvalidIdentifier) as info:
                    finess.validate(changed)
                assert info.value.code == "checksum"


@pytest.mark.parametrize(
    ("typed", "compact"),
    [
        ("75 071 218 4", "750712184"),
        ("75.071.218.4", "750712184"),
        ("75-071-218-4", "750712184"),
        ("2a0000001", "2A0000001"),  # Corsica: format only
        ("2B 123 456 7", "2B1234567"),
    ],
)
def test_finess_accepted(typed: str, compact: str) -> None:
    assert finess.validate(typed) == compact
    assert finess.compact(typed) == compact


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("75071218", "length"),
        ("7507121840", "length"),
        ("75071218X", "characters"),
        ("2C0000001", "characters"),
        ("A50712184", "characters"),
        ("750712185", "checksum"),
        ("750712148", "checksum"),  # transposition
    ],
)
def test_finess_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        finess.validate(text)
    assert info.value.code == code
    assert not finess.is_valid(text)


def test_finess_format() -> None:
    assert finess.format("750712184") == "75 071 218 4"


# --------------------------------------------------------------------------------------------
# SIREN and SIRET, with python-stdnum as an oracle.

#: La Poste's head office (plain Luhn), a number of La Poste's form that passes only the
#: digit-sum exception (built for the test), and python-stdnum's documentation example.
KNOWN_SIRET = ["35600000000048", "35600000049837", "73282932000074"]


@pytest.mark.parametrize("number", KNOWN_SIRET)
def test_known_siret_numbers(number: str) -> None:
    assert siret.validate(number) == number
    assert stdnum.fr.siret.is_valid(number)
    assert siren.is_valid(number[:9])


def test_la_poste_exception() -> None:
    # Not Luhn-valid, but the digit sum is a multiple of 5 and the SIREN is La Poste's.
    number = "35600000049837"
    assert not luhn_is_valid(number)
    assert sum(map(int, number)) % 5 == 0
    assert siret.is_valid(number)
    # The head office follows plain Luhn, not the exception.
    assert luhn_is_valid("35600000000048")
    assert sum(map(int, "35600000000048")) % 5 != 0
    assert siret.is_valid("35600000000048")
    # A La Poste SIRET whose digit sum is not a multiple of 5 is refused.
    with pytest.raises(InvalidIdentifier) as info:
        siret.validate("35600000049838")
    assert info.value.code == "checksum"


def test_siret_needs_a_valid_siren() -> None:
    # Luhn-valid over 14 digits, but the first 9 digits are not a valid SIREN.
    body = "123456780" + "0001"
    number = body + luhn_digit(body)
    assert luhn_is_valid(number)
    assert not luhn_is_valid(number[:9])
    assert not siret.is_valid(number)
    assert not stdnum.fr.siret.is_valid(number)


def _random_numbers(rng: random.Random, length: int, count: int) -> list[str]:
    out = []
    for _ in range(count):
        roll = rng.random()
        if length == 14 and roll < 0.2:
            head = "356000000"  # La Poste
        elif length == 14 and roll < 0.6:
            head = f"{rng.randrange(10**8):08d}"
            head += luhn_digit(head)  # a valid SIREN
        else:
            head = f"{rng.randrange(10**8):08d}" + str(rng.randrange(10))
        body = head + "".join(str(rng.randrange(10)) for _ in range(length - 10))
        out.append(body + (luhn_digit(body) if rng.random() < 0.5 else str(rng.randrange(10))))
    return out


def test_siren_differential_against_stdnum() -> None:
    for number in _random_numbers(random.Random(9), 9, 20_000):
        assert siren.is_valid(number) == stdnum.fr.siren.is_valid(number), number


def test_siret_differential_against_stdnum() -> None:
    numbers = _random_numbers(random.Random(14), 14, 20_000)
    valid = 0
    for number in numbers:
        ours = siret.is_valid(number)
        assert ours == stdnum.fr.siret.is_valid(number), number
        valid += ours
    assert valid > 2_000  # the sample does exercise valid numbers


@pytest.mark.parametrize(
    ("scheme", "text", "code"),
    [
        (siren, "", "empty"),
        (siren, "73282932", "length"),
        (siren, "73282932X", "characters"),
        (siren, "732829321", "checksum"),
        (siret, "7328293200007", "length"),
        (siret, "7328293200007A", "characters"),
        (siret, "73282932000075", "checksum"),
    ],
)
def test_siren_siret_refused(scheme: IdentifierScheme, text: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        scheme.validate(text)
    assert info.value.code == code
    assert not scheme.is_valid(text)


def test_siren_siret_format() -> None:
    assert siren.format("732829320") == "732 829 320"
    assert siret.format("73282932000074") == "732 829 320 00074"
    assert siret.format("73282932000074") == stdnum.fr.siret.format("73282932000074")


# --------------------------------------------------------------------------------------------
# RPPS and ADELI: format only.


@pytest.mark.parametrize("number", ["10001234567", "10101010101", "1 0001 234 567"])
def test_rpps_format_only(number: str) -> None:
    assert rpps.validate(number) == number.replace(" ", "")


@pytest.mark.parametrize(
    ("text", "code"), [("", "empty"), ("1000123456", "length"), ("1000123456X", "characters")]
)
def test_rpps_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        rpps.validate(text)
    assert info.value.code == code


@pytest.mark.parametrize("number", ["751234567", "2A1234567", "9310A1234", "011234567"])
def test_adeli_format_only(number: str) -> None:
    assert adeli.validate(number) == number


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("75123456", "length"),
        ("2C1234567", "characters"),
        ("75123456*", "characters"),
    ],
)
def test_adeli_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        adeli.validate(text)
    assert info.value.code == code


@pytest.mark.parametrize("scheme", [finess, siren, siret, rpps, adeli])
def test_schemes_never_raise_from_is_valid(scheme: IdentifierScheme) -> None:
    for value in (None, 123, b"750712184", "", "\x00"):
        assert scheme.is_valid(value) is False
    with pytest.raises(TypeError):
        scheme.validate(123)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# parse_idnat (domain-facts §7).


@pytest.mark.parametrize(
    ("text", "scope", "kind", "idnat_scope", "value", "local_id"),
    [
        ("810001234567", "auto", IdNatKind.RPPS, "ps", "10001234567", None),
        (" 8 10001234567 ", "auto", IdNatKind.RPPS, "ps", "10001234567", None),
        ("0751234567", "auto", IdNatKind.ADELI, "ps", "751234567", None),
        ("0751234567", "ps", IdNatKind.ADELI, "ps", "751234567", None),
        ("0ABC123", "structure", IdNatKind.ADELI_CABINET, "structure", "ABC123", None),
        ("1750712184", "auto", IdNatKind.FINESS, "structure", "750712184", None),
        ("1750712184", "structure", IdNatKind.FINESS, "structure", "750712184", None),
        ("1750712184", "ps", IdNatKind.ADELI_CABINET, "ps", "750712184", None),
        ("112345", "auto", IdNatKind.ADELI_CABINET, "ps", "12345", None),
        ("2732829320", "auto", IdNatKind.SIREN, "structure", "732829320", None),
        ("373282932000074", "auto", IdNatKind.SIRET, "structure", "73282932000074", None),
        ("4123456", "structure", IdNatKind.RPPS_RANG, "structure", "123456", None),
        ("612345", "auto", IdNatKind.RPPS_CABINET, "ps", "12345", None),
        ("3750712184/abc42", "auto", IdNatKind.PS_FINESS, "ps", "750712184", "abc42"),
        ("4732829320/MED001", "auto", IdNatKind.PS_SIREN, "ps", "732829320", "MED001"),
        ("573282932000074/7", "ps", IdNatKind.PS_SIRET, "ps", "73282932000074", "7"),
    ],
)
def test_parse_idnat(
    text: str, scope: str, kind: IdNatKind, idnat_scope: str, value: str, local_id: str | None
) -> None:
    parsed = parse_idnat(text, scope=scope)  # type: ignore[arg-type]
    assert parsed == IdNat(kind, idnat_scope, value, local_id)  # type: ignore[arg-type]
    # str() gives back the compact idNat; parsing it again gives the same value.
    assert parse_idnat(str(parsed), scope=scope) == parsed  # type: ignore[arg-type]
    assert str(parsed)[0] == text.strip()[0]


@pytest.mark.parametrize(
    ("text", "scope", "code"),
    [
        ("", "auto", "empty"),
        ("   ", "auto", "empty"),
        ("9123", "auto", "unknown-prefix"),
        ("X123", "auto", "unknown-prefix"),
        ("7123", "auto", "unknown-prefix"),
        ("5123", "auto", "unknown-prefix"),
        ("810001234567", "structure", "unknown-prefix"),
        ("2732829320", "ps", "unknown-prefix"),
        ("1750712184/x", "auto", "unknown-prefix"),
        ("81000123456", "auto", "length"),
        ("81000123456X", "auto", "characters"),
        ("1750712185", "auto", "checksum"),  # a mistyped FINESS is not read as something else
        ("2732829321", "auto", "checksum"),
        ("373282932000075", "auto", "checksum"),
        ("3750712185/abc", "auto", "checksum"),
        ("3750712184/", "auto", "characters"),
        ("3750712184/a b", "auto", "characters"),
        ("6", "auto", "empty"),
        ("6AB-*", "auto", "characters"),
    ],
)
def test_parse_idnat_refused(text: str, scope: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_idnat(text, scope=scope)  # type: ignore[arg-type]
    assert info.value.code == code


def test_idnat_is_frozen() -> None:
    parsed = parse_idnat("810001234567")
    with pytest.raises(AttributeError):
        parsed.value = "x"  # type: ignore[misc]
    assert parsed.prefix == "8"
    assert hash(parsed) == hash(parse_idnat("8 10001234567"))


def test_parse_idnat_type_error() -> None:
    with pytest.raises(TypeError):
        parse_idnat(810001234567)  # type: ignore[arg-type]
