"""Factories of realistic replies for vendors' tests: bounces, receipts, TEST answers, patients.

Each factory takes the original message (an :class:`mssc.compose.ComposedMessage`, anything with
a ``to_bytes()`` method, or raw bytes) and returns the reply as bytes with CRLF line ends, ready
to feed to :func:`mssc.replies.classify`, :func:`mssc.inbound.parse_patient_message` or an IMAP
test server. Everything is deterministic unless you leave ``date`` out (then the current time is
written).

>>> original = (b"From: Secretariat <sec@chu.mssante.fr>\\r\\n"
...     b"To: 279035121518989@patient.mssante.fr\\r\\nSubject: Convocation\\r\\n"
...     b"Message-ID: <conv-1@chu.mssante.fr>\\r\\n\\r\\nBonjour\\r\\n")
>>> from mssc.replies import classify
>>> verdict = classify(make_bounce(original, "MAILBOX_CLOSED"))
>>> verdict.kind.value, verdict.original_message_id
('MAILBOX_CLOSED', '<conv-1@chu.mssante.fr>')
"""

from __future__ import annotations

import email
import email.utils
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.header import Header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Literal, Protocol

from mssc.addresses import TEST_RESPONDER
from mssc.attachments import media_type_for_filename
from mssc.ins import PATIENT_DOMAIN
from mssc.mime import header
from mssc.replies.model import DispositionType, ReplyKind

__all__ = [
    "BOUNCE_KINDS",
    "SupportsToBytes",
    "make_bounce",
    "make_patient_reply",
    "make_read_receipt",
    "make_test_acknowledgement",
]


class SupportsToBytes(Protocol):
    """Anything with ``to_bytes()``, such as :class:`mssc.compose.ComposedMessage`."""

    def to_bytes(self) -> bytes:
        """The message's bytes."""


Original = SupportsToBytes | bytes

#: The kinds :func:`make_bounce` can produce.
BOUNCE_KINDS: frozenset[ReplyKind] = frozenset(
    {
        ReplyKind.MAILBOX_CLOSED,
        ReplyKind.RECIPIENT_NOT_FOUND,
        ReplyKind.MESSAGE_TOO_LARGE,
        ReplyKind.DELIVERY_DELAYED,
        ReplyKind.DELIVERY_FAILED,
    }
)

# (action, status, SMTP diagnostic, French notice sentence) — our own wording
_BOUNCES: dict[ReplyKind, tuple[str, str, str, str]] = {
    ReplyKind.MAILBOX_CLOSED: (
        "failed",
        "5.2.1",
        "550 5.2.1 {rcpt}: mailbox closed (boite aux lettres fermee)",
        "La boîte aux lettres de ce patient est fermée : le message ne lui a pas été remis.",
    ),
    ReplyKind.RECIPIENT_NOT_FOUND: (
        "failed",
        "5.1.1",
        "550 5.1.1 {rcpt}: recipient unknown (destinataire inconnu)",
        "Aucun patient ne correspond à cette adresse : destinataire inconnu.",
    ),
    ReplyKind.MESSAGE_TOO_LARGE: (
        "failed",
        "5.3.4",
        "552 5.3.4 message size exceeds the 25 MB limit",
        "Le message est trop volumineux : la limite est de 25 Mo au total.",
    ),
    ReplyKind.DELIVERY_DELAYED: (
        "delayed",
        "4.4.1",
        "421 4.4.1 connection timed out, delivery will be retried",
        "La remise du message est retardée ; de nouveaux essais auront lieu.",
    ),
    ReplyKind.DELIVERY_FAILED: (
        "failed",
        "5.7.1",
        "550 5.7.1 message refused by local policy",
        "Le message a été refusé par le serveur de destination.",
    ),
}


def _raw(original: Original) -> bytes:
    if isinstance(original, (bytes, bytearray, memoryview)):
        return bytes(original)
    to_bytes = getattr(original, "to_bytes", None)
    if callable(to_bytes):
        data = to_bytes()
        if isinstance(data, bytes):
            return data
    raise TypeError(
        f"original must be bytes or have a to_bytes() method, not {type(original).__name__}"
    )


_MAX_LINE = 998  # RFC 5322's line limit: longer original header lines are cut in replies
_MAX_HEADERS = 64 * 1024  # the original's header block quoted in a report, at most
_MAX_SUBJECT = 200  # characters of the original's subject repeated in a reply
_KEEP = ("message-id:", "from:", "to:", "cc:", "subject:", "date:")
_FALLBACK_RECIPIENT = "279035121518989@" + PATIENT_DOMAIN


