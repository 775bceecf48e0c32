"""Professional and structure identifiers: FINESS, SIREN, SIRET, RPPS, ADELI and idNat.

Each identifier follows python-stdnum's convention: ``compact``, ``validate`` (returns the compact
form or raises :class:`~mssc.errors.InvalidIdentifier`), ``is_valid`` (never raises) and
``format``.

>>> finess.validate("75 071 218 4")
'750712184'
>>> siret.format("73282932000074")
'732 829 320 00074'
>>> parse_idnat("810001234567").kind.name
'RPPS'

Check-digit rules (see docs/identifiers.md): SIREN and SIRET use Luhn, with the La Poste SIRET
exception; FINESS uses Luhn over its 9 digits (inferred from real numbers, not from an official
text) and Corsica numbers (``2A``/``2B``) are checked for format only; RPPS and ADELI are checked
for format only, since no check-digit rule is published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal

from mssc.errors import InvalidIdentifier

__all__ = [
    "IdNat",
    "IdNatKind",
    "IdentifierScheme",
    "adeli",
    "finess",
    "luhn_is_valid",
    "parse_idnat",
    "rpps",
    "siren",
    "siret",
]

_SEPARATORS: Final = str.maketrans("", "", " .-/\t")


def luhn_is_valid(digits: str) -> bool:
    """Return whether a string of ASCII digits passes the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


class IdentifierScheme:
    """One identifier family, with python-stdnum's four functions.

    Instances are module-level singletons: :data:`finess`, :data:`siren`, :data:`siret`,
    :data:`rpps`, :data:`adeli`.
    """

    def __init__(
        self,
        name: str,
        length: int,
        pattern: str,
        groups: tuple[int, ...],
        *,
        luhn: bool,
        description: str,
    ) -> None:
        self.name = name
        self.length = length
        self._pattern = re.compile(pattern)
        self._groups = groups
        self._luhn = luhn
        self.description = description

    def __repr__(self) -> str:
        return f"<IdentifierScheme {self.name}>"

    def compact(self, number: str) -> str:
        """Remove spaces, dots, dashes and slashes, and upper-case the letters."""
        return number.translate(_SEPARATORS).upper().strip()

    def _checksum_ok(self, number: str) -> bool:
        return luhn_is_valid(number)

    def validate(self, number: str) -> str:
        """Return the compact form of a valid identifier.

        Raises:
            InvalidIdentifier: code ``empty``, ``length``, ``characters`` or ``checksum``.
        """
        if not isinstance(number, str):
            raise TypeError(f"{self.name}.validate() expects a str, not {type(number).__name__}")
        n = self.compact(number)
        if not n:
            raise InvalidIdentifier(f"the {self.name} is empty", code="empty")
        if len(n) != self.length:
            raise InvalidIdentifier(
                f"a {self.name} has {self.length} characters, not {len(n)}",
                code="length",
                hint=f"{self.description}",
            )
        if not self._pattern.fullmatch(n):
            raise InvalidIdentifier(
                f"{n!r} is not a well-formed {self.name}",
                code="characters",
                hint=self.description,
            )
        if self._luhn and not self._checksum_ok(n):
            raise InvalidIdentifier(
                f"the check digit of the {self.name} {n!r} is wrong",
                code="checksum",
                hint="a digit was probably mistyped",
            )
        return n

    def is_valid(self, number: object) -> bool:
        """Return whether ``number`` is a valid identifier of this family. Never raises."""
        if not isinstance(number, str):
            return False
        try:
            self.validate(number)
        except InvalidIdentifier:
            return False
        return True

    def format(self, number: str) -> str:
        """Return the identifier grouped for reading (it is not validated)."""
        n = self.compact(number)
        parts, start = [], 0
        for size in self._groups:
            parts.append(n[start : start + size])
            start += size
        if start < len(n):
            parts.append(n[start:])
        return " ".join(p for p in parts if p)


class _Finess(IdentifierScheme):
    def _checksum_ok(self, number: str) -> bool:
        if number[1] in "AB":  # Corsica: no published key rule for the letters; format only.
            return True
        return luhn_is_valid(number)


class _Siret(IdentifierScheme):
    _LA_POSTE_SIREN: Final = "356000000"
    _LA_POSTE_HEAD_OFFICE: Final = "35600000000048"

    def _checksum_ok(self, number: str) -> bool:
        # The SIREN inside a SIRET must be valid on its own (356000000, La Poste's, is).
        if not luhn_is_valid(number[:9]):
            return False
        if number.startswith(self._LA_POSTE_SIREN) and number != self._LA_POSTE_HEAD_OFFICE:
            return sum(int(c) for c in number) % 5 == 0
        return luhn_is_valid(number)


