"""`mssc demo`, the README's main job, run as a user runs it: over SMTP and TLS on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mssc import ReplyKind, check, classify, parse_patient_message
from mssc.headers import parent_info

MSSC = Path(sys.executable).with_name("mssc")

# What each message sent in the story must draw back from Mon espace santé.
EXPECTED_BACK = {
    "02-read-receipt.eml": ReplyKind.READ_RECEIPT,
    "03-patient-reply.eml": ReplyKind.PATIENT_MESSAGE,
    "05-closed-mailbox-reply.eml": ReplyKind.MAILBOX_CLOSED,
    "06-unknown-ins-reply.eml": ReplyKind.RECIPIENT_NOT_FOUND,
    "07-opposed-patient-reply.eml": ReplyKind.RECIPIENT_NOT_FOUND,
    "08-30-mb-message-reply.eml": ReplyKind.MESSAGE_TOO_LARGE,
    "09-test-reply.eml": ReplyKind.TEST_ACKNOWLEDGEMENT,
}
SENT = [
    "01-preadmission.eml",
    "04-closure.eml",
    "05-closed-mailbox.eml",
    "06-unknown-ins.eml",
    "07-opposed-patient.eml",
    "09-test.eml",
]


def _require_aiosmtpd() -> None:
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        reason = "mssc demo runs a local MES sandbox: pip install 'mssc[sandbox]'"
        if os.environ.get("MSSC_REQUIRE_SERVERS") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MSSC), "demo", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )


def test_the_demo_runs_the_whole_story_over_the_wire_reproducibly(tmp_path: Path) -> None:
    _require_aiosmtpd()
    runs = [tmp_path / "a", tmp_path / "b"]
    for out in runs:
        run = _demo("--out", str(out))
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Every step behaved as expected." in run.stdout
        assert "over SMTP + STARTTLS + mutual TLS" in run.stdout
    out = runs[0]
    written = {p.name for p in out.glob("*.eml")}
    assert written == set(SENT) | set(EXPECTED_BACK) | {"08-30-mb-message.eml"}
    for name in SENT:
        report = check((out / name).read_bytes())
        assert report.ok, (name, [str(f) for f in report.findings])
    sent_ids = {
        parent_info((out / name).read_bytes()).message_id
        for name in [*SENT, "08-30-mb-message.eml"]
    }
    for name, kind in EXPECTED_BACK.items():
        verdict = classify((out / name).read_bytes())
        assert verdict.kind is kind, name
        assert verdict.original_message_id in sent_ids, name
    # one transcript line per message, with its kind and Message-ID
    transcript = run.stdout
    for kind in EXPECTED_BACK.values():
        assert kind.value in transcript
    assert "conversation-closed" in transcript
    reply = parse_patient_message((out / "03-patient-reply.eml").read_bytes())
    taken = sorted(p.name for p in (out / "attachments").iterdir())
    assert taken == sorted(a.safe_filename for a in reply.attachments if a.accepted)
    assert len(taken) == 2
    # the composer's clock and message ids are injected: the outgoing bytes are reproducible
    for name in SENT:
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name


@pytest.mark.parametrize("where", ["a file", "under a file", "read-only"])
def test_an_unusable_out_is_a_clear_error_with_status_2(tmp_path: Path, where: str) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target = {"a file": a_file, "under a file": a_file / "out", "read-only": locked}[where]
    if where == "read-only" and os.access(locked, os.W_OK):
        pytest.skip("running as a user who can write anywhere (root)")
    try:
        run = _demo("--out", str(target))
    finally:
        locked.chmod(0o700)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith("mssc demo: ")
    assert str(target) in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
