"""The checks of a message's body: structure, text encoding, TEST messages, MIME defects,
attachments and size (outgoing), and the patient's sender and attachments (incoming)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from mssc.addresses import TEST_RESPONDER, parse_patient_address
from mssc.conformance._facts import Facts
from mssc.conformance._model import Finding, Rule
from mssc.conformance._registry import checks
from mssc.errors import InvalidAddress

__all__: list[str] = []

_TEST_WORD = re.compile(r"(?<![^\W_])TEST(?![^\W_])")
_ATTACHMENT_HINTS: Final = {
    "empty": "attach a file that has content",
    "bad-filename": "give the attachment a plain file name with an extension",
    "type-mismatch": "the bytes, the extension and the declared type must name the same format",
    "type-not-allowed": "convert the document to PDF (or an allowed image type)",
}


@checks("MSSC006", "MSSC007", "MSSC008")
def _body(m: Facts, not_declared: Rule, not_utf8: Rule, structure: Rule) -> Iterator[Finding]:
    parts = m.parts
    if not parts.structure_ok:
        yield structure.finding(
            f"the body is {parts.structure}, not text/plain or multipart/alternative "
            "(with a text/plain part)",
            hint="send the text as text/plain (optionally with an HTML alternative) and "
            "documents as attachments",
        )
    for where, part in parts.texts:
        charset = part.get_content_charset()
        label = m.label(where, part)
        if charset != "utf-8":
            yield not_declared.finding(
                f"the {part.get_content_type()} part is in {charset or 'us-ascii (default)'}",
                hint="declare charset=utf-8 and encode the text as UTF-8",
                where=label,
            )
            continue
        try:
            m.payload(part).decode("utf-8")
        except UnicodeDecodeError as exc:
            yield not_utf8.finding(
                f"the {part.get_content_type()} part is not valid UTF-8 ({exc.reason} at "
                f"octet {exc.start})",
                hint="encode the text as UTF-8 before declaring charset=utf-8",
                where=label,
            )


def _attachments(m: Facts, not_allowed: Rule, mismatch: Rule, unusable: Rule) -> Iterator[Finding]:
    by_verdict = {"type-not-allowed": not_allowed, "type-mismatch": mismatch}
    for where, part in m.parts.attachments:
        if part.get_content_maintype() == "message":
            yield not_allowed.finding(
                f"a whole e-mail ({part.get_content_type()}) is attached, not a document",
                hint="attach the documents themselves (PDF), not the message that carried them",
                where=m.label(where, part),
            )
            continue
        verdict = m.verdict(where, part)
        if verdict.accepted:
            continue
        yield by_verdict.get(verdict.code or "", unusable).finding(
            verdict.reason,
            hint=_ATTACHMENT_HINTS.get(verdict.code or "", ""),
            where=m.label(where, part),
        )


checks("MSSC018", "MSSC019", "MSSC020")(_attachments)
checks("MSSC041", "MSSC042", "MSSC043")(_attachments)


@checks("MSSC021")
def _size(m: Facts, too_large: Rule) -> Iterator[Finding]:
    if len(m.raw) > m.max_size:
        yield too_large.finding(
            f"the message is {len(m.raw):,} octets, over the limit of {m.max_size:,}",
            hint="send fewer or smaller attachments, or split them over several messages",
        )


@checks("MSSC026")
def _test_message(m: Facts, missing: Rule) -> Iterator[Finding]:
    recipients = {a.addr_spec.lower() for n in ("To", "Cc", "Bcc") for a in m.addresses(n)}
    if TEST_RESPONDER not in recipients:
        return
    absent: list[str] = []
    if not _TEST_WORD.search(m.first("Subject") or ""):
        absent.append("subject")
    plain = [p for _, p in m.parts.texts if p.get_content_type() == "text/plain"]
    text = m.payload(plain[0]).decode("utf-8", "replace") if plain else ""
    if not _TEST_WORD.search(text):
        absent.append("body")
    if absent:
        yield missing.finding(
            f"a message to {TEST_RESPONDER} has no word TEST in its {' and '.join(absent)}",
            hint="write TEST (capitals) in both the subject and the text "
            "(Composer.connectivity_test() does it)",
            where="header:Subject" if absent == ["subject"] else "",
        )


@checks("MSSC034")
def _mime_defects(m: Facts, broken: Rule) -> Iterator[Finding]:
    for repair in m.reader_defects:
        yield broken.finding(
            f"the reader had to repair the message ({repair})",
            hint="build the message with the stdlib EmailMessage API or mssc.Composer",
            where="message",
        )
    for where, part in m.all_parts:
        for defect in part.defects:
            yield broken.finding(
                f"{type(defect).__name__}: {defect}",
                hint="build the message with the stdlib EmailMessage API or mssc.Composer",
                where=where,
            )


@checks("MSSC040")
def _incoming_sender(m: Facts, not_patient: Rule) -> Iterator[Finding]:
    addrs = m.addresses("From")
    if len(addrs) != 1:
        yield not_patient.finding(
            f"the From header holds {len(addrs)} addresses, not one patient address",
            hint="a patient's message comes from <matricule INS>@patient.mssante.fr",
            where="header:From",
        )
        return
    try:
        parse_patient_address(addrs[0].addr_spec)
    except InvalidAddress as exc:
        yield not_patient.finding(
            f"the sender {addrs[0].addr_spec!r} is not a patient address: {exc.message}",
            hint=exc.hint,
            where="header:From",
        )
