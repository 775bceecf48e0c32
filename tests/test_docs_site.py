"""The documentation site: the API reference covers ``mssc.__all__`` exactly.

The reference page is generated at build time by ``docs/_hooks/reference.py``. The fast tests
check the generated source; the ``docs`` test builds the whole site with ``mkdocs build
--strict`` into a temporary directory and reads the rendered entries back from the HTML.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import mssc

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "docs" / "_hooks" / "reference.py"


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"mssc_docs_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hook() -> ModuleType:
    return _load(HOOK)


def _entries() -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = _hook().reference_entries()
    return entries


def test_reference_source_has_one_entry_per_public_name() -> None:
    source = _hook().reference_markdown()
    referenced = re.findall(r"^::: (\S+)$", source, re.MULTILINE)
    assert sorted(p.rpartition(".")[2] for p in referenced) == sorted(mssc.__all__)
    assert len(referenced) == len(set(referenced))


@pytest.mark.parametrize(("name", "path"), _entries(), ids=lambda v: str(v))
def test_each_entry_names_the_defining_module(name: str, path: str) -> None:
    module_name, _, attribute = path.rpartition(".")
    assert attribute == name
    module = importlib.import_module(module_name)
    assert getattr(module, name) is getattr(mssc, name)


def test_classes_and_functions_point_at_their_own_module() -> None:
    for name, path in _entries():
        obj = getattr(mssc, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert path == f"{obj.__module__}.{name}"


@pytest.mark.parametrize(
    ("docstring", "shown"),
    [
        (":func:`check` runs", "`check` runs"),
        ("a :class:`~mssc.ins.Ins` value", "a `Ins` value"),
        (":meth:`Report.passes` and :attr:`ok`", "`Report.passes` and `ok`"),
        (":py:data:`~mssc.conformance.RULES`", "`RULES`"),
        ("``literal`` and `markdown`", "``literal`` and `markdown`"),
        (":unknown:`x`", ":unknown:`x`"),
    ],
)
def test_sphinx_roles_show_as_code(docstring: str, shown: str) -> None:
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    assert _load(HOOK.with_name("griffe_docstrings.py")).plain_roles(docstring) == shown


@pytest.mark.parametrize(
    ("docstring", "expected"),
    [
        (
            "Args:\n    host, port: the server.\n    user: who.\n",
            "Args:\n    host: the server.\n    port: the server.\n    user: who.",
        ),
        (
            "Args:\n    a, b (int): two\n        lines.\n\n    c: x\n",
            "Args:\n    a (int): two\n        lines.\n    b (int): two\n        lines.\n\n    c: x",
        ),
        (
            "Attributes:\n    first_name, last_name: split from the name.\n",
            "Attributes:\n    first_name: split from the name.\n"
            "    last_name: split from the name.",
        ),
        (
            "Raises:\n    X, Y: not a parameter section.\n",
            "Raises:\n    X, Y: not a parameter section.",
        ),
        ("Text with a, b: in prose.\n", "Text with a, b: in prose."),
    ],
)
def test_shared_entries_are_split(docstring: str, expected: str) -> None:
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    module = _load(HOOK.with_name("griffe_docstrings.py"))
    assert module.split_shared_entries(docstring) == expected


@pytest.mark.docs
def test_built_site_renders_every_public_name(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install '.[docs]')")
    pytest.importorskip("mkdocstrings", reason="the docs extra is not installed")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    html = (site / "reference" / "index.html").read_text(encoding="utf-8")
    rendered = set(re.findall(r'<h3 id="(mssc\.[^"]+)"', html))
    assert rendered == {path for _name, path in _entries()}
    assert not re.search(r":(?:func|class|meth|attr|data|mod|exc|obj):`", html)
    for page in ("getting-started", "deploying", "glossary", "report", "changelog"):
        assert (site / page / "index.html").is_file(), page
    changelog = (site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Unreleased" in changelog
