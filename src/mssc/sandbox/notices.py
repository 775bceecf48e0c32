"""The sandbox's automatic notices, in several realistic forms (pure: bytes in, bytes out).

Mon espace santé's real notices are unpublished: these say the MSS-C guide's causes (mailbox
closed, patient not found, message over 25 Mo) in our own French words, in three structures a
return box meets in practice:

- ``dsn``: an RFC 3464 ``multipart/report`` from the MES mail system, whose human part is French;
- ``text``: a plain French text notice from a no-reply system address of ``patient.mssante.fr``;
- ``postfix``: a Postfix-style report (``Undelivered Mail Returned to Sender``, the remote
  server's reply quoted "in reply to RCPT TO command", ``X-Postfix-*`` fields).

Each cause has several sentences, picked by ``variant``, so that a classifier that only knows
one sentence fails. :func:`mssc.replies.classify` reads all of them without any special case.

    >>> original = (b"From: <rdv@ch-test.mssante.fr>\\r\\n"
    ...     b"To: <279035121518989@patient.mssante.fr>\\r\\nSubject: Convocation\\r\\n"
    ...     b"Message-ID: <c-1@ch-test.mssante.fr>\\r\\n\\r\\nBonjour\\r\\n")
    >>> from mssc.replies import classify
    >>> raw = build_notice(original, NoticeCause.CLOSED, recipient="279035121518989@patient."
    ...     "mssante.fr", return_path="rdv@ch-test.mssante.fr", form="postfix",
    ...     message_id="<n-1@mx.patient.mssante.fr>")
    >>> verdict = classify(raw)
    >>> verdict.kind.value, verdict.original_message_id
    ('MAILBOX_CLOSED', '<c-1@ch-test.mssante.fr>')
"""

from __future__ import annotations

import email.utils
import hashlib
from datetime import datetime
from email.header import Header
from enum import Enum
from typing import Final, Literal

from mssc.headers import parent_info
from mssc.ins import PATIENT_DOMAIN
from mssc.replies.model import ReplyKind

__all__ = [
    "NOTICE_FORMS",
    "REPORTING_MTA",
    "SYSTEM_SENDER",
    "NoticeCause",
    "NoticeForm",
    "build_notice",
]

NoticeForm = Literal["dsn", "text", "postfix"]
#: The notice forms, in the order the sandbox rotates through them.
NOTICE_FORMS: Final[tuple[NoticeForm, ...]] = ("dsn", "text", "postfix")
#: The host named in the reports.
REPORTING_MTA: Final = "mx.patient.mssante.fr"
#: The no-reply system address that sends the plain-text notices.
SYSTEM_SENDER: Final = f"ne-pas-repondre@{PATIENT_DOMAIN}"


class NoticeCause(str, Enum):
    """Why a message was not delivered to a patient (the MSS-C guide's causes)."""

    CLOSED = "closed"
    """The patient closed their mailbox or espace santé."""
    ABSENT = "absent"
    """The patient's espace santé was never created."""
    OPPOSED = "opposed"
    """The patient opposed the creation of their espace santé."""
    UNKNOWN_INS = "unknown-ins"
    """A well-formed INS that matches no espace santé."""
    INVALID_INS = "invalid-ins"
    """The address's local part is not a valid INS (wrong key, wrong shape)."""
    TOO_LARGE = "too-large"
    """The message is over the 25 Mo limit."""

    @property
    def kind(self) -> ReplyKind:
        """What :func:`mssc.replies.classify` must say about a notice for this cause."""
        if self is NoticeCause.CLOSED:
            return ReplyKind.MAILBOX_CLOSED
        if self is NoticeCause.TOO_LARGE:
            return ReplyKind.MESSAGE_TOO_LARGE
        return ReplyKind.RECIPIENT_NOT_FOUND


