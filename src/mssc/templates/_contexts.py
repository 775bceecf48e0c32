"""The typed contexts of the templates: one frozen pydantic model per template.

Each model validates the caller's values (dates as :class:`datetime.date`, times as
:class:`datetime.time`, lists as tuples of single-line texts) and turns them into the variables a
template file may use (see ``VARIABLES`` on each model).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, ClassVar, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import Self

from mssc.headers import BIDI_CONTROLS
from mssc.templates._engine import Kind, Value
from mssc.templates._french import (
    Civility,
    delay_phrase,
    french_date,
    french_datetime,
    french_time,
    salutation_name,
)

__all__ = [
    "DEFAULT_ADMINISTRATIVE_DOCUMENTS",
    "AccueilContext",
    "ComptesRendusContext",
    "ConfirmationContext",
    "ConsignesPreparationContext",
    "ConvocationContext",
    "DemandeDocumentsContext",
    "DemandeInformationsContext",
    "DocumentsTherapeutiquesContext",
    "OrdonnanceContext",
    "PlannedVisit",
    "PlanningContext",
    "PreadmissionContext",
    "PrescriptionTiming",
    "ProfessionalTitle",
    "QuestionnaireSatisfactionContext",
    "RappelContext",
    "TemplateContext",
    "VisitKind",
]


def _clean_text(value: str) -> str:
    """NFC-normalise a single-line text; refuse control characters and bidi overrides."""
    value = unicodedata.normalize("NFC", value)
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") or char in BIDI_CONTROLS:
            raise ValueError(
                f"must be a single line without control characters (found U+{ord(char):04X})"
            )
    return " ".join(value.split())


#: A single line of text for the patient (a name, a place, a sentence of instructions).
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_clean_text),
]
#: A telephone number as printed: digits, spaces and dots, optionally starting with ``+``.
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 .]{1,22}[0-9]$")
]
#: An ``http`` or ``https`` address without spaces.
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://[^\s<>\"'`]+$"),
]
#: A list of texts, at most 30.
Items = Annotated[tuple[Text, ...], Field(max_length=30)]
#: A list of texts, at least one and at most 30.
RequiredItems = Annotated[tuple[Text, ...], Field(min_length=1, max_length=30)]

#: How a professional is named: ``le Docteur X``, ``le Professeur X``, ``Madame X``, ``Monsieur X``.
ProfessionalTitle = Literal["Docteur", "Professeur", "Madame", "Monsieur"]


class VisitKind(str, Enum):
    """What the visit is; it gives the wording ``votre consultation``, ``votre séance``…"""

    CONSULTATION = "consultation"
    HOSPITALISATION = "hospitalisation"
    AMBULATOIRE = "ambulatoire"
    """A day hospitalisation (*hospitalisation de jour, ambulatoire*)."""
    EXAMEN = "examen"
    SEANCE = "seance"
    """A session in a series (rehabilitation, chemotherapy)."""

    @property
    def noun(self) -> str:
        """The French noun phrase with its possessive, e.g. ``votre hospitalisation``."""
        return _VISIT_NOUNS[self]


_VISIT_NOUNS: Final[dict[VisitKind, str]] = {
    VisitKind.CONSULTATION: "votre consultation",
    VisitKind.HOSPITALISATION: "votre hospitalisation",
    VisitKind.AMBULATOIRE: "votre hospitalisation de jour",
    VisitKind.EXAMEN: "votre examen",
    VisitKind.SEANCE: "votre séance",
}


class PrescriptionTiming(str, Enum):
    """Whether a prescription prepares a visit or follows it."""

    BEFORE_VISIT = "before-visit"
    AFTER_VISIT = "after-visit"


#: The administrative documents asked for a pre-admission unless the establishment sets its own.
DEFAULT_ADMINISTRATIVE_DOCUMENTS: Final[tuple[str, ...]] = (
    "une pièce d'identité en cours de validité (carte nationale d'identité, passeport ou titre "
    "de séjour), en photo ou en scan",
    "votre carte Vitale, ou à défaut votre attestation de droits à l'Assurance Maladie",
    "votre carte de mutuelle ou de complémentaire santé, ou votre attestation de Complémentaire "
    "santé solidaire",
    "la lettre de votre médecin traitant, si vous en avez une",
)


#: The pydantic error type raised when none of several alternative fields is given.
MISSING_ANY: Final = "missing_any"


def _missing_any(*fields: str) -> PydanticCustomError:
    return PydanticCustomError(
        MISSING_ANY, "give at least one of: {fields}", {"fields": ", ".join(fields)}
    )


def _opt(value: str | None) -> str:
    return value or ""


def _opt_date(day: dt.date | None) -> str:
    return french_date(day) if day else ""


class TemplateContext(BaseModel):
    """The fields every template shares: the patient's name and the establishment.

    The patient fields are optional: :func:`mssc.templates.compose_template` fills them from a
    :class:`~mssc.ins.PatientIdentity`. Without a name the letter starts with a plain *Bonjour*.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        defer_build=True,  # built on first use: importing the templates stays cheap
    )

    #: The variables a template may use, with their kind (filled in by each subclass).
    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        "salutation": Kind.TEXT,
        "e": Kind.TEXT,
        "establishment": Kind.TEXT,
        "service": Kind.TEXT,
        "establishment_address": Kind.TEXT,
        "establishment_phone": Kind.TEXT,
        "establishment_website": Kind.TEXT,
        "signatory": Kind.TEXT,
    }

    patient_civility: Civility | None = None
    """``Madame`` or ``Monsieur``; left out when unknown (never abbreviated)."""
    patient_first_name: Text | None = None
    """The first name, used only when the civility is unknown."""
    patient_usage_name: Text | None = None
    """The name in use (*nom d'usage*)."""
    patient_birth_name: Text | None = None
    """The birth name, shown in brackets when it differs from the usage name."""
    establishment: Text
    """The establishment's name, e.g. ``Centre hospitalier de Valence``."""
    service: Text | None = None
    """The department's name as it reads after *le service*, e.g. ``Cardiologie``."""
    establishment_address: Text | None = None
    """The postal address on one line."""
    establishment_phone: Phone | None = None
    """The telephone number patients may call."""
    establishment_website: Url | None = None
    """The establishment's web site."""
    signatory: Text | None = None
    """Who signs, e.g. ``Le bureau des admissions``; ``Le service <service>`` when not given."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        agreement = {"Madame": "e", "Monsieur": ""}.get(self.patient_civility or "", "(e)")
        signatory = self.signatory or (f"Le service {self.service}" if self.service else "")
        return {
            "salutation": salutation_name(
                self.patient_civility,
                self.patient_first_name,
                self.patient_usage_name,
                self.patient_birth_name,
            ),
            "e": agreement,
            "establishment": self.establishment,
            "service": _opt(self.service),
            "establishment_address": _opt(self.establishment_address),
            "establishment_phone": _opt(self.establishment_phone),
            "establishment_website": _opt(self.establishment_website),
            "signatory": signatory,
        }


_VISIT_VARIABLES: Final[Mapping[str, Kind]] = {
    "visit_date": Kind.TEXT,
    "visit_date_short": Kind.TEXT,
    "visit_time": Kind.TEXT,
    "visit_when": Kind.TEXT,
    "visit_noun": Kind.TEXT,
    "reason": Kind.TEXT,
    "professional": Kind.TEXT,
}


class _VisitContext(TemplateContext):
    """Shared visit fields: all optional here, some required by the templates that need them."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {**TemplateContext.VARIABLES, **_VISIT_VARIABLES}

    visit_date: dt.date | None = None
    """The day of the visit."""
    visit_time: dt.time | None = None
    """The time of the visit (or of arrival)."""
    visit_kind: VisitKind | None = None
    """What the visit is; ``votre venue`` is used when not given."""
    reason: Text | None = None
    """What the appointment is about, e.g. ``une coloscopie``."""
    professional_name: Text | None = None
    """The professional's name, e.g. ``DURAND``."""
    professional_title: ProfessionalTitle | None = None
    """How the professional is named: ``Docteur``, ``Professeur``, ``Madame``, ``Monsieur``."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        professional = _opt(self.professional_name)
        if professional and self.professional_title in ("Docteur", "Professeur"):
            professional = f"le {self.professional_title} {professional}"
        elif professional and self.professional_title:
            professional = f"{self.professional_title} {professional}"
        day = self.visit_date
        return {
            **super().variables(),
            "visit_date": _opt_date(day),
            "visit_date_short": french_date(day, weekday=False) if day else "",
            "visit_time": french_time(self.visit_time) if self.visit_time else "",
            "visit_when": french_datetime(day, self.visit_time) if day else "",
            "visit_noun": self.visit_kind.noun if self.visit_kind else "votre venue",
            "reason": _opt(self.reason),
            "professional": professional,
        }


class AccueilContext(_VisitContext):
    """``accueil``: the welcome message that opens the channel, with practical information."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "documents_to_bring": Kind.LIST,
        "practical_information": Kind.LIST,
        "companion_required": Kind.FLAG,
        "companion_not_required": Kind.FLAG,
    }

    documents_to_bring: Items = ()
    """Documents to bring on the day."""
    practical_information: Items = ()
    """Other practical points (parking, entrance, meals…), one sentence each."""
    companion_required: bool | None = None
    """True: someone must come to take the patient home; False: the patient may leave alone."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "documents_to_bring": self.documents_to_bring,
            "practical_information": self.practical_information,
            "companion_required": self.companion_required is True,
            "companion_not_required": self.companion_required is False,
        }


class ConvocationContext(_VisitContext):
    """``convocation``: an appointment with its date, time, place, reason and professional."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "arrival_advance": Kind.TEXT,
        "meeting_point": Kind.TEXT,
    }

    visit_date: dt.date
    """The day of the appointment."""
    visit_time: dt.time
    """The time of the appointment."""
    establishment_address: Text
    """Where the appointment takes place, on one line."""
    arrive_minutes_early: Annotated[int, Field(ge=0, le=240)] | None = None
    """How many minutes before the time the patient should arrive."""
    meeting_point: Text | None = None
    """Where to go on arrival, e.g. ``accueil du bâtiment B, 2e étage``."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        early = self.arrive_minutes_early
        return {
            **super().variables(),
            "arrival_advance": f"{early} minutes" if early else "",
            "meeting_point": _opt(self.meeting_point),
        }


class RappelContext(ConvocationContext):
    """``rappel``: a reminder of an appointment, ``days_before`` days ahead (J-7, J-1…)."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **ConvocationContext.VARIABLES,
        "delay": Kind.TEXT,
        "cancel_phone": Kind.FLAG,
    }

    days_before: Annotated[int, Field(ge=0, le=365)]
    """How many days before the appointment the reminder is sent: 7 for J-7, 1 for J-1."""
    ask_to_warn_if_absent: bool = True
    """Ask the patient to call if they cannot come (needs ``establishment_phone``)."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "delay": delay_phrase(self.days_before),
            "cancel_phone": self.ask_to_warn_if_absent and bool(self.establishment_phone),
        }


class PlannedVisit(BaseModel):
    """One visit of a schedule."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        defer_build=True,  # built on first use: importing the templates stays cheap
    )

    date: dt.date
    """The day."""
    time: dt.time | None = None
    """The time, when known."""
    label: Text | None = None
    """What happens, e.g. ``séance de kinésithérapie``."""

    def line(self) -> str:
        """The visit as one French line."""
        when = french_datetime(self.date, self.time)
        return f"{when} : {self.label}" if self.label else when


