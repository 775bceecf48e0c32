"""Credentials: PKCS#12 loading, inspection, IGC-Santé checks and the client TLS context."""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import tempfile
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given
from hypothesis import strategies as st

from mssc.conformance import Severity
from mssc.identifiers import IdNatKind
from mssc.sandbox import TestPki
from mssc.transport import (
    Credentials,
    CredentialsError,
    IgcSanteRange,
    load_pem,
    load_pkcs12,
)
from mssc.transport.credentials import igc_sante_range

ADDRESS = "rdv@ch-test.mssante.fr"
#: A time inside the validity of a fresh TestPki (valid two years from now).
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=30)


def _name(cn: str, *ous: str, org: str = "ASIP-SANTE") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "FR")]
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs += [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou) for ou in ous]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _leaf(
    issuer: x509.Name,
    *,
    subject_ou: tuple[str, ...] = ("1260000013",),
    eku: list[x509.ObjectIdentifier] | None = None,
    digital_signature: bool = True,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime = NOW - dt.timedelta(days=1),
    not_after: dt.datetime = NOW + dt.timedelta(days=365),
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey]:
    """A leaf certificate signed by a throwaway CA key under ``issuer``'s name."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(ADDRESS, *subject_ou, org="CH DE TEST"))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=not digital_signature,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


PROD = _name("AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", "IGC-SANTE", "0002 187512751")
TEST = _name("TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", "IGC-SANTE TEST", "0002 187512751")


# -- loading ------------------------------------------------------------------------------


def test_load_pkcs12_from_bytes_and_path(pki: TestPki, tmp_path: Path) -> None:
    p12 = pki.client_pkcs12(ADDRESS, password="s3cret")
    path = tmp_path / "cert.p12"
    path.write_bytes(p12)
    for source in (p12, path, str(path)):
        creds = load_pkcs12(source, "s3cret")
        assert creds.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
            ADDRESS
        )
        assert [c.subject for c in creds.chain] == [pki.issuer_cert.subject]
    # the key is not in the repr
    assert "private_key" not in repr(load_pkcs12(p12, b"s3cret"))


@pytest.mark.parametrize(
    ("mangle", "password", "code"),
    [
        (lambda b: b, "wrong", "wrong-password"),
        (lambda b: b, None, "wrong-password"),
        (lambda b: b[:-7], "s3cret", "corrupt-file"),
        (lambda b: b[:40], "s3cret", "corrupt-file"),
        (lambda b: b"", "s3cret", "corrupt-file"),
        (lambda b: b"PK\x03\x04" + b[4:], "s3cret", "corrupt-file"),
        (lambda b: b"  -----BEGIN CERTIFICATE-----\nMIIB\n", "s3cret", "pem-not-pkcs12"),
        (lambda b: b"-----BEGIN PRIVATE KEY-----\nMIIB\n", "s3cret", "pem-not-pkcs12"),
    ],
    ids=["wrong", "none", "truncated", "head", "empty", "zip", "pem-cert", "pem-key"],
)
def test_load_errors_have_codes(
    pki: TestPki, mangle: object, password: str | None, code: str
) -> None:
    p12 = pki.client_pkcs12(ADDRESS, password="s3cret")
    assert callable(mangle)
    with pytest.raises(CredentialsError) as info:
        load_pkcs12(mangle(p12), password)
    assert info.value.code == code
    assert info.value.hint or code == "wrong-password"
    assert "Traceback" not in str(info.value)


def test_unreadable_path_and_bad_types(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as info:
        load_pkcs12(tmp_path / "missing.p12", "x")
    assert info.value.code == "unreadable-file"
    with pytest.raises(CredentialsError) as info:
        load_pkcs12(b"0", 12)  # type: ignore[arg-type]
    assert info.value.code == "bad-argument"


@given(st.binary(max_size=300))
def test_random_bytes_never_leak_a_raw_error(data: bytes) -> None:
    with pytest.raises(CredentialsError) as info:
        load_pkcs12(data, "x")
    assert info.value.code in {"corrupt-file", "wrong-password", "pem-not-pkcs12"}


def test_load_pem_pair(pki: TestPki, tmp_path: Path) -> None:
    issued = pki.client_certificate(ADDRESS)
    (tmp_path / "c.pem").write_bytes(issued.chain_pem)
    (tmp_path / "k.pem").write_bytes(issued.key_pem)
    creds = load_pem(tmp_path / "c.pem", tmp_path / "k.pem")
    assert len(creds.chain) == 1
    assert creds.check(now=NOW, environment="test") == ()
    with pytest.raises(CredentialsError) as info:
        load_pem(issued.chain_pem, issued.chain_pem)
    assert info.value.code == "wrong-password"


# -- inspection ---------------------------------------------------------------------------


def test_inspect_reads_the_structure_id_and_the_usages(pki: TestPki) -> None:
    creds = load_pkcs12(pki.client_pkcs12(ADDRESS, structure_id="1260000013"), None)
    report = creds.inspect()
    assert report.structure_id is not None
    assert report.structure_id.kind is IdNatKind.FINESS
    assert str(report.structure_id) == "1260000013"
    assert report.igc_sante is IgcSanteRange.TEST
    assert report.subject_cn == ADDRESS
    assert (
        report.issuer_cn
        == pki.issuer_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    )
    assert report.key_usage == ("digital_signature",)
    assert report.extended_key_usage == ("clientAuth",)
    assert report.allows_client_auth
    data = report.to_dict()
    assert data["structure_id_kind"] == "FINESS"
    assert dt.datetime.fromisoformat(data["not_after"]) == report.not_after


@pytest.mark.parametrize(
    ("ou", "kind"),
    [
        (("1260000013",), IdNatKind.FINESS),
        (("2732829320",), IdNatKind.SIREN),
        (("373282932000074",), IdNatKind.SIRET),
        (("SERVICE INFO", "373282932000074"), IdNatKind.SIRET),
        (("SERVICE INFO",), None),
        ((), None),
    ],
)
def test_structure_id_from_ou(ou: tuple[str, ...], kind: IdNatKind | None) -> None:
    cert, key = _leaf(PROD, subject_ou=ou, eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    report = Credentials(cert, key).inspect()
    assert (report.structure_id.kind if report.structure_id else None) is kind
    assert bool(report.structure_id_problem) is (kind is None)
    codes = [f.code for f in Credentials(cert, key).check(now=NOW)]
    assert ("no-structure-id" in codes) is (kind is None)


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [
        (PROD, IgcSanteRange.PRODUCTION),
        (TEST, IgcSanteRange.TEST),
        (_name("test ac igc-santé élémentaire organisations"), IgcSanteRange.TEST),
        (_name("AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", "IGC-SANTE TEST"), IgcSanteRange.TEST),
        (_name("AC IGC-SANTE FORT ORGANISATIONS"), IgcSanteRange.OTHER_IGC_SANTE),
        (_name("AC IGC-SANTE ELEMENTAIRE PERSONNES"), IgcSanteRange.OTHER_IGC_SANTE),
        (_name("Let's Encrypt R3", org="Let's Encrypt"), IgcSanteRange.NONE),
        (_name("AC IGC-SANTE ELEMENTAIRE ORGANISATIONS EVIL"), IgcSanteRange.OTHER_IGC_SANTE),
    ],
)
def test_igc_sante_range(issuer: x509.Name, expected: IgcSanteRange) -> None:
    assert igc_sante_range(issuer) is expected


# -- checks -------------------------------------------------------------------------------


def _codes(creds: Credentials, **kw: object) -> dict[str, Severity]:
    return {f.code: f.severity for f in creds.check(**kw)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("days_before", "days_after", "code", "severity"),
    [
        (-10, 365, None, None),
        (-10, 31, None, None),
        (-10, 29, "expires-soon", Severity.WARNING),
        (-10, 1, "expires-soon", Severity.WARNING),
        (-400, -1, "expired", Severity.ERROR),
        (2, 400, "not-yet-valid", Severity.ERROR),
    ],
)
def test_validity_findings(
    days_before: int, days_after: int, code: str | None, severity: Severity | None
) -> None:
    cert, key = _leaf(
        PROD,
        eku=[ExtendedKeyUsageOID.CLIENT_AUTH],
        not_before=NOW + dt.timedelta(days=days_before),
        not_after=NOW + dt.timedelta(days=days_after),
    )
    found = _codes(Credentials(cert, key), now=NOW)
    validity = {c: s for c, s in found.items() if c in {"expired", "expires-soon", "not-yet-valid"}}
    assert validity == ({code: severity} if code else {})


def test_warn_days_and_clock_are_parameters() -> None:
    cert, key = _leaf(PROD, eku=None, not_after=NOW + dt.timedelta(days=50))
    creds = Credentials(cert, key)
    assert "expires-soon" not in _codes(creds, now=NOW)
    assert "expires-soon" in _codes(creds, now=NOW, warn_days=60)
    assert "expired" in _codes(creds, now=NOW + dt.timedelta(days=51))
    with pytest.raises(CredentialsError) as info:
        creds.check(now=dt.datetime(2027, 1, 1))
    assert info.value.code == "bad-argument"


def test_issuer_findings_depend_on_the_environment() -> None:
    for issuer, prod, test in [
        (PROD, None, None),
        (TEST, ("igc-sante-test", Severity.ERROR), None),
        (_name("AC IGC-SANTE FORT PERSONNES"), ("not-igc-sante", Severity.ERROR), "warning"),
        (_name("Some CA", org="Other"), ("not-igc-sante", Severity.ERROR), "warning"),
    ]:
        cert, key = _leaf(issuer, eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
        creds = Credentials(cert, key)
        in_prod = {c: s for c, s in _codes(creds, now=NOW).items() if "igc" in c}
        in_test = dict(_codes(creds, now=NOW, environment="test").items())
        assert in_prod == (dict([prod]) if prod else {})
        assert ("not-igc-sante" in in_test) is (test is not None)
        assert "igc-sante-test" not in in_test


@pytest.mark.parametrize(
    ("eku", "digital_signature", "ok"),
    [
        ([ExtendedKeyUsageOID.CLIENT_AUTH], True, True),
        ([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH], True, True),
        (None, True, True),
        ([ExtendedKeyUsageOID.EMAIL_PROTECTION], True, False),
        ([ExtendedKeyUsageOID.SERVER_AUTH], True, False),
        ([ExtendedKeyUsageOID.CLIENT_AUTH], False, False),
    ],
)
def test_no_client_auth(
    eku: list[x509.ObjectIdentifier] | None, digital_signature: bool, ok: bool
) -> None:
    cert, key = _leaf(PROD, eku=eku, digital_signature=digital_signature)
    found = _codes(Credentials(cert, key), now=NOW)
    assert ("no-client-auth" in found) is (not ok)


def test_key_mismatch_and_errors_come_first() -> None:
    cert, _ = _leaf(TEST, eku=[ExtendedKeyUsageOID.CLIENT_AUTH], not_after=NOW + dt.timedelta(5))
    other = ec.generate_private_key(ec.SECP256R1())
    findings = Credentials(cert, other).check(now=NOW)
    codes = [f.code for f in findings]
    assert {"key-mismatch", "igc-sante-test", "expires-soon"} <= set(codes)
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=lambda s: s is not Severity.ERROR)
    assert all(f.message and f.hint for f in findings)
    assert all(str(f).startswith(f.severity.value) for f in findings)


def test_rsa_keys_work_too() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert, _ = _leaf(PROD, eku=[ExtendedKeyUsageOID.CLIENT_AUTH], key=key)
    p12 = pkcs12.serialize_key_and_certificates(
        b"x", key, cert, None, serialization.BestAvailableEncryption(b"pw")
    )
    creds = load_pkcs12(p12, "pw")
    assert creds.check(now=NOW) == ()


# -- the TLS context ----------------------------------------------------------------------


def _tls_server(pki: TestPki) -> tuple[socket.socket, list[object]]:
    """A one-shot mutual-TLS server on loopback; records the client's certificate subject."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[object] = []
    context = pki.server_context(require_client_cert=True)

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                seen.append(tls.getpeercert())
                seen.append(tls.version())
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError) as exc:
            seen.append(exc)

    threading.Thread(target=serve, daemon=True).start()
    return listener, seen


