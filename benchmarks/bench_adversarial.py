"""Hostile messages against the three readers: time and peak memory at sizes n and 2n.

    python benchmarks/bench_adversarial.py [--sizes 14,28] [--readers classify,parse,check]
                                           [--families html,nesting,...] [--timeout 20]

Each attack family of issue 11 builds a message of a given size (MB) that a mail server would
accept; each reader reads it in a fresh subprocess (so one stalled reader cannot stall the
table, and memory is measured alone): wall time (best of 3 runs for mssc's bounded readers,
one run for check and the stdlib), then peak traced memory (tracemalloc, on another run)
over the input size, and the growth ratio time(2n)/time(n).

Anchor: the stdlib parse of the same bytes (``email.message_from_bytes``, compat32) is printed
beside each family. Targets (issue 11): every ratio <= 2.5, every run <= 2 s and <= 10x the
input in peak memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable

MB = 1_000_000


def _fill(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def html_tags(size: int) -> bytes:
    """A bounce whose HTML part is ``<script>`` repeated, never closed."""
    return (
        b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n"
        b"MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        + _fill(b"<script>", size)
        + b"\n"
    )


def nesting_lines(size: int) -> bytes:
    """30 nested multiparts (within the depth limit), then short lines."""
    head = [b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"]
    for i in range(30):
        head.append(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
    head.append(b"Content-Type: text/plain\n\n")
    return b"".join(head) + _fill(b"x\n", size)


def deep_nesting(size: int) -> bytes:
    """200 nested multiparts, then short lines (past the depth limit)."""
    head = [b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"]
    for i in range(200):
        head.append(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
    head.append(b"Content-Type: text/plain\n\n")
    return b"".join(head) + _fill(b"x\n", size)


def encoded_subject(size: int) -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.org\nSubject: "
        + _fill(b"=?utf-8?q?a?= ", size)
        + b"\n\nuser unknown\n"
    )


def encoded_display_name(size: int) -> bytes:
    return (
        b"From: "
        + _fill(b"=?utf-8?q?a?= ", size)
        + b"<279035121518989@patient.mssante.fr>\nSubject: x\n\nbonjour\n"
    )


def encoded_filename(size: int) -> bytes:
    return (
        b"From: <279035121518989@patient.mssante.fr>\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhi\n'
        b'--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="'
        + _fill(b"=?utf-8?q?a?= ", size)
        + b'"\n\n%PDF-1.4\n--b--\n'
    )


def many_parts(size: int) -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n' + _fill(b"--b\n\nx\n", size) + b"--b--\n"
    )


def header_lines(size: int) -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.org\n"
        + _fill(b"X-A: b\n", size)
        + b"Subject: Undelivered Mail\n\nuser unknown\n"
    )


def long_header(size: int) -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.org\nSubject: "
        + _fill(b"a ", size)
        + b"\n\nuser unknown\n"
    )


def rfc2231(size: int) -> bytes:
    sections = b"".join(b"; filename*%d*=%%41" % i for i in range(size // 16))
    return (
        b"From: <279035121518989@patient.mssante.fr>\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhi\n'
        b"--b\nContent-Type: application/pdf\nContent-Disposition: attachment"
        + sections
        + b"\n\n%PDF-1.4\n--b--\n"
    )


def parentheses(size: int) -> bytes:
    return (
        b"From: <279035121518989@patient.mssante.fr>\nSubject: x\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8; x=" + _fill(b"(", size) + b"\n\nbonjour\n"
    )


FAMILIES: dict[str, Callable[[int], bytes]] = {
    "html": html_tags,
    "nesting": nesting_lines,
    "deep": deep_nesting,
    "ew-subject": encoded_subject,
    "ew-name": encoded_display_name,
    "ew-file": encoded_filename,
    "parts": many_parts,
    "headers": header_lines,
    "long-header": long_header,
    "rfc2231": rfc2231,
    "parens": parentheses,
}

CHILD = r"""
import gc, json, sys, time, tracemalloc
sys.setrecursionlimit(1000)
sys.path.insert(0, {bench!r})
import bench_adversarial as b
family, reader, size = {family!r}, {reader!r}, {size!r}
raw = b.FAMILIES[family](size)
if reader == "classify":
    from mssc.replies import classify as fn
