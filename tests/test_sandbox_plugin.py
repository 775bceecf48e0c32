"""The pytest plugin, used the way a vendor's test suite uses it (loaded by its entry point)."""

from __future__ import annotations

import importlib.metadata
import os
import smtplib
import subprocess
import sys

import pytest

from mssc.headers import make_message_id
from mssc.replies import ReplyKind, classify
from mssc.sandbox import PatientState, Sandbox, TestPki

try:
    import aiosmtpd  # noqa: F401
except ImportError:
    reason = "the mes_sandbox fixture needs aiosmtpd (pip install 'mssc[sandbox]')"
    if os.environ.get("MSSC_REQUIRE_SERVERS") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    names = {ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert "mssc.sandbox.pytest_plugin" in names


def test_loading_the_plugin_imports_neither_aiosmtpd_nor_cryptography() -> None:
    code = (
        "import sys, mssc.sandbox.pytest_plugin; "
        "print(sorted(m for m in ('aiosmtpd', 'cryptography') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_mes_sandbox_has_one_patient_per_state_and_the_session_pki(
    mes_sandbox: Sandbox, mes_pki: TestPki
) -> None:
    assert {p.state for p in mes_sandbox.patients} == set(PatientState)
    assert mes_sandbox.pki is mes_pki
    assert mes_sandbox.tls == "required"
    closed = mes_sandbox.patient("closed")
    mid = make_message_id("ch-test.mssante.fr")
    data = (
        f"From: <dpi@ch-test.mssante.fr>\r\nSubject: Rendez-vous\r\nMessage-ID: {mid}\r\n\r\n"
        "Bonjour.\r\n"
    ).encode()
    with smtplib.SMTP(mes_sandbox.host, mes_sandbox.port, timeout=30) as client:
        client.starttls(context=mes_pki.client_context("dpi@ch-test.mssante.fr"))
        client.sendmail("dpi@ch-test.mssante.fr", [closed.address], data)
    [notice] = mes_sandbox.mailbox("dpi@ch-test.mssante.fr")
    verdict = classify(notice)
    assert (verdict.kind, verdict.original_message_id) == (ReplyKind.MAILBOX_CLOSED, mid)
