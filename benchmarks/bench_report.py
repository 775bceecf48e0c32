"""The cost of the conformance report for a large batch, beside the JSON that ``--json`` prints.

    python benchmarks/bench_report.py [MESSAGES] [ROUNDS]

Both start from the same :class:`mssc.conformance.Report` values (one per message, the
conformance fixtures repeated up to MESSAGES, 10,000 by default), so checking is not counted:
mssc builds the report value and renders the self-contained HTML page
(``build_report`` + ``report_html``); the anchor is what ``mssc check --json`` has always done,
``json.dumps`` of every ``Report.to_dict()``. The run prints the best time of each, the ratio,
and the size of both outputs.

Target: the HTML report of 10,000 messages within 10x the plain JSON dump, and under 5 s.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mssc.conformance import Report, build_report, check, message_entry, report_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "conformance"
WHEN = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)


def batch(n: int) -> list[tuple[str, Report]]:
    """``n`` (name, report) pairs from the conformance fixtures, repeated."""
    reports = [(p.name, check(p.read_bytes())) for p in sorted(FIXTURES.glob("*.eml"))]
    return [
        (f"{i:05d}-{reports[i % len(reports)][0]}", reports[i % len(reports)][1]) for i in range(n)
    ]


def with_mssc(items: list[tuple[str, Report]]) -> str:
    entries = [message_entry(name, report) for name, report in items]
    return report_html(build_report(entries, generated_at=WHEN))


def with_json(items: list[tuple[str, Report]]) -> str:
    return json.dumps([{"file": name, **report.to_dict()} for name, report in items])


def best(
    fn: Callable[[list[tuple[str, Report]]], str], items: list[tuple[str, Report]], rounds: int
) -> tuple[float, int]:
    times: list[float] = []
    size = 0
    for _ in range(rounds):
        start = time.perf_counter()
        size = len(fn(items).encode("utf-8"))
        times.append(time.perf_counter() - start)
    return min(times), size


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    items = batch(n)
    t_mssc, size_mssc = best(with_mssc, items, rounds)
    t_json, size_json = best(with_json, items, rounds)
    print(f"{n} messages, best of {rounds} rounds")
    print(f"mssc report (build_report + report_html): {t_mssc:.3f} s, {size_mssc / 1e6:.1f} MB")
    print(f"anchor (json.dumps of Report.to_dict):     {t_json:.3f} s, {size_json / 1e6:.1f} MB")
    print(f"ratio mssc/anchor: {t_mssc / t_json:.1f}x")


if __name__ == "__main__":
    main()
