"""Reading request parameters the way the CustomerGauge APIs accept them.

Bodies may be JSON, ``application/x-www-form-urlencoded`` or ``multipart/form-data`` with
PHP-style bracket keys (``record[First Name]=Joe``). A body that looks like JSON is read as
JSON whatever its content type, because curl sends ``-d '{...}'`` as a form by default.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
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
        except (msgspec.DecodeError, ValueError, RecursionError):
            # Not JSON, invalid UTF-8 inside a string, or nested beyond reason.
            raise MalformedJson() from None
        # A JSON body that is not an object carries no named parameters.
        params = value if isinstance(value, dict) else {}
        return _without_nul(params) if b"\\u0000" in body else params
    if content_type.startswith("multipart/form-data"):
        return parse_multipart(body, content_type)
    return parse_form(body.decode("utf-8", errors="replace"))


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Text fields of a ``multipart/form-data`` body (files are skipped), bracket keys and all."""
    return parse_multipart_with_files(body, content_type)[0]


def parse_multipart_with_files(
    body: bytes, content_type: str
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """A ``multipart/form-data`` body's text fields and its files (name -> filename, bytes)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, payload)
            continue
        try:
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:  # a charset nobody knows
            text = payload.decode("utf-8", errors="replace")
        _assign(fields, name, text.replace("\x00", ""))
    return fields, files


def parse_form(query: str) -> dict[str, Any]:
    """PHP's parse_str: ``a[b]=1&a[c]=2&l[]=x`` -> ``{"a": {"b": "1", "c": "2"}, "l": ["x"]}``."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        # NUL characters can't be stored (PostgreSQL refuses them) and never mean anything.
        _assign(result, key.replace("\x00", ""), value.replace("\x00", ""))
    return result


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


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
