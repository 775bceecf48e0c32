"""The conformance report of a batch of messages: a value, its JSON form and its JSON Schema.

:func:`build_report` turns the :class:`~mssc.conformance.Report` of each checked message into
one :class:`ConformanceReport`, with a summary per rule. It is plain data (frozen pydantic
models): :meth:`ConformanceReport.model_dump_json` is the ``mssc check --report-json`` file, and
:func:`report_json_schema` is its schema (``docs/conformance-report.schema.json``).
:func:`~mssc.conformance.report_html` renders the same value as one self-contained HTML page.

>>> import datetime as dt
>>> from mssc.conformance import check
>>> entry = message_entry("a.eml", check(b"From: x@example.org\\r\\n\\r\\nhi\\r\\n"))
>>> batch = build_report([entry], generated_at=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc))
>>> batch.summary.messages, batch.summary.failed, batch.summary.rules[0].code
(1, 1, 'MSSC001')
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from mssc.conformance._model import Direction, Report, Severity
from mssc.conformance._rules import CATALOGUE_VERSION, RULES

__all__ = [
    "REPORT_FORMAT",
    "ConformanceReport",
    "MessageEntry",
    "ReportFinding",
    "ReportSummary",
    "RuleSummary",
    "SeverityCounts",
    "build_report",
    "message_entry",
    "message_subject",
    "report_json_schema",
    "unreadable_entry",
]

#: The version of the JSON report's shape; it changes when a field is removed or changes meaning.
REPORT_FORMAT: Final = "mssc-conformance-report/1"

#: How much of a message's head :func:`message_subject` reads.
_HEAD_LIMIT: Final = 64 * 1024
#: The longest subject kept in a report (longer ones are cut, with an ellipsis).
_SUBJECT_LIMIT: Final = 300

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SeverityCounts(BaseModel):
    """How many findings of each severity."""

    model_config = _FROZEN

    error: int = Field(ge=0)
    warning: int = Field(ge=0)
    info: int = Field(ge=0)


class ReportFinding(BaseModel):
    """One finding of one message, with the rule it comes from."""

    model_config = _FROZEN

    code: str = Field(pattern=r"^MSSC\d{3}$", description="the rule code")
    rule: str = Field(description="the rule's short title")
    severity: Severity
    reference: str = Field(description="the requirement cited: ECO.*, SEGUR-*, RFC*, MES-*")
    where: str = Field(description="the place in the message; empty for the whole message")
    evidence: str = Field(description="what was found in this message (from the checker)")
    hint: str = Field(description="how to fix it; may be empty")


class MessageEntry(BaseModel):
    """The verdict on one message (or on a file that could not be read)."""

    model_config = _FROZEN

    source: str = Field(description="where the message came from: a path, or path#N in an mbox")
    ok: bool = Field(description="no error (and, in a strict report, no warning)")
    direction: Direction | None = Field(description="null when the file could not be read")
    size: int = Field(ge=0, description="the size in octets")
    message_id: str = Field(description="the Message-ID as found; may be empty")
    subject: str = Field(description="the decoded Subject, on one line; may be empty")
    counts: SeverityCounts
    findings: tuple[ReportFinding, ...]
    unreadable: str | None = Field(
        default=None, description="why the file could not be read; null when it was checked"
    )


class RuleSummary(BaseModel):
    """One rule that was found at least once in the batch."""

    model_config = _FROZEN

    code: str = Field(pattern=r"^MSSC\d{3}$")
    rule: str
    severity: Severity
    reference: str
    messages: int = Field(ge=1, description="how many messages have this finding")
    findings: int = Field(ge=1, description="how many times it was found in all")


class ReportSummary(BaseModel):
    """The totals of a batch."""

    model_config = _FROZEN

    messages: int = Field(ge=0, description="messages in the report, unreadable files included")
    passed: int = Field(ge=0)
    failed: int = Field(ge=0, description="messages that fail, unreadable files included")
    unreadable: int = Field(ge=0)
    counts: SeverityCounts = Field(description="findings of each severity in the whole batch")
    rules: tuple[RuleSummary, ...] = Field(description="every rule found, in code order")


class ConformanceReport(BaseModel):
    """The conformance report of a batch of messages (``mssc check --report-json``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="mssc conformance report")

    format: str = Field(default=REPORT_FORMAT, description="the shape of this document")
    mssc_version: str
    catalogue_version: str = Field(description="the version of the rule catalogue used")
    generated_at: dt.datetime = Field(description="when the report was made (ISO 8601)")
    strict: bool = Field(description="whether warnings fail a message, as with --strict")
    summary: ReportSummary
    messages: tuple[MessageEntry, ...]


