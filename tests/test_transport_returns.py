"""ReturnBox against a real Dovecot on loopback (STARTTLS, implicit TLS, XOAUTH2), fed by the
sandbox's Maildir and by messages made with mssc.testing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mssc.replies import ReplyKind
from mssc.sandbox import PatientState, Sandbox, SandboxPatient, TestPki
from mssc.testing import make_bounce, make_patient_reply, make_read_receipt
from mssc.transport import (
    PROCESSED_KEYWORD,
    ReturnBox,
    ReturnItem,
    Submitter,
    TransportError,
    load_pkcs12,
)
from transport_servers import (
    MUTUAL_TLS,
    SENDER,
    Dovecot,
    compose,
    matricule,
    start_dovecot,
)


def _returns(n: int) -> list[bytes]:
    """``n`` varied returns about messages sent to varied patients."""
    kinds = [ReplyKind.MAILBOX_CLOSED, ReplyKind.RECIPIENT_NOT_FOUND, ReplyKind.MESSAGE_TOO_LARGE]
    out = []
    for i in range(n):
        original = compose(i)
        if i % 3 == 0:
            out.append(make_bounce(original, kinds[i % len(kinds)]))
        elif i % 3 == 1:
            out.append(make_read_receipt(original, "displayed"))
        else:
            out.append(make_patient_reply(original, f"Bonjour, réponse {i}.", []))
    return out


def _box(dovecot: Dovecot, pki: TestPki, user: str, **kw: object) -> ReturnBox:
    options: dict[str, object] = {"token": dovecot.token, "cadata": pki.ca_pem.decode()}
    options.update(kw)
    return ReturnBox("127.0.0.1", dovecot.port, username=user, **options)  # type: ignore[arg-type]


def _folder_counts(dovecot: Dovecot, user: str) -> dict[str, int]:
    base = dovecot.maildir(user)
    counts = {"INBOX": sum(len(list((base / s).iterdir())) for s in ("new", "cur"))}
    for sub in base.glob(".*"):
        if sub.is_dir() and (sub / "cur").is_dir():
            counts[sub.name[1:]] = sum(len(list((sub / s).iterdir())) for s in ("new", "cur"))
    return counts


def test_a_raising_handler_leaves_its_message_and_the_loop_goes_on(
    dovecot: Dovecot, pki: TestPki
) -> None:
    user = "returns-1@ch-test.mssante.fr"
    raws = _returns(10)
    for i, raw in enumerate(raws):
        dovecot.deliver(user, raw, i)
    seen: list[tuple[int, ReplyKind]] = []

    def handler(item: ReturnItem, raw: bytes) -> None:
        seen.append((item.uid, item.kind))
        if len(seen) == 3:
            raise RuntimeError("the DPI database is down")
        assert raw in raws

    with _box(dovecot, pki, user) as box:
        report = box.process(handler)
        assert box.count() == 1
    assert [uid for uid, _ in seen] == sorted(uid for uid, _ in seen)
    assert len(seen) == 10
    third = seen[2][0]
    assert [i.uid for i in report.processed] == [u for u, _ in seen if u != third]
    assert [(s.uid, s.reason) for s in report.skipped] == [(third, "handler-error")]
    assert "database is down" in report.skipped[0].detail
    assert report.moved
    assert _folder_counts(dovecot, user) == {"INBOX": 1, "mssc-traites": 9}
    # the kinds: bounces, receipts and patient messages (decoded)
    kinds = {i.kind for i in report.processed}
    assert {ReplyKind.READ_RECEIPT, ReplyKind.PATIENT_MESSAGE} <= kinds
    for item in report.processed:
        assert (item.patient_message is not None) is (item.kind is ReplyKind.PATIENT_MESSAGE)
        assert item.classification.original_message_id is not None
        assert item.idempotence_key == item.message_id
    # the next run gives message 3 again, and only it
    with _box(dovecot, pki, user) as box:
        again = box.process(lambda item, raw: None)
    assert [i.uid for i in again.processed] == [third]
    assert _folder_counts(dovecot, user) == {"INBOX": 0, "mssc-traites": 10}


def test_fetch_new_is_in_uid_order_and_does_not_mark_seen(dovecot: Dovecot, pki: TestPki) -> None:
    user = "returns-2@ch-test.mssante.fr"
    raws = _returns(4)
    for i, raw in enumerate(raws):
        dovecot.deliver(user, raw, i)
    with _box(dovecot, pki, user) as box:
        first = list(box.fetch_new())
        second = list(box.fetch_new())
    assert [u for u, _ in first] == sorted(u for u, _ in first)
    assert first == second
    assert sorted(r for _, r in first) == sorted(raws)
    assert not any(p.name.endswith(",S") for p in (dovecot.maildir(user) / "cur").iterdir())


def test_the_sandbox_writes_and_the_return_box_reads(dovecot: Dovecot, pki: TestPki) -> None:
    """End to end: send with Submitter to the sandbox; MES's notices land in a real Maildir
    that Dovecot serves; ReturnBox classifies them and ties them to what was sent."""
    patients = [
        SandboxPatient(ins=matricule(1), state=PatientState.CLOSED),
        SandboxPatient(ins=matricule(2)),
    ]
    creds = load_pkcs12(pki.client_pkcs12(SENDER), None)
    with Sandbox(patients, tls="mutual", pki=pki, maildir=dovecot.mail_root) as mes:
        sent = [compose(1), compose(2), compose(3)]  # 3 is unknown to MES
        with Submitter(mes.host, mes.port, credentials=creds, cadata=pki.ca_pem.decode()) as sub:
            assert all(r.accepted for r in sub.send_many(sent))
    dovecot.chown()  # the delivery agent hands the files to the mail user
    found: dict[str, ReplyKind] = {}
    with _box(dovecot, pki, SENDER) as box:
        report = box.process(
            lambda item, raw: found.__setitem__(
                item.classification.original_message_id or "?", item.kind
            )
        )
    assert report.skipped == ()
    assert found == {
        sent[0].message_id: ReplyKind.MAILBOX_CLOSED,
        sent[2].message_id: ReplyKind.RECIPIENT_NOT_FOUND,
    }


def test_uidvalidity_change_between_runs(dovecot: Dovecot, pki: TestPki, tmp_path: Path) -> None:
    user = "returns-3@ch-test.mssante.fr"
    state = tmp_path / "state.json"
    dovecot.deliver(user, _returns(1)[0], 1)
    with _box(dovecot, pki, user, state=state) as box:
        box.process(lambda item, raw: (_ for _ in ()).throw(ValueError("keep it")))
        first = box.uidvalidity
    stored = json.loads(state.read_text())
    assert stored[box.state_key]["uidvalidity"] == first
    dovecot.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(first + 7), "INBOX")
    with (
        _box(dovecot, pki, user, state=state, on_uidvalidity_change="raise") as box,
        pytest.raises(TransportError) as info,
    ):
        box.connect()
    assert info.value.code == "uidvalidity-changed"
    with _box(dovecot, pki, user, state=state) as box:
        report = box.process(lambda item, raw: None)
    assert report.uidvalidity_changed
    assert report.uidvalidity == first + 7
    assert len(report.processed) == 1
    assert json.loads(state.read_text())[box.state_key]["uidvalidity"] == first + 7
    # and a caller-given store works the same way
    store: dict[str, object] = {}
    with _box(dovecot, pki, user, state=store) as box:
        box.connect()
    assert store[box.state_key] == {"uidvalidity": first + 7}


def test_implicit_tls_and_password_login(dovecot: Dovecot, pki: TestPki) -> None:
    user = "returns-4@ch-test.mssante.fr"
    dovecot.deliver(user, _returns(1)[0], 1)
    with ReturnBox(
        "127.0.0.1",
        dovecot.tls_port,
        username=user,
        password=dovecot.password,
        implicit_tls=True,
        cadata=pki.ca_pem.decode(),
    ) as box:
        assert [u for u, _ in box.fetch_new()] == [1]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"token": "wrong-token"}, "auth-failed"),
        ({"token": None}, "auth-unavailable"),
        ({"cadata": None, "cafile": None}, "tls-failed"),
    ],
)
def test_refusals(
    dovecot: Dovecot, pki: TestPki, options: dict[str, object], code: str, tmp_path: Path
) -> None:
    if "cafile" in options:
        other = tmp_path / "other-ca.pem"
        other.write_bytes(TestPki().ca_pem)
        options = {"cafile": str(other), "cadata": None}
    with (
        _box(dovecot, pki, "x@ch-test.mssante.fr", **options) as box,
        pytest.raises(TransportError) as info,
    ):
        box.connect()
    assert info.value.code == code


def test_without_move_processed_messages_are_flagged(pki: TestPki) -> None:
    no_move = (
        "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
        "SORT UIDPLUS UNSELECT NAMESPACE\n"
    )
    for dovecot in start_dovecot(pki, extra=no_move):
        user = "returns-5@ch-test.mssante.fr"
        for i, raw in enumerate(_returns(3)):
            dovecot.deliver(user, raw, i)
        with _box(dovecot, pki, user) as box:
            box.connect()
            assert "MOVE" not in box.capabilities
            report = box.process(lambda item, raw: None)
            assert not report.moved
            assert len(report.processed) == 3
            assert list(box.fetch_new()) == []
        # nothing moved, nothing deleted: all three still in INBOX, with the keyword
        assert _folder_counts(dovecot, user) == {"INBOX": 3}
        keywords = (dovecot.maildir(user) / "dovecot-keywords").read_text()
        assert PROCESSED_KEYWORD in keywords


def test_the_worker_example_on_dovecot(dovecot: Dovecot, pki: TestPki, tmp_path: Path) -> None:
    user = "worker@ch-test.mssante.fr"
    for i, raw in enumerate(_returns(6)):
        dovecot.deliver(user, raw, i)
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    env = {
        **os.environ,
        "MSSC_IMAP_HOST": "127.0.0.1",
        "MSSC_IMAP_PORT": str(dovecot.port),
        "MSSC_IMAP_USER": user,
        "MSSC_IMAP_TOKEN": dovecot.token,
        "MSSC_IMAP_CAFILE": str(tmp_path / "ca.pem"),
        "MSSC_WORKER_RUNS": "2",
        "MSSC_WORKER_INTERVAL": "0",
    }
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "examples/return_box_worker.py", str(tmp_path / "state")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "run 1: 6 processed, 0 left" in done.stdout
    assert "run 2: 0 processed, 0 left" in done.stdout
    assert _folder_counts(dovecot, user) == {"INBOX": 0, "mssc-traites": 6}


def test_limits_size_and_progress(dovecot: Dovecot, pki: TestPki) -> None:
    user = "returns-6@ch-test.mssante.fr"
    raws = _returns(5)
    big = raws[1] + b"\r\n" + b"x" * 50_000 + b"\r\n"
    for i, raw in enumerate([raws[0], big, *raws[2:]]):
        dovecot.deliver(user, raw, i)
    ticks: list[object] = []
    with _box(dovecot, pki, user, max_bytes=20_000) as box:
        first = box.process(lambda item, raw: None, limit=2, progress=ticks.append)
        assert [s.reason for s in first.skipped] == ["too-large"]
        assert len(first.processed) == 1
        assert len(ticks) == 2
        rest = box.process(lambda item, raw: None)
    assert len(rest.processed) == 3
    assert [s.reason for s in rest.skipped] == ["too-large"]  # still there, never deleted
    assert _folder_counts(dovecot, user) == {"INBOX": 1, "mssc-traites": 4}


def test_mutual_tls_on_imap(pki: TestPki) -> None:
    creds = load_pkcs12(pki.client_pkcs12(SENDER), None)
    stranger = load_pkcs12(TestPki().client_pkcs12(SENDER), None)
    for dovecot in start_dovecot(pki, extra=MUTUAL_TLS):
        user = "returns-7@ch-test.mssante.fr"
        dovecot.deliver(user, _returns(1)[0], 1)
        with _box(dovecot, pki, user, credentials=creds) as box:
            assert [u for u, _ in box.fetch_new()] == [1]
        for who in (None, stranger):
            with (
                _box(dovecot, pki, user, credentials=who) as box,
                pytest.raises(TransportError) as info,
            ):
                box.connect()
            assert info.value.code in {"tls-failed", "auth-failed"}
