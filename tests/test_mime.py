"""The one bounded reader (mssc.mime): limits, pre-scan, linear helpers, and hostile input.

Each attack family of issue 11 is read at a size that took the readers over 5 seconds before
the reader was bounded; the tests assert the defect that names the limit, never a time (the
times are in benchmarks/bench_adversarial.py).
"""

from __future__ import annotations

import email
import email.feedparser
import email.header
import random
import re
import sys
from collections.abc import Callable
from email.message import Message
from email.policy import compat32
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc import mime
from mssc.conformance import check
from mssc.inbound import PatientMessage, parse_patient_message
from mssc.mime import DEFAULT_LIMITS, LIMIT_CODES, MimeLimits, prescan, read_message
from mssc.replies import Classification, Classifier, ReplyKind, classify

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench_adversarial as families

FIXTURES = Path(__file__).parent / "fixtures"
MB = 1_000_000


# -- one case per attack family, at a size that was slow before ----------------------------

FAMILY_CASES: list[tuple[str, Callable[[int], bytes], int, str | None]] = [
    # (family, builder, size, the defect code; None: read in full, no limit reached)
    ("html", families.html_tags, 300_000, None),  # 34.5 s at 262 KB before
    ("nesting", families.nesting_lines, 3 * MB, "limit-work"),  # 6.6 s before
    ("deep", families.deep_nesting, 3 * MB, "limit-depth"),  # 21.7 s before
    ("ew-subject", families.encoded_subject, 2 * MB, "limit-header-length"),  # 14.8 s
    ("ew-name", families.encoded_display_name, 2 * MB, "limit-header-length"),  # parse > 12 s
    ("ew-file", families.encoded_filename, 2 * MB, "limit-header-length"),  # parse > 12 s
    ("parts", families.many_parts, 1 * MB, "limit-parts"),  # check: 9.2 s at 0.72 MB
    ("headers", families.header_lines, 16 * MB, "limit-header-count"),  # 5.4 s before
    ("long-header", families.long_header, 1 * MB, "limit-header-length"),  # check: 38.6 s
    ("rfc2231", families.rfc2231, 4 * MB, "limit-header-length"),  # 19.5 s before
    ("parens", families.parentheses, 20_000, "limit-comment-depth"),  # check: RecursionError
]


@pytest.mark.parametrize(
    ("family", "build", "size", "code"), FAMILY_CASES, ids=[c[0] for c in FAMILY_CASES]
)
def test_attack_family_is_bounded_with_its_defect(
    family: str, build: Callable[[int], bytes], size: int, code: str | None
) -> None:
    raw = build(size)
    scan = prescan(raw)
    result = classify(raw)
    message = parse_patient_message(raw)
    if code is None:
        assert scan.exceeded is None
        assert not any(d.startswith("limit-") for d in result.defects)
        assert result.kind is not ReplyKind.OTHER
        return
    assert scan.exceeded is not None
    assert scan.exceeded.code == code
    assert code in result.defects
    assert result.kind is ReplyKind.OTHER  # past a limit the classifier does not guess
    assert result.evidence[0].rule == code
    assert code in message.defects
    assert message.attachments == ()


@pytest.mark.parametrize(
    ("field", "value", "raw", "code"),
    [
        ("max_depth", 2, families.nesting_lines(1000), "limit-depth"),
        ("max_parts", 3, families.many_parts(200), "limit-parts"),
        ("max_headers", 5, families.header_lines(200), "limit-header-count"),
        ("max_header_length", 100, families.long_header(300), "limit-header-length"),
        ("max_encoded_words", 4, families.encoded_subject(200), "limit-encoded-words"),
        ("max_rfc2231_sections", 4, families.rfc2231(400), "limit-rfc2231"),
        ("max_comment_depth", 3, families.parentheses(10), "limit-comment-depth"),
        ("max_work", 100, families.nesting_lines(300), "limit-work"),
    ],
)
def test_each_limit_is_adjustable_and_names_its_defect(
    field: str, value: int, raw: bytes, code: str
) -> None:
    assert LIMIT_CODES[field] == code
    limits = MimeLimits(**{field: value})
    assert prescan(raw).exceeded is None  # the default is far above
    read = read_message(raw, limits=limits)
    assert read.over_limit
    assert read.codes == (code,)
    assert read.defects[0].detail  # says what was found
    result = Classifier(limits=limits).classify(raw)
    assert result.kind is ReplyKind.OTHER
    assert code in result.defects
    assert code in parse_patient_message(raw, limits=limits).defects


def test_every_limit_has_a_code_and_a_positive_default() -> None:
    for field, code in LIMIT_CODES.items():
        assert getattr(DEFAULT_LIMITS, field) > 0
        assert re.fullmatch(r"limit-[a-z0-9-]+", code)
    assert DEFAULT_LIMITS.max_depth == 32


@pytest.mark.parametrize("value", [0, -1, True, 1.5])
def test_limits_must_be_positive_ints(value: object) -> None:
    with pytest.raises(ValueError, match="max_work"):
        MimeLimits(max_work=value)  # type: ignore[arg-type]


def test_a_header_past_a_limit_is_dropped_with_the_ones_after_it() -> None:
    raw = b"From: a@b.fr\nSubject: " + b"x" * 200 + b"\nTo: c@d.fr\n\nbody\n"
    read = read_message(raw, limits=MimeLimits(max_header_length=100))
    assert read.codes == ("limit-header-length",)
    assert read.message["From"] == "a@b.fr"
    assert read.message["Subject"] is None
    assert read.message["To"] is None
    assert read.prescan is not None
    assert read.prescan.cut == raw.index(b"Subject")


def test_a_limit_in_the_body_keeps_every_top_level_header() -> None:
    raw = families.many_parts(100_000)
    read = read_message(raw)
    assert read.codes == ("limit-parts",)
    assert read.message["Subject"] == "Undelivered Mail"
    assert not read.message.is_multipart()


