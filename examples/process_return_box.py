"""Sort a hospital's return box: bounces, read receipts, TEST answers and patient messages.

    python examples/process_return_box.py [FOLDER]

FOLDER holds one ``.eml`` file per message (nothing is written there). Without it, a few
realistic returns are generated with ``mssc.testing`` into a temporary folder and sorted.
For each message the script prints what it is, which original message it is about, and what
a DPI/GAM should do next; patient messages are decoded with their attachments' verdicts.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from mssc.inbound import parse_patient_message
from mssc.replies import Classification, ReplyKind, classify
from mssc.testing import (
    make_bounce,
    make_patient_reply,
    make_read_receipt,
    make_test_acknowledgement,
)

#: What the professional's software should do for each kind (see docs/replies.md).
NEXT_STEP = {
    ReplyKind.MAILBOX_CLOSED: "stop MSS-C for this patient; use another channel",
    ReplyKind.RECIPIENT_NOT_FOUND: "check the INS (qualified? key?); do not retry as is",
    ReplyKind.MESSAGE_TOO_LARGE: "send again in smaller parts (25 Mo limit)",
    ReplyKind.READ_RECEIPT: "mark the message as opened (if the disposition is 'displayed')",
    ReplyKind.TEST_ACKNOWLEDGEMENT: "the connection to MES works",
    ReplyKind.DELIVERY_DELAYED: "wait; the sending server is still trying",
    ReplyKind.DELIVERY_FAILED: "show the diagnostic to an operator",
    ReplyKind.DELIVERED: "record the delivery",
    ReplyKind.AUTO_REPLY: "ignore (automatic reply)",
    ReplyKind.PATIENT_MESSAGE: "file the message in the patient's record",
    ReplyKind.OTHER: "leave for a human",
}

ORIGINAL = (
    b"From: Secretariat Cardiologie <secretariat.cardio@chu-exemple.mssante.fr>\r\n"
    b"To: 279035121518989@patient.mssante.fr\r\n"
    b"Subject: Votre convocation du 12 mars\r\n"
    b"Message-ID: <conv.0001@chu-exemple.mssante.fr>\r\n"
    b"Disposition-Notification-To: secretariat.cardio@chu-exemple.mssante.fr\r\n"
    b"\r\nBonjour,\r\nVoici votre convocation.\r\n"
)


def generate(folder: Path) -> None:
    """Write a handful of returns about ORIGINAL into ``folder``."""
    samples = {
        "01-closed.eml": make_bounce(ORIGINAL, ReplyKind.MAILBOX_CLOSED, form="text"),
        "02-not-found.eml": make_bounce(ORIGINAL, ReplyKind.RECIPIENT_NOT_FOUND),
        "03-too-large.eml": make_bounce(ORIGINAL, ReplyKind.MESSAGE_TOO_LARGE),
        "04-opened.eml": make_read_receipt(ORIGINAL, "displayed"),
        "05-test.eml": make_test_acknowledgement(ORIGINAL),
        "06-reply.eml": make_patient_reply(
            ORIGINAL,
            "Bonjour, je serai là. Voici mon ordonnance.",
            [("ordonnance.pdf", b"%PDF-1.4\n%%EOF\n"), ("photo.pdf", b"MZ\x90\x00fake")],
            display_name="Camille MARTIN",
        ),
    }
    for name, data in samples.items():
        (folder / name).write_bytes(data)


def describe(path: Path, result: Classification) -> list[str]:
    lines = [f"  {path.name}: about {result.original_message_id or '?'}"]
    lines.append(f"    confidence {result.confidence:.2f}, trusted={result.trusted}")
    for r in result.recipients:
        who = f"INS {r.ins}" if r.ins else r.address or "?"
        lines.append(f"    {who}: {r.kind.value} {r.status} {r.diagnostic[:60]}".rstrip())
    if result.disposition is not None and result.disposition.type is not None:
        lines.append(f"    disposition: {result.disposition.type.value}")
    if result.evidence:
        e = result.evidence[-1]
        lines.append(f"    because {e.rule} in {e.source}: {e.excerpt[:60]!r}")
    if result.kind is ReplyKind.PATIENT_MESSAGE:
        msg = parse_patient_message(path.read_bytes())
        lines.append(f"    from {msg.first_name} {msg.last_name} (INS {msg.ins}): {msg.subject!r}")
        for a in msg.attachments:
            verdict = "kept" if a.accepted else f"refused ({a.reason})"
            lines.append(f"    attachment {a.safe_filename}: {verdict}")
    return lines


def sort_folder(folder: Path) -> dict[ReplyKind, list[Path]]:
    groups: dict[ReplyKind, list[Path]] = defaultdict(list)
    details: dict[Path, list[str]] = {}
    for path in sorted(folder.glob("*.eml")):
        result = classify(path.read_bytes())
        groups[result.kind].append(path)
        details[path] = describe(path, result)
    for kind in ReplyKind:
        if kind not in groups:
            continue
        print(f"{kind.value} ({len(groups[kind])}) -> {NEXT_STEP[kind]}")
        for path in groups[kind]:
            print("\n".join(details[path]))
    return groups


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        folder = Path(argv[1])
        if not folder.is_dir():
            print(f"{folder} is not a folder", file=sys.stderr)
            return 2
        sort_folder(folder)
        return 0
    with tempfile.TemporaryDirectory(prefix="mssc-return-box-") as tmp:
        generate(Path(tmp))
        print(f"(generated sample returns in {tmp})")
        sort_folder(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