finess: Final[IdentifierScheme] = _Finess(
    "FINESS",
    9,
    r"(?:[0-9]{2}|2[AB])[0-9]{7}",
    (2, 3, 3, 1),
    luhn=True,
    description="a FINESS number has 9 characters: the department (2 digits, 2A or 2B) first",
)
siren: Final[IdentifierScheme] = IdentifierScheme(
    "SIREN", 9, r"[0-9]{9}", (3, 3, 3), luhn=True, description="a SIREN has 9 digits"
)
siret: Final[IdentifierScheme] = _Siret(
    "SIRET",
    14,
    r"[0-9]{14}",
    (3, 3, 3, 5),
    luhn=True,
    description="a SIRET has 14 digits: the SIREN and a 5-digit establishment number",
)
rpps: Final[IdentifierScheme] = IdentifierScheme(
    "RPPS",
    11,
    r"[0-9]{11}",
    (11,),
    luhn=False,
    description="an RPPS number has 11 digits",
)
adeli: Final[IdentifierScheme] = IdentifierScheme(
    "ADELI",
    9,
    r"(?:[0-9]{2}|2[AB])[0-9A-Z]{7}",
    (2, 1, 2, 4),
    luhn=False,
    description="an ADELI number has 9 characters, the department first",
)


class IdNatKind(str, Enum):
    """What an idNat designates (ANS *idNat_PS* and *idNat_Struct*)."""

    RPPS = "RPPS"
    """``8`` + RPPS: a professional (idNat_PS)."""
    ADELI = "ADELI"
    """``0`` + ADELI: a professional (idNat_PS)."""
    ADELI_CABINET = "ADELI_CABINET"
    """``1`` + ADELI cabinet id (idNat_PS) or ``0`` + ADELI cabinet id (idNat_Struct)."""
    RPPS_CABINET = "RPPS_CABINET"
    """``6`` + RPPS cabinet id (idNat_PS)."""
    FINESS = "FINESS"
    """``1`` + FINESS: a structure (idNat_Struct)."""
    SIREN = "SIREN"
    """``2`` + SIREN: a structure (idNat_Struct)."""
    SIRET = "SIRET"
    """``3`` + SIRET: a structure (idNat_Struct)."""
    RPPS_RANG = "RPPS_RANG"
    """``4`` + RPPS-rang: a structure (idNat_Struct)."""
    PS_FINESS = "PS_FINESS"
    """``3`` + FINESS ``/`` local id: a professional known by a structure (idNat_PS)."""
    PS_SIREN = "PS_SIREN"
    """``4`` + SIREN ``/`` local id: a professional known by a structure (idNat_PS)."""
    PS_SIRET = "PS_SIRET"
    """``5`` + SIRET ``/`` local id: a professional known by a structure (idNat_PS)."""


@dataclass(frozen=True, slots=True)
class IdNat:
    """A parsed national identifier."""

    kind: IdNatKind
    """What the identifier designates."""
    scope: Literal["ps", "structure"]
    """``ps`` for a professional (idNat_PS), ``structure`` for a structure (idNat_Struct)."""
    value: str
    """The identifier without its prefix (and without the local id)."""
    local_id: str | None = None
    """For the ``3``/``4``/``5`` professional forms: the structure's own id of the person."""

    @property
    def prefix(self) -> str:
        """The one-digit prefix of the idNat."""
        return _PREFIX[(self.kind, self.scope)]

    def __str__(self) -> str:
        tail = f"/{self.local_id}" if self.local_id is not None else ""
        return f"{self.prefix}{self.value}{tail}"


_PREFIX: Final[dict[tuple[IdNatKind, str], str]] = {
    (IdNatKind.ADELI, "ps"): "0",
    (IdNatKind.ADELI_CABINET, "ps"): "1",
    (IdNatKind.PS_FINESS, "ps"): "3",
    (IdNatKind.PS_SIREN, "ps"): "4",
    (IdNatKind.PS_SIRET, "ps"): "5",
    (IdNatKind.RPPS_CABINET, "ps"): "6",
    (IdNatKind.RPPS, "ps"): "8",
    (IdNatKind.ADELI_CABINET, "structure"): "0",
    (IdNatKind.FINESS, "structure"): "1",
    (IdNatKind.SIREN, "structure"): "2",
    (IdNatKind.SIRET, "structure"): "3",
    (IdNatKind.RPPS_RANG, "structure"): "4",
}

_LOCAL_ID = re.compile(r"[0-9A-Za-z]{1,30}")
_FINESS_SHAPE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{7}")