def test_a_parsed_message_is_checked_too() -> None:
    deep = email.message_from_bytes(families.deep_nesting(2000))
    read = read_message(deep)
    assert read.message is deep
    assert "limit-depth" in read.codes
    assert classify(deep).kind is ReplyKind.OTHER


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_offsets_and_limits_do_not_depend_on_line_ends(eol: bytes) -> None:
    raw = families.many_parts(5000).replace(b"\n", eol)
    assert prescan(raw, MimeLimits(max_parts=10)).exceeded is not None
    assert prescan(raw).parts == prescan(raw.replace(eol, b"\n")).parts


def test_ordinary_mail_is_within_every_limit() -> None:
    for path in sorted(FIXTURES.rglob("*.eml")):
        if path.name.startswith("nested-"):
            continue
        scan = prescan(path.read_bytes())
        assert scan.exceeded is None, (path.name, scan.exceeded)


class _ExplodingParser:
    """A stdlib parser that fails as it does on some hostile input."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")


def test_a_parser_failure_becomes_a_defect(monkeypatch: pytest.MonkeyPatch) -> None:
    # a nameless field: the fast parse leaves the message to the stdlib's parser, which fails
    raw = b"Subject: x\n:bad\n\nbody\n"
    assert mime._fast_parse(raw) is None
    monkeypatch.setattr(email.feedparser, "BytesFeedParser", _ExplodingParser)
    read = read_message(raw)
    assert read.codes == ("parse-error",)
    assert read.message["Subject"] == "x"


def test_read_message_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        read_message(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        prescan("text")  # type: ignore[arg-type]


# -- the linear helpers give the stdlib's answers --------------------------------------------

_EW_TOKENS = [
    "=?utf-8?q?",
    "=?iso-8859-1?b?",
    "?=",
    "abc",
    " ",
    "\n",
    "\r",
    "=C3=A9",
    "YWJj",
    "=?",
    "?",
    "_",
    "\t",
    "=?utf-8?Q?x?=",
    "=?us-ascii?b?YQ==?=",
    "=?x?b?YW?=",
    "=?utf-8*fr?q?a?=",
]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_EW_TOKENS), max_size=14))
def test_decode_header_is_the_stdlibs(tokens: list[str]) -> None:
    value = "".join(tokens)
    try:
        expected: object = email.header.decode_header(value)
    except Exception as exc:
        expected = type(exc)
    try:
        got: object = mime.decode_header(value)
    except Exception as exc:
        got = type(exc)
    assert got == expected


_OLD_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,2000}>", re.S | re.I)
_HTML_TOKENS = [
    "<",
    ">",
    "script",
    "style",
    "</",
    "SCRIPT",
    " ",
    "x",
    "\n",
    "<script>",
    "</script >",
    "</style>",
    "<style a>",
    "scriptx",
    "</scri",
    "&amp;",
]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_HTML_TOKENS), max_size=30))
def test_html_to_text_is_the_old_pattern(tokens: list[str]) -> None:
    html = "".join(tokens)
    expected = unescape(_OLD_TAGS.sub(" ", html))
    assert mime.html_to_text(html) == expected


def test_html_to_text_is_linear_on_unclosed_elements() -> None:
    html = "<script>" * 100_000 + "</script" * 1000
    text = mime.html_to_text(html)
    assert text.count(" ") == 100_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("attachment; filename=a.pdf", {"filename": "a.pdf"}),
        ('attachment; filename="a; b.pdf"', {"filename": "a; b.pdf"}),
        ("attachment; filename*=utf-8''r%C3%A9.pdf", {"filename*": "ré.pdf"}),
        (
            "attachment; filename*1*=%C3%A9.pdf; filename*0*=utf-8''r",
            {"filename*": "ré.pdf"},
        ),
        ("attachment; filename*0=a; filename*1=.pdf", {"filename*": "a.pdf"}),
        ("attachment; FileName=a.pdf", {"filename": "a.pdf"}),
    ],
)
def test_rfc2231_params(value: str, expected: dict[str, str]) -> None:
    assert mime.rfc2231_params(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@x.fr", ["a@x.fr"]),
        ("A <a@x.fr>, B <b@y.fr>", ["a@x.fr", "b@y.fr"]),
        ("a@x.fr, b@y.fr", ["a@x.fr", "b@y.fr"]),
        ("g: a@x.fr, b@y.fr;", ["a@x.fr", "b@y.fr"]),
        ("a@x.fr (b@y.fr)", ["a@x.fr", "b@y.fr"]),
        ("=?utf-8?q?a=40x.fr?= <b@y.fr>", ["b@y.fr"]),
        ("a@x.fr (" + "(" * 2000, ["a@x.fr"]),
    ],
)
def test_mailboxes(value: str, expected: list[str]) -> None:
    assert mime.mailboxes(value) == expected


# -- a seeded mutation fuzz loop: 2,000 hostile inputs, no exception -----------------------

_SPLICES = [
    b"--b\n",
    b"--b--\n",
    b'Content-Type: multipart/mixed; boundary="b"\n\n',
    b"Content-Type: message/rfc822\n\n",
    b"Content-Type: message/delivery-status\n\n",
    b"=?utf-8?q?",
    b"=?utf-8?b?",
    b"?=",
    b"(" * 40,
    b"; filename*0*=utf-8''%41; filename*1*=%42",
    b"<script>",
    b"\n\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"From: 279035121518989@patient.mssante.fr, MAILER-DAEMON@x.fr\n",
    b"Content-Transfer-Encoding: base64\n",
]


def _seeds() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted(FIXTURES.rglob("*.eml"))][:60]
    seeds += [build(2000) for build in families.FAMILIES.values()]
    return seeds


def _mutate(rnd: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 6)):
        op = rnd.randrange(5)
        at = rnd.randint(0, len(buf))
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] = rnd.randrange(256)
        elif op == 1:
            buf[at:at] = rnd.choice(_SPLICES) * rnd.choice((1, 1, 3, 40))
        elif op == 2:
            del buf[at : at + rnd.randint(1, 200)]
        elif op == 3:
            end = min(len(buf), at + rnd.randint(1, 400))
            buf[at:at] = buf[at:end] * rnd.randint(2, 8)
        else:
            buf = buf.replace(b"\n", rnd.choice((b"\r\n", b"\r", b"\n\n")), rnd.randint(1, 5))
    return bytes(buf)


_FUZZ_ROUNDS = 2000


def test_mutated_messages_never_raise() -> None:
    """2,000 seeded mutations of fixtures and attack messages through the three readers."""
    rnd = random.Random(20261202)
    seeds = _seeds()
    for _ in range(_FUZZ_ROUNDS):
        raw = _mutate(rnd, rnd.choice(seeds))
        result = classify(raw)
        assert isinstance(result, Classification)
        result.to_dict()
        message = parse_patient_message(raw)
        assert isinstance(message, PatientMessage)
        message.to_dict()
        read = read_message(raw)
        assert read.message is not None


def test_mutated_messages_never_raise_in_check() -> None:
    rnd = random.Random(11)
    seeds = _seeds()
    for _ in range(_FUZZ_ROUNDS):
        raw = _mutate(rnd, rnd.choice(seeds))
        for direction in ("incoming", "outgoing"):
            check(raw, direction=direction)


# -- the fast parse builds the stdlib's tree --------------------------------------------------


def _tree(msg: email.message.Message) -> object:
    payload = msg.__dict__["_payload"]  # the stored payload, as the parser left it
    return (
        type(msg),
        msg.__dict__["_headers"],
        msg.preamble,
        msg.epilogue,
        msg.get_default_type(),
        msg.get_unixfrom(),
        [type(d) for d in msg.defects],
        [_tree(p) for p in payload] if isinstance(payload, list) else payload,
    )


def _same_as_stdlib(raw: bytes) -> bool:
    """Whether the fast parse gave up or built exactly the stdlib's tree (None: gave up)."""
    data = mime._normalised(raw)
    fast = mime._fast_parse(data)
    if fast is None:
        return True
    try:
        expected = email.message_from_bytes(data)
    except RecursionError:
        return True
    assert _tree(fast) == _tree(expected)
    return False


