"""The conformance report: its value, JSON and schema, the HTML page, and ``mssc check --report``.

The ``browser`` tests open the page in headless Chromium (the Debian ``chromium`` package) and
read the DOM it built. They skip when Chromium is absent, and fail instead when
``MSSC_REQUIRE_SERVERS=1`` (CI).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mssc
from mssc.conformance import (
    CATALOGUE_VERSION,
    RULES,
    ConformanceReport,
    MessageEntry,
    Report,
    build_report,
    check,
    message_entry,
    message_subject,
    report_html,
    report_json_schema,
    unreadable_entry,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "conformance"
SCHEMA_FILE = ROOT / "docs" / "conformance-report.schema.json"
SCREENSHOT = ROOT / "docs" / "images" / "conformance-report.png"
MSSC = str(Path(sys.executable).with_name("mssc"))
WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)

#: Values a hostile sender controls: subjects, file names, Message-IDs, attachment names.
HOSTILE = (
    '<script>document.title="pwned"</script>',
    '"><img src=x onerror=alert(1)>',
    "</details></section><h1 id=owned>owned</h1>",
    "' onmouseover='alert(2)' x='",
    "&lt;already escaped&gt; &amp; <b>bold</b>",
    "<style>body{display:none}</style>",
)

#: The tags the report itself writes; anything else in the page came from a value.
REPORT_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "dl", "div", "dt", "dd",
    "main", "section", "h2", "h3", "table", "thead", "tbody", "tr", "th", "td", "a", "code",
    "details", "summary", "span", "b", "p", "ul", "li", "input", "button", "footer", "script",
}  # fmt: skip


def hostile_message(value: str, *, encoded: bool = False) -> bytes:
    """An outgoing message whose Subject, Message-ID and attachment name carry ``value``."""
    subject = "=?utf-8?b?" + base64.b64encode(value.encode()).decode() + "?=" if encoded else value
    name = value.replace('"', "'")
    return (
        "From: Service <svc@ch.mssante.fr>\r\n"
        "To: 279035121518989@patient.mssante.fr\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{value}@x>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n"
        f'Content-Disposition: attachment; filename="{name}.exe"\r\n'
        "\r\nMZ\x90\x00\r\n--b--\r\n"
    ).encode()


def fixture_batch() -> list[tuple[str, bytes, Report]]:
    batch = []
    for path in sorted(FIXTURES.glob("*.eml")):
        raw = path.read_bytes()
        direction = "incoming" if path.name.startswith("incoming") else "outgoing"
        batch.append((path.name, raw, check(raw, direction=direction)))
    return batch


def entries_of(batch: list[tuple[str, bytes, Report]], strict: bool = False) -> list[MessageEntry]:
    return [
        message_entry(name, report, subject=message_subject(raw), strict=strict)
        for name, raw, report in batch
    ]


class Page(HTMLParser):
    """The tags, the text and the summary counts of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.counts: dict[str, int] = {}
        self._count: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        values = dict(attrs)
        self.attrs.append((tag, values))
        self._count = values.get("data-count")

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._count is not None and data.strip():
            self.counts[self._count] = int(data)
            self._count = None

    @property
    def text(self) -> str:
        return "".join(self.texts)


# ---------------------------------------------------------------------------------------------
# The value


def test_summary_adds_up_the_reports() -> None:
    batch = fixture_batch()
    report = build_report(entries_of(batch), generated_at=WHEN)
    s = report.summary
    assert s.messages == len(batch)
    assert s.passed == sum(1 for _, _, r in batch if r.ok)
    assert s.failed == s.messages - s.passed
    every = [f for _, _, r in batch for f in r.findings]
    assert s.counts.error == sum(1 for f in every if f.severity.value == "error")
    assert s.counts.warning == sum(1 for f in every if f.severity.value == "warning")
    assert s.counts.info == sum(1 for f in every if f.severity.value == "info")
    assert [r.code for r in s.rules] == sorted({f.code for f in every})
    for rule in s.rules:
        assert rule.findings == sum(1 for f in every if f.code == rule.code)
        assert rule.messages == sum(1 for _, _, r in batch if rule.code in r.codes)
        assert (rule.rule, rule.reference) == (RULES[rule.code].title, RULES[rule.code].reference)
    assert report.catalogue_version == CATALOGUE_VERSION
    assert report.mssc_version == mssc.__version__


@pytest.mark.parametrize("strict", [False, True])
def test_entries_judge_like_passes(strict: bool) -> None:
    for name, raw, report in fixture_batch():
        entry = message_entry(name, report, subject=message_subject(raw), strict=strict)
        assert entry.ok is report.passes(strict=strict)
        assert [(f.code, f.where, f.evidence, f.hint) for f in entry.findings] == [
            (f.code, f.where, f.message, f.hint) for f in report.findings
        ]


