"""``mssc credentials``: inspect and check an IGC-Santé PKCS#12 file."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from mssc.cli._common import add_subcommand, print_json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``credentials`` subcommand."""
    p = add_subcommand(
        sub,
        "credentials",
        help="inspect and check a structure's IGC-Santé certificate (.p12)",
        example="mssc credentials structure.p12 --password-env MSSC_P12_PASSWORD",
    )
    p.add_argument("file", metavar="FILE.p12", help="the PKCS#12 file")
    add_password_option(p)
    p.add_argument(
        "--environment",
        choices=("production", "test"),
        default="production",
        help="production: a TEST chain is an error (default); test: it is expected",
    )
    p.add_argument(
        "--warn-days", type=int, default=30, help="warn when fewer days are left (default 30)"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_run)


def add_password_option(p: argparse.ArgumentParser) -> None:
    """``--password-env VAR``: the password is read from the environment, never argv."""
    p.add_argument(
        "--password-env",
        metavar="VAR",
        help="the environment variable holding the .p12 password (never on the command line)",
    )


def password_from(args: argparse.Namespace) -> str | None:
    """The password named by ``--password-env``, or None.

    Raises:
        SystemExit: (status 2) when the variable is not set.
    """
    name = args.password_env
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        print(f"mssc: the environment variable {name} is not set", file=sys.stderr)
        raise SystemExit(2)
    return value


def _run(args: argparse.Namespace) -> int:
    from mssc.conformance import Severity
    from mssc.transport import CredentialsError, load_pkcs12

    try:
        creds = load_pkcs12(args.file, password_from(args))
    except CredentialsError as exc:
        if args.json:
            print_json({"file": args.file, **exc.to_dict()})
        else:
            print(f"mssc credentials: {exc}", file=sys.stderr)
        return 2
    report = creds.inspect()
    findings = creds.check(
        now=dt.datetime.now(dt.timezone.utc),
        warn_days=args.warn_days,
        environment=args.environment,
    )
    failed = any(f.severity is Severity.ERROR for f in findings)
    if args.json:
        print_json(
            {
                "file": args.file,
                "ok": not failed,
                "certificate": report.to_dict(),
                "findings": [f.to_dict() for f in findings],
            }
        )
        return 1 if failed else 0
    sid = report.structure_id
    rows = [
        ("subject", report.subject),
        ("issuer", report.issuer),
        ("IGC-Santé", report.igc_sante.value),
        ("valid from", f"{report.not_before:%Y-%m-%d %H:%M} UTC"),
        ("valid until", f"{report.not_after:%Y-%m-%d %H:%M} UTC"),
        (
            "structure",
            f"{sid} ({sid.kind.value})" if sid else f"none ({report.structure_id_problem})",
        ),
        ("key usage", ", ".join(report.key_usage) if report.key_usage is not None else "(any)"),
        (
            "extended",
            ", ".join(report.extended_key_usage)
            if report.extended_key_usage is not None
            else "(any)",
        ),
        ("chain", f"{len(report.chain)} CA certificate(s)"),
    ]
    for label, value in rows:
        print(f"{label:<12} {terminal_safe(value)}")
    verdict = "FAIL" if failed else "ok"
    print(f"{args.file}: {verdict} ({len(findings)} finding{'s' if len(findings) != 1 else ''})")
    for f in findings:
        print(f"  {terminal_safe(str(f))}")
        if f.hint:
            print(f"  {'':<7} hint: {terminal_safe(f.hint)}")
    return 1 if failed else 0


def terminal_safe(value: object) -> str:
    """``value`` as text with every non-printable character escaped (``\\x1b``, ``\\u202e``):
    values from mail or certificates can carry terminal escapes and bidi overrides.

    >>> terminal_safe("ok\\x1b[31m\\u202e")
    'ok\\\\x1b[31m\\\\u202e'
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
