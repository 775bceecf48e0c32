"""Tests of mssc.conformance: one message per rule, breaking only that rule."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.addresses import TEST_RESPONDER
from mssc.attachments import INBOUND_POLICY
from mssc.conformance import (
    RULES,
    Direction,
    Finding,
    Report,
    Severity,
    check,
    defect_rule,
    rule,
    rules_markdown,
)
from mssc.conformance._check import MAX_MIME_DEPTH, mime_depth, run_checks
from mssc.conformance._facts import Facts
from mssc.conformance._registry import Check
from mssc.size import MAX_MESSAGE_BYTES
from mssc.testing.documents import make_document_message, make_xdm, rezip

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "conformance"

PATIENT = "297022A02077878@patient.mssante.fr"  # ADRTROIS DOMINIQUE, public INSi test identity
OTHER_PATIENT = "279035121518989@patient.mssante.fr"  # ANS example, valid key
BAD_KEY_PATIENT = "297022A02077887@patient.mssante.fr"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG = _png()


def good_outgoing(**headers: str) -> EmailMessage:
    """A message to a patient that breaks no rule (built with the stdlib only)."""
    m = EmailMessage()
    m["Message-ID"] = "<4f1c2a9e.convocation@chu-exemple.mssante.fr>"
    m["Date"] = "Mon, 30 Nov 2026 14:00:00 +0100"
    m["From"] = Address("Dr_Marie_MARTIN_Cardiologie", "marie.martin", "chu-exemple.mssante.fr")
    m["To"] = PATIENT
    m["Subject"] = "Votre rendez-vous de cardiologie"
    m["X-MSS-NIL"] = "DEV935997"
    for name, value in headers.items():
        del m[name.replace("_", "-")]
        m[name.replace("_", "-")] = value
    m.set_content("Bonjour,\n\nVotre rendez-vous est confirmé le 3 décembre à 9 h.\n")
    return m


def good_incoming() -> EmailMessage:
    """A patient's message with one accepted attachment."""
    m = EmailMessage()
    m["Message-ID"] = "<reply-1@patient.mssante.fr>"
    m["Date"] = "Tue, 01 Dec 2026 08:30:00 +0100"
    m["From"] = Address("Dominique ADRTROIS", "297022A02077878", "patient.mssante.fr")
    m["To"] = "accueil@chu-exemple.mssante.fr"
    m["Subject"] = "RE: Votre rendez-vous"
    m.set_content("Bonjour, voici mon bilan.\n")
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename="bilan.pdf")
    return m


def as_bytes(m: Message) -> bytes:
    return m.as_bytes(policy=m.policy.clone(linesep="\r\n"))


def replace_header(raw: bytes, name: bytes, new_line: bytes) -> bytes:
    """Replace the (unfolded, single-line) header `name` with `new_line` in serialized bytes."""
    pattern = re.compile(rb"^" + re.escape(name) + rb":[^\r\n]*\r\n", re.M | re.I)
    assert pattern.search(raw), name
    return pattern.sub(lambda _: new_line + b"\r\n", raw, count=1)


def insert_header(raw: bytes, line: bytes) -> bytes:
    return line + b"\r\n" + raw


# -- the per-rule table --------------------------------------------------------------------

Case = Callable[[], "bytes | Message"]


def _with_attachment(content: bytes, filename: str, mime: str) -> EmailMessage:
    m = good_outgoing()
    maintype, subtype = mime.split("/")
    m.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return m


def _forwarded() -> EmailMessage:
    """A message/rfc822 attachment: a whole e-mail, not a document the patient can open."""
    m = good_outgoing()
    m.add_attachment(good_outgoing(Subject="Message transféré"))
    return m


def _reply(irt: str, refs: str | None) -> EmailMessage:
    m = good_outgoing(In_Reply_To=irt)
    if refs is not None:
        m["References"] = refs
    return m


def _text_part(body: str, charset: str) -> EmailMessage:
    m = good_outgoing()
    m.set_content(body, charset=charset)
    return m


def _invalid_utf8() -> bytes:
    m = good_outgoing()
    m.set_content("Bonjour\n", cte="8bit")
    return as_bytes(m).replace(b"Bonjour", b"Bonjour \xe9t\xe9")


def _html_only() -> EmailMessage:
    m = good_outgoing()
    m.set_content("<p>Bonjour</p>", subtype="html")
    return m


