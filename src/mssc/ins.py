"""The INS (Identifiant National de Santé): matricule, OID, identity status and patient identity.

The matricule INS is the person's NIR (or NIA): 13 characters plus a 2-digit key, where the key
is ``97 - (N mod 97)`` over the first 13 characters, with the Corsica departments ``2A`` and
``2B`` read as ``19`` and ``18``.

>>> ins = parse_ins("2 79 03 51 215 189 89")
>>> str(ins), ins.key, ins.kind.name
('279035121518989', '89', 'NIR')
>>> ins.address
'279035121518989@patient.mssante.fr'
>>> ins_key("297022A020778"[:13])
'78'
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TYPE_CHECKING, Any, Final, NoReturn

from mssc.errors import InvalidIns, UnknownOid

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic_core import core_schema

    from mssc._patient import PatientIdentity

__all__ = [
    "INS_DEMO_OID",
    "INS_NIA_OID",
    "INS_NIR_OID",
    "INS_TEST_OID",
    "IdentityStatus",
    "Ins",
    "InsKind",
    "PatientIdentity",
    "Sex",
    "ins_key",
    "is_valid_ins",
    "parse_ins",
]

#: The domain of every MSS-C patient mailbox.
PATIENT_DOMAIN: Final = "patient.mssante.fr"

INS_NIR_OID: Final = "1.2.250.1.213.1.4.8"
INS_NIA_OID: Final = "1.2.250.1.213.1.4.9"
INS_TEST_OID: Final = "1.2.250.1.213.1.4.10"
INS_DEMO_OID: Final = "1.2.250.1.213.1.4.11"


class InsKind(str, Enum):
    """What an INS OID says about the matricule."""

    NIR = "NIR"
    """INS-NIR, the person's NIR (``1.2.250.1.213.1.4.8``)."""
    NIA = "NIA"
    """INS-NIA, a provisional number for people with no NIR (``1.2.250.1.213.1.4.9``)."""
    TEST = "TEST"
    """INS-NIR-TEST, test identities only (``1.2.250.1.213.1.4.10``)."""
    DEMO = "DEMO"
    """INS-NIR-DEMO, demonstration identities only (``1.2.250.1.213.1.4.11``)."""

    @property
    def oid(self) -> str:
        """The OID of this kind of INS."""
        return _KIND_TO_OID[self]


_OID_TO_KIND: Final[dict[str, InsKind]] = {
    INS_NIR_OID: InsKind.NIR,
    INS_NIA_OID: InsKind.NIA,
    INS_TEST_OID: InsKind.TEST,
    INS_DEMO_OID: InsKind.DEMO,
}
_KIND_TO_OID: Final[dict[InsKind, str]] = {kind: oid for oid, kind in _OID_TO_KIND.items()}

# A 15-character Corsica matricule, compact and upper case (all-digit ones take a faster path).
_CORSICA15 = re.compile(r"[0-9]{5}2[AB][0-9]{8}").fullmatch
# What is left once separators are removed must be made only of these.
_ALLOWED = re.compile(r"[0-9AB]+").fullmatch
_SEPARATORS: Final = str.maketrans("", "", " .-\t\u00a0\u202f")


def _number13(first13: str) -> int:
    """The integer that the key is computed over (Corsica letters replaced)."""
    if first13[6] == "A":
        return int(first13[:5] + "19" + first13[7:13])
    if first13[6] == "B":
        return int(first13[:5] + "18" + first13[7:13])
    return int(first13[:13])


def _key_of(first13: str) -> str:
    return f"{97 - _number13(first13) % 97:02d}"


def _resolve_oid(oid: str | InsKind | None) -> str:
    if oid is None:
        return INS_NIR_OID
    if isinstance(oid, InsKind):
        return oid.oid
    if oid in _OID_TO_KIND:
        return oid
    raise UnknownOid(
        f"unknown INS OID {oid!r}",
        code="unknown-oid",
        hint="use 1.2.250.1.213.1.4.8 (INS-NIR), .9 (INS-NIA), .10 (TEST) or .11 (DEMO)",
    )


def _check_shape(m: str, original: str) -> None:
    """Check characters, length and Corsica letters of a compact matricule (any length)."""
    if not m:
        raise InvalidIns("the matricule INS is empty", code="empty", hint="type the 15 characters")
    if not _ALLOWED(m):
        bad = sorted({c for c in m if c not in "0123456789AB"})
        shown = ", ".join(repr(c) for c in bad[:5])
        raise InvalidIns(
            f"the matricule INS {original!r} contains characters that are not allowed: {shown}",
            code="characters",
            hint="a matricule INS has digits only, except 2A or 2B for Corsica at positions 6-7",
        )
    n = len(m)
    if n not in (13, 15):
        raise InvalidIns(
            f"the matricule INS has {n} characters; 15 are expected (13 plus a 2-digit key)",
            code="length",
            hint="check for a missing or extra digit",
        )
    letters = [i for i, c in enumerate(m) if c in "AB"]
    if letters and (letters != [6] or m[5] != "2"):
        raise InvalidIns(
            f"the matricule INS {m!r} has a letter outside the Corsica department",
            code="corsica",
            hint="letters are allowed only as 2A or 2B at positions 6-7 (people born in Corsica)",
        )


