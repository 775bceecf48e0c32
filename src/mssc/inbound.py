"""Read a message written by a patient in Mon espace santé: sender, text, thread, attachments.

>>> raw = (b"From: Dominique TROIS <297022A02077878@patient.mssante.fr>\\n"
...        b"Subject: Re: Votre rendez-vous\\nMessage-ID: <r1@patient.mssante.fr>\\n"
...        b"In-Reply-To: <o1@hopital.mssante.fr>\\n\\nMerci, je viendrai.\\n")
>>> msg = parse_patient_message(raw)
>>> msg.last_name, str(msg.ins), msg.thread_root
('TROIS', '297022A02077878', '<o1@hopital.mssante.fr>')

Hostile input never raises: every MIME part ends up as a body, an attachment (accepted or
refused with its reason) or an entry of :attr:`PatientMessage.defects`; the work is bounded by
:class:`~mssc.mime.MimeLimits` (past a limit, only the headers are read, with the
defect).
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from mssc import mime as _mime
from mssc.addresses import parse_patient_address
from mssc.attachments import (
    _MAX_LENGTH,
    INBOUND_POLICY,
    AttachmentPolicy,
    _fold,
    _renamed,
    safe_filename,
    sniff_media_type,
)
from mssc.errors import InvalidAddress
from mssc.ins import Ins
from mssc.mime import DEFAULT_LIMITS, MimeLimits

__all__ = [
    "InsProblem",
    "MimeLimits",
    "PatientMessage",
    "ReceivedAttachment",
    "parse_patient_message",
]


@dataclass(frozen=True, slots=True)
class ReceivedAttachment:
    """One file attached by the patient.

    Attributes:
        filename: the name as sent (decoded), ``""`` when the part has none.
        safe_filename: a name without path parts or control characters, unique within the
            message: use it to store the file.
        media_type: the type sniffed from the bytes (None when unrecognised).
        declared_type: the ``Content-Type`` the part declared.
        size: decoded size in bytes.
        content: the decoded bytes (empty when a limit stopped decoding).
        accepted: whether the file passes the inbound whitelist (PDF, JPEG, PNG, TIFF, RTF, TXT,
            DOC) with matching name, declared type and content.
        code: None when accepted, else the :class:`~mssc.attachments.AttachmentVerdict` code
            (``type-not-allowed``, ``type-mismatch``, ``empty``, ``bad-filename``) or
            ``too-large``. A part whose ``filename`` and ``filename*`` disagree is shown by
            its ``filename*`` (as RFC 6266 readers do), must pass under both names, and adds
            the defect ``filename-conflict``.
        reason: why it was refused (empty when accepted).
    """

    filename: str
    safe_filename: str
    media_type: str | None
    declared_type: str
    size: int
    content: bytes = field(repr=False)
    accepted: bool
    code: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data, without the bytes."""
        return {
            "filename": self.filename,
            "safe_filename": self.safe_filename,
            "media_type": self.media_type,
            "declared_type": self.declared_type,
            "size": self.size,
            "accepted": self.accepted,
            "code": self.code,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class InsProblem:
    """Why the sender's address did not give a valid INS (never fatal).

    Attributes:
        code: the :class:`~mssc.errors.InvalidAddress` code (``key-mismatch``, ``wrong-domain``,
            ``syntax`` ...), or ``no-sender``.
        message: what is wrong.
        hint: how a person could fix it.
    """

    code: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, str]:
        """``{"code", "message", "hint"}``."""
        return {"code": self.code, "message": self.message, "hint": self.hint}


