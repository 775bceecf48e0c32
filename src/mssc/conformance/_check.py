"""The conformance checker: :func:`check` runs every rule of the catalogue on one message."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy as email_policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser
from io import BytesIO
from typing import Final, Protocol, runtime_checkable

from mssc.addresses import (
    PATIENT_DOMAIN,
    TEST_RESPONDER,
    is_mssante_address,
    normalize_address,
    parse_patient_address,
)
from mssc.attachments import (
    DEFAULT_OUTBOUND_POLICY,
    INBOUND_POLICY,
    AttachmentPolicy,
    _inline_verdict,
)
from mssc.conformance._model import Direction, Finding, Report
from mssc.conformance._rules import RULES
from mssc.errors import HeaderInjection, InvalidAddress
from mssc.headers import contains_fin_word, parse_msg_id
from mssc.size import MAX_MESSAGE_BYTES

__all__ = ["MAX_MIME_DEPTH", "check", "mime_depth"]

#: The deepest MIME nesting :func:`check` parses. Deeper messages get one finding (MSSC034 or
#: MSSC044) and only their header rules run: the stdlib parser needs seconds, then its stack, for
#: the hundreds of levels a hostile message can have, and no mail client nests beyond a dozen.
MAX_MIME_DEPTH: Final = 50

_BOX_KINDS: Final = frozenset({"PER", "ORG", "APP"})

_COMMENT = re.compile(r"\([^()]*\)")
_MSG_ID_TOKEN = re.compile(r"<[^<>]*>")

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONG_LINE = re.compile(rb"[^\r\n]{999}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_BARE_LF = re.compile(rb"(?<!\r)\n")
_BARE_CR = re.compile(rb"\r(?!\n)")
# For mime_depth, on "\n" + the bytes (lower-cased for the header): each pattern starts with a
# literal, which the regex engine finds fast in a 25 MB message.
# A multipart Content-Type header line, folded continuation lines included.
_MULTIPART_HEADER = re.compile(
    rb"\ncontent-type:[ \t]*(?:\r?\n[ \t]+)*multipart/[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*"
)
_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]*)"|([^\s;"]+))', re.I)
_DELIMITER_LINE = re.compile(rb"\n--([^\r\n]*?)[ \t]*\r?(?=\n|\Z)")
# Recipient text that names a patient box, even where the stdlib address parser gives up.
_PATIENT_TOKEN = re.compile(r"[^\s<>,;:\"()\[\]@]+@patient\.mssante\.fr\b\.?", re.I)
# The signature part of a multipart/signed (S/MIME or OpenPGP): not a document for the patient.
_SIGNATURE_TYPES: Final = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)

_SINGLETONS: Final = (
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Subject",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Disposition-Notification-To",
    "X-MSS-NIL",
    "X-MSS-MES",
)
_RECIPIENT_HEADERS: Final = ("To", "Cc", "Bcc")

_TEST_WORD = re.compile(r"(?<![^\W_])TEST(?![^\W_])")
# Local parts that announce an automatic, unattended (applicative) box.
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|ne-?pas-?repondre|nepasrepondre)\b", re.I)
# A personal label: [Titre_]Prénom_NOM[_Entité] (Ref#2 ECO.2.2.7).
_UPPER_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '\-])*$")


@runtime_checkable
class _Composed(Protocol):
    """What :func:`check` needs of a :class:`mssc.compose.ComposedMessage`."""

    @property
    def message_id(self) -> str: ...

    def to_bytes(self) -> bytes: ...


@dataclass
class _Parts:
    """The body of a message split into body text parts and attachments."""

    structure_ok: bool = True
    structure: str = ""
    texts: list[tuple[str, Message]] = field(default_factory=list)
    attachments: list[tuple[str, Message]] = field(default_factory=list)
    #: Paths of the non-root parts of a multipart/related (images an HTML part shows inline).
    inline: set[str] = field(default_factory=set)


def _to_bytes(message: Message) -> bytes:
    """Serialize a stdlib message the way it would be sent: CRLF, no From_ mangling."""
    pol = message.policy.clone(linesep="\r\n")
    buf = BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=pol).flatten(message)
    return buf.getvalue()


def _header_values(msg: Message, name: str) -> list[str]:
    try:
        return [str(v) for v in (msg.get_all(name) or [])]
    except Exception:  # the stdlib header parser fails on some hostile values: use raw text
        wanted = name.lower()
        return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]


def _raw_values(msg: Message, name: str) -> list[str]:
    """The values of header ``name`` as written (unfolded, not decoded, ends stripped)."""
    wanted = name.lower()
    return [
        re.sub(r"\r?\n(?=[ \t])", "", str(v)).strip()
        for k, v in msg.raw_items()
        if k.lower() == wanted
    ]


def _first(msg: Message, name: str) -> str | None:
    values = _header_values(msg, name)
    return values[0] if values else None


def _addresses(msg: Message, name: str) -> list[Address]:
    """The mailboxes of an address header (groups flattened); broken entries are skipped."""
    found: list[Address] = []
    try:
        headers = msg.get_all(name) or []
    except Exception:  # the stdlib header parser fails on some hostile values
        return found
    for header in headers:
        try:
            found.extend(getattr(header, "addresses", ()))
        except Exception:  # pragma: no cover - defensive: the header parser is lenient
            continue
    return found


def _msg_ids(value: str) -> tuple[list[str], bool]:
    """Split a msg-id list; return the ids and whether the whole value is well formed."""
    text = _COMMENT.sub(" ", value)
    ids = _MSG_ID_TOKEN.findall(text)
    rest = _MSG_ID_TOKEN.sub(" ", text).strip()
    well_formed = bool(ids) and not rest and all(_is_msg_id(i) for i in ids)
    return ids, well_formed


def _is_msg_id(value: str) -> bool:
    """Whether ``value`` is one strict ``<left@right>`` msg-id (the rule mssc writes by)."""
    try:
        parse_msg_id(value)
    except HeaderInjection:
        return False
    return True


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment" or part.get_filename() is not None


def _children(part: Message) -> list[Message]:
    """The sub-parts of a multipart part (empty for a leaf)."""
    payload = part.get_payload() if part.is_multipart() else None
    if not isinstance(payload, list):
        return []
    return [p for p in payload if isinstance(p, Message)]


def _join(path: str, i: int) -> str:
    return f"{path}.{i}" if path else str(i)


def _related_root(part: Message, children: list[Message]) -> int:
    """The index of the root of a multipart/related: the ``start`` part, else the first."""
    start = part.get_param("start")
    if isinstance(start, str) and start.strip():
        for i, child in enumerate(children):
            if (child.get("Content-ID") or "").strip() == start.strip():
                return i
    return 0


def _leaves(part: Message, path: str, inline: bool = False) -> Iterator[tuple[str, Message, bool]]:
    """The leaf parts under ``part``, each with whether it is an inline resource of an HTML.

    An attached message (``message/rfc822``…) is one leaf: a file, whatever it holds.
    """
    if not part.is_multipart() or part.get_content_maintype() == "message":
        yield path or "1", part, inline
        return
    children = _children(part)
    ctype = part.get_content_type()
    root = _related_root(part, children) if ctype == "multipart/related" else -1
    for i, sub in enumerate(children):
        if ctype == "multipart/signed" and i > 0 and sub.get_content_type() in _SIGNATURE_TYPES:
            continue  # the signature of the part before it: not a document
        yield from _leaves(sub, _join(path, i + 1), inline or (root >= 0 and i != root))


def _split_parts(msg: Message) -> _Parts:
    """Split the body into its text and its attachments.

    A ``multipart/signed`` is read as the part it signs (the signature is no attachment), and a
    ``multipart/related`` as its root part (an HTML's inline images are its resources).
    """
    parts = _Parts()

    def file(leaves: Iterator[tuple[str, Message, bool]], text_is_body: bool) -> None:
        for where, leaf, inline in leaves:
            if inline:
                parts.inline.add(where)
            if text_is_body and leaf.get_content_maintype() == "text" and not _is_attachment(leaf):
                parts.texts.append((where, leaf))
            else:
                parts.attachments.append((where, leaf))

    def body_of(part: Message, path: str) -> bool:
        t = part.get_content_type()
        children = _children(part)
        if t == "text/plain" and not _is_attachment(part):
            parts.texts.append((path or "1", part))
            return True
        if t == "multipart/alternative":
            file(_leaves(part, path), True)
            return any(c.get_content_type() == "text/plain" for c in children)
        if t in ("multipart/signed", "multipart/related") and children:
            root = _related_root(part, children) if t == "multipart/related" else 0
            ok = body_of(children[root], _join(path, root + 1))
            for i, child in enumerate(children):
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
        children = _children(msg)
        if ctype == "multipart/signed" and children:
            split(children[0], _join(path, 1))
            for i, child in enumerate(children[1:], 2):
                if child.get_content_type() not in _SIGNATURE_TYPES:
                    file(_leaves(child, _join(path, i)), False)
            return
        if ctype == "multipart/mixed":
            if not children:
                parts.structure_ok = False
                return
            first = children[0]
            parts.structure = f"multipart/mixed starting with {first.get_content_type()}"
            texts, attachments = len(parts.texts), len(parts.attachments)
            parts.structure_ok = body_of(first, _join(path, 1))
            if not parts.structure_ok:
                del parts.texts[texts:], parts.attachments[attachments:]
                # Once the structure is wrong, inline text is body text, not a nameless file.
                file(_leaves(first, _join(path, 1)), True)
            for i, child in enumerate(children[1:], 2):
                file(_leaves(child, _join(path, i)), not parts.structure_ok)
            return
        parts.structure_ok = body_of(msg, path)
        if not parts.structure_ok:
            parts.texts.clear()
            parts.attachments.clear()
            file(_leaves(msg, path), True)

    split(msg, "")
    return parts


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


def _decoded(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # pragma: no cover - defensive: the stdlib decoder is lenient
        return b""
    return payload if isinstance(payload, bytes) else b""


def _part_label(where: str, part: Message) -> str:
    name = part.get_filename()
    return f"part {where} ({name})" if name else f"part {where}"


class _Checker:
    """Runs the rules over one parsed message and collects findings."""

    def __init__(
        self,
        raw: bytes,
        msg: Message,
        *,
        sender_kind: str | None,
        policy: AttachmentPolicy,
        max_size: int,
        body_readable: bool = True,
    ) -> None:
        self.raw = raw
        self.body_readable = body_readable
        self.msg = msg
        self.sender_kind = sender_kind
        self.policy = policy
        self.max_size = max_size
        self.findings: list[Finding] = []

    def add(self, code: str, message: str, *, hint: str = "", where: str = "") -> None:
        self.findings.append(RULES[code].finding(message, hint=hint, where=where))

    def guarded(self, code: str, step: Callable[[], None]) -> None:
        """Run one group of rules; a parser failure on hostile input becomes finding ``code``.

        The stdlib ``email`` package raises on some malformed values (e.g. ``IndexError`` in
        its address parser). A checker must not crash on them, nor pass them silently.
        """
        try:
            step()
        except Exception as exc:
            name = getattr(step, "__name__", "rules").strip("_").replace("_", " ")
            self.add(
                code,
                f"the {name} rules could not read the message ({type(exc).__name__})",
                hint="the message is malformed beyond what mail software reads reliably; "
                "rebuild it with a standard library",
            )

    # -- outgoing ---------------------------------------------------------------------------

    def outgoing(self) -> None:
        self.guarded("MSSC035", self._outgoing)

    def _outgoing(self) -> None:
        # An unreadable body (too deep to parse) has one finding already: only headers are read.
        parts = _split_parts(self.msg) if self.body_readable else _Parts()
        for step in (
            self._message_id,
            self._threading,
            self._recipients,
            self._sender,
            self._mss_headers,
            self._receipt,
            self._subject,
            self._return_address,
            self._rfc5322,
            self._date,
        ):
            self.guarded("MSSC035", step)
        self.guarded("MSSC035", lambda: self._test_message(parts))
        if self.body_readable:
            self.guarded("MSSC035", self._mime_defects)
            self.guarded("MSSC035", lambda: self._body(parts))
            self.guarded(
                "MSSC035",
                lambda: self._attachments(parts, self.policy, ("MSSC018", "MSSC019", "MSSC020")),
            )
            # Ségur documents (MSSC050-057): checks in _documents.py, hooked here.
            self.guarded("MSSC035", lambda: self.findings.extend(_document_findings(self, parts)))
        if len(self.raw) > self.max_size:
            self.add(
                "MSSC021",
                f"the message is {len(self.raw):,} octets, over the limit of {self.max_size:,}",
                hint="send fewer or smaller attachments, or split them over several messages",
            )

    def _message_id(self) -> None:
        value = _first(self.msg, "Message-ID")
        if value is None or not value.strip():
            self.add(
                "MSSC001",
                "the message has no Message-ID",
                hint="add a Message-ID on the sender's domain, such as <uuid@hopital.mssante.fr>",
                where="header:Message-ID",
            )
            return
        if not _is_msg_id(_COMMENT.sub(" ", value).strip()):  # CFWS may surround a msg-id
            self.add(
                "MSSC002",
                f"the Message-ID {value.strip()!r} is not one strict <left@right> msg-id",
                hint="generate ids like <random@sender-domain>, angle brackets included",
                where="header:Message-ID",
            )

    def _threading(self) -> None:
        irt = _first(self.msg, "In-Reply-To")
        refs = _first(self.msg, "References")
        irt_ids: list[str] = []
        if irt is not None:
            irt_ids, ok = _msg_ids(irt)
            if not ok:
                self.add(
                    "MSSC003",
                    f"In-Reply-To {irt.strip()!r} is not a list of well-formed msg-ids",
                    hint="copy the parent's Message-ID as is, angle brackets included",
                    where="header:In-Reply-To",
                )
        ref_ids: list[str] = []
        if refs is not None:
            ref_ids, ok = _msg_ids(refs)
            if not ok:
                self.add(
                    "MSSC005",
                    f"References {refs.strip()[:200]!r} is not a list of well-formed msg-ids",
                    hint="References is the parent's References plus the parent's Message-ID",
                    where="header:References",
                )
        if irt is None or not irt_ids:
            return
        if refs is None:
            self.add(
                "MSSC004",
                "the message is a reply (In-Reply-To) but has no References",
                hint="set References to the parent's References followed by its Message-ID",
                where="header:References",
            )
        elif not ref_ids or ref_ids[-1] not in irt_ids:
            last = ref_ids[-1] if ref_ids else "nothing"
            self.add(
                "MSSC004",
                f"References ends with {last}, not with the In-Reply-To id {irt_ids[-1]}",
                hint="References must end with the parent's Message-ID (RFC 5322 §3.6.4)",
                where="header:References",
            )

    def _recipients(self) -> None:
        patients: dict[str, str] = {}
        to_responder = False
        for name in _RECIPIENT_HEADERS:
            specs = [a.addr_spec for a in _addresses(self.msg, name)]
            # The stdlib parser drops what it cannot read ("a@x b@y", "a@x; b@y") while a
            # server may still deliver it: patient addresses in the raw text count too.
            for value in _raw_values(self.msg, name):
                specs.extend(m.group(0) for m in _PATIENT_TOKEN.finditer(value))
            seen: set[str] = set()
            for spec in specs:
                local, _, domain = spec.rpartition("@")
                domain = domain.lower().rstrip(".")  # servers drop an FQDN's final dot
                if domain != PATIENT_DOMAIN or f"{local}@{domain}".lower() in seen:
                    continue
                seen.add(f"{local}@{domain}".lower())
                spec = f"{local}@{domain}"
                if spec.lower() == TEST_RESPONDER:
                    to_responder = True
                    continue
                try:
                    ins = parse_patient_address(spec)
                except InvalidAddress as exc:
                    self.add(
                        "MSSC009",
                        f"{spec!r} is not a valid patient address: {exc.message}",
                        hint=exc.hint or "build the address from the patient's qualified INS",
                        where=f"header:{name}",
                    )
                    continue
                patients.setdefault(ins.matricule, name)
        if len(patients) > 1:
            self.add(
                "MSSC010",
                f"the message goes to {len(patients)} patients "
                f"({', '.join(sorted(patients))}); each would see the others' addresses",
                hint="send one message per patient",
                where="header:" + "/".join(sorted(set(patients.values()))),
            )
        if (
            not patients
            and not to_responder
            and not any(f.code == "MSSC009" for f in self.findings)
        ):
            self.add(
                "MSSC011",
                f"no recipient is a patient address (@{PATIENT_DOMAIN}) or the TEST responder",
                hint="address the message to the patient's MSS-C address, built from the INS",
                where="header:To",
            )

    def _from_address(self) -> Address | None:
        addrs = _addresses(self.msg, "From")
        if len(addrs) != 1:
            return None
        return addrs[0]

    def _sender(self) -> None:
        addr = self._from_address()
        if addr is None or not addr.addr_spec or "@" not in addr.addr_spec:
            self.add(
                "MSSC012",
                "the From header is missing or does not hold exactly one address",
                hint="set From to the sending MSSanté box, with its label as display name",
                where="header:From",
            )
            return
        if not is_mssante_address(addr.addr_spec):
            self.add(
                "MSSC012",
                f"the sender {addr.addr_spec!r} is not an MSSanté address (*.mssante.fr)",
                hint="send from a personal, organisational or applicative MSSanté box",
                where="header:From",
            )
        label = addr.display_name.strip()
        if not label or label.lower() in {addr.addr_spec.lower(), addr.username.lower()}:
            self.add(
                "MSSC013",
                f"the sender {addr.addr_spec!r} has no meaningful display name",
                hint="use the box label, e.g. Dr_Marie_MARTIN_Cabinet (personal) or the "
                "service name (organisational, applicative)",
                where="header:From",
            )
            return
        kind = self._kind(addr)
        if kind == "PER" or (kind is None and "_" in label):
            problem = _personal_label_problem(label)
            if problem:
                self.add(
                    "MSSC014",
                    f"the personal label {label!r} {problem}",
                    hint="write <Titre>_<Prénom>_<NOM>_<Entité> with underscores, NOM in capitals;"
                    " only Prénom and NOM are required",
                    where="header:From",
                )

    def _kind(self, addr: Address | None) -> str | None:
        if self.sender_kind is not None:
            return self.sender_kind
        if addr is not None and _NO_REPLY.match(addr.username):
            return "APP"
        return None

    def _mss_headers(self) -> None:
        # The raw value: MES matches the three capitals, an encoded word =?…?FIN?= is not FIN.
        for value in _raw_values(self.msg, "X-MSS-MES"):
            if value != "FIN":
                self.add(
                    "MSSC015",
                    f"X-MSS-MES is {value!r}; the only value is FIN",
                    hint="write exactly 'X-MSS-MES: FIN' to close, or leave the header out",
                    where="header:X-MSS-MES",
                )
            else:
                self.add(
                    "MSSC025",
                    "X-MSS-MES: FIN closes the conversation: the patient cannot reply",
                    where="header:X-MSS-MES",
                )
        nil = _first(self.msg, "X-MSS-NIL")
        if nil is None or not nil.strip():
            self.add(
                "MSSC016",
                "X-MSS-NIL is missing" if nil is None else "X-MSS-NIL is empty",
                hint="set X-MSS-NIL to the product reference of your software's Ségur "
                "declaration (Composer(product_reference=...))",
                where="header:X-MSS-NIL",
            )

    def _receipt(self) -> None:
        for value in _header_values(self.msg, "Disposition-Notification-To"):
            addrs = _addresses_of_value(value)
            problem = ""
            if len(addrs) != 1:
                problem = f"names {len(addrs)} addresses"
            else:
                try:
                    normalize_address(addrs[0])
                except InvalidAddress as exc:
                    problem = f"holds an invalid address: {exc.message}"
            if problem:
                self.add(
                    "MSSC017",
                    f"Disposition-Notification-To {value.strip()!r} {problem}",
                    hint="ask for the receipt at one address: the sender or the return box",
                    where="header:Disposition-Notification-To",
                )

    def _subject(self) -> None:
        subject = _first(self.msg, "Subject") or ""
        closes = "FIN" in _raw_values(self.msg, "X-MSS-MES")
        if subject == "[FIN]":
            self.add(
                "MSSC022",
                "the subject [FIN] closes the conversation: the patient cannot reply",
                where="header:Subject",
            )
            if not closes:
                self.add(
                    "MSSC024",
                    "the subject is [FIN] but the header X-MSS-MES: FIN is missing",
                    hint="add X-MSS-MES: FIN (Composer.closure() sets both)",
                    where="header:X-MSS-MES",
                )
        elif not closes and contains_fin_word(subject):
            self.add(
                "MSSC023",
                f"the subject {subject!r} has the word FIN, which may close the conversation",
                hint="rephrase (e.g. 'sortie' instead of 'fin'), or close on purpose with "
                "X-MSS-MES: FIN",
                where="header:Subject",
            )

    def _return_address(self) -> None:
        reply_to = _addresses(self.msg, "Reply-To")
        for addr in reply_to:
            if not is_mssante_address(addr.addr_spec):
                self.add(
                    "MSSC028",
                    f"Reply-To {addr.addr_spec!r} is not an MSSanté address",
                    hint="point Reply-To to an organisational MSSanté box (*.mssante.fr)",
                    where="header:Reply-To",
                )
        if self.msg.get("Reply-To") is None and self._kind(self._from_address()) == "APP":
            self.add(
                "MSSC027",
                "the sender is an applicative box and the message has no Reply-To",
                hint="add a Reply-To to the organisational box that reads the patients' replies",
                where="header:Reply-To",
            )

    def _rfc5322(self) -> None:
        match = _HEADER_END.search(self.raw)
        head = self.raw[: match.start()] if match else self.raw
        if _RAW_CONTROL.search(head) or (
            b"\r\n" in head and (_BARE_LF.search(head) or _BARE_CR.search(head))
        ):
            self.add(
                "MSSC029",
                "the header section has a control character or a stray CR or LF",
                hint="reject CR, LF, NUL and other control characters in every header value",
                where="headers",
            )
        else:
            for name, value in self.msg.items():
                if _CONTROL.search(str(value).replace("\t", " ")):
                    self.add(
                        "MSSC029",
                        f"the {name} header has a control character once decoded",
                        hint="an encoded word (=?…?=) must not hide CR, LF or other controls",
                        where=f"header:{name}",
                    )
        long_line = _LONG_LINE.search(self.raw)
        if long_line:
            line_no = self.raw.count(b"\n", 0, long_line.start()) + 1
            self.add(
                "MSSC030",
                f"line {line_no} is longer than 998 octets",
                hint="fold long headers and use quoted-printable or base64 for long body lines",
                where=f"line {line_no}",
            )
        non_ascii = _NON_ASCII.search(head)
        if non_ascii:
            line_no = head.count(b"\n", 0, non_ascii.start()) + 1
            self.add(
                "MSSC031",
                f"header line {line_no} has raw non-ASCII octets",
                hint="encode non-ASCII header text with RFC 2047 encoded words",
                where=f"line {line_no}",
            )
        for name in _SINGLETONS:
            count = len(self.msg.get_all(name) or [])
            if count > 1:
                self.add(
                    "MSSC032",
                    f"the {name} header appears {count} times",
                    hint=f"keep exactly one {name} header",
                    where=f"header:{name}",
                )

    def _date(self) -> None:
        value = _first(self.msg, "Date")
        problem = "is missing" if value is None else ""
        if value is not None:
            try:
                parsed = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                parsed = None
            if parsed is None:
                problem = f"{value.strip()!r} is not a valid date-time"
        if problem:
            self.add(
                "MSSC033",
                f"the Date header {problem}",
                hint="set Date with email.utils.format_datetime(an aware datetime)",
                where="header:Date",
            )

    def _mime_defects(self) -> None:
        for where, part in [("message", self.msg), *_all_parts(self.msg)]:
            for defect in part.defects:
                self.add(
                    "MSSC034",
                    f"{type(defect).__name__}: {defect}",
                    hint="build the message with the stdlib EmailMessage API or mssc.Composer",
                    where=where,
                )

    def _body(self, parts: _Parts) -> None:
        if not parts.structure_ok:
            self.add(
                "MSSC008",
                f"the body is {parts.structure}, not text/plain or multipart/alternative "
                "(with a text/plain part)",
                hint="send the text as text/plain (optionally with an HTML alternative) and "
                "documents as attachments",
            )
        for where, part in parts.texts:
            charset = part.get_content_charset()
            label = _part_label(where, part)
            if charset != "utf-8":
                self.add(
                    "MSSC006",
                    f"the {part.get_content_type()} part is in {charset or 'us-ascii (default)'}",
                    hint="declare charset=utf-8 and encode the text as UTF-8",
                    where=label,
                )
                continue
            try:
                _decoded(part).decode("utf-8")
            except UnicodeDecodeError as exc:
                self.add(
                    "MSSC007",
                    f"the {part.get_content_type()} part is not valid UTF-8 ({exc.reason} at "
                    f"octet {exc.start})",
                    hint="encode the text as UTF-8 before declaring charset=utf-8",
                    where=label,
                )

    def _test_message(self, parts: _Parts) -> None:
        recipients = {
            a.addr_spec.lower() for n in _RECIPIENT_HEADERS for a in _addresses(self.msg, n)
        }
        if TEST_RESPONDER not in recipients:
            return
        missing: list[str] = []
        if not _TEST_WORD.search(_first(self.msg, "Subject") or ""):
            missing.append("subject")
        plain = [p for _, p in parts.texts if p.get_content_type() == "text/plain"]
        body = plain[0] if plain else None
        text = _decoded(body).decode("utf-8", "replace") if body is not None else ""
        if self.body_readable and not _TEST_WORD.search(text):
            missing.append("body")
        if missing:
            self.add(
                "MSSC026",
                f"a message to {TEST_RESPONDER} has no word TEST in its {' and '.join(missing)}",
                hint="write TEST (capitals) in both the subject and the text "
                "(Composer.connectivity_test() does it)",
                where="header:Subject" if missing == ["subject"] else "",
            )

    def _attachments(
        self, parts: _Parts, policy: AttachmentPolicy, codes: tuple[str, str, str]
    ) -> None:
        not_allowed, mismatch, unusable = codes
        for where, part in parts.attachments:
            filename = part.get_filename() or ""
            if part.get_content_maintype() == "message":
                self.add(
                    not_allowed,
                    f"a whole e-mail ({part.get_content_type()}) is attached, not a document",
                    hint="attach the documents themselves (PDF), not the message that carried them",
                    where=_part_label(where, part),
                )
                continue
            if where in parts.inline and not filename:
                verdict = _inline_verdict(policy, _decoded(part), part.get_content_type())
            else:
                verdict = policy.verdict(filename, _decoded(part), part.get_content_type())
            if verdict.accepted:
                continue
            code = {"type-not-allowed": not_allowed, "type-mismatch": mismatch}.get(
                verdict.code or "", unusable
            )
            self.add(
                code,
                verdict.reason,
                hint=_ATTACHMENT_HINTS.get(verdict.code or "", ""),
                where=_part_label(where, part),
            )

    # -- incoming ---------------------------------------------------------------------------

    def incoming(self) -> None:
        self.guarded("MSSC044", self._incoming_sender)
        if not self.body_readable:
            return
        self.guarded(
            "MSSC044",
            lambda: self._attachments(
                _split_parts(self.msg), self.policy, ("MSSC041", "MSSC042", "MSSC043")
            ),
        )

    def _incoming_sender(self) -> None:
        addrs = _addresses(self.msg, "From")
        if len(addrs) != 1:
            self.add(
                "MSSC040",
                f"the From header holds {len(addrs)} addresses, not one patient address",
                hint="a patient's message comes from <matricule INS>@patient.mssante.fr",
                where="header:From",
            )
        else:
            try:
                parse_patient_address(addrs[0].addr_spec)
            except InvalidAddress as exc:
                self.add(
                    "MSSC040",
                    f"the sender {addrs[0].addr_spec!r} is not a patient address: {exc.message}",
                    hint=exc.hint,
                    where="header:From",
                )


_ATTACHMENT_HINTS: Final = {
    "empty": "attach a file that has content",
    "bad-filename": "give the attachment a plain file name with an extension",
    "type-mismatch": "the bytes, the extension and the declared type must name the same format",
    "type-not-allowed": "convert the document to PDF (or an allowed image type)",
}


def _document_findings(checker: _Checker, parts: _Parts) -> list[Finding]:
    from mssc.conformance._documents import check_documents

    return check_documents(checker.msg, parts.attachments, decoded=_decoded, label=_part_label)


def _all_parts(msg: Message) -> Iterator[tuple[str, Message]]:
    def walk(part: Message, path: str) -> Iterator[tuple[str, Message]]:
        for i, sub in enumerate(_children(part), 1):
            where = f"{path}.{i}" if path else str(i)
            yield f"part {where}", sub
            yield from walk(sub, where)

    yield from walk(msg, "")


def _addresses_of_value(value: str) -> list[str]:
    """The addr-specs in an address-list value, read with the stdlib header parser."""
    header = email_policy.default.header_factory("To", value)
    return [a.addr_spec for a in getattr(header, "addresses", ())]


def _personal_label_problem(label: str) -> str:
    """Say how a personal label departs from Titre_Prénom_NOM_Entité ("" when it fits)."""
    segments = label.split("_")
    if len(segments) < 2:
        return "has no underscore between first name and NOM"
    if len(segments) > 4:
        return f"has {len(segments)} parts; at most 4 (Titre, Prénom, NOM, Entité)"
    if any(not s.strip() for s in segments):
        return "has an empty part between underscores"
    # NOM is the 2nd part (Prénom_NOM…) or the 3rd (Titre_Prénom_NOM…).
    candidates = segments[1:3]
    if not any(_UPPER_NAME.match(s) and s == s.upper() for s in candidates):
        return "has no NOM in capitals after the first name"
    return ""


def _normalise_kind(kind: object) -> str | None:
    if kind is None:
        return None
    value = str(getattr(kind, "value", kind)).upper()
    if value not in _BOX_KINDS:
        raise ValueError(f"sender_kind must be one of PER, ORG, APP (or a BoxKind), not {kind!r}")
    return value


def check(
    message: bytes | Message | _Composed,
    *,
    direction: Direction | str = Direction.OUTGOING,
    sender_kind: object = None,
    attachment_policy: AttachmentPolicy | None = None,
    max_size: int = MAX_MESSAGE_BYTES,
) -> Report:
    """Check a message against the MSSanté, Ségur and Mon espace santé rules.

    Args:
        message: the exact bytes (CRLF or LF), a stdlib ``Message``/``EmailMessage`` (serialized
            with CRLF first, as it would be sent) or a :class:`~mssc.compose.ComposedMessage`.
        direction: ``"outgoing"`` (a professional's message to a patient, the default) or
            ``"incoming"`` (a patient's message: checks the sender address and the inbound
            attachment whitelist).
        sender_kind: the sending box kind, ``"PER"``, ``"ORG"`` or ``"APP"`` (or a
            ``BoxKind``), when known. It sharpens rules MSSC014 and MSSC027; when absent, a
            label with underscores is read as personal and a ``noreply``-like local part as
            applicative.
        attachment_policy: the whitelist; by default the outbound one (PDF, JPEG, PNG, TIFF,
            RTF) or, for incoming mail, the MES app's one. Pass a widened policy when you send
            IHE_XDM archives.
        max_size: the size limit of rule MSSC021, in octets (default 25,000,000).

    Returns:
        A :class:`Report`; :attr:`Report.ok` is true when there is no error. Never raises on a
        broken message: what cannot be read becomes a finding.

    Raises:
        TypeError: when ``message`` is none of the accepted types.
        ValueError: for an unknown ``direction`` or ``sender_kind``.
    """
    direction = Direction(direction)
    kind = _normalise_kind(sender_kind)
    if isinstance(message, (bytes, bytearray, memoryview)):
        raw = bytes(message)
    elif isinstance(message, Message):
        raw = _to_bytes(message)
    elif isinstance(message, _Composed):
        raw = message.to_bytes()
        if not isinstance(raw, bytes):
            raise TypeError(f"{type(message).__name__}.to_bytes() did not return bytes")
        if kind is None:
            kind = _normalise_kind(_composed_kind(message))
    else:
        raise TypeError(
            "check() expects bytes, an email.message.Message or a ComposedMessage, "
            f"not {type(message).__name__}"
        )
    unreadable: str | None = None
    depth = mime_depth(raw)
    if depth > MAX_MIME_DEPTH:
        # The stdlib parser recurses once per MIME level and slows down with each: read the
        # headers alone and report the body with one finding.
        unreadable = f"the MIME structure is nested {depth} levels deep (limit {MAX_MIME_DEPTH})"
        parsed = BytesParser(policy=email_policy.default).parsebytes(raw, headersonly=True)
    else:
        try:
            parsed = BytesParser(policy=email_policy.default).parsebytes(raw)
        except (RecursionError, MemoryError) as exc:  # pragma: no cover - bounded above
            unreadable = f"the MIME structure is too deeply nested to read ({type(exc).__name__})"
            parsed = BytesParser(policy=email_policy.default).parsebytes(raw, headersonly=True)
    if direction is Direction.OUTGOING:
        policy = attachment_policy or DEFAULT_OUTBOUND_POLICY
    else:
        policy = attachment_policy or INBOUND_POLICY
    checker = _Checker(
        raw,
        parsed,
        sender_kind=kind,
        policy=policy,
        max_size=max_size,
        body_readable=unreadable is None,
    )
    if unreadable is not None:
        checker.add(
            "MSSC034" if direction is Direction.OUTGOING else "MSSC044",
            unreadable,
            hint="flatten the MIME structure: a message needs only a few levels",
        )
    if direction is Direction.OUTGOING:
        checker.outgoing()
    else:
        checker.incoming()
    order = {code: i for i, code in enumerate(RULES)}
    findings = sorted(checker.findings, key=lambda f: order[f.code])
    return Report(
        findings=tuple(findings),
        direction=direction,
        size=len(raw),
        message_id=(_first(parsed, "Message-ID") or "").strip(),
    )


def _composed_kind(message: object) -> object:
    """The sender's box kind of a ComposedMessage, when it carries it."""
    sender = getattr(message, "sender", None)
    return getattr(sender, "kind", None) if sender is not None else None
