"""The adapter between :func:`~mssc.conformance.check` and the bounded reader (:mod:`mssc.mime`).

``check`` reads a message once, here, and every rule reads that one parse. What the checker
needs of the reader is three things: the parse (a ``compat32`` message, whose header values are
plain strings that no rule can make the stdlib re-parse), the reader defects (the ``limit-*``
limits the message crossed stop the reading), and two linear helpers (RFC 2047 decoding, file
names with RFC 2231 sections joined).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.policy import compat32
from typing import Final

from mssc import mime

__all__ = [
    "MAX_MIME_DEPTH",
    "Reading",
    "decode_words",
    "filename",
    "filenames",
    "mime_depth",
    "read",
]

#: The deepest MIME nesting :func:`~mssc.conformance.check` reads by default
#: (``mssc.mime.DEFAULT_LIMITS.max_depth``).
MAX_MIME_DEPTH: Final = mime.DEFAULT_LIMITS.max_depth

#: Reader defects that stop the checking like a limit: the body could not be parsed.
_STOPS: Final = frozenset({"parse-error"})


@dataclass(frozen=True, slots=True)
class Reading:
    """One read of a message.

    Attributes:
        message: the parse (``compat32``); headers only when the reading stopped.
        stops: the reader defects that stopped the reading (``limit-depth`` …,
            ``parse-error``); when there is one, the message is not checked further.
        defects: the reader's other defects (``boundary-repaired`` …).
    """

    message: Message
    stops: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()


def mime_depth(raw: bytes) -> int:
    """Return how deep MIME parts nest in ``raw`` (0 for a single-part message), as the
    reader's linear pre-scan measures it (:func:`mssc.mime.prescan`; it stops counting past
    its limits)."""
    return mime.prescan(raw).depth


def read(raw: bytes, limits: mime.MimeLimits = mime.DEFAULT_LIMITS) -> Reading:
    """Read ``raw`` once within ``limits``. Never raises on content."""
    result = mime.read_message(raw, limits=limits, policy=compat32)
    stops = tuple(d.code for d in result.defects if d.code.startswith("limit-") or d.code in _STOPS)
    others = tuple(d.code for d in result.defects if d.code not in stops)
    return Reading(result.message, stops, others)


def decode_words(value: str) -> str:
    """Decode the RFC 2047 encoded words of an unfolded value (linear; never raises).

    White space around the value is kept as written: a subject ``[FIN] `` is not ``[FIN]``.
    """
    if "=?" not in value:
        return value
    core = value.strip()
    if not core:
        return value
    start = value.index(core[0])
    return value[:start] + mime.decode_words(core) + value[start + len(core) :]


def filename(part: Message) -> str:
    """The file name of ``part`` as a mail client shows it ("" when it has none)."""
    name = mime.param(part, "filename", "content-disposition") or mime.param(part, "name")
    if not name:
        return ""
    return mime.decode_words(name) if "=?" in name else name


def filenames(part: Message) -> tuple[str, ...]:
    """Every distinct file name ``part`` gives itself (``filename*`` and ``filename``, else
    ``name*`` and ``name``), decoded; see :func:`mssc.mime.filenames`. Never raises."""
    return mime.filenames(part)