def _corpus_files() -> list[Path]:
    root = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
    found = sorted(FIXTURES.rglob("*.eml"))
    if root.is_dir():
        found += sorted(p for p in root.rglob("*") if p.is_file())
    return found


def test_fast_parse_builds_the_stdlib_tree_on_fixtures_and_corpora() -> None:
    files = _corpus_files()
    gave_up = sum(_same_as_stdlib(p.read_bytes()) for p in files)
    assert gave_up < len(files) // 2  # most mail takes the fast path


def test_fast_parse_builds_the_stdlib_tree_on_mutations() -> None:
    rnd = random.Random(7)
    seeds = _seeds()
    for _ in range(3000):
        _same_as_stdlib(_mutate(rnd, rnd.choice(seeds)))


_DSN_PART = b"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: x\n\n"
# A multipart without a boundary (a continuation line left unindented), and delivery-status
# blocks that a body line ends (the stdlib reads each one's body up to the blank line).
_NO_BOUNDARY_OR_DSN_BODY = [
    b"Content-Type: multipart/mixed;\nboundary=b\n\n--b\n\nx\n--b--\n",
    b"Content-Type: multipart/mixed\n\n--b\n\nx\n--b--\n",
    b"Content-Type: multipart/mixed; boundary=\n\n--\n\nx\n----\n",
    b"Content-Type: multipart/mixed; boundary*=''b\n\n--b\n\nx\n--b--\n",
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: multipart/alternative;'
    b'\nboundary="c"\n\n--c\nContent-Type: image/png\n\npng\n--c--\n\n--b\n'
    b"Content-Type: image/png\n\npng\n--b--\n",
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: multipart/alternative'
    b"\n\n--c\n\nx\n--b--\n",
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: multipart/alternative;'
    b" x=y\n\tboundary=c\n\n--c\n\nx\n--c--\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"--c\nContent-Type: "
    b"message/rfc822\n\nFrom: y\nContent-Type: text/html\n\nbody\n\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"no header\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"A: b\nbody\n\n\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"A: b\nbody\n\nC: d\n--b--",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"Content-Type: image/png"
    b"\nbody\n\nContent-Type: multipart/mixed\nbody\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"Content-Type: message/"
    b"rfc822\n\nA: b\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b"From x\n\n--b--\n",
    b"Content-Type: multipart/report; boundary=b\n\n" + _DSN_PART + b" folded\n\n--b--\n",
    b"Content-Type: message/delivery-status\n\nA: b\nno header\nmore\n\nC: d\n",
    b"Content-Type: message/delivery-status\n\nno header\n",
    b"Content-Type: message/delivery-status\n\nno header",
]


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a\n",
        b"From: a\n\n",
        b"From: a\nX:\n  folded\n\tmore\n\nbody\n\n",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--",
        b"Content-Type: multipart/mixed; boundary=b\n\npre\n\n--b\n\nx\n--b--\n\nepi\n",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b \n\nx\n--b\t\n\ny\n\n--b--  \n",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b--\n",
        b"Content-Type: multipart/digest; boundary=b\n\n--b\n\nFrom: x\n\nin\n--b--\n",
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: multipart/'
        b'alternative; boundary="c"\n\n--c\n\nx\n--c\n\ny\n--c--\n\n--b2\n--b--\nepi',
        b"Content-Type: message/rfc822\n\nSubject: in\n\nbody\n",
        b"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-"
        b"status\n\nReporting-MTA: x\n\nFinal-Recipient: a\nAction: failed\n\n\n--b--\n",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b--\n",  # no start boundary
        b"Content-Type: multipart/mixed; boundary=b\n\npre\n--b--\nepi\n",
        b"Content-Type: multipart/mixed; boundary=b\n\nno boundary at all\n",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n",  # no close boundary
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\n\ny",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\n",
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: multipart/'
        b'alternative; boundary="c"\n\n--c\n\nx\n--b\n\ny\n--b--\n',  # inner: no close
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: multipart/'
        b'alternative; boundary="c"\n\nx\n--c--\n--b\n\ny\n--b--\n',  # inner: no start
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: message/rfc822'
        b'\n\nContent-Type: multipart/alternative; boundary="c"\n\ncut\n',
        b"From x@y Sat\nFrom: a\n\nb\n",  # a From_ line
        b"From x@y Sat\n\nb\n",
        b"From x@y Sat",  # gives up
        b"From x@y Sat\n folded\nFrom: a\n\nb\n",  # gives up
        b"Content-Type: multipart/digest; boundary=b\n\n--b\nFrom x\nFrom: y\n\nin\n--b--\n",
        b"From: a\nno colon\n\nb\n",  # not a header: gives up
        # a returned original cut away after its part's blank line (a truncated bounce)
        b"Content-Type: multipart/report; boundary=b\n\n--b\n\nx\n--b\n"
        b"Content-Type: message/rfc822\n\n",
        b"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/rfc822\n",
        b"Content-Type: message/rfc822\n\n",
        b"Content-Type: message/rfc822\n",
        b"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/rfc822"
        b"\n\n--b--\n",
        *_NO_BOUNDARY_OR_DSN_BODY,
    ],
)
def test_fast_parse_corner_cases(raw: bytes) -> None:
    _same_as_stdlib(raw)


