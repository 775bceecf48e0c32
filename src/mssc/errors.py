"""The error hierarchy of mssc.

Every caller mistake raises a subclass of :class:`MsscError`. Each error carries a stable,
kebab-case :attr:`~MsscError.code` that programs can branch on, and a human :attr:`~MsscError.hint`
that says how to fix the input. Validation errors also subclass :class:`ValueError`, so code that
already catches ``ValueError`` keeps working.

Hostile or broken *inbound* mail never raises: parsers return results that carry ``defects``.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AccidentalClosure",
    "AttachmentRejected",
    "HeaderInjection",
    "InvalidAddress",
    "InvalidArchive",
    "InvalidDocument",
    "InvalidIdentifier",
    "InvalidIns",
    "InvalidMessage",
    "InvalidPolicy",
    "InvalidSender",
    "MessageTooLarge",
    "MsscError",
    "PatientMismatch",
    "UnknownOid",
    "UnqualifiedIdentity",
]


class MsscError(Exception):
    """Base class of every error that mssc raises on purpose.

    Attributes:
        code: a stable kebab-case identifier of the failure (part of the public API).
        hint: a human sentence saying how to fix the input; may be empty.
    """

    #: The codes a subclass may carry. Empty means "not restricted".
    codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, message: str, *, code: str, hint: str = "") -> None:
        if self.codes and code not in self.codes:  # pragma: no cover - programming error
            raise AssertionError(f"{type(self).__name__} has no code {code!r}")
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"[{self.code}] {self.message} (hint: {self.hint})"
        return f"[{self.code}] {self.message}"

    def to_dict(self) -> dict[str, str]:
        """Return the error as a JSON-friendly mapping: error, code, message and hint."""
        return {
            "error": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class InvalidIns(MsscError, ValueError):
    """A matricule INS that cannot be accepted.

    Codes: ``empty``, ``length``, ``characters``, ``corsica``, ``missing-key``, ``key-mismatch``,
    ``structure``.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"empty", "length", "characters", "corsica", "missing-key", "key-mismatch", "structure"}
    )


class UnknownOid(MsscError, ValueError):
    """An INS OID that is none of INS-NIR, INS-NIA, TEST or DEMO. Code: ``unknown-oid``."""

    codes: ClassVar[frozenset[str]] = frozenset({"unknown-oid"})


class InvalidAddress(MsscError, ValueError):
    """An address that is not a valid MSS-C patient address (or not a valid MSSanté address).

    Codes: ``syntax``, ``wrong-domain``, ``accented-domain``, or any :class:`InvalidIns` code when
    the local part is not a valid matricule INS.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"syntax", "wrong-domain", "accented-domain"} | InvalidIns.codes
    )


class UnqualifiedIdentity(MsscError, ValueError):
    """A patient identity that is not *qualifiée* was used to address a patient.

    Ref#2 ECO.2.2.6 and Ségur INS/va1.53 require a qualified INS. Code: ``not-qualified``.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"not-qualified"})


class InvalidIdentifier(MsscError, ValueError):
    """A professional or structure identifier (FINESS, SIREN, SIRET, RPPS, ADELI, idNat).

    Codes: ``empty``, ``length``, ``characters``, ``checksum``, ``unknown-prefix``.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"empty", "length", "characters", "checksum", "unknown-prefix"}
    )


class AttachmentRejected(MsscError, ValueError):
    """An attachment refused by the attachment policy.

    Codes: ``type-not-allowed`` (the media type is not on the whitelist), ``type-mismatch`` (magic
    bytes, extension and declared type disagree), ``empty`` (no content), ``bad-filename`` (no
    usable file name).

    Attributes:
        filename: the file name as given by the caller.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"type-not-allowed", "type-mismatch", "empty", "bad-filename"}
    )

    def __init__(self, message: str, *, code: str, hint: str = "", filename: str = "") -> None:
        super().__init__(message, code=code, hint=hint)
        self.filename = filename


