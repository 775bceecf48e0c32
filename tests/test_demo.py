"""`mssc demo`, the README's main job, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mssc import ReplyKind, check, classify

MSSC = Path(sys.executable).with_name("mssc")


def test_the_demo_runs_and_every_message_it_writes_holds(tmp_path: Path) -> None:
    run = subprocess.run(
        [str(MSSC), "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Every step behaved as expected." in run.stdout
    written = sorted(p.name for p in tmp_path.glob("*.eml"))
    assert len(written) == 8
    outgoing = ["01-convocation.eml", "02-test.eml", "07-answer.eml", "08-closure.eml"]
    for name in outgoing:
        report = check((tmp_path / name).read_bytes())
        assert report.ok, (name, [str(f) for f in report.findings])
        assert all(f.severity.value == "info" for f in report.findings), name
    kinds = {
        name: classify((tmp_path / name).read_bytes()).kind
        for name in written
        if name not in outgoing
    }
    assert kinds == {
        "03-read-receipt.eml": ReplyKind.READ_RECEIPT,
        "04-bounce-closed.eml": ReplyKind.MAILBOX_CLOSED,
        "05-test-ack.eml": ReplyKind.TEST_ACKNOWLEDGEMENT,
        "06-patient-reply.eml": ReplyKind.PATIENT_MESSAGE,
    }


def test_the_demo_output_is_reproducible(tmp_path: Path) -> None:
    """The demo injects a clock and message ids: two runs write the same outgoing bytes."""
    for out in ("a", "b"):
        subprocess.run(
            [str(MSSC), "demo", "--out", str(tmp_path / out)],
            capture_output=True,
            timeout=120,
            check=True,
        )
    for name in ("01-convocation.eml", "07-answer.eml", "08-closure.eml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
