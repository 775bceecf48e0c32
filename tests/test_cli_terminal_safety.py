"""Hostile mail never reaches a terminal raw: every command that prints values from mail
escapes their control characters, in text and in JSON, through the real console script.

The messages are generated: each hostile payload (a window-title OSC, a screen clear, NUL, a
lone CR, C1 CSI, bidi overrides and isolates, a line separator) is put in every place a
command prints: the display name, the subject, the Message-ID, an attachment's file name, the
body, a DSN's recipient and diagnostic, a file name on disk.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from mssc.cli._common import json_text, safe, safe_lines
from mssc.headers import BIDI_CONTROLS
from mssc.inbound import parse_patient_message
from mssc.replies import classify
from mssc.templates import example_data

MSSC = str(Path(sys.executable).with_name("mssc"))

PAYLOADS = {
    "title": "\x1b]0;pwned\x07",
    "clear": "\x1b[2J\x1b[H",
    "colour": "\x1b[31mrouge\x1b[0m",
    "nul": "avant\x00après",
    "cr": "faux\rvrai",
    "c1-csi": "\x9b2J",
    "rlo": "facture\u202efdp.exe",
    "isolate": "\u2066nom\u2069",
    "rlm": "a\u200fb",
    "line-separator": "un\u2028deux",
    "del": "x\x7fy",
}
ALL = "".join(PAYLOADS.values())


def unsafe_chars(text: str) -> list[str]:
    """The characters of ``text`` that a terminal may act on (the newline aside)."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (ord(c) < 0x20 and c != "\n")
        or 0x7F <= ord(c) <= 0x9F
        or 0xD800 <= ord(c) <= 0xDFFF
        or c in BIDI_CONTROLS
        or c in "\u200e\u200f\u061c\u2028\u2029"
    ]


def word(text: str) -> str:
    """An RFC 2047 encoded word: the way mail carries any character in a header."""
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def patient_message(payload: str) -> bytes:
    """A patient's message with ``payload`` in every field that ``mssc parse`` shows."""
    name = urllib.parse.quote(f"bilan{payload}.pdf", safe="")
    body = base64.b64encode(f"Bonjour,\n{payload}\nDominique\n".encode()).decode()
    pdf = base64.b64encode(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").decode()
    return (
        "Message-ID: <p-1@patient.mssante.fr>\r\n"
        "Date: Tue, 01 Dec 2026 08:05:00 +0100\r\n"
        f"From: {word('Dominique ' + payload)} <297022A02077878@patient.mssante.fr>\r\n"
        "To: accueil@chu-exemple.mssante.fr\r\n"
        f"Subject: {word('RE: convocation ' + payload)}\r\n"
        f"In-Reply-To: {word(payload)}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''{name}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n"
        "--b--\r\n"
    ).encode()


def bounce(payload: str) -> bytes:
    """A DSN whose recipient, diagnostic and human text carry ``payload``."""
    quoted = urllib.parse.quote(payload, safe="")
    return (
        "From: MAILER-DAEMON@relais.mssante.fr\r\n"
        "To: accueil@chu-exemple.mssante.fr\r\n"
        f"Subject: {word('Undelivered Mail ' + payload)}\r\n"
        "Message-ID: <dsn-1@relais.mssante.fr>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"User unknown: {payload}\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relais.mssante.fr\r\n\r\n"
        f"Original-Recipient: utf-8; 279035121518989+{quoted}@patient.mssante.fr\r\n"
        "Final-Recipient: rfc822; 279035121518989@patient.mssante.fr\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 user unknown {payload}\r\n"
        "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <conv{payload}@chu-exemple.mssante.fr>\r\n"
        "--r--\r\n"
    ).encode("utf-8", "surrogateescape")


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    """Run the console script; return its status and stdout+stderr, decoded as a terminal
    would receive them (undecodable bytes kept as surrogates, so that they count)."""
    done = subprocess.run([MSSC, *args], input=stdin, capture_output=True, timeout=60, check=False)
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "surrogateescape")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    out: dict[str, Path] = {}
    for label, payload in PAYLOADS.items():
        (folder / f"patient-{label}.eml").write_bytes(patient_message(payload))
        (folder / f"bounce-{label}.eml").write_bytes(bounce(payload))
        out[label] = folder
    everything = folder / "everything"
    everything.mkdir()
    (everything / "patient.eml").write_bytes(patient_message(ALL))
    (everything / "bounce.eml").write_bytes(bounce(ALL))
    out["everything"] = everything
    return out


