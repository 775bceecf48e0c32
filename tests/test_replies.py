"""Tests of mssc.replies.classify over our own fixtures (tests/fixtures/replies)."""

from __future__ import annotations

import json
from email import message_from_bytes
from pathlib import Path

import pytest

from mssc.ins import parse_ins
from mssc.replies import (
    BUILTIN_RULES,
    Classification,
    Classifier,
    DispositionType,
    MimeLimits,
    PhraseRule,
    ReplyKind,
    StatusRule,
    classify,
)
from mssc.replies.mdn import parse_disposition

FIXTURES = Path(__file__).parent / "fixtures" / "replies"
ORIGINAL = "<conv.0001@chu-exemple.mssante.fr>"
P1 = "279035121518989@patient.mssante.fr"
P2 = "184027512345674@patient.mssante.fr"

K = ReplyKind
# file, kind, original id, trusted, [(recipient, kind)], rule that must appear in the evidence
CASES: list[tuple[str, ReplyKind, str | None, bool, list[tuple[str, ReplyKind]], str]] = [
    (
        "dsn-closed-fr.eml",
        K.MAILBOX_CLOSED,
        ORIGINAL,
        True,
        [(P1, K.MAILBOX_CLOSED)],
        "phrase.mailbox-closed.fr",
    ),
    (
        "dsn-521-user-unknown.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.en",
    ),
    (
        # an RFC 3464 "Action: failed" record whose reply names no stage, with a vague 5.0.0:
        # its "user unknown" is evidence of not found (nothing says after DATA or policy)
        "dsn-unknown-stage-unknown.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.en",
    ),
    (
        # a colleague forwards a bounce: the failed recipient is the patient, not the colleague,
        # and nothing a colleague writes is trusted
        "forwarded-bounce.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        False,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.en",
    ),
    (
        "dsn-521-alone.eml",
        K.DELIVERY_FAILED,
        ORIGINAL,
        True,
        [(P1, K.DELIVERY_FAILED)],
        "status.mailbox-disabled",
    ),
    (
        "dsn-two-recipients.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND), (P2, K.DELIVERY_FAILED)],
        "phrase.mailbox-full.en",
    ),
    (
        "dsn-too-large.eml",
        K.MESSAGE_TOO_LARGE,
        ORIGINAL,
        True,
        [(P1, K.MESSAGE_TOO_LARGE)],
        "phrase.message-too-large.en",
    ),
    (
        "dsn-delayed.eml",
        K.DELIVERY_DELAYED,
        ORIGINAL,
        True,
        [(P1, K.DELIVERY_DELAYED)],
        "dsn.action",
    ),
    ("dsn-delivered.eml", K.DELIVERED, ORIGINAL, True, [(P1, K.DELIVERED)], "dsn.action"),
    (
        "dsn-missing-fields.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.fr",
    ),
    (
        "dsn-lowercase.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.en",
    ),
    (
        "dsn-unclosed-boundary.eml",
        K.MESSAGE_TOO_LARGE,
        ORIGINAL,
        True,
        [(P1, K.MESSAGE_TOO_LARGE)],
        "dsn.structure",
    ),
    (
        "postfix-text.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "sender.system",
    ),
    (
        "sendmail-text.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P2, K.RECIPIENT_NOT_FOUND)],
        "sender.system",
    ),
    (
        "qmail-text.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P1, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.en",
    ),
    (
        "exim-text.eml",
        K.DELIVERY_FAILED,
        ORIGINAL,
        True,
        [(P1, K.DELIVERY_FAILED)],
        "phrase.mailbox-full.en",
    ),
    (
        "exchange-text.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P2, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.en",
    ),
    (
        "mes-closed-text.eml",
        K.MAILBOX_CLOSED,
        ORIGINAL,
        True,
        [(P1, K.MAILBOX_CLOSED)],
        "phrase.bounce-notice",
    ),
    (
        "mes-notfound-text.eml",
        K.RECIPIENT_NOT_FOUND,
        ORIGINAL,
        True,
        [(P2, K.RECIPIENT_NOT_FOUND)],
        "phrase.recipient-not-found.fr",
    ),
    (
        "mes-too-large-cr.eml",
        K.MESSAGE_TOO_LARGE,
        ORIGINAL,
        True,
        [(P1, K.MESSAGE_TOO_LARGE)],
        "phrase.message-too-large.fr",
    ),
    ("mdn-displayed.eml", K.READ_RECEIPT, ORIGINAL, True, [(P1, K.READ_RECEIPT)], "mdn.structure"),
    (
        "mdn-mixed-lowercase.eml",
        K.READ_RECEIPT,
        ORIGINAL,
        True,
        [(P1, K.READ_RECEIPT)],
        "mdn.disposition",
    ),
    (
        "mdn-rfc3798-deleted.eml",
        K.READ_RECEIPT,
        ORIGINAL,
        True,
        [("paul.durand@cabinet.mssante.fr", K.READ_RECEIPT)],
        "mdn.disposition",
    ),
    ("mdn-signed.eml", K.READ_RECEIPT, ORIGINAL, True, [(P1, K.READ_RECEIPT)], "mdn.structure"),
    (
        "test-ack.eml",
        K.TEST_ACKNOWLEDGEMENT,
        "<test.0001@chu-exemple.mssante.fr>",
        True,
        [],
        "sender.test-responder",
    ),
    (
        "auto-reply-header.eml",
        K.AUTO_REPLY,
        "<conv.0002@chu-exemple.mssante.fr>",
        False,
        [],
        "rfc3834.auto-submitted",
    ),
    ("auto-reply-subject.eml", K.AUTO_REPLY, None, False, [], "phrase.auto-reply-subject"),
    ("patient-message.eml", K.PATIENT_MESSAGE, ORIGINAL, False, [], "sender.patient"),
    ("spoof-bounce-text.eml", K.PATIENT_MESSAGE, ORIGINAL, False, [], "spoof-guard"),
    ("spoof-dsn.eml", K.PATIENT_MESSAGE, ORIGINAL, False, [], "spoof-guard"),
    ("professional-message.eml", K.OTHER, None, False, [], "no-rule"),
    ("arf-feedback.eml", K.OTHER, ORIGINAL, True, [], "arf.structure"),
    # 100 levels of nesting: past MimeLimits.max_depth the body is not read, no guess
    ("nested-100.eml", K.OTHER, None, False, [], "limit-depth"),
]