class _Original:
    """What the factories need from the original message.

    Only the header block is parsed (``headersonly``): a hostile body (thousands of nested
    parts, binary junk) costs nothing and never raises; overlong header lines are cut.
    """

    def __init__(self, original: Original) -> None:
        self.data = _raw(original)
        data = self.data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        head_end = data.find(b"\n\n")
        head = data[: head_end if head_end >= 0 else None]
        try:
            msg = BytesParser(policy=compat32).parsebytes(head + b"\n\n", headersonly=True)
        except Exception:  # the parser is meant never to raise; a factory must not either
            msg = Message()
        self.message_id = _clean(msg.get("Message-ID", ""))[:_MAX_LINE] or None
        from_value = _clean(msg.get("From", ""))[:_MAX_LINE]
        self.sender = email.utils.parseaddr(from_value)[1] or "sender@example.org"
        rcpts = getattr(original, "envelope", None)
        rcpt_to = getattr(rcpts, "rcpt_to", None) if rcpts is not None else None
        if rcpt_to:
            self.recipients = [str(r) for r in rcpt_to]
        else:
            values = [_clean(v)[:_MAX_LINE] for v in msg.get_all("To", [])[:10]]
            pairs = email.utils.getaddresses(values)
            self.recipients = [a for _, a in pairs if "@" in a] or [_FALLBACK_RECIPIENT]
        self.subject = header(msg, "Subject")[:_MAX_SUBJECT]
        self.references = _clean(msg.get("References", ""))[: 20 * _MAX_LINE].split()
        self.headers = _quoted_headers(head.decode("ascii", "replace"))

    def thread_headers(self) -> list[tuple[str, str]]:
        if not self.message_id:
            return []
        refs = [*self.references, self.message_id][-20:]
        return [("In-Reply-To", self.message_id), ("References", " ".join(refs))]


def _quoted_headers(head: str) -> str:
    """The original's header block for a report: lines cut at 998 characters, the whole at
    64 KiB (the identifying fields kept first)."""
    lines = [line[:_MAX_LINE] for line in head.split("\n")]
    if sum(len(line) + 1 for line in lines) <= _MAX_HEADERS:
        return "\n".join(lines)
    kept = [line for line in lines if line.lower().startswith(_KEEP)]
    budget = _MAX_HEADERS - sum(len(line) + 1 for line in kept)
    for line in lines:
        if line.lower().startswith(_KEEP) or line[:1] in (" ", "\t"):
            continue
        if len(line) + 1 > budget:
            break
        kept.append(line)
        budget -= len(line) + 1
    return "\n".join(kept)


def _clean(value: object) -> str:
    return " ".join(str(value).split())


def _reply_id(original: _Original, tag: str, domain: str) -> str:
    seed = f"{tag}|{original.message_id}|{len(original.data)}".encode()
    return f"<{tag}.{hashlib.sha256(seed).hexdigest()[:20]}@{domain}>"


def _date(date: datetime | None) -> str:
    return email.utils.format_datetime(date) if date else email.utils.formatdate()


def _header(name: str, value: str) -> str:
    if value.isascii():
        return f"{name}: {value}"
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode()}"


def _crlf(lines: Iterable[str]) -> bytes:
    text = "\n".join(lines)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _boundary(tag: str, message_id: str) -> str:
    """The MIME boundary of a report, derived from the report's Message-ID."""
    return f"=_{tag}_{hashlib.sha256(message_id.encode()).hexdigest()[:16]}"


def _headers_part(boundary: str, original: _Original) -> list[str]:
    """The last part of a report (the original's header block) and the closing boundary."""
    return [
        f"--{boundary}",
        "Content-Type: text/rfc822-headers",
        "",
        original.headers,
        "",
        f"--{boundary}--",
        "",
    ]


