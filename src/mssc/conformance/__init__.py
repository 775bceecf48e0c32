"""Conformance checking: is a message what MSSanté, Ségur and Mon espace santé expect?

:func:`check` runs the rule catalogue (:data:`RULES`) on one message, built by mssc or not, and
returns a :class:`Report` of :class:`Finding` values, each with a stable code (``MSSC001`` …),
a severity, a hint and the requirement it comes from (``ECO.2.2.1``, ``RFC5322-3.6``,
``MES-FIN`` …). ``docs/conformance.md`` lists every rule.

>>> report = check(b"From: x@example.org\\r\\n\\r\\nhello\\r\\n")
>>> report.ok, report.codes[:2]
(False, ('MSSC001', 'MSSC006'))
"""

from __future__ import annotations

from mssc.conformance._check import MAX_MIME_DEPTH, check, mime_depth
from mssc.conformance._html import report_html
from mssc.conformance._model import Direction, Finding, Report, Rule, Severity
from mssc.conformance._report import (
    REPORT_FORMAT,
    ConformanceReport,
    MessageEntry,
    ReportFinding,
    ReportSummary,
    RuleSummary,
    SeverityCounts,
    build_report,
    message_entry,
    message_subject,
    report_json_schema,
    unreadable_entry,
)
from mssc.conformance._rules import (
    CATALOGUE_VERSION,
    RULES,
    defect_rule,
    rule,
    rules_markdown,
)

__all__ = [
    "CATALOGUE_VERSION",
    "MAX_MIME_DEPTH",
    "REPORT_FORMAT",
    "RULES",
    "ConformanceReport",
    "Direction",
    "Finding",
    "MessageEntry",
    "Report",
    "ReportFinding",
    "ReportSummary",
    "Rule",
    "RuleSummary",
    "Severity",
    "SeverityCounts",
    "build_report",
    "check",
    "defect_rule",
    "message_entry",
    "message_subject",
    "mime_depth",
    "report_html",
    "report_json_schema",
    "rule",
    "rules_markdown",
    "unreadable_entry",
]
