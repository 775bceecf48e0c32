"""mssc: build, check and process MSS-C messages to and from Mon espace santé.

The public API is exactly the names in ``__all__``; everything else is private.
"""

from __future__ import annotations

from mssc.addresses import (
    MSSANTE_DOMAIN,
    PATIENT_DOMAIN,
    TEST_RESPONDER,
    is_mssante_address,
    is_patient_address,
    normalize_address,
    parse_patient_address,
    patient_address,
)
from mssc.errors import (
    InvalidAddress,
    InvalidIdentifier,
    InvalidIns,
    MsscError,
    UnknownOid,
    UnqualifiedIdentity,
)
from mssc.identifiers import (
    IdentifierScheme,
    IdNat,
    IdNatKind,
    adeli,
    finess,
    parse_idnat,
    rpps,
    siren,
    siret,
)
from mssc.ins import (
    INS_DEMO_OID,
    INS_NIA_OID,
    INS_NIR_OID,
    INS_TEST_OID,
    IdentityStatus,
    Ins,
    InsKind,
    PatientIdentity,
    Sex,
    ins_key,
    is_valid_ins,
    parse_ins,
)

__version__ = "0.1.0"

__all__ = [
    "INS_DEMO_OID",
    "INS_NIA_OID",
    "INS_NIR_OID",
    "INS_TEST_OID",
    "MSSANTE_DOMAIN",
    "PATIENT_DOMAIN",
    "TEST_RESPONDER",
    "IdNat",
    "IdNatKind",
    "IdentifierScheme",
    "IdentityStatus",
    "Ins",
    "InsKind",
    "InvalidAddress",
    "InvalidIdentifier",
    "InvalidIns",
    "MsscError",
    "PatientIdentity",
    "Sex",
    "UnknownOid",
    "UnqualifiedIdentity",
    "__version__",
    "adeli",
    "finess",
    "ins_key",
    "is_mssante_address",
    "is_patient_address",
    "is_valid_ins",
    "normalize_address",
    "parse_idnat",
    "parse_ins",
    "parse_patient_address",
    "patient_address",
    "rpps",
    "siren",
    "siret",
]
