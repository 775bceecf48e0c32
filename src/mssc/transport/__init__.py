"""Send to an MSSanté operator and read the return box, with IGC-Santé credentials (edge).

Thin, optional I/O over the stdlib (``smtplib``, ``imaplib``, ``ssl``) and ``cryptography``:
:mod:`mssc.transport.credentials` (PKCS#12 loading, IGC-Santé checks, client TLS context).
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

__all__ = [
    "CertificateReport",
    "CredentialFinding",
    "Credentials",
    "CredentialsError",
    "IgcSanteRange",
    "TransportError",
    "load_pem",
    "load_pkcs12",
]
