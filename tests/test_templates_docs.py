"""docs/templates.md: its field reference and examples are generated from the real renderer.

Regenerate after a change with::

    MSSC_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_templates_docs.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mssc.templates import context_model, example_context, names, render
from mssc.templates._describe import describe

DOC = Path(__file__).resolve().parent.parent / "docs" / "templates.md"
BEGIN = "<!-- BEGIN GENERATED: field reference and examples (tests/test_templates_docs.py) -->"
END = "<!-- END GENERATED -->"


def _cell(text: str) -> str:
    return text.replace("``", "`").replace("|", "\\|")


def _default(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return f"{len(value)} items, below" if value else "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"`{value}`"


def generated_section() -> str:
    """The generated part of docs/templates.md."""
    out = ["", "## Field reference", ""]
    for name in names():
        d = describe(name)
        out += [f"### `{name}`", "", _cell(d.summary), ""]
        out += ["| field | type | required | default | description |", "|---|---|---|---|---|"]
        defaults: list[tuple[str, tuple[str, ...]]] = []
        for f in d.fields:
            out.append(
                f"| `{f.name}` | {_cell(f.type)} | {'yes' if f.required else ''} "
                f"| {_default(f.default)} | {_cell(f.description)} |"
            )
            if isinstance(f.default, tuple) and f.default:
                defaults.append((f.name, f.default))
        for field, items in defaults:
            out += ["", f"Default `{field}`:", ""] + [f"- {item}" for item in items]
        variables = ", ".join(
            f"`{v}` ({k.value})" for v, k in context_model(name).VARIABLES.items()
        )
        out += ["", f"Variables for overrides: {variables}.", ""]
    out += ["## Examples", ""]
    out += [
        "Each example is the rendering of `example_context(name)` (`mssc templates --example "
        "NAME`), a complete context for an invented establishment.",
        "",
    ]
    for name in names():
        rendered = render(name, example_context(name))
        out += [f"### `{name}`", "", "```text", f"Objet : {rendered.subject}", ""]
        out += [rendered.text.rstrip("\n"), "```", ""]
    return "\n".join(out)


def test_docs_show_one_real_rendering_per_template() -> None:
    doc = DOC.read_text(encoding="utf-8")
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    expected = generated_section() + "\n"
    if os.environ.get("MSSC_UPDATE_GOLDEN") == "1":
        doc = doc[:start] + "\n" + expected + doc[end:]
        DOC.write_text(doc, encoding="utf-8")
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    assert doc[start:end] == "\n" + expected, "run with MSSC_UPDATE_GOLDEN=1 to regenerate"
    for name in names():
        assert f"### `{name}`\n\n```text\nObjet : " in doc


def test_docs_table_lists_every_template() -> None:
    doc = DOC.read_text(encoding="utf-8")
    table = re.findall(r"^\| `([a-z-]+)` \|", doc.split("## Rendering")[0], re.MULTILINE)
    assert table == names()
