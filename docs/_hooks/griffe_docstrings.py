"""Griffe extension: read two habits of mssc's docstrings the way a person does.

- Sphinx roles (``:func:`x```) cite other objects; Python's own tools read them well but
  Markdown shows them raw. ``:class:`~mssc.ins.Ins``` becomes ```Ins``` and ``:func:`check```
  becomes ```check``` (the ``~`` keeps the last name, as Sphinx does).
- One ``Args:`` (or ``Attributes:``) entry may describe several names at once
  (``host, port: the server``). Griffe's Google parser wants one name per entry, so the entry is
  repeated for each name.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|data|mod|exc|obj|const):`(~?)([^`]+)`")
_SECTION = re.compile(r"^(\s*)(?:Args|Arguments|Parameters|Params|Attributes|Keyword Args):\s*$")
_SHARED = re.compile(r"^(\s+)(\**\w+(?:\s*,\s*\**\w+)+)(\s*\([^)]*\))?:(\s.*)?$")


def plain_roles(text: str) -> str:
    """Return ``text`` with every Sphinx role replaced by its target as inline code."""

    def code(match: re.Match[str]) -> str:
        tilde, target = match.groups()
        return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"

    return _ROLE.sub(code, text)


def split_shared_entries(text: str) -> str:
    """Return ``text`` with each ``a, b: description`` entry of a parameter-like section
    repeated for ``a`` and for ``b`` (continuation lines included)."""
    lines = text.splitlines()
    out: list[str] = []
    section_indent: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if _SECTION.match(line):
            section_indent = indent
        elif line.strip() and section_indent is not None and indent <= section_indent:
            section_indent = None
        shared = _SHARED.match(line) if section_indent is not None else None
        if shared is None or len(shared.group(1)) <= (section_indent or 0):
            out.append(line)
            i += 1
            continue
        lead, names, kind, rest = shared.group(1), shared.group(2), shared.group(3), shared.group(4)
        body = []
        i += 1
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(lead)
        ):
            body.append(lines[i])
            i += 1
        tail = []
        while body and not body[-1].strip():
            tail.append(body.pop())
        for name in (n.strip() for n in names.split(",")):
            out.append(f"{lead}{name}{kind or ''}:{rest or ''}")
            out.extend(body)
        out.extend(tail)
    return "\n".join(out)


class DocstringHabits(griffe.Extension):
    """Rewrite the docstring of every object once it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Replace the roles and split the shared entries of ``obj``'s docstring."""
        if obj.docstring is not None:
            obj.docstring.value = split_shared_entries(plain_roles(obj.docstring.value))
