"""The MES sandbox over real SMTP on loopback, with smtplib as the client, as a vendor uses it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import mailbox
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest


def _require_aiosmtpd() -> None:
    """Skip without aiosmtpd; fail instead when MSSC_REQUIRE_SERVERS=1 (CI)."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        reason = "the MES sandbox needs aiosmtpd (pip install 'mssc[sandbox]')"
        if os.environ.get("MSSC_REQUIRE_SERVERS") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)


_require_aiosmtpd()

from mssc.conformance import check  # noqa: E402
from mssc.errors import AttachmentRejected  # noqa: E402
from mssc.headers import make_message_id  # noqa: E402
from mssc.inbound import parse_patient_message  # noqa: E402
from mssc.replies import ReplyKind, classify  # noqa: E402
from mssc.sandbox import (  # noqa: E402
    DEFAULT_PATIENTS,
    ConversationClosed,
    PatientState,
    Sandbox,
    SandboxError,
    SandboxPatient,
    TestPki,
    load_patients,
)
from mssc.sandbox.notices import NOTICE_FORMS, NoticeCause, build_notice  # noqa: E402

PRO = "rdv@ch-test.mssante.fr"
RETURN_PATH = "bounces@ch-test.mssante.fr"
SECRETARIAT = "secretariat@ch-test.mssante.fr"
ACTIVE, CLOSED, ABSENT, OPPOSED = (p.ins for p in DEFAULT_PATIENTS)
UNREGISTERED = "279035121518989"  # a valid key, known to no sandbox patient
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _address(ins: str) -> str:
    return f"{ins}@patient.mssante.fr"


