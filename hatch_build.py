"""Hatch build hook: compile the reply classifier's hot modules with mypyc, for wheels.

``classify`` spends its time in five modules (``benchmarks/bench_classify.py``). A regular
wheel build (``pip install .``, ``python -m build``) compiles them to C extensions with mypyc,
the compiler of the type checker the project already runs in ``--strict`` mode. The wheel
keeps the ``.py`` sources beside the extensions, which Python imports first. An editable
install (``pip install -e .``) is never compiled: what you edit is what runs.

``MSSC_COMPILE`` chooses:

- ``auto`` (the default): compile; when that fails (no C compiler, no Python headers), warn
  and build a pure-Python wheel, which gives the same results, slower.
- ``require``: compile, or fail the build (CI uses it, so that a broken compile cannot pass
  as a pure-Python build).
- ``no``: never compile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: The modules compiled, relative to ``src``: where ``classify`` spends its time.
COMPILED = (
    "mssc/mime.py",
    "mssc/replies/_french.py",
    "mssc/replies/classifier.py",
    "mssc/replies/dsn.py",
    "mssc/replies/phrases.py",
)
_MODES = {"auto", "require", "no"}
#: The build script: one group of extensions, whose shared library is ``mssc__mypyc``.
_SETUP = """\
from setuptools import setup
from mypyc.build import mypycify

setup(name="mssc-compiled", ext_modules=mypycify({paths!r}, group_name="mssc"))
"""
_EXTENSIONS = (".so", ".pyd")


class CompileHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles :data:`COMPILED` into the wheel (see the module's docstring)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        mode = os.environ.get("MSSC_COMPILE", "auto").strip().lower() or "auto"
        if mode not in _MODES:
            raise ValueError(f"MSSC_COMPILE must be one of {sorted(_MODES)}, not {mode!r}")
        if self.target_name != "wheel" or version == "editable" or mode == "no":
            return
        self._workdir = tempfile.mkdtemp(prefix="mssc-mypyc-")
        try:
            built = self._compile(Path(self._workdir))
        except Exception as exc:
            if mode == "require":
                raise
            self.app.display_warning(
                f"mssc: not compiled ({exc}); building a pure-Python wheel "
                "(the same results, slower; MSSC_COMPILE=require makes this an error)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["force_include"].update(built)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        workdir = getattr(self, "_workdir", None)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def _compile(self, work: Path) -> dict[str, str]:
        """Compile a copy of the sources in ``work``; return {extension: path in the wheel}."""
        src = work / "src"
        shutil.copytree(
            Path(self.root) / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
        # mypyc type-checks what it compiles: the third-party packages the other modules import
        # are not installed in the build environment, and are read as Any
        (src / "mssc_setup.py").write_text(
            _SETUP.format(paths=[*COMPILED, "--ignore-missing-imports"])
        )
        command = [sys.executable, "mssc_setup.py", "build_ext", "--inplace"]
        done = subprocess.run(
            command, cwd=src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
        )
        if done.returncode != 0:
            tail = done.stdout.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise RuntimeError("mypyc failed: " + " | ".join(tail))
        built = {
            str(path): path.relative_to(src).as_posix()
            for path in sorted(src.rglob("*"))
            if path.suffix in _EXTENSIONS and "build" not in path.relative_to(src).parts[:1]
        }
        if len(built) <= len(COMPILED):
            raise RuntimeError(f"mypyc built {len(built)} extensions, not {len(COMPILED) + 1}")
        return built
