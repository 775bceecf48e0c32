"""A throwaway test PKI shaped like IGC-Santé's test chain: CA, server and structure certificates.

Everything is made with ``cryptography``, in memory, or in a folder with ``TestPki(directory)``
(reused when the folder already holds one, so a running sandbox and its clients keep trusting
each other across restarts). Nothing here is fit for production: the keys are unprotected.

The chain has two levels, named like the IGC-Santé test chain: a root ``TEST AC RACINE
IGC-SANTE ELEMENTAIRE`` and the issuing CA ``TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS``,
which signs the server certificate (``localhost`` and ``127.0.0.1``) and the structures' client
certificates. A client certificate carries the structure id (idNat_Struct, ``1`` + FINESS) in
``OU``, as IGC-Santé does, and the box address in ``CN`` and in an ``rfc822Name``.

    >>> pki = TestPki()
    >>> pki.ca_pem.count(b"BEGIN CERTIFICATE")
    2
    >>> p12 = pki.client_pkcs12("rdv@ch-test.mssante.fr", password="secret")
    >>> from cryptography.hazmat.primitives.serialization import pkcs12
    >>> loaded = pkcs12.load_pkcs12(p12, b"secret")
    >>> loaded.cert.certificate.subject.rfc4514_string()  # doctest: +ELLIPSIS
    'CN=rdv@ch-test.mssante.fr,OU=1...,O=CENTRE HOSPITALIER DE TEST,ST=Drôme (26),C=FR'

A certificate from another CA is simply one from a second ``TestPki()``; an expired one is
``pki.client_pkcs12(address, not_after=some_past_datetime)``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mssc.identifiers import luhn_is_valid

__all__ = [
    "DEFAULT_ORGANISATION",
    "ISSUER_CN",
    "ROOT_CN",
    "ClientCertificate",
    "TestPki",
    "structure_id_for",
]

#: The common name of the test root, as in IGC-Santé's test chain.
ROOT_CN: Final = "TEST AC RACINE IGC-SANTE ELEMENTAIRE"
#: The common name of the issuing CA for structure certificates in IGC-Santé's test chain.
ISSUER_CN: Final = "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"
#: The organisation written into client certificates unless another is given.
DEFAULT_ORGANISATION: Final = "CENTRE HOSPITALIER DE TEST"

_CA_OU: Final = ("IGC-SANTE TEST", "0002 187512751")
_ONE_HOUR: Final = dt.timedelta(hours=1)
_FILES: Final = {
    "root": "root-ca.pem",
    "root_key": "root-ca.key",
    "issuer": "issuing-ca.pem",
    "issuer_key": "issuing-ca.key",
    "ca": "ca.pem",
    "server": "server.pem",
    "server_key": "server.key",
}


def structure_id_for(address: str) -> str:
    """A stable, well-formed test idNat_Struct (``1`` + a FINESS with a valid key) for an address.

    >>> sid = structure_id_for("rdv@ch-test.mssante.fr")
    >>> sid == structure_id_for("RDV@ch-test.mssante.fr"), len(sid), sid[:3]
    (True, 10, '126')
    """
    digest = hashes.Hash(hashes.SHA256())
    digest.update(address.strip().lower().encode("utf-8"))
    seed = int.from_bytes(digest.finalize()[:8], "big")  # stable across runs and machines
    body = f"26{seed % 1_000_000:06d}"
    key = next(str(d) for d in range(10) if luhn_is_valid(body + str(d)))
    return f"1{body}{key}"


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A structure's client certificate and its key, as PEM."""

    address: str
    """The box address written in the certificate (``CN`` and ``rfc822Name``)."""
    structure_id: str
    """The idNat_Struct written in ``OU``."""
    cert_pem: bytes
    """The leaf certificate."""
    chain_pem: bytes
    """The leaf followed by the issuing CA: what a client presents."""
    key_pem: bytes
    """The private key (PKCS#8, unencrypted)."""
    not_after: dt.datetime
    """When the certificate expires (UTC)."""


def _key() -> ec.EllipticCurvePrivateKey:
    # P-256 keys: instant to make, and accepted by OpenSSL, Python's ssl and Dovecot.
    return ec.generate_private_key(ec.SECP256R1())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _ca_name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ASIP-SANTE"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _CA_OU[1]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _CA_OU[0]),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