def test_ssl_context_presents_the_certificate(pki: TestPki) -> None:
    creds = load_pkcs12(pki.client_pkcs12(ADDRESS, password="pw"), "pw")
    before = set(os.listdir(tempfile.gettempdir()))
    context = creds.ssl_context(cadata=pki.ca_pem.decode())
    # nothing left behind in the temporary folder
    assert {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("mssc-tls-")} <= before
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.check_hostname
    assert context.verify_mode is ssl.CERT_REQUIRED
    listener, seen = _tls_server(pki)
    with (
        listener,
        socket.create_connection(listener.getsockname()) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.recv(2) == b"ok"
    peer = seen[0]
    assert isinstance(peer, dict)
    assert ((("commonName", ADDRESS),)) in peer["subject"]


def test_ssl_context_checks_the_server(pki: TestPki) -> None:
    creds = load_pkcs12(pki.client_pkcs12(ADDRESS), None)
    stranger = TestPki()
    context = creds.ssl_context(cadata=stranger.ca_pem.decode())
    listener, _ = _tls_server(pki)
    with (
        listener,
        socket.create_connection(listener.getsockname()) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="localhost")
    # and the host name
    context = creds.ssl_context(cadata=pki.ca_pem.decode())
    listener, _ = _tls_server(pki)
    with (
        listener,
        socket.create_connection(listener.getsockname()) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="mss.example.org")