# Our own French sentences, several per cause (facts from the MSS-C guide, not its words).
_SENTENCES: Final[dict[NoticeCause, tuple[str, ...]]] = {
    NoticeCause.CLOSED: (
        "La messagerie de ce patient est fermée : il ne reçoit plus de messages.",
        "Le patient a clôturé son espace santé ; votre message ne lui a pas été remis.",
        "Ce compte Mon espace santé a été désactivé par son titulaire.",
    ),
    NoticeCause.ABSENT: (
        "Aucun patient ne correspond à cette adresse : son espace santé n'a pas encore été créé.",
        "L'espace santé de ce patient n'existe pas encore ; le message n'a pas été remis.",
    ),
    NoticeCause.OPPOSED: (
        "Destinataire introuvable : le patient s'est opposé à la création de son espace santé.",
        "Le patient n'a pas été trouvé : il a refusé l'ouverture de son espace santé.",
    ),
    NoticeCause.UNKNOWN_INS: (
        "Adresse inconnue : aucun espace santé n'est associé à cet INS.",
        "Patient non trouvé. Vérifiez l'INS utilisé pour construire l'adresse.",
    ),
    NoticeCause.INVALID_INS: (
        "L'adresse est invalide : sa partie locale n'est pas un INS correct.",
        "Destinataire inconnu : la clé de l'INS de l'adresse ne correspond pas.",
    ),
    NoticeCause.TOO_LARGE: (
        "Le message est trop volumineux : sa taille totale dépasse la limite de 25 Mo.",
        "Votre envoi dépasse la taille maximale acceptée par Mon espace santé (25 Mo).",
        "Message trop lourd pour Mon espace santé : 25 Mo au plus, pièces jointes comprises.",
    ),
}

# (status, SMTP reply text in the receiving server's words) per cause
_SMTP: Final[dict[NoticeCause, tuple[str, str]]] = {
    NoticeCause.CLOSED: ("5.2.1", "550 5.2.1 {rcpt}: messagerie fermee par le patient"),
    NoticeCause.ABSENT: ("5.1.1", "550 5.1.1 {rcpt}: patient inconnu (espace sante non cree)"),
    NoticeCause.OPPOSED: ("5.1.1", "550 5.1.1 {rcpt}: patient inconnu"),
    NoticeCause.UNKNOWN_INS: ("5.1.1", "550 5.1.1 {rcpt}: destinataire inconnu"),
    NoticeCause.INVALID_INS: ("5.1.3", "553 5.1.3 {rcpt}: adresse invalide"),
    NoticeCause.TOO_LARGE: ("5.3.4", "552 5.3.4 message trop volumineux (limite 25 Mo)"),
}

_MAX_LINE: Final = 998
_MAX_HEADERS: Final = 64 * 1024
_MAX_SUBJECT: Final = 200


def _header_block(original: bytes) -> str:
    """The original's header block, as quoted in a report: lines cut, the whole capped."""
    data = original.replace(b"\r\n", b"\n")
    end = data.find(b"\n\n")
    head = data[: end if end >= 0 else min(len(data), _MAX_HEADERS)]
    lines = [line[:_MAX_LINE] for line in head.decode("ascii", "replace").split("\n")]
    kept: list[str] = []
    budget = _MAX_HEADERS
    for line in lines:
        if len(line) + 1 > budget:
            break
        kept.append(line)
        budget -= len(line) + 1
    return "\n".join(kept)


def _encoded(name: str, value: str) -> str:
    """One header line, RFC 2047-encoded where needed and folded with CRLF.

    In an address field (``From``), only the display name is encoded: the address stays
    outside the encoded words, as RFC 2047 §5 requires.
    """
    if name == "From":
        display, address = email.utils.parseaddr(value)
        if not display.isascii():
            words = Header(display, "utf-8", header_name=name).encode(linesep="\r\n")
            return f"{name}: {words} <{address}>"
    if value.isascii():
        return f"{name}: {value}"
    words = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {words}"


def _crlf(lines: list[str]) -> bytes:
    return "\r\n".join(lines).replace("\r\r\n", "\r\n").encode("utf-8")


def _boundary(message_id: str) -> str:
    return "=_mes_" + hashlib.sha256(message_id.encode()).hexdigest()[:20]


