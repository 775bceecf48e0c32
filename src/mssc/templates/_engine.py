"""A small, strict template language for patient letters, rendered to wrapped text and HTML.

A template file holds a subject line and a body::

    Objet : Votre rendez-vous du ${visit_when}

    Bonjour ${salutation},
    {% if reason %}
    Motif : ${reason}.
    {% endif %}
    {% for item in items_to_bring %}
    - ${item}
    {% endfor %}
    | ${establishment}

* ``${name}`` inserts a text variable; ``$$`` is a literal dollar sign. Any other ``$`` is an
  error, as is an unknown name: nothing is ever left unfilled.
* ``{% if name %}``, ``{% if not name %}``, ``{% else %}``, ``{% endif %}`` test a variable
  (an empty text, an empty list or ``False`` is false). ``{% for x in name %}`` …
  ``{% endfor %}`` repeats its body for every item of a list variable. A tag alone on its line
  removes that line.
* The layout comes from the template, never from the values: in the body, consecutive lines form
  one paragraph (re-wrapped), lines starting with ``- `` are list items, lines starting with
  ``| `` are kept as they are (a signature), and blank lines separate blocks.

Values are inserted as opaque text: a value that contains ``- ``, ``${…}`` or markup is shown
literally and escaped in HTML.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal, TypeAlias

__all__ = [
    "Block",
    "Kind",
    "ParsedTemplate",
    "TemplateSyntaxError",
    "Value",
    "parse_template",
    "to_html",
    "to_text",
]

#: What a variable holds: a text, a flag or a list of texts.
Value: TypeAlias = str | bool | tuple[str, ...]

#: The width of the wrapped plain text.
TEXT_WIDTH: Final = 76


class Kind(str, Enum):
    """The kind of a template variable."""

    TEXT = "text"
    FLAG = "flag"
    LIST = "list"


class TemplateSyntaxError(ValueError):
    """A template source that cannot be used (internal; surfaced as ``bad-override``)."""


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True, slots=True)
class _Text:
    text: str


@dataclass(frozen=True, slots=True)
class _Var:
    name: str


@dataclass(frozen=True, slots=True)
class _If:
    name: str
    negate: bool
    then: tuple[_Node, ...]
    otherwise: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _For:
    item: str
    name: str
    body: tuple[_Node, ...]


_Node: TypeAlias = "_Text | _Var | _If | _For"

_NAME = r"[a-z][a-z0-9_]*"
_TOKEN = re.compile(r"\{%(.*?)%\}|\$\{(.*?)\}|\$\$|\$|\{%|%\}", re.DOTALL)
_STANDALONE_TAG = re.compile(r"^[ \t]*(\{%[^\n]*?%\})[ \t]*(?:\n|\Z)", re.MULTILINE)
_IF = re.compile(rf"if\s+(not\s+)?({_NAME})")
_FOR = re.compile(rf"for\s+({_NAME})\s+in\s+({_NAME})")


@dataclass(frozen=True, slots=True)
class ParsedTemplate:
    """A parsed template: its subject and body trees and the variables they use."""

    subject: tuple[_Node, ...]
    body: tuple[_Node, ...]
    source: str

    def uses(self) -> dict[str, set[Kind]]:
        """Return every variable name used, with the kinds of use (text, flag or list)."""
        found: dict[str, set[Kind]] = {}
        _collect(self.subject, found, frozenset())
        _collect(self.body, found, frozenset())
        return found

    def subject_variables(self) -> set[str]:
        """Return the names of the variables inserted into the subject."""
        found: dict[str, set[Kind]] = {}
        _collect(self.subject, found, frozenset())
        return {name for name, kinds in found.items() if Kind.TEXT in kinds}

    def subject_literals(self) -> str:
        """Return the fixed text of the subject (every literal part, joined by spaces)."""
        parts: list[str] = []
        _literals(self.subject, parts)
        return " ".join(parts)


def _collect(nodes: Sequence[_Node], found: dict[str, set[Kind]], loop: frozenset[str]) -> None:
    for node in nodes:
        if isinstance(node, _Var):
            if node.name not in loop:
                found.setdefault(node.name, set()).add(Kind.TEXT)
        elif isinstance(node, _If):
            if node.name not in loop:
                found.setdefault(node.name, set()).add(Kind.FLAG)
            _collect(node.then, found, loop)
            _collect(node.otherwise, found, loop)
        elif isinstance(node, _For):
            found.setdefault(node.name, set()).add(Kind.LIST)
            _collect(node.body, found, loop | {node.item})


def _literals(nodes: Sequence[_Node], parts: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            parts.append(node.text)
        elif isinstance(node, _If):
            _literals(node.then, parts)
            _literals(node.otherwise, parts)
        elif isinstance(node, _For):
            _literals(node.body, parts)


def _line_of(source: str, pos: int) -> int:
    return source.count("\n", 0, pos) + 1


def _parse_nodes(source: str) -> tuple[_Node, ...]:
    """Parse one section (subject or body) into a tree."""
    source = _STANDALONE_TAG.sub(r"\1", source)
    root: list[_Node] = []
    # Each open frame: (kind, header, then-list, else-list or None, line)
    stack: list[tuple[str, tuple[str, str, bool], list[_Node], list[_Node] | None, int]] = []

    def current() -> list[_Node]:
        if not stack:
            return root
        _kind, _head, then, otherwise, _line = stack[-1]
        return then if otherwise is None else otherwise

    pos = 0
    for match in _TOKEN.finditer(source):
        if match.start() > pos:
            current().append(_Text(source[pos : match.start()]))
        pos = match.end()
        token = match.group(0)
        line = _line_of(source, match.start())
        if token == "$$":
            current().append(_Text("$"))
        elif match.group(2) is not None:
            name = match.group(2).strip()
            if not re.fullmatch(_NAME, name):
                raise TemplateSyntaxError(f"line {line}: bad placeholder {token!r}")
            current().append(_Var(name))
        elif match.group(1) is not None:
            tag = " ".join(match.group(1).split())
            if m := _IF.fullmatch(tag):
                stack.append(("if", (m.group(2), "", bool(m.group(1))), [], None, line))
            elif m := _FOR.fullmatch(tag):
                stack.append(("for", (m.group(2), m.group(1), False), [], None, line))
            elif tag == "else":
                if not stack or stack[-1][0] != "if" or stack[-1][3] is not None:
                    raise TemplateSyntaxError(f"line {line}: {{% else %}} without {{% if %}}")
                kind, head, then, _none, start = stack.pop()
                stack.append((kind, head, then, [], start))
            elif tag in ("endif", "endfor"):
                if not stack or stack[-1][0] != tag[3:]:
                    raise TemplateSyntaxError(f"line {line}: unexpected {{% {tag} %}}")
                kind, (name, item, negate), then, otherwise, _start = stack.pop()
                node: _Node
                if kind == "if":
                    node = _If(name, negate, tuple(then), tuple(otherwise or ()))
                else:
                    node = _For(item, name, tuple(then))
                current().append(node)
            else:
                raise TemplateSyntaxError(f"line {line}: unknown tag {token!r}")
        else:
            raise TemplateSyntaxError(
                f"line {line}: stray {token!r}; write $${{name}} for a placeholder, $$$$ for '$'"
            )
    if pos < len(source):
        current().append(_Text(source[pos:]))
    if stack:
        kind, _head, _then, _else, start = stack[-1]
        raise TemplateSyntaxError(f"line {start}: {{% {kind} %}} is never closed")
    return tuple(root)


_SUBJECT_PREFIX = re.compile(r"\A(?:\ufeff)?Objet\s*:[ \t]*([^\n]*)\n(?:[ \t]*\n)?")


_INCLUDE = re.compile(r"^[ \t]*\{%\s*include\s+(\S+?)\s*%\}[ \t]*$", re.MULTILINE)


def _include(source: str, parts: Mapping[str, str], depth: int = 0) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parts:
            known = ", ".join(sorted(parts)) or "none"
            raise TemplateSyntaxError(f"unknown part {name!r} in include (known: {known})")
        if depth >= 3:
            raise TemplateSyntaxError(f"includes nested too deeply at {name!r}")
        return _include(parts[name].replace("\r\n", "\n").rstrip("\n"), parts, depth + 1)

    return _INCLUDE.sub(replace, source)


def parse_template(source: str, parts: Mapping[str, str] | None = None) -> ParsedTemplate:
    """Parse a template file: a first line ``Objet : …``, then the body.

    ``{% include NAME %}``, alone on a line, inserts the part ``NAME`` from ``parts`` (the
    shared signature and help-line paragraphs).

    Raises:
        TemplateSyntaxError: the source breaks the template syntax.
    """
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    source = _include(source, parts or {})
    match = _SUBJECT_PREFIX.match(source)
    if match is None:
        raise TemplateSyntaxError("line 1: a template starts with 'Objet : <subject>'")
    body = source[match.end() :]
    if not body.strip():
        raise TemplateSyntaxError("the template body is empty")
    return ParsedTemplate(_parse_nodes(match.group(1)), _parse_nodes(body), source)


# ---------------------------------------------------------------------------------------------
# Rendering to segments, then blocks


@dataclass(frozen=True, slots=True)
class _Segment:
    text: str
    literal: bool


def _squash(segments: Sequence[_Segment]) -> str:
    """Join segments into one line, with runs of white space as single spaces."""
    return " ".join("".join(s.text for s in segments).split())


def _render_nodes(
    nodes: Sequence[_Node], variables: Mapping[str, Value], out: list[_Segment]
) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(_Segment(node.text, True))
        elif isinstance(node, _Var):
            value = variables[node.name]
            if not isinstance(value, str):
                raise TemplateSyntaxError(f"${{{node.name}}} is not a text variable")
            out.append(_Segment(value, False))
        elif isinstance(node, _If):
            test = bool(variables[node.name]) != node.negate
            _render_nodes(node.then if test else node.otherwise, variables, out)
        else:
            items = variables[node.name]
            if not isinstance(items, tuple):
                raise TemplateSyntaxError(f"{node.name!r} is not a list variable")
            for item in items:
                _render_nodes(node.body, {**variables, node.item: item}, out)


#: One block of the rendered body.
BlockKind = Literal["paragraph", "list", "lines"]


@dataclass(frozen=True, slots=True)
class Block:
    """A block of the rendered body: a paragraph, a bulleted list or kept lines."""

    kind: BlockKind
    lines: tuple[str, ...]
    """The paragraph's text (one entry), the list items, or the kept lines."""


