"""nox sessions: ``tests``, ``lint``, ``typecheck``, ``docs`` and ``bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite."""
    session.install("-e", ".[test,sandbox,docs]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check (the ruff pinned in the dev extra)."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src, tests, examples and benchmarks."""
    session.install("-e", ".[test,dev,sandbox]")
    session.run("mypy", "--strict", "src", "tests", "examples", "benchmarks")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with ``mkdocs build --strict`` (into ``site/``)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark; each prints mssc beside its anchor with the ratio.

    mssc is installed as a user installs it, from a regular wheel, which compiles the
    classifier with mypyc (docs/building.md); ``MSSC_COMPILE=no nox -s bench`` measures the
    pure-Python build."""
    session.install(".[bench]")
    for script in sorted(__import__("pathlib").Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
