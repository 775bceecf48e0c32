"""The pure parts of mssc.transport: reply mapping, raw submissions, state, escaping, imports."""

from __future__ import annotations

import ast
import json
import socket
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.cli._credentials import terminal_safe
from mssc.replies import ReplyKind
from mssc.transport import JsonFileState, RawSubmission, ReturnBox, TransportError
from mssc.transport.returns import read_item
from mssc.transport.submit import reply_kind
from transport_servers import compose, patient

SRC = Path(__file__).resolve().parent.parent / "src" / "mssc"


@pytest.mark.parametrize(
    ("code", "text", "command", "kind"),
    [
        (550, "5.1.1 <x@patient.mssante.fr>: Recipient address rejected: User unknown", "RCPT",
         ReplyKind.RECIPIENT_NOT_FOUND),
        (550, "5.1.1 The email account that you tried to reach does not exist.", "RCPT",
         ReplyKind.RECIPIENT_NOT_FOUND),
        (550, "5.2.1 The email account that you tried to reach is disabled.", "RCPT",
         ReplyKind.MAILBOX_CLOSED),
        (552, "5.3.4 Message size exceeds fixed maximum message size", "DATA",
         ReplyKind.MESSAGE_TOO_LARGE),
        (552, "5.2.2 Mailbox full", "RCPT", ReplyKind.DELIVERY_FAILED),
        (554, "5.7.1 Service unavailable; client host blocked", "RCPT",
         ReplyKind.DELIVERY_FAILED),
        (553, "5.1.8 Sender address rejected: Domain not found", "MAIL",
         ReplyKind.DELIVERY_FAILED),
        (550, "5.1.1 User unknown", "MAIL", ReplyKind.DELIVERY_FAILED),
        (450, "4.1.1 <x>: Recipient address rejected: unverified address", "RCPT",
         ReplyKind.DELIVERY_FAILED),
        (550, "", "RCPT", ReplyKind.DELIVERY_FAILED),
    ],
)  # fmt: skip
def test_reply_kind_table(code: int, text: str, command: str, kind: ReplyKind) -> None:
    assert reply_kind(code, text, command, "x@patient.mssante.fr") is kind


@given(
    st.integers(min_value=400, max_value=599),
    st.text(max_size=300),
    st.sampled_from(["MAIL", "RCPT", "DATA", ""]),
    st.text(max_size=60),
)
def test_reply_kind_never_raises_and_stays_a_failure(
    code: int, text: str, command: str, address: str
) -> None:
    kind = reply_kind(code, text, command, address)
    assert kind.is_failure


def test_raw_submission_reads_the_envelope() -> None:
    message = compose(3)
    raw = message.to_bytes().replace(b"\r\n", b"\n")
    sub = RawSubmission.from_bytes(raw)
    assert sub.message_id == message.message_id
    assert sub.envelope.rcpt_to == (patient(3),)
    assert sub.envelope.mail_from == message.envelope.mail_from
    assert sub.envelope.mail_options == message.envelope.mail_options
    assert sub.envelope.rcpt_options == message.envelope.rcpt_options
    assert sub.to_bytes() == message.to_bytes()
    several = RawSubmission.from_bytes(raw, rcpt_to=[patient(1), patient(2), patient(1)])
    assert several.envelope.rcpt_to == (patient(1), patient(2))
    assert several.envelope.rcpt_options == ()


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@b.fr\r\nTo: c@d.fr\r\n\r\nno id\r\n",
        b"Message-ID: <1@b.fr>\r\nTo: c@d.fr\r\n\r\nno sender\r\n",
        b"Message-ID: <1@b.fr>\r\nFrom: a@b.fr\r\n\r\nno recipient\r\n",
        b'Message-ID: <1@b.fr>\r\nFrom: a@b.fr\r\nTo: "x" <c\x00@d.fr>\r\n\r\nnul\r\n',
        b'Message-ID: <1@b.fr>\r\nFrom: a@b.fr\r\nTo: "c\r\n d"@d.fr\r\n\r\nspace\r\n',
        b"Message-ID: <1@b.fr>\r\nFrom: a@b.fr\r\nTo: c\x1b[2J@d.fr\r\n\r\nescape\r\n",
    ],
    ids=["no-id", "no-sender", "no-recipient", "nul", "folded-space", "escape"],
)
def test_raw_submission_refuses_what_it_cannot_send_safely(raw: bytes) -> None:
    with pytest.raises(TransportError) as info:
        RawSubmission.from_bytes(raw)
    assert info.value.code == "bad-argument"


def test_json_state_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    state = JsonFileState(path)
    state["a@h:143/INBOX"] = {"uidvalidity": 7, "last_uid": 3}
    assert json.loads(path.read_text()) == {"a@h:143/INBOX": {"uidvalidity": 7, "last_uid": 3}}
    again = JsonFileState(path)
    assert dict(again) == dict(state)
    del again["a@h:143/INBOX"]
    assert JsonFileState(path) == {}
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary file left
    path.write_text("{not json")
    with pytest.raises(TransportError) as info:
        JsonFileState(path)
    assert info.value.code == "bad-argument"


def test_idempotence_key() -> None:
    with_id = b"From: x@y.fr\r\nMessage-ID: <a.1@y.fr>\r\n\r\nhi\r\n"
    without = b"From: x@y.fr\r\n\r\nhi\r\n"
    assert read_item(1, with_id).idempotence_key == "<a.1@y.fr>"
    first, second = read_item(1, without), read_item(9, without)
    assert first.idempotence_key.startswith("sha256:")
    assert first.idempotence_key == second.idempotence_key
    assert read_item(1, without + b" ").idempotence_key != first.idempotence_key
    assert read_item(1, b"\x00\xff garbage").kind is ReplyKind.OTHER


@given(st.text())
def test_terminal_safe_leaves_nothing_unprintable(text: str) -> None:
    safe = terminal_safe(text)
    assert safe.isprintable()
    if text.isprintable():
        assert safe == text


def test_imap_without_starttls_is_refused() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    lines: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, conn.makefile("rwb") as stream:
            stream.write(b"* OK plain only\r\n")
            stream.flush()
            for line in stream:
                lines.append(line)
                tag, _, command = line.decode().partition(" ")
                if command.upper().startswith("CAPABILITY"):
                    stream.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                stream.write(tag.encode() + b" OK done\r\n")
                stream.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with listener:
        box = ReturnBox("127.0.0.1", listener.getsockname()[1], username="u", password="secret")
        with pytest.raises(TransportError) as info:
            box.connect()
        thread.join(5)
    assert info.value.code == "starttls-unavailable"
    assert lines  # it did talk to the server
    assert not any(b"secret" in line for line in lines)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_core_never_imports_the_transport_edge() -> None:
    edges = ("mssc/cli/", "mssc/sandbox/", "mssc/transport/")
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC.parent).as_posix()
        if relative.startswith(edges):
            continue
        bad = {m for m in _imports(path) if m.startswith("mssc.transport")}
        assert not bad, f"{relative} imports {bad}"
    # and the transport edge imports no other edge
    for path in (SRC / "transport").rglob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("mssc.cli", "mssc.sandbox"))}
        assert not bad, f"{path.name} imports {bad}"
