"""IGC-Santé credentials: load a PKCS#12 file, inspect and check it, build a client TLS context.

A structure's software certificate (IGC-Santé "Élémentaire Organisations", ORG AUTH_CLI) comes
as a ``.p12`` file with a password. :func:`load_pkcs12` reads it into a :class:`Credentials`
value; :meth:`Credentials.inspect` says what it is (subject, issuer, dates, the structure id in
``OU``, the IGC-Santé range, key usages) and :meth:`Credentials.check` lists what is wrong with
it at a given time, with stable codes. :meth:`Credentials.ssl_context` gives the client
``SSLContext`` for mutual TLS with an MSSanté operator.

The inspection and the checks are pure functions of the certificate and a clock; only
:func:`load_pkcs12` (reading a path) and :meth:`Credentials.ssl_context` touch the system.

>>> from mssc.transport import CredentialsError
>>> try:
...     load_pkcs12(b"-----BEGIN CERTIFICATE-----\\n", "secret")
... except CredentialsError as exc:
...     print(exc.code)
pem-not-pkcs12
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import ssl
import tempfile
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mssc.conformance import Severity
from mssc.errors import InvalidIdentifier
from mssc.identifiers import IdNat, parse_idnat
from mssc.transport._errors import CredentialsError

__all__ = [
    "CertificateReport",
    "CredentialFinding",
    "Credentials",
    "IgcSanteRange",
    "load_pem",
    "load_pkcs12",
]

#: A private key that TLS client authentication can use.
PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | (ed448.Ed448PrivateKey)
)


class IgcSanteRange(str, Enum):
    """Which certification authority issued a certificate, as its issuer name says."""

    PRODUCTION = "production"
    """``AC IGC-SANTE ELEMENTAIRE ORGANISATIONS``: what MSSanté operators accept."""
    TEST = "test"
    """``TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS`` (``OU=IGC-SANTE TEST``): test platforms."""
    OTHER_IGC_SANTE = "other-igc-sante"
    """Another IGC-Santé CA (Standard, Fort, Personnes): not accepted for a software box."""
    NONE = "none"
    """Not an IGC-Santé CA at all."""


# Names compared after folding accents, case and runs of spaces, hyphens and underscores.
_ELEMENTAIRE_ORG: Final = "AC IGC SANTE ELEMENTAIRE ORGANISATIONS"
_IGC_SANTE: Final = re.compile(r"\bIGC SANTE\b")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.split(r"[\s_\-]+", plain)).strip()


def igc_sante_range(issuer: x509.Name) -> IgcSanteRange:
    """The IGC-Santé range of an issuer name (a name check: trust comes from the TLS chain).

    >>> from cryptography import x509
    >>> from cryptography.x509.oid import NameOID
    >>> name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
    ...                   "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS")])
    >>> igc_sante_range(name).value
    'test'
    """
    cns = [_fold(str(a.value)) for a in issuer.get_attributes_for_oid(NameOID.COMMON_NAME)]
    ous = [
        _fold(str(a.value)) for a in issuer.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    ]
    test_ou = any(_IGC_SANTE.search(ou) and "TEST" in ou.split() for ou in ous)
    for cn in cns:
        if cn == _ELEMENTAIRE_ORG:
            return IgcSanteRange.TEST if test_ou else IgcSanteRange.PRODUCTION
        if cn == "TEST " + _ELEMENTAIRE_ORG:
            return IgcSanteRange.TEST
    if any(_IGC_SANTE.search(cn) for cn in cns) or test_ou:
        return IgcSanteRange.OTHER_IGC_SANTE
    return IgcSanteRange.NONE


_KEY_USAGES: Final = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
_EKU_NAMES: Final = {
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage",
}


@dataclass(frozen=True, slots=True)
class CertificateReport:
    """What a certificate is, as read from it (no clock, no network).

    Attributes:
        subject, issuer: the names in RFC 4514 form (``CN=…,OU=…,O=…,C=FR``).
        subject_cn, issuer_cn: their common names (``""`` when absent).
        serial: the serial number, in upper-case hexadecimal.
        not_before, not_after: the validity period (timezone-aware, UTC).
        structure_id: the structure's idNat read from ``OU`` (``1`` + FINESS, ``2`` + SIREN,
            ``3`` + SIRET …), or None.
        structure_id_text: the ``OU`` value it was read from, or the first ``OU`` when none
            parses (``""`` without ``OU``).
        structure_id_problem: why no ``OU`` value is a structure idNat (``""`` when one is).
        igc_sante: the issuing CA's range, from the issuer name.
        key_usage: the key usages set (``digital_signature`` …); None without the extension.
        extended_key_usage: the extended key usages (``clientAuth`` …, or a dotted OID); None
            without the extension (any usage is then allowed).
        chain: the subjects of the CA certificates in the file, in file order.
    """

    subject: str
    issuer: str
    subject_cn: str
    issuer_cn: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    structure_id: IdNat | None
    structure_id_text: str
    structure_id_problem: str
    igc_sante: IgcSanteRange
    key_usage: tuple[str, ...] | None
    extended_key_usage: tuple[str, ...] | None
    chain: tuple[str, ...] = ()

    @property
    def allows_client_auth(self) -> bool:
        """Whether the usages allow TLS client authentication."""
        if self.key_usage is not None and "digital_signature" not in self.key_usage:
            return False
        eku = self.extended_key_usage
        return eku is None or "clientAuth" in eku or "anyExtendedKeyUsage" in eku

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data (dates in ISO 8601, the idNat as its prefixed string)."""
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "subject_cn": self.subject_cn,
            "issuer_cn": self.issuer_cn,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "structure_id": str(self.structure_id) if self.structure_id else None,
            "structure_id_kind": self.structure_id.kind.value if self.structure_id else None,
            "structure_id_text": self.structure_id_text,
            "structure_id_problem": self.structure_id_problem,
            "igc_sante": self.igc_sante.value,
            "key_usage": list(self.key_usage) if self.key_usage is not None else None,
            "extended_key_usage": (
                list(self.extended_key_usage) if self.extended_key_usage is not None else None
            ),
            "chain": list(self.chain),
        }


