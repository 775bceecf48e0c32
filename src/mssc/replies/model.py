"""The result model of :func:`mssc.replies.classify`: kinds, evidence, recipients, verdict.

Every value here is immutable (frozen, slotted dataclasses) and converts to JSON-friendly data
with ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mssc._slots import new_object, slot_setters
from mssc.ins import Ins

__all__ = [
    "Classification",
    "Disposition",
    "DispositionType",
    "Evidence",
    "RecipientOutcome",
    "ReplyKind",
]


class ReplyKind(str, Enum):
    """What a message that came back to a professional's box is."""

    MAILBOX_CLOSED = "MAILBOX_CLOSED"
    """The patient's MES mailbox is closed (or the account is disabled or suspended)."""
    RECIPIENT_NOT_FOUND = "RECIPIENT_NOT_FOUND"
    """No such patient / mailbox / address (unknown user, unknown domain, invalid INS)."""
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    """The message went over a size limit (25 Mo for MES)."""
    READ_RECEIPT = "READ_RECEIPT"
    """An MDN (RFC 8098 / RFC 3798): see :attr:`Classification.disposition` for what happened."""
    TEST_ACKNOWLEDGEMENT = "TEST_ACKNOWLEDGEMENT"
    """The answer of the MES TEST responder (``reponse.automatique-test@patient.mssante.fr``)."""
    DELIVERY_DELAYED = "DELIVERY_DELAYED"
    """A DSN with ``Action: delayed``: delivery is still being retried."""
    DELIVERY_FAILED = "DELIVERY_FAILED"
    """Any other delivery failure (mailbox full, blocked, expired, policy, unknown reason)."""
    DELIVERED = "DELIVERED"
    """A success DSN (``Action: delivered``, ``relayed`` or ``expanded``)."""
    AUTO_REPLY = "AUTO_REPLY"
    """An RFC 3834 automatic reply, such as an out-of-office message."""
    PATIENT_MESSAGE = "PATIENT_MESSAGE"
    """A human message written by a patient (from an INS address on patient.mssante.fr)."""
    OTHER = "OTHER"
    """Anything else (a message from a professional, an abuse report, an unreadable message)."""

    @property
    def is_failure(self) -> bool:
        """True for the kinds that mean the message did not reach the patient."""
        return self in _FAILURES


_FAILURES = frozenset(
    {
        ReplyKind.MAILBOX_CLOSED,
        ReplyKind.RECIPIENT_NOT_FOUND,
        ReplyKind.MESSAGE_TOO_LARGE,
        ReplyKind.DELIVERY_FAILED,
    }
)


