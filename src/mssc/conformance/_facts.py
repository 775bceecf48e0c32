"""The facts every rule reads: one parse of the message, and views of it computed once, lazily.

No rule re-parses or rescans the whole message: the header fields (as written and decoded),
the addresses, the part list, the decoded payloads, the file names and the attachment verdicts
are each computed on first use and shared. Every view costs time linear in the message, and
the stdlib's header parser (quadratic on some hostile values) only ever sees short address
pieces, within a budget per message.
"""

from __future__ import annotations

import re
from dataclasses import replace
from email import policy as email_policy
from email.headerregistry import Address
from email.message import Message
from functools import cached_property
from typing import Final

from mssc.attachments import AttachmentPolicy, AttachmentVerdict, _inline_verdict
from mssc.conformance import _read
from mssc.conformance._model import Direction
from mssc.conformance._parts import Parts, all_parts, split_parts

__all__ = ["ADDRESS_BUDGET", "MAX_MAILBOX_CHARS", "Facts", "split_address_list"]

#: The longest mailbox (display name and address) handed to the stdlib address parser; a
#: longer one is read as unreadable (an address has at most 254).
MAX_MAILBOX_CHARS: Final = 320
#: The address text handed to the stdlib address parser for one message, counting each
#: mailbox's characters plus 32 (the parser costs ~20 µs per character on some hostile values,
#: and is slow per mailbox). ``From`` and ``Sender`` each have their own share, so that hostile
#: recipients cannot hide the sender; the other address headers share the rest. Past a share,
#: the checker reports ``limit-work``.
ADDRESS_BUDGET: Final = 16_384
_OWN_SHARE: Final = {"from": 2_048, "sender": 2_048}
_SHARED: Final = "*"
_PER_MAILBOX: Final = 32
#: A mailbox with more comments than this is read as unreadable (the parser is quadratic in them).
_MAX_COMMENTS: Final = 8

_BOX_KINDS: Final = frozenset({"PER", "ORG", "APP"})
# Local parts that announce an automatic, unattended (applicative) box.
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|ne-?pas-?repondre|nepasrepondre)\b", re.I)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def split_address_list(value: str) -> list[str]:
    """Split an address-list value into its mailbox texts, in one linear pass.

    Commas separate mailboxes outside quoted strings, comments, angle brackets and domain
    literals; a group's name (``patients:``) and its closing ``;`` are dropped, so group members
    come out as mailboxes. Empty pieces are left out.

    >>> split_address_list('"Martin, M." <m@x.fr>, grp: a@x.fr, b@x.fr;, (c, d) e@x.fr')
    ['"Martin, M." <m@x.fr>', 'a@x.fr', 'b@x.fr', '(c, d) e@x.fr']
    """
    pieces: list[str] = []
    start = 0
    quoted = escaped = angle = literal = False
    comment = 0
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\" and (quoted or comment):
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif comment:
            comment += {"(": 1, ")": -1}.get(ch, 0)
        elif ch == '"':
            quoted = True
        elif ch == "(":
            comment = 1
        elif angle:
            angle = ch != ">"
        elif literal:
            literal = ch != "]"
        elif ch == "<":
            angle = True
        elif ch == "[":
            literal = True
        elif ch in ",;:":
            if ch != ":":
                pieces.append(value[start:i])
            start = i + 1  # a group name before ":" is dropped
    pieces.append(value[start:])
    return [p.strip() for p in pieces if p.strip()]