def test_the_payloads_reach_the_parsed_values() -> None:
    """Precondition: the library hands the control characters on (it must; they are data)."""
    message = parse_patient_message(patient_message(ALL))
    assert "\x1b]0;pwned\x07" in message.subject
    assert "\u202e" in message.display_name
    assert "\x00" in (message.text or "")
    assert any("\x1b" in a.filename for a in message.attachments)
    result = classify(bounce(ALL))
    assert any("\x1b" in e.excerpt for e in result.evidence)


@pytest.mark.parametrize("label", [*PAYLOADS, "everything"])
@pytest.mark.parametrize(
    "command",
    [
        ["parse"],
        ["parse", "--json"],
        ["check", "--direction", "incoming"],
        ["check"],
        ["check", "--json"],
    ],
    ids=" ".join,
)
def test_parse_and_check_print_no_raw_control_character(
    files: dict[str, Path], label: str, command: list[str]
) -> None:
    name = "patient.eml" if label == "everything" else f"patient-{label}.eml"
    status, output = run(*command, str(files[label] / name))
    assert status in (0, 1), output
    assert output.strip()
    assert unsafe_chars(output) == []


@pytest.mark.parametrize("label", [*PAYLOADS, "everything"])
@pytest.mark.parametrize(
    "command", [["classify", "--explain"], ["classify", "--json"]], ids=" ".join
)
def test_classify_prints_no_raw_control_character(
    files: dict[str, Path], label: str, command: list[str]
) -> None:
    name = "bounce.eml" if label == "everything" else f"bounce-{label}.eml"
    status, output = run(*command, str(files[label] / name))
    assert status == 0, output
    assert unsafe_chars(output) == []


def test_a_hostile_file_name_on_disk_is_escaped(tmp_path: Path) -> None:
    box = tmp_path / "box"
    box.mkdir()
    (box / f"retour{PAYLOADS['title']}{PAYLOADS['rlo']}.eml").write_bytes(bounce("x"))
    status, output = run("classify", str(box))
    assert status == 0
    assert unsafe_chars(output) == []
    assert "retour\\x1b]0;pwned\\x07facture\\u202efdp.exe.eml" in output


def test_the_text_shows_the_escapes_instead() -> None:
    _, output = run("parse", "-", stdin=patient_message(PAYLOADS["title"]))
    assert "RE: convocation \\x1b]0;pwned\\x07" in output


def test_json_keeps_the_values_exactly(files: dict[str, Path]) -> None:
    path = files["everything"] / "patient.eml"
    _, output = run("parse", "--json", str(path))
    data = json.loads(output)
    assert data["subject"] == parse_patient_message(path.read_bytes()).subject


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_helpers_leave_no_unsafe_character(payload: str) -> None:
    text = f"début {payload} fin\twith a tab"
    assert unsafe_chars(safe(text)) == []
    assert all(unsafe_chars(line) == [] for line in safe_lines(f"{text}\n{text}"))
    encoded = json_text({"v": text, "list": [text]}, indent=2)
    assert unsafe_chars(encoded) == []
    assert json.loads(encoded) == {"v": text, "list": [text]}


def test_safe_leaves_ordinary_text_alone() -> None:
    text = "Dominique ADRTROIS <297022a02077878@patient.mssante.fr> — été, 漢字, emoji 🙂"
    assert safe(text) == text
    assert json_text(text) == json.dumps(text, ensure_ascii=False)


@pytest.mark.parametrize("form", [[], ["--html"], ["--json"]], ids=["text", "html", "json"])
def test_render_escapes_an_override_file(tmp_path: Path, form: list[str]) -> None:
    """An establishment's template file is not mail, but it may be pasted from anywhere."""
    overrides = tmp_path / "modeles"
    overrides.mkdir()
    (overrides / "rappel.txt").write_text(
        f"Objet : Rappel {ALL}\n\nBonjour {ALL} ${{visit_when}}\n", encoding="utf-8"
    )
    context = tmp_path / "context.json"
    context.write_text(json.dumps(example_data("rappel"), default=str), encoding="utf-8")
    status, output = run("render", "rappel", str(context), "--overrides", str(overrides), *form)
    assert unsafe_chars(output) == []
    assert status in (0, 2), output  # rendered, or the override refused
