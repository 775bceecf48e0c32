"""``mssc ins`` and ``mssc address``: check matricules INS and MSS-C addresses."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from mssc.cli._common import add_subcommand, print_json
from mssc.errors import MsscError
from mssc.ins import Ins, InsKind, parse_ins


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ins`` and ``address`` subcommands."""
    p = add_subcommand(
        sub,
        "ins",
        help="validate matricules INS and show their fields and MSS-C address",
        example="mssc ins '2 79 03 51 215 189 89' 297022A020778",
    )
    p.add_argument("values", nargs="+", metavar="VALUE", help="a matricule INS (15 characters)")
    p.add_argument("--strict", action="store_true", help="also check the sex digit and month")
    p.add_argument(
        "--oid",
        default=None,
        type=_oid_argument,
        help="the INS OID or kind (default NIR 1.2.250.1.213.1.4.8; .9 NIA, .10 TEST, .11 DEMO)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_run_ins)

    p = add_subcommand(
        sub,
        "address",
        help="print the MSS-C address of matricules INS or typed-in addresses",
        example="mssc address 279035121518989 'Dominique <297022a02077878@PATIENT.mssante.fr>'",
    )
    p.add_argument("values", nargs="+", metavar="VALUE", help="a matricule INS or an address")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=_run_address)


def _oid_argument(value: str) -> str:
    """Check ``--oid`` up front (an OID or NIR/NIA/TEST/DEMO), so that a bad one is a usage
    error (exit status 2)."""
    if value.upper() in InsKind.__members__:
        return InsKind[value.upper()].oid
    if value in {kind.oid for kind in InsKind}:
        return value
    raise argparse.ArgumentTypeError(
        f"unknown INS OID {value!r}; use 1.2.250.1.213.1.4.8 (NIR), .9 (NIA), .10 (TEST), "
        ".11 (DEMO), or one of those four names"
    )


def _fields(ins: Ins) -> dict[str, Any]:
    return {
        "matricule": ins.matricule,
        "key": ins.key,
        "oid": ins.oid,
        "kind": ins.kind.value,
        "is_test": ins.is_test,
        "formatted": ins.format(),
        "address": ins.address,
    }


def _run_ins(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    for value in args.values:
        try:
            ins = parse_ins(value, oid=args.oid, strict=args.strict)
        except MsscError as exc:
            results.append({"input": value, "valid": False, **exc.to_dict()})
        else:
            results.append({"input": value, "valid": True, **_fields(ins)})
    _emit(
        results,
        args.json,
        lambda r: f"{r['formatted']}  key {r['key']}  {r['kind']:<4}  {r['address']}",
    )
    return 0 if all(r["valid"] for r in results) else 1


def _run_address(args: argparse.Namespace) -> int:
    # Here, not at the top: email-validator is not needed by ``mssc ins``, which starts at once.
    from mssc.addresses import parse_patient_address

    results: list[dict[str, Any]] = []
    for value in args.values:
        try:
            ins = parse_patient_address(value) if "@" in value else parse_ins(value)
        except MsscError as exc:
            results.append({"input": value, "valid": False, **exc.to_dict()})
        else:
            results.append(
                {"input": value, "valid": True, "matricule": ins.matricule, "address": ins.address}
            )
    _emit(results, args.json, lambda r: str(r["address"]))
    return 0 if all(r["valid"] for r in results) else 1


def _emit(
    results: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]
) -> None:
    if as_json:
        print_json(results)
        return
    for r in results:
        if r["valid"]:
            print(f"ok     {r['input']!s:<40} {line(r)}")
        else:
            print(f"error  {r['input']!s:<40} [{r['code']}] {r['message']}")
            if r["hint"]:
                print(f"       {'':<40} hint: {r['hint']}")
