"""The sandbox's patients, what it delivers, and its errors (values only, no I/O but one loader).

>>> p = SandboxPatient(ins="279035121518989", state="closed", first_name="Camille",
...                    last_name="Martin")
>>> p.state.value, p.address, p.display_name
('closed', '279035121518989@patient.mssante.fr', 'Camille MARTIN')
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from mssc.errors import MsscError
from mssc.ins import PATIENT_DOMAIN, parse_ins

__all__ = [
    "DEFAULT_PATIENTS",
    "ConversationClosed",
    "DeliveredMessage",
    "PatientState",
    "SandboxError",
    "SandboxPatient",
    "load_patients",
]


class SandboxError(MsscError):
    """A sandbox used the wrong way: an unknown patient or message, a bad patients file."""


class ConversationClosed(SandboxError):
    """The professional closed the conversation (``[FIN]`` or ``X-MSS-MES: FIN``).

    The patient can answer again once the professional writes again.
    """


class PatientState(str, Enum):
    """The state of a patient's Mon espace santé, as the sandbox plays it."""

    ACTIVE = "active"
    """The mailbox exists: messages are delivered."""
    CLOSED = "closed"
    """The patient closed the mailbox: a "mailbox closed" notice goes back."""
    ABSENT = "absent"
    """No espace santé yet: a "patient not found" notice goes back."""
    OPPOSED = "opposed"
    """The patient opposed its creation: a "patient not found" notice goes back."""


class SandboxPatient(BaseModel):
    """One patient known to the sandbox.

    Args:
        ins: the matricule INS (15 characters with its key; spaces allowed).
        state: see :class:`PatientState`.
        first_name: the first name written in the ``From`` of the patient's replies.
        last_name: the last name (written in upper case).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ins: str
    state: PatientState = PatientState.ACTIVE
    first_name: str = "Camille"
    last_name: str = "PATIENT"

    @field_validator("ins")
    @classmethod
    def _valid_ins(cls, value: str) -> str:
        return parse_ins(value).matricule

    @field_validator("first_name", "last_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned or not cleaned.isprintable():
            raise ValueError("a name must be printable text on one line")
        return cleaned

    @property
    def address(self) -> str:
        """The patient's MSS-C address."""
        return f"{self.ins}@{PATIENT_DOMAIN}"

    @property
    def display_name(self) -> str:
        """``Prénom NOM``, as in the ``From`` of the patient's messages."""
        return f"{self.first_name} {self.last_name.upper()}"


def load_patients(source: str | Path | dict[str, Any]) -> tuple[SandboxPatient, ...]:
    """Read patients from a JSON file (or its parsed content): ``{"patients": [{…}, …]}``.

    Raises:
        SandboxError: code ``bad-patients-file`` with what is wrong.
    """
    where = "the patients data"
    try:
        if isinstance(source, dict):
            data: Any = source
        else:
            where = str(source)
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("patients"), list):
            raise ValueError('expected {"patients": [...]}')
        return tuple(SandboxPatient.model_validate(item) for item in data["patients"])
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SandboxError(
            f"cannot read patients from {where}: {first}",
            code="bad-patients-file",
            hint='write {"patients": [{"ins": "279035121518989", "state": "active"}]}',
        ) from exc


@dataclass(frozen=True, slots=True)
class DeliveredMessage:
    """A message delivered to a patient's inbox, as it stood when listed."""

    message_id: str
    """Its Message-ID (with angle brackets)."""
    sender: str
    """The ``From`` address (lower case)."""
    subject: str
    """The subject, decoded."""
    received_at: dt.datetime
    """When the sandbox accepted it (UTC)."""
    read: bool
    """Whether the patient opened it."""
    closes_conversation: bool
    """Whether it was a FIN (``X-MSS-MES: FIN`` or subject ``[FIN]``)."""
    data: bytes
    """The message as received."""


#: One made-up test patient per state (well-formed INS with valid keys, no real person).
DEFAULT_PATIENTS: tuple[SandboxPatient, ...] = (
    SandboxPatient(
        ins="299027512345665", state=PatientState.ACTIVE, first_name="Louise", last_name="Moreau"
    ),
    SandboxPatient(
        ins="185057800608491", state=PatientState.CLOSED, first_name="Marc", last_name="Lefebvre"
    ),
    SandboxPatient(
        ins="177119912345808", state=PatientState.ABSENT, first_name="Jean", last_name="Garnier"
    ),
    SandboxPatient(
        ins="268101305501151", state=PatientState.OPPOSED, first_name="Anne", last_name="Roux"
    ),
)
