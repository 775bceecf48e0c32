"""Template sets: the built-in French templates, establishment overrides and rendering."""

from __future__ import annotations

import difflib
import functools
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ValidationError

from mssc.errors import MsscError
from mssc.headers import contains_fin_word
from mssc.templates._contexts import (
    MISSING_ANY,
    AccueilContext,
    ComptesRendusContext,
    ConfirmationContext,
    ConsignesPreparationContext,
    ConvocationContext,
    DemandeDocumentsContext,
    DemandeInformationsContext,
    DocumentsTherapeutiquesContext,
    OrdonnanceContext,
    PlanningContext,
    PreadmissionContext,
    QuestionnaireSatisfactionContext,
    RappelContext,
    TemplateContext,
)
from mssc.templates._engine import (
    Kind,
    ParsedTemplate,
    TemplateSyntaxError,
    parse_template,
    render_parsed,
    to_html,
    to_text,
)

__all__ = ["Rendered", "TemplateContextError", "TemplateSet"]

#: Template id → context model, in the order of the patient's journey.
MODELS: Final[Mapping[str, type[TemplateContext]]] = {
    "accueil": AccueilContext,
    "convocation": ConvocationContext,
    "rappel": RappelContext,
    "planning": PlanningContext,
    "consignes-preparation": ConsignesPreparationContext,
    "demande-documents": DemandeDocumentsContext,
    "demande-informations": DemandeInformationsContext,
    "preadmission": PreadmissionContext,
    "confirmation": ConfirmationContext,
    "ordonnance": OrdonnanceContext,
    "documents-therapeutiques": DocumentsTherapeutiquesContext,
    "comptes-rendus": ComptesRendusContext,
    "questionnaire-satisfaction": QuestionnaireSatisfactionContext,
}


