"""``mssc build`` through the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mssc.addresses import TEST_RESPONDER
from mssc.cli._build import BuildSpec
from mssc.conformance import Severity, check
from mssc.inbound import parse_patient_message

MSSC = str(Path(sys.executable).with_name("mssc"))
REPLY = Path(__file__).parent / "fixtures" / "cli" / "patient-reply.eml"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PATIENT = "297022A02077878@patient.mssante.fr"

SENDER = {
    "kind": "applicative",
    "address": "dpi@chu-exemple.mssante.fr",
    "entity": "CHU Exemple – Imagerie",
    "return_address": "imagerie@chu-exemple.mssante.fr",
}


def mssc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([MSSC, *args], capture_output=True, timeout=60, check=False, cwd=cwd)


def spec(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "product_reference": "DEV935997",
        "sender": SENDER,
        "patient": "297022A02077878",
        "subject": "Votre compte rendu d'imagerie",
        "text": "Bonjour,\nVotre compte rendu est joint.\n",
        "date": "2026-03-02T09:30:00+01:00",
        "message_id": "<cr-42@chu-exemple.mssante.fr>",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def run_build(
    tmp_path: Path, data: dict[str, Any]
) -> tuple[subprocess.CompletedProcess[bytes], Path]:
    (tmp_path / "spec.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.eml"
    return mssc("build", str(tmp_path / "spec.json"), "-o", str(out)), out


def parsed(path: Path) -> EmailMessage:
    msg = message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def assert_clean(path: Path) -> None:
    report = check(path.read_bytes())
    assert [str(f) for f in report.findings if f.severity is not Severity.INFO] == []


def test_schema_is_the_spec_model() -> None:
    result = mssc("build", "--schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema == json.loads(json.dumps(BuildSpec.model_json_schema()))
    for name in (
        "sender",
        "patient",
        "subject",
        "text",
        "attachments",
        "read_receipt",
        "closure",
        "reply_to_file",
        "template",
        "context",
    ):
        assert name in schema["properties"]


def test_message_with_attachment_and_receipt(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "cr.pdf").write_bytes(PDF)
    data = spec(
        attachments=[{"path": "docs/cr.pdf", "filename": "compte-rendu.pdf"}], read_receipt=True
    )
    result, out = run_build(tmp_path, data)
    assert result.returncode == 0, result.stderr
    assert_clean(out)
    msg = parsed(out)
    assert msg["To"] == PATIENT
    assert msg["Message-ID"] == "<cr-42@chu-exemple.mssante.fr>"
    assert msg["Reply-To"] == SENDER["return_address"]
    assert msg["Disposition-Notification-To"] == SENDER["return_address"]
    (attachment,) = msg.iter_attachments()
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_filename() == "compte-rendu.pdf"
    assert attachment.get_content() == PDF


def test_the_same_spec_gives_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = run_build(tmp_path / "a", spec())[1].read_bytes()
    second = run_build(tmp_path / "b", spec())[1].read_bytes()
    assert first == second


def test_closure(tmp_path: Path) -> None:
    result, out = run_build(tmp_path, spec(subject=None, text=None, closure=True))
    assert result.returncode == 0, result.stderr
    assert check(out.read_bytes()).codes == ("MSSC022", "MSSC025")
    assert parsed(out)["Subject"] == "[FIN]"


def test_close_conversation_on_a_normal_message(tmp_path: Path) -> None:
    result, out = run_build(tmp_path, spec(close_conversation=True))
    assert result.returncode == 0
    assert parsed(out)["X-MSS-MES"] == "FIN"


def test_connectivity_test(tmp_path: Path) -> None:
    data = spec(patient=None, subject=None, text=None, connectivity_test=True)
    result, out = run_build(tmp_path, data)
    assert result.returncode == 0, result.stderr
    assert parsed(out)["To"] == TEST_RESPONDER
    assert_clean(out)


def test_reply_to_file_takes_patient_and_thread_from_the_parent(tmp_path: Path) -> None:
    (tmp_path / "parent.eml").write_bytes(REPLY.read_bytes())
    data = spec(patient=None, subject=None, reply_to_file="parent.eml")
    result, out = run_build(tmp_path, data)
    assert result.returncode == 0, result.stderr
    parent = parse_patient_message(REPLY.read_bytes())
    msg = parsed(out)
    assert msg["In-Reply-To"] == parent.message_id
    assert str(msg["References"]).split()[-1] == parent.message_id
    assert msg["To"] == parent.from_address
    assert str(msg["Subject"]).endswith(parent.subject.removeprefix("RE: "))
    assert_clean(out)


def test_template(tmp_path: Path) -> None:
    templates = pytest.importorskip("mssc.templates")
    context = json.loads(json.dumps(templates.example_data("convocation"), default=str))
    data = spec(subject=None, text=None, template="convocation", context=context)
    result, out = run_build(tmp_path, data)
    assert result.returncode == 0, result.stderr
    rendered = templates.render("convocation", context)
    assert parsed(out)["Subject"] == rendered.subject
    assert_clean(out)


def test_output_to_stdout(tmp_path: Path) -> None:
    (tmp_path / "spec.json").write_text(json.dumps(spec()), encoding="utf-8")
    result = mssc("build", str(tmp_path / "spec.json"), "-o", "-")
    assert result.returncode == 0
    assert result.stdout == run_build(tmp_path, spec())[1].read_bytes()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (spec(subject=None), "subject is required"),
        (spec(text=None), "text is required"),
        (spec(patient=None), "patient is required"),
        (spec(colour="blue"), "colour"),
        (spec(sender={"kind": "robot", "address": "x@chu.mssante.fr"}), "sender"),
        (spec(closure=True, connectivity_test=True), "choose one of"),
        (spec(date="2026-03-02T09:30:00"), "time-zone offset"),
        (spec(context={"a": 1}), "without template"),
    ],
)
def test_invalid_specs_are_usage_errors(tmp_path: Path, data: dict[str, Any], needle: str) -> None:
    result, out = run_build(tmp_path, data)
    assert result.returncode == 2
    assert needle in result.stderr.decode()
    assert not out.exists()


def test_not_json_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert mssc("build", str(tmp_path / "bad.json"), "-o", str(tmp_path / "o.eml")).returncode == 2
    assert mssc("build", str(tmp_path / "absent.json"), "-o", "x.eml").returncode == 2
    result, _ = run_build(tmp_path, spec(attachments=[{"path": "absent.pdf"}]))
    assert result.returncode == 2
    assert b"absent.pdf" in result.stderr
    assert mssc("build", str(tmp_path / "bad.json")).returncode == 2  # no -o


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (spec(subject="Fin de votre séjour"), "fin-in-subject"),
        (spec(patient="297022A02077887"), "key-mismatch"),
    ],
)
def test_refusals_exit_1_with_the_code(tmp_path: Path, data: dict[str, Any], code: str) -> None:
    result, out = run_build(tmp_path, data)
    assert result.returncode == 1
    assert f"[{code}]" in result.stderr.decode()
    assert not out.exists()


def test_refused_attachment(tmp_path: Path) -> None:
    (tmp_path / "photo.pdf").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    result, _ = run_build(tmp_path, spec(attachments=[{"path": "photo.pdf"}]))
    assert result.returncode == 1
    assert b"[type-mismatch]" in result.stderr


def test_help_ends_with_an_example() -> None:
    lines = mssc("build", "--help").stdout.decode().rstrip().splitlines()
    assert lines[-2].strip() == "example:"
    assert lines[-1].strip().startswith("mssc build ")


@pytest.mark.parametrize("output", ["a-directory", "no-such-dir/out.eml"])
def test_an_unwritable_output_is_a_clean_usage_error(tmp_path: Path, output: str) -> None:
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "spec.json").write_text(json.dumps(spec()), encoding="utf-8")
    result = mssc("build", str(tmp_path / "spec.json"), "-o", str(tmp_path / output))
    assert result.returncode == 2
    assert b"cannot write" in result.stderr
    assert b"Traceback" not in result.stderr


def test_a_spec_that_is_not_utf8_is_a_clean_usage_error(tmp_path: Path) -> None:
    (tmp_path / "spec.json").write_bytes(b"\xff\xfe{}")
    result = mssc("build", str(tmp_path / "spec.json"), "-o", str(tmp_path / "out.eml"))
    assert result.returncode == 2
    assert b"invalid spec" in result.stderr
    assert b"Traceback" not in result.stderr
    assert not (tmp_path / "out.eml").exists()


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_an_attachment_path_that_is_no_file_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        (tmp_path / "piece.pdf").mkdir()
    result, out = run_build(tmp_path, spec(attachments=[{"path": "piece.pdf"}]))
    assert result.returncode == 2
    assert b"cannot read " in result.stderr
    assert b"piece.pdf: " in result.stderr
    assert b"Traceback" not in result.stderr
    assert not out.exists()


def test_a_symlinked_attachment_is_read_and_sent_under_the_link_name(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "0001.pdf").write_bytes(PDF)
    (tmp_path / "compte-rendu.pdf").symlink_to(tmp_path / "store" / "0001.pdf")
    result, out = run_build(tmp_path, spec(attachments=[{"path": "compte-rendu.pdf"}]))
    assert result.returncode == 0, result.stderr
    files = [(p.get_filename(), p.get_content()) for p in parsed(out).iter_attachments()]
    assert files == [("compte-rendu.pdf", PDF)]
