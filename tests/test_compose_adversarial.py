"""Adversarial review of the sending side: each test pins a hole that was found and closed.

Every hostile value either gets a coded refusal or produces bytes that re-parse exactly as
intended, with CRLF as the only line end (no bare CR, LF or NUL anywhere in the message).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mssc import compose as compose_module
from mssc.attachments import Attachment
from mssc.compose import Composer, DraftKeywords, Sender
from mssc.errors import HeaderInjection, InvalidMessage, InvalidSender, MessageTooLarge
from mssc.headers import SequentialMessageIds

PATIENT = "279035121518989@patient.mssante.fr"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4
WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)
SENDER = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
# A bare CR or LF, i.e. not part of a CRLF pair, or a NUL.
BARE = re.compile(rb"\r(?!\n)|(?<!\r)\n|\x00")


def composer(**kw: object) -> Composer:
    return Composer("DEV1", clock=lambda: WHEN, message_ids=SequentialMessageIds("adv"), **kw)  # type: ignore[arg-type]


def compose(**kw: object) -> bytes:
    args: dict[str, object] = {"sender": SENDER, "to": PATIENT, "subject": "x", "text": "y"}
    args.update(kw)
    return composer().compose(**args).to_bytes()  # type: ignore[call-overload, no-any-return]


# Encoded words with white space inside: the stdlib decodes them (with a defect), so a control
# character hidden there reached the output raw when only mssc's own decoder was consulted.
HIDDEN_CONTROLS = [
    "=?utf-8?q?a=0A b?=",
    "=?utf-8?q?a=0D b?=",
    "=?utf-8?q?a=00 b?=",
    "=?utf-8?q?a=E2=80=A8 b?=",
    "=?utf-8?q?a=0ABcc:=20evil@example.com b?=",
    "=?utf-8?b?AAo*?=",  # invalid base64 the stdlib still decodes to NUL LF
]


def _compose_with(where: str, value: str) -> bytes:
    if where == "extra":
        return compose(extra_headers={"X-Note": value})
    if where == "subject":
        return compose(subject=value)
    return compose(sender=Sender.organisational("a@chu.mssante.fr", entity=value))


@pytest.mark.parametrize("value", HIDDEN_CONTROLS)
@pytest.mark.parametrize("where", ["extra", "subject", "entity"])
def test_encoded_words_with_white_space_cannot_smuggle_controls(value: str, where: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        _compose_with(where, value)
    assert info.value.code == "control-character"


def test_reparse_guard_refuses_bare_line_ends_in_a_header() -> None:
    """The third guard level: bytes with a bare LF inside a header are refused even when the
    header set itself looks right (a continuation line keeps the same header names)."""
    root = EmailMessage(policy=compose_module._POLICY)
    root["From"] = Address(display_name="CHU", addr_spec="a@chu.mssante.fr")
    root["To"] = PATIENT
    root["Subject"] = "x"
    root["Message-ID"] = compose_module._RawHeader("<x@chu.mssante.fr>")
    root["X-Note"] = "a b"
    root.set_content("y")
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=compose_module._POLICY).flatten(root)
    clean = buffer.getvalue()
    skeleton = compose_module._Skeleton(clean, [], [], len(clean))
    sender = Sender.organisational("a@chu.mssante.fr", entity="CHU")
    compose_module._verify(
        skeleton, root, sender=sender, to=PATIENT, subject="x", msg_id="<x@chu.mssante.fr>"
    )  # the clean bytes pass
    data = clean.replace(b"X-Note: a b\r\n", b"X-Note: a\n b\r\n")  # what 3.11 wrote raw
    assert data != clean
    skeleton = compose_module._Skeleton(data, [], [], len(data))
    with pytest.raises(HeaderInjection) as info:
        compose_module._verify(
            skeleton, root, sender=sender, to=PATIENT, subject="x", msg_id="<x@chu.mssante.fr>"
        )
    assert info.value.code == "header-mismatch"


@pytest.mark.parametrize(
    ("update", "error", "code"),
    [
        ({"address": "x@evil.example"}, InvalidSender, "not-mssante"),
        ({"address": PATIENT}, InvalidSender, "not-mssante"),
        ({"return_address": "x@evil.example"}, InvalidSender, "not-mssante"),
        ({"kind": "APP"}, InvalidSender, "missing-return"),
        ({"label": "a\nBcc: x@evil.example"}, HeaderInjection, "control-character"),
        ({"label": ""}, InvalidSender, "bad-label"),
    ],
)
def test_a_sender_that_skipped_validation_is_checked_again(
    update: dict[str, object], error: type[Exception], code: str
) -> None:
    forged = SENDER.model_copy(update=update)  # pydantic does not validate model_copy
    with pytest.raises(error) as info:
        compose(sender=forged, read_receipt=True)
    assert getattr(info.value, "code", None) == code


def test_applicative_return_address_must_be_another_box_whatever_the_case() -> None:
    with pytest.raises(InvalidSender) as info:
        Sender.applicative(
            "robot@chu.mssante.fr", entity="CHU", return_address="ROBOT@chu.mssante.fr"
        )
    assert info.value.code == "missing-return"


@pytest.mark.parametrize(
    "address", ["sec@sub.patient.mssante.fr", "279035121518989@x.patient.mssante.fr"]
)
def test_sender_under_the_patient_domain_refused(address: str) -> None:
    with pytest.raises(InvalidSender) as info:
        Sender.organisational(address, entity="X")
    assert info.value.code == "not-mssante"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"subject": "a\ud800b"},
        {"extra_headers": {"X-Note": "\udcff"}},
        {"subject": "Résultats \u202efdp.exe"},  # right-to-left override: display spoofing
        {"subject": "a\u2066b\u2069"},
    ],
)
def test_unencodable_and_bidi_control_characters_refused_in_headers(
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(HeaderInjection) as info:
        compose(**kwargs)
    assert info.value.code == "control-character"


@pytest.mark.parametrize("entity", ["CHU\ud800", "CHU \u202eelbuod"])
def test_unencodable_and_bidi_control_characters_refused_in_labels(entity: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        Sender.organisational("a@chu.mssante.fr", entity=entity)
    assert info.value.code == "control-character"


@pytest.mark.parametrize("kwargs", [{"text": "a\ud800"}, {"html": "<p>\udcff</p>"}])
def test_unencodable_body_refused_with_a_code(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidMessage) as info:
        compose(**kwargs)
    assert info.value.code == "bad-argument"


@pytest.mark.parametrize("subject", ["\u200b", "\u200b\u200c \u00ad", "\ufeff"])
def test_invisible_only_subject_is_empty(subject: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        compose(subject=subject)
    assert info.value.code == "empty-subject"


@pytest.mark.parametrize(
    "name",
    [
        "Resent-From",
        "Resent-To",
        "resent-bcc",
        "Return-Receipt-To",
        "Errors-To",
        "Mail-Followup-To",
        "Mail-Reply-To",
        "Disposition-Notification-Options",
        "Content-Length",
        "Content-Language",
        "Content-Location",
    ],
)
def test_extra_headers_cannot_redirect_mail_or_touch_the_mime_structure(name: str) -> None:
    with pytest.raises(HeaderInjection) as info:
        compose(extra_headers={name: "x@evil.example"})
    assert info.value.code == "bad-header-name"


def test_an_oversize_body_is_refused_before_it_is_encoded() -> None:
    text = "é" * 30_000
    c = composer(max_size=20_000)
    with pytest.raises(MessageTooLarge) as info:
        c.compose(sender=SENDER, to=PATIENT, subject="x", text=text)
    # Refused on the arithmetic lower bound (one octet per character at least), not on the
    # exact size of an encoded body.
    assert "at least" in info.value.message
    assert info.value.size == len(text)
    assert info.value.limit == 20_000


def test_an_oversize_body_with_attachments_counts_both_in_the_lower_bound() -> None:
    text = "x" * 5_000
    c = composer(max_size=6_000)
    with pytest.raises(MessageTooLarge) as info:
        c.compose(
            sender=SENDER,
            to=PATIENT,
            subject="x",
            text=text,
            attachments=[Attachment("a.pdf", PDF)],
        )
    raw = len(PDF)
    base64_size = 4 * -(-raw // 3) + 2 * -(-(4 * -(-raw // 3)) // 76)
    assert info.value.size == len(text) + base64_size


@pytest.mark.parametrize(
    "names",
    [
        ("scan.pdf", "scan.pdf"),
        ("CR.pdf", "cr.PDF", "Cr.pdf"),
        ("a:b.pdf", "ab.pdf"),  # the same once made safe
        ("scan.pdf", "scan .pdf"),
    ],
)
def test_duplicate_attachment_names_are_made_distinct(names: tuple[str, ...]) -> None:
    files = [Attachment(n, PDF) for n in names]
    c = composer()
    kwargs: DraftKeywords = {
        "sender": SENDER,
        "to": PATIENT,
        "subject": "x",
        "text": "y",
        "attachments": files,
        "message_id": "<m@chu-exemple.mssante.fr>",
    }
    size = c.estimate_size(**kwargs)
    sent = c.compose(**kwargs)
    assert size == sent.size
    msg = BytesParser(policy=default).parsebytes(sent.to_bytes())
    written = [p.get_filename() for p in msg.iter_attachments()]
    assert len(written) == len(files)
    assert all(isinstance(w, str) for w in written)
    folded = [unicodedata.normalize("NFC", str(w)).casefold() for w in written]
    assert len(set(folded)) == len(folded)
    assert all(str(w).lower().endswith(".pdf") for w in written)
    assert [p.get_content() for p in msg.iter_attachments()] == [f.content for f in files]


@pytest.mark.parametrize("body", ["a\x00b", "\x00", "bip\x07 \x1b[0m", "a\x7f"])
@pytest.mark.parametrize("where", ["text", "html"])
def test_control_characters_in_a_body_are_encoded_not_sent_raw(body: str, where: str) -> None:
    data = compose(**{where: body})
    assert BARE.search(data) is None
    msg = BytesParser(policy=default).parsebytes(data)
    part = msg.get_body(("html",) if where == "html" else ("plain",))
    assert part is not None
    assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert part.get_content().replace("\r\n", "\n").rstrip("\n") == body


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"subject": "é" * 500, "text": "a\r\nb\rc\nd", "html": "<p>é</p>"},
        {"extra_headers": {"X-Note": "x" * 3000}},
        {"attachments": [Attachment("é" * 300 + ".pdf", PDF), Attachment("é" * 300 + ".pdf", PDF)]},
    ],
)
def test_no_bare_line_end_or_nul_anywhere(kwargs: dict[str, object]) -> None:
    data = compose(**kwargs)
    assert BARE.search(data) is None
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))


PARENT = (
    b"From: =?utf-8?q?Dupr=C3=A9?= <279035121518989@patient.mssante.fr>\r\n"
    b"To: secretariat@chu-exemple.mssante.fr\r\n"
    b"Subject: =?utf-8?q?Question_sur_l'ordonnance_=C3=A9?=\r\n"
    b"Message-ID: <p3@patient.mssante.fr>\r\n"
    b"References: <p1@chu-exemple.mssante.fr> <p2@patient.mssante.fr>\r\n\r\nMerci\r\n"
)
_LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", ""])
_BODY = st.lists(
    st.tuples(st.text(st.characters(blacklist_categories=["Cs"]), max_size=120), _LINE_ENDS),
    max_size=8,
).map(lambda parts: "".join(a + b for a, b in parts))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=_BODY,
    html=st.one_of(st.none(), _BODY),
    long_line=st.integers(min_value=0, max_value=3000),
    names=st.lists(
        st.sampled_from(["cr.pdf", "CR.pdf", "Résumé été.pdf", "\u4e2d" * 90 + ".pdf", "a.pdf"]),
        max_size=4,
    ),
    sizes=st.lists(st.integers(min_value=9, max_value=3000), min_size=4, max_size=4),
    read_receipt=st.booleans(),
    reply=st.booleans(),
)
def test_estimate_is_exact_with_every_option(
    text: str,
    html: str | None,
    long_line: int,
    names: list[str],
    sizes: list[int],
    read_receipt: bool,
    reply: bool,
) -> None:
    sender = Sender.personal(
        "helene.dupre@chu-exemple.mssante.fr",
        first_name="Hélène",
        last_name="Dupré",
        title="Dr",
        entity="Médecine interne – Unité 3",
        return_address="secretariat@chu-exemple.mssante.fr",
    )
    files = [Attachment(n, PDF[:s]) for n, s in zip(names, sizes, strict=False)]
    args: DraftKeywords = {
        "sender": sender,
        "to": PATIENT,
        "subject": "Réponse à votre question sur l'ordonnance " + "é" * 40,
        "text": text + "x" * long_line,
        "html": html,
        "attachments": files,
        "read_receipt": read_receipt,
        "in_reply_to": PARENT if reply else None,
        "extra_headers": {"X-MSS-CODECDA": "11488-4"},
    }
    c = composer()
    predicted = c.estimate_size(**args)
    c = composer()  # same id sequence: the same Message-ID
    sent = c.compose(**args)
    data = sent.to_bytes()
    assert predicted == sent.size == len(data)
    assert BARE.search(data) is None
    assert [p.get_content() for p in sent.message.iter_attachments()] == [f.content for f in files]


def _docs_size(c: Composer, files: list[Attachment], subject: str) -> int:
    return c.estimate_size(
        sender=SENDER,
        to=PATIENT,
        subject=subject,
        text="Bonjour",
        attachments=files,
        message_id="<adv.000001@chu-exemple.mssante.fr>",
    )


def test_plan_split_with_a_message_exactly_at_the_limit() -> None:
    files = [Attachment("a.pdf", PDF), Attachment("b.pdf", PDF[:500])]
    exact = _docs_size(composer(), files, "Docs")
    at_limit = composer(max_size=exact)
    plans = at_limit.plan_split(
        sender=SENDER, to=PATIENT, subject="Docs", text="Bonjour", attachments=files
    )
    assert [(p.total, p.size) for p in plans] == [(1, exact)]
    sent = composer(max_size=exact).compose_split(
        sender=SENDER, to=PATIENT, subject="Docs", text="Bonjour", attachments=files
    )
    assert [m.size for m in sent] == [exact]

    below = composer(max_size=exact - 1)
    plans = below.plan_split(
        sender=SENDER, to=PATIENT, subject="Docs", text="Bonjour", attachments=files
    )
    assert len(plans) == 2
    assert all(p.size <= exact - 1 for p in plans)
    sent = composer(max_size=exact - 1).compose_split(
        sender=SENDER, to=PATIENT, subject="Docs", text="Bonjour", attachments=files
    )
    assert all(m.size <= exact - 1 for m in sent)


def test_plan_split_with_an_attachment_that_fits_alone_exactly() -> None:
    big, small = Attachment("big.pdf", PDF), Attachment("small.pdf", PDF[:100])
    limit = _docs_size(composer(), [big], "Docs (1/2)")
    plans = composer(max_size=limit).plan_split(
        sender=SENDER, to=PATIENT, subject="Docs", text="Bonjour", attachments=[big, small]
    )
    assert [p.attachments for p in plans] == [(big,), (small,)]
    assert plans[0].size == limit
    with pytest.raises(MessageTooLarge):
        composer(max_size=limit - 1).plan_split(
            sender=SENDER, to=PATIENT, subject="Docs", text="Bonjour", attachments=[big, small]
        )


def _q_encode(text: str) -> str:
    return "=?utf-8?q?" + "".join(f"={b:02X}" for b in text.encode()) + "?="


@pytest.mark.parametrize("levels", [1, 2, 3, 4, 6])
def test_reply_to_a_subject_encoded_several_times_is_sanitized_not_refused(levels: int) -> None:
    subject = "Question=?utf-8?q?=0ABcc:_evil@example.com?="
    for _ in range(levels):
        subject = _q_encode(subject)
    parent = (
        "From: 279035121518989@patient.mssante.fr\r\n"
        f"Subject: {subject}\r\nMessage-ID: <p@patient.mssante.fr>\r\n\r\nBonjour\r\n"
    ).encode()
    sent = composer().reply(parent, sender=SENDER, text="Réponse")
    if levels <= 5:  # the parser decodes once, then up to four rounds
        assert sent.subject == "RE: Question Bcc: evil@example.com"
    else:  # deeper nesting is defused, not decoded
        assert sent.subject.startswith("RE: = ?utf-8?q?")
    msg = BytesParser(policy=default).parsebytes(sent.to_bytes())
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["Subject"])
