"""A local Mon espace santé over real SMTP and TLS, for testing a DPI/GAM end to end (edge).

:mod:`mssc.sandbox.pki` (the test PKI) needs only ``cryptography``; the server itself needs the
``sandbox`` extra (aiosmtpd) and is imported on first use.
"""

from __future__ import annotations

from mssc.sandbox.pki import ClientCertificate, TestPki

__all__ = ["ClientCertificate", "TestPki"]
