r"""Helpers shared by the subcommands: parsers, input, and output that is safe on a terminal.

Every value taken from mail (a subject, a display name, a file name, an excerpt, a header) may
hold control characters chosen by whoever sent it: ``ESC ] 0 ; … BEL`` sets the window title,
``ESC [ 2 J`` clears the screen, C1 controls do the same on some terminals, NUL and ``\r``
hide what comes before them, and bidi overrides show text in another order than it is. Text
output passes such values through :func:`safe` (one line) or :func:`safe_lines` (a body),
which write those characters as visible escapes (``\x1b``, ``\u202e``); JSON output goes
through :func:`json_text`, which writes them as JSON escapes (the decoded value is unchanged).

>>> print(safe("Objet\x1b]0;pwned\x07 \u202efdp.exe"))
Objet\x1b]0;pwned\x07 \u202efdp.exe
>>> for line in safe_lines("ligne 1\r\nligne\t2\x00"):
...     print(line)
ligne 1
ligne   2\x00
>>> format_size(30_000_000)
'30,000,000 octets'
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from typing import Any


def add_subcommand(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    example: str,
) -> argparse.ArgumentParser:
    """Add a subcommand whose ``--help`` ends with an example."""
    return sub.add_parser(
        name,
        help=help,
        description=help,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def print_json(value: Any) -> None:
    """Write one JSON document (UTF-8, not ASCII-escaped) on standard output."""
    sys.stdout.write(json_text(value, indent=2) + "\n")


def read_input(name: str) -> bytes:
    """The bytes of file ``name``, or of standard input when ``name`` is ``-``.

    Raises:
        OSError: when the file cannot be read.
    """
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as f:  # not pathlib: every command imports this module
        return f.read()


#: Characters never written raw to a terminal besides the C0 controls: DEL and the C1 controls,
#: surrogates (bytes that were not UTF-8), line and paragraph separators, and the implicit
#: bidi marks (LRM, RLM, ALM) with :data:`mssc.headers.BIDI_CONTROLS` (added on first use).
_UNSAFE_ABOVE_C0 = "\\x7f-\\x9f\\ud800-\\udfff\\u2028\\u2029\\u200e\\u200f\\u061c"


@functools.cache
def _unsafe(*, c0: bool = True) -> re.Pattern[str]:
    """The characters :func:`safe` escapes; ``c0=False`` leaves out the C0 controls (which
    :func:`json.dumps` already escapes in strings, and whose ``\\n`` is JSON's own layout).
    Built on first use, so that commands that print nothing from mail do not load
    :mod:`mssc.headers`."""
    from mssc.headers import BIDI_CONTROLS

    controls = "\\x00-\\x1f" if c0 else ""
    bidi = "".join(sorted(BIDI_CONTROLS))
    return re.compile(f"[{controls}{_UNSAFE_ABOVE_C0}{bidi}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(value: object) -> str:
    """``str(value)`` on one line, with every control character, surrogate and bidi control
    written as a visible escape (``\\x1b``, ``\\u202e``): safe to print on a terminal.

    Use it on every printed line that holds a value from mail.
    """
    return _unsafe().sub(_escape, str(value))


def safe_lines(text: str) -> list[str]:
    """The lines of a multi-line text (a message body), each made :func:`safe`; tabs are
    expanded to spaces first."""
    return [safe(line.expandtabs()) for line in text.splitlines()]


def safe_text(text: str) -> str:
    """A multi-line text with its line ends kept and everything else made :func:`safe`."""
    return "\n".join(safe(line) for line in text.split("\n"))


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON (UTF-8 text, not ASCII-escaped), with the characters that :func:`safe`
    escapes written as ``\\uXXXX`` too: the same JSON value, but safe on a terminal."""
    import json  # here: commands that print no JSON start without it

    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    return _unsafe(c0=False).sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def format_size(octets: int) -> str:
    """A size the way every command prints it: ``30,000,000 octets``."""
    return f"{octets:,} octets"
