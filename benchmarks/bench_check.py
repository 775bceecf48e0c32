"""Time of mssc.conformance.check beside the stdlib parse of the same bytes, in the same run.

    python benchmarks/bench_check.py [ROUNDS]

The message is a valid 22 MB message composed with mssc (a text and three PDF attachments of
pseudo-random bytes, seeded). The anchor is ``email.message_from_bytes(raw,
policy=policy.default)``: what any reader pays to parse the message, before looking at anything.
``check`` reads the message through the bounded reader once and runs every rule on that parse.

Target (issue 11): the median of the rounds' ratios check/stdlib <= 1.5. Each round runs one of
each, back to back, alternating which goes first.
"""

from __future__ import annotations

import email
import random
import statistics
import sys
import time
from collections.abc import Callable
from email import policy

from mssc.attachments import Attachment
from mssc.compose import Composer, Sender
from mssc.conformance import check

PATIENT = "279035121518989@patient.mssante.fr"
SENDER = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
TEXT = "Bonjour,\nVoici vos comptes rendus d'imagerie.\nCordialement,\nLe secrétariat\n"


def pdf(rng: random.Random, size: int) -> bytes:
    """A file that opens like a PDF, of ``size`` octets (the rest pseudo-random)."""
    head = b"%PDF-1.7\n"
    return head + rng.randbytes(size - len(head))


def message(target: int = 22_000_000) -> bytes:
    """A valid message of about ``target`` octets, composed with mssc (base64 PDFs)."""
    rng = random.Random(11)
    each = int(target * 0.75 / 3) - 4_000  # base64 grows by 4/3 (line ends included: 78/57)
    files = [Attachment(f"imagerie-{i}.pdf", pdf(rng, each)) for i in range(3)]
    return (
        Composer("DEV935997")
        .compose(
            sender=SENDER, to=PATIENT, subject="Vos comptes rendus", text=TEXT, attachments=files
        )
        .to_bytes()
    )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    raw = message()
    report = check(raw)
    assert not report.findings, [str(f) for f in report.findings]

    def with_mssc() -> object:
        return check(raw)

    def with_stdlib() -> object:
        return email.message_from_bytes(raw, policy=policy.default)

    with_mssc(), with_stdlib()  # warm up (imports, regex compilation)
    ratios: list[float] = []
    mssc_times: list[float] = []
    stdlib_times: list[float] = []
    for i in range(rounds):
        if i % 2:
            t_s, t_m = timed(with_stdlib), timed(with_mssc)
        else:
            t_m, t_s = timed(with_mssc), timed(with_stdlib)
        mssc_times.append(t_m)
        stdlib_times.append(t_s)
        ratios.append(t_m / t_s)
    print(f"valid message of {len(raw):,} octets (3 PDF attachments), {rounds} rounds")
    mssc_ms = statistics.median(mssc_times) * 1e3
    print(f"  mssc check()                      median {mssc_ms:8.1f} ms")
    print(
        "  email.message_from_bytes(default) "
        f"median {statistics.median(stdlib_times) * 1e3:8.1f} ms"
    )
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    print(
        f"  ratio check/stdlib: median {statistics.median(ratios):.2f} "
        f"(quartiles {q[0]:.2f}-{q[2]:.2f}; target <= 1.5)"
    )


if __name__ == "__main__":
    main()