def _ps_with_structure(kind: IdNatKind, scheme: IdentifierScheme, body: str) -> IdNat | None:
    structure, sep, local = body.partition("/")
    if not sep:
        return None
    scheme.validate(structure)
    if not _LOCAL_ID.fullmatch(local):
        raise InvalidIdentifier(
            f"the local id {local!r} after '/' is not well formed",
            code="characters",
            hint="the local id has 1 to 30 letters or digits",
        )
    return IdNat(kind, "ps", scheme.compact(structure), local)


def parse_idnat(text: str, *, scope: Literal["auto", "ps", "structure"] = "auto") -> IdNat:
    """Split a national identifier (idNat) into its kind and value.

    The prefix digit means different things for professionals (*idNat_PS*) and structures
    (*idNat_Struct*). With ``scope="auto"`` the length and the check digits decide:
    ``8`` + 11 digits is an RPPS, ``1`` + 9 FINESS-shaped characters a structure (checked,
    even in ``auto``; other ``1`` forms are ADELI cabinet ids), ``2`` + 9 digits a SIREN,
    ``3`` + 14 digits a SIRET, ``3``/``4``/``5`` + id ``/`` local id a professional known by a
    structure, ``0`` + 9 characters an ADELI.

    Raises:
        InvalidIdentifier: code ``empty``, ``unknown-prefix``, ``length``, ``characters`` or
            ``checksum`` (from the identifier after the prefix).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_idnat() expects a str, not {type(text).__name__}")
    head, slash, local = text.strip().partition("/")
    # Upper-case the identifier, never the structure's own local id (it may be case-sensitive).
    s = head.translate(_SEPARATORS).upper() + slash + local.strip()
    if not s:
        raise InvalidIdentifier("the idNat is empty", code="empty")
    prefix, body = s[0], s[1:]
    want_ps = scope in ("auto", "ps")
    want_struct = scope in ("auto", "structure")
    # Forms with a local id after a slash are always professionals.
    if "/" in body:
        forms = {
            "3": (IdNatKind.PS_FINESS, finess),
            "4": (IdNatKind.PS_SIREN, siren),
            "5": (IdNatKind.PS_SIRET, siret),
        }
        if prefix in forms and want_ps:
            kind, scheme = forms[prefix]
            parsed = _ps_with_structure(kind, scheme, body)
            if parsed is not None:
                return parsed
        raise InvalidIdentifier(
            f"no idNat form with prefix {prefix!r} has a '/'", code="unknown-prefix"
        )
    if prefix == "8" and want_ps:
        return IdNat(IdNatKind.RPPS, "ps", rpps.validate(body))
    if prefix == "6" and want_ps:
        return IdNat(IdNatKind.RPPS_CABINET, "ps", _plain(body, "RPPS cabinet id"))
    if prefix == "1":
        # A FINESS-shaped body is a FINESS: a wrong check digit is reported, never silently
        # read as an ADELI cabinet id. Pass scope="ps" for an ADELI cabinet id of that shape.
        if want_struct and (scope == "structure" or _FINESS_SHAPE.fullmatch(body)):
            return IdNat(IdNatKind.FINESS, "structure", finess.validate(body))
        if want_ps:
            return IdNat(IdNatKind.ADELI_CABINET, "ps", _plain(body, "ADELI cabinet id"))
    if prefix == "0":
        if scope == "structure":
            return IdNat(IdNatKind.ADELI_CABINET, "structure", _plain(body, "ADELI cabinet id"))
        return IdNat(IdNatKind.ADELI, "ps", adeli.validate(body))
    if prefix == "2" and want_struct:
        return IdNat(IdNatKind.SIREN, "structure", siren.validate(body))
    if prefix == "3" and want_struct:
        return IdNat(IdNatKind.SIRET, "structure", siret.validate(body))
    if prefix == "4" and want_struct:
        return IdNat(IdNatKind.RPPS_RANG, "structure", _plain(body, "RPPS-rang"))
    raise InvalidIdentifier(
        f"{s!r} does not start with a known idNat prefix for scope {scope!r}",
        code="unknown-prefix",
        hint="idNat_PS: 0 ADELI, 1 ADELI cabinet, 3/4/5 structure/local id, 6 RPPS cabinet, "
        "8 RPPS; idNat_Struct: 0 ADELI cabinet, 1 FINESS, 2 SIREN, 3 SIRET, 4 RPPS-rang",
    )


def _plain(body: str, what: str) -> str:
    if not body:
        raise InvalidIdentifier(f"the {what} is empty", code="empty")
    if not re.fullmatch(r"[0-9A-Z]{1,30}", body):
        raise InvalidIdentifier(f"{body!r} is not a well-formed {what}", code="characters")
    return body