@dataclass(frozen=True, slots=True)
class CredentialFinding:
    """One problem with credentials at a given time.

    Attributes:
        code: ``expired``, ``not-yet-valid``, ``expires-soon``, ``not-igc-sante``,
            ``igc-sante-test``, ``key-mismatch``, ``no-client-auth`` or ``no-structure-id``.
        severity: ``error`` (an operator will refuse the connection) or ``warning``.
        message: what is wrong (English).
        hint: what to do.
    """

    code: str
    severity: Severity
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, str]:
        """``{"code", "severity", "message", "hint"}``."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        return f"{self.severity.value:<7} {self.code}: {self.message}"


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def _structure_id(subject: x509.Name) -> tuple[IdNat | None, str, str]:
    ous = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    if not ous:
        return None, "", "the subject has no OU"
    problem = ""
    for ou in ous:
        try:
            return parse_idnat(ou, scope="structure"), ou, ""
        except InvalidIdentifier as exc:
            problem = problem or f"OU {ou!r} is not a structure idNat: {exc.message}"
    return None, ous[0], problem


def _usages(cert: x509.Certificate) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    else:
        names = []
        for name in _KEY_USAGES:
            if getattr(ku, name):
                names.append(name)
        if ku.key_agreement:
            names += [n for n in ("encipher_only", "decipher_only") if getattr(ku, n)]
        key_usage = tuple(names)
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        ext_usage = None
    else:
        ext_usage = tuple(_EKU_NAMES.get(oid, oid.dotted_string) for oid in eku)
    return key_usage, ext_usage


def inspect_certificate(
    cert: x509.Certificate, chain: tuple[x509.Certificate, ...] = ()
) -> CertificateReport:
    """Read a certificate into a :class:`CertificateReport` (pure)."""
    structure_id, structure_text, problem = _structure_id(cert.subject)
    key_usage, ext_usage = _usages(cert)
    return CertificateReport(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        subject_cn=_cn(cert.subject),
        issuer_cn=_cn(cert.issuer),
        serial=f"{cert.serial_number:X}",
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        structure_id=structure_id,
        structure_id_text=structure_text,
        structure_id_problem=problem,
        igc_sante=igc_sante_range(cert.issuer),
        key_usage=key_usage,
        extended_key_usage=ext_usage,
        chain=tuple(c.subject.rfc4514_string() for c in chain),
    )


def _public_der(key: Any) -> bytes:
    der: bytes = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


@dataclass(frozen=True)
class Credentials:
    """A client certificate, its private key and the CA certificates that came with it.

    Build it with :func:`load_pkcs12` (or :func:`load_pem`). The private key stays in memory;
    it is not part of ``repr`` and is never written to disk in clear.

    Attributes:
        certificate: the client (leaf) certificate.
        private_key: its private key.
        chain: the other certificates of the file (intermediate and root CAs), in file order.
    """

    certificate: x509.Certificate
    private_key: PrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()

    def inspect(self) -> CertificateReport:
        """What the certificate is: subject, issuer, dates, structure id, IGC-Santé range,
        usages."""
        return inspect_certificate(self.certificate, self.chain)

    def check(
        self,
        *,
        now: dt.datetime | None = None,
        warn_days: int = 30,
        environment: Literal["production", "test"] = "production",
    ) -> tuple[CredentialFinding, ...]:
        """The problems of these credentials at ``now``, errors first.

        Args:
            now: the time to check at (timezone-aware; default: the system clock, UTC).
            warn_days: ``expires-soon`` when fewer days than this are left.
            environment: ``production`` (a test chain is an error, ``igc-sante-test``) or
                ``test`` (a test chain is expected; another IGC-Santé or foreign CA is a warning).
        """
        if now is None:
            now = dt.datetime.now(dt.timezone.utc)
        elif now.tzinfo is None:
            raise CredentialsError(
                "check(now=...) needs a timezone-aware datetime",
                code="bad-argument",
                hint="pass datetime.now(timezone.utc) or another aware datetime",
            )
        report = self.inspect()
        out: list[CredentialFinding] = []
        err, warn = Severity.ERROR, Severity.WARNING
        if now < report.not_before:
            out.append(
                CredentialFinding(
                    "not-yet-valid",
                    err,
                    f"the certificate is valid only from {report.not_before:%Y-%m-%d %H:%M} UTC",
                    "check the system clock, or wait for the validity date",
                )
            )
        elif now >= report.not_after:
            out.append(
                CredentialFinding(
                    "expired",
                    err,
                    f"the certificate expired on {report.not_after:%Y-%m-%d %H:%M} UTC",
                    "order a new IGC-Santé certificate for the structure (ANS, "
                    "Espace de Confiance)",
                )
            )
        elif report.not_after - now < dt.timedelta(days=warn_days):
            days = (report.not_after - now).days
            out.append(
                CredentialFinding(
                    "expires-soon",
                    warn,
                    f"the certificate expires in {days} day{'s' if days != 1 else ''}, on "
                    f"{report.not_after:%Y-%m-%d} UTC",
                    "renew it now: an expired certificate stops every message",
                )
            )
        if _public_der(self.certificate.public_key()) != _public_der(self.private_key.public_key()):
            out.append(
                CredentialFinding(
                    "key-mismatch",
                    err,
                    "the private key does not belong to the certificate",
                    "export the certificate and its own key together into one .p12",
                )
            )
        if not report.allows_client_auth:
            out.append(
                CredentialFinding(
                    "no-client-auth",
                    err,
                    "the key usages do not allow TLS client authentication "
                    f"(key usage {report.key_usage}, extended {report.extended_key_usage})",
                    "use the structure's authentication certificate (ORG AUTH_CLI), not its "
                    "signature or encryption one",
                )
            )
        rng = report.igc_sante
        if rng is IgcSanteRange.TEST and environment == "production":
            out.append(
                CredentialFinding(
                    "igc-sante-test",
                    err,
                    f"the issuer {report.issuer_cn!r} is an IGC-Santé TEST authority",
                    "use the production certificate in production; test certificates work "
                    "only on test platforms (check(environment='test'))",
                )
            )
        elif rng in (IgcSanteRange.OTHER_IGC_SANTE, IgcSanteRange.NONE):
            what = (
                "another IGC-Santé authority"
                if rng is IgcSanteRange.OTHER_IGC_SANTE
                else "not an IGC-Santé authority"
            )
            out.append(
                CredentialFinding(
                    "not-igc-sante",
                    err if environment == "production" else warn,
                    f"the issuer {report.issuer_cn!r} is {what}; MSSanté operators accept "
                    "IGC-Santé 'Élémentaire Organisations' certificates",
                    "order an IGC-Santé Élémentaire Organisations certificate (ORG AUTH_CLI)",
                )
            )
        if report.structure_id is None:
            out.append(
                CredentialFinding(
                    "no-structure-id",
                    warn,
                    f"no structure idNat in the subject: {report.structure_id_problem}",
                    "an IGC-Santé structure certificate carries the idNat_Struct in OU",
                )
            )
        return tuple(sorted(out, key=lambda f: f.severity is not Severity.ERROR))

    def ssl_context(
        self,
        *,
        cafile: str | os.PathLike[str] | None = None,
        cadata: str | bytes | None = None,
    ) -> ssl.SSLContext:
        """A client ``SSLContext`` for mutual TLS: TLS 1.2 or later, the server's certificate
        and host name checked, this certificate and its chain presented.

        Args:
            cafile: a PEM file with the operator's CA certificates.
            cadata: the same as PEM text (or DER bytes). Without either, the system store.

        The private key never lands on disk in clear: see :meth:`load_into`.
        """
        context = client_context(cafile=cafile, cadata=cadata)
        self.load_into(context)
        return context

    def load_into(self, context: ssl.SSLContext) -> None:
        """Load this certificate, its key and chain into ``context`` (for mutual TLS).

        The stdlib loads a client key only from a file. The key is written encrypted (PKCS#8,
        with a random 256-bit passphrase held only in memory), to a file that only the current
        user can read, in a fresh private folder; ``load_cert_chain`` reads it with that
        passphrase, and the file is removed at once, even when loading fails.
        """
        passphrase = secrets.token_bytes(32)
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
        pem += self.certificate.public_bytes(serialization.Encoding.PEM)
        for ca in self.chain:
            pem += ca.public_bytes(serialization.Encoding.PEM)
        with tempfile.TemporaryDirectory(prefix="mssc-tls-") as folder:
            path = Path(folder) / "client.pem"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            try:
                context.load_cert_chain(path, password=passphrase)
            finally:
                path.unlink()


def client_context(
    *,
    cafile: str | os.PathLike[str] | None = None,
    cadata: str | bytes | None = None,
) -> ssl.SSLContext:
    """A client ``SSLContext`` without a client certificate: TLS 1.2 or later, the server's
    certificate and host name checked against ``cafile``/``cadata`` or the system store."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile, cadata=cadata)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _read(source: str | os.PathLike[str] | bytes, what: str) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if not isinstance(source, (str, os.PathLike)):
        raise CredentialsError(
            f"{what} must be a path or bytes, not {type(source).__name__}", code="bad-argument"
        )
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise CredentialsError(
            f"cannot read {os.fspath(source)!r}: {exc.strerror or exc}",
            code="unreadable-file",
            hint="check the path and the file's permissions",
        ) from None


