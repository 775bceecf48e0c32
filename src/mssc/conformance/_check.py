"""The conformance checker: :func:`check` reads a message once and runs the check table on it.

Never raises on content: a message over a reader limit gets the one finding that names the
limit (and is not read further); an error inside a check (``RecursionError`` included) becomes
the "unreadable" finding of the direction, naming the check, and the other checks still run.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from io import BytesIO
from typing import Protocol, runtime_checkable

from mssc.attachments import DEFAULT_OUTBOUND_POLICY, INBOUND_POLICY, AttachmentPolicy
from mssc.conformance import (  # noqa: F401 - they register checks
    _checks_body,
    _checks_headers,
    _documents,
)
from mssc.conformance._facts import Facts, normalise_kind
from mssc.conformance._model import Direction, Finding, Report
from mssc.conformance._read import MAX_MIME_DEPTH, mime_depth, read
from mssc.conformance._registry import Check, table
from mssc.conformance._rules import RULES, defect_rule
from mssc.mime import DEFAULT_LIMITS, MimeLimits
from mssc.size import MAX_MESSAGE_BYTES

__all__ = ["MAX_MIME_DEPTH", "check", "mime_depth", "run_checks"]

_ORDER = {code: i for i, code in enumerate(RULES)}
_UNREADABLE = "unreadable"
_LIMIT_HINT = (
    "a message this large or this intricate is an attack on the reader, or broken beyond what "
    "mail software reads; build it with a standard library (see docs/security.md for the limits)"
)


@runtime_checkable
class _Composed(Protocol):
    """What :func:`check` needs of a :class:`mssc.compose.ComposedMessage`."""

    @property
    def message_id(self) -> str: ...

    def to_bytes(self) -> bytes: ...


def _to_bytes(message: Message) -> bytes:
    """Serialize a stdlib message the way it would be sent: CRLF, no From_ mangling."""
    pol = message.policy.clone(linesep="\r\n")
    buf = BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=pol).flatten(message)
    return buf.getvalue()


def _defect_finding(defect: str, direction: Direction, message: str, hint: str) -> Finding:
    rule = defect_rule(defect, direction) or defect_rule(_UNREADABLE, direction)
    if rule is None:  # pragma: no cover - the catalogue has an unreadable rule per direction
        raise LookupError(f"no rule reports {defect!r}")
    return rule.finding(message, hint=hint)


def run_checks(facts: Facts, checks: Iterable[Check]) -> list[Finding]:
    """Run ``checks`` on ``facts``; a check that raises becomes the unreadable finding.

    The findings a check yielded before it failed are kept.
    """
    findings: list[Finding] = []
    for item in checks:
        try:
            for finding in item.run(facts):
                findings.append(finding)
        except Exception as exc:  # RecursionError and MemoryError included
            name = item.name.replace("_", " ")
            findings.append(
                _defect_finding(
                    _UNREADABLE,
                    facts.direction,
                    f"the {name} rules could not read the message ({type(exc).__name__})",
                    "the message is malformed beyond what mail software reads reliably; "
                    "rebuild it with a standard library",
                )
            )
    if facts.over_budget:
        findings.append(
            _defect_finding(
                "limit-work",
                facts.direction,
                "the address headers hold more text than the checker parses for one message",
                _LIMIT_HINT,
            )
        )
    return findings


def _read_and_check(
    raw: bytes,
    direction: Direction,
    kind: str | None,
    policy: AttachmentPolicy,
    max_size: int,
    limits: MimeLimits,
) -> tuple[list[Finding], str]:
    reading = read(raw, limits)
    if reading.stops:
        return [
            _defect_finding(
                stop,
                direction,
                f"the reader stopped ({stop}): the message is not read further",
                _LIMIT_HINT,
            )
            for stop in dict.fromkeys(reading.stops)
        ], ""
    facts = Facts(
        raw,
        reading.message,
        direction=direction,
        sender_kind=kind,
        policy=policy,
        max_size=max_size,
        reader_defects=reading.defects,
    )
    findings = run_checks(facts, table(direction))
    message_id = (facts.raw_values("Message-ID") or [""])[0]
    return findings, message_id


def check(
    message: bytes | Message | _Composed,
    *,
    direction: Direction | str = Direction.OUTGOING,
    sender_kind: object = None,
    attachment_policy: AttachmentPolicy | None = None,
    max_size: int = MAX_MESSAGE_BYTES,
    limits: MimeLimits = DEFAULT_LIMITS,
) -> Report:
    """Check a message against the MSSanté, Ségur and Mon espace santé rules.

    The message is read once, by the bounded reader; every rule reads that one parse.

    Args:
        message: the exact bytes (CRLF or LF), a stdlib ``Message``/``EmailMessage`` (serialized
            with CRLF first, as it would be sent) or a :class:`~mssc.compose.ComposedMessage`.
        direction: ``"outgoing"`` (a professional's message to a patient, the default) or
            ``"incoming"`` (a patient's message: checks the sender address and the inbound
            attachment whitelist).
        sender_kind: the sending box kind, ``"PER"``, ``"ORG"`` or ``"APP"`` (or a
            ``BoxKind``), when known. It sharpens rules MSSC014 and MSSC027; when absent, a
            label with underscores is read as personal and a ``noreply``-like local part as
            applicative.
        attachment_policy: the whitelist; by default the outbound one (PDF, JPEG, PNG, TIFF,
            RTF) or, for incoming mail, the MES app's one. Pass a widened policy when you send
            IHE_XDM archives.
        max_size: the size limit of rule MSSC021, in octets (default 25,000,000).
        limits: the reader limits (:class:`mssc.mime.MimeLimits`); a message past one gets
            the one finding that names it (``MSSC050``–``MSSC057``) and is not read further.

    Returns:
        A :class:`Report`; :attr:`Report.ok` is true when there is no error. Never raises on a
        message's content: a message over a reader limit gets one finding naming the limit
        (``MSSC050``–``MSSC057``), and whatever a rule cannot read becomes a finding
        (``MSSC035`` outgoing, ``MSSC044`` incoming).

    Raises:
        TypeError: when ``message`` is none of the accepted types.
        ValueError: for an unknown ``direction`` or ``sender_kind``.
    """
    direction = Direction(direction)
    if direction is Direction.BOTH:
        raise ValueError("check a message as 'outgoing' or 'incoming', not 'both'")
    kind = normalise_kind(sender_kind)
    if isinstance(message, (bytes, bytearray, memoryview)):
        raw = bytes(message)
    elif isinstance(message, Message):
        try:
            raw = _to_bytes(message)
        except Exception:  # a header the generator cannot refold: judge the bytes as stored
            try:
                raw = message.as_bytes(policy=compat32.clone(linesep="\r\n"))
            except Exception:
                raw = b""
    elif isinstance(message, _Composed):
        raw = message.to_bytes()
        if not isinstance(raw, bytes):
            raise TypeError(f"{type(message).__name__}.to_bytes() did not return bytes")
        if kind is None:
            kind = normalise_kind(_composed_kind(message))
    else:
        raise TypeError(
            "check() expects bytes, an email.message.Message or a ComposedMessage, "
            f"not {type(message).__name__}"
        )
    if direction is Direction.OUTGOING:
        policy = attachment_policy or DEFAULT_OUTBOUND_POLICY
    else:
        policy = attachment_policy or INBOUND_POLICY
    try:
        findings, message_id = _read_and_check(raw, direction, kind, policy, max_size, limits)
    except Exception as exc:  # the last guard: a bug must not become a crash on content
        findings = [
            _defect_finding(
                _UNREADABLE,
                direction,
                f"the checker could not read the message ({type(exc).__name__})",
                "the message is malformed beyond what mail software reads reliably",
            )
        ]
        message_id = ""
    findings.sort(key=lambda f: _ORDER[f.code])
    return Report(
        findings=tuple(findings), direction=direction, size=len(raw), message_id=message_id
    )


def _composed_kind(message: object) -> object:
    """The sender's box kind of a ComposedMessage, when it carries it."""
    sender = getattr(message, "sender", None)
    return getattr(sender, "kind", None) if sender is not None else None
