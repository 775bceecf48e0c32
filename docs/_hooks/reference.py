"""mkdocs hook: generate the API reference page from ``mssc.__all__`` at build time.

The page lists every public name once, grouped by the module that defines it, so it stays
complete as names are added to ``mssc.__all__``. Each name is referenced by its defining module
path (``mssc.ins.parse_ins``), read from the live object after ``import mssc``: that works
whether ``mssc/__init__.py`` imports eagerly or lazily (PEP 562 ``__getattr__``).

``tests/test_docs_site.py`` imports this file to compare the page with ``mssc.__all__``.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections import defaultdict
from typing import Any

#: Where the generated page lives in the site.
REFERENCE_PAGE = "reference.md"


def defining_module(name: str) -> str:
    """Return the module that defines ``mssc.<name>`` (``mssc`` itself for ``__version__``).

    Classes and functions carry ``__module__``. Other values (constants, policies) are looked up
    among the loaded ``mssc`` modules that list the name in their own ``__all__`` and hold the
    same object: the deepest such module is the one that defines it.
    """
    mssc = importlib.import_module("mssc")
    obj = getattr(mssc, name)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        module = getattr(obj, "__module__", None)
        if isinstance(module, str) and module.startswith("mssc"):
            return module
    holders = [
        mod_name
        for mod_name, mod in list(sys.modules.items())
        if mod is not None
        and mod_name.startswith("mssc.")
        and name in getattr(mod, "__all__", ())
        and getattr(mod, name, None) is obj
    ]
    return max(holders, key=lambda m: (m.count("."), m)) if holders else "mssc"


def reference_entries() -> list[tuple[str, str]]:
    """Return ``(name, dotted path)`` for every name of ``mssc.__all__``, in ``__all__`` order."""
    mssc = importlib.import_module("mssc")
    names: list[str] = list(mssc.__all__)
    for name in names:  # load lazy names first, so their modules are in sys.modules
        getattr(mssc, name)
    return [(name, f"{defining_module(name)}.{name}") for name in names]


def reference_markdown() -> str:
    """Return the Markdown source of the API reference page."""
    by_module: dict[str, list[str]] = defaultdict(list)
    for _name, path in reference_entries():
        module, _, _ = path.rpartition(".")
        by_module[module].append(path)
    public = {m: m.split("._")[0] for m in by_module}
    lines = [
        "# API reference",
        "",
        "Every name of `mssc.__all__`, generated from the docstrings when the site is built",
        "(`docs/_hooks/reference.py`). Import them from `mssc` (`from mssc import check`); the",
        "module named with each group is where the name is defined.",
        "",
    ]
    for module in sorted(by_module, key=lambda m: (public[m], m)):
        lines += [f"## `{public[module]}`", ""]
        if module != public[module]:
            lines += [f"Defined in `{module}`.", ""]
        for path in by_module[module]:
            lines += [f"::: {path}", "    options:", "      heading_level: 3", ""]
    return "\n".join(lines)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated reference page to the site's files."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, REFERENCE_PAGE, content=reference_markdown()))
    return files
