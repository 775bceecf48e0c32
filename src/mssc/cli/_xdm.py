"""``mssc xdm``: build an ``IHE_XDM.zip`` from CDA files, and inspect one (or a message's)."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from datetime import datetime
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from mssc.cli._common import add_subcommand, print_json, read_input
from mssc.errors import MsscError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``xdm`` subcommand (``build`` and ``inspect``)."""
    p = add_subcommand(
        sub,
        "xdm",
        help="build or inspect IHE_XDM.zip archives of Ségur documents",
        example="mssc xdm build --cda CR.xml --pdf CR.pdf -o out/IHE_XDM.zip",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    b = actions.add_parser(
        "build",
        help="package CDA files as IHE_XDM.zip (and write each PDF beside it)",
        description="Package CDA files as IHE_XDM.zip; each PDF (given with --pdf after its "
        "--cda, or the body of a niveau 1 CDA) is written beside the archive under its "
        "Ref#2 name, ready to attach.",
    )
    b.add_argument("--cda", action="append", required=True, metavar="FILE", help="a CDA R2 file")
    b.add_argument(
        "--pdf", action="append", default=[], metavar="FILE", help="the PDF of the CDA before it"
    )
    b.add_argument("-o", "--out", required=True, metavar="ZIP", help="the archive to write")
    b.add_argument("--structure-id", help="idNat_Struct of the sender (authorInstitution)")
    b.add_argument("--structure-name", help="the sending structure's name")
    b.add_argument("--sender-name", help="the sender, for README.TXT")
    b.add_argument("--time", help="submission time, ISO 8601 with offset (default: now)")
    b.add_argument("--unique-id", help="submission set OID (default: derived)")
    b.add_argument("--force", action="store_true", help="overwrite existing files")
    b.set_defaults(handler=_run_build, parser=b)
    i = actions.add_parser(
        "inspect",
        help="show the documents, patient, author, codes and hash checks of an archive",
        description="Read IHE_XDM.zip (or every IHE_XDM.zip of a message file) and check it.",
    )
    i.add_argument("file", metavar="FILE", help="an IHE_XDM.zip or a message (.eml); '-': stdin")
    i.add_argument("--json", action="store_true", help="print JSON instead of text")
    i.set_defaults(handler=_run_inspect, parser=i)
    p.set_defaults(handler=lambda _args: _usage(p), parser=p)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def shown(value: object) -> str:
    """``value`` as text safe for a terminal: control and format characters (ESC, NUL, bidi
    overrides…) are written as escapes."""
    text = "" if value is None else str(value)
    return "".join(
        ch if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp", "Cs"} else _escape(ch)
        for ch in text
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _fail(message: str, status: int = 2) -> int:
    print(f"mssc xdm: {shown(message)}", file=sys.stderr)
    return status


def _run_build(args: argparse.Namespace) -> int:
    from mssc.cda import Organisation
    from mssc.xdm import Document, Submission, build_xdm

    out = Path(args.out)
    if len(args.pdf) > len(args.cda):
        return _fail("more --pdf than --cda")
    try:
        when = datetime.fromisoformat(args.time) if args.time else datetime.now().astimezone()
    except ValueError:
        return _fail(f"--time {args.time!r} is not ISO 8601 (e.g. 2026-03-02T09:30:00+01:00)")
    try:
        documents = []
        for n, name in enumerate(args.cda):
            pdf = read_input(args.pdf[n]) if n < len(args.pdf) else None
            documents.append(Document(cda=read_input(name), pdf=pdf))
        institution = (
            Organisation(args.structure_id, args.structure_name) if args.structure_id else None
        )
        data = build_xdm(
            documents,
            submission=Submission(
                author_institution=institution,
                sender_name=args.sender_name,
                submission_time=when,
                unique_id=args.unique_id,
            ),
        )
    except OSError as exc:
        return _fail(f"cannot read {exc.filename}: {exc.strerror or exc}")
    except MsscError as exc:
        return _fail(str(exc), 1)
    targets = [(out, data)] + [
        (out.with_name(d.attachment_filename), d.pdf) for d in documents if d.pdf is not None
    ]
    for path, _ in targets:
        if path.exists() and not args.force:
            return _fail(f"{path} exists (use --force to overwrite)")
    try:
        for path, content in targets:
            path.write_bytes(content)
    except OSError as exc:
        return _fail(f"cannot write {exc.filename}: {exc.strerror or exc}")
    for path, content in targets:
        print(f"wrote {shown(path)} ({len(content):,} octets)")
    missing = sum(1 for d in documents if d.pdf is None)
    if missing:
        print(f"warning: {missing} CDA(s) without a PDF: attach one PDF per CDA (Ref#2 ECO.2.1.1)")
    return 0


def _archives(raw: bytes) -> list[tuple[str, bytes]]:
    if raw.startswith(b"PK"):
        return [("archive", raw)]
    message = BytesParser(policy=email_policy.default).parsebytes(raw)
    found = []
    for n, part in enumerate(message.walk()):
        if (part.get_filename() or "").strip().casefold() == "ihe_xdm.zip":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found.append((f"part {n} ({part.get_filename()})", payload))
    return found


def _describe(package: Any) -> dict[str, Any]:
    documents = []
    for entry, document in zip(package.entries, package.documents, strict=True):
        h = document.header
        patient = h.patient
        documents.append(
            {
                "path": entry.path,
                "unique_id": entry.unique_id,
                "title": h.title,
                "code": {"code": h.code.code, "system": h.code.system, "display": h.code.display},
                "created": h.effective_time.isoformat(),
                "patient": {
                    "ins": patient.ins.matricule if patient.ins else None,
                    "oid": patient.ins.oid if patient.ins else None,
                    "birth_name": patient.birth_name,
                    "given": patient.given,
                    "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
                    "sex": patient.sex.value if patient.sex else None,
                    "qualified": patient.ins_qualified,
                },
                "author": (
                    {"idnat": h.author.idnat, "family": h.author.family, "given": h.author.given}
                    if h.author
                    else None
                ),
                "organisation": (
                    {"idnat": h.author_organisation.idnat, "name": h.author_organisation.name}
                    if h.author_organisation
                    else None
                ),
                "metadata_patient_id": entry.patient_id,
                "sha1": entry.hash,
                "size": entry.size,
                "hash_ok": True,
                "pdf_size": len(document.pdf) if document.pdf else None,
            }
        )
    return {
        "subset": package.subset,
        "patient_id": package.patient_id,
        "submission_id": package.submission.unique_id,
        "documents": documents,
    }


def _run_inspect(args: argparse.Namespace) -> int:
    from mssc.xdm import read_xdm

    try:
        raw = read_input(args.file)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    archives = _archives(raw)
    if not archives:
        return _fail(f"{args.file} holds no IHE_XDM.zip", 1)
    results: list[dict[str, Any]] = []
    status = 0
    for where, data in archives:
        try:
            results.append({"where": where, "ok": True, **_describe(read_xdm(data))})
        except MsscError as exc:
            status = 1
            results.append({"where": where, "ok": False, "error": exc.to_dict()})
    if args.json:
        print_json(results)
        return status
    for result in results:
        print(f"{shown(result['where'])}: {'ok' if result['ok'] else 'FAIL'}")
        if not result["ok"]:
            error = result["error"]
            print(f"  [{shown(error['code'])}] {shown(error['message'])}")
            continue
        print(f"  subset {shown(result['subset'])}, patientId {shown(result['patient_id'])}")
        for d in result["documents"]:
            p = d["patient"]
            print(f"  {shown(d['path'])}: {shown(d['title'])} ({shown(d['code']['code'])})")
            print(
                f"    patient: {shown(p['birth_name'])} {shown(p['given'])}, "
                f"born {shown(p['birth_date'])}, sex {shown(p['sex'])}, INS {shown(p['ins'])} "
                f"({'qualified' if p['qualified'] else 'not qualified'})"
            )
            if d["author"]:
                a = d["author"]
                print(f"    author: {shown(a['given'])} {shown(a['family'])} ({shown(a['idnat'])})")
            print(f"    sha1 {shown(d['sha1'])}, {d['size']:,} octets: hash and size ok")
    return status
