"""``mssc templates`` and ``mssc render``: list the patient-message templates and render one."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from typing import Any

from mssc.cli._common import add_subcommand, print_json, read_input, safe_text
from mssc.templates import TemplateContextError, TemplateSet, example_data
from mssc.templates._describe import describe_all


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``templates`` and ``render`` subcommands."""
    p = add_subcommand(
        sub,
        "templates",
        help="list the patient-message templates with their fields (* = required)",
        example="mssc templates --example preadmission > context.json",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--example",
        metavar="NAME",
        help="print a complete example context of template NAME, as JSON",
    )
    p.set_defaults(handler=_run_templates)

    p = add_subcommand(
        sub,
        "render",
        help="render a template with a JSON context and print the subject and body",
        example="mssc render preadmission context.json --html",
    )
    p.add_argument("name", metavar="NAME", help="the template id (see 'mssc templates')")
    p.add_argument(
        "context",
        metavar="CONTEXT.json",
        help="the context as a JSON object (dates 2026-03-17, times 14:30); - = stdin",
    )
    p.add_argument("--html", action="store_true", help="print the HTML body instead of the text")
    p.add_argument("--json", action="store_true", help="print subject, text and html as JSON")
    p.add_argument(
        "--overrides",
        metavar="DIR",
        help="a directory of the establishment's template files (<id>.txt, _<part>.part)",
    )
    p.set_defaults(handler=_run_render)


def _error(message: str, hint: str = "") -> int:
    """Report an input the command cannot use (exit status 2, like check, parse and build)."""
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return 2


#: How the listing shows the types whose written form is not obvious.
_TYPE_FORMATS = {"date": "date (2026-03-17)", "time": "time (14:30)"}
_LEGEND = (
    "Fields marked * are required. In a context, dates are ISO 8601 (2026-03-17),\n"
    "times HH:MM (14:30), lists JSON arrays. 'mssc templates --example NAME' prints one."
)
# reST markup of the docstrings: ``literal``, *emphasis*, :role:`~module.Name`.
_ROLE = re.compile(r":[a-z]+:`~?(?:[\w.]*\.)?(\w+)`")
_MARKUP = re.compile(r"``|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


def plain(text: str) -> str:
    """A docstring phrase without its reST markup, for a terminal.

    >>> plain("A reminder, ``days_before`` days ahead, from a *patient* :class:`~mssc.ins.Ins`.")
    'A reminder, days_before days ahead, from a patient Ins.'
    """
    return _MARKUP.sub("", _ROLE.sub(r"\1", text))


def _type(name: str) -> str:
    return " | ".join(_TYPE_FORMATS.get(part, part) for part in name.split(" | "))


def _run_templates(args: argparse.Namespace) -> int:
    if args.example is not None:
        try:
            data = example_data(args.example)
        except TemplateContextError as exc:
            return _error(f"[{exc.code}] {exc.message}", exc.hint)
        print_json(data)
        return 0
    described = describe_all()
    if args.json:
        listed = []
        for d in described:
            entry = dataclasses.asdict(d)
            entry["summary"] = plain(d.summary)
            for f in entry["fields"]:
                f["description"] = plain(f["description"])
            listed.append(entry)
        print_json(listed)
        return 0
    print(_LEGEND)
    print()
    for d in described:
        print(f"{d.name}\n  {plain(d.summary)}")
        for f in d.fields:
            mark = "*" if f.required else " "
            print(f"  {mark} {f.name:<28} {_type(f.type)}")
        print()
    return 0


def _load_context(path: str) -> Any:
    return json.loads(read_input(path).decode("utf-8"))


def _run_render(args: argparse.Namespace) -> int:
    try:
        context = _load_context(args.context)
    except OSError as exc:
        return _error(f"cannot read {args.context}: {exc.strerror or exc}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _error(f"{args.context} is not valid UTF-8 JSON: {exc}")
    if not isinstance(context, dict):
        return _error(f"{args.context} must hold a JSON object (field name to value)")
    try:
        templates = (
            TemplateSet.from_directory(args.overrides) if args.overrides else TemplateSet.builtin()
        )
        rendered = templates.render(args.name, context)
    except TemplateContextError as exc:
        return _error(f"[{exc.code}] {exc.message}", exc.hint)
    except OSError as exc:
        return _error(f"cannot read {args.overrides}: {exc.strerror or exc}")
    if args.json:
        print_json({"subject": rendered.subject, "text": rendered.text, "html": rendered.html})
        return 0
    sys.stdout.write(safe_text(f"Objet : {rendered.subject}\n\n"))
    sys.stdout.write(safe_text(rendered.html if args.html else rendered.text))
    return 0
