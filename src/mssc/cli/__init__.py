"""The ``mssc`` command line.

Every subcommand lives in its own private module of this package (``_name.py``) with a
``register(subparsers)`` function that adds its parser(s). The modules are listed once, in
:data:`COMMANDS`: command name, module, one-line summary. ``mssc COMMAND …`` imports only the
module of COMMAND; the other commands stay placeholders that carry their summary, so
``mssc --help`` lists every command without importing any of them, and ``mssc ins`` does not pay
for the classifier, the templates or pydantic schemas it never uses.

To add a subcommand, write ``src/mssc/cli/_<module>.py`` with ``register(subparsers)`` (see
``_check.py``) and add one line to :data:`COMMANDS`, in the place it should have in
``mssc --help``::

    Command("sandbox", "_sandbox", "run a local Mon espace santé (SMTP and TLS) for tests"),

A module that registers two commands (``_identity``: ``ins`` and ``address``) has one line per
command. ``tests/test_cli_startup.py`` checks that every module with ``register`` is listed, that
each line's summary is the help its module registers, and that docs/cli.md documents it.

Exit status: 0 when everything is valid, 1 for findings or failures, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import NamedTuple

__all__ = ["COMMANDS", "Command", "build_parser", "main"]


class Command(NamedTuple):
    """One subcommand: its name, the module of this package that registers it, its summary."""

    name: str
    module: str
    summary: str


#: Every subcommand, in ``mssc --help`` order.
COMMANDS: tuple[Command, ...] = (
    Command(
        "demo",
        "_demo",
        "run the whole MSS-C story over SMTP and mutual TLS against a local Mon espace "
        "santé (loopback only)",
    ),
    Command(
        "sandbox", "_sandbox", "run a local Mon espace santé (SMTP + TLS on loopback) until Ctrl-C"
    ),
    Command("ins", "_identity", "validate matricules INS and show their fields and MSS-C address"),
    Command(
        "address", "_identity", "print the MSS-C address of matricules INS or typed-in addresses"
    ),
    Command(
        "build",
        "_build",
        "compose a message from a JSON spec (mssc build --schema prints the spec's schema)",
    ),
    Command(
        "check", "_check", "check messages against the MSSanté, Ségur and Mon espace santé rules"
    ),
    Command(
        "classify",
        "_classify",
        "classify returned mail (bounces, read receipts, TEST answers, patient messages)",
    ),
    Command(
        "parse",
        "_parse",
        "show a patient's message: sender, INS, thread, attachments with their verdicts",
    ),
    Command(
        "templates",
        "_templates",
        "list the patient-message templates with their fields (* = required)",
    ),
    Command(
        "render",
        "_templates",
        "render a template with a JSON context and print the subject and body",
    ),
    Command(
        "send",
        "_send",
        "submit .eml files to an MSSanté operator (STARTTLS, mutual TLS or XOAUTH2)",
    ),
    Command(
        "returns",
        "_returns",
        "process the return box over IMAP: classify, then move to a done folder",
    ),
    Command(
        "credentials",
        "_credentials",
        "inspect and check a structure's IGC-Santé certificate (.p12)",
    ),
    Command("xdm", "_xdm", "build or inspect IHE_XDM.zip archives of Ségur documents"),
    Command(
        "cda", "_cda", "wrap a PDF as a CDA R2 niveau 1 (French header) for a qualified patient"
    ),
)

_BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first argument that is not an option (the ``mssc``
    parser has no option that takes a value), or ``None``."""
    for i, arg in enumerate(argv):
        if arg == "--":
            return argv[i + 1] if i + 1 < len(argv) else None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """Return the argument parser of the ``mssc`` command.

    Args:
        commands: the commands whose modules are imported and registered in full; every other
            command is a placeholder with its summary (enough for ``mssc --help``). ``None``
            (the default) registers every command.
    """
    from mssc import __version__

    parser = argparse.ArgumentParser(
        prog="mssc",
        description="Build, check and process MSS-C messages (Mon espace santé).",
        epilog="Run 'mssc COMMAND --help' for the options and an example of each command.\n\n"
        "example:\n  mssc demo --out /tmp/mssc-demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mssc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = None if commands is None else {_BY_NAME[c].module for c in commands if c in _BY_NAME}
    registered: set[str] = set()
    for command in COMMANDS:
        if wanted is not None and command.module not in wanted:
            sub.add_parser(command.name, help=command.summary, add_help=False)
        elif command.module not in registered:
            registered.add(command.module)
            module = importlib.import_module(f"{__name__}.{command.module}")
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mssc`` command and return its exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen(arguments)
    parser = build_parser([chosen] if chosen is not None else [])
    args = parser.parse_args(arguments)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.handler(args)
    except BrokenPipeError:  # pragma: no cover - e.g. `mssc ... | head`
        return 1
    return status
