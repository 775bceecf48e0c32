"""The ``mssc`` command line.

Every subcommand lives in its own module of this package and registers itself through a
``register(subparsers)`` function. Exit status: 0 when everything is valid, 1 for findings or
failures, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mssc.cli import _demo, _identity

__all__ = ["build_parser", "main"]

_MODULES = (_identity, _demo)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``mssc`` command, with every subcommand."""
    from mssc import __version__

    parser = argparse.ArgumentParser(
        prog="mssc",
        description="Build, check and process MSS-C messages (Mon espace santé).",
        epilog="Run 'mssc COMMAND --help' for the options and an example of each command.",
    )
    parser.add_argument("--version", action="version", version=f"mssc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mssc`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.handler(args)
    except BrokenPipeError:  # pragma: no cover - e.g. `mssc ... | head`
        return 1
    return status
