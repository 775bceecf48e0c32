"""Property tests of the composer, and the third guard level (re-parsing what was generated)."""

from __future__ import annotations

import datetime as dt
import io
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mssc import compose as compose_module
from mssc.compose import Composer, Sender
from mssc.errors import HeaderInjection, MsscError
from mssc.headers import SequentialMessageIds

PATIENT = "279035121518989@patient.mssante.fr"


def squash(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entity=st.text(min_size=1, max_size=150), subject=st.text(min_size=1, max_size=300))
def test_any_text_is_either_refused_with_a_code_or_round_trips(entity: str, subject: str) -> None:
    composer = Composer("DEV1", message_ids=SequentialMessageIds("p"))
    try:
        sender = Sender.organisational("a@chu.mssante.fr", entity=entity)
        sent = composer.compose(
            sender=sender,
            to=PATIENT,
            subject=subject,
            text=subject,
            allow_fin_word=True,
            extra_headers={"X-Note": subject},
        )
    except MsscError as exc:
        refusal: str | None = exc.code
    else:
        refusal = None
    if refusal is not None:
        assert refusal != "header-mismatch"
        return
    msg = BytesParser(policy=default).parsebytes(sent.to_bytes())
    assert [k.lower() for k in msg] == [
        "from", "to", "subject", "date", "message-id", "mime-version", "x-mss-nil", "x-note",
        "content-type", "content-transfer-encoding",
    ]  # fmt: skip
    assert squash(msg["From"].addresses[0].display_name) == squash(sender.label)
    assert squash(str(msg["Subject"])) == squash(sent.subject)
    assert all(len(line) <= 998 for line in sent.to_bytes().split(b"\r\n"))
    assert sent.to_bytes().isascii()


def _stdlib_skeleton(subject: str) -> tuple[compose_module._Skeleton, EmailMessage]:
    root = EmailMessage(policy=compose_module._POLICY)
    root["From"] = Address(display_name="CHU", addr_spec="a@chu.mssante.fr")
    root["To"] = PATIENT
    root["Subject"] = subject  # bypasses mssc's first guard on purpose
    root["Message-ID"] = "<x@chu.mssante.fr>"
    root.set_content("x")
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=compose_module._POLICY).flatten(root)
    data = buffer.getvalue()
    return compose_module._Skeleton(data, [], [], len(data)), root


def test_reparse_guard_catches_what_the_first_guard_would_have_missed() -> None:
    sender = Sender.organisational("a@chu.mssante.fr", entity="CHU")
    evil = "=?utf-8?q?Bonjour=0ABcc:_evil@example.com?="
    skeleton, root = _stdlib_skeleton(evil)
    if b"\r\nBcc:" not in skeleton.data.replace(b"\n", b"\r\n"):
        pytest.skip("this Python encodes the newline itself (CVE-2024-6923 fixed)")
    with pytest.raises(HeaderInjection) as info:
        compose_module._verify(
            skeleton, root, sender=sender, to=PATIENT, subject=evil, msg_id="<x@chu.mssante.fr>"
        )
    assert info.value.code == "header-mismatch"


def test_reparse_guard_accepts_a_clean_skeleton() -> None:
    sender = Sender.organisational("a@chu.mssante.fr", entity="CHU")
    skeleton, root = _stdlib_skeleton("Bonjour")
    compose_module._verify(
        skeleton, root, sender=sender, to=PATIENT, subject="Bonjour", msg_id="<x@chu.mssante.fr>"
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_same_inputs_same_bytes(seed: int) -> None:
    def build() -> bytes:
        c = Composer(
            "DEV1",
            clock=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
            message_ids=SequentialMessageIds(f"s{seed}"),
        )
        sender = Sender.organisational("a@chu.mssante.fr", entity=f"CHU {seed}")
        return c.compose(sender=sender, to=PATIENT, subject=f"n°{seed}", text="é" * seed).to_bytes()

    assert build() == build()
