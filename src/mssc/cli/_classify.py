"""``mssc classify``: sort what came back to a professional's box, one message at a time."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any, TextIO

from mssc.cli._common import add_subcommand
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
        help=".eml files, mbox files, directories or Maildirs (read one message at a time)",
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


def _line(source: Source, result: Classification, ins: str | None) -> str:
    original = result.original_message_id or "-"
    return f"{result.kind.value:<20} {ins or '-':<15} {original}  {source}"


def _summary(counts: Counter[str], unreadable: int, skipped: Counter[str]) -> list[str]:
    total = sum(counts.values())
    lines = ["", f"{'kind':<20} {'messages':>8} {'share':>7}"]
    for kind in ReplyKind:
        n = counts.get(kind.value, 0)
        if n:
            lines.append(f"{kind.value:<20} {n:>8} {100 * n / total:>6.1f}%")
    lines.append(f"{'total':<20} {total:>8}")
    if unreadable:
        lines.append(f"{'unreadable paths':<20} {unreadable:>8}")
    for reason in sorted(skipped):
        lines.append(f"{f'skipped ({reason})':<20} {skipped[reason]:>8}")
    return lines


def _run(args: argparse.Namespace) -> int:
    unreadable = 0
    skipped: Counter[str] = Counter()

    def on_skip(name: str, reason: str) -> None:
        skipped[reason] += 1

    def on_error(name: str, exc: OSError) -> None:
        nonlocal unreadable
        unreadable += 1
        print(f"mssc classify: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)

    progress = _progress(args)
    counts: Counter[str] = Counter()
    out = sys.stdout
    if not args.json:
        out.write(f"{'KIND':<20} {'INS':<15} ORIGINAL-MESSAGE-ID  SOURCE\n")
    try:
        for source, raw in iter_messages(args.paths, on_error, on_skip):
            result = classify(raw)
            ins = str(result.patient_ins) if result.patient_ins is not None else None
            counts[result.kind.value] += 1
            if args.json:
                record: dict[str, Any] = {"source": str(source)}
                record.update(result.to_dict())  # includes "patient_ins"
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(_line(source, result, ins) + "\n")
                if args.explain:
                    _explain(out, result)
            if progress is not None:
                progress.step()
    finally:
        if progress is not None:
            progress.close()
    if not args.json:
        out.write("\n".join(_summary(counts, unreadable, skipped)) + "\n")
    return 1 if unreadable else 0


def _explain(out: TextIO, result: Classification) -> None:
    trust = "trusted" if result.trusted else "not trusted"
    out.write(f"    confidence {result.confidence:.2f}, {trust}\n")
    for e in result.evidence:
        out.write(f"    - {e.rule} [{e.source}] {e.excerpt}\n")
    for r in result.recipients:
        detail = " ".join(x for x in (r.action, r.status, r.reply_code) if x)
        out.write(f"    recipient {r.address or '?'}: {r.kind.value} {detail}\n")
    for d in result.defects:
        out.write(f"    defect {d}\n")
