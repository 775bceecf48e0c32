"""Hostile mail in a return box: bounded reading, a spoofed bounce, a file with two names.

Run from the repository root:

    python examples/hostile_mail.py [OUTPUT_DIR]

With OUTPUT_DIR, the verdicts are also written to OUTPUT_DIR/hostile.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from mssc.inbound import parse_patient_message
from mssc.mime import MimeLimits, prescan, read_message
from mssc.replies import ReplyKind, classify

PATIENT = "279035121518989@patient.mssante.fr"


def main(argv: list[str]) -> int:
    verdicts: dict[str, object] = {}

    # 1. A "bounce" nested 200 levels deep, then a million short lines: the stdlib parser
    #    would test each line against every open boundary. The pre-scan sees it first.
    deep = b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(200)
    )
    deep += b"Content-Type: text/plain\n\n" + b"x\n" * 1_000_000
    start = time.perf_counter()
    result = classify(deep)
    took = time.perf_counter() - start
    print(f"nested bounce: {result.kind.value} {list(result.defects)} in {took:.2f} s")
    assert result.kind is ReplyKind.OTHER  # past a limit the classifier does not guess
    verdicts["deep"] = result.to_dict()

    # 2. The limits are one value, adjustable; prescan says which one a message passes.
    strict = MimeLimits(max_parts=4)
    many = (
        b"From: a@example.org\nContent-Type: multipart/mixed; boundary=p\n\n"
        + b"--p\n\nx\n" * 10
        + b"--p--\n"
    )
    scan = prescan(many, strict)
    print(f"ten parts with max_parts=4: {scan.exceeded.code if scan.exceeded else 'ok'}")
    read = read_message(many, limits=strict)
    print(f"  read as headers only: From={read.message['From']}, {read.codes}")

    # 3. A system From beside a patient's address: the patient wrote it (not a trusted bounce).
    spoof = (
        f"From: MAILER-DAEMON@mx.example.org, {PATIENT}\n"
        "Subject: Undelivered Mail Returned to Sender\n\n"
        f"<{PATIENT}>: 550 5.1.1 user unknown\n"
    ).encode()
    result = classify(spoof)
    print(f"spoofed bounce: {result.kind.value}, trusted={result.trusted}")
    assert result.kind is ReplyKind.PATIENT_MESSAGE
    verdicts["spoof"] = result.to_dict()

    # 4. filename says .pdf, filename* (what RFC 6266 readers show) says .hta.
    two_names = (
        f"From: <{PATIENT}>\nContent-Type: multipart/mixed; boundary=a\n\n"
        "--a\nContent-Type: text/plain\n\nci-joint\n--a\nContent-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="rapport.pdf"; '
        "filename*=utf-8''rapport.hta\n\n%PDF-1.4\n<html><script>x</script></html>\n--a--\n"
    ).encode()
    message = parse_patient_message(two_names)
    [attachment] = message.attachments
    print(
        f"two file names: shown {attachment.filename!r}, accepted={attachment.accepted}, "
        f"defects={[d for d in message.defects if d.startswith('filename')]}"
    )
    assert not attachment.accepted
    verdicts["two_names"] = message.to_dict()

    if len(argv) > 1:
        out = Path(argv[1]) / "hostile.json"
        out.write_text(json.dumps(verdicts, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