def test_the_quick_check_of_small_messages_never_hides_a_limit() -> None:
    """When a few global counts clear a small message, the full pre-scan finds no limit."""
    rnd = random.Random(3)
    seeds = _seeds()
    small = MimeLimits(
        max_depth=3, max_parts=6, max_headers=60, max_encoded_words=3, max_comment_depth=3
    )
    cleared = 0
    for i in range(3000):
        raw = mime._normalised(_mutate(rnd, rnd.choice(seeds)))
        limits = small if i % 2 else DEFAULT_LIMITS
        quick = mime._within_limits(raw, limits)
        if quick is not None:
            cleared += 1
            assert mime._scan(b"\n" + raw, limits).exceeded is None
    assert cleared > 100


@given(
    st.one_of(
        st.text(st.characters(min_codepoint=0, max_codepoint=0x10FF), max_size=200),
        st.text("=0A9fG \n\t\rxé", max_size=60),
    ),
    st.sampled_from(
        ["", "7bit", "8BIT", "binary", "quoted-printable", "Quoted-Printable", "base64"]
    ),
)
def test_payload_bytes_is_the_stdlib_decode(body: str, cte: str) -> None:
    """mime.payload_bytes gives get_payload(decode=True)'s bytes, whether or not its ASCII
    shortcut applies (quoted-printable soft breaks and escapes included)."""
    raw = (
        "Content-Type: text/plain; charset=utf-8\n"
        + (f"Content-Transfer-Encoding: {cte}\n" if cte else "")
        + "\n"
        + body
    ).encode("utf-8", "surrogateescape")
    part = email.message_from_bytes(raw)
    defects: list[str] = []
    expected = part.get_payload(decode=True)
    assert mime.payload_bytes(part, DEFAULT_LIMITS, defects) == expected
    assert defects == []


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a\n\nx\n",
        b"Content-Type: TEXT/HTML; charset=utf-8\n\nx\n",
        b"Content-type:  multipart/Mixed ;boundary=b\n\n--b\n\nx\n--b--\n",
        b"Content-Type: text\n\nx\n",
        b"Content-Type: a/b/c\n\nx\n",
        b"Content-Type: \n\nx\n",
        b"Content-Type: text/pl\xc3\xa9in\n\nx\n",
        b"CONTENT-TYPE: image/png\nContent-Type: text/html\n\nx\n",
        b"Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: x\n\ny\n--b--\n",
    ],
)
def test_content_type_is_get_content_type(raw: bytes) -> None:
    """mime.content_type reads the stored headers as Message.get_content_type does."""
    for part in email.message_from_bytes(raw).walk():
        assert mime.content_type(part) == part.get_content_type()


# -- text_only: the fast parse leaves out what the pre-scan's drops leave out -----------------


def _dropped_parse(raw: bytes) -> email.message.Message | None:
    """The scan path of ``read_message(raw, text_only=True)``: the pre-scan's drops cut out of
    the text, then the parse (None when a limit is passed, or the stdlib recurses too deep)."""
    data = mime._normalised(raw)
    drops: list[tuple[int, int]] = []
    if mime._scan(b"\n" + data, DEFAULT_LIMITS, drops=drops).exceeded is not None:
        return None
    source = mime._without(data, drops)
    parsed = mime._fast_parse(source)
    if parsed is None:
        try:
            parsed = email.message_from_bytes(source)
        except RecursionError:
            return None
    return parsed


def _text_only_is_the_drops(raw: bytes) -> bool:
    """Whether the text-only fast parse gave up; if not, it built the scan path's tree."""
    fast = mime._fast_parse(mime._normalised(raw), text_only=True)
    if fast is None:
        return True
    expected = _dropped_parse(raw)
    if expected is not None:
        assert _tree(fast) == _tree(expected)
    return False


def test_text_only_fast_parse_is_the_scan_paths_tree_on_fixtures_and_corpora() -> None:
    files = _corpus_files()
    gave_up = sum(_text_only_is_the_drops(p.read_bytes()) for p in files)
    assert gave_up < len(files) // 10
    # and through read_message: the quick path (small messages) and the scan path agree. The
    # quick path is only taken for a message no longer than max_header_length: one byte less
    # takes the scan path, and no header field of these files comes near that length
    quick_ones = 0
    for path in files:
        raw = path.read_bytes()
        normal = mime._normalised(raw)  # what the limits measure: line ends as "\n"
        quick = read_message(raw, text_only=True)
        quick_ones += mime._within_limits(normal, DEFAULT_LIMITS) is not None
        limits = MimeLimits(max_header_length=max(1, len(normal) - 1))
        assert mime._within_limits(normal, limits) is None
        scanned = read_message(raw, text_only=True, limits=limits)
        assert _tree(quick.message) == _tree(scanned.message), path
        assert quick.codes == scanned.codes
    assert quick_ones > len(files) * 9 // 10  # most files take the quick path by default


def test_text_only_fast_parse_is_the_scan_paths_tree_on_mutations() -> None:
    rnd = random.Random(17)
    seeds = _seeds()
    for _ in range(3000):
        _text_only_is_the_drops(_mutate(rnd, rnd.choice(seeds)))


