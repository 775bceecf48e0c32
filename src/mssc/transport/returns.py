"""Read a professional box's returns over IMAP, and process each one at least once.

:class:`ReturnBox` is a thin layer over :mod:`imaplib`: STARTTLS (port 143) or implicit TLS
(993), the structure's certificate for mutual TLS and/or a Pro Santé Connect token for SASL
XOAUTH2. :meth:`ReturnBox.process` classifies each message (and decodes patient messages),
hands it to your handler, and only once the handler has returned moves it to a done folder (or
flags it, where the server has no ``MOVE``). A handler that raises leaves its message where it
was, for the next run. Nothing is ever deleted or expunged.

Delivery to the handler is **at least once**: a crash between the handler's return and the
move gives the same message again on the next run. Make the handler idempotent on
:attr:`ReturnItem.idempotence_key`.

>>> PROCESSED_KEYWORD
'$MsscTraite'
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import json
import logging
import os
import re
import ssl
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, Final, Literal

from mssc.inbound import PatientMessage, parse_patient_message
from mssc.replies import Classification, ReplyKind, classify
from mssc.transport._errors import TransportError
from mssc.transport.credentials import Credentials, client_context
from mssc.transport.submit import Token

__all__ = [
    "PROCESSED_KEYWORD",
    "JsonFileState",
    "ProcessReport",
    "ReturnBox",
    "ReturnItem",
    "SkippedItem",
]

log = logging.getLogger("mssc.transport")

#: The IMAP keyword set on a processed message when the server cannot MOVE it.
PROCESSED_KEYWORD: Final = "$MsscTraite"
#: Messages larger than this are not fetched (left in place, reported as skipped).
DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024

_UIDVALIDITY: Final = re.compile(rb"UIDVALIDITY (\d+)")
_SIZE: Final = re.compile(rb"RFC822\.SIZE (\d+)")
_UID: Final = re.compile(rb"UID (\d+)")
_MESSAGE_ID: Final = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True, slots=True)
class ReturnItem:
    """One message of the return box, read and classified.

    Attributes:
        uid: its IMAP UID (valid for this UIDVALIDITY only).
        message_id: its own ``Message-ID`` with angle brackets, or None.
        idempotence_key: what to deduplicate on: the message's own ``Message-ID``, or
            ``sha256:<hex>`` of its bytes when it has none. The same message given twice (at
            least once delivery) has the same key.
        classification: what :func:`~mssc.replies.classify` says it is (bounce, receipt …);
            ``classification.original_message_id`` is the message of yours it is about.
        patient_message: the decoded message, when it is a ``PATIENT_MESSAGE``.
        size: its size in octets.
    """

    uid: int
    message_id: str | None
    idempotence_key: str
    classification: Classification
    patient_message: PatientMessage | None
    size: int

    @property
    def kind(self) -> ReplyKind:
        """The classification's kind."""
        return self.classification.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data (the patient message without its bodies and attachments)."""
        c = self.classification
        return {
            "uid": self.uid,
            "message_id": self.message_id,
            "idempotence_key": self.idempotence_key,
            "kind": c.kind.value,
            "original_message_id": c.original_message_id,
            "patient_ins": str(c.patient_ins) if c.patient_ins is not None else None,
            "trusted": c.trusted,
            "confidence": c.confidence,
            "size": self.size,
        }


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """A message left in place: the handler raised, or it could not be fetched or moved.

    Attributes:
        uid: its IMAP UID.
        reason: ``handler-error``, ``too-large``, ``fetch-failed`` or ``move-failed``.
        detail: the exception's type and text, or the server's answer.
    """

    uid: int
    reason: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """``{"uid", "reason", "detail"}``."""
        return {"uid": self.uid, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ProcessReport:
    """What one :meth:`ReturnBox.process` run did.

    Attributes:
        processed: the messages handed to the handler and then moved (or flagged).
        skipped: the messages left in place, with why.
        uidvalidity: the mailbox's UIDVALIDITY.
        uidvalidity_changed: True when it differs from the one stored by a previous run.
        moved: True when processed messages were moved; False when they were flagged.
    """

    processed: tuple[ReturnItem, ...]
    skipped: tuple[SkippedItem, ...]
    uidvalidity: int
    uidvalidity_changed: bool
    moved: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data."""
        return {
            "processed": [i.to_dict() for i in self.processed],
            "skipped": [s.to_dict() for s in self.skipped],
            "uidvalidity": self.uidvalidity,
            "uidvalidity_changed": self.uidvalidity_changed,
            "moved": self.moved,
        }


