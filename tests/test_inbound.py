"""Tests of mssc.inbound.parse_patient_message over our own fixtures (tests/fixtures/inbound)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.attachments import sniff_media_type
from mssc.inbound import (
    MimeLimits,
    PatientMessage,
    ReceivedAttachment,
    parse_patient_message,
    split_display_name,
)
from mssc.ins import parse_ins

FIXTURES = Path(__file__).parent / "fixtures" / "inbound"
P1 = "279035121518989@patient.mssante.fr"


def _load(name: str) -> PatientMessage:
    return parse_patient_message((FIXTURES / name).read_bytes())


def _by_name(msg: PatientMessage) -> dict[str, ReceivedAttachment]:
    return {a.safe_filename: a for a in msg.attachments}


def test_sender_and_thread() -> None:
    msg = _load("reply-attachments.eml")
    assert msg.from_address == P1
    assert (msg.first_name, msg.last_name) == ("Camille", "MARTIN")
    assert msg.ins == parse_ins("279035121518989")
    assert msg.ins_error is None
    assert msg.subject == "Re: Résultats d'analyse"
    assert msg.message_id == "<reply.2@patient.mssante.fr>"
    assert msg.in_reply_to == "<res.0002@chu-exemple.mssante.fr>"
    assert msg.references == (
        "<conv.0001@chu-exemple.mssante.fr>",
        "<res.0002@chu-exemple.mssante.fr>",
    )
    assert msg.thread_root == msg.references[0]


def test_bodies_are_decoded() -> None:
    msg = _load("reply-attachments.eml")
    assert msg.text is not None
    assert "Bonne journée." in msg.text
    assert msg.html is not None
    assert "<p>" in msg.html


@pytest.mark.parametrize(
    ("safe_name", "accepted", "code"),
    [
        ("ordonnance.pdf", True, None),
        ("ordonnance (2).pdf", True, None),
        ("photo de l'éruption.jpg", True, None),
        ("passwd", False, "bad-filename"),
        ("facture.pdf", False, "type-mismatch"),
        ("archive.zip", False, "type-not-allowed"),
    ],
)
def test_attachment_verdicts(safe_name: str, accepted: bool, code: str | None) -> None:
    attachment = _by_name(_load("reply-attachments.eml"))[safe_name]
    assert attachment.accepted is accepted
    assert attachment.code == code
    assert bool(attachment.reason) is not accepted
    assert attachment.size == len(attachment.content)
    assert attachment.media_type == sniff_media_type(attachment.content)


def test_path_traversal_name_keeps_the_original_and_a_safe_name() -> None:
    attachment = _by_name(_load("reply-attachments.eml"))["passwd"]
    assert attachment.filename == "../../etc/passwd"
    assert "/" not in attachment.safe_filename
    assert "path" in attachment.reason


def test_executable_disguised_as_pdf_is_refused_with_its_real_type() -> None:
    attachment = _by_name(_load("reply-attachments.eml"))["facture.pdf"]
    assert attachment.declared_type == "application/pdf"
    assert attachment.media_type != "application/pdf"
    assert not attachment.accepted


def test_safe_filenames_are_unique() -> None:
    names = [a.safe_filename.lower() for a in _load("reply-attachments.eml").attachments]
    assert len(names) == len(set(names))


def test_bad_ins_key_is_reported_not_fatal() -> None:
    msg = _load("html-only-bad-key.eml")
    assert msg.ins is None
    assert msg.ins_error is not None
    assert msg.ins_error.code == "key-mismatch"
    assert (msg.first_name, msg.last_name) == ("Jean", "DUPONT")
    assert msg.text is None
    assert msg.html is not None
    assert "être à jeun" in msg.html
    assert msg.thread_root == msg.message_id


def test_cr_only_mail_is_read() -> None:
    msg = _load("cr-only.eml")
    assert msg.text == "Ligne une.\nLigne deux.\n"
    assert msg.in_reply_to == "<conv.0001@chu-exemple.mssante.fr>"


def test_never_closed_boundary_keeps_every_part() -> None:
    msg = _load("unclosed-boundary.eml")
    assert msg.text is not None
    assert "texte" in msg.text
    assert [a.safe_filename for a in msg.attachments] == ["scan.pdf"]
    assert msg.attachments[0].accepted
    assert any("CloseBoundaryNotFound" in d for d in msg.defects)


def test_hundred_level_nesting_is_bounded_and_reported() -> None:
    msg = _load("nested-100.eml")
    assert "limit-depth" in msg.defects
    assert msg.text is None
    assert msg.attachments == ()
    assert msg.from_address  # the headers are still read
    deeper = parse_patient_message(
        (FIXTURES / "nested-100.eml").read_bytes(), limits=MimeLimits(max_depth=200)
    )
    assert deeper.text is not None
    assert "au fond" in deeper.text


def test_part_count_limit_is_reported() -> None:
    msg = parse_patient_message(
        (FIXTURES / "reply-attachments.eml").read_bytes(), limits=MimeLimits(max_parts=3)
    )
    assert "limit-parts" in msg.defects
    assert msg.attachments == ()


def test_decoded_size_limit_keeps_the_attachment_listed() -> None:
    raw = (FIXTURES / "reply-attachments.eml").read_bytes()
    msg = parse_patient_message(raw, limits=MimeLimits(max_decoded_bytes=150))
    refused = [a for a in msg.attachments if a.code == "too-large"]
    assert refused
    assert all(a.content == b"" and not a.accepted for a in refused)
    assert any(d.startswith("decoded-size-exceeded") for d in msg.defects)


def test_every_part_is_accounted_for() -> None:
    raw = (FIXTURES / "reply-attachments.eml").read_bytes()
    msg = parse_patient_message(raw)
    # 2 bodies (text, html) + 6 attachments = the 8 leaves of the fixture
    leaves = raw.count(b"\nContent-Type: ") - 2  # minus the two multipart containers
    assert len(msg.attachments) + (msg.text is not None) + (msg.html is not None) == leaves


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_to_dict_is_json_friendly_and_has_no_bytes(name: str) -> None:
    msg = _load(name)
    text = json.dumps(msg.to_dict())
    data = json.loads(text)
    assert data["from_address"] == msg.from_address
    for item in data["attachments"]:
        assert "content" not in item
    assert len(data["attachments"]) == len(msg.attachments)


@pytest.mark.parametrize("bad", [None, 1, b"x".decode, ("a",)])
def test_wrong_type_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        parse_patient_message(bad)  # type: ignore[arg-type]


def test_message_input_and_no_from() -> None:
    m = EmailMessage()
    m["Subject"] = "sans expéditeur"
    m.set_content("bonjour")
    msg = parse_patient_message(m)
    assert msg.from_address == ""
    assert msg.ins_error is not None
    assert msg.ins_error.code == "no-sender"
    assert "no-from" in msg.defects
    assert msg.text == "bonjour\n"


def test_professional_sender_gives_a_wrong_domain_problem() -> None:
    msg = parse_patient_message(b"From: Dr A <a@cabinet.mssante.fr>\n\nhello\n")
    assert msg.ins is None
    assert msg.ins_error is not None
    assert msg.ins_error.code == "wrong-domain"


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Camille MARTIN", ("Camille", "MARTIN")),
        ("Jean-Pierre DE LA TOUR", ("Jean-Pierre", "DE LA TOUR")),
        ("DUPONT, Jean", ("Jean", "DUPONT")),
        ("MARTIN Camille", ("Camille", "MARTIN")),
        ("camille martin", ("camille", "martin")),
        ("MARTIN", ("", "MARTIN")),
        ("", ("", "")),
    ],
)
def test_split_display_name(display: str, expected: tuple[str, str]) -> None:
    assert split_display_name(display) == expected


@given(st.text(max_size=60))
def test_split_display_name_never_invents_words(display: str) -> None:
    first, last = split_display_name(display)
    words = set(" ".join(display.replace('"', " ").replace(",", " ").split()).split())
    assert set(first.replace(",", " ").split()) <= words
    assert set(last.replace(",", " ").split()) <= words


def test_patient_message_is_immutable() -> None:
    msg = _load("cr-only.eml")
    with pytest.raises(AttributeError):
        msg.subject = "x"  # type: ignore[misc]


def test_rfc2047_attachment_name_and_latin1_body() -> None:
    raw = (
        b"From: Camille MARTIN <279035121518989@patient.mssante.fr>\n"
        b"Subject: =?iso-8859-1?q?R=E9sultat?=\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\n"
        b"Voil=E0 le r=E9sultat.\n"
        b"--b\n"
        b"Content-Type: text/plain\n"
        b'Content-Disposition: attachment; filename="=?utf-8?q?r=C3=A9sultat.txt?="\n\n'
        b"glycemie 5.1 mmol/l\n"
        b"--b--\n"
    )
    msg = parse_patient_message(raw)
    assert msg.subject == "Résultat"
    assert msg.text == "Voilà le résultat."  # the line end before a boundary belongs to it
    assert [(a.filename, a.accepted) for a in msg.attachments] == [("résultat.txt", True)]


@pytest.mark.parametrize(
    ("raw_subject", "expected"),
    [
        (b"Convocation \xc3\xa9t\xc3\xa9", "Convocation été"),  # raw 8-bit UTF-8
        (b"=?utf-8?b?w6l0w6k=?=", "été"),  # RFC 2047 base64
        (b"=?iso-8859-1?q?=E9t=E9?=", "été"),  # RFC 2047 quoted-printable, Latin-1
    ],
)
def test_subject_in_any_encoding(raw_subject: bytes, expected: str) -> None:
    raw = b"From: <279035121518989@patient.mssante.fr>\nSubject: " + raw_subject + b"\n\nx\n"
    assert parse_patient_message(raw).subject == expected
