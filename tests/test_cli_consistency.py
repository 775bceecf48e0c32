"""The commands agree with each other and with docs/cli.md: exit statuses, sizes, usages, and
what ``mssc templates`` shows (dates, no reST markup)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mssc.cli import main
from mssc.cli._common import format_size
from mssc.inbound import parse_patient_message
from mssc.templates import TemplateContextError, example_data, names, render

FIXTURES = Path(__file__).parent / "fixtures"
REPLY = FIXTURES / "cli" / "patient-reply.eml"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def command_reading(command: str, path: Path, tmp_path: Path) -> list[str]:
    """The command line of ``command`` with ``path`` as its input file."""
    return {
        "check": ["check", str(path)],
        "parse": ["parse", str(path)],
        "build": ["build", str(path), "-o", str(tmp_path / "out.eml")],
        "render": ["render", "rappel", str(path)],
    }[command]


def bad_input(kind: str, tmp_path: Path) -> Path:
    if kind == "missing":
        return tmp_path / "absent.json"
    if kind == "directory":
        folder = tmp_path / "a-directory"
        folder.mkdir(exist_ok=True)
        return folder
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        (command, kind)
        for command in ("check", "parse", "build", "render")
        for kind in ("missing", "directory")
        # mssc check reads a directory as a batch of messages (for --report).
        if (command, kind) != ("check", "directory")
    ],
)
def test_an_unreadable_input_is_status_2_for_every_command(
    command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(command_reading(command, bad_input(kind, tmp_path), tmp_path), capsys)
    assert status == 2
    assert "cannot read" in err
    assert out == ""


@pytest.mark.parametrize(
    "content", [b"{", b"\xff\xfe not UTF-8", b"[1, 2]", b'{"establishment": "X"}']
)
@pytest.mark.parametrize("command", ["build", "render"])
def test_an_invalid_json_input_is_status_2(
    command: str, content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    status, out, err = run(command_reading(command, path, tmp_path), capsys)
    assert status == 2
    assert err
    assert out == ""


def test_the_documented_status_2_covers_render() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 2 |"))
    assert "cannot be read" in row
    assert "render" in text.split("## `mssc render`", 1)[1].split("## ", 1)[0]


# --- dates in a template context ---------------------------------------------------------------

BAD_DATES = ["17/03/2026", "2026-13-01", "demain", "17 mars 2026", "2026-3-7"]
BAD_TIMES = ["14h30", "25:00", "2 pm"]


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_bad_date_says_dates_are_iso(value: str) -> None:
    with pytest.raises(TemplateContextError) as caught:
        render("convocation", {**example_data("convocation"), "visit_date": value})
    message = caught.value.message
    assert f"visit_date: {value!r} is not a date" in message
    assert "2026-03-17" in message
    assert "ISO 8601" in message
    assert "Input should be" not in message  # pydantic's own wording
    assert "2026-03-17" in caught.value.hint


@pytest.mark.parametrize("value", BAD_TIMES)
def test_a_bad_time_says_times_are_hh_mm(value: str) -> None:
    with pytest.raises(TemplateContextError) as caught:
        render("convocation", {**example_data("convocation"), "visit_time": value})
    assert f"visit_time: {value!r} is not a time" in caught.value.message
    assert "14:30" in caught.value.message


def test_a_bad_date_in_a_nested_list_is_named_by_its_place() -> None:
    context = example_data("planning")
    visits = [dict(v) for v in context["visits"]]
    visits[0]["date"] = "17/03/2026"
    with pytest.raises(TemplateContextError) as caught:
        render("planning", {**context, "visits": visits})
    assert "visits.0.date: '17/03/2026' is not a date" in caught.value.message


def test_render_shows_the_date_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "context.json"
    data = {**example_data("convocation"), "visit_date": "17/03/2026"}
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    status, out, err = run(["render", "convocation", str(path)], capsys)
    assert status == 2
    assert out == ""
    assert "'17/03/2026' is not a date" in err
    assert "2026-03-17" in err


# --- mssc templates --------------------------------------------------------------------------


def test_templates_shows_no_rest_markup(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["templates"], capsys)
    assert status == 0
    assert "`" not in out
    assert re.search(r"\*\w", out) is None  # no *emphasis*
    status, out, _ = run(["templates", "--json"], capsys)
    listed = json.loads(out)
    texts = [t["summary"] for t in listed] + [f["description"] for t in listed for f in t["fields"]]
    assert not [t for t in texts if "`" in t or re.search(r"\*\w", t)]


def test_templates_shows_how_dates_and_times_are_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(["templates"], capsys)
    assert "ISO 8601 (2026-03-17)" in out
    fields = {
        line.split()[-3]: line
        for line in out.splitlines()
        if line.endswith(("(2026-03-17)", "(14:30)"))
    }
    assert "visit_date" in fields
    assert "visit_time" in fields
    # The format shown is one that a context accepts.
    for name in names():
        data = example_data(name)
        if "visit_date" in data:
            render(name, {**data, "visit_date": "2026-03-17", "visit_time": "14:30"})


# --- sizes, usages ---------------------------------------------------------------------------


def test_parse_prints_sizes_in_octets_like_the_other_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(["parse", str(REPLY)], capsys)
    attachments = parse_patient_message(REPLY.read_bytes()).attachments
    assert attachments
    for a in attachments:
        assert format_size(a.size) in out
    assert re.search(r"\d B\b", out) is None


@pytest.mark.parametrize(("octets", "shown"), [(0, "0 octets"), (30_000_000, "30,000,000 octets")])
def test_the_shared_size_format(octets: int, shown: str) -> None:
    assert format_size(octets) == shown


def test_build_usage_shows_the_output_as_required(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["build", "--help"], capsys)
    assert status == 0
    usage = out.split("\n\n", 1)[0]
    assert "-o OUT.eml" in usage
    assert "[-o OUT.eml]" not in usage
    assert "--schema" in usage
    status, _, err = run(["build", str(FIXTURES / "none.json")], capsys)
    assert status == 2
    assert "-o OUT.eml" in err


def test_build_prints_the_size_with_the_shared_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = {
        "product_reference": "DEV935997",
        "sender": {
            "kind": "organisational",
            "address": "accueil@chu-exemple.mssante.fr",
            "entity": "CHU Exemple – Accueil",
        },
        "patient": "297022A02077878",
        "subject": "Votre rendez-vous",
        "text": "Bonjour,\n" + "Une ligne de texte.\n" * 200,
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.eml"
    status, printed, _ = run(["build", str(path), "-o", str(out)], capsys)
    assert status == 0
    size = out.stat().st_size
    assert size >= 1000  # so that the thousands separator shows
    assert f"{format_size(size)}, Message-ID" in printed
