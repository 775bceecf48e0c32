"""Every subcommand is documented in docs/cli.md and its --help ends with an example."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mssc.cli import build_parser

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("mssc has no subcommands")


def test_the_documented_commands_are_the_registered_ones() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = {
        line[len("## `mssc ") : -1] for line in text.splitlines() if line.startswith("## `mssc ")
    }
    assert documented == set(subcommands())


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_help_ends_with_an_example(name: str) -> None:
    lines = subcommands()[name].format_help().rstrip().splitlines()
    assert lines[-2].strip() == "example:"
    assert lines[-1].strip().startswith(f"mssc {name}")