_ATTACHED = (
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhi\n'
    b"--b\nContent-Type: message/rfc822\n\n"
)
_GLOBAL = (
    b'Content-Type: multipart/report; report-type=global-delivery-status; boundary="b"\n\n'
    b"--b\n\nUndelivered.\n--b\nContent-Type: message/global-delivery-status\n\n"
    b"Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: utf-8; a@example.org\n"
    b"Action: failed\nStatus: 5.1.1\n\n"
)
#: RFC 6533 reports: the stdlib reads their parts as attached messages; the text-only parse
#: keeps the bodies of the report parts (the per-recipient fields), not the original's
_GLOBAL_REPORTS = [
    _GLOBAL + b"--b--\n",
    _GLOBAL + b"--b\nContent-Type: message/global\n\nSubject: R\xc3\xa9sultats\n\nbody\n--b--\n",
    _GLOBAL
    + b"--b\nContent-Type: message/global-headers\n\nSubject: x\nTo: a@example.org\n--b--\n",
    _GLOBAL.replace(b"\n\nFinal", b"\nFinal") + b"--b--\n",  # no blank line after the first block
    b'Content-Type: multipart/report; report-type=global-disposition-notification; boundary="b"'
    b"\n\n--b\n\nRead.\n--b\nContent-Type: message/global-disposition-notification\n\n"
    b"Final-Recipient: utf-8; a@example.org\nDisposition: manual-action/MDN-sent-manually; "
    b"displayed\n\n--b--\n",
]


@pytest.mark.parametrize("raw", _GLOBAL_REPORTS[:4])
def test_text_only_keeps_the_fields_of_a_global_delivery_report(raw: bytes) -> None:
    read = read_message(raw, text_only=True).message
    report = [p for p in read.walk() if p.get_content_type() == "message/global-delivery-status"]
    payload = report[0].get_payload()
    assert isinstance(payload, list)
    inner = payload[0]
    assert isinstance(inner, email.message.Message)
    # the first block is the attached message's header block, the others its body
    body = inner.get_payload()
    assert inner.get("Action") == "failed" or "\nAction: failed\n" in str(body)


@pytest.mark.parametrize(
    "raw",
    [
        _ATTACHED + b"Subject: in\n\nbody\nmore\n--b--\n",
        _ATTACHED + b"Subject: in\n\n\n--b--\n",
        _ATTACHED + b"Subject: in\n\n--b--\n",
        _ATTACHED + b"Subject: in\n--b--\n",
        _ATTACHED + b"\nbody\n--b--\n",
        _ATTACHED + b"REDACTED\n\n--b--\n",  # no header block: the body goes all the same
        _ATTACHED + b"Subject: in\nnot a header\nmore\n--b--\n",
        _ATTACHED + b"From x@y Sat\nSubject: in\n\nbody\n--b--\n",  # kept: no plain header block
        _ATTACHED + b'Content-Type: multipart/mixed; boundary="c"\n\n--c\n\nt\n--c\n'
        b"Content-Type: image/png\n\npng\n--c--\n\n--b--\n",  # a drop within a drop
        _ATTACHED + b"Content-Type: message/rfc822\n\nSubject: deeper\n\nx\n--b--\n",
        _ATTACHED + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n\nx\n--b--\n'
        b"--b\nContent-Type: image/png\n\npng\n--b--\n",  # the same boundary inside
        _ATTACHED + b"Content-Type: message/delivery-status\n\nAction: failed\n--b--\n",
        b"Content-Type: message/rfc822\n\nSubject: in\n\nbody\n",
        b"Content-Type: message/rfc822\n\nSubject: in\n",
        b"Content-Type: image/png\n\npng\n",  # the top level is never dropped
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: image/png\n\npng\n'
        b"--b\nContent-Type: application/pdf\n\n\n--b\nContent-Type: image/gif\n\n--b\n"
        b"Content-Type: image/jpeg\nno separator\n--b\nContent-Type: image/x\n\nlast",
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: garbage\n'
        b"Content-Type: image/png\n\npng\n--b--\n",  # read as text by the parse
        b'Content-Type: multipart/mixed; boundary="a:b"\n\n--a:b\nContent-Type: image/png\n'
        b"\npng\n--a:b--\n",
        b'Content-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: multipart/mixed;'
        b' boundary="x--"\n\n--x--\n\n--x\nContent-Type: image/png\n\npng\n--x--\n',
        b"Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: x\n\ny\n--b--\n",
        b'Content-Type: multipart/report; boundary="b"; xboundary=c\n\n--b\n\nx\n--b--\n',
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/png\n\npng\n",
        b"Content-Type: multipart/report; boundary=b\n\n--b\n\nx\n--b\n"
        b"Content-Type: message/rfc822\n\n",
        b"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/rfc822"
        b"\n\n--b--\n",
        *_NO_BOUNDARY_OR_DSN_BODY,
        *_GLOBAL_REPORTS,
    ],
)
def test_text_only_corner_cases(raw: bytes) -> None:
    _text_only_is_the_drops(raw)
    dropped = _dropped_parse(raw)
    assert dropped is not None
    assert _tree(read_message(raw, text_only=True).message) == _tree(dropped)


def test_a_drop_within_a_drop_is_cut_once() -> None:
    data = bytes(range(48, 68))
    assert mime._without(data, [(2, 10), (4, 8), (12, 14)]) == data[:2] + data[10:12] + data[14:]


def test_the_fast_parses_messages_are_messages() -> None:
    """The fast parse's Message objects have exactly the attributes Message() sets."""
    made = mime._message([("A", "b")], "message/rfc822")
    plain = email.message.Message()
    plain.__dict__["_headers"] = [("A", "b")]
    plain.set_default_type("message/rfc822")
    assert vars(made) == vars(plain)
    assert list(vars(made)) == list(vars(plain))


class _OtherMessage(email.message.Message):
    """A Message subclass: mime.part_text reads it by its general path."""


