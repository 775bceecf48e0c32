"""``mssc templates`` and ``mssc render``."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mssc.cli import _templates
from mssc.templates import example_data, names, render

ROOT = Path(__file__).resolve().parent.parent
MSSC = Path(sys.executable).with_name("mssc")  # the console script of this environment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mssc")
    _templates.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    args = _parser().parse_args(argv)
    status = args.handler(args)
    out, err = capsys.readouterr()
    return status, out, err


def _context_file(tmp_path: Path, name: str, **changes: object) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(
        json.dumps({**example_data(name), **changes}, default=str, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def test_templates_lists_every_template_with_fields(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["templates"], capsys)
    assert status == 0
    for name in names():
        assert f"\n{name}\n" in f"\n{out}"
    assert "* establishment" in out
    assert "* days_before" in out


def test_templates_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["templates", "--json"], capsys)
    assert status == 0
    listed = json.loads(out)
    assert [t["name"] for t in listed] == names()
    pre = next(t for t in listed if t["name"] == "preadmission")
    fields = {f["name"]: f for f in pre["fields"]}
    assert fields["visit_date"]["required"] is True
    assert len(fields["administrative_documents"]["default"]) == 4


@pytest.mark.parametrize("name", names())
def test_example_then_render(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["templates", "--example", name], capsys)
    assert status == 0
    path = tmp_path / "ctx.json"
    path.write_text(out, encoding="utf-8")
    status, out, _ = _run(["render", name, str(path)], capsys)
    assert status == 0
    expected = render(name, example_data(name))
    assert out == f"Objet : {expected.subject}\n\n{expected.text}"


def test_render_html_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _context_file(tmp_path, "convocation")
    expected = render("convocation", example_data("convocation"))
    status, out, _ = _run(["render", "convocation", str(path), "--html"], capsys)
    assert status == 0
    assert out.endswith(expected.html)
    status, out, _ = _run(["render", "convocation", str(path), "--json"], capsys)
    assert status == 0
    assert json.loads(out) == {
        "subject": expected.subject,
        "text": expected.text,
        "html": expected.html,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid UTF-8 JSON"),
        ("[1, 2]", "JSON object"),
        ('{"establishment": "X"}', "[missing-field]"),
    ],
)
def test_render_failures_exit_2(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    status, out, err = _run(["render", "rappel", str(path)], capsys)
    assert status == 2  # like check, parse and build: an input the command cannot use
    assert out == ""
    assert message in err


def test_render_unknown_template_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _context_file(tmp_path, "rappel")
    status, _, err = _run(["render", "rapel", str(path)], capsys)
    assert status == 2
    assert "[unknown-template]" in err
    assert "rappel" in err
    status, _, err = _run(["render", "rappel", str(tmp_path / "none.json")], capsys)
    assert status == 2
    assert "cannot read" in err
    status, _, err = _run(["templates", "--example", "nope"], capsys)
    assert status == 2
    assert "[unknown-template]" in err


def test_render_with_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overrides = tmp_path / "modeles"
    overrides.mkdir()
    (overrides / "rappel.txt").write_text(
        "Objet : N'oubliez pas : ${visit_when}\n\nBonjour,\n\nÀ ${delay} !\n", encoding="utf-8"
    )
    path = _context_file(tmp_path, "rappel")
    status, out, _ = _run(["render", "rappel", str(path), "--overrides", str(overrides)], capsys)
    assert status == 0
    assert out == "Objet : N'oubliez pas : mardi 3 mars 2026 à 14 h 30\n\nBonjour,\n\nÀ demain !\n"
    (overrides / "rappel.txt").write_text("Objet : x\n\n${inconnu}\n", encoding="utf-8")
    status, _, err = _run(["render", "rappel", str(path), "--overrides", str(overrides)], capsys)
    assert status == 2
    assert "[bad-override]" in err
    assert "inconnu" in err


def test_installed_command(tmp_path: Path) -> None:
    path = _context_file(tmp_path, "preadmission")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    done = subprocess.run(
        [str(MSSC), "render", "preadmission", str(path)],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = render("preadmission", example_data("preadmission"))
    assert done.stdout.decode("utf-8") == f"Objet : {expected.subject}\n\n{expected.text}"
    usage = subprocess.run([str(MSSC), "render"], capture_output=True, env=env, check=False)
    assert usage.returncode == 2
    helped = subprocess.run(
        [str(MSSC), "render", "--help"], capture_output=True, env=env, check=False
    )
    assert helped.stdout.decode().rstrip().endswith("mssc render preadmission context.json --html")


def test_module_entry_point_lists_templates() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mssc", "templates"], capture_output=True, check=False
    )
    assert done.returncode == 0
    assert b"preadmission" in done.stdout
