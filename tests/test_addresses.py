"""Tests of mssc.addresses: MSS-C patient addresses and MSSanté professional addresses."""

from __future__ import annotations

import datetime as dt

import pytest
import stdnum.fr.nir
from hypothesis import given
from hypothesis import strategies as st

from mssc.addresses import (
    MSSANTE_DOMAIN,
    PATIENT_DOMAIN,
    TEST_RESPONDER,
    is_mssante_address,
    is_patient_address,
    normalize_address,
    parse_patient_address,
    patient_address,
)
from mssc.errors import InvalidAddress, InvalidIns, UnqualifiedIdentity
from mssc.ins import INS_TEST_OID, IdentityStatus, PatientIdentity, Sex, parse_ins

# The key computed without mssc (test_ins checks stdnum against its own digit-by-digit oracle).
reference_key = stdnum.fr.nir.calc_check_digits


def test_constants() -> None:
    assert PATIENT_DOMAIN == "patient.mssante.fr"
    assert TEST_RESPONDER == "reponse.automatique-test@patient.mssante.fr"
    assert MSSANTE_DOMAIN == "mssante.fr"


# --------------------------------------------------------------------------------------------
# parse_patient_address: what a secretary may type or paste.


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("279035121518989@patient.mssante.fr", "279035121518989@patient.mssante.fr"),
        ("  279035121518989@patient.mssante.fr \n", "279035121518989@patient.mssante.fr"),
        ("279035121518989@PATIENT.MSSANTE.FR", "279035121518989@patient.mssante.fr"),
        ("279035121518989@Patient.Mssante.Fr.", "279035121518989@patient.mssante.fr"),
        ("mailto:279035121518989@patient.mssante.fr", "279035121518989@patient.mssante.fr"),
        ("MAILTO:279035121518989@patient.mssante.fr", "279035121518989@patient.mssante.fr"),
        ("<279035121518989@patient.mssante.fr>", "279035121518989@patient.mssante.fr"),
        ("<mailto:279035121518989@patient.mssante.fr>", "279035121518989@patient.mssante.fr"),
        (
            "Dominique TROIS <297022A02077878@patient.mssante.fr>",
            "297022A02077878@patient.mssante.fr",
        ),
        (
            '"TROIS, Dominique" <297022a02077878@PATIENT.MSSANTE.FR>',
            "297022A02077878@patient.mssante.fr",
        ),
        ("297022a02077878@patient.mssante.fr", "297022A02077878@patient.mssante.fr"),
        ("279035121518989 @ patient.mssante.fr", "279035121518989@patient.mssante.fr"),
    ],
)
def test_accepted_and_normalised(typed: str, address: str) -> None:
    ins = parse_patient_address(typed)
    assert ins.address == address
    assert patient_address(typed) == address
    assert is_patient_address(typed)


_PUNYCODE_ACCENTED = "patient." + "mssanté".encode("idna").decode("ascii") + ".fr"


