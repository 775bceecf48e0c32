"""Streaming message sources for the command line: files, directories, mbox files, Maildirs.

Messages are read one at a time and never all kept in memory: an mbox file is split while it is
read, line by line, and a directory is walked lazily. Each input is opened and read exactly
once, so that standard input (``-`` or ``/dev/stdin``), a pipe and a FIFO work like a file: its
first octets decide whether it is an mbox, and are kept.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "Source",
    "count_messages",
    "is_maildir",
    "is_mbox",
    "iter_messages",
    "looks_like_mail",
]

_MBOXRD_QUOTED = re.compile(rb"^>(>*From )")
# A message starts with a header field ("Name: ...") or, in an mbox, with "From ".
_MAIL_START = re.compile(rb"(?:From |[\x21-\x39\x3b-\x7e]{1,76}:)")
_MAILDIR_SUBDIRS = ("new", "cur")
#: The octets read first from each input: enough to tell an mbox and a message from other files.
_HEAD = 80
#: The PATH that names standard input.
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a message came from: ``path`` alone for a file, ``path`` and ``index`` in an mbox.

    Attributes:
        path: the file that holds the message.
        index: the 1-based position in an mbox file, or 0 for a single-message file.
    """

    path: str
    index: int = 0

    def __str__(self) -> str:
        return f"{self.path}#{self.index}" if self.index else self.path


def is_maildir(path: Path) -> bool:
    """Whether ``path`` is a Maildir: a directory with ``cur``, ``new`` and ``tmp``."""
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _starts_like_mail(head: bytes) -> bool:
    return _MAIL_START.match(head.lstrip(b"\r\n")) is not None


def looks_like_mail(path: Path) -> bool:
    """Whether a file starts like a message (a header field) or an mbox (``From``)."""
    try:
        with path.open("rb") as f:
            return _starts_like_mail(f.read(_HEAD))
    except OSError:
        return False


def is_mbox(path: Path) -> bool:
    """Whether the file at ``path`` starts with an mbox ``From`` separator line."""
    try:
        with path.open("rb") as f:
            return f.read(5) == b"From "
    except OSError:
        return False


def _is_blank(line: bytes) -> bool:
    return line in (b"\n", b"\r\n")


def _mbox_lines(f: Iterable[bytes]) -> Iterator[tuple[bool, bytes]]:
    """Yield ``(starts a message, line)`` for each line of an mbox stream: a message starts
    at a ``From `` line that opens the file or follows a blank line."""
    previous_blank = True
    for line in f:
        yield line.startswith(b"From ") and previous_blank, line
        previous_blank = _is_blank(line)


def _joined(lines: list[bytes]) -> bytes:
    """One message's lines, without the blank line that separates it from the next one."""
    if lines and _is_blank(lines[-1]):
        lines.pop()
    return b"".join(lines)


def _split_mbox(f: Iterable[bytes]) -> Iterator[bytes]:
    """Yield each message of an mbox stream (mboxo/mboxrd ``>From`` quoting undone)."""
    lines: list[bytes] = []
    started = False
    for separator, line in _mbox_lines(f):
        if separator:
            if started:
                yield _joined(lines)
            lines = []
            started = True
        elif started:
            lines.append(_MBOXRD_QUOTED.sub(rb"\1", line))
    if started:
        yield _joined(lines)


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    """The visible entries of ``directory`` in name order (hidden names skipped)."""
    with os.scandir(directory) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _files_under(
    directory: Path,
    on_error: Callable[[str, OSError], None],
    on_skip: Callable[[str, str], None],
) -> Iterator[Path]:
    """Every regular file under ``directory``, in name order, hidden files skipped.

    Symbolic links met during the walk are never followed (a link may lead out of the tree or
    back into it): they go to ``on_skip`` with the reason ``"symlink"``. A subdirectory that
    cannot be listed goes to ``on_error`` and the walk goes on.
    """
    if is_maildir(directory):
        # A Maildir: "new" then "cur"; "tmp" holds messages still being delivered.
        subdirs = [directory / sub for sub in _MAILDIR_SUBDIRS]
        recurse = False
    else:
        subdirs = [directory]
        recurse = True
    for folder in subdirs:
        try:
            entries = _entries(folder)
        except OSError as exc:
            on_error(str(folder), exc)
            continue
        for entry in entries:
            path = folder / entry.name
            try:
                if entry.is_symlink():
                    on_skip(str(path), "symlink")
                elif recurse and entry.is_dir(follow_symlinks=False):
                    yield from _files_under(path, on_error, on_skip)
                elif entry.is_file(follow_symlinks=False):
                    yield path
            except OSError as exc:
                on_error(str(path), exc)