@given(
    st.one_of(
        st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=120),
        st.text("ab \r\n\t=é", max_size=40),
    ),
    st.sampled_from(["", "7bit", "8bit ", "binary", "quoted-printable", "base64", "x-uue"]),
    st.sampled_from(
        [
            "",
            "utf-8",
            "US-ASCII",
            '"iso-8859-1"',
            "windows-1252",
            "utf-16",
            "utf-7",
            "x-unknown",
            "bogus-cs",
            "iso-2022-jp",
            "koi8-r",
        ]
    ),
)
def test_part_text_ascii_shortcut_is_the_general_path(body: str, cte: str, charset: str) -> None:
    """part_text's shortcut for ASCII bodies gives what decoding through bytes gives."""
    raw = (
        "Content-Type: text/plain"
        + (f"; charset={charset}" if charset else "")
        + "\n"
        + (f"Content-Transfer-Encoding: {cte}\n" if cte else "")
        + "\n"
        + body
    ).encode("utf-8", "surrogateescape")
    fast = email.message_from_bytes(raw)
    general = email.message_from_bytes(raw, _class=_OtherMessage)
    defects: list[str] = []
    assert mime.part_text(fast, DEFAULT_LIMITS, defects) == mime.part_text(
        general, DEFAULT_LIMITS, []
    )


# -- the readers' shortcuts for plain compat32 messages answer as the general paths ----------

_HEADER_NAMES = [
    "Content-Type",
    "content-type",
    "CONTENT-TYPE",
    "Content-Disposition",
    "Content-Transfer-Encoding",
    "content-transfer-encoding",
    "\u212aontent-Type",  # a Kelvin sign: lower-cases to "k", never to "c"
    "X-Other",
]
_HEADER_VALUES = [
    "text/plain",
    "text/plain; charset=utf-8",
    'text/html; charset="ISO-8859-1"; name=a.txt',
    "TEXT/Plain ;charset=us-ascii",
    "attachment; filename=a.pdf",
    "attachment; filename*=utf-8''r%C3%A9.pdf",
    'inline; filename="x;y.txt"',
    "multipart/report; report-type=delivery-status; boundary=b",
    "quoted-printable",
    "7bit",
    "base64",
    "text",
    "",
    "caf\udcc3\udca9/plain; charset=utf-8",  # raw 8-bit bytes, as the parser keeps them
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_HEADER_NAMES), st.sampled_from(_HEADER_VALUES)), max_size=5
    ),
    st.sampled_from(["charset", "filename", "report-type", "name", "Charset"]),
    st.sampled_from(["content-type", "Content-Disposition", "content-transfer-encoding"]),
    st.sampled_from(["", "body\n", "caf\udcc3\udca9\n", "=C3=A9\n"]),
)
def test_plain_message_shortcuts_are_the_general_paths(
    headers: list[tuple[str, str]], name: str, header: str, body: str
) -> None:
    """param, content_type and part_text read a plain compat32 Message's stored headers
    (and cache what they read of a value) as the general paths read a subclass's."""
    plain = email.message.Message()
    other = _OtherMessage()
    for msg in (plain, other):
        for key, value in headers:
            msg.__dict__["_headers"].append((key, value))  # as the parser stores them
        msg.set_payload(body)
    for _ in range(2):  # the second time from the caches
        assert mime.param(plain, name, header) == mime.param(other, name, header)
        assert mime.content_type(plain) == mime.content_type(other)
        assert mime.content_type(plain) == plain.get_content_type()
        assert mime.part_text(plain, DEFAULT_LIMITS, []) == mime.part_text(
            other, DEFAULT_LIMITS, []
        )
    assert mime._stored_header(plain, header.lower()) == plain.get(header)


def _tree_of(msg: email.message.Message, cls: type[email.message.Message]) -> email.message.Message:
    """The same tree with every part of class ``cls``."""
    copy = cls()
    state = msg.__dict__
    payload = state["_payload"]
    copy.__dict__["_headers"] = list(state["_headers"])
    copy.__dict__["_payload"] = (
        [_tree_of(p, cls) for p in payload] if isinstance(payload, list) else payload
    )
    return copy


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.sampled_from(["text/plain", "message/rfc822", "text/html"]),
        lambda inner: st.tuples(
            st.sampled_from(["multipart/mixed", "message/rfc822", "multipart/report"]),
            st.lists(inner, max_size=4),
        ),
        max_leaves=12,
    ),
    st.integers(1, 6),
    st.integers(1, 4),
)
def test_walk_of_plain_messages_is_the_general_walk(
    shape: object, max_parts: int, max_depth: int
) -> None:
    """walk reads a plain Message's stored payload as is_multipart() and get_payload() do."""

    def build(node: object) -> email.message.Message:
        msg = email.message.Message()
        if isinstance(node, str):
            msg["Content-Type"] = node
            msg.set_payload("x")
            return msg
        assert isinstance(node, tuple)
        msg["Content-Type"] = node[0]
        msg.__dict__["_payload"] = [build(child) for child in node[1]]
        return msg

    plain = build(shape)
    other = _tree_of(plain, _OtherMessage)
    limits = MimeLimits(max_parts=max_parts, max_depth=max_depth)
    plain_defects: list[str] = []
    other_defects: list[str] = []
    walked = [(ct, a) for _, ct, a in mime.walk(plain, limits, plain_defects)]
    general = [(ct, a) for _, ct, a in mime.walk(other, limits, other_defects)]
    assert walked == general
    assert plain_defects == other_defects


_OLD_SHORT_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,3}>", re.S | re.I)


