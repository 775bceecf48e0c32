"""The shortcuts of the message readers and the text-bounce path give what the plain
computations they replace give (property tests on generated inputs)."""

from __future__ import annotations

import dataclasses
from email.message import Message

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc._slots import new_object, slot_setters
from mssc.mime import Headers
from mssc.replies.classifier import _read_identity, _stored_identity
from mssc.replies.dsn import (
    _CUTS,
    _HEADER_LINE,
    _ORIGINAL_START,
    _SHARED_WORD,
    _coarsened,
    split_notice,
)

#: The wordings of the original-message cut (and words that hold only part of one), in
#: several cases.
_WORDINGS = [
    "message",
    "MESSAGE",
    "original message",
    "Original Message",
    "copy of the message",
    "copy of your original message",
    "Copy Of ",
    "below this line",
    "Below This Line",
    "returned message",
    "message header follows",
    "message headers follow",
    "header of the original",
    "headers of the message",
    "headers of your original message",
    "Headers Of ",
    "undelivered message",
    "message follows",
    "en-têtes du message",
    "message d'origine",
    "copie du message",
    "Received: x",
    "message-id:",
]
#: One line of a notice: what may stand before a wording (blanks, a divider, an article), a
#: wording or not, and what may follow it (characters that lower otherwise included).
_LINE = st.tuples(
    st.sampled_from(["", " ", "\t", "--- ", "== x ", "(", "the ", "a ", "here is ", "x "]),
    st.sampled_from(["", *_WORDINGS]),
    st.sampled_from(["", " x", ":", "é", "\u0130", "\u0131", " message"]),
).map("".join)


@given(st.lists(_LINE, max_size=12))
def test_split_notice_with_shared_word_is_the_plain_search(lines: list[str]) -> None:
    """split_notice, which looks for the lines of the original-message cut by the shared word
    ("message") instead of each wording that holds it, cuts where the engine's search cuts."""
    text = "\n".join(lines)
    # the earlier of the two patterns' first matches after the first line (each matches
    # within one line, so searching both over the whole rest is the same as searching the
    # second only before the first's match)
    first_eol = text.find("\n")
    starts = [
        m.start()
        for pattern in (_ORIGINAL_START, _HEADER_LINE)
        if first_eol >= 0 and (m := pattern.search(text, first_eol + 1)) is not None
    ]
    cut = min(starts, default=len(text))
    assert split_notice(text) == (text[:cut], text[cut:])


@given(
    st.frozensets(st.sampled_from(_WORDINGS) | st.text("mesag xy", max_size=9), max_size=6),
    st.lists(st.sampled_from(_WORDINGS) | st.text("mesag xy\n", max_size=9), max_size=8).map(
        "".join
    ),
)
def test_coarsened_words_cover_the_words(words: frozenset[str], text: str) -> None:
    """Wherever a text holds one of the words, it holds one of the coarsened words inside that
    occurrence: no line that holds a word is missed."""
    coarse = _coarsened(words, _SHARED_WORD)
    assert coarse is not None
    for word in words:
        at = text.find(word)
        while at >= 0:
            piece = text[at : at + len(word)]
            assert any(c in piece for c in coarse)
            at = text.find(word, at + 1)
    assert _coarsened(None, _SHARED_WORD) is None


def test_cut_words_are_coarsened() -> None:
    """The original-message cut looks for the shared word, not for each wording holding it."""
    words = _CUTS[1][2]
    assert words is not None
    assert words[0] == _SHARED_WORD
    assert not any(_SHARED_WORD in w for w in words[1:])


#: Header values of the sender's identity: addresses, display names, folded lines, blanks
#: around, 8-bit text and encoded words.
_IDENTITY_VALUE = st.lists(
    st.sampled_from(
        [
            "a@x.fr",
            "<>",
            "<b@y.org>",
            '"N" <c@z>',
            "MAILER-DAEMON@mx.fr",
            "279035121518989@patient.mssante.fr",
            " ",
            "\t",
            "\n ",
            "\r\n\t",
            " a@x.fr ",
            "é",
            "=?utf-8?q?x?=",
            ", ",
            ":",
        ]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=500)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["From", "Sender", "Return-Path", "FROM", "To"]), _IDENTITY_VALUE
        ),
        max_size=8,
    )
)
def test_stored_identity_is_the_readers(fields: list[tuple[str, str]]) -> None:
    """The sender's headers read as stored give what the general readers give, when the fast
    reading applies (and it applies to plain one-line ASCII values)."""
    msg = Message()
    for name, value in fields:
        msg[name] = value
    headers = Headers(msg)
    fast = _stored_identity(headers)
    assert fast is None or fast == _read_identity(headers)
    plain = all(
        value.isascii() and "\n" not in value and "\r" not in value
        for name, value in fields
        if name.lower() in ("from", "sender", "return-path")
    )
    assert (fast is not None) == plain


def test_slot_setters_follow_the_fields_and_refuse_a_class_without_slots() -> None:
    """The builders' setters come in field order; a dataclass whose fields have no slot of
    their own (no ``slots=True``) or a class that is no dataclass is refused."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Pair:
        first: int
        second: str

    set_first, set_second = slot_setters(Pair)
    pair: Pair = new_object(Pair)
    set_first(pair, 1)
    set_second(pair, "b")
    assert pair == Pair(1, "b")
    assert hash(pair) == hash(Pair(1, "b"))

    @dataclasses.dataclass(frozen=True)
    class Plain:
        value: int

    with pytest.raises(KeyError):
        slot_setters(Plain)
    with pytest.raises(TypeError):
        slot_setters(int)
