"""The one bounded reader of inbound mail: limits, a linear pre-scan, a parse that never raises.

Every reader of received mail in mssc (:func:`mssc.replies.classify`,
:func:`mssc.inbound.parse_patient_message`, :func:`mssc.conformance.check`, threading) goes
through :func:`read_message`. Before the stdlib parser sees a byte, :func:`prescan` makes one
linear pass over the message and measures what makes the stdlib slow on hostile input: MIME
nesting, part count, header count and length, RFC 2047 encoded words, RFC 2231 sections,
nested comments and the total work of the parse. Past a limit of :class:`MimeLimits`, the
message is not parsed further: the result holds its headers only, and a defect whose code
names the limit (``limit-depth``, ``limit-parts`` ...).

>>> raw = b"From: a@b.fr\\nSubject: =?utf-8?q?R=C3=A9sultats?=\\n\\nBonjour\\n"
>>> read = read_message(raw)
>>> read.over_limit, header(read.message, "Subject")
(False, 'Résultats')
>>> deep = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\\n\\n--b%d\\n" % (i, i)
...                 for i in range(40))
>>> read = read_message(b"From: a@b.fr\\n" + deep)
>>> read.over_limit, [d.code for d in read.defects]
(True, ['limit-depth'])

The helpers below the parse (:func:`decode_words`, :func:`param`, :func:`html_to_text`,
:func:`mailboxes` ...) are linear in their input and never raise: everything here works on
the stdlib ``compat32`` :class:`email.message.Message` (the fastest parser, and the one that
keeps broken input readable).
"""

from __future__ import annotations

import binascii
import codecs
import email
import email.base64mime
import email.errors
import email.feedparser
import email.header
import email.parser
import email.quoprimime
import email.utils
import re
import unicodedata
from collections.abc import Iterator
from email.message import Message
from email.policy import Compat32, Policy, compat32
from html import unescape as _html_unescape
from itertools import accumulate, pairwise
from operator import sub
from typing import Any, Final, TypeVar, cast

from mssc._mime_model import (
    LINE_COST,
    MANY_LINES,
    SHORT_LINE,
    MimeDefect,
    MimeLimits,
    Prescan,
    ReadMessage,
)
from mssc._slots import new_object, slot_setters

__all__ = [
    "DEFAULT_LIMITS",
    "LIMIT_CODES",
    "MimeDefect",
    "MimeLimits",
    "Prescan",
    "ReadMessage",
    "bare_address",
    "decode_words",
    "filenames",
    "header",
    "html_to_text",
    "mailboxes",
    "param",
    "prescan",
    "read_message",
    "rfc2231_params",
    "split_params",
    "walk",
]


#: The limits every reader uses unless told otherwise.
DEFAULT_LIMITS: Final = MimeLimits()

#: The defect code of each ``limit-*`` limit, by :class:`MimeLimits` field.
LIMIT_CODES: Final = {
    "max_depth": "limit-depth",
    "max_parts": "limit-parts",
    "max_headers": "limit-header-count",
    "max_header_length": "limit-header-length",
    "max_encoded_words": "limit-encoded-words",
    "max_rfc2231_sections": "limit-rfc2231",
    "max_comment_depth": "limit-comment-depth",
    "max_work": "limit-work",
}


# The readers make one of each per message: built with the slots' setters (mssc._slots).
_SET_SIZE, _SET_DEPTH, _SET_PARTS, _SET_HEADERS, _SET_WORK, _SET_EXCEEDED, _SET_END, _SET_CUT = (
    slot_setters(Prescan)
)
_SET_MESSAGE, _SET_DEFECTS, _SET_PRESCAN = slot_setters(ReadMessage)


def _quick_prescan(
    size: int, depth: int, parts: int, headers: int, work: int, header_end: int
) -> Prescan:
    """``Prescan(size, depth, parts, headers, work, None, header_end, header_end)``."""
    scan: Prescan = new_object(Prescan)
    _SET_SIZE(scan, size)
    _SET_DEPTH(scan, depth)
    _SET_PARTS(scan, parts)
    _SET_HEADERS(scan, headers)
    _SET_WORK(scan, work)
    _SET_EXCEEDED(scan, None)
    _SET_END(scan, header_end)
    _SET_CUT(scan, header_end)
    return scan


def _read(message: Message, defects: tuple[MimeDefect, ...], scan: Prescan) -> ReadMessage:
    """``ReadMessage(message, defects, scan)``."""
    read: ReadMessage = new_object(ReadMessage)
    _SET_MESSAGE(read, message)
    _SET_DEFECTS(read, defects)
    _SET_PRESCAN(read, scan)
    return read


# -- the pre-scan -----------------------------------------------------------------------------

# On b"\n" + the bytes, lower-cased (same offsets): a Content-Type header line, folded lines
# included. Each pattern starts with a literal, which the regex engine finds fast.
_CT_HEADER = re.compile(
    rb"\ncontent-type:[ \t]*(?:\n[ \t]+)*([a-z0-9!#$&^_.+-]+/[^\n;]*)[^\n]*(?:\n[ \t][^\n]*)*"
)
_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\n]*)"|([^\s;"]+))', re.I)
_FIELD_START = re.compile(rb"\n(?![ \t])")
_RFC2231_SECTION = re.compile(rb"\*[0-9]+\*?[ \t]*=")
_UNFOLD_B = re.compile(rb"\n(?=[ \t])")
_PARENS = bytes(b for b in range(256) if b not in b"()")
_PAREN_STEP = {40: 1, 41: -1}


class _Over(Exception):
    """Raised inside the pre-scan when a limit is passed (caught by :func:`_scan`)."""

    def __init__(self, field: str, detail: str, offset: int) -> None:
        super().__init__(detail)
        self.defect = MimeDefect(LIMIT_CODES[field], detail, offset)


def _comment_depth(field: bytes) -> int:
    """The deepest ``(`` nesting of ``field``, as a comment parser counts it (``)`` below zero
    is ignored). Linear, and at C speed: the parentheses are kept, then summed."""
    parens = field.translate(None, _PARENS)
    if not parens:
        return 0
    sums = list(accumulate(map(_PAREN_STEP.__getitem__, parens)))
    # the lowest sum before each one (never above the initial 0), subtracted: the depth there
    depth: int = max(map(sub, sums, accumulate(sums, min, initial=0)))
    return depth


def _comment_depth_bound(parens: bytes) -> int:
    """A bound of :func:`_comment_depth` of a text whose parentheses are ``parens`` (the text
    with every other byte deleted), from two counts.

    From the last point at depth 0 to the deepest one, the depth rises by the ``(`` minus the
    ``)`` in between, and a ``)`` separates each two runs of ``(`` there: the depth is at most
    one more than the ``(`` that another ``(`` follows. Runs of ``(`` start at ``)(`` or at the
    start, so those ``(`` are the ``(`` less the runs.
    """
    runs = parens.count(b")(") + parens.startswith(b"(")
    return parens.count(b"(") - runs + 1


# A header block of header fields and continuation lines only (no "From " line, no body line
# before the blank line): its Content-Type is the one the stdlib reads.
_CLEAN_BLOCK = re.compile(rb"(?:\n(?:[\x21-\x39\x3b-\x7e]+:[^\n]*|[ \t][^\n]*))*")
#: Reports whose body is a series of header blocks that the stdlib parses as an attached
#: message (RFC 6533's UTF-8 reports): the text-only parse keeps their body, which holds the
#: per-recipient fields.
_REPORT_BODIES = (b"message/global-delivery-status", b"message/global-disposition-notification")
# A content type whose part the stdlib reads as a leaf that is no text (its body is skipped
# by readers of text): a plain type/subtype, not text, multipart or message.
_SKIPPABLE = re.compile(
    rb"(?!text/|multipart/|message/)[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*"
)


# The line after a header block: one that the stdlib's header pattern does not take
# (``From ``, ``name:`` with any name, or a continuation), the blank line included.
_BLOCK_END = re.compile(rb"\n(?!From |[\x21-\x39\x3b-\x7e]*:|[ \t])")


class _Scanner:
    """One pass over newline-normalised bytes (``text`` = ``b"\\n" + data``)."""

    def __init__(self, text: bytes, limits: MimeLimits) -> None:
        self.text = text
        self.limits = limits
        self.headers = 0
        self.work = 0
        self.depth = 0
        self.parts = 0
        self.lines = 0
        #: whether the last header block ended at a blank line
        self.blank_end = True
        #: with ``drops`` a list: the bodies a reader of text may skip, as data slices
        self.drops: list[tuple[int, int]] | None = None

    def drop(self, block_start: int, block_end: int, stop: int) -> None:
        """Note that the body after the header block ``[block_start, block_end)`` up to the
        delimiter line at ``stop`` may be skipped, when the block is plainly headers."""
        if self.drops is None or not block_end < stop - 1:
            return
        # after a blank line, the body follows it; without one, the body is the line that ended
        # the block and the ones after it (all of it goes: no first byte of it is kept)
        body = block_end + 1 if self.text[block_end + 1] == 10 else block_end
        if not body < stop - 1:
            return
        if _CLEAN_BLOCK.fullmatch(self.text, block_start, block_end) is None:
            return
        self.drops.append((body, stop - 1))

    def block(self, start: int, top: bool = False) -> int:
        """Check the header block that starts at ``start`` (a ``\\n``); return its end: the
        ``\\n`` before the first line that is no header line (the blank line, or a body line
        the stdlib parser takes for the body), or the end of the text."""
        text, limits = self.text, self.limits
        blank = text.find(b"\n\n", start)
        bound = len(text) if blank < 0 else blank + 1
        # the block ends at the first line that is no header line, at the latest at the blank
        # line; past max_headers fields it need not be searched further (too many anyway)
        fields = text.count(b"\n", start, bound) - text.count(b"\n ", start, bound)
        fields -= text.count(b"\n\t", start, bound)
        if self.headers + fields > limits.max_headers:
            n = limits.max_headers - self.headers + 1
            for i, m in enumerate(_FIELD_START.finditer(text, start, bound)):
                if i == n:
                    bound = m.start() + 1
                    break
        stop = _BLOCK_END.search(text, start, bound)
        if stop is not None and _BLOCK_END.match(text, stop.start()) is None:
            stop = None  # the pattern saw the bound, not the line: search on from there
        end = (len(text) if blank < 0 else blank) if stop is None else stop.start()
        self.blank_end = end + 1 < len(text) and text[end + 1] == 10
        block = text[start:end]
        n_lines = block.count(b"\n")
        folded = block.count(b"\n ") + block.count(b"\n\t")
        count = n_lines - folded
        self.work += n_lines * LINE_COST
        if self.headers + count > limits.max_headers:
            n = limits.max_headers - self.headers
            starts = _FIELD_START.finditer(block)
            offset = start
            for i, m in enumerate(starts):
                if i == n:
                    offset = start + m.start()
                    break
            raise _Over("max_headers", f"more than {limits.max_headers} header fields", offset)
        self.headers += count
        if len(block) <= limits.max_header_length and not (
            block.count(b"=?") > limits.max_encoded_words
            or block.count(b"*") > limits.max_rfc2231_sections
            or block.count(b"(") > limits.max_comment_depth
        ):
            return end
        for m in _FIELD_START.finditer(block):
            next_start = block.find(b"\n", m.end())
            while next_start >= 0 and block[next_start + 1 : next_start + 2] in (b" ", b"\t"):
                next_start = block.find(b"\n", next_start + 1)
            field = block[m.start() : len(block) if next_start < 0 else next_start]
            self._field(field, start + m.start())
        return end

    def _field(self, field: bytes, offset: int) -> None:
        limits = self.limits
        length = len(field) - 1 - field.count(b"\n") + 1  # unfolded, without the leading \n
        if length > limits.max_header_length:
            raise _Over(
                "max_header_length",
                f"a header field of {length:,} bytes (limit {limits.max_header_length:,})",
                offset,
            )
        words = field.count(b"=?")
        if words > limits.max_encoded_words:
            raise _Over(
                "max_encoded_words",
                f"{words:,} encoded words in one header field (limit {limits.max_encoded_words})",
                offset,
            )
        if field.count(b"*") > limits.max_rfc2231_sections:
            sections = len(_RFC2231_SECTION.findall(field))
            if sections > limits.max_rfc2231_sections:
                raise _Over(
                    "max_rfc2231_sections",
                    f"{sections:,} RFC 2231 parameter sections in one header field "
                    f"(limit {limits.max_rfc2231_sections})",
                    offset,
                )
        if field.count(b"(") > limits.max_comment_depth:
            depth = _comment_depth(field)
            if depth > limits.max_comment_depth:
                raise _Over(
                    "max_comment_depth",
                    f"comments nested {depth} deep (limit {limits.max_comment_depth})",
                    offset,
                )

    def charge(self, start: int, end: int, open_levels: int) -> None:
        """Count the parser's line tests between two offsets, ``open_levels`` boundaries open."""
        if end <= start:
            return
        lines = self.text.count(b"\n", start, end)
        self.lines += lines
        self.work += lines * (LINE_COST + open_levels)
        if self.work > self.limits.max_work:
            raise _Over(
                "max_work",
                f"parsing would take over {self.limits.max_work:,} line tests",
                end,
            )


