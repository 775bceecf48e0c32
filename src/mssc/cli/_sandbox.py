"""``mssc sandbox``: a local Mon espace santé on loopback until Ctrl-C, one log line per event."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from mssc.cli._common import add_subcommand

if TYPE_CHECKING:
    from mssc.sandbox.pki import TestPki
    from mssc.sandbox.server import Sandbox, SandboxEvent

#: The box the client certificate written by ``--pki-dir`` is made for.
CLIENT_ADDRESS = "dpi@ch-exemple.mssante.fr"
#: The password of that PKCS#12 file (a test file: the password is no secret).
CLIENT_PASSWORD = "mssc-sandbox"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sandbox`` subcommand."""
    p = add_subcommand(
        sub,
        "sandbox",
        help="run a local Mon espace santé (SMTP + TLS on loopback) until Ctrl-C",
        example="mssc sandbox --port 2525 --tls mutual --pki-dir /tmp/mes-pki --auto-read 5",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=2525, help="port (2525; 0 for any free port)")
    p.add_argument(
        "--patients",
        metavar="FILE",
        type=Path,
        help='JSON file {"patients": [{"ins": ..., "state": ...}]} (one test patient per '
        "state by default)",
    )
    p.add_argument(
        "--tls",
        choices=("off", "required", "mutual"),
        default="required",
        help="required: STARTTLS before MAIL FROM (default); mutual: also a client "
        "certificate of the test CA; off: plain SMTP",
    )
    p.add_argument(
        "--pki-dir",
        metavar="DIR",
        type=Path,
        help="keep the test PKI in DIR (reused across runs) and write the CA and a client "
        "PKCS#12 there",
    )
    p.add_argument("--maildir", metavar="DIR", type=Path, help="one Maildir per professional")
    p.add_argument(
        "--max-stored",
        metavar="MIB",
        type=int,
        default=512,
        help="keep at most this many MiB of messages in memory; the oldest go first (512)",
    )
    p.add_argument(
        "--relay", metavar="HOST:PORT", help="also relay everything sent back to this server"
    )
    p.add_argument(
        "--auto-read",
        metavar="SECONDS",
        type=float,
        help="open every delivered message after this delay (read receipts go back)",
    )
    p.add_argument(
        "--auto-reply",
        action="store_true",
        help="answer every delivered message with a short text and a medical-profile PDF",
    )
    p.set_defaults(handler=run_sandbox)


def _printable(text: str) -> str:
    """Text for a terminal: control characters (from mail) shown as escapes, never obeyed."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


def _relay(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--relay takes HOST:PORT, not {value!r}")
    return host.strip("[]"), int(port)


class _Automaton:
    """Plays the patients: opens and answers delivered messages after a delay."""

    def __init__(self, read_after: float | None, reply: bool) -> None:
        self.read_after = read_after
        self.reply = reply
        self.sandbox: Sandbox | None = None
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()

    def __call__(self, event: SandboxEvent) -> None:
        print(_printable(str(event)), flush=True)
        if event.kind != "delivered" or event.message_id is None or event.patient is None:
            return
        ins = event.patient
        if self.read_after is not None:
            self._later(self.read_after, self._open, ins, event.message_id)
        if self.reply:
            self._later((self.read_after or 0) + 0.5, self._answer, ins, event.message_id)

    def _later(
        self, delay: float, action: Callable[[str, str], None], ins: str, message_id: str
    ) -> None:
        timer = threading.Timer(delay, action, args=(ins, message_id))
        timer.daemon = True
        with self._lock:
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def _open(self, ins: str, message_id: str) -> None:
        from mssc.errors import MsscError

        if self.sandbox is not None:
            try:
                self.sandbox.open(ins, message_id)
            except (MsscError, OSError) as exc:
                print(_printable(f"auto-read failed: {exc}"), flush=True)

    def _answer(self, ins: str, message_id: str) -> None:
        from mssc.errors import MsscError
        from mssc.sandbox.samples import sample_pdf

        if self.sandbox is None:
            return
        profile = sample_pdf("Profil medical", ("Allergies : aucune connue", "Traitement : -"))
        try:
            self.sandbox.reply(
                ins,
                message_id,
                "Bonjour, merci pour votre message. Je vous joins mon profil médical.",
                [("profil-medical.pdf", profile)],
            )
        except MsscError as exc:
            print(_printable(f"auto-reply refused: [{exc.code}] {exc.message}"), flush=True)
        except OSError as exc:
            print(_printable(f"auto-reply failed: {exc}"), flush=True)

    def cancel(self) -> None:
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()


def run_sandbox(args: argparse.Namespace) -> int:
    """Run the sandbox in the foreground; 0 on Ctrl-C, 2 for a usage error."""
    from mssc.errors import MsscError

    try:
        from mssc.sandbox.server import Sandbox
    except ImportError as exc:
        print(f"mssc sandbox needs aiosmtpd: pip install 'mssc[sandbox]' ({exc})", file=sys.stderr)
        return 2
    from mssc.sandbox.patients import DEFAULT_PATIENTS, load_patients
    from mssc.sandbox.pki import TestPki

    automaton = _Automaton(args.auto_read, args.auto_reply)
    try:
        relay = _relay(args.relay) if args.relay else None
        patients = load_patients(args.patients) if args.patients else DEFAULT_PATIENTS
        pki = TestPki(args.pki_dir) if args.pki_dir else TestPki()
        sandbox = Sandbox(
            patients,
            host=args.host,
            port=args.port,
            tls=args.tls,
            pki=pki,
            maildir=args.maildir,
            relay=relay,
            on_event=automaton,
            max_stored=args.max_stored * 1024 * 1024,
        )
        automaton.sandbox = sandbox
        sandbox.start()
    except (MsscError, ValueError, OSError) as exc:
        print(f"mssc sandbox: {_printable(str(exc))}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        print(f"MES sandbox listening on {sandbox.host}:{sandbox.port} (TLS {args.tls})")
        for p in sandbox.patients:
            print(f"  patient {p.address}  {p.state.value:<8} {p.display_name}")
        if args.pki_dir:
            _write_client_files(pki, args.pki_dir, sandbox)
        print("Ctrl-C to stop.", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        automaton.cancel()
        sandbox.stop()
    print("stopped", flush=True)
    return 0


def _write_client_files(pki: TestPki, directory: Path, sandbox: Sandbox) -> None:
    p12 = directory / "client.p12"
    p12.write_bytes(pki.client_pkcs12(CLIENT_ADDRESS, password=CLIENT_PASSWORD))
    issued = pki.client_certificate(CLIENT_ADDRESS)
    cert, key = directory / "client.pem", directory / "client.key"
    cert.write_bytes(issued.chain_pem)
    key.write_bytes(issued.key_pem)
    for path in (p12, key):
        path.chmod(0o600)
    ca = pki.files()["ca"]
    print(f"  test CA         {ca}")
    print(f"  client PKCS#12  {p12} (box {CLIENT_ADDRESS}, password {CLIENT_PASSWORD})")
    print(f"  same, as PEM    {cert} and {key}")
    print("  use them from Python:")
    print(f"    ctx = ssl.create_default_context(cafile='{ca}')")
    print(f"    ctx.load_cert_chain('{cert}', '{key}')")
    print(f"    smtp = smtplib.SMTP('{sandbox.host}', {sandbox.port}); smtp.starttls(context=ctx)")
    print(
        f"  or: openssl s_client -starttls smtp -connect {sandbox.host}:{sandbox.port} -CAfile {ca}"
    )
