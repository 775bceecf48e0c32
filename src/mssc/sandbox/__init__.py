"""A local Mon espace santé over real SMTP and TLS, for testing a DPI/GAM end to end (edge).

:mod:`mssc.sandbox.pki` (the test PKI), the patients and the notices need only the core
dependencies; the server (:class:`Sandbox`) needs the ``sandbox`` extra (aiosmtpd) and is
imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mssc.sandbox.notices import NoticeCause, build_notice
from mssc.sandbox.patients import (
    ConversationClosed,
    DeliveredMessage,
    PatientState,
    SandboxError,
    SandboxPatient,
    load_patients,
)
from mssc.sandbox.pki import ClientCertificate, TestPki

if TYPE_CHECKING:
    from mssc.sandbox.server import Sandbox, SandboxEvent

__all__ = [
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
    if name in ("Sandbox", "SandboxEvent"):
        from mssc.sandbox import server

        return getattr(server, name)
    raise AttributeError(f"module 'mssc.sandbox' has no attribute {name!r}")
