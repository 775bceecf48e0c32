"""CDA R2 documents: read the header that the XDM metadata needs, and wrap a PDF as niveau 1.

:func:`read_header` reads a CDA R2 (any level) with the guarded XML reader of :mod:`mssc._xml`
(no DTD, no entity, bounded size and depth) and returns a typed :class:`CdaHeader`: the fields
that the ANS CDA → XDS metadata table maps (research: xdm-and-lps.md §5). :func:`wrap_pdf`
builds a CDA R2 niveau 1 with the minimal French header (§6) and the PDF in ``nonXMLBody``, for
software that only has PDFs. It refuses an identity that is not qualified (INS/va1.53).

>>> from datetime import date, datetime, timezone
>>> from mssc.ins import IdentityStatus, Ins, PatientIdentity, Sex, INS_TEST_OID
>>> patient = PatientIdentity(ins=Ins("279035121518989", INS_TEST_OID),
...     status=IdentityStatus.QUAL, birth_name="PAT-TROIS", first_names="DOMINIQUE",
...     birth_date=date(1979, 3, 28), sex=Sex.FEMALE)
>>> xml = wrap_pdf(b"%PDF-1.4\\n%%EOF\\n", patient=patient,
...     author=Professional(idnat="810000000001", family="MARTIN", given="Marie"),
...     organisation=Organisation(idnat="1750000002", name="CHU Exemple"),
...     code=Code(code="11502-2", system=LOINC, display="CR d'examens biologiques"),
...     title="Bilan sanguin", effective_time=datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc),
...     document_id=CdaId(root="1.2.250.1.999.1", extension="42"))
>>> header = read_header(xml)
>>> header.code.code, str(header.patient.ins), header.patient.ins_qualified
('11502-2', '279035121518989', True)
>>> extract_pdf(xml)
b'%PDF-1.4\\n%%EOF\\n'
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from mssc._xml import check_text, escape_attribute, escape_text, parse
from mssc.errors import InvalidDocument, InvalidIdentifier, InvalidIns, UnqualifiedIdentity
from mssc.identifiers import parse_idnat
from mssc.ins import (
    INS_DEMO_OID,
    INS_NIA_OID,
    INS_NIR_OID,
    INS_TEST_OID,
    Ins,
    PatientIdentity,
    Sex,
)

__all__ = [
    "CDA_NS",
    "CONFIDENTIALITY_SYSTEM",
    "IDNAT_PS_OID",
    "IDNAT_STRUCT_OID",
    "LOINC",
    "MAX_CDA_BYTES",
    "CdaHeader",
    "CdaId",
    "CdaPatient",
    "Code",
    "Organisation",
    "Professional",
    "extract_pdf",
    "read_document",
    "read_header",
    "wrap_pdf",
]

#: The HL7 v3 namespace of CDA R2.
CDA_NS: Final = "urn:hl7-org:v3"
#: LOINC, the code system of CDA document types.
LOINC: Final = "2.16.840.1.113883.6.1"
#: HL7 Confidentiality (``N``, ``R``, ``V``).
CONFIDENTIALITY_SYSTEM: Final = "2.16.840.1.113883.5.25"
#: The OID of idNat_PS (professionals) in CDA ids and XCN values.
IDNAT_PS_OID: Final = "1.2.250.1.71.4.2.1"
#: The OID of idNat_Struct (structures) in CDA ids and XON values.
IDNAT_STRUCT_OID: Final = "1.2.250.1.71.4.2.2"
#: The largest CDA mssc reads by default: a 25 MB message cannot carry more.
MAX_CDA_BYTES: Final = 40_000_000

_INS_OIDS: Final = frozenset({INS_NIR_OID, INS_NIA_OID, INS_TEST_OID, INS_DEMO_OID})
_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_H: Final = f"{{{CDA_NS}}}"
#: The templateIds of a French CDA R2 niveau 1 (HL7 France, CI-SIS, IHE XDS-SD) [stated].
N1_TEMPLATE_IDS: Final = (
    "2.16.840.1.113883.2.8.2.1",
    "1.2.250.1.213.1.1.1.1",
    "1.3.6.1.4.1.19376.1.2.20",
)
_OID = re.compile(r"[0-2](?:\.(?:0|[1-9][0-9]*))+")
_TS = re.compile(r"(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(?:\.\d{1,4})?)?([+-]\d{4})?\Z")
_SEX_TO_CDA: Final = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.UNKNOWN: "U"}
_CDA_TO_SEX: Final = {"F": Sex.FEMALE, "M": Sex.MALE, "U": Sex.UNKNOWN, "UN": Sex.UNKNOWN}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _optional(value: str | None, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _text(value: str, what: str) -> str:
    check_text(value, what)
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidDocument(f"{what} is empty", code="bad-value")
    return cleaned


@dataclass(frozen=True, slots=True)
class CdaId:
    """An HL7 instance identifier: an OID ``root`` and an optional ``extension``.

    Raises:
        InvalidDocument: ``bad-value`` for an empty root or characters XML cannot carry.
    """

    root: str
    """The OID (or UUID) of the assigning authority or of the instance."""
    extension: str | None = None
    """The identifier inside the root, when there is one."""

    def __post_init__(self) -> None:
        _set(self, "root", _text(self.root, "id root"))
        _set(self, "extension", _optional(self.extension, "id extension"))

    def __str__(self) -> str:
        """``root`` or ``root^extension`` (the XDS uniqueId form)."""
        return self.root if self.extension is None else f"{self.root}^{self.extension}"


def _idnat(value: str, scope: Literal["structure", "ps"], what: str, hint: str) -> str:
    """``value`` checked as an idNat of ``scope`` (check digits included), as a str."""
    text = _text(value, what)
    try:
        return str(parse_idnat(text, scope=scope))
    except InvalidIdentifier as exc:
        raise InvalidDocument(
            f"{text!r} is not an {what}: {exc.message}", code="bad-value", hint=hint
        ) from None


@dataclass(frozen=True, slots=True)
class Code:
    """A coded value: the code, its system (OID) and an optional display name.

    Raises:
        InvalidDocument: ``bad-value``.
    """

    code: str
    system: str
    display: str | None = None

    def __post_init__(self) -> None:
        _set(self, "code", _text(self.code, "code"))
        _set(self, "system", _text(self.system, "code system"))
        _set(self, "display", _optional(self.display, "display name"))


@dataclass(frozen=True, slots=True)
class Organisation:
    """A structure known by its idNat_Struct (``1`` + FINESS, ``2`` + SIREN, ``3`` + SIRET…).

    Raises:
        InvalidDocument: ``bad-value`` (the idNat_Struct is checked, check digits included).
    """

    idnat: str
    """The idNat_Struct, prefix included (e.g. ``1750000002`` for FINESS ``750000002``)."""
    name: str | None = None
    """The structure's name."""

    def __post_init__(self) -> None:
        _set(
            self,
            "idnat",
            _idnat(
                self.idnat,
                "structure",
                "idNat_Struct",
                "1 + FINESS, 2 + SIREN, 3 + SIRET, 4 + RPPS-rang, 0 + ADELI cabinet",
            ),
        )
        _set(self, "name", _optional(self.name, "organisation name"))


