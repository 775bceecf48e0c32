"""Synthetic Ségur documents for tests and examples: identities on the INS test OID, PDFs of any
size and niveau 1 CDAs. Nothing here comes from a real patient or from the ANS example files.

>>> from mssc.cda import read_header
>>> header = read_header(make_cda())
>>> str(header.patient.ins), header.patient.ins.oid, header.patient.birth_name
('279035121518989', '1.2.250.1.213.1.4.10', 'PAT-TROIS')
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Final

from mssc.cda import LOINC, CdaId, Code, Organisation, Professional, wrap_pdf
from mssc.ins import INS_TEST_OID, IdentityStatus, Ins, PatientIdentity, Sex

__all__ = [
    "TEST_AUTHOR",
    "TEST_CODE",
    "TEST_ORGANISATION",
    "TEST_WHEN",
    "make_cda",
    "make_identity",
    "make_pdf",
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
