"""The examples in mssc's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import mssc


def _modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(mssc.__path__, prefix="mssc.")
        if info.name != "mssc.__main__"
    )


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_the_docstring_examples_are_not_empty() -> None:
    total = sum(
        doctest.testmod(importlib.import_module(name), report=False).attempted
        for name in _modules()
    )
    assert total >= 10
