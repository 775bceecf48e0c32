"""The test PKI: real TLS handshakes on loopback between its server and client contexts."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from mssc.identifiers import finess
from mssc.sandbox.pki import ISSUER_CN, ROOT_CN, TestPki, structure_id_for

ADDRESS = "rdv@ch-test.mssante.fr"


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, host: str = "localhost") -> str:
    """One TLS handshake over loopback; returns "ok" or the server's error, in a few words."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    outcome: list[str] = []

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"hello")
                outcome.append("ok")
        except (ssl.SSLError, OSError) as exc:
            outcome.append(f"refused: {exc}")

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            client.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.recv(5)
    except (ssl.SSLError, OSError):
        pass
    finally:
        thread.join(10)
        listener.close()
    return outcome[0] if outcome else "refused: no outcome"


def test_the_chain_is_named_like_igc_santes_test_chain(pki: TestPki) -> None:
    certs = x509.load_pem_x509_certificates(pki.ca_pem)
    names = [c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in certs]
    assert names == [ISSUER_CN, ROOT_CN]
    assert certs[0].issuer == certs[1].subject


def test_a_client_certificate_carries_the_structure_id_in_ou(pki: TestPki) -> None:
    p12 = pki.client_pkcs12(ADDRESS, password="s3cret", structure_id="1260000016")
    loaded = pkcs12.load_pkcs12(p12, b"s3cret")
    assert loaded.cert is not None
    cert = loaded.cert.certificate
    ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    assert [a.value for a in ou] == ["1260000016"]
    assert cert.issuer.rfc4514_string().startswith(f"CN={ISSUER_CN}")
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == [ADDRESS]
    assert [c.certificate for c in loaded.additional_certs] == [pki.issuer_cert]
    with pytest.raises(ValueError, match=r"[Ii]nvalid password|[Cc]ould not"):
        pkcs12.load_pkcs12(p12, b"wrong")


@pytest.mark.parametrize("address", [ADDRESS, "X@Y.mssante.fr", "secretariat@chu.mssante.fr"])
def test_the_default_structure_id_is_one_plus_a_valid_finess(address: str) -> None:
    sid = structure_id_for(address)
    assert sid[0] == "1"
    assert finess.is_valid(sid[1:])


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_the_server_certificate_is_valid_for_loopback(pki: TestPki, host: str) -> None:
    assert _handshake(pki.server_context(), pki.trust_context(), host) == "ok"


def test_the_server_certificate_is_not_valid_for_another_name(pki: TestPki) -> None:
    assert _handshake(pki.server_context(), pki.trust_context(), "example.org").startswith(
        "refused"
    )


def test_mutual_tls_accepts_a_certificate_of_this_pki(pki: TestPki) -> None:
    server = pki.server_context(require_client_cert=True)
    assert _handshake(server, pki.client_context(ADDRESS)) == "ok"


def test_mutual_tls_refuses_no_certificate_another_ca_and_an_expired_one(pki: TestPki) -> None:
    server = pki.server_context(require_client_cert=True)
    other = TestPki().client_context(ADDRESS)
    # The client must still trust our server to get as far as presenting its certificate.
    other.load_verify_locations(cadata=pki.ca_pem.decode("ascii"))
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    for client in (pki.trust_context(), other, pki.client_context(ADDRESS, not_after=past)):
        assert _handshake(server, client).startswith("refused")


def test_a_folder_pki_is_written_once_and_reused(tmp_path: Path) -> None:
    first = TestPki(tmp_path / "pki")
    files = first.files()
    assert files["ca"].read_bytes() == first.ca_pem
    assert files["server_key"].stat().st_mode & 0o077 == 0
    second = TestPki(tmp_path / "pki")
    assert second.ca_pem == first.ca_pem
    assert second.server_cert_pem == first.server_cert_pem
    # The reloaded CA still issues certificates the first one's server accepts.
    server = first.server_context(require_client_cert=True)
    assert _handshake(server, second.client_context(ADDRESS)) == "ok"


def test_an_in_memory_pki_has_no_files(pki: TestPki) -> None:
    with pytest.raises(ValueError, match="in memory"):
        pki.files()