class JsonFileState(MutableMapping[str, Any]):
    """A small JSON file as the return box's state store (written atomically on each change).

    It maps ``user@host:port/mailbox`` to ``{"uidvalidity": …, "last_uid": …}``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            loaded = {}
        except (OSError, ValueError) as exc:
            raise TransportError(
                f"cannot read the state file {self.path}: {exc}",
                code="bad-argument",
                hint="remove or repair the file (it only holds UIDVALIDITY values)",
            ) from None
        self._data: dict[str, Any] = loaded if isinstance(loaded, dict) else {}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self._save()

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._save()

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".mssc-state-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self._data, out, indent=2, sort_keys=True)
        os.replace(tmp, self.path)


def _idempotence_key(raw: bytes) -> tuple[str | None, str]:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:64_000]
    headers = BytesHeaderParser(policy=compat32).parsebytes(head)
    value = headers.get("Message-ID")
    m = _MESSAGE_ID.search(str(value)) if value is not None else None
    if m:
        return m.group(0), m.group(0)
    return None, "sha256:" + hashlib.sha256(raw).hexdigest()


def read_item(uid: int, raw: bytes) -> ReturnItem:
    """Classify one message of the box (pure; never raises on content)."""
    classification = classify(raw)
    patient = None
    if classification.kind is ReplyKind.PATIENT_MESSAGE:
        patient = parse_patient_message(raw)
    message_id, key = _idempotence_key(raw)
    return ReturnItem(uid, message_id, key, classification, patient, len(raw))


Handler = Callable[[ReturnItem, bytes], object]


class ReturnBox:
    """A professional box's mailbox over IMAP (the return box of a DPI).

    Args:
        host, port: the operator's IMAP server; 143 is STARTTLS, 993 implicit TLS.
        username: the box address (the IMAP user).
        credentials: the structure's certificate, presented for mutual TLS.
        token: a Pro Santé Connect token for XOAUTH2, or a function returning a fresh one.
        password: a password for ``LOGIN`` (servers that use one; over TLS only).
        ssl_context, cafile, cadata: as for :class:`~mssc.transport.Submitter`.
        implicit_tls: TLS from the first byte; by default when ``port`` is 993.
        mailbox: the folder to read (``INBOX``).
        state: where UIDVALIDITY is kept between runs: a path (a JSON file,
            :class:`JsonFileState`), any mutable mapping (your own store), or None (this
            object only: a change between runs then goes unseen).
        on_uidvalidity_change: ``continue`` (log a warning, record the new value, go on: the
            messages still in the mailbox are processed again, which the idempotence key
            absorbs) or ``raise`` (``TransportError`` ``uidvalidity-changed``).
        max_bytes: larger messages are left in place and reported as skipped.
        timeout: seconds for the connection and each reply.
        insecure: allow a server without STARTTLS (warning logged; no credentials sent).
    """

    def __init__(
        self,
        host: str,
        port: int = 143,
        *,
        username: str,
        credentials: Credentials | None = None,
        token: Token | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        cafile: str | None = None,
        cadata: str | bytes | None = None,
        implicit_tls: bool | None = None,
        mailbox: str = "INBOX",
        state: str | os.PathLike[str] | MutableMapping[str, Any] | None = None,
        on_uidvalidity_change: Literal["continue", "raise"] = "continue",
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 60,
        insecure: bool = False,
    ) -> None:
        if on_uidvalidity_change not in ("continue", "raise"):
            raise TransportError(
                "on_uidvalidity_change is 'continue' or 'raise'", code="bad-argument"
            )
        self.host, self.port, self.username = host, port, username
        self.implicit_tls = port == 993 if implicit_tls is None else implicit_tls
        self.mailbox = mailbox
        self.timeout = timeout
        self.insecure = insecure
        self.max_bytes = max_bytes
        self.on_uidvalidity_change = on_uidvalidity_change
        self._token, self._password = token, password
        context = ssl_context or client_context(cafile=cafile, cadata=cadata)
        if credentials is not None:
            credentials.load_into(context)
        self._context = context
        self._credentials = credentials
        if state is None:
            self._state: MutableMapping[str, Any] = {}
        elif isinstance(state, (str, os.PathLike)):
            self._state = JsonFileState(state)
        else:
            self._state = state
        self._imap: imaplib.IMAP4 | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.uidvalidity = 0
        self.uidvalidity_changed = False

    @property
    def state_key(self) -> str:
        """The key of this box in the state store."""
        return f"{self.username.lower()}@{self.host}:{self.port}/{self.mailbox}"

    # -- connection ---------------------------------------------------------------------

    def __enter__(self) -> ReturnBox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out and close the connection (nothing is expunged)."""
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            _shutdown(imap)

    def connect(self) -> None:
        """Connect, secure, authenticate and select the mailbox; check UIDVALIDITY.

        Raises:
            TransportError: ``connection-failed``, ``starttls-unavailable``, ``tls-failed``,
                ``auth-unavailable``, ``auth-failed``, ``imap-error`` or
                ``uidvalidity-changed``.
        """
        if self._imap is not None:
            return
        imap = self._open()
        try:
            self._authenticate(imap)
            self.capabilities = self._capabilities(imap)
            self._select(imap)
        except BaseException:
            _shutdown(imap)
            raise
        self._imap = imap

    def _open(self) -> imaplib.IMAP4:
        try:
            if self.implicit_tls:
                return imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=self._context, timeout=self.timeout
                )
            imap = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise TransportError(
                f"TLS with {self.host}:{self.port} failed: {exc}", code="tls-failed"
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransportError(
                f"cannot connect to {self.host}:{self.port}: {exc}", code="connection-failed"
            ) from None
        if "STARTTLS" not in imap.capabilities:
            if not self.insecure:
                _shutdown(imap)
                raise TransportError(
                    f"{self.host}:{self.port} does not offer STARTTLS; refusing to read in clear",
                    code="starttls-unavailable",
                    hint="use port 143 with STARTTLS or 993 with implicit TLS",
                )
            log.warning("mssc.transport: IMAP %s:%s IN CLEAR (insecure=True)", self.host, self.port)
            return imap
        try:
            imap.starttls(ssl_context=self._context)
        except (ssl.SSLError, ssl.CertificateError, OSError, imaplib.IMAP4.error) as exc:
            _shutdown(imap)
            raise TransportError(
                f"STARTTLS with {self.host}:{self.port} failed: {exc}",
                code="tls-failed",
                hint="check the operator's CA (cafile=) and the client certificate",
            ) from None
        return imap

    def _secured(self, imap: imaplib.IMAP4) -> bool:
        return isinstance(imap.sock, ssl.SSLSocket)

    def _authenticate(self, imap: imaplib.IMAP4) -> None:
        if not self._secured(imap) and (self._token is not None or self._password is not None):
            raise TransportError(
                "refusing to send a token or password without TLS", code="auth-unavailable"
            )
        try:
            if self._token is not None:
                if "AUTH=XOAUTH2" not in imap.capabilities:
                    raise TransportError(
                        f"{self.host} does not offer AUTH=XOAUTH2", code="auth-unavailable"
                    )
                token = self._token() if callable(self._token) else self._token
                initial = f"user={self.username}\x01auth=Bearer {token}\x01\x01".encode()

                def answer(challenge: bytes) -> bytes:
                    # after a failure the server sends a JSON challenge: answer it empty
                    return initial if not challenge else b""

                imap.authenticate("XOAUTH2", answer)
            elif self._password is not None:
                imap.login(self.username, self._password)
            elif self._credentials is not None and "AUTH=EXTERNAL" in imap.capabilities:
                imap.authenticate("EXTERNAL", lambda _: self.username.encode())
            else:
                raise TransportError(
                    "no way to authenticate: give token=, password=, or credentials= with a "
                    "server that offers AUTH=EXTERNAL",
                    code="auth-unavailable",
                )
        except imaplib.IMAP4.error as exc:
            raise TransportError(
                f"IMAP authentication refused: {exc}",
                code="auth-failed",
                hint="check the token (a fresh Pro Santé Connect token for this box), the "
                "password, or the client certificate",
                reply_text=str(exc),
            ) from None
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise TransportError(
                f"the connection was closed during authentication: {exc}", code="tls-failed"
            ) from None

    @staticmethod
    def _capabilities(imap: imaplib.IMAP4) -> frozenset[str]:
        # imaplib keeps the capabilities of the greeting; ask again after login
        typ, data = imap.capability()
        if typ == "OK" and data and isinstance(data[-1], bytes):
            return frozenset(data[-1].decode("ascii", "replace").upper().split())
        return frozenset(c.upper() for c in imap.capabilities)

    def _select(self, imap: imaplib.IMAP4) -> None:
        typ, data = imap.select(_quote(self.mailbox))
        if typ != "OK":
            raise TransportError(
                f"cannot open the folder {self.mailbox!r}: {data!r}", code="imap-error"
            )
        _, values = imap.response("UIDVALIDITY")
        value = int(values[-1]) if values and values[-1] is not None else 0
        self.uidvalidity = value
        stored = self._state.get(self.state_key)
        before = stored.get("uidvalidity") if isinstance(stored, dict) else None
        self.uidvalidity_changed = before is not None and before != value
        if self.uidvalidity_changed:
            if self.on_uidvalidity_change == "raise":
                raise TransportError(
                    f"UIDVALIDITY of {self.mailbox!r} changed from {before} to {value}",
                    code="uidvalidity-changed",
                    hint="the mailbox was rebuilt: messages may come again; run with "
                    "on_uidvalidity_change='continue' once your handler deduplicates",
                )
            log.warning(
                "mssc.transport: UIDVALIDITY of %s changed (%s -> %s): messages still in the "
                "mailbox will be processed again",
                self.mailbox,
                before,
                value,
            )
        self._remember(last_uid=0 if self.uidvalidity_changed else None)

    def _remember(self, last_uid: int | None = None) -> None:
        stored = self._state.get(self.state_key)
        entry = dict(stored) if isinstance(stored, dict) else {}
        entry["uidvalidity"] = self.uidvalidity
        if last_uid is not None:
            entry["last_uid"] = last_uid
        self._state[self.state_key] = entry

    # -- reading ------------------------------------------------------------------------

    def _uids(self, imap: imaplib.IMAP4) -> list[int]:
        typ, data = imap.uid("SEARCH", "UNKEYWORD", PROCESSED_KEYWORD)
        if typ != "OK":
            raise TransportError(f"SEARCH failed: {data!r}", code="imap-error")
        found = b" ".join(d for d in data if isinstance(d, bytes)).split()
        return sorted(int(u) for u in found if u.isdigit())

    def _fetch(self, imap: imaplib.IMAP4, uid: int) -> bytes | SkippedItem:
        typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
        sizes = [
            int(m.group(1)) for d in data if isinstance(d, bytes) for m in [_SIZE.search(d)] if m
        ]
        if typ != "OK" or not sizes:
            return SkippedItem(uid, "fetch-failed", f"no size for UID {uid}: {typ}")
        if sizes[0] > self.max_bytes:
            return SkippedItem(uid, "too-large", f"{sizes[0]} octets > {self.max_bytes}")
        typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
                return part[1]
        return SkippedItem(uid, "fetch-failed", f"no body for UID {uid}: {typ}")

    def fetch_new(self) -> Iterator[tuple[int, bytes]]:
        """Yield ``(uid, raw_bytes)`` for each unprocessed message, in UID order.

        Unprocessed: still in the mailbox and without the :data:`PROCESSED_KEYWORD` flag.
        Fetching does not mark a message as seen (``BODY.PEEK``). Messages over ``max_bytes``
        and messages that cannot be fetched are left out (see :meth:`process` for a report).
        """
        for uid, raw in self._fetch_all():
            if isinstance(raw, bytes):
                yield uid, raw

    def _fetch_all(self) -> Iterator[tuple[int, bytes | SkippedItem]]:
        self.connect()
        imap = self._imap
        assert imap is not None
        for uid in self._uids(imap):
            try:
                yield uid, self._fetch(imap, uid)
            except imaplib.IMAP4.abort as exc:
                self._imap = None
                raise TransportError(
                    f"the IMAP connection dropped: {exc}", code="connection-failed"
                ) from None
            except imaplib.IMAP4.error as exc:
                yield uid, SkippedItem(uid, "fetch-failed", str(exc))

    def count(self) -> int:
        """How many unprocessed messages the mailbox holds now."""
        self.connect()
        assert self._imap is not None
        return len(self._uids(self._imap))

    def process(
        self,
        handler: Handler,
        *,
        done_folder: str = "mssc-traites",
        limit: int | None = None,
        progress: Callable[[ReturnItem | SkippedItem], None] | None = None,
    ) -> ProcessReport:
        """Classify each unprocessed message, call ``handler(item, raw)``, then move it.

        For each message, in UID order: it is classified (:func:`~mssc.replies.classify`, and
        :func:`~mssc.inbound.parse_patient_message` for a patient's message); the handler is
        called; only when the handler returns is the message moved to ``done_folder``
        (created if needed), or flagged :data:`PROCESSED_KEYWORD` where the server has no
        ``MOVE``. A handler that raises leaves its message in place (the exception is logged
        and reported) and the loop goes on. Nothing is deleted.

        Args:
            handler: called with the :class:`ReturnItem` and the message's bytes.
            done_folder: where processed messages go.
            limit: process at most this many messages (the rest waits for the next run).
            progress: called after each message (for a progress bar).
        """
        self.connect()
        imap = self._imap
        assert imap is not None
        can_move = "MOVE" in self.capabilities
        if can_move:
            self._ensure_folder(imap, done_folder)
        processed: list[ReturnItem] = []
        skipped: list[SkippedItem] = []
        highest = 0
        for uid, raw in self._fetch_all():
            if limit is not None and len(processed) + len(skipped) >= limit:
                break
            if isinstance(raw, SkippedItem):
                skipped.append(raw)
                if progress is not None:
                    progress(raw)
                continue
            item = read_item(uid, raw)
            outcome: ReturnItem | SkippedItem = item
            try:
                handler(item, raw)
            except Exception as exc:
                log.exception("mssc.transport: the handler failed on UID %s; left in place", uid)
                outcome = SkippedItem(uid, "handler-error", f"{type(exc).__name__}: {exc}")
            else:
                problem = self._mark_done(imap, uid, done_folder, can_move)
                if problem:
                    outcome = SkippedItem(uid, "move-failed", problem)
            if isinstance(outcome, SkippedItem):
                skipped.append(outcome)
            else:
                processed.append(outcome)
                highest = max(highest, uid)
            if progress is not None:
                progress(outcome)
        if highest:
            stored = self._state.get(self.state_key)
            before = stored.get("last_uid", 0) if isinstance(stored, dict) else 0
            self._remember(last_uid=max(highest, int(before or 0)))
        return ProcessReport(
            tuple(processed), tuple(skipped), self.uidvalidity, self.uidvalidity_changed, can_move
        )

    def _ensure_folder(self, imap: imaplib.IMAP4, folder: str) -> None:
        typ, data = imap.list('""', _quote(folder))
        if typ == "OK" and any(d for d in data if d):
            return
        typ, data = imap.create(_quote(folder))
        if typ != "OK":
            raise TransportError(
                f"cannot create the folder {folder!r}: {data!r}", code="imap-error"
            )

    def _mark_done(self, imap: imaplib.IMAP4, uid: int, folder: str, can_move: bool) -> str:
        try:
            if can_move:
                typ, data = imap.uid("MOVE", str(uid), _quote(folder))
            else:
                typ, data = imap.uid("STORE", str(uid), "+FLAGS.SILENT", f"({PROCESSED_KEYWORD})")
        except imaplib.IMAP4.error as exc:
            return str(exc)
        return "" if typ == "OK" else f"{typ} {data!r}"


def _shutdown(imap: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError):
        imap.shutdown()


def _quote(name: str) -> str:
    """An IMAP quoted string (mailbox names with spaces or quotes)."""
    if any(c in name for c in "\r\n\x00"):
        raise TransportError(
            f"a folder name cannot hold line breaks: {name!r}", code="bad-argument"
        )
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
