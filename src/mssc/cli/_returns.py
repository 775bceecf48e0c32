"""``mssc returns``: process a box's return mail over IMAP, one line per message."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from mssc.cli._common import add_subcommand
from mssc.cli._credentials import terminal_safe
from mssc.cli._send import add_connection_options, connection_kwargs


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``returns`` subcommand."""
    p = add_subcommand(
        sub,
        "returns",
        help="process the return box over IMAP: classify, then move to a done folder",
        example="mssc returns --host imap.operateur.example --user dpi@ch.mssante.fr "
        "--token-env PSC_TOKEN --state ~/.mssc-returns.json",
    )
    add_connection_options(p, port=143)
    p.add_argument("--user", required=True, help="the box address (IMAP user)")
    p.add_argument("--mailbox", default="INBOX", help="the folder to read (default INBOX)")
    p.add_argument(
        "--done-folder",
        default="mssc-traites",
        help="where processed messages go (default mssc-traites)",
    )
    p.add_argument("--state", metavar="FILE.json", help="keep UIDVALIDITY here between runs")
    p.add_argument("--limit", type=int, help="process at most this many messages")
    p.add_argument("--json", action="store_true", help="write one JSON object per message")
    p.add_argument("--no-progress", action="store_true", help="never draw the progress bar")
    p.set_defaults(handler=_run)


class _Progress:
    """A one-line progress bar on a terminal's stderr; silent everywhere else."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream, self.total, self.done = stream, total, 0

    def step(self, _: object) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        self.stream.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total}")
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def _run(args: argparse.Namespace) -> int:
    import json

    from mssc.transport import CredentialsError, ReturnBox, ReturnItem, TransportError

    lines: list[str] = []

    def handler(item: ReturnItem, raw: bytes) -> None:
        c = item.classification
        if args.json:
            lines.append(json.dumps(item.to_dict(), ensure_ascii=False))
            return
        ins = c.patient_ins or "-"
        lines.append(
            terminal_safe(f"{item.uid:>6} {c.kind.value:<22} {c.original_message_id or '-'} {ins}")
        )

    try:
        with ReturnBox(
            args.host,
            args.port,
            username=args.user,
            mailbox=args.mailbox,
            state=args.state,
            **connection_kwargs(args),
        ) as box:
            callback: Any = None
            if sys.stderr.isatty() and not args.no_progress and not args.json:
                total = box.count()
                if args.limit is not None:
                    total = min(total, args.limit)
                callback = _Progress(sys.stderr, total).step
            report = box.process(
                handler, done_folder=args.done_folder, limit=args.limit, progress=callback
            )
    except (TransportError, CredentialsError) as exc:
        print(f"mssc returns: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    for s in report.skipped:
        message = f"{s.uid:>6} LEFT IN PLACE ({s.reason}): {s.detail}"
        if args.json:
            print(json.dumps(s.to_dict(), ensure_ascii=False))
        else:
            print(terminal_safe(message))
    if report.uidvalidity_changed:
        print("mssc returns: UIDVALIDITY changed: messages may come again", file=sys.stderr)
    return 1 if report.skipped else 0
