"""From a patient's INS to the MSS-C address, and what to do with an address typed by hand.

Run from the repository root:

    python examples/address_from_ins.py [OUTPUT_DIR]

With OUTPUT_DIR, the checked addresses are also written to OUTPUT_DIR/addresses.json.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from mssc import (
    INS_TEST_OID,
    IdentityStatus,
    MsscError,
    PatientIdentity,
    Sex,
    parse_ins,
    parse_patient_address,
    patient_address,
)


def main(argv: list[str]) -> int:
    # 1. The identity as the DPI/GAM holds it, after an INSi call and an ID document check.
    patient = PatientIdentity(
        ins=parse_ins("2 97 02 2A 020 778 78", oid=INS_TEST_OID),  # public INSi test identity
        status=IdentityStatus.QUAL,
        birth_name="ADRTROIS",
        first_names="DOMINIQUE",
        birth_date=dt.date(1997, 2, 26),
        sex=Sex.FEMALE,
        birth_place="2A020",
    )
    print(f"{patient.display_name}: {patient.ins.format()} ({patient.ins.kind.value})")
    print(f"  MSS-C address: {patient_address(patient)}")

    # 2. The same identity, not qualified: mssc refuses to build the address.
    recovered = patient.model_copy(update={"status": IdentityStatus.RECUP})
    try:
        patient_address(recovered)
    except MsscError as exc:
        print(f"  status RECUP: refused [{exc.code}]")
    else:
        print("  status RECUP: accepted, which must not happen")
        return 1

    # 3. Addresses typed in by a secretary: corrected when harmless, refused with a hint otherwise.
    results = []
    for typed in (
        " Dominique ADRTROIS <297022a02077878@PATIENT.MSSANTE.FR> ",
        "mailto:279035121518989@patient.mssante.fr",
        "297022A020778@patient.mssante.fr",  # the key is missing
        "297022A02077878@patient.mssanté.fr",  # accent in the domain
        "297022A02077887@patient.mssante.fr",  # key digits swapped
        "dr.martin@chu-exemple.mssante.fr",  # a professional's address
    ):
        try:
            ins = parse_patient_address(typed)
        except MsscError as exc:
            print(f"refused    {typed!r}\n           [{exc.code}] {exc.hint}")
            results.append({"typed": typed, **exc.to_dict()})
        else:
            print(f"corrected  {typed!r}\n           -> {ins.address}")
            results.append({"typed": typed, "address": ins.address})

    if len(argv) > 1:
        out = Path(argv[1]) / "addresses.json"
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
