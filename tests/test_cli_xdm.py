"""``mssc xdm build|inspect`` and ``mssc cda wrap``, run through mssc.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mssc.cda import read_header
from mssc.cli import main
from mssc.testing.documents import (
    make_cda,
    make_document_message,
    make_identity,
    make_pdf,
    make_xdm,
    rezip,
)
from mssc.xdm import read_xdm


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_build_writes_the_archive_and_the_pdfs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cda = tmp_path / "cr.xml"
    cda.write_bytes(make_cda())
    pdf = tmp_path / "cr.pdf"
    pdf.write_bytes(make_pdf(900))
    out = tmp_path / "out" / "IHE_XDM.zip"
    out.parent.mkdir()
    argv = ["xdm", "build", "--cda", str(cda), "--pdf", str(pdf), "-o", str(out)]
    status, text, _ = run(
        capsys, *argv, "--structure-id", "1750000002", "--time", "2026-03-02T10:30:00+01:00"
    )
    assert status == 0, text
    package = read_xdm(out.read_bytes())
    assert package.documents[0].cda == cda.read_bytes()
    assert package.submission.author_institution is not None
    assert package.submission.author_institution.idnat == "1750000002"
    written = sorted(p.name for p in out.parent.iterdir())
    assert written == ["20260302_CR_d_examens_biologiques_PAT_TROIS_DOMINIQUE.pdf", "IHE_XDM.zip"]
    assert (out.parent / written[0]).read_bytes() == pdf.read_bytes()
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert "exists" in err


def test_build_refuses_cdas_of_two_patients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    a.write_bytes(make_cda())
    b.write_bytes(make_cda(make_identity("146026322000196", birth_name="AUTRE")))
    status, _, err = run(
        capsys, "xdm", "build", "--cda", str(a), "--cda", str(b), "-o", str(tmp_path / "x.zip")
    )
    assert status == 1
    assert "patient-mismatch" in err


@pytest.mark.parametrize("source", ["zip", "eml"])
def test_inspect_shows_documents_and_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    path = tmp_path / f"in.{source}"
    path.write_bytes(make_xdm() if source == "zip" else bytes(make_document_message()))
    status, text, _ = run(capsys, "xdm", "inspect", str(path))
    assert status == 0
    assert "IHE_XDM/SUBSET01/DOC0001.XML: Bilan sanguin (11502-2)" in text
    assert "PAT-TROIS" in text
    assert "hash and size ok" in text
    status, text, _ = run(capsys, "xdm", "inspect", "--json", str(path))
    data = json.loads(text)
    assert data[0]["documents"][0]["patient"]["ins"] == "279035121518989"
    assert data[0]["documents"][0]["hash_ok"] is True


def test_inspect_reports_a_broken_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = "IHE_XDM/SUBSET01/DOC0001.XML"
    path = tmp_path / "bad.zip"
    path.write_bytes(
        rezip(make_xdm(), lambda f: [(n, c[:-2] + b"X\n" if n == doc else c) for n, c in f.items()])
    )
    status, text, _ = run(capsys, "xdm", "inspect", str(path))
    assert status == 1
    assert "[hash-mismatch]" in text


def test_inspect_escapes_values_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # XML 1.0 cannot carry ESC or BEL; C1 controls (CSI U+009B) and bidi overrides it can.
    cda = make_cda(title="Bilan \u009b2J\u009d0;owned sanguin\u202e")
    path = tmp_path / "x.zip"
    path.write_bytes(make_xdm(cda))
    status, text, _ = run(capsys, "xdm", "inspect", str(path))
    assert status == 0
    assert "\u009b" not in text
    assert "\u009d" not in text
    assert "\u202e" not in text
    assert "\\x9b2J\\x9d0;owned" in text


def test_cda_wrap_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    identity = tmp_path / "id.json"
    identity.write_text(make_identity().model_dump_json())
    pdf = tmp_path / "cr.pdf"
    pdf.write_bytes(make_pdf(2000))
    out = tmp_path / "cr.xml"
    status, _, err = run(
        capsys,
        "cda", "wrap", "--pdf", str(pdf), "--identity", str(identity),
        "--author", "810000000001", "--author-family", "MARTIN",
        "--organisation", "1750000002", "--code", "11502-2", "--title", "Bilan",
        "--time", "2026-03-02T10:30:00+01:00", "--document-id", "1.2.250.1.999.1^7",
        "-o", str(out),
    )  # fmt: skip
    assert status == 0, err
    header = read_header(out.read_bytes())
    assert str(header.id) == "1.2.250.1.999.1^7"
    assert header.patient.ins == make_identity().ins
    assert header.effective_time.isoformat() == "2026-03-02T10:30:00+01:00"


def test_cda_wrap_refuses_an_unqualified_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = tmp_path / "id.json"
    identity.write_text(make_identity().model_dump_json().replace('"QUAL"', '"VALI"'))
    pdf = tmp_path / "cr.pdf"
    pdf.write_bytes(make_pdf())
    status, _, err = run(
        capsys,
        "cda", "wrap", "--pdf", str(pdf), "--identity", str(identity),
        "--author", "810000000001", "--author-family", "MARTIN",
        "--organisation", "1750000002", "--code", "11502-2", "--title", "Bilan",
        "-o", str(tmp_path / "x.xml"),
    )  # fmt: skip
    assert status == 1
    assert "not-qualified" in err