def _check_structure(m: str) -> None:
    sex = m[0]
    if sex not in "12":
        raise InvalidIns(
            f"the matricule INS starts with {sex!r}; the sex digit must be 1 or 2",
            code="structure",
            hint="numbers starting with 3, 4, 7 or 8 are not matricules INS",
        )
    month = int(m[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 99):
        raise InvalidIns(
            f"the matricule INS has month {m[3:5]!r}; 01-12 or 20-99 (unknown month) expected",
            code="structure",
            hint="check the 4th and 5th digits",
        )


def _compact(text: str) -> str:
    return text.translate(_SEPARATORS).upper()


def parse_ins(text: str, *, oid: str | InsKind | None = None, strict: bool = False) -> Ins:
    """Parse and validate a matricule INS.

    Spaces, dots, dashes and lower-case ``2a``/``2b`` are accepted. The length, the characters,
    the Corsica letters and the key are checked. ``strict=True`` adds the CNAM structural
    checks: sex digit 1 or 2, month 01-12 or 20-99.

    A 13-character input is refused with code ``missing-key``: the key is never completed
    silently, but the hint gives the computed key.

    Args:
        text: the matricule as typed or received.
        oid: the INS OID (or :class:`InsKind`); INS-NIR when omitted.
        strict: also check the sex digit and the month.

    Raises:
        InvalidIns: with one of the codes ``empty``, ``length``, ``characters``, ``corsica``,
            ``missing-key``, ``key-mismatch``, ``structure``.
        UnknownOid: when ``oid`` is not one of the four INS OIDs.
        TypeError: when ``text`` is not a string.
    """
    if type(text) is not str:
        if not isinstance(text, str):
            raise TypeError(f"parse_ins() expects a str, not {type(text).__name__}")
        text = str(text)
    resolved = INS_NIR_OID if oid is None else _resolve_oid(oid)
    m = text
    # Hot path: 15 ASCII digits. str.isdigit() alone would accept other Unicode digits.
    if not (len(m) == 15 and m.isdigit() and m.isascii()):
        m = text.translate(_SEPARATORS).upper()
        if not (len(m) == 15 and m.isdigit() and m.isascii()) and _CORSICA15(m) is None:
            _refuse_shape(m, text)
    if 97 - _number13(m) % 97 != int(m[13:]):
        expected = _key_of(m)
        raise InvalidIns(
            f"the key of the matricule INS {m!r} is wrong",
            code="key-mismatch",
            hint=f"expected key {expected}, found {m[13:]}: a character was probably mistyped",
        )
    if strict:
        _check_structure(m)
    ins = object.__new__(Ins)
    _set_matricule(ins, m)
    _set_oid(ins, resolved)
    return ins


def _refuse_shape(m: str, original: str) -> NoReturn:
    """Raise the right :class:`InvalidIns` for a compact matricule that is not 15 well-placed
    characters."""
    _check_shape(m, original)
    if len(m) == 13:
        raise InvalidIns(
            f"the matricule INS {m!r} has 13 characters: the 2-digit key is missing",
            code="missing-key",
            hint=f"the key of {m} is {_key_of(m)}; check it on the carte Vitale or "
            "the INSi result before adding it",
        )
    raise AssertionError(f"unreachable: {m!r} is well formed")  # pragma: no cover


def is_valid_ins(text: object, *, strict: bool = False) -> bool:
    """Return whether ``text`` is a valid matricule INS. Never raises."""
    if not isinstance(text, str):
        return False
    try:
        parse_ins(text, strict=strict)
    except InvalidIns:
        return False
    return True


def ins_key(first13: str) -> str:
    """Return the 2-digit key of the first 13 characters of a matricule INS.

    Separators and a lower-case ``2a``/``2b`` are accepted, like in :func:`parse_ins`.

    Raises:
        InvalidIns: when the 13 characters are not a well-formed matricule body.
    """
    m = _compact(first13)
    _check_shape(m, first13)
    if len(m) != 13:
        raise InvalidIns(
            f"ins_key() needs the first 13 characters, got {len(m)}",
            code="length",
            hint="pass the matricule without its key",
        )
    return _key_of(m)


class Ins:
    """A validated matricule INS with its OID. Immutable and hashable.

    Build one with :func:`parse_ins` (or ``Ins("...")``, which does the same checks).
    ``str(ins)`` is the 15-character matricule.
    """

    __slots__ = ("matricule", "oid")

    matricule: str
    """The 15 characters, upper case, key included."""
    oid: str
    """The INS OID, INS-NIR (``1.2.250.1.213.1.4.8``) by default."""

    def __init__(
        self, matricule: str, oid: str | InsKind | None = None, *, strict: bool = False
    ) -> None:
        parsed = parse_ins(matricule, oid=oid, strict=strict)
        _set_matricule(self, parsed.matricule)
        _set_oid(self, parsed.oid)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Ins is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Ins is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Ins, (self.matricule, self.oid))

    @property
    def key(self) -> str:
        """The 2-digit key (the last two characters of the matricule)."""
        return self.matricule[13:]

    @property
    def kind(self) -> InsKind:
        """NIR, NIA, TEST or DEMO, derived from the OID."""
        return _OID_TO_KIND[self.oid]

    @property
    def is_test(self) -> bool:
        """True for the TEST and DEMO OIDs, which never designate a real person."""
        return self.kind in (InsKind.TEST, InsKind.DEMO)

    @property
    def address(self) -> str:
        """The MSS-C address of this patient: ``<matricule>@patient.mssante.fr``."""
        return f"{self.matricule}@{PATIENT_DOMAIN}"

    @property
    def is_corsica(self) -> bool:
        """True when the department is 2A or 2B."""
        return self.matricule[6] in "AB"

    def format(self) -> str:
        """The matricule grouped for reading: ``2 79 03 51 215 189 89``."""
        m = self.matricule
        return f"{m[0]} {m[1:3]} {m[3:5]} {m[5:7]} {m[7:10]} {m[10:13]} {m[13:]}"

    def __str__(self) -> str:
        return self.matricule

    def __repr__(self) -> str:
        if self.oid == INS_NIR_OID:
            return f"Ins({self.matricule!r})"
        return f"Ins({self.matricule!r}, oid={self.oid!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ins):
            return self.matricule == other.matricule and self.oid == other.oid
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.matricule, self.oid))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Let pydantic models hold an :class:`Ins`.

        Accepted: an ``Ins``, a matricule string (INS-NIR OID), or a mapping
        ``{"matricule": ..., "oid": ...}``. JSON output is always the mapping, so that the OID
        survives a round trip; Python output (``model_dump()``) keeps the ``Ins``.
        """
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            _ins_from_any,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _ins_to_json, when_used="json"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        """The JSON Schema of an INS: a matricule string, or the matricule with its OID."""
        matricule = {"type": "string", "pattern": r"^[0-9]{5}(?:[0-9]{2}|2[ABab])[0-9]{8}$"}
        return {
            "anyOf": [
                matricule,
                {
                    "type": "object",
                    "properties": {
                        "matricule": matricule,
                        "oid": {"type": "string", "enum": list(_OID_TO_KIND)},
                    },
                    "required": ["matricule"],
                    "additionalProperties": False,
                },
            ],
            "title": "Ins",
        }


_set_matricule = Ins.__dict__["matricule"].__set__
_set_oid = Ins.__dict__["oid"].__set__


def _ins_from_any(value: object) -> Ins:
    if isinstance(value, Ins):
        return value
    if isinstance(value, str):
        return parse_ins(value)
    if isinstance(value, dict):
        extra = set(value) - {"matricule", "oid"}
        matricule, oid = value.get("matricule"), value.get("oid")
        if extra or not isinstance(matricule, str) or not isinstance(oid, (str, type(None))):
            raise ValueError(
                'an INS mapping has a string "matricule" and an optional string "oid", '
                f"got keys {sorted(map(str, value))}"
            )
        return parse_ins(matricule, oid=oid)
    raise ValueError(f"an INS is a string or a mapping, not {type(value).__name__}")


def _ins_to_json(ins: Ins) -> dict[str, str]:
    return {"matricule": ins.matricule, "oid": ins.oid}


class IdentityStatus(str, Enum):
    """The RNIV identity status (HL7 v2 table 0445). Only ``QUAL`` allows MSS-C addressing."""

    PROV = "PROV"
    RECUP = "RECUP"
    VALI = "VALI"
    QUAL = "QUAL"

    @property
    def label(self) -> str:
        """The French label: *provisoire*, *récupérée*, *validée*, *qualifiée*."""
        return _STATUS_LABELS[self]


_STATUS_LABELS: Final[dict[IdentityStatus, str]] = {
    IdentityStatus.PROV: "Identité provisoire",
    IdentityStatus.RECUP: "Identité récupérée",
    IdentityStatus.VALI: "Identité validée",
    IdentityStatus.QUAL: "Identité qualifiée",
}


class Sex(str, Enum):
    """Administrative sex as carried by the INS traits."""

    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "I"
    """*Indéterminé*: no civility is used."""


if not TYPE_CHECKING:  # type checkers see the import above; ``mssc.ins.typo`` stays an error

    def __getattr__(name: str) -> Any:
        """Load :class:`PatientIdentity` (a pydantic model) on first use: ``parse_ins`` and
        ``Ins`` never import pydantic, so ``mssc ins`` starts at once."""
        if name == "PatientIdentity":
            from mssc._patient import PatientIdentity

            return PatientIdentity
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
