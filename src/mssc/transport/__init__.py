"""Send to an MSSanté operator and read the return box, with IGC-Santé credentials (edge).

Thin, optional I/O over the stdlib (``smtplib``, ``imaplib``, ``ssl``) and ``cryptography``:
:mod:`mssc.transport.credentials` (PKCS#12 loading, IGC-Santé checks, client TLS context),
:class:`Submitter` (SMTP submission with one outcome per recipient) and :class:`ReturnBox`
(IMAP return box, processed at least once, nothing deleted). See ``docs/transport.md``.
"""

from __future__ import annotations

from mssc.transport._errors import CredentialsError, TransportError
from mssc.transport.credentials import (
    CertificateReport,
    CredentialFinding,
    Credentials,
    IgcSanteRange,
    load_pem,
    load_pkcs12,
)
from mssc.transport.returns import (
    PROCESSED_KEYWORD,
    JsonFileState,
    ProcessReport,
    ReturnBox,
    ReturnItem,
    SkippedItem,
)
from mssc.transport.submit import (
    RawSubmission,
    RecipientSubmission,
    SubmissionResult,
    SubmissionStatus,
    Submitter,
)

__all__ = [
    "PROCESSED_KEYWORD",
    "CertificateReport",
    "CredentialFinding",
    "Credentials",
    "CredentialsError",
    "IgcSanteRange",
    "JsonFileState",
    "ProcessReport",
    "RawSubmission",
    "RecipientSubmission",
    "ReturnBox",
    "ReturnItem",
    "SkippedItem",
    "SubmissionResult",
    "SubmissionStatus",
    "Submitter",
    "TransportError",
    "load_pem",
    "load_pkcs12",
]
