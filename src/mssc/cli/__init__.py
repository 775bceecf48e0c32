"""The ``mssc`` command line.

Every subcommand lives in its own private module of this package (``_name.py``) and registers
itself through a ``register(subparsers)`` function; modules are found when the parser is built.

Exit status: 0 when everything is valid, 1 for findings or failures, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

# Modules listed here come first in --help, in this order; any other module follows by name.
_ORDER = ("_demo", "_identity")


def _command_modules() -> list[str]:
    found = {
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("_") and info.name != "_common"
    }
    return [m for m in _ORDER if m in found] + sorted(found - set(_ORDER))


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``mssc`` command, with every subcommand."""
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
    for name in _command_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
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