def message(
    to: str,
    *,
    subject: str = "Convocation",
    body: str = "Bonjour, voici votre convocation.",
    headers: dict[str, str] | None = None,
    padding: int = 0,
) -> tuple[str, bytes]:
    """A small professional message; returns (Message-ID, bytes)."""
    mid = make_message_id("ch-test.mssante.fr")
    lines = [
        f"From: CH Test - Cardiologie <{PRO}>",
        f"To: <{to}>",
        f"Subject: {subject}",
        f"Message-ID: {mid}",
        "Date: Mon, 02 Mar 2026 09:30:00 +0100",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
        *(["x" * 76] * (padding // 78)),
        "",
    ]
    return mid, "\r\n".join(lines).encode()


@pytest.fixture
def mes(pki: TestPki) -> Iterator[Sandbox]:
    with Sandbox(DEFAULT_PATIENTS, pki=pki) as sandbox:
        yield sandbox


def send(
    sandbox: Sandbox,
    to: str | list[str],
    data: bytes,
    *,
    mail_from: str = RETURN_PATH,
    context: ssl.SSLContext | None = None,
) -> None:
    """Send over STARTTLS (unless the sandbox has TLS off), with DSN parameters."""
    recipients = [to] if isinstance(to, str) else to
    with smtplib.SMTP(sandbox.host, sandbox.port, timeout=30) as client:
        if sandbox.tls != "off":
            assert sandbox.pki is not None
            client.starttls(context=context or sandbox.pki.trust_context())
        client.sendmail(
            mail_from, recipients, data, rcpt_options=["NOTIFY=FAILURE,DELAY"], mail_options=[]
        )


# -- TLS and authentication ------------------------------------------------------------------


def test_mail_from_before_starttls_is_refused(mes: Sandbox) -> None:
    with smtplib.SMTP(mes.host, mes.port, timeout=30) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        code, _ = client.mail(RETURN_PATH)
        assert code == 530
        client.starttls(context=mes.pki.trust_context() if mes.pki else None)
        client.ehlo()
        assert client.has_extn("dsn")
        assert client.mail(RETURN_PATH)[0] == 250
        assert client.sock is not None
        tls = client.sock
        assert isinstance(tls, ssl.SSLSocket)
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_the_server_certificate_is_checked_against_the_test_ca(mes: Sandbox) -> None:
    stranger = TestPki().trust_context()  # trusts another CA only
    with (
        smtplib.SMTP(mes.host, mes.port, timeout=30) as client,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        client.starttls(context=stranger)


def test_mutual_tls_takes_a_structure_certificate_of_the_ca(pki: TestPki) -> None:
    with Sandbox(DEFAULT_PATIENTS, pki=pki, tls="mutual") as mes:
        mid, data = message(_address(ACTIVE))
        send(mes, _address(ACTIVE), data, context=pki.client_context(PRO))
        assert [m.message_id for m in mes.inbox(ACTIVE)] == [mid]


def test_mutual_tls_refuses_no_certificate_with_a_clear_reply(pki: TestPki) -> None:
    with (
        Sandbox(DEFAULT_PATIENTS, pki=pki, tls="mutual") as mes,
        smtplib.SMTP(mes.host, mes.port, timeout=30) as client,
    ):
        client.starttls(context=pki.trust_context())
        client.ehlo()
        code, text = client.mail(RETURN_PATH)
        assert (code, text[:5]) == (530, b"5.7.0")
        assert mes.inbox(ACTIVE) == []


@pytest.mark.parametrize("which", ["another CA", "expired"])
def test_mutual_tls_refuses_a_foreign_or_expired_certificate(pki: TestPki, which: str) -> None:
    if which == "another CA":
        context = TestPki().client_context(PRO)
        context.load_verify_locations(cadata=pki.ca_pem.decode())  # it trusts our server
    else:
        past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
        context = pki.client_context(PRO, not_after=past)
    _, data = message(_address(ACTIVE))
    with Sandbox(DEFAULT_PATIENTS, pki=pki, tls="mutual") as mes:
        with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError)):
            send(mes, _address(ACTIVE), data, context=context)
        assert mes.inbox(ACTIVE) == []
        send(mes, _address(ACTIVE), data, context=pki.client_context(PRO))  # still serving
        assert len(mes.inbox(ACTIVE)) == 1


def _xoauth2(user: str, token: str) -> str:
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def test_xoauth2_accepts_an_issued_token_and_refuses_others(pki: TestPki) -> None:
    with Sandbox(DEFAULT_PATIENTS, pki=pki, auth="xoauth2") as mes:
        token = mes.issue_token(PRO)
        mid, data = message(_address(ACTIVE))
        cases = [
            (PRO, "not-a-token", 535),
            (SECRETARIAT, token, 535),  # a token is tied to its box
            (PRO, token, 235),
        ]
        for user, candidate, expected in cases:
            with smtplib.SMTP(mes.host, mes.port, timeout=30) as client:
                client.starttls(context=pki.trust_context())
                client.ehlo()
                assert "XOAUTH2" in client.esmtp_features.get("auth", "")
                if expected == 535:
                    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
                        client.auth("XOAUTH2", lambda _=None, u=user, c=candidate: _xoauth2(u, c))
                    assert refused.value.smtp_code == 535
                    error = refused.value.smtp_error
                    assert (error if isinstance(error, bytes) else error.encode())[:5] == b"5.7.8"
                    assert client.mail(PRO)[0] == 530  # still not authenticated
                    continue
                code, _ = client.auth("XOAUTH2", lambda _=None, u=user, c=candidate: _xoauth2(u, c))
                assert code == 235
                assert client.mail(SECRETARIAT)[0] == 553  # not the token's box
                client.rset()
                client.sendmail(PRO, [_address(ACTIVE)], data)
        assert [m.message_id for m in mes.inbox(ACTIVE)] == [mid]


# -- MES's rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ins", "expected"),
    [
        (CLOSED, ReplyKind.MAILBOX_CLOSED),
        (ABSENT, ReplyKind.RECIPIENT_NOT_FOUND),
        (OPPOSED, ReplyKind.RECIPIENT_NOT_FOUND),
        (UNREGISTERED, ReplyKind.RECIPIENT_NOT_FOUND),
        ("279035121518988", ReplyKind.RECIPIENT_NOT_FOUND),  # wrong key
    ],
)
def test_a_notice_goes_back_to_the_return_path_and_classifies(
    mes: Sandbox, ins: str, expected: ReplyKind
) -> None:
    mid, data = message(_address(ins))
    send(mes, _address(ins), data)
    assert mes.inbox(ins) == []
    assert mes.mailbox(PRO) == []  # not the From: the envelope's return path
    [notice] = mes.mailbox(RETURN_PATH)
    verdict = classify(notice)
    assert verdict.kind is expected
    assert verdict.original_message_id == mid
    assert [r.address for r in verdict.recipients] == [_address(ins)]