def _pdf_first() -> bytes:
    m = good_outgoing()
    m.clear_content()
    m.set_content(PDF, maintype="application", subtype="pdf", filename="cr.pdf")
    m.make_mixed()
    m.attach(_plain("Bonjour\n"))
    return as_bytes(m)


def _plain(text: str) -> EmailMessage:
    part = EmailMessage()
    part.set_content(text)
    return part


def _test_message(subject: str, body: str) -> EmailMessage:
    m = good_outgoing(To=TEST_RESPONDER, Subject=subject)
    m.set_content(body)
    return m


def _long_line() -> bytes:
    raw = as_bytes(good_outgoing())
    return raw.replace(b"Bonjour,", b"Bonjour," + b"x" * 1000, 1)


def _nul_in_header() -> bytes:
    return replace_header(as_bytes(good_outgoing()), b"Subject", b"Subject: Votre rendez-vous\x00")


def _encoded_newline() -> bytes:
    return replace_header(
        as_bytes(good_outgoing()),
        b"Subject",
        b"Subject: =?utf-8?q?Rendez-vous=0ABcc=3A_espion=40example=2Eorg?=",
    )


def _raw_utf8_subject() -> bytes:
    return replace_header(as_bytes(good_outgoing()), b"Subject", "Subject: Résultats".encode())


def _duplicate_subject() -> bytes:
    return insert_header(as_bytes(good_outgoing()), b"Subject: Un autre sujet")


def _unclosed_boundary() -> bytes:
    raw = as_bytes(_with_attachment(PDF, "cr.pdf", "application/pdf"))
    boundary = re.search(rb'boundary="([^"]+)"', raw)
    assert boundary
    return raw.replace(b"--" + boundary.group(1) + b"--", b"")


def _no_header(name: str) -> Case:
    def build() -> EmailMessage:
        m = good_outgoing()
        del m[name]
        return m

    return build


def _applicative() -> EmailMessage:
    return good_outgoing(From="CHU Exemple - Radiologie <noreply@chu-exemple.mssante.fr>")


