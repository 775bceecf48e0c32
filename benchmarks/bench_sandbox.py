"""Load on the MES sandbox: 400 messages from 8 concurrent TLS clients, beside bare aiosmtpd.

    python benchmarks/bench_sandbox.py [MESSAGES] [CLIENTS]

Each side runs in a fresh subprocess (so that its peak RSS is its own), on loopback, with the
same certificate, the same STARTTLS requirement and the same messages; the time is the best
of three rounds, each on a fresh server. The anchor is aiosmtpd
with a handler that only keeps the envelopes: the ratio is what MES's rules cost (reading the
headers, routing, delivering, building notices). Three recipients in four are an active patient
(delivered) and one in four a closed mailbox (a notice goes back). The run checks that every
message was processed once: none lost, none duplicated. No target: the numbers are reported.
"""

from __future__ import annotations

import json
import resource
import smtplib
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from mssc.headers import make_message_id
from mssc.sandbox.patients import DEFAULT_PATIENTS, PatientState
from mssc.sandbox.pki import TestPki
from mssc.sandbox.samples import sample_pdf

ACTIVE = next(p for p in DEFAULT_PATIENTS if p.state is PatientState.ACTIVE).ins
CLOSED = next(p for p in DEFAULT_PATIENTS if p.state is PatientState.CLOSED).ins
SENDER = "dpi@ch-bench.mssante.fr"


def _messages(count: int) -> list[tuple[str, str, bytes]]:
    """(recipient, Message-ID, bytes): a text and a small PDF, about 6 kB each."""
    pdf = sample_pdf("Convocation", tuple(f"ligne {i}" for i in range(30)))
    import base64

    encoded = base64.encodebytes(pdf).decode().replace("\n", "\r\n")
    out = []
    for n in range(count):
        ins = CLOSED if n % 4 == 3 else ACTIVE
        mid = make_message_id("ch-bench.mssante.fr")
        data = (
            f"From: <{SENDER}>\r\nTo: <{ins}@patient.mssante.fr>\r\nSubject: Convocation {n}\r\n"
            f"Message-ID: {mid}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, voici votre convocation.\r\n"
            "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
            f'Content-Disposition: attachment; filename="convocation.pdf"\r\n\r\n{encoded}--b--\r\n'
        )
        out.append((f"{ins}@patient.mssante.fr", mid, data.encode()))
    return out


def _load(host: str, port: int, pki: TestPki, messages: list[Any], clients: int) -> float:
    """Send ``messages`` from ``clients`` threads, one TLS session each; return seconds."""
    errors: list[BaseException] = []

    def client(share: list[tuple[str, str, bytes]]) -> None:
        try:
            with smtplib.SMTP(host, port, timeout=120) as smtp:
                smtp.starttls(context=pki.client_context(SENDER))
                for rcpt, _, data in share:
                    smtp.sendmail(SENDER, [rcpt], data)
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [
        threading.Thread(target=client, args=(messages[i::clients],)) for i in range(clients)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[0]!r}")
    return elapsed


ROUNDS = 3


def run_side(side: str, count: int, clients: int) -> dict[str, Any]:
    """One side of the benchmark, in this process: the best of ``ROUNDS`` fresh servers."""
    pki = TestPki()
    rounds = [_round(side, pki, _messages(count), clients) for _ in range(ROUNDS)]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "side": side,
        "seconds": min(seconds for seconds, _ in rounds),
        "ok": all(ok for _, ok in rounds),
        "peak_mib": peak_kib / 1024,
    }


def _round(side: str, pki: TestPki, messages: list[Any], clients: int) -> tuple[float, bool]:
    count = len(messages)
    if side == "sandbox":
        from mssc.sandbox.server import Sandbox

        with Sandbox(DEFAULT_PATIENTS, pki=pki) as mes:
            seconds = _load(mes.host, mes.port, pki, messages, clients)
            delivered = [m.message_id for m in mes.inbox(ACTIVE)]
            notices = len(mes.mailbox(SENDER))
        expected_delivered = sorted(mid for rcpt, mid, _ in messages if rcpt.startswith(ACTIVE))
        ok = sorted(delivered) == expected_delivered and notices == count - len(delivered)
    else:
        from aiosmtpd.controller import Controller

        class Keep:
            def __init__(self) -> None:
                self.ids: list[bytes] = []

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                self.ids.append(envelope.original_content.split(b"Message-ID: ", 1)[1][:60])
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        keep = Keep()
        controller = Controller(
            keep,
            hostname="127.0.0.1",
            port=port,
            server_kwargs={"tls_context": pki.server_context(), "require_starttls": True},
        )
        controller.start()
        try:
            seconds = _load("127.0.0.1", port, pki, messages, clients)
        finally:
            controller.stop()
        ok = len(keep.ids) == count and len(set(keep.ids)) == count
    return seconds, ok


def main(argv: list[str]) -> int:
    """Run both sides in subprocesses and print them side by side."""
    if len(argv) > 1 and argv[1] == "--side":
        print(json.dumps(run_side(argv[2], int(argv[3]), int(argv[4]))))
        return 0
    count = int(argv[1]) if len(argv) > 1 else 400
    clients = int(argv[2]) if len(argv) > 2 else 8
    results = {}
    for side in ("aiosmtpd", "sandbox"):
        done = subprocess.run(
            [sys.executable, __file__, "--side", side, str(count), str(clients)],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
        results[side] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{count} messages, {clients} concurrent STARTTLS clients, loopback, best of {ROUNDS}")
    for side, r in results.items():
        rate = count / r["seconds"]
        status = "all processed once" if r["ok"] else "LOST OR DUPLICATED MESSAGES"
        print(
            f"  {side:<9} {r['seconds']:6.2f} s  {rate:7.1f} msg/s"
            f"  peak RSS {r['peak_mib']:6.1f} MiB  {status}"
        )
    ratio = results["aiosmtpd"]["seconds"] / results["sandbox"]["seconds"]
    print(f"  sandbox throughput / bare aiosmtpd: {ratio:.2f}x")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