def _content_type(block: bytes) -> tuple[bytes, bytes | None]:
    """The lower-case content type of a header block (``b""`` when none) and its boundary."""
    m = _CT_HEADER.search(block.lower())
    if m is None:
        return b"", None
    ctype = m.group(1).strip()
    boundary: bytes | None = None
    if ctype.startswith(b"multipart/"):
        p = _BOUNDARY_PARAM.search(block, m.start(), m.end())
        boundary = (p.group(1) if p.group(1) is not None else p.group(2)) if p else None
    return ctype, boundary


def _scan(
    text: bytes,
    limits: MimeLimits,
    *,
    headers_only: bool = False,
    drops: list[tuple[int, int]] | None = None,
) -> Prescan:
    """The pre-scan of ``text`` (``b"\\n"`` + newline-normalised bytes); offsets are into the
    data, i.e. one less than into ``text``."""
    scanner = _Scanner(text, limits)
    scanner.drops = drops
    header_end = -1
    exceeded: MimeDefect | None = None
    try:
        header_end = scanner.block(0, top=True)
        if not headers_only:
            _structure(scanner, header_end)
            if scanner.lines > MANY_LINES and scanner.lines * SHORT_LINE > len(text):
                raise _Over(
                    "max_work",
                    f"{scanner.lines:,} lines of {len(text) / scanner.lines:.1f} bytes on "
                    f"average (over {MANY_LINES:,} lines must average {SHORT_LINE} bytes)",
                    header_end,
                )
    except _Over as over:
        exceeded = over.defect
    size = len(text) - 1
    # text offsets are data offsets of what follows the newline they point at
    top_end = min(header_end, size) if header_end >= 0 else size
    cut = top_end
    if exceeded is not None and exceeded.offset < top_end:
        cut = max(exceeded.offset, 0)
    return Prescan(
        size=size,
        depth=scanner.depth,
        parts=scanner.parts,
        headers=scanner.headers,
        work=scanner.work,
        exceeded=exceeded,
        header_end=top_end,
        cut=cut,
    )


def _structure(scanner: _Scanner, header_end: int) -> None:
    """Walk the MIME structure from the top-level header block that ends at ``header_end``."""
    text, limits = scanner.text, scanner.limits
    # the open multiparts: (boundary, the nesting level of the multipart part)
    stack: list[tuple[bytes, int]] = []
    cache: dict[bytes, tuple[int, tuple[int, bytes, bool, int] | None]] = {}
    pos = header_end
    block_start, block_end = 0, header_end
    level = 0  # the nesting level of the part whose header block was just read

    def deeper(at: int) -> None:
        scanner.depth = max(scanner.depth, level)
        if level > limits.max_depth:
            raise _Over("max_depth", f"MIME parts nested over {limits.max_depth} levels", at)

    while True:
        ctype, boundary = _content_type(text[block_start:block_end])
        if ctype == b"message/delivery-status":
            # the body is a series of header blocks, up to the next delimiter
            level += 1
            deeper(block_start)
            nxt = _next_delimiter(text, pos, [b for b, _ in stack], cache)
            stop = len(text) if nxt is None else nxt[0]
            at = block_end + 1
            while at < stop:
                at = scanner.block(at) + 1
                if not scanner.blank_end:
                    break  # a body line: the rest is read as a body
            scanner.charge(pos, stop, len(stack))
            pos = stop
        elif ctype.startswith(b"message/"):
            # an attached message: its header block follows, and may open more levels
            level += 1
            deeper(block_start)
            if block_end >= len(text) - 1:
                return
            block_start, block_end = block_end + 1, scanner.block(block_end + 1)
            if scanner.drops is not None and block_end < len(text) and ctype not in _REPORT_BODIES:
                # its body ends where the enclosing multipart's next part starts
                outer = _next_delimiter(text, block_end, [b for b, _ in stack], cache)
                stop = len(text) if outer is None else outer[0]
                if block_end < stop:
                    scanner.drop(block_start, block_end, stop)
            scanner.charge(pos, block_end, len(stack))
            pos = block_end
            continue
        elif ctype.startswith(b"multipart/") and boundary:
            level += 1
            deeper(block_start)
            stack.append((boundary, level))
        nxt = _next_delimiter(text, pos, [b for b, _ in stack], cache)
        if nxt is None:
            scanner.charge(pos, len(text), len(stack))
            return
        at, hit, closing, line_end = nxt
        scanner.charge(pos, at, len(stack))
        if (
            scanner.drops is not None
            and block_start > 0
            and block_end < at
            and _SKIPPABLE.fullmatch(ctype)
        ):
            scanner.drop(block_start, block_end, at)
        index = max(i for i, (b, _) in enumerate(stack) if b == hit)
        level = stack[index][1]
        if closing:
            del stack[index:]
            pos = line_end
            block_start = block_end = pos  # no header block after a closing delimiter
            if not stack:
                scanner.charge(pos, len(text), 0)
                return
            level -= 1
            continue
        del stack[index + 1 :]
        scanner.parts += 1
        if scanner.parts > limits.max_parts:
            raise _Over("max_parts", f"more than {limits.max_parts} MIME parts", at)
        block_start = line_end
        block_end = scanner.block(line_end)
        scanner.charge(line_end, block_end, len(stack))
        pos = block_end


_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*(?=\n|\Z)")


def _next_delimiter(
    text: bytes,
    pos: int,
    stack: list[bytes],
    cache: dict[bytes, tuple[int, tuple[int, bytes, bool, int] | None]] | None = None,
) -> tuple[int, bytes, bool, int] | None:
    """The next delimiter line of an open boundary at or after ``pos``: (offset of its
    ``\\n``, boundary, closing, offset of the line's end ``\\n``), or None.

    ``cache`` (one per scan) keeps, per boundary, the last search: a later search from
    further on reuses it, so that each stretch of text is searched once per boundary.
    """
    best: tuple[int, bytes, bool, int] | None = None
    if cache is not None:
        # no "\n--" left at all: no delimiter of any boundary (one search, whatever the depth)
        dashes = cache.get(b"")
        if dashes is None or not (dashes[0] <= pos and (dashes[1] is None or dashes[1][0] >= pos)):
            found_at = text.find(b"\n--", pos)
            dashes = (pos, None if found_at < 0 else (found_at, b"", False, found_at))
            cache[b""] = dashes
        if dashes[1] is None:
            return None
    boundaries = set(stack)
    if len(boundaries) > 2 and len(text) > _BIG:
        # deep in a big message: one scan for every open boundary at once, not one per level
        return _next_of_any(text, pos, sorted(boundaries, key=len, reverse=True), cache)
    for boundary in boundaries:
        found: tuple[int, bytes, bool, int] | None
        known = cache.get(boundary) if cache is not None else None
        if known is not None and known[0] <= pos and (known[1] is None or known[1][0] >= pos):
            found = known[1]
        else:
            found = _find_delimiter(text, pos, boundary)
            if cache is not None:
                cache[boundary] = (pos, found)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    return best


_BIG = 1 << 20


def _next_of_any(
    text: bytes,
    pos: int,
    boundaries: list[bytes],
    cache: dict[bytes, tuple[int, tuple[int, bytes, bool, int] | None]] | None,
) -> tuple[int, bytes, bool, int] | None:
    key = b"\x00".join(boundaries)
    known = cache.get(key) if cache is not None else None
    if known is not None and known[0] <= pos and (known[1] is None or known[1][0] >= pos):
        return known[1]
    alternatives = b"|".join(re.escape(b) for b in boundaries)
    m = re.compile(rb"\n--(" + alternatives + rb")(--)?[ \t]*(?=\n|\Z)").search(text, pos)
    found = None if m is None else (m.start(), m.group(1), m.group(2) is not None, m.end())
    if cache is not None:
        cache[key] = (pos, found)
    return found


def _find_delimiter(text: bytes, pos: int, boundary: bytes) -> tuple[int, bytes, bool, int] | None:
    needle = b"\n--" + boundary
    at = text.find(needle, pos)
    while at >= 0:
        tail = _DELIMITER_TAIL.match(text, at + len(needle))
        if tail is not None:
            return at, boundary, tail.group(1) is not None, tail.end()
        at = text.find(needle, at + 1)
    return None


def _normalised(raw: bytes) -> bytes:
    """CRLF and lone CR become LF (bytes.replace is far faster than a regex here)."""
    if b"\r" in raw:
        return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return raw


