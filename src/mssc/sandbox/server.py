"""The sandbox: a local Mon espace santé on loopback, over real SMTP and TLS (aiosmtpd).

The lifecycle (a thread that owns its own event loop) is kept apart from the protocol (an
aiosmtpd handler that maps :mod:`mssc.sandbox._policy` verdicts to SMTP replies). Every message
is processed before the final ``250`` of its DATA, so when ``smtplib.sendmail`` returns, the
patient's inbox and the professionals' mailboxes already show what MES would have done.

    >>> import smtplib
    >>> from mssc.sandbox import Sandbox, SandboxPatient
    >>> with Sandbox([SandboxPatient(ins="279035121518989")], tls="off") as mes:
    ...     with smtplib.SMTP(mes.host, mes.port) as client:
    ...         _ = client.sendmail("rdv@ch-test.mssante.fr",
    ...             ["279035121518989@patient.mssante.fr"],
    ...             b"From: <rdv@ch-test.mssante.fr>\\r\\nSubject: Bonjour\\r\\n"
    ...             b"Message-ID: <m-1@ch-test.mssante.fr>\\r\\n\\r\\nBonjour.\\r\\n")
    ...     [m.subject for m in mes.inbox("279035121518989")]
    ['Bonjour']
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import datetime as dt
import email.utils
import itertools
import mailbox
import queue
import re
import secrets
import smtplib
import ssl
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from mssc.attachments import INBOUND_POLICY, Attachment
from mssc.errors import AttachmentRejected
from mssc.headers import make_message_id, reply_subject, thread_headers
from mssc.ins import PATIENT_DOMAIN, parse_ins
from mssc.sandbox._policy import Facts, RouteKind, accepts_recipient, read_facts, route
from mssc.sandbox.notices import (
    NOTICE_FORMS,
    REPORTING_MTA,
    NoticeCause,
    NoticeForm,
    build_notice,
)
from mssc.sandbox.patients import (
    ConversationClosed,
    DeliveredMessage,
    PatientState,
    SandboxError,
    SandboxPatient,
    load_patients,
)
from mssc.sandbox.pki import TestPki
from mssc.size import MAX_MESSAGE_BYTES
from mssc.testing.factories import make_read_receipt, make_test_acknowledgement

__all__ = ["Sandbox", "SandboxEvent"]

TlsMode = Literal["required", "mutual", "off"]
AuthMode = Literal["xoauth2"] | None

_DSN_PARAMETERS: Final = ("RET", "ENVID", "NOTIFY", "ORCPT")
_MAX_EVENTS: Final = 10_000
#: The default of ``Sandbox(max_stored=...)``: what the in-memory boxes hold at most, in octets.
DEFAULT_MAX_STORED: Final = 512 * 1024 * 1024
_SAFE_FOLDER: Final = re.compile(r"[^A-Za-z0-9._@+-]")


@dataclass(frozen=True, slots=True)
class SandboxEvent:
    """One thing the sandbox did, for logs and transcripts."""

    at: dt.datetime
    kind: str
    """``accepted``, ``refused``, ``delivered``, ``notice``, ``test-ack``, ``read-receipt``,
    ``reply``, ``relayed``, ``relay-failed``, ``ignored``, ``auth-failed``, ``error``."""
    message_id: str | None
    detail: str
    patient: str | None = None
    """The patient's INS, for ``delivered`` events."""

    def __str__(self) -> str:
        mid = f" {self.message_id}" if self.message_id else ""
        return f"{self.at:%H:%M:%S} {self.kind:<13}{mid} {self.detail}".rstrip()


@dataclass(slots=True)
class _Stored:
    data: bytes
    facts: Facts
    message_id: str
    received_at: dt.datetime
    read: bool = False


@dataclass(slots=True)
class _Box:
    messages: dict[str, _Stored] = field(default_factory=dict)


if not callable(getattr(SMTP, "_getparams", None)):  # pragma: no cover - another aiosmtpd
    # _Smtp below extends this private method of aiosmtpd 1.x; without it, the sandbox would
    # refuse every MAIL/RCPT with DSN parameters instead of saying why
    raise ImportError(
        "mssc.sandbox needs aiosmtpd 1.x (SMTP._getparams); install it with "
        "pip install 'mssc[sandbox]'"
    )