class DispositionType(str, Enum):
    """The disposition type of an MDN (RFC 8098 §3.2.6.2; ``denied``/``failed`` from RFC 3798)."""

    DISPLAYED = "displayed"
    DELETED = "deleted"
    DISPATCHED = "dispatched"
    PROCESSED = "processed"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason behind a verdict.

    Attributes:
        rule: the id of the rule that fired (e.g. ``dsn.action``, ``phrase.mailbox-closed.fr``).
        source: where it looked (e.g. ``header:Subject``, ``delivery-status:Diagnostic-Code``,
            ``body``, ``sender``).
        excerpt: the few words that matched (normalised, at most ~120 characters).
    """

    rule: str
    source: str
    excerpt: str

    def to_dict(self) -> dict[str, str]:
        """Return ``{"rule", "source", "excerpt"}``."""
        return {"rule": self.rule, "source": self.source, "excerpt": self.excerpt}


@dataclass(frozen=True, slots=True)
class Disposition:
    """The ``Disposition`` field of an MDN.

    Attributes:
        action_mode: ``manual-action`` or ``automatic-action`` (lower case; may be empty).
        sending_mode: ``MDN-sent-manually`` or ``MDN-sent-automatically`` (as written).
        type: the disposition type, or ``None`` when it is not one of the known six.
        modifiers: the ``/error``, ``/warning`` ... modifiers, if any.
        raw: the field as received (unfolded).
    """

    action_mode: str
    sending_mode: str
    type: DispositionType | None
    modifiers: tuple[str, ...] = ()
    raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly mapping."""
        return {
            "action_mode": self.action_mode,
            "sending_mode": self.sending_mode,
            "type": self.type.value if self.type is not None else None,
            "modifiers": list(self.modifiers),
            "raw": self.raw,
        }


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    """What happened to one recipient of the original message.

    Attributes:
        address: the recipient's address (``rfc822;`` prefix and angle brackets removed), or ``""``
            when the report does not name it.
        ins: the patient's INS when ``address`` is a valid MSS-C patient address.
        kind: the verdict for this recipient.
        action: the DSN ``Action`` (``failed``, ``delayed``, ``delivered`` ...), or ``""``.
        status: the enhanced status code such as ``5.1.1``, or ``""``.
        reply_code: the SMTP reply code such as ``550``, or ``""``.
        diagnostic: the diagnostic text (unfolded, at most a few hundred characters).
        smtp_command: the SMTP command that the failure answered, when the report says it
            (``MAIL``, ``RCPT`` or ``DATA``), else ``""``. A refusal at ``RCPT`` is about the
            recipient; at ``MAIL`` about the sender; at ``DATA`` about the content.
    """

    address: str
    ins: Ins | None
    kind: ReplyKind
    action: str = ""
    status: str = ""
    reply_code: str = ""
    diagnostic: str = ""
    smtp_command: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly mapping (the INS as its 15-character string)."""
        return {
            "address": self.address,
            "ins": str(self.ins) if self.ins is not None else None,
            "kind": self.kind.value,
            "action": self.action,
            "status": self.status,
            "reply_code": self.reply_code,
            "diagnostic": self.diagnostic,
            "smtp_command": self.smtp_command,
        }


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict on one message.

    Attributes:
        kind: what the message is.
        recipients: per-recipient outcomes (empty when the message names none).
        original_message_id: the Message-ID (with angle brackets) of the message this one is
            about, or ``None``.
        disposition: the MDN disposition (read receipts only).
        evidence: why, in the order the rules fired.
        confidence: 0 to 1; structural evidence scores higher than phrases, phrases higher than a
            bare status code.
        trusted: True when the verdict rests on something a patient cannot forge: a system sender
            (null return path, MAILER-DAEMON, postmaster, an MES system address) or a structural
            DSN/MDN.
        defects: problems met while reading (malformed MIME, limits reached ...).
        patient_ins: the patient the message is about: for a report, the INS of the first
            failed (else affected) recipient that is a patient address; for a
            ``PATIENT_MESSAGE`` or a ``READ_RECEIPT``, the INS of the patient who wrote or
            read (the sender's address, or the MDN's ``Final-Recipient``). ``None`` when no
            valid patient address (key checked) is involved.
    """

    kind: ReplyKind
    recipients: tuple[RecipientOutcome, ...] = ()
    original_message_id: str | None = None
    disposition: Disposition | None = None
    evidence: tuple[Evidence, ...] = ()
    confidence: float = 0.0
    trusted: bool = False
    defects: tuple[str, ...] = field(default=())
    patient_ins: Ins | None = None

    @property
    def is_failure(self) -> bool:
        """True when the message says the original did not reach the patient."""
        return self.kind.is_failure

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-friendly data (enums as their values)."""
        return {
            "kind": self.kind.value,
            "recipients": [r.to_dict() for r in self.recipients],
            "original_message_id": self.original_message_id,
            "disposition": self.disposition.to_dict() if self.disposition else None,
            "evidence": [e.to_dict() for e in self.evidence],
            "confidence": self.confidence,
            "trusted": self.trusted,
            "defects": list(self.defects),
            "patient_ins": str(self.patient_ins) if self.patient_ins is not None else None,
        }


# The classifier makes a result for every message and an outcome for every recipient: built
# with the slots' setters (mssc._slots; tests/test_replies_rules.py compares these builders
# with the constructors).
(
    _SET_O_ADDRESS,
    _SET_O_INS,
    _SET_O_KIND,
    _SET_O_ACTION,
    _SET_O_STATUS,
    _SET_O_REPLY_CODE,
    _SET_O_DIAGNOSTIC,
    _SET_O_COMMAND,
) = slot_setters(RecipientOutcome)
(
    _SET_C_KIND,
    _SET_C_RECIPIENTS,
    _SET_C_ORIGINAL,
    _SET_C_DISPOSITION,
    _SET_C_EVIDENCE,
    _SET_C_CONFIDENCE,
    _SET_C_TRUSTED,
    _SET_C_DEFECTS,
    _SET_C_INS,
) = slot_setters(Classification)


def _outcome(
    address: str,
    ins: Ins | None,
    kind: ReplyKind,
    action: str,
    status: str,
    reply_code: str,
    diagnostic: str,
    smtp_command: str,
) -> RecipientOutcome:
    """``RecipientOutcome`` with every field given, in order."""
    out: RecipientOutcome = new_object(RecipientOutcome)
    _SET_O_ADDRESS(out, address)
    _SET_O_INS(out, ins)
    _SET_O_KIND(out, kind)
    _SET_O_ACTION(out, action)
    _SET_O_STATUS(out, status)
    _SET_O_REPLY_CODE(out, reply_code)
    _SET_O_DIAGNOSTIC(out, diagnostic)
    _SET_O_COMMAND(out, smtp_command)
    return out


def _classification(
    kind: ReplyKind,
    recipients: tuple[RecipientOutcome, ...],
    original_message_id: str | None,
    disposition: Disposition | None,
    evidence: tuple[Evidence, ...],
    confidence: float,
    trusted: bool,
    defects: tuple[str, ...],
    patient_ins: Ins | None,
) -> Classification:
    """``Classification`` with every field given, in order."""
    out: Classification = new_object(Classification)
    _SET_C_KIND(out, kind)
    _SET_C_RECIPIENTS(out, recipients)
    _SET_C_ORIGINAL(out, original_message_id)
    _SET_C_DISPOSITION(out, disposition)
    _SET_C_EVIDENCE(out, evidence)
    _SET_C_CONFIDENCE(out, confidence)
    _SET_C_TRUSTED(out, trusted)
    _SET_C_DEFECTS(out, defects)
    _SET_C_INS(out, patient_ins)
    return out


# The raw record a delivery report gives for one recipient: read by mssc.replies.dsn, which
# exports it. It is defined here, with the other value types, because mssc.replies.dsn is
# compiled with mypyc in regular wheels (hatch_build.py) and these stay Python classes: the
# readers build them with the slots' setters (mssc._slots), and callers may subclass them.
@dataclass(frozen=True, slots=True)
class DsnRecord:
    """One recipient as a delivery report describes it (raw strings, unfolded)."""

    address: str
    action: str = ""
    status: str = ""
    reply_code: str = ""
    diagnostic: str = ""
    original_recipient: str = ""
    diagnostic_type: str = ""
    #: the words after the code in the ``Status`` field ("mailbox disabled, not accepting
    #: messages"), which the reporting system writes itself
    status_comment: str = ""


DsnRecord.__module__ = "mssc.replies.dsn"