class PlanningContext(TemplateContext):
    """``planning``: the schedule of recurring visits (rehabilitation, cancer care)."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **TemplateContext.VARIABLES,
        "programme": Kind.TEXT,
        "planning": Kind.LIST,
        "first_date": Kind.TEXT,
        "last_date": Kind.TEXT,
        "visit_count": Kind.TEXT,
        "several_visits": Kind.FLAG,
        "notes": Kind.LIST,
    }

    visits: Annotated[tuple[PlannedVisit, ...], Field(min_length=1, max_length=100)]
    """The visits; they are listed in date order."""
    programme: Text | None = None
    """The care programme, e.g. ``votre programme de rééducation``."""
    notes: Items = ()
    """Remarks on the schedule, one sentence each."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        visits = sorted(self.visits, key=lambda v: (v.date, v.time or dt.time.min))
        return {
            **super().variables(),
            "programme": _opt(self.programme),
            "planning": tuple(v.line() for v in visits),
            "first_date": french_date(visits[0].date, weekday=False),
            "last_date": french_date(visits[-1].date, weekday=False),
            "visit_count": str(len(visits)),
            "several_visits": len(visits) > 1,
            "notes": self.notes,
        }


class ConsignesPreparationContext(_VisitContext):
    """``consignes-preparation``: how to prepare for a consultation or a stay."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "instructions": Kind.LIST,
        "items_to_bring": Kind.LIST,
        "day_instructions": Kind.LIST,
    }

    instructions: Items = ()
    """What to do in the days before (diet, treatment to pause on medical advice…)."""
    items_to_bring: Items = ()
    """What to bring on the day."""
    day_instructions: Items = ()
    """How to come on the day: fasting, without jewellery, without make-up…"""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "instructions": self.instructions,
            "items_to_bring": self.items_to_bring,
            "day_instructions": self.day_instructions,
        }

    @model_validator(mode="after")
    def _some_instruction(self) -> Self:
        if not (self.instructions or self.items_to_bring or self.day_instructions):
            raise _missing_any("instructions", "items_to_bring", "day_instructions")
        return self


class DemandeDocumentsContext(_VisitContext):
    """``demande-documents``: documents to send back before the visit."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "documents": Kind.LIST,
        "purpose": Kind.TEXT,
        "deadline": Kind.TEXT,
    }

    documents: RequiredItems
    """The documents to send back, e.g. ``votre bilan sanguin de moins de 48 heures``."""
    purpose: Text | None = None
    """Why they are needed, e.g. ``préparer votre séance de chimiothérapie``."""
    deadline: dt.date | None = None
    """The day by which they should arrive."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "documents": self.documents,
            "purpose": _opt(self.purpose),
            "deadline": _opt_date(self.deadline),
        }


class DemandeInformationsContext(_VisitContext):
    """``demande-informations``: medical information to give before the visit."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "questions": Kind.LIST,
        "deadline": Kind.TEXT,
        "suggest_medical_profile": Kind.FLAG,
    }

    questions: RequiredItems
    """The information asked for, one question or item each."""
    deadline: dt.date | None = None
    """The day by which the answer should arrive."""
    suggest_medical_profile: bool = True
    """Suggest sending the medical profile of Mon espace santé with the answer."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "questions": self.questions,
            "deadline": _opt_date(self.deadline),
            "suggest_medical_profile": self.suggest_medical_profile,
        }


class PreadmissionContext(_VisitContext):
    """``preadmission``: the pre-admission message of the MSS-C guide's annex.

    Every element of the annex model is here: the visit, the medical profile to fill in and send
    back, the administrative documents, an optional patient portal, optional particular
    instructions, what follows the visit, the Mon espace santé help line, an optional
    confirmation paragraph and the signature.
    """

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "documents_example": Kind.TEXT,
        "administrative_documents": Kind.LIST,
        "portal_name": Kind.TEXT,
        "portal_url": Kind.TEXT,
        "portal_features": Kind.TEXT,
        "items_to_bring": Kind.LIST,
        "day_instructions": Kind.LIST,
        "announce_follow_up": Kind.FLAG,
        "announce_survey": Kind.FLAG,
        "confirmation": Kind.FLAG,
    }

    visit_date: dt.date
    """The day of the visit."""
    service: Text
    """The department that receives the patient."""
    establishment_address: Text
    """The establishment's postal address on one line."""
    lab_reports_max_age_years: Annotated[int, Field(ge=1, le=20)] | None = 2
    """The age limit of the lab reports given as an example; None for no example."""
    relevant_documents_example: Text | None = None
    """Your own example of relevant documents; it replaces the lab reports example."""
    administrative_documents: Items = DEFAULT_ADMINISTRATIVE_DOCUMENTS
    """The administrative documents to send back (an empty list drops the paragraph)."""
    portal_name: Text | None = None
    """The name of the establishment's patient portal; the paragraph appears when given."""
    portal_url: Url | None = None
    """The portal's address."""
    portal_features: Text | None = None
    """What the portal allows, e.g. ``suivre vos rendez-vous et régler vos factures``."""
    items_to_bring: Items = ()
    """Particular instructions: what to bring for the examinations."""
    day_instructions: Items = ()
    """Particular instructions: how to come on the day (fasting, without jewellery…)."""
    announce_follow_up: bool = True
    """Say that the summary documents will be sent to Mon espace santé after the visit."""
    announce_survey: bool = True
    """Say that a satisfaction survey will follow."""
    confirmation: bool = False
    """Say that a confirmation will be sent once the documents are processed."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        example = self.relevant_documents_example or ""
        years = self.lab_reports_max_age_years
        if not example and years:
            period = "de l'année écoulée" if years == 1 else f"des {years} dernières années"
            example = f"vos comptes rendus d'analyses biologiques {period}"
        return {
            **super().variables(),
            "documents_example": example,
            "administrative_documents": self.administrative_documents,
            "portal_name": _opt(self.portal_name),
            "portal_url": _opt(self.portal_url),
            "portal_features": _opt(self.portal_features),
            "items_to_bring": self.items_to_bring,
            "day_instructions": self.day_instructions,
            "announce_follow_up": self.announce_follow_up,
            "announce_survey": self.announce_survey,
            "confirmation": self.confirmation,
        }


class ConfirmationContext(_VisitContext):
    """``confirmation``: the documents the patient sent have been received and processed.

    The model message of the MSS-C guide's annex promises the patient this confirmation (see the
    ``confirmation`` flag of ``preadmission``). It can list what was filed and what is still
    missing; with nothing missing it tells the patient the file is complete.
    """

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "documents": Kind.LIST,
        "missing_documents": Kind.LIST,
        "received_on": Kind.TEXT,
        "purpose": Kind.TEXT,
        "complete": Kind.FLAG,
    }

    documents: Items = ()
    """The documents received and filed, e.g. ``votre carte Vitale``."""
    missing_documents: Items = ()
    """The documents still expected, if any."""
    received_on: dt.date | None = None
    """The day the patient's message arrived."""
    purpose: Text | None = None
    """What the documents were sent for, e.g. ``votre préadmission``."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "documents": self.documents,
            "missing_documents": self.missing_documents,
            "received_on": _opt_date(self.received_on),
            "purpose": _opt(self.purpose),
            "complete": not self.missing_documents,
        }


class OrdonnanceContext(_VisitContext):
    """``ordonnance``: a prescription sent before a visit (e.g. a PCR test) or after it."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "before_visit": Kind.FLAG,
        "purpose": Kind.TEXT,
        "instructions": Kind.LIST,
    }

    timing: PrescriptionTiming
    """``before-visit`` or ``after-visit``."""
    purpose: Text | None = None
    """What it is for, e.g. ``le test PCR à faire avant votre intervention``."""
    instructions: Items = ()
    """How to use it, one sentence each."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "before_visit": self.timing is PrescriptionTiming.BEFORE_VISIT,
            "purpose": _opt(self.purpose),
            "instructions": self.instructions,
        }


class DocumentsTherapeutiquesContext(_VisitContext):
    """``documents-therapeutiques``: recommendations after a consultation or a stay."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "documents": Kind.LIST,
        "recommendations": Kind.LIST,
    }

    documents: RequiredItems
    """The attached documents, e.g. ``les conseils après une pose de prothèse de hanche``."""
    recommendations: Items = ()
    """Key recommendations repeated in the message, one sentence each."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "documents": self.documents,
            "recommendations": self.recommendations,
        }


class ComptesRendusContext(_VisitContext):
    """``comptes-rendus``: reports after a visit (discharge letter, lab, imaging, operation)."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "reports": Kind.LIST,
        "several_reports": Kind.FLAG,
        "follow_up": Kind.TEXT,
    }

    reports: RequiredItems
    """The attached reports, e.g. ``la lettre de liaison``, ``le compte rendu opératoire``."""
    follow_up: Text | None = None
    """The next step, e.g. ``un rendez-vous de contrôle vous sera proposé dans six semaines``."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "reports": self.reports,
            "several_reports": len(self.reports) > 1,
            "follow_up": _opt(self.follow_up),
        }


class QuestionnaireSatisfactionContext(_VisitContext):
    """``questionnaire-satisfaction``: a satisfaction survey, or a reminder to return it."""

    VARIABLES: ClassVar[Mapping[str, Kind]] = {
        **_VisitContext.VARIABLES,
        "reminder": Kind.FLAG,
        "survey_url": Kind.TEXT,
        "attached": Kind.FLAG,
        "postal_address": Kind.TEXT,
        "deadline": Kind.TEXT,
    }

    reminder: bool = False
    """This message reminds the patient of a survey already given."""
    survey_url: Url | None = None
    """Where to answer online."""
    attached: bool = False
    """The survey is attached and can be sent back in reply to this message."""
    postal_address: Text | None = None
    """Where to post a paper survey."""
    deadline: dt.date | None = None
    """The day by which answers are welcome."""

    def variables(self) -> dict[str, Value]:
        """Return the values of every template variable (all keys of ``VARIABLES``)."""
        return {
            **super().variables(),
            "reminder": self.reminder,
            "survey_url": _opt(self.survey_url),
            "attached": self.attached,
            "postal_address": _opt(self.postal_address),
            "deadline": _opt_date(self.deadline),
        }

    @model_validator(mode="after")
    def _some_way_to_answer(self) -> Self:
        if not (self.survey_url or self.attached or self.postal_address):
            raise _missing_any("survey_url", "attached", "postal_address")
        return self
