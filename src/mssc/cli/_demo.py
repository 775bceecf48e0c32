"""``mssc demo``: the main job, end to end over SMTP + STARTTLS + mutual TLS, on loopback only.

The scenario is a hospital DPI/GAM's: a local Mon espace santé (:class:`mssc.sandbox.Sandbox`)
with a few patients; a pre-admission message with a PDF convocation and a read-receipt request,
submitted with ``mssc.transport.Submitter`` over STARTTLS and the structure's client
certificate (from the test PKI); the patient opens it and answers with documents; the return
box sorts what comes back with ``classify`` and ``parse_patient_message``; the professional
closes the conversation; and the automatic notices of Mon espace santé (closed mailbox, unknown
INS, opposed patient, 30 MB message, TEST) come back.
Every message is written as ``.eml`` under ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mssc.cli._common import add_subcommand

if TYPE_CHECKING:
    from mssc.compose import ComposedMessage
    from mssc.ins import PatientIdentity
    from mssc.replies import ReplyKind
    from mssc.sandbox.patients import PatientState
    from mssc.sandbox.server import Sandbox

#: The product reference that goes into X-MSS-NIL (a made-up Ségur reference).
PRODUCT_REFERENCE = "DEMO-MSSC-0001"
_CLOCK = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
#: The applicative box that sends, and the organisational box that receives what comes back.
SENDER_BOX = "rdv@ch-trois-rivieres.mssante.fr"
RETURN_BOX = "secretariat.cardio@ch-trois-rivieres.mssante.fr"
_UNKNOWN_INS = "279035121518989"  # a valid key, known to no patient of the demo's sandbox

#: Sends one composed message: (message, sandbox) -> None. See :func:`submit`.
SendStep = Callable[["ComposedMessage", "Sandbox"], None]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand."""
    p = add_subcommand(
        sub,
        "demo",
        help="run the whole MSS-C story over SMTP and mutual TLS against a local Mon espace "
        "santé (loopback only)",
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
    from mssc.ins import INS_TEST_OID, IdentityStatus, PatientIdentity, Sex, parse_ins

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


def submit(message: ComposedMessage, sandbox: Sandbox) -> None:
    """The sending step: :class:`mssc.transport.Submitter` over STARTTLS, with the structure's
    client certificate (a ``.p12`` from the sandbox's test PKI) for mutual TLS.

    Raises:
        RuntimeError: when a recipient was not accepted.
    """
    from mssc.transport import Submitter, load_pkcs12

    assert sandbox.pki is not None
    p12 = sandbox.pki.client_pkcs12(message.envelope.mail_from, password="demo")
    credentials = load_pkcs12(p12, "demo")
    with Submitter(
        sandbox.host, sandbox.port, credentials=credentials, cadata=sandbox.pki.ca_pem.decode()
    ) as smtp:
        result = smtp.send(message)
    if not result.accepted:
        outcomes = ", ".join(f"{r.address}: {r.status.value}" for r in result.recipients)
        raise RuntimeError(f"{message.message_id} was not accepted ({outcomes})")


def _out_dir(requested: Path | None) -> Path | str:
    """The output folder, created; or a sentence saying why it cannot be used."""
    if requested is None:
        return Path(tempfile.mkdtemp(prefix="mssc-demo-"))
    if requested.exists() and not requested.is_dir():
        return f"--out {requested} exists and is not a directory"
    try:
        requested.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create --out {requested}: {exc.strerror or exc}"
    if not os.access(requested, os.W_OK | os.X_OK):
        return f"cannot write in --out {requested}: permission denied"
    return requested


class _Transcript:
    """One line per step, the .eml files, and what did not behave as expected."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.failures: list[str] = []
        self.written = 0

    def save(self, name: str, data: bytes) -> str:
        (self.out / name).write_bytes(data)
        self.written += 1
        return name

    def line(self, step: str, kind: str, message_id: str | None, note: str = "") -> None:
        print(f"{step:<4} {kind:<22} {message_id or '-':<58} {note}".rstrip(), flush=True)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)
            print(f"     !! unexpected: {what}", flush=True)


def run_demo(args: argparse.Namespace, send: SendStep = submit) -> int:
    """Run the scenario; 0 when every step behaved as expected, 2 for an unusable ``--out``."""
    out = _out_dir(args.out)
    if isinstance(out, str):
        print(f"mssc demo: {out}", file=sys.stderr)
        return 2
    try:
        from mssc.sandbox.server import Sandbox
    except ImportError as exc:
        print(f"mssc demo needs aiosmtpd: pip install 'mssc[sandbox]' ({exc})", file=sys.stderr)
        return 2
    from mssc.sandbox.patients import PatientState, SandboxPatient

    patient = demo_identity()
    others = {
        PatientState.CLOSED: "185057800608491",
        PatientState.OPPOSED: "268101305501151",
        PatientState.ABSENT: "177119912345808",
    }
    patients = [
        SandboxPatient(ins=patient.ins.matricule, first_name="Dominique", last_name="ADRTROIS"),
        *(SandboxPatient(ins=ins, state=state) for state, ins in others.items()),
    ]
    t = _Transcript(out)
    print("mssc demo: the MSS-C story over SMTP + STARTTLS + mutual TLS, on loopback only")
    from mssc.headers import SequentialMessageIds

    with Sandbox(
        patients, tls="mutual", clock=lambda: _CLOCK, message_ids=SequentialMessageIds("mes")
    ) as mes:
        states = ", ".join(f"{p.ins} {p.state.value}" for p in mes.patients)
        t.line("1.", "sandbox", None, f"Mon espace santé on {mes.host}:{mes.port}: {states}")
        _story(t, mes, patient, others, send)
    print(f"\n{t.written} messages written to {out}")
    if t.failures:
        print(f"FAILED: {len(t.failures)} step(s) did not behave as expected")
        return 1
    print("Every step behaved as expected.")
    return 0


def _story(
    t: _Transcript,
    mes: Sandbox,
    patient: PatientIdentity,
    others: Mapping[PatientState, str],
    send: SendStep,
) -> None:
    from mssc.attachments import Attachment
    from mssc.compose import Composer, Sender
    from mssc.conformance import check
    from mssc.headers import SequentialMessageIds
    from mssc.inbound import parse_patient_message
    from mssc.ins import parse_ins
    from mssc.replies import ReplyKind, classify
    from mssc.sandbox.patients import ConversationClosed, PatientState
    from mssc.sandbox.samples import sample_pdf, sample_png
    from mssc.templates import PreadmissionContext

    composer = Composer(
        PRODUCT_REFERENCE, clock=lambda: _CLOCK, message_ids=SequentialMessageIds("demo")
    )
    sender = Sender.applicative(
        SENDER_BOX, entity="CH des Trois Rivières – Cardiologie", return_address=RETURN_BOX
    )
    seen: set[bytes] = set()

    def returned(expected: int) -> list[bytes]:
        """What came back to the sending and return boxes since the last look."""
        new = [m for m in mes.mailbox(SENDER_BOX) + mes.mailbox(RETURN_BOX) if m not in seen]
        seen.update(new)
        t.expect(len(new) == expected, f"{expected} message(s) back, got {len(new)}")
        return new

    def sent(
        step: str, name: str, message: ComposedMessage, note: str = "", checked: bool = True
    ) -> None:
        if checked:
            t.expect(check(message).ok, f"{name} does not pass mssc.check")
        send(message, mes)
        t.save(name, message.to_bytes())
        t.line(step, "sent", message.message_id, f"{name}{' ' + note if note else ''}")

    def came_back(step: str, name: str, raw: bytes, want: ReplyKind, about: str) -> None:
        verdict = classify(raw)
        t.save(name, raw)
        refers = verdict.original_message_id == about
        t.line(
            step,
            verdict.kind.value,
            _message_id(raw),
            f"{name}, refers to {verdict.original_message_id or '?'}",
        )
        t.expect(verdict.kind is want, f"{name} classified {verdict.kind.value}")
        t.expect(refers, f"{name} does not refer to {about}")

    # 2. the pre-admission message, with a PDF convocation and a read-receipt request
    context = PreadmissionContext(
        establishment="Centre hospitalier des Trois Rivières",
        service="Cardiologie",
        establishment_address="12 avenue des Tilleuls, 26000 Valence",
        establishment_phone="04 75 00 12 34",
        signatory="Le secrétariat de cardiologie",
        visit_date=dt.date(2026, 3, 17),
        visit_time=dt.time(14, 30),
        reason="un bilan cardiologique",
        professional_title="Docteur",
        professional_name="DURAND",
    )
    convocation = composer.compose_template(
        "preadmission",
        context,
        sender=sender,
        to=patient,
        attachments=[Attachment("convocation.pdf", sample_pdf("Convocation du 17 mars 2026"))],
        read_receipt=True,
    )
    sent("2.", "01-preadmission.eml", convocation, f"to {convocation.envelope.rcpt_to[0]}")
    inbox = mes.inbox(patient.ins.matricule)
    t.expect([m.message_id for m in inbox] == [convocation.message_id], "not delivered")

    # 3. the patient opens it; the read receipt comes back
    mes.open(patient.ins.matricule, convocation.message_id)
    [receipt] = returned(1) or [b""]
    came_back("3.", "02-read-receipt.eml", receipt, ReplyKind.READ_RECEIPT, convocation.message_id)

    # 4. the patient answers with a medical-profile PDF and an ID photo
    mes.reply(
        patient.ins.matricule,
        convocation.message_id,
        "Bonjour, je serai présente. Voici mon profil médical et ma photo d'identité.",
        [
            ("profil-medical.pdf", sample_pdf("Profil medical", ("Allergies : aucune connue",))),
            ("photo-identite.png", sample_png()),
        ],
    )
    [reply_bytes] = returned(1) or [b""]
    came_back(
        "4.", "03-patient-reply.eml", reply_bytes, ReplyKind.PATIENT_MESSAGE, convocation.message_id
    )

    # 5. the return box takes in the accepted attachments
    reply = parse_patient_message(reply_bytes)
    folder = t.out / "attachments"
    folder.mkdir(exist_ok=True)
    taken = []
    for item in reply.attachments:
        if item.accepted:
            (folder / item.safe_filename).write_bytes(item.content)
            taken.append(item.safe_filename)
    t.line("5.", "return box", reply.message_id, f"from INS {reply.ins}, took in {taken}")
    t.expect(taken == ["profil-medical.pdf", "photo-identite.png"], "attachments taken in")

    # 6. the professional closes the conversation; a further reply is refused
    closure = composer.closure(sender=sender, to=patient, in_reply_to=reply)
    sent("6.", "04-closure.eml", closure, "subject [FIN], X-MSS-MES: FIN")
    try:
        mes.reply(patient.ins.matricule, convocation.message_id, "Une dernière question ?")
        t.expect(False, "the patient could answer after [FIN]")
    except ConversationClosed as exc:
        t.line("6.", "reply refused", None, f"[{exc.code}] the patient cannot answer any more")

    # 7. the automatic notices of Mon espace santé
    def to_ins(matricule: str, subject: str) -> ComposedMessage:
        return composer.compose(
            sender=sender, to=parse_ins(matricule), subject=subject, text="Bonjour.\n"
        )

    cases: list[tuple[str, ComposedMessage, ReplyKind]] = [
        (
            "closed mailbox",
            to_ins(others[PatientState.CLOSED], "Votre rendez-vous"),
            ReplyKind.MAILBOX_CLOSED,
        ),
        ("unknown INS", to_ins(_UNKNOWN_INS, "Votre rendez-vous"), ReplyKind.RECIPIENT_NOT_FOUND),
        (
            "opposed patient",
            to_ins(others[PatientState.OPPOSED], "Votre rendez-vous"),
            ReplyKind.RECIPIENT_NOT_FOUND,
        ),
    ]
    # a DPI whose 25 MB guard was raised by mistake: MES itself refuses the message
    careless = Composer(
        PRODUCT_REFERENCE,
        clock=lambda: _CLOCK,
        message_ids=SequentialMessageIds("demo-big"),
        max_size=40_000_000,
    )
    scan = Attachment("imagerie.pdf", sample_pdf("Imagerie") + bytes(21_800_000))
    big = careless.compose(
        sender=sender,
        to=patient,
        subject="Vos images",
        text="Bonjour, voici vos images.\n",
        attachments=[scan],
    )
    cases.append((f"{big.size / 1e6:.0f} MB message", big, ReplyKind.MESSAGE_TOO_LARGE))
    cases.append(
        ("TEST", composer.connectivity_test(sender=sender), ReplyKind.TEST_ACKNOWLEDGEMENT)
    )
    for number, (what, message, want) in enumerate(cases, start=5):
        name = f"{number:02d}-{what.replace(' ', '-').lower()}"
        # the oversized message is known to break the 25 MB rule: it is sent unchecked
        sent("7.", f"{name}.eml", message, f"({what})", checked=message is not big)
        [notice] = returned(1) or [b""]
        came_back("7.", f"{name}-reply.eml", notice, want, message.message_id)


def _message_id(raw: bytes) -> str | None:
    from mssc.headers import parent_info

    return parent_info(raw).message_id
