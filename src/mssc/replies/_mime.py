"""Bounded, never-raising helpers to read hostile inbound mail (shared with mssc.inbound).

Everything here works on the stdlib ``compat32`` :class:`email.message.Message` (the fastest
parser, and the one that keeps broken input readable). Every loop is bounded by
:class:`MimeLimits`; going past a limit adds a defect instead of doing more work.
"""

from __future__ import annotations

import email
import email.header
import email.parser
import email.utils
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

__all__ = ["MimeLimits"]


@dataclass(frozen=True, slots=True)
class MimeLimits:
    """Limits that bound the work spent on one inbound message.

    Attributes:
        max_message_bytes: input beyond this size is cut off before parsing (defect
            ``message-truncated``).
        max_depth: deepest MIME nesting that is walked (defect ``mime-depth-exceeded``).
        max_parts: most MIME parts that are looked at (defect ``mime-parts-exceeded``).
        max_part_bytes: largest decoded part that is kept (defect ``part-too-large``).
        max_decoded_bytes: total decoded bytes kept for one message (defect
            ``decoded-size-exceeded``).
        max_text_chars: characters of any one text part that the classifier reads.
    """

    max_message_bytes: int = 64 * 1024 * 1024
    max_depth: int = 16
    max_parts: int = 256
    max_part_bytes: int = 32 * 1024 * 1024
    max_decoded_bytes: int = 64 * 1024 * 1024
    max_text_chars: int = 256 * 1024

    def __post_init__(self) -> None:
        for name in (
            "max_message_bytes",
            "max_depth",
            "max_parts",
            "max_part_bytes",
            "max_decoded_bytes",
            "max_text_chars",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MimeLimits.{name} must be a positive int, got {value!r}")


DEFAULT_LIMITS = MimeLimits()

_PARTS_FACTOR = 4


def _cut_parts(data: bytes, limits: MimeLimits, defects: list[str]) -> bytes:
    """Cut ``data`` before the parser builds far more parts than :func:`walk` would look at.

    The stdlib parser builds every part of a multipart before any limit can apply, so a message
    made of millions of tiny parts would cost seconds. A part starts at a ``--boundary`` line:
    the input is cut at the ``max_parts * 4``-th line that begins with ``--`` (defect
    ``mime-parts-exceeded``). Ordinary mail is far below this bound.
    """
    bound = limits.max_parts * _PARTS_FACTOR
    if data.count(b"\n--", 0, None) <= bound:
        return data
    pos = -1
    for _ in range(bound + 1):
        pos = data.find(b"\n--", pos + 1)
    defects.append("mime-parts-exceeded")
    return data[: pos + 1]


def load_message(raw: object, limits: MimeLimits, defects: list[str]) -> Message:
    """Parse ``raw`` (bytes, str or Message) into a compat32 Message. Never raises on content.

    Raises:
        TypeError: when ``raw`` is none of bytes, bytearray, memoryview, str or Message.
    """
    if isinstance(raw, Message):
        return raw
    if isinstance(raw, str):
        data = raw.encode("utf-8", "surrogateescape")
    elif isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
    else:
        raise TypeError(f"expected bytes, str or email.message.Message, not {type(raw).__name__}")
    if len(data) > limits.max_message_bytes:
        data = data[: limits.max_message_bytes]
        defects.append("message-truncated")
    if b"\r" in data:
        # CRLF and lone CR both become LF (bytes.replace is far faster than a regex here)
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    data = _cut_parts(data, limits, defects)
    try:
        msg = email.message_from_bytes(data, policy=compat32)
        if any(type(d).__name__ == "StartBoundaryNotFoundDefect" for d in msg.defects[:5]):
            msg = _repair_boundary(data, msg, defects)
        return msg
    except (RecursionError, MemoryError):
        defects.append("mime-unparsable")
    except Exception:  # the stdlib parser is meant never to raise; be safe anyway
        defects.append("mime-unparsable")
    try:
        parsed: Message = email.parser.BytesParser(policy=compat32).parsebytes(
            data, headersonly=True
        )
    except Exception:
        return Message()
    return parsed


_DASH_LINE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*$", re.M)


def _repair_boundary(data: bytes, msg: Message, defects: list[str]) -> Message:
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
            defects.append("boundary-repaired")
            try:
                return email.message_from_bytes(head + data[head_end:], policy=compat32)
            except Exception:
                return msg
    return msg


def walk(
    msg: Message, limits: MimeLimits, defects: list[str]
) -> Iterator[tuple[Message, str, tuple[str, ...]]]:
    """Yield ``(part, content type, ancestor content types)`` depth-first, within the limits.

    ``message/rfc822`` parts are yielded but not entered (they are the returned original).
    """
    stack: list[tuple[Message, int, tuple[str, ...]]] = [(msg, 0, ())]
    count = 0
    while stack:
        part, depth, ancestors = stack.pop()
        count += 1
        if count > limits.max_parts:
            defects.append("mime-parts-exceeded")
            return
        ctype = content_type(part)
        yield part, ctype, ancestors
        if not part.is_multipart():
            continue
        if ctype.startswith("message/"):
            continue
        payload = part.get_payload()
        if not isinstance(payload, list):
            continue
        if depth + 1 > limits.max_depth:
            defects.append("mime-depth-exceeded")
            continue
        children = (*ancestors, ctype)
        # reversed so that the first child is walked first
        for child in reversed(payload[: limits.max_parts]):
            if isinstance(child, Message):
                stack.append((child, depth + 1, children))


def content_type(part: Message) -> str:
    """The lower-case content type, defaulting like the stdlib (never raises)."""
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def param(part: Message, name: str, header: str = "content-type") -> str | None:
    """A decoded MIME parameter (RFC 2231 aware), or None. Never raises.

    A header written with raw 8-bit bytes (RFC 6532 mail, or a careless client) is read as
    UTF-8 (else Latin-1) instead of the stdlib's replacement characters.
    """
    try:
        raw: object = part.get(header)
        if raw is None:
            return None
        if isinstance(raw, str) and name.lower() not in raw.lower():
            # every parameter name the stdlib reads is part of the header's text
            return None
        if type(raw) is str and type(part).get_param is Message.get_param:
            simple = _simple_param(raw, name)
            if simple is not None:
                return _unescape(simple)
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
    for m in _SIMPLE_PAIR.finditer(raw):
        if m.group(1).lower() == want:
            value = m.group(2)
            if len(value) > 1 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            return value
    return None


def _eight_bit_clone(part: Message, header: str) -> Message:
    """A headers-only copy of ``part`` with ``header``'s raw 8-bit value decoded to text."""
    clone = Message()
    for key, value in part.raw_items():
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


class Headers:
    """The top-level headers of a message, indexed by lower-case name for repeated lookups.

    ``get``, ``get_all`` and ``in`` answer exactly as the same methods of the message do
    (first value, every value in order, through the message's policy), but each costs one dict
    lookup instead of a scan of every header. A message whose class redefines those methods
    is asked directly.
    """

    __slots__ = ("_index", "_msg", "_policy")

    def __init__(self, msg: Message) -> None:
        self._msg = msg
        self._index: dict[str, list[tuple[str, str]]] | None = None
        cls = type(msg)
        if (
            cls.get is Message.get
            and cls.get_all is Message.get_all
            and cls.__contains__ is Message.__contains__
        ):
            try:
                index: dict[str, list[tuple[str, str]]] = {}
                for k, v in msg.raw_items():
                    index.setdefault(k.lower(), []).append((k, v))
                self._policy = msg.policy
                self._index = index
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
        return [fetch(k, v) for k, v in pairs]

    def __contains__(self, name: str) -> bool:
        if self._index is None:
            return name in self._msg
        return name.lower() in self._index


def _first(msg: Message | Headers, name: str) -> object:
    """The first ``name`` header as the message gives it, or None (also when reading fails)."""
    try:
        return msg.get(name)
    except Exception:
        return None


def header(msg: Message | Headers, name: str) -> str:
    """The first ``name`` header, RFC 2047-decoded and unfolded; ``""`` when absent."""
    value = _first(msg, name)
    if value is None:
        return ""
    if isinstance(value, email.header.Header):  # raw 8-bit header bytes
        try:
            chunks = email.header.decode_header(value)
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
    value = _first(msg, name)
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        try:
            text = str(value)
        except Exception:
            return ""
    else:
        text = str(value)
    if "\n" in text or "\r" in text:
        text = _FOLD.sub(" ", text)
    return _unescape(text).strip()


def header_all(msg: Message | Headers, name: str) -> list[str]:
    """Every ``name`` header, raw (not decoded)."""
    try:
        return [str(v) for v in msg.get_all(name, [])]
    except Exception:
        return []


_FOLD = re.compile(r"\r?\n[ \t]+|\r|\n")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words and unfold. Never raises."""
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
        parts = email.header.decode_header(value)
        out = []
        for chunk, charset in parts:
            if isinstance(chunk, bytes):
                out.append(bytes_to_str(chunk, charset))
            else:
                out.append(chunk)
        return "".join(out).strip()
    except Exception:
        return value.strip()


def bytes_to_str(data: bytes, charset: str | None) -> str:
    cs = (charset or "").strip().lower() or "ascii"
    if cs in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
        cs = "utf-8"
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
        data = part.get_payload(decode=True)
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


def _clone_with_payload(part: Message, payload: str) -> Message:
    clone = Message()
    for k, v in part.items():
        clone[k] = v
    clone.set_payload(payload)
    return clone


def part_text(part: Message, limits: MimeLimits, defects: list[str]) -> str:
    """The decoded text of a ``text/*`` leaf part, cut at ``max_text_chars``. Never raises."""
    data = payload_bytes(part, limits, defects)
    if len(data) > limits.max_text_chars * 4:
        data = data[: limits.max_text_chars * 4]
    text = bytes_to_str(data, param(part, "charset"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[: limits.max_text_chars]


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,2000}>", re.S | re.I)
_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}


def html_to_text(html: str) -> str:
    """A crude, bounded HTML-to-text conversion for phrase matching."""
    text = _TAGS.sub(" ", html)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return text


_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, strip accents, turn typographic quotes into ASCII, collapse white space."""
    if not text.isascii():
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
        # accents become their base letter; other non-ASCII (no phrase uses it) goes away
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


_ADDR = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})")


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


def bare_address(value: str) -> str:
    """The addr-spec of a header or DSN field value (display name, ``<>``, ``rfc822;`` gone)."""
    value = value.strip()
    simple = _SIMPLE_ADDR.fullmatch(value)
    if simple:
        return simple.group(1)
    if ";" in value[:12]:
        typ, _, rest = value.partition(";")
        if typ.strip().lower() in ("rfc822", "x400", "unknown", "utf-8", "x-local"):
            value = rest.strip()
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
