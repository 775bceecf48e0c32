"""Ségur documents in a message: the wrong-patient guard, ``IHE_XDM.zip`` and its PDFs, and the
``X-MSS-CODECDA`` / ``X-MSS-INS`` headers. Loaded by :mod:`mssc.compose` on first use only.

The guard is the one place that decides whether documents may go to a patient. The INS of the
recipient's address, the INS of each CDA's ``recordTarget`` and each ``patientId`` of
``METADATA.XML`` must be the same, and the traits (birth name, birth date, sex) must agree when
the caller gave a :class:`~mssc.ins.PatientIdentity`. The archive is checked as it will be
sent: read back from its bytes, so that what the receiver reads is what was checked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from mssc.attachments import XDM_ATTACHMENT_NAME, Attachment
from mssc.cda import CdaHeader
from mssc.errors import InvalidDocument, InvalidMessage, PatientMismatch
from mssc.ins import Ins, PatientIdentity
from mssc.xdm import Document, Submission, build_xdm, parse_patient_id, read_xdm, settle

__all__ = [
    "CODECDA_HEADER",
    "INS_HEADER",
    "DocumentsPart",
    "check_patient",
    "codecda_value",
    "default_subject",
    "documents_part",
    "guard_archive",
]

#: The header that lists the CDA codes (Ref#2 ECO.2.4.1, Ségur SC.MSS/CONF.15).
CODECDA_HEADER: Final = "X-MSS-CODECDA"
#: The header that says whether the CDAs carry a qualified INS (ECO.2.4.2, SC.MSS/CONF.14).
INS_HEADER: Final = "X-MSS-INS"


def _mismatch(what: str) -> PatientMismatch:
    return PatientMismatch(
        f"{what}: these documents are not about the recipient",
        code="patient-mismatch",
        hint="check that the documents and the recipient belong to the same patient; mssc "
        "never sends a document whose identity does not match",
    )


def _fold(name: str) -> str:
    """A name as INS traits compare: no accents, upper case, separators as one space."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.split(r"[\s\-'’]+", plain.upper())).strip()


def check_patient(
    header: CdaHeader,
    where: str,
    *,
    address_ins: Ins,
    given_ins: Ins | None,
    identity: PatientIdentity | None,
) -> None:
    """Refuse a CDA whose patient is not the recipient.

    Raises:
        PatientMismatch: ``patient-mismatch``.
    """
    patient = header.patient
    if patient.ins is None:
        raise _mismatch(f"{where} has no matricule INS in recordTarget")
    if patient.ins.matricule != address_ins.matricule:
        raise _mismatch(f"the INS of {where} is not the INS of the recipient's address")
    if given_ins is not None and patient.ins != given_ins:
        raise _mismatch(f"the INS OID of {where} is not the recipient's")
    if identity is None:
        return
    if patient.birth_name is None or _fold(patient.birth_name) != _fold(identity.birth_name):
        raise _mismatch(f"the birth name in {where} is not the recipient's")
    if patient.birth_date != identity.birth_date:
        raise _mismatch(f"the birth date in {where} is not the recipient's")
    if patient.sex is not identity.sex:
        raise _mismatch(f"the sex in {where} is not the recipient's")


def guard_archive(
    content: bytes,
    *,
    address_ins: Ins,
    given_ins: Ins | None,
    identity: PatientIdentity | None,
) -> tuple[Document, ...]:
    """Read an ``IHE_XDM.zip`` as the receiver will and check every patient it names.

    Raises:
        InvalidArchive: the archive is unreadable or its hashes and sizes are wrong.
        PatientMismatch: ``patient-mismatch``.
    """
    package = read_xdm(content)
    expected = package.documents[0].header.patient.ins if package.documents else None
    for document, entry in zip(package.documents, package.entries, strict=True):
        check_patient(
            document.header,
            f"the CDA {entry.path}",
            address_ins=address_ins,
            given_ins=given_ins,
            identity=identity,
        )
        expected = document.header.patient.ins
        if parse_patient_id(entry.patient_id) != expected:
            raise _mismatch(f"the METADATA patientId of {entry.path} is not the CDA's INS")
    if parse_patient_id(package.patient_id or "") != expected:
        raise _mismatch("the METADATA patientId of the submission set is not the CDAs' INS")
    return package.documents


def codecda_value(headers: Sequence[CdaHeader]) -> str:
    """The ``X-MSS-CODECDA`` value: each CDA code once, in order, comma-separated."""
    codes = list(dict.fromkeys(h.code.code for h in headers))
    return ",".join(codes)


def default_subject(documents: Sequence[object], to: object) -> str:
    """``XDM/1.0/DDM+<libellé> <NOM> <prénom> <DD/MM/YYYY>`` [stated form and example]: the
    libellé is the first document's title, the names and date are the patient's."""
    if not documents or not all(isinstance(d, Document) for d in documents):
        raise InvalidMessage("documents must be mssc.xdm.Document values", code="bad-argument")
    first_document = documents[0]
    assert isinstance(first_document, Document)
    header = first_document.header
    identity = to if isinstance(to, PatientIdentity) else None
    family = identity.birth_name if identity else (header.patient.birth_name or "")
    first = identity.first_names if identity else (header.patient.given or "")
    born = identity.birth_date if identity else header.patient.birth_date
    parts = [
        " ".join(header.title.split()),
        family.upper(),
        first.split()[0] if first.split() else "",
        born.strftime("%d/%m/%Y") if born else "",
    ]
    return "XDM/1.0/DDM+" + " ".join(p for p in parts if p)


def _recipient(to: object) -> tuple[Ins, Ins | None, PatientIdentity | None]:
    from mssc.addresses import parse_patient_address, patient_address

    if isinstance(to, PatientIdentity):
        return parse_patient_address(patient_address(to)), to.ins, to
    if isinstance(to, Ins):
        return parse_patient_address(patient_address(to)), to, None
    if isinstance(to, str):
        return parse_patient_address(patient_address(to)), None, None
    raise InvalidMessage(
        "Ségur documents go to one patient",
        code="bad-recipient",
        hint="pass a qualified PatientIdentity (best: its traits are checked too)",
    )


@dataclass(frozen=True, slots=True)
class _Recipient:
    address_ins: Ins
    given_ins: Ins | None
    identity: PatientIdentity | None


def recipient_of(to: object) -> _Recipient:
    """The INS (and identity) that documents must match for the recipient ``to``."""
    return _Recipient(*_recipient(to))


class _SenderLike(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def structure_id(self) -> str | None: ...

    @property
    def structure(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class DocumentsPart:
    """The Ségur documents of a draft, built: ``IHE_XDM.zip`` and the PDFs, and the headers."""

    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]


def documents_part(
    documents: Sequence[object],
    *,
    to: object,
    sender: _SenderLike,
    submission: object,
    clock: Callable[[], datetime],
) -> DocumentsPart:
    """Build ``IHE_XDM.zip``, one PDF per CDA, and the two headers, after the guard.

    Raises:
        PatientMismatch, InvalidDocument (``not-pdf`` for a CDA without a PDF), InvalidArchive,
        InvalidMessage.
    """
    checked: list[Document] = []
    for d in documents:
        if not isinstance(d, Document):
            raise InvalidMessage(
                f"documents must be mssc.xdm.Document values, not {type(d).__name__}",
                code="bad-argument",
            )
        checked.append(d)
    who = recipient_of(to)
    for n, d in enumerate(checked, start=1):
        check_patient(
            d.header,
            f"document {n}",
            address_ins=who.address_ins,
            given_ins=who.given_ins,
            identity=who.identity,
        )
        if d.pdf is None:
            raise InvalidDocument(
                f"document {n} has no PDF: Ségur documents travel with one PDF per CDA",
                code="not-pdf",
                hint="pass Document(cda=..., pdf=...) (Ref#2 ECO.2.1.1, ECO.2.1.5)",
            )
    submission = submission if submission is not None else Submission()
    if not isinstance(submission, Submission):
        raise InvalidMessage("submission must be a mssc.xdm.Submission", code="bad-argument")
    changes: dict[str, object] = {}
    if submission.author_institution is None and sender.structure_id is not None:
        changes["author_institution"] = sender.structure
    if submission.submission_time is None or submission.unique_id is None:
        submission = settle(submission, checked, clock())
    if submission.sender_name is None:
        changes["sender_name"] = sender.label
    if changes:
        submission = Submission(
            **{
                **{k: getattr(submission, k) for k in submission.__dataclass_fields__},
                **changes,
            }
        )
    archive = build_xdm(checked, submission=submission)
    # Read back what will be sent: the receiver finds the patient from these bytes.
    guard_archive(
        archive, address_ins=who.address_ins, given_ins=who.given_ins, identity=who.identity
    )
    pdfs = tuple(
        Attachment(d.attachment_filename, d.pdf or b"", "application/pdf") for d in checked
    )
    headers = (
        (CODECDA_HEADER, codecda_value([d.header for d in checked])),
        (INS_HEADER, "O" if all(d.header.patient.ins_qualified for d in checked) else "N"),
    )
    return DocumentsPart(
        attachments=(Attachment(XDM_ATTACHMENT_NAME, archive, "application/zip"), *pdfs),
        headers=headers,
    )
