"""The result model of :func:`mssc.conformance.check`: rules, findings and the report.

Every value here is immutable (frozen, slotted dataclasses) and converts to JSON-friendly data
with ``to_dict()``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["Direction", "Finding", "Report", "Rule", "Severity"]


class Severity(str, Enum):
    """How bad a finding is. Only ``error`` makes a report fail (``--strict`` adds warnings)."""

    ERROR = "error"
    """The message breaks a requirement: MES, the operator or a Ségur audit may refuse it."""
    WARNING = "warning"
    """The message is probably not what the sender meant, or a recommendation is not followed."""
    INFO = "info"
    """A noteworthy, valid property of the message (for instance: it closes the conversation)."""


class Direction(str, Enum):
    """Which way a checked message travels."""

    OUTGOING = "outgoing"
    """A message from a professional's MSSanté box to a patient (or to the TEST responder)."""
    INCOMING = "incoming"
    """A message written by a patient in Mon espace santé, received by a professional."""
    BOTH = "both"
    """Only for rules: the rule applies to messages of either direction (the reading limits).
    :func:`~mssc.conformance.check` checks a message as ``outgoing`` or ``incoming``."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the conformance catalogue.

    Attributes:
        code: the stable code, ``MSSC001`` … (part of the public API; never reused).
        severity: the severity of every finding of this rule.
        reference: the requirement the rule comes from (``ECO.2.2.1``, ``RFC5322-3.6``,
            ``MES-FIN`` …).
        direction: the direction of the messages the rule applies to.
        title: a short name of what is checked.
        rationale: one line saying why the rule exists.
        defect: for the rules the checker itself emits, the reader defect they report
            (``limit-depth`` …, or ``unreadable`` when a rule could not read the message);
            empty for the rules that read the message.
    """

    code: str
    severity: Severity
    reference: str
    direction: Direction
    title: str
    rationale: str
    defect: str = ""

    def applies_to(self, direction: Direction) -> bool:
        """Whether the rule applies to a message checked in ``direction``."""
        return self.direction is direction or self.direction is Direction.BOTH

    def finding(self, message: str, *, hint: str = "", where: str = "") -> Finding:
        """Return a finding of this rule."""
        return Finding(
            code=self.code,
            severity=self.severity,
            message=message,
            hint=hint,
            reference=self.reference,
            where=where,
        )

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-friendly mapping of every field."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "reference": self.reference,
            "direction": self.direction.value,
            "title": self.title,
            "rationale": self.rationale,
            "defect": self.defect,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the checker found in a message.

    Attributes:
        code: the rule code (``MSSC001`` …); see ``docs/conformance.md``.
        severity: ``error``, ``warning`` or ``info``.
        message: what is wrong, about this message (English).
        hint: how to fix it; may be empty.
        reference: the requirement the rule comes from (``ECO.2.2.1``, ``RFC5322-3.6.4`` …).
        where: the place in the message, such as ``header:Message-ID`` or ``part 2 (cr.pdf)``;
            empty when the finding is about the message as a whole.
    """

    code: str
    severity: Severity
    message: str
    hint: str
    reference: str
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return ``{"code", "severity", "message", "hint", "reference", "where"}``."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "reference": self.reference,
            "where": self.where,
        }

    def __str__(self) -> str:
        place = f" at {self.where}" if self.where else ""
        return f"{self.severity.value:<7} {self.code} [{self.reference}]{place}: {self.message}"


@dataclass(frozen=True, slots=True)
class Report:
    """The verdict of :func:`~mssc.conformance.check` on one message.

    Attributes:
        findings: every finding, sorted by code, then by place.
        direction: the direction the message was checked for.
        size: the size of the checked message in octets (CRLF line ends for a ``Message``).
        message_id: the ``Message-ID`` as found (may be empty).
    """

    findings: tuple[Finding, ...]
    direction: Direction
    size: int
    message_id: str = ""

    @property
    def ok(self) -> bool:
        """True when there is no finding of severity ``error``."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity ``error``."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity ``warning``."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the findings, in order (a code appears once per finding)."""
        return tuple(f.code for f in self.findings)

    def passes(self, *, strict: bool = False) -> bool:
        """Return :attr:`ok`, or with ``strict=True`` also require no warnings."""
        return self.ok and not (strict and self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"ok", "direction", "size", "message_id", "counts", "findings"}``."""
        counts = {s.value: 0 for s in Severity}
        for f in self.findings:
            counts[f.severity.value] += 1
        return {
            "ok": self.ok,
            "direction": self.direction.value,
            "size": self.size,
            "message_id": self.message_id,
            "counts": counts,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """Return :meth:`to_dict` as JSON (UTF-8 text, not ASCII-escaped)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