elif reader == "parse":
    from mssc.inbound import parse_patient_message as fn
elif reader == "check":
    from mssc.conformance import check
    fn = lambda r: check(r, direction="incoming")
else:
    import email
    fn = email.message_from_bytes
fn(b"From: a@b.fr\n\nx\n")  # imports and first-use work out of the timing
elapsed = float("inf")
for _ in range(1 if reader in ("check", "stdlib") else 3):  # best of 3: the load comes in bursts
    gc.collect()
    start = time.perf_counter()
    result = fn(raw)
    elapsed = min(elapsed, time.perf_counter() - start)
codes = list(getattr(result, "defects", ()))[:3]
codes = [getattr(c, "code", str(c))[:40] for c in codes]
del result
gc.collect()
tracemalloc.start()
fn(raw)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({{"size": len(raw), "time": elapsed, "peak": peak, "defects": codes}}))
"""


def run(family: str, reader: str, size: int, timeout: float) -> dict[str, object] | None:
    bench = str(__import__("pathlib").Path(__file__).resolve().parent)
    code = CHILD.format(bench=bench, family=family, reader=reader, size=size)
    try:
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:60]}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="14,28", help="n and 2n, in MB (default 14,28)")
    parser.add_argument("--readers", default="classify,parse,check,stdlib")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per run")
    args = parser.parse_args()
    n, n2 = (int(float(x) * MB) for x in args.sizes.split(","))
    readers = args.readers.split(",")
    print(f"sizes n={n / MB:g} MB and 2n={n2 / MB:g} MB; timeout {args.timeout:g} s per run")
    header = (
        f"{'family':12} {'reader':9} {'t(n) s':>8} {'t(2n) s':>8} {'ratio':>6} "
        f"{'mem(2n)/in':>10}  {'ok':3} defects"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    started = time.perf_counter()
    for family in args.families.split(","):
        for reader in readers:
            small = run(family, reader, n, args.timeout)
            large = run(family, reader, n2, args.timeout)
            row = _row(family, reader, small, large, args.timeout)
            if reader != "stdlib" and not row[1]:
                failures += 1
            print(row[0], flush=True)
    print(f"{failures} reader runs missed a target ({time.perf_counter() - started:.0f} s)")
    return 0


def _row(
    family: str,
    reader: str,
    small: dict[str, object] | None,
    large: dict[str, object] | None,
    timeout: float,
) -> tuple[str, bool]:
    def seconds(r: dict[str, object] | None) -> str:
        if r is None:
            return f">{timeout:g}"
        if "error" in r:
            return "error"
        return f"{float(str(r['time'])):.3f}"

    if small is None or large is None or "error" in small or "error" in large:
        why = (large or small or {}).get("error", "timeout")
        return f"{family:12} {reader:9} {seconds(small):>8} {seconds(large):>8}  {why}", False
    t1, t2 = float(str(small["time"])), float(str(large["time"]))
    ratio = t2 / t1 if t1 > 0 else 0.0
    mem = float(str(large["peak"])) / float(str(large["size"]))
    ok = ratio <= 2.5 and t2 <= 2.0 and mem <= 10.0
    defects = ",".join(str(d) for d in large.get("defects", []))  # type: ignore[attr-defined]
    line = (
        f"{family:12} {reader:9} {t1:8.3f} {t2:8.3f} {ratio:6.2f} {mem:10.2f}  "
        f"{'yes' if ok else 'NO':3} {defects}"
    )
    return line, ok


if __name__ == "__main__":
    raise SystemExit(main())
