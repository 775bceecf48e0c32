"""``mssc demo``: the main job, shown end to end on a test identity."""

from __future__ import annotations

import argparse
import datetime as dt

from mssc.addresses import parse_patient_address, patient_address
from mssc.cli._common import add_subcommand
from mssc.errors import MsscError
from mssc.ins import INS_TEST_OID, IdentityStatus, PatientIdentity, Sex, parse_ins


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand."""
    p = add_subcommand(
        sub,
        "demo",
        help="run the mssc scenario on a public test identity (no network, nothing sent)",
        example="mssc demo",
    )
    p.set_defaults(handler=run_demo)


def _title(text: str) -> None:
    print(f"\n== {text}")


def demo_identity() -> PatientIdentity:
    """The public INSi test identity ADRTROIS DOMINIQUE, born in Corsica (2A)."""
    return PatientIdentity(
        ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
        status=IdentityStatus.QUAL,
        birth_name="ADRTROIS",
        first_names="DOMINIQUE",
        birth_date=dt.date(1997, 2, 26),
        sex=Sex.FEMALE,
        birth_place="2A020",
    )


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo and return 0 when every step behaved as expected."""
    patient = demo_identity()
    _title("1. The patient's INS and MSS-C address")
    print(f"patient      {patient.display_name} ({patient.status.label.lower()})")
    print(f"matricule    {patient.ins.format()}  (kind {patient.ins.kind.value})")
    print(f"address      {patient_address(patient)}")

    _title("2. An address typed in by a secretary")
    ok = True
    for typed in (
        " Dominique ADRTROIS <297022a02077878@PATIENT.MSSANTE.FR> ",
        "297022A020778@patient.mssante.fr",
        "297022A02077878@patient.mssanté.fr",
        "297022A02077887@patient.mssante.fr",
    ):
        try:
            print(f"ok     {typed!r} -> {parse_patient_address(typed).address}")
        except MsscError as exc:
            print(f"refused {typed!r}: [{exc.code}] {exc.hint}")
    try:
        patient_address(patient.model_copy(update={"status": IdentityStatus.RECUP}))
        ok = False
    except MsscError as exc:
        print(f"refused a 'récupérée' identity: [{exc.code}]")
    return 0 if ok else 1
