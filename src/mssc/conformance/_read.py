"""The adapter between :func:`~mssc.conformance.check` and the bounded reader.

``check`` reads a message once, here, and every rule reads that one parse. What the checker
needs of the reader is three things: the parse (a ``compat32`` message, whose header values are
plain strings that no rule can make the stdlib re-parse), the reader limits the message crossed,
and two linear helpers (RFC 2047 decoding, file names with RFC 2231 sections joined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Final

from mssc.headers import decode_encoded_words

__all__ = ["MAX_MIME_DEPTH", "Reading", "decode_words", "filename", "mime_depth", "read"]

#: The deepest MIME nesting :func:`read` parses.
MAX_MIME_DEPTH: Final = 50

# For mime_depth, on "\n" + the bytes (lower-cased for the header): each pattern starts with a
# literal, which the regex engine finds fast in a 25 MB message.
_MULTIPART_HEADER = re.compile(
    rb"\ncontent-type:[ \t]*(?:\r?\n[ \t]+)*multipart/[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*"
)
_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]*)"|([^\s;"]+))', re.I)
_DELIMITER_LINE = re.compile(rb"\n--([^\r\n]*?)[ \t]*\r?(?=\n|\Z)")


@dataclass(frozen=True, slots=True)
class Reading:
    """One read of a message.

    Attributes:
        message: the parse (``compat32``); headers only, or empty, when a limit was crossed.
        limits: the reader defects of the limits crossed (``limit-depth`` …); when there is
            one, the message was not read further.
        defects: the reader's other defects (informative).
    """

    message: Message
    limits: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()


def mime_depth(raw: bytes) -> int:
    """Return how deep multipart parts nest in ``raw`` (0 for a single-part message).

    A linear scan of the bytes, without the stdlib parser (whose cost grows with the depth):
    every multipart Content-Type opens a level, and the delimiter lines of the open boundaries
    close the levels nested below them. Boundary-like text inside a body can only make the
    count larger, never hide a level.
    """
    text = b"\n" + raw  # every line, the first included, now follows a "\n"
    events: list[tuple[int, bool, bytes]] = []
    for header in _MULTIPART_HEADER.finditer(text.lower()):  # same length, same offsets
        param = _BOUNDARY_PARAM.search(text, header.start(), header.end())
        boundary = (param.group(1) or param.group(2) or b"") if param else b""
        events.append((header.start(), True, boundary))
    if not events:
        return 0
    events.extend((m.start(), False, m.group(1)) for m in _DELIMITER_LINE.finditer(text))
    events.sort(key=lambda e: e[0])
    stack: list[bytes] = []
    deepest = 0
    for _, opens, value in events:
        if opens:
            stack.append(value)
            deepest = max(deepest, len(stack))
        elif value in stack:  # a new part of that multipart: the levels under it are over
            del stack[len(stack) - stack[::-1].index(value) :]
        elif value.endswith(b"--") and value[:-2] in stack:  # that multipart ends
            del stack[len(stack) - 1 - stack[::-1].index(value[:-2]) :]
    return deepest


def read(raw: bytes) -> Reading:
    """Read ``raw`` once within the reader limits. Never raises on content."""
    if mime_depth(raw) > MAX_MIME_DEPTH:
        return Reading(_headers_only(raw), ("limit-depth",))
    try:
        return Reading(BytesParser(policy=compat32).parsebytes(raw))
    except Exception:  # the stdlib parser is meant never to raise; be safe anyway
        return Reading(_headers_only(raw), (), ("unreadable",))


def _headers_only(raw: bytes) -> Message:
    try:
        return BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    except Exception:  # pragma: no cover - defensive
        return Message()


def decode_words(value: str) -> str:
    """Decode the RFC 2047 encoded words of ``value`` (linear; never raises)."""
    return decode_encoded_words(value) if "=?" in value else value


def filename(part: Message) -> str:
    """The file name of ``part`` as a mail client shows it ("" when it has none)."""
    name = part.get_filename()
    return decode_words(name) if isinstance(name, str) else ""