class TestPki:
    """A test CA chain with a server certificate, issuing structure client certificates.

    Args:
        directory: where to keep the PKI as PEM files (created if needed, reused if it already
            holds one). ``None`` keeps everything in memory.
        clock: returns the current time (aware); certificates are valid from an hour before.
        validity: how long the CAs and the server certificate are valid.

    The CA and server keys are P-256 (ECDSA). Use :meth:`server_context` for a server,
    :meth:`client_context` for a client with a certificate, :meth:`trust_context` for a
    client without one.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        validity: dt.timedelta = dt.timedelta(days=730),
    ) -> None:
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._validity = validity
        self.directory: Path | None = Path(directory) if directory is not None else None
        if self.directory is not None and (self.directory / _FILES["issuer_key"]).exists():
            self._load(self.directory)
        else:
            self._make()
            if self.directory is not None:
                self._save(self.directory)

    # -- building and storing -------------------------------------------------------------

    def _make(self) -> None:
        now = self._clock()
        self._root_key = _key()
        root_name = _ca_name(ROOT_CN)
        self._root = self._sign(
            root_name, self._root_key.public_key(), root_name, self._root_key, now, ca=True
        )
        self._issuer_key = _key()
        self._issuer = self._sign(
            _ca_name(ISSUER_CN),
            self._issuer_key.public_key(),
            root_name,
            self._root_key,
            now,
            ca=True,
            path_length=0,
        )
        self._server_key = _key()
        server_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MSSC SANDBOX"),
                x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            ]
        )
        san = x509.SubjectAlternativeName(
            [
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]
        )
        self._server = self._sign(
            server_name,
            self._server_key.public_key(),
            self._issuer.subject,
            self._issuer_key,
            now,
            extensions=[(san, False)],
            eku=ExtendedKeyUsageOID.SERVER_AUTH,
        )

    def _save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in (
            ("root", _pem(self._root)),
            ("root_key", _key_pem(self._root_key)),
            ("issuer", _pem(self._issuer)),
            ("issuer_key", _key_pem(self._issuer_key)),
            ("ca", self.ca_pem),
            ("server", self.server_cert_pem),
            ("server_key", self.server_key_pem),
        ):
            path = directory / _FILES[name]
            path.write_bytes(data)
            if name.endswith("key"):
                path.chmod(0o600)

    def _load(self, directory: Path) -> None:
        def cert(name: str) -> x509.Certificate:
            return x509.load_pem_x509_certificate((directory / _FILES[name]).read_bytes())

        def key(name: str) -> ec.EllipticCurvePrivateKey:
            loaded = serialization.load_pem_private_key(
                (directory / _FILES[name]).read_bytes(), password=None
            )
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise TypeError(f"{directory / _FILES[name]} is not an EC key made by TestPki")
            return loaded

        self._root, self._root_key = cert("root"), key("root_key")
        self._issuer, self._issuer_key = cert("issuer"), key("issuer_key")
        self._server, self._server_key = cert("server"), key("server_key")

    def _sign(
        self,
        subject: x509.Name,
        public_key: ec.EllipticCurvePublicKey,
        issuer: x509.Name,
        issuer_key: ec.EllipticCurvePrivateKey,
        now: dt.datetime,
        *,
        ca: bool = False,
        path_length: int | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
        eku: x509.ObjectIdentifier | None = None,
    ) -> x509.Certificate:
        end = not_after if not_after is not None else now + self._validity
        start = not_before if not_before is not None else min(now - _ONE_HOUR, end - _ONE_HOUR)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if issuer != subject:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        if eku is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(issuer_key, hashes.SHA256())

    # -- what a server needs --------------------------------------------------------------

    @property
    def ca_pem(self) -> bytes:
        """The CA bundle to trust (issuing CA, then root), for ``cafile=`` or ``cadata=``."""
        return _pem(self._issuer) + _pem(self._root)

    @property
    def root_pem(self) -> bytes:
        """The root certificate alone."""
        return _pem(self._root)

    @property
    def issuer_cert(self) -> x509.Certificate:
        """The issuing CA (``TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS``)."""
        return self._issuer

    @property
    def server_cert_pem(self) -> bytes:
        """The server certificate followed by the issuing CA (a full chain, as servers send)."""
        return _pem(self._server) + _pem(self._issuer)

    @property
    def server_key_pem(self) -> bytes:
        """The server's private key (PKCS#8 PEM, unencrypted)."""
        return _key_pem(self._server_key)

    def files(self) -> dict[str, Path]:
        """The PEM files of a folder-backed PKI: ``ca``, ``server``, ``server_key``, …

        Raises:
            ValueError: the PKI lives in memory (made without a directory).
        """
        if self.directory is None:
            raise ValueError("this TestPki lives in memory; give TestPki(directory) for files")
        return {name: self.directory / file for name, file in _FILES.items()}

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A TLS ≥ 1.2 server context with the server certificate.

        Args:
            require_client_cert: also require a client certificate signed by this PKI's CA
                (mutual TLS).
        """
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        _load_chain(context, self.server_cert_pem, self.server_key_pem)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=self.ca_pem.decode("ascii"))
        return context

    # -- what a client needs --------------------------------------------------------------

    def client_certificate(
        self,
        address: str,
        *,
        structure_id: str | None = None,
        organisation: str = DEFAULT_ORGANISATION,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> ClientCertificate:
        """Issue a structure's client certificate for an applicative box address.

        Args:
            address: the box address (``CN`` and ``rfc822Name``).
            structure_id: the idNat_Struct for ``OU``; a stable one derived from the address
                by default (:func:`structure_id_for`).
            organisation: ``O``, the structure's name.
            not_before: start of validity (an hour ago by default).
            not_after: end of validity; a past date makes an expired certificate.
        """
        sid = structure_id if structure_id is not None else structure_id_for(address)
        key = _key()
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Drôme (26)"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, sid),
                x509.NameAttribute(NameOID.COMMON_NAME, address),
            ]
        )
        cert = self._sign(
            subject,
            key.public_key(),
            self._issuer.subject,
            self._issuer_key,
            self._clock(),
            not_before=not_before,
            not_after=not_after,
            extensions=[(x509.SubjectAlternativeName([x509.RFC822Name(address)]), False)],
            eku=ExtendedKeyUsageOID.CLIENT_AUTH,
        )
        return ClientCertificate(
            address=address,
            structure_id=sid,
            cert_pem=_pem(cert),
            chain_pem=_pem(cert) + _pem(self._issuer),
            key_pem=_key_pem(key),
            not_after=cert.not_valid_after_utc,
        )

    def client_pkcs12(
        self,
        address: str,
        *,
        password: str | bytes | None = None,
        structure_id: str | None = None,
        organisation: str = DEFAULT_ORGANISATION,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> bytes:
        """A structure's client certificate, its key and the issuing CA, as a PKCS#12 file.

        ``password`` encrypts it (none by default). The other arguments are those of
        :meth:`client_certificate`.
        """
        issued = self.client_certificate(
            address,
            structure_id=structure_id,
            organisation=organisation,
            not_before=not_before,
            not_after=not_after,
        )
        key = serialization.load_pem_private_key(issued.key_pem, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        secret = password.encode("utf-8") if isinstance(password, str) else password
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(secret)
            if secret
            else serialization.NoEncryption()
        )
        return pkcs12.serialize_key_and_certificates(
            address.encode("utf-8"),
            key,
            x509.load_pem_x509_certificate(issued.cert_pem),
            [self._issuer],
            encryption,
        )

    def trust_context(self) -> ssl.SSLContext:
        """A TLS ≥ 1.2 client context that trusts this PKI's CA, with no client certificate."""
        context = ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def client_context(
        self,
        address: str,
        *,
        structure_id: str | None = None,
        not_after: dt.datetime | None = None,
    ) -> ssl.SSLContext:
        """A client context with a fresh structure certificate, ready for ``starttls(context=…)``.

        It trusts this PKI's CA and presents a certificate for ``address`` (see
        :meth:`client_certificate`).
        """
        context = self.trust_context()
        issued = self.client_certificate(address, structure_id=structure_id, not_after=not_after)
        _load_chain(context, issued.chain_pem, issued.key_pem)
        return context


def _load_chain(context: ssl.SSLContext, chain_pem: bytes, key_pem: bytes) -> None:
    """``load_cert_chain`` reads files only: go through a private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="mssc-pki-") as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(chain_pem)
        context.load_cert_chain(cert_file, key_file)