OUTGOING_CASES: list[tuple[str, tuple[str, ...], Case]] = [
    ("missing Message-ID", ("MSSC001",), _no_header("Message-ID")),
    (
        "Message-ID without brackets",
        ("MSSC002",),
        lambda: replace_header(
            as_bytes(good_outgoing()), b"Message-ID", b"Message-ID: 4f1c@chu.mssante.fr"
        ),
    ),
    (
        "Message-ID with a space",
        ("MSSC002",),
        lambda: replace_header(
            as_bytes(good_outgoing()), b"Message-ID", b"Message-ID: <4f 1c@chu.mssante.fr>"
        ),
    ),
    ("In-Reply-To not a msg-id", ("MSSC003",), lambda: _reply("parent", "<p@chu.mssante.fr>")),
    ("reply without References", ("MSSC004",), lambda: _reply("<p@patient.mssante.fr>", None)),
    (
        "References not ending with the parent",
        ("MSSC004",),
        lambda: _reply("<p@patient.mssante.fr>", "<p@patient.mssante.fr> <q@chu.mssante.fr>"),
    ),
    (
        "References with junk",
        ("MSSC005",),
        lambda: _reply("<p@patient.mssante.fr>", "junk <p@patient.mssante.fr>"),
    ),
    ("text part in Latin-1", ("MSSC006",), lambda: _text_part("Séjour\n", "iso-8859-1")),
    ("declared UTF-8 but is not", ("MSSC007",), _invalid_utf8),
    ("HTML-only body", ("MSSC008",), _html_only),
    ("a PDF before the text", ("MSSC008",), _pdf_first),
    ("patient address with a bad key", ("MSSC009",), lambda: good_outgoing(To=BAD_KEY_PATIENT)),
    (
        "two patients",
        ("MSSC010",),
        lambda: good_outgoing(To=f"{PATIENT}, {OTHER_PATIENT}"),
    ),
    (
        "a patient in To, another in Cc",
        ("MSSC010",),
        lambda: good_outgoing(Cc=OTHER_PATIENT),
    ),
    ("no patient", ("MSSC011",), lambda: good_outgoing(To="secretariat@chu-exemple.mssante.fr")),
    ("From missing", ("MSSC012",), _no_header("From")),
    (
        "From outside MSSanté",
        ("MSSC012",),
        lambda: good_outgoing(From="Dr_Marie_MARTIN <marie.martin@gmail.com>"),
    ),
    ("From without name", ("MSSC013",), lambda: good_outgoing(From="marie.martin@chu.mssante.fr")),
    (
        "From named by its address",
        ("MSSC013",),
        lambda: good_outgoing(From="marie.martin <marie.martin@chu.mssante.fr>"),
    ),
    (
        "personal label without NOM in capitals",
        ("MSSC014",),
        lambda: good_outgoing(From="Dr_Marie_Martin_Cardiologie <marie.martin@chu.mssante.fr>"),
    ),
    ("X-MSS-MES not FIN", ("MSSC015",), lambda: good_outgoing(X_MSS_MES="fin")),
    ("X-MSS-NIL missing", ("MSSC016",), _no_header("X-MSS-NIL")),
    ("X-MSS-NIL empty", ("MSSC016",), lambda: good_outgoing(X_MSS_NIL=" ")),
    (
        "receipt to two addresses",
        ("MSSC017",),
        lambda: good_outgoing(Disposition_Notification_To="a@chu.mssante.fr, b@chu.mssante.fr"),
    ),
    (
        "receipt to a broken address",
        ("MSSC017",),
        lambda: good_outgoing(Disposition_Notification_To="secretariat"),
    ),
    (
        "ZIP attachment",
        ("MSSC018",),
        lambda: _with_attachment(b"PK\x03\x04rest", "dossier.zip", "application/zip"),
    ),
    ("a forwarded message attached", ("MSSC018",), lambda: _forwarded()),
    (
        "PNG bytes named .pdf",
        ("MSSC019",),
        lambda: _with_attachment(PNG, "compte-rendu.pdf", "application/pdf"),
    ),
    (
        "PDF declared as image/png",
        ("MSSC019",),
        lambda: _with_attachment(PDF, "compte-rendu.pdf", "image/png"),
    ),
    ("empty attachment", ("MSSC020",), lambda: _with_attachment(b"", "cr.pdf", "application/pdf")),
    (
        "subject [FIN] with the header",
        ("MSSC022", "MSSC025"),
        lambda: good_outgoing(Subject="[FIN]", X_MSS_MES="FIN"),
    ),
    (
        "word FIN in the subject",
        ("MSSC023",),
        lambda: good_outgoing(Subject="Fin de votre hospitalisation"),
    ),
    ("subject [FIN] alone", ("MSSC022", "MSSC024"), lambda: good_outgoing(Subject="[FIN]")),
    ("X-MSS-MES: FIN", ("MSSC025",), lambda: good_outgoing(X_MSS_MES="FIN")),
    ("TEST missing in subject", ("MSSC026",), lambda: _test_message("Essai", "TEST de connexion")),
    ("TEST missing in body", ("MSSC026",), lambda: _test_message("TEST", "Essai de connexion")),
    ("applicative box without Reply-To", ("MSSC027",), _applicative),
    (
        "Reply-To outside MSSanté",
        ("MSSC028",),
        lambda: good_outgoing(Reply_To="accueil@chu-exemple.fr"),
    ),
    ("NUL in a header", ("MSSC029",), _nul_in_header),
    ("newline hidden in an encoded word", ("MSSC029",), _encoded_newline),
    ("line over 998 octets", ("MSSC030",), _long_line),
    ("raw UTF-8 in a header", ("MSSC031",), _raw_utf8_subject),
    ("two Subject headers", ("MSSC032",), _duplicate_subject),
    ("Date missing", ("MSSC033",), _no_header("Date")),
    ("Date unreadable", ("MSSC033",), lambda: good_outgoing(Date="mardi prochain")),
    ("boundary never closed", ("MSSC034",), _unclosed_boundary),
    # "a@" makes the stdlib address parser (3.11) raise IndexError: read as no address.
    (
        "receipt to an address the stdlib parser crashes on",
        ("MSSC017",),
        lambda: good_outgoing(Disposition_Notification_To="a@"),
    ),
    (
        "receipt to a personal mailbox",
        ("MSSC036",),
        lambda: good_outgoing(Disposition_Notification_To="x@gmail.com"),
    ),
    (
        "receipt to another structure's MSSanté box",
        ("MSSC036",),
        lambda: good_outgoing(Disposition_Notification_To="accueil@clinique-voisine.mssante.fr"),
    ),
]

