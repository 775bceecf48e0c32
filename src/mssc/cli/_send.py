"""``mssc send``: submit message files to an MSSanté operator, one line per recipient."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from mssc.cli._common import add_subcommand, print_json, read_input
from mssc.cli._credentials import add_password_option, password_from, terminal_safe


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``send`` subcommand."""
    p = add_subcommand(
        sub,
        "send",
        help="submit .eml files to an MSSanté operator (STARTTLS, mutual TLS or XOAUTH2)",
        example="mssc send convocation.eml --host smtp.operateur.example --p12 structure.p12 "
        "--password-env MSSC_P12_PASSWORD",
    )
    add_connection_options(p, port=587)
    p.add_argument("files", nargs="+", metavar="FILE.eml", help="message files ('-': stdin)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_run)


def add_connection_options(p: argparse.ArgumentParser, *, port: int) -> None:
    """The options shared by ``send`` and ``returns``."""
    p.add_argument("--host", required=True, help="the operator's server")
    p.add_argument("--port", type=int, default=port, help=f"the port (default {port})")
    p.add_argument("--p12", metavar="FILE", help="the structure's IGC-Santé certificate")
    add_password_option(p)
    p.add_argument(
        "--token-env",
        metavar="VAR",
        help="the environment variable holding a Pro Santé Connect access token (XOAUTH2)",
    )
    p.add_argument("--cafile", metavar="PEM", help="the operator's CA certificates")
    p.add_argument("--timeout", type=float, default=60, help="seconds per reply (default 60)")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="accept a server without STARTTLS (local tests only; a warning is logged)",
    )


def connection_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of Submitter/ReturnBox from the shared options.

    Raises:
        SystemExit: (status 2) for an unset variable or unusable credentials.
    """
    from mssc.transport import CredentialsError, load_pkcs12

    kwargs: dict[str, Any] = {"timeout": args.timeout, "insecure": args.insecure}
    if args.cafile:
        kwargs["cafile"] = args.cafile
    if args.p12:
        try:
            kwargs["credentials"] = load_pkcs12(args.p12, password_from(args))
        except CredentialsError as exc:
            print(f"mssc: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    if args.token_env:
        token = os.environ.get(args.token_env)
        if token is None:
            print(f"mssc: the environment variable {args.token_env} is not set", file=sys.stderr)
            raise SystemExit(2)
        kwargs["token"] = token
    return kwargs


def _run(args: argparse.Namespace) -> int:
    from mssc.transport import (
        CredentialsError,
        RawSubmission,
        SubmissionStatus,
        Submitter,
        TransportError,
    )

    messages = []
    for name in args.files:
        try:
            messages.append((name, RawSubmission.from_bytes(read_input(name))))
        except OSError as exc:
            print(f"mssc send: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        except TransportError as exc:
            print(f"mssc send: {name}: {exc}", file=sys.stderr)
            return 2
    try:
        with Submitter(args.host, args.port, **connection_kwargs(args)) as submitter:
            results = submitter.send_many(m for _, m in messages)
    except (TransportError, CredentialsError) as exc:
        if args.json:
            print_json(exc.to_dict())
        else:
            print(f"mssc send: {terminal_safe(exc)}", file=sys.stderr)
        return 1
    status = 0
    out: list[dict[str, Any]] = []
    for (name, _), result in zip(messages, results, strict=True):
        if not result.accepted:
            status = 1
        if args.json:
            out.append({"file": name, **result.to_dict()})
            continue
        for r in result.recipients:
            line = f"{name}: {r.address} {r.status.value}"
            if r.status is not SubmissionStatus.ACCEPTED:
                kind = f" {r.kind.value}" if r.kind else ""
                said = f" {r.reply_code} {r.reply_text}" if r.reply_code else f" {r.reply_text}"
                line += f"{kind} ({r.smtp_command or 'connection'}:{said})"
            print(terminal_safe(line))
    if args.json:
        print_json(out)
    return status
