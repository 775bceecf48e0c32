"""Start-up: ``import mssc`` and the ``mssc`` command load only what they use.

The speed itself is measured in ``benchmarks/bench_startup.py``; here we check what is imported,
in a fresh interpreter each time, and that the lazy tables (``mssc._EXPORTS``,
``mssc.cli.COMMANDS``) agree with what they stand for.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import io
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import mssc
import mssc.cli
from mssc.cli import COMMANDS, build_parser, main

INIT = Path(mssc.__file__)

#: Modules that only heavy commands need; a cheap start must not load them.
HEAVY = ("pydantic", "email_validator", "mssc.templates", "mssc.replies", "mssc.conformance")


def loaded_after(code: str) -> list[str]:
    """The modules loaded in a new interpreter after running ``code`` (stdout silenced)."""
    program = (
        "import contextlib, io, json, sys\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        f"    exec({code!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], check=True, capture_output=True, text=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def heavy_in(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


# --- mssc/__init__.py: the table, the TYPE_CHECKING imports and __all__ agree -----------------


def type_checking_imports() -> dict[str, set[str]]:
    """module -> names imported in the ``if TYPE_CHECKING:`` block of mssc/__init__.py."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                assert statement.module is not None
                names = {alias.name for alias in statement.names}
                assert all(alias.asname is None for alias in statement.names)
                found.setdefault(statement.module, set()).update(names)
    return found


def test_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    table = {module: set(names) for module, names in mssc._EXPORTS.items()}
    assert table == type_checking_imports()


def test_the_lazy_table_and_all_agree() -> None:
    in_table = [name for names in mssc._EXPORTS.values() for name in names]
    assert len(in_table) == len(set(in_table)), "a name is listed under two modules"
    assert set(in_table) | {"__version__"} == set(mssc.__all__)


@pytest.mark.parametrize(("module", "names"), sorted(mssc._EXPORTS.items()))
def test_each_name_comes_from_its_module(module: str, names: tuple[str, ...]) -> None:
    source = importlib.import_module(module)
    for name in names:
        assert getattr(mssc, name) is getattr(source, name)


def test_dir_lists_every_public_name_before_it_is_loaded() -> None:
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-c", "import json, mssc; print(json.dumps(dir(mssc)))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert set(mssc.__all__) <= set(listed)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = mssc.no_such_name  # type: ignore[attr-defined]
    assert not hasattr(mssc, "_EXPORTS_missing")


def test_star_import_gives_all() -> None:
    namespace: dict[str, object] = {}
    exec("from mssc import *", namespace)
    assert set(mssc.__all__) <= set(namespace)


# --- what each start loads ---------------------------------------------------------------------


def test_import_mssc_loads_no_submodule() -> None:
    loaded = loaded_after("import mssc")
    assert [m for m in loaded if m.startswith("mssc.")] == []
    assert heavy_in(loaded) == []


def test_parse_ins_loads_neither_pydantic_nor_email_validator() -> None:
    loaded = loaded_after("import mssc; mssc.parse_ins('279035121518989').address")
    assert heavy_in(loaded) == []


def test_mssc_address_loads_no_pydantic() -> None:
    loaded = loaded_after("import mssc.cli; mssc.cli.main(['address', '279035121518989'])")
    assert "pydantic" not in loaded


def test_patient_identity_is_still_reached_through_mssc_ins() -> None:
    loaded = loaded_after("from mssc.ins import PatientIdentity")
    assert "pydantic" in loaded
    from mssc._patient import PatientIdentity
    from mssc.ins import PatientIdentity as FromIns

    assert FromIns is PatientIdentity is mssc.PatientIdentity


def test_mssc_help_loads_no_command_module() -> None:
    loaded = loaded_after(
        "import mssc.cli\ntry:\n    mssc.cli.main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert [m for m in loaded if m.startswith("mssc.") and m != "mssc.cli"] == []


def test_mssc_ins_loads_only_the_ins_command() -> None:
    loaded = loaded_after("import mssc.cli; mssc.cli.main(['ins', '279035121518989'])")
    assert heavy_in(loaded) == []
    commands = {m for m in loaded if m.startswith("mssc.cli._")}
    assert commands == {"mssc.cli._common", "mssc.cli._identity"}


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["check", "--rules"], "mssc.cli._check"),
        (["templates"], "mssc.cli._templates"),
        (["build", "--schema"], "mssc.cli._build"),
    ],
)
def test_a_command_loads_its_own_module_only(argv: list[str], module: str) -> None:
    loaded = loaded_after(f"import mssc.cli; mssc.cli.main({argv!r})")
    # Helper modules with no command of their own (_common, _check_report …) may load too.
    command_modules = {f"mssc.cli.{c.module}" for c in mssc.cli.COMMANDS}
    assert {m for m in loaded if m in command_modules} == {module}


# --- mssc/cli/__init__.py: the command table ----------------------------------------------------


def command_modules() -> set[str]:
    """Every module of mssc.cli that registers subcommands."""
    found = set()
    for info in pkgutil.iter_modules(mssc.cli.__path__):
        module = importlib.import_module(f"mssc.cli.{info.name}")
        if callable(getattr(module, "register", None)):
            found.add(info.name)
    return found


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("mssc has no subcommands")


def registered_help() -> dict[str, str]:
    """name -> the help each module registers for its commands (from the full parser)."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {c.dest: str(c.help) for c in action._choices_actions}
    raise AssertionError("mssc has no subcommands")


def test_every_command_module_is_in_the_table() -> None:
    assert {c.module for c in COMMANDS} == command_modules()


def test_the_table_names_exactly_the_registered_commands() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    assert names == list(subcommands(build_parser()))


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_each_summary_is_the_help_its_module_registers(command: mssc.cli.Command) -> None:
    assert registered_help()[command.name] == command.summary


def test_mssc_help_lists_every_command_with_its_summary() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = " ".join(out.getvalue().split())
    for command in COMMANDS:
        assert f"{command.name} {' '.join(command.summary.split())}" in text


@pytest.mark.parametrize(
    ("argv", "chosen"),
    [
        ([], None),
        (["--version"], None),
        (["ins", "279035121518989"], "ins"),
        (["-h", "check"], "check"),
        (["--", "parse", "-"], "parse"),
        (["--"], None),
        (["nonsense"], "nonsense"),
    ],
)
def test_the_chosen_command_is_the_first_argument(argv: list[str], chosen: str | None) -> None:
    assert mssc.cli._chosen(argv) == chosen


def test_an_unknown_command_is_a_usage_error() -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        main(["nonsense"])
    assert exit_.value.code == 2
    assert "invalid choice" in err.getvalue()


def test_no_command_prints_the_help_with_status_2() -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main([]) == 2
    for command in COMMANDS:
        assert command.name in err.getvalue()


def test_a_command_loaded_on_its_own_runs() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["address", "279035121518989"])
    assert status == 0
    assert out.getvalue().split() == ["ok", "279035121518989", "279035121518989@patient.mssante.fr"]