# Ségur documents (issue 14); more cases in test_conformance_documents.py.
_DOC = "IHE_XDM/SUBSET01/DOC0001.XML"
OUTGOING_CASES += [
    ("X-MSS-CODECDA without a CDA", ("MSSC060",), lambda: good_outgoing(X_MSS_CODECDA="11502-2")),
    ("CDA without X-MSS-CODECDA", ("MSSC060",), lambda: make_document_message(codecda=None)),
    ("X-MSS-CODECDA not the codes", ("MSSC061",), lambda: make_document_message(codecda="1-8")),
    ("X-MSS-INS inconsistent", ("MSSC062",), lambda: make_document_message(ins="N")),
    (
        "document of another patient",
        ("MSSC063",),
        lambda: make_document_message(to="146026322000196@patient.mssante.fr"),
    ),
    (
        "XDM hash wrong",
        ("MSSC064",),
        lambda: make_document_message(
            rezip(
                make_xdm(),
                lambda f: [(n, c[:-2] + b"X\n" if n == _DOC else c) for n, c in f.items()],
            )
        ),
    ),
    ("CDA without its PDF", ("MSSC065",), lambda: make_document_message(pdfs=0)),
    (
        "XDM with a ../ path",
        ("MSSC066",),
        lambda: make_document_message(rezip(make_xdm(), lambda f: [*f.items(), ("../x", b"x")])),
    ),
    (
        "XDM without README.TXT",
        ("MSSC067",),
        lambda: make_document_message(
            rezip(make_xdm(), lambda f: [(n, c) for n, c in f.items() if n != "README.TXT"])
        ),
    ),
]


def test_the_good_messages_have_no_finding() -> None:
    assert check(good_outgoing()).findings == ()
    assert check(good_incoming(), direction="incoming").findings == ()
    with_pdf = _with_attachment(PDF, "compte-rendu.pdf", "application/pdf")
    assert check(with_pdf).findings == ()


@pytest.mark.parametrize(
    ("expected", "build"),
    [(e, b) for _, e, b in OUTGOING_CASES],
    ids=[name for name, _, _ in OUTGOING_CASES],
)
def test_a_message_breaking_one_rule_gives_exactly_that_finding(
    expected: tuple[str, ...], build: Case
) -> None:
    report = check(build())
    assert report.codes == expected, [str(f) for f in report.findings]
    for finding in report.findings:
        r = rule(finding.code)
        assert finding.severity is r.severity
        assert finding.reference == r.reference
        assert finding.message
    assert report.ok == all(RULES[c].severity is not Severity.ERROR for c in expected)


def test_every_outgoing_rule_has_a_case() -> None:
    # MSSC021: test_the_size_limit_is_inclusive; MSSC035: test_a_failing_check_becomes_a_finding.
    covered = {code for _, codes, _ in OUTGOING_CASES for code in codes} | {"MSSC021", "MSSC035"}
    outgoing = {r.code for r in RULES.values() if r.direction is Direction.OUTGOING}
    assert outgoing == covered


def test_sender_kind_sharpens_the_label_and_return_rules() -> None:
    organisational = good_outgoing(From="CHU Exemple - Accueil <accueil@chu.mssante.fr>")
    assert check(organisational).codes == ()
    assert check(organisational, sender_kind="APP").codes == ("MSSC027",)
    assert check(organisational, sender_kind="PER").codes == ("MSSC014",)
    replying = good_outgoing(
        From="CHU Exemple - Accueil <accueil@chu.mssante.fr>", Reply_To="a@chu.mssante.fr"
    )
    assert check(replying, sender_kind="APP").codes == ()
    with pytest.raises(ValueError, match="sender_kind"):
        check(organisational, sender_kind="CAB")


@pytest.mark.parametrize(
    "label",
    ["Marie_MARTIN", "Dr_Marie_MARTIN", "Dr_Marie_MARTIN_Cabinet Médical", "Léa_DE LA FONTAINE"],
)
def test_personal_labels_in_the_eco_2_2_7_form_pass(label: str) -> None:
    m = good_outgoing(From=str(Address(label, "x", "chu.mssante.fr")))
    assert check(m, sender_kind="PER").codes == ()