class TemplateContextError(MsscError, ValueError):
    """A template that cannot be rendered with the given context, or an override that is refused.

    Codes:

    * ``missing-field``: required fields are absent (every one is listed);
    * ``invalid-field``: fields have a value of the wrong type or form, or a value that would put
      the word FIN into the subject (and close the patient's conversation);
    * ``unknown-template``: no template has that id;
    * ``bad-override``: an establishment's template file breaks the syntax, uses an unknown
      placeholder, or does not render.

    When fields are both missing and invalid, the code is ``missing-field`` and both lists are
    filled.

    Attributes:
        template: the template id.
        fields: every field concerned (missing first, then invalid), or the unknown placeholders
            of a refused override.
        missing: the missing fields.
        invalid: the invalid fields.
    """

    codes: ClassVar[frozenset[str]] = frozenset(
        {"missing-field", "invalid-field", "unknown-template", "bad-override"}
    )

    def __init__(
        self,
        message: str,
        *,
        code: str,
        hint: str = "",
        template: str = "",
        missing: tuple[str, ...] = (),
        invalid: tuple[str, ...] = (),
        fields: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.template = template
        self.missing = missing
        self.invalid = invalid
        self.fields = fields if fields is not None else missing + invalid

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-friendly mapping, with the fields concerned."""
        return {**super().to_dict(), "template": self.template, "fields": list(self.fields)}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message: its subject, its plain text and the matching HTML."""

    subject: str
    """One line, without the word FIN."""
    text: str
    """Plain UTF-8 text, wrapped at 76 columns, ending with a newline."""
    html: str
    """A small HTML document with the same content, every value escaped."""


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(context)"


#: How a date or a time is written in a context (pydantic's error types start with the key).
_WHEN_FORMATS: Final[Mapping[str, str]] = {
    "date": "date: write dates as ISO 8601 YYYY-MM-DD, e.g. 2026-03-17",
    "time": "time: write times as HH:MM on 24 hours, e.g. 14:30",
}
_WHEN_HINT: Final = "dates are ISO 8601 (2026-03-17) and times HH:MM (14:30)"


def _context_error(name: str, exc: ValidationError) -> TemplateContextError:
    missing: list[str] = []
    invalid: list[str] = []
    details: list[str] = []
    formats_wrong = False
    for error in exc.errors(include_url=False):
        if error["type"] == MISSING_ANY:
            alternatives = str((error.get("ctx") or {}).get("fields", "")).split(", ")
            missing.extend(a for a in alternatives if a not in missing)
            details.append(f"one of {', '.join(alternatives)} is required")
            continue
        field = _loc(error["loc"])
        if error["type"] == "missing":
            if field not in missing:
                missing.append(field)
            details.append(f"{field}: required")
        else:
            if field not in invalid:
                invalid.append(field)
            when = _WHEN_FORMATS.get(error["type"].split("_", 1)[0])
            if when is not None:
                formats_wrong = True
                details.append(f"{field}: {error['input']!r} is not a {when}")
            else:
                details.append(f"{field}: {error['msg']}")
    code = "missing-field" if missing else "invalid-field"
    listed = ", ".join(missing or invalid)
    hint = f"run 'mssc templates' to see the fields of {name!r} and their types"
    if formats_wrong:
        hint = f"{_WHEN_HINT}; {hint}"
    return TemplateContextError(
        f"template {name!r}: {'missing' if missing else 'invalid'} field(s) {listed} "
        f"({'; '.join(details)})",
        code=code,
        hint=hint,
        template=name,
        missing=tuple(missing),
        invalid=tuple(invalid),
    )


def _unknown_template(name: str) -> TemplateContextError:
    close = difflib.get_close_matches(name, list(MODELS), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known templates: {', '.join(MODELS)}"
    return TemplateContextError(
        f"no template named {name!r}", code="unknown-template", hint=hint, template=name
    )


def context_model(name: str) -> type[TemplateContext]:
    """Return the context model class of template ``name``.

    Raises:
        TemplateContextError: code ``unknown-template``.
    """
    try:
        return MODELS[name]
    except KeyError:
        raise _unknown_template(name) from None


def validate_context(name: str, context: TemplateContext | Mapping[str, Any]) -> TemplateContext:
    """Return ``context`` as a validated instance of the context model of ``name``.

    Raises:
        TemplateContextError: code ``unknown-template``, ``missing-field`` or ``invalid-field``.
        TypeError: ``context`` is neither a mapping nor an instance of the right model.
    """
    model = context_model(name)
    if type(context) is model:  # a subclass (RappelContext for convocation) is refused
        return context
    if isinstance(context, BaseModel):
        raise TypeError(
            f"template {name!r} takes a {model.__name__} or a mapping, "
            f"not a {type(context).__name__}"
        )
    if not isinstance(context, Mapping):
        raise TypeError(f"a template context is a mapping, not {type(context).__name__}")
    try:
        return model.model_validate(dict(context))
    except ValidationError as exc:
        raise _context_error(name, exc) from None


@dataclass(frozen=True, slots=True)
class _Entry:
    raw: str
    parsed: ParsedTemplate
    overridden: bool


def _bad_override(name: str, message: str, *, fields: tuple[str, ...] = ()) -> TemplateContextError:
    return TemplateContextError(
        f"override of template {name!r}: {message}",
        code="bad-override",
        hint="see docs/templates.md for the template syntax and the variables of each template",
        template=name,
        fields=fields,
    )


def _check_uses(name: str, parsed: ParsedTemplate) -> None:
    kinds = MODELS[name].VARIABLES
    used = parsed.uses()
    unknown = sorted(v for v in used if v not in kinds)
    if unknown:
        raise _bad_override(
            name,
            f"unknown placeholder(s) {', '.join(unknown)}; known: {', '.join(sorted(kinds))}",
            fields=tuple(unknown),
        )
    wrong = sorted(
        variable
        for variable, uses in used.items()
        if (Kind.TEXT in uses and kinds[variable] is not Kind.TEXT)
        or (Kind.LIST in uses and kinds[variable] is not Kind.LIST)
    )
    if wrong:
        shown = ", ".join(f"{v} ({kinds[v].value})" for v in wrong)
        raise _bad_override(
            name,
            f"variables used the wrong way: {shown}; insert texts with ${{name}}, "
            "repeat lists with {% for x in name %}",
            fields=tuple(wrong),
        )
    if contains_fin_word(parsed.subject_literals()):
        raise _bad_override(
            name, "the subject contains the word FIN, which closes the conversation"
        )


class TemplateSet:
    """A set of templates: the built-in ones, possibly with an establishment's overrides.

    Every template is parsed and checked when the set is built, so a broken override is refused
    at load time, not when a patient's message is due.
    """

    __slots__ = ("_entries", "_parts")

    def __init__(self, entries: Mapping[str, _Entry], parts: Mapping[str, str]) -> None:
        """Build a set from parsed entries (use :meth:`builtin` or :meth:`with_overrides`)."""
        self._entries = dict(entries)
        self._parts = dict(parts)

    @staticmethod
    @functools.cache
    def builtin() -> TemplateSet:
        """Return the built-in French templates (read once from the package data)."""
        data = importlib.resources.files("mssc.templates") / "data"
        parts = {
            item.name[1:-5]: item.read_text(encoding="utf-8")
            for item in data.iterdir()
            if item.name.startswith("_") and item.name.endswith(".part")
        }
        entries = {}
        for name in MODELS:
            source = (data / f"{name}.txt").read_text(encoding="utf-8")
            entries[name] = _Entry(source, parse_template(source, parts), overridden=False)
        return TemplateSet(entries, parts)

    def with_overrides(
        self, sources: Mapping[str, str], *, parts: Mapping[str, str] | None = None
    ) -> TemplateSet:
        """Return a new set where the templates in ``sources`` (id → template text) replace ours.

        ``parts`` adds or replaces shared parts (``signature``, ``helpline``) used by
        ``{% include %}``; a replaced part applies to every template that includes it.

        Each override is parsed, its placeholders are checked against the template's context
        model, and it is rendered once with the example context.

        Raises:
            TemplateContextError: code ``unknown-template`` or ``bad-override``.
        """
        from mssc.templates._examples import example_context

        merged_parts = {**self._parts, **(parts or {})}
        raws = {name: entry.raw for name, entry in self._entries.items()}
        overridden = {name for name, entry in self._entries.items() if entry.overridden}
        for name, source in sources.items():
            if name not in MODELS:
                raise _unknown_template(name)
            raws[name] = source
            overridden.add(name)
        entries: dict[str, _Entry] = {}
        for name, raw in raws.items():
            try:
                parsed = parse_template(raw, merged_parts)
            except TemplateSyntaxError as exc:
                raise _bad_override(name, str(exc)) from None
            _check_uses(name, parsed)
            entries[name] = _Entry(raw, parsed, name in overridden)
        result = TemplateSet(entries, merged_parts)
        for name in entries:
            try:
                result.render(name, example_context(name))
            except TemplateContextError as exc:
                raise _bad_override(name, f"does not render: {exc.message}") from None
        return result

    @classmethod
    def from_directory(cls, directory: str | PathLike[str]) -> TemplateSet:
        """Load an establishment's overrides from ``directory``, on top of the built-in set.

        ``<id>.txt`` files replace templates; ``_<part>.part`` files replace shared parts
        (``_signature.part``, ``_helpline.part``). Other files are ignored. Files are UTF-8.

        Raises:
            TemplateContextError: code ``unknown-template`` (a ``.txt`` file named after no
                template) or ``bad-override``.
            OSError: the directory cannot be read.
        """
        root = Path(directory)
        sources: dict[str, str] = {}
        parts: dict[str, str] = {}
        for path in sorted(root.iterdir()):
            if not path.is_file():
                continue
            if path.suffix == ".txt":
                sources[path.stem] = path.read_text(encoding="utf-8")
            elif path.suffix == ".part" and path.name.startswith("_"):
                parts[path.stem[1:]] = path.read_text(encoding="utf-8")
        return cls.builtin().with_overrides(sources, parts=parts)

    def names(self) -> list[str]:
        """Return the template ids, in the order of the patient's journey."""
        return list(self._entries)

    def _entry(self, name: str) -> _Entry:
        try:
            return self._entries[name]
        except KeyError:
            raise _unknown_template(name) from None

    def source(self, name: str) -> str:
        """Return the template text of ``name`` (after includes)."""
        return self._entry(name).parsed.source

    def is_overridden(self, name: str) -> bool:
        """Return whether ``name`` comes from an establishment's override."""
        return self._entry(name).overridden

    def render(self, name: str, context: TemplateContext | Mapping[str, Any]) -> Rendered:
        """Render template ``name`` with ``context`` (a context model instance or a mapping).

        Raises:
            TemplateContextError: code ``unknown-template``, ``missing-field`` or
                ``invalid-field`` (with every field concerned).
            TypeError: ``context`` is neither a mapping nor an instance of the right model.
        """
        parsed = self._entry(name).parsed
        ctx = validate_context(name, context)
        subject, blocks = render_parsed(parsed, ctx.variables())
        if contains_fin_word(subject):
            culprits = tuple(
                field
                for field in type(ctx).model_fields
                if contains_fin_word(str(getattr(ctx, field) or ""))
            ) or tuple(sorted(parsed.subject_variables()))
            raise TemplateContextError(
                f"template {name!r}: the subject would contain the word FIN "
                f"(from {', '.join(culprits)}), which closes the patient's conversation",
                code="invalid-field",
                hint="rephrase the value (e.g. 'clôture', 'sortie', 'dernière séance')",
                template=name,
                invalid=culprits,
            )
        text = to_text(blocks)
        html = to_html(subject, blocks)
        return Rendered(subject=subject, text=text, html=html)
