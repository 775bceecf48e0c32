"""``mssc parse``: show a patient's message and save its accepted attachments safely."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, ClassVar

from mssc.attachments import _MAX_LENGTH, _fold, _renamed
from mssc.cli._common import (
    add_subcommand,
    format_size,
    print_json,
    read_input,
    safe,
    safe_lines,
)
from mssc.errors import MsscError
from mssc.inbound import PatientMessage, ReceivedAttachment, parse_patient_message

_MAX_TRIES = 1000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``parse`` subcommand."""
    p = add_subcommand(
        sub,
        "parse",
        help="show a patient's message: sender, INS, thread, attachments with their verdicts",
        example="mssc parse --extract ./pieces-jointes message-patient.eml",
    )
    p.add_argument("file", metavar="FILE", help="the message file (.eml); '-' reads standard input")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--extract",
        metavar="DIR",
        help="save the accepted attachments in DIR (created if needed) under their safe names",
    )
    p.set_defaults(handler=_run)


class UnsafeTarget(MsscError, ValueError):
    """A file name that would not land directly inside the extraction directory.

    Code: ``unsafe-path``.
    """

    codes: ClassVar[frozenset[str]] = frozenset({"unsafe-path"})

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            code="unsafe-path",
            hint="attachments are saved only under their safe names, directly in the directory",
        )


def target_path(directory: Path, name: str) -> Path:
    """Return ``directory/name`` after checking that it is a plain child of ``directory``.

    Raises:
        UnsafeTarget: for an empty name, ``.``/``..``, a name with a path separator, an
            absolute name, or any name that resolves outside ``directory``.
    """
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name:
        raise UnsafeTarget(f"refusing the file name {name!r}")
    if os.path.isabs(name) or os.path.splitdrive(name)[0]:
        raise UnsafeTarget(f"refusing the absolute file name {name!r}")
    base = directory.resolve()
    target = (base / name).resolve()
    if target.parent != base:
        raise UnsafeTarget(f"{name!r} would be written outside {base}")
    return base / name


def save_attachment(directory: Path, attachment: ReceivedAttachment) -> Path:
    """Write an attachment into ``directory`` under its safe name, never over an existing file.

    The file is created exclusively (``O_EXCL``: no overwrite, no symlink followed); when the
    name is taken, `` (2)``, `` (3)`` … is added before the extension, the name still cut to the
    limits of :func:`~mssc.attachments.safe_filename`. A name is taken when any entry of
    ``directory`` (a file, a directory, a symbolic link) has it in another case or Unicode form
    too: the directory may later be copied to a case-insensitive disk.

    Raises:
        UnsafeTarget: when the safe name would leave ``directory``.
        OSError: when the file cannot be written.
    """
    taken = {_fold(entry.name) for entry in directory.iterdir()}
    name = attachment.safe_filename
    for _ in range(_MAX_TRIES):
        if _fold(name) in taken:
            name = _renamed(attachment.safe_filename, taken, _MAX_LENGTH)
        path = target_path(directory, name)
        try:
            with path.open("xb") as f:
                f.write(attachment.content)
        except FileExistsError:  # created meanwhile, or equal on this file system only
            taken.add(_fold(name))
            continue
        return path
    raise FileExistsError(f"no free name for {attachment.safe_filename!r} in {directory}")


def _extract(message: PatientMessage, directory: Path) -> tuple[list[str], list[str]]:
    saved: list[str] = []
    problems: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    for attachment in message.accepted_attachments:
        try:
            saved.append(str(save_attachment(directory, attachment)))
        except (UnsafeTarget, OSError) as exc:
            problems.append(f"{attachment.safe_filename}: {exc}")
    return saved, problems


def _show(message: PatientMessage, saved: list[str]) -> None:
    """Print the message for a person; every value from the mail goes through :func:`safe`."""

    def row(label: str, value: object) -> None:
        print(safe(f"{label:<12} {value}"))

    row("from", f"{message.display_name} <{message.from_address}>".strip())
    row("patient", f"{message.first_name} {message.last_name}".strip() or "-")
    if message.ins is not None:
        row("INS", message.ins.format())
    elif message.ins_error is not None:
        row("INS", f"invalid [{message.ins_error.code}] {message.ins_error.message}")
        if message.ins_error.hint:
            row("", f"hint: {message.ins_error.hint}")
    row("subject", message.subject)
    row("message-id", message.message_id or "-")
    row("in-reply-to", message.in_reply_to or "-")
    row("references", " ".join(message.references) or "-")
    row("thread root", message.thread_root or "-")
    print("text:")
    for line in safe_lines(message.text or "") or ["(none)"]:
        print(f"  | {line}")
    if message.html is not None:
        print(f"html:        {len(message.html):,} characters")
    print(f"attachments: {len(message.attachments)}")
    for a in message.attachments:
        verdict = "accepted" if a.accepted else f"refused [{a.code}]"
        kind = a.media_type or "unknown type"
        print(safe(f"  {verdict:<28} {a.safe_filename!r} {kind}, {format_size(a.size)}"))
        if a.filename != a.safe_filename:
            print(safe(f"  {'':<28} sent as {a.filename!r}"))
        if a.reason:
            print(safe(f"  {'':<28} {a.reason}"))
    for path in saved:
        print(safe(f"saved        {path}"))
    for defect in message.defects:
        print(safe(f"defect       {defect}"))


def _run(args: argparse.Namespace) -> int:
    try:
        raw = read_input(args.file)
    except OSError as exc:
        print(safe(f"mssc parse: cannot read {args.file}: {exc.strerror or exc}"), file=sys.stderr)
        return 2
    message = parse_patient_message(raw)
    saved: list[str] = []
    problems: list[str] = []
    if args.extract is not None:
        try:
            saved, problems = _extract(message, Path(args.extract))
        except OSError as exc:
            print(f"mssc parse: cannot write to {args.extract}: {exc}", file=sys.stderr)
            return 2
    if args.json:
        data: dict[str, Any] = message.to_dict()
        data["extracted"] = saved
        print_json(data)
    else:
        _show(message, saved)
    for problem in problems:
        print(safe(f"mssc parse: not saved: {problem}"), file=sys.stderr)
    refused = any(not a.accepted for a in message.attachments)
    return 1 if message.ins is None or refused or problems else 0
