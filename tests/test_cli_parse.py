"""``mssc parse`` through the real console script, and the extraction guard."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mssc.attachments import MAX_FILENAME_OCTETS, safe_filename
from mssc.cli._parse import UnsafeTarget, save_attachment, target_path
from mssc.inbound import ReceivedAttachment, parse_patient_message

MSSC = str(Path(sys.executable).with_name("mssc"))
REPLY = Path(__file__).parent / "fixtures" / "cli" / "patient-reply.eml"


def mssc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MSSC, *args], capture_output=True, text=True, timeout=60, check=False, cwd=cwd
    )


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_text_output_shows_sender_ins_thread_and_verdicts() -> None:
    parsed = parse_patient_message(REPLY.read_bytes())
    result = mssc("parse", str(REPLY))
    assert parsed.ins is not None
    assert parsed.ins.format() in result.stdout
    assert f"thread root  {parsed.thread_root}" in result.stdout
    for a in parsed.attachments:
        assert repr(a.safe_filename) in result.stdout
        assert ("accepted" if a.accepted else f"refused [{a.code}]") in result.stdout
    # Two attachments are refused (a path in the name, an executable named .pdf): status 1.
    assert result.returncode == 1


def test_json_output_is_the_parsed_message() -> None:
    result = mssc("parse", "--json", str(REPLY))
    data = json.loads(result.stdout)
    expected = json.loads(json.dumps(parse_patient_message(REPLY.read_bytes()).to_dict()))
    assert data == {**expected, "extracted": []}


def test_extract_saves_only_accepted_files_inside_the_directory(tmp_path: Path) -> None:
    work = tmp_path / "work"
    out = work / "out"
    work.mkdir()
    result = mssc("parse", "--json", "--extract", "out", str(REPLY), cwd=work)
    parsed = parse_patient_message(REPLY.read_bytes())
    accepted = [a for a in parsed.attachments if a.accepted]
    assert accepted  # the fixture has one good PDF
    assert tree(tmp_path) == {"work", "work/out"} | {
        f"work/out/{a.safe_filename}" for a in accepted
    }
    for a in accepted:
        assert (out / a.safe_filename).read_bytes() == a.content
    assert json.loads(result.stdout)["extracted"] == [
        str((out / a.safe_filename).resolve()) for a in accepted
    ]
    assert not Path("/tmp/evil/ordonnance.pdf").exists()


def test_extract_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "bilan.pdf").write_bytes(b"already here")
    mssc("parse", "--extract", str(tmp_path), str(REPLY))
    mssc("parse", "--extract", str(tmp_path), str(REPLY))
    assert (tmp_path / "bilan.pdf").read_bytes() == b"already here"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bilan (2).pdf",
        "bilan (3).pdf",
        "bilan.pdf",
    ]


@pytest.mark.parametrize(
    "name",
    ["../../x.pdf", "../x.pdf", "..", ".", "", "/etc/passwd", "a/../../b.pdf", "a\\..\\b.pdf"],
)
def test_target_path_refuses_escaping_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafeTarget) as info:
        target_path(tmp_path, name)
    assert info.value.code == "unsafe-path"


def test_target_path_refuses_a_symlinked_escape(tmp_path: Path) -> None:
    inside = tmp_path / "in"
    inside.mkdir()
    (inside / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    with pytest.raises(UnsafeTarget):
        target_path(inside, "link.pdf")


def _pdf(safe_name: str) -> ReceivedAttachment:
    """An accepted PDF attachment whose safe name is ``safe_name`` (built by hand)."""
    return ReceivedAttachment(
        filename=safe_name,
        safe_filename=safe_name,
        media_type="application/pdf",
        declared_type="application/pdf",
        size=4,
        content=b"%PDF",
        accepted=True,
        code=None,
        reason="",
    )


def test_save_attachment_with_a_hostile_safe_name(tmp_path: Path) -> None:
    """Even if a caller builds a ReceivedAttachment by hand with a bad name, nothing escapes."""
    hostile = _pdf("../../x.pdf")
    (tmp_path / "d").mkdir()
    with pytest.raises(UnsafeTarget):
        save_attachment(tmp_path / "d", hostile)
    assert tree(tmp_path) == {"d"}


@pytest.mark.parametrize(("args", "status"), [((), 2), (("/no/such/file.eml",), 2)])
def test_usage_errors(args: tuple[str, ...], status: int) -> None:
    assert mssc("parse", *args).returncode == status


def test_a_clean_patient_message_exits_0(tmp_path: Path) -> None:
    clean = tmp_path / "ok.eml"
    clean.write_bytes(
        b"From: Dominique ADRTROIS <297022A02077878@patient.mssante.fr>\r\n"
        b"To: accueil@chu-exemple.mssante.fr\r\nSubject: Merci\r\n\r\nMerci beaucoup.\r\n"
    )
    assert mssc("parse", str(clean)).returncode == 0


def test_help_ends_with_an_example() -> None:
    lines = mssc("parse", "--help").stdout.rstrip().splitlines()
    assert lines[-2].strip() == "example:"
    assert lines[-1].strip().startswith("mssc parse ")


def _two_pdfs(first: str, second: str) -> bytes:
    """A patient's message with two accepted PDFs named ``first`` and ``second``."""
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"] = "Dominique ADRTROIS <297022A02077878@patient.mssante.fr>"
    m["To"] = "accueil@chu-exemple.mssante.fr"
    m["Subject"] = "Mes documents"
    m.set_content("Voici mes deux bilans.\n")
    for name, n in ((first, 1), (second, 2)):
        content = b"%PDF-1.4\n%% bilan " + str(n).encode() + b"\n%%EOF\n"
        m.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return m.as_bytes()


def test_extract_treats_names_differing_only_in_case_as_one(tmp_path: Path) -> None:
    """The directory may be copied to a case-insensitive disk: Bilan.pdf and bilan.pdf collide."""
    message = tmp_path / "m.eml"
    message.write_bytes(_two_pdfs("Bilan.pdf", "bilan.pdf"))
    out = tmp_path / "out"
    result = mssc("parse", "--extract", str(out), str(message))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2
    assert len({n.casefold() for n in names}) == 2
    contents = sorted(p.read_bytes() for p in out.iterdir())
    assert contents == sorted(
        a.content for a in parse_patient_message(message.read_bytes()).attachments
    )


def test_extract_numbers_a_name_taken_by_a_symlink(tmp_path: Path) -> None:
    """A link planted in DIR under the attachment's name is neither followed nor a failure."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "bilan.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    message = tmp_path / "m.eml"
    message.write_bytes(_two_pdfs("bilan.pdf", "autre.pdf"))
    result = mssc("parse", "--extract", str(out), str(message))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "elsewhere.pdf").exists()
    assert sorted(p.name for p in out.iterdir()) == ["autre.pdf", "bilan (2).pdf", "bilan.pdf"]


def test_extract_into_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    result = mssc("parse", "--extract", str(tmp_path / "file"), str(REPLY))
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "file").read_bytes() == b"x"


def test_save_attachment_numbers_a_long_name_within_the_name_limit(tmp_path: Path) -> None:
    name = safe_filename("漢" * 200 + ".pdf")  # cut by safe_filename to fit 255 octets
    long = _pdf(name)
    first = save_attachment(tmp_path, long)
    second = save_attachment(tmp_path, long)
    assert first != second
    assert len(second.name.encode("utf-8")) <= MAX_FILENAME_OCTETS
