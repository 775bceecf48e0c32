"""Tests of the refining rules of mssc.replies: SMTP stage, status classes, rule precedence,
report-reading robustness, and ``Classification.patient_ins``.

Fixtures are ours (tests/fixtures/replies), one per rule; expectations come from what each
fixture's text says (its SMTP transcript, its status, its words), not from running the code.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mssc.addresses import parse_patient_address
from mssc.mime import Headers, param
from mssc.replies import Classifier, ReplyKind, classify
from mssc.replies.classifier import _ADDRESS_WORD, _blank_address_words
from mssc.replies.dsn import (
    _COMMAND_PHRASES,
    _CUTS,
    _first_command_phrase,
    reply_code_in,
    smtp_command_in,
    split_notice,
)
from mssc.replies.phrases import (
    ABSENCE_RULE,
    AUTO_REPLY_RULE,
    BUILTIN_RULES,
    DELAY_RULE,
    NOTICE_RULE,
    READ_NOTICE_RULE,
    PhraseRule,
    RuleTable,
    Searcher,
    WordFinder,
    _required_sets,
    _split_assertions,
)

FIXTURES = Path(__file__).parent / "fixtures" / "replies"
ORIGINAL = "<conv.0001@chu-exemple.mssante.fr>"
P1 = "279035121518989@patient.mssante.fr"
P2 = "184027512345674@patient.mssante.fr"
K = ReplyKind

# file, [(recipient, kind, smtp_command)], rule that must appear in the evidence
RULE_CASES: list[tuple[str, list[tuple[str, ReplyKind, str]], str]] = [
    # "unknown user" answered to DATA, Sendmail's own status 5.2.0: a content filter
    ("dsn-data-phase-sendmail.eml", [(P1, K.DELIVERY_FAILED, "DATA")], "smtp.data-phase"),
    # same transcript shape (pipelining), but Sendmail's status 5.1.1 says addressing
    ("dsn-data-pipelined-511.eml", [(P1, K.RECIPIENT_NOT_FOUND, "DATA")], "phrase."),
    ("dsn-postfix-end-of-data.eml", [(P1, K.DELIVERY_FAILED, "DATA")], "smtp.data-phase"),
    ("dsn-postfix-rcpt.eml", [(P1, K.RECIPIENT_NOT_FOUND, "RCPT")], "phrase.recipient-not-found"),
    ("exim-mail-from.eml", [(P1, K.DELIVERY_FAILED, "MAIL")], "smtp.mail-from"),
    ("dsn-nested-policy.eml", [(P1, K.DELIVERY_FAILED, "")], "status.policy"),
    ("dsn-recipient-preferences.eml", [(P1, K.DELIVERY_FAILED, "")], "phrase.recipient-filter"),
    ("dsn-516-moved.eml", [(P1, K.DELIVERY_FAILED, "")], "status.mailbox-moved"),
    ("dsn-disabled-and-unknown.eml", [(P1, K.MAILBOX_CLOSED, "RCPT")], "phrase.mailbox-closed"),
    ("dsn-x-unix.eml", [(P1, K.DELIVERY_FAILED, "")], "dsn.x-unix"),
    (
        "dsn-blocks-no-blank-line.eml",
        [(P2, K.DELIVERY_FAILED, ""), (P1, K.RECIPIENT_NOT_FOUND, "")],
        "phrase.mailbox-full",
    ),
    (
        "sendmail-host-lines.eml",
        [(P2, K.DELIVERY_FAILED, ""), (P1, K.RECIPIENT_NOT_FOUND, "")],
        "phrase.other-failure",
    ),
    (
        "notice-exist-or-forbidden.eml",
        [("equipe-cardio@lists.chu-exemple.fr", K.DELIVERY_FAILED, "")],
        "phrase.not-found-or-forbidden",
    ),
]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize(("name", "recipients", "rule"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_fixture(
    name: str, recipients: list[tuple[str, ReplyKind, str]], rule: str, eol: bytes
) -> None:
    raw = (FIXTURES / name).read_bytes().replace(b"\n", eol)
    result = classify(raw)
    got = [(r.address, r.kind, r.smtp_command) for r in result.recipients]
    assert got == recipients
    assert result.original_message_id == ORIGINAL
    assert any(e.rule.startswith(rule) for e in result.evidence), result.evidence
    first_failure = next(k for _, k, _ in recipients if k.is_failure)
    assert result.kind is first_failure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host mx.example.org said: 550 5.1.1 nope (in reply to RCPT TO command)", "RCPT"),
        ("said: 550 rejected (in reply to end of DATA command)", "DATA"),
        ("said: 554 rejected (in reply to DATA command)", "DATA"),
        ("said: 553 sender unknown (in reply to MAIL FROM command)", "MAIL"),
        ("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 no", "RCPT"),
        ("SMTP error from remote mailer after end of data: 550 spam", "DATA"),
        ("SMTP error from remote mail server after MAIL FROM:<a@b.example> SIZE=1: 553", "MAIL"),
        ("SMTP error from remote server after RCPT command:\n550 user unknown", "RCPT"),
        ("mx.example.org [192.0.2.1] did not like our RCPT TO:\n550 no such user", "RCPT"),
        ("192.0.2.25 does not like recipient.\nRemote host said: 550 5.1.1 unknown", "RCPT"),
        ("Connected to 192.0.2.25 but sender was rejected.", "MAIL"),
        ("192.0.2.25 failed after I sent the message.\nRemote host said: 554 spam", "DATA"),
        ("Remote host said: 550 5.1.1 User Unknown [RCPT_TO]", "RCPT"),
        ("... while talking to mx.example.org.:\n>>> DATA\n<<< 550 Unknown user\n", "DATA"),
        (">>> MAIL From:<a@b.example>\n<<< 553 bad sender\n", "MAIL"),
        (">>> RCPT To:<a@b.example>\n<<< 550 5.1.1 unknown\n>>> DATA\n<<< 503 no rcpt\n", "RCPT"),
        # a transient answer counts only when no permanent one follows
        ("<<< 450 busy\n... while talking to mx2:\n>>> DATA\n<<< 551 not here\n", "DATA"),
        (">>> RCPT To:<a@b.example>\n<<< 450 try later\n", "RCPT"),
        ("SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a@b.example>... No such user here", "RCPT"),
        ("SMTP:DATA host 192.0.2.8: 554 rejected", "DATA"),
        ("Reason: Remote SMTP server has rejected address\nDiagnostic code: smtp;550", "RCPT"),
        ("Reason: SMTP transmission failure has occurred\nDiagnostic code: smtp;550", "DATA"),
        # "smtp:" alone, or a transmission that is not the SMTP one, names no command
        ("protocol smtp: 550 user unknown", ""),
        ("fax transmission failure", ""),
        ("550 5.1.1 user unknown", ""),
        ("", ""),
        # a server text that merely contains "[data]" is no stage marker
        ("<<< 503 need RCPT command [data]", ""),
    ],
)
def test_smtp_command_in(text: str, expected: str) -> None:
    assert smtp_command_in(text) == expected


def test_smtp_command_for_one_address_of_a_transcript() -> None:
    transcript = (
        "While talking to mx.example.org:\n"
        ">>> RCPT To:<a@example.org>\n<<< 550 No such user here\n"
        ">>> RCPT To:<b@example.org>\n<<< 250 ok\n>>> DATA\n<<< 554 content rejected\n"
    )
    assert smtp_command_in(transcript, "a@example.org") == "RCPT"
    assert smtp_command_in(transcript, "b@example.org") == ""
    assert smtp_command_in(transcript) == "RCPT"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_smtp_command_in_never_raises_and_stays_in_its_set(text: str) -> None:
    assert smtp_command_in(text) in ("", "MAIL", "RCPT", "DATA")
    assert smtp_command_in(text, "a@example.org") in ("", "MAIL", "RCPT", "DATA")


def _dsn(diagnostic: str, status: str, human: str = "Delivery failed.") -> bytes:
    return (
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org\nTo: s@chu-exemple.mssante.fr\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\n{human}\n\n--b\n"
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: rfc822; {P1}\nAction: failed\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; {diagnostic}\n\n--b--\n"
    ).encode()


NOT_FOUND_TEXTS = ["550 User unknown", "550 No such user here", "550 mailbox not found"]
CLOSED_TEXTS = ["The account has been disabled.", "Ce compte est suspendu.", "Mailbox is closed."]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(NOT_FOUND_TEXTS),
    st.sampled_from(["5.0.0", "5.2.0", "5.7.1", "5.5.0"]),
    st.sampled_from(["", "RCPT", "DATA", "MAIL"]),
)
def test_stage_decides_a_not_found_phrase(diagnostic: str, status: str, stage: str) -> None:
    """Property: with a status that is not x.1.x, a server's "unknown" reply is RECIPIENT_NOT_FOUND
    when it answered RCPT TO, never after DATA (a filter) or at MAIL FROM (the sender). When the
    report does not say which command it answered, the RFC 3464 record's ``Action: failed``
    makes it evidence of not found, unless the status is of another kind (x.2 to x.7)."""
    suffix = {
        "": "",
        "RCPT": " (in reply to RCPT TO command)",
        "DATA": " (in reply to end of DATA command)",
        "MAIL": " (in reply to MAIL FROM command)",
    }[stage]
    result = classify(_dsn(diagnostic + suffix, status))
    (outcome,) = result.recipients
    assert outcome.smtp_command == stage
    unspecified = not stage and status == "5.0.0"
    expected = K.RECIPIENT_NOT_FOUND if stage == "RCPT" or unspecified else K.DELIVERY_FAILED
    assert outcome.kind is expected
    if not stage and not unspecified:
        assert "smtp.stage-unknown" in {e.rule for e in result.evidence}


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(NOT_FOUND_TEXTS),
    st.sampled_from(["5.1.1", "5.1.2", "5.1.10", "5.1.0"]),
    st.booleans(),
    st.sampled_from(["", "RCPT"]),
)
def test_an_addressing_status_backs_an_unknown_reply(
    diagnostic: str, status: str, in_field: bool, stage: str
) -> None:
    """Property: an x.1.x status, in the Status field or inside the reply, makes the reply's
    "unknown" words proof enough, whether or not the report names the command."""
    suffix = " (in reply to RCPT TO command)" if stage else ""
    code, words = diagnostic.split(" ", 1)
    text = diagnostic if in_field else f"{code} {status} {words}"
    result = classify(_dsn(text + suffix, status if in_field else "5.0.0"))
    (outcome,) = result.recipients
    assert outcome.kind is K.RECIPIENT_NOT_FOUND


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["User unknown", "No such user here", "Mailbox not found"]))
def test_a_reporting_systems_own_words_need_no_stage(words: str) -> None:
    """Property: "unknown" words that quote no server reply are the reporting system's own
    finding: RECIPIENT_NOT_FOUND without any command or status."""
    result = classify(_dsn(words, "5.0.0"))
    (outcome,) = result.recipients
    assert outcome.smtp_command == ""
    assert outcome.kind is K.RECIPIENT_NOT_FOUND


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NOT_FOUND_TEXTS), st.sampled_from(CLOSED_TEXTS), st.booleans())
def test_closed_words_outrank_unknown_words(unknown: str, closed: str, in_human: bool) -> None:
    """Property: when a recipient's report says both "unknown" and "closed/disabled", it is
    MAILBOX_CLOSED, wherever the closed words are (diagnostic or the human-readable part)."""
    if in_human:
        raw = _dsn(unknown, "5.0.0", human=closed)
    else:
        raw = _dsn(f"{unknown}. {closed}", "5.0.0")
    assert classify(raw).recipients[0].kind is K.MAILBOX_CLOSED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("5.1.1", K.RECIPIENT_NOT_FOUND),
        ("5.1.2", K.RECIPIENT_NOT_FOUND),
        ("5.1.3", K.DELIVERY_FAILED),
        ("5.1.6", K.DELIVERY_FAILED),
        ("5.1.10", K.DELIVERY_FAILED),
        ("4.1.1", K.DELIVERY_FAILED),
        ("5.2.1", K.DELIVERY_FAILED),
        ("5.3.4", K.MESSAGE_TOO_LARGE),
    ],
)
def test_status_fallback(status: str, expected: ReplyKind) -> None:
    result = classify(_dsn(f"550 {status} see the status", status))
    assert result.recipients[0].kind is expected


@pytest.mark.parametrize(
    "diagnostic",
    [
        "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
        "5.1.0 - Unknown address error 550-'5.7.1 Access denied'",
        "550 5.7.1 Unknown user; your host is on a block list",
    ],
)
def test_policy_status_with_refusal_words_is_not_not_found(diagnostic: str) -> None:
    assert classify(_dsn(diagnostic, "5.0.0")).recipients[0].kind is K.DELIVERY_FAILED


def test_exchange_directory_edge_blocking_is_not_found() -> None:
    diagnostic = "550 5.4.1 Recipient address rejected: Access denied (in reply to RCPT TO command)"
    assert classify(_dsn(diagnostic, "5.4.1")).recipients[0].kind is K.RECIPIENT_NOT_FOUND


def _from_ins(raw: bytes, header: str) -> str:
    value = message_from_bytes(raw)[header] or ""
    m = re.search(r"[0-9AB]{15}@patient\.mssante\.fr", value)
    assert m is not None
    return str(parse_patient_address(m.group(0)))


@pytest.mark.parametrize(
    ("name", "kind", "where"),
    [
        ("patient-message.eml", K.PATIENT_MESSAGE, "From"),
        ("spoof-dsn.eml", K.PATIENT_MESSAGE, "From"),
        ("mdn-displayed.eml", K.READ_RECEIPT, "From"),
        ("dsn-closed-fr.eml", K.MAILBOX_CLOSED, "To-of-original"),
        ("dsn-two-recipients.eml", K.RECIPIENT_NOT_FOUND, "first-failed"),
    ],
)
def test_patient_ins(name: str, kind: ReplyKind, where: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    result = classify(raw)
    assert result.kind is kind
    if where == "From":
        expected = _from_ins(raw, "From")
    elif where == "To-of-original":
        expected = str(parse_patient_address(P1))
    else:
        first = next(r for r in result.recipients if r.kind.is_failure)
        expected = str(parse_patient_address(first.address))
    assert str(result.patient_ins) == expected
    assert result.to_dict()["patient_ins"] == expected


@pytest.mark.parametrize("name", ["test-ack.eml", "professional-message.eml", "arf-feedback.eml"])
def test_no_patient_ins_when_no_patient_is_involved(name: str) -> None:
    result = classify((FIXTURES / name).read_bytes())
    assert result.patient_ins is None
    assert result.to_dict()["patient_ins"] is None


# -- the speed-ups must give the answers of the plain code they replace ------------------------

_ALL_WORDS = sorted({w for r in BUILTIN_RULES for w in r.words})
# pieces of the built-in patterns' words and near misses, so that texts hit the tables
_PIECES = [*_ALL_WORDS, "user", "box", "mail box", "is ", "not ", "the ", "x", " ", ".", "@"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("abc de", min_size=1, max_size=6), max_size=30), st.text("abc de"))
def test_word_finder_finds_exactly_the_words_in_the_text(words: list[str], text: str) -> None:
    assert sorted(WordFinder(words).find(text)) == sorted({w for w in words if w in text})


@settings(max_examples=300, deadline=None)
@given(_texts, st.booleans())
def test_rule_table_gives_the_first_rule_in_order(text: str, per_recipient: bool) -> None:
    rules = tuple(r for r in BUILTIN_RULES if per_recipient or not r.diagnostic_only)
    expected = next(((r, hit) for r in rules if (hit := r.search(text)) is not None), None)
    table = RuleTable(rules)
    # present: the table's words that occur (its index may use any required set of a
    # pattern, not only PhraseRule.words), and the rules' words, which change nothing
    found = table.first(text, WordFinder([*table.words, *_ALL_WORDS]).find(text))
    assert found == expected


_TABLES = {
    per_recipient: RuleTable(
        tuple(r for r in BUILTIN_RULES if per_recipient or not r.diagnostic_only)
    )
    for per_recipient in (False, True)
}


@settings(max_examples=500, deadline=None)
@given(_texts, st.booleans())
def test_rule_table_with_its_own_finder_gives_the_first_rule_in_order(
    text: str, per_recipient: bool
) -> None:
    # the table's index and word tree against the plain form: every rule's search, in order
    table = _TABLES[per_recipient]
    rules = tuple(r for r in BUILTIN_RULES if per_recipient or not r.diagnostic_only)
    expected = next(((r, hit) for r in rules if (hit := r.search(text)) is not None), None)
    assert table.first(text, table.finder.find(text)) == expected
    assert table.first(text, table.words) == expected  # extra words in present change nothing


_NOTICE_WORDS = sorted(
    {w for r in (NOTICE_RULE, DELAY_RULE) for w in r.words}
    | {"has ", "not ", "yet ", "been ", "fully ", "mail ", "can't ", "send ", "to ", "x", " "}
)
_ONE_RULE_TABLES = {rule.name: RuleTable((rule,)) for rule in (NOTICE_RULE, DELAY_RULE)}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NOTICE_WORDS), max_size=10).map("".join))
def test_a_table_of_one_rule_gives_the_rules_own_search(text: str) -> None:
    """The classifier reads the bounce-notice and delay wordings through a table of one rule:
    the excerpt is the rule's own ``search``'s (its first pattern in order that matches)."""
    for rule in (NOTICE_RULE, DELAY_RULE):
        table = _ONE_RULE_TABLES[rule.name]
        found = table.first(text, table.finder.find(text))
        assert (None if found is None else found[1]) == rule.search(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("ab c", min_size=3, max_size=6), min_size=1, max_size=8),
    st.lists(st.text("ab c", max_size=8), max_size=8),
)
def test_rule_table_on_rules_made_of_nested_words(pieces: list[str], texts: list[str]) -> None:
    # literal patterns whose words contain one another, share pieces, and repeat across
    # rules: the index, its word tree and the bits must still give the first rule in order
    rules = tuple(
        PhraseRule(f"r{i}", K.DELIVERY_FAILED, (re.escape(p), re.escape(p[::-1]) + "|x"))
        for i, p in enumerate(pieces)
    )
    table = RuleTable(rules)
    for text in [*texts, "".join(pieces), " ".join(reversed(pieces))]:
        expected = next(((r, hit) for r in rules if (hit := r.search(text)) is not None), None)
        assert table.first(text, table.finder.find(text)) == expected
        assert sorted(table.finder.find(text)) == sorted(w for w in table.words if w in text)


_ALL_PATTERNS = sorted(
    {
        p
        for r in (*BUILTIN_RULES, NOTICE_RULE, DELAY_RULE, ABSENCE_RULE, AUTO_REPLY_RULE)
        for p in r.patterns
    }
    | set(READ_NOTICE_RULE.patterns)
)
# the pieces, glued to word characters, apostrophes and spaces, so that the opening
# assertions (\b, lookbehinds) both hold and fail in front of the patterns' words
_GLUED = st.lists(
    st.sampled_from([*_PIECES, "a", "_", "9", "'", "’", "é", "aucune ", "pas de "]), max_size=14
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_GLUED)
def test_searcher_finds_what_the_regex_finds(text: str) -> None:
    for pattern in _ALL_PATTERNS:
        regex = re.compile(pattern)
        expected = regex.search(text)
        found = Searcher(regex).search(text)
        if expected is None:
            assert found is None, pattern
        else:
            assert found is not None, pattern
            assert (found.span(), found.groups()) == (expected.span(), expected.groups()), pattern


def test_searcher_splits_most_built_in_patterns() -> None:
    split = sum(_split_assertions(re.compile(p)) is not None for p in _ALL_PATTERNS)
    assert split * 2 > len(_ALL_PATTERNS)  # the speed-up applies to most of them


@pytest.mark.parametrize(
    ("pattern", "splits"),
    [
        (r"\bfoo", True),
        (r"\b(a|b)c", True),
        (r"(?<![^ '])foo", True),
        (r"(?<!x)(?<=y)\bfoo", True),
        (r"(?<=[)])a", True),  # a ")" inside a class does not close the lookbehind
        (r"\ba|b", False),  # a top-level alternation: the \b covers only its first branch
        (r"(?<=(x))a", False),  # a group in the assertion: group numbers would differ
        (r"(?<![^ '])(?:a|b)", False),  # a group after a lookbehind: not faster alone
        # a group after lookbehinds and a \b: its matches start words, as the whole's do
        (r"(?<!or )(?<!your )\b(a|b)c", True),
        (r"\b(?<!x)(a|b)", True),
        (r"foo", False),
        (r"\b", False),
        (r"(?i)\bfoo", False),
        (r"\b.foo", False),
    ],
)
def test_searcher_split_cases(pattern: str, splits: bool) -> None:
    regex = re.compile(pattern)
    assert (_split_assertions(regex) is not None) is splits
    for text in ("foo", "xfoo", " foo", "yfoo", "a", "ba", "b", ")a", "xa", "c a|b"):
        expected = regex.search(text)
        found = Searcher(regex).search(text)
        assert (found and found.span()) == (expected and expected.span())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text("a@.é<>_", min_size=1, max_size=6), max_size=12))
def test_blank_address_words_is_the_regex_substitution(words: list[str]) -> None:
    text = " ".join(words)
    expected = _ADDRESS_WORD.sub("<address>", text)
    assert _blank_address_words(text) == expected


def test_rule_table_runs_patterns_without_words_and_ignores_extra_present_words() -> None:
    rules = (PhraseRule("flags", K.DELIVERY_FAILED, (r"(?i)gone",)),)
    assert RuleTable(rules).first("all GONE now", ["not-in-the-text"]) == (rules[0], "all GONE now")
    assert RuleTable(rules).first("nothing", []) is None


@pytest.mark.parametrize("pattern", [p for r in BUILTIN_RULES for p in r.patterns])
def test_required_sets_hold_for_every_pattern_match(pattern: str) -> None:
    # each set must meet every match; checked on the matches of texts made of the pieces
    sets = _required_sets(pattern)
    regex = re.compile(pattern)
    for a in _PIECES:
        for b in ("", " is full", " exceeded", " not found", " does not exist", " unknown"):
            m = regex.search(a + b)
            if m is not None:
                assert all(any(w in m.group(0) for w in s) for s in sets), (pattern, a + b)


def test_required_sets_skip_patterns_and_groups_with_flags() -> None:
    assert _required_sets(r"(?i)mailbox full") == ()
    assert _required_sets(r"(?i:mailbox) full") == ()
    assert _required_sets(r"mail ?box (is )?full") == (
        frozenset({"mail"}),
        frozenset({"box "}),
        frozenset({"full"}),
    )


def _stdlib_param(msg: Message, name: str, header: str) -> str | None:
    value = msg.get_param(name, header=header)
    assert not isinstance(value, tuple)  # no RFC 2231 values below
    return value


_PARAM_VALUES = ["utf-8", '"utf-8"', '""', "", '"a b"', '"x;y"', "<a>", '"<a>"', 'a"b', "x=y"]
_PARAM_NAMES = ["charset", "CharSet", "filename", "name", "charsets", "report-type"]
_SPACE = st.sampled_from(["", " ", "\t", "\n "])


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["text/plain", "attachment", "charset", "multipart/report ", ""]),
    st.lists(
        st.tuples(_SPACE, st.sampled_from(_PARAM_NAMES), _SPACE, st.sampled_from(_PARAM_VALUES)),
        max_size=4,
    ),
    st.sampled_from(["charset", "filename", "report-type"]),
    st.sampled_from(["content-type", "content-disposition"]),
)
def test_param_answers_as_the_stdlib(
    main: str, pairs: list[tuple[str, str, str, str]], name: str, header: str
) -> None:
    msg = Message()
    msg[header] = main + "".join(f";{s1}{n}={s2}{v}" for s1, n, s2, v in pairs)
    assert param(msg, name, header) == _stdlib_param(msg, name, header)


@pytest.mark.parametrize("name", ["From", "from", "Received", "X-Absent", "subject"])
def test_headers_answer_as_the_message(name: str) -> None:
    msg = message_from_bytes(
        b"Received: a\nFrom: x@example.org\nReceived: b\nSubject: =?utf-8?q?caf=C3=A9?=\n"
        b"X-Raw: caf\xc3\xa9\n\nbody\n"
    )
    headers = Headers(msg)
    assert headers.get(name) == msg.get(name)
    assert headers.get_all(name, []) == msg.get_all(name, [])
    assert (name in headers) == (name in msg)
    assert str(headers.get("X-Raw")) == str(msg.get("X-Raw"))
    # the same types too: a raw 8-bit value comes back as the policy's Header object
    assert type(headers.get(name)) is type(msg.get(name))
    assert type(headers.get("X-Raw")) is type(msg.get("X-Raw"))
    assert [type(v) for v in headers.get_all("X-Raw", [])] == [
        type(v) for v in msg.get_all("X-Raw", [])
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Original Message",
                "--- ",
                "RECEIVED: x",
                "Return-Path :",
                "Copy of YOUR message",
                "\n",
                "\n",
                " ",
                "\t",
                "x",
                "EN-TETES du message",
                "en-têtes du message",
                "(Original",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_split_notice_is_case_insensitive_at_line_starts(text: str) -> None:
    # the reference: the patterns searched with re.I over the text as it is
    first_eol = text.find("\n")
    cut = len(text)
    if first_eol >= 0:
        for pattern, _, _, _ in _CUTS:
            m = pattern.search(text, first_eol + 1, cut)
            if m:
                cut = m.start()
    assert split_notice(text) == (text[:cut], text[cut:])


def test_a_custom_rule_with_a_scoped_flag_group_still_matches() -> None:
    """The word pre-filter must not require literals whose case a ``(?i:...)`` group relaxes."""
    from mssc.replies import Classifier, PhraseRule, ReplyKind

    raw = (
        b"From: MAILER-DAEMON@mx.example.org\r\n"
        b"To: rdv@ch-exemple.mssante.fr\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"\r\n"
        b"<279035121518989@patient.mssante.fr>: 550 the mailbox is sealed by its owner\r\n"
    )
    rule = PhraseRule("custom-sealed", ReplyKind.MAILBOX_CLOSED, (r"the (?i:MAILBOX IS SEALED)",))
    assert Classifier(extra_rules=[rule]).classify(raw).kind is ReplyKind.MAILBOX_CLOSED


def test_the_block_about_an_address_survives_text_whose_lower_case_is_longer() -> None:
    """'İ'.lower() is two characters: offsets taken from the lower-cased text would drift."""
    from mssc.replies.classifier import _block_about

    notice = "İ" * 60 + " relay report\n\n<a@b.example>: 550 user unknown\nsecond line\n\nend"
    assert _block_about(notice, "a@b.example") == ("<a@b.example>: 550 user unknown\nsecond line")


@given(
    st.lists(st.sampled_from(["a@b.fr", "A@B.FR", "ſ@b.fr", "\u0131@b.fr", "İ", "é", " ", "\n"])),
    st.sampled_from(["a@b.fr", "s@b.fr", "i@b.fr", "S@b.fr", "ſ@b.fr"]),
)
def test_the_block_about_an_address_starts_where_the_engine_finds_it(
    pieces: list[str], address: str
) -> None:
    """_block_about finds the address where a case-insensitive search of the regex engine
    does, whatever lower-casing does to the notice or the address (ı and ſ, which the engine
    takes for i and s, and İ, which lowers to two characters)."""
    import re

    from mssc.replies.classifier import _block_about

    notice = "".join(pieces)
    found = re.search(re.escape(address), notice, re.IGNORECASE)
    block = _block_about(notice, address)
    if found is None:
        assert block == ""
    else:
        # the lines from the one the engine's first match stands on
        line_start = notice.rfind("\n", 0, found.start()) + 1
        assert block
        assert notice.startswith(block, line_start)
        assert found.end() <= line_start + len(block)


def _text_bounce(line: str) -> bytes:
    return (
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org\nTo: s@chu-exemple.mssante.fr\n"
        "Subject: Undelivered Mail Returned to Sender\n\n"
        "A message that you sent could not be delivered to one or more of its recipients.\n\n"
        f"{line}\n"
    ).encode()


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        # the reply code is far from the words: the recipient's line still quotes a reply
        (
            f"{P1} Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 <{P1}>... User Unknown",
            K.DELIVERY_FAILED,
            "smtp.stage-unknown",
        ),
        (
            f"{P1} Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <{P1}>... User Unknown",
            K.RECIPIENT_NOT_FOUND,
            "phrase.recipient-not-found.en",
        ),
        # the reporting system's own words, no reply quoted
        (f"{P1} [User unknown]", K.RECIPIENT_NOT_FOUND, "phrase.recipient-not-found.en"),
        (f"{P1} : patient non trouvé", K.RECIPIENT_NOT_FOUND, "phrase.recipient-not-found.fr"),
        # a quoted reply whose stage the report names
        (
            f"{P1}: host mx.example.org said: 550 <{P1}>: User unknown (in reply to RCPT TO "
            "command)",
            K.RECIPIENT_NOT_FOUND,
            "phrase.recipient-not-found.en",
        ),
        (f"{P1}: host mx.example.org said: 550 <{P1}>: User unknown", K.DELIVERY_FAILED, ""),
    ],
)
def test_a_quoted_reply_needs_a_stage_or_an_addressing_status(
    line: str, expected: ReplyKind, rule: str
) -> None:
    result = classify(_text_bounce(line))
    (outcome,) = result.recipients
    assert outcome.address == P1
    assert outcome.kind is expected
    rules = {e.rule for e in result.evidence}
    assert (rule or "smtp.stage-unknown") in rules


@pytest.mark.parametrize("name", ["recipient-not-found.en", "mes-utilisateur-inconnu"])
def test_a_callers_rule_is_trusted_without_a_stage(name: str) -> None:
    """A vendor's own rule (new, or replacing the built-in one) is read as written: no stage or
    x.1.x status is asked of it, unlike the built-in tables."""
    raw = _dsn("550 User unknown", "5.2.0")
    assert classify(raw).recipients[0].kind is K.DELIVERY_FAILED
    rule = PhraseRule(name, K.RECIPIENT_NOT_FOUND, (r"\buser unknown",), diagnostic_only=True)
    result = Classifier(extra_rules=[rule]).classify(raw)
    assert result.recipients[0].kind is K.RECIPIENT_NOT_FOUND
    assert f"phrase.{name}" in {e.rule for e in result.evidence}


_STAGE_WORDS = [
    "in reply to ",
    "end of data",
    "rcpt to",
    "mail from",
    " command",
    "error from remote mail server after ",
    "pipelined ",
    "did not like our ",
    "does not like recipient",
    "does not like sender",
    "sender was rejected",
    "failed on data command",
    "failed after i sent the message",
    "[rcpt_to]",
    "[mail_from]",
    "smtp:",
    "rcpt",
    "data",
    "server has rejected the address",
    "smtp transmission failure",
    " ",
    "550 ",
    "x",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_STAGE_WORDS), max_size=12))
def test_command_branches_find_what_the_alternation_finds(words: list[str]) -> None:
    """Property: searching the stage wordings branch by branch (the fast path) gives the same
    match as the documented alternation :data:`_COMMAND_PHRASES`."""
    text = "".join(words)
    fast = _first_command_phrase(text)
    slow = _COMMAND_PHRASES.search(text)
    assert (fast is None) == (slow is None)
    if fast is not None and slow is not None:
        assert fast.span() == slow.span()
        assert {k: v for k, v in fast.groupdict().items() if v} == {
            k: v for k, v in slow.groupdict().items() if v
        }


_B = "dr.dupont@cabinet.mssante.fr"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        # numbers that are no reply code: the reporting system's own words stand
        ("patient non trouvé pour l'INS 1 84 05 75 456 123 89", K.RECIPIENT_NOT_FOUND),
        ("INS 1 84 05 75 456 123 89 : patient non trouvé", K.RECIPIENT_NOT_FOUND),
        ("user unknown (message of 512 KB)", K.RECIPIENT_NOT_FOUND),
        ("message of 450 KB refused: user unknown", K.RECIPIENT_NOT_FOUND),
        ("connected to mx.patient.mssante.fr:587, user unknown", K.RECIPIENT_NOT_FOUND),
        ("host [2a01:4f8:c17:510::1] user unknown", K.RECIPIENT_NOT_FOUND),
        ("adresse inconnue, 500 rue de Paris", K.RECIPIENT_NOT_FOUND),
        ("patient non trouvé (erreur 550)", K.RECIPIENT_NOT_FOUND),
        # a label in front of a quoted reply, whose own words are generic
        (
            "Invalid Address, ERROR_CODE :550, ERROR_CODE :Requested action not taken",
            K.DELIVERY_FAILED,
        ),
        # a success status or a version number does not back a stage-unknown reply
        ("host said: 250 2.1.5 Recipient ok; then 550 User unknown", K.DELIVERY_FAILED),
        ("host mx.example.org (MailSrv 5.1.3) said: 550 User unknown", K.DELIVERY_FAILED),
        ("host mx.example.org said: 550 #5.1.0 User unknown", K.RECIPIENT_NOT_FOUND),
        # "rejected the address of the sender" names no RCPT stage
        (
            "the remote server has rejected the address of the sender: 550 user unknown",
            K.DELIVERY_FAILED,
        ),
    ],
)
def test_what_makes_a_quoted_reply(reason: str, expected: ReplyKind) -> None:
    result = classify(_text_bounce(f"<{P1}>: {reason}"))
    (outcome,) = result.recipients
    assert outcome.kind is expected


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ("452 4.2.2 mailbox full", K.DELIVERY_FAILED),
        ("550 5.1.1 mailbox unavailable", K.DELIVERY_FAILED),
        ("550 5.1.1 mailbox unavailable (in reply to RCPT TO command)", K.DELIVERY_FAILED),
    ],
)
def test_another_recipients_status_does_not_back_this_one(second: str, expected: ReplyKind) -> None:
    """Recipient lines with no blank line between them: B's status and SMTP stage say nothing
    about A."""
    raw = _text_bounce(
        f"<{P1}>: host mx.patient.mssante.fr said: 550 <{P1}>: User unknown\n"
        f"<{_B}>: host mx.cabinet.mssante.fr said: {second}"
    )
    outcomes = {r.address: r for r in classify(raw).recipients}
    assert outcomes[P1].kind is expected
    assert outcomes[P1].smtp_command == ""


def test_a_bounce_quoting_the_original_with_brackets_keeps_its_notice() -> None:
    """A system bounce that quotes the original message with ">" is no forward: its own
    explanation stays the notice."""
    quoted = "\n".join(f"> ligne {i} de la convocation" for i in range(12))
    raw = (
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org\nTo: s@chu-exemple.mssante.fr\n"
        "Subject: Undelivered Mail Returned to Sender\n\n"
        f"Your message could not be delivered.\n<{P1}>: user unknown\n\nOriginal message:\n"
        f"> From: Secretariat <secretariat@chu-exemple.mssante.fr>\n> To: {P1}\n"
        f"> Subject: Votre convocation\n>\n{quoted}\n"
    ).encode()
    result = classify(raw)
    assert [(r.address, r.kind) for r in result.recipients] == [(P1, K.RECIPIENT_NOT_FOUND)]


@pytest.mark.parametrize("extra", ["", "> Importance: High\n", "> Attachments: details.txt\n"])
def test_a_forwarded_bounce_names_the_patient_whatever_fields_the_forward_adds(
    extra: str,
) -> None:
    raw = (FIXTURES / "forwarded-bounce.eml").read_bytes()
    anchor = b"> Message-Id: <bounce.0001@mx1.chu-exemple.fr>\n"
    assert anchor in raw
    raw = raw.replace(anchor, anchor + extra.encode())
    result = classify(raw)
    assert [(r.address, r.kind) for r in result.recipients] == [(P1, K.RECIPIENT_NOT_FOUND)]
    assert result.trusted is False


@pytest.mark.parametrize(
    ("text", "failures_only", "expected"),
    [
        ("550 5.1.1 <a@b.example>... User unknown", False, "550"),
        ("host mx.example.org said: 550-5.7.1 blocked", False, "550"),
        ("ERROR_CODE :552, ERROR_CODE :5.2.2 Mailbox Full", False, "552"),
        ("250 2.0.0 ok", False, "250"),
        ("host said: 250 2.1.5 ok; then 550 User unknown", True, "550"),
        # numbers that are no reply code
        ("patient non trouvé pour l'INS 1 84 05 75 456 123 89", False, ""),
        ("connected to mx.example.org:587, user unknown", False, ""),
        ("message of 512 KB refused", False, ""),
        ("adresse inconnue, 500 rue de Paris", False, ""),
        ("x550 user unknown", False, ""),
    ],
)
def test_reply_code_in(text: str, failures_only: bool, expected: str) -> None:
    assert reply_code_in(text, failures_only=failures_only) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # one qualifier before "message size"; never a box's size (a full box)
        ("this message has exceeded the maximum incoming message size", K.MESSAGE_TOO_LARGE),
        ("552 message exceeds the permitted inbound message size", K.MESSAGE_TOO_LARGE),
        ("maximum outgoing mail size reached", K.MESSAGE_TOO_LARGE),
        ("552-5.2.3 Your message exceeded Google's message size limits", K.MESSAGE_TOO_LARGE),
        ("552 the attachments are too large", K.MESSAGE_TOO_LARGE),
        ("552 user has exceeded the maximum mailbox size", K.DELIVERY_FAILED),
        # up to two qualifiers before the recipient's identifier; never the sender's
        ("Invalid final delivery userid", K.RECIPIENT_NOT_FOUND),
        ("invalid local recipient", K.RECIPIENT_NOT_FOUND),
        ("invalid mailbox name", K.RECIPIENT_NOT_FOUND),
        ("550 invalid sender address", K.DELIVERY_FAILED),
        # the unknown one may be the user, the recipient, the addressee, the mailbox
        ("550 Recipient unknown", K.RECIPIENT_NOT_FOUND),
        ("553 5.3.0 <x>... Addressee unknown, relay=mx", K.RECIPIENT_NOT_FOUND),
        ("550 Mailbox unknown", K.RECIPIENT_NOT_FOUND),
        ("550 5.1.1 unknown or illegal alias", K.RECIPIENT_NOT_FOUND),
        ("550 no mailbox by that name is currently available", K.RECIPIENT_NOT_FOUND),
    ],
)
def test_qualified_wordings(line: str, expected: ReplyKind) -> None:
    (outcome,) = classify(_text_bounce(f"<{P1}>: {line} (in reply to RCPT TO command)")).recipients
    assert outcome.kind is expected


def _returned(subject: str, text: str) -> bytes:
    return (
        "From: Mail Server <server@mx.example.org>\nTo: s@chu-exemple.mssante.fr\n"
        f"Subject: {subject}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\n{text}\n\n--b\nContent-Type: message/rfc822\n\n"
        f"From: s@chu-exemple.mssante.fr\nTo: {P1}\nSubject: Compte rendu\n"
        "Message-ID: <o@chu-exemple.mssante.fr>\n\nBonjour\n\n--b--\n"
    ).encode()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (f"Warning: {P1} - User unknown!", K.RECIPIENT_NOT_FOUND),
        (f"{P1} : messagerie fermée", K.MAILBOX_CLOSED),
        (f"Message too large for {P1}", K.MESSAGE_TOO_LARGE),
        # no address in the subject: a person forwarding a message, not a notice
        ("Fwd: adresse inconnue ?", K.OTHER),
        # an address but no cause
        (f"Fwd: message for {P1}", K.OTHER),
    ],
)
def test_a_returned_original_with_a_cause_in_its_subject(subject: str, expected: ReplyKind) -> None:
    result = classify(_returned(subject, "See the attached message."))
    assert result.kind is expected
    if expected is not K.OTHER:
        assert result.original_message_id == "<o@chu-exemple.mssante.fr>"
        assert not result.trusted


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("(mailbox disabled, not accepting messages)", K.MAILBOX_CLOSED),
        ("(messagerie fermée)", K.MAILBOX_CLOSED),
        ("(permanent failure)", K.RECIPIENT_NOT_FOUND),
        ("", K.RECIPIENT_NOT_FOUND),
    ],
)
def test_the_status_comment_is_the_reporting_systems_words(
    comment: str, expected: ReplyKind
) -> None:
    """A closed state in the ``Status`` comment outranks an "unknown user" reply."""
    raw = _dsn("550 5.1.1 <x>... User Unknown", f"5.1.1 {comment}".strip())
    assert classify(raw).recipients[0].kind is expected


@pytest.mark.parametrize(
    ("diagnostic", "status", "expected"),
    [
        ("550 <x>: User unknown", "5.0.0", K.RECIPIENT_NOT_FOUND),
        ("550 <x>... User not exist", "", K.RECIPIENT_NOT_FOUND),
        # another kind of status: the mailbox, the system
        ("550 5.2.1 <x>... User Unknown", "5.2.1", K.DELIVERY_FAILED),
        ("5.3.0 - Other mail system problem 550-'Unknown user x'", "5.0.0", K.DELIVERY_FAILED),
        # words of a policy block, even without a x.7.x status
        ("550 User unknown (blocked by policy)", "5.0.0", K.DELIVERY_FAILED),
        # a stage after DATA
        ("550 User unknown (in reply to end of DATA command)", "5.0.0", K.DELIVERY_FAILED),
    ],
)
def test_an_action_failed_record_is_evidence_of_not_found(
    diagnostic: str, status: str, expected: ReplyKind
) -> None:
    """Issue 10: an RFC 3464 ``Action: failed`` record whose diagnostic says "unknown user" is
    evidence of not found, unless something says otherwise (stage, policy, status kind)."""
    raw = _dsn(diagnostic, status) if status else _dsn(diagnostic, "").replace(b"Status: \n", b"")
    assert classify(raw).recipients[0].kind is expected


_ADDR_CHARS = st.text("abcXYZ019.-_+'=!#", min_size=0, max_size=8)
_NAME_CHARS = st.text('ab <>@,;:.()"\\\t-éZ', max_size=12)


@given(_NAME_CHARS, _ADDR_CHARS, _ADDR_CHARS, st.sampled_from(["quoted", "comment"]))
def test_sender_address_fast_path_agrees_with_parseaddr(
    name: str, local: str, domain: str, shape: str
) -> None:
    """The sender's address is what email.utils.parseaddr reads, with or without the fast
    path for ``"Name" <addr>`` and ``addr (Name)``."""
    from email.utils import parseaddr

    from mssc.replies.classifier import _address_of

    address = f"{local}@{domain}"
    value = f'"{name}" <{address}>' if shape == "quoted" else f"{address} ({name})"
    expected = parseaddr(value)[1]
    assert _address_of(value) == (expected.lower() if expected else _address_of_slow(value))


def _address_of_slow(value: str) -> str:
    """What _address_of gives when parseaddr finds no address (its fallback)."""
    from mssc.mime import bare_address

    return bare_address(value).lower()


@given(st.text("0123456789245.. x\n", max_size=40))
def test_status_code_pattern_is_the_plain_lookbehind_form(text: str) -> None:
    """STATUS_CODE (guard after the first digit, for speed) finds exactly what the plain form
    with the lookbehind first finds: same spans, same groups."""
    from mssc.replies.dsn import STATUS_CODE

    plain = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
    fast = [(m.span(), m.groups()) for m in STATUS_CODE.finditer(text)]
    assert fast == [(m.span(), m.groups()) for m in plain.finditer(text)]
    assert [m.span() for m in STATUS_CODE.finditer(text, 1)] == [
        m.span() for m in plain.finditer(text, 1)
    ]


@given(st.text("0124559 ;:(#'x\n-kmo.", max_size=40), st.sampled_from(["245", "45"]))
def test_reply_code_pattern_is_the_plain_lookbehind_form(text: str, classes: str) -> None:
    """The reply-code pattern (its guards written after the digits, for speed) finds exactly
    what the form that tests the characters before the code first finds."""
    from mssc.replies.dsn import _reply_code_pattern

    tail = _reply_code_pattern(classes).split(r"(?=[ ,-]|:\s|$)", 1)[1]
    plain = re.compile(
        rf"(?:^|(?<=[\s;:(\[\"'#]))(?<!\d\s)([{classes}][0-5]\d)(?=[ ,-]|:\s|$)" + tail,
        re.I | re.M,
    )
    fast = re.compile(_reply_code_pattern(classes), re.I | re.M)
    for pos in (0, 1, 3):
        assert [(m.span(), m.groups()) for m in fast.finditer(text, pos)] == [
            (m.span(), m.groups()) for m in plain.finditer(text, pos)
        ]


_NOTICE_PIECES = st.sampled_from(
    [
        "\n",
        " ",
        "\t",
        "-- ",
        "==",
        "the ",
        "here is ",
        "(",
        "original message",
        "Original Message",
        "copy of your message",
        "message headers follow",
        "Received: x",
        "received :",
        "MIME-Version:",
        "message-id",
        "x",
        "é",
        "unknown user",
        # characters that lower-casing and the engine's case folding treat otherwise
        "\u0131",  # dotless ı: the engine takes it for "i"
        "\u017f",  # long ſ: the engine takes it for "s"
        "\u0130",  # İ: lowers to two characters
        "\u212a",  # Kelvin sign: lowers to "k"
        "\u03a3",  # Σ: lowers to σ or ς by context
        "EN-TÊTES DU MESSAGE",
        "orıgınal meſſage",
        "RECEİVED:",
    ]
)


@given(st.lists(_NOTICE_PIECES, max_size=30))
def test_split_notice_is_the_plain_search(pieces: list[str]) -> None:
    """split_notice cuts where searching its two patterns with the regular-expression engine
    cuts (it only tries the lines that hold one of their words)."""
    from mssc.replies.dsn import _HEADER_LINE, _ORIGINAL_START, split_notice

    text = "".join(pieces)
    first_eol = text.find("\n")
    cut = len(text)
    if first_eol >= 0:
        for pattern in (_ORIGINAL_START, _HEADER_LINE):
            m = pattern.search(text, first_eol + 1, cut)
            if m:
                cut = m.start()
    assert split_notice(text) == (text[:cut], text[cut:])


@given(st.text("ab.@ <>\n-x1", max_size=200), st.integers(0, 80))
def test_loose_address_search_is_finditer(text: str, pad: int) -> None:
    """The addresses found around each "@" are _LOOSE.finditer's, match for match (long local
    parts and domains included)."""
    from mssc.replies.dsn import _LOOSE, _loose_matches

    text = text.replace("x", "x" * pad)
    assert [m.span() for m in _loose_matches(text)] == [m.span() for m in _LOOSE.finditer(text)]


@given(
    st.lists(
        st.sampled_from(
            ["\n", "To:", "cc: a", "Message-ID: <x@y>", "MESSAGE-ID:", " ", "\n\t", "x", "é", "İ"]
        ),
        max_size=20,
    )
)
def test_line_search_is_the_plain_search(pieces: list[str]) -> None:
    """The classifier's line-start search gives the regular-expression engine's match."""
    from mssc.replies.classifier import _MSGID_AFTER_EOL, _MSGID_LINE, _TO_AFTER_EOL, _TO_LINE
    from mssc.replies.dsn import _line_search

    text = "".join(pieces)
    for regex, after_eol in ((_TO_LINE, _TO_AFTER_EOL), (_MSGID_LINE, _MSGID_AFTER_EOL)):
        fast, plain = _line_search(regex, after_eol, text), regex.search(text)
        assert (fast and (fast.span(), fast.groups())) == (plain and (plain.span(), plain.groups()))


@pytest.mark.parametrize(
    ("source", "flags", "usable"),
    [
        (r"^(?:to|cc):[ \t]*(.*)", re.M, True),
        (r"(?im)^message-id:", 0, True),
        (r"^a", 0, False),  # not re.M: "^" is the text's start only
        (r"a^b", re.M, False),  # does not open with "^"
        (r"^a$", re.M, False),  # another anchor
        (r"^a\bb", re.M, False),
        (r"^(?<=x)a", re.M, False),  # a lookbehind would see the line end
        (r"^[^a]b", re.M, True),  # a negated class is no anchor
    ],
)
def test_the_line_end_form_is_made_only_for_line_start_patterns(
    source: str, flags: int, usable: bool
) -> None:
    from mssc.replies.dsn import _after_line_end

    assert (_after_line_end(re.compile(source, flags)) is not None) is usable


_LINE_PIECES = st.sampled_from(
    [
        "a@b.fr",
        "<",
        ">",
        "...",
        ":",
        " ",
        " on Mon, ",
        "to",
        "TO",
        "RCPT TO",
        "recipient",
        "Destinataire",
        "550 ",
        "5.1.1 ",
        "mailto:",
        "x",
        "\t",
        "é",
        "\u0131",
        "\u017f",
        "\u0130",
        "RCPT TO:",
        "Destınataıre",
        "reſipient",
    ]
)


@given(st.lists(_LINE_PIECES, max_size=12))
def test_text_bounce_marker_gates_are_necessary(pieces: list[str]) -> None:
    """A recipient-line marker matches a line that lowers in place (ASCII lines, and most
    others) only if its lower-cased form holds one of the marker's gate strings: skipping the
    marker otherwise changes nothing."""
    from mssc.replies.dsn import _GATED_MARKERS, _lowers_in_place

    line = "".join(pieces)
    low = line.lower()
    if not _lowers_in_place(line, low):
        return
    for gates, pattern in _GATED_MARKERS:
        if gates and pattern.match(line):
            assert any(g in low for g in gates)


@settings(max_examples=400, deadline=None)
@given(
    st.text("0123456789aAbB2@.x", max_size=22).map(lambda local: local + "@" + "patient.mssante.fr")
    | st.text("0123456789ab@.patientmsfr", max_size=40)
)
def test_is_patient_is_the_split_at_the_last_at(address: str) -> None:
    from mssc.ins import PATIENT_DOMAIN
    from mssc.replies.classifier import _PATIENT_LOCAL, _is_patient

    local, _, domain = address.rpartition("@")
    expected = domain == PATIENT_DOMAIN and _PATIENT_LOCAL.fullmatch(local) is not None
    assert _is_patient(address) is expected


@pytest.mark.parametrize(
    "payload", [None, "text", "caf\udcc3\udca9", [], [Message()], [Message(), "odd"]]
)
def test_parts_of_is_get_payload_for_a_list(payload: object) -> None:
    """mime.parts_of gives get_payload()'s list exactly when the message holds parts, and
    mime.payload_of gives what get_payload() gives, for a plain Message (read directly) and a
    subclass (asked) alike."""
    from mssc.mime import parts_of, payload_of

    class Other(Message):
        pass

    for cls in (Message, Other):
        msg = cls()
        msg["Content-Type"] = "message/rfc822"
        msg.__dict__["_payload"] = payload
        parts = parts_of(msg)
        if parts is not None:
            assert parts is msg.get_payload()
        assert (parts is not None) == (msg.is_multipart() and isinstance(payload, list))
        assert payload_of(msg) == msg.get_payload()


_TEXTS = st.text(max_size=12)


@given(
    st.tuples(
        _TEXTS,
        st.none() | st.just(parse_patient_address("279035121518989@patient.mssante.fr")),
        st.sampled_from(ReplyKind),
        _TEXTS,
        _TEXTS,
        _TEXTS,
        _TEXTS,
        _TEXTS,
    ),
    st.tuples(_TEXTS, _TEXTS, _TEXTS, _TEXTS, _TEXTS, _TEXTS, _TEXTS, _TEXTS),
    st.sampled_from(ReplyKind),
    st.none() | _TEXTS,
    st.floats(0, 1),
    st.booleans(),
    st.lists(_TEXTS, max_size=3).map(tuple),
)
def test_result_builders_are_the_constructors(
    outcome_fields: tuple[Any, ...],
    record_fields: tuple[str, ...],
    kind: ReplyKind,
    original: str | None,
    confidence: float,
    trusted: bool,
    defects: tuple[str, ...],
) -> None:
    """The classifier's fast builders give the objects (equal, same hash, same repr) that the
    dataclass constructors give for the same fields."""
    from mssc.replies.dsn import DsnRecord, _dsn_record
    from mssc.replies.model import (
        Classification,
        Evidence,
        RecipientOutcome,
        _classification,
        _outcome,
    )

    pairs: list[tuple[object, object]] = [
        (_outcome(*outcome_fields), RecipientOutcome(*outcome_fields)),
        (_dsn_record(*record_fields), DsnRecord(*record_fields)),
        (_dsn_record(*record_fields[:5]), DsnRecord(*record_fields[:5])),
    ]
    outcome = RecipientOutcome(*outcome_fields)
    fields = (
        kind,
        (outcome,),
        original,
        None,
        (Evidence("r", "s", "e"),),
        confidence,
        trusted,
        defects,
        outcome.ins,
    )
    pairs.append((_classification(*fields), Classification(*fields)))
    for built, constructed in pairs:
        assert type(built) is type(constructed)
        assert built == constructed
        assert hash(built) == hash(constructed)
        assert repr(built) == repr(constructed)


def _outcome_of(function: Any, *args: Any) -> tuple[str, object]:
    """What ``function(*args)`` gives, or the type of what it raises."""
    try:
        return "value", function(*args)
    except Exception as e:
        return "raises", type(e)


_FIELD_VALUE_PIECES = st.sampled_from(
    [
        "a",
        " ",
        "rfc822;",
        "x@y.org",
        "=?utf-8?q?caf=C3=A9?=",
        "=?",
        "\n ",
        "\r\n\t",
        "\r",
        "é",
        "\udce9",
    ]
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Final-Recipient", "Status", "Diagnostic-Code", "X-Other"]),
            st.lists(_FIELD_VALUE_PIECES, max_size=8).map("".join),
        ),
        max_size=6,
    ),
    st.lists(_FIELD_VALUE_PIECES, max_size=8).map("".join),
    st.sampled_from(["", "base64", "quoted-printable"]),
)
@example([("Status", "5.1.1\r(x)")], "", "")  # a lone carriage return is a fold too
@settings(max_examples=300)
def test_delivery_status_block_reading_is_the_plain_reading(
    fields: list[tuple[str, str]], body: str, cte: str
) -> None:
    """A delivery-status block's fields are what header_text gives for each value as the
    message's policy fetches it (the ASCII values with no line break and no encoded word are
    only stripped; raw 8-bit ones are read as text, not as replacement characters), and its
    body is get_payload()'s."""
    from mssc.mime import header_text, payload_of
    from mssc.replies.dsn import _RECIPIENT_FIELDS, _RECORD_FIELDS, _fields_from_message

    block = Message()
    for name, value in fields:
        block[name] = value
    if cte:
        block["Content-Transfer-Encoding"] = cte
    block.set_payload(body)

    def plain_fields(block: Message) -> list[dict[str, str]]:
        out: list[dict[str, str]] = [{}]
        for k, v in block.items():
            key = k.lower()
            if key in _RECIPIENT_FIELDS and key in out[-1]:
                out.append({})
            if key not in out[-1]:
                out[-1][key] = header_text(v)
        return out

    assert _outcome_of(_fields_from_message, block) == _outcome_of(plain_fields, block)
    assert _outcome_of(payload_of, block) == _outcome_of(Message.get_payload, block)
    found = {name.lower(): value for name, value in fields}
    wanted = (*_RECIPIENT_FIELDS, "action", "status")
    assert _RECORD_FIELDS.isdisjoint(found) == (not any(k in found for k in wanted))


