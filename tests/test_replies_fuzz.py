"""Fuzz tests: hostile bytes never make classify() or parse_patient_message() raise."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.inbound import MimeLimits, PatientMessage, parse_patient_message
from mssc.mime import DEFAULT_LIMITS
from mssc.replies import Classification, ReplyKind, classify

FIXTURE_DIR = Path(__file__).parent / "fixtures"
SEEDS = [p.read_bytes() for p in sorted(FIXTURE_DIR.glob("replies/*.eml"))] + [
    p.read_bytes() for p in sorted(FIXTURE_DIR.glob("inbound/*.eml"))
]

# fragments that stress the MIME and report parsers
NASTY = [
    b"\n--",
    b"\r",
    b"\n\n",
    b"Content-Type: multipart/mixed; boundary=x\n\n--x\n",
    b"Content-Type: message/delivery-status\n\n",
    b"Content-Type: message/disposition-notification\n\n",
    b"Content-Type: message/rfc822\n\n",
    b"Content-Transfer-Encoding: base64\n\n===",
    b"=?utf-8?b?////?=",
    b"=?x-unknown?q?=FF?=",
    b"filename*=utf-8''%FF%FE",
    b"Final-Recipient: rfc822;\n",
    b"Disposition: ;/;",
    b"\x00\xff\xfe",
    b"Status: 9.9.9.9\n",
    b"<" * 50,
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, len(data)))
        if op == 0 and data:  # flip a byte
            i = min(pos, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == 1:  # insert a nasty fragment
            data[pos:pos] = draw(st.sampled_from(NASTY))
        elif op == 2:  # cut
            del data[pos : pos + draw(st.integers(0, 200))]
        else:  # duplicate a slice
            data[pos:pos] = data[pos : pos + draw(st.integers(0, 300))]
    return bytes(data)


def _check(raw: bytes | str) -> None:
    result = classify(raw)
    assert isinstance(result, Classification)
    assert isinstance(result.kind, ReplyKind)
    assert 0.0 <= result.confidence <= 1.0
    result.to_dict()
    msg = parse_patient_message(raw, limits=MimeLimits(max_parts=64))
    assert isinstance(msg, PatientMessage)
    msg.to_dict()


@given(mutated())
def test_mutated_fixtures_never_raise(raw: bytes) -> None:
    _check(raw)


@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _check(raw)


@given(st.text(max_size=1000))
def test_random_text_never_raises(raw: str) -> None:
    _check(raw)


@settings(max_examples=20)
@given(st.integers(1, 600), st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_deep_nesting_is_bounded(depth: int, eol: bytes) -> None:
    parts = [b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"]
    for i in range(depth):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
    parts.append(b"Content-Type: text/plain\n\nuser unknown\n")
    raw = b"".join(parts).replace(b"\n", eol)
    _check(raw)
    if depth > DEFAULT_LIMITS.max_depth:
        result = classify(raw)
        assert "limit-depth" in result.defects
        assert result.kind is ReplyKind.OTHER
