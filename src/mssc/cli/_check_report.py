"""The report files of ``mssc check`` (``--report``, ``--report-json``) and its progress bar.

Not a subcommand: ``mssc.cli._check`` adds these options and feeds every checked message to a
:class:`ReportWriter`. The report itself is built by the core (``mssc.conformance``); this edge
only collects the entries, reads the clock, draws the progress bar and writes the files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from mssc.cli._common import read_input
from mssc.cli._mailboxes import count_messages, iter_messages
from mssc.conformance import (
    MessageEntry,
    Report,
    build_report,
    message_entry,
    message_subject,
    report_html,
    unreadable_entry,
)

__all__ = ["ReportWriter", "add_report_options", "read_inputs"]


def add_report_options(p: argparse.ArgumentParser) -> None:
    """Add ``--report FILE``, ``--report-json FILE`` and ``--no-progress`` to ``p``."""
    p.add_argument(
        "--report",
        metavar="FILE",
        type=Path,
        help="also write a self-contained HTML conformance report to FILE",
    )
    p.add_argument(
        "--report-json",
        metavar="FILE",
        type=Path,
        help="also write the report as JSON to FILE (schema: docs/conformance-report.schema.json)",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="never draw the progress bar (drawn on a terminal's stderr while writing a report)",
    )


def read_inputs(names: list[str]) -> Iterator[tuple[str, bytes | OSError]]:
    """Yield ``(name, bytes)`` for each FILE (``-`` is standard input), or ``(name, error)``.

    A directory is walked the way ``mssc classify`` walks one (every message file, mbox and
    Maildir under it, symbolic links inside it not followed), and each message comes out with
    its own name (``path`` or ``path#N`` in an mbox).
    """
    errors: list[tuple[str, OSError]] = []

    def on_error(path: str, exc: OSError) -> None:
        errors.append((path, exc))

    for name in names:
        if name == "-" or not Path(name).is_dir():
            try:
                yield name, read_input(name)
            except OSError as exc:
                yield name, exc
            continue
        for source, raw in iter_messages([name], on_error):
            yield from errors
            errors.clear()
            yield str(source), raw
        yield from errors
        errors.clear()


class _Progress:
    """A one-line progress bar on a terminal's stderr."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream, self.total, self.done = stream, total, 0

    def step(self) -> None:
        self.done += 1
        if self.done % 50 and self.done != self.total:
            return
        width = 30
        filled = width * min(self.done, self.total) // max(self.total, 1)
        self.stream.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 60 + "\r")
        self.stream.flush()


class ReportWriter:
    """Collects the verdict of every message, then writes the report files asked for."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.html_path: Path | None = args.report
        self.json_path: Path | None = args.report_json
        self.strict: bool = args.strict
        self.entries: list[MessageEntry] = []
        self.progress: _Progress | None = None
        if self.active and not args.no_progress and sys.stderr.isatty():
            files = [n for n in args.files if n != "-"]
            total = count_messages(files) + (len(args.files) - len(files))
            self.progress = _Progress(sys.stderr, total)

    @property
    def active(self) -> bool:
        """Whether a report file was asked for."""
        return self.html_path is not None or self.json_path is not None

    def add(self, source: str, raw: bytes, report: Report) -> None:
        """Record one checked message."""
        if self.active:
            subject = message_subject(raw)
            self.entries.append(message_entry(source, report, subject=subject, strict=self.strict))
        self._step()

    def add_unreadable(self, source: str, reason: str) -> None:
        """Record a file that could not be read."""
        if self.active:
            self.entries.append(unreadable_entry(source, reason))
        self._step()

    def _step(self) -> None:
        if self.progress is not None:
            self.progress.step()

    def finish(self) -> int:
        """Write the files; return 2 when one cannot be written, else 0."""
        if self.progress is not None:
            self.progress.close()
        if not self.active:
            return 0
        report = build_report(
            self.entries, generated_at=dt.datetime.now(dt.timezone.utc), strict=self.strict
        )
        status = 0
        outputs: list[tuple[Path, Callable[[], str]]] = []
        if self.html_path is not None:
            outputs.append((self.html_path, lambda: report_html(report)))
        if self.json_path is not None:
            outputs.append((self.json_path, lambda: report.model_dump_json(indent=2) + "\n"))
        for path, render in outputs:
            try:
                _write_atomically(path, render())
            except OSError as exc:
                print(f"mssc check: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
                status = 2
        return status


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 next to ``path``, then move it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
