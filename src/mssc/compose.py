"""Compose conformant MSS-C messages: senders, the composer and the composed message.

>>> from datetime import datetime, timezone
>>> from mssc.headers import SequentialMessageIds
>>> composer = Composer(
...     "DEV935997",
...     clock=lambda: datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc),
...     message_ids=SequentialMessageIds("doc"),
... )
>>> sender = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
>>> sent = composer.compose(
...     sender=sender, to="279035121518989@patient.mssante.fr",
...     subject="Votre convocation", text="Bonjour,\\nVoici votre convocation.\\n",
... )
>>> sent.message_id, sent.envelope.rcpt_to
('<doc.000001@chu-exemple.mssante.fr>', ('279035121518989@patient.mssante.fr',))
>>> sent.size == len(sent.to_bytes())
True
"""

from __future__ import annotations

import binascii
import dataclasses
import email.errors
import importlib
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy as _policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import format_datetime
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, overload

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from typing_extensions import Required, TypedDict, Unpack

from mssc.addresses import (
    PATIENT_DOMAIN,
    TEST_RESPONDER,
    is_mssante_address,
    normalize_address,
    parse_patient_address,
    patient_address,
)
from mssc.attachments import (
    DEFAULT_OUTBOUND_POLICY,
    Attachment,
    AttachmentPolicy,
    safe_filename,
    unique_filenames,
)
from mssc.errors import (
    AccidentalClosure,
    HeaderInjection,
    InvalidMessage,
    InvalidSender,
    MsscError,
)
from mssc.headers import (
    MAX_REFERENCES,
    MessageIdFactory,
    ParentMessage,
    ThreadHeaders,
    check_header_value,
    contains_fin_word,
    decode_encoded_words,
    fold_msg_ids,
    make_message_id,
    parent_info,
    parse_msg_id,
    reply_subject,
    stable_token,
    thread_headers,
    xtext,
)
from mssc.identifiers import parse_idnat
from mssc.ins import Ins, PatientIdentity
from mssc.size import MAX_MESSAGE_BYTES, PlannedMessage, base64_body_size, pack_attachments
from mssc.size import too_large as _too_large

if TYPE_CHECKING:
    from mssc._documents import DocumentsPart as _DocumentsPart

__all__ = [
    "CLOSURE_SUBJECT",
    "SINGLETON_HEADERS",
    "BoxKind",
    "ComposedMessage",
    "Composer",
    "Draft",
    "DraftKeywords",
    "Envelope",
    "Sender",
]

#: The exact subject of a closure message (ANS FAQ MES).
CLOSURE_SUBJECT: Final = "[FIN]"
#: Headers that mssc writes once on every message; extra headers may not use these names.
SINGLETON_HEADERS: Final = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "X-MSS-NIL",
)
# Names that only mssc may write (lower case), beyond SINGLETON_HEADERS.
_RESERVED_HEADERS: Final = frozenset(
    {h.lower() for h in SINGLETON_HEADERS}
    | {
        "in-reply-to",
        "references",
        "reply-to",
        "disposition-notification-to",
        "x-mss-mes",
        "cc",
        "bcc",
        "sender",
        "return-path",
        "received",
        "delivered-to",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "content-id",
        "content-description",
        # Headers that would send copies, receipts or replies elsewhere than the boxes mssc
        # checked (RFC 5322 Resent-*, legacy receipt and reply headers).
        "return-receipt-to",
        "errors-to",
        "mail-followup-to",
        "mail-reply-to",
        "disposition-notification-options",
        "original-recipient",
    }
)
# Whole families that only mssc may write: the MIME structure and resent blocks.
_RESERVED_PREFIXES: Final = ("content-", "resent-")
_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]{1,76}")
_MAX_LABEL: Final = 200
_MAX_LINE: Final = 998
# A CR or LF that is not part of a CRLF pair, or a NUL: never valid in what mssc transmits.
_BARE_LINE_END = re.compile(rb"\r(?!\n)|(?<!\r)\n|\x00")
_SURROGATE = re.compile("[\ud800-\udfff]")

PatientTarget = Ins | PatientIdentity | str
ParentLike = bytes | str | Message | ParentMessage


class BoxKind(str, Enum):
    """The kind of MSSanté box that sends (Annuaire Santé ``typeBAL``)."""

    PERSONAL = "PER"
    """A personal box (one professional)."""
    ORGANISATIONAL = "ORG"
    """An organisational box (a department, a secretariat)."""
    APPLICATIVE = "APP"
    """An applicative box: software that sends automatically."""


def _clean(value: str, field_name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field_name} must be a str, not {type(value).__name__}")
    check_header_value(value, field=field_name)
    # RFC 2047 encoded words given by the caller stand for their text: the stdlib would decode
    # them anyway, so decode them here (after the control-character check) and let it re-encode.
    return " ".join(unicodedata.normalize("NFC", decode_encoded_words(value)).split())