@pytest.mark.parametrize(
    "label", ["Marie MARTIN", "Marie_Martin", "Dr__MARTIN", "A_B_C_D_E", "Dr_Marie_Martin_X"]
)
def test_personal_labels_out_of_form_warn(label: str) -> None:
    m = good_outgoing(From=str(Address(label, "x", "chu.mssante.fr")))
    assert check(m, sender_kind="PER").codes == ("MSSC014",)


def test_the_size_limit_is_inclusive() -> None:
    raw = as_bytes(good_outgoing())
    assert check(raw, max_size=len(raw)).codes == ()
    over = check(raw, max_size=len(raw) - 1)
    assert over.codes == ("MSSC021",)
    assert f"{len(raw):,}" in over.findings[0].message
    assert MAX_MESSAGE_BYTES == 25_000_000


def test_a_test_message_with_test_everywhere_passes() -> None:
    assert check(_test_message("TEST de connectivité", "Ceci est un TEST.\n")).codes == ()


# -- incoming ------------------------------------------------------------------------------


def _incoming_with(content: bytes, filename: str, mime: str) -> EmailMessage:
    m = good_incoming()
    maintype, subtype = mime.split("/")
    m.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return m


def _incoming_from(sender: str) -> EmailMessage:
    m = good_incoming()
    del m["From"]
    m["From"] = sender
    return m


def _incoming_from_raw(sender: bytes) -> bytes:
    """A patient's message whose From line is replaced byte for byte (no stdlib parsing)."""
    lines = as_bytes(good_incoming()).split(b"\r\n")
    return b"\r\n".join(b"From: " + sender if line.startswith(b"From:") else line for line in lines)


def _nested_multipart(levels: int) -> bytes:
    """A patient's message nested ``levels`` multiparts deep (the stdlib parser recurses)."""
    lines = [
        b"From: Dominique ADRTROIS <297022A02077878@patient.mssante.fr>",
        b"To: accueil@chu-exemple.mssante.fr",
        b"Subject: RE: Votre rendez-vous",
        b"MIME-Version: 1.0",
    ]
    for i in range(levels):
        lines += [b'Content-Type: multipart/mixed; boundary="b%d"' % i, b"", b"--b%d" % i]
    lines += [b"Content-Type: text/plain", b"", b"Bonjour."]
    lines += [b"--b%d--" % i for i in reversed(range(levels))]
    return b"\r\n".join(lines) + b"\r\n"


INCOMING_CASES: list[tuple[str, tuple[str, ...], Case]] = [
    # "a@" makes the stdlib address parser (3.11) raise IndexError; it reads as no sender.
    ("sender the stdlib parser crashes on", ("MSSC040",), lambda: _incoming_from_raw(b"a@")),
    ("sender with a bad key", ("MSSC040",), lambda: _incoming_from(BAD_KEY_PATIENT)),
    ("professional sender", ("MSSC040",), lambda: _incoming_from("a@chu.mssante.fr")),
    ("no sender", ("MSSC040",), lambda: _incoming_from("")),
    (
        "an executable",
        ("MSSC041",),
        lambda: _incoming_with(b"MZ\x90\x00", "setup.exe", "application/octet-stream"),
    ),
    (
        "an executable named .pdf",
        ("MSSC042",),
        lambda: _incoming_with(b"MZ\x90\x00", "bilan.pdf", "application/pdf"),
    ),
    (
        "a path in the name",
        ("MSSC043",),
        lambda: _incoming_with(PDF, "../../etc/passwd.pdf", "application/pdf"),
    ),
]


@pytest.mark.parametrize(
    ("expected", "build"),
    [(e, b) for _, e, b in INCOMING_CASES],
    ids=[name for name, _, _ in INCOMING_CASES],
)
def test_incoming_rules(expected: tuple[str, ...], build: Case) -> None:
    assert check(build(), direction="incoming").codes == expected


def test_every_incoming_rule_has_a_case() -> None:
    # MSSC044: test_a_failing_check_becomes_a_finding.
    covered = {code for _, codes, _ in INCOMING_CASES for code in codes} | {"MSSC044"}
    assert covered == {r.code for r in RULES.values() if r.direction is Direction.INCOMING}


