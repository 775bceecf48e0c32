"""Failed recipients read from a text bounce that introduces no address (no marker line).

Such a notice gives its addresses in running text, so every address in it was taken as a
failed recipient. Two kinds of address there are not recipients, whatever the mail system:

- an address the notice offers as a contact ("please contact <support@...>", "contactez
  helpdesk@..."), anywhere in the notice;
- a file path that ends in an address, as a local delivery program prints it
  ("/home/u/.forward/u@host: No such file"). An X.400 gateway's local part also holds "/",
  with "=" in each of its pieces: that one is an address.

The notices are built from parts (opening sentence, contact sentence, where it goes, how the
address is written), not copied from any corpus.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.replies import classify
from mssc.replies.dsn import read_text_bounce

RECIPIENT = "jean.dupont@example.fr"
CONTACT = "support@relay.example.org"

OPENINGS = [
    "Your message could not be delivered to one or more recipients.",
    "This is the mail system at host relay.example.org. Delivery failed.",
    "Votre message n'a pas pu être remis à son destinataire.",
    "Le message ci-dessous n'a pas pu être distribué.",
]
CONTACT_SENTENCES = [
    "For further assistance, please contact <{c}>",
    "If you need help, contact {c}.",
    "Please write to {c} if the problem persists.",
    "Helpdesk: {c}",
    "Pour toute question, contactez {c}.",
    "Vous pouvez joindre notre support à l'adresse {c}.",
    "Écrivez à {c} pour toute assistance.",
]
RECIPIENT_LINES = ["    {r}", "  * {r}", "{r}", "Recipient: {r}"]


def _notice(body: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@relay.example.org>\n"
        "To: secretariat@hopital.example.fr\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Date: Thu, 03 Dec 2026 10:00:00 +0100\n"
        "Message-ID: <b1@relay.example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n" + body
    ).encode("utf-8")


@pytest.mark.parametrize(
    ("opening", "contact", "line", "contact_first"),
    list(itertools.product(OPENINGS, CONTACT_SENTENCES, RECIPIENT_LINES, [False, True])),
)
def test_an_address_offered_as_a_contact_is_no_recipient(
    opening: str, contact: str, line: str, contact_first: bool
) -> None:
    about = f"{opening}\n\n{line.format(r=RECIPIENT)}\n"
    help_ = contact.format(c=CONTACT) + "\n"
    body = f"{help_}\n{about}" if contact_first else f"{about}\n{help_}"
    result = classify(_notice(body))
    addresses = [r.address.lower() for r in result.recipients]
    assert CONTACT not in addresses
    assert RECIPIENT in addresses


@pytest.mark.parametrize("contact", CONTACT_SENTENCES)
def test_a_contact_named_again_elsewhere_stays_a_contact(contact: str) -> None:
    # offered once as a contact, then written bare (a second language, a signature)
    body = f"{OPENINGS[0]}\n\n    {RECIPIENT}\n\n{contact.format(c=CONTACT)}\n\n--\n<{CONTACT}>\n"
    found = [a.lower() for a, _ in read_text_bounce(body, set(), 10)]
    assert found == [RECIPIENT]


@pytest.mark.parametrize("contact", CONTACT_SENTENCES)
def test_a_notice_whose_only_address_is_a_contact_names_no_recipient(contact: str) -> None:
    body = f"{OPENINGS[0]}\n\n{contact.format(c=CONTACT)}\n"
    result = classify(_notice(body))
    assert [r.address for r in result.recipients] == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Your contact {r} could not be reached.",  # "contact" as a noun: the recipient
        "The contact {r} does not exist.",
        "Votre contact {r} est introuvable.",
        "Delivery to {r} failed: no such user.",
    ],
)
def test_an_address_after_other_words_is_still_a_recipient(sentence: str) -> None:
    found = [a.lower() for a, _ in read_text_bounce(sentence.format(r=RECIPIENT), set(), 10)]
    assert found == [RECIPIENT]


PATHS = [
    "/home/{u}/.forward/{r}",
    "/var/spool/filter/{r}",
    "/usr/local/bin/cat/{r}",
    "~{u}/Maildir/{r}",
    "./templates/{r}",
]


@pytest.mark.parametrize("path", PATHS)
def test_a_file_path_ending_in_an_address_is_no_recipient(path: str) -> None:
    shown = path.format(u="dupont", r=RECIPIENT)
    body = (
        f"{OPENINGS[0]}\n\n    {RECIPIENT}\n\n"
        f"[filter] Failed to read {shown}: No such file or directory\n"
    )
    found = [a for a, _ in read_text_bounce(body, set(), 10)]
    assert found == [RECIPIENT]


@pytest.mark.parametrize(
    "x400",
    [
        "/G=Jean/S=Dupont/O=Hopital/@gw.example.fr",
        "/C=FR/ADMD=ATLAS/PRMD=SANTE/S=Dupont/@x400.example.fr",
    ],
)
def test_an_x400_gateway_address_is_still_a_recipient(x400: str) -> None:
    found = [a for a, _ in read_text_bounce(f"{OPENINGS[0]}\n\n{x400}\n", set(), 10)]
    assert found == [x400]


#: A system's own local parts (mailer-daemon, postmaster ...) are never failed recipients.
_SYSTEM = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "root", "abuse"}
_LOCAL = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-+", min_size=1, max_size=20
).filter(lambda s: s.strip(".") == s and ".." not in s and s not in _SYSTEM)


@given(local=_LOCAL, domain=st.sampled_from(["example.fr", "hopital.example.org", "a.b.c"]))
def test_an_address_without_a_slash_in_plain_text_is_always_read(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    found = [a for a, _ in read_text_bounce(f"{OPENINGS[0]}\n\n    {address}\n", set(), 10)]
    assert found == [address]


def test_a_contact_far_into_a_long_notice_is_still_a_contact() -> None:
    # the marker lines are read past the first 20,000 characters: so is the contact check
    filler = "Details of the delivery attempt follow.\n" * 600
    body = f"{OPENINGS[0]}\n\n{filler}\nPlease contact {CONTACT}\n{CONTACT}: see above\n"
    assert len(body) > 20_000
    assert read_text_bounce(body, set(), 10) == []
