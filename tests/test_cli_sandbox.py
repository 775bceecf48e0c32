"""`mssc sandbox` run as a user runs it: in a subprocess, talked to over SMTP, stopped by Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mssc.headers import make_message_id
from mssc.replies import ReplyKind, classify

MSSC = Path(sys.executable).with_name("mssc")


def _require_aiosmtpd() -> None:
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        reason = "mssc sandbox needs aiosmtpd (pip install 'mssc[sandbox]')"
        if os.environ.get("MSSC_REQUIRE_SERVERS") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)


_require_aiosmtpd()


class _Running:
    def __init__(self, process: subprocess.Popen[str], port: int, banner: list[str]) -> None:
        self.process, self.port, self.banner = process, port, banner

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=30)
        return self.process.returncode, "\n".join(self.banner) + "\n" + out


@pytest.fixture
def run_sandbox() -> Iterator[list[_Running]]:
    started: list[_Running] = []
    yield started
    for item in started:  # never leave a server behind, even when a test fails
        if item.process.poll() is None:
            item.process.kill()
            item.process.communicate(timeout=30)


def _start(started: list[_Running], *args: str) -> _Running:
    process = subprocess.Popen(
        [str(MSSC), "sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    banner: list[str] = []
    running = _Running(process, 0, banner)
    started.append(running)
    for line in process.stdout:
        banner.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            break
    found = re.search(r"listening on 127\.0\.0\.1:(\d+)", "\n".join(banner))
    assert found, "\n".join(banner)
    running.port = int(found.group(1))
    return running


def _message(to: str) -> tuple[str, bytes]:
    mid = make_message_id("ch-exemple.mssante.fr")
    return mid, (
        f"From: <dpi@ch-exemple.mssante.fr>\r\nTo: <{to}>\r\nSubject: Convocation\r\n"
        f"Message-ID: {mid}\r\nDisposition-Notification-To: <dpi@ch-exemple.mssante.fr>\r\n"
        "\r\nBonjour.\r\n"
    ).encode()


def test_the_sandbox_command_serves_mutual_tls_with_the_files_it_writes(
    tmp_path: Path, run_sandbox: list[_Running]
) -> None:
    pki, maildir = tmp_path / "pki", tmp_path / "maildir"
    running = _start(
        run_sandbox,
        "--tls",
        "mutual",
        "--pki-dir",
        str(pki),
        "--maildir",
        str(maildir),
        "--auto-read",
        "0",
        "--auto-reply",
    )
    banner = "\n".join(running.banner)
    assert "client.p12" in banner
    assert "mssc-sandbox" in banner  # the PKCS#12 password is printed
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    context.load_cert_chain(pki / "client.pem", pki / "client.key")
    active = re.search(r"patient (\S+)\s+active", banner)
    closed = re.search(r"patient (\S+)\s+closed", banner)
    assert active
    assert closed
    with smtplib.SMTP("127.0.0.1", running.port, timeout=30) as client:
        client.starttls(context=context)
        for address in (active.group(1), closed.group(1)):
            _, data = _message(address)
            client.sendmail("dpi@ch-exemple.mssante.fr", [address], data)
    box = maildir / "dpi@ch-exemple.mssante.fr"
    deadline = time.monotonic() + 30  # a bounded wait for the automatic read and reply
    while time.monotonic() < deadline and len(list((box / "new").glob("*"))) < 3:
        time.sleep(0.1)
    code, log = running.stop()
    assert code == 0, log
    kinds = sorted(classify(p.read_bytes()).kind.value for p in (box / "new").iterdir())
    assert kinds == sorted(
        k.value
        for k in (ReplyKind.MAILBOX_CLOSED, ReplyKind.READ_RECEIPT, ReplyKind.PATIENT_MESSAGE)
    )
    for kind in ("accepted", "delivered", "notice", "read-receipt", "reply"):
        assert re.search(rf"^\d\d:\d\d:\d\d {kind}\b", log, re.MULTILINE), (kind, log)
    assert log.rstrip().endswith("stopped")


def test_a_second_run_reuses_the_pki(tmp_path: Path, run_sandbox: list[_Running]) -> None:
    first = _start(run_sandbox, "--pki-dir", str(tmp_path))
    ca = (tmp_path / "ca.pem").read_bytes()
    assert first.stop()[0] == 0
    second = _start(run_sandbox, "--pki-dir", str(tmp_path))
    assert second.stop()[0] == 0
    assert (tmp_path / "ca.pem").read_bytes() == ca


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--relay", "nohost"], "HOST:PORT"),
        (["--patients", "/nonexistent/patients.json"], "cannot read patients"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(args: list[str], message: str) -> None:
    done = subprocess.run(
        [str(MSSC), "sandbox", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