def test_an_active_patient_receives_the_message(mes: Sandbox) -> None:
    mid, data = message(_address(ACTIVE))
    send(mes, _address(ACTIVE), data)
    [delivered] = mes.inbox(ACTIVE)
    assert (delivered.message_id, delivered.subject, delivered.read) == (mid, "Convocation", False)
    assert delivered.data == data
    assert mes.mailbox(RETURN_PATH) == []


def test_too_large_gets_a_notice_under_a_higher_smtp_cap(pki: TestPki) -> None:
    with Sandbox(DEFAULT_PATIENTS, pki=pki, max_size=20_000) as mes:
        assert mes.smtp_size_limit > mes.max_size
        small_id, small = message(_address(ACTIVE), padding=10_000)
        big_id, big = message(_address(ACTIVE), padding=30_000)
        assert len(small) <= mes.max_size < len(big) < mes.smtp_size_limit
        send(mes, _address(ACTIVE), small)
        send(mes, _address(ACTIVE), big)
        assert [m.message_id for m in mes.inbox(ACTIVE)] == [small_id]
        [notice] = mes.mailbox(RETURN_PATH)
        verdict = classify(notice)
        assert (verdict.kind, verdict.original_message_id) == (ReplyKind.MESSAGE_TOO_LARGE, big_id)
        _, huge = message(_address(ACTIVE), padding=mes.smtp_size_limit + 1000)
        with pytest.raises(smtplib.SMTPException):  # above the SMTP cap itself
            send(mes, _address(ACTIVE), huge)


def test_the_default_cap_is_25_mb_and_the_smtp_cap_higher(pki: TestPki) -> None:
    mes = Sandbox(pki=pki)
    assert mes.max_size == 25_000_000
    assert mes.smtp_size_limit > 30_000_000


@pytest.mark.parametrize(
    ("subject", "body", "acknowledged"),
    [
        ("TEST", "TEST de connectivité", True),
        ("Essai TEST 2", "Ceci est un test.", True),
        ("TEST", "Bonjour.", False),
        ("Bonjour", "TEST", False),
    ],
)
def test_the_test_responder_answers_test_in_subject_and_body(
    mes: Sandbox, subject: str, body: str, acknowledged: bool
) -> None:
    responder = "reponse.automatique-test@patient.mssante.fr"
    mid, data = message(responder, subject=subject, body=body)
    send(mes, responder, data)
    answers = mes.mailbox(RETURN_PATH)
    assert len(answers) == int(acknowledged)
    for answer in answers:
        verdict = classify(answer)
        assert (verdict.kind, verdict.original_message_id) == (
            ReplyKind.TEST_ACKNOWLEDGEMENT,
            mid,
        )


@pytest.mark.parametrize("outside", ["someone@gmail.com", "x@mssante.fr.example.org"])
def test_a_recipient_outside_mssante_is_refused_at_rcpt(mes: Sandbox, outside: str) -> None:
    with smtplib.SMTP(mes.host, mes.port, timeout=30) as client:
        client.starttls(context=mes.pki.trust_context() if mes.pki else None)
        client.ehlo()
        client.mail(RETURN_PATH)
        code, text = client.rcpt(outside)
        assert (code, text[:5]) == (550, b"5.7.1")
        assert client.rcpt(_address(ACTIVE))[0] == 250


def test_a_professional_recipient_gets_the_message_in_its_mailbox(mes: Sandbox) -> None:
    mid, data = message(SECRETARIAT)
    send(mes, [SECRETARIAT, _address(ACTIVE)], data)
    assert mes.mailbox(SECRETARIAT) == [data]
    assert [m.message_id for m in mes.inbox(ACTIVE)] == [mid]


def test_a_null_return_path_gets_no_notice(mes: Sandbox) -> None:
    _, data = message(_address(CLOSED))
    send(mes, _address(CLOSED), data, mail_from="")
    assert all(e.kind != "notice" for e in mes.events())


@pytest.mark.parametrize("form", NOTICE_FORMS)
def test_every_notice_form_over_the_wire_classifies(pki: TestPki, form: str) -> None:
    causes = {CLOSED: ReplyKind.MAILBOX_CLOSED, OPPOSED: ReplyKind.RECIPIENT_NOT_FOUND}
    with Sandbox(DEFAULT_PATIENTS, pki=pki, notice_forms=[form]) as mes:  # type: ignore[list-item]
        sent = {}
        for ins in causes:
            mid, data = message(_address(ins))
            send(mes, _address(ins), data)
            sent[mid] = causes[ins]
        got = {classify(n).original_message_id: classify(n).kind for n in mes.mailbox(RETURN_PATH)}
        assert got == sent