def _counts(severities: Iterable[Severity]) -> SeverityCounts:
    c = Counter(s.value for s in severities)
    return SeverityCounts(error=c["error"], warning=c["warning"], info=c["info"])


def message_subject(raw: bytes) -> str:
    """Return the decoded ``Subject`` of raw message bytes, on one line; never raises.

    Only the head is read (up to 64 KiB). Control characters become spaces and a very long
    subject is cut, so the value is safe to show once it is escaped for its medium.

    >>> message_subject(b"Subject: =?utf-8?q?R=C3=A9sultats?=\\r\\n\\r\\nbody")
    'Résultats'
    """
    head = raw[:_HEAD_LIMIT].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head)
        value = str(parsed.get("Subject", "") or "")
    except Exception:  # hostile headers: a report never fails on one message
        return ""
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text if len(text) <= _SUBJECT_LIMIT else text[: _SUBJECT_LIMIT - 1] + "…"


def message_entry(
    source: str, report: Report, *, subject: str = "", strict: bool = False
) -> MessageEntry:
    """Return the report entry of one checked message.

    Args:
        source: where the message came from (a path, ``path#N`` in an mbox, ``-``).
        report: what :func:`~mssc.conformance.check` returned for it.
        subject: its subject (see :func:`message_subject`), shown to help find the message.
        strict: judge it as ``--strict`` does (a warning fails it too).
    """
    findings = tuple(
        ReportFinding(
            code=f.code,
            rule=RULES[f.code].title if f.code in RULES else "",
            severity=f.severity,
            reference=f.reference,
            where=f.where,
            evidence=f.message,
            hint=f.hint,
        )
        for f in report.findings
    )
    return MessageEntry(
        source=source,
        ok=report.passes(strict=strict),
        direction=report.direction,
        size=report.size,
        message_id=report.message_id,
        subject=subject,
        counts=_counts(f.severity for f in report.findings),
        findings=findings,
    )


def unreadable_entry(source: str, reason: str) -> MessageEntry:
    """Return the entry of a file that could not be read (it counts as failed)."""
    return MessageEntry(
        source=source,
        ok=False,
        direction=None,
        size=0,
        message_id="",
        subject="",
        counts=_counts(()),
        findings=(),
        unreadable=reason,
    )


def build_report(
    entries: Iterable[MessageEntry],
    *,
    generated_at: dt.datetime,
    strict: bool = False,
    mssc_version: str | None = None,
) -> ConformanceReport:
    """Return the report of a batch: the entries in the order given, and their summary.

    Args:
        entries: one :class:`MessageEntry` per message (see :func:`message_entry`).
        generated_at: the date printed on the report (injected: the core reads no clock).
        strict: record that warnings failed messages (as the entries were judged).
        mssc_version: the version printed on the report; the installed mssc's by default.
    """
    if mssc_version is None:
        import mssc  # at call time the package is fully loaded: no import cycle

        mssc_version = mssc.__version__
    items = tuple(entries)
    per_rule_messages: Counter[str] = Counter()
    per_rule_findings: Counter[str] = Counter()
    for entry in items:
        codes = [f.code for f in entry.findings]
        per_rule_findings.update(codes)
        per_rule_messages.update(set(codes))
    first = {f.code: f for entry in items for f in reversed(entry.findings)}
    rules = tuple(
        RuleSummary(
            code=code,
            rule=first[code].rule,
            severity=first[code].severity,
            reference=first[code].reference,
            messages=per_rule_messages[code],
            findings=per_rule_findings[code],
        )
        for code in sorted(per_rule_findings)
    )
    passed = sum(1 for e in items if e.ok)
    return ConformanceReport(
        mssc_version=mssc_version,
        catalogue_version=CATALOGUE_VERSION,
        generated_at=generated_at,
        strict=strict,
        summary=ReportSummary(
            messages=len(items),
            passed=passed,
            failed=len(items) - passed,
            unreadable=sum(1 for e in items if e.unreadable is not None),
            counts=_counts(f.severity for e in items for f in e.findings),
            rules=rules,
        ),
        messages=items,
    )


def report_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the ``--report-json`` document (from the models)."""
    schema = ConformanceReport.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
