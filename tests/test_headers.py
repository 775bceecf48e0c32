"""Tests of mssc.headers: value safety, msg-ids, threading, reply subjects and the FIN word."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.errors import HeaderInjection
from mssc.headers import (
    MAX_REFERENCES,
    SequentialMessageIds,
    cap_references,
    check_header_value,
    contains_fin_word,
    decode_encoded_words,
    extract_msg_ids,
    fold_msg_ids,
    make_message_id,
    parse_msg_id,
    reply_subject,
    thread_headers,
)


@pytest.mark.parametrize(
    "value",
    [
        "a\r\nBcc: x@y.fr",
        "a\nb",
        "a\rb",
        "a\x00b",
        "a\tb",
        "a\x7fb",
        "a\u2028b",
        "=?utf-8?q?Bonjour=0ABcc:_evil@example.com?=",  # the =0A encoded-word case
        "=?utf-8?b?Qm9uam91cgpCY2M6IGV2aWxAZXhhbXBsZS5jb20=?=",  # same, base64
        "Résultats =?iso-8859-1?q?a=0Db?= suite",
    ],
)
def test_control_characters_refused(value: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        check_header_value(value, field="Subject")
    assert info.value.code == "control-character"


@pytest.mark.parametrize("value", ["Convocation", "Résultats — mars", "=?utf-8?q?caf=C3=A9?="])
def test_safe_values_pass(value: str) -> None:
    assert check_header_value(value, field="Subject") == value


def test_decode_encoded_words() -> None:
    assert decode_encoded_words("=?utf-8?q?caf=C3=A9?= noir") == "café noir"
    assert decode_encoded_words("=?bogus-charset?q?abc?=") == "abc"


@pytest.mark.parametrize("value", ["<a@b.fr>", " <a.b-c@[10.0.0.1]> ", "<x+y=z@chu.mssante.fr>"])
def test_parse_msg_id_accepts(value: str) -> None:
    assert parse_msg_id(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    [
        "a@b.fr",
        "<a b@c.fr>",
        "<a@b.fr",
        "<@b.fr>",
        "<a@>",
        "<a@b.fr>x",
        "<a\r\n@b.fr>",
        "<" + "a" * 300 + "@b.fr>",
        "<a..b@c.fr>",
    ],
)
def test_parse_msg_id_refuses(value: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        parse_msg_id(value)
    assert info.value.code in {"bad-message-id", "control-character"}


def test_make_message_id_uses_the_domain_and_has_constant_length() -> None:
    ids = {make_message_id("chu.mssante.fr") for _ in range(20)}
    assert len(ids) == 20
    assert all(i.endswith("@chu.mssante.fr>") for i in ids)
    assert len({len(i) for i in ids}) == 1


def test_sequential_ids() -> None:
    gen = SequentialMessageIds("run", start=9)
    assert [gen("d.mssante.fr"), gen("d.mssante.fr")] == [
        "<run.000009@d.mssante.fr>",
        "<run.000010@d.mssante.fr>",
    ]


def test_extract_msg_ids_is_lenient() -> None:
    assert extract_msg_ids("<a@b> junk <bad id@x> <c@d>\r\n <a@b>") == ("<a@b>", "<c@d>")
    assert extract_msg_ids(None) == ()


def _msg(msg_id: str, *, irt: str | None = None, refs: str | None = None) -> bytes:
    m = EmailMessage()
    m["From"] = "279035121518989@patient.mssante.fr"
    m["Subject"] = "Question"
    m["Message-ID"] = msg_id
    if irt:
        m["In-Reply-To"] = irt
    if refs:
        m["References"] = refs
    m.set_content("x")
    return m.as_bytes()


def test_threading_three_deep() -> None:
    first = _msg("<1@chu.mssante.fr>")
    t1 = thread_headers(first)
    assert (t1.in_reply_to, t1.references) == ("<1@chu.mssante.fr>", ("<1@chu.mssante.fr>",))
    second = _msg("<2@patient.mssante.fr>", irt=t1.in_reply_to, refs=" ".join(t1.references))
    t2 = thread_headers(second)
    assert t2.references == ("<1@chu.mssante.fr>", "<2@patient.mssante.fr>")
    third = _msg("<3@chu.mssante.fr>", irt=t2.in_reply_to, refs=" ".join(t2.references))
    parsed = BytesParser(policy=default).parsebytes(third)
    t3 = thread_headers(parsed)
    assert t3.in_reply_to == "<3@chu.mssante.fr>"
    assert t3.references == ("<1@chu.mssante.fr>", "<2@patient.mssante.fr>", "<3@chu.mssante.fr>")


def test_threading_falls_back_to_in_reply_to() -> None:
    t = thread_headers(_msg("<2@x.fr>", irt="<1@x.fr>"))
    assert t.references == ("<1@x.fr>", "<2@x.fr>")


def test_threading_needs_a_parent_id() -> None:
    m = EmailMessage()
    m["Subject"] = "x"
    with pytest.raises(HeaderInjection) as info:
        thread_headers(m)
    assert info.value.code == "bad-message-id"


class _Parsed:
    from_address = "279035121518989@patient.mssante.fr"
    subject = "Question"
    message_id = "<p@patient.mssante.fr>"
    in_reply_to = "<o@chu.mssante.fr>"
    references = ("<r@chu.mssante.fr>", "<o@chu.mssante.fr>")


def test_threading_from_a_parsed_patient_message() -> None:
    t = thread_headers(_Parsed())
    assert t.references == (*_Parsed.references, "<p@patient.mssante.fr>")


@settings(max_examples=100)
@given(st.integers(min_value=0, max_value=80), st.integers(min_value=2, max_value=30))
def test_cap_references(n: int, limit: int) -> None:
    ids = [f"<{i}@x.fr>" for i in range(n)]
    capped = cap_references(ids, limit)
    assert len(capped) == min(n, limit)
    if n:
        assert capped[0] == ids[0]
        assert capped[-1] == ids[-1]
    assert list(capped) == sorted(capped, key=ids.index)


def test_references_capped_by_default() -> None:
    refs = " ".join(f"<{i}@x.fr>" for i in range(50))
    t = thread_headers(_msg("<last@x.fr>", refs=refs))
    assert len(t.references) == MAX_REFERENCES
    assert t.references[0] == "<0@x.fr>"


def test_fold_msg_ids_never_splits_an_id() -> None:
    ids = [f"<{'x' * 30}.{i}@hopital.mssante.fr>" for i in range(6)]
    folded = fold_msg_ids("References", ids)
    lines = folded.split("\r\n")
    assert all(len(line) <= 78 - len("References: ") or line.startswith(" ") for line in lines[:1])
    assert all(len(line) <= 78 for line in lines[1:])
    assert re.findall(r"<[^>]+>", folded) == ids


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Résultats", "RE: Résultats"),
        ("Re: Résultats", "RE: Résultats"),
        ("RE : re: Résultats", "RE: Résultats"),
        ("Re[2]: Résultats", "RE: Résultats"),
        ("AW: Sv: Résultats", "RE: Résultats"),
        ("Réponse attendue", "RE: Réponse attendue"),
        ("", "RE:"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected
    assert reply_subject(reply_subject(subject)) == expected


@pytest.mark.parametrize(
    ("subject", "has_fin"),
    [
        ("Fin de votre hospitalisation", True),
        ("[FIN]", True),
        ("fin", True),
        ("Traitement: FIN.", True),
        ("=?utf-8?q?Fin_de_s=C3=A9jour?=", True),
        ("Afin de préparer votre venue", False),
        ("Finalisation du dossier", False),
        ("Confinement", False),
        ("Bilan final", False),
    ],
)
def test_fin_word(subject: str, has_fin: bool) -> None:
    assert contains_fin_word(subject) is has_fin


@pytest.mark.parametrize(
    "value",
    [
        "=?utf-8?q?a=0A b?=",  # white space inside the encoded word: the stdlib still decodes it
        "=?utf-8?q?a=0ABcc:=20x@example.com b?=",
        "=?utf-8?b?AAo*?=",  # invalid base64 that the stdlib decodes anyway (NUL, LF)
        "a\ud800b",  # a lone surrogate cannot be encoded
        "x \u202etxt.exe",  # bidi override
        "x \u2067y\u2069",  # bidi isolate
    ],
)
def test_what_the_stdlib_would_decode_is_checked_too(value: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        check_header_value(value, field="X-Note")
    assert info.value.code == "control-character"