class Facts:
    """One message as the rules see it: the parse, and shared views of it.

    Attributes:
        raw: the exact bytes checked.
        message: the one parse (``compat32``).
        direction: the direction the message is checked for.
        sender_kind: ``PER``, ``ORG``, ``APP`` or None.
        policy: the attachment whitelist.
        max_size: the size limit of MSSC021.
        reader_defects: the reader's defects that did not stop the reading
            (``boundary-repaired`` …).
        over_budget: set when an address budget ran out (the checker reports ``limit-work``).
    """

    def __init__(
        self,
        raw: bytes,
        message: Message,
        *,
        direction: Direction,
        sender_kind: str | None,
        policy: AttachmentPolicy,
        max_size: int,
        reader_defects: tuple[str, ...] = (),
    ) -> None:
        self.raw = raw
        self.message = message
        self.direction = direction
        self.sender_kind = sender_kind
        self.policy = policy
        self.max_size = max_size
        self.reader_defects = reader_defects
        self.over_budget = False
        self._budgets = {_SHARED: ADDRESS_BUDGET - sum(_OWN_SHARE.values()), **_OWN_SHARE}
        self._addresses: dict[str, list[Address]] = {}
        self._payloads: dict[int, bytes] = {}
        self._filenames: dict[int, str] = {}

    # -- header section ----------------------------------------------------------------------

    @cached_property
    def head(self) -> bytes:
        """The raw header section (up to the first empty line)."""
        match = _HEADER_END.search(self.raw)
        return self.raw[: match.start()] if match else self.raw

    @cached_property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """The top-level header fields as written: (name, value unfolded, not decoded)."""
        return tuple((k, _FOLD.sub("", str(v))) for k, v in self.message.raw_items())

    @cached_property
    def _raw_index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name, value in self.fields:
            index.setdefault(name.lower(), []).append(value)
        return index

    @cached_property
    def decoded_fields(self) -> tuple[tuple[str, str], ...]:
        """The top-level header fields with RFC 2047 encoded words decoded."""
        return tuple((k, _read.decode_words(v)) for k, v in self.fields)

    @cached_property
    def _decoded_index(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name, value in self.decoded_fields:
            index.setdefault(name.lower(), []).append(value)
        return index

    def raw_values(self, name: str) -> list[str]:
        """The values of header ``name`` as written (unfolded, not decoded, ends stripped)."""
        return [v.strip() for v in self._raw_index.get(name.lower(), ())]

    def values(self, name: str) -> list[str]:
        """The values of header ``name``, decoded (leading white space removed)."""
        return [v.lstrip() for v in self._decoded_index.get(name.lower(), ())]

    def first(self, name: str) -> str | None:
        """The first decoded value of header ``name``, or None."""
        found = self._decoded_index.get(name.lower())
        return found[0].lstrip() if found else None

    def count(self, name: str) -> int:
        """How many times header ``name`` occurs."""
        return len(self._raw_index.get(name.lower(), ()))

    # -- addresses ---------------------------------------------------------------------------

    def addresses_in(self, value: str, name: str = "") -> list[Address]:
        """The mailboxes of one address-list value (groups flattened); broken ones skipped.

        ``name`` is the header the value comes from (``From`` and ``Sender`` have their own
        share of the budget; the other headers share the rest).
        """
        found: list[Address] = []
        share = name.lower() if name.lower() in _OWN_SHARE else _SHARED
        budget = self._budgets[share]
        for piece in split_address_list(value):
            if len(piece) > MAX_MAILBOX_CHARS or piece.count("(") > _MAX_COMMENTS:
                continue
            if len(piece) + _PER_MAILBOX > budget:
                self.over_budget = True
                break
            budget -= len(piece) + _PER_MAILBOX
            try:
                header = email_policy.default.header_factory("To", piece)
                found.extend(getattr(header, "addresses", ()))
            except Exception:  # the stdlib address parser fails on some hostile values
                continue
        self._budgets[share] = budget
        return found

    def addresses(self, name: str) -> list[Address]:
        """The mailboxes of every ``name`` header (groups flattened); broken ones skipped."""
        key = name.lower()
        if key not in self._addresses:
            self._addresses[key] = [
                a for v in self.raw_values(name) for a in self.addresses_in(v, name)
            ]
        return self._addresses[key]

    @cached_property
    def from_address(self) -> Address | None:
        """The one From mailbox, or None when From does not hold exactly one."""
        addrs = self.addresses("From")
        return addrs[0] if len(addrs) == 1 else None

    def kind(self, addr: Address | None) -> str | None:
        """The sending box kind: as given, else APP for a ``noreply``-like local part."""
        if self.sender_kind is not None:
            return self.sender_kind
        if addr is not None and _NO_REPLY.match(addr.username):
            return "APP"
        return None

    # -- body --------------------------------------------------------------------------------

    @cached_property
    def parts(self) -> Parts:
        """The body split into text parts and attachments."""
        return split_parts(self.message, self.filename)

    @cached_property
    def all_parts(self) -> tuple[tuple[str, Message], ...]:
        """The message and every part under it, with its place."""
        return (("message", self.message), *all_parts(self.message))

    def payload(self, part: Message) -> bytes:
        """The decoded content of ``part`` (b"" when it cannot be decoded)."""
        key = id(part)
        if key not in self._payloads:
            try:
                payload = part.get_payload(decode=True)
            except Exception:  # pragma: no cover - defensive: the stdlib decoder is lenient
                payload = b""
            self._payloads[key] = payload if isinstance(payload, bytes) else b""
        return self._payloads[key]

    def filename(self, part: Message) -> str:
        """The file name of ``part`` ("" when it has none)."""
        key = id(part)
        if key not in self._filenames:
            self._filenames[key] = _read.filename(part)
        return self._filenames[key]

    def label(self, where: str, part: Message) -> str:
        """The place of ``part`` for a finding: ``part 2 (cr.pdf)``."""
        name = self.filename(part)
        return f"part {where} ({name})" if name else f"part {where}"

    def verdict(self, where: str, part: Message) -> AttachmentVerdict:
        """The whitelist's verdict on attachment ``part`` (an HTML's nameless inline resource is
        judged by its bytes and declared type only).

        A part that gives itself several names (``filename`` and ``filename*`` that disagree)
        is judged under each, and the strictest verdict wins: a mail client may show any of
        them. When each name alone passes, the disagreement itself is refused
        (``bad-filename``).
        """
        name = self.filename(part)
        content, declared = self.payload(part), part.get_content_type()
        if where in self.parts.inline and not name:
            return _inline_verdict(self.policy, content, declared)
        verdict = self.policy.verdict(name, content, declared)
        names = _read.filenames(part)
        if not verdict.accepted or len(names) < 2:
            return verdict
        shown = " and ".join(repr(n) for n in names[:4])
        for other in names:
            refused = self.policy.verdict(other, content, declared)
            if not refused.accepted:
                return replace(refused, reason=f"named both {shown}: {refused.reason}")
        return AttachmentVerdict(
            accepted=False,
            media_type=verdict.media_type,
            code="bad-filename",
            reason=f"the part is named both {shown}; mail clients differ on which they show",
        )


def normalise_kind(kind: object) -> str | None:
    """``PER``/``ORG``/``APP`` from a str or a ``BoxKind``; None stays None.

    Raises:
        ValueError: for any other kind.
    """
    if kind is None:
        return None
    value = str(getattr(kind, "value", kind)).upper()
    if value not in _BOX_KINDS:
        raise ValueError(f"sender_kind must be one of PER, ORG, APP (or a BoxKind), not {kind!r}")
    return value
