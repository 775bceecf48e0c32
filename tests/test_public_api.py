"""The public API: every exported name exists, and the error codes are exactly the issue's."""

from __future__ import annotations

import importlib

import pytest

import mssc
from mssc.errors import (
    InvalidAddress,
    InvalidIdentifier,
    InvalidIns,
    MsscError,
    UnknownOid,
    UnqualifiedIdentity,
)

INS_CODES = {"empty", "length", "characters", "corsica", "missing-key", "key-mismatch", "structure"}

#: The names issue 2 requires to be importable from ``mssc``.
FOUNDATION_NAMES = [
    "Ins",
    "InsKind",
    "parse_ins",
    "InvalidIns",
    "is_valid_ins",
    "ins_key",
    "IdentityStatus",
    "PatientIdentity",
    "PATIENT_DOMAIN",
    "TEST_RESPONDER",
    "patient_address",
    "UnqualifiedIdentity",
    "parse_patient_address",
    "InvalidAddress",
    "is_patient_address",
    "is_mssante_address",
    "finess",
    "siren",
    "siret",
    "rpps",
    "adeli",
    "parse_idnat",
    "InvalidIdentifier",
    "MsscError",
]


@pytest.mark.parametrize("name", sorted(mssc.__all__))
def test_every_exported_name_is_importable(name: str) -> None:
    assert hasattr(mssc, name)
    namespace: dict[str, object] = {}
    exec(f"from mssc import {name}", namespace)
    assert namespace[name] is getattr(mssc, name)


def test_all_has_no_duplicates() -> None:
    assert len(mssc.__all__) == len(set(mssc.__all__))


@pytest.mark.parametrize("name", FOUNDATION_NAMES)
def test_foundation_names_are_exported(name: str) -> None:
    assert name in mssc.__all__


@pytest.mark.parametrize("scheme", ["finess", "siren", "siret", "rpps", "adeli"])
def test_identifier_schemes_follow_stdnum_convention(scheme: str) -> None:
    module = getattr(mssc, scheme)
    for function in ("compact", "validate", "is_valid", "format"):
        assert callable(getattr(module, function))


def test_error_codes_are_exactly_the_issues() -> None:
    assert InvalidIns.codes == INS_CODES
    assert InvalidAddress.codes == {"syntax", "wrong-domain", "accented-domain"} | INS_CODES
    assert UnqualifiedIdentity.codes == {"not-qualified"}
    assert InvalidIdentifier.codes == {
        "empty",
        "length",
        "characters",
        "checksum",
        "unknown-prefix",
    }
    assert UnknownOid.codes == {"unknown-oid"}


@pytest.mark.parametrize(
    "error", [InvalidIns, InvalidAddress, UnqualifiedIdentity, InvalidIdentifier, UnknownOid]
)
def test_errors_are_value_errors_with_code_and_hint(error: type[MsscError]) -> None:
    assert issubclass(error, MsscError)
    assert issubclass(error, ValueError)
    code = sorted(error.codes)[0]
    exc = error("message", code=code, hint="do this")
    assert exc.to_dict() == {
        "error": error.__name__,
        "code": code,
        "message": "message",
        "hint": "do this",
    }
    assert str(exc) == f"[{code}] message (hint: do this)"


def test_submodules_declare_all() -> None:
    for name in ("mssc.ins", "mssc.addresses", "mssc.identifiers"):
        module = importlib.import_module(name)
        for exported in module.__all__:
            assert hasattr(module, exported), (name, exported)


def test_enums_are_str() -> None:
    assert issubclass(mssc.InsKind, str)
    assert issubclass(mssc.IdentityStatus, str)
    assert issubclass(mssc.Sex, str)
    assert issubclass(mssc.IdNatKind, str)
