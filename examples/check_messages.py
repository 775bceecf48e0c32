"""Check messages against the MSSanté / Ségur / Mon espace santé rules before sending them.

Run: python examples/check_messages.py

Three messages: one composed with mssc (no finding), one written by other software whose read
receipt would go to a personal mailbox (rule MSSC036), and a hostile one with 1,000 nested
parentheses that used to crash the checker (one finding naming the reader limit, MSSC057).
``check`` never raises on a message's content.
"""

from __future__ import annotations

from email.message import EmailMessage

from mssc.compose import Composer, Sender
from mssc.conformance import Report, check


def show(name: str, report: Report) -> None:
    print(f"{name}: {'ok' if report.ok else 'FAIL'} {list(report.codes)}")
    for finding in report.findings:
        print(f"  {finding}")


def main() -> None:
    sender = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
    composed = Composer("DEV935997").compose(
        sender=sender,
        to="279035121518989@patient.mssante.fr",
        subject="Votre rendez-vous",
        text="Bonjour,\nVotre rendez-vous est confirmé.\n",
        read_receipt=True,
    )
    report = check(composed)
    show("composed with mssc", report)
    assert report.codes == ()

    other = EmailMessage()
    other["Message-ID"] = "<1@chu-exemple.mssante.fr>"
    other["Date"] = "Mon, 30 Nov 2026 14:00:00 +0100"
    other["From"] = "CHU Exemple - Secrétariat <secretariat@chu-exemple.mssante.fr>"
    other["To"] = "279035121518989@patient.mssante.fr"
    other["Subject"] = "Votre rendez-vous"
    other["X-MSS-NIL"] = "DEV935997"
    other["Disposition-Notification-To"] = "secretaire.perso@gmail.com"
    other.set_content("Bonjour,\nVotre rendez-vous est confirmé.\n")
    report = check(other)
    show("receipt to a personal mailbox", report)
    assert report.codes == ("MSSC036",)

    hostile = (
        b"From: x@chu-exemple.mssante.fr\r\nContent-Type: text/plain; x="
        + b"(" * 1_000
        + b"\r\n\r\nBonjour\r\n"
    )
    report = check(hostile, direction="incoming")
    show("1,000 nested parentheses", report)
    assert report.codes == ("MSSC057",)


if __name__ == "__main__":
    main()
