"""Test helpers for vendors: factories of realistic MES replies.

>>> from mssc.testing import make_bounce, make_read_receipt
"""

from __future__ import annotations

from mssc.testing.factories import (
    BOUNCE_KINDS,
    SupportsToBytes,
    make_bounce,
    make_patient_reply,
    make_read_receipt,
    make_test_acknowledgement,
)

__all__ = [
    "BOUNCE_KINDS",
    "SupportsToBytes",
    "make_bounce",
    "make_patient_reply",
    "make_read_receipt",
    "make_test_acknowledgement",
]
