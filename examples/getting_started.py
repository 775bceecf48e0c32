"""The "getting started in 10 minutes" walk-through (docs/getting-started.md), as one script.

Run: python examples/getting_started.py [output-directory]
Nothing is sent: the messages are written as .eml files to the directory given as argv[1], or to
a new temporary directory. The identity is a public INSi test identity.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

# --8<-- [start:identity]
from mssc import (
    INS_TEST_OID,
    IdentityStatus,
    PatientIdentity,
    Sex,
    parse_ins,
    patient_address,
)

patient = PatientIdentity(
    ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
    status=IdentityStatus.QUAL,  # only a qualified identity may be written to
    birth_name="ADRTROIS",
    first_names="DOMINIQUE",
    birth_date=dt.date(1997, 2, 26),
    sex=Sex.FEMALE,
    birth_place="2A020",
)
print(patient_address(patient))  # 297022A02077878@patient.mssante.fr
# --8<-- [end:identity]

# --8<-- [start:compose]
from mssc import Composer, Sender  # noqa: E402
from mssc.templates import compose_template  # noqa: E402

composer = Composer("DEV935997")  # your Ségur product reference, sent as X-MSS-NIL
sender = Sender.applicative(  # automatic sends from the DPI: an applicative box ...
    "dpi@ch-exemple.mssante.fr",
    entity="CH Exemple – Cardiologie",
    return_address="cardiologie@ch-exemple.mssante.fr",  # ... and replies go to people
)
convocation = compose_template(
    composer,
    "convocation",
    {
        "establishment": "CH Exemple",
        "service": "Cardiologie",
        "establishment_address": "1 rue de l'Hôpital, 26000 Valence",
        "visit_date": dt.date(2026, 3, 17),
        "visit_time": dt.time(9, 30),
    },
    sender=sender,
    to=patient,  # civility and names come from the identity
    read_receipt=True,
)
print(convocation.subject)
# --8<-- [end:compose]

# --8<-- [start:check]
from mssc import check  # noqa: E402

report = check(convocation)
assert report.ok, report.findings
for finding in check(b"From: x@example.org\r\n\r\nhello\r\n").findings[:3]:
    print(finding)  # error   MSSC001 [ECO.2.2.1] at header:Message-ID: ...
# --8<-- [end:check]

# --8<-- [start:replies]
from mssc import ReplyKind, classify, parse_patient_message  # noqa: E402
from mssc.testing import make_bounce, make_patient_reply, make_read_receipt  # noqa: E402

assert classify(make_read_receipt(convocation)).kind is ReplyKind.READ_RECEIPT
assert classify(make_bounce(convocation, ReplyKind.MAILBOX_CLOSED)).kind is ReplyKind.MAILBOX_CLOSED
reply = parse_patient_message(
    make_patient_reply(convocation, "Merci, je serai là.", [("bilan.pdf", b"%PDF-1.4\n%%EOF\n")])
)
print(reply.ins, (reply.text or "").strip(), [a.filename for a in reply.attachments])
answer = composer.reply(reply, sender=sender, text="Bonjour,\n\nBien reçu, à bientôt.\n")
closure = composer.closure(sender=sender, to=patient.ins, in_reply_to=answer.message)
# --8<-- [end:replies]

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="mssc-"))
    out.mkdir(parents=True, exist_ok=True)
    for name, message in (("convocation", convocation), ("answer", answer), ("fin", closure)):
        (out / f"{name}.eml").write_bytes(message.to_bytes())
        assert check(message).ok, name
    print(f"written to {out}")
