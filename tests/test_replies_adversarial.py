"""Adversarial review of the receiving side: spoofed senders, hostile structure, bounded work."""

from __future__ import annotations

import pytest

from mssc import mime as _mime
from mssc.mime import MimeLimits
from mssc.replies import ReplyKind, classify

PATIENT = "297022A02077878@patient.mssante.fr"
DAEMON = "MAILER-DAEMON@mx.example.org"

_BOUNCE_BODY = (
    "Subject: Undelivered Mail Returned to Sender\n"
    "Content-Type: text/plain\n\n"
    "This is the mail system. I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n\n"
    "<279035121518989@patient.mssante.fr>: host mx.example.org said: 550 5.1.1 user unknown\n"
)


@pytest.mark.parametrize(
    "from_value",
    [
        f"{DAEMON}, {PATIENT}",
        f"<{DAEMON}>, <{PATIENT}>",
        f'Mail Delivery System <{DAEMON}>, "Dominique" <{PATIENT}>',
        f"{PATIENT.upper()}, {DAEMON}".replace("PATIENT.MSSANTE.FR", "patient.mssante.fr"),
        f"bounces: {DAEMON}, {PATIENT};",
        f"bounces: <{DAEMON}>,\n <{PATIENT}>;",
        f"{DAEMON} ({PATIENT})",
    ],
    ids=["list", "angle-list", "named-list", "patient-first", "group", "folded-group", "comment"],
)
def test_patient_in_any_from_mailbox_is_the_patients_message(from_value: str) -> None:
    """Every mailbox of From counts: a system address first proves nothing (issue 11, 7)."""
    raw = f"From: {from_value}\n{_BOUNCE_BODY}"
    result = classify(raw.encode())
    assert result.kind is ReplyKind.PATIENT_MESSAGE
    assert result.trusted is False
    assert str(result.patient_ins) == PATIENT.split("@")[0]
    if not from_value.lower().startswith(PATIENT.lower()):
        assert any(e.rule == "spoof-guard" for e in result.evidence)


@pytest.mark.parametrize(
    "extra",
    [
        f"Return-Path: <{PATIENT}>\n",
        f"Sender: <{PATIENT}>\n",
        f"From: <{PATIENT}>\n",  # a second From header
    ],
    ids=["return-path", "sender", "second-from"],
)
def test_forged_daemon_from_with_patient_envelope_is_the_patients_message(extra: str) -> None:
    """A MAILER-DAEMON From beside a patient's Return-Path/Sender/From: the patient wrote it."""
    raw = f"{extra}From: Mail Delivery System <{DAEMON}>\n{_BOUNCE_BODY}"
    result = classify(raw.encode())
    assert result.kind is ReplyKind.PATIENT_MESSAGE
    assert result.trusted is False
    assert any(e.rule == "spoof-guard" for e in result.evidence)
    assert str(result.patient_ins) == PATIENT.split("@")[0]


def test_forged_test_responder_with_patient_return_path_is_not_an_acknowledgement() -> None:
    raw = (
        f"Return-Path: <{PATIENT}>\n"
        "From: <reponse.automatique-test@patient.mssante.fr>\nSubject: Re: test\n\nbien recu\n"
    )
    result = classify(raw.encode())
    assert result.kind is ReplyKind.PATIENT_MESSAGE
    assert result.trusted is False


@pytest.mark.parametrize(
    "display",
    [
        "=?utf-8?q?reponse.automatique-test=40patient.mssante.fr?=",
        "=?utf-8?q?=3Creponse.automatique-test=40patient.mssante.fr=3E?=",
        "=?utf-8?q?=3CMAILER-DAEMON=40mx.example.org=3E?=",
    ],
)
def test_address_hidden_in_an_encoded_display_name_is_not_the_sender(display: str) -> None:
    """RFC 2047 words are display-name text: an address inside one is not the sender."""
    raw = f"From: {display} <someone@example.org>\nSubject: Re: test\n\nbonjour\n"
    result = classify(raw.encode())
    assert result.kind is not ReplyKind.TEST_ACKNOWLEDGEMENT
    assert result.trusted is False


@pytest.mark.parametrize(
    ("address", "system"),
    [
        ("reponse.automatique-test@patient.mssante.fr", True),
        ("Reponse.Automatique-TEST@PATIENT.MSSANTE.FR", True),
        ("ne-pas-repondre@patient.mssante.fr", True),
        ("12345@patient.mssante.fr", False),  # digits only: a broken INS, maybe a patient
        ("2970221020778@patient.mssante.fr", False),  # a NIR without its key
        ("1234567890123456789@patient.mssante.fr", False),
        ("297022A02077879@patient.mssante.fr", False),  # an INS with a bad key
        ("noreply@x.patient.mssante.fr", False),  # another domain
    ],
)
def test_what_counts_as_an_mes_system_address(address: str, system: bool) -> None:
    """Only a non-numeric local part on patient.mssante.fr itself is an MES system sender."""
    raw = (
        f"From: <{address}>\nSubject: Message non distribue\n\n"
        "Votre message n'a pas pu etre remis : destinataire inconnu.\n"
    )
    result = classify(raw.encode())
    assert result.trusted is system
    rules = {e.rule for e in result.evidence}
    assert bool(rules & {"sender.system", "sender.test-responder"}) is system


def test_patient_report_imitating_a_dsn_is_the_patients_message() -> None:
    raw = (
        f"From: <{PATIENT}>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nUndeliverable\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
        "Final-Recipient: rfc822; a@b.fr\nAction: failed\nStatus: 5.1.1\n--b--\n"
    )
    result = classify(raw.encode())
    assert result.kind is ReplyKind.PATIENT_MESSAGE
    assert result.trusted is False


def test_millions_of_tiny_parts_are_cut_before_parsing() -> None:
    """The stdlib parser would build every part: past the limit only the headers are read."""
    limits = MimeLimits(max_parts=8)
    n = 5000
    raw = (
        b"From: a@b.fr\nContent-Type: multipart/mixed; boundary=b\n\n"
        + b"--b\n\nx\n" * n
        + b"--b--\n"
    )
    defects: list[str] = []
    msg = _mime.load_message(raw, limits, defects)
    assert not msg.is_multipart()
    assert msg["From"] == "a@b.fr"
    assert "limit-parts" in defects


def test_crlf_and_lone_cr_normalise_alike() -> None:
    base = b"From: a@b.fr\nSubject: x\n\nline one\nline two\n"
    for variant in (base.replace(b"\n", b"\r\n"), base.replace(b"\n", b"\r")):
        defects: list[str] = []
        msg = _mime.load_message(variant, MimeLimits(), defects)
        assert msg.get_payload() == "line one\nline two\n"
        assert msg["Subject"] == "x"
