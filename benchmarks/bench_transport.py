"""Messages per second through ``Submitter.send_many`` beside plain ``smtplib``, in one run.

    python benchmarks/bench_transport.py [COUNT]

Both send the same composed messages (COUNT, 200 by default) to the sandbox on loopback over
mutual TLS (STARTTLS, the structure's client certificate from the test PKI), on one connection
each: mssc with ``Submitter.send_many`` (per-recipient outcomes, DSN parameters when offered),
the anchor with ``smtplib.SMTP.sendmail`` and the same envelope. The sandbox processes each
message before its final ``250``, so both measure the same server work. Best of five runs,
alternated. Target: mssc within 1.2x of plain smtplib (it does the same SMTP exchange).
"""

from __future__ import annotations

import smtplib
import sys
import time
from collections.abc import Callable

from mssc.compose import ComposedMessage, Composer, Sender
from mssc.sandbox import Sandbox, SandboxPatient, TestPki
from mssc.transport import Submitter, load_pkcs12

SENDER = "dpi@ch-bench.mssante.fr"
#: Runs of each, alternated; the best is kept (the server shares the machine's cores).
ROUNDS = 5


def matricule(n: int) -> str:
    first13 = f"2{80 + n % 20:02d}{1 + n % 12:02d}75{(n * 7919) % 10**6:06d}"
    return first13 + f"{97 - int(first13) % 97:02d}"


def messages(count: int) -> list[ComposedMessage]:
    composer = Composer("DEV-MSSC-BENCH")
    sender = Sender.applicative(
        SENDER, entity="CH de bench", return_address="secretariat@ch-bench.mssante.fr"
    )
    return [
        composer.compose(
            sender=sender,
            to=f"{matricule(n % 50)}@patient.mssante.fr",
            subject=f"Votre convocation n° {n}",
            text="Bonjour,\n\nVotre rendez-vous est confirmé.\n\nLe secrétariat\n",
        )
        for n in range(count)
    ]


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 200
    pki = TestPki()
    creds = load_pkcs12(pki.client_pkcs12(SENDER, password="pw"), "pw")
    batch = messages(count)
    patients = [SandboxPatient(ins=matricule(n)) for n in range(50)]
    with Sandbox(patients, tls="mutual", pki=pki) as mes:

        def with_mssc() -> None:
            with Submitter(
                mes.host, mes.port, credentials=creds, cadata=pki.ca_pem.decode()
            ) as submitter:
                results = submitter.send_many(batch)
            assert all(r.accepted for r in results)

        def with_smtplib() -> None:
            context = creds.ssl_context(cadata=pki.ca_pem.decode())
            with smtplib.SMTP(mes.host, mes.port, timeout=60) as client:
                client.starttls(context=context)
                client.ehlo()
                for m in batch:
                    e = m.envelope
                    refused = client.sendmail(
                        e.mail_from,
                        list(e.rcpt_to),
                        m.to_bytes(),
                        list(e.mail_options),
                        list(e.rcpt_options),
                    )
                    assert not refused

        times: dict[str, list[float]] = {"mssc": [], "smtplib": []}
        for _ in range(ROUNDS):  # alternate, so that neither gets a warmer server
            times["mssc"].append(_once(with_mssc))
            times["smtplib"].append(_once(with_smtplib))
        ours, theirs = min(times["mssc"]), min(times["smtplib"])
    print(f"{count} messages, one connection, STARTTLS + client certificate, best of {ROUNDS}")
    print(f"  mssc    Submitter.send_many  {count / ours:8.0f} msg/s  {ours:6.2f} s")
    print(f"  stdlib  smtplib.sendmail     {count / theirs:8.0f} msg/s  {theirs:6.2f} s")
    ratio = ours / theirs
    verdict = "ok" if ratio <= 1.2 else "MISSED"
    print(f"  ratio   mssc takes {ratio:.2f}x the time of smtplib (target <= 1.2x): {verdict}")
    return 0


def _once(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