_LINE_KIND: Final[dict[str, BlockKind]] = {"- ": "list", "| ": "lines"}


def _split_lines(segments: Sequence[_Segment]) -> list[tuple[BlockKind | None, str]]:
    """Cut segments into body lines, each tagged with the layout its *template* text gives it.

    Returns ``(kind, text)`` pairs; ``kind`` is None for a blank line.
    """
    lines: list[list[_Segment]] = [[]]
    for seg in segments:
        if not seg.literal:
            lines[-1].append(seg)
            continue
        parts = seg.text.split("\n")
        lines[-1].append(_Segment(parts[0], True))
        for part in parts[1:]:
            lines.append([_Segment(part, True)])
    result: list[tuple[BlockKind | None, str]] = []
    for line in lines:
        kind: BlockKind = "paragraph"
        # The marker must be template text at the start of the line.
        first = next((s for s in line if s.text), None)
        if first is not None and first.literal:
            stripped = first.text.lstrip(" \t")
            for marker, marker_kind in _LINE_KIND.items():
                if stripped.startswith(marker):
                    kind = marker_kind
                    line = [_Segment(stripped[len(marker) :], True), *line[line.index(first) + 1 :]]
                    break
        text = _squash(line)
        result.append((kind, text) if text else (None, ""))
    return result


