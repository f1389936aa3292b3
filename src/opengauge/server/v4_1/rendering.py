"""The 4.1 envelopes in JSON or XML, and the family's error format.

XML mirrors the JSON tree: ``<?xml version="1.0" encoding="utf-8"?>`` then ``<Data>`` (or
``<Error>``) as the root, one element per key, ``<item>`` for each list member, booleans as
``true``/``false`` and null as an empty element.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

import msgspec

from opengauge.server.errors import ApiError, InjectedFault, PayloadTooLarge
from opengauge.server.http.rendering import JsonErrors, Reply, header_pairs
from opengauge.server.v4_1.errors import ErrorCode, V41Error, V41TooManyRequests

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


class V41Errors(JsonErrors):
    """The 4.1 family's refusals: the error envelope, in XML when the path ends in ``.xml``.

    An error the code table has no code for carries its HTTP status as ``Code`` (throttling,
    injected faults) or 300001 (a body too large). The rest of OpenGauge's errors (a crash,
    a client gone) keep their JSON form.
    """

    def render(self, error: ApiError, path: str) -> Reply:
        if isinstance(error, V41Error | V41TooManyRequests):
            envelope = error.body()
        elif isinstance(error, InjectedFault):
            envelope = {"Error": {"Message": error.message, "Code": error.status}}
        elif isinstance(error, PayloadTooLarge):
            code = int(ErrorCode.INVALID_ARGUMENTS)
            envelope = {"Error": {"Message": error.message, "Code": code}}
        else:
            return super().render(error, path)
        body, content_type = render(envelope, is_xml(path))
        return Reply(error.status, body, content_type, header_pairs(error))


def is_xml(path: str) -> bool:
    """Whether a 4.1 path asks for XML (``.xml``, before any ``&`` parameters)."""
    return path.partition("&")[0].endswith(".xml")
