"""Classify Mon espace santé-style notices worded in ways no fixture uses.

    python examples/french_notices.py

Mon espace santé's automatic replies are not published. mssc reads what French words mean
(an object such as messagerie, espace santé or compte, with a state such as clôturé, jamais
créé or opposé; a size in Mo with dépasse or limite), so these notices, written for this
example, are sorted without a rule of their own. The last one shows how a vendor adds a rule
when a real sample uses a wording the model does not know. The script exits 1 if a verdict is
not the expected one.
"""

from __future__ import annotations

import sys

from mssc.replies import Classifier, PhraseRule, ReplyKind, classify

PATIENT = "279035121518989@patient.mssante.fr"


def notice(text: str, *, sender: str = "ne-pas-repondre@patient.mssante.fr") -> bytes:
    """A plain-text notice as an MES system address might send it."""
    return (
        f"From: Mon espace santé <{sender}>\r\n"
        "To: secretariat.cardio@chu-exemple.mssante.fr\r\n"
        "Subject: Information concernant votre envoi\r\n"
        "In-Reply-To: <conv.0001@chu-exemple.mssante.fr>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"Votre message pour {PATIENT} n'a pas été remis.\r\n\r\n{text}\r\n"
    ).encode()


CASES = [
    ("L'usager a clôturé son espace santé.", ReplyKind.MAILBOX_CLOSED),
    ("Motif : compte Mon espace santé désactivé", ReplyKind.MAILBOX_CLOSED),
    ("L'espace santé de ce patient n'a jamais été\r\nouvert.", ReplyKind.RECIPIENT_NOT_FOUND),
    ("Le patient s'est opposé à la création de son profil.", ReplyKind.RECIPIENT_NOT_FOUND),
    ("LE POIDS DE L'ENVOI (31 MIO) EXCEDE 25 MO.", ReplyKind.MESSAGE_TOO_LARGE),
    ("Une nouvelle tentative de remise sera faite dans 4 heures.", ReplyKind.DELIVERY_DELAYED),
]


def main() -> int:
    wrong = 0
    for text, expected in CASES:
        result = classify(notice(text))
        cause = next((e for e in result.evidence if e.rule.startswith("phrase.")), None)
        mark = "ok" if result.kind is expected else "WRONG"
        wrong += result.kind is not expected
        print(f"[{mark}] {result.kind.value:20} {' '.join(text.split())}")
        if cause is not None:
            print(f"       {cause.rule}: {cause.excerpt!r}")

    # A wording the model does not know: the vendor adds a rule of their own.
    odd = notice("Dossier MES clos à la demande du titulaire.")
    rule = PhraseRule("mes-dossier-clos", ReplyKind.MAILBOX_CLOSED, (r"\bdossier mes clos\b",))
    before = classify(odd).kind
    after = Classifier(extra_rules=[rule]).classify(odd).kind
    print(f"with a rule of your own: {before.value} -> {after.value}")
    wrong += after is not ReplyKind.MAILBOX_CLOSED
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
