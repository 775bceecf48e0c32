"""The Python snippets of the reference pages run as they are, and say what they show.

Each ```python block of a page listed here runs in a fresh namespace (a reader copies one block
at a time, so each imports what it uses). A line ``expression  # value`` is a claim: when the
comment starts with a Python value (``'89'``, ``False``, ``InsKind.NIR``, a tuple), the
expression must give it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

import mssc

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: Pages whose snippets are self-contained (no file or message of the reader's own).
PAGES = ("ins.md", "identifiers.md", "addresses.md", "sandbox.md")
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks(page: str) -> list[str]:
    return _BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


def claimed(comment: str) -> tuple[bool, Any]:
    """The value a comment states, if it starts with one: ``(True, value)``, else ``(False,
    None)``. Tried on the whole comment, then on what comes before ``"  "``, ``" ("``, ``", "``."""
    names = {name: getattr(mssc, name) for name in mssc.__all__}
    for cut in (comment, *(comment.split(sep)[0] for sep in ("  ", " (", ", "))):
        try:
            return True, eval(cut, names)  # our own documentation, not input
        except Exception:  # prose, not a value
            continue
    return False, None


def run_block(source: str) -> int:
    """Run one snippet statement by statement; check each claim; return how many were checked."""
    namespace: dict[str, Any] = {}
    lines = source.splitlines()
    checked = 0
    for statement in ast.parse(source).body:
        code = ast.Module(body=[statement], type_ignores=[])
        if not isinstance(statement, ast.Expr):
            exec(compile(code, "<docs>", "exec"), namespace)
            continue
        value = eval(compile(ast.Expression(statement.value), "<docs>", "eval"), namespace)
        line = lines[(statement.end_lineno or statement.lineno) - 1]
        if "#" not in line:
            continue
        found, expected = claimed(line.split("#", 1)[1].strip())
        if found:
            assert value == expected, line
            checked += 1
    return checked


@pytest.mark.parametrize(
    ("page", "index"),
    [(page, i) for page in PAGES for i in range(len(blocks(page)))],
)
def test_each_snippet_runs_on_its_own(page: str, index: int) -> None:
    run_block(blocks(page)[index])


def test_the_claims_are_checked() -> None:
    """Not vacuous: most commented lines of these pages state a value that is compared."""
    total = sum(run_block(block) for page in PAGES for block in blocks(page))
    assert total >= 15


def test_the_referral_snippet_shows_its_json() -> None:
    [snippet] = [b for b in blocks("ins.md") if "class Referral" in b]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    comment = snippet.strip().splitlines()[-1].lstrip("# ")
    model = namespace["Referral"](ins="279035121518989")
    assert model.model_dump_json() == ast.literal_eval(comment)
