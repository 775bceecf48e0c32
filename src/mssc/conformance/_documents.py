"""The Ségur document rules (MSSC060–MSSC067): ``IHE_XDM.zip``, its CDAs, their PDFs and the
``X-MSS-CODECDA`` / ``X-MSS-INS`` headers.

Each function takes the parsed message and its attachments and returns findings; nothing here
raises on a hostile message. The archive is read with :func:`mssc.xdm.read_xdm` (bounded,
hashes verified), loaded only when a message has an archive or one of the headers. Findings
inside the archive name their place as ``part 2 (IHE_XDM.zip) > IHE_XDM/SUBSET01/DOC0001.XML``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from email.message import Message
from typing import Final, NamedTuple

from mssc.conformance._facts import Facts
from mssc.conformance._model import Finding, Rule
from mssc.conformance._registry import checks

__all__ = ["DOCUMENT_RULES", "DocumentRules", "check_documents"]

#: The codes these checks emit, in the order of :class:`DocumentRules`.
DOCUMENT_RULES: Final = tuple(f"MSSC06{i}" for i in range(8))


class DocumentRules(NamedTuple):
    """The catalogue rules the document checks report, one per concern."""

    codecda_presence: Rule
    codecda_value: Rule
    ins_flag: Rule
    patient: Rule
    hashes: Rule
    pdfs: Rule
    archive: Rule
    layout: Rule


_NAME_83 = re.compile(r"[A-Z0-9_]{1,8}\.[A-Z0-9]{1,3}")


def _values(msg: Message, name: str) -> list[str]:
    return [str(v) for v in (msg.get_all(name) or [])]


def _is_xdm(part: Message) -> bool:
    return (part.get_filename() or "").strip().casefold() == "ihe_xdm.zip"


def _is_pdf(part: Message) -> bool:
    name = (part.get_filename() or "").strip().lower()
    return part.get_content_type() == "application/pdf" or name.endswith(".pdf")


def _recipient_matricules(recipients: Sequence[str]) -> list[str]:
    from mssc.addresses import parse_patient_address
    from mssc.errors import MsscError

    found: list[str] = []
    for address in recipients:
        try:
            found.append(parse_patient_address(address).matricule)
        except (MsscError, ValueError):
            continue
    return found


def check_documents(
    msg: Message,
    attachments: Sequence[tuple[str, Message]],
    *,
    decoded: Callable[[Message], bytes],
    label: Callable[[str, Message], str],
    recipients: Sequence[str],
    rules: DocumentRules,
) -> list[Finding]:
    """Run the document rules over an outgoing message.

    ``attachments`` are the ``(path, part)`` pairs of the message's attachments, ``decoded``
    gives a part's bytes, ``label`` names a part in findings, ``recipients`` are the addr-specs
    of ``To`` and ``rules`` the catalogue rules to report.
    """
    findings: list[Finding] = []

    def add(rule: Rule, message: str, *, hint: str = "", where: str = "") -> None:
        findings.append(rule.finding(message, hint=hint, where=where))

    codecda = _values(msg, "X-MSS-CODECDA")
    ins_values = _values(msg, "X-MSS-INS")
    archives = [(w, p) for w, p in attachments if _is_xdm(p)]
    if not archives:
        if codecda:
            add(
                rules.codecda_presence,
                "X-MSS-CODECDA is set but no IHE_XDM.zip is attached",
                hint="set X-MSS-CODECDA only when a CDA travels in IHE_XDM.zip",
                where="header:X-MSS-CODECDA",
            )
        if ins_values:
            add(
                rules.ins_flag,
                "X-MSS-INS is set but no IHE_XDM.zip is attached",
                hint="set X-MSS-INS only when a CDA travels in IHE_XDM.zip",
                where="header:X-MSS-INS",
            )
        return findings

    from mssc.errors import InvalidArchive, InvalidDocument
    from mssc.xdm import DEFAULT_SUBSET, XdmPackage, parse_patient_id, read_xdm

    packages: list[tuple[str, XdmPackage]] = []
    for where, part in archives:
        place = label(where, part)
        try:
            package = read_xdm(decoded(part))
        except InvalidArchive as exc:
            rule = rules.hashes if exc.code in ("hash-mismatch", "size-mismatch") else rules.archive
            inside = f"{place} > {exc.path}" if exc.path else place
            add(rule, f"{exc.message} [{exc.code}]", hint=exc.hint, where=inside)
            continue
        except InvalidDocument as exc:
            add(
                rules.archive,
                f"a CDA of the archive cannot be read: {exc.message} [{exc.code}]",
                hint=exc.hint,
                where=place,
            )
            continue
        packages.append((place, package))
        upper = {n.upper() for n in package.names}
        for expected in ("README.TXT", "INDEX.HTM"):
            if expected not in upper:
                add(
                    rules.layout,
                    f"the archive has no {expected}",
                    hint="IHE ITI-32 puts README.TXT and INDEX.HTM at the root",
                    where=place,
                )
        if package.subset != DEFAULT_SUBSET:
            add(
                rules.layout,
                f"the subset is {package.subset!r}, not {DEFAULT_SUBSET}",
                hint="some French readers only look in IHE_XDM/SUBSET01",
                where=f"{place} > IHE_XDM/{package.subset}",
            )
        for name in package.names:
            base = name.rsplit("/", 1)[-1]
            if base and not _NAME_83.fullmatch(base):
                add(
                    rules.layout,
                    f"the file name {base!r} is not upper-case 8.3",
                    hint="name files like CRIMAGER.XML (ISO 9660 level 1)",
                    where=f"{place} > {name}",
                )
    if not packages:
        return findings

    entries = [
        (place, e, d) for place, p in packages for e, d in zip(p.entries, p.documents, strict=True)
    ]
    codes = [d.header.code.code for _, _, d in entries]
    if not codecda:
        add(
            rules.codecda_presence,
            "a CDA is attached but X-MSS-CODECDA is missing",
            hint=f"set X-MSS-CODECDA: {','.join(dict.fromkeys(codes))} (Ref#2 ECO.2.4.1)",
            where="header:X-MSS-CODECDA",
        )
    else:
        given = {c.strip() for v in codecda for c in v.split(",") if c.strip()}
        if given != set(codes) or len(codecda) > 1:
            add(
                rules.codecda_value,
                f"X-MSS-CODECDA says {', '.join(sorted(given))} but the CDAs are "
                f"{', '.join(sorted(set(codes)))}",
                hint="write each CDA's code, comma-separated, in one X-MSS-CODECDA header",
                where="header:X-MSS-CODECDA",
            )
    expected_ins = "O" if all(d.header.patient.ins_qualified for _, _, d in entries) else "N"
    if len(ins_values) != 1 or ins_values[0].strip() != expected_ins:
        shown = ", ".join(repr(v) for v in ins_values) or "missing"
        add(
            rules.ins_flag,
            f"X-MSS-INS is {shown}; the CDAs say {expected_ins}",
            hint="O when every CDA carries a qualified INS (matricule, OID and traits), else N",
            where="header:X-MSS-INS",
        )
    matricules = _recipient_matricules(recipients)
    for place, entry, document in entries:
        inside = f"{place} > {entry.path}"
        cda_ins = document.header.patient.ins
        if cda_ins is None:
            add(
                rules.patient,
                "the CDA has no matricule INS in recordTarget",
                hint="the receiver finds the patient from the INS (Ref#2 ECO.2.1.2)",
                where=inside,
            )
            continue
        if parse_patient_id(entry.patient_id) != cda_ins:
            add(
                rules.patient,
                "the METADATA patientId of this document is not the INS of its CDA",
                hint="patientId is <INS>^^^&<OID>&ISO^NH of the CDA's recordTarget",
                where=inside,
            )
        if matricules and cda_ins.matricule not in matricules:
            add(
                rules.patient,
                "the CDA is about another patient than the recipient",
                hint="never send a document to another patient's address",
                where=inside,
            )
    for place, package in packages:
        first = package.documents[0].header.patient.ins if package.documents else None
        if package.patient_id is not None and parse_patient_id(package.patient_id) != first:
            add(
                rules.patient,
                "the submission set's patientId is not the INS of the CDAs",
                where=f"{place} > METADATA.XML",
            )
    pdfs = sum(1 for _, part in attachments if _is_pdf(part))
    if pdfs < len(entries):
        add(
            rules.pdfs,
            f"{len(entries)} CDA(s) but {pdfs} PDF attachment(s)",
            hint="attach one PDF of each CDA beside IHE_XDM.zip (Ref#2 ECO.2.1.1)",
        )
    return findings


@checks(*DOCUMENT_RULES)
def _documents(
    m: Facts,
    codecda_presence: Rule,
    codecda_value: Rule,
    ins_flag: Rule,
    patient: Rule,
    hashes: Rule,
    pdfs: Rule,
    archive: Rule,
    layout: Rule,
) -> list[Finding]:
    rules = DocumentRules(
        codecda_presence, codecda_value, ins_flag, patient, hashes, pdfs, archive, layout
    )
    return check_documents(
        m.message,
        m.parts.attachments,
        decoded=m.payload,
        label=m.label,
        recipients=[a.addr_spec for a in m.addresses("To")],
        rules=rules,
    )
