"""Exact size prediction, the 25 MB guard and the split planner.

Mon espace santé refuses a message larger than 25 Mo in total. Whether that means 25,000,000 or
26,214,400 octets, and whether it counts raw files or the encoded message, is not published, so
mssc takes the conservative reading: :data:`MAX_MESSAGE_BYTES` = 25,000,000 octets of the whole
encoded message, CRLF line ends included.

The size of a composed message is predicted exactly, without encoding any attachment: the MIME
skeleton is serialized with a short placeholder per attachment and each placeholder's length is
replaced by the arithmetic size of the base64 body (:func:`base64_body_size`).

>>> base64_body_size(57), base64_body_size(58)
(78, 84)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from mssc.attachments import Attachment
from mssc.errors import MessageTooLarge

if TYPE_CHECKING:
    from mssc.compose import Composer

__all__ = [
    "BASE64_LINE_LENGTH",
    "MAX_MESSAGE_BYTES",
    "PlannedMessage",
    "base64_body_size",
    "estimate_size",
    "largest_attachments",
    "plan_split",
    "too_large",
]

#: The default limit: 25,000,000 octets for the whole encoded message (CRLF line ends).
MAX_MESSAGE_BYTES: Final = 25_000_000
#: Characters of base64 per line (57 raw octets), as the stdlib writes them.
BASE64_LINE_LENGTH: Final = 76


def base64_body_size(raw_size: int) -> int:
    """Return the octets of a base64 body for ``raw_size`` raw octets: 76-character lines, each
    ended by CRLF (the last one too), exactly as mssc and the stdlib write it.
    """
    if raw_size < 0:
        raise ValueError("raw_size must not be negative")
    encoded = 4 * -(-raw_size // 3)
    lines = -(-encoded // BASE64_LINE_LENGTH)
    return encoded + 2 * lines


def largest_attachments(
    attachments: Sequence[Attachment], count: int = 3
) -> tuple[tuple[str, int], ...]:
    """Return up to ``count`` ``(filename, raw size)`` pairs, the biggest first."""
    ranked = sorted(attachments, key=lambda a: len(a.content), reverse=True)
    return tuple((a.filename, len(a.content)) for a in ranked[:count])


def too_large(
    size: int,
    limit: int,
    attachments: Sequence[Attachment],
    *,
    what: str = "the message",
    at_least: bool = False,
) -> MessageTooLarge:
    """Build the :class:`~mssc.errors.MessageTooLarge` error for a message of ``size`` octets
    (``at_least``: ``size`` is a lower bound, the base64 bodies alone).
    """
    largest = largest_attachments(attachments)
    names = ", ".join(f"{name} ({raw:,} octets)" for name, raw in largest)
    detail = f"; largest attachments: {names}" if names else ""
    return MessageTooLarge(
        f"{what} would be {'at least ' if at_least else ''}{size:,} octets once encoded, "
        f"over the limit of {limit:,}{detail}",
        size=size,
        limit=limit,
        largest=largest,
        hint="send fewer or smaller attachments, or spread them over several messages with "
        "Composer.plan_split() / compose_split()",
    )


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One message of a split plan.

    Attributes:
        index: 1-based position in the plan.
        total: number of messages in the plan.
        subject: the subject, with the ``(index/total)`` suffix when the plan has several messages.
        attachments: the attachments this message carries, in their original order.
        size: the exact encoded size of this message, in octets.
    """

    index: int
    total: int
    subject: str
    attachments: tuple[Attachment, ...]
    size: int


def _suffixed(subject: str, index: int, total: int) -> str:
    return f"{subject} ({index}/{total})"


def pack_attachments(
    attachments: Sequence[Attachment],
    *,
    subject: str,
    limit: int,
    size_of: Callable[[Sequence[Attachment], str], int],
) -> tuple[PlannedMessage, ...]:
    """Spread ``attachments`` over as few messages as a first-fit-decreasing packing finds.

    ``size_of(attachments, subject)`` must return the exact encoded size of one message. Every
    planned message is measured with its final subject, so each is under ``limit``.

    Raises:
        MessageTooLarge: when one attachment cannot fit in a message alone.
    """
    items = list(attachments)
    whole = size_of(items, subject)
    if whole <= limit:
        return (PlannedMessage(1, 1, subject, tuple(items), whole),)
    digits = 1
    while True:
        widest = "9" * digits
        probe = _suffixed(subject, int(widest), int(widest))
        for a in items:
            alone = size_of([a], probe)
            if alone > limit:
                raise too_large(alone, limit, [a], what=f"the attachment {a.filename!r} alone")
        order = sorted(range(len(items)), key=lambda i: len(items[i].content), reverse=True)
        bins: list[list[int]] = []
        for i in order:
            for b in bins:
                if size_of([items[j] for j in sorted([*b, i])], probe) <= limit:
                    b.append(i)
                    break
            else:
                bins.append([i])
        total = len(bins)
        if len(str(total)) > digits:
            digits = len(str(total))
            continue
        bins.sort(key=min)
        plans: list[PlannedMessage] = []
        for n, b in enumerate(bins, start=1):
            chosen = [items[j] for j in sorted(b)]
            final_subject = _suffixed(subject, n, total)
            size = size_of(chosen, final_subject)
            plans.append(PlannedMessage(n, total, final_subject, tuple(chosen), size))
        return tuple(plans)


def estimate_size(composer: Composer, **compose_arguments: Any) -> int:
    """Return the exact ``len(to_bytes())`` that ``composer.compose(**compose_arguments)`` would
    produce, without encoding any attachment. Same as :meth:`Composer.estimate_size`.
    """
    return composer.estimate_size(**compose_arguments)


def plan_split(composer: Composer, **compose_arguments: Any) -> tuple[PlannedMessage, ...]:
    """Plan how to spread the attachments of a too-large message over several messages.

    Same as :meth:`Composer.plan_split`.
    """
    return composer.plan_split(**compose_arguments)
