"""``mssc demo``: the main job, end to end on a public test identity, with nothing sent.

The scenario is the one of a hospital's DPI/GAM: find the patient's MSS-C address, send a
convocation with a PDF, see what Mon espace santé sends back (read receipt, bounce, TEST
acknowledgement, the patient's reply with documents), answer, and close the conversation.
Every message is checked against the rules, and written as ``.eml`` for inspection.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

from mssc.addresses import parse_patient_address, patient_address
from mssc.attachments import Attachment
from mssc.cli._common import add_subcommand
from mssc.compose import ComposedMessage, Composer, Sender
from mssc.conformance import check
from mssc.errors import AccidentalClosure, MessageTooLarge, MsscError
from mssc.headers import SequentialMessageIds
from mssc.inbound import parse_patient_message
from mssc.ins import INS_TEST_OID, IdentityStatus, PatientIdentity, Sex, parse_ins
from mssc.replies import ReplyKind, classify
from mssc.templates import ConvocationContext
from mssc.testing import (
    make_bounce,
    make_patient_reply,
    make_read_receipt,
    make_test_acknowledgement,
)

#: The product reference that goes into X-MSS-NIL (a made-up Ségur reference).
PRODUCT_REFERENCE = "DEMO-MSSC-0001"
_CLOCK = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand."""
    p = add_subcommand(
        sub,
        "demo",
        help="run the mssc scenario on a public test identity (no network, nothing sent)",
        example="mssc demo --out /tmp/mssc-demo",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="where to write the .eml files (a new temporary directory by default)",
    )
    p.set_defaults(handler=run_demo)


def demo_identity() -> PatientIdentity:
    """The public INSi test identity ADRTROIS DOMINIQUE, born in Corsica (2A)."""
    return PatientIdentity(
        ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
        status=IdentityStatus.QUAL,
        birth_name="ADRTROIS",
        first_names="DOMINIQUE",
        usage_name="MARTIN",
        birth_date=dt.date(1997, 2, 26),
        sex=Sex.FEMALE,
        birth_place="2A020",
    )