def test_unreadable_files_count_as_failed() -> None:
    ok = fixture_batch()[0]
    report = build_report(
        [*entries_of([ok]), unreadable_entry("gone.eml", "No such file")], generated_at=WHEN
    )
    assert report.summary.unreadable == 1
    assert report.summary.failed == report.summary.messages - report.summary.passed
    assert report.messages[-1].unreadable == "No such file"


@pytest.mark.parametrize(
    ("raw", "subject"),
    [
        (b"Subject: =?utf-8?q?R=C3=A9sultats?=\r\n\r\nx", "Résultats"),
        (b"Subject: a\r\n b\r\n\r\n", "a b"),
        (b"Subject: x\x00\x1b[31my\r\n\r\n", "x [31my"),
        (b"From: a@b\r\n\r\nSubject: in the body\r\n", ""),
        (b"Subject: " + b"A" * 1000 + b"\r\n\r\n", "A" * 299 + "…"),
        (b"\xff\xfe\x00garbage", ""),
    ],
)
def test_message_subject(raw: bytes, subject: str) -> None:
    assert message_subject(raw) == subject


@given(st.binary(max_size=3000))
def test_message_subject_never_raises_and_stays_on_one_line(raw: bytes) -> None:
    text = message_subject(raw)
    assert all(c.isprintable() for c in text)
    assert len(text) <= 300


# ---------------------------------------------------------------------------------------------
# JSON and its schema


def test_schema_file_is_the_schema_of_the_models() -> None:
    generated = json.dumps(report_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("MSSC_UPDATE_GOLDEN") == "1":
        SCHEMA_FILE.write_text(generated, encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generated, "MSSC_UPDATE_GOLDEN=1 to update"


def test_json_report_validates_against_the_published_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    batch = fixture_batch() + [
        (f"hostile-{i}.eml", raw, check(raw))
        for i, raw in enumerate(hostile_message(v) for v in HOSTILE)
    ]
    entries = [*entries_of(batch), unreadable_entry("missing.eml", "No such file")]
    document = json.loads(build_report(entries, generated_at=WHEN).model_dump_json())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert ConformanceReport.model_validate(document) == build_report(entries, generated_at=WHEN)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("summary", "counts", "error"), -1),
        (("messages", 0, "findings", 0, "code"), "E001"),
        (("messages", 0, "findings", 0, "severity"), "fatal"),
        (("format",), None),
        (("summary", "surprise"), 1),
    ],
)
def test_schema_rejects_a_broken_document(path: tuple[Any, ...], value: object) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    failing = [entry for entry in entries_of(fixture_batch()) if entry.findings]
    document = json.loads(build_report(failing, generated_at=WHEN).model_dump_json())
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


# ---------------------------------------------------------------------------------------------
# HTML


def hostile_report() -> tuple[ConformanceReport, str]:
    batch = [
        (f"{value}.eml", raw, check(raw))
        for value in HOSTILE
        for raw in (hostile_message(value), hostile_message(value, encoded=True))
    ]
    report = build_report(entries_of(batch), generated_at=WHEN)
    return report, report_html(report)


def test_hostile_values_are_text_not_markup() -> None:
    report, page_text = hostile_report()
    page = Page(page_text)
    assert set(page.tags) <= REPORT_TAGS, set(page.tags) - REPORT_TAGS
    assert page.tags["script"] == 1
    assert page.tags["style"] == 1
    assert page.tags["img"] == 0
    assert not any("id" in a and a["id"] == "owned" for _, a in page.attrs)
    assert not any(key.startswith("on") for _, a in page.attrs for key in a)
    for value in HOSTILE:
        assert f"{value}.eml" in page.text  # the file name, as the reader typed it
        assert value in page.text  # the subject, decoded or not
    assert all(entry.subject for entry in report.messages)


@given(st.text(max_size=200))
def test_any_subject_appears_verbatim_as_text(value: str) -> None:
    entry = message_entry("x.eml", check(b"Subject: x\r\n\r\n"), subject=value)
    page = Page(report_html(build_report([entry], generated_at=WHEN)))
    assert set(page.tags) <= REPORT_TAGS
    assert page.tags["script"] == 1
    if all(c.isprintable() for c in value):  # what message_subject gives; the parser keeps CRs
        assert value in page.text


