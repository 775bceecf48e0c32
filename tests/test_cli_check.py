"""``mssc check`` through the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mssc.conformance import RULES, rules_markdown

MSSC = str(Path(sys.executable).with_name("mssc"))
FIXTURES = Path(__file__).parent / "fixtures" / "conformance"
OK = FIXTURES / "outgoing-convocation-ok.eml"
WARNS = FIXTURES / "outgoing-closure-subject-only.eml"  # MSSC022 (info) + MSSC024 (warning)
FAILS = FIXTURES / "outgoing-group-mail.eml"


def mssc(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MSSC, *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ((str(OK),), 0),
        ((str(WARNS),), 0),
        (("--strict", str(WARNS)), 1),
        ((str(FAILS),), 1),
        ((str(OK), str(FAILS)), 1),
        (("--strict", str(OK)), 0),
        ((), 2),
        (("--direction", "sideways", str(OK)), 2),
        (("--no-such-option", str(OK)), 2),
        ((str(FIXTURES / "no-such-file.eml"),), 2),
    ],
)
def test_exit_status(args: tuple[str, ...], status: int) -> None:
    assert mssc("check", *args).returncode == status


def test_text_output_names_every_finding_with_its_hint() -> None:
    result = mssc("check", str(FAILS))
    expected = FAILS.read_text().split("X-Expected-Codes:")[1].splitlines()[0].split()
    assert f"{FAILS}: FAIL" in result.stdout
    for code in expected:
        assert f" {code} [{RULES[code].reference}]" in result.stdout
    assert result.stdout.count("hint:") == len(expected)


def test_json_output_shape() -> None:
    result = mssc("check", "--json", str(OK), str(WARNS))
    data = json.loads(result.stdout)
    assert [d["file"] for d in data] == [str(OK), str(WARNS)]
    assert all(
        set(d) == {"file", "ok", "direction", "size", "message_id", "counts", "findings"}
        for d in data
    )
    assert data[0]["findings"] == []
    assert data[0]["size"] == OK.stat().st_size
    assert [f["code"] for f in data[1]["findings"]] == ["MSSC022", "MSSC024"]
    assert data[1]["counts"] == {"error": 0, "warning": 1, "info": 1}


def test_standard_input_and_incoming_direction() -> None:
    incoming = (FIXTURES / "incoming-disguised-executable.eml").read_bytes()
    result = mssc("check", "--json", "--direction", "incoming", "-", stdin=incoming)
    assert result.returncode == 1
    (data,) = json.loads(result.stdout)
    assert data["file"] == "-"
    assert data["direction"] == "incoming"
    assert [f["code"] for f in data["findings"]] == ["MSSC040", "MSSC042"]


def test_sender_kind_option() -> None:
    ok = mssc("check", "--json", str(WARNS))
    app = mssc("check", "--json", "--sender-kind", "APP", str(WARNS))
    codes = [f["code"] for f in json.loads(app.stdout)[0]["findings"]]
    assert "MSSC027" in codes
    assert "MSSC027" not in [f["code"] for f in json.loads(ok.stdout)[0]["findings"]]


def test_rules_listing() -> None:
    assert mssc("check", "--rules").stdout == rules_markdown()
    listed = json.loads(mssc("check", "--rules", "--json").stdout)
    assert [r["code"] for r in listed] == list(RULES)
    assert set(listed[0]) == {
        "code",
        "severity",
        "reference",
        "direction",
        "title",
        "rationale",
        "defect",
    }


def test_help_ends_with_an_example() -> None:
    result = mssc("check", "--help")
    assert result.returncode == 0
    assert result.stdout.rstrip().splitlines()[-2:][0].strip() == "example:"
    assert result.stdout.rstrip().splitlines()[-1].strip().startswith("mssc check ")


def test_a_directory_with_no_message_says_so(tmp_path: Path) -> None:
    """A check that read nothing says so on stderr (the status stays 0: an empty outbox is no
    error, and tests/test_conformance_report.py checks its empty report)."""
    empty = tmp_path / "outbox"
    empty.mkdir()
    proc = mssc("check", str(empty))
    assert proc.returncode == 0
    assert "no message found" in proc.stderr
    assert proc.stdout == ""
    (empty / "a.eml").write_bytes(OK.read_bytes())
    proc = mssc("check", str(empty))
    assert proc.returncode == 0
    assert "no message found" not in proc.stderr
