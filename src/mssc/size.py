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
from typing import Any, Final, Protocol

from mssc.attachments import Attachment
from mssc.errors import MessageTooLarge

__all__ = [
    "BASE64_LINE_LENGTH",
    "MAX_MESSAGE_BYTES",
    "PlannedMessage",
    "SupportsSizing",
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
        documents: the Ségur documents (``mssc.xdm.Document``) this message carries as
            ``IHE_XDM.zip`` and PDFs; they never leave each other.
    """

    index: int
    total: int
    subject: str
    attachments: tuple[Attachment, ...]
    size: int
    documents: tuple[Any, ...] = ()


def _suffixed(subject: str, index: int, total: int) -> str:
    return f"{subject} ({index}/{total})"


def pack_attachments(
    attachments: Sequence[Attachment],
    *,
    subject: str,
    limit: int,
    size_of: Callable[[Sequence[Attachment], str], int],
    units: Sequence[Sequence[Attachment]] | None = None,
) -> tuple[PlannedMessage, ...]:
    """Spread ``attachments`` over as few messages as a first-fit-decreasing packing finds.

    ``size_of(attachments, subject)`` must return the exact encoded size of one message. Every
    planned message is measured with its final subject, so each is under ``limit``. ``units``,
    when given, replaces ``attachments`` by groups that must travel together (an
    ``IHE_XDM.zip`` and its PDFs): each group goes whole into one message.

    Raises:
        MessageTooLarge: when one attachment (or group) cannot fit in a message alone.
    """
    groups = [tuple(u) for u in units] if units is not None else [(a,) for a in attachments]

    def flat(indices: Sequence[int]) -> list[Attachment]:
        return [a for j in sorted(indices) for a in groups[j]]

    every = range(len(groups))
    whole = size_of(flat(every), subject)
    if whole <= limit:
        return (PlannedMessage(1, 1, subject, tuple(flat(every)), whole),)
    digits = 1
    while True:
        widest = "9" * digits
        probe = _suffixed(subject, int(widest), int(widest))
        for g in groups:
            alone = size_of(list(g), probe)
            if alone > limit:
                what = (
                    f"the attachment {g[0].filename!r} alone"
                    if len(g) == 1
                    else "the attachments that travel together ("
                    + ", ".join(a.filename for a in g)
                    + ")"
                )
                raise too_large(alone, limit, list(g), what=what)
        weight = [sum(len(a.content) for a in g) for g in groups]
        order = sorted(every, key=lambda i: weight[i], reverse=True)
        bins: list[list[int]] = []
        for i in order:
            for b in bins:
                if size_of(flat([*b, i]), probe) <= limit:
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
            chosen = flat(b)
            final_subject = _suffixed(subject, n, total)
            size = size_of(chosen, final_subject)
            plans.append(PlannedMessage(n, total, final_subject, tuple(chosen), size))
        return tuple(plans)


class SupportsSizing(Protocol):
    """What :func:`estimate_size` and :func:`plan_split` need: a composer
    (:class:`mssc.compose.Composer`), named structurally so that this module never imports
    :mod:`mssc.compose`."""

    def estimate_size(self, *args: Any, **kwargs: Any) -> int:
        """The exact encoded size of a draft."""
        ...  # pragma: no cover - protocol

    def plan_split(self, *args: Any, **kwargs: Any) -> tuple[PlannedMessage, ...]:
        """The split plan of a draft."""
        ...  # pragma: no cover - protocol


def estimate_size(composer: SupportsSizing, *draft: Any, **compose_arguments: Any) -> int:
    """Return the exact ``len(to_bytes())`` that ``composer.compose(...)`` would produce for
    the same :class:`~mssc.compose.Draft` or keywords, without encoding any attachment. Same as
    :meth:`Composer.estimate_size <mssc.compose.Composer.estimate_size>`.
    """
    return composer.estimate_size(*draft, **compose_arguments)


def plan_split(
    composer: SupportsSizing, *draft: Any, **compose_arguments: Any
) -> tuple[PlannedMessage, ...]:
    """Plan how to spread the attachments of a too-large message over several messages.

    Same as :meth:`Composer.plan_split <mssc.compose.Composer.plan_split>`.
    """
    return composer.plan_split(*draft, **compose_arguments)
