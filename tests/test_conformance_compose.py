"""Every message the Composer builds with default settings passes check() with no error and no
warning: the compose test matrix (senders × bodies × attachments × options), closures, TEST
messages, replies three deep and every template."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.attachments import Attachment
from mssc.compose import ComposedMessage, Composer, Sender
from mssc.conformance import Severity, check
from mssc.headers import SequentialMessageIds
from mssc.ins import parse_ins

PATIENT = "297022A02077878@patient.mssante.fr"
REPLY_FIXTURE = Path(__file__).parent / "fixtures" / "cli" / "patient-reply.eml"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
TIFF = b"II*\x00\x08\x00\x00\x00\x00\x00"
RTF = b"{\\rtf1\\ansi Bonjour}"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


SENDERS: dict[str, Sender] = {
    "personal-full": Sender.personal(
        "marie.martin@chu-exemple.mssante.fr",
        first_name="Marie",
        last_name="Martin",
        title="Dr",
        entity="Cardiologie",
    ),
    "personal-minimal": Sender.personal(
        "l.dupont@cabinet.mssante.fr", first_name="Léa", last_name="de la Fontaine"
    ),
    "organisational": Sender.organisational(
        "secretariat@chu-exemple.mssante.fr", entity="CHU Exemple – Secrétariat d'imagerie"
    ),
    "organisational-return": Sender.organisational(
        "admissions@chu-exemple.mssante.fr",
        entity="CHU Exemple - Admissions",
        return_address="accueil@chu-exemple.mssante.fr",
    ),
    "applicative": Sender.applicative(
        "dpi@chu-exemple.mssante.fr",
        entity="CHU Exemple",
        return_address="accueil@chu-exemple.mssante.fr",
    ),
}

ATTACHMENTS: dict[str, tuple[Attachment, ...]] = {
    "none": (),
    "pdf": (Attachment("convocation.pdf", PDF),),
    "every-type": (
        Attachment("compte-rendu.pdf", PDF),
        Attachment("radio.jpg", JPEG),
        Attachment("schéma.png", _png()),
        Attachment("scan.tiff", TIFF),
        Attachment("consignes.rtf", RTF),
    ),
    "unicode-names": (
        Attachment("Résultats d'analyse – février 2026 (version définitive).pdf", PDF),
    ),
}

# (text, html)
BODIES: dict[str, tuple[str, str | None]] = {
    "plain": ("Bonjour,\nVotre rendez-vous est confirmé.\n", None),
    "html": (
        "Bonjour,\nVotre rendez-vous est confirmé.\n",
        "<p>Bonjour,</p><p>Votre rendez-vous est <b>confirmé</b>.</p>",
    ),
    "long-lines": ("é" * 3000 + "\n", None),
}

# (read_receipt, close_conversation)
OPTIONS: dict[str, tuple[bool, bool]] = {
    "default": (False, False),
    "read-receipt": (True, False),
    "close": (False, True),
    "receipt-and-close": (True, True),
}


def composer() -> Composer:
    return Composer(
        "DEV935997",
        clock=lambda: datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc),
        message_ids=SequentialMessageIds("t"),
    )


def assert_clean(sent: ComposedMessage) -> None:
    """No error, no warning; info findings allowed only when the message closes."""
    report = check(sent)
    bad = [str(f) for f in report.findings if f.severity is not Severity.INFO]
    assert bad == []
    assert report.size == sent.size
    assert report.message_id == sent.message_id
    # The same verdict from the bytes alone and from the stdlib view.
    kind = sent.sender.kind
    assert check(sent.to_bytes(), sender_kind=kind).codes == report.codes
    assert check(sent.message, sender_kind=kind).codes == report.codes


MATRIX = list(itertools.product(SENDERS, BODIES, ATTACHMENTS, OPTIONS))


@pytest.mark.parametrize(("sender", "body", "attachments", "options"), MATRIX)
def test_compose_matrix(sender: str, body: str, attachments: str, options: str) -> None:
    text, html = BODIES[body]
    read_receipt, closes = OPTIONS[options]
    sent = composer().compose(
        sender=SENDERS[sender],
        to=PATIENT,
        subject="Votre convocation en cardiologie – hôpital de jour",
        text=text,
        html=html,
        attachments=ATTACHMENTS[attachments],
        read_receipt=read_receipt,
        close_conversation=closes,
    )
    assert_clean(sent)
    assert ("MSSC025" in check(sent).codes) == closes


@pytest.mark.parametrize("sender", SENDERS)
def test_closure_and_connectivity_test(sender: str) -> None:
    c = composer()
    closure = c.closure(sender=SENDERS[sender], to=parse_ins(PATIENT.split("@")[0]))
    assert_clean(closure)
    assert check(closure).codes == ("MSSC022", "MSSC025")
    probe = c.connectivity_test(sender=SENDERS[sender])
    assert_clean(probe)
    assert check(probe).codes == ()


@pytest.mark.parametrize("sender", SENDERS)
def test_replies_three_deep(sender: str) -> None:
    c = composer()
    first = c.reply(REPLY_FIXTURE.read_bytes(), sender=SENDERS[sender], text="Bien reçu.\n")
    assert_clean(first)
    second = c.compose(
        sender=SENDERS[sender],
        to=PATIENT,
        subject="RE: Votre convocation",
        text="Complément.\n",
        in_reply_to=first.to_bytes(),
    )
    assert_clean(second)
    third = c.compose(
        sender=SENDERS[sender],
        to=PATIENT,
        subject="RE: Votre convocation",
        text="Dernier point.\n",
        in_reply_to=second.message,
        read_receipt=True,
    )
    assert_clean(third)
    references = str(third.message["References"]).split()
    assert references[-1] == second.message_id
    assert first.message_id in references


def _template_cases() -> list[str]:
    templates = pytest.importorskip("mssc.templates")
    names: Callable[[], list[str]] = templates.names
    return list(names())


@pytest.mark.parametrize("sender", ["personal-full", "organisational", "applicative"])
def test_every_template(sender: str) -> None:
    from mssc import templates

    c = composer()
    for name in _template_cases():
        sent = c.compose_template(
            name, templates.example_context(name), sender=SENDERS[sender], to=PATIENT
        )
        assert_clean(sent)


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Co"), blacklist_characters="\x00\r"),
    min_size=1,
    max_size=400,
)
_SUBJECT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")),
    min_size=1,
    max_size=150,
).filter(lambda s: s.strip())


@given(subject=_SUBJECT, text=_TEXT, sender=st.sampled_from(sorted(SENDERS)))
def test_any_composed_message_is_clean(subject: str, text: str, sender: str) -> None:
    from mssc.errors import MsscError

    try:
        sent = composer().compose(sender=SENDERS[sender], to=PATIENT, subject=subject, text=text)
    except MsscError:
        return  # refused by the composer (e.g. the word FIN): nothing was built
    assert_clean(sent)
