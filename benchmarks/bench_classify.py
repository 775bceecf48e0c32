"""Throughput of mssc.replies.classify beside flufl.bounce's all_failures, in the same run.

    python benchmarks/bench_classify.py [CORPUS_DIR] [ROUNDS]

Both start from the raw bytes of each ``.eml`` of the corpus (default:
``../shared/corpora/bounces-dev`` beside the repository), so both pay for MIME parsing; flufl
parses with ``email.message_from_bytes`` as its documentation shows. mssc also returns a kind,
per-recipient reasons and evidence; flufl returns two sets of addresses.

Target (issue 10): mssc's messages/s >= 2x flufl's (issue 4 asked for 1x). The run says
which build of mssc it measures: a regular wheel compiles the classifier with mypyc, an
editable install runs it as Python (docs/building.md). Each round runs
one pass of each, back to back; the run prints the ratio of the best times and the median
(with quartiles) of the rounds' ratios, which is steadier on a machine whose load comes in
bursts. It also prints how many failed recipients each finds over the corpus.
"""

from __future__ import annotations

import email
import importlib.machinery
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flufl.bounce import all_failures

from mssc.replies import ReplyKind, classify

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "bounces-dev"
FAILURES = {
    ReplyKind.MAILBOX_CLOSED,
    ReplyKind.RECIPIENT_NOT_FOUND,
    ReplyKind.MESSAGE_TOO_LARGE,
    ReplyKind.DELIVERY_FAILED,
    ReplyKind.DELIVERY_DELAYED,
}


def with_mssc(raw: bytes) -> int:
    """Failed recipients (with an address) that mssc finds in one message."""
    result = classify(raw)
    return sum(1 for r in result.recipients if r.address and r.kind in FAILURES)


def with_flufl(raw: bytes) -> int:
    """Failed recipients (temporary + permanent) that flufl.bounce finds in one message."""
    try:
        temporary, permanent = all_failures(email.message_from_bytes(raw))
    except Exception:  # flufl re-raises its detectors' errors
        return -1
    return len(temporary | permanent)


def build() -> str:
    """Which build of mssc runs: compiled with mypyc (a regular wheel) or pure Python (an
    editable install, or ``MSSC_COMPILE=no``); see docs/building.md."""
    import mssc.replies.classifier as module

    compiled = str(module.__file__).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    return f"compiled with mypyc ({module.__file__})" if compiled else "pure Python"


def count(fn: Callable[[bytes], int], corpus: list[bytes]) -> tuple[int, int]:
    """(failed recipients found over the corpus, messages that raised)."""
    found = errors = 0
    for raw in corpus:
        n = fn(raw)
        if n < 0:
            errors += 1
        else:
            found += n
    return found, errors


def one_round(fn: Callable[[bytes], int], corpus: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in corpus:
        fn(raw)
    return time.perf_counter() - start


def main() -> int:
    corpus_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    files = sorted(corpus_dir.glob("*.eml"))
    if not files:
        print(f"no .eml files in {corpus_dir}; nothing to measure")
        return 0
    corpus = [f.read_bytes() for f in files]
    print(f"corpus: {corpus_dir} ({len(corpus)} messages, {rounds} interleaved rounds)")
    built = build()
    print(f"mssc build: {built}")
    if built == "pure Python":
        print(
            "  (an editable install or MSSC_COMPILE=no; a regular install compiles the "
            "classifier: `nox -s bench` measures that build, see docs/building.md)"
        )
    mssc_found, _ = count(with_mssc, corpus)  # also warms both up
    flufl_found, flufl_errors = count(with_flufl, corpus)
    mssc_times: list[float] = []
    flufl_times: list[float] = []
    for i in range(rounds):  # interleaved, so that load from other processes hits both alike
        if i % 2:  # and each goes first in half the rounds (garbage collection, caches)
            flufl_times.append(one_round(with_flufl, corpus))
            mssc_times.append(one_round(with_mssc, corpus))
        else:
            mssc_times.append(one_round(with_mssc, corpus))
            flufl_times.append(one_round(with_flufl, corpus))
    mssc_rate = len(corpus) / min(mssc_times)
    flufl_rate = len(corpus) / min(flufl_times)
    print(f"{'':28} {'messages/s':>12} {'failed recipients found':>25}")
    print(f"{'mssc classify':28} {mssc_rate:12.0f} {mssc_found:25d}")
    print(f"{'flufl.bounce all_failures':28} {flufl_rate:12.0f} {flufl_found:25d}", end="")
    print(f"   ({flufl_errors} messages raised)" if flufl_errors else "")
    # each round pairs one pass of each, run back to back: the median of the pairs' ratios is
    # steadier than a ratio of best times when the machine's load comes in bursts
    pairs = sorted(f / m for m, f in zip(mssc_times, flufl_times, strict=True))
    median = statistics.median(pairs)
    q1, _, q3 = statistics.quantiles(pairs, n=4) if len(pairs) > 1 else (median, 0, median)
    print(f"ratio of best times mssc/flufl: {mssc_rate / flufl_rate:.2f}x")
    print(
        f"ratio mssc/flufl, median of {len(pairs)} paired rounds: {median:.2f}x "
        f"(quartiles {q1:.2f}-{q3:.2f}; target >= 2x) -> {'OK' if median >= 2 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
