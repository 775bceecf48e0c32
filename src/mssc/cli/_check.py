"""``mssc check``: conformance findings for message files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mssc.cli._check_report import ReportWriter, add_report_options, read_inputs
from mssc.cli._common import add_subcommand, print_json, safe
from mssc.conformance import RULES, Report, check, rules_markdown


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand."""
    p = add_subcommand(
        sub,
        "check",
        help="check messages against the MSSanté, Ségur and Mon espace santé rules",
        example="mssc check --strict convocation.eml",
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="a message file (.eml) or a directory of them; '-' reads standard input",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument(
        "--direction",
        choices=("outgoing", "incoming"),
        default="outgoing",
        help="outgoing: a professional's message to a patient (default); incoming: a patient's",
    )
    p.add_argument(
        "--sender-kind",
        choices=("PER", "ORG", "APP"),
        help="the kind of the sending box, when known (sharpens MSSC014 and MSSC027)",
    )
    p.add_argument(
        "--rules", action="store_true", help="list every rule (code, severity, reference) and exit"
    )
    add_report_options(p)
    p.set_defaults(handler=_run, parser=p)


def _print_report(name: str, report: Report, strict: bool) -> None:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in report.findings:
        counts[f.severity.value] += 1
    verdict = "ok" if report.passes(strict=strict) else "FAIL"
    summary = ", ".join(
        f"{n} {k}{'s' if n != 1 and k != 'info' else ''}" for k, n in counts.items()
    )
    # Findings quote the message (headers, file names): safe() escapes its control characters.
    print(safe(f"{name}: {verdict} ({summary})"))
    for f in report.findings:
        print(safe(f"  {f}"))
        if f.hint:
            print(safe(f"  {'':<7} hint: {f.hint}"))


def _run(args: argparse.Namespace) -> int:
    if args.rules:
        if args.json:
            print_json([r.to_dict() for r in RULES.values()])
        else:
            sys.stdout.write(rules_markdown())
        return 0
    if not args.files:
        args.parser.error("give at least one FILE (or --rules)")
    results: list[dict[str, Any]] = []
    status = 0
    writer = ReportWriter(args)
    seen = 0
    for name, raw in read_inputs(args.files):
        seen += 1
        if isinstance(raw, OSError):
            exc = raw
            print(safe(f"mssc check: cannot read {name}: {exc.strerror or exc}"), file=sys.stderr)
            results.append({"file": name, "ok": False, "error": str(exc)})
            writer.add_unreadable(name, str(exc.strerror or exc))
            status = 2
            continue
        report = check(raw, direction=args.direction, sender_kind=args.sender_kind)
        writer.add(name, raw, report)
        if not report.passes(strict=args.strict):
            status = max(status, 1)
        if args.json:
            results.append({"file": name, **report.to_dict()})
        else:
            _print_report(name, report, args.strict)
    if not seen:
        # only directories, and no message in them: say so (an empty outbox is no error, and
        # its report is written, but a check that read nothing must not look like a pass)
        names = ", ".join(args.files)
        print(safe(f"mssc check: no message found in {names}"), file=sys.stderr)
    if args.json:
        print_json(results)
    return max(status, writer.finish())