@pytest.mark.parametrize(
    ("direction", "code", "error"),
    [
        (Direction.OUTGOING, "MSSC035", IndexError("string index out of range")),
        (Direction.INCOMING, "MSSC044", RecursionError("maximum recursion depth exceeded")),
    ],
)
def test_a_failing_check_becomes_a_finding(
    direction: Direction, code: str, error: Exception
) -> None:
    raw = as_bytes(good_incoming())
    facts = Facts(
        raw,
        BytesParser(policy=email_policy.compat32).parsebytes(raw),
        direction=direction,
        sender_kind=None,
        policy=INBOUND_POLICY,
        max_size=MAX_MESSAGE_BYTES,
    )
    rule_of_check = next(r for r in RULES.values() if r.direction is direction)

    def attachments(facts: Facts, rule: object) -> Iterator[Finding]:
        yield rule_of_check.finding("found before the failure")
        raise error

    findings = run_checks(facts, [Check("attachments", attachments, (rule_of_check,))])
    assert [(f.code, f.severity) for f in findings] == [
        (rule_of_check.code, rule_of_check.severity),
        (code, Severity.ERROR),
    ]
    assert "attachments" in findings[1].message
    assert type(error).__name__ in findings[1].message


def test_the_inbound_whitelist_is_wider_than_the_outbound_one() -> None:
    text = _incoming_with(b"Mes constantes du jour.\n", "notes.txt", "text/plain")
    assert check(text, direction="incoming").codes == ()
    outgoing = _with_attachment(b"Mes constantes du jour.\n", "notes.txt", "text/plain")
    assert check(outgoing).codes == ("MSSC018",)


# -- inputs, report shape, catalogue -----------------------------------------------------


def test_bytes_and_message_inputs_agree() -> None:
    for _, _, build in OUTGOING_CASES:
        value = build()
        if isinstance(value, Message):
            assert check(value).codes == check(as_bytes(value)).codes


def test_lf_and_crlf_bytes_agree() -> None:
    raw = as_bytes(_with_attachment(PDF, "cr.pdf", "application/pdf"))
    assert check(raw.replace(b"\r\n", b"\n")).codes == check(raw).codes == ()


def test_wrong_input_types_and_directions() -> None:
    for wrong in ("From: x\r\n\r\n", 5, None, [b"x"]):
        with pytest.raises(TypeError, match="expects bytes"):
            check(wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sideways"):
        check(b"", direction="sideways")


def test_report_to_dict_and_json() -> None:
    report = check(good_outgoing(Subject="[FIN]"))
    data = report.to_dict()
    assert data["ok"] is report.ok is True
    assert data["direction"] == "outgoing"
    assert data["counts"] == {"error": 0, "warning": 1, "info": 1}
    assert [f["code"] for f in data["findings"]] == ["MSSC022", "MSSC024"]
    assert set(data["findings"][0]) == {"code", "severity", "message", "hint", "reference", "where"}
    assert json.loads(report.to_json()) == data
    assert not report.passes(strict=True)
    assert report.passes()
    assert isinstance(report, Report)


def test_codes_are_stable_unique_and_well_formed() -> None:
    codes = list(RULES)
    assert codes == sorted(codes)
    assert all(re.fullmatch(r"MSSC\d{3}", c) for c in codes)
    assert all(RULES[c].code == c for c in codes)
    references = {r.reference for r in RULES.values()}
    assert {"ECO.2.2.1", "ECO.2.2.8", "ECO.2.4.3", "RFC8098-2.1", "MES-FIN", "MES-TEST"} <= (
        references
    )
    assert {"MES-SIZE", "MES-ATTACHMENTS", "SEGUR-RETURN-ADDRESS"} <= references


def test_docs_list_every_rule_as_in_the_catalogue() -> None:
    doc = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")
    assert rules_markdown() in doc
    for code in RULES:
        assert doc.count(f"`{code}`") >= 1


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.eml")), ids=lambda p: p.name)
def test_fixtures(path: Path) -> None:
    """Each fixture names the codes it must give in its X-Expected-Codes header."""
    raw = path.read_bytes()
    expected_line = re.search(rb"^X-Expected-Codes:([^\r\n]*)", raw, re.M)
    assert expected_line, "fixture without X-Expected-Codes"
    expected = tuple(expected_line.group(1).decode().split())
    direction = "incoming" if path.name.startswith("incoming") else "outgoing"
    assert check(raw, direction=direction).codes == expected


# -- robustness ------------------------------------------------------------------------------


@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    report = check(data)
    assert all(f.code in RULES for f in report.findings)
    assert report.size == len(data)


@given(st.data())
def test_mutated_messages_never_raise(data: st.DataObject) -> None:
    raw = bytearray(as_bytes(_with_attachment(PDF, "cr.pdf", "application/pdf")))
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    report = check(bytes(raw))
    assert all(f.code in RULES for f in report.findings)
    check(bytes(raw), direction="incoming")


_SAFE_SUBJECT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
    min_size=1,
    max_size=120,
).filter(lambda s: s.strip() and not re.search(r"(?<![^\W_])fin(?![^\W_])", s, re.I))


