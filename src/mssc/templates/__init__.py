"""The standard French patient messages of the hospital use cases, with typed contexts.

Thirteen templates cover the patient's journey, before the visit (*pré-venue*) and after it
(*post-venue*), following the use cases of the MSS-C guide. Each has a frozen pydantic context
model; rendering gives a short subject, wrapped plain text and matching HTML:

>>> import datetime as dt
>>> r = render("rappel", {
...     "patient_civility": "Madame", "patient_usage_name": "MARTIN",
...     "establishment": "Clinique du Parc", "establishment_address": "3 rue Haute, Lyon",
...     "visit_date": dt.date(2026, 3, 3), "visit_time": dt.time(14, 30), "days_before": 1})
>>> r.subject
'Rappel : rendez-vous demain, mardi 3 mars 2026 à 14 h 30'
>>> r.text.splitlines()[0]
'Bonjour Madame MARTIN,'

An establishment can replace any template with its own file (:class:`TemplateSet`); overrides
are checked against the same context model when they are loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeAlias, TypeVar

from mssc.ins import Ins, PatientIdentity
from mssc.templates._contexts import (
    DEFAULT_ADMINISTRATIVE_DOCUMENTS,
    AccueilContext,
    ComptesRendusContext,
    ConfirmationContext,
    ConsignesPreparationContext,
    ConvocationContext,
    DemandeDocumentsContext,
    DemandeInformationsContext,
    DocumentsTherapeutiquesContext,
    OrdonnanceContext,
    PlannedVisit,
    PlanningContext,
    PreadmissionContext,
    PrescriptionTiming,
    ProfessionalTitle,
    QuestionnaireSatisfactionContext,
    RappelContext,
    TemplateContext,
    VisitKind,
)
from mssc.templates._engine import Kind
from mssc.templates._examples import example_context, example_data
from mssc.templates._french import french_date, french_datetime, french_time
from mssc.templates._registry import (
    Rendered,
    TemplateContextError,
    TemplateSet,
    context_model,
    validate_context,
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
    "Kind",
    "OrdonnanceContext",
    "PlannedVisit",
    "PlanningContext",
    "PreadmissionContext",
    "PrescriptionTiming",
    "ProfessionalTitle",
    "QuestionnaireSatisfactionContext",
    "RappelContext",
    "Rendered",
    "SupportsCompose",
    "TemplateContext",
    "TemplateContextError",
    "TemplateSet",
    "VisitKind",
    "compose_template",
    "context_model",
    "example_context",
    "example_data",
    "french_date",
    "french_datetime",
    "french_time",
    "names",
    "render",
    "validate_context",
]

_M_co = TypeVar("_M_co", covariant=True)


class SupportsCompose(Protocol[_M_co]):
    """What :func:`compose_template` needs from a composer (``mssc.compose.Composer``)."""

    def compose(
        self,
        *,
        sender: Any,
        to: Any,
        subject: str,
        text: str,
        html: str | None = None,
    ) -> _M_co:
        """Build one message to one patient."""
        ...


def names() -> list[str]:
    """Return the ids of the built-in templates, in the order of the patient's journey."""
    return TemplateSet.builtin().names()


def render(
    name: str,
    context: TemplateContext | Mapping[str, Any],
    *,
    templates: TemplateSet | None = None,
) -> Rendered:
    """Render template ``name`` with ``context`` (a context model instance or a mapping).

    ``templates`` is an establishment's :class:`TemplateSet`; the built-in set by default.

    Raises:
        TemplateContextError: code ``unknown-template``, ``missing-field`` or ``invalid-field``
            (with every field concerned in ``.fields``).
        TypeError: ``context`` is neither a mapping nor an instance of the right model.
    """
    return (templates or TemplateSet.builtin()).render(name, context)


def _with_identity(
    name: str, context: TemplateContext | Mapping[str, Any], identity: PatientIdentity
) -> TemplateContext:
    """Fill the patient's civility and names from ``identity`` where the caller left them out."""
    ctx = validate_context(name, context)
    known = {
        "patient_civility": identity.civility,
        "patient_first_name": identity.first_name,
        "patient_usage_name": identity.last_name,
        "patient_birth_name": identity.birth_name,
    }
    missing = {
        key: value
        for key, value in known.items()
        if value is not None and getattr(ctx, key) is None
    }
    if not missing:
        return ctx
    return validate_context(name, {**ctx.model_dump(), **missing})


#: Who a template message goes to: one patient.
Recipient: TypeAlias = Ins | PatientIdentity | str


def compose_template(
    composer: SupportsCompose[_M_co],
    name: str,
    context: TemplateContext | Mapping[str, Any],
    *,
    sender: Any,
    to: Recipient,
    templates: TemplateSet | None = None,
    with_html: bool = False,
    **compose_options: Any,
) -> _M_co:
    """Render template ``name`` and compose it to one patient in one call.

    When ``to`` is a :class:`~mssc.ins.PatientIdentity`, the patient's civility (``Madame`` or
    ``Monsieur`` from the sex), first name, usage name and birth name are taken from it for
    every one of those fields the context leaves out.

    Args:
        composer: an ``mssc.compose.Composer``.
        name: the template id.
        context: the context model instance or a mapping.
        sender: the ``Sender``.
        to: the patient (``Ins``, qualified ``PatientIdentity`` or address).
        templates: an establishment's template set; the built-in one by default.
        with_html: also send the HTML version (``multipart/alternative``).
        **compose_options: passed on to ``Composer.compose`` (``attachments``,
            ``read_receipt``, ``close_conversation``, ``in_reply_to``, ``extra_headers``…).

    Raises:
        TemplateContextError: as :func:`render`.
        TypeError: ``compose_options`` holds ``subject``, ``text`` or ``html``, which the
            template provides.
        MsscError: any error of ``Composer.compose``.
    """
    clash = sorted({"subject", "text", "html"} & compose_options.keys())
    if clash:
        raise TypeError(f"compose_template() sets {', '.join(clash)} from the template")
    if isinstance(to, PatientIdentity):
        context = _with_identity(name, context, to)
    rendered = render(name, context, templates=templates)
    return composer.compose(
        sender=sender,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html if with_html else None,
        **compose_options,
    )
