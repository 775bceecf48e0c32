"""Tests of mssc.ins: the matricule INS, its key, the OIDs and the patient identity."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import random
from collections.abc import Callable

import pytest
import stdnum.fr.nir
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from mssc.errors import InvalidIns, UnknownOid
from mssc.ins import (
    INS_DEMO_OID,
    INS_NIA_OID,
    INS_NIR_OID,
    INS_TEST_OID,
    IdentityStatus,
    Ins,
    InsKind,
    PatientIdentity,
    Sex,
    ins_key,
    is_valid_ins,
    parse_ins,
)

# --------------------------------------------------------------------------------------------
# An independent reference for the key: plain integer arithmetic, digit by digit.


def reference_key(first13: str) -> str:
    """97 - (N mod 97), with 2A read as 19 and 2B as 18; written without mssc."""
    department = {"2A": "19", "2B": "18"}.get(first13[5:7], first13[5:7])
    digits = first13[:5] + department + first13[7:13]
    n = 0
    for ch in digits:
        n = n * 10 + (ord(ch) - ord("0"))
    return f"{97 - n % 97:02d}"


def test_reference_key_agrees_with_stdnum_on_known_values() -> None:
    # Guard the oracle itself with the public examples.
    assert reference_key("2790351215189") == "89"
    assert reference_key("1460263220001") == "96"
    assert reference_key("297022A020778") == "78"
    assert stdnum.fr.nir.calc_check_digits("297022A020778") == reference_key("297022A020778")


# --------------------------------------------------------------------------------------------
# Known matricules.

ANS_VALID = ["146026322000196", "279035121518989", "297022A02077878"]
#: ANS example matricules whose printed key is wrong (domain-facts §6).
ANS_BAD_KEYS = ["288091234567823", "253097812634581", "170017510112313", "194052203228988"]


@pytest.mark.parametrize("matricule", ANS_VALID)
def test_ans_examples_are_valid(matricule: str) -> None:
    ins = parse_ins(matricule)
    assert ins.matricule == matricule
    assert ins.key == matricule[13:] == reference_key(matricule)
    assert is_valid_ins(matricule)


@pytest.mark.parametrize("matricule", ANS_BAD_KEYS)
def test_ans_examples_with_a_wrong_key_are_refused(matricule: str) -> None:
    with pytest.raises(InvalidIns) as info:
        parse_ins(matricule)
    assert info.value.code == "key-mismatch"
    expected = reference_key(matricule)
    assert expected != matricule[13:]
    assert f"expected key {expected}" in info.value.hint
    assert f"found {matricule[13:]}" in info.value.hint
    assert not is_valid_ins(matricule)


@pytest.mark.parametrize(
    ("typed", "matricule"),
    [
        ("279035121518989", "279035121518989"),
        ("2 79 03 51 215 189 89", "279035121518989"),
        ("2.79.03.51.215.189.89", "279035121518989"),
        ("2-79-03-51-215-189-89", "279035121518989"),
        ("  279035121518989\t", "279035121518989"),
        ("2\u00a079\u202f03 51 215 189 89", "279035121518989"),
        ("297022A02077878", "297022A02077878"),
        ("297022a02077878", "297022A02077878"),
        ("2 97 02 2a 020 778 78", "297022A02077878"),
    ],
)
def test_accepted_spellings(typed: str, matricule: str) -> None:
    assert parse_ins(typed).matricule == matricule


@pytest.mark.parametrize(
    "first13", ["297022A020778", "297022B020778", "160012B020123", "1600119020123"]
)
def test_corsica_key_reads_2a_as_19_and_2b_as_18(first13: str) -> None:
    key = reference_key(first13)
    assert ins_key(first13) == key
    assert parse_ins(first13 + key).is_corsica is (first13[6] in "AB")


def test_corsica_example_key_78() -> None:
    assert ins_key("297022A020778") == "78"
    assert ins_key("2 97 02 2a 020 778") == "78"
    assert parse_ins("297022A02077878").key == "78"


# --------------------------------------------------------------------------------------------
# Every error code.


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (" . - ", "empty"),
        ("27903512151898", "length"),
        ("2790351215189899", "length"),
        ("2", "length"),
        ("27903512151898X", "characters"),
        ("279035121518989\n", "characters"),
        ("279035121518989/", "characters"),
        ("２７９０３５１２１５１８９８９", "characters"),  # full-width digits
        ("2790351215189٨٩", "characters"),  # Arabic-Indic digits
        ("297022C02077878", "characters"),
        ("A97022002077878", "corsica"),
        ("297023A02077878", "corsica"),  # 3A is not a department
        ("2970222A2077878", "corsica"),  # 2A at the wrong place
        ("29702202077887A", "corsica"),
        ("297022AB2077878", "corsica"),
        ("2790351215189", "missing-key"),
        ("2 79 03 51 215 189", "missing-key"),
        ("297022a020778", "missing-key"),
        ("279035121518988", "key-mismatch"),
        ("279035121518900", "key-mismatch"),
        ("297022B02077878", "key-mismatch"),
    ],
)
def test_error_codes(text: str, code: str) -> None:
    with pytest.raises(InvalidIns) as info:
        parse_ins(text)
    assert info.value.code == code
    assert info.value.hint
    assert isinstance(info.value, ValueError)
    assert not is_valid_ins(text)


def test_missing_key_hint_gives_the_key_and_never_completes() -> None:
    with pytest.raises(InvalidIns) as info:
        parse_ins("297022A020778")
    assert info.value.code == "missing-key"
    assert "is 78" in info.value.hint


def _with_key(first13: str) -> str:
    return first13 + reference_key(first13)


@pytest.mark.parametrize(
    ("matricule", "valid_when_strict"),
    [
        (_with_key("1790351215189"), True),
        (_with_key("2791251215189"), True),  # December
        (_with_key("2792051215189"), True),  # 20: unknown month
        (_with_key("2799951215189"), True),
        (_with_key("2790051215189"), False),  # month 00
        (_with_key("2791351215189"), False),  # month 13
        (_with_key("2791951215189"), False),
        (_with_key("3790351215189"), False),  # sex digit 3
        (_with_key("7790351215189"), False),  # an NNP, not an INS
        (_with_key("0790351215189"), False),
    ],
)
def test_strict_structure(matricule: str, valid_when_strict: bool) -> None:
    assert parse_ins(matricule).matricule == matricule  # always fine without strict
    if valid_when_strict:
        assert parse_ins(matricule, strict=True).matricule == matricule
        assert is_valid_ins(matricule, strict=True)
    else:
        with pytest.raises(InvalidIns) as info:
            parse_ins(matricule, strict=True)
        assert info.value.code == "structure"
        assert not is_valid_ins(matricule, strict=True)


def test_the_key_is_checked_before_the_structure() -> None:
    with pytest.raises(InvalidIns) as info:
        parse_ins("379035121518989", strict=True)
    assert info.value.code == "key-mismatch"


@pytest.mark.parametrize("value", [None, 279035121518989, b"279035121518989", ["2"]])
def test_non_strings(value: object) -> None:
    with pytest.raises(TypeError):
        parse_ins(value)  # type: ignore[arg-type]
    assert is_valid_ins(value) is False


def test_str_subclass_is_accepted_and_stored_as_str() -> None:
    class Text(str):
        pass

    ins = parse_ins(Text("279035121518989"))
    assert type(ins.matricule) is str


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("279035121518989", "length"),
        ("27903512151", "length"),
        ("2790X51215189", "characters"),
        ("A790351215189", "corsica"),
    ],
)
def test_ins_key_errors(text: str, code: str) -> None:
    with pytest.raises(InvalidIns) as info:
        ins_key(text)
    assert info.value.code == code


# --------------------------------------------------------------------------------------------
# OIDs and kinds.


@pytest.mark.parametrize(
    ("oid", "kind", "is_test"),
    [
        (None, InsKind.NIR, False),
        (INS_NIR_OID, InsKind.NIR, False),
        (INS_NIA_OID, InsKind.NIA, False),
        (INS_TEST_OID, InsKind.TEST, True),
        (INS_DEMO_OID, InsKind.DEMO, True),
        (InsKind.NIA, InsKind.NIA, False),
        (InsKind.DEMO, InsKind.DEMO, True),
    ],
)
def test_oid_and_kind(oid: str | InsKind | None, kind: InsKind, is_test: bool) -> None:
    ins = parse_ins("279035121518989", oid=oid)
    assert ins.kind is kind
    assert ins.oid == kind.oid
    assert ins.is_test is is_test


def test_oid_values() -> None:
    assert INS_NIR_OID == "1.2.250.1.213.1.4.8"
    assert {k.oid for k in InsKind} == {f"1.2.250.1.213.1.4.{n}" for n in (8, 9, 10, 11)}


@pytest.mark.parametrize("oid", ["1.2.250.1.213.1.4.2", "", "1.2.250.1.213.1.4.8 ", "NIR"])
def test_unknown_oid(oid: str) -> None:
    with pytest.raises(UnknownOid) as info:
        parse_ins("279035121518989", oid=oid)
    assert info.value.code == "unknown-oid"


# --------------------------------------------------------------------------------------------
# The Ins value.


def test_ins_fields_and_format() -> None:
    ins = parse_ins("2 79 03 51 215 189 89")
    assert str(ins) == "279035121518989"
    assert ins.key == "89"
    assert ins.format() == "2 79 03 51 215 189 89"
    assert ins.address == "279035121518989@patient.mssante.fr"
    assert not ins.is_corsica
    assert parse_ins(ins.format()) == ins
    assert stdnum.fr.nir.format(ins.matricule) == ins.format()
    assert parse_ins("297022A02077878").format() == "2 97 02 2A 020 778 78"


def test_ins_constructor_validates() -> None:
    assert Ins("2 79 03 51 215 189 89") == parse_ins("279035121518989")
    assert Ins("279035121518989", INS_TEST_OID).kind is InsKind.TEST
    with pytest.raises(InvalidIns):
        Ins("279035121518988")
    with pytest.raises(InvalidIns) as info:
        Ins(_with_key("3790351215189"), strict=True)
    assert info.value.code == "structure"


def test_ins_is_immutable() -> None:
    ins = parse_ins("279035121518989")
    with pytest.raises(AttributeError):
        ins.matricule = "146026322000196"
    with pytest.raises(AttributeError):
        ins.oid = INS_TEST_OID
    with pytest.raises(AttributeError):
        del ins.matricule
    with pytest.raises(AttributeError):
        ins.other = 1
    assert ins.matricule == "279035121518989"
    assert ins.oid == INS_NIR_OID


def test_ins_equality_and_hash() -> None:
    a = parse_ins("279035121518989")
    b = parse_ins("2 79 03 51 215 189 89")
    c = parse_ins("279035121518989", oid=INS_TEST_OID)
    assert a == b
    assert hash(a) == hash(b)
    assert a != c  # same matricule, other OID
    assert len({a, b, c}) == 2
    assert a != "279035121518989"
    assert a.__eq__("279035121518989") is NotImplemented


@pytest.mark.parametrize("oid", [INS_NIR_OID, INS_TEST_OID])
def test_ins_pickle_and_copy(oid: str) -> None:
    ins = parse_ins("297022A02077878", oid=oid)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(ins, protocol))
        assert back == ins
        assert back.oid == oid
    assert copy.copy(ins) == ins
    assert copy.deepcopy(ins) == ins


def test_ins_repr() -> None:
    assert repr(parse_ins("279035121518989")) == "Ins('279035121518989')"
    assert "oid='1.2.250.1.213.1.4.10'" in repr(parse_ins("279035121518989", oid=INS_TEST_OID))
    ins = parse_ins("279035121518989", oid=INS_TEST_OID)
    assert eval(repr(ins), {"Ins": Ins}) == ins


# --------------------------------------------------------------------------------------------
# pydantic.


class Holder(BaseModel):
    model_config = ConfigDict(frozen=True)
    ins: Ins


@pytest.mark.parametrize("oid", [INS_NIR_OID, INS_NIA_OID, INS_TEST_OID, INS_DEMO_OID])
def test_pydantic_round_trip_keeps_the_oid(oid: str) -> None:
    holder = Holder(ins=parse_ins("297022A02077878", oid=oid))
    as_json = holder.model_dump_json()
    back = Holder.model_validate_json(as_json)
    assert back == holder
    assert back.ins.oid == oid
    assert Holder.model_validate(holder.model_dump()) == holder
    assert holder.model_dump()["ins"] is holder.ins
    assert holder.model_dump(mode="json") == {"ins": {"matricule": "297022A02077878", "oid": oid}}


@pytest.mark.parametrize(
    "value",
    [
        "2 79 03 51 215 189 89",
        {"matricule": "279035121518989"},
        {"matricule": "279035121518989", "oid": INS_NIR_OID},
    ],
)
def test_pydantic_accepts_a_string_or_a_mapping(value: object) -> None:
    assert Holder.model_validate({"ins": value}).ins == parse_ins("279035121518989")


@pytest.mark.parametrize(
    "value",
    [
        "279035121518988",
        "",
        279035121518989,
        {"matricule": "279035121518989", "oid": "1.2.3"},
        {"matricule": "279035121518989", "extra": "x"},
        {"oid": INS_NIR_OID},
        {"matricule": 279035121518989},
    ],
)
def test_pydantic_refuses_bad_values(value: object) -> None:
    with pytest.raises(ValidationError):
        Holder.model_validate({"ins": value})


def test_pydantic_json_schema() -> None:
    schema = Holder.model_json_schema()["properties"]["ins"]
    assert "anyOf" in schema
    assert schema["anyOf"][0]["type"] == "string"


# --------------------------------------------------------------------------------------------
# IdentityStatus and PatientIdentity.


def test_identity_status_labels() -> None:
    assert [s.value for s in IdentityStatus] == ["PROV", "RECUP", "VALI", "QUAL"]
    assert IdentityStatus.QUAL.label == "Identité qualifiée"
    assert IdentityStatus.RECUP.label == "Identité récupérée"
    assert all(s.label.startswith("Identité ") for s in IdentityStatus)
    assert IdentityStatus("QUAL") is IdentityStatus.QUAL
    assert isinstance(IdentityStatus.QUAL, str)


def make_identity(**changes: object) -> PatientIdentity:
    fields: dict[str, object] = {
        "ins": parse_ins("297022A02077878", oid=INS_TEST_OID),
        "status": IdentityStatus.QUAL,
        "birth_name": "ADRTROIS",
        "first_names": "DOMINIQUE MARIE",
        "birth_date": dt.date(1997, 2, 26),
        "sex": Sex.FEMALE,
        "birth_place": "2A020",
    }
    fields.update(changes)
    return PatientIdentity.model_validate(fields)


@pytest.mark.parametrize(
    ("changes", "display"),
    [
        ({}, "Dominique ADRTROIS"),
        ({"usage_name": "Martin"}, "Dominique MARTIN (née ADRTROIS)"),
        ({"usage_name": "MARTIN", "sex": Sex.MALE}, "Dominique MARTIN (né ADRTROIS)"),
        ({"usage_name": "MARTIN", "sex": Sex.UNKNOWN}, "Dominique MARTIN (né(e) ADRTROIS)"),
        ({"usage_name": "adrtrois"}, "Dominique ADRTROIS"),  # same name, other case
        ({"first_names": "Jean-Pierre"}, "Jean-Pierre ADRTROIS"),
        ({"first_names": "JEAN-PIERRE LOUIS"}, "Jean-Pierre ADRTROIS"),
        ({"birth_name": "  de la  FONTAINE "}, "Dominique DE LA FONTAINE"),
    ],
)
def test_display_name(changes: dict[str, object], display: str) -> None:
    assert make_identity(**changes).display_name == display


@pytest.mark.parametrize(
    ("sex", "civility"), [(Sex.FEMALE, "Madame"), (Sex.MALE, "Monsieur"), (Sex.UNKNOWN, None)]
)
def test_civility(sex: Sex, civility: str | None) -> None:
    assert make_identity(sex=sex).civility == civility


@pytest.mark.parametrize("status", list(IdentityStatus))
def test_is_qualified(status: IdentityStatus) -> None:
    assert make_identity(status=status).is_qualified is (status is IdentityStatus.QUAL)


def test_patient_identity_is_frozen_and_hashable() -> None:
    patient = make_identity()
    with pytest.raises(ValidationError):
        patient.birth_name = "OTHER"  # type: ignore[misc]
    assert hash(patient) == hash(make_identity())
    assert patient.address == "297022A02077878@patient.mssante.fr"
    assert patient.last_name == "ADRTROIS"


def test_patient_identity_json_round_trip() -> None:
    patient = make_identity(usage_name="MARTIN", status=IdentityStatus.VALI)
    back = PatientIdentity.model_validate_json(patient.model_dump_json())
    assert back == patient
    assert back.ins.kind is InsKind.TEST


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_name": "MARTIN\nBcc: x@y.fr"},
        {"birth_name": "MARTIN\x00"},
        {"first_names": "DOMI\u200bNIQUE"},  # zero-width space (format character)
        {"usage_name": "A\rB"},
        {"first_names": "\t"},
        {"birth_name": ""},
        {"birth_name": "X" * 101},
        {"birth_place": "2a020"},
        {"birth_place": "2C020"},
        {"birth_place": "1234"},
        {"sex": "X"},
        {"status": "QUALIFIEE"},
        {"ins": "279035121518988"},
        {"unexpected": "field"},
    ],
)
def test_patient_identity_validation_errors(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        make_identity(**changes)


# --------------------------------------------------------------------------------------------
# Hypothesis: generated matricules, substitutions, transpositions.

DIGITS = "0123456789"
#: The characters a canonical matricule is made of, plus characters that must be refused.
SUBSTITUTES = DIGITS + "AB" + "CZ*/#"


@st.composite
def matricules(draw: Callable[..., str], strict: bool = False) -> str:
    """A valid matricule, the key computed by :func:`reference_key`."""
    digit = st.sampled_from(DIGITS)

    def digits(n: int) -> str:
        return "".join(draw(digit) for _ in range(n))

    sex = draw(st.sampled_from("12")) if strict else draw(digit)
    month = draw(st.integers(1, 12) | st.integers(20, 99)) if strict else draw(st.integers(0, 99))
    department = draw(st.sampled_from(["2A", "2B"]) | st.integers(0, 99).map("{:02d}".format))
    first13 = f"{sex}{digits(2)}{month:02d}{department}{digits(6)}"
    return first13 + reference_key(first13)


@given(matricules())
def test_every_generated_matricule_parses(matricule: str) -> None:
    ins = parse_ins(matricule)
    assert ins.matricule == matricule
    assert ins_key(matricule[:13]) == matricule[13:]
    assert parse_ins(ins.format()) == ins
    assert parse_ins(matricule.lower()) == ins


@given(matricules(strict=True))
def test_every_generated_structured_matricule_parses_strictly(matricule: str) -> None:
    assert parse_ins(matricule, strict=True).matricule == matricule


@given(matricules())
def test_every_single_substitution_is_refused(matricule: str) -> None:
    for i, original in enumerate(matricule):
        for ch in SUBSTITUTES:
            if ch == original:
                continue
            changed = matricule[:i] + ch + matricule[i + 1 :]
            assert not is_valid_ins(changed), (matricule, i, ch)


@given(matricules())
def test_every_adjacent_transposition_is_refused(matricule: str) -> None:
    for i in range(len(matricule) - 1):
        a, b = matricule[i], matricule[i + 1]
        swapped = matricule[:i] + b + a + matricule[i + 2 :]
        if a == b:
            # Swapping two equal characters is not a change: still the same, valid matricule.
            assert swapped == matricule
            continue
        assert not is_valid_ins(swapped), (matricule, i)


def test_mod97_arithmetic_catches_every_single_change() -> None:
    """Why the two properties above hold for every matricule, not only the generated ones.

    A change is undetected only if the new 13-character number N' and new key K' still satisfy
    K' == 97 - N' mod 97. The key is compared as a string against the unique expected value,
    so a change confined to the key is always caught; the cases below are the others.
    """
    # Value of the department positions 6-7 when the first digit is 2: 20-29, 2A=19, 2B=18.
    department_values = [18, 19, *range(20, 30)]
    for k in range(13):  # weight 10**k of a body digit
        for delta in range(-9, 10):
            if delta:
                assert (delta * 10**k) % 97 != 0  # substitution of one digit
                # adjacent body transposition a,b -> b,a changes N by (b-a)*(10**(k+1)-10**k)
                if k < 12:
                    assert (delta * 9 * 10**k) % 97 != 0
    for v in department_values:
        for w in department_values:
            if v != w:
                assert ((w - v) * 10**6) % 97 != 0  # 2A <-> 2B <-> 2x substitutions
    # Transposition across the body/key boundary: last body digit b, key k1 k2 -> body ..k1,
    # key b k2. Both valid would need (N + k1 - b) + (10*b + k2) == N + 10*k1 + k2 (mod 97),
    # i.e. 9*(b - k1) == 0 (mod 97), so b == k1: not a change.
    for b in range(10):
        for k1 in range(10):
            if b != k1:
                assert (9 * (b - k1)) % 97 != 0
    # Keys congruent mod 97 but different (00/97, 01/98, 02/99) differ in both digits:
    # no single substitution or transposition maps one to the other.
    for key in range(100):
        for other in range(100):
            if key != other and key % 97 == other % 97:
                ka, kb = f"{key:02d}", f"{other:02d}"
                assert ka[0] != kb[0]
                assert ka[1] != kb[1]
                assert ka[1] + ka[0] != kb


def test_corsica_twin_needs_two_substitutions() -> None:
    # 2A is read as 19, so the department-19 (Corrèze) twin of a Corsica matricule has the same
    # key and is valid too. It is two characters away, which is why the single-change
    # properties still hold; the docs say so rather than hide it.
    corsica, twin = "297022A02077878", "297021902077878"
    assert is_valid_ins(corsica)
    assert is_valid_ins(twin)
    assert sum(x != y for x, y in zip(corsica, twin, strict=True)) == 2


# --------------------------------------------------------------------------------------------
# Differential test against python-stdnum.


def _well_formed_inputs(rng: random.Random, count: int) -> list[str]:
    """15-character matricules, about half with a correct key; some Corsica, some lower case,
    some with spaces. All are in the shared input language of mssc and stdnum."""
    out = []
    for _ in range(count):
        first13 = f"{rng.randrange(10**13):013d}"
        roll = rng.random()
        if roll < 0.15:
            first13 = first13[:5] + rng.choice(("2A", "2B")) + first13[7:]
        key = reference_key(first13) if rng.random() < 0.5 else f"{rng.randrange(100):02d}"
        text = first13 + key
        if roll < 0.05:
            text = text.lower()
        elif roll > 0.9:
            groups = (text[0], text[1:3], text[3:5], text[5:7], text[7:10], text[10:13], text[13:])
            text = " ".join(groups)
        out.append(text)
    return out


@pytest.mark.slow
def test_differential_against_stdnum_nir() -> None:
    rng = random.Random(20260301)
    inputs = _well_formed_inputs(rng, 100_000)
    disagreements = []
    valid = 0
    for text in inputs:
        ours = is_valid_ins(text)
        theirs = stdnum.fr.nir.is_valid(text)
        if ours != theirs:
            disagreements.append(text)
        elif ours:
            valid += 1
            if parse_ins(text).matricule != stdnum.fr.nir.compact(text):
                disagreements.append(text)
    assert disagreements == []
    # About half carry a correct key (plus the random keys that happen to be right).
    assert 45_000 < valid < 56_000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2790351215189",
        "27903512151898",
        "2790351215189899",
        "A79035121518989",
        "297023A02077878",
        "2970222A2077878",
        "29702202077887A",
    ],
)
def test_malformed_inputs_refused_by_both(text: str) -> None:
    assert not is_valid_ins(text)
    assert not stdnum.fr.nir.is_valid(text)
