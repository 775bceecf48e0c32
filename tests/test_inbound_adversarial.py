"""Adversarial review of parse_patient_message: file names, senders, nothing lost."""

from __future__ import annotations

import json
import unicodedata

import pytest

from mssc.attachments import MAX_FILENAME_OCTETS
from mssc.inbound import parse_patient_message

PATIENT = "297022A02077878@patient.mssante.fr"


def _with_names(names: list[str]) -> bytes:
    parts = "".join(
        f'--a\nContent-Type: application/pdf; name="{n}"\n\n%PDF-1.4 x\n' for n in names
    )
    head = f"From: <{PATIENT}>\nContent-Type: multipart/mixed; boundary=a\n\n"
    return (head + parts + "--a--\n").encode("utf-8")


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


@pytest.mark.parametrize(
    "names",
    [
        ["Report.pdf", "report.PDF", "REPORT.pdf"],
        ["caf\u00e9.pdf", "cafe\u0301.pdf", "CAF\u00c9.pdf"],
        ["stra\u00dfe.pdf", "STRASSE.pdf"],
        ["report (2).pdf", "report.pdf", "report.pdf"],
        ["...", "attachment", "/", ""],
    ],
)
def test_safe_filenames_are_unique_across_case_and_normalisation(names: list[str]) -> None:
    """Windows and macOS fold case (and NFC/NFD): safe names must not collide there."""
    msg = parse_patient_message(_with_names(names))
    safe = [a.safe_filename for a in msg.attachments]
    assert len(safe) == len(names)
    assert len({_fold(s) for s in safe}) == len(safe)
    assert all(s and "/" not in s and "\\" not in s for s in safe)


def test_renamed_safe_filenames_keep_the_limits_of_safe_filename() -> None:
    names = ["\U0001f600" * 100 + ".pdf", "\u00e9" * 200 + ".pdf"]
    msg = parse_patient_message(_with_names([names[0]] * 3 + [names[1]] * 12))
    safe = [a.safe_filename for a in msg.attachments]
    assert len({_fold(s) for s in safe}) == len(safe) == 15
    assert all(s.endswith(".pdf") for s in safe)
    assert all(len(s) <= 120 and len(s.encode("utf-8")) <= MAX_FILENAME_OCTETS for s in safe)
    assert safe[2].endswith("\U0001f600 (3).pdf")
    assert safe[14].endswith("\u00e9 (12).pdf")


def test_raw_utf8_file_names_are_decoded_not_left_as_surrogates() -> None:
    """RFC 6532 mail writes UTF-8 names raw; they must come out as text and JSON-encodable."""
    msg = parse_patient_message(_with_names(["compte-rendu \u00e9t\u00e9.pdf"]))
    (att,) = msg.attachments
    assert att.filename == "compte-rendu \u00e9t\u00e9.pdf"
    assert att.safe_filename == "compte-rendu \u00e9t\u00e9.pdf"
    att.safe_filename.encode("utf-8")  # no lone surrogates
    json.dumps(msg.to_dict(), ensure_ascii=False).encode("utf-8")


def test_an_address_inside_an_encoded_display_name_is_not_the_sender() -> None:
    raw = (
        f"From: =?utf-8?q?Jean_DUPONT_=3C{PATIENT.replace('@', '=40')}=3E?= <other@example.org>"
        "\n\nbonjour\n"
    ).encode()
    msg = parse_patient_message(raw)
    assert msg.from_address == "other@example.org"
    assert msg.ins is None
    assert msg.ins_error is not None


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("=?utf-8?q?Ren=C3=A9e_DUPONT-MAR=C3=87AL?=", "Ren\u00e9e", "DUPONT-MAR\u00c7AL"),
        ('"DUPONT, Jean"', "Jean", "DUPONT"),
        ("=?iso-8859-1?q?Z=E9lie?= MARTIN", "Z\u00e9lie", "MARTIN"),
        ("=?x-no-such-charset?q?Jean?= MARTIN", "Jean", "MARTIN"),
    ],
)
def test_display_names(header: str, first: str, last: str) -> None:
    msg = parse_patient_message(f"From: {header} <{PATIENT}>\n\nx\n".encode())
    assert (msg.first_name, msg.last_name) == (first, last)
    assert msg.from_address == PATIENT


# A PDF that is also an HTML application: what a client that trusts the other name runs.
_POLYGLOT = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"


def _disposition(params: str) -> bytes:
    return (
        (
            f"From: <{PATIENT}>\nMessage-ID: <m1@patient.mssante.fr>\n"
            "Content-Type: multipart/mixed; boundary=a\n\n"
            "--a\nContent-Type: text/plain\n\nci-joint\n"
            f"--a\nContent-Type: application/pdf\nContent-Disposition: attachment; {params}\n\n"
        ).encode()
        + _POLYGLOT
        + b"--a--\n"
    )


@pytest.mark.parametrize(
    ("params", "shown", "accepted"),
    [
        # the case: the plain name passes, filename* (what RFC 6266 readers show) not
        ("filename=\"rapport.pdf\"; filename*=utf-8''rapport.hta", "rapport.hta", False),
        ("filename*=utf-8''rapport.hta; filename=\"rapport.pdf\"", "rapport.hta", False),
        ("filename=\"rapport.hta\"; filename*=utf-8''rapport.pdf", "rapport.pdf", False),
        # continuations count as filename* too
        ("filename=\"a.pdf\"; filename*0*=utf-8''a; filename*1=.exe", "a.exe", False),
        # an ASCII fallback beside the UTF-8 name (RFC 6266 §5): both pass, the defect stays
        ("filename=\"resume.pdf\"; filename*=utf-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf", True),
    ],
)
def test_conflicting_filename_star_is_a_defect_and_the_stricter_verdict_wins(
    params: str, shown: str, accepted: bool
) -> None:
    msg = parse_patient_message(_disposition(params))
    [attachment] = msg.attachments
    assert attachment.filename == shown
    assert attachment.accepted is accepted
    assert any(d.startswith("filename-conflict") for d in msg.defects)


@pytest.mark.parametrize(
    "params",
    [
        'filename="rapport.pdf"',
        "filename*=utf-8''rapport.pdf",
        "filename=\"rapport.pdf\"; filename*=utf-8''rapport.pdf",
    ],
)
def test_agreeing_file_names_are_no_conflict(params: str) -> None:
    msg = parse_patient_message(_disposition(params))
    [attachment] = msg.attachments
    assert attachment.filename == "rapport.pdf"
    assert attachment.accepted
    assert not any(d.startswith("filename-conflict") for d in msg.defects)


@pytest.mark.parametrize(
    "from_value",
    [f"a@example.org, {PATIENT}", f"<{PATIENT}>, <b@example.org>", f"g: {PATIENT}, b@x.fr;"],
)
def test_several_from_mailboxes_are_a_defect(from_value: str) -> None:
    msg = parse_patient_message(f"From: {from_value}\n\nbonjour\n".encode())
    assert "several-from-mailboxes" in msg.defects
