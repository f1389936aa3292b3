"""Reading request parameters the way the CustomerGauge APIs accept them.

Bodies may be JSON or ``application/x-www-form-urlencoded`` with PHP-style bracket keys
(``record[First Name]=Joe``). A body that looks like JSON is read as JSON whatever its
content type, because curl sends ``-d '{...}'`` as a form by default.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec

from opengauge.server.errors import MalformedJson

_decode = msgspec.json.decode


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The body's parameters as a dict (empty for an empty body)."""
    stripped = body.lstrip()
    if not stripped:
        return {}
    if "json" in content_type or stripped[:1] in (b"{", b"["):
        try:
            value = _decode(body)
        except msgspec.DecodeError:
            raise MalformedJson() from None
        # A JSON body that is not an object carries no named parameters.
        return value if isinstance(value, dict) else {}
    if "multipart/" in content_type:
        return {}
    return parse_form(body.decode("utf-8", errors="replace"))


def parse_form(query: str) -> dict[str, Any]:
    """PHP's parse_str: ``a[b]=1&a[c]=2&l[]=x`` -> ``{"a": {"b": "1", "c": "2"}, "l": ["x"]}``."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        _assign(result, key, value)
    return result


def _assign(target: dict[str, Any], key: str, value: str) -> None:
    opening = key.find("[")
    if opening <= 0 or not key.endswith("]"):
        target[key] = value
        return
    parts = [key[:opening], *key[opening + 1 : -1].split("][")]
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, list):
            if last:
                node.append(value)
                return
            child: Any = {}
            node.append(child)
            node = child
            continue
        if last:
            if part == "":
                node.setdefault("", value)
            else:
                node[part] = value
            return
        following = parts[index + 1]
        existing = node.get(part)
        wanted: type = list if following == "" else dict
        if not isinstance(existing, wanted):
            existing = [] if following == "" else {}
            node[part] = existing
        node = existing
