"""Replies built from our own .eml fixtures (tests/fixtures/compose/), and parsed messages."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

from mssc.compose import Composer, Sender
from mssc.errors import HeaderInjection
from mssc.headers import SequentialMessageIds, parent_info

FIXTURES = Path(__file__).parent / "fixtures" / "compose"
SENDER = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")


def composer() -> Composer:
    return Composer(
        "DEV935997",
        clock=lambda: dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.timezone.utc),
        message_ids=SequentialMessageIds("r"),
    )


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def test_reply_to_a_patient_fixture() -> None:
    raw = (FIXTURES / "patient_question.eml").read_bytes()
    parent = parse(raw)
    sent = composer().reply(raw, sender=SENDER, text="Oui, à jeun depuis la veille au soir.")
    msg = parse(sent.to_bytes())
    assert str(msg["To"]) == "297022A02077878@patient.mssante.fr"
    assert str(msg["Subject"]) == "RE: Résultats de votre bilan"
    assert str(msg["In-Reply-To"]) == str(parent["Message-ID"])
    expected_refs = [*str(parent["References"]).split(), str(parent["Message-ID"])]
    assert str(msg["References"]).split() == expected_refs
    assert sent.patient is not None
    assert sent.patient.address == "297022A02077878@patient.mssante.fr"


def test_hostile_parent_subject_is_neutralised() -> None:
    raw = (FIXTURES / "hostile_subject.eml").read_bytes()
    info = parent_info(raw)
    assert "\n" not in info.subject
    assert info.references == ("<ok@chu-exemple.mssante.fr>", "<also@ok.fr>")
    sent = composer().reply(raw, sender=SENDER, text="Bonjour")
    msg = parse(sent.to_bytes())
    assert "Bcc" not in msg
    assert str(msg["Subject"]).startswith("RE: Question")
    assert str(msg["References"]).split() == [
        "<ok@chu-exemple.mssante.fr>",
        "<also@ok.fr>",
        "<mes.hostile@patient.mssante.fr>",
    ]


def test_reply_to_inbound_parse_result() -> None:
    inbound = pytest.importorskip("mssc.inbound")
    raw = (FIXTURES / "patient_question.eml").read_bytes()
    parsed = inbound.parse_patient_message(raw)
    sent = composer().reply(parsed, sender=SENDER, text="Oui.")
    msg = parse(sent.to_bytes())
    assert str(msg["In-Reply-To"]) == "<mes.7f3a9c21@patient.mssante.fr>"
    assert str(msg["Subject"]) == "RE: Résultats de votre bilan"
    assert str(msg["References"]).split()[-1] == "<mes.7f3a9c21@patient.mssante.fr>"


def test_stdlib_alone_lets_the_encoded_newline_through_or_is_fixed() -> None:
    """Documents why mssc guards: on 3.11.7 the stdlib writes the decoded LF raw."""
    msg = EmailMessage(policy=default)
    msg["Subject"] = "=?utf-8?q?Bonjour=0ABcc:_evil@example.com?="
    try:
        data = msg.as_bytes()
    except Exception:  # verify_generated_headers (Python with the CVE-2024-6923 fix)
        return
    injected = b"\nBcc:" in data
    fixed = hasattr(default, "verify_generated_headers")
    assert injected or fixed


def test_compose_refuses_the_encoded_newline_in_every_caller_value() -> None:
    payload = "=?utf-8?q?x=0ABcc:_evil@example.com?="
    c = composer()
    with pytest.raises(HeaderInjection):
        c.compose(sender=SENDER, to="279035121518989@patient.mssante.fr", subject=payload, text="y")
    with pytest.raises(HeaderInjection):
        Sender.personal("a@chu.mssante.fr", first_name=payload, last_name="X")
    with pytest.raises(HeaderInjection):
        c.compose(
            sender=SENDER,
            to="279035121518989@patient.mssante.fr",
            subject="x",
            text="y",
            extra_headers={"X-Note": payload},
        )
