"""Submitter against real SMTP on loopback: the sandbox (STARTTLS, mutual TLS, XOAUTH2) and a
scripted misbehaving server (dropped connections, no STARTTLS, 4xx then 250)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import pytest

from mssc.compose import Envelope
from mssc.replies import ReplyKind
from mssc.sandbox import Sandbox, SandboxPatient, TestPki
from mssc.transport import (
    CredentialsError,
    SubmissionStatus,
    Submitter,
    TransportError,
    load_pkcs12,
)
from mssc.transport.credentials import Credentials
from transport_servers import (
    SENDER,
    Script,
    compose,
    matricule,
    past,
    patient,
    scripted_smtp,
)


@pytest.fixture(scope="module")
def creds(pki: TestPki) -> Credentials:
    return load_pkcs12(pki.client_pkcs12(SENDER, password="pw"), "pw")


@pytest.fixture
def mes(pki: TestPki) -> Iterator[Sandbox]:
    patients = [SandboxPatient(ins=matricule(n)) for n in range(12)]
    with Sandbox(patients, tls="mutual", auth="xoauth2", pki=pki) as sandbox:
        yield sandbox


# -- the sandbox: the path a DPI takes --------------------------------------------------


def test_send_many_over_mutual_tls_and_xoauth2(
    mes: Sandbox, pki: TestPki, creds: Credentials
) -> None:
    messages = [compose(n) for n in range(10)]
    with Submitter(
        mes.host,
        mes.port,
        credentials=creds,
        token=lambda: mes.issue_token(SENDER),
        cadata=pki.ca_pem.decode(),
    ) as submitter:
        results = submitter.send_many(messages)
        assert submitter.connections == 1
        assert submitter.tls
    assert [r.message_id for r in results] == [m.message_id for m in messages]
    assert all(r.accepted for r in results)
    for n, m in enumerate(messages):
        inbox = mes.inbox(matricule(n))
        assert [d.message_id for d in inbox] == [m.message_id]
        assert inbox[0].data.replace(b"\r\n", b"\n").strip() == (
            m.to_bytes().replace(b"\r\n", b"\n").strip()
        )


def test_a_bad_token_is_refused_before_any_mail(mes: Sandbox, creds: Credentials) -> None:
    submitter = Submitter(
        mes.host, mes.port, credentials=creds, token="not-a-token", cadata=_ca(mes)
    )
    with submitter, pytest.raises(TransportError) as info:
        submitter.send(compose(1))
    assert info.value.code == "auth-failed"
    assert info.value.reply_code == 535
    assert mes.inbox(matricule(1)) == []


def _ca(mes: Sandbox) -> str:
    assert mes.pki is not None
    return mes.pki.ca_pem.decode()


def test_a_certificate_from_another_ca_is_refused(mes: Sandbox) -> None:
    stranger = load_pkcs12(TestPki().client_pkcs12(SENDER), None)
    with (
        Submitter(
            mes.host,
            mes.port,
            credentials=stranger,
            token=lambda: mes.issue_token(SENDER),
            cadata=_ca(mes),
        ) as submitter,
        pytest.raises(TransportError) as info,
    ):
        submitter.send(compose(2))
    assert info.value.code == "tls-failed"
    assert mes.inbox(matricule(2)) == []


def test_an_expired_certificate_is_refused_before_connecting(mes: Sandbox, pki: TestPki) -> None:
    expired = load_pkcs12(pki.client_pkcs12(SENDER, not_after=past(1)), None)
    with pytest.raises(CredentialsError) as info:
        Submitter(mes.host, mes.port, credentials=expired, cadata=_ca(mes))
    assert info.value.code == "unusable"
    assert "expired" in info.value.message
    assert not [e for e in mes.events() if e.kind == "accepted"]


def test_the_server_certificate_is_checked(mes: Sandbox, creds: Credentials) -> None:
    with (
        Submitter(
            mes.host, mes.port, credentials=creds, cadata=TestPki().ca_pem.decode()
        ) as submitter,
        pytest.raises(TransportError) as info,
    ):
        submitter.connect(SENDER)
    assert info.value.code == "tls-failed"


def test_without_client_certificate_mutual_tls_refuses_at_mail(mes: Sandbox) -> None:
    with Submitter(
        mes.host, mes.port, token=lambda: mes.issue_token(SENDER), cadata=_ca(mes)
    ) as submitter:
        result = submitter.send(compose(3))
    (outcome,) = result.recipients
    assert outcome.status is SubmissionStatus.REFUSED
    assert outcome.smtp_command == "MAIL"
    assert outcome.reply_code == 530
    assert outcome.kind is ReplyKind.DELIVERY_FAILED


# -- a scripted server: refusals and faults ---------------------------------------------


@pytest.mark.parametrize(
    ("rcpt", "data", "status", "kind", "command"),
    [
        ("550 5.1.1 <x>: Recipient address rejected: User unknown", None, "refused",
         ReplyKind.RECIPIENT_NOT_FOUND, "RCPT"),
        ("550 5.2.1 Mailbox disabled, not accepting messages", None, "refused",
         ReplyKind.MAILBOX_CLOSED, "RCPT"),
        ("550 5.7.1 Relaying denied", None, "refused", ReplyKind.DELIVERY_FAILED, "RCPT"),
        (None, "552 5.3.4 Message size exceeds fixed maximum message size", "refused",
         ReplyKind.MESSAGE_TOO_LARGE, "DATA"),
        (None, "554 5.7.1 Message rejected as spam", "refused", ReplyKind.DELIVERY_FAILED,
         "DATA"),
        (None, None, "accepted", None, "DATA"),
    ],
)  # fmt: skip
def test_refusals_map_to_the_classify_vocabulary(
    pki: TestPki,
    rcpt: str | None,
    data: str | None,
    status: str,
    kind: ReplyKind | None,
    command: str,
) -> None:
    message = compose(4)
    script = Script(tls=pki.server_context())
    if rcpt:
        script.rcpt[patient(4)] = [rcpt]
    if data:
        script.data = [data]
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter:
            (outcome,) = submitter.send(message).recipients
    assert outcome.status.value == status
    assert outcome.kind is kind
    assert outcome.smtp_command == command
    expected = rcpt or data
    if expected:
        assert outcome.reply_code == int(expected[:3])
        assert outcome.status_code == expected.split()[1]
    assert len(script.kept) == (1 if status == "accepted" else 0)


def _pem(pki: TestPki) -> str:
    return pki.ca_pem.decode()


def test_dsn_parameters_only_when_offered(pki: TestPki) -> None:
    message = compose(5)
    for dsn in (True, False):
        script = Script(tls=pki.server_context(), dsn=dsn)
        for server in scripted_smtp(script):
            with Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter:
                assert submitter.send(message).accepted
        mail = next(c for c in script.commands if c.upper().startswith("MAIL"))
        rcpt = next(c for c in script.commands if c.upper().startswith("RCPT"))
        assert ("RET=HDRS" in mail) is dsn
        assert ("ENVID=" in mail) is dsn
        assert ("NOTIFY=" in rcpt) is dsn
        assert f"SIZE={message.size}" in mail


def test_a_server_without_starttls_is_refused(pki: TestPki) -> None:
    script = Script(starttls=False)
    for server in scripted_smtp(script):
        with (
            Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter,
            pytest.raises(TransportError) as info,
        ):
            submitter.send(compose(6))
    assert info.value.code == "starttls-unavailable"
    assert not any(c.upper().startswith("MAIL") for c in script.commands)


def test_insecure_sends_in_clear_with_a_warning(
    pki: TestPki, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(starttls=False)
    for server in scripted_smtp(script):
        with (
            caplog.at_level(logging.WARNING, "mssc.transport"),
            Submitter("127.0.0.1", server.port, insecure=True) as submitter,
        ):
            assert submitter.send(compose(6)).accepted
            assert not submitter.tls
    assert any("IN CLEAR" in r.getMessage() for r in caplog.records)
    # a token is never sent in clear, even then
    for server in scripted_smtp(Script(starttls=False, tokens=frozenset({"t"}))):
        with (
            Submitter("127.0.0.1", server.port, insecure=True, token="t") as submitter,
            pytest.raises(TransportError) as info,
        ):
            submitter.send(compose(6))
    assert info.value.code == "auth-unavailable"


def test_a_drop_after_data_is_uncertain_and_not_resent(pki: TestPki) -> None:
    messages = [compose(n) for n in range(3)]
    script = Script(tls=pki.server_context(), data=["250 2.0.0 ok", "DROP"])
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter:
            results = submitter.send_many(messages)
    statuses = [r.recipients[0].status for r in results]
    assert statuses == [
        SubmissionStatus.ACCEPTED,
        SubmissionStatus.UNCERTAIN,
        SubmissionStatus.ACCEPTED,
    ]
    # the server received message 2 once (and may or may not have kept it): never twice
    received_ids = [body.split(b"Message-ID: ", 1)[1][:60] for _, _, body in script.received]
    assert len(script.received) == 3
    assert len(set(received_ids)) == 3
    assert script.connections == 2


def test_a_drop_mid_data_is_uncertain(pki: TestPki) -> None:
    script = Script(tls=pki.server_context(), data=["DROP-MID"])
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter:
            (outcome,) = submitter.send(compose(7)).recipients
            assert outcome.status is SubmissionStatus.UNCERTAIN
            assert outcome.kind is None
            # the next message goes through a new connection
            assert submitter.send(compose(8)).accepted
    assert len(script.kept) == 1
    assert script.connections == 2


def test_a_drop_before_data_reconnects_once(pki: TestPki) -> None:
    script = Script(tls=pki.server_context())
    script.rcpt[patient(9)] = ["DROP"]
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter:
            assert submitter.send(compose(9)).accepted
    assert len(script.kept) == 1
    assert script.connections == 2
    # twice: deferred, not raised, and not sent
    script = Script(tls=pki.server_context())
    script.rcpt[patient(9)] = ["DROP", "DROP"]
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki)) as submitter:
            (outcome,) = submitter.send(compose(9)).recipients
    assert outcome.status is SubmissionStatus.DEFERRED
    assert script.kept == []


def test_transient_refusals_are_retried_with_bounded_backoff(pki: TestPki) -> None:
    waits: list[float] = []
    script = Script(tls=pki.server_context(), data=["451 4.3.0 try later"])
    script.rcpt[patient(10)] = ["450 4.2.1 busy", "452 4.5.3 too many"]
    for server in scripted_smtp(script):
        with Submitter(
            "127.0.0.1",
            server.port,
            cadata=_pem(pki),
            retries=5,
            backoff=1.0,
            max_backoff=3.0,
            sleep=waits.append,
        ) as submitter:
            assert submitter.send(compose(10)).accepted
            assert submitter.send(compose(11)).accepted
    assert waits == [1.0, 2.0, 3.0]  # doubling, capped at max_backoff
    assert len(script.kept) == 2
    # retries exhausted: deferred with the last reply
    script = Script(tls=pki.server_context(), mail=["421 4.7.0 slow down"] * 5)
    for server in scripted_smtp(script):
        with Submitter(
            "127.0.0.1", server.port, cadata=_pem(pki), retries=2, sleep=waits.append
        ) as submitter:
            (outcome,) = submitter.send(compose(10)).recipients
    assert outcome.status is SubmissionStatus.DEFERRED
    assert outcome.reply_code == 421
    assert outcome.attempts == 3
    assert waits[-2:] == [1.0, 2.0]


def test_accepted_recipients_are_never_sent_twice(pki: TestPki) -> None:
    base = compose(1)
    several = dataclasses.replace(
        base,
        envelope=Envelope(base.envelope.mail_from, (patient(1), patient(2), patient(3))),
    )
    script = Script(tls=pki.server_context())
    script.rcpt[patient(2)] = ["451 4.3.0 later"]
    script.rcpt[patient(3)] = ["550 5.1.1 unknown user"]
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki), sleep=lambda s: None) as sub:
            result = sub.send(several)
    by_address = {r.address: r for r in result.recipients}
    assert by_address[patient(1)].status is SubmissionStatus.ACCEPTED
    assert by_address[patient(2)].status is SubmissionStatus.ACCEPTED
    assert by_address[patient(2)].attempts == 2
    assert by_address[patient(3)].kind is ReplyKind.RECIPIENT_NOT_FOUND
    assert [rcpts for _, rcpts, _ in script.kept] == [(patient(1),), (patient(2),)]


def test_xoauth2_against_the_scripted_server(pki: TestPki) -> None:
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return "fresh"

    script = Script(tls=pki.server_context(), tokens=frozenset({"fresh"}), data=["DROP"])
    for server in scripted_smtp(script):
        with Submitter("127.0.0.1", server.port, cadata=_pem(pki), token=token) as sub:
            sub.send(compose(1))
            assert sub.send(compose(2)).accepted
    assert len(calls) == 2  # one fresh token per connection


def test_connection_refused_is_a_transport_error() -> None:
    with Submitter("127.0.0.1", 1, timeout=2) as submitter, pytest.raises(TransportError) as info:
        submitter.send(compose(1))
    assert info.value.code == "connection-failed"


def test_negative_retries_are_refused() -> None:
    with pytest.raises(TransportError):
        Submitter("127.0.0.1", 25, retries=-1)