class HeaderInjection(MsscError, ValueError):
    """A caller value that would change the structure of a generated header block.

    Codes: ``control-character`` (CR, LF, NUL or another control character, also after RFC 2047
    decoding), ``bad-message-id`` (a message id without strict ``<left@right>`` syntax),
    ``bad-header-name`` (an extra header name that is not a valid field name, or one that mssc
    owns), ``header-mismatch`` (the serialized bytes do not re-parse to the intended header set).
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"control-character", "bad-message-id", "bad-header-name", "header-mismatch"}
    )


class MessageTooLarge(MsscError, ValueError):
    """A message whose encoded size exceeds the configured limit. Code: ``too-large``.

    Attributes:
        size: the exact encoded size of the message, in octets (CRLF line ends).
        limit: the configured limit, in octets.
        largest: the largest attachments as ``(filename, raw size in octets)``, biggest first.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"too-large"})

    def __init__(
        self,
        message: str,
        *,
        code: str = "too-large",
        hint: str = "",
        size: int = 0,
        limit: int = 0,
        largest: tuple[tuple[str, int], ...] = (),
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.size = size
        self.limit = limit
        self.largest = largest


class AccidentalClosure(MsscError, ValueError):
    """A subject that would close the patient's conversation by accident. Code: ``fin-in-subject``.

    The MSS-C guide says the word FIN in a subject ends the conversation in Mon espace santé.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"fin-in-subject"})


class InvalidSender(MsscError, ValueError):
    """A sender box that cannot be used.

    Codes: ``not-mssante``, ``bad-label``, ``missing-return``.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"not-mssante", "bad-label", "missing-return"})


class InvalidPolicy(MsscError, ValueError):
    """An attachment policy that cannot work. Code: ``unknown-media-type``.

    mssc decides an attachment's type from its magic bytes, so a policy may only allow media types
    that mssc can recognise from content.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"unknown-media-type"})


class InvalidMessage(MsscError, ValueError):
    """A message request that cannot be composed.

    Codes: ``empty-subject``, ``bad-product-reference`` (the Ségur product reference for
    ``X-MSS-NIL``), ``bad-limit`` (a size limit that is not a positive integer), ``bad-recipient``
    (a recipient that is not one patient), ``bad-argument`` (a value of the wrong kind).
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"empty-subject", "bad-product-reference", "bad-limit", "bad-recipient", "bad-argument"}
    )


class InvalidDocument(MsscError, ValueError):
    """A CDA document that mssc cannot read or write.

    Codes: ``unsafe-xml`` (a DTD, an entity declaration or reference: XXE and billion-laughs
    attacks), ``bad-xml`` (not well-formed), ``too-large`` (over the size bound), ``too-deep``
    (over the nesting bound), ``not-cda`` (not an HL7 ``ClinicalDocument``), ``missing-field``
    (a header element that the metadata needs), ``bad-value`` (a value that XML or the French
    formats cannot carry), ``not-pdf`` (a niveau 1 body that is not a PDF).
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {
            "unsafe-xml",
            "bad-xml",
            "too-large",
            "too-deep",
            "not-cda",
            "missing-field",
            "bad-value",
            "not-pdf",
        }
    )


class InvalidArchive(MsscError, ValueError):
    """An ``IHE_XDM.zip`` that mssc refuses to read or cannot build.

    Codes: ``not-zip``, ``zip-bomb`` (too much uncompressed data in total, or a compression
    ratio over the bound), ``too-many-entries``, ``unsafe-path`` (``..``, absolute or drive
    paths, control characters), ``duplicate-name``, ``encrypted``, ``metadata-too-large``,
    ``no-metadata``, ``bad-metadata`` (METADATA.XML unreadable or incomplete), ``missing-file``
    (METADATA names a file that is not in the archive), ``hash-mismatch``, ``size-mismatch``,
    ``no-document`` (nothing to package).
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {
            "not-zip",
            "zip-bomb",
            "too-many-entries",
            "unsafe-path",
            "duplicate-name",
            "encrypted",
            "metadata-too-large",
            "no-metadata",
            "bad-metadata",
            "missing-file",
            "hash-mismatch",
            "size-mismatch",
            "no-document",
        }
    )

    def __init__(self, message: str, *, code: str, hint: str = "", path: str = "") -> None:
        super().__init__(message, code=code, hint=hint)
        self.path = path
        """The entry of the archive concerned (``IHE_XDM/SUBSET01/DOC0001.XML``), when known."""


class PatientMismatch(MsscError, ValueError):
    """A document about another patient than the recipient. Code: ``patient-mismatch``.

    The INS of the recipient's address, the CDA ``recordTarget`` and the XDM ``patientId`` must
    designate the same person, and so must the traits (birth name, birth date, sex) when the
    identity gives them. Sending a document to the wrong patient is what mssc must never let
    happen.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"patient-mismatch"})
