"""Benchmark mssc.compose against plain stdlib code doing the same job, in the same run.

(a) small messages (text + a 200 KB PDF), messages/s; target: mssc time <= 1.5x stdlib.
(b) 18 MB of attachments: time and peak memory (tracemalloc started after the payload exists);
    targets: time <= 0.5x stdlib, peak <= 2x the payload.
(c) refusal of a 40 MB request: target under 1 ms (nothing is encoded).

Run: python benchmarks/bench_compose.py
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from email import policy
from email.message import EmailMessage

from mssc.attachments import Attachment
from mssc.compose import Composer, Sender
from mssc.errors import MessageTooLarge

PATIENT = "279035121518989@patient.mssante.fr"
SENDER = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
COMPOSER = Composer("DEV935997")
TEXT = "Bonjour,\nVoici votre compte rendu.\nCordialement,\nLe secrétariat\n"


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def with_mssc(files: list[Attachment]) -> bytes:
    return COMPOSER.compose(
        sender=SENDER, to=PATIENT, subject="Compte rendu", text=TEXT, attachments=files
    ).to_bytes()


def with_stdlib(files: list[Attachment]) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{SENDER.label} <{SENDER.address}>"
    msg["To"] = PATIENT
    msg["Subject"] = "Compte rendu"
    msg["Message-ID"] = "<bench@chu-exemple.mssante.fr>"
    msg["X-MSS-NIL"] = "DEV935997"
    msg.set_content(TEXT)
    for f in files:
        msg.add_attachment(f.content, maintype="application", subtype="pdf", filename=f.filename)
    return msg.as_bytes(policy=policy.SMTP)


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_of(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    small = [Attachment("compte-rendu.pdf", pdf(200_000))]
    n = 40
    t_m = best_of(lambda: [with_mssc(small) for _ in range(n)], 3) / n
    t_s = best_of(lambda: [with_stdlib(small) for _ in range(n)], 3) / n
    print("(a) text + 200 KB PDF")
    print(f"    mssc   {1 / t_m:8.1f} msg/s  ({t_m * 1e3:.2f} ms)")
    print(f"    stdlib {1 / t_s:8.1f} msg/s  ({t_s * 1e3:.2f} ms)")
    print(f"    ratio mssc/stdlib time = {t_m / t_s:.2f} (target <= 1.5)")

    big = [Attachment(f"imagerie-{i}.pdf", pdf(6_000_000)) for i in range(3)]
    payload = sum(len(a.content) for a in big)
    t_m = best_of(lambda: with_mssc(big), 3)
    t_s = best_of(lambda: with_stdlib(big), 2)
    p_m = peak_of(lambda: with_mssc(big))
    p_s = peak_of(lambda: with_stdlib(big))
    print(f"(b) {payload / 1e6:.0f} MB of attachments")
    print(f"    mssc   {t_m * 1e3:8.1f} ms  peak {p_m / payload:.2f}x payload")
    print(f"    stdlib {t_s * 1e3:8.1f} ms  peak {p_s / payload:.2f}x payload")
    print(
        f"    ratio mssc/stdlib time = {t_m / t_s:.2f} (target <= 0.5), "
        f"mssc peak {p_m / payload:.2f}x (target <= 2)"
    )

    huge = [Attachment("scanner.pdf", pdf(40_000_000))]

    def refuse() -> None:
        try:
            with_mssc(huge)
        except MessageTooLarge:
            return
        raise AssertionError("not refused")

    t_r = best_of(refuse, 20)
    t_s40 = best_of(lambda: len(with_stdlib(huge)), 1)
    print("(c) refusal of a 40 MB request")
    print(
        f"    mssc refusal {t_r * 1e3:.3f} ms (target < 1 ms); "
        f"stdlib would take {t_s40 * 1e3:.0f} ms to encode it just to measure it "
        f"(ratio {t_r / t_s40:.5f})"
    )


if __name__ == "__main__":
    main()