def _all_notices() -> Iterator[tuple[NoticeCause, str, int]]:
    for cause in NoticeCause:
        for form in NOTICE_FORMS:
            for variant in range(3):
                yield cause, form, variant


@pytest.mark.parametrize(("cause", "form", "variant"), list(_all_notices()))
def test_every_notice_wording_classifies_without_a_sandbox_rule(
    cause: NoticeCause, form: str, variant: int
) -> None:
    """The classifier reads every form and wording the sandbox can send, as is."""
    mid, original = message(_address(ACTIVE), subject="Résultats d'examen")
    notice = build_notice(
        original,
        cause,
        recipient=_address(ACTIVE),
        return_path=RETURN_PATH,
        form=form,  # type: ignore[arg-type]
        variant=variant,
        message_id=make_message_id("mx.patient.mssante.fr"),
    )
    verdict = classify(notice)
    assert verdict.kind is cause.kind
    assert verdict.original_message_id == mid
    assert verdict.kind is not ReplyKind.PATIENT_MESSAGE


@pytest.mark.parametrize(("cause", "form", "variant"), list(_all_notices()))
def test_every_notice_has_a_well_formed_header_section(
    cause: NoticeCause, form: str, variant: int
) -> None:
    """CRLF line ends only, and the sender's address outside any encoded word (RFC 2047 §5)."""
    _, original = message(_address(ACTIVE), subject="Résultats d'examen " + "é" * 80)
    notice = build_notice(
        original,
        cause,
        recipient=_address(ACTIVE),
        return_path=RETURN_PATH,
        form=form,  # type: ignore[arg-type]
        variant=variant,
        message_id=make_message_id("mx.patient.mssante.fr"),
    )
    head = notice.split(b"\r\n\r\n", 1)[0]
    assert b"\n" not in head.replace(b"\r\n", b"")
    assert b"\r" not in head.replace(b"\r\n", b"")
    parsed = BytesParser(policy=default).parsebytes(notice)
    (sender,) = parsed["From"].addresses
    assert sender.addr_spec.lower().endswith("patient.mssante.fr")
    assert "MSSC029" not in check(notice).codes


def test_the_notices_vary_in_form_across_a_run(mes: Sandbox) -> None:
    for _ in range(len(NOTICE_FORMS)):
        _, data = message(_address(CLOSED))
        send(mes, _address(CLOSED), data)
    notices = [BytesParser(policy=default).parsebytes(n) for n in mes.mailbox(RETURN_PATH)]
    shapes = {(str(n["From"]), n.get_content_type()) for n in notices}
    assert len(shapes) == len(NOTICE_FORMS)


# -- the patient side ------------------------------------------------------------------------


def test_opening_sends_the_mdn_to_disposition_notification_to(mes: Sandbox) -> None:
    mid, data = message(
        _address(ACTIVE),
        headers={"Disposition-Notification-To": SECRETARIAT, "Reply-To": "autre@ch.mssante.fr"},
    )
    send(mes, _address(ACTIVE), data)
    receipt = mes.open(ACTIVE, mid)
    assert receipt is not None
    assert mes.mailbox(SECRETARIAT) == [receipt]
    verdict = classify(receipt)
    assert (verdict.kind, verdict.original_message_id) == (ReplyKind.READ_RECEIPT, mid)
    assert verdict.disposition is not None
    assert [m.read for m in mes.inbox(ACTIVE)] == [True]
    assert mes.open(ACTIVE, mid) is None  # once only
    assert mes.mailbox(SECRETARIAT) == [receipt]


def test_opening_without_a_request_sends_nothing(mes: Sandbox) -> None:
    mid, data = message(_address(ACTIVE))
    send(mes, _address(ACTIVE), data)
    assert mes.open(ACTIVE, mid) is None
    assert mes.mailbox(PRO) == mes.mailbox(RETURN_PATH) == []
    with pytest.raises(SandboxError) as unknown:
        mes.open(ACTIVE, "<nope@x>")
    assert unknown.value.code == "unknown-message"


