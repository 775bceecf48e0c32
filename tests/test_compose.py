"""Tests of mssc.compose: senders, headers, FIN, TEST, read receipts, threading, round trip."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import pytest

from mssc.addresses import TEST_RESPONDER, is_mssante_address
from mssc.attachments import Attachment
from mssc.compose import CLOSURE_SUBJECT, BoxKind, ComposedMessage, Composer, DraftKeywords, Sender
from mssc.errors import (
    AccidentalClosure,
    AttachmentRejected,
    HeaderInjection,
    InvalidAddress,
    InvalidMessage,
    InvalidSender,
    UnqualifiedIdentity,
)
from mssc.headers import SequentialMessageIds
from mssc.ins import IdentityStatus, PatientIdentity, parse_ins

PATIENT = "279035121518989@patient.mssante.fr"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)
WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def composer(prefix: str = "t", **kw: object) -> Composer:
    return Composer("DEV935997", clock=lambda: WHEN, message_ids=SequentialMessageIds(prefix), **kw)  # type: ignore[arg-type]


SENDER = Sender.organisational(
    "secretariat@chu-exemple.mssante.fr", entity="CHU Exemple – Cardiologie"
)


def parse(sent: ComposedMessage) -> EmailMessage:
    msg = BytesParser(policy=default).parsebytes(sent.to_bytes())
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"first_name": "Marie", "last_name": "Martin"}, "Marie_MARTIN"),
        ({"first_name": "Marie", "last_name": "Martin", "title": "Dr"}, "Dr_Marie_MARTIN"),
        (
            {"first_name": "Marie", "last_name": "Martin", "entity": "Cabinet Medical"},
            "Marie_MARTIN_Cabinet Medical",
        ),
        (
            {"first_name": "Hélène", "last_name": "Lefèvre", "title": "Pr", "entity": "CHU"},
            "Pr_Hélène_LEFÈVRE_CHU",
        ),
    ],
)
def test_personal_labels(kwargs: dict[str, str], label: str) -> None:
    s = Sender.personal("m.martin@chu.mssante.fr", **kwargs)
    assert (s.label, s.kind) == (label, BoxKind.PERSONAL)
    sent = composer().compose(sender=s, to=PATIENT, subject="Convocation", text="Bonjour")
    from_ = parse(sent)["From"]
    assert from_.addresses[0].display_name == label
    assert from_.addresses[0].addr_spec == "m.martin@chu.mssante.fr"


def test_organisational_and_applicative_labels() -> None:
    org = Sender.organisational("bio@chu.mssante.fr", entity="Hôpital C – Biologie")
    assert (org.label, org.kind, org.return_address) == (
        "Hôpital C – Biologie",
        BoxKind.ORGANISATIONAL,
        None,
    )
    app = Sender.applicative(
        "dpi@chu.mssante.fr", entity="CHU", return_address="secretariat@chu.mssante.fr"
    )
    assert (app.kind, app.return_address) == (BoxKind.APPLICATIVE, "secretariat@chu.mssante.fr")
    msg = parse(composer().compose(sender=app, to=PATIENT, subject="Info", text="x"))
    assert str(msg["Reply-To"]) == "secretariat@chu.mssante.fr"
    assert is_mssante_address(str(msg["Reply-To"]))


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: Sender.organisational("a@gmail.com", entity="X"), "not-mssante"),
        (lambda: Sender.organisational(PATIENT, entity="X"), "not-mssante"),
        (lambda: Sender.organisational("a@chu.mssante.fr", entity="  "), "bad-label"),
        (
            lambda: Sender.applicative(
                "a@chu.mssante.fr", entity="X", return_address="a@chu.mssante.fr"
            ),
            "missing-return",
        ),
        (lambda: Sender.personal("a@chu.mssante.fr", first_name="", last_name="X"), "bad-label"),
    ],
)
def test_sender_refusals(build: object, code: str) -> None:
    with pytest.raises(InvalidSender) as info:
        build()  # type: ignore[operator]
    assert info.value.code == code


def test_sender_label_injection() -> None:
    with pytest.raises(HeaderInjection):
        Sender.organisational("a@chu.mssante.fr", entity="=?utf-8?q?CHU=0ABcc:_x@y.fr?=")


def test_required_headers_and_envelope() -> None:
    sent = composer().compose(sender=SENDER, to=PATIENT, subject="Convocation", text="Bonjour")
    msg = parse(sent)
    for name in ("Message-ID", "Date", "From", "To", "Subject", "MIME-Version", "X-MSS-NIL"):
        assert len(msg.get_all(name) or []) == 1, name
    assert str(msg["X-MSS-NIL"]) == "DEV935997"
    assert str(msg["Message-ID"]) == sent.message_id
    assert sent.message_id.endswith("@chu-exemple.mssante.fr>")
    assert msg["Date"].datetime == WHEN
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert sent.size == len(sent.to_bytes())
    assert sent.to_bytes() is sent.to_bytes()
    assert b"\n" not in sent.to_bytes().replace(b"\r\n", b"")
    env = sent.envelope
    assert env.mail_from == SENDER.address
    assert env.rcpt_to == (PATIENT,)
    assert "RET=HDRS" in env.mail_options
    assert any(o.startswith("ENVID=") for o in env.mail_options)
    assert env.rcpt_options == ("NOTIFY=FAILURE,DELAY", f"ORCPT=rfc822;{PATIENT}")
    assert env.without_dsn().mail_options == ()
    assert sent.patient == parse_ins(PATIENT.split("@")[0])


@pytest.mark.parametrize(
    "to",
    [
        parse_ins("279035121518989"),
        PATIENT,
        "279035121518989",
        "mailto:279035121518989@PATIENT.MSSANTE.FR",
        "Dominique TROIS <279035121518989@patient.mssante.fr>",
        PatientIdentity(
            ins=parse_ins("279035121518989"),
            birth_name="TROIS",
            first_names="DOMINIQUE",
            birth_date=dt.date(1979, 3, 5),
            sex="F",
            status=IdentityStatus.QUAL,
        ),
    ],
)
def test_recipient_forms(to: object) -> None:
    sent = composer().compose(sender=SENDER, to=to, subject="x", text="y")  # type: ignore[call-overload]
    assert str(parse(sent)["To"]) == PATIENT


def test_unqualified_identity_refused() -> None:
    ident = PatientIdentity(
        ins=parse_ins("279035121518989"),
        birth_name="TROIS",
        first_names="DOMINIQUE",
        birth_date=dt.date(1979, 3, 5),
        sex="F",
        status=IdentityStatus.RECUP,
    )
    with pytest.raises(UnqualifiedIdentity):
        composer().compose(sender=SENDER, to=ident, subject="x", text="y")


@pytest.mark.parametrize("to", [[PATIENT, PATIENT], TEST_RESPONDER])
def test_one_patient_only(to: object) -> None:
    with pytest.raises(InvalidMessage) as info:
        composer().compose(sender=SENDER, to=to, subject="x", text="y")  # type: ignore[call-overload]
    assert info.value.code == "bad-recipient"


def test_byte_reproducible() -> None:
    args: DraftKeywords = {
        "sender": SENDER,
        "to": PATIENT,
        "subject": "Résultats d'analyse — mars",
        "text": "Bonjour,\nvos résultats sont disponibles.\n" + "x" * 200,
        "html": "<p>Bonjour</p>",
        "attachments": [Attachment("Résultats été.pdf", PDF), Attachment("radio.png", PNG)],
        "read_receipt": True,
    }
    first = composer("same").compose(**args).to_bytes()
    second = composer("same").compose(**args).to_bytes()
    assert first == second


def test_round_trip_with_the_stdlib() -> None:
    text = "Bonjour Madame,\nVoici le compte rendu.\nÀ bientôt.\n" + "long " * 60 + "\n"
    html = "<p>Bonjour Madame,</p>"
    files = [Attachment("Compte rendu éè.pdf", PDF), Attachment("radio.png", PNG, "image/png")]
    sent = composer().compose(
        sender=SENDER, to=PATIENT, subject="Compte rendu", text=text, html=html, attachments=files
    )
    for msg in (parse(sent), sent.message):
        assert msg.get_content_type() == "multipart/mixed"
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None
        # the wire form has CRLF line ends; the stdlib keeps them when decoding QP
        assert body.get_content().replace("\r\n", "\n") == text
        html_part = msg.get_body(preferencelist=("html",))
        assert html_part is not None
        assert html_part.get_content().strip() == html
        got = [
            (p.get_filename(), p.get_content_type(), p.get_content())
            for p in msg.iter_attachments()
        ]
        assert got == [
            ("Compte rendu éè.pdf", "application/pdf", PDF),
            ("radio.png", "image/png", PNG),
        ]
    legacy = message_from_bytes(sent.to_bytes())
    assert legacy["X-MSS-NIL"] == "DEV935997"
    assert all(len(line) <= 998 for line in sent.to_bytes().split(b"\r\n"))
    assert sent.to_bytes().isascii()


def test_read_receipt_goes_to_return_address_else_sender() -> None:
    plain = parse(
        composer().compose(sender=SENDER, to=PATIENT, subject="x", text="y", read_receipt=True)
    )
    assert str(plain["Disposition-Notification-To"]) == SENDER.address
    app = Sender.applicative(
        "dpi@chu.mssante.fr", entity="CHU", return_address="sec@chu.mssante.fr"
    )
    msg = parse(
        composer().compose(sender=app, to=PATIENT, subject="x", text="y", read_receipt=True)
    )
    assert str(msg["Disposition-Notification-To"]) == "sec@chu.mssante.fr"
    none = parse(composer().compose(sender=SENDER, to=PATIENT, subject="x", text="y"))
    assert "Disposition-Notification-To" not in none


@pytest.mark.parametrize(
    "subject", ["Fin de votre hospitalisation", "FIN", "Suivi - fin", "=?utf-8?q?fin?="]
)
def test_accidental_closure_refused(subject: str) -> None:
    with pytest.raises(AccidentalClosure) as info:
        composer().compose(sender=SENDER, to=PATIENT, subject=subject, text="y")
    assert info.value.code == "fin-in-subject"
    assert info.value.hint


def test_fin_word_escapes() -> None:
    allowed = parse(
        composer().compose(
            sender=SENDER, to=PATIENT, subject="Fin de séjour", text="y", allow_fin_word=True
        )
    )
    assert "X-MSS-MES" not in allowed
    closing = parse(
        composer().compose(
            sender=SENDER, to=PATIENT, subject="Fin de séjour", text="y", close_conversation=True
        )
    )
    assert str(closing["X-MSS-MES"]) == "FIN"


def test_closure_uses_both_mechanisms() -> None:
    sent = composer().closure(sender=SENDER, to=PATIENT)
    msg = parse(sent)
    assert str(msg["Subject"]) == CLOSURE_SUBJECT == "[FIN]"
    assert str(msg["X-MSS-MES"]) == "FIN"
    assert msg.get_content().strip()


def test_connectivity_test() -> None:
    sent = composer().connectivity_test(sender=SENDER)
    msg = parse(sent)
    assert str(msg["To"]) == TEST_RESPONDER
    assert "TEST" in str(msg["Subject"])
    assert "TEST" in msg.get_content()
    assert sent.envelope.rcpt_to == (TEST_RESPONDER,)
    assert sent.patient is None


def _patient_message(msg_id: str, subject: str, refs: tuple[str, ...] = ()) -> bytes:
    m = EmailMessage()
    m["From"] = f"Dominique TROIS <{PATIENT}>"
    m["To"] = SENDER.address
    m["Subject"] = subject
    m["Message-ID"] = msg_id
    if refs:
        m["In-Reply-To"] = refs[-1]
        m["References"] = " ".join(refs)
    m.set_content("Merci")
    return m.as_bytes()


def test_reply_chain_three_deep() -> None:
    c = composer()
    first = c.compose(sender=SENDER, to=PATIENT, subject="Résultats", text="Bonjour")
    p1 = _patient_message("<p1@patient.mssante.fr>", "RE: Résultats", (first.message_id,))
    r1 = c.reply(p1, sender=SENDER, text="Réponse 1")
    m1 = parse(r1)
    assert str(m1["Subject"]) == "RE: Résultats"
    assert str(m1["In-Reply-To"]) == "<p1@patient.mssante.fr>"
    assert str(m1["References"]).split() == [first.message_id, "<p1@patient.mssante.fr>"]
    p2 = _patient_message(
        "<p2@patient.mssante.fr>",
        "Re: RE: Résultats",
        (first.message_id, "<p1@patient.mssante.fr>", r1.message_id),
    )
    r2 = c.reply(message_from_bytes(p2), sender=SENDER, text="Réponse 2")
    m2 = parse(r2)
    assert str(m2["Subject"]) == "RE: Résultats"
    assert str(m2["References"]).split() == [
        first.message_id,
        "<p1@patient.mssante.fr>",
        r1.message_id,
        "<p2@patient.mssante.fr>",
    ]
    assert r2.envelope.rcpt_to == (PATIENT,)


class _ParsedPatientMessage:
    from_address = PATIENT
    ins = parse_ins(PATIENT.split("@")[0])
    subject = "Question"
    message_id = "<q@patient.mssante.fr>"
    in_reply_to = None
    references: tuple[str, ...] = ()


def test_reply_to_a_parsed_patient_message() -> None:
    msg = parse(composer().reply(_ParsedPatientMessage(), sender=SENDER, text="ok"))
    assert str(msg["Subject"]) == "RE: Question"
    assert str(msg["References"]) == "<q@patient.mssante.fr>"


def test_reply_refuses_non_patient_parent() -> None:
    m = EmailMessage()
    m["From"] = "someone@example.com"
    m["Message-ID"] = "<x@example.com>"
    m["Subject"] = "x"
    with pytest.raises(InvalidAddress):
        composer().reply(m, sender=SENDER, text="x")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"subject": "=?utf-8?q?Bonjour=0ABcc:_evil@example.com?="}, "control-character"),
        ({"subject": "a\r\nBcc: evil@example.com"}, "control-character"),
        ({"extra_headers": {"X-Test": "a\nb"}}, "control-character"),
        ({"extra_headers": {"X-Test": "=?utf-8?b?YQpCY2M6IHg=?="}}, "control-character"),
        ({"extra_headers": {"Bcc": "evil@example.com"}}, "bad-header-name"),
        ({"extra_headers": {"X Bad": "v"}}, "bad-header-name"),
        ({"extra_headers": {"Subject": "v"}}, "bad-header-name"),
        ({"message_id": "<a b@chu-exemple.mssante.fr>"}, "bad-message-id"),
        ({"message_id": "<a@elsewhere.fr>"}, "bad-message-id"),
    ],
)
def test_header_injection_guard(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"sender": SENDER, "to": PATIENT, "subject": "x", "text": "y"}
    args.update(kwargs)
    with pytest.raises(HeaderInjection) as info:
        composer().compose(**args)  # type: ignore[call-overload]
    assert info.value.code == code


def test_injected_message_id_factory_must_stay_on_domain() -> None:
    c = Composer("DEV1", message_ids=lambda domain: "<x@evil.example>")
    with pytest.raises(HeaderInjection):
        c.compose(sender=SENDER, to=PATIENT, subject="x", text="y")


def test_extra_headers_are_written() -> None:
    msg = parse(
        composer().compose(
            sender=SENDER,
            to=PATIENT,
            subject="x",
            text="y",
            extra_headers={"X-MSS-CODECDA": "34112-3"},
        )
    )
    assert str(msg["X-MSS-CODECDA"]) == "34112-3"


def test_attachment_refusal_propagates() -> None:
    with pytest.raises(AttachmentRejected) as info:
        composer().compose(
            sender=SENDER,
            to=PATIENT,
            subject="x",
            text="y",
            attachments=[Attachment("photo.pdf", PNG)],
        )
    assert info.value.code == "type-mismatch"


@pytest.mark.parametrize("length", range(60, 100, 3))
def test_subject_lengths_around_fold_points(length: int) -> None:
    subject = ("Résultat " * 20)[:length].strip()
    msg = parse(composer().compose(sender=SENDER, to=PATIENT, subject=subject, text="y"))
    assert str(msg["Subject"]) == " ".join(subject.split())


@pytest.mark.parametrize("reference", ["", "DEV 1", "é", "x" * 65])
def test_bad_product_reference(reference: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        Composer(reference)
    assert info.value.code == "bad-product-reference"


def test_default_clock_and_ids() -> None:
    sent = Composer("DEV1").compose(sender=SENDER, to=PATIENT, subject="x", text="y")
    msg = parse(sent)
    assert msg["Date"].datetime.tzinfo is not None
    assert sent.message_id.endswith("@chu-exemple.mssante.fr>")
