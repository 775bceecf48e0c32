"""Peak memory of ``mssc classify`` over 1,000 and 10,000 messages: it must stay flat.

    python benchmarks/bench_classify_memory.py [SMALL] [LARGE]

An mbox of LARGE realistic returns (DSNs and French text notices of every bounce kind, read
receipts, TEST answers, built with ``mssc.testing``) is written to a temporary directory, and
its first SMALL messages to another. Measured in the same run:

1. the real console script, ``mssc classify --json MBOX > /dev/null``, in a child process:
   its maximum resident set size (``ru_maxrss`` from ``os.wait4``);
2. in this process, with ``tracemalloc``: the peak of Python allocations while classifying,
   for mssc's streaming reader (what the command runs) and, as the anchor, the stdlib way of a
   quick script — ``list(mailbox.mbox(path))`` then ``classify`` on each message.

Target: mssc's peak for LARGE is within 1.2x of its peak for SMALL (flat); the anchor's peak
grows with the number of messages. (Below ~500 messages mssc's traced peak still rises a little:
the stdlib ``email`` parser compiles one regex per MIME boundary into ``re``'s cache, which is
bounded at 512 patterns; past that it is flat. Compare sizes above that, as the defaults do.)
"""

from __future__ import annotations

import gc
import mailbox
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import redirect_stdout
from datetime import datetime, timezone
from pathlib import Path

from mssc.cli import main as mssc_main
from mssc.compose import Composer, Sender
from mssc.headers import SequentialMessageIds
from mssc.replies import ReplyKind, classify
from mssc.testing import make_bounce, make_read_receipt, make_test_acknowledgement

_PATIENTS = ("297022A02077878", "279035121518989", "146026322000196")


def make_returns(count: int) -> list[bytes]:
    """``count`` returned messages about ``count`` different originals (deterministic)."""
    composer = Composer(
        "DEV935997",
        clock=lambda: datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc),
        message_ids=SequentialMessageIds("bench"),
    )
    sender = Sender.organisational("accueil@chu-exemple.mssante.fr", entity="CHU Exemple")
    kinds = (
        ReplyKind.MAILBOX_CLOSED,
        ReplyKind.RECIPIENT_NOT_FOUND,
        ReplyKind.MESSAGE_TOO_LARGE,
        ReplyKind.DELIVERY_DELAYED,
    )
    originals = [
        composer.compose(
            sender=sender,
            to=f"{_PATIENTS[i % len(_PATIENTS)]}@patient.mssante.fr",
            subject=f"Votre convocation n° {i}",
            text="Bonjour,\nVoici votre convocation.\n" * 20,
        )
        for i in range(min(count, 97))
    ]
    out: list[bytes] = []
    for i in range(count):
        original = originals[i % len(originals)]
        roll = i % 10
        if roll < 7:
            out.append(
                make_bounce(original, kinds[i % len(kinds)], form="dsn" if i % 2 else "text")
            )
        elif roll < 9:
            out.append(make_read_receipt(original))
        else:
            out.append(make_test_acknowledgement(original))
    return out


def write_mbox(path: Path, messages: list[bytes]) -> None:
    box = mailbox.mbox(path, create=True)
    box.lock()
    for raw in messages:
        box.add(raw)
    box.flush()
    box.unlock()
    box.close()


def child_maxrss_kib(mbox: Path) -> tuple[int, float]:
    """Run the real ``mssc classify --json`` on ``mbox``; return (max RSS in KiB, seconds)."""
    script = str(Path(sys.executable).with_name("mssc"))
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([script, "classify", "--json", str(mbox)], stdout=null)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"mssc classify failed with status {proc.returncode}")
    return usage.ru_maxrss, time.perf_counter() - start


def traced_peak(run: object) -> int:
    """Peak traced allocation (bytes) while ``run()`` executes."""
    assert callable(run)
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def streaming(mbox: Path) -> None:
    """What ``mssc classify --json`` does (through its real entry point), output discarded."""
    with open(os.devnull, "w", encoding="utf-8") as null, redirect_stdout(null):
        status = mssc_main(["classify", "--json", "--no-progress", str(mbox)])
    assert status == 0


def stdlib_anchor(mbox: Path) -> None:
    """The quick-script way: load the whole mbox, then classify each message."""
    messages = list(mailbox.mbox(mbox))
    kinds = [classify(m.as_bytes()).kind for m in messages]
    assert len(kinds) == len(messages)


def main() -> None:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    large = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    with tempfile.TemporaryDirectory(prefix="mssc-bench-") as tmp:
        t0 = time.perf_counter()
        returns = make_returns(large)
        paths = {
            small: Path(tmp) / f"returns-{small}.mbox",
            large: Path(tmp) / f"returns-{large}.mbox",
        }
        write_mbox(paths[small], returns[:small])
        write_mbox(paths[large], returns)
        sizes = {n: p.stat().st_size for n, p in paths.items()}
        del returns
        print(
            f"generated {large:,} returns in {time.perf_counter() - t0:.1f} s "
            f"({sizes[large] / 1e6:.1f} MB mbox; {sizes[small] / 1e6:.1f} MB for {small:,})"
        )

        print("\n1. the console script `mssc classify --json MBOX` (child process, ru_maxrss)")
        rss = {}
        for n in (small, large):
            rss[n], seconds = child_maxrss_kib(paths[n])
            print(f"   {n:>7,} messages: max RSS {rss[n] / 1024:7.1f} MiB   "
                  f"({seconds:.1f} s, {n / seconds:,.0f} msg/s)")  # fmt: skip
        print(f"   ratio {large:,}/{small:,}: {rss[large] / rss[small]:.2f}x")

        print("\n2. peak Python allocations while classifying (tracemalloc, same process)")
        header = ("messages", "mssc (streaming)", "stdlib mailbox anchor", "anchor/mssc")
        print("   {:>9} {:>18} {:>23} {:>12}".format(*header))
        # Warm up both paths (imports, parser, regex caches) so that only the run is measured.
        streaming(paths[small])
        stdlib_anchor(paths[small])
        peaks: dict[int, tuple[int, int]] = {}
        for n in (small, large):
            ours = traced_peak(lambda n=n: streaming(paths[n]))
            anchor = traced_peak(lambda n=n: stdlib_anchor(paths[n]))
            peaks[n] = (ours, anchor)
            print(f"   {n:>9,} {ours / 2**20:>15.2f} MiB {anchor / 2**20:>20.2f} MiB "
                  f"{anchor / ours:>11.1f}x")  # fmt: skip
        growth_ours = peaks[large][0] / peaks[small][0]
        growth_anchor = peaks[large][1] / peaks[small][1]
        print(
            f"   growth {large:,}/{small:,}: mssc {growth_ours:.2f}x, anchor {growth_anchor:.2f}x"
        )
        verdict = "flat" if growth_ours <= 1.2 else "NOT flat"
        print(f"\nmssc classify memory is {verdict} (target: growth <= 1.2x)")


if __name__ == "__main__":
    main()