def _eol(data: bytes, eol: bytes) -> bytes:
    lf = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return lf.replace(b"\n", eol)


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize(
    ("name", "kind", "original_id", "trusted", "recipients", "rule"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_fixture_is_classified(
    name: str,
    kind: ReplyKind,
    original_id: str | None,
    trusted: bool,
    recipients: list[tuple[str, ReplyKind]],
    rule: str,
    eol: bytes,
) -> None:
    result = classify(_eol((FIXTURES / name).read_bytes(), eol))
    assert result.kind is kind
    assert result.original_message_id == original_id
    assert result.trusted is trusted
    assert [(r.address, r.kind) for r in result.recipients] == recipients
    assert rule in [e.rule for e in result.evidence]
    assert 0.0 <= result.confidence <= 1.0


def test_every_kind_is_covered_by_a_fixture() -> None:
    assert {c[1] for c in CASES} == set(ReplyKind)


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_str_bytes_and_message_inputs_agree(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    from_bytes = classify(data)
    assert classify(data.decode("utf-8", "surrogateescape")).kind is from_bytes.kind
    assert classify(message_from_bytes(data)).kind is from_bytes.kind


@pytest.mark.parametrize("bad", [None, 42, ["a"], object(), 3.5])
def test_wrong_type_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        classify(bad)  # type: ignore[arg-type]


def test_patient_recipients_carry_their_ins() -> None:
    result = classify((FIXTURES / "dsn-two-recipients.eml").read_bytes())
    assert [r.ins for r in result.recipients] == [
        parse_ins(P1.split("@")[0]),
        parse_ins(P2.split("@")[0]),
    ]
    first = result.recipients[0]
    assert (first.action, first.status, first.reply_code) == ("failed", "5.1.1", "550")
    assert "User unknown" in first.diagnostic


def test_status_521_alone_is_never_mailbox_closed() -> None:
    result = classify((FIXTURES / "dsn-521-alone.eml").read_bytes())
    assert result.recipients[0].status == "5.2.1"
    assert result.kind is not ReplyKind.MAILBOX_CLOSED


@pytest.mark.parametrize(
    ("name", "dtype", "action_mode", "sending_mode"),
    [
        (
            "mdn-displayed.eml",
            DispositionType.DISPLAYED,
            "automatic-action",
            "MDN-sent-automatically",
        ),
        (
            "mdn-mixed-lowercase.eml",
            DispositionType.DISPLAYED,
            "manual-action",
            "MDN-sent-automatically",
        ),
        ("mdn-rfc3798-deleted.eml", DispositionType.DELETED, "manual-action", "MDN-sent-manually"),
        ("mdn-signed.eml", DispositionType.PROCESSED, "automatic-action", "MDN-sent-automatically"),
    ],
)
def test_mdn_disposition(
    name: str, dtype: DispositionType, action_mode: str, sending_mode: str
) -> None:
    disposition = classify((FIXTURES / name).read_bytes()).disposition
    assert disposition is not None
    assert (disposition.type, disposition.action_mode, disposition.sending_mode) == (
        dtype,
        action_mode,
        sending_mode,
    )


@pytest.mark.parametrize(
    ("value", "dtype", "modifiers"),
    [
        ("manual-action/MDN-sent-automatically; displayed", DispositionType.DISPLAYED, ()),
        (
            "automatic-action/MDN-sent-automatically; processed/error",
            DispositionType.PROCESSED,
            ("error",),
        ),
        ("Manual-Action/MDN-Sent-Manually;  Denied", DispositionType.DENIED, ()),
        ("automatic-action/MDN-sent-automatically; failed", DispositionType.FAILED, ()),
        ("dispatched", DispositionType.DISPATCHED, ()),
        ("manual-action/MDN-sent-manually; exploded", None, ()),
    ],
)
def test_parse_disposition(
    value: str, dtype: DispositionType | None, modifiers: tuple[str, ...]
) -> None:
    parsed = parse_disposition(value)
    assert parsed.type is dtype
    assert parsed.modifiers == modifiers


def test_spoofed_notice_from_a_patient_says_why() -> None:
    result = classify((FIXTURES / "spoof-dsn.eml").read_bytes())
    guard = [e for e in result.evidence if e.rule == "spoof-guard"]
    assert guard
    assert "patient" in guard[0].excerpt
    assert not result.trusted


def test_evidence_of_a_phrase_quotes_the_matched_words() -> None:
    result = classify((FIXTURES / "dsn-closed-fr.eml").read_bytes())
    phrase = next(e for e in result.evidence if e.rule.startswith("phrase.mailbox-closed"))
    assert "fermee" in phrase.excerpt
    assert phrase.source.startswith("diagnostic")


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_to_dict_is_json_friendly(name: str) -> None:
    result = classify((FIXTURES / name).read_bytes())
    data = json.loads(json.dumps(result.to_dict()))
    assert data["kind"] == result.kind.value
    assert data["original_message_id"] == result.original_message_id
    assert len(data["evidence"]) == len(result.evidence)
    assert data["trusted"] is result.trusted
    assert [r["address"] for r in data["recipients"]] == [r.address for r in result.recipients]


def test_classification_is_immutable() -> None:
    result = classify((FIXTURES / "dsn-closed-fr.eml").read_bytes())
    with pytest.raises(AttributeError):
        result.kind = ReplyKind.OTHER  # type: ignore[misc]
    assert isinstance(result, Classification)


def test_extra_rule_adds_a_phrase_before_the_builtins() -> None:
    raw = (
        b"From: ne-pas-repondre@patient.mssante.fr\nSubject: Message non distribue\n\n"
        b"Le message pour 279035121518989@patient.mssante.fr est rejete: dossier clos.\n"
    )
    assert classify(raw).kind is ReplyKind.DELIVERY_FAILED
    rule = PhraseRule("mes-dossier-clos", ReplyKind.MAILBOX_CLOSED, (r"\bdossier clos\b",))
    result = Classifier(extra_rules=[rule]).classify(raw)
    assert result.kind is ReplyKind.MAILBOX_CLOSED
    assert "phrase.mes-dossier-clos" in [e.rule for e in result.evidence]


def test_extra_rule_with_a_builtin_name_replaces_it() -> None:
    name = BUILTIN_RULES[0].name
    replacement = PhraseRule(name, ReplyKind.OTHER, (r"\bnever-matches-anything-xyz\b",))
    classifier = Classifier(extra_rules=[replacement])
    assert [r.name for r in classifier.phrase_rules].count(name) == 1
    assert replacement in classifier.phrase_rules
    assert len(classifier.phrase_rules) == len(BUILTIN_RULES)


def test_extra_status_rule_overrides_the_fallback() -> None:
    raw = (FIXTURES / "dsn-521-alone.eml").read_bytes()
    rule = StatusRule("mailbox-disabled", ReplyKind.MAILBOX_CLOSED, (".2.1",))
    assert Classifier(extra_rules=[rule]).classify(raw).kind is ReplyKind.MAILBOX_CLOSED


def test_extra_rules_reject_other_values() -> None:
    with pytest.raises(TypeError):
        Classifier(extra_rules=["not a rule"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("status", "prefixes", "expected"),
    [
        ("5.1.1", (".1.1",), True),
        ("4.1.1", (".1.1",), True),
        ("5.1.10", (".1.1",), False),
        ("5.3.4", ("5.3.4",), True),
        ("4.3.4", ("5.3.4",), False),
    ],
)
def test_status_rule_matching(status: str, prefixes: tuple[str, ...], expected: bool) -> None:
    assert StatusRule("x", ReplyKind.OTHER, prefixes).matches(status) is expected


def test_limits_bound_the_walk_and_are_reported() -> None:
    raw = (FIXTURES / "dsn-two-recipients.eml").read_bytes()
    result = Classifier(limits=MimeLimits(max_parts=2)).classify(raw)
    assert "limit-parts" in result.defects
    # past a limit the classifier does not guess
    assert result.kind is ReplyKind.OTHER
    assert result.evidence[0].rule == "limit-parts"
    deep = classify((FIXTURES / "nested-100.eml").read_bytes())
    assert "limit-depth" in deep.defects
    assert deep.kind is ReplyKind.OTHER


@pytest.mark.parametrize("field", ["max_depth", "max_parts", "max_message_bytes"])
@pytest.mark.parametrize("value", [0, -1])
def test_limits_must_be_positive(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        MimeLimits(**{field: value})


def test_truncated_input_is_reported() -> None:
    raw = (FIXTURES / "dsn-closed-fr.eml").read_bytes()
    result = Classifier(limits=MimeLimits(max_message_bytes=200)).classify(raw)
    assert "message-truncated" in result.defects


def test_patient_display_name_mimicking_mailer_daemon_is_a_patient_message() -> None:
    raw = (
        b"From: MAILER-DAEMON <279035121518989@patient.mssante.fr>\n"
        b"Subject: Undelivered Mail Returned to Sender\n\n"
        b"<x@example.org>: 550 5.1.1 user unknown\n"
    )
    assert classify(raw).kind is ReplyKind.PATIENT_MESSAGE


def test_null_return_path_auto_reply_is_not_a_bounce() -> None:
    raw = (
        b"Return-Path: <>\nFrom: Dr A <a@cabinet.mssante.fr>\n"
        b"Subject: Automatic reply: Convocation\nX-Auto-Response-Suppress: All\n\n"
        b"Je suis en conge.\n"
    )
    assert classify(raw).kind is ReplyKind.AUTO_REPLY