def _password(password: str | bytes | None) -> bytes | None:
    if password is None or isinstance(password, bytes):
        return password
    if isinstance(password, str):
        return password.encode("utf-8")
    raise CredentialsError(
        f"the password must be str or bytes, not {type(password).__name__}", code="bad-argument"
    )


def _der_sequence_shape(data: bytes) -> bool:
    """Whether ``data`` is one DER SEQUENCE whose first element is INTEGER 3 (PFX version)."""
    if len(data) < 5 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        length, head = first, 2
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or len(data) < 2 + n:
            return False
        length, head = int.from_bytes(data[2 : 2 + n], "big"), 2 + n
    return head + length == len(data) and data[head : head + 3] == b"\x02\x01\x03"


def load_pkcs12(
    source: str | os.PathLike[str] | bytes, password: str | bytes | None
) -> Credentials:
    """Load a PKCS#12 (``.p12``/``.pfx``) file: the certificate, its key and the CA chain.

    Args:
        source: a path, or the file's bytes.
        password: the file's password (str is encoded as UTF-8); None for no password.

    Raises:
        CredentialsError: ``unreadable-file``, ``pem-not-pkcs12``, ``corrupt-file``,
            ``wrong-password``, ``no-certificate`` or ``no-private-key``.
    """
    data = _read(source, "source")
    secret = _password(password)
    if data.lstrip()[:10] == b"-----BEGIN":
        raise CredentialsError(
            "the data is PEM text, not a PKCS#12 file",
            code="pem-not-pkcs12",
            hint="convert it: openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.p12",
        )
    if not _der_sequence_shape(data):
        raise CredentialsError(
            "the data is not a PKCS#12 file (truncated or another format)",
            code="corrupt-file",
            hint="export the certificate again as .p12 (PKCS#12), with its private key",
        )
    try:
        bundle = pkcs12.load_pkcs12(data, secret)
    except ValueError:
        # The outer structure is a PFX, so a failed load is almost always the MAC check.
        raise CredentialsError(
            "the PKCS#12 file cannot be opened with this password",
            code="wrong-password",
            hint="check the password (the one given with the certificate, not the card PIN)",
        ) from None
    except Exception as exc:  # cryptography raises other errors on unusual content
        raise CredentialsError(
            f"the PKCS#12 file cannot be read: {type(exc).__name__}",
            code="corrupt-file",
            hint="export the certificate again as .p12 (PKCS#12), with its private key",
        ) from None
    if bundle.cert is None:
        raise CredentialsError(
            "the PKCS#12 file holds no certificate with its key",
            code="no-certificate",
            hint="export the client certificate itself, not only the CA chain",
        )
    key = bundle.key
    if not isinstance(key, PrivateKey):
        raise CredentialsError(
            "the PKCS#12 file holds no usable private key",
            code="no-private-key",
            hint="export the certificate with its private key (RSA or EC)",
        )
    return Credentials(
        certificate=bundle.cert.certificate,
        private_key=key,
        chain=tuple(c.certificate for c in bundle.additional_certs),
    )


