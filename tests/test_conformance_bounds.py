"""check() on hostile messages: bounded work, and never an exception.

One case per attack family of issue 11, each at a size that took check() over 5 s (or crashed)
before the bounded reader. Each asserts the finding that names what stopped the reading, never a
time: speed lives in ``benchmarks/``.
"""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.conformance import RULES, Direction, check, defect_rule
from mssc.conformance._facts import split_address_list
from mssc.conformance._registry import checks, registered_codes, table
from mssc.mime import DEFAULT_LIMITS, LIMIT_CODES, MimeLimits

ROOT = Path(__file__).resolve().parent.parent

HEAD = (
    b"Message-ID: <4f1c2a9e.attaque@chu-exemple.mssante.fr>\r\n"
    b"Date: Mon, 30 Nov 2026 14:00:00 +0100\r\n"
    b"From: Dr_Marie_MARTIN_Cardiologie <marie.martin@chu-exemple.mssante.fr>\r\n"
    b"To: 297022A02077878@patient.mssante.fr\r\n"
    b"X-MSS-NIL: DEV935997\r\n"
    b"MIME-Version: 1.0\r\n"
)
TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"


def many_parts(n: int) -> bytes:
    """A multipart/mixed of ``n`` tiny parts (20,000 parts: 0.72 MB)."""
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return (
        HEAD
        + b'Subject: parts\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + part * n
        + b"--b--\r\n"
    )


def many_header_lines(n: int) -> bytes:
    """``n`` short header fields (200,000 lines: 2.7 MB)."""
    return HEAD + b"Subject: lines\r\n" + b"X-Note: abcd\r\n" * n + TEXT