@pytest.mark.parametrize(
    ("typed", "code", "hint_part"),
    [
        ("", "syntax", "looks like"),
        ("279035121518989", "syntax", "looks like"),
        ("279035121518989@@patient.mssante.fr", "syntax", ""),
        ("a@b@patient.mssante.fr", "syntax", ""),
        ("@patient.mssante.fr", "syntax", ""),
        ("2790 3512 1518 989@patient.mssante.fr", "syntax", "remove spaces"),
        ("2.79.03.51.215.189.89@patient.mssante.fr", "syntax", "remove spaces"),
        ('"279035121518989"@patient.mssante.fr', "syntax", ""),
        ("279035121518989@patient.mssante.fr\r\nBcc: x@y.fr", "syntax", ""),
        ("279035121518989@patient.mssante.fr\r\nX-Evil: 1", "wrong-domain", ""),
        (
            "279035121518989@patient.mssanté.fr",
            "accented-domain",
            "did you mean patient.mssante.fr",
        ),
        (
            "279035121518989@PATIENT.MSSANTÉ.FR",
            "accented-domain",
            "did you mean patient.mssante.fr",
        ),
        (
            "279035121518989@patiënt.mssante.fr",
            "accented-domain",
            "did you mean patient.mssante.fr",
        ),
        (
            f"279035121518989@{_PUNYCODE_ACCENTED}",
            "accented-domain",
            "did you mean patient.mssante.fr",
        ),
        ("279035121518989@hôpital.fr", "accented-domain", "no accents"),
        ("279035121518989@patient.mssante.com", "wrong-domain", "did you mean patient.mssante.fr"),
        ("279035121518989@patient.msante.fr", "wrong-domain", "did you mean patient.mssante.fr"),
        ("279035121518989@gmail.com", "wrong-domain", "ends with @patient.mssante.fr"),
        ("dr.martin@chu-exemple.mssante.fr", "wrong-domain", "this is a professional address"),
        ("279035121518989@ch-exemple.mssante.fr", "wrong-domain", "this is a professional address"),
        ("279035121518989@mssante.fr", "wrong-domain", "this is a professional address"),
        # Every InvalidIns code, through the local part.
        ("2790351215189@patient.mssante.fr", "missing-key", "is 89"),
        ("279035121518988@patient.mssante.fr", "key-mismatch", "expected key 89, found 88"),
        ("27903512151898@patient.mssante.fr", "length", ""),
        ("27903512151898X@patient.mssante.fr", "characters", ""),
        ("297023A02077878@patient.mssante.fr", "corsica", ""),
        ("dr.martin@patient.mssante.fr", "syntax", ""),
    ],
)
def test_refused_with_code_and_hint(typed: str, code: str, hint_part: str) -> None:
    with pytest.raises(InvalidAddress) as info:
        parse_patient_address(typed)
    assert info.value.code == code
    assert info.value.hint
    assert hint_part in info.value.hint
    assert isinstance(info.value, ValueError)
    assert not is_patient_address(typed)


def test_local_part_codes_cover_every_invalid_ins_code_but_empty_and_structure() -> None:
    # "empty" cannot come from an address (an empty local part is a syntax error) and
    # "structure" only exists with strict=True, which addresses do not use.
    reachable = InvalidIns.codes - {"empty", "structure"}
    seen = set()
    for local in (
        "2790351215189",
        "279035121518988",
        "27903512151898",
        "27903512151898X",
        "297023A02077878",
    ):
        with pytest.raises(InvalidAddress) as info:
            parse_patient_address(f"{local}@patient.mssante.fr")
        seen.add(info.value.code)
    assert seen == reachable


def test_missing_key_hint_is_computed_for_a_13_digit_local_part() -> None:
    first13 = "1460263220001"
    with pytest.raises(InvalidAddress) as info:
        parse_patient_address(f"{first13}@patient.mssante.fr")
    assert info.value.code == "missing-key"
    assert reference_key(first13) in info.value.hint


@pytest.mark.parametrize("value", [None, 1, b"279035121518989@patient.mssante.fr"])
def test_non_strings(value: object) -> None:
    with pytest.raises(TypeError):
        parse_patient_address(value)  # type: ignore[arg-type]
    assert is_patient_address(value) is False
    assert is_mssante_address(value) is False


@st.composite
def first13s(draw: st.DrawFn) -> str:
    department = draw(st.sampled_from(["2A", "2B"]) | st.integers(0, 99).map("{:02d}".format))
    digits = draw(st.integers(0, 10**11 - 1)).__format__("011d")
    return digits[:5] + department + digits[5:]


@given(first13s(), st.sampled_from(["{a}", " {a} ", "<{a}>", "Nom <{a}>", "mailto:{a}"]))
def test_generated_addresses_round_trip(first13: str, decoration: str) -> None:
    matricule = first13 + reference_key(first13)
    address = f"{matricule}@{PATIENT_DOMAIN}"
    typed = decoration.format(a=address.replace("A", "a").upper().replace("@PATIENT", "@patient"))
    ins = parse_patient_address(typed)
    assert ins.matricule == matricule
    assert ins.address == address