def _pdf(title: str) -> bytes:
    """A small, valid one-page PDF (made here, so the demo needs no file)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class _Scenario:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.failures: list[str] = []
        self.written = 0

    def title(self, text: str) -> None:
        print(f"\n== {text}")

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)
            print(f"   !! unexpected: {what}")

    def save(self, name: str, data: bytes) -> Path:
        path = self.out / name
        path.write_bytes(data)
        self.written += 1
        return path

    def checked(self, name: str, sent: ComposedMessage) -> None:
        report = check(sent)
        errors, warnings = len(report.errors), len(report.warnings)
        infos = ", ".join(f"{f.code} {f.reference}" for f in report.findings)
        path = self.save(name, sent.to_bytes())
        print(
            f"   {path.name}: {sent.size:,} octets, check: {errors} error(s), "
            f"{warnings} warning(s){f', info: {infos}' if infos else ''}"
        )
        self.expect(errors == 0 and warnings == 0, f"{name} does not pass mssc.check")


def run_demo(args: argparse.Namespace) -> int:
    """Run the scenario; return 0 when every step behaved as expected."""
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="mssc-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    s = _Scenario(out)
    patient = demo_identity()

    s.title("1. The patient and her MSS-C address")
    print(f"   patient    {patient.display_name} ({patient.status.label.lower()})")
    print(f"   matricule  {patient.ins.format()} (INS {patient.ins.kind.value})")
    address = patient_address(patient)
    print(f"   address    {address}")
    try:
        patient_address(patient.model_copy(update={"status": IdentityStatus.RECUP}))
        s.expect(False, "an unqualified identity was given an address")
    except MsscError as exc:
        print(f"   refused    the same identity when only 'récupérée': [{exc.code}]")

    s.title("2. Addresses typed in by a secretary")
    for typed in (
        " Dominique MARTIN <297022a02077878@PATIENT.MSSANTE.FR> ",
        "297022A020778@patient.mssante.fr",
        "297022A02077878@patient.mssanté.fr",
        "297022A02077887@patient.mssante.fr",
    ):
        try:
            print(f"   ok       {typed.strip()!r} -> {parse_patient_address(typed).address}")
        except MsscError as exc:
            print(f"   refused  {typed!r}: [{exc.code}] {exc.hint}")

    s.title("3. A convocation with a PDF, from a template")
    composer = Composer(
        PRODUCT_REFERENCE,
        clock=lambda: _CLOCK,
        message_ids=SequentialMessageIds("demo"),
    )
    sender = Sender.applicative(
        "rdv@ch-trois-rivieres.mssante.fr",
        entity="CH des Trois Rivières – Cardiologie",
        return_address="secretariat.cardio@ch-trois-rivieres.mssante.fr",
    )
    context = ConvocationContext(
        establishment="Centre hospitalier des Trois Rivières",
        establishment_address="12 avenue des Tilleuls, 26000 Valence",
        establishment_phone="04 75 00 12 34",
        service="Cardiologie",
        signatory="Le secrétariat de cardiologie",
        visit_date=dt.date(2026, 3, 17),
        visit_time=dt.time(14, 30),
        reason="un bilan cardiologique",
        professional_title="Docteur",
        professional_name="DURAND",
    )
    convocation = composer.compose_template(
        "convocation",
        context,
        sender=sender,
        to=patient,
        attachments=[Attachment("convocation.pdf", _pdf("Convocation"))],
        read_receipt=True,
    )
    print(f"   Subject: {convocation.message['Subject']}")
    print(f"   From: {convocation.message['From']}")
    print(f"   Reply-To: {convocation.message['Reply-To']}")
    print(f"   envelope RCPT TO options: {' '.join(convocation.envelope.rcpt_options)}")
    s.checked("01-convocation.eml", convocation)

    s.title("4. Guards that protect the patient")
    try:
        composer.compose(
            sender=sender, to=patient, subject="Fin de votre traitement", text="Bonjour."
        )
        s.expect(False, "a subject with the word FIN was accepted")
    except AccidentalClosure as exc:
        print(f"   refused 'Fin de votre traitement': [{exc.code}] it would close the conversation")
    big = [Attachment(f"imagerie-{i}.pdf", _pdf("x") + bytes(13_000_000)) for i in (1, 2)]
    try:
        composer.compose(sender=sender, to=patient, subject="Imagerie", text="Bonjour.",
                         attachments=big)  # fmt: skip
        s.expect(False, "a message over 25 MB was accepted")
    except MessageTooLarge as exc:
        print(f"   refused 2 x 13 MB of PDFs: [{exc.code}] {exc.size:,} > {exc.limit:,} octets")
    parts = composer.plan_split(
        sender=sender, to=patient, subject="Imagerie", text="Bonjour.", attachments=big
    )
    print(f"   split plan: {', '.join(p.subject for p in parts)}")
    s.expect(len(parts) == 2, "the split plan does not have two messages")

    s.title("5. What Mon espace santé sends back")
    probe = composer.connectivity_test(sender=sender)
    s.checked("02-test.eml", probe)
    returns = {
        "03-read-receipt.eml": (make_read_receipt(convocation), ReplyKind.READ_RECEIPT),
        "04-bounce-closed.eml": (
            make_bounce(convocation, ReplyKind.MAILBOX_CLOSED, form="text"),
            ReplyKind.MAILBOX_CLOSED,
        ),
        "05-test-ack.eml": (make_test_acknowledgement(probe), ReplyKind.TEST_ACKNOWLEDGEMENT),
    }
    reply_bytes = make_patient_reply(
        convocation,
        "Bonjour, je serai présente. Voici mon dernier bilan sanguin.",
        [("bilan.pdf", _pdf("Bilan")), ("photo.pdf", b"MZ\x90\x00" + bytes(64))],
        display_name="Dominique MARTIN",
    )
    returns["06-patient-reply.eml"] = (reply_bytes, ReplyKind.PATIENT_MESSAGE)
    for name, (raw, expected) in returns.items():
        result = classify(raw)
        self_ref = "original" if result.original_message_id in (
            convocation.message_id, probe.message_id
        ) else "?"  # fmt: skip
        print(
            f"   {name:<22} {result.kind.value:<21} trusted={result.trusted!s:<5} "
            f"refers to the {self_ref} message"
        )
        s.save(name, raw)
        s.expect(result.kind is expected, f"{name} classified {result.kind.value}")

    s.title("6. The patient's reply, taken in safely")
    reply = parse_patient_message(reply_bytes)
    print(f"   from {reply.first_name} {reply.last_name}, INS {reply.ins}")
    for item in reply.attachments:
        verdict = "accepted" if item.accepted else f"refused ({item.reason})"
        print(f"   {item.filename!r} -> {item.safe_filename!r} {item.media_type}: {verdict}")
    s.expect([a.accepted for a in reply.attachments] == [True, False], "attachment verdicts")
    report = check(reply_bytes, direction="incoming")
    print(f"   incoming check: {', '.join(f.code for f in report.findings) or 'no finding'}")

    s.title("7. The answer, then the end of the conversation")
    answer = composer.reply(reply, sender=sender, text="Bien reçu, merci. À mardi.")
    print(f"   Subject: {answer.message['Subject']}  In-Reply-To: {answer.message['In-Reply-To']}")
    s.checked("07-answer.eml", answer)
    closure = composer.closure(sender=sender, to=patient, in_reply_to=reply)
    print(f"   Subject: {closure.message['Subject']}  X-MSS-MES: {closure.message['X-MSS-MES']}")
    s.checked("08-closure.eml", closure)

    print(f"\n{s.written} messages written to {out}")
    if s.failures:
        print(f"FAILED: {len(s.failures)} step(s) did not behave as expected")
        return 1
    print("Every step behaved as expected.")
    return 0