def long_plain_subject(octets: int) -> bytes:
    """One unfolded Subject of ``"a "`` repeated (0.8 MB)."""
    return HEAD + b"Subject: " + b"a " * (octets // 2) + b"\r\n" + TEXT


def single_header(octets: int) -> bytes:
    """One header field of ``octets`` octets of short words on one line (20 MB)."""
    return HEAD + b"Subject: x\r\nX-Long: " + b"ab " * (octets // 3) + b"\r\n" + TEXT


def folded_header(octets: int) -> bytes:
    """One header field of ``octets`` octets of words folded into 78-octet lines (12 MB)."""
    line = b"\r\n " + b"ab " * 25
    return HEAD + b"Subject: x\r\nX-Folded: a" + line * (octets // len(line)) + b"\r\n" + TEXT


def rfc2231_sections(n: int) -> bytes:
    """An attachment whose name is split into ``n`` ``filename*N*`` sections."""
    params = b"".join(b";\r\n filename*%d*=%%41" % i for i in range(n))
    return (
        HEAD
        + b'Subject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        + TEXT
        + b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment"
        + params
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )


def encoded_word_subject(n: int) -> bytes:
    """A Subject of ``n`` RFC 2047 encoded words (224 KB at n = 16,000)."""
    return HEAD + b"Subject: " + b"=?utf-8?q?a?= " * n + b"\r\n" + TEXT


def nested_parentheses(n: int) -> bytes:
    """A Content-Type parameter with ``n`` nested comments (RecursionError at ~300)."""
    return (
        HEAD
        + b"Subject: x\r\nContent-Type: text/plain; charset=utf-8; x="
        + b"(" * n
        + b"\r\n\r\nBonjour.\r\n"
    )


def nested_lines(depth: int, lines: int) -> bytes:
    """Text ``depth`` multiparts deep followed by ``lines`` short body lines."""
    out = [HEAD + b"Subject: x\r\n"]
    for i in range(depth):
        out.append(b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i))
    out.append(TEXT + b"x\r\n" * lines)
    return b"".join(out)


def many_mailboxes(n: int) -> bytes:
    """A ``To`` of ``n`` mailboxes that each cost the stdlib's address parser dearly."""
    hostile = ", ".join(['"a" ' * 60 + "<x@chu.mssante.fr>"] * n)
    return HEAD.replace(b"To: ", b"To: " + hostile.encode() + b", ") + b"Subject: x\r\n" + TEXT


#: Each attack family of issue 11 at a size that took the old check() over 5 s (or crashed it),
#: with the reader defect that now stops it first.
ATTACKS: dict[str, tuple[Callable[[], bytes], str]] = {
    "parts": (lambda: many_parts(20_000), "limit-parts"),
    "header lines": (lambda: many_header_lines(200_000), "limit-header-count"),
    "plain subject": (lambda: long_plain_subject(800_000), "limit-header-length"),
    "single header": (lambda: single_header(20_000_000), "limit-header-length"),
    "folded header": (lambda: folded_header(12_000_000), "limit-header-length"),
    "rfc2231": (lambda: rfc2231_sections(200_000), "limit-header-length"),
    "encoded words": (lambda: encoded_word_subject(16_000), "limit-header-length"),
    "parentheses": (lambda: nested_parentheses(1_000), "limit-comment-depth"),
    "nesting x lines": (lambda: nested_lines(50, 1_000_000), "limit-depth"),
    "lines under nesting": (lambda: nested_lines(30, 1_000_000), "limit-work"),
}

#: Each reader limit, crossed at a small size (within every other limit).
JUST_OVER: dict[str, Callable[[], bytes]] = {
    "limit-depth": lambda: nested_lines(DEFAULT_LIMITS.max_depth + 1, 1),
    "limit-parts": lambda: many_parts(DEFAULT_LIMITS.max_parts + 1),
    "limit-header-count": lambda: many_header_lines(DEFAULT_LIMITS.max_headers + 1),
    "limit-header-length": lambda: single_header(DEFAULT_LIMITS.max_header_length + 3),
    "limit-encoded-words": lambda: encoded_word_subject(DEFAULT_LIMITS.max_encoded_words + 1),
    "limit-rfc2231": lambda: rfc2231_sections(DEFAULT_LIMITS.max_rfc2231_sections + 1),
    "limit-comment-depth": lambda: nested_parentheses(DEFAULT_LIMITS.max_comment_depth + 1),
    "limit-work": lambda: nested_lines(20, DEFAULT_LIMITS.max_work // 20 + 1),
}


def _limit_code(defect: str) -> str:
    found = defect_rule(defect, Direction.OUTGOING)
    assert found is not None, f"no rule reports {defect}"
    assert found is defect_rule(defect, Direction.INCOMING)
    return found.code


@pytest.mark.parametrize(("build", "defect"), ATTACKS.values(), ids=list(ATTACKS))
def test_each_attack_gets_the_finding_of_the_limit_that_stops_it(
    build: Callable[[], bytes], defect: str
) -> None:
    raw = build()
    for direction in ("outgoing", "incoming"):
        report = check(raw, direction=direction)
        assert report.codes == (_limit_code(defect),), [str(f) for f in report.findings]
        assert defect in report.findings[0].message
        assert report.size == len(raw)
        assert not report.ok


@pytest.mark.parametrize("defect", list(JUST_OVER))
def test_each_reader_limit_has_its_own_rule(defect: str) -> None:
    assert check(JUST_OVER[defect]()).codes == (_limit_code(defect),)


def test_every_limit_of_the_reader_has_a_rule_and_every_limit_rule_a_limit() -> None:
    assert set(JUST_OVER) == set(LIMIT_CODES.values())
    limit_rules = {r.defect for r in RULES.values() if r.direction is Direction.BOTH}
    assert limit_rules == set(LIMIT_CODES.values())
    assert {r.reference for r in RULES.values() if r.direction is Direction.BOTH} == {"MSSC-LIMITS"}


def test_limits_are_adjustable_per_call() -> None:
    raw = many_parts(DEFAULT_LIMITS.max_parts + 1)
    wider = MimeLimits(max_parts=DEFAULT_LIMITS.max_parts * 2)
    report = check(raw, limits=wider)
    assert _limit_code("limit-parts") not in report.codes
    assert "MSSC006" in report.codes  # read, and the text parts have no charset


def test_hostile_address_headers_cost_a_bounded_budget() -> None:
    report = check(many_mailboxes(200))
    assert _limit_code("limit-work") in report.codes
    # the budget is per header: a hostile To does not hide the sender
    assert "MSSC012" not in report.codes
    assert "MSSC013" not in report.codes


def test_a_direction_both_is_refused() -> None:
    with pytest.raises(ValueError, match="outgoing"):
        check(many_parts(1), direction="both")


@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        ("a@x.fr", ["a@x.fr"]),
        ("a@x.fr, b@y.fr", ["a@x.fr", "b@y.fr"]),
        ('"Martin, Marie" <m@x.fr>', ['"Martin, Marie" <m@x.fr>']),
        ("undisclosed-recipients:;", []),
        ("patients: a@x.fr, b@x.fr;", ["a@x.fr", "b@x.fr"]),
        ("(a, b) c@x.fr, <d,e@x.fr>", ["(a, b) c@x.fr", "<d,e@x.fr>"]),
        ('"a\\" b" <c@x.fr>, d@[1,2]', ['"a\\" b" <c@x.fr>', "d@[1,2]"]),
        ("((a, b), c) d@x.fr", ["((a, b), c) d@x.fr"]),
    ],
)
def test_split_address_list(value: str, pieces: list[str]) -> None:
    assert split_address_list(value) == pieces


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list(' ab@.,;:<>()"\\[]')), max_size=80))
def test_split_address_list_keeps_every_mailbox_character(value: str) -> None:
    pieces = split_address_list(value)
    assert all(p and p == p.strip() for p in pieces)
    # nothing but separators, group names and white space is dropped
    assert sum(len(p) for p in pieces) <= len(value)


