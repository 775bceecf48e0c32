"""The snippets of docs/transport.md run as they are, against real servers on loopback.

The page's blocks run in order in one namespace, as a reader would paste them: its PKCS#12
file and password, its ``get_psc_token`` and its bookkeeping functions are the reader's own,
and the test gives them. Only the operator's host names and ports are replaced, by the MES
sandbox's (SMTP, mutual TLS, XOAUTH2) and a private Dovecot's (IMAP, STARTTLS, XOAUTH2), and
the state file's path by one in a temporary folder; each replacement must find its text
exactly once, so that a change of the page shows here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mssc.replies import ReplyKind
from mssc.sandbox import Sandbox, SandboxPatient, TestPki
from mssc.testing import make_bounce, make_read_receipt
from test_docs_snippets import blocks
from transport_servers import SENDER, Dovecot, compose, matricule

PAGE = "transport.md"
PASSWORD = "mot-de-passe-du-p12"


def _replace(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, f"docs/{PAGE} no longer holds {old!r} once"
    return source.replace(old, new)


def test_the_transport_page_runs_against_the_sandbox_and_dovecot(
    pki: TestPki, dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = blocks(PAGE)
    assert len(page) == 4
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("P12_PASSWORD", PASSWORD)
    # the reader's files: the structure's PKCS#12 and the operator's CA
    (tmp_path / "structure.p12").write_bytes(pki.client_pkcs12(SENDER, password=PASSWORD))
    (tmp_path / "operateur-ca.pem").write_bytes(pki.ca_pem)

    patients = [SandboxPatient(ins=matricule(n)) for n in range(3)]
    with Sandbox(patients, tls="mutual", auth="xoauth2", pki=pki) as mes:
        messages = [compose(n) for n in range(3)]
        recorded: list[tuple[Any, ...]] = []
        namespace: dict[str, Any] = {
            "get_psc_token": lambda: mes.issue_token(SENDER),
            "composed_messages": messages,
            "record": lambda *values: recorded.append(values),
        }
        exec(compile(page[0], f"docs/{PAGE} block 1", "exec"), namespace)
        exec(compile(page[1], f"docs/{PAGE} block 2", "exec"), namespace)
        assert namespace["creds"].inspect().not_after is not None
        block = _replace(page[2], '"smtp.operateur.example", 587', f'"{mes.host}", {mes.port}')
        exec(compile(block, f"docs/{PAGE} block 3", "exec"), namespace)
        # one line per recipient: the message id, the address, then its status
        assert [r[0] for r in recorded] == [m.message_id for m in messages]
        assert [r[1] for r in recorded] == [m.envelope.rcpt_to[0] for m in messages]
        for n, message in enumerate(messages):
            assert [d.message_id for d in mes.inbox(matricule(n))] == [message.message_id]

    # what comes back to the professional's box, read with the page's worker
    user = "dpi@ch.mssante.fr"
    returns = [
        make_bounce(messages[0], ReplyKind.MAILBOX_CLOSED),
        make_read_receipt(messages[1], "displayed"),
    ]
    for i, raw in enumerate(returns):
        dovecot.deliver(user, raw, i)
    done: set[str] = set()
    updates: list[tuple[Any, ...]] = []
    namespace.update(
        get_psc_token=lambda: dovecot.token,
        already_done=done.__contains__,
        mark_done=done.add,
        update_sent_message=lambda *values: updates.append(values),
        file_in_record=lambda message: pytest.fail("no patient message was delivered"),
    )
    block = _replace(page[3], '"imap.operateur.example", 143', f'"127.0.0.1", {dovecot.port}')
    block = _replace(block, '"/var/lib/dpi/return-box.json"', repr(str(tmp_path / "state.json")))
    exec(compile(block, f"docs/{PAGE} block 4", "exec"), namespace)
    report = namespace["report"]
    assert len(report.processed) == len(returns)
    assert sorted(kind for _, kind, _ in updates) == sorted(
        [ReplyKind.MAILBOX_CLOSED, ReplyKind.READ_RECEIPT]
    )
    assert {original for original, _, _ in updates} == {m.message_id for m in messages[:2]}
    assert len(done) == len(returns)
