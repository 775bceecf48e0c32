"""The value types of :mod:`mssc.mime`: its limits, defects and results.

They live apart from the reader because the reader is compiled with mypyc in regular wheels
(``hatch_build.py``), and a compiled class is not a Python class: it stores an ``int`` field
as a machine integer (``True`` would become ``1``, unchecked), and callers cannot subclass it.
These stay plain dataclasses in every build; :mod:`mssc.mime` exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from email.message import Message
from typing import Final

__all__ = [
    "LINE_COST",
    "MANY_LINES",
    "SHORT_LINE",
    "MimeDefect",
    "MimeLimits",
    "Prescan",
    "ReadMessage",
]


@dataclass(frozen=True, slots=True)
class MimeLimits:
    """Limits that bound the work spent on one inbound message (all adjustable).

    The defaults are far above what mail software writes and far below what makes the stdlib
    parser slow. A message past a ``limit-*`` limit is read as its headers only, with the
    defect; the size limits cut and go on (see docs/security.md).

    Attributes:
        max_message_bytes: input beyond this size is cut off before parsing (defect
            ``message-truncated``).
        max_depth: deepest MIME nesting, multipart and ``message/*`` levels counted
            (``limit-depth``).
        max_parts: most MIME parts in one message (``limit-parts``).
        max_headers: most header fields in one message, every part's and every attached
            message's header block counted (``limit-header-count``).
        max_header_length: longest header field, in bytes once unfolded
            (``limit-header-length``).
        max_encoded_words: most RFC 2047 encoded words (``=?``) in one header field
            (``limit-encoded-words``).
        max_rfc2231_sections: most RFC 2231 parameter sections (``name*0*=`` ...) in one
            header field (``limit-rfc2231``).
        max_comment_depth: deepest nesting of ``(`` comments in one header field
            (``limit-comment-depth``).
        max_work: the parser's work for one message, in line tests: every line costs
            :data:`LINE_COST`, plus one per open multipart boundary the parser tests it
            against (``limit-work``). A message of over :data:`MANY_LINES` lines whose lines
            average under :data:`SHORT_LINE` bytes passes it too: the parser keeps an object
            per line, which would cost many times the input in memory.
        max_part_bytes: largest decoded part that is kept (defect ``part-too-large``).
        max_decoded_bytes: total decoded bytes kept for one message (defect
            ``decoded-size-exceeded``).
        max_text_chars: characters of any one text part that the classifier reads.
    """

    max_message_bytes: int = 64 * 1024 * 1024
    max_depth: int = 32
    max_parts: int = 512
    max_headers: int = 4096
    max_header_length: int = 64 * 1024
    max_encoded_words: int = 256
    max_rfc2231_sections: int = 128
    max_comment_depth: int = 32
    max_work: int = 4_000_000
    max_part_bytes: int = 32 * 1024 * 1024
    max_decoded_bytes: int = 64 * 1024 * 1024
    max_text_chars: int = 256 * 1024

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MimeLimits.{f.name} must be a positive int, got {value!r}")


#: What one line costs the parser, in :attr:`MimeLimits.max_work` units (a boundary test is 1).
LINE_COST: Final = 3
#: Past this many lines, lines must average :data:`SHORT_LINE` bytes (see ``max_work``).
MANY_LINES: Final = 65_536
#: The shortest average line of a message of over :data:`MANY_LINES` lines.
SHORT_LINE: Final = 12


@dataclass(frozen=True, slots=True)
class MimeDefect:
    """Something odd in a received message, with a stable code.

    Attributes:
        code: kebab-case and stable: a ``limit-*`` code of :data:`LIMIT_CODES`,
            ``message-truncated``, ``parse-error``, ``boundary-repaired``.
        detail: what was found, in words (may quote sizes, never message text).
        offset: where in the (newline-normalised) bytes, or -1.
    """

    code: str
    detail: str = ""
    offset: int = -1

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class Prescan:
    """What one linear pass over a message's bytes found (see :func:`prescan`).

    In :attr:`ReadMessage.prescan`, a small message (up to 256 KiB) that a few counts over its
    whole text show to be within every limit is not scanned part by part: ``depth``,
    ``parts``, ``headers`` and ``work`` are then those counts, upper bounds of the scan's.

    Attributes:
        size: bytes scanned (after newline normalisation and truncation).
        depth: deepest MIME nesting seen (an upper bound: text that looks like a multipart
            header counts).
        parts: MIME parts seen (delimiter lines of declared boundaries).
        headers: header fields seen, in every header block.
        work: the parser's estimated work, in line tests.
        exceeded: the first limit passed, as a defect; None when within every limit.
        header_end: offset just past the top-level header block (the blank line).
        cut: where to stop parsing when a limit is passed: the end of the top-level header
            block, or the start of the top-level header field that passed a limit.
    """

    size: int
    depth: int
    parts: int
    headers: int
    work: int
    exceeded: MimeDefect | None
    header_end: int
    cut: int

    @property
    def over_limit(self) -> bool:
        """Whether a ``limit-*`` limit was passed."""
        return self.exceeded is not None


@dataclass(frozen=True, slots=True)
class ReadMessage:
    """A received message, parsed within the limits (see :func:`read_message`).

    Attributes:
        message: the parsed stdlib message; its headers only (possibly fewer of them) when a
            limit was passed or the body could not be parsed.
        defects: the reader's defects (limits, parse errors, repairs), in order.
        prescan: the pre-scan, or None when a parsed ``Message`` was given.
    """

    message: Message
    defects: tuple[MimeDefect, ...]
    prescan: Prescan | None = None

    @property
    def over_limit(self) -> bool:
        """Whether a ``limit-*`` limit was passed (the body was not read)."""
        return any(d.code.startswith("limit-") for d in self.defects)

    @property
    def codes(self) -> tuple[str, ...]:
        """The defects' codes, in order."""
        return tuple(d.code for d in self.defects)


# what they are known as: the module that exports them (repr, pickle, the API reference)
for _cls in (MimeLimits, MimeDefect, Prescan, ReadMessage):
    _cls.__module__ = "mssc.mime"