@dataclass(frozen=True, slots=True)
class _Input:
    """One input to read: a file named on the command line or found by a walk, or stdin."""

    name: str
    path: Path | None  # None: standard input
    walked: bool = False  # found in a directory: read only if it starts like mail


def _inputs(
    paths: list[str],
    on_error: Callable[[str, OSError], None],
    on_skip: Callable[[str, str], None],
) -> Iterator[_Input]:
    """The inputs to read: the PATHs named (links followed; ``-`` is standard input) and the
    files under directories. Nothing is opened here."""
    for name in paths:
        if name == STDIN:
            yield _Input(STDIN, None)
            continue
        path = Path(name)
        try:
            if path.is_dir():
                for child in _files_under(path, on_error, on_skip):
                    yield _Input(str(child), child, walked=True)
            elif path.exists():
                yield _Input(str(path), path)
            else:
                raise FileNotFoundError(2, "No such file or directory", name)
        except OSError as exc:
            on_error(name, exc)


def _open(item: _Input) -> contextlib.AbstractContextManager[BinaryIO]:
    if item.path is None:
        return contextlib.nullcontext(sys.stdin.buffer)
    return item.path.open("rb")


def _lines(head: bytes, f: BinaryIO) -> Iterator[bytes]:
    """The lines of a stream whose first octets ``head`` were already read, as ``for line in
    f`` would give them (split after each ``\\n`` only)."""
    *complete, partial = head.split(b"\n")
    for line in complete:
        yield line + b"\n"
    rest = partial + f.readline()
    if rest:
        yield rest
    yield from f


def iter_messages(
    paths: list[str],
    on_error: Callable[[str, OSError], None],
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[tuple[Source, bytes]]:
    """Yield ``(source, raw bytes)`` for every message under ``paths``, one at a time.

    A file that starts with ``From `` is read as an mbox; any other file is one message; a
    directory is walked (a Maildir's ``new`` then ``cur``); ``-`` is standard input. Each input
    is opened once and read once, from its start to its end: ``/dev/stdin``, a pipe or a FIFO
    works like a file. ``on_skip(path, reason)`` receives what a walk passes over: files that do
    not start like a message (a README, a TSV…; reason ``"not mail"``) and symbolic links inside
    the directory (reason ``"symlink"``: never followed, so a walk cannot leave the tree or
    loop). The PATHs themselves are followed when they are links. ``on_error`` is called for a
    path that cannot be read, and the walk goes on.
    """
    skip = on_skip if on_skip is not None else (lambda _name, _reason: None)
    for item in _inputs(paths, on_error, skip):
        try:
            with _open(item) as f:
                head = f.read(_HEAD)
                if item.walked and not _starts_like_mail(head):
                    skip(item.name, "not mail")
                elif head.startswith(b"From "):
                    for i, raw in enumerate(_split_mbox(_lines(head, f)), 1):
                        yield Source(item.name, i), raw
                else:
                    yield Source(item.name), head + f.read()
        except OSError as exc:
            on_error(item.name, exc)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def count_messages(paths: list[str]) -> int:
    """Count the messages under ``paths`` (a fast pre-pass for a progress bar). Never raises.

    Only regular files are read: standard input, a pipe or a FIFO counts as one message and is
    left unread, for :func:`iter_messages` to read once.
    """
    total = 0
    for item in _inputs(paths, lambda _name, _exc: None, lambda _name, _reason: None):
        if item.path is None or not _is_regular(item.path):
            total += 1
            continue
        try:
            with item.path.open("rb") as f:
                head = f.read(_HEAD)
                if item.walked and not _starts_like_mail(head):
                    continue
                if not head.startswith(b"From "):
                    total += 1
                    continue
                total += sum(separator for separator, _ in _mbox_lines(_lines(head, f)))
        except OSError:
            continue
    return total
