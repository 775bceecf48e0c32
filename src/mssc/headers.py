"""Header-value safety, Message-ID generation and threading (In-Reply-To / References).

Python 3.11's ``email`` package decodes an RFC 2047 encoded word such as ``=?utf-8?q?a=0Ab?=``
inside a header value and then writes the decoded newline raw, which lets a caller value add
header lines (the CVE-2024-6923 family, fixed only in later releases). mssc therefore checks
every caller value itself, *after* decoding encoded words, and re-parses what it generated
(see :mod:`mssc.compose`).

>>> check_header_value("Convocation du 3 mars", field="Subject")
'Convocation du 3 mars'
>>> try:
...     check_header_value("=?utf-8?q?x=0ABcc:_a@b.fr?=", field="Subject")
... except HeaderInjection as exc:
...     print(exc.code)
control-character
>>> reply_subject("Re: RE : Re[2]: Résultats")
'RE: Résultats'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email import policy as _policy
from email.message import Message
from typing import Final, Protocol, runtime_checkable

from mssc.errors import HeaderInjection
from mssc.mime import read_message

__all__ = [
    "BIDI_CONTROLS",
    "MAX_MSG_ID_LENGTH",
    "MAX_REFERENCES",
    "MessageIdFactory",
    "ParentInfo",
    "ParentMessage",
    "SequentialMessageIds",
    "ThreadHeaders",
    "cap_references",
    "check_header_value",
    "contains_fin_word",
    "decode_encoded_words",
    "extract_msg_ids",
    "fold_msg_ids",
    "make_message_id",
    "parent_info",
    "parse_msg_id",
    "reply_subject",
    "thread_headers",
]

#: A factory of Message-IDs: called with the sender's domain, returns ``<left@domain>``.
MessageIdFactory = Callable[[str], str]

#: References keeps at most this many ids: the first (the thread root) and the most recent ones.
MAX_REFERENCES: Final = 20
#: The longest msg-id mssc writes or accepts (brackets included).
MAX_MSG_ID_LENGTH: Final = 250

# The encoded text may hold white space: RFC 2047 forbids it, but the stdlib decodes it anyway.
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([qQbB])\?([^?]*?)\?=")


def _decode_one(charset: str, encoding: str, text: str) -> str:
    charset = charset.split("*", 1)[0] or "us-ascii"  # RFC 2231 language suffix
    try:
        if encoding in "qQ":
            raw = re.sub(
                rb"=([0-9A-Fa-f]{2})",
                lambda m: bytes([int(m.group(1), 16)]),
                text.replace("_", " ").encode("ascii", "replace"),
            )
        else:
            data = text.encode("ascii", "replace")
            # The stdlib's fallbacks for broken base64: as given, then with extra padding.
            for candidate in (data + b"=" * (-len(data) % 4), data, data + b"=="):
                try:
                    raw = base64.b64decode(candidate, validate=False)
                    break
                except binascii.Error:
                    continue
            else:
                return text
    except (binascii.Error, ValueError):
        return text
    try:
        return raw.decode(charset, "replace")
    except LookupError:
        return raw.decode("latin-1")


def decode_encoded_words(value: str) -> str:
    """Decode every RFC 2047 encoded word in ``value``, wherever it appears. Never raises.

    This is deliberately more liberal than a mail reader: the point is to see every character a
    decoder might produce.
    """
    return _ENCODED_WORD.sub(lambda m: _decode_one(m.group(1), m.group(2), m.group(3)), value)


# Bidi embeddings, overrides and isolates: they reorder what follows them on display.
#: The Unicode bidirectional embedding, override and isolate controls (a "Trojan Source" risk).
BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _first_control(value: str) -> str | None:
    for ch in value:
        if ch in BIDI_CONTROLS or unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"}:
            return ch
    return None


def _stdlib_decoded(value: str) -> str:
    """The value as the running Python's ``email`` package decodes it (it is more liberal than
    RFC 2047: encoded words with white space inside, broken base64)."""
    try:
        return str(_policy.default.header_factory("X-Mssc-Check", value))
    except Exception:  # pragma: no cover - the stdlib registers defects instead of raising
        return ""


def check_header_value(value: str, *, field: str) -> str:
    """Return ``value`` unchanged when it is safe to put in the header ``field``.

    Refused: any control character (CR, LF, NUL, TAB, DEL, C1…), Unicode line/paragraph
    separator, bidi embedding/override/isolate character or lone surrogate, in the value as given
    or after decoding RFC 2047 encoded words, both by mssc's liberal decoder and by the running
    Python's ``email`` package.

    Raises:
        HeaderInjection: code ``control-character``.
        TypeError: when ``value`` is not a str.
    """
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a str, not {type(value).__name__}")
    bad = _first_control(value)
    how = ""
    if bad is None:
        how = " after RFC 2047 decoding"
        bad = _first_control(decode_encoded_words(value)) or _first_control(_stdlib_decoded(value))
    if bad is not None:
        raise HeaderInjection(
            f"{field} contains the control character U+{ord(bad):04X}{how}",
            code="control-character",
            hint="remove line breaks and control characters from header values; "
            "put multi-line text in the body",
        )
    return value


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_MSG_ID = re.compile(rf"<{_DOT_ATOM}@(?:{_DOT_ATOM}|\[[\x21-\x5a\x5e-\x7e]*\])>")


def parse_msg_id(value: str) -> str:
    """Return the strict msg-id ``<left@right>`` (RFC 5322 §3.6.4, no CFWS, no obsolete forms).

    Surrounding white space is removed; nothing else is tolerated.

    Raises:
        HeaderInjection: code ``bad-message-id`` (``control-character`` for control characters).
    """
    if not isinstance(value, str):
        raise TypeError(f"a message id must be a str, not {type(value).__name__}")
    check_header_value(value, field="message id")
    candidate = value.strip()
    if len(candidate) > MAX_MSG_ID_LENGTH or not _MSG_ID.fullmatch(candidate):
        raise HeaderInjection(
            f"{value!r} is not a message id of the form <left@right>",
            code="bad-message-id",
            hint=f"pass the full id with its angle brackets, at most {MAX_MSG_ID_LENGTH} "
            "characters, no spaces",
        )
    return candidate


def extract_msg_ids(text: str | None) -> tuple[str, ...]:
    """Return the valid msg-ids found in a header value, in order, without duplicates.

    Lenient on purpose (for headers of received mail): invalid tokens are skipped. Never raises.
    """
    if not text:
        return ()
    found: list[str] = []
    for token in re.findall(r"<[^<>\s]*>", text):
        if len(token) <= MAX_MSG_ID_LENGTH and _MSG_ID.fullmatch(token) and token not in found:
            found.append(token)
    return tuple(found)


def make_message_id(domain: str, *, token: str | None = None) -> str:
    """Return a new Message-ID on ``domain``: ``<32 hex digits@domain>``.

    The random part comes from :mod:`secrets` unless ``token`` is given. The host name is never
    looked up (unlike :func:`email.utils.make_msgid`). The length is constant for a domain.
    """
    left = token if token is not None else secrets.token_hex(16)
    return parse_msg_id(f"<{left}@{domain}>")


class SequentialMessageIds:
    """A deterministic :data:`MessageIdFactory` for tests and reproducible output.

    ``SequentialMessageIds("run1")`` yields ``<run1.000001@domain>``, ``<run1.000002@domain>``…
    (six digits, so the length stays constant for a million ids). Thread-safe.
    """

    def __init__(self, prefix: str = "mssc", *, start: int = 1) -> None:
        self._prefix = prefix
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def __call__(self, domain: str) -> str:
        """Return the next id on ``domain``."""
        with self._lock:
            n = next(self._counter)
        return parse_msg_id(f"<{self._prefix}.{n:06d}@{domain}>")


@runtime_checkable
class ParentMessage(Protocol):
    """What :func:`thread_headers` needs from a parsed message (e.g. ``mssc.inbound``'s)."""

    @property
    def message_id(self) -> str | None:
        """The parent's Message-ID, with angle brackets."""

    @property
    def in_reply_to(self) -> str | None:
        """The parent's In-Reply-To."""

    @property
    def references(self) -> tuple[str, ...]:
        """The parent's References, oldest first."""


@dataclass(frozen=True, slots=True)
class ParentInfo:
    """What a reply takes from its parent message (all optional; hostile values dropped)."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str | None


def _header_str(msg: Message, name: str) -> str:
    try:
        # policy.default parses the value on access, and raises on some hostile values (an
        # encoded CR/LF inside an address, for one)
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:
        return ""


def parent_info(parent: bytes | str | Message | ParentMessage) -> ParentInfo:
    """Read the threading data of a parent message given as bytes, str, a stdlib ``Message`` or a
    parsed patient message. Lenient: invalid ids are dropped, control characters in the subject
    become spaces. Never raises for hostile content (TypeError for an unsupported type).
    """
    if isinstance(parent, str):
        parent = parent.encode("utf-8", "surrogateescape")
    if isinstance(parent, (bytes, bytearray, memoryview)):
        # the one bounded reader: a header past a limit (length, encoded words ...) is dropped
        parent = read_message(bytes(parent), policy=_policy.default, headers_only=True).message
    if isinstance(parent, Message):
        msg_ids = extract_msg_ids(_header_str(parent, "Message-ID"))
        subject = _header_str(parent, "Subject")
        from_header = _header_str(parent, "From")
        from_address: str | None = None
        m = re.search(r"<([^<>\s]+@[^<>\s]+)>", from_header)
        if m:
            from_address = m.group(1)
        elif "@" in from_header:
            from_address = from_header.strip()
        return ParentInfo(
            message_id=msg_ids[0] if msg_ids else None,
            in_reply_to=extract_msg_ids(_header_str(parent, "In-Reply-To")),
            references=extract_msg_ids(_header_str(parent, "References")),
            subject=_sanitize(_decode_fully(subject)),
            from_address=from_address,
        )
    if isinstance(parent, ParentMessage):
        raw_id = parent.message_id
        ids = extract_msg_ids(raw_id) if isinstance(raw_id, str) else ()
        refs: Iterable[str] = parent.references or ()
        subject_obj = getattr(parent, "subject", "")
        from_obj = getattr(parent, "from_address", None)
        return ParentInfo(
            message_id=ids[0] if ids else None,
            in_reply_to=extract_msg_ids(parent.in_reply_to),
            references=extract_msg_ids(" ".join(r for r in refs if isinstance(r, str))),
            subject=_sanitize(_decode_fully(subject_obj) if isinstance(subject_obj, str) else ""),
            from_address=from_obj if isinstance(from_obj, str) else None,
        )
    raise TypeError(
        "a parent message must be bytes, str, an email.message.Message or a parsed patient "
        f"message, not {type(parent).__name__}"
    )


def _decode_fully(text: str, rounds: int = 4) -> str:
    """Decode encoded words until nothing changes, so that a subject encoded several times by a
    hostile sender cannot keep a control character for the next decoder; whatever still decodes
    after ``rounds`` is defused (``=?`` becomes ``= ?``)."""
    for _ in range(rounds):
        decoded = decode_encoded_words(text)
        if decoded == text:
            break
        text = decoded
    if decode_encoded_words(text) != text or _stdlib_decoded(text) != text:
        text = text.replace("=?", "= ?")
    return text


def _sanitize(text: str) -> str:
    cleaned = "".join(" " if _first_control(ch) else ch for ch in text)
    return " ".join(cleaned.split())


@dataclass(frozen=True, slots=True)
class ThreadHeaders:
    """The In-Reply-To and References of a reply (RFC 5322 §3.6.4)."""

    in_reply_to: str
    references: tuple[str, ...]


def cap_references(ids: Sequence[str], limit: int = MAX_REFERENCES) -> tuple[str, ...]:
    """Keep the first id (the thread root) and the ``limit - 1`` most recent ones."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    if len(ids) <= limit:
        return tuple(ids)
    return (ids[0], *ids[len(ids) - limit + 1 :])


def thread_headers(
    parent: bytes | str | Message | ParentMessage, *, max_references: int = MAX_REFERENCES
) -> ThreadHeaders:
    """Return the In-Reply-To and References for a reply to ``parent``.

    References = the parent's References, or else its In-Reply-To (when it holds one id), plus the
    parent's Message-ID; capped to ``max_references`` ids.

    Raises:
        HeaderInjection: code ``bad-message-id`` when the parent has no valid Message-ID.
    """
    info = parent_info(parent)
    if info.message_id is None:
        raise HeaderInjection(
            "the parent message has no valid Message-ID to reply to",
            code="bad-message-id",
            hint="send a new message instead of a reply (in_reply_to=None)",
        )
    if info.references:
        chain = list(info.references)
    elif len(info.in_reply_to) == 1:
        chain = list(info.in_reply_to)
    else:
        chain = []
    chain = [i for i in chain if i != info.message_id]
    chain.append(info.message_id)
    return ThreadHeaders(info.message_id, cap_references(chain, max_references))


_REPLY_PREFIX = re.compile(
    r"^(?:\s*(?:re|ré|aw|sv|antw|rép|rep)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE
)


def reply_subject(subject: str) -> str:
    """Return ``RE: <subject>`` with any existing reply prefixes (Re:, RE :, Re[2]:, AW:…) removed.

    >>> reply_subject("Résultats"), reply_subject("re: Re: Résultats")
    ('RE: Résultats', 'RE: Résultats')
    """
    rest = _REPLY_PREFIX.sub("", subject).strip()
    return f"RE: {rest}" if rest else "RE:"


_FIN_WORD = re.compile(r"(?<![^\W_])fin(?![^\W_])", re.IGNORECASE)


def contains_fin_word(subject: str) -> bool:
    """Return whether ``subject`` (decoded) contains FIN as a standalone word, in any case.

    >>> contains_fin_word("Fin de votre hospitalisation"), contains_fin_word("Afin de finaliser")
    (True, False)
    """
    return _FIN_WORD.search(decode_encoded_words(unicodedata.normalize("NFC", subject))) is not None


def fold_msg_ids(name: str, ids: Sequence[str], *, linesep: str = "\r\n") -> str:
    """Fold a list of msg-ids for header ``name`` (without the ``name:`` prefix).

    Each line stays within 78 octets when the ids allow it; an id is never split or encoded.
    """
    lines: list[str] = []
    current = ""
    width = len(name) + 2
    for msg_id in ids:
        if current and width + 1 + len(msg_id) > 78:
            lines.append(current)
            current, width = msg_id, 1 + len(msg_id)
        elif current:
            current, width = f"{current} {msg_id}", width + 1 + len(msg_id)
        else:
            current, width = msg_id, width + len(msg_id)
    lines.append(current)
    return (linesep + " ").join(lines)


def xtext(value: str) -> str:
    """Encode ``value`` as RFC 3461 xtext (for ENVID and ORCPT)."""
    return "".join(
        ch if 33 <= ord(ch) <= 126 and ch not in "+=" else f"+{ord(ch):02X}"
        for ch in value.encode("utf-8").decode("latin-1")
    )


def stable_token(*parts: str, length: int = 24) -> str:
    """A deterministic hex token derived from ``parts`` (used for MIME boundaries)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:length]