class _Smtp(SMTP):
    """aiosmtpd's SMTP, taking the DSN parameters (RFC 3461) that MSSanté clients send."""

    def _getparams(self, params: Sequence[str]) -> dict[str, str | bool] | None:
        result: dict[str, str | bool] | None = super()._getparams(params)
        if result is not None:
            for name in _DSN_PARAMETERS:
                result.pop(name, None)
        return result


def _folder_name(address: str) -> str:
    name = _SAFE_FOLDER.sub("_", address.lower())
    return name if name.strip(".") else "_"


class Sandbox:
    """A local Mon espace santé: an SMTP server on loopback that applies MES's rules.

    Args:
        patients: the patients it knows, or a JSON file of them (:func:`load_patients`).
        host: the loopback address to listen on.
        port: the port (``0``: an ephemeral one; read :attr:`port`).
        max_size: over this many octets, a "message too large" notice goes back. The SMTP cap
            (:attr:`smtp_size_limit`) is higher, so that the notice path is the one exercised.
        tls: ``required`` (STARTTLS before ``MAIL FROM``), ``mutual`` (also a client certificate
            from :attr:`pki`'s CA) or ``off`` (quick tests only).
        pki: the test PKI; a new in-memory one by default.
        auth: ``"xoauth2"`` to require SASL XOAUTH2 with a token from :meth:`issue_token`.
        maildir: a folder where each professional address gets a real Maildir.
        relay: ``(host, port)`` of an SMTP server that also receives everything sent back.
        notice_forms: the notice forms to rotate through (``dsn``, ``text``, ``postfix``).
        clock: returns the current time (aware); UTC now by default.
        message_ids: makes the Message-ID of what the sandbox sends, given a domain
            (:func:`mssc.headers.make_message_id` by default; e.g.
            :class:`mssc.headers.SequentialMessageIds` for reproducible output).
        on_event: called (on the sandbox's threads) with each :class:`SandboxEvent`.
        max_stored: what the patients' inboxes and the professional mailboxes keep in memory
            at most, in octets (512 MiB by default). Past it, the oldest messages are dropped
            (each with a ``dropped`` event, counted in :attr:`dropped`), so that a sandbox left
            running does not grow without end. Maildir copies are not counted nor dropped.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        patients: Iterable[SandboxPatient] | str | Path = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_size: int = MAX_MESSAGE_BYTES,
        tls: TlsMode = "required",
        pki: TestPki | None = None,
        auth: AuthMode = None,
        maildir: str | Path | None = None,
        relay: tuple[str, int] | None = None,
        notice_forms: Sequence[NoticeForm] = NOTICE_FORMS,
        clock: Callable[[], dt.datetime] | None = None,
        message_ids: Callable[[str], str] | None = None,
        on_event: Callable[[SandboxEvent], None] | None = None,
        max_stored: int = DEFAULT_MAX_STORED,
    ) -> None:
        if isinstance(max_stored, bool) or not isinstance(max_stored, int) or max_stored < 1:
            raise SandboxError(
                f"max_stored must be a positive number of octets, not {max_stored!r}",
                code="bad-option",
                hint="e.g. max_stored=64 * 1024 * 1024",
            )
        if tls not in ("required", "mutual", "off"):
            raise SandboxError(
                f"unknown TLS mode {tls!r}", code="bad-option", hint="use required, mutual or off"
            )
        if auth not in (None, "xoauth2"):
            raise SandboxError(
                f"unknown auth mode {auth!r}", code="bad-option", hint='use None or "xoauth2"'
            )
        if not notice_forms or any(f not in NOTICE_FORMS for f in notice_forms):
            raise SandboxError(
                f"notice forms must be among {NOTICE_FORMS}",
                code="bad-option",
                hint="e.g. notice_forms=('dsn',)",
            )
        loaded = load_patients(patients) if isinstance(patients, (str, Path)) else patients
        self._patients: dict[str, SandboxPatient] = {p.ins: p for p in loaded}
        self.host = host
        self.port = port
        self.max_size = max_size
        self.smtp_size_limit = max(2 * max_size, max_size + 16_000_000)
        self.tls: TlsMode = tls
        self.pki = pki if pki is not None else (TestPki() if tls != "off" else None)
        self.auth: AuthMode = auth
        self.maildir = Path(maildir) if maildir is not None else None
        self.relay = relay
        self._forms = tuple(notice_forms)
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._ids: Callable[[str], str] = message_ids or make_message_id
        self._on_event = on_event
        self._lock = threading.RLock()
        self._inboxes: dict[str, _Box] = {}
        self._mailboxes: dict[str, list[bytes]] = {}
        self.max_stored = max_stored
        # what the boxes hold, oldest first: (inbox key or mailbox address, the stored value)
        self._stored: collections.deque[tuple[str, _Stored | bytes]] = collections.deque()
        self._stored_octets = 0
        self._dropped = 0
        self._closed: dict[tuple[str, str], bool] = {}
        self._tokens: dict[str, str] = {}
        self._events: collections.deque[SandboxEvent] = collections.deque(maxlen=_MAX_EVENTS)
        self._notices = itertools.count()
        self._queue_ids = itertools.count(0x4F2A1)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._startup_errors: list[BaseException] = []
        self._protocols: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._relay_queue: queue.Queue[tuple[str, str, bytes] | None] = queue.Queue()
        self._relay_thread: threading.Thread | None = None
        self._server_context: ssl.SSLContext | None = None
        if self.pki is not None and tls != "off":
            self._server_context = self.pki.server_context()
            if tls == "mutual":
                # CERT_OPTIONAL: a certificate that is presented must verify (else the handshake
                # fails); a missing one is refused with a clear SMTP reply at MAIL FROM.
                self._server_context.verify_mode = ssl.CERT_OPTIONAL
                self._server_context.load_verify_locations(cadata=self.pki.ca_pem.decode())

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> None:
        """Start listening (in a thread of its own). Returns once the port is bound.

        Raises:
            SandboxError: code ``cannot-listen`` when the address cannot be bound.
        """
        if self.running:
            return
        if self.maildir is not None:
            self.maildir.mkdir(parents=True, exist_ok=True)
        self._ready.clear()
        self._startup_errors.clear()
        self._thread = threading.Thread(target=self._run, name="mssc-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SandboxError("the sandbox did not start in time", code="cannot-listen")
        if self._startup_errors:
            self._thread.join(timeout)
            self._thread = None
            error = self._startup_errors[0]
            raise SandboxError(
                f"cannot listen on {self.host}:{self.port}: {error}",
                code="cannot-listen",
                hint="choose another port, or port=0 for a free one",
            ) from error
        if self.relay is not None:
            self._relay_thread = threading.Thread(
                target=self._relay_worker, name="mssc-sandbox-relay", daemon=True
            )
            self._relay_thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop: close every connection and the port, end the threads. Idempotent."""
        thread, loop = self._thread, self._loop
        if thread is not None and loop is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
        self._thread = None
        if self._relay_thread is not None:
            self._relay_queue.put(None)
            self._relay_thread.join(timeout)
            self._relay_thread = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                loop.create_server(self._new_protocol, self.host, self.port)
            )
        except OSError as exc:
            self._startup_errors.append(exc)
            self._ready.set()
            loop.close()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for protocol in list(self._protocols):
                transport = protocol.transport
                if transport is not None:
                    transport.close()
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(asyncio.sleep(0))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)

    def _new_protocol(self) -> SMTP:
        mechanisms = [] if self.auth == "xoauth2" else ["XOAUTH2"]
        protocol = _Smtp(
            _Handler(self),
            data_size_limit=self.smtp_size_limit,
            enable_SMTPUTF8=True,
            hostname=REPORTING_MTA,
            ident="mssc sandbox (Mon espace sante, test)",
            tls_context=self._server_context,
            require_starttls=self._server_context is not None,
            timeout=60,
            auth_required=self.auth == "xoauth2",
            auth_require_tls=self._server_context is not None,
            auth_exclude_mechanism=["PLAIN", "LOGIN", *mechanisms],
            loop=self._loop,
        )
        self._protocols.add(protocol)
        return protocol

    # -- patients and tokens ---------------------------------------------------------------

    @property
    def patients(self) -> tuple[SandboxPatient, ...]:
        """The patients the sandbox knows."""
        with self._lock:
            return tuple(self._patients.values())

    def patient(self, state: PatientState | str) -> SandboxPatient:
        """The first known patient in ``state``.

        Raises:
            SandboxError: code ``unknown-patient`` when there is none.
        """
        wanted = PatientState(state)
        for p in self.patients:
            if p.state is wanted:
                return p
        raise SandboxError(f"no patient is {wanted.value}", code="unknown-patient")

    def add_patient(self, patient: SandboxPatient) -> None:
        """Add a patient, or replace the one with the same INS (e.g. to change its state)."""
        with self._lock:
            self._patients[patient.ins] = patient

    def issue_token(self, address: str) -> str:
        """A bearer token that SASL XOAUTH2 accepts for ``address`` (a stand-in for PSC)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = address.strip().lower()
        return token

    def _token_owner(self, token: str) -> str | None:
        with self._lock:
            return self._tokens.get(token)

    # -- what tests read -------------------------------------------------------------------

    def events(self) -> tuple[SandboxEvent, ...]:
        """What happened so far (the last 10,000 events)."""
        with self._lock:
            return tuple(self._events)

    @property
    def dropped(self) -> int:
        """How many messages were dropped from memory to stay under ``max_stored``."""
        with self._lock:
            return self._dropped

    def _keep(self, key: str, value: _Stored | bytes) -> list[str]:
        """Count a value just stored; drop the oldest ones past ``max_stored`` (the newest is
        always kept). Returns what was dropped, for the events. Called under the lock."""
        self._stored.append((key, value))
        self._stored_octets += len(value.data if isinstance(value, _Stored) else value)
        dropped: list[str] = []
        while self._stored_octets > self.max_stored and len(self._stored) > 1:
            old_key, old = self._stored.popleft()
            if isinstance(old, _Stored):
                box = self._inboxes.get(old_key)
                if box is None or box.messages.get(old.message_id) is not old:
                    continue  # replaced by a later message with its id: already uncounted
                del box.messages[old.message_id]
                self._stored_octets -= len(old.data)
                dropped.append(f"{old.message_id} of {old_key}")
            else:
                kept = self._mailboxes.get(old_key, [])
                for i, data in enumerate(kept):
                    if data is old:
                        del kept[i]
                        break
                self._stored_octets -= len(old)
                dropped.append(f"a message of {old_key}")
            self._dropped += 1
        return dropped

    def _dropped_events(self, dropped: list[str]) -> None:
        for what in dropped:
            self._event("dropped", None, f"{what}: over max_stored ({self.max_stored:,} octets)")

    def inbox(self, ins: str) -> list[DeliveredMessage]:
        """The messages delivered to a patient, oldest first."""
        key = _ins_key(ins)
        with self._lock:
            box = self._inboxes.get(key)
            stored = list(box.messages.values()) if box else []
            return [
                DeliveredMessage(
                    message_id=s.message_id,
                    sender=s.facts.sender or "",
                    subject=s.facts.subject,
                    received_at=s.received_at,
                    read=s.read,
                    closes_conversation=s.facts.fin,
                    data=s.data,
                )
                for s in stored
            ]

    def mailbox(self, address: str) -> list[bytes]:
        """What a professional address received (notices, receipts, replies), oldest first."""
        with self._lock:
            return list(self._mailboxes.get(address.strip().lower(), ()))

    # -- the patient's side ----------------------------------------------------------------

    def _find(self, ins: str, message_id: str) -> tuple[str, _Stored]:
        key = _ins_key(ins)
        box = self._inboxes.get(key)
        stored = box.messages.get(message_id.strip()) if box else None
        if stored is None:
            raise SandboxError(
                f"patient {key} has no message {message_id!r}",
                code="unknown-message",
                hint="take the message id from Sandbox.inbox(ins)",
            )
        return key, stored

    def open(self, ins: str, message_id: str) -> bytes | None:
        """The patient opens a message: it is marked read, and the MDN goes back if asked for.

        Returns the read receipt sent (to ``Disposition-Notification-To``), or None when none
        was requested or the message was already read. The patient cannot refuse it.

        Raises:
            SandboxError: code ``unknown-message``.
        """
        with self._lock:
            key, stored = self._find(ins, message_id)
            if stored.read:
                return None
            stored.read = True
            target = stored.facts.notify_to
            if target is None:
                self._event("opened", stored.message_id, f"by {key}, no receipt requested")
                return None
            receipt = make_read_receipt(
                stored.data,
                "displayed",
                recipient=f"{key}@{PATIENT_DOMAIN}",
                date=self._clock(),
                message_id=self._ids(PATIENT_DOMAIN),
            )
            receipt = _with_to(receipt, target)
            self._send_back(target, receipt, "read-receipt", stored.message_id, "")
            return receipt

    def reply(
        self,
        ins: str,
        message_id: str,
        text: str,
        attachments: Sequence[Attachment | tuple[str, bytes]] = (),
    ) -> bytes:
        """The patient answers a message: to its ``Reply-To``, or else its ``From``.

        Only the attachments the MES app lets a patient send are allowed (PDF, JPEG, PNG, TIFF,
        RTF, TXT, DOC, checked from their content). Returns the reply as sent.

        Raises:
            SandboxError: code ``unknown-message``.
            ConversationClosed: code ``conversation-closed`` after a FIN from that sender.
            AttachmentRejected: an attachment outside the patient whitelist.
        """
        with self._lock:
            key, stored = self._find(ins, message_id)
            patient = self._patients.get(key)
            sender = stored.facts.sender or ""
            if self._closed.get((key, sender)):
                raise ConversationClosed(
                    f"{sender} closed the conversation with {key}",
                    code="conversation-closed",
                    hint="the professional must write again before the patient can answer",
                )
            target = stored.facts.reply_to or stored.facts.sender
            if target is None:
                raise SandboxError(
                    f"message {message_id} has no sender to answer", code="unknown-message"
                )
        files = [_checked(item) for item in attachments]
        display = patient.display_name if patient else "Camille PATIENT"
        msg = EmailMessage(policy=SMTP_POLICY)
        msg["From"] = email.utils.formataddr((display, f"{key}@{PATIENT_DOMAIN}"))
        msg["To"] = target
        msg["Subject"] = reply_subject(stored.facts.subject)
        msg["Date"] = email.utils.format_datetime(self._clock())
        new_id = self._ids(PATIENT_DOMAIN)
        msg["Message-ID"] = new_id
        thread = thread_headers(stored.data)
        msg["In-Reply-To"] = thread.in_reply_to
        msg["References"] = " ".join(thread.references)
        msg.set_content(text)
        for item in files:
            maintype, _, subtype = (item.media_type or "").partition("/")
            msg.add_attachment(
                item.content, maintype=maintype, subtype=subtype, filename=item.filename
            )
        data = msg.as_bytes(policy=SMTP_POLICY)
        with self._lock:
            self._send_back(target, data, "reply", new_id, f"from {key} to {message_id}")
        return data

    # -- the professional's side -----------------------------------------------------------

    def _event(
        self, kind: str, message_id: str | None, detail: str, patient: str | None = None
    ) -> None:
        event = SandboxEvent(self._clock(), kind, message_id, detail, patient)
        with self._lock:
            self._events.append(event)
        if self._on_event is not None:
            with contextlib.suppress(Exception):  # a logging callback must not break the server
                self._on_event(event)

    def _send_back(
        self, to: str, data: bytes, kind: str, message_id: str | None, detail: str
    ) -> None:
        """Store what MES sends to a professional address; Maildir and relay when configured."""
        address = to.strip().lower()
        with self._lock:
            self._mailboxes.setdefault(address, []).append(data)
            dropped = self._keep(address, data)
            if self.maildir is not None:
                folder = mailbox.Maildir(self.maildir / _folder_name(address), create=True)
                folder.add(data)
        self._dropped_events(dropped)
        self._event(kind, message_id, f"to {address}{' ' + detail if detail else ''}")
        if self.relay is not None:
            sender = "" if kind in ("notice", "read-receipt", "test-ack") else _from_of(data)
            self._relay_queue.put((sender, address, data))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued for the relay was sent (or failed). True if done."""
        if self._relay_thread is None:
            return True
        done = threading.Event()

        def wait() -> None:
            self._relay_queue.join()
            done.set()

        threading.Thread(target=wait, name="mssc-sandbox-flush", daemon=True).start()
        return done.wait(timeout)

    def _relay_worker(self) -> None:
        assert self.relay is not None
        host, port = self.relay
        while True:
            item = self._relay_queue.get()
            try:
                if item is None:
                    return
                sender, to, data = item
                try:
                    with smtplib.SMTP(host, port, timeout=10) as client:
                        client.sendmail(sender, [to], data)
                    self._event("relayed", None, f"to {to} via {host}:{port}")
                except (OSError, smtplib.SMTPException) as exc:
                    self._event("relay-failed", None, f"to {to} via {host}:{port}: {exc}")
            finally:
                self._relay_queue.task_done()

    # -- what happens to a message (called on the loop's thread) --------------------------

    def _process(self, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not data:
            data = envelope.content
        facts = read_facts(data)
        now = self._clock()
        mid = facts.message_id or self._ids(PATIENT_DOMAIN)
        return_path = (envelope.mail_from or "").strip()
        if return_path == "<>":
            return_path = ""
        self._event("accepted", mid, f"{len(data):,} octets from <{return_path}>")
        with self._lock:
            patients = dict(self._patients)
        for rcpt in envelope.rcpt_tos:
            verdict = route(rcpt, data, facts, patients, max_size=self.max_size)
            if verdict.kind is RouteKind.DELIVER_PATIENT:
                assert verdict.patient is not None
                self._deliver(verdict.patient, data, facts, mid, now)
            elif verdict.kind is RouteKind.DELIVER_PROFESSIONAL:
                self._send_back(verdict.recipient, data, "delivered", mid, "")
            elif verdict.kind is RouteKind.TEST_ACK and return_path:
                ack = make_test_acknowledgement(
                    data, date=now, message_id=self._ids(PATIENT_DOMAIN)
                )
                self._send_back(return_path, _with_to(ack, return_path), "test-ack", mid, "")
            elif verdict.kind is RouteKind.NOTICE and verdict.cause is not None and return_path:
                self._notice(data, verdict.cause, verdict.recipient, return_path, mid, now)
            else:
                self._event("ignored", mid, f"for {verdict.recipient} ({verdict.kind.value})")
        return "250 2.0.0 Ok: queued"

    def _deliver(
        self, patient: SandboxPatient, data: bytes, facts: Facts, mid: str, now: dt.datetime
    ) -> None:
        with self._lock:
            box = self._inboxes.setdefault(patient.ins, _Box())
            replaced = box.messages.get(mid)
            if replaced is not None:  # the same Message-ID again: the new one replaces it
                self._stored_octets -= len(replaced.data)
            box.messages[mid] = stored = _Stored(data, facts, mid, now)
            dropped = self._keep(patient.ins, stored)
            if facts.sender:
                self._closed[(patient.ins, facts.sender)] = facts.fin
        self._dropped_events(dropped)
        detail = f"to {patient.ins}" + (" (FIN: the conversation is closed)" if facts.fin else "")
        self._event("delivered", mid, detail, patient.ins)

    def _notice(
        self,
        data: bytes,
        cause: NoticeCause,
        recipient: str,
        return_path: str,
        mid: str,
        now: dt.datetime,
    ) -> None:
        with self._lock:
            n = next(self._notices)
            queue_id = f"{next(self._queue_ids):X}"
        form = self._forms[n % len(self._forms)]
        notice = build_notice(
            data,
            cause,
            recipient=recipient,
            return_path=return_path,
            form=form,
            variant=n // len(self._forms),
            message_id=self._ids(REPORTING_MTA),
            date=now,
            queue_id=queue_id,
        )
        self._send_back(
            return_path, notice, "notice", mid, f"{cause.kind.value} ({form}) for {recipient}"
        )


class _Handler:
    """The aiosmtpd handler: maps the sandbox's verdicts to SMTP replies.

    aiosmtpd finds the hooks by their names (``handle_<VERB>``, ``auth_<MECHANISM>``).
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def handle_EHLO(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", responses[-1]]

    async def handle_MAIL(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        sandbox = self.sandbox
        if sandbox.tls == "mutual" and not (session.ssl and session.ssl.get("peercert")):
            sandbox._event("refused", None, f"MAIL FROM <{address}>: no client certificate")
            return "530 5.7.0 A client certificate from the structure is required"
        if sandbox.auth == "xoauth2" and str(session.auth_data or "") != address.lower():
            sandbox._event("refused", None, f"MAIL FROM <{address}>: not the token's box")
            return "553 5.7.1 The sender must be the authenticated box"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not accepts_recipient(address):
            self.sandbox._event("refused", None, f"RCPT TO <{address}>: outside MSSanté")
            return "550 5.7.1 Relaying denied: only patient.mssante.fr and MSSante domains"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        try:
            return self.sandbox._process(envelope)
        except Exception as exc:  # a sandbox bug must show, not kill the connection
            self.sandbox._event("error", None, f"{type(exc).__name__}: {exc}")
            return "451 4.3.0 The sandbox could not process this message"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        """SASL XOAUTH2: ``user=<address>^Aauth=Bearer <token>^A^A``, base64."""
        if len(args) > 1:
            blob = args[1]
            try:
                raw = base64.b64decode(blob, validate=True)
            except (binascii.Error, ValueError):
                await server.push("501 5.5.2 Cannot decode the base64 response")
                return AuthResult(success=False, handled=True)
        else:
            response: Any = await server.challenge_auth("")
            if not isinstance(response, bytes):
                return AuthResult(success=False, handled=True)
            raw = response
        fields = dict(
            part.split("=", 1)
            for part in raw.decode("utf-8", "replace").split("\x01")
            if "=" in part
        )
        user = fields.get("user", "").strip().lower()
        scheme, _, token = fields.get("auth", "").partition(" ")
        owner = self.sandbox._token_owner(token.strip()) if scheme.lower() == "bearer" else None
        if owner is None or owner != user:
            self.sandbox._event("auth-failed", None, f"XOAUTH2 for {user or '?'}")
            return AuthResult(
                success=False, handled=False, message="535 5.7.8 Authentication credentials invalid"
            )
        return AuthResult(success=True, auth_data=owner)


def _ins_key(ins: str) -> str:
    try:
        return parse_ins(ins.split("@")[0]).matricule
    except ValueError:
        return ins.strip().upper()


def _checked(item: Attachment | tuple[str, bytes]) -> Attachment:
    """A patient's attachment, with its media type from its content; refused off the whitelist."""
    file = Attachment(item[0], item[1]) if isinstance(item, tuple) else item
    verdict = INBOUND_POLICY.verdict(file.filename, file.content, file.media_type)
    if not verdict.accepted or verdict.media_type is None:
        raise AttachmentRejected(
            f"a patient cannot send {file.filename!r}: {verdict.reason}",
            code=verdict.code or "type-not-allowed",
            hint="MES lets a patient send PDF, JPEG, PNG, TIFF, RTF, TXT and DOC files",
            filename=file.filename,
        )
    return Attachment(file.filename, file.content, verdict.media_type)


def _with_to(data: bytes, address: str) -> bytes:
    """The same message with its ``To`` header set to ``address`` (where it really goes)."""
    end = data.find(b"\r\n\r\n")
    head, body = data[:end], data[end:]
    lines = head.split(b"\r\n")
    new = f"To: <{address}>".encode("ascii", "replace")
    out = [new if line.lower().startswith(b"to:") else line for line in lines]
    return b"\r\n".join(out) + body


def _from_of(data: bytes) -> str:
    facts = read_facts(data)
    return facts.sender or ""
