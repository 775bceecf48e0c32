"""Submit composed messages to an MSSanté operator over SMTP, with one outcome per recipient.

:class:`Submitter` is a thin layer over :mod:`smtplib`: STARTTLS is mandatory (plaintext only
with ``insecure=True``, which logs a warning), the client certificate gives mutual TLS, a Pro
Santé Connect token gives SASL XOAUTH2. :meth:`Submitter.send` walks the SMTP transaction itself
so that it knows, for each recipient, whether the server accepted the message, refused it (with
the reply mapped to the :class:`~mssc.replies.ReplyKind` vocabulary of
:func:`~mssc.replies.classify`), or whether the connection dropped after the message was sent
and before the server answered (``UNCERTAIN``: it may have been accepted; never sent again).

>>> SubmissionStatus.UNCERTAIN.value
'uncertain'
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from enum import Enum
from typing import Any, Final, Protocol

from mssc.compose import Envelope
from mssc.headers import stable_token, xtext
from mssc.replies import ReplyKind, classify
from mssc.transport._errors import CredentialsError, TransportError
from mssc.transport.credentials import Credentials, client_context

__all__ = [
    "RawSubmission",
    "RecipientSubmission",
    "SubmissionResult",
    "SubmissionStatus",
    "Submittable",
    "Submitter",
    "reply_kind",
]

log = logging.getLogger("mssc.transport")

#: A Pro Santé Connect access token, or a function returning a fresh one per connection.
Token = str | Callable[[], str]

_STATUS: Final = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# findings of Credentials.check() that make a TLS client certificate unusable
_UNUSABLE: Final = frozenset({"expired", "not-yet-valid", "key-mismatch", "no-client-auth"})


class Submittable(Protocol):
    """What :meth:`Submitter.send` needs: a :class:`~mssc.compose.ComposedMessage`, or a
    :class:`RawSubmission` made from a message file."""

    @property
    def message_id(self) -> str:
        """The Message-ID, with angle brackets."""
        ...

    @property
    def envelope(self) -> Envelope:
        """The SMTP envelope."""
        ...

    def to_bytes(self) -> bytes:
        """The exact bytes to transmit (CRLF line ends)."""
        ...


_ADDRESS: Final = re.compile(r"[^\s<>()\[\]\\,;:\"\x00-\x1f\x7f]{1,200}@[A-Za-z0-9.-]{1,253}")


@dataclass(frozen=True, slots=True)
class RawSubmission:
    """A message that mssc did not compose (an ``.eml`` file), with its envelope.

    Build it with :meth:`from_bytes`; the envelope asks for DSN on failure and delay, as
    :class:`~mssc.compose.Composer` does.
    """

    message_id: str
    envelope: Envelope
    data: bytes = field(repr=False)

    def to_bytes(self) -> bytes:
        """The message bytes (CRLF line ends)."""
        return self.data

    @classmethod
    def from_bytes(
        cls,
        raw: bytes,
        *,
        mail_from: str | None = None,
        rcpt_to: Iterable[str] | None = None,
    ) -> RawSubmission:
        """Read the envelope from the headers: the sender from ``Sender`` or ``From``, the
        recipients from ``To`` and ``Cc`` (unless given).

        Raises:
            TransportError: ``bad-argument`` when there is no Message-ID, no sender, no
                recipient, or an address that is not a plain ``local@domain``.
        """
        data = re.sub(rb"\r?\n", b"\r\n", raw)
        head = data.split(b"\r\n\r\n", 1)[0]
        headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\r\n\r\n")
        mid = re.search(r"<[^<>\s]{1,250}>", str(headers.get("Message-ID", "")))
        if mid is None:
            raise TransportError("the message has no Message-ID", code="bad-argument")
        if mail_from is None:
            found = getaddresses([str(headers.get("Sender") or headers.get("From") or "")])
            mail_from = found[0][1] if found else ""
        if rcpt_to is None:
            fields = [str(v) for v in headers.get_all("To", []) + headers.get_all("Cc", [])]
            rcpt_to = [a for _, a in getaddresses(fields) if a]
        recipients = tuple(dict.fromkeys(rcpt_to))
        for address in (mail_from, *recipients):
            if not _ADDRESS.fullmatch(address):
                raise TransportError(
                    f"not a plain address for the envelope: {address!r}", code="bad-argument"
                )
        if not recipients:
            raise TransportError("the message names no recipient", code="bad-argument")
        envid = xtext(mid.group(0)[1:-1])
        if len(envid) > 100:
            envid = stable_token(mid.group(0), length=32)
        envelope = Envelope(
            mail_from=mail_from,
            rcpt_to=recipients,
            mail_options=("RET=HDRS", f"ENVID={envid}"),
            rcpt_options=(
                ("NOTIFY=FAILURE,DELAY", f"ORCPT=rfc822;{xtext(recipients[0])}")
                if len(recipients) == 1
                else ()
            ),
        )
        return cls(mid.group(0), envelope, data)


class SubmissionStatus(str, Enum):
    """What happened to one recipient of one submitted message."""

    ACCEPTED = "accepted"
    """The server took responsibility for the message (final ``250`` to ``DATA``)."""
    REFUSED = "refused"
    """A permanent refusal (5xx) at ``MAIL``, ``RCPT`` or ``DATA``: do not send it again as is."""
    DEFERRED = "deferred"
    """Not sent: a temporary refusal (4xx) that outlasted the retries, or the connection was
    lost before the message was transmitted. Sending it again later is safe."""
    UNCERTAIN = "uncertain"
    """The message was transmitted but the connection dropped before the server's answer. It
    may have been accepted: do not resend blindly (the Message-ID identifies it)."""


@dataclass(frozen=True, slots=True)
class RecipientSubmission:
    """The outcome for one recipient.

    Attributes:
        address: the envelope recipient.
        status: accepted, refused, deferred or uncertain.
        kind: for a refusal or a deferral with a server reply, what the reply means in the
            vocabulary of :func:`~mssc.replies.classify` (a ``550 5.1.1`` at ``RCPT`` is
            ``RECIPIENT_NOT_FOUND``, a ``552`` at ``DATA`` is ``MESSAGE_TOO_LARGE``); else None.
        reply_code: the server's reply code (0 when there was none).
        status_code: the enhanced status code (``5.1.1``), or ``""``.
        reply_text: the server's reply text, as received (escape it before display).
        smtp_command: the command the reply answered (``MAIL``, ``RCPT``, ``DATA``), or ``""``.
        attempts: the number of transactions that included this recipient.
    """

    address: str
    status: SubmissionStatus
    kind: ReplyKind | None = None
    reply_code: int = 0
    status_code: str = ""
    reply_text: str = ""
    smtp_command: str = ""
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data (enums as their values)."""
        return {
            "address": self.address,
            "status": self.status.value,
            "kind": self.kind.value if self.kind is not None else None,
            "reply_code": self.reply_code,
            "status_code": self.status_code,
            "reply_text": self.reply_text,
            "smtp_command": self.smtp_command,
            "attempts": self.attempts,
        }


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """The outcome of one message: one :class:`RecipientSubmission` per envelope recipient."""

    message_id: str
    recipients: tuple[RecipientSubmission, ...]

    @property
    def accepted(self) -> bool:
        """True when every recipient was accepted."""
        return all(r.status is SubmissionStatus.ACCEPTED for r in self.recipients)

    def with_status(self, status: SubmissionStatus) -> tuple[RecipientSubmission, ...]:
        """The recipients with this status."""
        return tuple(r for r in self.recipients if r.status is status)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data."""
        return {
            "message_id": self.message_id,
            "accepted": self.accepted,
            "recipients": [r.to_dict() for r in self.recipients],
        }


def _status_code(code: int, text: str) -> str:
    m = _STATUS.search(text[:200])
    if m and m.group(1) == str(code)[0]:
        return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"
    return ""


def reply_kind(code: int, text: str, command: str, address: str = "") -> ReplyKind:
    """What an SMTP refusal means, in the vocabulary of :func:`~mssc.replies.classify`.

    The reply is read by the same rules as a bounce: it is written as the delivery-status
    report a relay would have sent, and classified.

    >>> reply_kind(550, "5.1.1 <x@patient.mssante.fr>: user unknown", "RCPT").value
    'RECIPIENT_NOT_FOUND'
    >>> reply_kind(552, "5.3.4 Message size exceeds fixed limit", "DATA").value
    'MESSAGE_TOO_LARGE'
    """
    status = _status_code(code, text) or f"{str(code)[:1]}.0.0"
    verb = {"MAIL": "MAIL FROM", "RCPT": "RCPT TO", "DATA": "end of DATA"}.get(command, command)
    # one line, no control characters: the reply cannot change the report's structure
    said = " ".join("".join(c if c.isprintable() else " " for c in text).split())[:500]
    diagnostic = f"{code} {said} (in reply to {verb} command)"
    recipient = f"Final-Recipient: rfc822; {address}\r\n" if address.isprintable() else ""
    report = (
        "From: MAILER-DAEMON@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="=_mssc_="\r\n'
        "\r\n--=_mssc_=\r\nContent-Type: text/plain\r\n\r\n"
        f"host said: {diagnostic}\r\n"
        "\r\n--=_mssc_=\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; localhost\r\n\r\n"
        f"{recipient}Action: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n"
        "\r\n--=_mssc_=--\r\n"
    )
    kind = classify(report.encode("utf-8")).kind
    if kind in (ReplyKind.OTHER, ReplyKind.DELIVERED, ReplyKind.DELIVERY_DELAYED):
        return ReplyKind.DELIVERY_FAILED
    return kind


def _bytes(text: Any) -> str:
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    return str(text)


@dataclass
class _Pending:
    """What is known so far about one recipient of the message being sent."""

    address: str
    result: RecipientSubmission | None = None
    attempts: int = 0
    last: tuple[int, str, str] = field(default=(0, "", ""))


class _Dropped(Exception):
    """The connection dropped; ``after_data`` when the message had been transmitted."""

    def __init__(self, after_data: bool, reason: str) -> None:
        super().__init__(reason)
        self.after_data = after_data
        self.reason = reason


class Submitter:
    """Submit messages to an MSSanté operator's SMTP server (message submission, port 587).

    Args:
        host: the operator's submission server (explicit: DNS SRV auto-configuration is not
            done).
        port: the submission port (587, STARTTLS).
        credentials: the structure's IGC-Santé certificate, presented for mutual TLS.
        token: a Pro Santé Connect access token for SASL XOAUTH2, or a function returning a
            fresh one (called once per connection; tokens live minutes).
        username: the XOAUTH2 user (the box address); by default the envelope sender of the
            first message of the connection.
        ssl_context: the client TLS context; by default one trusting ``cafile``/``cadata`` or
            the system store (TLS ≥ 1.2, host name checked). The credentials are loaded into
            it when both are given.
        cafile, cadata: the operator's CA certificates (PEM), when ``ssl_context`` is not given.
        timeout: seconds for the connection and each reply.
        insecure: allow a server without STARTTLS (a warning is logged; a token is still never
            sent in clear). For local tests only.
        retries: how many times a transient (4xx) refusal is retried per message.
        backoff: the first wait before a retry, in seconds; it doubles, up to ``max_backoff``.
        sleep: the function that waits (injectable for tests).
        local_hostname: the name given in EHLO (default: the local FQDN).

    Use it as a context manager, or call :meth:`close`. Not thread-safe: one per thread.
    """

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        credentials: Credentials | None = None,
        token: Token | None = None,
        username: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        cafile: str | None = None,
        cadata: str | bytes | None = None,
        timeout: float = 60,
        insecure: bool = False,
        retries: int = 2,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        local_hostname: str | None = None,
    ) -> None:
        if retries < 0 or backoff < 0 or max_backoff < 0:
            raise TransportError(
                "retries, backoff and max_backoff must not be negative", code="bad-argument"
            )
        if credentials is not None:
            unusable = [f for f in credentials.check(environment="test") if f.code in _UNUSABLE]
            if unusable:
                raise CredentialsError(
                    "the client certificate cannot be used: "
                    + "; ".join(f"{f.code}: {f.message}" for f in unusable),
                    code="unusable",
                    hint=unusable[0].hint,
                )
        self.host = host
        self.port = port
        self.timeout = timeout
        self.insecure = insecure
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._token = token
        self._username = username
        self._local_hostname = local_hostname
        context = ssl_context or client_context(cafile=cafile, cadata=cadata)
        if credentials is not None:
            credentials.load_into(context)
        self._context = context
        self._smtp: smtplib.SMTP | None = None
        self.tls = False
        self.connections = 0

    # -- connection ---------------------------------------------------------------------

    def __enter__(self) -> Submitter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT (when connected) and close the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def connect(self, username: str | None = None) -> None:
        """Open the session now (it opens on first use otherwise): connect, STARTTLS, EHLO,
        and XOAUTH2 when a token was given.

        Raises:
            TransportError: ``connection-failed``, ``starttls-unavailable``, ``tls-failed``,
                ``auth-unavailable`` or ``auth-failed``.
        """
        if self._smtp is not None:
            return
        try:
            smtp = smtplib.SMTP(
                self.host, self.port, local_hostname=self._local_hostname, timeout=self.timeout
            )
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(
                f"cannot connect to {self.host}:{self.port}: {exc}",
                code="connection-failed",
                hint="check the host, the port (587) and the network",
            ) from None
        try:
            self._secure(smtp)
            self._authenticate(smtp, username)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        self.connections += 1

    def _secure(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.ehlo()
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(
                f"the server did not answer EHLO: {exc}", code="connection-failed"
            ) from None
        if not smtp.has_extn("starttls"):
            if not self.insecure:
                raise TransportError(
                    f"{self.host}:{self.port} does not offer STARTTLS; refusing to send in clear",
                    code="starttls-unavailable",
                    hint="check the port (587 is submission with STARTTLS); insecure=True is "
                    "for local tests only",
                )
            log.warning(
                "mssc.transport: %s:%s offers no STARTTLS; sending IN CLEAR (insecure=True)",
                self.host,
                self.port,
            )
            self.tls = False
            return
        try:
            smtp.starttls(context=self._context)
            smtp.ehlo()
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise TransportError(
                f"TLS with {self.host}:{self.port} failed: {exc}",
                code="tls-failed",
                hint="check the operator's CA (cafile=) and the client certificate",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            # A server that refuses the client certificate closes the connection right after
            # the handshake (TLS 1.3 reports it on the next read).
            raise TransportError(
                f"the connection was closed during or right after TLS: {exc}",
                code="tls-failed",
                hint="the server may refuse the client certificate (expired, other CA)",
            ) from None
        self.tls = True

    def _authenticate(self, smtp: smtplib.SMTP, username: str | None) -> None:
        if self._token is None:
            return
        if not self.tls:
            raise TransportError(
                "refusing to send an access token over a connection without TLS",
                code="auth-unavailable",
            )
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        if "XOAUTH2" not in mechanisms:
            raise TransportError(
                f"{self.host} does not offer AUTH XOAUTH2 (offers: {' '.join(mechanisms)})",
                code="auth-unavailable",
            )
        user = self._username or username
        if not user:
            raise TransportError(
                "XOAUTH2 needs a user: give username= or send a message", code="bad-argument"
            )
        token = self._token() if callable(self._token) else self._token
        initial = f"user={user}\x01auth=Bearer {token}\x01\x01"

        def answer(challenge: bytes | None = None) -> str:
            # RFC-less XOAUTH2: after a failure the server sends a JSON challenge, to which
            # the client answers with an empty line before the final 535.
            return initial if challenge is None else ""

        try:
            smtp.auth("XOAUTH2", answer, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(
                f"XOAUTH2 refused: {exc.smtp_code} {_bytes(exc.smtp_error)}",
                code="auth-failed",
                hint="get a fresh Pro Santé Connect token for this box",
                reply_code=exc.smtp_code,
                reply_text=_bytes(exc.smtp_error),
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(f"AUTH failed: {exc}", code="auth-failed") from None

    # -- sending ------------------------------------------------------------------------

    def send(self, composed: Submittable) -> SubmissionResult:
        """Submit one message; return one outcome per envelope recipient.

        The DSN parameters of the envelope (``RET``, ``ENVID``, ``NOTIFY``, ``ORCPT``) are
        passed only when the server offers ``DSN``. Transient refusals (4xx) are retried with
        bounded backoff; a recipient that was accepted is never sent again. A connection lost
        before the message was transmitted is reopened once.

        Raises:
            TransportError: when no session can be opened at all (see :meth:`connect`).
        """
        pending = [_Pending(a) for a in composed.envelope.rcpt_to]
        reconnected = False
        tries = 0
        while True:
            todo = [p for p in pending if p.result is None]
            if not todo:
                break
            try:
                self.connect(composed.envelope.mail_from)
            except TransportError:
                if tries == 0 and not reconnected and self.connections == 0:
                    raise
                self._settle(todo, SubmissionStatus.DEFERRED, (0, "", ""), "connection lost")
                break
            try:
                transient = self._transaction(composed, todo)
            except _Dropped as drop:
                self._drop()
                if drop.after_data:
                    break  # every recipient has its outcome: uncertain, or deferred
                if reconnected:
                    self._settle(todo, SubmissionStatus.DEFERRED, (0, "", ""), drop.reason)
                    break
                reconnected = True
                continue
            if not transient:
                continue
            if tries >= self.retries:
                for p in transient:
                    self._refusal(p, SubmissionStatus.DEFERRED)
                break
            self._sleep(min(self.max_backoff, self.backoff * 2**tries))
            tries += 1
        return SubmissionResult(
            composed.message_id,
            tuple(p.result for p in pending if p.result is not None),
        )

    def send_many(self, messages: Iterable[Submittable]) -> list[SubmissionResult]:
        """Submit several messages over one connection, in order; one result per message.

        The connection is reopened when it drops (at most once per message); once something
        was sent, a server that can no longer be reached gives ``DEFERRED`` outcomes to the
        messages left, rather than an exception that would hide the results so far.

        Raises:
            TransportError: when the first connection cannot be opened (nothing was sent).
        """
        return [self.send(m) for m in messages]

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    @staticmethod
    def _settle(
        todo: list[_Pending], status: SubmissionStatus, reply: tuple[int, str, str], why: str
    ) -> None:
        code, text, command = reply
        for p in todo:
            p.result = RecipientSubmission(
                p.address,
                status,
                reply_code=code,
                reply_text=text or why,
                smtp_command=command,
                attempts=max(p.attempts, 1),
            )

    def _refusal(self, p: _Pending, status: SubmissionStatus) -> None:
        code, text, command = p.last
        p.result = RecipientSubmission(
            p.address,
            status,
            kind=reply_kind(code, text, command, p.address),
            reply_code=code,
            status_code=_status_code(code, text),
            reply_text=text,
            smtp_command=command,
            attempts=p.attempts,
        )

    def _transaction(self, composed: Submittable, todo: list[_Pending]) -> list[_Pending]:
        """One MAIL/RCPT/DATA transaction for the recipients in ``todo``.

        Sets the final result of every recipient that got one; returns those refused with a
        transient (4xx) reply, to retry. Raises :class:`_Dropped` when the connection drops.
        """
        smtp = self._smtp
        assert smtp is not None
        data = composed.to_bytes()
        envelope = composed.envelope
        dsn = smtp.has_extn("dsn")
        mail_options = list(envelope.mail_options if dsn else ())
        rcpt_options = list(envelope.rcpt_options if dsn else ())
        if smtp.has_extn("size"):
            mail_options.append(f"SIZE={len(data)}")
        if not data.isascii() and smtp.has_extn("8bitmime"):
            mail_options.append("BODY=8BITMIME")
        for p in todo:
            p.attempts += 1
        try:
            code, reply = smtp.mail(envelope.mail_from, mail_options)
        except (OSError, smtplib.SMTPException) as exc:
            raise _Dropped(False, f"connection lost at MAIL: {exc}") from None
        if code != 250:
            return self._refused_all(smtp, todo, code, _bytes(reply), "MAIL")
        # ORCPT and NOTIFY are per recipient in the envelope; rcpt_options carries the ones of
        # a single recipient (MSS-C messages have one), so they are passed only then.
        options = rcpt_options if len(envelope.rcpt_to) == 1 else []
        accepted: list[_Pending] = []
        transient: list[_Pending] = []
        for p in todo:
            try:
                code, reply = smtp.rcpt(p.address, options)
            except (OSError, smtplib.SMTPException) as exc:
                raise _Dropped(False, f"connection lost at RCPT: {exc}") from None
            if code in (250, 251):
                accepted.append(p)
                continue
            p.last = (code, _bytes(reply), "RCPT")
            if 400 <= code < 500:
                transient.append(p)
            else:
                self._refusal(p, SubmissionStatus.REFUSED)
        if not accepted:
            self._rset(smtp)
            return transient
        try:
            code, reply = smtp.docmd("DATA")
        except (OSError, smtplib.SMTPException) as exc:
            raise _Dropped(False, f"connection lost at DATA: {exc}") from None
        if code != 354:
            return transient + self._refused_all(smtp, accepted, code, _bytes(reply), "DATA")
        body = re.sub(rb"(?m)^\.", b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        try:
            smtp.send(body + b".\r\n")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            # The message (or part of it) left; whether the server kept it is unknown.
            why = f"connection lost after the message was sent: {exc}"
            self._settle(accepted, SubmissionStatus.UNCERTAIN, (0, "", "DATA"), why)
            for p in transient:
                self._refusal(p, SubmissionStatus.DEFERRED)
            raise _Dropped(True, why) from None
        if code == 250:
            for p in accepted:
                p.result = RecipientSubmission(
                    p.address,
                    SubmissionStatus.ACCEPTED,
                    reply_code=code,
                    status_code=_status_code(code, _bytes(reply)),
                    reply_text=_bytes(reply),
                    smtp_command="DATA",
                    attempts=p.attempts,
                )
            return transient
        return transient + self._refused_all(smtp, accepted, code, _bytes(reply), "DATA")

    def _refused_all(
        self, smtp: smtplib.SMTP, group: list[_Pending], code: int, text: str, command: str
    ) -> list[_Pending]:
        for p in group:
            p.last = (code, text, command)
        if command != "DATA" or code != 354:
            self._rset(smtp)
        if 400 <= code < 500:
            return group
        for p in group:
            self._refusal(p, SubmissionStatus.REFUSED)
        return []

    def _rset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()
