"""``mssc classify`` through the real console script: files, directories, mbox, Maildir."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mssc.cli._mailboxes import Source, count_messages, iter_messages
from mssc.replies import ReplyKind, classify

MSSC = str(Path(sys.executable).with_name("mssc"))
FIXTURES = Path(__file__).parent / "fixtures" / "cli"
BOUNCE = FIXTURES / "bounce-unknown-patient.eml"
RECEIPT = FIXTURES / "read-receipt.eml"
REPLY = FIXTURES / "patient-reply.eml"
ALL = (BOUNCE, RECEIPT, REPLY)


def mssc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MSSC, *args], capture_output=True, text=True, timeout=120, check=False)


def expected(path: Path) -> ReplyKind:
    """The kind the library gives; the CLI must report the same."""
    return classify(path.read_bytes()).kind


def write_mbox(path: Path, messages: list[bytes]) -> None:
    box = mailbox.mbox(path, create=True)
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()


def write_maildir(path: Path, messages: list[bytes]) -> None:
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    box.flush()


def test_one_line_per_message_with_kind_ins_and_original_id() -> None:
    result = mssc("classify", *map(str, ALL))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    rows = {line.split()[-1]: line.split() for line in lines[1 : 1 + len(ALL)]}
    for path in ALL:
        c = classify(path.read_bytes())
        kind, ins, original, _source = rows[str(path)]
        assert kind == c.kind.value
        assert original == c.original_message_id
        assert ins != "-"
    assert rows[str(BOUNCE)][1] == "279035121518989"
    assert rows[str(REPLY)][1] == "297022A02077878"


def test_summary_table_counts_each_kind() -> None:
    result = mssc("classify", str(BOUNCE), str(BOUNCE), str(RECEIPT))
    summary = result.stdout.split("\n\n", 1)[1].splitlines()
    table = {line.split()[0]: line.split()[1:] for line in summary[1:]}
    assert table[expected(BOUNCE).value][0] == "2"
    assert table[expected(RECEIPT).value][0] == "1"
    assert table["total"] == ["3"]


def test_explain_prints_the_evidence() -> None:
    result = mssc("classify", "--explain", str(BOUNCE))
    for ev in classify(BOUNCE.read_bytes()).evidence:
        assert f"- {ev.rule} [{ev.source}]" in result.stdout
    assert "confidence" in result.stdout


def test_json_lines(tmp_path: Path) -> None:
    result = mssc("classify", "--json", *map(str, ALL))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(ALL)
    for record, path in zip(records, ALL, strict=True):
        c = classify(path.read_bytes())
        assert record["source"] == str(path)
        assert {k: v for k, v in record.items() if k != "source"} == (
            json.loads(json.dumps(c.to_dict()))
        )
    assert records[2]["patient_ins"] == "297022A02077878"


@pytest.mark.parametrize("form", ["mbox", "maildir", "directory"])
def test_mailbox_forms(tmp_path: Path, form: str) -> None:
    raws = [p.read_bytes() for p in ALL] * 3
    target = tmp_path / form
    if form == "mbox":
        write_mbox(target, raws)
    elif form == "maildir":
        write_maildir(target, raws)
    else:
        (target / "sub").mkdir(parents=True)
        for i, raw in enumerate(raws):
            (target / ("sub" if i % 2 else ".") / f"m{i:02}.eml").write_bytes(raw)
        (target / "README.md").write_text("# not a message\n")
    result = mssc("classify", "--json", str(target))
    assert result.returncode == 0
    kinds = sorted(json.loads(line)["kind"] for line in result.stdout.splitlines())
    assert kinds == sorted(classify(raw).kind.value for raw in raws)
    text = mssc("classify", str(target)).stdout
    if form == "directory":
        assert "skipped (not mail)          1" in text


def test_mbox_splitting_undoes_from_quoting(tmp_path: Path) -> None:
    """The stdlib writes a body line "From the start" as ">From the start"; we read it back."""
    body = b"From: a@chu.mssante.fr\nSubject: x\n\nline\n\nFrom the start\nend\n"
    write_mbox(tmp_path / "box", [body, body])
    assert b"\n>From the start" in (tmp_path / "box").read_bytes()
    got = list(iter_messages([str(tmp_path / "box")], lambda n, e: None))
    assert [s for s, _ in got] == [
        Source(str(tmp_path / "box"), 1),
        Source(str(tmp_path / "box"), 2),
    ]
    assert [raw for _, raw in got] == [body, body]
    assert count_messages([str(tmp_path / "box")]) == 2


def test_missing_path_is_reported_and_fails(tmp_path: Path) -> None:
    result = mssc("classify", str(BOUNCE), str(tmp_path / "absent.mbox"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr
    assert expected(BOUNCE).value in result.stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    write_mbox(tmp_path / "big", [BOUNCE.read_bytes()] * 400)
    result = mssc("classify", str(tmp_path / "big"))
    assert result.stderr == ""
    assert "total                     400" in result.stdout


def test_usage_errors() -> None:
    assert mssc("classify").returncode == 2
    assert mssc("classify", "--bogus", str(BOUNCE)).returncode == 2
    help_text = mssc("classify", "--help").stdout.rstrip().splitlines()
    assert help_text[-2].strip() == "example:"
    assert help_text[-1].strip().startswith("mssc classify ")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("count", "drawn"), [(400, True), (50, False)])
def test_progress_bar_on_a_terminal(tmp_path: Path, count: int, drawn: bool) -> None:
    import os
    import pty

    write_mbox(tmp_path / "box", [BOUNCE.read_bytes()] * count)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [MSSC, "classify", str(tmp_path / "box")],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
            check=False,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal has no more writers
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    stderr = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert (f"] {count}/{count}" in stderr) == drawn
    assert ("#" in stderr) == drawn
    assert b"[#" not in proc.stdout


_LINE = st.sampled_from(
    ["", "Bonjour,", "From the start of the week", "From: x@y.fr", "  indented", "fin.", "From"]
)


@given(st.lists(st.lists(_LINE, max_size=8), min_size=1, max_size=6))
def test_mbox_round_trip(tmp_path_factory: pytest.TempPathFactory, bodies: list[list[str]]) -> None:
    """Whatever the stdlib's mbox writer stores, the streaming reader gives back, in order."""
    messages = [
        (f"Subject: m{i}\n\n" + "".join(f"{line}\n" for line in body)).encode()
        for i, body in enumerate(bodies)
    ]
    path = tmp_path_factory.mktemp("rt") / "box"
    write_mbox(path, messages)
    got = [raw for _, raw in iter_messages([str(path)], lambda n, e: None)]
    assert got == messages
    assert count_messages([str(path)]) == len(messages)


