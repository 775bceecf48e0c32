"""Synthetic Ségur documents for tests and examples: identities on the INS test OID, PDFs of any
size and niveau 1 CDAs. Nothing here comes from a real patient or from the ANS example files.

>>> from mssc.cda import read_header
>>> header = read_header(make_cda())
>>> str(header.patient.ins), header.patient.ins.oid, header.patient.birth_name
('279035121518989', '1.2.250.1.213.1.4.10', 'PAT-TROIS')
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Final

from mssc.cda import LOINC, CdaId, Code, Organisation, Professional, wrap_pdf
from mssc.ins import INS_TEST_OID, IdentityStatus, Ins, PatientIdentity, Sex

__all__ = [
    "TEST_AUTHOR",
    "TEST_CODE",
    "TEST_ORGANISATION",
    "TEST_WHEN",
    "make_cda",
    "make_document_message",
    "make_identity",
    "make_pdf",
    "make_xdm",
    "rezip",
]

#: A fixed creation time.
TEST_WHEN: Final = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
#: A synthetic author (RPPS with a valid check digit, not a real person).
TEST_AUTHOR: Final = Professional(idnat="810000000001", family="MARTIN", given="Marie")
#: A synthetic structure (FINESS with a valid check digit).
TEST_ORGANISATION: Final = Organisation(idnat="1750000002", name="CHU Exemple")
#: A report type (LOINC 11502-2, laboratory report).
TEST_CODE: Final = Code(code="11502-2", system=LOINC, display="CR d'examens biologiques")


def make_identity(
    matricule: str = "279035121518989",
    *,
    birth_name: str = "PAT-TROIS",
    first_names: str = "DOMINIQUE",
    birth_date: date = date(1979, 3, 28),
    sex: Sex = Sex.FEMALE,
    status: IdentityStatus = IdentityStatus.QUAL,
) -> PatientIdentity:
    """A patient identity on the INS *test* OID (``1.2.250.1.213.1.4.10``)."""
    return PatientIdentity(
        ins=Ins(matricule, INS_TEST_OID),
        status=status,
        birth_name=birth_name,
        first_names=first_names,
        birth_date=birth_date,
        sex=sex,
    )


def make_pdf(size: int = 600, *, seed: int = 0) -> bytes:
    """A PDF-shaped file of exactly ``size`` octets (at least 32): a header, filler, ``%%EOF``."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    tail = b"\n%%EOF\n"
    filler = max(0, size - len(head) - len(tail))
    pattern = bytes((seed * 31 + i * 7) % 251 for i in range(251))
    body = (pattern * (filler // 251 + 1))[:filler]
    return head + body + tail


def make_cda(
    patient: PatientIdentity | None = None,
    *,
    pdf: bytes | None = None,
    code: Code = TEST_CODE,
    title: str = "Bilan sanguin",
    document_id: CdaId | None = None,
    when: datetime = TEST_WHEN,
) -> bytes:
    """A niveau 1 CDA for ``patient`` (default :func:`make_identity`) wrapping ``pdf``."""
    return wrap_pdf(
        pdf if pdf is not None else make_pdf(),
        patient=patient or make_identity(),
        author=TEST_AUTHOR,
        organisation=TEST_ORGANISATION,
        code=code,
        title=title,
        effective_time=when,
        document_id=document_id or CdaId(root="1.2.250.1.999.1.1", extension="1"),
    )


def make_xdm(*cdas: bytes) -> bytes:
    """An ``IHE_XDM.zip`` of ``cdas`` (default: one :func:`make_cda`), with fixed ids and time."""
    from mssc.xdm import Document, Submission, build_xdm

    submission = Submission(
        author_institution=TEST_ORGANISATION,
        submission_time=TEST_WHEN,
        unique_id="1.2.250.1.999.7.1",
        source_id="1.2.250.1.999.7",
    )
    return build_xdm([Document(cda=c) for c in cdas or (make_cda(),)], submission=submission)


def rezip(data: bytes, change: Callable[[dict[str, bytes]], list[tuple[str, bytes]]]) -> bytes:
    """Rewrite a zip: ``change`` gets ``{name: content}`` and returns the new entries, in order
    (duplicates and hostile names allowed: this builds broken archives on purpose)."""
    import warnings

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {i.filename: source.read(i) for i in source.infolist()}
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name, content in change(files):
                target.writestr(name, content)
    return out.getvalue()


def make_document_message(
    archive: bytes | None = None,
    *,
    to: str = "279035121518989@patient.mssante.fr",
    codecda: str | None = "11502-2",
    ins: str | None = "O",
    pdfs: int = 1,
) -> EmailMessage:
    """A professional's message carrying Ségur documents, built with the stdlib only (so that
    tests can break any part of it): ``archive`` (default :func:`make_xdm`), ``pdfs`` PDFs and
    the two headers (left out when None)."""
    m = EmailMessage()
    m["Message-ID"] = "<doc-1@chu-exemple.mssante.fr>"
    m["Date"] = "Mon, 02 Mar 2026 10:30:00 +0100"
    m["From"] = Address("CHU Exemple - Biologie", "biologie", "chu-exemple.mssante.fr")
    m["To"] = to
    m["Subject"] = "XDM/1.0/DDM+Bilan sanguin PAT-TROIS DOMINIQUE 28/03/1979"
    m["X-MSS-NIL"] = "DEV935997"
    if codecda is not None:
        m["X-MSS-CODECDA"] = codecda
    if ins is not None:
        m["X-MSS-INS"] = ins
    m.set_content("Bonjour,\n\nVoici votre compte rendu.\n")
    m.add_attachment(
        archive if archive is not None else make_xdm(),
        maintype="application",
        subtype="zip",
        filename="IHE_XDM.zip",
    )
    for n in range(pdfs):
        m.add_attachment(
            make_pdf(), maintype="application", subtype="pdf", filename=f"compte-rendu-{n}.pdf"
        )
    return m