@settings(max_examples=400)
@given(st.lists(st.sampled_from([*_HTML_TOKENS, "ab", "<b>", "<a", "é"]), max_size=30))
def test_html_to_text_is_the_old_pattern_with_a_short_reach(tokens: list[str]) -> None:
    """With tags of at most 3 characters, both the scan and its split by ">" (no element)
    give the pattern's result."""
    html = "".join(tokens)
    expected = unescape(_OLD_SHORT_TAGS.sub(" ", html))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mime, "_TAG_REACH", 3)
        assert mime.html_to_text(html) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"plain value",
                b"  spaced  ",
                b"=?utf-8?q?caf=C3=A9?= x",
                b"a =\n ?b",
                b"folded\n\tline",
                b"caf\xc3\xa9",
                b"\xe9t\xe9",
                b"<a@b.example>",
                b"",
            ]
        ),
        max_size=3,
    ),
    st.booleans(),
)
def test_header_readers_answer_as_their_plain_forms(values: list[bytes], indexed: bool) -> None:
    """header, raw_header and header_all give what decode_words, the unfolded text and str()
    give of what the message returns, shortcuts or not."""
    raw = b"".join(b"X-Test: " + v + b"\n" for v in values) + b"\nbody\n"
    msg = email.message_from_bytes(raw)
    source: email.message.Message | mime.Headers = mime.Headers(msg) if indexed else msg
    first = msg.get("X-Test")
    if first is None:
        assert mime.header(source, "x-test") == mime.raw_header(source, "x-test") == ""
    elif isinstance(first, str):
        assert mime.header(source, "x-test") == mime.decode_words(first)
        folded = re.sub(r"\r?\n[ \t]+|\r|\n", " ", first)
        assert mime.raw_header(source, "x-test") == mime._unescape(folded).strip()
    assert mime.header_all(source, "x-test") == [str(v) for v in msg.get_all("x-test", [])]


_UNUSED_BOUNDARY = [
    b'Content-Type: multipart/mixed; boundary="x"\n\n--b\n\none\n--b\nContent-Type: text/html'
    b"\n\n<p>two</p>\n--b--\n",
    b"Content-Type: multipart/report; boundary=x\n\npre\n--b\nContent-Type: message/delivery-"
    b"status\n\nAction: failed\n\n--b\nContent-Type: message/rfc822\n\nSubject: s\n\nbody\n--b--",
    b"Content-Type: multipart/mixed; boundary=x\n\n--b\n\none\n--b\n\ntwo\n",
    b"Content-Type: multipart/mixed; boundary=x\n\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n",
    b"Content-Type: multipart/mixed; boundary=x\n\n--b\nContent-Type: image/png\n\npng\n--b\n"
    b"From x\n\nin\n--b--\n",
]


def _repaired_cases() -> list[bytes]:
    cases = list(_UNUSED_BOUNDARY)
    cases += [p.read_bytes() for p in _corpus_files()]
    rnd = random.Random(29)
    seeds = [s for s in _seeds() if b"boundary=" in s]
    for _ in range(300):
        # a boundary parameter that names another boundary than the body's
        raw = _mutate(rnd, rnd.choice(seeds)).replace(b"boundary=", b"boundary=z", 1)
        cases.append(raw)
    return cases


def test_a_repaired_boundary_gives_the_stdlibs_tree() -> None:
    """The re-parse of a top-level multipart whose declared boundary is unused (its fast parse
    when it does not give up) builds the tree the stdlib's parse builds."""
    cases = _repaired_cases()
    reads = [(read_message(raw), read_message(raw, text_only=True)) for raw in cases]
    assert sum("boundary-repaired" in read.codes for read, _ in reads) > 50
    # a policy equal to compat32 but not compat32 itself: the stdlib parses (the fast parse is
    # only tried under compat32)
    stdlib_policy = compat32.clone()
    for raw, (read, text_read) in zip(cases, reads, strict=True):
        stdlib = read_message(raw, policy=stdlib_policy)
        stdlib_text = read_message(raw, text_only=True, policy=stdlib_policy)
        assert read.codes == stdlib.codes
        assert text_read.codes == stdlib_text.codes
        if "boundary-repaired" in read.codes:
            assert _tree(read.message) == _tree(stdlib.message)
        if "boundary-repaired" in text_read.codes:
            assert _tree(text_read.message) == _tree(stdlib_text.message)


_HEADER_LINES = ["A: v\n", "Content-Type: text/plain;\n", " folded\n", "\tb=c\n", "X:\n", "B:v\n"]
_HEADER_TOKENS = [
    "A",
    "Content-Type",
    "x-y",
    ":",
    ": ",
    " ",
    "\t",
    "\n",
    "\n ",
    "\n\t",
    "\n\n",
    "From ",
    "v=1; b",
    ";",
    "é",
    "\udcff",
    "--b",
    "\x7f",
    "\x00",
]


@settings(max_examples=2000)
@given(
    st.lists(
        st.one_of(st.sampled_from(_HEADER_LINES), st.sampled_from(_HEADER_TOKENS)), max_size=40
    ),
    st.one_of(st.just(0), st.integers(min_value=0, max_value=60)),
    st.one_of(st.just(400), st.integers(min_value=0, max_value=400)),
)
def test_header_block_is_the_plain_reading(tokens: list[str], pos: int, end: int) -> None:
    """The one-pass reading of a header block gives the plain reading's fields and stop, for
    any span of any text (blocks of whole fields and every kind of odd line)."""
    text = "".join(tokens)
    pos = min(pos, len(text))
    end = max(pos, min(end, len(text)))
    assert mime._header_block(text, pos, end) == mime._header_block_plain(text, pos, end)


def _plain_comment_depth(text: bytes) -> int:
    depth = deepest = 0
    for byte in text:
        if byte == 40:
            depth += 1
            deepest = max(deepest, depth)
        elif byte == 41:
            depth = max(depth - 1, 0)
    return deepest


@settings(max_examples=1000)
@given(st.lists(st.sampled_from([b"(", b")", b"((", b"))", b"x", b"\n", b"()"]), max_size=80))
def test_comment_depth_and_its_bound(pieces: list[bytes]) -> None:
    """_comment_depth is the plain count of nested comments (a ``)`` below zero ignored; at
    most 0 without any ``(``), and the bound from two counts of the parentheses is never below
    it."""
    text = b"".join(pieces)
    depth = mime._comment_depth(text)
    if b"(" in text:
        assert depth == _plain_comment_depth(text)
    else:
        assert depth <= 0
    parens = text.translate(None, mime._PARENS)
    assert mime._comment_depth(parens) == depth
    assert mime._comment_depth_bound(parens) >= depth


