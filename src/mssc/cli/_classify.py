"""``mssc classify``: sort what came back to a professional's box, one message at a time.

Messages are read and classified one at a time. ``--json`` writes each verdict as soon as it is
made; the text table is printed at the end, with its columns as wide as their longest value,
and every value from the mail made safe for a terminal (:func:`~mssc.cli._common.safe`).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any, TextIO

from mssc.cli._common import add_subcommand, json_text, safe
from mssc.cli._mailboxes import Source, count_messages, iter_messages
from mssc.replies import Classification, ReplyKind, classify

#: Above this many messages, a progress bar is drawn (on a terminal only).
PROGRESS_THRESHOLD = 300


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``classify`` subcommand."""
    p = add_subcommand(
        sub,
        "classify",
        help="classify returned mail (bounces, read receipts, TEST answers, patient messages)",
        example="mssc classify --explain ~/Maildir/retours bounces.mbox 2026-11/*.eml",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help=".eml files, mbox files, directories or Maildirs (read one message at a time); "
        "'-' reads standard input",
    )
    p.add_argument("--explain", action="store_true", help="print the evidence of each verdict")
    p.add_argument(
        "--json", action="store_true", help="write one JSON object per message (JSON lines)"
    )
    p.add_argument(
        "--no-progress", action="store_true", help="never draw the progress bar on stderr"
    )
    p.set_defaults(handler=_run)


class _Progress:
    """A one-line progress bar on a terminal's stderr; silent everywhere else."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.done % 50 and self.done != self.total:
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 60 + "\r")
        self.stream.flush()


def _progress(args: argparse.Namespace) -> _Progress | None:
    if args.no_progress or not sys.stderr.isatty():
        return None
    total = count_messages(args.paths)
    return _Progress(sys.stderr, total) if total > PROGRESS_THRESHOLD else None


#: The columns of the text table.
_HEADER = ("KIND", "INS", "ORIGINAL-MESSAGE-ID", "SOURCE")


def _row(source: Source, result: Classification) -> tuple[str, str, str, str]:
    ins = str(result.patient_ins) if result.patient_ins is not None else "-"
    original = result.original_message_id or "-"
    return (result.kind.value, ins, safe(original), safe(source))


def _table(rows: list[tuple[tuple[str, str, str, str], list[str]]]) -> list[str]:
    """The table's lines: each column as wide as its longest value (the last is not padded),
    with the ``--explain`` lines of each message under it."""
    widths = [max([len(h), *(len(r[i]) for r, _ in rows)]) for i, h in enumerate(_HEADER)]

    def line(cells: tuple[str, str, str, str]) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths[:-1], strict=True)]
        return "  ".join([*padded, cells[-1]])

    lines = [line(_HEADER)]
    for cells, explanation in rows:
        lines.append(line(cells))
        lines.extend(explanation)
    return lines


def _summary(counts: Counter[str], unreadable: int, skipped: Counter[str]) -> list[str]:
    total = sum(counts.values())
    rows = [(kind.value, counts[kind.value]) for kind in ReplyKind if counts.get(kind.value)]
    extra = [(f"skipped ({reason})", skipped[reason]) for reason in sorted(skipped)]
    if unreadable:
        extra.insert(0, ("unreadable paths", unreadable))
    width = max([20, *(len(label) for label, _ in rows + extra)])
    lines = ["", f"{'kind':<{width}} {'messages':>8} {'share':>7}"]
    lines += [f"{label:<{width}} {n:>8} {100 * n / total:>6.1f}%" for label, n in rows]
    lines.append(f"{'total':<{width}} {total:>8}")
    lines += [f"{label:<{width}} {n:>8}" for label, n in extra]
    return lines


def _run(args: argparse.Namespace) -> int:
    unreadable = 0
    skipped: Counter[str] = Counter()

    def on_skip(name: str, reason: str) -> None:
        skipped[reason] += 1

    def on_error(name: str, exc: OSError) -> None:
        nonlocal unreadable
        unreadable += 1
        print(safe(f"mssc classify: cannot read {name}: {exc.strerror or exc}"), file=sys.stderr)

    progress = _progress(args)
    counts: Counter[str] = Counter()
    rows: list[tuple[tuple[str, str, str, str], list[str]]] = []
    out = sys.stdout
    try:
        for source, raw in iter_messages(args.paths, on_error, on_skip):
            result = classify(raw)
            counts[result.kind.value] += 1
            if args.json:
                record: dict[str, Any] = {"source": str(source)}
                record.update(result.to_dict())  # includes "patient_ins"
                out.write(json_text(record) + "\n")
            else:
                rows.append((_row(source, result), _explain(result) if args.explain else []))
            if progress is not None:
                progress.step()
    finally:
        if progress is not None:
            progress.close()
    if not args.json:
        out.write("\n".join(_table(rows) + _summary(counts, unreadable, skipped)) + "\n")
    return 1 if unreadable else 0


def _explain(result: Classification) -> list[str]:
    """The ``--explain`` lines of one verdict; excerpts and addresses come from the mail."""
    trust = "trusted" if result.trusted else "not trusted"
    lines = [f"    confidence {result.confidence:.2f}, {trust}"]
    lines += [f"    - {e.rule} [{e.source}] {e.excerpt}" for e in result.evidence]
    for r in result.recipients:
        detail = " ".join(x for x in (r.action, r.status, r.reply_code) if x)
        lines.append(f"    recipient {r.address or '?'}: {r.kind.value} {detail}")
    lines += [f"    defect {d}" for d in result.defects]
    return [safe(line) for line in lines]
