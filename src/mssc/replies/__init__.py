"""Classify what comes back to a professional's box: bounces, read receipts, patient messages.

>>> from mssc.replies import classify
>>> classify(b"From: MAILER-DAEMON@example.org\\nSubject: Undelivered Mail\\n\\nhi").kind.value
'DELIVERY_FAILED'
"""

from __future__ import annotations

from mssc.mime import MimeLimits
from mssc.replies.classifier import Classifier, classify
from mssc.replies.model import (
    Classification,
    Disposition,
    DispositionType,
    Evidence,
    RecipientOutcome,
    ReplyKind,
)
from mssc.replies.phrases import BUILTIN_RULES, STATUS_RULES, PhraseRule, StatusRule

__all__ = [
    "BUILTIN_RULES",
    "STATUS_RULES",
    "Classification",
    "Classifier",
    "Disposition",
    "DispositionType",
    "Evidence",
    "MimeLimits",
    "PhraseRule",
    "RecipientOutcome",
    "ReplyKind",
    "StatusRule",
    "classify",
]