# --------------------------------------------------------------------------------------------
# patient_address.


def identity(status: IdentityStatus) -> PatientIdentity:
    return PatientIdentity(
        ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
        status=status,
        birth_name="ADRTROIS",
        first_names="DOMINIQUE",
        birth_date=dt.date(1997, 2, 26),
        sex=Sex.FEMALE,
    )


def test_patient_address_from_ins_and_qualified_identity() -> None:
    ins = parse_ins("279035121518989")
    assert patient_address(ins) == "279035121518989@patient.mssante.fr"
    assert patient_address(identity(IdentityStatus.QUAL)) == "297022A02077878@patient.mssante.fr"
    assert patient_address("2 97 02 2a 020 778 78") == "297022A02077878@patient.mssante.fr"


@pytest.mark.parametrize("status", [IdentityStatus.PROV, IdentityStatus.RECUP, IdentityStatus.VALI])
def test_unqualified_identity_is_refused(status: IdentityStatus) -> None:
    patient = identity(status)
    with pytest.raises(UnqualifiedIdentity) as info:
        patient_address(patient)
    assert info.value.code == "not-qualified"
    assert "ECO.2.2.6" in info.value.hint
    assert status.value in info.value.message
    # No personal data in an error message: errors end up in logs.
    assert "ADRTROIS" not in str(info.value)
    assert patient.ins.matricule not in str(info.value)
    # The explicit opt-out, for tests.
    assert patient_address(patient, require_qualified=False) == patient.ins.address


@pytest.mark.parametrize(
    ("value", "error"),
    [("279035121518988", InvalidIns), ("x@gmail.com", InvalidAddress), ("", InvalidIns)],
)
def test_patient_address_from_bad_strings(value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        patient_address(value)


def test_patient_address_type_error() -> None:
    with pytest.raises(TypeError):
        patient_address(279035121518989)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Professional addresses and normalize_address.


@pytest.mark.parametrize(
    ("text", "professional"),
    [
        ("dr.martin@chu-exemple.mssante.fr", True),
        ("Dr Marie MARTIN <marie.martin@medecin.mssante.fr>", True),
        ("secretariat@CH-EXEMPLE.MSSANTE.FR", True),
        ("279035121518989@patient.mssante.fr", False),
        (TEST_RESPONDER, False),
        ("robot@mes.patient.mssante.fr", False),  # under the patient domain: not a pro box
        ("x@mssante.fr", False),
        ("x@mssante.fr.example.com", False),
        ("x@notmssante.fr", False),
        ("x@gmail.com", False),
        ("not an address", False),
        ("", False),
    ],
)
def test_is_mssante_address(text: str, professional: bool) -> None:
    assert is_mssante_address(text) is professional


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        (" Dr X <Marie.Martin@CHU-Exemple.MSSANTE.fr> ", "Marie.Martin@chu-exemple.mssante.fr"),
        ("mailto:a@b.fr", "a@b.fr"),
        (TEST_RESPONDER, TEST_RESPONDER),
    ],
)
def test_normalize_address(text: str, normalized: str) -> None:
    assert normalize_address(text) == normalized


@pytest.mark.parametrize(
    "text", ["", "no-at-sign", "a@b", "a@[127.0.0.1]", "a b@c.fr", "a@localhost"]
)
def test_normalize_address_refuses(text: str) -> None:
    with pytest.raises(InvalidAddress) as info:
        normalize_address(text)
    assert info.value.code == "syntax"


@given(st.text(max_size=60) | st.text("0123456789abAB@.<> ", max_size=40))
def test_parsers_never_raise_anything_but_their_errors(text: str) -> None:
    if is_patient_address(text):
        assert parse_patient_address(text).address.endswith("@patient.mssante.fr")
    else:
        with pytest.raises(InvalidAddress) as info:
            parse_patient_address(text)
        assert info.value.code in InvalidAddress.codes
    assert isinstance(is_mssante_address(text), bool)