def load_pem(
    certificate: str | os.PathLike[str] | bytes,
    key: str | os.PathLike[str] | bytes,
    password: str | bytes | None = None,
) -> Credentials:
    """Load credentials from PEM: a certificate file (leaf first, then its chain) and a key file.

    Raises:
        CredentialsError: ``unreadable-file``, ``corrupt-file``, ``wrong-password``,
            ``no-certificate`` or ``no-private-key``.
    """
    cert_data, key_data = _read(certificate, "certificate"), _read(key, "key")
    try:
        certs = x509.load_pem_x509_certificates(cert_data)
    except ValueError:
        raise CredentialsError(
            "the certificate file holds no PEM certificate", code="no-certificate"
        ) from None
    try:
        private = serialization.load_pem_private_key(key_data, _password(password))
    except TypeError:
        raise CredentialsError(
            "the key is encrypted and no password was given, or the reverse",
            code="wrong-password",
        ) from None
    except ValueError:
        raise CredentialsError(
            "the key file cannot be read with this password (or is no PEM key)",
            code="wrong-password",
            hint="check the password, and that the file is a PEM private key",
        ) from None
    if not isinstance(private, PrivateKey):
        raise CredentialsError("the key is not usable for TLS", code="no-private-key")
    return Credentials(certificate=certs[0], private_key=private, chain=tuple(certs[1:]))