@dataclass(frozen=True, slots=True)
class PatientMessage:
    """A patient's message, decoded.

    Attributes:
        from_address: the sender's address (lower-case domain), ``""`` when absent.
        display_name: the ``From`` display name as sent (decoded).
        first_name, last_name: split from the display name (the upper-case words are the
            last name, as MES and Ref#2 write ``Prénom NOM``); ``""`` when unknown.
        ins: the INS of the sender's address, with its key checked; None when it is not valid.
        ins_error: why ``ins`` is None.
        subject: decoded subject (``""`` when absent).
        text, html: the decoded bodies (several inline parts are joined by a blank line).
        message_id, in_reply_to: with angle brackets, or None.
        references: every id of ``References``, oldest first.
        thread_root: the first id of ``References``, else ``In-Reply-To``, else the message's
            own id.
        attachments: the files, accepted or not.
        defects: what was odd or left out (MIME defects, limits reached, undecodable parts).
    """

    from_address: str
    display_name: str
    first_name: str
    last_name: str
    ins: Ins | None
    ins_error: InsProblem | None
    subject: str
    text: str | None
    html: str | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    thread_root: str | None
    attachments: tuple[ReceivedAttachment, ...]
    defects: tuple[str, ...]

    @property
    def accepted_attachments(self) -> tuple[ReceivedAttachment, ...]:
        """The attachments that passed the whitelist."""
        return tuple(a for a in self.attachments if a.accepted)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data (attachments without their bytes)."""
        return {
            "from_address": self.from_address,
            "display_name": self.display_name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "ins": str(self.ins) if self.ins is not None else None,
            "ins_error": self.ins_error.to_dict() if self.ins_error else None,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "thread_root": self.thread_root,
            "attachments": [a.to_dict() for a in self.attachments],
            "defects": list(self.defects),
        }


_UPPER_WORD = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*$")


def split_display_name(display_name: str) -> tuple[str, str]:
    """Split ``Prénom NOM`` (or ``NOM, Prénom``, or ``NOM Prénom``) into (first, last).

    The words written in upper case are the last name. With no upper-case word, a comma
    separates ``last, first``; otherwise the last word is taken as the last name.
    """
    name = " ".join(display_name.replace('"', " ").split())
    if not name:
        return "", ""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    words = name.split(" ")
    upper = [w for w in words if w.isupper() and _UPPER_WORD.match(w) and len(w) > 1]
    if upper and len(upper) < len(words):
        given = [w for w in words if w not in upper]
        return " ".join(given), " ".join(upper)
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def _unique(name: str, taken: set[str]) -> str:
    """``name`` (from :func:`~mssc.attachments.safe_filename`), or ``name (2)``, ``name (3)`` ...:
    unique within the message even where case and Unicode normalisation are folded
    (``Report.pdf``/``REPORT.pdf``, ``straße``/``STRASSE``, NFC/NFD), and as short as
    ``safe_filename`` makes names."""
    if _fold(name) in taken:
        name = _renamed(name, taken, _MAX_LENGTH)
    taken.add(_fold(name))
    return name


def parse_patient_message(
    raw: bytes | str | Message,
    *,
    limits: MimeLimits = DEFAULT_LIMITS,
    policy: AttachmentPolicy = INBOUND_POLICY,
) -> PatientMessage:
    """Decode a patient's message. Never raises on content.

    Args:
        raw: the message as bytes, str or a stdlib ``Message``.
        limits: bounds on MIME depth, part count and decoded size.
        policy: the attachment whitelist (default: what the MES app lets a patient attach).

    Raises:
        TypeError: when ``raw`` is not bytes, str or an ``email.message.Message``.
    """
    read = _mime.read_message(raw, limits=limits)
    defects = list(read.codes)
    try:
        # past a limit only the headers were read: the sender, subject and thread, no body
        return _parse(read.message, limits, policy, defects, body=not read.over_limit)
    except Exception as exc:
        defects.append(f"unreadable-message: {type(exc).__name__}")
        return PatientMessage(
            from_address="",
            display_name="",
            first_name="",
            last_name="",
            ins=None,
            ins_error=InsProblem("no-sender", "the message could not be read"),
            subject="",
            text=None,
            html=None,
            message_id=None,
            in_reply_to=None,
            references=(),
            thread_root=None,
            attachments=(),
            defects=tuple(dict.fromkeys(defects)),
        )


def _sender(msg: Message, defects: list[str]) -> tuple[str, str, Ins | None, InsProblem | None]:
    from_values = _mime.header_all(msg, "From")
    if not from_values:
        defects.append("no-from")
        return "", "", None, InsProblem("no-sender", "the message has no From header")
    if len(from_values) > 1:
        defects.append("several-from-headers")
    # the address comes from the raw header: an RFC 2047 word is display-name text, so an
    # address written inside one is not the sender's; only the display name is decoded
    raw_from = _mime.raw_header(msg, "From")
    if raw_from.count("@") > 1 and len(_mime.mailboxes(raw_from)) > 1:
        defects.append("several-from-mailboxes")
    try:
        raw_display, address = email.utils.parseaddr(raw_from)
    except Exception:
        raw_display, address = "", ""
    address = address or _mime.bare_address(raw_from)
    display = _mime.decode_words(raw_display) if raw_display else ""
    if "@" in address:
        local, _, domain = address.rpartition("@")
        address = f"{local}@{domain.lower()}"
    try:
        ins = parse_patient_address(address)
    except InvalidAddress as exc:
        return address, display, None, InsProblem(exc.code, exc.message, exc.hint)
    except (ValueError, TypeError) as exc:
        return address, display, None, InsProblem("syntax", str(exc))
    return address, display, ins, None


def _parse(
    msg: Message,
    limits: MimeLimits,
    policy: AttachmentPolicy,
    defects: list[str],
    *,
    body: bool = True,
) -> PatientMessage:
    for d in getattr(msg, "defects", ())[:20]:
        defects.append(f"mime:{type(d).__name__}")
    address, display, ins, ins_error = _sender(msg, defects)
    first, last = split_display_name(display)
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ReceivedAttachment] = []
    taken: set[str] = set()
    decoded_total = 0
    index = 0
    for part, ctype, _ancestors in _mime.walk(msg, limits, defects) if body else ():
        index += 1
        if part is not msg:
            for d in getattr(part, "defects", ())[:5]:
                defects.append(f"mime:{type(d).__name__} (part {index})")
        if part.is_multipart() and not ctype.startswith("message/"):
            continue
        if ctype.startswith("multipart/"):
            size = len(str(part.get_payload()))
            defects.append(f"unparsed-multipart (part {index}, {size} bytes)")
            continue
        filename = _mime.param(part, "filename", "content-disposition") or _mime.param(part, "name")
        if filename and "=?" in filename:
            filename = _mime.decode_words(filename)
        other_names: tuple[str, ...] = ()
        if filename:
            names = _mime.filenames(part)
            if len(names) > 1:
                # filename and filename* disagree: mail clients that follow RFC 6266 show
                # filename*; the name shown is that one, and the stricter verdict wins
                defects.append(f"filename-conflict (part {index})")
                filename, other_names = names[0], names[1:]
        disposition = (_mime.header(part, "Content-Disposition").split(";")[0]).strip().lower()
        is_body = (
            ctype in ("text/plain", "text/html") and not filename and disposition != "attachment"
        )
        if ctype == "message/rfc822":
            content = _message_bytes(part, defects, index)
        else:
            content = _mime.payload_bytes(part, limits, defects)
        if decoded_total + len(content) > limits.max_decoded_bytes:
            defects.append(f"decoded-size-exceeded (part {index}, {len(content)} bytes not kept)")
            attachments.append(
                _refused(
                    filename or "",
                    ctype,
                    len(content),
                    "too-large",
                    "the message's decoded size limit was reached",
                    taken,
                )
            )
            continue
        decoded_total += len(content)
        if is_body:
            text = _mime.bytes_to_str(content, _mime.param(part, "charset"))
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            (texts if ctype == "text/plain" else htmls).append(text)
            continue
        attachments.append(_attachment(filename or "", ctype, content, policy, taken, other_names))
    subject = _mime.header(msg, "Subject")
    message_id = _first_id(_mime.header(msg, "Message-ID"))
    in_reply_to = _first_id(_mime.header(msg, "In-Reply-To"))
    references = tuple(_mime.message_ids(_mime.header(msg, "References")))[:100]
    thread_root = references[0] if references else in_reply_to or message_id
    if message_id is None:
        defects.append("no-message-id")
    return PatientMessage(
        from_address=address,
        display_name=display,
        first_name=first,
        last_name=last,
        ins=ins,
        ins_error=ins_error,
        subject=subject,
        text="\n\n".join(texts) if texts else None,
        html="\n\n".join(htmls) if htmls else None,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        thread_root=thread_root,
        attachments=tuple(attachments),
        defects=tuple(dict.fromkeys(defects)),
    )


def _first_id(value: str) -> str | None:
    ids = _mime.message_ids(value)
    return ids[0] if ids else None


def _message_bytes(part: Message, defects: list[str], index: int) -> bytes:
    inner = part.get_payload()
    try:
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        if isinstance(inner, str):
            return inner.encode("utf-8", "surrogateescape")
    except Exception:
        defects.append(f"unserializable-message (part {index})")
    return b""


def _attachment(
    filename: str,
    ctype: str,
    content: bytes,
    policy: AttachmentPolicy,
    taken: set[str],
    other_names: tuple[str, ...] = (),
) -> ReceivedAttachment:
    shown = filename or _default_name(ctype)
    safe = _unique(safe_filename(shown), taken)
    verdict = policy.verdict(filename or shown, content, ctype)
    for other in other_names:
        # the part names a second file: it must pass as well
        if not verdict.accepted:
            break
        verdict = policy.verdict(other, content, ctype)
    return ReceivedAttachment(
        filename=filename,
        safe_filename=safe,
        media_type=verdict.media_type if content else sniff_media_type(content),
        declared_type=ctype,
        size=len(content),
        content=content,
        accepted=verdict.accepted,
        code=verdict.code,
        reason=verdict.reason,
    )


def _refused(
    filename: str, ctype: str, size: int, code: str, reason: str, taken: set[str]
) -> ReceivedAttachment:
    safe = _unique(safe_filename(filename or _default_name(ctype)), taken)
    return ReceivedAttachment(
        filename=filename,
        safe_filename=safe,
        media_type=None,
        declared_type=ctype,
        size=size,
        content=b"",
        accepted=False,
        code=code,
        reason=reason,
    )


_DEFAULT_EXT = {
    "text/plain": ".txt",
    "text/html": ".html",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "message/rfc822": ".eml",
}


def _default_name(ctype: str) -> str:
    return "attachment" + _DEFAULT_EXT.get(ctype, ".bin")
