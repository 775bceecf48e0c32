"""The Ségur document rules of mssc.check (MSSC060-MSSC067): clean messages pass, findings
name their place inside the zip."""

from __future__ import annotations

import pytest

from mssc.compose import Composer, Sender
from mssc.conformance import check
from mssc.headers import SequentialMessageIds
from mssc.testing.documents import (
    TEST_WHEN,
    make_cda,
    make_document_message,
    make_identity,
    make_xdm,
    rezip,
)
from mssc.xdm import Document

DOC = "IHE_XDM/SUBSET01/DOC0001.XML"


def test_a_composed_document_message_passes() -> None:
    composer = Composer("DEV935997", clock=lambda: TEST_WHEN, message_ids=SequentialMessageIds("c"))
    sender = Sender.organisational(
        "biologie@chu-exemple.mssante.fr",
        entity="CHU Exemple - Biologie",
        structure_id="1750000002",
    )
    sent = composer.compose_documents(
        sender=sender, to=make_identity(), documents=[Document(cda=make_cda())], text="Bonjour\n"
    )
    report = check(sent)
    assert report.codes == (), [str(f) for f in report.findings]


def test_the_stdlib_document_message_passes() -> None:
    assert check(make_document_message()).codes == ()


@pytest.mark.parametrize(
    ("change", "code", "inside"),
    [
        (lambda f: [(n, c[:-2] + b"X\n" if n == DOC else c) for n, c in f.items()], "MSSC064", DOC),
        (lambda f: [(n, c + b" " if n == DOC else c) for n, c in f.items()], "MSSC064", DOC),
        (lambda f: [*f.items(), ("/etc/x", b"x")], "MSSC066", "/etc/x"),
        (lambda f: [(n, c) for n, c in f.items() if n != DOC], "MSSC066", "METADATA.XML"),
        (
            lambda f: [*f.items(), ("IHE_XDM/SUBSET01/notes-longues.xml", b"x")],
            "MSSC067",
            "notes-longues.xml",
        ),
    ],
    ids=["hash", "size", "absolute-path", "missing-file", "long-name"],
)
def test_findings_name_their_place_inside_the_zip(change: object, code: str, inside: str) -> None:
    assert callable(change)
    report = check(make_document_message(rezip(make_xdm(), change)))
    found = [f for f in report.findings if f.code == code]
    assert found, [str(f) for f in report.findings]
    assert found[0].where.startswith("part 2 (IHE_XDM.zip) > ")
    assert inside in found[0].where


def test_the_wrong_patient_is_reported_at_the_cda() -> None:
    report = check(make_document_message(to="146026322000196@patient.mssante.fr"))
    assert report.codes == ("MSSC063",)
    assert report.findings[0].where == f"part 2 (IHE_XDM.zip) > {DOC}"


def test_x_mss_ins_without_an_archive() -> None:
    message = make_document_message()
    message.clear_content()
    message.set_content("Bonjour\n")
    assert check(message).codes == ("MSSC060", "MSSC062")


def test_several_codes_in_any_order() -> None:
    other = make_cda(document_id=None).replace(b'code="11502-2"', b'code="18748-4"')
    archive = make_xdm(make_cda(), other)
    ok = make_document_message(archive, codecda="18748-4,11502-2", pdfs=2)
    assert check(ok).codes == ()
    assert check(make_document_message(archive, codecda="11502-2", pdfs=2)).codes == ("MSSC061",)
    assert check(make_document_message(archive, codecda="18748-4,11502-2", pdfs=1)).codes == (
        "MSSC065",
    )
