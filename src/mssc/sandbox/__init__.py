"""A local Mon espace santé over real SMTP and TLS, for testing a DPI/GAM end to end (edge).

Names load on first use: :mod:`mssc.sandbox.pki` (the test PKI), the patients and the notices
need only the core dependencies; the server (:class:`Sandbox`) needs the ``sandbox`` extra
(aiosmtpd).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from mssc.sandbox.notices import NoticeCause, build_notice
    from mssc.sandbox.patients import (
        DEFAULT_PATIENTS,
        ConversationClosed,
        DeliveredMessage,
        PatientState,
        SandboxError,
        SandboxPatient,
        load_patients,
    )
    from mssc.sandbox.pki import ClientCertificate, TestPki
    from mssc.sandbox.server import Sandbox, SandboxEvent

_WHERE: Final[dict[str, str]] = {
    "ClientCertificate": "pki",
    "ConversationClosed": "patients",
    "DEFAULT_PATIENTS": "patients",
    "DeliveredMessage": "patients",
    "NoticeCause": "notices",
    "PatientState": "patients",
    "Sandbox": "server",
    "SandboxError": "patients",
    "SandboxEvent": "server",
    "SandboxPatient": "patients",
    "TestPki": "pki",
    "build_notice": "notices",
    "load_patients": "patients",
}

__all__ = [
    "DEFAULT_PATIENTS",
    "ClientCertificate",
    "ConversationClosed",
    "DeliveredMessage",
    "NoticeCause",
    "PatientState",
    "Sandbox",
    "SandboxError",
    "SandboxEvent",
    "SandboxPatient",
    "TestPki",
    "build_notice",
    "load_patients",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mssc.sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mssc.sandbox.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
