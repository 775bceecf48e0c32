"""``mssc classify`` reads each input once: standard input (``-``, ``/dev/stdin``), pipes and
FIFOs work like files; and its text table is aligned whatever the values' lengths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mssc.cli._mailboxes import count_messages
from mssc.replies import classify

MSSC = str(Path(sys.executable).with_name("mssc"))
FIXTURES = Path(__file__).parent / "fixtures" / "cli"
MESSAGES = sorted(FIXTURES.glob("*.eml"))


def mssc(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([MSSC, *args], input=stdin, capture_output=True, timeout=60, check=False)


def mbox(messages: list[bytes]) -> bytes:
    return b"".join(b"From MAILER-DAEMON Tue Dec  1 08:00:00 2026\n" + m + b"\n" for m in messages)


def kinds(output: bytes) -> list[str]:
    return [json.loads(line)["kind"] for line in output.splitlines()]


@pytest.mark.parametrize("path", MESSAGES, ids=[p.name for p in MESSAGES])
@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_a_message_on_standard_input_is_read_whole(path: Path, name: str) -> None:
    raw = path.read_bytes()
    result = mssc("classify", "--json", name, stdin=raw)
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["kind"] == classify(raw).kind.value
    assert record["source"] == name


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_an_mbox_on_standard_input_is_split(name: str) -> None:
    raws = [p.read_bytes() for p in MESSAGES]
    result = mssc("classify", "--json", name, stdin=mbox(raws))
    assert result.returncode == 0, result.stderr
    assert kinds(result.stdout) == [classify(raw).kind.value for raw in raws]


def test_standard_input_beside_files() -> None:
    raws = [p.read_bytes() for p in MESSAGES]
    result = mssc("classify", "--json", str(MESSAGES[0]), "-", stdin=raws[1])
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    assert sources == [str(MESSAGES[0]), "-"]
    assert kinds(result.stdout) == [classify(raws[0]).kind.value, classify(raws[1]).kind.value]


def feed(fifo: Path, data: bytes) -> threading.Thread:
    """Write ``data`` into ``fifo`` from a thread (opening blocks until a reader comes)."""

    def write() -> None:
        with fifo.open("wb") as f:
            f.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("form", ["message", "mbox"])
def test_a_fifo_is_read_once_and_does_not_hang(tmp_path: Path, form: str) -> None:
    raws = [p.read_bytes() for p in MESSAGES]
    fifo = tmp_path / "returns"
    os.mkfifo(fifo)
    data = raws[0] if form == "message" else mbox(raws)
    writer = feed(fifo, data)
    result = mssc("classify", "--json", str(fifo))  # a second open would wait for ever
    writer.join(timeout=10)
    assert result.returncode == 0, result.stderr
    expected = raws[:1] if form == "message" else raws
    assert kinds(result.stdout) == [classify(raw).kind.value for raw in expected]


def test_a_fifo_in_text_mode_with_explain(tmp_path: Path) -> None:
    raw = MESSAGES[0].read_bytes()
    fifo = tmp_path / "one"
    os.mkfifo(fifo)
    writer = feed(fifo, raw)
    result = mssc("classify", "--explain", "--no-progress", str(fifo))
    writer.join(timeout=10)
    assert result.returncode == 0
    assert classify(raw).kind.value in result.stdout.decode()


def test_counting_for_the_progress_bar_leaves_a_fifo_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "nobody-writes"
    os.mkfifo(fifo)
    program = (
        "from mssc.cli._mailboxes import count_messages\n"
        f"print(count_messages([{str(fifo)!r}, '-']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "2"  # counted, not opened (opening would block)


def test_counting_regular_files_still_reads_them(tmp_path: Path) -> None:
    box = tmp_path / "retours.mbox"
    box.write_bytes(mbox([p.read_bytes() for p in MESSAGES]))
    assert count_messages([str(box), str(MESSAGES[0])]) == len(MESSAGES) + 1


def test_an_empty_standard_input_is_one_empty_message() -> None:
    result = mssc("classify", "--json", "-", stdin=b"")
    assert result.returncode == 0
    assert kinds(result.stdout) == [classify(b"").kind.value]


# --- the aligned table ---------------------------------------------------------------------


def with_message_id(raw: bytes, left: str) -> bytes:
    """``raw`` with its original Message-ID (quoted in the report) replaced by ``<left@…>``."""
    original = classify(raw).original_message_id
    assert original is not None
    return raw.replace(original.encode(), f"<{left}@chu-exemple.mssante.fr>".encode())


def test_the_text_table_is_aligned(tmp_path: Path) -> None:
    bounce = (FIXTURES / "bounce-unknown-patient.eml").read_bytes()
    folder = tmp_path / "a-folder-with-a-long-name"
    folder.mkdir()
    for n, length in enumerate((1, 7, 40, 90)):
        (folder / f"{'r' * (n * 9 + 1)}.eml").write_bytes(with_message_id(bounce, "x" * length))
    for path in MESSAGES:
        (folder / path.name).write_bytes(path.read_bytes())
    lines = mssc("classify", str(folder)).stdout.decode().split("\n\n")[0].splitlines()
    header, rows = lines[0], lines[1:]
    assert len(rows) == 4 + len(MESSAGES)
    starts = [header.index(column) for column in ("INS", "ORIGINAL-MESSAGE-ID", "SOURCE")]
    for row in rows:
        for start in starts:
            assert row[start - 2 : start] == "  ", (row, start)
            assert row[start] != " ", (row, start)
    # Each column is as wide as its longest value (or title): one line fills it.
    for start in starts:
        assert any(line[start - 3] != " " for line in lines)
