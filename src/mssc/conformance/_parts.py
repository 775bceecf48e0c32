"""The part splitter: the body of a parsed message as its text parts and its attachments.

A ``multipart/signed`` is read as the part it signs (the signature is no attachment), and a
``multipart/related`` as its root part (an HTML's inline images are its resources).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Final

__all__ = ["Parts", "all_parts", "children", "split_parts"]

# The signature part of a multipart/signed (S/MIME or OpenPGP): not a document for the patient.
_SIGNATURE_TYPES: Final = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)

Leaf = tuple[str, Message, bool]


@dataclass
class Parts:
    """The body of a message split into body text parts and attachments."""

    structure_ok: bool = True
    structure: str = ""
    texts: list[tuple[str, Message]] = field(default_factory=list)
    attachments: list[tuple[str, Message]] = field(default_factory=list)
    #: Paths of the non-root parts of a multipart/related (images an HTML part shows inline).
    inline: set[str] = field(default_factory=set)


def children(part: Message) -> list[Message]:
    """The sub-parts of a multipart part (empty for a leaf)."""
    payload = part.get_payload() if part.is_multipart() else None
    if not isinstance(payload, list):
        return []
    return [p for p in payload if isinstance(p, Message)]


def _join(path: str, i: int) -> str:
    return f"{path}.{i}" if path else str(i)


def all_parts(msg: Message) -> Iterator[tuple[str, Message]]:
    """Every part under ``msg`` with its place (``part 1.2``), depth first."""

    def walk(part: Message, path: str) -> Iterator[tuple[str, Message]]:
        for i, sub in enumerate(children(part), 1):
            where = _join(path, i)
            yield f"part {where}", sub
            yield from walk(sub, where)

    yield from walk(msg, "")


def _related_root(part: Message, kids: list[Message]) -> int:
    """The index of the root of a multipart/related: the ``start`` part, else the first."""
    start = part.get_param("start")
    if isinstance(start, str) and start.strip():
        for i, child in enumerate(kids):
            if (child.get("Content-ID") or "").strip() == start.strip():
                return i
    return 0


def _leaves(part: Message, path: str, inline: bool = False) -> Iterator[Leaf]:
    """The leaf parts under ``part``, each with whether it is an inline resource of an HTML.

    An attached message (``message/rfc822``…) is one leaf: a file, whatever it holds.
    """
    if not part.is_multipart() or part.get_content_maintype() == "message":
        yield path or "1", part, inline
        return
    kids = children(part)
    ctype = part.get_content_type()
    root = _related_root(part, kids) if ctype == "multipart/related" else -1
    for i, sub in enumerate(kids):
        if ctype == "multipart/signed" and i > 0 and sub.get_content_type() in _SIGNATURE_TYPES:
            continue  # the signature of the part before it: not a document
        yield from _leaves(sub, _join(path, i + 1), inline or (root >= 0 and i != root))


def split_parts(msg: Message, filename: Callable[[Message], str]) -> Parts:
    """Split the body of ``msg`` into its text and its attachments.

    ``filename`` gives the file name of a part ("" when it has none): a text part with a name
    is an attachment.
    """
    parts = Parts()

    def is_attachment(part: Message) -> bool:
        disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
        return disposition == "attachment" or bool(filename(part))

    def file(leaves: Iterator[Leaf], text_is_body: bool) -> None:
        for where, leaf, inline in leaves:
            if inline:
                parts.inline.add(where)
            if text_is_body and leaf.get_content_maintype() == "text" and not is_attachment(leaf):
                parts.texts.append((where, leaf))
            else:
                parts.attachments.append((where, leaf))

    def body_of(part: Message, path: str) -> bool:
        t = part.get_content_type()
        kids = children(part)
        if t == "text/plain" and not is_attachment(part):
            parts.texts.append((path or "1", part))
            return True
        if t == "multipart/alternative":
            file(_leaves(part, path), True)
            return any(c.get_content_type() == "text/plain" for c in kids)
        if t in ("multipart/signed", "multipart/related") and kids:
            root = _related_root(part, kids) if t == "multipart/related" else 0
            ok = body_of(kids[root], _join(path, root + 1))
            for i, child in enumerate(kids):
                if i == root:
                    continue
                if t == "multipart/signed" and child.get_content_type() in _SIGNATURE_TYPES:
                    continue
                file(_leaves(child, _join(path, i + 1), t == "multipart/related"), not ok)
            return ok
        return False

    def split(msg: Message, path: str) -> None:
        ctype = msg.get_content_type()
        parts.structure = ctype
        kids = children(msg)
        if ctype == "multipart/signed" and kids:
            split(kids[0], _join(path, 1))
            for i, child in enumerate(kids[1:], 2):
                if child.get_content_type() not in _SIGNATURE_TYPES:
                    file(_leaves(child, _join(path, i)), False)
            return
        if ctype == "multipart/mixed":
            if not kids:
                parts.structure_ok = False
                return
            first = kids[0]
            parts.structure = f"multipart/mixed starting with {first.get_content_type()}"
            texts, attachments = len(parts.texts), len(parts.attachments)
            parts.structure_ok = body_of(first, _join(path, 1))
            if not parts.structure_ok:
                del parts.texts[texts:], parts.attachments[attachments:]
                # Once the structure is wrong, inline text is body text, not a nameless file.
                file(_leaves(first, _join(path, 1)), True)
            for i, child in enumerate(kids[1:], 2):
                file(_leaves(child, _join(path, i)), not parts.structure_ok)
            return
        parts.structure_ok = body_of(msg, path)
        if not parts.structure_ok:
            parts.texts.clear()
            parts.attachments.clear()
            file(_leaves(msg, path), True)

    split(msg, "")
    return parts
