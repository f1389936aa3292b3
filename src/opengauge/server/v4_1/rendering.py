"""The 4.1 envelopes in JSON or XML.

XML mirrors the JSON tree: ``<?xml version="1.0" encoding="utf-8"?>`` then ``<Data>`` (or
``<Error>``) as the root, one element per key, ``<item>`` for each list member, booleans as
``true``/``false`` and null as an empty element.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

import msgspec

JSON_TYPE = "application/json"
XML_TYPE = "application/xml; charset=utf-8"
_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
#: Characters XML 1.0 does not allow at all; they are dropped from text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(envelope: dict[str, Any], xml: bool) -> tuple[bytes, str]:
    """(body, content type) of a one-key envelope such as ``{"Data": ...}``."""
    if not xml:
        return msgspec.json.encode(envelope), JSON_TYPE
    ((root, value),) = envelope.items()
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _element(parts, root, value)
    return "".join(parts).encode(), XML_TYPE


def _element(parts: list[str], name: str, value: Any) -> None:
    tag = name if _NAME.match(name) else "item"
    if isinstance(value, dict):
        parts.append(f"<{tag}>")
        for key, child in value.items():
            _element(parts, str(key), child)
        parts.append(f"</{tag}>")
    elif isinstance(value, list | tuple):
        parts.append(f"<{tag}>")
        for child in value:
            _element(parts, "item", child)
        parts.append(f"</{tag}>")
    elif value is None:
        parts.append(f"<{tag}/>")
    else:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        parts.append(f"<{tag}>{escape(_NOT_XML.sub('', text))}</{tag}>")