@pytest.mark.parametrize(("reply_to", "expected"), [(SECRETARIAT, SECRETARIAT), (None, PRO)])
def test_a_patient_reply_goes_to_reply_to_or_else_from(
    mes: Sandbox, reply_to: str | None, expected: str
) -> None:
    headers = {"Reply-To": f"Secrétariat <{reply_to}>"} if reply_to else {}
    mid, data = message(_address(ACTIVE), headers=headers)
    send(mes, _address(ACTIVE), data)
    sent = mes.reply(ACTIVE, mid, "Merci, je serai là.", [("profil.pdf", PDF), ("id.png", PNG)])
    assert mes.mailbox(expected) == [sent]
    patient = DEFAULT_PATIENTS[0]
    parsed = parse_patient_message(sent)
    assert parsed.ins is not None
    assert str(parsed.ins) == ACTIVE
    assert (parsed.first_name, parsed.last_name) == (patient.first_name, patient.last_name.upper())
    assert parsed.in_reply_to == mid
    assert [a.accepted for a in parsed.attachments] == [True, True]
    assert classify(sent).kind is ReplyKind.PATIENT_MESSAGE
    headers_out = BytesParser(policy=default).parsebytes(sent)
    assert headers_out["From"].addresses[0].display_name == patient.display_name
    assert mid in str(headers_out["References"])


def test_a_patient_cannot_attach_what_the_app_refuses(mes: Sandbox) -> None:
    mid, data = message(_address(ACTIVE))
    send(mes, _address(ACTIVE), data)
    for name, content in [("setup.exe", b"MZ\x90\x00" + bytes(64)), ("faux.pdf", PNG)]:
        with pytest.raises(AttachmentRejected):
            mes.reply(ACTIVE, mid, "Voici.", [(name, content)])
    assert mes.mailbox(PRO) == []


@pytest.mark.parametrize(
    "closing",
    [{"subject": "[FIN]"}, {"subject": "Fin de suivi", "headers": {"X-MSS-MES": "FIN"}}],
)
def test_after_a_fin_the_patient_cannot_reply_until_the_professional_writes(
    mes: Sandbox, closing: dict[str, object]
) -> None:
    first, data = message(_address(ACTIVE))
    send(mes, _address(ACTIVE), data)
    fin, data = message(_address(ACTIVE), **closing)  # type: ignore[arg-type]
    send(mes, _address(ACTIVE), data)
    for target in (first, fin):
        with pytest.raises(ConversationClosed) as closed:
            mes.reply(ACTIVE, target, "Une dernière question ?")
        assert closed.value.code == "conversation-closed"
    again, data = message(_address(ACTIVE), subject="Nouveau rendez-vous")
    send(mes, _address(ACTIVE), data)
    assert mes.reply(ACTIVE, again, "D'accord.")
    assert mes.reply(ACTIVE, first, "Et pour le premier ?")


# -- the professional side -------------------------------------------------------------------


def test_maildir_gives_each_professional_address_a_real_maildir(
    pki: TestPki, tmp_path: Path
) -> None:
    root = tmp_path / "mail" / "boxes"  # created when missing
    with Sandbox(DEFAULT_PATIENTS, pki=pki, maildir=root) as mes:
        _mid, data = message(_address(CLOSED), headers={"Disposition-Notification-To": SECRETARIAT})
        send(mes, _address(CLOSED), data)
        ok_id, ok = message(_address(ACTIVE), headers={"Disposition-Notification-To": SECRETARIAT})
        send(mes, _address(ACTIVE), ok)
        mes.open(ACTIVE, ok_id)
    folders = sorted(p.name for p in root.iterdir())
    assert folders == sorted([RETURN_PATH, SECRETARIAT])
    for name in folders:
        assert {p.name for p in (root / name).iterdir()} >= {"cur", "new", "tmp"}
    kinds = {
        name: [classify(bytes(m)).kind for m in mailbox.Maildir(root / name, create=False)]
        for name in folders
    }
    assert kinds == {RETURN_PATH: [ReplyKind.MAILBOX_CLOSED], SECRETARIAT: [ReplyKind.READ_RECEIPT]}


