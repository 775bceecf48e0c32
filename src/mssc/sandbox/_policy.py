"""What the sandbox does with a recipient and a message: MES's rules as pure decisions.

No I/O and no asyncio here: the SMTP handler maps these verdicts to replies, and the sandbox
carries them out (deliver, send a notice back).
"""

from __future__ import annotations

import email.utils
import functools
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32, default
from enum import Enum
from typing import Final

from mssc.addresses import TEST_RESPONDER, is_mssante_address, parse_patient_address
from mssc.errors import InvalidAddress
from mssc.headers import decode_encoded_words, parent_info
from mssc.ins import PATIENT_DOMAIN
from mssc.sandbox.notices import NoticeCause
from mssc.sandbox.patients import PatientState, SandboxPatient

__all__ = ["Facts", "Route", "RouteKind", "accepts_recipient", "read_facts", "route"]

_ADDRESS: Final = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TEST_WORD: Final = re.compile(r"\bTEST\b", re.IGNORECASE)
_MAX_TEST_BODY: Final = 1_000_000


class RouteKind(str, Enum):
    """What happens to one accepted recipient of a message."""

    DELIVER_PATIENT = "deliver-patient"
    DELIVER_PROFESSIONAL = "deliver-professional"
    NOTICE = "notice"
    TEST_ACK = "test-ack"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Route:
    """The verdict for one recipient."""

    kind: RouteKind
    recipient: str
    patient: SandboxPatient | None = None
    cause: NoticeCause | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the sandbox reads from a message's header block (hostile values dropped)."""

    message_id: str | None
    sender: str | None
    subject: str
    reply_to: str | None
    notify_to: str | None
    fin: bool


@functools.lru_cache(maxsize=4096)
def accepts_recipient(address: str) -> bool:
    """Whether MES's MX takes ``address`` at RCPT: patient.mssante.fr or an MSSanté domain."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    return domain == PATIENT_DOMAIN or is_mssante_address(address)


def _one_address(msg: Message, name: str) -> str | None:
    values = [str(v) for v in msg.get_all(name, [])[:4]]
    for _, address in email.utils.getaddresses([decode_encoded_words(v) for v in values]):
        if _ADDRESS.fullmatch(address):
            return address.lower()
    return None


def read_facts(data: bytes) -> Facts:
    """Read the identifying headers of a received message. Never raises on content."""
    end = data.find(b"\r\n\r\n")
    head = data[: end + 2 if end >= 0 else 256 * 1024]
    try:  # one cheap parse (compat32: values stay strings), read by parent_info's rules
        msg = BytesParser(policy=compat32).parsebytes(head + b"\r\n", headersonly=True)
    except Exception:  # the stdlib parser is meant never to raise; a sandbox must not either
        msg = Message()
    info = parent_info(msg)
    flag = " ".join(str(msg.get("X-MSS-MES", "")).split())
    subject = " ".join(info.subject.split())
    sender = info.from_address.lower() if info.from_address else None
    if sender is not None and not _ADDRESS.fullmatch(sender):
        sender = None
    return Facts(
        message_id=info.message_id,
        sender=sender,
        subject=subject,
        reply_to=_one_address(msg, "Reply-To"),
        notify_to=_one_address(msg, "Disposition-Notification-To"),
        fin=flag == "FIN" or subject == "[FIN]",
    )


def _is_test(data: bytes, subject: str) -> bool:
    """TEST in the subject and in the body, as the MES test responder requires."""
    if not _TEST_WORD.search(subject) or len(data) > _MAX_TEST_BODY:
        return False
    try:
        msg = BytesParser(policy=default).parsebytes(data)
        body = msg.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
    except Exception:  # hostile or broken content: no TEST found
        return False
    return isinstance(text, str) and _TEST_WORD.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _is_professional(address: str) -> bool:
    return is_mssante_address(address)


@functools.lru_cache(maxsize=4096)
def _matricule(address: str) -> str | None:
    """The INS of a patient address, or None when it is not a valid one (cached)."""
    try:
        return parse_patient_address(address).matricule
    except InvalidAddress:
        return None


def route(
    recipient: str,
    data: bytes,
    facts: Facts,
    patients: dict[str, SandboxPatient],
    *,
    max_size: int,
) -> Route:
    """MES's rules for one recipient of an accepted message."""
    address = recipient.lower()
    if _is_professional(address):
        return Route(RouteKind.DELIVER_PROFESSIONAL, address)
    if len(data) > max_size:
        return Route(RouteKind.NOTICE, address, cause=NoticeCause.TOO_LARGE)
    if address == TEST_RESPONDER:
        if _is_test(data, facts.subject):
            return Route(RouteKind.TEST_ACK, address)
        return Route(RouteKind.IGNORE, address)
    matricule = _matricule(address)
    if matricule is None:
        return Route(RouteKind.NOTICE, address, cause=NoticeCause.INVALID_INS)
    patient = patients.get(matricule)
    if patient is None:
        return Route(RouteKind.NOTICE, address, cause=NoticeCause.UNKNOWN_INS)
    causes = {
        PatientState.CLOSED: NoticeCause.CLOSED,
        PatientState.ABSENT: NoticeCause.ABSENT,
        PatientState.OPPOSED: NoticeCause.OPPOSED,
    }
    if patient.state in causes:
        return Route(RouteKind.NOTICE, address, patient, causes[patient.state])
    return Route(RouteKind.DELIVER_PATIENT, address, patient)