def prescan(raw: bytes, limits: MimeLimits = DEFAULT_LIMITS) -> Prescan:
    """One linear pass over ``raw``, before any parse: which limit (if any) it passes.

    Offsets in the result are into the newline-normalised bytes (CRLF and CR become LF), which
    is what :func:`read_message` parses. Never raises on content.

    >>> prescan(b"Subject: x\\n\\nhello\\n").over_limit
    False
    >>> prescan(b"Subject: " + b"=?utf-8?q?a?= " * 300 + b"\\n\\n").exceeded.code
    'limit-encoded-words'

    Raises:
        TypeError: when ``raw`` is not bytes.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"prescan expects bytes, not {type(raw).__name__}")
    data = _normalised(bytes(raw))[: limits.max_message_bytes]
    return _scan(b"\n" + data, limits)


def read_message(
    data: bytes | bytearray | memoryview | str | Message,
    *,
    limits: MimeLimits = DEFAULT_LIMITS,
    policy: Policy = compat32,
    normalize_newlines: bool = True,
    headers_only: bool = False,
    text_only: bool = False,
) -> ReadMessage:
    """Parse one received message within ``limits``. Never raises on content.

    Bytes (or str, encoded as UTF-8) are pre-scanned (:func:`prescan`) and parsed with
    ``policy``. Past a ``limit-*`` limit, only the top-level header block is parsed (and only
    up to the header field that passed a limit, when it is in that block). A parser failure
    (``RecursionError`` included) becomes a ``parse-error`` defect and a headers-only parse.
    A parsed ``Message`` is returned as it is, with the limits of its structure checked.

    Args:
        data: the message.
        limits: the bounds on the work.
        policy: the stdlib policy to parse with (``compat32``, the fastest, by default).
        normalize_newlines: parse with CRLF and CR turned into LF (the default; the stdlib
            parses faster and payloads then use LF). With False, the bytes are parsed as they
            are (the pre-scan still reads them normalised).
        headers_only: read the top-level header block alone (the body is neither scanned nor
            parsed).
        text_only: for readers of text: the bodies of attached messages (``message/rfc822``:
            their headers are kept; not RFC 6533's ``message/global-delivery-status`` and
            ``message/global-disposition-notification``, whose bodies hold the report's
            fields) and of leaf parts that are no text (``application/pdf``, ``image/*`` ...)
            are left out of the parse and read as empty. The structure, the
            headers and every text part are the same; the parse costs far less.

    Raises:
        TypeError: when ``data`` is none of bytes, bytearray, memoryview, str or Message.
    """
    defects: list[MimeDefect] = []
    if isinstance(data, Message):
        _check_tree(data, limits, defects)
        return ReadMessage(data, tuple(defects), None)
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogateescape")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise TypeError(f"expected bytes, str or email.message.Message, not {type(data).__name__}")
    if len(raw) > limits.max_message_bytes:
        raw = raw[: limits.max_message_bytes]
        defects.append(
            MimeDefect(
                "message-truncated",
                f"cut at {limits.max_message_bytes:,} bytes",
                limits.max_message_bytes,
            )
        )
    normal = _normalised(raw)
    drops: list[tuple[int, int]] | None = [] if text_only and normalize_newlines else None
    scan = None if headers_only else _within_limits(normal, limits)
    parsed: Message | None = None
    retry = True  # whether the fast parse of the source is worth trying below
    if scan is not None and drops is not None and policy is compat32:
        # within every limit: the text-only fast parse leaves out the bodies the drops would
        # (the same tree). A top-level multipart whose start boundary it does not find has
        # no part the drops could leave out either (the same boundary, checked).
        parsed = _fast_parse(normal, text_only=True)
        if parsed is None:
            # the pre-scan finds the drops; nothing dropped: the fast parse of the same text
            # would mostly give up too (the stdlib builds the same tree)
            rescan = _scan(b"\n" + normal, limits, drops=drops)
            if rescan.exceeded is not None:
                scan = rescan  # never the case (the quick counts bound the scan's): kept safe
            retry = bool(drops)
    if scan is None:
        scan = _scan(b"\n" + normal, limits, headers_only=headers_only, drops=drops)
    source = normal if normalize_newlines else raw
    if drops:
        source = _without(normal, drops)
    if scan.exceeded is not None or headers_only:
        if scan.exceeded is not None:
            defects.append(scan.exceeded)
        head = normal[: scan.cut]
        if not normalize_newlines:
            head = head.replace(b"\n", b"\r\n") if b"\r\n" in raw[: scan.cut + 2] else head
        return ReadMessage(_headers_only(head, policy, defects), tuple(defects), scan)
    try:
        fast = parsed
        if fast is None and retry and policy is compat32 and normalize_newlines:
            fast = _fast_parse(source)
        msg = fast if fast is not None else _parse_bytes(source, policy)
        if msg.defects and any(
            type(d).__name__ == "StartBoundaryNotFoundDefect" for d in msg.defects[:5]
        ):
            msg = _repair_boundary(source, msg, policy, defects)
    except Exception as exc:  # RecursionError, MemoryError, or a stdlib corner case
        defects.append(MimeDefect("parse-error", type(exc).__name__))
        msg = _headers_only(source[: scan.header_end], policy, defects)
    return _read(msg, tuple(defects), scan)


def _without(data: bytes, drops: list[tuple[int, int]]) -> bytes:
    """``data`` without the slices ``drops`` (in the order the pre-scan found them). A drop
    within an earlier one (a part of an attached message whose body is dropped) is in it
    already: cutting it again would put back the text between the two ends."""
    pieces, at = [], 0
    for start, end in drops:
        if start < at:
            continue
        pieces.append(data[at:start])
        at = end
    pieces.append(data[at:])
    return b"".join(pieces)


_CHUNK = 1 << 20


def _parse_bytes(data: bytes, policy: Policy) -> Message:
    """``email.message_from_bytes``, fed in chunks: the parser then never holds the whole
    text decoded, nor a line list of it (half the peak memory, and faster)."""
    parser = email.feedparser.BytesFeedParser(policy=policy)
    view = memoryview(data)
    for i in range(0, len(data), _CHUNK):
        parser.feed(bytes(view[i : i + _CHUNK]))
    msg: Message = parser.close()
    return msg


_SMALL = 256 * 1024
# Every byte but the ones _within_limits counts one by one (line ends, RFC 2231 stars,
# comment parentheses, and the two bytes of "=?"): deleting them leaves a short string that
# several counts read for the price of one pass over the message. It keeps the parentheses of
# the message in their order: its comment depth is the message's.
# A "/" after "multipart" or "message", in any case: as many as data.lower() holds of
# b"multipart/" and b"message/" (no two share their "/"), without lower-casing a copy.
_NESTING_TYPE = re.compile(rb"/(?<=(?i:multipart/))|/(?<=(?i:message/))")
_NOT_COUNTED = bytes(b for b in range(256) if b not in b"\n*(=?)")


def _within_limits(data: bytes, limits: MimeLimits) -> Prescan | None:
    """A pre-scan of a small message from a few counts over the whole of it, when they show
    that no limit can be passed anywhere (every count bounds what the full scan measures);
    None when the full scan must say."""
    size = len(data)
    if size > _SMALL or size > limits.max_header_length:
        return None
    counted = data.translate(None, _NOT_COUNTED)
    lines = counted.count(b"\n") + 1
    # every level of nesting is a multipart or message/* content type
    depth = len(_NESTING_TYPE.findall(data))
    parts = data.count(b"\n--") + 1
    work = lines * (LINE_COST + depth)
    if (
        depth > limits.max_depth
        or parts > limits.max_parts
        or lines > limits.max_headers
        or lines > MANY_LINES
        or work > limits.max_work
        # "=?" in what is left bounds "=?" in the message (deleting bytes never parts two
        # adjacent ones); past the limit, the message itself is counted
        or (
            counted.count(b"=?") > limits.max_encoded_words
            and data.count(b"=?") > limits.max_encoded_words
        )
        or counted.count(b"*") > limits.max_rfc2231_sections
        or (
            counted.count(b"(") > limits.max_comment_depth
            # the nesting over the whole message bounds the nesting within any one field;
            # mostly, a bound of it from two counts shows it within the limit already
            and _comment_depth_bound(parens := counted.translate(None, _PARENS))
            > limits.max_comment_depth
            and _comment_depth(parens) > limits.max_comment_depth
        )
    ):
        return None
    blank = data.find(b"\n\n")
    header_end = size if blank < 0 else blank + 1
    return _quick_prescan(size, depth, parts, lines, work, header_end)


def _headers_only(head: bytes, policy: Policy, defects: list[MimeDefect]) -> Message:
    try:
        parsed: Message = email.parser.BytesParser(policy=policy).parsebytes(head, headersonly=True)
    except Exception as exc:
        defects.append(MimeDefect("parse-error", type(exc).__name__))
        return Message(policy=policy)
    return parsed


def _check_tree(msg: Message, limits: MimeLimits, defects: list[MimeDefect]) -> None:
    """The structure limits, checked on a message parsed by the caller."""
    codes: list[str] = []
    for _ in walk(msg, limits, codes):
        pass
    defects.extend(MimeDefect(code) for code in dict.fromkeys(codes))


_DASH_LINE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*$", re.M)


def _repair_boundary(
    data: bytes, msg: Message, policy: Policy, defects: list[MimeDefect]
) -> Message:
    """Re-parse a top-level multipart whose declared boundary never occurs in its body.

    The boundary actually used is the first ``--token`` line that occurs at least twice.
    """
    old = msg.get_boundary()
    head_end = data.find(b"\n\n")
    if old is None or head_end < 0:
        return msg
    body = data[head_end : head_end + 1_000_000]
    for m in _DASH_LINE.finditer(body):
        token = m.group(1)
        if body.count(b"\n--" + token) >= 2:
            head = data[:head_end].replace(
                old.encode("utf-8", "surrogateescape"),
                token.decode("latin-1").encode("utf-8", "surrogateescape"),
                1,
            )
            defects.append(MimeDefect("boundary-repaired", "the declared boundary is unused"))
            repaired = head + data[head_end:]
            # the fast parse builds the tree the stdlib's compat32 parse builds, or gives up
            fast = _fast_parse(repaired) if policy is compat32 else None
            if fast is not None:
                return fast
            try:
                return _parse_bytes(repaired, policy)
            except Exception:
                return msg
    return msg


def load_message(raw: object, limits: MimeLimits, defects: list[str]) -> Message:
    """:func:`read_message` for the readers that collect defects as strings (their codes).

    Raises:
        TypeError: when ``raw`` is none of bytes, bytearray, memoryview, str or Message.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview, str, Message)):
        raise TypeError(f"expected bytes, str or email.message.Message, not {type(raw).__name__}")
    read = read_message(raw, limits=limits)
    defects.extend(d.code for d in read.defects)
    return read.message


def parts_of(part: Message) -> list[Message] | None:
    """``part.get_payload()`` when ``part`` holds parts (``is_multipart()``), else None. A
    plain compat32 message's stored list is read as it is, without the stdlib's general path
    (it is the very list ``get_payload()`` returns)."""
    if type(part) is Message:
        stored = part.__dict__.get("_payload")
        return stored if isinstance(stored, list) else None
    if not part.is_multipart():
        return None
    payload = part.get_payload()
    # the list as the message holds it (the stdlib's parser only puts Messages in it)
    return cast("list[Message]", payload) if isinstance(payload, list) else None


def payload_of(part: Message) -> object:
    """``part.get_payload()``. A plain compat32 message's stored payload is given as it is
    when it is its list of parts, or ASCII text (no surrogates) under a policy that fetches
    headers as compat32 does: ``get_payload()`` would give back that very object, after
    reading the Content-Transfer-Encoding header."""
    if type(part) is Message:
        stored = part.__dict__.get("_payload")
        if isinstance(stored, list) or (
            type(stored) is str
            and stored.isascii()
            and type(part.policy).header_fetch_parse is Compat32.header_fetch_parse
        ):
            return stored
    return part.get_payload()


def payload_text_of(part: Message) -> object:
    """:func:`payload_of`, except that a text payload with raw 8-bit bytes (which
    ``get_payload()`` turns into U+FFFD replacement characters) is read with
    :func:`bytes_to_str`: UTF-8 (RFC 6533's global reports carry it), else Windows-1252."""
    stored = part.__dict__.get("_payload")
    if type(stored) is str and not stored.isascii():
        # surrogates are the raw bytes of a bytes parse; other characters came as text
        return bytes_to_str(stored.encode("utf-8", "surrogateescape"), None)
    return payload_of(part)


def walk(
    msg: Message, limits: MimeLimits, defects: list[str]
) -> Iterator[tuple[Message, str, tuple[str, ...]]]:
    """Yield ``(part, content type, ancestor content types)`` depth-first, within the limits.

    ``message/rfc822`` parts are yielded but not entered (they are the returned original).
    Past ``max_parts`` or ``max_depth``, ``limit-parts`` or ``limit-depth`` is added to
    ``defects`` and the walk stops going further.
    """
    max_parts = limits.max_parts
    max_depth = limits.max_depth
    stack: list[tuple[Message, int, tuple[str, ...]]] = [(msg, 0, ())]
    count = 0
    while stack:
        part, depth, ancestors = stack.pop()
        count += 1
        if count > max_parts:
            defects.append("limit-parts")
            return
        ctype = content_type(part)
        yield part, ctype, ancestors
        payload = parts_of(part)
        if payload is None or ctype.startswith("message/"):
            continue
        if depth >= max_depth:
            defects.append("limit-depth")
            continue
        children = (*ancestors, ctype)
        # reversed so that the first child is walked first
        for child in reversed(payload[:max_parts]):
            if isinstance(child, Message):
                stack.append((child, depth + 1, children))


_K = TypeVar("_K")
_V = TypeVar("_V")
#: The bounds of the memos below: what a header value gives is kept for values of at most
#: this many characters, up to this many values (the same few come back on most messages).
_MEMO_VALUE_CHARS: Final = 200
_MEMO_ENTRIES: Final = 512


def _remember(memo: dict[_K, _V], key: _K, value: str, result: _V) -> None:
    """Keep ``result``, a pure function of the header ``value``, in ``memo`` under ``key``,
    within the bounds above.

    A full memo is emptied before it takes the new value: on a reader that runs for long,
    values seen once (a multipart's boundary is new in each message) would otherwise fill it
    for good, and the values of the messages that come later would never be kept.
    """
    if len(value) <= _MEMO_VALUE_CHARS:
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()
        memo[key] = result


#: Content-Type values already read by :func:`content_type` and the fast parse (bounded:
#: :func:`_remember`).
_CTYPE_OF: dict[str, str] = {}


def content_type(part: Message) -> str:
    """The lower-case content type, defaulting like the stdlib (never raises)."""
    try:
        if type(part) is Message and part.policy is compat32:
            # what get_content_type() computes, read from the stored headers: compat32's get()
            # returns a str value without surrogates (all ASCII) as it is stored
            for key, stored in part.__dict__["_headers"]:
                if len(key) == 12 and key.lower() == "content-type":
                    value = stored
                    break
            else:
                return part.get_default_type()
            if type(value) is str:
                ctype = _CTYPE_OF.get(value)
                if ctype is not None:
                    return ctype
                if value.isascii():
                    return _read_ctype(value)
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _read_ctype(value: str) -> str:
    """What ``get_content_type()`` gives for the ASCII Content-Type value ``value``: its
    ``type/subtype`` in lower case, or ``text/plain`` for any other form (RFC 2045 5.2); kept in
    :data:`_CTYPE_OF`, which the fast parse and :func:`content_type` share (the parse reads
    each part's value first, the readers then find it there)."""
    ctype = value.partition(";")[0].strip().lower()
    if ctype.count("/") != 1:
        ctype = "text/plain"
    _remember(_CTYPE_OF, value, value, ctype)
    return ctype


def _stored_header(part: Message, name: str) -> object:
    """``part.get(name)`` for a plain compat32 message (``name`` lower-case ASCII), read
    from the stored headers: compat32 gives a str value without surrogates (all ASCII) back
    as it is stored, anything else through its ``header_fetch_parse``."""
    size = len(name)
    for key, value in part.__dict__["_headers"]:
        if len(key) == size and key.lower() == name:
            if type(value) is str and value.isascii():
                return value
            fetch: Any = part.policy.header_fetch_parse  # a Header, for raw 8-bit bytes
            return fetch(key, value)
    return None


#: Results of :func:`param`'s plain reading (:func:`_simple_param`) by (value, name)
#: (bounded: :func:`_remember`).
_SIMPLE_PARAM_OF: dict[tuple[str, str], str] = {}


def param(part: Message, name: str, header: str = "content-type") -> str | None:
    """A decoded MIME parameter (RFC 2231 aware), or None. Never raises.

    A header written with raw 8-bit bytes (RFC 6532 mail, or a careless client) is read as
    UTF-8 (else Latin-1) instead of the stdlib's replacement characters.
    """
    try:
        plain = type(part) is Message
        if plain and part.policy is compat32 and header.isascii():
            raw: object = _stored_header(part, header.lower())
        else:
            source: Any = part  # get() gives a Header for raw 8-bit bytes (typeshed: str)
            raw = source.get(header)
        if raw is None:
            return None
        if isinstance(raw, str):
            simple_form = type(raw) is str and (plain or type(part).get_param is Message.get_param)
            if simple_form:
                known = _SIMPLE_PARAM_OF.get((raw, name))
                if known is not None:
                    return known
            if name.lower() not in raw.lower():
                # every parameter name the stdlib reads is part of the header's text
                return None
            if simple_form:
                simple = _simple_param(raw, name)
                if simple is not None:
                    simple = _unescape(simple)
                    _remember(_SIMPLE_PARAM_OF, (raw, name), raw, simple)
                    return simple
        if isinstance(raw, email.header.Header):
            part = _eight_bit_clone(part, header)
        value = part.get_param(name, header=header)
    except Exception:
        return None
    if value is None:
        return None
    if isinstance(value, tuple):
        try:
            return _unescape(email.utils.collapse_rfc2231_value(value))
        except Exception:
            return _unescape(str(value[2]))
    return _unescape(str(value))


# One "; name=value" parameter: a quoted value (backslash escapes), or a token up to ";".
_PARAM = re.compile(r';[ \t\r\n]*([^=;\s]+)[ \t\r\n]*=[ \t\r\n]*("(?:[^"\\]|\\.)*"?|[^;]*)')
_SECTION = re.compile(r"(.+?)\*(?:([0-9]{1,4})\*?|\*?)$")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")


def split_params(value: str, limit: int = 1000) -> list[tuple[str, str]]:
    """The ``name=value`` parameters of a header value (names lower-case, quotes removed), in
    order, at most ``limit`` of them. Linear (the stdlib's ``_parseparam`` copies the rest of
    the value once per parameter). Never raises."""
    out: list[tuple[str, str]] = []
    for m in _PARAM.finditer(value):
        raw = m.group(2).strip()
        if raw.startswith('"'):
            raw = raw[1:-1] if len(raw) > 1 and raw.endswith('"') else raw[1:]
            if "\\" in raw:
                raw = re.sub(r"\\(.)", r"\1", raw)
        out.append((m.group(1).lower(), raw))
        if len(out) >= limit:
            break
    return out


def rfc2231_params(value: str, limit: int = 1000) -> dict[str, str]:
    """Every parameter of a header value, RFC 2231 sections joined and decoded, by lower-case
    name; an extended parameter keeps its ``*`` (``filename*``) so that it can be told from
    the plain one (RFC 6266 prefers it). Linear in the value; never raises.

    >>> rfc2231_params("attachment; filename=a.pdf; filename*0*=utf-8''r%C3%A9; filename*1=.hta")
    {'filename': 'a.pdf', 'filename*': 'ré.hta'}
    """
    plain: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for name, raw in split_params(value, limit):
        m = _SECTION.fullmatch(name) if "*" in name else None
        if m is None:
            plain.setdefault(name, raw)
            continue
        number = int(m.group(2)) if m.group(2) is not None else 0
        sections.setdefault(m.group(1), []).append((number, name.endswith("*"), raw))
    for base, parts in sections.items():
        parts.sort(key=lambda p: p[0])
        charset = ""
        chunks: list[bytes] = []
        for i, (_, encoded, raw) in enumerate(parts):
            if encoded and i == 0 and raw.count("'") >= 2:
                charset, _, raw = raw.split("'", 2)
            if encoded:
                chunks.append(
                    _PCT.sub(lambda x: chr(int(x.group(1), 16)), raw).encode("latin-1", "replace")
                )
            else:
                chunks.append(raw.encode("utf-8", "surrogateescape"))
        plain.setdefault(base + "*", bytes_to_str(b"".join(chunks), charset or "utf-8"))
    return plain


def filenames(part: Message) -> tuple[str, ...]:
    """The distinct file names a part gives, the one RFC 6266 readers show first.

    ``filename*`` then ``filename`` of ``Content-Disposition``; when it has neither, ``name*``
    then ``name`` of ``Content-Type``. Encoded words are decoded. Two names that differ mean
    that mail clients may show (and save) different files. Never raises.
    """
    found: list[str] = []
    source: Any = part  # get() gives a Header for raw 8-bit bytes (typeshed: str)
    for header_name, names in (
        ("content-disposition", ("filename*", "filename")),
        ("content-type", ("name*", "name")),
    ):
        try:
            raw = source.get(header_name)
            params = rfc2231_params(_FOLD.sub(" ", _unescape(str(raw)))) if raw else {}
        except Exception:
            params = {}
        for key in names:
            value = params.get(key)
            if value:
                if "=?" in value:
                    value = decode_words(value)
                if value not in found:
                    found.append(value)
        if found:
            break
    return tuple(found)


#: A header value whose parameters the stdlib reads in the plain way: ASCII, a main value
#: without quotes or ``=``, then ``; name=value`` pairs whose names have no ``*`` (no RFC 2231)
#: and whose values, quoted or not, have no quote, backslash, angle bracket or ``;`` inside.
_SIMPLE_PARAMS = re.compile(
    r'[^;"\\<>=]*(?:;[ \t\r\n]*[A-Za-z0-9-]+[ \t\r\n]*=[ \t\r\n]*'
    r'(?:"[^";\\<>]*"|[^;"\\<>\s]*)[ \t\r\n]*)*'
)
_SIMPLE_PAIR = re.compile(r';\s*([A-Za-z0-9-]+)\s*=\s*("[^"]*"|[^;\s]*)')


def _simple_param(raw: str, name: str) -> str | None:
    """What ``Message.get_param(name)`` returns for a header value of the plain form
    (:data:`_SIMPLE_PARAMS`), read without the stdlib's general parser; None when the value is
    not of that form, or the parameter is absent (the caller then asks the stdlib)."""
    if not raw.isascii() or _SIMPLE_PARAMS.fullmatch(raw) is None:
        return None
    want = name.lower()
    if raw.split(";", 1)[0].strip().lower() == want:
        return None  # the main value has the parameter's name: the stdlib's own reading
    pair = _PAIR_OF.get(want)
    if pair is None:
        pair = _pair_of(want)
    if pair is not None:
        found = pair.search(raw)
        if found is None:
            return None
        return _unquoted(found.group(1))
    for m in _SIMPLE_PAIR.finditer(raw):
        if m.group(1).lower() == want:
            return _unquoted(m.group(2))
    return None


def _unquoted(value: str) -> str:
    """A simple parameter value without its surrounding quotes, as the stdlib gives it."""
    if len(value) > 1 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


# Per lower-case parameter name of _SIMPLE_PAIR's form: the pattern of the first pair of that
# name (in a value of the plain form, every ";" starts a pair, and no value holds a ";": the
# first match is the first pair _SIMPLE_PAIR.finditer gives with that name, whose value it
# captures the same way). Bounded: the callers ask for a few names.
_PAIR_OF: dict[str, re.Pattern[str]] = {}
_PAIR_NAME = re.compile(r"[a-z0-9-]+")


def _pair_of(want: str) -> re.Pattern[str] | None:
    if _PAIR_NAME.fullmatch(want) is None or len(_PAIR_OF) >= 64:
        return None
    pattern = re.compile(r";\s*(?i:" + want + r')\s*=\s*("[^"]*"|[^;\s]*)')
    _PAIR_OF[want] = pattern
    return pattern


def _eight_bit_clone(part: Message, header: str) -> Message:
    """A headers-only copy of ``part`` with ``header``'s raw 8-bit value decoded to text."""
    clone = Message()
    source: Any = part  # a Header value, for raw 8-bit bytes (typeshed: str)
    for key, value in source.raw_items():
        if key.lower() == header.lower():
            clone[key] = _unescape(str(value))
            break
    return clone


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes (kept by the parser as surrogates) read as UTF-8, else Latin-1."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# Header values, typed as what they are. typeshed says the stdlib's readers (get, get_all,
# items, raw_items, a policy's header_fetch_parse) give str; compat32 gives an
# email.header.Header for a value with raw 8-bit bytes, and a caller's Message may hold any
# value. The modules that mypyc compiles (hatch_build.py) check declared types at run time, so
# such values are read through names typed Any ("typeshed: str" below), and checked here.


class Headers:
    """The top-level headers of a message, indexed by lower-case name for repeated lookups.

    ``get``, ``get_all`` and ``in`` answer exactly as the same methods of the message do
    (first value, every value in order, through the message's policy), but each costs one dict
    lookup instead of a scan of every header. A message whose class redefines those methods
    is asked directly.
    """

    __slots__ = ("_index", "_msg", "_plain", "_policy")

    def __init__(self, msg: Message) -> None:
        self._msg: Any = msg  # its values may be Headers (typeshed: str)
        self._index: dict[str, list[tuple[str, object]]] | None = None
        self._plain = False
        cls = type(msg)
        if cls is Message or (
            cls.get is Message.get
            and cls.get_all is Message.get_all
            and cls.__contains__ is Message.__contains__
        ):
            try:
                index: dict[str, list[tuple[str, object]]] = {}
                # raw_items() iterates a copy of the stored list; a plain Message's is read as is
                source: Any = msg
                pairs = source.__dict__["_headers"] if cls is Message else source.raw_items()
                for k, v in pairs:
                    key = k.lower()
                    if key in index:
                        index[key].append((k, v))
                    else:
                        index[key] = [(k, v)]
                self._policy: Any = msg.policy
                policy = msg.policy
                self._index = index
                # compat32 gives a str value without surrogates (ASCII) back as it is stored
                self._plain = (
                    policy is compat32
                    or type(policy).header_fetch_parse is Compat32.header_fetch_parse
                )
            except Exception:  # anything odd: ask the message itself
                self._index = None

    def get(self, name: str) -> object:
        """The first ``name`` header as ``Message.get`` gives it, or None."""
        if self._index is None:
            return self._msg.get(name)
        pairs = self._index.get(name.lower())
        if not pairs:
            return None
        k, v = pairs[0]
        if self._plain and type(v) is str and v.isascii():
            return v
        return self._policy.header_fetch_parse(k, v)

    def get_all(self, name: str, failobj: list[object]) -> list[object]:
        """Every ``name`` header as ``Message.get_all`` gives them, or ``failobj``."""
        if self._index is None:
            found = self._msg.get_all(name)
            return failobj if found is None else list(found)
        pairs = self._index.get(name.lower())
        if not pairs:
            return failobj
        fetch = self._policy.header_fetch_parse
        if self._plain:
            return [v if type(v) is str and v.isascii() else fetch(k, v) for k, v in pairs]
        return [fetch(k, v) for k, v in pairs]

    def __contains__(self, name: str) -> bool:
        if self._index is None:
            return name in self._msg
        return name.lower() in self._index

    def stored_values(self, name: str) -> list[str] | None:
        """Every ``name`` header (``name`` in lower case) as :meth:`get_all` gives them (``[]``
        when there is none), when each is given back as it is stored: an indexed message whose
        policy reads a str ASCII value as it is, and such values only. None otherwise (the
        caller then asks :meth:`get_all`)."""
        index = self._index
        if index is None or not self._plain:
            return None
        pairs = index.get(name)
        if not pairs:
            return []
        values = [v for _, v in pairs]
        for v in values:
            if type(v) is not str or not v.isascii():
                return None
        return cast("list[str]", values)


def _first(msg: Message | Headers, name: str) -> object:
    """The first ``name`` header as the message gives it, or None (also when reading fails)."""
    source: Any = msg  # get() gives a Header for raw 8-bit bytes (typeshed: str)
    try:
        return source.get(name)
    except Exception:
        return None


def header(msg: Message | Headers, name: str) -> str:
    """The first ``name`` header, RFC 2047-decoded and unfolded; ``""`` when absent."""
    source: Any = msg  # get() gives a Header for raw 8-bit bytes (typeshed: str)
    try:
        value = source.get(name)
    except Exception:  # as _first: reading failed
        return ""
    if value is None:
        return ""
    if type(value) is str and value.isascii() and "=?" not in value:
        # what decode_words gives a plain ASCII value: unfolded and stripped
        if "\n" in value or "\r" in value:
            value = _FOLD.sub(" ", value)
        return value.strip()
    return header_text(value)


def header_text(value: object) -> str:
    """A header value as the policy fetched it, as text: RFC 2047-decoded and unfolded. A
    :class:`email.header.Header` (compat32's form of a value with raw 8-bit bytes) is read
    with :func:`bytes_to_str`, not as U+FFFD replacement characters."""
    if isinstance(value, email.header.Header):  # raw 8-bit header bytes
        try:
            chunks = email.header.decode_header(value)  # a Header object: its own chunks
            return " ".join(
                "".join(
                    bytes_to_str(c, cs) if isinstance(c, bytes) else c for c, cs in chunks
                ).split()
            )
        except Exception:
            return ""
    return decode_words(str(value))


def raw_header(msg: Message | Headers, name: str) -> str:
    """The first ``name`` header unfolded but NOT RFC 2047-decoded (raw 8-bit read as UTF-8).

    Addresses must be read from this form: an encoded word is display-name text, so an address
    written inside one (``=?utf-8?q?=3Cx=40y=3E?=``) is not the sender's address.
    """
    source: Any = msg  # get() gives a Header for raw 8-bit bytes (typeshed: str)
    try:
        value = source.get(name)
    except Exception:  # as _first: reading failed
        return ""
    if value is None:
        return ""
    if type(value) is str:
        text = value
    elif isinstance(value, email.header.Header):
        try:
            text = str(value)
        except Exception:
            return ""
    else:
        text = str(value)
    if "\n" in text or "\r" in text:
        text = _FOLD.sub(" ", text)
    if not text.isascii():
        text = _unescape(text)
    return text.strip()


def header_all(msg: Message | Headers, name: str) -> list[str]:
    """Every ``name`` header, raw (not decoded)."""
    source: Any = msg  # get_all() gives Headers for raw 8-bit bytes (typeshed: str)
    try:
        found = source.get_all(name, [])
        if type(found) is list and not found:
            return []
        return [str(v) for v in found]
    except Exception:
        return []


_FOLD = re.compile(r"\r?\n[ \t]+|\r|\n")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words and unfold, as the stdlib's ``decode_header`` reads them
    (same words, same joins), in linear time. Never raises."""
    if "\n" in value or "\r" in value:
        value = _FOLD.sub(" ", value)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # raw 8-bit bytes kept as surrogates by the parser
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" not in value:
        return value.strip()
    try:
        parts = decode_header(value)
    except Exception:
        return value.strip()
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(bytes_to_str(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out).strip()


# The stdlib's encoded word (email.header.ecre), read by decode_header below without its
# regex's backtracking: the charset runs to the next "?", the text to the next "?=".
_EW_START = re.compile(r"=\?[^?]*\?[qQbB]\?")
_ECRE = re.compile(r"=\?[^?]*?\?[qQbB]\?.*?\?=", re.MULTILINE)  # email.header.ecre


def decode_header(value: str) -> list[tuple[bytes | str, str | None]]:
    """What :func:`email.header.decode_header` returns for a str, in linear time.

    The stdlib pops words from the front of a list, joins bytes one word at a time and retries
    its pattern to the end of the line from every ``=?``: all quadratic. Raises
    ``email.errors.HeaderParseError`` where it does (broken base64).
    """
    words: list[tuple[str, str | None, str | None]] = []
    encoded = False
    for line in value.splitlines():
        pos = 0
        first = True
        end_any = line.find("?=")
        while True:
            m = _EW_START.search(line, pos) if end_any >= 0 else None
            close = -1
            while m is not None:
                close = line.find("?=", m.end())
                if close >= 0:
                    break
                m = None  # no "?=" after this start: none after any later start either
            unencoded = line[pos : m.start()] if m is not None else line[pos:]
            if first:
                unencoded = unencoded.lstrip()
                first = False
            if unencoded:
                words.append((unencoded, None, None))
            if m is None:
                break
            encoded = True
            charset = line[m.start() + 2 : m.end() - 3].lower()
            encoding = line[m.end() - 2].lower()
            words.append((line[m.end() : close], encoding, charset))
            pos = close + 2
    if not encoded and (
        len(value.splitlines()) < 2 or len(value) > 4096 or _ECRE.search(value) is None
    ):
        # no encoded word (one spanning a line break is looked for in short values only)
        return [(value, None)]
    keep = [True] * len(words)
    for n, w in enumerate(words):
        if n > 1 and w[1] and words[n - 2][1] and words[n - 1][0].isspace():
            keep[n - 1] = False
    decoded: list[tuple[bytes | str, str | None]] = []
    for (text, how, word_charset), kept in zip(words, keep, strict=True):
        if not kept:
            continue
        if how is None:
            decoded.append((text, word_charset))
        elif how == "q":
            decoded.append((email.quoprimime.header_decode(text), word_charset))
        else:
            pad = len(text) % 4
            if pad:
                text += "==="[: 4 - pad]
            try:
                decoded.append((email.base64mime.decode(text), word_charset))
            except binascii.Error:
                raise email.errors.HeaderParseError("Base64 decoding error") from None
    collapsed: list[tuple[bytes | str, str | None]] = []
    run: list[bytes] = []
    last_charset: str | None = None
    for word, word_charset in decoded:
        data = bytes(word, "raw-unicode-escape") if isinstance(word, str) else word
        if not run:
            run, last_charset = [data], word_charset
        elif word_charset != last_charset:
            collapsed.append((_join_run(run, last_charset), last_charset))
            run, last_charset = [data], word_charset
        else:
            run.append(data)
    collapsed.append((_join_run(run, last_charset), last_charset))
    return collapsed


def _join_run(run: list[bytes], charset: str | None) -> bytes:
    return (b" " if charset is None else b"").join(run)


def bytes_to_str(data: bytes, charset: str | None) -> str:
    """``data`` as text in ``charset``; bytes of no known charset (none given, ASCII, or
    ``unknown-8bit``) are read as UTF-8, or as Windows-1252 when they are not UTF-8 (8-bit
    French text from an older server). Never raises."""
    cs = (charset or "").strip().lower() or "ascii"
    if cs in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace")
    try:
        return data.decode(cs, "replace")
    except (LookupError, ValueError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def payload_bytes(part: Message, limits: MimeLimits, defects: list[str]) -> bytes:
    """The decoded body of a leaf part, cut at ``max_part_bytes``. Never raises."""
    try:
        payload = part.get_payload()
    except Exception:
        defects.append("payload-unreadable")
        return b""
    if not isinstance(payload, str):
        return b""
    if len(payload) > limits.max_part_bytes * 2:
        defects.append("part-too-large")
        payload = payload[: limits.max_part_bytes * 2]
        part = _clone_with_payload(part, payload)
    try:
        shortcut = _decoded_ascii(part, payload)
        data = part.get_payload(decode=True) if shortcut is None else shortcut
    except Exception:
        defects.append("payload-undecodable")
        data = payload.encode("latin-1", "replace")
    if not isinstance(data, bytes):
        return b""
    if len(data) > limits.max_part_bytes:
        if "part-too-large" not in defects:
            defects.append("part-too-large")
        data = data[: limits.max_part_bytes]
    return data


_NOT_SHORTCUT_CTES = frozenset({"base64", "x-uuencode", "uuencode", "uue", "x-uue"})


def _decoded_ascii(part: Message, payload: str) -> bytes | None:
    """``part.get_payload(decode=True)`` for an ASCII payload in 7bit, 8bit, binary or
    quoted-printable, by the same steps without the stdlib's general path; None otherwise."""
    if not payload.isascii() or type(part).get_payload is not Message.get_payload:
        return None
    source: Any = part  # get() gives a Header for raw 8-bit bytes (typeshed: str)
    cte = str(source.get("content-transfer-encoding", "")).lower()
    if cte == "quoted-printable":
        return binascii.a2b_qp(payload.encode("ascii"))  # what quopri.decodestring calls
    if cte in _NOT_SHORTCUT_CTES:
        return None
    return payload.encode("ascii")


def _clone_with_payload(part: Message, payload: str) -> Message:
    clone = Message()
    source: Any = part  # items() gives Headers for raw 8-bit bytes (typeshed: str)
    for k, v in source.items():
        clone[k] = v
    clone.set_payload(payload)
    return clone


def part_text(part: Message, limits: MimeLimits, defects: list[str]) -> str:
    """The decoded text of a ``text/*`` leaf part, cut at ``max_text_chars``. Never raises."""
    ascii_text = _ascii_part_text(part, limits)
    if ascii_text is not None:
        return ascii_text
    data = payload_bytes(part, limits, defects)
    if len(data) > limits.max_text_chars * 4:
        data = data[: limits.max_text_chars * 4]
    text = bytes_to_str(data, param(part, "charset"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[: limits.max_text_chars]


#: Codecs that decode every ASCII byte string to the same text (looked up by codec name).
_ASCII_IDENTITY_CODECS = frozenset(
    {
        "ascii",
        "utf-8",
        "latin-1",
        "cp1250",
        "cp1251",
        "cp1252",
        "cp1253",
        "cp1254",
        "cp1255",
        "cp1256",
        "cp1257",
        "cp1258",
        "koi8-r",
        "koi8-u",
    }
    | {f"iso8859-{n}" for n in (*range(1, 12), 13, 14, 15, 16)}
)
_IDENTITY_BY_CHARSET: dict[str, bool] = {}


def _ascii_identity(charset: str | None) -> bool:
    """Whether :func:`bytes_to_str` gives ASCII bytes back as the same text for ``charset``
    (a charset it does not know falls back to UTF-8, which does)."""
    cs = (charset or "").strip().lower() or "ascii"
    known = _IDENTITY_BY_CHARSET.get(cs)
    if known is None:
        try:
            known = codecs.lookup(cs).name in _ASCII_IDENTITY_CODECS
        except LookupError:
            known = True  # bytes_to_str decodes as UTF-8 then
        if len(_IDENTITY_BY_CHARSET) < 256:
            _IDENTITY_BY_CHARSET[cs] = known
    return known


def _ascii_part_text(part: Message, limits: MimeLimits) -> str | None:
    """:func:`part_text` of a plain compat32 part whose body is ASCII, needs no decoding
    (7bit, 8bit, binary or no transfer encoding) and is within ``max_part_bytes``, in a charset
    in which ASCII reads as itself: the body as it is, without the round trip through bytes.
    None for any other part (part_text then takes the general path)."""
    if type(part) is not Message or part.policy is not compat32:
        return None
    state = part.__dict__
    payload = state.get("_payload")
    if type(payload) is not str or len(payload) > limits.max_part_bytes:
        return None
    if not payload.isascii():
        return None
    # the first Content-Transfer-Encoding and Content-Type, in one pass over the headers
    cte: object = None
    ctype: object = None
    have_cte = have_ctype = False
    for key, value in state["_headers"]:
        size = len(key)
        if size == 12:
            if not have_ctype and key.lower() == "content-type":
                ctype, have_ctype = value, True
        elif size == 25 and not have_cte and key.lower() == "content-transfer-encoding":
            cte, have_cte = value, True
    if cte is not None:
        if type(cte) is not str or not cte.isascii():
            return None
        if cte.lower() in _DECODED_CTES:  # what get_payload(decode=True) decodes
            return None
    if ctype is None:
        if not _ascii_identity(None):
            return None
    else:
        if type(ctype) is not str or not ctype.isascii():
            return None
        identity = _ASCII_IDENTITY_OF.get(ctype)
        if identity is None:
            identity = _ascii_identity_of(ctype)
            _remember(_ASCII_IDENTITY_OF, ctype, ctype, identity)
        if not identity:
            return None
    text = payload[: limits.max_text_chars * 4]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[: limits.max_text_chars]


#: :func:`_ascii_identity_of` by Content-Type value (bounded: :func:`_remember`).
_ASCII_IDENTITY_OF: dict[str, bool] = {}


def _ascii_identity_of(ctype: str) -> bool:
    """Whether a part with this (ASCII) Content-Type value reads ASCII bytes as themselves:
    its charset, read in the plain way, is one that does (False when it has a charset
    parameter not of the plain form)."""
    charset: str | None = None
    if "charset" in ctype.lower():
        simple = _simple_param(ctype, "charset")
        if simple is None:
            return False
        charset = _unescape(simple)
    return _ascii_identity(charset)


_DECODED_CTES = frozenset({"quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue"})

#: The "<" of each element that :func:`html_to_text` reads up to its end tag, with the
#: element's name (no match holds a second "<", so finditer misses none).
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b", re.I)
_TAG_REACH = 2000


def html_to_text(html: str) -> str:
    r"""A crude HTML-to-text conversion for phrase matching, linear in the text.

    A ``<script>`` or ``<style>`` element goes up to its end tag, any other tag (of at most
    2,000 characters) goes; each becomes a space. Written as a scan rather than the pattern
    ``<(script|style)\b.*?</\1\s*>|<[^>]{0,2000}>`` (whose result it gives), which rescans
    to the end of the text from every unclosed ``<script>``.
    """
    if "<" not in html:
        return _entities(html)
    # the "<" that open a script or style element, with the element's name
    elements = {m.start(): m for m in _SCRIPT_OR_STYLE.finditer(html)}
    if not elements:
        return _entities(_without_tags(html))
    out: list[str] = []
    pos = 0
    start = html.find("<")
    next_gt = -2  # the first ">" at or after the last search point (-1: none left)
    # per element name: (searched from, the first end tag found from there, or None)
    closers: dict[str, tuple[int, re.Match[str] | None]] = {}
    last = next(reversed(elements))
    while start >= 0:
        if start > last:
            # no element opens from here on: every "<" since pos was passed over, and the
            # rest reads as in a text without elements
            out.append(_without_tags(html[pos:]))
            return _entities("".join(out))
        m = elements.get(start)
        end = -1
        if m is not None:
            closer = _closer(html, m.group(1).lower(), m.end(), closers)
            if closer is not None:
                end = closer.end()
        if end < 0:
            if next_gt != -1 and next_gt < start + 1:
                next_gt = html.find(">", start + 1)
            if next_gt >= 0 and next_gt - start - 1 <= _TAG_REACH:
                end = next_gt + 1
        if end < 0:
            start = html.find("<", start + 1)
            continue
        out.append(html[pos:start])
        out.append(" ")
        pos = end
        start = html.find("<", end)
    out.append(html[pos:])
    return _entities("".join(out))


def _without_tags(html: str) -> str:
    """:func:`html_to_text`'s scan (before the entities) of a text with no ``<script`` or
    ``<style``: a tag runs from a ``<`` to the first ``>`` after it, when at most 2,000
    characters lie between. So between two ``>`` the tag, if any, starts at the first ``<``
    of the last 2,001 characters; text after the last ``>`` has none."""
    pieces = html.split(">")
    out: list[str] = []
    for piece in pieces[:-1]:
        lt = piece.find("<", max(len(piece) - _TAG_REACH - 1, 0))
        if lt < 0:
            out.append(piece)
            out.append(">")
        else:
            out.append(piece[:lt])
            out.append(" ")
    out.append(pieces[-1])
    return "".join(out)


def _closer(
    html: str, name: str, after: int, cache: dict[str, tuple[int, re.Match[str] | None]]
) -> re.Match[str] | None:
    """The first end tag of ``name`` at or after ``after``; each stretch of text is searched
    once (a failed search answers for every later start, a found tag for every start before
    it)."""
    found = cache.get(name)
    if found is not None:
        searched_from, match = found
        if searched_from <= after and (match is None or match.start() >= after):
            return match
    match = _end_tag(name).search(html, after)
    cache[name] = (after, match)
    return match


_END_TAGS: dict[str, re.Pattern[str]] = {}


def _end_tag(name: str) -> re.Pattern[str]:
    pattern = _END_TAGS.get(name)
    if pattern is None:
        pattern = _END_TAGS[name] = re.compile(rf"</{name}\s*>", re.I)
    return pattern


def _entities(text: str) -> str:
    """``text`` with its character references decoded, all of HTML5's (``&eacute;``,
    ``&rsquo;``, ``&#233;``, ``&#xE9;`` ...), in one pass (``&amp;lt;`` is ``&lt;``)."""
    return _html_unescape(text) if "&" in text else text


_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, strip accents, turn typographic quotes into ASCII, collapse white space."""
    if not text.isascii():
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
        # accents become their base letter; other non-ASCII (no phrase uses it) goes away
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


_ADDR = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})")


def mailboxes(value: str, limit: int = 100) -> list[str]:
    """Every addr-spec of a raw address header (lower-case, in order, without duplicates).

    ``a@x, b@y``, ``<a@x>, <b@y>``, ``Name <a@x>, Other <b@y>`` and groups
    (``team: a@x, b@y;``) all count; so does any address-like token elsewhere in the value
    (a comment, a broken list), since a reader that trusts one mailbox must see all of them.
    Read the raw header (encoded words not decoded): an encoded word is display-name text.

    >>> mailboxes('MAILER-DAEMON@mx.fr, "P" <279035121518989@patient.mssante.fr>')
    ['mailer-daemon@mx.fr', '279035121518989@patient.mssante.fr']
    """
    found: list[str] = []
    if "\n" in value or "\r" in value:
        value = " ".join(value.split())
    if len(value) > 64 * 1024:
        value = value[: 64 * 1024]
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:  # RecursionError on nested comments, or a parser corner case
        pairs = []
    for _, address in pairs:
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    for address in find_addresses(value):
        address = address.lower()
        if address not in found:
            found.append(address)
    return found[:limit]


def find_addresses(text: str) -> list[str]:
    """Addresses in free text, in order, without duplicates (trailing dots removed)."""
    seen: list[str] = []
    for m in _ADDR.finditer(text):
        addr = m.group(0).strip(".-'").rstrip(".")
        if "@" not in addr or addr.startswith("@"):
            continue
        if addr.lower() not in (s.lower() for s in seen):
            seen.append(addr)
    return seen


_SIMPLE_ADDR = re.compile(r"(?:rfc822;\s*)?<?([^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+)>?", re.I)


#: RFC 6533's escape of one code point in a ``utf-8`` address type (``\\x{E9}``)
_UTF8_ADDR_ESCAPE = re.compile(r"\\x\{([0-9A-Fa-f]{1,6})\}")


def _unescaped(m: re.Match[str]) -> str:
    """The code point of an RFC 6533 escape; the escape as it is for a control character, a
    surrogate or a number past Unicode (nothing that could reach a terminal unescaped)."""
    code = int(m.group(1), 16)
    if code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or code > 0x10FFFF:
        return m.group(0)
    return chr(code)


def bare_address(value: str) -> str:
    """The addr-spec of a header or DSN field value (display name, ``<>``, ``rfc822;`` gone)."""
    value = value.strip()
    simple = _SIMPLE_ADDR.fullmatch(value)
    if simple:
        return simple.group(1)
    if ";" in value[:12]:
        typ, _, rest = value.partition(";")
        typ = typ.strip().lower()
        if typ in ("rfc822", "x400", "unknown", "utf-8", "x-local"):
            value = rest.strip()
            if typ == "utf-8" and "\\x{" in value:
                value = _UTF8_ADDR_ESCAPE.sub(_unescaped, value)
    if "<" in value and ">" in value:
        inner = value[value.find("<") + 1 : value.find(">", value.find("<"))]
        if "@" in inner or not inner:
            return inner.strip()
    try:
        _, addr = email.utils.parseaddr(value)
    except Exception:
        addr = ""
    return (addr or value).strip().strip("<>").strip()


_MSGID = re.compile(r"<[^<>\s]{1,990}@[^<>\s]{1,990}>|<[^<>\s]{1,990}>")


def message_ids(value: str) -> list[str]:
    """Message ids (with angle brackets) found in a header value; bare ids get brackets."""
    found = _MSGID.findall(value)
    if found:
        return found
    value = value.strip()
    if value and " " not in value and "@" in value and len(value) < 1000:
        return [f"<{value}>"]
    return []


# -- a fast parse of plain messages ------------------------------------------------------------
#
# The stdlib's feed parser reads line by line through generators, and compiles a regex for
# every boundary: for the small, well-formed messages that make most of a return box, that is
# most of the cost of reading them. _fast_parse builds the very same compat32 tree (same
# headers, payloads, preambles and epilogues) with str.find and one regex per header field, for
# messages with nothing unusual in them. Anything the stdlib would flag as a defect, or handle
# in a way that is not reproduced here (a "From " line, a header line without a colon, a
# boundary that never opens or closes, two delimiter lines in a row ...), gives up: the stdlib
# parses the message then. tests/test_mime.py compares both trees on every fixture, corpus
# message and thousands of mutations.

# One header field and its line end: the name (up to the first colon), then the value as
# compat32 stores it (blanks after the colon dropped, inner line ends kept, the last one
# dropped). On newline-normalised text, what ``value.lstrip(" \t").rstrip("\r\n")`` leaves.
_FIELDS = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)\n")
# A run of whole header fields (each with its continuation lines): where it ends is where the
# field-by-field reading of the stdlib's feed parser stops taking fields with a line end.
_BLOCK = re.compile(r"(?:[\x21-\x39\x3b-\x7e]+:[^\n]*\n(?:[ \t][^\n]*\n)*)*")
_FIELD_AT_END = re.compile(r"([\x21-\x39\x3b-\x7e]+):([^\n]*(?:\n[ \t][^\n]*)*)\Z")
_LINE_TAIL = re.compile(r"(--)?[ \t]*(?:\n|\Z)")
_HEADER_RE = re.compile(r"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")  # feedparser.headerRE
_CLEAN_CTE = ("7bit", "8bit", "binary")


class _Unusual(Exception):
    """The message has something the fast parse does not reproduce."""


def _message(headers: list[tuple[str, str]], default: str = "text/plain") -> Message:
    """``Message()`` with ``headers`` stored and ``default`` as its default type."""
    msg = Message()
    state = msg.__dict__
    state["_headers"] = headers  # what set_raw() appends, in order
    if default != "text/plain":
        state["_default_type"] = default
    return msg


def _attach(parent: Message, child: Message) -> None:
    """``parent.attach(child)`` on a message of the fast parse (its payload None or a list)."""
    state = parent.__dict__
    payload = state["_payload"]
    if payload is None:
        state["_payload"] = [child]
    else:
        payload.append(child)


def _fast_parse(data: bytes, text_only: bool = False) -> Message | None:
    """The compat32 tree ``email.message_from_bytes(data)`` builds, or None when the message
    has anything unusual (``data`` is newline-normalised).

    With ``text_only``: the tree of the same parse of ``data`` without the bodies that the
    pre-scan's drops leave out (see :func:`_scanner_kind`), or None also when the pre-scan
    might read the structure otherwise.
    """
    if b"\r" in data:
        return None  # a lone CR ends a line for the stdlib, not for the patterns here
    text = data.decode("ascii", "surrogateescape")
    try:
        msg, last, last_type = _entity(text, 0, len(text), None, "", text_only)
    except Exception:  # _Unusual, or the stdlib's own failure (the stdlib parse says which)
        return None
    if last is msg and last_type.startswith("multipart/") and not msg.is_multipart():
        # a top-level multipart read as text (no start boundary): the stdlib's final check
        msg.defects.append(email.errors.MultipartInvariantViolationDefect())
    return msg


# One line of a header block: a header field with its continuation lines, as :data:`_FIELDS`
# reads it, or else any other line, read as ("", ""), which no field gives (a field's name is
# never empty). Over a span of whole lines, every match starts where the one before ended.
# Possessive: a name never ends but at its colon, a line but at its line end, and within
# whole lines, the line end after a field's last continuation line is always there; giving
# back would never let the rest match where it did not (the matches are _FIELDS' own).
_FIELD_OR_LINE = re.compile(
    r"([\x21-\x39\x3b-\x7e]++):[ \t]*+([^\n]*+(?:\n[ \t][^\n]*+)*+)\n|[^\n]*+\n"
)
_NOT_A_FIELD = ("", "")


def _header_block(text: str, pos: int, end: int) -> tuple[list[tuple[str, str]], int]:
    """The header fields that start at ``pos`` (each ended by a line end), as compat32 stores
    them, and where they stop (what :func:`_header_block_plain` returns).

    The common block, whole lines up to a blank line (or up to ``end``) that are all header
    fields, is read in one pass of :data:`_FIELD_OR_LINE`; any other, by the plain reading.
    """
    if pos >= end or text[pos] == "\n":
        return [], pos  # an empty block
    blank = text.find("\n\n", pos, end)
    stop = end if blank < 0 else blank + 1
    if text[stop - 1] == "\n":
        # whole lines: each one a field (with its continuation lines), or a line that is not
        fields = _FIELD_OR_LINE.findall(text, pos, stop)
        if _NOT_A_FIELD not in fields:
            return fields, stop
    return _header_block_plain(text, pos, end)


def _header_block_plain(text: str, pos: int, end: int) -> tuple[list[tuple[str, str]], int]:
    """:func:`_header_block` in the plain way: one pass of :data:`_BLOCK` over the block, then
    one of :data:`_FIELDS` over the same span (every match starts where the one before
    ended)."""
    run = _BLOCK.match(text, pos, end)
    stop = pos if run is None else run.end()
    if stop == pos:
        return [], pos
    return _FIELDS.findall(text, pos, stop), stop


# The pre-scan's reading of a Content-Type value (_CT_HEADER after the name and the blanks, and
# _BOUNDARY_PARAM), for str text decoded with surrogateescape: its only non-ASCII characters
# are surrogates, which neither lower() nor these classes treat otherwise than bytes.
_SCAN_CT_VALUE = re.compile(r"(?:\n[ \t]+)*([a-z0-9!#$&^_.+-]+/[^\n;]*)")
_SCAN_BOUNDARY = re.compile(
    r'boundary[ \t\n\r\f\v]*=[ \t\n\r\f\v]*(?:"([^"\n]*)"|([^ \t\n\r\f\v;"]+))', re.I | re.A
)
_SCAN_SKIPPABLE = re.compile(_SKIPPABLE.pattern.decode("ascii"))
_BYTES_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips
_DSN = "message/delivery-status"
#: :data:`_REPORT_BODIES`, as text
_REPORT_TYPES = tuple(t.decode("ascii") for t in _REPORT_BODIES)


# Per content type of the plain form (a type/subtype of token characters): whether the
# pre-scan skips such a leaf. Bounded: hostile input cannot grow it past a few hundred types.
_KINDS: dict[str, bool] = {}
_TOKEN_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]*")


def _scanner_kind(
    headers: list[tuple[str, str]], value: str | None, ctype: str
) -> tuple[bool, str]:
    """Check that the pre-scan reads an entity's kind as the parse does; return whether it
    skips the body of such a leaf (:data:`_SKIPPABLE`), and its boundary (``""``: none).

    The pre-scan's drops follow its own reading of the first Content-Type field that looks
    like ``type/subtype``; the parse follows the first one. Where they could differ in what
    they make of the entity (a delivery status, an attached message, a multipart with a
    boundary, a leaf), the message is left to the pre-scan (:class:`_Unusual`).
    """
    if value is None:
        if ctype != "text/plain":
            raise _Unusual  # a digest's part: the pre-scan does not read it as a message
        return False, ""
    if value.startswith(ctype) and value[len(ctype) : len(ctype) + 1] in ("", ";"):
        # the common case: the value is the content type as the parse reads it, then ";" or
        # nothing; when that type is of the plain form, the pre-scan reads the same one
        skippable = _KINDS.get(ctype)
        if skippable is None and _TOKEN_TYPE.fullmatch(ctype) is not None:
            skippable = _SCAN_SKIPPABLE.fullmatch(ctype) is not None
            _remember(_KINDS, ctype, ctype, skippable)
        if skippable is not None:
            if not ctype.startswith("multipart/"):
                return skippable, ""
            p = _SCAN_BOUNDARY.search(value)
            if p is None:
                return False, ""  # none read: _multipart checks that the parse reads none
            return False, p.group(1) if p.group(1) is not None else p.group(2)
    return _scanner_kind_read(headers, value, ctype)


def _scanner_kind_read(
    headers: list[tuple[str, str]], value: str | None, ctype: str
) -> tuple[bool, str]:
    """:func:`_scanner_kind` for any header block: the pre-scan's reading of its first
    Content-Type field of the ``type/subtype`` form, compared with the parse's."""
    scanned = ""
    boundary = ""
    if value is not None:
        found = None
        m = _SCAN_CT_VALUE.match(value.lower())
        if m is not None:
            found = value
        else:
            for key, other in headers:
                if len(key) == 12 and key.lower() == "content-type":
                    m = _SCAN_CT_VALUE.match(other.lower())
                    if m is not None:
                        found = other
                        break
        if m is not None and found is not None:
            scanned = m.group(1).strip(_BYTES_SPACE)
            if scanned.startswith("multipart/"):
                p = _SCAN_BOUNDARY.search(found)
                if p is not None:
                    boundary = p.group(1) if p.group(1) is not None else p.group(2)
    report = scanned == _DSN
    if (
        (ctype == _DSN) != report
        or (ctype.startswith("message/") and ctype != _DSN)
        != (scanned.startswith("message/") and not report)
        or ctype.startswith("multipart/") != scanned.startswith("multipart/")
    ):
        raise _Unusual
    return _SCAN_SKIPPABLE.fullmatch(scanned) is not None, boundary


def _entity(
    text: str,
    start: int,
    end: int,
    parent: Message | None,
    parent_type: str = "",
    text_only: bool = False,
    dropped: bool = False,
) -> tuple[Message, Message, str]:
    """Parse ``text[start:end]`` as one entity; return it, the message whose trailing line
    end the enclosing multipart removes (the stdlib's ``_last``), and that message's content
    type (what its ``get_content_type()`` returns).

    ``dropped``: the entity is an attached message whose body the pre-scan's drops leave
    out, when its header block is plain; what is left of its body is read instead.

    With ``text_only``, the bodies the pre-scan drops for readers of text (a skippable leaf's,
    an attached message's) are read as what is left of them once dropped.
    """
    default = "message/rfc822" if parent_type == "multipart/digest" else "text/plain"
    pos = start
    unixfrom = None
    # the one-character test first: a part rarely starts with "F", and indexing costs far
    # less than startswith() with bounds (which parses its arguments as a tuple)
    if start < end and text[start] == "F" and text.startswith("From ", start, end):
        # an mbox "From " envelope line opens the block: the stdlib keeps it as the unixfrom
        line_end = text.find("\n", start, end)
        if line_end < 0:
            raise _Unusual
        unixfrom = text[start:line_end]
        pos = line_end + 1
    headers, pos = _header_block(text, pos, end)
    msg = Message()
    state = msg.__dict__
    state["_headers"] = headers  # what set_raw() appends, in order
    if parent is not None:
        state["_default_type"] = default
        if unixfrom is not None:
            state["_unixfrom"] = unixfrom
        _attach(parent, msg)
    elif unixfrom is not None:
        state["_unixfrom"] = unixfrom
    separated = True
    if pos >= end:
        body = end
    elif text[pos] == "\n":
        body = pos + 1
    else:
        body, separated = _header_tail(text, pos, end, headers)
        if not separated:
            # a line that is no header: the stdlib notes the defect and reads the body from it
            msg.defects.append(email.errors.MissingHeaderBodySeparatorDefect())
    if dropped and unixfrom is None and pos < end:
        nonempty = separated or pos > start
        if text[pos] == "\n":
            # after the blank line, the line end before the next delimiter is left
            kept = "\n" if end < len(text) and body < end else ""
        elif not separated:
            # all of the body goes from the line that ended the block, and the line end
            # before the next delimiter then ends the block
            kept = "\n" if end < len(text) else ""
            msg.defects.clear()
        else:
            raise _Unusual  # a last field without a line end: read otherwise by the pre-scan
        # the rest is read in ``kept`` (start: whether anything came before the body)
        text, start, body, end, text_only = kept, -1 if nonempty else 0, 0, len(kept), False
    value = _first_value(headers, "content-type")
    ctype = default if value is None else _ctype_of(msg, value)
    skippable, boundary = False, ""
    if text_only:
        if (
            value is not None
            and value.startswith(ctype)
            and value[len(ctype) : len(ctype) + 1] in ("", ";")
            and not ctype.startswith("multipart/")
            and ctype in _KINDS
        ):
            skippable = _KINDS[ctype]  # the common case of _scanner_kind, without the call
        else:
            skippable, boundary = _scanner_kind(headers, value, ctype)
    if ctype == _DSN:
        return _delivery_status(text, body, end, msg)
    if ctype.startswith("message/"):
        if body >= end and body > start and not (pos < end and text[pos] == "\n"):
            # no blank line before the end: the stdlib's reading is not reproduced (after a
            # blank line, an empty attached message is an empty, headerless message)
            raise _Unusual
        if text_only and not separated:
            raise _Unusual  # the pre-scan reads the attached message from elsewhere
        dropped = text_only and ctype not in _REPORT_TYPES  # a report's fields are kept
        _, last, last_type = _entity(text, body, end, msg, ctype, text_only, dropped)
        return msg, last, last_type
    if ctype.startswith("multipart/"):
        return _multipart(
            text, body, end, msg, ctype, headers, value, boundary if text_only else None
        )
    if skippable and parent is not None and unixfrom is None and pos < end < len(text):
        # a part the pre-scan drops: only the line end before the delimiter is left of it,
        # which ends the header block when no blank line did
        if separated:
            msg.__dict__["_payload"] = "\n" if body < end else ""
        else:
            msg.__dict__["_payload"] = ""
            msg.defects.clear()
    else:
        msg.__dict__["_payload"] = text[body:end]
    return msg, msg, ctype


def _first_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (lower-case) in a header list, as stored."""
    size = len(name)
    for key, value in headers:
        if len(key) == size and key.lower() == name:
            return value
    return None


def _ctype_of(msg: Message, value: str) -> str:
    """``msg.get_content_type()`` for the first Content-Type value ``value`` of ``msg``."""
    ctype = _CTYPE_OF.get(value)
    if ctype is not None:
        return ctype  # read before: by this parse, or by content_type() on an earlier message
    if not value.isascii():
        return msg.get_content_type()  # raw 8-bit: the stdlib's own reading
    return _read_ctype(value)


def _header_tail(text: str, pos: int, end: int, headers: list[tuple[str, str]]) -> tuple[int, bool]:
    """Where a header block that stopped at ``pos`` (not at its blank line) leaves off, as the
    stdlib reads it: a last field without a line end joins ``headers`` (``(end, True)``); a line
    that is no header starts the body there (``(pos, False)``: no blank line separated it).
    Anything else (a From_ line, a nameless field, a first continuation line) is left to the
    stdlib's parse."""
    tail = _FIELD_AT_END.match(text, pos, end)
    if tail is not None:
        # the stdlib keeps the last field with its inner line ends
        headers.append((tail.group(1), tail.group(2).lstrip(" \t")))
        return end, True
    if _HEADER_RE.match(text, pos, end) is not None:
        raise _Unusual
    return pos, False


def _delivery_status(text: str, body: int, end: int, msg: Message) -> tuple[Message, Message, str]:
    """Header blocks separated by blank lines, each a message of its headers (as the stdlib);
    a block whose headers a body line ends has that line and the ones after it up to the
    blank line as its payload, with the stdlib's defect (a block of a leaf type only)."""
    pos = body
    while True:
        headers, pos = _header_block(text, pos, end)
        payload = ""
        separated = True
        if pos < end and text[pos] != "\n":
            pos, separated = _header_tail(text, pos, end, headers)
            if not separated:
                # a line that is no header: the block's body, up to the blank line
                blank = text.find("\n\n", pos, end)
                stop = end if blank < 0 else blank + 1
                payload = text[pos:stop]
                pos = stop
        block = _message(headers)
        value = _first_value(headers, "content-type")
        ctype = "text/plain" if value is None else _ctype_of(block, value)
        if ctype.startswith(("multipart/", "message/")):
            raise _Unusual  # the stdlib reads the block's body by its type: not reproduced
        # a leaf: its body is read up to the blank line, whatever its type
        block.__dict__["_payload"] = payload
        if not separated:
            block.defects.append(email.errors.MissingHeaderBodySeparatorDefect())
        _attach(msg, block)
        if pos < end:
            pos += 1  # the blank line
        if pos >= end:
            return msg, block, ctype


def _multipart(
    text: str,
    body: int,
    end: int,
    msg: Message,
    ctype: str,
    headers: list[tuple[str, str]],
    value: str | None,
    scanned: str | None = None,
) -> tuple[Message, Message, str]:
    """The parts of a multipart ``msg`` whose body is ``text[body:end]`` (``value``: its
    first Content-Type value); returns as :func:`_entity` does.

    ``scanned``: in a text-only parse, the boundary the pre-scan reads (its parts are then
    parsed text-only too); None otherwise.
    """
    simple = _simple_param(value, "boundary") if value is not None else None
    # a plain header value: what get_boundary() returns, without the stdlib's general parser
    boundary = simple.rstrip() if simple is not None else msg.get_boundary()
    text_only = scanned is not None
    if boundary is None:
        if scanned:
            raise _Unusual  # the pre-scan reads a boundary where the parse reads none
        # no boundary: the stdlib notes a defect and keeps the whole body as the payload (the
        # pre-scan reads no boundary either: to it the part is a leaf it does not drop)
        msg.defects.append(email.errors.NoBoundaryInMultipartDefect())
        msg.__dict__["_payload"] = text[body:end]
        return msg, msg, ctype
    if text_only and (
        boundary != scanned or not boundary or ":" in boundary or boundary.endswith("--")
    ):
        # the pre-scan would look for other delimiter lines, or take one for a header field
        # ("--a:b"), or one delimiter for another's close ("--x--" with "x" and "x--" open)
        raise _Unusual
    cte = _first_value(headers, "content-transfer-encoding")
    if cte is not None and (not cte.isascii() or cte.lower() not in _CLEAN_CTE):
        raise _Unusual
    needle = "--" + boundary
    # the delimiter lines: (line start, line end after its "\n", closing)
    lines: list[tuple[int, int, bool]] = []
    pos = body
    at = body if text.startswith(needle, body, end) else -1
    line_needle, size = "\n" + needle, len(needle)
    while True:
        if at < 0:
            found = text.find(line_needle, pos, end)
            if found < 0:
                break
            at = found + 1
        after = at + size
        if after < end and text[after] == "\n":
            # the common delimiter line, "--" and the boundary alone: what _LINE_TAIL reads
            lines.append((at, after + 1, False))
            pos = after
            at = -1
            continue
        tail = _LINE_TAIL.match(text, after, end)
        if tail is None:
            pos = at
        else:
            closing = tail.group(1) is not None
            lines.append((at, tail.end(), closing))
            if closing:
                break
            # the next delimiter may be the very next line: search from this line's "\n"
            pos = tail.end() - 1 if text[tail.end() - 1] == "\n" else tail.end()
        at = -1
    if not lines or lines[0][2]:
        # no start boundary: the stdlib keeps the text up to a close boundary (or the end) as
        # the payload, with an empty epilogue, and notes a defect
        msg.__dict__["_payload"] = text[body : lines[0][0] if lines else end]
        msg.epilogue = ""
        msg.defects.append(email.errors.StartBoundaryNotFoundDefect())
        return msg, msg, ctype
    closed = lines[-1][2]
    if closed and text_only and text.find("\n" + needle, lines[-1][1] - 1, end) >= 0:
        # a delimiter-like line after the close: where an attached message that the drops
        # leave out declared the same boundary, the pre-scan would read it as a delimiter
        raise _Unusual
    if not closed:
        # no close boundary: the last part runs to the end, and the stdlib notes a defect
        lines.append((end, end, True))
    first = lines[0][0]
    if first > body:
        preamble = text[body:first]
        msg.preamble = preamble[:-1] if preamble.endswith("\n") else preamble
    for (_, part_start, _), (next_start, _, _) in pairwise(lines):
        if part_start >= next_start:
            raise _Unusual  # two delimiter lines in a row
        _child, last, last_type = _entity(text, part_start, next_start, msg, ctype, text_only)
        # the line end before a delimiter belongs to the delimiter (RFC 2046)
        if last_type.startswith("multipart/"):
            epilogue = last.epilogue
            if epilogue == "":
                last.epilogue = None
            elif epilogue is not None and epilogue.endswith("\n"):
                last.epilogue = epilogue[:-1]
        else:
            payload = last.__dict__["_payload"]
            if isinstance(payload, str) and payload.endswith("\n"):
                last.__dict__["_payload"] = payload[:-1]
    if closed:
        msg.epilogue = text[lines[-1][1] : end]
    else:
        msg.defects.append(email.errors.CloseBoundaryNotFoundDefect())
    return msg, msg, ctype
