"""The errors of the transport edge, split by whose fault they are.

:class:`CredentialsError` is a caller mistake (a wrong password, a file that is no PKCS#12).
:class:`TransportError` is about the connection or the server: no STARTTLS, a TLS handshake
refused, an authentication refused, a changed UIDVALIDITY. Refusals of single recipients are not
errors: they are outcomes in :class:`~mssc.transport.SubmissionResult`.
"""

from __future__ import annotations

from typing import ClassVar

from mssc.errors import MsscError

__all__ = ["CredentialsError", "TransportError"]


class CredentialsError(MsscError, ValueError):
    """A PKCS#12 file (or PEM pair) that cannot be used.

    Codes: ``wrong-password``, ``corrupt-file`` (not a readable PKCS#12), ``pem-not-pkcs12``
    (a PEM file given where a ``.p12`` was expected), ``no-certificate``, ``no-private-key``,
    ``unreadable-file`` (the file cannot be opened), ``unusable`` (expired, not yet valid, key
    mismatch or no client authentication: refused before connecting), ``bad-argument``.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {
            "wrong-password",
            "corrupt-file",
            "pem-not-pkcs12",
            "no-certificate",
            "no-private-key",
            "unreadable-file",
            "unusable",
            "bad-argument",
        }
    )


class TransportError(MsscError):
    """A connection that cannot be used safely, or a server that refused the session.

    Codes: ``connection-failed`` (no TCP connection, or it dropped outside of a message),
    ``starttls-unavailable`` (the server does not offer STARTTLS and ``insecure`` is off),
    ``tls-failed`` (the handshake failed: untrusted server, refused client certificate …),
    ``auth-failed`` (XOAUTH2 or the client certificate refused), ``auth-unavailable`` (the
    server offers no mechanism mssc can use with what was given), ``sender-refused`` (MAIL FROM
    refused for the whole session), ``uidvalidity-changed`` (the return box was rebuilt: see
    ``docs/transport.md``), ``imap-error`` (an IMAP command failed), ``bad-argument``.

    Attributes:
        reply_code: the server's reply code when it gave one (SMTP), else 0.
        reply_text: the server's reply text (may be empty). It comes from the server: escape it
            before showing it on a terminal.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {
            "connection-failed",
            "starttls-unavailable",
            "tls-failed",
            "auth-failed",
            "auth-unavailable",
            "sender-refused",
            "uidvalidity-changed",
            "imap-error",
            "bad-argument",
        }
    )

    def __init__(
        self,
        message: str,
        *,
        code: str,
        hint: str = "",
        reply_code: int = 0,
        reply_text: str = "",
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.reply_code = reply_code
        self.reply_text = reply_text
