"""The pytest plugin (entry point ``pytest11``): a ``mes_sandbox`` fixture and the test PKI.

Installed with mssc, so it loads in every pytest run: it imports nothing heavy until a fixture
is used, and the fixtures skip with a clear reason when the ``sandbox`` extra is missing.

Fixtures:

- ``mes_pki``: a :class:`~mssc.sandbox.pki.TestPki`, one per session;
- ``mes_sandbox``: a running :class:`~mssc.sandbox.Sandbox` (STARTTLS required) with one test
  patient per state (:data:`~mssc.sandbox.patients.DEFAULT_PATIENTS`), fresh for each test.
  ``mes_sandbox.patient("closed")`` gives the closed one, and so on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mssc.sandbox.pki import TestPki
    from mssc.sandbox.server import Sandbox


@pytest.fixture(scope="session")
def mes_pki() -> TestPki:
    """A throwaway IGC-Santé-shaped test PKI, shared by the session."""
    from mssc.sandbox.pki import TestPki

    return TestPki()


@pytest.fixture
def mes_sandbox(mes_pki: TestPki) -> Iterator[Sandbox]:
    """A local Mon espace santé on loopback, with one test patient per state."""
    try:
        from mssc.sandbox.server import Sandbox
    except ImportError as exc:  # the sandbox extra is not installed
        pytest.skip(f"the MES sandbox needs aiosmtpd: pip install 'mssc[sandbox]' ({exc})")
    from mssc.sandbox.patients import DEFAULT_PATIENTS

    with Sandbox(DEFAULT_PATIENTS, pki=mes_pki) as sandbox:
        yield sandbox