@given(_SAFE_SUBJECT)
def test_any_ordinary_subject_passes(subject: str) -> None:
    m = good_outgoing()
    m.replace_header("Subject", subject)
    assert check(m).codes == ()


@given(st.sampled_from(["fin", "FIN", "Fin", "fIn"]), st.sampled_from(["", "Le ", "[", "("]))
def test_the_word_fin_in_any_case_warns(word: str, prefix: str) -> None:
    m = good_outgoing(Subject=f"{prefix}{word} du traitement")
    assert check(m).codes == ("MSSC023",)


# -- MIME depth bound ------------------------------------------------------------------------


def _outgoing_nested(levels: int) -> bytes:
    """A message to a patient whose text sits ``levels`` multipart/mixed deep."""
    head, _ = as_bytes(good_outgoing()).split(b"\r\n\r\n", 1)
    kept = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"content-")]
    lines = kept
    for i in range(levels):
        lines += [b'Content-Type: multipart/mixed; boundary="n%d"' % i, b"", b"--n%d" % i]
    lines += [b"Content-Type: text/plain; charset=utf-8", b"", b"Bonjour."]
    lines += [b"--n%d--" % i for i in reversed(range(levels))]
    return b"\r\n".join(lines) + b"\r\n"


@pytest.mark.parametrize("levels", [MAX_MIME_DEPTH + 1, 900])
def test_a_structure_deeper_than_the_bound_gives_only_the_nesting_finding(levels: int) -> None:
    depth_rule = defect_rule("limit-depth", Direction.OUTGOING)
    assert depth_rule is not None
    assert depth_rule is defect_rule("limit-depth", Direction.INCOMING)
    report = check(_outgoing_nested(levels))
    assert report.codes == (depth_rule.code,), [str(f) for f in report.findings]
    assert "limit-depth" in report.findings[0].message
    incoming = _nested_multipart(levels)
    assert check(incoming, direction="incoming").codes == (depth_rule.code,)


def test_a_structure_at_the_bound_is_read_normally() -> None:
    # Nested mixed parts are a wrong body structure, but readable: the ordinary rule fires.
    assert check(_outgoing_nested(MAX_MIME_DEPTH)).codes == ("MSSC008",)


def test_sibling_multiparts_do_not_count_as_depth() -> None:
    # Many multipart siblings, each one level deep: a wide message, not a deep one.
    m = good_outgoing()
    m.make_mixed()
    for i in range(MAX_MIME_DEPTH + 5):
        folder = EmailMessage()
        folder.make_mixed()
        folder.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"cr-{i}.pdf")
        m.attach(folder)
    raw = as_bytes(m)
    assert mime_depth(raw) == 2
    assert check(raw).codes == ()
    assert mime_depth(as_bytes(good_outgoing())) == 0
    assert mime_depth(_outgoing_nested(7)) == 7


@pytest.mark.parametrize(
    ("subject", "x_mss_mes", "expected"),
    [
        ("[FIN] ", None, ("MSSC023",)),  # not exactly [FIN]: a possible accidental closure
        ("Re: [FIN]", None, ("MSSC023",)),
        ("TR: [FIN]", None, ("MSSC023",)),
        ("[fin]", None, ("MSSC023",)),
        ("=?utf-8?q?=5BFIN=5D?=", None, ("MSSC022", "MSSC024")),  # decoded, it is [FIN]
        ("Votre rendez-vous", "fin", ("MSSC015",)),
        ("Votre rendez-vous", "Fin", ("MSSC015",)),
        ("Votre rendez-vous", "=?utf-8?q?FIN?=", ("MSSC015",)),
        ("Votre rendez-vous", " FIN ", ("MSSC025",)),
        ("[FIN]", "=?utf-8?q?FIN?=", ("MSSC015", "MSSC022", "MSSC024")),
    ],
)
def test_closure_spellings(subject: str, x_mss_mes: str | None, expected: tuple[str, ...]) -> None:
    raw = replace_header(as_bytes(good_outgoing()), b"Subject", b"Subject: " + subject.encode())
    if x_mss_mes is not None:
        raw = insert_header(raw, b"X-MSS-MES: " + x_mss_mes.encode())
    assert check(raw).codes == expected


