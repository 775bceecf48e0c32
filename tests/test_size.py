"""Tests of mssc.size: exact size prediction, the 25 MB guard and the split planner."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mssc.attachments import Attachment
from mssc.compose import Composer, DraftKeywords, Sender
from mssc.errors import MessageTooLarge
from mssc.headers import SequentialMessageIds
from mssc.size import MAX_MESSAGE_BYTES, base64_body_size, estimate_size, plan_split

PATIENT = "279035121518989@patient.mssante.fr"
SENDER = Sender.personal(
    "marie.martin@chu.mssante.fr", first_name="Hélène", last_name="Lefèvre", entity="Cardiologie"
)


def make(limit: int = MAX_MESSAGE_BYTES) -> Composer:
    return Composer(
        "DEV935997",
        clock=lambda: dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc),
        message_ids=SequentialMessageIds("s"),
        max_size=limit,
    )


def pdf(n: int) -> bytes:
    return (b"%PDF-1.7\n" + bytes(range(256)) * (n // 256 + 1))[: max(n, 9)]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 56, 57, 58, 114, 1000, 65_536])
def test_base64_body_size_matches_the_encoder(n: int) -> None:
    encoded = base64.encodebytes(bytes(n)).replace(b"\n", b"\r\n")
    assert base64_body_size(n) == len(encoded)


names = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=60).map(
    lambda s: s + ".pdf"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=st.text(
        alphabet=st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]),
        min_size=1,
        max_size=120,
    ).filter(lambda s: s.strip() and "fin" not in s.lower() and "=?" not in s),
    text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400),
    html=st.one_of(
        st.none(), st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200)
    ),
    files=st.lists(st.tuples(names, st.integers(min_value=9, max_value=5000)), max_size=4),
    read_receipt=st.booleans(),
)
def test_estimate_equals_final_size(
    subject: str,
    text: str,
    html: str | None,
    files: list[tuple[str, int]],
    read_receipt: bool,
) -> None:
    from mssc.attachments import safe_filename

    attachments = [Attachment(safe_filename(name), pdf(size)) for name, size in files]
    args: DraftKeywords = {
        "sender": SENDER,
        "to": PATIENT,
        "subject": subject,
        "text": text,
        "html": html,
        "attachments": attachments,
        "read_receipt": read_receipt,
    }
    composer = make()
    predicted = estimate_size(composer, **args)
    sent = composer.compose(**args)
    assert predicted == sent.size == len(sent.to_bytes())
    got = [p.get_content() for p in sent.message.iter_attachments()]
    assert got == [a.content for a in attachments]


def test_oversize_refused_with_details() -> None:
    big = [Attachment("gros.pdf", pdf(30_000)), Attachment("petit.pdf", pdf(1_000))]
    composer = make(limit=20_000)
    with pytest.raises(MessageTooLarge) as info:
        composer.compose(sender=SENDER, to=PATIENT, subject="x", text="y", attachments=big)
    err = info.value
    assert err.code == "too-large"
    assert err.limit == 20_000
    assert err.size > err.limit
    assert err.largest[0] == ("gros.pdf", 30_000)


def test_oversize_exact_size_reported() -> None:
    files = [Attachment("a.pdf", pdf(14_000))]
    probe = make(limit=10**9)
    exact = probe.estimate_size(
        sender=SENDER,
        to=PATIENT,
        subject="x",
        text="y",
        attachments=files,
        message_id="<s.000001@chu.mssante.fr>",
    )
    with pytest.raises(MessageTooLarge) as info:
        make(limit=exact - 1).compose(
            sender=SENDER, to=PATIENT, subject="x", text="y", attachments=files
        )
    assert info.value.size == exact
    assert (
        make(limit=exact)
        .compose(sender=SENDER, to=PATIENT, subject="x", text="y", attachments=files)
        .size
        == exact
    )


def test_refusal_of_a_40_mb_request_encodes_nothing() -> None:
    huge = Attachment("scanner.pdf", b"%PDF-1.7\n" + bytes(40_000_000))
    with pytest.raises(MessageTooLarge) as info:
        make().compose(sender=SENDER, to=PATIENT, subject="x", text="y", attachments=[huge])
    assert info.value.size >= 40_000_000 * 4 // 3
    assert info.value.limit == MAX_MESSAGE_BYTES


def test_plan_split() -> None:
    files = [Attachment(f"doc{i}.pdf", pdf(6_000 + i)) for i in range(5)]
    composer = make(limit=20_000)
    plans = plan_split(
        composer, sender=SENDER, to=PATIENT, subject="Documents", text="Bonjour", attachments=files
    )
    assert len(plans) > 1
    total = len(plans)
    assert [p.subject for p in plans] == [f"Documents ({i}/{total})" for i in range(1, total + 1)]
    assert sorted(a.filename for p in plans for a in p.attachments) == sorted(
        a.filename for a in files
    )
    assert all(p.size <= 20_000 for p in plans)
    sent = composer.compose_split(
        sender=SENDER, to=PATIENT, subject="Documents", text="Bonjour", attachments=files
    )
    assert [m.subject for m in sent] == [p.subject for p in plans]
    assert all(m.size <= 20_000 for m in sent)


def test_plan_split_single_message_has_no_suffix() -> None:
    plans = make().plan_split(
        sender=SENDER,
        to=PATIENT,
        subject="Docs",
        text="x",
        attachments=[Attachment("a.pdf", pdf(100))],
    )
    assert [(p.index, p.total, p.subject) for p in plans] == [(1, 1, "Docs")]


def test_plan_split_refuses_an_attachment_that_cannot_fit_alone() -> None:
    with pytest.raises(MessageTooLarge) as info:
        make(limit=10_000).plan_split(
            sender=SENDER,
            to=PATIENT,
            subject="Docs",
            text="x",
            attachments=[Attachment("énorme.pdf", pdf(20_000)), Attachment("a.pdf", pdf(100))],
        )
    assert info.value.largest == (("énorme.pdf", 20_000),)