def _visible(text: str) -> bool:
    """Whether ``text`` shows anything: not only white space and invisible format characters."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def _mssante(address: str, field_name: str) -> str:
    if not isinstance(address, str):
        raise TypeError(f"{field_name} must be a str, not {type(address).__name__}")
    check_header_value(address, field=field_name)
    # The patient domain's whole name space belongs to Mon espace santé, not to a professional.
    if not is_mssante_address(address) or (
        normalize_address(address).rpartition("@")[2].endswith("." + PATIENT_DOMAIN)
    ):
        raise InvalidSender(
            f"{field_name} {address!r} is not a professional MSSanté address",
            code="not-mssante",
            hint="use a box of the MSSanté trust domain, such as secretariat@chu.mssante.fr",
        )
    return normalize_address(address)


def _structure_id(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("structure_id must be a str")
    return str(parse_idnat(value, scope="structure"))


def _same_box(a: str, b: str) -> bool:
    # Mail systems treat the local part of a box case-insensitively in practice.
    return normalize_address(a).lower() == normalize_address(b).lower()


class Sender(BaseModel):
    """The MSSanté box a message is sent from, with its ``From:`` label (Ref#2 ECO.2.2.7).

    Build it with :meth:`personal`, :meth:`organisational` or :meth:`applicative`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    """The sending box, a professional MSSanté address (``…@….mssante.fr``)."""
    kind: BoxKind
    """Personal, organisational or applicative."""
    label: str
    """The display name written in ``From:``."""
    return_address: str | None = None
    """An organisational box for ``Reply-To:`` (required for applicative boxes)."""
    structure_id: str | None = None
    """The structure's idNat_Struct (``1`` + FINESS, ``2`` + SIREN, ``3`` + SIRET…): the
    default ``authorInstitution`` and custodian of the Ségur documents it sends."""
    structure_name: str | None = None
    """The structure's name (defaults to the label of an organisational or applicative box)."""

    @property
    def structure(self) -> Any:
        """The structure as an :class:`mssc.cda.Organisation`, or None without ``structure_id``."""
        if self.structure_id is None:
            return None
        cda = importlib.import_module("mssc.cda")
        name = self.structure_name or (None if self.kind is BoxKind.PERSONAL else self.label)
        return cda.Organisation(self.structure_id, name)

    @field_validator("address")
    @classmethod
    def _check_address(cls, value: str) -> str:
        return _mssante(value, "address")

    @field_validator("return_address")
    @classmethod
    def _check_return(cls, value: str | None) -> str | None:
        return None if value is None else _mssante(value, "return_address")

    @field_validator("structure_id")
    @classmethod
    def _check_structure(cls, value: str | None) -> str | None:
        return None if value is None else _structure_id(value)

    @field_validator("label")
    @classmethod
    def _check_label(cls, value: str) -> str:
        cleaned = _clean(value, "label")
        if not _visible(cleaned) or len(cleaned) > _MAX_LABEL:
            raise InvalidSender(
                f"the label {value!r} is empty or longer than {_MAX_LABEL} characters",
                code="bad-label",
                hint="give the sender a meaningful display name (Ref#2 ECO.2.2.7)",
            )
        return cleaned

    @model_validator(mode="after")
    def _check_kind(self) -> Sender:
        if self.kind is BoxKind.APPLICATIVE:
            if self.return_address is None:
                raise InvalidSender(
                    "an applicative box needs a return address",
                    code="missing-return",
                    hint="pass return_address= an organisational box that a person reads",
                )
            if _same_box(self.return_address, self.address):
                raise InvalidSender(
                    "the return address of an applicative box must be another box",
                    code="missing-return",
                    hint="replies must reach a person: use an organisational box",
                )
        return self

    @property
    def domain(self) -> str:
        """The domain of the sending box (Message-IDs are generated on it)."""
        return self.address.rpartition("@")[2]

    @classmethod
    def _build(cls, **values: Any) -> Sender:
        # Run the mssc checks first so callers get MsscError subclasses, not ValidationError.
        _mssante(values["address"], "address")
        if values.get("return_address") is not None:
            _mssante(values["return_address"], "return_address")
        cls._check_label(values["label"])
        if values.get("structure_id") is not None:
            values["structure_id"] = _structure_id(values["structure_id"])
        if values.get("structure_name") is not None:
            values["structure_name"] = _clean(values["structure_name"], "structure_name")
        if values["kind"] is BoxKind.APPLICATIVE and values.get("return_address") is None:
            raise InvalidSender(
                "an applicative box needs a return address",
                code="missing-return",
                hint="pass return_address= an organisational box that a person reads",
            )
        if values["kind"] is BoxKind.APPLICATIVE and _same_box(
            values["return_address"], values["address"]
        ):
            raise InvalidSender(
                "the return address of an applicative box must be another box",
                code="missing-return",
                hint="replies must reach a person: use an organisational box",
            )
        return cls(**values)

    def _checked(self) -> Sender:
        """This sender with every check run again: ``model_copy(update=…)`` and
        ``model_construct`` skip pydantic validation, so the composer does not trust them."""
        try:
            kind = BoxKind(self.kind)
        except ValueError:
            raise InvalidMessage(
                f"{self.kind!r} is not a box kind", code="bad-argument", hint="use BoxKind"
            ) from None
        return Sender._build(
            address=self.address,
            kind=kind,
            label=self.label,
            return_address=self.return_address,
            structure_id=self.structure_id,
            structure_name=self.structure_name,
        )

    @classmethod
    def personal(
        cls,
        address: str,
        *,
        first_name: str,
        last_name: str,
        title: str | None = None,
        entity: str | None = None,
        return_address: str | None = None,
        structure_id: str | None = None,
        structure_name: str | None = None,
    ) -> Sender:
        """A personal box; the label is ``<Titre>_<Prénom>_<NOM>_<Entité>``, NOM upper case.

        >>> Sender.personal("marie.martin@chu.mssante.fr", first_name="Marie",
        ...     last_name="Martin", title="Dr", entity="Cardiologie").label
        'Dr_Marie_MARTIN_Cardiologie'

        Raises:
            InvalidSender: ``not-mssante`` or ``bad-label``.
            HeaderInjection: ``control-character`` in any part.
        """
        first = _clean(first_name, "first_name")
        last = _clean(last_name, "last_name").upper()
        if not first or not last:
            raise InvalidSender(
                "a personal label needs a first name and a last name",
                code="bad-label",
                hint="Ref#2 ECO.2.2.7: <Titre>_<Prénom>_<NOM>_<Entité>, first and last name "
                "mandatory",
            )
        parts = [
            _clean(title, "title") if title is not None else "",
            first,
            last,
            _clean(entity, "entity") if entity is not None else "",
        ]
        label = "_".join(p for p in parts if p)
        return cls._build(
            address=address,
            kind=BoxKind.PERSONAL,
            label=label,
            return_address=return_address,
            structure_id=structure_id,
            structure_name=structure_name,
        )

    @classmethod
    def organisational(
        cls,
        address: str,
        *,
        entity: str,
        return_address: str | None = None,
        structure_id: str | None = None,
        structure_name: str | None = None,
    ) -> Sender:
        """An organisational box; the label is the entity (e.g. ``Hôpital C – Biologie``).

        ``structure_id`` is the idNat_Struct of the structure (for Ségur documents)."""
        return cls._build(
            address=address,
            kind=BoxKind.ORGANISATIONAL,
            label=_clean(entity, "entity"),
            return_address=return_address,
            structure_id=structure_id,
            structure_name=structure_name,
        )

    @classmethod
    def applicative(
        cls,
        address: str,
        *,
        entity: str,
        return_address: str,
        structure_id: str | None = None,
        structure_name: str | None = None,
    ) -> Sender:
        """An applicative box; ``return_address`` (another, organisational, box) is required so
        that the patient's replies reach a person.
        """
        return cls._build(
            address=address,
            kind=BoxKind.APPLICATIVE,
            label=_clean(entity, "entity"),
            return_address=return_address,
            structure_id=structure_id,
            structure_name=structure_name,
        )


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SMTP envelope, ready for ``smtplib.SMTP.sendmail(mail_from, rcpt_to, data,
    mail_options, rcpt_options)``.

    The DSN parameters (RFC 3461) ask for a report on failure or delay only, with the headers of
    the message, which is how Ref#2's delivery-notification requirement is met.
    """

    mail_from: str
    rcpt_to: tuple[str, ...]
    mail_options: tuple[str, ...] = ()
    rcpt_options: tuple[str, ...] = ()

    def without_dsn(self) -> Envelope:
        """A copy without DSN parameters, for a relay that does not announce ``DSN``."""
        return Envelope(self.mail_from, self.rcpt_to)


@dataclass(frozen=True)
class ComposedMessage:
    """A composed message: exact bytes, envelope and a stdlib view.

    Attributes:
        message_id: the Message-ID, with angle brackets.
        subject: the subject as written.
        patient: the recipient's INS (None for the MES test responder).
        sender: the sending box.
        envelope: the SMTP envelope with DSN parameters.
        size: ``len(to_bytes())``.
    """

    message_id: str
    subject: str
    patient: Ins | None
    sender: Sender
    envelope: Envelope
    size: int
    _data: bytes = field(repr=False)

    def to_bytes(self) -> bytes:
        """The exact bytes to transmit (CRLF line ends). Serialized once; always the same object."""
        return self._data

    @cached_property
    def message(self) -> EmailMessage:
        """The message as a stdlib ``EmailMessage``, parsed from :meth:`to_bytes` on first use.

        It is a view: changing it does not change :meth:`to_bytes`.
        """
        parsed = BytesParser(policy=_policy.SMTP).parsebytes(self._data)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _RawHeader(str):
    """A header value that mssc folded itself (msg-id lists): written verbatim."""


class _Policy(EmailPolicy):
    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, _RawHeader):
            return (name, str(value))
        return super().header_store_parse(name, value)


_POLICY_OPTIONS: dict[str, Any] = {
    "linesep": "\r\n",
    "max_line_length": 78,
    "refold_source": "none",
}
if hasattr(_policy.default, "verify_generated_headers"):  # pragma: no cover - Python >= 3.11.10
    _POLICY_OPTIONS["verify_generated_headers"] = True
_POLICY: Final = _Policy(**_POLICY_OPTIONS)
_HEADER_WRITE_ERRORS: tuple[type[Exception], ...] = tuple(
    e for e in (getattr(email.errors, "HeaderWriteError", None),) if isinstance(e, type)
)


_NOT_7BIT_SAFE = re.compile(r"[^\t\n\r\x20-\x7e]")


def _text_cte(text: str) -> str:
    # 7bit only for printable ASCII in short lines: a NUL (RFC 2045 forbids it in 7bit) or any
    # other control character goes quoted-printable, where it is written as =XX.
    if not _NOT_7BIT_SAFE.search(text) and all(len(line) <= 76 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


@dataclass(slots=True)
class _Skeleton:
    """A serialized message with one placeholder line per attachment body."""

    data: bytes
    placeholders: list[bytes]
    contents: list[bytes]
    size: int


@dataclass(frozen=True, slots=True)
class _Built:
    """What :meth:`Composer._skeleton` made: the skeleton and the checked values."""

    skeleton: _Skeleton
    msg_id: str
    subject: str
    patient: Ins | None
    files: tuple[Attachment, ...]
    sender: Sender


def _write_base64(out: memoryview, pos: int, content: bytes) -> int:
    """Write ``content`` as base64 with 76-character CRLF lines at ``out[pos:]``; return the end.

    The content is encoded by blocks of 1024 lines (one C call each), so the temporary memory
    stays small whatever the attachment size.
    """
    view = memoryview(content)
    full = len(content) // 57 * 57
    block = 57 * 1024
    for start in range(0, full, block):
        encoded = binascii.b2a_base64(view[start : min(start + block, full)], newline=False)
        lines = b"\r\n".join([encoded[i : i + 76] for i in range(0, len(encoded), 76)])
        out[pos : pos + len(lines)] = lines
        pos += len(lines)
        out[pos : pos + 2] = b"\r\n"
        pos += 2
    if full < len(content):
        tail = binascii.b2a_base64(view[full:], newline=False) + b"\r\n"
        out[pos : pos + len(tail)] = tail
        pos += len(tail)
    return pos


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything one message says, before it is composed: the value that
    :meth:`Composer.compose`, :meth:`Composer.estimate_size` and :meth:`Composer.plan_split` take.

    The fields are the :meth:`Composer.compose` keywords. A draft is not checked when it is
    built: the composer checks it (and raises the usual coded errors) when it composes it. Use
    :meth:`replace` to derive a variant.

    >>> sender = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
    >>> draft = Draft(sender=sender, to="279035121518989@patient.mssante.fr",
    ...     subject="Votre convocation", text="Bonjour\\n")
    >>> draft.replace(subject="Rappel").subject
    'Rappel'
    """

    sender: Sender
    """The sending box."""
    to: PatientTarget
    """An :class:`~mssc.ins.Ins`, a qualified :class:`~mssc.ins.PatientIdentity` or a patient
    address."""
    subject: str
    """The subject."""
    text: str
    """The ``text/plain`` body."""
    html: str | None = None
    """An optional HTML alternative."""
    attachments: Sequence[Attachment] = ()
    """Files, checked against the composer's attachment policy (kept as a tuple)."""
    read_receipt: bool = False
    """Ask for an MDN."""
    close_conversation: bool = False
    """Add ``X-MSS-MES: FIN``."""
    in_reply_to: ParentLike | None = None
    """The parent message, for threading."""
    extra_headers: Mapping[str, str] | None = None
    """More headers (kept as a read-only mapping)."""
    allow_fin_word: bool = False
    """Accept the word FIN in the subject without closing."""
    message_id: str | None = None
    """A fixed Message-ID, else the composer makes one."""
    documents: Sequence[Any] = ()
    """Ségur documents (:class:`mssc.xdm.Document`) sent as ``IHE_XDM.zip`` plus one PDF each,
    see :meth:`Composer.compose_documents` (kept as a tuple)."""
    submission: Any = None
    """The :class:`mssc.xdm.Submission` of the documents, or None for the defaults."""

    def __post_init__(self) -> None:
        # Freeze the containers the caller gave; wrong kinds stay as they are so that the
        # composer reports them with its coded errors.
        if isinstance(self.attachments, list):
            object.__setattr__(self, "attachments", tuple(self.attachments))
        if isinstance(self.documents, list):
            object.__setattr__(self, "documents", tuple(self.documents))
        if isinstance(self.extra_headers, Mapping) and not isinstance(
            self.extra_headers, MappingProxyType
        ):
            object.__setattr__(self, "extra_headers", MappingProxyType(dict(self.extra_headers)))

    def replace(self, **changes: Any) -> Draft:
        """A copy with ``changes`` applied (same keywords as the fields)."""
        return dataclasses.replace(self, **changes)


class DraftKeywords(TypedDict, total=False):
    """The keywords that :meth:`Composer.compose`, :meth:`Composer.estimate_size`,
    :meth:`Composer.plan_split` and :meth:`Composer.compose_split` take instead of a
    :class:`Draft`: its fields, of which ``sender``, ``to``, ``subject`` and ``text`` are
    required (a type checker then flags a missing or misspelt keyword)."""

    sender: Required[Sender]
    to: Required[PatientTarget]
    subject: Required[str]
    text: Required[str]
    html: str | None
    attachments: Sequence[Attachment]
    read_receipt: bool
    close_conversation: bool
    in_reply_to: ParentLike | None
    extra_headers: Mapping[str, str] | None
    allow_fin_word: bool
    message_id: str | None
    documents: Sequence[Any]
    submission: Any


_DRAFT_FIELDS: Final = tuple(f.name for f in dataclasses.fields(Draft))


def _draft_of(draft: Draft | None, given: Mapping[str, Any]) -> Draft:
    """The draft of a composer call: the one given, or one built from the keywords."""
    unknown = sorted(k for k in given if k not in _DRAFT_FIELDS)
    if unknown:
        raise InvalidMessage(
            f"unknown keyword {', '.join(unknown)}",
            code="bad-argument",
            hint=f"the keywords are a Draft's fields: {', '.join(_DRAFT_FIELDS)}",
        )
    if draft is not None:
        if not isinstance(draft, Draft):
            raise InvalidMessage(
                f"expected a Draft, not {type(draft).__name__}",
                code="bad-argument",
                hint="pass a Draft, or the keywords sender=, to=, subject=, text=",
            )
        if given:
            raise InvalidMessage(
                f"a Draft and the keywords {', '.join(sorted(given))} were both given",
                code="bad-argument",
                hint="use draft.replace(...) to change a draft",
            )
        return draft
    missing = [k for k in ("sender", "to", "subject", "text") if k not in given]
    if missing:
        raise InvalidMessage(
            f"missing {', '.join(missing)}",
            code="bad-argument",
            hint="pass a Draft, or at least sender=, to=, subject= and text=",
        )
    return Draft(**given)


class Composer:
    """Builds MSS-C messages with every MSSanté, Ségur and MES rule applied.

    Args:
        product_reference: the software's Ségur product reference, written in ``X-MSS-NIL``
            (Ref#2 ECO.2.4.3), e.g. ``"DEV935997"``.
        clock: returns the ``Date:``; defaults to the system clock (local time with its offset).
        message_ids: a :data:`~mssc.headers.MessageIdFactory`, called with the sender's domain;
            defaults to :func:`~mssc.headers.make_message_id` (random, constant length).
        max_size: the limit for the whole encoded message, in octets.
        attachment_policy: the whitelist; defaults to :meth:`AttachmentPolicy.outbound`.
        max_references: how many ids ``References`` keeps at most.

    Raises:
        InvalidMessage: ``bad-product-reference`` or ``bad-limit``.
    """

    def __init__(
        self,
        product_reference: str,
        *,
        clock: Callable[[], datetime] | None = None,
        message_ids: MessageIdFactory | None = None,
        max_size: int = MAX_MESSAGE_BYTES,
        attachment_policy: AttachmentPolicy | None = None,
        max_references: int = MAX_REFERENCES,
    ) -> None:
        if not isinstance(product_reference, str) or not re.fullmatch(
            r"[\x21-\x7e]{1,64}", product_reference
        ):
            raise InvalidMessage(
                f"{product_reference!r} is not a product reference",
                code="bad-product-reference",
                hint="pass the Ségur product reference from convergence.esante.gouv.fr "
                "(printable ASCII, no spaces), e.g. DEV935997",
            )
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size <= 0:
            raise InvalidMessage(
                f"{max_size!r} is not a size limit", code="bad-limit", hint="pass octets, > 0"
            )
        if isinstance(max_references, bool) or not isinstance(max_references, int):
            raise InvalidMessage("max_references must be an int", code="bad-limit")
        if max_references < 2:
            raise InvalidMessage("max_references must be at least 2", code="bad-limit")
        self.product_reference: Final = product_reference
        self.max_size: Final = max_size
        self.attachment_policy: Final = attachment_policy or DEFAULT_OUTBOUND_POLICY
        self.max_references: Final = max_references
        self._clock = clock or (lambda: datetime.now().astimezone())
        self._message_ids = message_ids or make_message_id

    # ------------------------------------------------------------------ public API

    @overload
    def compose(self, draft: Draft, /) -> ComposedMessage: ...

    @overload
    def compose(self, /, **keywords: Unpack[DraftKeywords]) -> ComposedMessage: ...

    def compose(self, draft: Draft | None = None, /, **keywords: Any) -> ComposedMessage:
        """Compose one message to one patient, from a :class:`Draft` or from its keywords.

        Args:
            draft: the whole message as one value (then give no keyword).
            sender: the sending box.
            to: an :class:`~mssc.ins.Ins`, a qualified :class:`~mssc.ins.PatientIdentity`, or a
                patient address (or matricule).
            subject: the subject; the standalone word FIN is refused unless
                ``close_conversation`` or ``allow_fin_word``.
            text: the ``text/plain`` UTF-8 body.
            html: an optional HTML alternative (the body becomes ``multipart/alternative``).
            attachments: files, checked against the attachment policy.
            read_receipt: ask for an MDN (``Disposition-Notification-To:`` the return address,
                else the sender).
            close_conversation: add ``X-MSS-MES: FIN`` (the patient can no longer reply).
            in_reply_to: a parent message (bytes, ``Message`` or a parsed patient message).
            extra_headers: more headers, checked like every value.
            allow_fin_word: accept the word FIN in the subject without closing.
            message_id: use this Message-ID (``<left@sender-domain>``) instead of a new one.

        Raises:
            MsscError: one of AttachmentRejected, AccidentalClosure, HeaderInjection,
                InvalidAddress, InvalidMessage, MessageTooLarge, UnqualifiedIdentity,
                PatientMismatch.
        """
        return self._compose(_draft_of(draft, keywords))

    @overload
    def estimate_size(self, draft: Draft, /) -> int: ...

    @overload
    def estimate_size(self, /, **keywords: Unpack[DraftKeywords]) -> int: ...

    def estimate_size(self, draft: Draft | None = None, /, **keywords: Any) -> int:
        """Return the exact ``len(to_bytes())`` of :meth:`compose` with the same draft (or
        keywords), without encoding any attachment. Never raises :class:`MessageTooLarge`.

        Exact when the Message-ID has the same length in both calls: always true for the
        default generator and for :class:`~mssc.headers.SequentialMessageIds`, or pass
        ``message_id``.
        """
        value = _draft_of(draft, keywords)
        return self._skeleton(self._expand(value)).skeleton.size

    @overload
    def plan_split(self, draft: Draft, /) -> tuple[PlannedMessage, ...]: ...

    @overload
    def plan_split(self, /, **keywords: Unpack[DraftKeywords]) -> tuple[PlannedMessage, ...]: ...

    def plan_split(
        self, draft: Draft | None = None, /, **keywords: Any
    ) -> tuple[PlannedMessage, ...]:
        """Spread the attachments of a draft over messages that each fit under ``max_size``.

        With more than one message, subjects get a ``(1/3)`` suffix. The keywords are those
        of :meth:`compose` (:class:`DraftKeywords`). A message that fits is one plan.
        The Ségur documents of a draft (``IHE_XDM.zip`` and its PDFs) always travel together,
        in the first message.

        Raises:
            MessageTooLarge: an attachment (or the documents together) cannot fit in a message.
        """
        value = _draft_of(draft, keywords)
        value = self._settle(value)
        fixed_id = value.message_id or self._message_ids(value.sender.domain)
        fixed = value.replace(message_id=fixed_id)
        part = self._documents_part(fixed) if value.documents else None
        bundle: tuple[Attachment, ...] = part.attachments if part is not None else ()

        def size_of(chosen: Sequence[Attachment], planned_subject: str) -> int:
            with_docs = any(a is bundle[0] for a in chosen) if bundle else False
            rest = tuple(a for a in chosen if not any(a is b for b in bundle))
            planned = fixed.replace(
                subject=planned_subject,
                attachments=rest,
                documents=fixed.documents if with_docs else (),
            )
            return self._skeleton(self._expand(planned, part)).skeleton.size

        units: list[Sequence[Attachment]] = [bundle] if bundle else []
        units += [(a,) for a in value.attachments]
        plans = pack_attachments(
            (), subject=value.subject, limit=self.max_size, size_of=size_of, units=units
        )
        if not bundle:
            return plans
        return tuple(
            dataclasses.replace(
                p,
                attachments=tuple(a for a in p.attachments if not any(a is b for b in bundle)),
                documents=tuple(value.documents)
                if any(a is bundle[0] for a in p.attachments)
                else (),
            )
            for p in plans
        )

    @overload
    def compose_split(self, draft: Draft, /) -> tuple[ComposedMessage, ...]: ...

    @overload
    def compose_split(
        self, /, **keywords: Unpack[DraftKeywords]
    ) -> tuple[ComposedMessage, ...]: ...

    def compose_split(
        self, draft: Draft | None = None, /, **keywords: Any
    ) -> tuple[ComposedMessage, ...]:
        """Compose the messages of :meth:`plan_split` (one when everything fits)."""
        value = _draft_of(draft, keywords)
        value = self._settle(value)
        plans = self.plan_split(value)
        return tuple(
            self.compose(
                value.replace(
                    subject=plan.subject,
                    attachments=plan.attachments,
                    documents=plan.documents,
                    message_id=None,
                )
            )
            for plan in plans
        )

    def compose_documents(
        self,
        *,
        sender: Sender,
        to: PatientTarget,
        documents: Sequence[Any],
        text: str,
        subject: str | None = None,
        html: str | None = None,
        attachments: Sequence[Attachment] = (),
        read_receipt: bool = False,
        submission: Any = None,
        in_reply_to: ParentLike | None = None,
        extra_headers: Mapping[str, str] | None = None,
        close_conversation: bool = False,
        allow_fin_word: bool = False,
        message_id: str | None = None,
    ) -> ComposedMessage:
        """Send Ségur documents to a patient: ``IHE_XDM.zip`` and one PDF per CDA.

        The message carries ``X-MSS-CODECDA`` (the CDA codes, comma-separated) and
        ``X-MSS-INS`` (``O`` when every CDA carries a qualified INS with its traits, else
        ``N``). Before anything is built, the wrong-patient guard compares the recipient's INS
        with each CDA's ``recordTarget`` and, once the archive is built, with each
        ``patientId`` of its METADATA.XML read back from the bytes; with a
        :class:`~mssc.ins.PatientIdentity` the birth name, birth date and sex are compared too.

        Args:
            sender: the sending box; its ``structure_id`` is the default authorInstitution.
            to: the patient, best as a qualified :class:`~mssc.ins.PatientIdentity`.
            documents: :class:`mssc.xdm.Document` values (``Document(cda=..., pdf=...)``).
            text: the body.
            subject: defaults to ``XDM/1.0/DDM+<titre> <NOM> <prénom> <JJ/MM/AAAA>``.
            submission: a :class:`mssc.xdm.Submission` (README lines, ids, times).
            attachments: more files, after the PDFs.
            html: as for :meth:`compose`.
            read_receipt: as for :meth:`compose`.
            in_reply_to: as for :meth:`compose`.
            extra_headers: as for :meth:`compose`.
            close_conversation: as for :meth:`compose`.
            allow_fin_word: as for :meth:`compose`.
            message_id: as for :meth:`compose`.

        Raises:
            PatientMismatch: ``patient-mismatch``.
            InvalidDocument: a CDA that cannot be read.
            InvalidArchive: an archive that cannot be built or read back.
            MsscError: whatever :meth:`compose` raises.
        """
        if isinstance(documents, (bytes, str)) or not isinstance(documents, Sequence):
            raise InvalidMessage("documents must be a sequence of Document", code="bad-argument")
        if not documents:
            raise InvalidMessage(
                "compose_documents() needs at least one document",
                code="bad-argument",
                hint="use compose() for a message without documents",
            )
        if subject is None:
            helpers = importlib.import_module("mssc._documents")
            helpers.recipient_of(to)
            subject = helpers.default_subject(tuple(documents), to)
        return self.compose(
            Draft(
                sender=sender,
                to=to,
                subject=subject,
                text=text,
                html=html,
                attachments=attachments,
                read_receipt=read_receipt,
                close_conversation=close_conversation,
                in_reply_to=in_reply_to,
                extra_headers=extra_headers,
                allow_fin_word=allow_fin_word,
                message_id=message_id,
                documents=tuple(documents),
                submission=submission,
            )
        )

    def reply(
        self,
        parent: ParentLike,
        *,
        sender: Sender,
        text: str,
        subject: str | None = None,
        **options: Any,
    ) -> ComposedMessage:
        """Answer a patient message: to the patient address of ``parent``, subject
        ``RE: <parent subject>`` (prefixes not stacked), threaded with In-Reply-To and References.

        ``options`` are the other :meth:`compose` keywords (html, attachments, …).

        Raises:
            InvalidAddress: the parent does not come from a patient address.
        """
        info = parent_info(parent)
        from_address = info.from_address or ""
        patient = parse_patient_address(from_address)
        return self.compose(
            sender=sender,
            to=patient,
            subject=subject if subject is not None else reply_subject(info.subject),
            text=text,
            in_reply_to=parent,
            **options,
        )

    def closure(
        self,
        *,
        sender: Sender,
        to: PatientTarget,
        text: str | None = None,
        in_reply_to: ParentLike | None = None,
    ) -> ComposedMessage:
        """End the conversation: subject exactly ``[FIN]`` and ``X-MSS-MES: FIN``."""
        body = (
            text
            if text is not None
            else (
                "Cet échange est maintenant clos de notre côté : il n'est plus possible d'y "
                "répondre.\nPour toute nouvelle demande, contactez directement l'établissement.\n"
            )
        )
        return self.compose(
            sender=sender,
            to=to,
            subject=CLOSURE_SUBJECT,
            text=body,
            close_conversation=True,
            in_reply_to=in_reply_to,
        )

    def connectivity_test(self, *, sender: Sender) -> ComposedMessage:
        """The MES test message: to the test responder, with ``TEST`` in subject and body."""
        return self._compose(
            Draft(
                sender=sender,
                to=TEST_RESPONDER,
                subject="TEST",
                text=f"TEST\nMessage de test de connectivité MSS-C ({self.product_reference}).\n",
            ),
            _test=True,
        )

    def compose_template(
        self,
        name: str,
        context: Any,
        *,
        sender: Sender,
        to: PatientTarget,
        **compose_options: Any,
    ) -> ComposedMessage:
        """Compose one of the French use-case templates (see :mod:`mssc.templates`)."""
        templates = importlib.import_module("mssc.templates")  # lazy: no import cycle
        result: ComposedMessage = templates.compose_template(
            self, name, context, sender=sender, to=to, **compose_options
        )
        return result

    # ------------------------------------------------------------------ internals

    def _recipient(self, to: object, test: bool) -> tuple[str, Ins | None]:
        if test:
            return TEST_RESPONDER, None
        if isinstance(to, str) and "@" in to and _is_test_responder(to):
            raise InvalidMessage(
                "the MES test responder is not a patient",
                code="bad-recipient",
                hint="use Composer.connectivity_test() to write to it",
            )
        if isinstance(to, (list, tuple, set, frozenset)):
            raise InvalidMessage(
                "a message goes to exactly one patient",
                code="bad-recipient",
                hint="compose one message per patient",
            )
        if isinstance(to, str):
            check_header_value(to, field="to")
        if not isinstance(to, (Ins, PatientIdentity, str)):
            raise InvalidMessage(
                f"cannot send to a {type(to).__name__}",
                code="bad-recipient",
                hint="pass an Ins, a qualified PatientIdentity or a patient address",
            )
        address = patient_address(to)
        return address, parse_patient_address(address)

    def _extra(self, extra_headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
        if not extra_headers:
            return []
        if not isinstance(extra_headers, Mapping):
            raise InvalidMessage("extra_headers must be a mapping", code="bad-argument")
        checked: list[tuple[str, str]] = []
        seen: set[str] = set()
        for name, value in extra_headers.items():
            if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
                raise HeaderInjection(
                    f"{name!r} is not a header field name",
                    code="bad-header-name",
                    hint="use printable ASCII without colon or space, e.g. X-MSS-CODECDA",
                )
            if (
                name.lower() in _RESERVED_HEADERS
                or name.lower().startswith(_RESERVED_PREFIXES)
                or name.lower() in seen
            ):
                raise HeaderInjection(
                    f"the header {name} is written by mssc (or given twice)",
                    code="bad-header-name",
                    hint="use the Composer arguments for this header",
                )
            seen.add(name.lower())
            checked.append((name, _clean(value, name)))
        return checked

    def _documents_part(self, draft: Draft) -> _DocumentsPart:
        """Build the attachments and headers of the draft's Ségur documents (checked once)."""
        if not isinstance(draft.sender, Sender):
            raise InvalidMessage("sender must be a Sender", code="bad-argument")
        documents = importlib.import_module("mssc._documents")  # lazy: XML and zip code
        part: _DocumentsPart = documents.documents_part(
            tuple(draft.documents),
            to=draft.to,
            sender=draft.sender._checked(),
            submission=draft.submission,
            clock=self._clock,
        )
        return part

    def _settle(self, draft: Draft) -> Draft:
        """The draft with its documents' submission time and id fixed, so that every message
        of a split (and every size estimate) carries the same archive."""
        if not draft.documents or isinstance(draft.documents, (str, bytes)):
            return draft
        xdm = importlib.import_module("mssc.xdm")
        if not all(isinstance(d, xdm.Document) for d in draft.documents):
            return draft  # reported with its code by _documents_part
        if draft.submission is not None and not isinstance(draft.submission, xdm.Submission):
            return draft
        settled = xdm.settle(draft.submission, tuple(draft.documents), self._clock())
        return draft.replace(submission=settled)

    def _expand(self, draft: Draft, part: _DocumentsPart | None = None) -> Draft:
        """The draft with its Ségur documents turned into attachments and headers."""
        if isinstance(draft.documents, (str, bytes)) or not isinstance(draft.documents, Sequence):
            raise InvalidMessage("documents must be a sequence", code="bad-argument")
        if not draft.documents:
            return draft
        if part is None:
            part = self._documents_part(draft)
        headers = dict(self._extra(draft.extra_headers))
        for name, value in part.headers:
            if name.lower() in {h.lower() for h in headers}:
                raise HeaderInjection(
                    f"the header {name} is written by mssc when documents are attached",
                    code="bad-header-name",
                    hint="let compose_documents() write X-MSS-CODECDA and X-MSS-INS",
                )
            headers[name] = value
        if isinstance(draft.attachments, (Attachment, bytes, str)):
            raise InvalidMessage("attachments must be a sequence", code="bad-argument")
        return draft.replace(
            attachments=(*part.attachments, *draft.attachments),
            extra_headers=headers,
            documents=(),
            submission=None,
        )

    def _skeleton(self, draft: Draft, _test: bool = False) -> _Built:
        sender = draft.sender
        to: object = draft.to
        subject = draft.subject
        text = draft.text
        html = draft.html
        attachments = draft.attachments
        read_receipt = draft.read_receipt
        close_conversation = draft.close_conversation
        in_reply_to = draft.in_reply_to
        extra_headers = draft.extra_headers
        allow_fin_word = draft.allow_fin_word
        message_id = draft.message_id
        if not isinstance(sender, Sender):
            raise InvalidMessage("sender must be a Sender", code="bad-argument")
        sender = sender._checked()
        address, patient = self._recipient(to, _test)
        subject_value = _clean(subject, "Subject")
        if not _visible(subject_value):
            raise InvalidMessage(
                "the subject is empty", code="empty-subject", hint="give the message a subject"
            )
        if contains_fin_word(subject_value) and not (close_conversation or allow_fin_word):
            raise AccidentalClosure(
                f"the subject {subject_value!r} contains the word FIN, which closes the "
                "patient's conversation in Mon espace santé",
                code="fin-in-subject",
                hint="rephrase the subject (e.g. 'Sortie d'hospitalisation'), or pass "
                "close_conversation=True to really close, or allow_fin_word=True",
            )
        if not isinstance(text, str) or (html is not None and not isinstance(html, str)):
            raise InvalidMessage("text and html must be str", code="bad-argument")
        if _SURROGATE.search(text) or (html is not None and _SURROGATE.search(html)):
            raise InvalidMessage(
                "text or html holds a lone surrogate, which UTF-8 cannot encode",
                code="bad-argument",
                hint="decode the source text properly (no errors='surrogateescape' leftovers)",
            )
        if isinstance(attachments, (Attachment, bytes, str)):
            raise InvalidMessage("attachments must be a sequence", code="bad-argument")
        files = list(attachments)
        for item in files:
            if not isinstance(item, Attachment):
                raise InvalidMessage(
                    f"attachments must be Attachment values, not {type(item).__name__}",
                    code="bad-argument",
                )
        types = [self.attachment_policy.check(a.filename, a.content, a.media_type) for a in files]
        if "application/zip" in types and not _test:
            # Every IHE_XDM.zip is read as the receiver will read it, and must be about the
            # recipient: the wrong-patient guard (issue 14).
            documents = importlib.import_module("mssc._documents")
            who = documents.recipient_of(to)
            for item, media_type in zip(files, types, strict=True):
                if media_type == "application/zip":
                    documents.guard_archive(
                        item.content,
                        address_ins=who.address_ins,
                        given_ins=who.given_ins,
                        identity=who.identity,
                    )
        extra = self._extra(extra_headers)
        thread: ThreadHeaders | None = None
        if in_reply_to is not None:
            thread = thread_headers(in_reply_to, max_references=self.max_references)
        if message_id is None:
            msg_id = parse_msg_id(self._message_ids(sender.domain))
        else:
            msg_id = parse_msg_id(message_id)
        if msg_id[1:-1].rpartition("@")[2].lower() != sender.domain:
            raise HeaderInjection(
                f"the Message-ID {msg_id} is not on the sender's domain {sender.domain}",
                code="bad-message-id",
                hint="generate Message-IDs on the sending box's domain",
            )
        date = format_datetime(self._clock())

        root = EmailMessage(policy=_POLICY)
        root["From"] = Address(display_name=sender.label, addr_spec=sender.address)
        root["To"] = address
        root["Subject"] = subject_value
        root["Date"] = date
        root["Message-ID"] = _RawHeader(msg_id)
        if thread is not None:
            root["In-Reply-To"] = _RawHeader(thread.in_reply_to)
            root["References"] = _RawHeader(fold_msg_ids("References", thread.references))
        if sender.return_address is not None:
            root["Reply-To"] = sender.return_address
        if read_receipt:
            root["Disposition-Notification-To"] = sender.return_address or sender.address
        root["MIME-Version"] = "1.0"
        root["X-MSS-NIL"] = self.product_reference
        if close_conversation:
            root["X-MSS-MES"] = "FIN"
        for name, value in extra:
            root[name] = value
        root.set_content(text, charset="utf-8", cte=_text_cte(text))
        if html is not None:
            root.add_alternative(html, subtype="html", charset="utf-8", cte=_text_cte(html))
        nonce = secrets.token_hex(16)
        placeholders: list[bytes] = []
        if files:
            root.make_mixed()
            names = unique_filenames([safe_filename(item.filename) for item in files])
            for i, (media_type, name) in enumerate(zip(types, names, strict=True)):
                part = EmailMessage(policy=_POLICY)
                part["Content-Type"] = media_type
                part.add_header("Content-Disposition", "attachment", filename=name)
                part["Content-Transfer-Encoding"] = "base64"
                placeholder = f"mssc-attachment-{nonce}-{i}"
                part.set_payload(placeholder + "\n")
                placeholders.append(placeholder.encode("ascii") + b"\r\n")
                root.attach(part)
        seven_bit = [t for t in (text, html) if t is not None and _text_cte(t) == "7bit"]
        for n, part in enumerate(p for p in root.walk() if p.is_multipart()):
            k = 0
            while True:
                boundary = f"=_mssc_{stable_token(msg_id, str(n), str(k))}"
                if not any(boundary in t for t in seven_bit):
                    break
                k += 1
            part.set_boundary(boundary)
        for part in root.walk():
            if part is not root and part.get("MIME-Version") is not None:
                del part["MIME-Version"]

        buffer = io.BytesIO()
        try:
            BytesGenerator(buffer, policy=_POLICY).flatten(root)
        except _HEADER_WRITE_ERRORS as exc:  # pragma: no cover - Python >= 3.11.10
            raise HeaderInjection(
                f"the email package refused a generated header: {exc}",
                code="control-character",
                hint="remove control characters from header values",
            ) from None
        data = buffer.getvalue()
        contents = [a.content for a in files]
        size = len(data) + sum(
            base64_body_size(len(c)) - len(p) for c, p in zip(contents, placeholders, strict=True)
        )
        skeleton = _Skeleton(data, placeholders, contents, size)
        _verify(skeleton, root, sender=sender, to=address, subject=subject_value, msg_id=msg_id)
        return _Built(skeleton, msg_id, subject_value, patient, tuple(files), sender)

    def _compose(self, draft: Draft, _test: bool = False) -> ComposedMessage:
        attachments = draft.attachments
        if isinstance(attachments, Sequence) and all(
            isinstance(a, Attachment) for a in attachments
        ):
            # Refuse before encoding anything: each base64 body has an exact arithmetic size,
            # and a text body takes at least one octet per character once encoded.
            lower_bound = sum(base64_body_size(len(a.content)) for a in attachments)
            lower_bound += sum(len(b) for b in (draft.text, draft.html) if isinstance(b, str))
            if lower_bound > self.max_size:
                raise _too_large(lower_bound, self.max_size, attachments, at_least=True)
        built = self._skeleton(self._expand(draft), _test=_test)
        skeleton, msg_id, patient, files, sender = (
            built.skeleton,
            built.msg_id,
            built.patient,
            built.files,
            built.sender,
        )
        subject = built.subject
        if skeleton.size > self.max_size:
            error = _too_large(skeleton.size, self.max_size, files)
            if draft.documents:
                error.hint = (
                    "IHE_XDM.zip and the PDFs of its CDAs travel together and cannot be split: "
                    "send the documents in several compose_documents() calls, or move the "
                    "other attachments to another message (plan_split() does that)"
                )
            raise error
        data = _splice(skeleton)
        rcpt = patient.address if patient is not None else TEST_RESPONDER
        envid = msg_id[1:-1]
        envid = xtext(envid) if len(xtext(envid)) <= 100 else stable_token(msg_id, length=32)
        envelope = Envelope(
            mail_from=sender.address,
            rcpt_to=(rcpt,),
            mail_options=("RET=HDRS", f"ENVID={envid}"),
            rcpt_options=("NOTIFY=FAILURE,DELAY", f"ORCPT=rfc822;{xtext(rcpt)}"),
        )
        return ComposedMessage(
            message_id=msg_id,
            subject=subject,
            patient=patient,
            sender=sender,
            envelope=envelope,
            size=len(data),
            _data=data,
        )


def _splice(skeleton: _Skeleton) -> bytes:
    """Write the skeleton and the base64 bodies into one buffer of the predicted size."""
    if not skeleton.placeholders:
        return skeleton.data
    out = io.BytesIO()
    out.seek(skeleton.size - 1)
    out.write(b"\0")  # one allocation of exactly the final size
    view = out.getbuffer()
    source = memoryview(skeleton.data)
    src = dst = 0
    try:
        for placeholder, content in zip(skeleton.placeholders, skeleton.contents, strict=True):
            at = skeleton.data.index(placeholder, src)
            view[dst : dst + at - src] = source[src:at]
            dst += at - src
            dst = _write_base64(view, dst, content)
            src = at + len(placeholder)
        view[dst:] = source[src:]
        dst += len(source) - src
    finally:
        view.release()
    if dst != skeleton.size:  # pragma: no cover - the size model is proved by tests
        raise AssertionError(f"size model broken: wrote {dst}, predicted {skeleton.size}")
    return out.getvalue()


def _is_test_responder(text: str) -> bool:
    try:
        return normalize_address(text) == TEST_RESPONDER
    except MsscError:
        return False


def _squash(text: str) -> str:
    return "".join(text.split())


def _names(part: Message) -> list[str]:
    return [name.lower() for name in part]


def _verify(
    skeleton: _Skeleton, root: EmailMessage, *, sender: Sender, to: str, subject: str, msg_id: str
) -> None:
    """Re-parse the generated bytes and check that the header set is exactly the intended one."""

    def fail(what: str) -> HeaderInjection:
        return HeaderInjection(
            f"the generated message does not re-parse as intended: {what}",
            code="header-mismatch",
            hint="a header value changed the structure of the message; check caller values",
        )

    bare = _BARE_LINE_END.search(skeleton.data)
    if bare is not None:
        raise fail(f"a bare CR, LF or NUL at octet {bare.start()}")
    for line in skeleton.data.split(b"\r\n"):
        if len(line) > _MAX_LINE:
            raise fail("a line is longer than 998 octets")
    parsed = BytesParser(policy=_policy.default).parsebytes(skeleton.data)
    intended = list(root.walk())
    got = list(parsed.walk())
    if len(intended) != len(got):
        raise fail(f"{len(got)} MIME parts instead of {len(intended)}")
    for want, have in zip(intended, got, strict=True):
        if _names(want) != _names(have):
            raise fail(f"headers {_names(have)} instead of {_names(want)}")
    if parsed.defects:
        raise fail(f"defects {parsed.defects}")
    from_header = parsed["From"]
    addresses: tuple[Any, ...] = tuple(getattr(from_header, "addresses", ()))
    if len(addresses) != 1 or addresses[0].addr_spec != sender.address:
        raise fail("From")
    # Compared without white space: the stdlib parser inserts a space between adjacent encoded
    # words of a phrase, which RFC 2047 readers drop.
    if _squash(addresses[0].display_name) != _squash(sender.label):
        raise fail("the From display name")
    if str(parsed["To"]) != to:
        raise fail("To")
    if _squash(str(parsed["Subject"])) != _squash(subject):
        raise fail("Subject")
    if str(parsed["Message-ID"]).strip() != msg_id:
        raise fail("Message-ID")
    bodies = [p for p in got if p.get_content_disposition() == "attachment"]
    expected = [p.decode("ascii").rstrip("\r\n") for p in skeleton.placeholders]
    if [str(b.get_payload()).strip() for b in bodies] != expected:
        raise fail("attachment parts")