def test_relay_sends_everything_back_to_the_vendors_server(pki: TestPki) -> None:
    vendor = Sandbox(tls="off")  # any SMTP server of the vendor's; here a second sandbox
    with vendor, Sandbox(DEFAULT_PATIENTS, pki=pki, relay=(vendor.host, vendor.port)) as mes:
        _mid, data = message(_address(OPPOSED))
        send(mes, _address(OPPOSED), data)
        assert mes.flush(timeout=30)
        [relayed] = vendor.mailbox(RETURN_PATH)
        assert relayed == mes.mailbox(RETURN_PATH)[0]
        assert classify(relayed).kind is ReplyKind.RECIPIENT_NOT_FOUND
        assert any(e.kind == "relayed" for e in mes.events())


# -- robustness, threads and shutdown --------------------------------------------------------


def test_a_client_that_drops_mid_data_leaves_nothing_and_the_next_is_served(mes: Sandbox) -> None:
    assert mes.pki is not None
    mid, data = message(_address(ACTIVE))
    client = smtplib.SMTP(mes.host, mes.port, timeout=30)
    client.starttls(context=mes.pki.trust_context())
    client.ehlo()
    client.mail(RETURN_PATH)
    client.rcpt(_address(ACTIVE))
    assert client.docmd("DATA")[0] == 354
    client.send(data[: len(data) // 2])
    assert client.sock is not None
    client.sock.close()
    client.close()
    assert mes.running
    next_id, next_data = message(_address(ACTIVE))
    send(mes, _address(ACTIVE), next_data)
    assert [m.message_id for m in mes.inbox(ACTIVE)] == [next_id]
    assert mid not in {m.message_id for m in mes.inbox(ACTIVE)}


def test_hostile_headers_never_break_the_sandbox(mes: Sandbox) -> None:
    data = (
        b"From: =?utf-8?q?x=0D=0ABcc:_evil@x?= <\x1b]0;t\x07@x>\r\n"
        b"Subject: "
        + b"A" * 900
        + b"\r\n " * 50
        + b"B" * 900
        + b"\r\nReply-To: <<<>>>\r\nX-MSS-MES: FIN\r\n\r\n\xff\xfe body\r\n"
    )
    send(mes, _address(ACTIVE), data)
    [delivered] = mes.inbox(ACTIVE)  # no Message-ID: the sandbox names it
    assert delivered.message_id.endswith("@patient.mssante.fr>")
    with pytest.raises(SandboxError):  # no usable sender to answer
        mes.reply(ACTIVE, delivered.message_id, "?")
    assert not any(e.kind == "error" for e in mes.events())


def test_concurrent_clients_lose_and_duplicate_nothing(mes: Sandbox) -> None:
    sent: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        for _ in range(5):
            mid, data = message(_address(ACTIVE), subject=f"Client {n}")
            send(mes, _address(ACTIVE), data)
            with lock:
                sent.append(mid)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    received = [m.message_id for m in mes.inbox(ACTIVE)]
    assert sorted(received) == sorted(sent)
    assert len(set(received)) == 20


def test_it_never_blocks_the_callers_event_loop(pki: TestPki) -> None:
    """An asyncio client on the caller's loop talks to a sandbox started from that loop."""

    async def scenario() -> bytes:
        with Sandbox(DEFAULT_PATIENTS, tls="off") as mes:
            reader, writer = await asyncio.open_connection(mes.host, mes.port)
            replies = [await reader.readline()]
            mid, data = message(_address(ACTIVE))
            for command in (b"EHLO client", b"MAIL FROM:<x@ch.mssante.fr>"):
                writer.write(command + b"\r\n")
                while (line := await reader.readline())[3:4] != b" ":
                    pass
                replies.append(line)
            writer.write(f"RCPT TO:<{_address(ACTIVE)}>\r\nDATA\r\n".encode())
            replies += [await reader.readline(), await reader.readline()]
            writer.write(data + b".\r\nQUIT\r\n")
            replies += [await reader.readline(), await reader.readline()]
            writer.close()
            await writer.wait_closed()
            assert [m.message_id for m in mes.inbox(ACTIVE)] == [mid]
            return b"".join(r[:3] for r in replies)

    codes = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert codes == b"220250250250354250221"


def test_stop_closes_the_port_and_leaves_no_thread(pki: TestPki) -> None:
    mes = Sandbox(DEFAULT_PATIENTS, pki=pki)
    mes.start()
    port = mes.port
    idle = smtplib.SMTP(mes.host, port, timeout=30)  # a client still connected at stop
    mes.stop()
    mes.stop()  # idempotent
    assert not mes.running
    assert not [t for t in threading.enumerate() if t.name.startswith("mssc-sandbox")]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((mes.host, port), timeout=5).close()
    with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
        idle.noop()
    idle.close()
    with socket.socket() as again:  # the port is free again
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((mes.host, port))


def test_a_busy_port_is_a_clear_error(pki: TestPki) -> None:
    with Sandbox(pki=pki) as first:
        with pytest.raises(SandboxError) as busy:
            Sandbox(pki=pki, port=first.port).start()
        assert busy.value.code == "cannot-listen"


# -- patients --------------------------------------------------------------------------------


def test_patients_load_from_json(tmp_path: Path, pki: TestPki) -> None:
    path = tmp_path / "patients.json"
    rows = [
        {"ins": p.ins, "state": p.state.value, "first_name": p.first_name} for p in DEFAULT_PATIENTS
    ]
    path.write_text(json.dumps({"patients": rows}), encoding="utf-8")
    loaded = load_patients(path)
    assert [(p.ins, p.state) for p in loaded] == [(p.ins, p.state) for p in DEFAULT_PATIENTS]
    with Sandbox(path, pki=pki) as mes:
        assert mes.patient("opposed").ins == OPPOSED
        assert mes.patient(PatientState.CLOSED).ins == CLOSED


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"patients": {}}',
        '{"patients": [{"ins": "279035121518988"}]}',
        '{"patients": [{"ins": "279035121518989", "state": "sleeping"}]}',
        '{"patients": [{"ins": "279035121518989", "first_name": "A\\u001bB"}]}',
    ],
)
def test_a_bad_patients_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "patients.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SandboxError) as bad:
        load_patients(path)
    assert bad.value.code == "bad-patients-file"


