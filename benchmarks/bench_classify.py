"""Throughput of mssc.replies.classify beside flufl.bounce's all_failures, in the same run.

    python benchmarks/bench_classify.py [CORPUS_DIR] [ROUNDS]

Both start from the raw bytes of each ``.eml`` of the corpus (default:
``../shared/corpora/bounces-dev`` beside the repository), so both pay for MIME parsing; flufl
parses with ``email.message_from_bytes`` as its documentation shows. mssc also returns a kind,
per-recipient reasons and evidence; flufl returns two sets of addresses.

Target (issue 4): mssc's messages/s >= 1x flufl's. The run also prints how many failed
recipients each finds over the corpus.
"""

from __future__ import annotations

import email
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
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = sorted(corpus_dir.glob("*.eml"))
    if not files:
        print(f"no .eml files in {corpus_dir}; nothing to measure")
        return 0
    corpus = [f.read_bytes() for f in files]
    print(f"corpus: {corpus_dir} ({len(corpus)} messages, best of {rounds} interleaved rounds)")
    mssc_found, _ = count(with_mssc, corpus)  # also warms both up
    flufl_found, flufl_errors = count(with_flufl, corpus)
    mssc_best = flufl_best = float("inf")
    for _ in range(rounds):  # interleaved, so that load from other processes hits both alike
        mssc_best = min(mssc_best, one_round(with_mssc, corpus))
        flufl_best = min(flufl_best, one_round(with_flufl, corpus))
    mssc_rate = len(corpus) / mssc_best
    flufl_rate = len(corpus) / flufl_best
    print(f"{'':28} {'messages/s':>12} {'failed recipients found':>25}")
    print(f"{'mssc classify':28} {mssc_rate:12.0f} {mssc_found:25d}")
    print(f"{'flufl.bounce all_failures':28} {flufl_rate:12.0f} {flufl_found:25d}", end="")
    print(f"   ({flufl_errors} messages raised)" if flufl_errors else "")
    ratio = mssc_rate / flufl_rate
    print(f"ratio mssc/flufl: {ratio:.2f}x (target >= 1x) -> {'OK' if ratio >= 1 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
