"""Check a batch of messages and write the conformance report, in HTML and JSON.

Run: python examples/conformance_report.py [output-directory]
Three messages are composed (one of them deliberately wrong), checked, and the report is written
to report.html and report.json in the directory given as argv[1], or in a new temporary one.
The same files come from ``mssc check --report report.html --report-json report.json DIR``.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from mssc.compose import Composer, Sender
from mssc.conformance import build_report, check, message_entry, message_subject, report_html


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="mssc-"))
    out.mkdir(parents=True, exist_ok=True)
    composer = Composer("DEV935997")
    sender = Sender.organisational("admissions@ch-exemple.mssante.fr", entity="CH Exemple")
    batch = {
        "convocation.eml": composer.compose(
            sender=sender,
            to="279035121518989@patient.mssante.fr",
            subject="Votre rendez-vous du 17 mars",
            text="Bonjour,\n\nNous vous attendons le 17 mars à 9 h 30.\n",
        ).to_bytes(),
        "test.eml": composer.connectivity_test(sender=sender).to_bytes(),
        # Written by hand, and wrong: two patients, no Message-ID, no X-MSS-NIL.
        "group.eml": (
            b"From: CH Exemple <admissions@ch-exemple.mssante.fr>\r\n"
            b"To: 279035121518989@patient.mssante.fr, 297022A02077878@patient.mssante.fr\r\n"
            b"Subject: Information <importante>\r\nDate: Mon, 2 Mar 2026 09:30:00 +0100\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n"
        ),
    }
    entries = [
        message_entry(name, check(raw), subject=message_subject(raw)) for name, raw in batch.items()
    ]
    report = build_report(entries, generated_at=dt.datetime.now(dt.timezone.utc))
    (out / "report.html").write_text(report_html(report), encoding="utf-8")
    (out / "report.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    s = report.summary
    print(f"{s.messages} messages: {s.passed} passed, {s.failed} failed")
    for rule in s.rules:
        print(f"  {rule.code} [{rule.reference}] {rule.rule}: {rule.messages} message(s)")
    print(f"written to {out / 'report.html'} and {out / 'report.json'}")
    assert (s.passed, s.failed) == (2, 1), s


if __name__ == "__main__":
    main()
