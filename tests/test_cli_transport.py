"""``mssc credentials``, ``mssc send`` and ``mssc returns`` on real loopback servers."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from mssc.cli import main
from mssc.sandbox import Sandbox, SandboxPatient, TestPki
from mssc.testing import make_bounce
from transport_servers import (
    SENDER,
    Dovecot,
    Script,
    compose,
    matricule,
    past,
    patient,
    scripted_smtp,
)


@pytest.fixture
def p12(pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "structure.p12"
    path.write_bytes(pki.client_pkcs12(SENDER, password="pw"))
    monkeypatch.setenv("P12_PW", "pw")
    return path


def test_credentials_exit_status(
    p12: Path, pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["credentials", str(p12), "--password-env", "P12_PW", "--environment", "test"]) == 0
    out = capsys.readouterr().out
    assert "structure" in out
    assert ": ok (0 findings)" in out
    # a test chain in production is an error
    assert main(["credentials", str(p12), "--password-env", "P12_PW"]) == 1
    assert "igc-sante-test" in capsys.readouterr().out
    expired = tmp_path / "old.p12"
    expired.write_bytes(pki.client_pkcs12(SENDER, not_after=past(3)))
    assert main(["credentials", str(expired), "--environment", "test", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in data["findings"]] == ["expired"]
    assert data["ok"] is False


def test_credentials_wrong_password(
    p12: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("P12_PW", "nope")
    assert main(["credentials", str(p12), "--password-env", "P12_PW"]) == 2
    assert "[wrong-password]" in capsys.readouterr().err
    monkeypatch.delenv("P12_PW")
    with pytest.raises(SystemExit) as info:
        main(["credentials", str(p12), "--password-env", "P12_PW"])
    assert info.value.code == 2


def test_send_through_the_sandbox(
    pki: TestPki,
    p12: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    files = []
    for n in range(3):
        path = tmp_path / f"m{n}.eml"
        path.write_bytes(compose(n).to_bytes())
        files.append(str(path))
    patients = [SandboxPatient(ins=matricule(n)) for n in range(3)]
    with Sandbox(patients, tls="mutual", auth="xoauth2", pki=pki) as mes:
        monkeypatch.setenv("PSC_TOKEN", mes.issue_token(SENDER))
        argv = ["send", *files, "--host", mes.host, "--port", str(mes.port)]
        argv += ["--cafile", str(tmp_path / "ca.pem"), "--p12", str(p12)]
        argv += ["--password-env", "P12_PW", "--token-env", "PSC_TOKEN"]
        assert main(argv) == 0
        out = capsys.readouterr().out.splitlines()
        assert out == [f"{f}: {patient(n)} accepted" for n, f in enumerate(files)]
        assert all(len(mes.inbox(matricule(n))) == 1 for n in range(3))


def test_send_escapes_what_the_server_says(
    pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    path = tmp_path / "m.eml"
    path.write_bytes(compose(5).to_bytes())
    script = Script(tls=pki.server_context())
    script.rcpt[patient(5)] = ["550 5.1.1 \x1b[2J\x1b]0;pwned\x07 user \u202eunknown"]
    for server in scripted_smtp(script):
        argv = ["send", str(path), "--host", "127.0.0.1", "--port", str(server.port)]
        assert main([*argv, "--cafile", str(tmp_path / "ca.pem")]) == 1
    out = capsys.readouterr().out
    assert "refused RECIPIENT_NOT_FOUND" in out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "\\x1b[2J" in out


def test_returns_prints_one_line_per_message(
    dovecot: Dovecot,
    pki: TestPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = "cli-returns@ch-test.mssante.fr"
    sent = [compose(n) for n in range(3)]
    for n, original in enumerate(sent):
        dovecot.deliver(user, make_bounce(original, "MAILBOX_CLOSED"), n)
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    monkeypatch.setenv("PSC_TOKEN", dovecot.token)
    argv = ["returns", "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", user]
    argv += ["--cafile", str(tmp_path / "ca.pem"), "--token-env", "PSC_TOKEN"]
    argv += ["--state", str(tmp_path / "state.json")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "#" not in captured.err  # no progress bar when stderr is not a terminal
    lines = captured.out.splitlines()
    assert len(lines) == 3
    for line, original in zip(lines, sent, strict=True):
        assert "MAILBOX_CLOSED" in line
        assert original.message_id in line
        assert str(original.patient) in line
    assert (tmp_path / "state.json").exists()
    # a second run finds nothing left; JSON lines
    assert main([*argv, "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_returns_draws_a_progress_bar_on_a_terminal(
    dovecot: Dovecot,
    pki: TestPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = "cli-progress@ch-test.mssante.fr"
    for n in range(2):
        dovecot.deliver(user, make_bounce(compose(n), "RECIPIENT_NOT_FOUND"), n)
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    monkeypatch.setenv("PSC_TOKEN", dovecot.token)
    argv = ["returns", "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", user]
    argv += ["--cafile", str(tmp_path / "ca.pem"), "--token-env", "PSC_TOKEN"]
    master, slave = os.openpty()
    try:
        with open(slave, "w", encoding="utf-8") as terminal:
            monkeypatch.setattr(sys, "stderr", terminal)
            assert main(argv) == 0
        drawn = os.read(master, 65536).decode()
    finally:
        os.close(master)
    assert "2/2" in drawn
    assert "#" * 30 in drawn
    assert len(capsys.readouterr().out.splitlines()) == 2