def test_a_patient_changes_state(mes: Sandbox) -> None:
    mes.add_patient(SandboxPatient(ins=ACTIVE, state="closed"))
    _mid, data = message(_address(ACTIVE))
    send(mes, _address(ACTIVE), data)
    assert classify(mes.mailbox(RETURN_PATH)[0]).kind is ReplyKind.MAILBOX_CLOSED


def test_parent_info_never_raises_on_an_encoded_newline_in_from() -> None:
    """Found by the sandbox: policy.default raises on access to such a From (fixed in headers)."""
    from mssc.headers import parent_info

    info = parent_info(b"From: =?utf-8?q?x=0D=0ABcc:_evil@x?= <a@x>\r\nSubject: s\r\n\r\n")
    assert (info.from_address, info.subject) == (None, "s")


# -- memory bound ----------------------------------------------------------------------------


def test_past_max_stored_the_oldest_messages_are_dropped_and_said(pki: TestPki) -> None:
    """A sandbox left running keeps the newest messages under max_stored, and says what went."""
    sent: list[tuple[str, bytes]] = [message(_address(ACTIVE), padding=2_000) for _ in range(6)]
    limit = sum(len(data) for _, data in sent[-3:])  # room for the last three exactly
    with Sandbox(DEFAULT_PATIENTS, pki=pki, max_stored=limit) as sandbox:
        for _, data in sent:
            send(sandbox, _address(ACTIVE), data)
        assert [m.message_id for m in sandbox.inbox(ACTIVE)] == [mid for mid, _ in sent[-3:]]
        assert sandbox.dropped == 3
        dropped = [e for e in sandbox.events() if e.kind == "dropped"]
        assert [e.detail.split(" of ")[0] for e in dropped] == [mid for mid, _ in sent[:3]]
        # the professional mailboxes count too: a notice for an unknown patient goes back
        _, unknown = message(_address(UNREGISTERED), padding=2_000)
        send(sandbox, _address(UNREGISTERED), unknown)
        kept = [m.data for m in sandbox.inbox(ACTIVE)] + sandbox.mailbox(RETURN_PATH)
        assert sandbox.mailbox(RETURN_PATH)  # the newest message is always kept
        assert sum(len(d) for d in kept) <= limit
        assert sandbox.dropped == 3 + (len(sent[-3:]) + 1 - len(kept))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_max_stored_must_be_a_positive_number_of_octets(bad: object) -> None:
    with pytest.raises(SandboxError) as caught:
        Sandbox(DEFAULT_PATIENTS, tls="off", max_stored=bad)  # type: ignore[arg-type]
    assert caught.value.code == "bad-option"
