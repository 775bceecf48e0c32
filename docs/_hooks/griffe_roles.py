"""Griffe extension: show Sphinx roles of the docstrings (``:func:`x```) as code in the site.

mssc's docstrings cite other objects with Sphinx roles, which Python's own tools read well but
Markdown shows raw. This turns ``:class:`~mssc.ins.Ins``` into ```Ins``` and
``:func:`check``` into ```check``` (the ``~`` keeps the last name, as Sphinx does).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|data|mod|exc|obj|const):`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """Return ``text`` with every Sphinx role replaced by its target as inline code."""

    def code(match: re.Match[str]) -> str:
        tilde, target = match.groups()
        return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"

    return _ROLE.sub(code, text)


class SphinxRoles(griffe.Extension):
    """Rewrite the docstring of every object once it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Replace the roles in ``obj``'s docstring, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(obj.docstring.value)
