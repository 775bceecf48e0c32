"""Tests of mssc.testing: every factory round-trips through classify()/parse_patient_message()."""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.inbound import parse_patient_message
from mssc.ins import parse_ins
from mssc.replies import DispositionType, ReplyKind, classify
from mssc.testing import (
    BOUNCE_KINDS,
    make_bounce,
    make_patient_reply,
    make_read_receipt,
    make_test_acknowledgement,
)

PATIENT = "279035121518989@patient.mssante.fr"
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _original(msgid: str = "<conv.42@chu-exemple.mssante.fr>", to: str = PATIENT) -> bytes:
    """An original message built with the stdlib, as a vendor's own code would."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Secrétariat <secretariat@chu-exemple.mssante.fr>"
    msg["To"] = to
    msg["Subject"] = "Votre convocation"
    msg["Message-ID"] = msgid
    msg.set_content("Bonjour,\nVoici votre convocation.\n")
    return msg.as_bytes()


@pytest.mark.parametrize("form", ["dsn", "text"])
@pytest.mark.parametrize("kind", sorted(BOUNCE_KINDS))
def test_bounce_round_trips(kind: ReplyKind, form: str) -> None:
    original = _original()
    result = classify(make_bounce(original, kind, form=form, date=WHEN))  # type: ignore[arg-type]
    assert result.kind is kind
    assert result.original_message_id == "<conv.42@chu-exemple.mssante.fr>"
    assert result.trusted
    assert [r.address for r in result.recipients] == [PATIENT]
    assert result.recipients[0].ins == parse_ins(PATIENT.split("@")[0])


@pytest.mark.parametrize("disposition", list(DispositionType))
def test_read_receipt_round_trips(disposition: DispositionType) -> None:
    result = classify(make_read_receipt(_original(), disposition, date=WHEN))
    assert result.kind is ReplyKind.READ_RECEIPT
    assert result.original_message_id == "<conv.42@chu-exemple.mssante.fr>"
    assert result.disposition is not None
    assert result.disposition.type is disposition
    assert result.trusted


def test_test_acknowledgement_round_trips() -> None:
    original = _original(to="reponse.automatique-test@patient.mssante.fr")
    result = classify(make_test_acknowledgement(original, date=WHEN))
    assert result.kind is ReplyKind.TEST_ACKNOWLEDGEMENT
    assert result.original_message_id == "<conv.42@chu-exemple.mssante.fr>"


def test_patient_reply_round_trips_with_attachments() -> None:
    pdf = b"%PDF-1.4\n%%EOF\n"
    raw = make_patient_reply(
        _original(),
        "Merci, je serai là.",
        [("bilan.pdf", pdf), ("../x.pdf", pdf), ("virus.pdf", b"MZ\x90\x00" * 8)],
        date=WHEN,
    )
    result = classify(raw)
    assert result.kind is ReplyKind.PATIENT_MESSAGE
    assert result.original_message_id == "<conv.42@chu-exemple.mssante.fr>"
    msg = parse_patient_message(raw)
    assert msg.text is not None
    assert "je serai là" in msg.text
    assert msg.ins == parse_ins("279035121518989")
    assert msg.in_reply_to == "<conv.42@chu-exemple.mssante.fr>"
    assert [(a.filename, a.accepted) for a in msg.attachments] == [
        ("bilan.pdf", True),
        ("../x.pdf", False),
        ("virus.pdf", False),
    ]


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=200,
    )
)
def test_patient_reply_text_survives(text: str) -> None:
    msg = parse_patient_message(make_patient_reply(_original(), text, date=WHEN))
    assert msg.text is not None
    assert " ".join(msg.text.split()) == " ".join(text.split())


def test_factories_are_deterministic_with_a_date() -> None:
    original = _original()
    assert make_bounce(original, date=WHEN) == make_bounce(original, date=WHEN)
    assert make_read_receipt(original, date=WHEN) == make_read_receipt(original, date=WHEN)


def test_patient_reply_with_attachments_is_deterministic_with_a_date() -> None:
    original = _original()
    files = [("bilan.pdf", b"%PDF-1.4\n%%EOF\n")]
    first = make_patient_reply(original, "Merci.", files, date=WHEN)
    assert first == make_patient_reply(original, "Merci.", files, date=WHEN)


def test_factories_accept_objects_with_to_bytes() -> None:
    class Sent:
        def __init__(self, data: bytes) -> None:
            self._data = data

        def to_bytes(self) -> bytes:
            return self._data

    msgid = make_msgid(domain="chu-exemple.mssante.fr")
    result = classify(make_bounce(Sent(_original(msgid)), "MAILBOX_CLOSED", date=WHEN))
    assert result.original_message_id == msgid


@pytest.mark.parametrize("kind", ["READ_RECEIPT", "PATIENT_MESSAGE", "nonsense"])
def test_make_bounce_rejects_other_kinds(kind: str) -> None:
    with pytest.raises(ValueError, match=kind):
        make_bounce(_original(), kind)


def test_factories_reject_wrong_original() -> None:
    with pytest.raises(TypeError):
        make_bounce("not bytes")  # type: ignore[arg-type]


def test_with_the_composer() -> None:
    compose = pytest.importorskip("mssc.compose")
    headers = pytest.importorskip("mssc.headers")
    composer = compose.Composer(
        "DEV935997", clock=lambda: WHEN, message_ids=headers.SequentialMessageIds("t")
    )
    sender = compose.Sender.organisational(
        "secretariat@chu-exemple.mssante.fr", entity="CHU Exemple"
    )
    sent = composer.compose(sender=sender, to=PATIENT, subject="Convocation", text="Bonjour\n")
    for kind in BOUNCE_KINDS:
        result = classify(make_bounce(sent, kind, date=WHEN))
        assert (result.kind, result.original_message_id) == (kind, sent.message_id)
    receipt = classify(make_read_receipt(sent, date=WHEN))
    assert (receipt.kind, receipt.original_message_id) == (
        ReplyKind.READ_RECEIPT,
        sent.message_id,
    )
    reply = classify(make_patient_reply(sent, "Merci", date=WHEN))
    assert (reply.kind, reply.original_message_id) == (ReplyKind.PATIENT_MESSAGE, sent.message_id)


def _deeply_nested(levels: int) -> bytes:
    head = b"From: <sec@chu.mssante.fr>\nTo: <" + PATIENT.encode() + b">\n"
    head += b"Message-ID: <deep@chu.mssante.fr>\nSubject: deep\n"
    body = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(levels)
    )
    body += b"Content-Type: text/plain\n\nx\n" + b"".join(
        b"--b%d--\n" % i for i in reversed(range(levels))
    )
    return head + body


_HOSTILE_ORIGINALS = {
    "nested-5000": _deeply_nested(5000),
    "rfc822-nested-3000": b"Message-ID: <n@chu.mssante.fr>\nTo: <"
    + PATIENT.encode()
    + b">\n"
    + b"Content-Type: message/rfc822\n\n" * 3000
    + b"x\n",
    "no-headers": b"\x00\xff junk without a colon\n\n",
    "lone-cr": b"Message-ID: <cr@chu.mssante.fr>\rTo: <" + PATIENT.encode() + b">\r\rbody",
}


@pytest.mark.parametrize("name", sorted(_HOSTILE_ORIGINALS))
def test_factories_accept_hostile_originals(name: str) -> None:
    """The factories read only the original's headers: a hostile body never breaks them."""
    original = _HOSTILE_ORIGINALS[name]
    replies = [
        make_bounce(original, "RECIPIENT_NOT_FOUND", date=WHEN),
        make_read_receipt(original, date=WHEN),
        make_test_acknowledgement(original, date=WHEN),
        make_patient_reply(original, "merci", date=WHEN),
    ]
    kinds = [classify(r).kind for r in replies]
    assert kinds == [
        ReplyKind.RECIPIENT_NOT_FOUND,
        ReplyKind.READ_RECEIPT,
        ReplyKind.TEST_ACKNOWLEDGEMENT,
        ReplyKind.PATIENT_MESSAGE,
    ]


def test_factories_bound_a_huge_original_subject() -> None:
    """A megabyte-long subject is cut in the reply (a real MTA would refuse such a line)."""
    original = _original().replace(b"Subject: ", b"Subject: " + "é".encode() * 500_000, 1)
    receipt = make_read_receipt(original, date=WHEN)
    assert len(receipt) < len(original) + 20_000
    assert classify(receipt).kind is ReplyKind.READ_RECEIPT