@dataclass(frozen=True, slots=True)
class Professional:
    """A health professional known by an idNat_PS (``8`` + RPPS, ``0`` + ADELI…).

    Raises:
        InvalidDocument: ``bad-value``.
    """

    idnat: str
    """The idNat_PS, prefix included (``8`` + the 11-digit RPPS)."""
    family: str
    """The family name."""
    given: str | None = None
    """The given name."""
    specialty: Code | None = None
    """The profession or specialty (``assignedAuthor/code``, TRE_G15 / R38…)."""

    def __post_init__(self) -> None:
        _set(
            self,
            "idnat",
            _idnat(
                self.idnat,
                "ps",
                "idNat_PS",
                "8 + RPPS (11 digits), 0 + ADELI, 3 + FINESS/local id…",
            ),
        )
        _set(self, "family", _text(self.family, "family name"))
        _set(self, "given", _optional(self.given, "given name"))


class CdaPatient(_Frozen):
    """The patient of ``recordTarget/patientRole``."""

    ins: Ins | None = None
    """The matricule INS, when an id carries one of the INS OIDs."""
    ids: tuple[CdaId, ...] = ()
    """Every ``patientRole/id`` (the INS and the IPPs)."""
    birth_name: str | None = None
    """``family`` with qualifier ``BR`` (or the only family name)."""
    usage_name: str | None = None
    """``family`` with qualifier ``SP`` or ``CL``."""
    given: str | None = None
    """The given names."""
    birth_date: date | None = None
    """``birthTime``."""
    sex: Sex | None = None
    """``administrativeGenderCode`` (``U`` is :attr:`Sex.UNKNOWN`)."""
    birth_place: str | None = None
    """The INSEE code of ``birthplace/place/addr/county``."""

    @property
    def ins_qualified(self) -> bool:
        """Matricule INS with its OID and the traits (birth name, given, birth date, sex): what
        ``X-MSS-INS: O`` says."""
        return (
            self.ins is not None
            and bool(self.birth_name)
            and bool(self.given)
            and self.birth_date is not None
            and self.sex is not None
        )

    @property
    def ipp(self) -> CdaId | None:
        """The first id that is not the INS (the producer's IPP), or None."""
        for item in self.ids:
            if item.root not in _INS_OIDS:
                return item
        return None


class CdaHeader(_Frozen):
    """What an XDM DocumentEntry needs from a CDA header (ANS mapping, research §5)."""

    id: CdaId
    """``ClinicalDocument/id`` (the DocumentEntry uniqueId)."""
    code: Code
    """The document type (typeCode, and ``X-MSS-CODECDA``)."""
    title: str
    """The title."""
    effective_time: datetime
    """``effectiveTime`` (creationTime), with its offset when the CDA gives one."""
    confidentiality: Code
    """``confidentialityCode``."""
    language: str
    """``languageCode`` (``fr-FR``)."""
    patient: CdaPatient
    """``recordTarget/patientRole``."""
    set_id: CdaId | None = None
    """``setId``."""
    version: int | None = None
    """``versionNumber``."""
    template_ids: tuple[str, ...] = ()
    """The ``templateId`` roots."""
    author: Professional | None = None
    """The first ``author/assignedAuthor`` with an idNat_PS."""
    author_organisation: Organisation | None = None
    """Its ``representedOrganization`` (authorInstitution)."""
    custodian: Organisation | None = None
    """``custodian/assignedCustodian/representedCustodianOrganization``."""
    legal_authenticator: Professional | None = None
    """``legalAuthenticator/assignedEntity``."""
    service_start: datetime | None = None
    """``documentationOf/serviceEvent/effectiveTime/low``."""
    service_stop: datetime | None = None
    """``documentationOf/serviceEvent/effectiveTime/high``."""
    practice_setting: Code | None = None
    """``…/performer/assignedEntity/representedOrganization/standardIndustryClassCode``."""
    facility_type: Code | None = None
    """``componentOf/encompassingEncounter/location/healthCareFacility/code``."""
    body: Literal["nonXMLBody", "structuredBody", "none"] = "none"
    """The kind of body: ``nonXMLBody`` is niveau 1."""
    body_media_type: str | None = None
    """The ``mediaType`` of a ``nonXMLBody`` (``application/pdf``)."""


# --------------------------------------------------------------------------- times


def parse_ts(value: str) -> datetime:
    """Read an HL7 TS (``YYYYMMDD[HH[MM[SS]]][±ZZZZ]``); aware when it has an offset.

    Raises:
        InvalidDocument: ``bad-value``.
    """
    m = _TS.match(value.strip())
    if m is None:
        raise InvalidDocument(f"{value!r} is not an HL7 time", code="bad-value")
    year, month, day, hour, minute, second, offset = m.groups()
    tz = None
    if offset is not None:
        sign = -1 if offset[0] == "-" else 1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        tz = timezone(sign * delta)
    try:
        return datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
    except ValueError:
        raise InvalidDocument(f"{value!r} is not a valid HL7 time", code="bad-value") from None


def format_ts(value: datetime) -> str:
    """Write an aware datetime as ``YYYYMMDDHHMMSS±ZZZZ`` (to the second).

    Raises:
        InvalidDocument: ``bad-value`` for a naive datetime.
    """
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidDocument(
            "CDA times must be timezone-aware datetimes",
            code="bad-value",
            hint="pass datetime(..., tzinfo=...), e.g. datetime.now().astimezone()",
        )
    offset = value.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return value.strftime("%Y%m%d%H%M%S") + f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


# --------------------------------------------------------------------------- reading


def _find(element: ET.Element | None, path: str) -> ET.Element | None:
    if element is None:
        return None
    return element.find(path.replace("h:", _H))


def _findall(element: ET.Element | None, path: str) -> list[ET.Element]:
    if element is None:
        return []
    return element.findall(path.replace("h:", _H))


def _attr(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return " ".join(value.split()) if value is not None and value.strip() else None


def _content(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def _id(element: ET.Element | None) -> CdaId | None:
    root = _attr(element, "root")
    if root is None:
        return None
    return CdaId(root=root, extension=_attr(element, "extension"))


def _code(element: ET.Element | None) -> Code | None:
    code, system = _attr(element, "code"), _attr(element, "codeSystem")
    if code is None or system is None:
        return None
    return Code(code=code, system=system, display=_attr(element, "displayName"))


def _time(element: ET.Element | None) -> datetime | None:
    value = _attr(element, "value")
    return None if value is None else parse_ts(value)


def _required(value: object, what: str) -> None:
    if value is None:
        raise InvalidDocument(
            f"the CDA header has no {what}",
            code="missing-field",
            hint="the XDM metadata is built from this element (ANS CDA → XDS mapping)",
        )


def _organisation(element: ET.Element | None) -> Organisation | None:
    for item in _findall(element, "h:id"):
        if _attr(item, "root") == IDNAT_STRUCT_OID and _attr(item, "extension"):
            try:
                return Organisation(idnat=_attr(item, "extension") or "", name=_name(element))
            except InvalidDocument:
                return None
    return None


def _name(element: ET.Element | None) -> str | None:
    return _content(_find(element, "h:name"))


def _professional(entity: ET.Element | None, person_tag: str) -> Professional | None:
    for item in _findall(entity, "h:id"):
        if _attr(item, "root") == IDNAT_PS_OID and _attr(item, "extension"):
            person = _find(entity, person_tag)
            family = _content(_find(person, "h:name/h:family"))
            try:
                return Professional(
                    idnat=_attr(item, "extension") or "",
                    family=family or "UNK",
                    given=_content(_find(person, "h:name/h:given")),
                    specialty=_code(_find(entity, "h:code")),
                )
            except InvalidDocument:
                return None
    return None


def _patient(role: ET.Element | None) -> CdaPatient:
    ids = tuple(i for i in (_id(e) for e in _findall(role, "h:id")) if i is not None)
    ins: Ins | None = None
    for item in ids:
        if item.root in _INS_OIDS and item.extension:
            try:
                ins = Ins(item.extension, item.root)
            except InvalidIns as exc:
                raise InvalidDocument(
                    f"the CDA patient id {item.extension!r} is not a matricule INS: {exc.message}",
                    code="bad-value",
                    hint="recordTarget/patientRole/id with an INS OID must hold a valid INS",
                ) from None
            break
    person = _find(role, "h:patient")
    birth_name = usage = None
    for family in _findall(person, "h:name/h:family"):
        qualifier = _attr(family, "qualifier")
        if qualifier in (None, "BR") and birth_name is None:
            birth_name = _content(family)
        elif qualifier in ("SP", "CL") and usage is None:
            usage = _content(family)
    givens = [g for g in (_content(e) for e in _findall(person, "h:name/h:given")) if g]
    birth = _time(_find(person, "h:birthTime"))
    gender = _attr(_find(person, "h:administrativeGenderCode"), "code")
    return CdaPatient(
        ins=ins,
        ids=ids,
        birth_name=birth_name,
        usage_name=usage,
        given=" ".join(givens) or None,
        birth_date=birth.date() if birth is not None else None,
        sex=_CDA_TO_SEX.get(gender or ""),
        birth_place=_content(_find(person, "h:birthplace/h:place/h:addr/h:county")),
    )


def _root_of(xml: bytes, max_bytes: int) -> ET.Element:
    root = parse(xml, max_bytes=max_bytes)
    if root.tag != f"{_H}ClinicalDocument":
        raise InvalidDocument(
            f"the root element is {root.tag}, not an HL7 CDA ClinicalDocument",
            code="not-cda",
            hint="pass a CDA R2 document (namespace urn:hl7-org:v3)",
        )
    return root


def read_header(xml: bytes, *, max_bytes: int = MAX_CDA_BYTES) -> CdaHeader:
    """Read the header of a CDA R2 document (any level).

    Raises:
        InvalidDocument: ``unsafe-xml``, ``bad-xml``, ``too-large``, ``too-deep``, ``not-cda``,
            ``missing-field`` (id, code, title, effectiveTime, confidentialityCode,
            recordTarget) or ``bad-value``.
    """
    return _header(_root_of(xml, max_bytes))


def read_document(xml: bytes, *, max_bytes: int = MAX_CDA_BYTES) -> tuple[CdaHeader, bytes | None]:
    """:func:`read_header` and :func:`extract_pdf` with one parse.

    Raises:
        InvalidDocument: as :func:`read_header`.
    """
    root = _root_of(xml, max_bytes)
    return _header(root), _pdf_of(root)


def _header(root: ET.Element) -> CdaHeader:
    doc_id = _id(_find(root, "h:id"))
    code = _code(_find(root, "h:code"))
    title = _content(_find(root, "h:title"))
    effective = _time(_find(root, "h:effectiveTime"))
    confidentiality = _code(_find(root, "h:confidentialityCode"))
    role = _find(root, "h:recordTarget/h:patientRole")
    for value, what in (
        (doc_id, "id"),
        (code, "code"),
        (title, "title"),
        (effective, "effectiveTime"),
        (confidentiality, "confidentialityCode"),
        (role, "recordTarget/patientRole"),
    ):
        _required(value, what)
    assert doc_id is not None
    assert code is not None
    assert title is not None
    assert effective is not None
    assert confidentiality is not None
    author_element = None
    author = None
    for candidate in _findall(root, "h:author/h:assignedAuthor"):
        author = _professional(candidate, "h:assignedPerson")
        if author is not None:
            author_element = candidate
            break
    event = _find(root, "h:documentationOf/h:serviceEvent")
    version = _attr(_find(root, "h:versionNumber"), "value")
    nonxml = _find(root, "h:component/h:nonXMLBody")
    body: Literal["nonXMLBody", "structuredBody", "none"] = "none"
    if nonxml is not None:
        body = "nonXMLBody"
    elif _find(root, "h:component/h:structuredBody") is not None:
        body = "structuredBody"
    return CdaHeader(
        id=doc_id,
        code=code,
        title=title,
        effective_time=effective,
        confidentiality=confidentiality,
        language=_attr(_find(root, "h:languageCode"), "code") or "fr-FR",
        patient=_patient(role),
        set_id=_id(_find(root, "h:setId")),
        version=int(version) if version is not None and version.isdigit() else None,
        template_ids=tuple(
            r for r in (_attr(t, "root") for t in _findall(root, "h:templateId")) if r
        ),
        author=author,
        author_organisation=_organisation(_find(author_element, "h:representedOrganization")),
        custodian=_organisation(
            _find(root, "h:custodian/h:assignedCustodian/h:representedCustodianOrganization")
        ),
        legal_authenticator=_professional(
            _find(root, "h:legalAuthenticator/h:assignedEntity"), "h:assignedPerson"
        ),
        service_start=_time(_find(event, "h:effectiveTime/h:low")),
        service_stop=_time(_find(event, "h:effectiveTime/h:high")),
        practice_setting=_code(
            _find(
                event,
                "h:performer/h:assignedEntity/h:representedOrganization/"
                "h:standardIndustryClassCode",
            )
        ),
        facility_type=_code(
            _find(
                root,
                "h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code",
            )
        ),
        body=body,
        body_media_type=_attr(_find(nonxml, "h:text"), "mediaType"),
    )


def extract_pdf(xml: bytes, *, max_bytes: int = MAX_CDA_BYTES) -> bytes | None:
    """Return the PDF of a niveau 1 CDA (``nonXMLBody/text``, base64), or None when the body
    is not a base64 PDF.

    Raises:
        InvalidDocument: as :func:`read_header` for unreadable XML.
    """
    return _pdf_of(_root_of(xml, max_bytes))


def _pdf_of(root: ET.Element) -> bytes | None:
    text = _find(root, "h:component/h:nonXMLBody/h:text")
    if text is None or _attr(text, "representation") != "B64":
        return None
    try:
        # Lenient like mail readers: white space and stray characters are skipped; the result
        # must still open with a PDF header.
        data = binascii.a2b_base64((text.text or "").encode("ascii"))
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(b"%PDF-") else None


# --------------------------------------------------------------------------- writing


def _el(tag: str, attributes: dict[str, str | None] | None = None, *children: str) -> str:
    attrs = "".join(
        f' {k}="{escape_attribute(check_text(v, tag))}"'
        for k, v in (attributes or {}).items()
        if v is not None
    )
    if not children:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


def _t(value: str, what: str) -> str:
    return escape_text(check_text(value, what))


def _id_el(tag: str, value: CdaId) -> str:
    return _el(tag, {"root": value.root, "extension": value.extension})


def _code_el(tag: str, value: Code | None) -> str:
    if value is None:
        return _el(tag, {"nullFlavor": "UNK"})
    return _el(tag, {"code": value.code, "codeSystem": value.system, "displayName": value.display})


def _person_el(tag: str, who: Professional) -> str:
    parts = [_el("family", None, _t(who.family, "family"))]
    if who.given:
        parts.insert(0, _el("given", None, _t(who.given, "given")))
    return _el(tag, None, _el("name", None, *parts))


def _org_el(tag: str, org: Organisation) -> str:
    inner = [_el("id", {"root": IDNAT_STRUCT_OID, "extension": org.idnat})]
    if org.name:
        inner.append(_el("name", None, _t(org.name, "organisation name")))
    return _el(tag, None, *inner)


def _new_id() -> CdaId:
    # A UUID-derived OID (ISO/IEC 9834-8, root 2.25): unique without a registered root.
    return CdaId(root="2.25." + str(int.from_bytes(secrets.token_bytes(16), "big") >> 6))


def wrap_pdf(
    pdf: bytes,
    *,
    patient: PatientIdentity,
    author: Professional,
    organisation: Organisation,
    code: Code,
    title: str,
    effective_time: datetime,
    document_id: CdaId | None = None,
    set_id: CdaId | None = None,
    version: int = 1,
    confidentiality: str = "N",
    ipp: CdaId | None = None,
    legal_authenticator: Professional | None = None,
    custodian: Organisation | None = None,
    service_start: datetime | None = None,
    service_stop: datetime | None = None,
    practice_setting: Code | None = None,
    facility_type: Code | None = None,
) -> bytes:
    """Wrap a PDF as a CDA R2 niveau 1 with the French header (research §6), UTF-8.

    Args:
        pdf: the PDF (PDF/A-1 is what Ref#2 asks for; its header must open the file).
        patient: a *qualified* identity; its INS and traits fill ``recordTarget``.
        author: the author (``assignedAuthor/id`` root ``1.2.250.1.71.4.2.1``).
        organisation: the author's structure; also the custodian unless ``custodian``.
        code: the document type (LOINC or a CI-SIS code).
        title: the title.
        effective_time: the creation time (aware).
        document_id: ``ClinicalDocument/id``; a new ``2.25.<uuid>`` OID when None.
        set_id: ``setId`` (defaults to the document id), ``version``: ``versionNumber``.
        confidentiality: the HL7 confidentiality code (``N``, ``R`` or ``V``).
        ipp: the producer's patient id (IPP), written after the INS.
        legal_authenticator: defaults to the author.
        service_start, service_stop: the act's times (start defaults to ``effective_time``).
        practice_setting, facility_type: the metadata codes; ``nullFlavor="UNK"`` when None.

    Raises:
        UnqualifiedIdentity: ``not-qualified``.
        InvalidDocument: ``not-pdf`` or ``bad-value``.
    """
    if not isinstance(patient, PatientIdentity) or not patient.is_qualified:
        raise UnqualifiedIdentity(
            "a CDA carries the matricule INS only for a qualified identity (INS/va1.53)",
            code="not-qualified",
            hint="qualify the identity (status QUAL) before sending documents",
        )
    if not isinstance(pdf, (bytes, bytearray)) or not bytes(pdf[:1024]).lstrip().startswith(
        b"%PDF-"
    ):
        raise InvalidDocument(
            "the niveau 1 body must be a PDF whose header opens the file",
            code="not-pdf",
            hint="pass the bytes of a PDF (PDF/A-1 for Ref#2 ECO.2.1.5)",
        )
    if confidentiality not in ("N", "R", "V"):
        raise InvalidDocument(f"{confidentiality!r} is not N, R or V", code="bad-value")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidDocument("version must be a positive int", code="bad-value")
    title = _text(title, "title")
    doc_id = document_id or _new_id()
    when = format_ts(effective_time)
    start = format_ts(service_start or effective_time)
    authenticator = legal_authenticator or author
    keeper = custodian or organisation
    ins = patient.ins
    names = [
        _el("given", {"qualifier": "BR"}, _t(g, "first name"))
        for g in patient.first_names.split()[:1]
    ]
    names.append(_el("family", {"qualifier": "BR"}, _t(patient.birth_name, "birth name")))
    if patient.usage_name and patient.usage_name != patient.birth_name:
        names.append(_el("family", {"qualifier": "SP"}, _t(patient.usage_name, "usage name")))
    person = [
        _el("name", None, *names),
        _el(
            "administrativeGenderCode",
            {
                "code": _SEX_TO_CDA[patient.sex],
                "codeSystem": "2.16.840.1.113883.5.1",
            },
        ),
        _el("birthTime", {"value": patient.birth_date.strftime("%Y%m%d")}),
    ]
    if patient.birth_place:
        person.append(
            _el(
                "birthplace",
                None,
                _el(
                    "place",
                    None,
                    _el("addr", None, _el("county", None, _t(patient.birth_place, "birth place"))),
                ),
            )
        )
    role_ids = [_el("id", {"root": ins.oid, "extension": ins.matricule})]
    if ipp is not None:
        role_ids.append(_id_el("id", ipp))
    author_entity = [
        _el("id", {"root": IDNAT_PS_OID, "extension": author.idnat}),
    ]
    if author.specialty is not None:
        author_entity.append(_code_el("code", author.specialty))
    author_entity += [
        _person_el("assignedPerson", author),
        _org_el("representedOrganization", organisation),
    ]
    auth_entity = [
        _el("id", {"root": IDNAT_PS_OID, "extension": authenticator.idnat}),
        _person_el("assignedPerson", authenticator),
    ]
    event_time = [_el("low", {"value": start})]
    if service_stop is not None:
        event_time.append(_el("high", {"value": format_ts(service_stop)}))
    performer_org = [_code_el("standardIndustryClassCode", practice_setting)]
    parts = [
        _el("realmCode", {"code": "FR"}),
        _el("typeId", {"root": "2.16.840.1.113883.1.3", "extension": "POCD_HD000040"}),
        *(_el("templateId", {"root": t}) for t in N1_TEMPLATE_IDS),
        _id_el("id", doc_id),
        _code_el("code", code),
        _el("title", None, _t(title, "title")),
        _el("effectiveTime", {"value": when}),
        _el(
            "confidentialityCode",
            {
                "code": confidentiality,
                "codeSystem": CONFIDENTIALITY_SYSTEM,
            },
        ),
        _el("languageCode", {"code": "fr-FR"}),
        _id_el("setId", set_id or doc_id),
        _el("versionNumber", {"value": str(version)}),
        _el(
            "recordTarget", None, _el("patientRole", None, *role_ids, _el("patient", None, *person))
        ),
        _el(
            "author",
            None,
            _el("time", {"value": when}),
            _el("assignedAuthor", None, *author_entity),
        ),
        _el(
            "custodian",
            None,
            _el("assignedCustodian", None, _org_el("representedCustodianOrganization", keeper)),
        ),
        _el(
            "legalAuthenticator",
            None,
            _el("time", {"value": when}),
            _el("signatureCode", {"code": "S"}),
            _el("assignedEntity", None, *auth_entity),
        ),
        _el(
            "documentationOf",
            None,
            _el(
                "serviceEvent",
                None,
                _code_el("code", code),
                _el("effectiveTime", None, *event_time),
                _el(
                    "performer",
                    {"typeCode": "PRF"},
                    _el(
                        "assignedEntity",
                        None,
                        _el("id", {"root": IDNAT_PS_OID, "extension": author.idnat}),
                        _el("representedOrganization", None, *performer_org),
                    ),
                ),
            ),
        ),
        _el(
            "componentOf",
            None,
            _el(
                "encompassingEncounter",
                None,
                _el("effectiveTime", None, _el("low", {"value": start})),
                _el(
                    "location",
                    None,
                    _el("healthCareFacility", None, _code_el("code", facility_type)),
                ),
            ),
        ),
    ]
    body = base64.b64encode(bytes(pdf)).decode("ascii")
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ClinicalDocument xmlns="{CDA_NS}" xmlns:xsi="{_XSI}">'
    )
    tail = (
        '<component><nonXMLBody><text mediaType="application/pdf" representation="B64">'
        f"{body}</text></nonXMLBody></component></ClinicalDocument>\n"
    )
    return (head + "".join(parts) + tail).encode("utf-8")
