"""Descriptions of the templates and their fields, for ``mssc templates`` and the docs."""

from __future__ import annotations

import datetime as dt
import enum
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from mssc.templates._contexts import Phone, Url
from mssc.templates._registry import MODELS, context_model

__all__ = ["FieldDescription", "TemplateDescription", "describe"]


@dataclass(frozen=True, slots=True)
class FieldDescription:
    """One field of a template context."""

    name: str
    type: str
    """A short type name: ``text``, ``date``, ``time``, ``list of text``, ``Madame|Monsieur``…"""
    required: bool
    default: Any
    """The default value (None when required or when the default is None)."""
    description: str


@dataclass(frozen=True, slots=True)
class TemplateDescription:
    """A template: its id, what it is for and the fields of its context."""

    name: str
    summary: str
    fields: tuple[FieldDescription, ...]


def _type_name(annotation: Any) -> str:
    if annotation == Phone:
        return "phone"
    if annotation == Url:
        return "url"
    origin = get_origin(annotation)
    if origin is Annotated:
        return _type_name(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        names = [_type_name(a) for a in get_args(annotation) if a is not type(None)]
        return " | ".join(names)
    if origin is Literal:
        return "|".join(str(a) for a in get_args(annotation))
    if origin is tuple:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return "|".join(str(m.value) for m in annotation)
        if issubclass(annotation, BaseModel):
            inner = ", ".join(annotation.model_fields)
            return f"{{{inner}}}"
        simple = {str: "text", bool: "yes/no", int: "integer", dt.date: "date", dt.time: "time"}
        return simple.get(annotation, annotation.__name__)
    return str(annotation)


def describe(name: str) -> TemplateDescription:
    """Describe template ``name``: its summary and every field with its type and default.

    Raises:
        TemplateContextError: code ``unknown-template``.
    """
    model = context_model(name)
    summary = (model.__doc__ or "").strip().split("\n\n")[0]
    summary = " ".join(summary.split()).split(": ", 1)[-1]
    summary = summary[:1].upper() + summary[1:]
    fields = []
    for field_name, info in model.model_fields.items():
        required = info.is_required()
        default = None if required or info.default is PydanticUndefined else info.default
        fields.append(
            FieldDescription(
                name=field_name,
                type=_type_name(info.annotation),
                required=required,
                default=default,
                description=" ".join((info.description or "").split()),
            )
        )
    return TemplateDescription(name, summary, tuple(fields))


def describe_all() -> list[TemplateDescription]:
    """Describe every built-in template."""
    return [describe(name) for name in MODELS]
