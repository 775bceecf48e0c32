"""``mssc cda``: wrap a PDF as a CDA R2 niveau 1 for a qualified patient identity."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from mssc.cli._common import add_subcommand, read_input
from mssc.errors import MsscError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``cda`` subcommand (``wrap``)."""
    p = add_subcommand(
        sub,
        "cda",
        help="wrap a PDF as a CDA R2 niveau 1 (French header) for a qualified patient",
        example="mssc cda wrap --pdf CR.pdf --identity patient.json --author 810000000001 "
        "--author-family MARTIN --organisation 1750000002 --code 11502-2 --title 'Bilan' "
        "-o CR.xml",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    w = actions.add_parser(
        "wrap",
        help="wrap a PDF as a CDA R2 niveau 1",
        description="Wrap a PDF as a CDA R2 niveau 1. The identity file is the JSON of a "
        "PatientIdentity (ins, status QUAL, birth_name, first_names, birth_date, sex).",
    )
    w.add_argument("--pdf", required=True, metavar="FILE", help="the PDF ('-': stdin)")
    w.add_argument("--identity", required=True, metavar="JSON", help="the patient identity file")
    w.add_argument("--author", required=True, metavar="IDNAT", help="author idNat_PS (8+RPPS)")
    w.add_argument("--author-family", required=True, help="the author's family name")
    w.add_argument("--author-given", help="the author's given name")
    w.add_argument("--organisation", required=True, metavar="IDNAT", help="idNat_Struct")
    w.add_argument("--organisation-name", help="the structure's name")
    w.add_argument("--code", required=True, help="the document type code (e.g. LOINC 11502-2)")
    w.add_argument("--code-system", default="2.16.840.1.113883.6.1", help="default: LOINC")
    w.add_argument("--code-display", help="the code's display name")
    w.add_argument("--title", required=True, help="the document title")
    w.add_argument("--time", help="creation time, ISO 8601 with offset (default: now)")
    w.add_argument("--document-id", metavar="ROOT[^EXT]", help="ClinicalDocument/id")
    w.add_argument("-o", "--out", required=True, metavar="XML", help="the CDA file to write")
    w.add_argument("--force", action="store_true", help="overwrite an existing file")
    w.set_defaults(handler=_run_wrap, parser=w)
    p.set_defaults(handler=lambda _args: _usage(p), parser=p)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _fail(message: str, status: int = 2) -> int:
    from mssc.cli._xdm import shown

    print(f"mssc cda: {shown(message)}", file=sys.stderr)
    return status


def _run_wrap(args: argparse.Namespace) -> int:
    from mssc.cda import CdaId, Code, Organisation, Professional, wrap_pdf
    from mssc.ins import PatientIdentity

    out = Path(args.out)
    if out.exists() and not args.force:
        return _fail(f"{out} exists (use --force to overwrite)")
    try:
        when = datetime.fromisoformat(args.time) if args.time else datetime.now().astimezone()
    except ValueError:
        return _fail(f"--time {args.time!r} is not ISO 8601 (e.g. 2026-03-02T09:30:00+01:00)")
    try:
        pdf = read_input(args.pdf)
        identity = PatientIdentity.model_validate_json(Path(args.identity).read_bytes())
    except OSError as exc:
        return _fail(f"cannot read {exc.filename}: {exc.strerror or exc}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        return _fail(f"{args.identity}: {where}: {first['msg']}")
    try:
        document_id = None
        if args.document_id:
            root, _, ext = args.document_id.partition("^")
            document_id = CdaId(root, ext or None)
        xml = wrap_pdf(
            pdf,
            patient=identity,
            author=Professional(args.author, args.author_family, args.author_given),
            organisation=Organisation(args.organisation, args.organisation_name),
            code=Code(args.code, args.code_system, args.code_display),
            title=args.title,
            effective_time=when,
            document_id=document_id,
        )
    except MsscError as exc:
        return _fail(str(exc), 1)
    try:
        out.write_bytes(xml)
    except OSError as exc:
        return _fail(f"cannot write {exc.filename}: {exc.strerror or exc}")
    print(f"wrote {out} ({len(xml):,} octets)")
    return 0