def _professional_reply(text: str) -> bytes:
    return (
        "From: Dr Jane Smith <jane.smith@clinic.example.org>\n"
        "To: secretariat@chu-exemple.mssante.fr\nSubject: Re: Compte rendu\n"
        "Date: Tue, 17 Mar 2026 10:00:00 +0100\nMessage-ID: <r1@clinic.example.org>\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{text}\n"
    ).encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm on vacation until the 15th. Your mail will be read when I return.", K.AUTO_REPLY),
        ("I am currently out of the office with limited access to email.", K.AUTO_REPLY),
        ("I am away from my desk until Monday 9 March.", K.AUTO_REPLY),
        ("I'm on annual leave. I will respond to your message when I get back.", K.AUTO_REPLY),
        ("Your message will be dealt with when I am back on 9 March.", K.AUTO_REPLY),
        # a professional who writes about someone else's leave, or who is simply answering
        ("The patient is on sick leave until Monday; see the attached report.", K.OTHER),
        ("I am on call this weekend: send the results to the ward.", K.OTHER),
    ],
)
def test_an_english_out_of_office_text_alone_is_an_auto_reply(
    text: str, expected: ReplyKind
) -> None:
    """No RFC 3834 header, no auto-reply subject: the English text says it is an absence."""
    assert classify(_professional_reply(text)).kind is expected