def make_bounce(
    original: Original,
    kind: ReplyKind | str = ReplyKind.RECIPIENT_NOT_FOUND,
    *,
    form: Literal["dsn", "text"] = "dsn",
    recipient: str | None = None,
    reporting_mta: str = "mx1.patient.mssante.fr",
    date: datetime | None = None,
    message_id: str | None = None,
) -> bytes:
    """A delivery report about ``original``.

    Args:
        original: the message that was sent.
        kind: one of :data:`BOUNCE_KINDS` (or its value, e.g. ``"MAILBOX_CLOSED"``).
        form: ``"dsn"`` for an RFC 3464 report from MAILER-DAEMON (with the original's
            headers); ``"text"`` for a plain-text French notice ("Message non distribué").
        recipient: the failed recipient; the original's first recipient by default.
        reporting_mta: the host named in the report.
        date: the report's date (the current time by default).
        message_id: the report's own Message-ID (derived from the original by default).

    Raises:
        ValueError: when ``kind`` is not a bounce kind or ``form`` is unknown.
        TypeError: when ``original`` is neither bytes nor has ``to_bytes()``.
    """
    k = ReplyKind(kind)
    if k not in BOUNCE_KINDS:
        raise ValueError(f"make_bounce() makes {sorted(x.value for x in BOUNCE_KINDS)}, not {k}")
    if form not in ("dsn", "text"):
        raise ValueError(f"form must be 'dsn' or 'text', not {form!r}")
    orig = _Original(original)
    rcpt = recipient or orig.recipients[0]
    action, status, diag, sentence = _BOUNCES[k]
    diag = diag.format(rcpt=f"<{rcpt}>")
    mid = message_id or _reply_id(orig, "dsn", reporting_mta)
    delayed = k is ReplyKind.DELIVERY_DELAYED
    subject = (
        "Delayed Mail (still being retried)" if delayed else "Undelivered Mail Returned to Sender"
    )
    head = [
        "Return-Path: <>",
        f"From: Mail Delivery System <MAILER-DAEMON@{reporting_mta}>",
        f"To: <{orig.sender}>",
        f"Subject: {subject}",
        f"Date: {_date(date)}",
        f"Message-ID: {mid}",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
    ]
    if form == "text":
        # a notice in French, as MES is said to send ("Message non distribué")
        head[1] = "From: " + email.utils.formataddr(
            ("Mon espace santé", f"ne-pas-repondre@{PATIENT_DOMAIN}"), charset="utf-8"
        )
        head[3] = _header(
            "Subject", "Message non distribué" if not delayed else "Message en attente de remise"
        )
        body = [
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Bonjour,",
            "",
            f"Votre message « {orig.subject} » n'a pas pu être distribué à {rcpt}.",
            sentence,
            f"Diagnostic : {diag}",
            "",
            "En-têtes du message d'origine :",
            "",
            orig.headers,
        ]
        lines = [*(_header_line(h) for h in head), *body]
        return _crlf(lines)
    boundary = _boundary("dsn", mid)
    lines = [
        *head,
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated delivery report.",
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        f"Your message could not be delivered to {rcpt}."
        if not delayed
        else f"Your message to {rcpt} is delayed; delivery will be retried.",
        sentence,
        "",
        f"<{rcpt}>: {diag}",
        "",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {reporting_mta}",
        "",
        f"Final-Recipient: rfc822; {rcpt}",
        f"Original-Recipient: rfc822; {rcpt}",
        f"Action: {action}",
        f"Status: {status}",
        f"Remote-MTA: dns; {reporting_mta}",
        f"Diagnostic-Code: smtp; {diag}",
        "",
        *_headers_part(boundary, orig),
    ]
    return _crlf(lines)


def _header_line(line: str) -> str:
    name, _, value = line.partition(": ")
    return _header(name, value) if not value.isascii() else line


def make_read_receipt(
    original: Original,
    disposition: DispositionType | str = "displayed",
    *,
    recipient: str | None = None,
    date: datetime | None = None,
    message_id: str | None = None,
) -> bytes:
    """An RFC 8098 MDN, sent from the patient's address as MES does on the patient's behalf.

    Args:
        original: the message that was read.
        disposition: ``displayed`` (opened), ``deleted``, ``dispatched``, ``processed``,
            ``denied`` or ``failed``.
        recipient: the patient's address; the original's first recipient by default.
        date: the receipt's date (the current time by default).
        message_id: the receipt's Message-ID (derived from the original by default).

    Raises:
        ValueError: for an unknown disposition.
    """
    dtype = DispositionType(disposition)
    orig = _Original(original)
    rcpt = recipient or orig.recipients[0]
    mid = message_id or _reply_id(orig, "mdn", PATIENT_DOMAIN)
    boundary = _boundary("mdn", mid)
    lines = [
        f"From: <{rcpt}>",
        f"To: <{orig.sender}>",
        _header("Subject", f"Accusé de lecture : {orig.subject}"),
        f"Date: {_date(date)}",
        f"Message-ID: {mid}",
        *(f"{k}: {v}" for k, v in orig.thread_headers()),
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=disposition-notification;",
        f' boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        f"Le message « {orig.subject} » a été ouvert par son destinataire"
        if dtype is DispositionType.DISPLAYED
        else f"Avis de traitement du message « {orig.subject} » : {dtype.value}",
        "dans Mon espace santé. Cela ne garantit pas qu'il a été lu ni compris.",
        "",
        f"--{boundary}",
        "Content-Type: message/disposition-notification",
        "",
        f"Reporting-UA: {PATIENT_DOMAIN}; Mon espace sante",
        f"Final-Recipient: rfc822; {rcpt}",
        *([f"Original-Message-ID: {orig.message_id}"] if orig.message_id else []),
        f"Disposition: manual-action/MDN-sent-automatically; {dtype.value}",
        "",
        *_headers_part(boundary, orig),
    ]
    return _crlf(lines)


