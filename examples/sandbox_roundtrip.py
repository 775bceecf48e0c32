"""A round trip through the local Mon espace santé: send over mutual TLS, read what comes back.

Run from the repository root (needs the ``sandbox`` extra: ``pip install -e '.[sandbox]'``):

    python examples/sandbox_roundtrip.py [MAILDIR_ROOT]

It starts a sandbox on a free loopback port, sends a convocation to an active patient and one to
a patient whose mailbox is closed, lets the patient open and answer, then sorts the professional's
return box with ``classify``. With MAILDIR_ROOT, each professional address also gets a Maildir.
"""

from __future__ import annotations

import smtplib
import sys
from pathlib import Path

from mssc.compose import ComposedMessage, Composer, Sender
from mssc.ins import parse_ins
from mssc.replies import classify
from mssc.sandbox import DEFAULT_PATIENTS, PatientState, Sandbox
from mssc.sandbox.samples import sample_pdf


def send(message: ComposedMessage, mes: Sandbox) -> None:
    """Submit like a DPI's applicative box: STARTTLS, then the structure's certificate."""
    assert mes.pki is not None
    envelope = message.envelope
    with smtplib.SMTP(mes.host, mes.port, timeout=30) as smtp:
        smtp.starttls(context=mes.pki.client_context(envelope.mail_from))
        smtp.sendmail(
            envelope.mail_from,
            list(envelope.rcpt_to),
            message.to_bytes(),
            list(envelope.mail_options),
            list(envelope.rcpt_options),
        )


def main(argv: list[str]) -> int:
    """Run the round trip and print one line per message that came back."""
    maildir = Path(argv[1]) / "maildir" if len(argv) > 1 else None
    composer = Composer("DEV935997")
    sender = Sender.applicative(
        "dpi@ch-exemple.mssante.fr",
        entity="CH Exemple – Consultations",
        return_address="secretariat@ch-exemple.mssante.fr",
    )
    with Sandbox(DEFAULT_PATIENTS, tls="mutual", maildir=maildir) as mes:
        print(f"sandbox on {mes.host}:{mes.port}")
        active = mes.patient(PatientState.ACTIVE)
        closed = mes.patient(PatientState.CLOSED)
        sent = []
        for patient in (active, closed):
            message = composer.compose(
                sender=sender,
                to=parse_ins(patient.ins),
                subject="Votre convocation",
                text="Bonjour,\n\nVotre convocation est jointe.\n",
                read_receipt=True,
            )
            send(message, mes)
            sent.append(message.message_id)
        mes.open(active.ins, sent[0])
        mes.reply(active.ins, sent[0], "Merci, c'est noté.", [("bilan.pdf", sample_pdf("Bilan"))])

        back = mes.mailbox(sender.address) + mes.mailbox("secretariat@ch-exemple.mssante.fr")
        for raw in back:
            verdict = classify(raw)
            print(f"{verdict.kind.value:<20} about {verdict.original_message_id}")
        kinds = sorted(classify(raw).kind.value for raw in back)
        expected = sorted(["MAILBOX_CLOSED", "READ_RECEIPT", "PATIENT_MESSAGE"])
        if kinds != expected:
            print(f"unexpected: {kinds}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