def _plain_simple_param(raw: str, name: str) -> str | None:
    """mime._simple_param read pair by pair, the plain way."""
    if not raw.isascii() or mime._SIMPLE_PARAMS.fullmatch(raw) is None:
        return None
    want = name.lower()
    if raw.split(";", 1)[0].strip().lower() == want:
        return None
    for m in mime._SIMPLE_PAIR.finditer(raw):
        if m.group(1).lower() == want:
            value = m.group(2)
            if len(value) > 1 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            return value
    return None


_PARAM_TOKENS = [
    "; boundary=b",
    '; Boundary="q r"',
    ";\n\tboundary = c",
    "; charset=utf-8",
    ";name=x",
    "; xboundary=d",
    "text/plain",
    "multipart/mixed",
    "boundary",
    "BOUNDARY",
    "charset",
    "xboundary",
    "boundary-x",
    "name",
    ";",
    "; ",
    "=",
    " = ",
    '"',
    '"a b"',
    "\n\t",
    "utf-8",
    "=_x",
    "*",
    "é",
    "\\",
]


@settings(max_examples=1500)
@given(
    st.lists(st.sampled_from(_PARAM_TOKENS), max_size=24),
    st.sampled_from(["boundary", "Boundary", "charset", "name", "x*y", "b\u212aa", "-"]),
)
def test_simple_param_is_the_pair_by_pair_reading(tokens: list[str], name: str) -> None:
    """The first pair of the asked name, found by one search, is the one the pair-by-pair
    reading finds; and what it reads is what the stdlib's get_param returns."""
    raw = "".join(tokens)
    found = mime._simple_param(raw, name)
    assert found == _plain_simple_param(raw, name)
    if found is not None:
        msg = email.message.Message()
        msg["Content-Type"] = raw
        assert msg.get_param(name) == found


def test_the_quick_constructors_build_the_dataclasses() -> None:
    """_quick_prescan and _read build what the dataclasses' own constructors build, and set
    every field (a field added to either class stops mssc.mime's import: its slots' setters
    are unpacked by count, in the fields' order)."""
    import dataclasses

    scan = mime._quick_prescan(10, 2, 3, 4, 5, 6)
    assert type(scan) is mime.Prescan
    assert dataclasses.astuple(scan) == dataclasses.astuple(
        mime.Prescan(10, 2, 3, 4, 5, None, 6, 6)
    )
    assert scan == mime.Prescan(10, 2, 3, 4, 5, None, 6, 6)
    msg = email.message.Message()
    defects = (mime.MimeDefect("x"),)
    read = mime._read(msg, defects, scan)
    assert type(read) is mime.ReadMessage
    assert read == mime.ReadMessage(msg, defects, scan)
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.prescan = None  # type: ignore[misc]


def test_header_memos_stay_bounded_and_keep_the_values_of_later_messages() -> None:
    """A long-running reader meets a new boundary in every multipart: the memo of Content-Type
    values never holds more than its bound, and a value met after it filled is still kept."""
    for i in range(3 * mime._MEMO_ENTRIES):
        part = Message()
        part["Content-Type"] = f'multipart/mixed; boundary="b{i}"'
        assert mime.content_type(part) == "multipart/mixed"
        assert len(mime._CTYPE_OF) <= mime._MEMO_ENTRIES
    late = 'text/plain; charset="x-late"'
    part = Message()
    part["Content-Type"] = late
    assert mime.content_type(part) == "text/plain"
    assert mime._CTYPE_OF.get(late) == "text/plain"


@settings(max_examples=600)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["text/plain", "Multipart/Mixed", "a/b/c", " x ", ";", "é", "TEXT/"]),
            max_size=5,
        ).map("".join),
        min_size=1,
        max_size=6,
    )
)
def test_fast_parse_content_type_memo_is_the_stdlibs_reading(values: list[str]) -> None:
    """_ctype_of answers as get_content_type() on a message of that value, read for the
    first time or again from its memo (each value is read twice, in turn with the others)."""
    for value in values + values:
        msg = Message()
        msg["Content-Type"] = value
        assert mime._ctype_of(msg, value) == msg.get_content_type()
        assert len(mime._CTYPE_OF) <= mime._MEMO_ENTRIES


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("cl&ocirc;tur&eacute;e", "clôturée"),
        ("cl&#244;tur&#233;e", "clôturée"),
        ("cl&#xF4;tur&#xE9;e", "clôturée"),
        ("n&rsquo;a pas", "n\u2019a pas"),
        ("a&nbsp;: b", "a\u00a0: b"),
        ("&amp;lt;", "&lt;"),  # one pass: what was escaped stays text
        ("R&D <b>x</b>", "R&D  x "),
    ],
)
def test_html_to_text_decodes_every_character_reference(html: str, text: str) -> None:
    assert mime.html_to_text(html) == text


# -- 8-bit text of no declared charset ---------------------------------------------------------


@given(st.text(max_size=80))
def test_undeclared_8bit_text_reads_as_utf8_first(text: str) -> None:
    """Bytes of no declared charset that are UTF-8 give back their text."""
    data = text.encode("utf-8")
    assert mime.bytes_to_str(data, None) == text
    assert mime.bytes_to_str(data, "unknown-8bit") == text


@given(st.text(alphabet="abcdeéèêàâçîôùûœ’ «»", min_size=1, max_size=60))
def test_undeclared_8bit_text_that_is_not_utf8_reads_as_windows_1252(text: str) -> None:
    """8-bit French text from an older server (Windows-1252) keeps its accents."""
    data = text.encode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert mime.bytes_to_str(data, None) == text
    else:  # ASCII only, or bytes that happen to be UTF-8: read as UTF-8
        assert mime.bytes_to_str(data, None) == data.decode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_a_raw_8bit_body_of_fields_is_read_with_its_accents(encoding: str) -> None:
    """The body of a parsed block (where a global report's recipient fields land) keeps raw
    8-bit text, where ``get_payload()`` gives replacement characters."""
    raw = "Reporting-MTA: dns; mx.example.net\n\nDiagnostic-Code: smtp; 550 boîte fermée\n"
    block = email.message_from_bytes(raw.encode(encoding))
    assert "\ufffd" in block.get_payload()
    assert mime.payload_text_of(block) == raw.split("\n\n", 1)[1]
