"""Servers for the transport tests, on loopback: a scripted SMTP server and a real Dovecot.

The scripted SMTP server is a purpose-built misbehaving server (it drops connections mid-DATA,
offers no STARTTLS, answers 4xx then 250 …): it is not mssc's code and mocks none of it. The
Dovecot fixture runs the Debian ``dovecot`` binary with its own configuration in a temporary
folder; see ``../shared/research/dovecot-in-tests.md``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import pwd
import shutil
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mssc.compose import ComposedMessage, Composer, Sender
from mssc.sandbox import TestPki

SENDER = "dpi@ch-test.mssante.fr"


def require_server(reason: str) -> None:
    """Skip (locally) or fail (``MSSC_REQUIRE_SERVERS=1``, as in CI) when a server is missing."""
    if os.environ.get("MSSC_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (MSSC_REQUIRE_SERVERS=1: real-server tests must run)")
    pytest.skip(reason)


def matricule(n: int) -> str:
    """A valid matricule INS (15 characters, key checked), different for each ``n``."""
    first13 = f"2{80 + n % 20:02d}{1 + n % 12:02d}75{(n * 7919) % 10**6:06d}"
    return first13 + f"{97 - int(first13) % 97:02d}"


def patient(n: int) -> str:
    """The MSS-C address of test patient ``n``."""
    return f"{matricule(n)}@patient.mssante.fr"


def compose(n: int, *, to: str | None = None, sender: str = SENDER) -> ComposedMessage:
    """A small convocation to patient ``n``."""
    composer = Composer("DEV-MSSC-TEST")
    return composer.compose(
        sender=Sender.applicative(
            sender, entity="CH de test", return_address="secretariat@ch-test.mssante.fr"
        ),
        to=to or patient(n),
        subject=f"Votre convocation n° {n}",
        text=f"Bonjour,\n\nVotre rendez-vous n° {n}.\n.\n..ligne à point\n",
    )


@dataclass
class Script:
    """How the scripted SMTP server behaves, and what it saw.

    Reply queues are consumed in order; when a queue is empty the default (success) applies.
    A reply ``"DROP"`` closes the connection instead of answering. In ``data``, ``"DROP-MID"``
    closes the connection after reading half of the message.
    """

    starttls: bool = True
    tls: ssl.SSLContext | None = None
    dsn: bool = True
    tokens: frozenset[str] = frozenset()
    mail: list[str] = field(default_factory=list)
    rcpt: dict[str, list[str]] = field(default_factory=dict)
    data_cmd: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    # what happened
    kept: list[tuple[str, tuple[str, ...], bytes]] = field(default_factory=list)
    received: list[tuple[str, tuple[str, ...], bytes]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pop(self, queue: list[str], default: str) -> str:
        with self.lock:
            return queue.pop(0) if queue else default


class _Drop(Exception):
    pass


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        script = self.server.script
        with script.lock:
            script.connections += 1
        with contextlib.suppress(_Drop, OSError, ssl.SSLError):
            self._session(script)

    def _say(self, line: str) -> None:
        if line == "DROP":
            raise _Drop
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def _line(self) -> str:
        raw = self.rfile.readline(10_000)
        if not raw:
            raise _Drop
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    def _session(self, script: Script) -> None:
        self._say("220 scripted ESMTP")
        tls = False
        mail_from, rcpts = "", list[str]()
        while True:
            line = self._line()
            verb = line.split(" ", 1)[0].upper()
            script.commands.append(line if not verb.startswith("AUTH") else "AUTH ***")
            if verb == "EHLO":
                ext = ["SIZE 30000000", "8BITMIME"] + (["DSN"] if script.dsn else [])
                if script.starttls and not tls:
                    ext.append("STARTTLS")
                if tls and script.tokens:
                    ext.append("AUTH XOAUTH2")
                lines = ["scripted", *ext]
                for i, e in enumerate(lines):
                    self._say(f"250{'-' if i < len(lines) - 1 else ' '}{e}")
            elif verb == "STARTTLS" and script.starttls and script.tls is not None:
                self._say("220 go ahead")
                conn = script.tls.wrap_socket(self.connection, server_side=True)
                self.connection = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                tls = True
            elif verb == "AUTH":
                parts = line.split()
                decoded = base64.b64decode(parts[2]).decode() if len(parts) > 2 else ""
                token = decoded.split("auth=Bearer ", 1)[-1].split("\x01", 1)[0]
                if parts[1].upper() == "XOAUTH2" and token in script.tokens:
                    self._say("235 2.7.0 accepted")
                else:
                    self._say("334 eyJzdGF0dXMiOiI0MDEifQ==")
                    self._line()
                    self._say("535 5.7.8 invalid token")
            elif verb == "MAIL":
                reply = script.pop(script.mail, "250 2.1.0 Ok")
                if reply.startswith("250"):
                    mail_from, rcpts = line.split(":", 1)[1].split()[0].strip("<>"), []
                self._say(reply)
            elif verb == "RCPT":
                address = line.split(":", 1)[1].split()[0].strip("<>")
                reply = script.pop(script.rcpt.setdefault(address, []), "250 2.1.5 Ok")
                if reply.startswith("250"):
                    rcpts.append(address)
                self._say(reply)
            elif verb == "DATA":
                reply = script.pop(script.data_cmd, "354 end with .")
                self._say(reply)
                if not reply.startswith("354"):
                    continue
                final = script.pop(script.data, "250 2.0.0 queued")
                body = self._body(final == "DROP-MID")
                with script.lock:
                    script.received.append((mail_from, tuple(rcpts), body))
                if final.startswith("250"):
                    with script.lock:
                        script.kept.append((mail_from, tuple(rcpts), body))
                self._say(final)
            elif verb == "RSET":
                mail_from, rcpts = "", []
                self._say("250 2.0.0 Ok")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 5.5.2 not implemented")

    def _body(self, drop_mid: bool) -> bytes:
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline(100_000)
            if not raw:
                raise _Drop
            if raw == b".\r\n":
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
            if drop_mid and len(lines) > 5:
                raise _Drop


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script


@dataclass
class ScriptedSmtp:
    """A running scripted server: ``port`` and its ``script``."""

    port: int
    script: Script


def scripted_smtp(script: Script) -> Iterator[ScriptedSmtp]:
    """Run a scripted SMTP server on a free loopback port until the generator is closed."""
    server = _Server(script)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield ScriptedSmtp(server.server_address[1], script)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- Dovecot ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Dovecot:
    """A running Dovecot: loopback ``port`` (IMAP, STARTTLS required), its users' Maildirs."""

    port: int
    tls_port: int
    root: Path
    config: Path
    password: str
    token: str
    uid: int
    gid: int

    @property
    def mail_root(self) -> Path:
        """The folder holding one Maildir per user (the sandbox's ``maildir=`` layout)."""
        return self.root / "mail"

    def maildir(self, user: str) -> Path:
        """The Maildir of ``user`` (created with the right owner)."""
        path = self.mail_root / user.lower()
        for sub in ("new", "cur", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self.chown()
        return path

    def deliver(self, user: str, raw: bytes, n: int) -> None:
        """Drop one message into ``user``'s INBOX (``Maildir/new``), as an MTA does."""
        new = self.maildir(user) / "new"
        name = f"{time.time_ns()}.M{n}P{os.getpid()}.mssc-test"
        (new / name).write_bytes(raw)
        self.chown()

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm`` against this Dovecot (as its administrator would)."""
        done = subprocess.run(
            ["doveadm", "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def chown(self) -> None:
        for dirpath, dirnames, filenames in os.walk(self.root / "mail"):
            for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
                os.chown(name, self.uid, self.gid)


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = {uid}
ssl = required
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain xoauth2
mail_location = maildir:{root}/mail/%Lu
auth_failure_delay = 0
{extra}
passdb {{
  driver = static
  args = password={password}
}}
passdb {{
  driver = static
  args = password={token}
  mechanisms = xoauth2
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


#: Extra configuration for mutual TLS: a client certificate from the test CA is required.
MUTUAL_TLS = """\
ssl_ca = <{root}/tls/ca.pem
ssl_verify_client_cert = yes
auth_ssl_require_client_cert = yes
ssl_require_crl = no
"""


def start_dovecot(pki: TestPki, extra: str = "") -> Iterator[Dovecot]:
    """Run a private Dovecot on a free loopback port until the generator is closed.

    ``extra`` is added to the configuration; ``{root}`` in it is the server's folder.
    """
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        require_server("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
        return
    if os.geteuid() != 0:
        require_server("a private Dovecot needs root here (imap-login runs as dovenull)")
        return
    try:
        user = pwd.getpwnam("dovecot")
    except KeyError:
        require_server("the 'dovecot' system user is missing")
        return
    root = Path(tempfile.mkdtemp(prefix="mssc-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "tls", "mail"):
        (root / sub).mkdir()
    (root / "tls" / "server.pem").write_bytes(pki.server_cert_pem)
    (root / "tls" / "server.key").write_bytes(pki.server_key_pem)
    (root / "tls" / "server.key").chmod(0o600)
    (root / "tls" / "ca.pem").write_bytes(pki.ca_pem)
    port, tls_port = _free_port(), _free_port()
    config = root / "dovecot.conf"
    box = Dovecot(
        port=port,
        tls_port=tls_port,
        root=root,
        config=config,
        password="mot-de-passe-imap",
        token="jeton-psc-" + base64.b32encode(os.urandom(10)).decode().lower(),
        uid=user.pw_uid,
        gid=user.pw_gid,
    )
    config.write_text(
        _CONFIG.format(
            root=root,
            uid=user.pw_uid,
            gid=user.pw_gid,
            port=port,
            tls_port=tls_port,
            extra=extra.replace("{root}", str(root)),
            password=box.password,
            token=box.token,
        )
    )
    box.chown()
    # Dovecot daemonises but keeps the descriptors it was given: never a pipe.
    with (root / "start.log").open("wb") as out:
        done = subprocess.run(
            [binary, "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            timeout=30,
            check=False,
        )
    if done.returncode != 0:
        logs = [root / "start.log", root / "dovecot.log"]
        text = "".join(p.read_text() for p in logs if p.exists())
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"dovecot did not start:\n{text}")
    try:
        _wait_port(port, open_=True)
        _wait_port(tls_port, open_=True)
        yield box
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 15)
            _wait_port(port, open_=False)
        shutil.rmtree(root, ignore_errors=True)


def _wait_port(port: int, *, open_: bool) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            is_open = s.connect_ex(("127.0.0.1", port)) == 0
        if is_open == open_:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not {'open' if open_ else 'close'} in time")


def past(days: int) -> dt.datetime:
    """A UTC time ``days`` ago."""
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)


def as_any(value: Any) -> Any:
    """Hide a value's type (for tests that pass a wrong type on purpose)."""
    return value