def _html_with_inline(content: bytes, declared: str) -> EmailMessage:
    """An HTML body showing one nameless inline resource (multipart/related)."""
    html = EmailMessage()
    html.set_content("<p>Bonjour</p><img src='cid:doc.0@chu-exemple'>", subtype="html")
    maintype, subtype = declared.split("/")
    html.add_related(content, maintype=maintype, subtype=subtype, cid="<doc.0@chu-exemple>")
    m = good_outgoing()
    m.make_alternative()
    m.attach(html)
    return m


def test_an_inline_resource_is_judged_like_an_attachment() -> None:
    assert check(_html_with_inline(PNG, "image/png")).codes == ()
    assert check(_html_with_inline(PNG, "image/jpeg")).codes == ("MSSC019",)
    assert check(_html_with_inline(PDF, "application/pdf")).codes == ()
    # The same HTML/PDF polyglot that a named attachment may not be (test_attachments).
    polyglot = b"<html><script>alert(1)</script>" + PDF
    report = check(_html_with_inline(polyglot, "application/pdf"))
    assert report.codes == ("MSSC019",)
    assert "polyglot" in report.findings[0].message
    assert check(_with_attachment(polyglot, "cr.pdf", "application/pdf")).codes == ("MSSC019",)


def _named(disposition: bytes, content: bytes = PDF) -> bytes:
    """A message whose one attachment has the Content-Disposition parameters given."""
    m = good_outgoing()
    m.add_attachment(content, maintype="application", subtype="pdf", filename="x.pdf")
    return re.sub(rb'filename="x.pdf"', disposition, as_bytes(m))


@pytest.mark.parametrize(
    ("disposition", "outgoing", "incoming"),
    [
        # RFC 6266 readers show filename*: the stricter reading wins.
        (b"filename=\"rapport.pdf\";\r\n filename*=utf-8''rapport.hta", "MSSC018", "MSSC041"),
        # Two names that each pass still disagree: which one does the patient save?
        (b"filename=\"a.pdf\"; filename*=utf-8''b.pdf", "MSSC020", "MSSC043"),
        (b"filename=\"a.pdf\"; filename*=utf-8''a.pdf", None, None),
        (b"filename*=utf-8''r%C3%A9sum%C3%A9.pdf", None, None),
    ],
)
def test_an_attachment_with_names_that_disagree(
    disposition: bytes, outgoing: str | None, incoming: str | None
) -> None:
    raw = _named(disposition)
    assert check(raw).codes == ((outgoing,) if outgoing else ())
    inbound = check(raw, direction="incoming").codes
    assert (incoming in inbound) if incoming else not set(inbound) - {"MSSC040"}
    if outgoing:
        assert "named both" in check(raw).findings[0].message


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Disposition_Notification_To": "marie.martin@chu-exemple.mssante.fr"}, ()),
        ({"Disposition_Notification_To": "Accueil <accueil@chu-exemple.mssante.fr>"}, ()),
        # the structure's return box on another domain of the structure
        (
            {
                "Reply_To": "accueil@ght-exemple.mssante.fr",
                "Disposition_Notification_To": "accueil@ght-exemple.mssante.fr",
            },
            (),
        ),
        (
            {
                "Sender": "dpi@ght-exemple.mssante.fr",
                "Disposition_Notification_To": "suivi@ght-exemple.mssante.fr",
            },
            (),
        ),
        # a patient box is no professional box, even on mssante.fr
        ({"Disposition_Notification_To": PATIENT}, ("MSSC036",)),
        # a non-MSSanté Reply-To does not widen the structure
        (
            {"Reply_To": "accueil@exemple.fr", "Disposition_Notification_To": "a@exemple.fr"},
            ("MSSC028", "MSSC036"),
        ),
    ],
)
def test_receipt_address_of_the_sending_structure(
    headers: dict[str, str], expected: tuple[str, ...]
) -> None:
    assert check(good_outgoing(**headers)).codes == expected
