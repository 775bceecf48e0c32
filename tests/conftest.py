"""Shared test configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from mssc.sandbox import TestPki
from transport_servers import Dovecot, start_dovecot

ROOT = Path(__file__).resolve().parent.parent
#: ../shared beside the checkout; absent on some machines (corpus tests then skip).
SHARED = Path(os.environ.get("MSSC_SHARED", ROOT.parent / "shared"))
BOUNCES_DEV = SHARED / "corpora" / "bounces-dev"

# CI runs derandomized, so that a landing run is reproducible; every local run (profile "dev")
# draws new examples and keeps exploring.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def bounces_dev() -> Path:
    """The labelled bounce corpus, read in place; the test is skipped when it is absent."""
    if not (BOUNCES_DEV / "labels.tsv").is_file():
        pytest.skip(f"corpus not found at {BOUNCES_DEV}")
    return BOUNCES_DEV


@pytest.fixture(scope="module")
def pki() -> TestPki:
    """A test PKI (a CA, server and client certificates), one per test module."""
    return TestPki()


@pytest.fixture(scope="module")
def dovecot(pki: TestPki) -> Iterator[Dovecot]:
    """A private Dovecot on loopback, one per test module (skipped, or failed under
    MSSC_REQUIRE_SERVERS, when Dovecot is not installed)."""
    yield from start_dovecot(pki)