def test_page_is_self_contained_and_its_csp_allows_only_its_own_code() -> None:
    _, text = hostile_report()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert csp is not None
    policy = html.unescape(csp.group(1))
    assert "default-src 'none'" in policy
    for tag in ("style", "script"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
        assert body is not None
        digest = base64.b64encode(hashlib.sha256(body.group(1).encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy
    assert not re.search(r"(?:src|href)=\"(?!#)", text)
    assert "url(" not in text
    assert "@import" not in text


def test_summary_cells_match_the_value() -> None:
    report = build_report(entries_of(fixture_batch()), generated_at=WHEN)
    page = Page(report_html(report))
    s = report.summary
    assert page.counts == {
        "messages": s.messages,
        "passed": s.passed,
        "failed": s.failed,
        "unreadable": s.unreadable,
        "errors": s.counts.error,
        "warnings": s.counts.warning,
        "info": s.counts.info,
    }


def big_report(n: int = 10_000) -> ConformanceReport:
    batch = fixture_batch()
    entries = [
        message_entry(f"batch/{i:05d}-{batch[i % len(batch)][0]}", batch[i % len(batch)][2])
        for i in range(n)
    ]
    return build_report(entries, generated_at=WHEN)


def test_ten_thousand_messages_are_grouped_and_collapsed() -> None:
    report = big_report()
    text = report_html(report)
    page = Page(text)
    messages = [a for tag, a in page.attrs if tag == "details" and a.get("class") == "message"]
    assert len(messages) == 10_000
    assert not any("open" in a for _, a in page.attrs if _ == "details")
    rules = [a for tag, a in page.attrs if tag == "details" and (a.get("id") or "")[:5] == "rule-"]
    assert len(rules) == len(report.summary.rules)
    ids = [a["id"] for a in messages]
    assert len(set(ids)) == len(ids)
    failing_first = [a["data-ok"] or "" for a in messages]
    assert failing_first == sorted(failing_first)  # "false" sorts before "true"


# ---------------------------------------------------------------------------------------------
# mssc check --report / --report-json


def run_mssc(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MSSC, *args], capture_output=True, text=True, timeout=300, check=False, **kwargs
    )


def test_cli_writes_both_reports_for_files_and_directories(tmp_path: Path) -> None:
    hostile = tmp_path / "in" / "hostile"
    hostile.mkdir(parents=True)
    for i, value in enumerate(HOSTILE):
        (hostile / f"{i}-{value.replace('/', '_')}.eml").write_bytes(hostile_message(value))
    ok = FIXTURES / "outgoing-convocation-ok.eml"
    html_path, json_path = tmp_path / "report.html", tmp_path / "report.json"
    done = run_mssc(
        "check", "--report", str(html_path), "--report-json", str(json_path),
        str(ok), str(hostile), str(tmp_path / "missing.eml"),
    )  # fmt: skip
    assert done.returncode == 2  # an unreadable file
    document = json.loads(json_path.read_text(encoding="utf-8"))
    sources = [m["source"] for m in document["messages"]]
    assert sources[0] == str(ok)
    assert sorted(sources[1:-1]) == sorted(str(p) for p in hostile.iterdir())
    assert document["messages"][-1]["unreadable"]
    assert document["summary"]["messages"] == len(HOSTILE) + 2
    assert document["summary"]["unreadable"] == 1
    assert document["catalogue_version"] == CATALOGUE_VERSION
    page = Page(html_path.read_text(encoding="utf-8"))
    assert page.counts["messages"] == document["summary"]["messages"]
    assert page.tags["script"] == 1
    assert done.stderr.count("\r[") == 0  # no progress bar: stderr is not a terminal


def test_cli_empty_directory_gives_an_empty_report(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "r.json"
    done = run_mssc("check", "--report-json", str(out), str(tmp_path / "empty"))
    assert done.returncode == 0
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert (summary["messages"], summary["failed"], summary["rules"]) == (0, 0, [])


def test_cli_report_status_follows_strict(tmp_path: Path) -> None:
    warns = FIXTURES / "outgoing-closure-subject-only.eml"
    for strict, status in ((False, 0), (True, 1)):
        out = tmp_path / f"r-{strict}.json"
        args = ["--strict"] if strict else []
        assert run_mssc("check", *args, "--report-json", str(out), str(warns)).returncode == status
        document = json.loads(out.read_text(encoding="utf-8"))
        assert document["strict"] is strict
        assert document["messages"][0]["ok"] is (not strict)


def test_cli_unwritable_report_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "r.html"
    done = run_mssc("check", "--report", str(target), str(FIXTURES / "outgoing-convocation-ok.eml"))
    assert done.returncode == 2
    assert "cannot write" in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_cli_draws_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    batch = tmp_path / "batch"
    batch.mkdir()
    raw = (FIXTURES / "outgoing-convocation-ok.eml").read_bytes()
    for i in range(120):
        (batch / f"{i:03d}.eml").write_bytes(raw)
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [MSSC, "check", "--report", str(tmp_path / "r.html"), str(batch)],
            stdout=subprocess.DEVNULL, stderr=secondary, timeout=300, check=False,
        )  # fmt: skip
        os.close(secondary)
        drawn = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(primary)
    assert done.returncode == 0
    assert b"] 120/120" in drawn
    assert b"[" + b"#" * 30 + b"]" in drawn


# ---------------------------------------------------------------------------------------------
# In a real browser


def chromium() -> str:
    """The Chromium executable; skip (or fail in CI) when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = "Chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("MSSC_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason}, and MSSC_REQUIRE_SERVERS=1")
    pytest.skip(reason)


def headless(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking",
            f"--user-data-dir={profile}", *args,
        ],
        capture_output=True, text=True, encoding="utf-8", timeout=300, check=False,
    )  # fmt: skip


def report_for(tmp_path: Path, *inputs: Path) -> tuple[Path, dict[str, Any]]:
    """Run ``mssc check --report --report-json`` in ``tmp_path`` on relative input paths."""
    html_path, json_path = tmp_path / "report.html", tmp_path / "report.json"
    run_mssc(
        "check", "--report", html_path.name, "--report-json", json_path.name,
        *(str(p.relative_to(tmp_path)) for p in inputs), cwd=tmp_path,
    )  # fmt: skip
    return html_path, json.loads(json_path.read_text(encoding="utf-8"))


def expected_counts(document: dict[str, Any]) -> dict[str, int]:
    s = document["summary"]
    return {
        "messages": s["messages"], "passed": s["passed"], "failed": s["failed"],
        "unreadable": s["unreadable"], "errors": s["counts"]["error"],
        "warnings": s["counts"]["warning"], "info": s["counts"]["info"],
    }  # fmt: skip


@pytest.mark.browser
def test_browser_demo_report_counts_match_the_json(tmp_path: Path) -> None:
    chromium()
    demo = tmp_path / "demo"
    assert run_mssc("demo", "--out", str(demo)).returncode == 0
    html_path, document = report_for(tmp_path, demo)
    assert document["summary"]["messages"] == len(list(demo.glob("*.eml")))
    dom = headless(tmp_path, "--dump-dom", html_path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    assert page.counts == expected_counts(document)
    assert 'data-script="ran"' in dom.stdout  # the page's own script ran under its CSP
    shot = tmp_path / "report.png"
    taken = headless(
        tmp_path, "--hide-scrollbars", "--window-size=1280,1500", f"--screenshot={shot}",
        html_path.as_uri(),
    )  # fmt: skip
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("MSSC_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


@pytest.mark.browser
def test_browser_hostile_batch_shows_values_as_text(tmp_path: Path) -> None:
    chromium()
    batch = tmp_path / "hostile"
    batch.mkdir()
    for i, value in enumerate(HOSTILE):
        (batch / f"{i}-{value.replace('/', '_')}.eml").write_bytes(hostile_message(value))
        (batch / f"{i}-encoded.eml").write_bytes(hostile_message(value, encoded=True))
    html_path, document = report_for(tmp_path, batch)
    dom = headless(tmp_path, "--dump-dom", html_path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    assert page.counts == expected_counts(document)
    assert set(page.tags) <= REPORT_TAGS, set(page.tags) - REPORT_TAGS
    assert page.tags["img"] == 0
    assert page.tags["script"] == 1
    assert not any(a.get("id") == "owned" for _, a in page.attrs)
    title = re.search(r"<title>(.*?)</title>", dom.stdout)
    assert title is not None
    assert title.group(1) == "mssc conformance report"  # the hostile script did not run
    for value in HOSTILE:
        assert value in page.text


@pytest.mark.browser
def test_browser_opens_a_ten_thousand_message_report(tmp_path: Path) -> None:
    chromium()
    report = big_report()
    html_path = tmp_path / "big.html"
    html_path.write_text(report_html(report), encoding="utf-8")
    dom = headless(tmp_path, "--dump-dom", html_path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    assert page.counts["messages"] == 10_000
    assert page.counts["errors"] == report.summary.counts.error
    assert sum(1 for tag, a in page.attrs if tag == "details" and a.get("class") == "message") == (
        10_000
    )
    assert 'data-script="ran"' in dom.stdout