def _blocks(lines: Sequence[tuple[BlockKind | None, str]]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    kind: BlockKind | None = None
    current: list[str] = []

    def flush() -> None:
        if kind is not None and current:
            if kind == "paragraph":
                blocks.append(Block("paragraph", (" ".join(current),)))
            else:
                blocks.append(Block(kind, tuple(current)))

    for line_kind, text in lines:
        if line_kind != kind or line_kind is None:
            flush()
            kind, current = line_kind, []
        if line_kind is not None:
            current.append(text)
    flush()
    return tuple(blocks)


def render_parsed(
    template: ParsedTemplate, variables: Mapping[str, Value]
) -> tuple[str, tuple[Block, ...]]:
    """Render a parsed template into its subject and body blocks."""
    subject: list[_Segment] = []
    _render_nodes(template.subject, variables, subject)
    body: list[_Segment] = []
    _render_nodes(template.body, variables, body)
    return _squash(subject), _blocks(_split_lines(body))


# ---------------------------------------------------------------------------------------------
# Output: wrapped text and HTML

# Spaces that must not become line breaks: inside phone numbers, dates, times, before French
# double punctuation, and after a single-letter word.
_GLUE = "\u00a0"
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_KEEP_TOGETHER = re.compile(
    r"(?:\+33\s?|\b0)[1-9](?:[ .]?\d{2}){4}\b"  # French phone numbers
    r"|\b\d{1,2}(?:er)? (?:"
    + _MONTHS
    + r") \d{4}(?: à \d{1,2} h(?: \d{2})?)?\b"  # 3 mars 2026 à 9 h
    r"|\b\d{1,2} h \d{2}\b"  # 14 h 30
    r"|\b\d{1,2} h\b"  # 9 h
    r"| [:;?!»]"  # French punctuation
    r"|« "
    r"|\b\d+(?:er|e|bis|ter)? (?=[^\W\d_])"  # 12 avenue, 2 ans, 4 rendez-vous
    r"|(?<!\w)à (?=\d)"  # à 14 h 30
)


def _glue(text: str) -> str:
    return _KEEP_TOGETHER.sub(lambda m: m.group(0).replace(" ", _GLUE), text)


def _wrap(text: str, *, first: str = "", rest: str = "") -> list[str]:
    wrapper = textwrap.TextWrapper(
        width=TEXT_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = wrapper.wrap(_glue(text)) or [first.rstrip()]
    return [line.replace(_GLUE, " ") for line in lines]


def to_text(blocks: Sequence[Block]) -> str:
    """Return the body as plain text: lines wrapped at 76 columns, list items after a dash.

    URLs and other long words are never cut; a line holding one may be longer than 76.
    """
    out: list[str] = []
    for block in blocks:
        if block.kind == "paragraph":
            out.extend(_wrap(block.lines[0]))
        elif block.kind == "list":
            for item in block.lines:
                out.extend(_wrap(item, first="  - ", rest="    "))
        else:
            for line in block.lines:
                out.extend(_wrap(line))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _html_inline(text: str) -> str:
    """Escape a line of text, turning http(s) URLs into links."""
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        out.append(html.escape(text[pos : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        pos = match.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def to_html(subject: str, blocks: Sequence[Block]) -> str:
    """Return the body as a small HTML document with the same content as :func:`to_text`."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(subject)}</title></head>",
        "<body>",
    ]
    for block in blocks:
        if block.kind == "paragraph":
            parts.append(f"<p>{_html_inline(block.lines[0])}</p>")
        elif block.kind == "list":
            parts.append("<ul>")
            parts.extend(f"<li>{_html_inline(item)}</li>" for item in block.lines)
            parts.append("</ul>")
        else:
            parts.append("<p>" + "<br>\n".join(_html_inline(li) for li in block.lines) + "</p>")
    parts.extend(["</body>", "</html>"])
    return "\n".join(parts) + "\n"
