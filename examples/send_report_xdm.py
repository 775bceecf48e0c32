"""Send a report (a PDF) to a patient as a Ségur document: CDA niveau 1 in IHE_XDM.zip, the PDF
beside it, X-MSS-CODECDA and X-MSS-INS set, and the wrong-patient guard on.

Run: python examples/send_report_xdm.py [output-directory]
The .eml is written to the directory given as argv[1], or to a new temporary directory. The
identities are synthetic, on the INS *test* OID (1.2.250.1.213.1.4.10).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from mssc.cda import LOINC, Code, Organisation, Professional, wrap_pdf
from mssc.compose import Composer, Sender
from mssc.conformance import check
from mssc.errors import PatientMismatch
from mssc.ins import INS_TEST_OID, IdentityStatus, Ins, PatientIdentity, Sex
from mssc.xdm import Document, read_xdm


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="mssc-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    # 1. The patient, as the DPI holds them: a qualified identity (INSi checked).
    patient = PatientIdentity(
        ins=Ins("279035121518989", INS_TEST_OID),
        status=IdentityStatus.QUAL,
        birth_name="PAT-TROIS",
        first_names="DOMINIQUE",
        birth_date=date(1979, 3, 28),
        sex=Sex.FEMALE,
    )
    # 2. The report: a PDF the DPI already produced, wrapped as a CDA R2 niveau 1.
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    cda = wrap_pdf(
        pdf,
        patient=patient,
        author=Professional("810000000001", "MARTIN", "Marie"),
        organisation=Organisation("1750000002", "CHU Exemple"),
        code=Code("11502-2", LOINC, "CR d'examens biologiques"),
        title="Bilan sanguin",
        effective_time=datetime.now(timezone.utc),
    )
    # 3. The sending box, with the structure's idNat_Struct (authorInstitution, custodian).
    sender = Sender.applicative(
        "dpi@chu-exemple.mssante.fr",
        entity="CHU Exemple – Biologie",
        return_address="secretariat.biologie@chu-exemple.mssante.fr",
        structure_id="1750000002",
    )
    composer = Composer("DEV935997")  # your Ségur product reference (X-MSS-NIL)
    report = Document(cda=cda, pdf=pdf)

    # 4. The guard: the same report to another patient is refused, whatever the address says.
    someone_else = patient.model_copy(update={"ins": Ins("146026322000196", INS_TEST_OID)})
    try:
        composer.compose_documents(sender=sender, to=someone_else, documents=[report], text="...")
    except PatientMismatch as exc:
        print(f"refused as expected: {exc.code}")

    # 5. The message: IHE_XDM.zip + the PDF, subject XDM/1.0/DDM+…, headers set.
    sent = composer.compose_documents(
        sender=sender,
        to=patient,
        documents=[report],
        text="Bonjour,\n\nVotre compte rendu de biologie est joint à ce message.\n",
        read_receipt=True,
    )
    message = sent.message
    print(f"Subject: {message['Subject']}")
    print(f"X-MSS-CODECDA: {message['X-MSS-CODECDA']}  X-MSS-INS: {message['X-MSS-INS']}")
    for part in message.iter_attachments():
        print(f"  attachment {part.get_filename()} ({part.get_content_type()})")
    archive = next(p for p in message.iter_attachments() if p.get_filename() == "IHE_XDM.zip")
    payload = archive.get_payload(decode=True)
    assert isinstance(payload, bytes)
    package = read_xdm(payload)
    print(f"  METADATA patientId {package.patient_id}, {len(package.documents)} document(s)")
    report_check = check(sent)
    print(f"conformance: {'ok' if report_check.ok else report_check.codes}")
    path = out_dir / "compte-rendu-xdm.eml"
    path.write_bytes(sent.to_bytes())
    print(f"{sent.message_id}: {sent.size:,} octets -> {path}")
    if not report_check.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
