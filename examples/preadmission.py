"""Send the pre-admission message to a patient: render, compose, write the .eml.

Run from the repository root:

    python examples/preadmission.py [OUTPUT_DIR]

The message is written to OUTPUT_DIR (a new temporary directory by default); nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from mssc.compose import Composer, Sender
from mssc.ins import INS_TEST_OID, IdentityStatus, PatientIdentity, Sex, parse_ins
from mssc.templates import PreadmissionContext


def main(argv: list[str]) -> int:
    """Build the message and print where it was written."""
    out_dir = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="mssc-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    # The patient, as the GAM holds her: a qualified identity (the public INSi test identity).
    patient = PatientIdentity(
        ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
        status=IdentityStatus.QUAL,
        birth_name="ADRTROIS",
        first_names="DOMINIQUE",
        birth_date=dt.date(1997, 2, 26),
        sex=Sex.FEMALE,
        usage_name="MARTIN",
    )

    # The visit and the establishment's choices. The patient's civility and names are not
    # given: compose_template takes them from the identity.
    context = PreadmissionContext(
        establishment="Centre hospitalier des Trois Rivières",
        service="Chirurgie orthopédique",
        establishment_address="12 avenue des Tilleuls, 26000 Valence",
        establishment_phone="04 75 00 12 34",
        signatory="Le bureau des admissions",
        visit_date=dt.date(2026, 4, 14),
        visit_time=dt.time(8, 0),
        visit_kind="ambulatoire",
        reason="une arthroscopie du genou",
        professional_title="Docteur",
        professional_name="MOREAU",
        lab_reports_max_age_years=1,
        day_instructions=("à jeun depuis minuit", "sans bijou ni piercing"),
        confirmation=True,
    )

    composer = Composer("DEV935997")
    sender = Sender.applicative(
        "gam@ch-trois-rivieres.mssante.fr",
        entity="CH des Trois Rivières – Admissions",
        return_address="admissions@ch-trois-rivieres.mssante.fr",
    )
    sent = composer.compose_template(
        "preadmission", context, sender=sender, to=patient, with_html=True
    )

    path = out_dir / "preadmission.eml"
    path.write_bytes(sent.to_bytes())
    body = sent.message.get_body(preferencelist=("plain",))
    first_line = body.get_content().splitlines()[0] if body is not None else ""
    print(f"Subject : {sent.message['Subject']}")
    print(f"Begins  : {first_line}")
    print(f"To      : {sent.envelope.rcpt_to[0]}")
    print(f"Size    : {sent.size} octets")
    print(f"Written : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