def test_mssc_check_prints_a_finding_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "parentheses.eml"
    path.write_bytes(nested_parentheses(1_000))
    result = subprocess.run(
        [sys.executable, "-m", "mssc", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert _limit_code("limit-comment-depth") in result.stdout


# -- the check table ---------------------------------------------------------------------------


def test_the_catalogue_and_the_check_table_cover_each_other() -> None:
    registered = registered_codes()
    emitted_by_the_checker = {r.code for r in RULES.values() if r.defect}
    assert registered | emitted_by_the_checker == set(RULES)
    assert not registered & emitted_by_the_checker
    for direction in (Direction.OUTGOING, Direction.INCOMING):
        checks = table(direction)
        assert [c.order for c in checks] == sorted(c.order for c in checks)
        assert all(r.direction is direction for c in checks for r in c.rules)
        assert defect_rule("unreadable", direction) is not None


def test_a_code_has_one_check() -> None:
    before = (registered_codes(), table("outgoing"), table("incoming"))
    with pytest.raises(ValueError, match="already have a check"):
        checks("MSSC001")(lambda facts, rule: ())
    with pytest.raises(ValueError, match="unknown"):
        checks("MSSC999")(lambda facts, rule: ())
    with pytest.raises(ValueError, match="reader limit"):
        checks("MSSC050")(lambda facts, rule: ())
    assert (registered_codes(), table("outgoing"), table("incoming")) == before


def test_a_message_the_reader_repairs_is_reported_as_broken() -> None:
    # The declared boundary never occurs: the reader finds the one used, and says so.
    raw = (
        HEAD + b'Subject: x\r\nContent-Type: multipart/mixed; boundary="declared"\r\n\r\n'
        b"--used\r\n" + TEXT + b"--used\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=cr.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--used--\r\n"
    )
    report = check(raw)
    assert report.codes == ("MSSC034",)
    assert "boundary-repaired" in report.findings[0].message


def test_a_parsed_message_the_generator_cannot_write_is_still_checked() -> None:
    # policy.default re-parses the To header to write it, and recurses once per "(".
    raw = HEAD.replace(b"To: ", b"To: " + b"(" * 1_000) + b"Subject: x\r\n" + TEXT
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert check(parsed).codes == (_limit_code("limit-comment-depth"),)


def test_the_address_budget_fits_a_long_list_of_professionals() -> None:
    copied = ",\r\n ".join(
        f"Dr_Prenom{i}_NOM{i}_Service <prenom{i}.nom{i}@chu-exemple.mssante.fr>" for i in range(60)
    )
    raw = HEAD.replace(b"To: ", b"Cc: " + copied.encode() + b"\r\nTo: ") + b"Subject: x\r\n" + TEXT
    assert check(raw).codes == ()
