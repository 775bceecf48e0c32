"""The one guarded XML reader of mssc (CDA documents and XDM metadata).

It is built on the stdlib's expat parser, with handlers that refuse what makes XML dangerous
to read: a document type declaration (so no internal or external entity, no billion laughs, no
XXE), entity and notation declarations, and external entity references. Undeclared entity
references are errors in expat itself. The input size and the element depth are bounded.
No dependency is needed for this: ``defusedxml`` does the same with the same parser.

>>> root = parse(b'<a xmlns="urn:x"><b k="v">t</b></a>', max_bytes=1000)
>>> root.tag, root[0].get("k"), root[0].text
('{urn:x}a', 'v', 't')
>>> parse(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', max_bytes=1000)
Traceback (most recent call last):
...
mssc.errors.InvalidDocument: [unsafe-xml] the XML has a document type declaration ...
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final, NoReturn
from xml.parsers import expat

from mssc.errors import InvalidDocument

__all__ = ["MAX_DEPTH", "check_text", "escape_attribute", "escape_text", "parse"]

#: The deepest element nesting accepted (a CDA header is about 12 deep).
MAX_DEPTH: Final = 64

_SEPARATOR: Final = "\x1f"  # never valid in an XML name, so it cannot be confused
# Characters XML 1.0 cannot carry (C0 controls other than TAB, LF, CR; surrogates; FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _clark(name: str) -> str:
    uri, sep, local = name.rpartition(_SEPARATOR)
    return f"{{{uri}}}{local}" if sep else name


def parse(data: bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> ET.Element:
    """Parse ``data`` into an element tree, refusing DTDs and entities, over ``max_bytes``
    octets or ``max_depth`` levels. Tags and attribute names are in Clark notation
    (``{namespace}local``).

    Raises:
        InvalidDocument: ``unsafe-xml``, ``bad-xml``, ``too-large`` or ``too-deep``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, not {type(data).__name__}")
    if len(data) > max_bytes:
        raise InvalidDocument(
            f"the XML has {len(data):,} octets, over the bound of {max_bytes:,}",
            code="too-large",
            hint="raise the bound only for trusted input",
        )
    parser = expat.ParserCreate(namespace_separator=_SEPARATOR)
    parser.buffer_text = True
    parser.buffer_size = 1 << 20  # a base64 body arrives in few large pieces
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = ET.TreeBuilder()
    depth = 0

    def doctype(*_: object) -> NoReturn:
        raise _Refused("unsafe-xml", "the XML has a document type declaration (DTD)")

    def entity(*_: object) -> NoReturn:
        raise _Refused("unsafe-xml", "the XML declares or references an entity")

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _Refused("too-deep", f"the XML nests elements deeper than {max_depth}")
        builder.start(_clark(name), {_clark(k): v for k, v in attributes.items()})

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_clark(name))

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.NotationDeclHandler = entity
    parser.ExternalEntityRefHandler = entity
    parser.SkippedEntityHandler = entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(bytes(data), True)
    except _Refused as refused:
        hint = (
            "mssc never reads DTDs or entities (XXE, billion laughs); remove the DOCTYPE"
            if refused.code == "unsafe-xml"
            else "this is not the shape of a real document"
        )
        raise InvalidDocument(str(refused), code=refused.code, hint=hint) from None
    except expat.ExpatError as exc:
        raise InvalidDocument(
            f"the XML is not well-formed: {expat.ErrorString(exc.code)} at line {exc.lineno}",
            code="bad-xml",
            hint="check the file is a complete UTF-8 XML document",
        ) from None
    return builder.close()


def check_text(value: str, what: str) -> str:
    """Return ``value`` when XML 1.0 can carry it.

    Raises:
        InvalidDocument: ``bad-value`` for control characters, lone surrogates or a non-str.
    """
    if not isinstance(value, str):
        raise InvalidDocument(f"{what} must be a str", code="bad-value")
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise InvalidDocument(
            f"{what} holds the character U+{ord(bad.group()):04X}, which XML cannot carry",
            code="bad-value",
            hint="remove control characters from the value",
        )
    return value


def escape_text(value: str) -> str:
    """Escape ``&``, ``<`` and ``>`` for XML character data."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """Escape a value for a double-quoted XML attribute (white space kept as references)."""
    return (
        escape_text(value)
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )
