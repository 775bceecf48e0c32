"""``IHE_XDM.zip``: build and read the archive that carries Ségur CDA documents to a patient.

The layout is IHE ITI-32 as French senders write it (research: xdm-and-lps.md §2–4)::

    README.TXT
    INDEX.HTM
    IHE_XDM/SUBSET01/METADATA.XML
    IHE_XDM/SUBSET01/DOC0001.XML       (upper case, 8.3 names)

``METADATA.XML`` holds the submission set, one DocumentEntry per CDA and the ``HasMember``
associations, in the French value formats (``<INS>^^^&<OID>&ISO^NH``, XCN, XON…). The hash
(SHA-1) and size come from the stored bytes; times are UTC. For a given input (and an injected
``submission_time`` and ``unique_id``) the output is the same, octet for octet.

:func:`read_xdm` reads such an archive back, verifying every hash and size. Hostile archives
(zip bombs, ``../`` paths, duplicates, encrypted entries, a huge METADATA, dangling references)
get an :class:`~mssc.errors.InvalidArchive` with a code, never a crash.

>>> from mssc.testing.documents import make_cda, TEST_WHEN, TEST_ORGANISATION
>>> submission = Submission(author_institution=TEST_ORGANISATION, submission_time=TEST_WHEN,
...     unique_id="1.2.250.1.999.7.1", source_id="1.2.250.1.999.7")
>>> data = build_xdm([Document(cda=make_cda())], submission=submission)
>>> package = read_xdm(data)
>>> package.subset, package.entries[0].uri, package.entries[0].patient_id
('SUBSET01', 'DOC0001.XML', '279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH')
>>> build_xdm([Document(cda=make_cda())], submission=submission) == data
True
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Final
from zoneinfo import ZoneInfo

from mssc._xml import check_text, escape_attribute, escape_text, parse
from mssc.cda import (
    IDNAT_PS_OID,
    IDNAT_STRUCT_OID,
    CdaHeader,
    Code,
    Organisation,
    Professional,
    read_document,
    read_header,
)
from mssc.errors import InvalidArchive, InvalidDocument, PatientMismatch
from mssc.ins import Ins, Sex

__all__ = [
    "DEFAULT_SUBSET",
    "FORMAT_CODE_N1",
    "MAX_ARCHIVE_ENTRIES",
    "MAX_COMPRESSION_RATIO",
    "MAX_METADATA_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "XDM_FILENAME",
    "Document",
    "Submission",
    "XdmEntry",
    "XdmPackage",
    "build_xdm",
    "format_patient_id",
    "read_xdm",
    "settle",
]

#: The attachment's name (ANS texts write ``IHE_XDM.zip`` and ``IHE_XDM.ZIP``).
XDM_FILENAME: Final = "IHE_XDM.zip"
#: The one subset mssc writes; readers in France only look there [stated, vendor].
DEFAULT_SUBSET: Final = "SUBSET01"
#: The formatCode of a CDA niveau 1 with a PDF body [stated]; scheme [inferred].
FORMAT_CODE_N1: Final = Code(
    code="urn:ihe:iti:xds-sd:pdf:2008", system="1.3.6.1.4.1.19376.1.2.3", display="PDF"
)
#: Bounds of :func:`read_xdm` (defaults; each is a keyword of the function).
MAX_UNCOMPRESSED_BYTES: Final = 100_000_000
MAX_COMPRESSION_RATIO: Final = 200
MAX_METADATA_BYTES: Final = 5_000_000
MAX_ARCHIVE_ENTRIES: Final = 1_000

_RIM: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
_LCM: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
_R: Final = f"{{{_RIM}}}"
_DOC_TYPE: Final = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
_SS_NODE: Final = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
_HAS_MEMBER: Final = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
_CLASSIFICATION_NODE: Final = (
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ClassificationNode"
)
_SCHEME: Final = {
    "ss.author": "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
    "ss.contentType": "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
    "ss.patientId": "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
    "ss.sourceId": "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
    "ss.uniqueId": "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
    "de.author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "de.class": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "de.confidentiality": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "de.event": "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
    "de.format": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "de.facility": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "de.practice": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "de.type": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
    "de.patientId": "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
    "de.uniqueId": "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
}
_NAME_83 = re.compile(r"[A-Z0-9_]{1,8}\.XML")
_SEX_PID8: Final = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.UNKNOWN: "U"}


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Document:
    """One Ségur document: its CDA and the PDF sent beside the archive.

    Args:
        cda: the CDA R2 bytes (read with :func:`mssc.cda.read_header` here, so a bad CDA is
            refused when the value is built).
        pdf: the PDF of the document; defaults to the PDF body of a niveau 1 CDA.
        name: the file name in the archive (upper case 8.3, ``[A-Z0-9_]``, ``.XML``); given
            in order ``DOC0001.XML``, ``DOC0002.XML``… when None. Not part of equality.
        class_code: the XDS classCode (NOS ASS_X04, scheme ``1.2.250.1.213.1.1.4.1``): mssc
            has no copy of that table, so give it when the receiver needs it [stated table,
            not shipped].
        format_code: defaults to :data:`FORMAT_CODE_N1` for a PDF body, else None.
        pdf_filename: the PDF attachment's name; defaults to the Ref#2 form (see
            :meth:`default_pdf_filename`).

    Raises:
        InvalidDocument: the CDA cannot be read, or ``not-pdf`` for a PDF that is not one.
        InvalidArchive: ``unsafe-path`` for a name that is not 8.3 upper case.
    """

    cda: bytes = field(repr=False)
    pdf: bytes | None = field(default=None, repr=False)
    name: str | None = field(default=None, compare=False)
    class_code: Code | None = None
    format_code: Code | None = None
    pdf_filename: str | None = field(default=None, compare=False)
    header: CdaHeader = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.cda, (bytes, bytearray)):
            raise InvalidDocument("cda must be bytes", code="bad-value")
        object.__setattr__(self, "cda", bytes(self.cda))
        pdf = self.pdf
        if pdf is None:
            header, pdf = read_document(self.cda)
        else:
            header = read_header(self.cda)
        object.__setattr__(self, "header", header)
        if self.pdf is None:
            pass
        elif not isinstance(pdf, (bytes, bytearray)) or not bytes(pdf[:1024]).lstrip().startswith(
            b"%PDF-"
        ):
            raise InvalidDocument(
                "the document's PDF is not a PDF", code="not-pdf", hint="pass the PDF's bytes"
            )
        object.__setattr__(self, "pdf", None if pdf is None else bytes(pdf))
        if self.name is not None and not (
            isinstance(self.name, str) and _NAME_83.fullmatch(self.name)
        ):
            raise InvalidArchive(
                f"{self.name!r} is not an upper-case 8.3 name such as CRIMAGER.XML",
                code="unsafe-path",
                hint="use 1 to 8 of A-Z, 0-9 and _, then .XML",
            )
        if self.format_code is None and self.header.body_media_type == "application/pdf":
            object.__setattr__(self, "format_code", FORMAT_CODE_N1)

    def default_pdf_filename(self) -> str:
        """``<date acte>_<type document>_<NOM>_<prénom>[_<n° dossier>].pdf`` (Ref#2 ECO.2.1.6,
        [secondary]), in ASCII letters, digits and ``_``; the date is the act's (service start,
        else the document's), the type the code's display name (else the code)."""
        h = self.header
        when = h.service_start or h.effective_time
        ipp = h.patient.ipp
        parts = [
            when.strftime("%Y%m%d"),
            h.code.display or h.code.code,
            (h.patient.birth_name or "").upper(),
            (h.patient.given or "").split(" ")[0] if h.patient.given else "",
            ipp.extension if ipp is not None and ipp.extension else "",
        ]
        words = [_ascii_words(p) for p in parts]
        return "_".join(w for w in words if w)[:150] + ".pdf"

    @property
    def attachment_filename(self) -> str:
        """The name of this document's PDF attachment."""
        return self.pdf_filename or self.default_pdf_filename()


def _ascii_words(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "_".join(re.findall(r"[A-Za-z0-9]+", folded))


@dataclass(frozen=True)
class Submission:
    """The submission set: who sends, when, and what goes into README.TXT.

    Every field has a default; what is [stated] is written as the ANS texts say, what is
    [inferred] is a default you can override (see docs/documents.md).

    Attributes:
        author_institution: the sending structure (XON ``authorInstitution``); defaults to the
            sender's structure in :meth:`Composer.compose_documents`, else to the first CDA's
            author organisation.
        author_person: the sending professional, when a person sends.
        content_type: the submission set's contentTypeCode (NOS JDV_J59, scheme
            ``1.2.250.1.213.2.2``); omitted when None.
        source_id: the sending system's OID; when None, a ``2.25`` OID derived from the
            institution's idNat_Struct [inferred].
        unique_id: the submission set's OID; a new ``2.25`` OID when None.
        submission_time: defaults to the composer's clock (UTC in the metadata).
        title: the submission set's name.
        sender_name, sender_address, sender_phone, application: README.TXT lines.
        local_timezone: the zone of CDA times written without an offset [inferred: France].
    """

    author_institution: Organisation | None = None
    author_person: Professional | None = None
    content_type: Code | None = None
    source_id: str | None = None
    unique_id: str | None = None
    submission_time: datetime | None = None
    title: str | None = None
    sender_name: str | None = None
    sender_address: str | None = None
    sender_phone: str | None = None
    application: str = "mssc"
    local_timezone: str = "Europe/Paris"


@dataclass(frozen=True)
class XdmEntry:
    """One DocumentEntry of ``METADATA.XML``, as read."""

    uri: str
    unique_id: str
    patient_id: str
    hash: str
    size: int
    mime_type: str
    title: str | None = None
    type_code: Code | None = None
    class_code: Code | None = None
    format_code: Code | None = None
    confidentiality: Code | None = None
    practice_setting: Code | None = None
    facility_type: Code | None = None
    creation_time: str | None = None
    language: str | None = None
    source_patient_id: str | None = None
    source_patient_info: tuple[str, ...] = ()
    author_person: str | None = None
    author_institution: str | None = None
    legal_authenticator: str | None = None
    service_start: str | None = None
    service_stop: str | None = None
    path: str = ""
    """Where the file is inside the zip."""


@dataclass(frozen=True)
class XdmPackage:
    """What :func:`read_xdm` found: the documents, their entries and the submission set."""

    subset: str
    documents: tuple[Document, ...]
    entries: tuple[XdmEntry, ...]
    submission: Submission
    patient_id: str | None
    readme: str | None = None
    names: tuple[str, ...] = ()
    """Every file name of the archive, in order."""

    @property
    def ins(self) -> Ins | None:
        """The submission set's patient INS, when its patientId is one."""
        return parse_patient_id(self.patient_id or "")


# --------------------------------------------------------------------------- formats


def format_patient_id(ins: Ins) -> str:
    """``<matricule>^^^&<OID>&ISO^NH`` [stated].

    >>> from mssc.ins import Ins
    >>> format_patient_id(Ins("279035121518989"))
    '279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH'
    """
    return f"{ins.matricule}^^^&{ins.oid}&ISO^NH"


def parse_patient_id(value: str) -> Ins | None:
    """The INS of a ``…^^^&OID&ISO^NH`` value, or None."""
    m = re.fullmatch(r"\s*([0-9AB]{15})\^\^\^&([0-9.]+)&ISO\^NH\s*", value or "")
    if m is None:
        return None
    try:
        return Ins(m.group(1), m.group(2))
    except ValueError:
        return None


_HL7_ESCAPES: Final = (
    ("\\", "\\E\\"),
    ("|", "\\F\\"),
    ("^", "\\S\\"),
    ("&", "\\T\\"),
    ("~", "\\R\\"),
)


def _hl7(value: str | None) -> str:
    """Escape the HL7 v2 delimiters of a component (``\\S\\`` for ``^``…)."""
    text = value or ""
    for raw, escaped in _HL7_ESCAPES:
        text = text.replace(raw, escaped)
    return text


_HL7_UNESCAPE: Final = {escaped[1]: raw for raw, escaped in _HL7_ESCAPES}


def _unhl7(value: str) -> str:
    return re.sub(r"\\([EFSTR])\\", lambda m: _HL7_UNESCAPE[m.group(1)], value)


def _xcn(who: Professional) -> str:
    return (
        f"{_hl7(who.idnat)}^{_hl7(who.family)}^{_hl7(who.given)}^^^^^^&{IDNAT_PS_OID}&ISO^D^^^IDNPS"
    )


def _xon(org: Organisation) -> str:
    return f"{_hl7(org.name)}^^^^^&{IDNAT_STRUCT_OID}&ISO^IDNST^^^{_hl7(org.idnat)}"


def _utc(value: datetime, zone: str) -> str:
    if value.tzinfo is None:
        try:
            tz = ZoneInfo(zone)
        except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
            raise InvalidDocument(
                f"the time zone {zone!r} of CDA times without an offset is unknown here",
                code="bad-value",
                hint="install the tzdata package, or write CDA times with their offset",
            ) from None
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")


def _oid_from(text: str) -> str:
    return "2.25." + str(uuid.uuid5(uuid.NAMESPACE_OID, text).int)


def _new_oid() -> str:
    # The top bit set: always 39 digits, so that sizes can be predicted.
    return "2.25." + str(uuid.uuid4().int | 1 << 127)


def settle(
    submission: Submission | None, documents: Sequence[Document], when: datetime
) -> Submission:
    """``submission`` with its time (``when`` when missing) and unique id fixed.

    The default unique id is derived from the documents' ids and the time (``2.25`` OID), so
    that the same call builds the same archive, octet for octet [inferred: any unique OID will
    do].
    """
    sub = submission or Submission()
    time = sub.submission_time or when
    unique = sub.unique_id or (
        "2.25."
        + str(
            uuid.uuid5(
                uuid.NAMESPACE_OID,
                "|".join([time.isoformat(), *(str(d.header.id) for d in documents)]),
            ).int
            | 1 << 127
        )
    )
    return Submission(
        **{
            **{k: getattr(sub, k) for k in sub.__dataclass_fields__},
            "submission_time": time,
            "unique_id": unique,
        }
    )


# --------------------------------------------------------------------------- writing


def _slot(name: str, *values: str) -> str:
    items = "".join(f"<Value>{escape_text(check_text(v, name))}</Value>" for v in values)
    return f'<Slot name="{escape_attribute(name)}"><ValueList>{items}</ValueList></Slot>'


def _name(value: str | None) -> str:
    if not value:
        return ""
    text = escape_attribute(check_text(value, "name"))
    return f'<Name><LocalizedString value="{text}"/></Name>'


def _classification(scheme: str, obj: str, ident: str, code: Code) -> str:
    return (
        f'<Classification classificationScheme="{_SCHEME[scheme]}" classifiedObject="{obj}" '
        f'id="{ident}" nodeRepresentation="{escape_attribute(code.code)}" '
        f'objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification">'
        f"{_slot('codingScheme', code.system)}{_name(code.display)}</Classification>"
    )


def _author(scheme: str, obj: str, ident: str, person: str | None, inst: str | None) -> str:
    slots = ""
    if person:
        slots += _slot("authorPerson", person)
    if inst:
        slots += _slot("authorInstitution", inst)
    return (
        f'<Classification classificationScheme="{_SCHEME[scheme]}" classifiedObject="{obj}" '
        f'id="{ident}" nodeRepresentation="" '
        f'objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification">'
        f"{slots}</Classification>"
    )


def _external(scheme: str, obj: str, ident: str, value: str, label: str) -> str:
    return (
        f'<ExternalIdentifier id="{ident}" identificationScheme="{_SCHEME[scheme]}" '
        f'objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:'
        f'ExternalIdentifier" registryObject="{obj}" value="{escape_attribute(value)}">'
        f"{_name(label)}</ExternalIdentifier>"
    )


@dataclass(frozen=True, slots=True)
class _Placed:
    document: Document
    name: str
    data: bytes


def _resolve(documents: Sequence[Document], submission: Submission) -> tuple[Ins, Submission]:
    if isinstance(documents, (bytes, str, Document)) or not documents:
        raise InvalidArchive(
            "an XDM needs at least one Document", code="no-document", hint="pass [Document(...)]"
        )
    for d in documents:
        if not isinstance(d, Document):
            raise InvalidArchive(
                f"expected Document values, not {type(d).__name__}", code="no-document"
            )
    patients = [d.header.patient.ins for d in documents]
    first = patients[0]
    if first is None or any(p is None for p in patients):
        raise PatientMismatch(
            "a CDA of the archive has no matricule INS in recordTarget/patientRole/id",
            code="patient-mismatch",
            hint="the receiver finds the patient from the INS (Ref#2 ECO.2.1.2): write the "
            "qualified INS in every CDA",
        )
    if any(p != first for p in patients):
        raise PatientMismatch(
            "the CDAs of one archive are about different patients: "
            + ", ".join(sorted({str(p) for p in patients})),
            code="patient-mismatch",
            hint="one IHE_XDM.zip carries the documents of one patient",
        )
    if not isinstance(submission, Submission):
        raise InvalidArchive("submission must be a Submission", code="no-document")
    institution = submission.author_institution or next(
        (d.header.author_organisation for d in documents if d.header.author_organisation), None
    )
    return first, Submission(
        **{
            **{k: getattr(submission, k) for k in submission.__dataclass_fields__},
            "author_institution": institution,
            "source_id": submission.source_id
            or _oid_from("mssc-source:" + (institution.idnat if institution else "unknown")),
            "unique_id": submission.unique_id or _new_oid(),
            "submission_time": submission.submission_time or datetime.now(timezone.utc),
        }
    )


def _metadata(placed: Sequence[_Placed], ins: Ins, sub: Submission) -> bytes:
    assert sub.unique_id is not None
    assert sub.submission_time is not None
    assert sub.source_id is not None
    zone = sub.local_timezone
    pid = format_patient_id(ins)
    seed = sub.unique_id

    def uid(*parts: object) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_OID, "/".join(map(str, [seed, *parts]))))

    ss = uid("ss")
    objects: list[str] = []
    inst = _xon(sub.author_institution) if sub.author_institution else None
    person = _xcn(sub.author_person) if sub.author_person else None
    ss_parts = [
        _slot("submissionTime", _utc(sub.submission_time, zone)),
        _name(sub.title),
        _author("ss.author", ss, uid("ss", "author"), person, inst),
    ]
    if sub.content_type is not None:
        ss_parts.append(_classification("ss.contentType", ss, uid("ss", "ct"), sub.content_type))
    ss_parts += [
        _external("ss.uniqueId", ss, uid("ss", "uid"), sub.unique_id, "XDSSubmissionSet.uniqueId"),
        _external("ss.sourceId", ss, uid("ss", "src"), sub.source_id, "XDSSubmissionSet.sourceId"),
        _external("ss.patientId", ss, uid("ss", "pid"), pid, "XDSSubmissionSet.patientId"),
    ]
    objects.append(
        f'<RegistryPackage id="{ss}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:'
        f'RegistryObject:RegistryPackage">{"".join(ss_parts)}</RegistryPackage>'
        f'<Classification classifiedObject="{ss}" classificationNode="{_SS_NODE}" '
        f'id="{uid("ss", "node")}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:'
        f'RegistryObject:Classification"/>'
    )
    for n, item in enumerate(placed, start=1):
        h = item.document.header
        de = uid("de", n)
        slots = [
            _slot("creationTime", _utc(h.effective_time, zone)),
            _slot("languageCode", h.language),
            _slot("hash", hashlib.sha1(item.data, usedforsecurity=False).hexdigest()),
            _slot("size", str(len(item.data))),
            _slot("URI", item.name),
        ]
        if h.legal_authenticator is not None:
            slots.append(_slot("legalAuthenticator", _xcn(h.legal_authenticator)))
        if h.service_start is not None:
            slots.append(_slot("serviceStartTime", _utc(h.service_start, zone)))
        if h.service_stop is not None:
            slots.append(_slot("serviceStopTime", _utc(h.service_stop, zone)))
        ipp = h.patient.ipp
        source_pid = f"{ipp.extension}^^^&{ipp.root}&ISO^PI" if ipp and ipp.extension else pid
        slots.append(_slot("sourcePatientId", source_pid))
        info = []
        if h.patient.birth_name:
            info.append(f"PID-5|{_hl7(h.patient.birth_name)}^{_hl7(h.patient.given)}^^^^^L")
        if h.patient.birth_date is not None:
            info.append(f"PID-7|{h.patient.birth_date.strftime('%Y%m%d')}")
        if h.patient.sex is not None:
            info.append(f"PID-8|{_SEX_PID8[h.patient.sex]}")
        if h.patient.birth_place:
            info.append(f"PID-11|^^^^^^BDL^^{h.patient.birth_place}")
        if info:
            slots.append(_slot("sourcePatientInfo", *info))
        parts = ["".join(slots), _name(h.title)]
        author_inst = h.author_organisation or sub.author_institution
        parts.append(
            _author(
                "de.author",
                de,
                uid("de", n, "author"),
                _xcn(h.author) if h.author else None,
                _xon(author_inst) if author_inst else None,
            )
        )
        doc = item.document
        for scheme, key, code in (
            ("de.class", "class", doc.class_code),
            ("de.confidentiality", "conf", h.confidentiality),
            ("de.format", "format", doc.format_code),
            ("de.facility", "facility", h.facility_type),
            ("de.practice", "practice", h.practice_setting),
            ("de.type", "type", h.code),
        ):
            if code is not None:
                parts.append(_classification(scheme, de, uid("de", n, key), code))
        parts.append(
            _external("de.patientId", de, uid("de", n, "pid"), pid, "XDSDocumentEntry.patientId")
        )
        parts.append(
            _external(
                "de.uniqueId", de, uid("de", n, "uid"), str(h.id), "XDSDocumentEntry.uniqueId"
            )
        )
        objects.append(
            f'<ExtrinsicObject id="{de}" mimeType="text/xml" objectType="{_DOC_TYPE}" '
            f'status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved">'
            f"{''.join(parts)}</ExtrinsicObject>"
        )
        objects.append(
            f'<Association associationType="{_HAS_MEMBER}" id="{uid("as", n)}" '
            f'objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association" '
            f'sourceObject="{ss}" targetObject="{de}">{_slot("SubmissionSetStatus", "Original")}'
            f"</Association>"
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<lcm:SubmitObjectsRequest xmlns:lcm="{_LCM}" xmlns="{_RIM}">'
        f"<RegistryObjectList>{''.join(objects)}</RegistryObjectList>"
        "</lcm:SubmitObjectsRequest>\n"
    )
    return text.encode("utf-8")


def _plain(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if unicodedata.category(ch)[0] != "C").strip()


def _readme(placed: Sequence[_Placed], sub: Submission) -> bytes:
    org = sub.author_institution
    lines = [
        "IHE_XDM - documents de sante (IHE ITI-32, XDM)",
        "",
        f"Expediteur : {_plain(sub.sender_name) or '-'}",
        f"Structure : {_plain(org.name) if org and org.name else '-'}"
        + (f" ({org.idnat})" if org else ""),
        f"Adresse : {_plain(sub.sender_address) or '-'}",
        f"Telephone : {_plain(sub.sender_phone) or '-'}",
        f"Application : {_plain(sub.application) or '-'}",
        "",
        "Ouvrez INDEX.HTM pour la liste des documents. Les documents sont au format CDA R2",
        f"dans IHE_XDM/{DEFAULT_SUBSET}, decrits par METADATA.XML.",
        "",
        "README.TXT",
        "INDEX.HTM",
        "IHE_XDM/",
        f"  {DEFAULT_SUBSET}/",
        "    METADATA.XML",
        *(f"    {p.name}" for p in placed),
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _index(placed: Sequence[_Placed], sub: Submission) -> bytes:
    def e(value: str | None) -> str:
        return html.escape(_plain(value), quote=True)

    rows = "".join(
        f'<li><a href="IHE_XDM/{DEFAULT_SUBSET}/{e(p.name)}">{e(p.name)}</a> : '
        f"{e(p.document.header.title)} ({e(p.document.header.code.code)})</li>"
        for p in placed
    )
    org = sub.author_institution
    page = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="fr" xml:lang="fr">'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>'
        "<title>Documents de sante</title></head><body>"
        f"<h1>Documents de sante</h1><p>Envoyes par {e(org.name if org else None) or '-'}.</p>"
        f'<ul>{rows}</ul><p><a href="README.TXT">README.TXT</a></p></body></html>\n'
    )
    return page.encode("utf-8")


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    t = when.astimezone(timezone.utc) if when.tzinfo is not None else when
    t = max(t.replace(tzinfo=None), datetime(1980, 1, 1))
    return (t.year, t.month, t.day, t.hour, t.minute, t.second - t.second % 2)


def build_xdm(documents: Sequence[Document], *, submission: Submission | None = None) -> bytes:
    """Build an ``IHE_XDM.zip`` holding ``documents`` (all about the same patient).

    Raises:
        InvalidArchive: ``no-document`` or ``duplicate-name``.
        PatientMismatch: ``patient-mismatch`` when a CDA has no INS or the CDAs are about
            different patients.
        InvalidDocument: ``bad-value`` for a value XML cannot carry.
    """
    ins, sub = _resolve(documents, submission or Submission())
    placed: list[_Placed] = []
    taken: set[str] = set()
    for n, d in enumerate(documents, start=1):
        name = d.name or f"DOC{n:04d}.XML"
        if name in taken or name == "METADATA.XML":
            raise InvalidArchive(
                f"two files would be named {name}", code="duplicate-name", hint="rename one"
            )
        taken.add(name)
        placed.append(_Placed(d, name, d.cda))
    assert sub.submission_time is not None
    stamp = _zip_time(sub.submission_time)
    files = [
        ("README.TXT", _readme(placed, sub)),
        ("INDEX.HTM", _index(placed, sub)),
        (f"IHE_XDM/{DEFAULT_SUBSET}/METADATA.XML", _metadata(placed, ins, sub)),
        *((f"IHE_XDM/{DEFAULT_SUBSET}/{p.name}", p.data) for p in placed),
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


# --------------------------------------------------------------------------- reading


def _refuse(code: str, message: str, hint: str = "", *, path: str = "") -> InvalidArchive:
    return InvalidArchive(
        message, code=code, hint=hint or "this archive cannot be trusted", path=path
    )


def _path_problem(name: str) -> str | None:
    if not name or "\\" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "is absolute or uses backslashes"
    if any(part in ("..", ".") for part in name.split("/")):
        return "climbs out of the archive"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        return "holds control characters"
    return None


def _codes(element: ET.Element, scheme: str) -> Code | None:
    for c in element.findall(f"{_R}Classification"):
        if c.get("classificationScheme") == _SCHEME[scheme]:
            system = _slot_values(c, "codingScheme")
            name = c.find(f"{_R}Name/{_R}LocalizedString")
            code = c.get("nodeRepresentation") or ""
            if not code or not system:
                return None
            try:
                return Code(code, system[0], name.get("value") if name is not None else None)
            except InvalidDocument:
                return None
    return None


def _slot_values(element: ET.Element, name: str) -> list[str]:
    for s in element.findall(f"{_R}Slot"):
        if s.get("name") == name:
            return [(v.text or "").strip() for v in s.findall(f"{_R}ValueList/{_R}Value")]
    return []


def _slot1(element: ET.Element, name: str) -> str | None:
    values = _slot_values(element, name)
    return values[0] if values else None


def _external_value(element: ET.Element, scheme: str) -> str | None:
    for x in element.findall(f"{_R}ExternalIdentifier"):
        if x.get("identificationScheme") == _SCHEME[scheme]:
            return x.get("value")
    return None


def _author_slots(element: ET.Element, scheme: str) -> tuple[str | None, str | None]:
    for c in element.findall(f"{_R}Classification"):
        if c.get("classificationScheme") == _SCHEME[scheme]:
            return _slot1(c, "authorPerson"), _slot1(c, "authorInstitution")
    return None, None


def _parse_xon(value: str | None) -> Organisation | None:
    if not value:
        return None
    fields = value.split("^")
    if len(fields) < 10:
        return None
    try:
        return Organisation(_unhl7(fields[9]), _unhl7(fields[0]) or None)
    except InvalidDocument:
        return None


def _parse_xcn(value: str | None) -> Professional | None:
    if not value:
        return None
    fields = value.split("^")
    if len(fields) < 3:
        return None
    try:
        return Professional(_unhl7(fields[0]), _unhl7(fields[1]), _unhl7(fields[2]) or None)
    except InvalidDocument:
        return None


def _read_time(value: str | None) -> datetime | None:
    if not value or not re.fullmatch(r"\d{14}", value):
        return None
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise _refuse(
            "not-zip", f"{info.filename} cannot be read: {exc}", path=info.filename
        ) from None
    if len(data) > limit:
        raise _refuse("zip-bomb", f"{info.filename} is larger than it says", path=info.filename)
    return data


def read_xdm(
    data: bytes,
    *,
    max_total: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = MAX_COMPRESSION_RATIO,
    max_metadata: int = MAX_METADATA_BYTES,
    max_entries: int = MAX_ARCHIVE_ENTRIES,
) -> XdmPackage:
    """Read an ``IHE_XDM.zip``: its METADATA.XML, and each document it names, checked against
    its hash and size. Any subset name is accepted (``SUBSET01``, ``SS000001``…); the first
    subset that holds a METADATA.XML is read. URIs may be bare names or include the folder.

    Raises:
        InvalidArchive: ``not-zip``, ``zip-bomb``, ``too-many-entries``, ``unsafe-path``,
            ``duplicate-name``, ``encrypted``, ``metadata-too-large``, ``no-metadata``,
            ``bad-metadata``, ``missing-file``, ``hash-mismatch`` or ``size-mismatch``.
        InvalidDocument: a CDA of the archive cannot be read.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_xdm() expects bytes, not {type(data).__name__}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise _refuse("not-zip", f"not a zip archive: {exc}", "attach a real IHE_XDM.zip") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise _refuse("too-many-entries", f"the archive has {len(infos)} entries")
        by_name: dict[str, zipfile.ZipInfo] = {}
        folded: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            problem = _path_problem(name)
            if problem is not None:
                raise _refuse("unsafe-path", f"the entry {name!r} {problem}", path=name)
            if name.casefold() in folded:
                raise _refuse("duplicate-name", f"the entry {name!r} appears twice", path=name)
            folded.add(name.casefold())
            if info.flag_bits & 0x1:
                raise _refuse("encrypted", f"the entry {name!r} is encrypted", path=name)
            total += info.file_size
            if total > max_total:
                raise _refuse("zip-bomb", f"the archive expands to more than {max_total:,} octets")
            if info.file_size > 1_000_000 and info.file_size > max_ratio * max(
                info.compress_size, 1
            ):
                raise _refuse(
                    "zip-bomb",
                    f"the entry {name!r} expands {info.file_size // max(info.compress_size, 1)}"
                    " times",
                )
            by_name[name] = info
        metadata_path = next(
            (
                n
                for n in by_name
                if re.fullmatch(r"IHE_XDM/[^/]+/METADATA\.XML", n, flags=re.IGNORECASE)
            ),
            None,
        )
        if metadata_path is None:
            raise _refuse("no-metadata", "no IHE_XDM/<subset>/METADATA.XML in the archive")
        meta_info = by_name[metadata_path]
        if meta_info.file_size > max_metadata:
            raise _refuse(
                "metadata-too-large",
                f"METADATA.XML has {meta_info.file_size:,} octets, over {max_metadata:,}",
            )
        folder = metadata_path.rsplit("/", 1)[0]
        subset = folder.split("/", 1)[1]
        try:
            root = parse(_member(archive, meta_info, max_metadata), max_bytes=max_metadata)
        except InvalidDocument as exc:
            raise _refuse(
                "bad-metadata", f"METADATA.XML: {exc.message}", path=metadata_path
            ) from None
        registry = root.find(f"{_R}RegistryObjectList")
        if registry is None:
            raise _refuse("bad-metadata", "METADATA.XML has no rim:RegistryObjectList")
        package = registry.find(f"{_R}RegistryPackage")
        ss_pid = _external_value(package, "ss.patientId") if package is not None else None
        entries: list[XdmEntry] = []
        documents: list[Document] = []
        lookup = {n.casefold(): n for n in by_name}
        for obj in registry.findall(f"{_R}ExtrinsicObject"):
            uri = _slot1(obj, "URI")
            digest = (_slot1(obj, "hash") or "").lower()
            size_text = _slot1(obj, "size") or ""
            if not uri or not digest or not size_text.isdigit():
                raise _refuse("bad-metadata", "a DocumentEntry lacks its URI, hash or size")
            problem = _path_problem(uri)
            if problem is not None:
                raise _refuse("unsafe-path", f"the URI {uri!r} {problem}")
            candidates = [f"{folder}/{uri}", uri, f"IHE_XDM/{uri}"]
            path = next((lookup[c.casefold()] for c in candidates if c.casefold() in lookup), None)
            if path is None:
                raise _refuse(
                    "missing-file",
                    f"METADATA.XML names {uri!r}, which is not in the archive",
                    path=metadata_path,
                )
            content = _member(archive, by_name[path], max_total)
            if len(content) != int(size_text):
                raise _refuse(
                    "size-mismatch",
                    f"{path} has {len(content)} octets, METADATA.XML says {size_text}",
                    path=path,
                )
            if hashlib.sha1(content, usedforsecurity=False).hexdigest() != digest:
                raise _refuse(
                    "hash-mismatch", f"the SHA-1 of {path} is not METADATA.XML's", path=path
                )
            person, inst = _author_slots(obj, "de.author")
            name_el = obj.find(f"{_R}Name/{_R}LocalizedString")
            entry = XdmEntry(
                uri=uri,
                unique_id=_external_value(obj, "de.uniqueId") or "",
                patient_id=_external_value(obj, "de.patientId") or "",
                hash=digest,
                size=int(size_text),
                mime_type=obj.get("mimeType") or "",
                title=name_el.get("value") if name_el is not None else None,
                type_code=_codes(obj, "de.type"),
                class_code=_codes(obj, "de.class"),
                format_code=_codes(obj, "de.format"),
                confidentiality=_codes(obj, "de.confidentiality"),
                practice_setting=_codes(obj, "de.practice"),
                facility_type=_codes(obj, "de.facility"),
                creation_time=_slot1(obj, "creationTime"),
                language=_slot1(obj, "languageCode"),
                source_patient_id=_slot1(obj, "sourcePatientId"),
                source_patient_info=tuple(_slot_values(obj, "sourcePatientInfo")),
                author_person=person,
                author_institution=inst,
                legal_authenticator=_slot1(obj, "legalAuthenticator"),
                service_start=_slot1(obj, "serviceStartTime"),
                service_stop=_slot1(obj, "serviceStopTime"),
                path=path,
            )
            entries.append(entry)
            base = path.rsplit("/", 1)[-1]
            documents.append(
                Document(
                    cda=content,
                    name=base if _NAME_83.fullmatch(base) else None,
                    class_code=entry.class_code,
                    format_code=entry.format_code,
                )
            )
        if not entries:
            raise _refuse("bad-metadata", "METADATA.XML lists no DocumentEntry")
        submission = Submission()
        if package is not None:
            person, inst = _author_slots(package, "ss.author")
            title = package.find(f"{_R}Name/{_R}LocalizedString")
            submission = Submission(
                author_institution=_parse_xon(inst),
                author_person=_parse_xcn(person),
                content_type=_codes(package, "ss.contentType"),
                source_id=_external_value(package, "ss.sourceId"),
                unique_id=_external_value(package, "ss.uniqueId"),
                submission_time=_read_time(_slot1(package, "submissionTime")),
                title=title.get("value") if title is not None else None,
            )
        readme_info = next((i for n, i in by_name.items() if n.upper() == "README.TXT"), None)
        readme = None
        if readme_info is not None and readme_info.file_size <= max_metadata:
            readme = _member(archive, readme_info, max_metadata).decode("utf-8", "replace")
        return XdmPackage(
            subset=subset,
            documents=tuple(documents),
            entries=tuple(entries),
            submission=submission,
            patient_id=ss_pid,
            readme=readme,
            names=tuple(by_name),
        )
