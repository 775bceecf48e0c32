"""mssc.cda: the guarded reader, the header model and the niveau 1 wrapper."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.cda import (
    LOINC,
    CdaId,
    Code,
    Organisation,
    Professional,
    extract_pdf,
    read_header,
    wrap_pdf,
)
from mssc.errors import InvalidDocument, UnqualifiedIdentity
from mssc.ins import INS_TEST_OID, IdentityStatus, Ins, Sex, ins_key
from mssc.testing.documents import (
    TEST_AUTHOR,
    TEST_ORGANISATION,
    TEST_WHEN,
    make_cda,
    make_identity,
    make_pdf,
)

HOSTILE = [
    (b'<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>', "unsafe-xml"),
    (b'<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>', "unsafe-xml"),
    (b'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1/x">]><r>&x;</r>', "unsafe-xml"),
    (b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///x"> %p;]><r/>', "unsafe-xml"),
    (b"<r>&undeclared;</r>", "bad-xml"),
    (b"<r><a></r>", "bad-xml"),
    (b"", "bad-xml"),
    (b"<r>" + b"<a>" * 200 + b"</a>" * 200 + b"</r>", "too-deep"),
    (b'<r xmlns="urn:other"/>', "not-cda"),
    (b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>', "missing-field"),
]


@pytest.mark.parametrize(("xml", "code"), HOSTILE)
def test_hostile_or_broken_xml_gets_a_code(xml: bytes, code: str) -> None:
    with pytest.raises(InvalidDocument) as caught:
        read_header(xml)
    assert caught.value.code == code


def test_the_size_bound_is_checked_before_parsing() -> None:
    xml = make_cda()
    with pytest.raises(InvalidDocument) as caught:
        read_header(xml, max_bytes=len(xml) - 1)
    assert caught.value.code == "too-large"
    assert read_header(xml, max_bytes=len(xml)).title == "Bilan sanguin"


def test_the_header_follows_the_french_n1_structure() -> None:
    header = read_header(make_cda())
    assert header.template_ids == (
        "2.16.840.1.113883.2.8.2.1",
        "1.2.250.1.213.1.1.1.1",
        "1.3.6.1.4.1.19376.1.2.20",
    )
    assert header.body == "nonXMLBody"
    assert header.body_media_type == "application/pdf"
    assert header.language == "fr-FR"
    assert header.confidentiality.code == "N"
    assert header.author == TEST_AUTHOR
    assert header.author_organisation == TEST_ORGANISATION
    assert header.custodian == TEST_ORGANISATION
    assert header.legal_authenticator == TEST_AUTHOR
    assert header.service_start == TEST_WHEN
    assert header.set_id == header.id


def test_an_unqualified_identity_is_refused() -> None:
    with pytest.raises(UnqualifiedIdentity):
        make_cda(make_identity(status=IdentityStatus.VALI))


@pytest.mark.parametrize("pdf", [b"", b"<html>", b"GIF89a....", b"x" * 2000 + b"%PDF-1.4"])
def test_a_body_that_is_not_a_pdf_is_refused(pdf: bytes) -> None:
    with pytest.raises(InvalidDocument) as caught:
        make_cda(pdf=pdf)
    assert caught.value.code == "not-pdf"


@pytest.mark.parametrize("title", ["", "   ", "a\x00b", "esc\x1b[2J"])
def test_values_xml_cannot_carry_are_refused(title: str) -> None:
    with pytest.raises(InvalidDocument) as caught:
        make_cda(title=title)
    assert caught.value.code == "bad-value"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InvalidDocument) as caught:
        make_cda(when=datetime(2026, 1, 1, 8, 0))
    assert caught.value.code == "bad-value"


@pytest.mark.parametrize(("idnat", "kind"), [("1750000001", Organisation), ("8123", Professional)])
def test_identifiers_are_checked(idnat: str, kind: type) -> None:
    with pytest.raises(InvalidDocument):
        kind(idnat, "X")


def _matricule(sex: int, year: int, month: int, dept: int, rest: int) -> str:
    first13 = f"{sex}{year % 100:02d}{month:02d}{dept:02d}{rest:06d}"
    return first13 + ins_key(first13)


names = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x24F),
    min_size=1,
    max_size=20,
)
identities = st.builds(
    lambda sex, year, month, dept, rest, birth, first, born, usage: make_identity(
        _matricule(sex, year, month, dept, rest),
        birth_name=birth,
        first_names=first,
        birth_date=born,
        sex=Sex.FEMALE if sex == 2 else Sex.MALE,
    ).model_copy(update={"usage_name": usage}),
    st.sampled_from([1, 2]),
    st.integers(1900, 2025),
    st.integers(1, 12),
    st.integers(1, 95),
    st.integers(0, 999_999),
    names,
    names,
    st.dates(date(1900, 1, 1), date(2025, 12, 31)),
    st.none() | names,
)
codes = st.builds(
    Code,
    st.from_regex(r"[0-9]{1,6}-[0-9]|[A-Z_]{2,12}", fullmatch=True),
    st.sampled_from([LOINC, "1.2.250.1.213.1.1.4.12"]),
    # A display name is required to hold a non-space character (Code refuses a blank one).
    st.none()
    | st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
        lambda name: bool(name.split())
    ),
)
times = st.datetimes(datetime(2000, 1, 1), datetime(2099, 1, 1)).map(
    lambda t: t.replace(microsecond=0)
)
offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


@settings(max_examples=60, deadline=None)
@given(
    patient=identities,
    code=codes,
    size=st.integers(32, 20_000),
    when=times,
    tz=offsets,
    confidentiality=st.sampled_from(["N", "R", "V"]),
    ipp=st.none() | st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
)
def test_read_header_gives_back_what_wrap_pdf_was_given(
    patient: object,
    code: Code,
    size: int,
    when: datetime,
    tz: timezone,
    confidentiality: str,
    ipp: str | None,
) -> None:
    from mssc.ins import PatientIdentity

    assert isinstance(patient, PatientIdentity)
    pdf = make_pdf(size, seed=size)
    aware = when.replace(tzinfo=tz)
    document_id = CdaId(root="1.2.250.1.999.1.1", extension=str(size))
    xml = wrap_pdf(
        pdf,
        patient=patient,
        author=TEST_AUTHOR,
        organisation=TEST_ORGANISATION,
        code=code,
        title="Compte rendu",
        effective_time=aware,
        document_id=document_id,
        confidentiality=confidentiality,
        ipp=CdaId(root="1.2.250.1.999.2", extension=ipp) if ipp else None,
    )
    header = read_header(xml)
    assert header.id == document_id
    assert header.code == code
    assert header.effective_time == aware
    assert header.effective_time.utcoffset() == aware.utcoffset()
    assert header.confidentiality.code == confidentiality
    assert header.patient.ins == patient.ins
    assert header.patient.birth_name == patient.birth_name
    assert header.patient.usage_name == (
        patient.usage_name if patient.usage_name != patient.birth_name else None
    )
    assert header.patient.given == patient.first_names.split()[0]
    assert header.patient.birth_date == patient.birth_date
    assert header.patient.sex == patient.sex
    assert header.patient.ins_qualified
    assert (header.patient.ipp.extension if header.patient.ipp else None) == ipp
    assert extract_pdf(xml) == pdf


def test_a_cda_without_ins_is_read_as_unqualified() -> None:
    xml = make_cda().replace(INS_TEST_OID.encode(), b"1.2.250.1.999.9")
    header = read_header(xml)
    assert header.patient.ins is None
    assert not header.patient.ins_qualified
    assert Ins("279035121518989", INS_TEST_OID) != header.patient.ins
