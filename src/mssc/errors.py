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
    "InvalidAddress",
    "InvalidIdentifier",
    "InvalidIns",
    "MsscError",
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