def test_symlinks_found_in_a_directory_are_skipped_not_followed(tmp_path: Path) -> None:
    """A link may point outside the tree or back up into it: never followed during a walk."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "other.eml").write_bytes(RECEIPT.read_bytes())
    box = tmp_path / "box"
    (box / "sub").mkdir(parents=True)
    (box / "sub" / "m.eml").write_bytes(BOUNCE.read_bytes())
    (box / "sub" / "up").symlink_to("..")  # a loop
    (box / "outside").symlink_to(outside)  # a directory elsewhere
    (box / "linked.eml").symlink_to(outside / "other.eml")  # a file elsewhere
    maildir = tmp_path / "md"
    write_maildir(maildir, [REPLY.read_bytes()])
    (maildir / "new" / "linked").symlink_to(outside / "other.eml")
    result = mssc("classify", "--json", str(box), str(maildir))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    sources = sorted(json.loads(line)["source"] for line in result.stdout.splitlines())
    assert len(sources) == 2
    assert sources[0] == str(box / "sub" / "m.eml")
    assert sources[1].startswith(str(maildir / "cur") + "/") or sources[1].startswith(
        str(maildir / "new") + "/"
    )
    text = mssc("classify", str(box), str(maildir)).stdout
    assert "skipped (symlink)           4" in text


def test_a_path_named_on_the_command_line_is_followed_even_as_a_link(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "m.eml").write_bytes(BOUNCE.read_bytes())
    (tmp_path / "link").symlink_to(tmp_path / "dir")
    (tmp_path / "file-link.eml").symlink_to(RECEIPT)
    result = mssc("classify", "--json", str(tmp_path / "link"), str(tmp_path / "file-link.eml"))
    assert result.returncode == 0
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds == [expected(BOUNCE).value, expected(RECEIPT).value]


def test_an_unreadable_subdirectory_does_not_stop_the_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "m.eml").write_bytes(BOUNCE.read_bytes())
    real_scandir = os.scandir

    def scandir(path: Path) -> object:
        if Path(path) == tmp_path / "b":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    errors: list[str] = []
    got = [str(s) for s, _ in iter_messages([str(tmp_path)], lambda n, e: errors.append(n))]
    assert got == [str(tmp_path / "a" / "m.eml"), str(tmp_path / "c" / "m.eml")]
    assert errors == [str(tmp_path / "b")]


@pytest.mark.parametrize("form", ["empty directory", "zero-byte files", "empty Maildir"])
def test_nothing_to_classify_is_not_a_failure(tmp_path: Path, form: str) -> None:
    target = tmp_path / "t"
    if form == "empty Maildir":
        write_maildir(target, [])
    else:
        target.mkdir()
        if form == "zero-byte files":
            (target / "a.eml").write_bytes(b"")
            (target / "b").write_bytes(b"")
    result = mssc("classify", str(target))
    assert result.returncode == 0
    assert "total                       0" in result.stdout
    assert mssc("classify", "--json", str(target)).stdout == ""


def test_json_lines_are_stable(tmp_path: Path) -> None:
    """Same input, same bytes; every line has the same keys, "source" first."""
    write_mbox(tmp_path / "box", [raw.read_bytes() for raw in ALL])
    first = mssc("classify", "--json", str(tmp_path / "box"), *map(str, ALL))
    second = mssc("classify", "--json", str(tmp_path / "box"), *map(str, ALL))
    assert first.returncode == 0
    assert first.stdout == second.stdout
    records = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(records) == 2 * len(ALL)
    keys = [list(r) for r in records]
    assert all(k == keys[0] for k in keys)
    assert keys[0][0] == "source"
    assert "patient_ins" in keys[0]
    assert "kind" in keys[0]
