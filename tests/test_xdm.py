"""mssc.xdm: the ITI-32 layout, METADATA.XML formats, round trips and hostile archives."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.cda import LOINC, CdaId, Code, Organisation, Professional
from mssc.errors import InvalidArchive, MsscError, PatientMismatch
from mssc.ins import Sex, ins_key
from mssc.testing.documents import (
    TEST_ORGANISATION,
    TEST_WHEN,
    make_cda,
    make_identity,
    make_pdf,
)
from mssc.xdm import DEFAULT_SUBSET, Document, Submission, build_xdm, read_xdm

SUBMISSION = Submission(
    author_institution=TEST_ORGANISATION,
    submission_time=TEST_WHEN,
    unique_id="1.2.250.1.999.7.1",
    source_id="1.2.250.1.999.7",
)


def build(*documents: Document, submission: Submission = SUBMISSION) -> bytes:
    return build_xdm(list(documents) or [Document(cda=make_cda())], submission=submission)


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def rezip(files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files:
                z.writestr(name, data)
    return out.getvalue()


def test_the_layout_is_iti32_with_upper_case_83_names() -> None:
    names = list(entries(build()))
    assert names == [
        "README.TXT",
        "INDEX.HTM",
        f"IHE_XDM/{DEFAULT_SUBSET}/METADATA.XML",
        f"IHE_XDM/{DEFAULT_SUBSET}/DOC0001.XML",
    ]
    for name in names:
        assert re.fullmatch(r"[A-Z0-9_]{1,8}(\.[A-Z]{3})?", name.rsplit("/", 1)[-1])


def test_metadata_has_the_french_formats_and_the_stored_hash() -> None:
    cda = make_cda()
    files = entries(build(Document(cda=cda)))
    meta = files[f"IHE_XDM/{DEFAULT_SUBSET}/METADATA.XML"].decode()
    assert "279035121518989^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH" in meta
    assert hashlib.sha1(cda).hexdigest() in meta
    assert f"<Value>{len(cda)}</Value>" in meta
    assert "810000000001^MARTIN^Marie^^^^^^&amp;1.2.250.1.71.4.2.1&amp;ISO^D^^^IDNPS" in meta
    assert "CHU Exemple^^^^^&amp;1.2.250.1.71.4.2.2&amp;ISO^IDNST^^^1750000002" in meta
    assert "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" in meta
    assert "<Value>Original</Value>" in meta
    assert "PID-5|PAT-TROIS^DOMINIQUE^^^^^L" in meta
    assert "PID-7|19790328" in meta
    assert "urn:ihe:iti:xds-sd:pdf:2008" in meta


def test_times_are_utc() -> None:
    paris = timezone(timedelta(hours=2))
    cda = make_cda(when=datetime(2026, 6, 1, 10, 15, 30, tzinfo=paris))
    meta = entries(build(Document(cda=cda)))[f"IHE_XDM/{DEFAULT_SUBSET}/METADATA.XML"].decode()
    assert '<Slot name="creationTime"><ValueList><Value>20260601081530</Value>' in meta


def test_the_output_is_deterministic() -> None:
    assert build() == build()


def test_index_escapes_every_value() -> None:
    hostile = '<script>alert("x")</script>&'
    cda = make_cda(title=hostile)
    org = Organisation("1750000002", '<img src=x onerror="y">')
    files = entries(
        build(
            Document(cda=cda),
            submission=Submission(author_institution=org, submission_time=TEST_WHEN),
        )
    )
    page = files["INDEX.HTM"].decode()
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page
    assert read_xdm(build(Document(cda=cda))).entries[0].title == hostile


def test_documents_of_two_patients_are_refused() -> None:
    other = make_identity("146026322000196", birth_name="AUTRE", sex=Sex.MALE)
    with pytest.raises(PatientMismatch) as caught:
        build(Document(cda=make_cda()), Document(cda=make_cda(other)))
    assert caught.value.code == "patient-mismatch"


@pytest.mark.parametrize("subset", ["SUBSET01", "SS000001", "subset02"])
@pytest.mark.parametrize("uri_with_folder", [False, True])
def test_other_subset_names_and_uri_forms_are_read(subset: str, uri_with_folder: bool) -> None:
    files = entries(build())
    meta = files.pop(f"IHE_XDM/{DEFAULT_SUBSET}/METADATA.XML")
    doc = files.pop(f"IHE_XDM/{DEFAULT_SUBSET}/DOC0001.XML")
    if uri_with_folder:
        meta = meta.replace(
            b"<Value>DOC0001.XML<", f"<Value>IHE_XDM/{subset}/DOC0001.XML<".encode()
        )
    data = rezip(
        [
            *files.items(),
            (f"IHE_XDM/{subset}/METADATA.XML", meta),
            (f"IHE_XDM/{subset}/DOC0001.XML", doc),
        ]
    )
    package = read_xdm(data)
    assert package.subset == subset
    assert package.documents[0].cda == doc


def _matricule(sex: int, year: int, month: int, rest: int) -> str:
    first13 = f"{sex}{year % 100:02d}{month:02d}75{rest:06d}"
    return first13 + ins_key(first13)


@settings(max_examples=25, deadline=None)
@given(
    matricule=st.builds(
        _matricule,
        st.sampled_from([1, 2]),
        st.integers(1930, 2020),
        st.integers(1, 12),
        st.integers(0, 999_999),
    ),
    born=st.dates(date(1920, 1, 1), date(2020, 12, 31)),
    sizes=st.lists(st.integers(32, 50_000), min_size=1, max_size=4),
    codes=st.lists(
        st.sampled_from(["11502-2", "18748-4", "34112-3", "PRESC-BIO", "15508-5"]),
        min_size=4,
        max_size=4,
    ),
    when=st.datetimes(datetime(2001, 1, 1), datetime(2090, 1, 1)).map(
        lambda t: t.replace(microsecond=0, tzinfo=timezone.utc)
    ),
    institution=st.sampled_from([TEST_ORGANISATION, Organisation("2123456782", "Clinique & Co")]),
    person=st.none() | st.just(Professional("810000000001", "MARTIN", "Marie")),
    title=st.none()
    | st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30).filter(
        str.strip
    ),
)
def test_read_xdm_gives_back_what_build_xdm_was_given(
    matricule: str,
    born: date,
    sizes: list[int],
    codes: list[str],
    when: datetime,
    institution: Organisation,
    person: Professional | None,
    title: str | None,
) -> None:
    patient = make_identity(matricule, birth_date=born)
    documents = tuple(
        Document(
            cda=make_cda(
                patient,
                pdf=make_pdf(size, seed=n),
                code=Code(codes[n], LOINC, None),
                document_id=CdaId(root="1.2.250.1.999.1", extension=str(n)),
                when=when,
            ),
            name=f"DOC{n:04d}.XML",
        )
        for n, size in enumerate(sizes)
    )
    submission = Submission(
        author_institution=institution,
        author_person=person,
        source_id="1.2.250.1.999.7",
        unique_id="1.2.250.1.999.7.2",
        submission_time=when,
        title=" ".join(title.split()) if title else None,
    )
    package = read_xdm(build_xdm(documents, submission=submission))
    assert package.documents == documents
    assert package.submission == submission
    assert [e.size for e in package.entries] == [len(d.cda) for d in documents]
    assert [d.pdf for d in package.documents] == [make_pdf(s, seed=n) for n, s in enumerate(sizes)]
    assert package.ins == patient.ins


# ----------------------------------------------------------------------------- hostile archives


def _replace(
    name: str, content: bytes | None
) -> Callable[[dict[str, bytes]], list[tuple[str, bytes]]]:
    def change(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
        out = [(n, c) for n, c in files.items() if n != name]
        if content is not None:
            out.append((name, content))
        return out

    return change


def _add(name: str, content: bytes) -> Callable[[dict[str, bytes]], list[tuple[str, bytes]]]:
    return lambda files: [*files.items(), (name, content)]


DOC = f"IHE_XDM/{DEFAULT_SUBSET}/DOC0001.XML"
META = f"IHE_XDM/{DEFAULT_SUBSET}/METADATA.XML"


def _flip(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    doc = bytearray(files[DOC])
    doc[-3] ^= 0x01
    return _replace(DOC, bytes(doc))(files)


def _bad_meta(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    return _replace(META, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')(files)


CASES: list[tuple[str, Callable[[dict[str, bytes]], list[tuple[str, bytes]]], str]] = [
    ("dot-dot path", _add("../../etc/cron.d/x", b"x"), "unsafe-path"),
    ("dot-dot inside", _add("IHE_XDM/../../x", b"x"), "unsafe-path"),
    ("absolute path", _add("/etc/passwd", b"x"), "unsafe-path"),
    ("drive path", _add("C:/Windows/x", b"x"), "unsafe-path"),
    ("backslashes", _add("IHE_XDM\\x", b"x"), "unsafe-path"),
    ("control char", _add("IHE_XDM/\x1b[2J", b"x"), "unsafe-path"),
    ("duplicate", _add(DOC, b"other"), "duplicate-name"),
    ("case duplicate", _add(DOC.lower(), b"other"), "duplicate-name"),
    ("missing file", _replace(DOC, None), "missing-file"),
    ("no metadata", _replace(META, None), "no-metadata"),
    ("hash", _flip, "hash-mismatch"),
    ("size", lambda f: _replace(DOC, f[DOC] + b" ")(f), "size-mismatch"),
    ("dtd in metadata", _bad_meta, "bad-metadata"),
    ("ratio bomb", _add("IHE_XDM/PAD.BIN", b"\0" * 3_000_000), "zip-bomb"),
    (
        "uri climbs",
        lambda f: _replace(META, f[META].replace(b">DOC0001.XML<", b">../DOC0001.XML<"))(f),
        "unsafe-path",
    ),
]


@pytest.mark.parametrize(("label", "change", "code"), CASES, ids=[c[0] for c in CASES])
def test_hostile_archives_get_a_code(
    label: str, change: Callable[[dict[str, bytes]], list[tuple[str, bytes]]], code: str
) -> None:
    data = rezip(change(entries(build())))
    with pytest.raises(InvalidArchive) as caught:
        read_xdm(data)
    assert caught.value.code == code, label


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"max_total": 1_000}, "zip-bomb"),
        ({"max_metadata": 100}, "metadata-too-large"),
        ({"max_entries": 3}, "too-many-entries"),
    ],
)
def test_the_bounds_are_keywords(options: dict[str, int], code: str) -> None:
    with pytest.raises(InvalidArchive) as caught:
        read_xdm(build(), **options)
    assert caught.value.code == code


def _encrypt_flag(data: bytes) -> bytes:
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        while at != -1:
            raw[at + offset] |= 0x01
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_an_encrypted_entry_is_refused() -> None:
    with pytest.raises(InvalidArchive) as caught:
        read_xdm(_encrypt_flag(build()))
    assert caught.value.code == "encrypted"


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x03\x04garbage", make_pdf(100)])
def test_what_is_not_a_zip_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidArchive) as caught:
        read_xdm(data)
    assert caught.value.code == "not-zip"


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 2000))
def test_corrupted_archives_never_crash(noise: bytes, at: int) -> None:
    data = bytearray(build())
    at %= len(data)
    data[at : at + len(noise)] = noise
    with contextlib.suppress(MsscError):  # a coded error, never anything else
        read_xdm(bytes(data))
