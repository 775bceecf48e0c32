"""Compose a convocation with a PDF for a patient and write it as an .eml file.

Run: python examples/send_convocation.py [output-directory]
The .eml (exact bytes to hand to your MSSanté operator) is written to the directory given as
argv[1], or to a new temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from mssc.attachments import Attachment
from mssc.compose import Composer, Sender
from mssc.errors import AccidentalClosure


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="mssc-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    composer = Composer("DEV935997")  # your Ségur product reference (X-MSS-NIL)
    sender = Sender.applicative(
        "dpi@chu-exemple.mssante.fr",
        entity="CHU Exemple – Consultations",
        return_address="secretariat.consultations@chu-exemple.mssante.fr",
    )
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    try:  # the word FIN would close the patient's conversation: mssc refuses it
        composer.compose(
            sender=sender,
            to="279035121518989@patient.mssante.fr",
            subject="Fin de votre hospitalisation",
            text="...",
        )
    except AccidentalClosure as exc:
        print(f"refused as expected: {exc.code}")
    sent = composer.compose(
        sender=sender,
        to="279035121518989@patient.mssante.fr",
        subject="Votre convocation du 12 mars",
        text="Bonjour,\n\nVous trouverez ci-joint votre convocation.\n\nLe secrétariat\n",
        attachments=[Attachment("convocation.pdf", pdf)],
        read_receipt=True,
    )
    path = out_dir / "convocation.eml"
    path.write_bytes(sent.to_bytes())
    print(f"{sent.message_id}: {sent.size} octets -> {path}")
    print(f"MAIL FROM {sent.envelope.mail_from} {' '.join(sent.envelope.mail_options)}")
    print(f"RCPT TO {sent.envelope.rcpt_to[0]} {' '.join(sent.envelope.rcpt_options)}")


if __name__ == "__main__":
    main()