def build_notice(
    original: bytes,
    cause: NoticeCause,
    *,
    recipient: str,
    return_path: str,
    form: NoticeForm = "dsn",
    variant: int = 0,
    message_id: str,
    date: datetime | None = None,
    queue_id: str = "4F2A1C0D3E",
) -> bytes:
    """A non-delivery notice about ``original`` for one recipient, as bytes with CRLF.

    Args:
        original: the message as received.
        cause: why it was not delivered.
        recipient: the patient address that failed.
        return_path: where the notice goes (the envelope's ``MAIL FROM``).
        form: ``dsn``, ``text`` or ``postfix`` (see the module docstring).
        variant: picks one of the cause's sentences (any integer; taken modulo their number).
        message_id: the notice's own Message-ID.
        date: the notice's date (now by default).
        queue_id: the queue id written in the Postfix-style form.
    """
    info = parent_info(original)
    sentences = _SENTENCES[cause]
    sentence = sentences[variant % len(sentences)]
    status, reply = _SMTP[cause]
    reply = reply.format(rcpt=f"<{recipient}>")
    subject = " ".join(info.subject.split())[:_MAX_SUBJECT]
    when = email.utils.format_datetime(date) if date else email.utils.formatdate(localtime=True)
    thread = [f"In-Reply-To: {info.message_id}"] if info.message_id else []
    headers = _header_block(original)
    if form == "text":
        lines = [
            _encoded("From", f"Mon espace santé <{SYSTEM_SENDER}>"),
            f"To: <{return_path}>",
            _encoded("Subject", f"Message non distribué : {subject}"),
            f"Date: {when}",
            f"Message-ID: {message_id}",
            *thread,
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Bonjour,",
            "",
            f"Votre message « {subject} » adressé à {recipient} n'a pas pu être remis.",
            sentence,
            "",
            "Ce message est envoyé automatiquement par Mon espace santé ; merci de ne pas y "
            "répondre.",
            "",
            "--- En-têtes du message d'origine ---",
            headers,
            "",
        ]
        return _crlf(lines)
    boundary = _boundary(message_id)
    if form == "dsn":
        sender = f"Mon espace santé - service de messagerie <MAILER-DAEMON@{REPORTING_MTA}>"
        title = "Avis de non-remise"
        human = [
            "Bonjour,",
            "",
            f"Nous n'avons pas pu remettre votre message à {recipient}.",
            sentence,
            "",
            "Le rapport technique et les en-têtes du message d'origine sont joints.",
        ]
        extra: list[str] = []
        diagnostic = reply
    elif form == "postfix":
        # A recipient is refused at RCPT; only the size is known after the data.
        stage = "end of DATA" if cause is NoticeCause.TOO_LARGE else "RCPT TO"
        sender = f"Mail Delivery System <MAILER-DAEMON@{REPORTING_MTA}>"
        title = "Undelivered Mail Returned to Sender"
        human = [
            f"Report from the mail system on {REPORTING_MTA}.",
            "",
            "Your message could not be delivered to the recipient below.",
            "The remote server's answer is quoted after the address.",
            "",
            f"<{recipient}>: host lmtp.{REPORTING_MTA}[127.0.0.1] said: {reply}",
            f"    ({sentence}) (in reply to {stage} command)",
        ]
        extra = [
            f"X-Postfix-Queue-ID: {queue_id}",
            f"X-Postfix-Sender: rfc822; {return_path}",
            f"Arrival-Date: {when}",
        ]
        diagnostic = f"{reply} ({sentence})"
    else:
        raise ValueError(f"form must be one of {NOTICE_FORMS}, not {form!r}")
    lines = [
        _encoded("From", sender),
        f"To: <{return_path}>",
        _encoded("Subject", title),
        f"Date: {when}",
        f"Message-ID: {message_id}",
        *thread,
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated delivery report.",
        "",
        f"--{boundary}",
        "Content-Description: Notification",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        *human,
        "",
        f"--{boundary}",
        "Content-Description: Delivery report",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {REPORTING_MTA}",
        *extra,
        "",
        f"Final-Recipient: rfc822; {recipient}",
        f"Original-Recipient: rfc822; {recipient}",
        "Action: failed",
        f"Status: {status}",
        f"Remote-MTA: dns; lmtp.{REPORTING_MTA}",
        f"Diagnostic-Code: smtp; {_ascii(diagnostic)}",
        "",
        f"--{boundary}",
        "Content-Description: Undelivered message headers",
        "Content-Type: text/rfc822-headers",
        "",
        headers,
        "",
        f"--{boundary}--",
        "",
    ]
    return _crlf(lines)


def _ascii(text: str) -> str:
    """Delivery-status fields are ASCII (RFC 3464): fold accents away."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded.replace("\u2019", "'")