def make_test_acknowledgement(
    original: Original, *, date: datetime | None = None, message_id: str | None = None
) -> bytes:
    """The answer of the MES TEST responder (``reponse.automatique-test@patient.mssante.fr``).

    MES does not publish its wording; this one is ours, in French, and the classifier relies
    only on the sender address.
    """
    orig = _Original(original)
    mid = message_id or _reply_id(orig, "test", PATIENT_DOMAIN)
    subject = orig.subject if orig.subject.lower().startswith("re:") else f"Re: {orig.subject}"
    lines = [
        f"From: Mon espace sante - test <{TEST_RESPONDER}>",
        f"To: <{orig.sender}>",
        _header("Subject", subject),
        f"Date: {_date(date)}",
        f"Message-ID: {mid}",
        *(f"{k}: {v}" for k, v in orig.thread_headers()),
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Bonjour,",
        "",
        "Votre message de test est bien arrivé dans Mon espace santé.",
        "Cette réponse est envoyée automatiquement ; inutile d'y répondre.",
        "",
    ]
    return _crlf(lines)


AttachmentLike = tuple[str, bytes] | tuple[str, bytes, str]


def make_patient_reply(
    original: Original,
    text: str,
    attachments: Sequence[AttachmentLike | object] = (),
    *,
    display_name: str = "Camille PATIENT",
    sender: str | None = None,
    subject: str | None = None,
    date: datetime | None = None,
    message_id: str | None = None,
) -> bytes:
    """A patient's answer written in MES, threaded under ``original``.

    Args:
        original: the message the patient answers.
        text: the patient's words.
        attachments: ``(filename, bytes)`` or ``(filename, bytes, media_type)`` tuples, or
            :class:`mssc.attachments.Attachment` values.
        display_name: the ``From`` display name (``Prénom NOM``).
        sender: the patient's address; the original's first recipient by default.
        subject: ``Re: <original subject>`` by default.
        date: the message's date (the current time by default).
        message_id: the reply's Message-ID (derived from the original by default).
    """
    from email.message import EmailMessage
    from email.policy import SMTP

    orig = _Original(original)
    rcpt = sender or orig.recipients[0]
    mid = message_id or _reply_id(orig, "reply", PATIENT_DOMAIN)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = email.utils.formataddr((display_name, rcpt)) if display_name else rcpt
    msg["To"] = orig.sender
    msg["Subject"] = subject if subject is not None else f"Re: {orig.subject}"
    msg["Date"] = _date(date)
    msg["Message-ID"] = mid
    for k, v in orig.thread_headers():
        msg[k] = v
    msg.set_content(text)
    for item in attachments:
        name, content, mtype = _attachment_parts(item)
        maintype, _, subtype = mtype.partition("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    if msg.is_multipart():  # the stdlib's boundary is random: derive it, as for the reports
        msg.set_boundary(_boundary("reply", mid))
    return msg.as_bytes(policy=SMTP)


def _attachment_parts(item: object) -> tuple[str, bytes, str]:
    if isinstance(item, tuple) and len(item) in (2, 3):
        name, content = item[0], item[1]
        mtype = item[2] if len(item) == 3 else None
    else:
        name = getattr(item, "filename", None)
        content = getattr(item, "content", None)
        mtype = getattr(item, "media_type", None)
    if not isinstance(name, str) or not isinstance(content, (bytes, bytearray)):
        raise TypeError("an attachment is (filename, bytes[, media_type]) or an Attachment")
    mtype = mtype or media_type_for_filename(name) or "application/octet-stream"
    return name, bytes(content), str(mtype)
