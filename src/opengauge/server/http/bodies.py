"""Reading request parameters the way the CustomerGauge APIs accept them.

Bodies may be JSON, ``application/x-www-form-urlencoded`` or ``multipart/form-data`` with
PHP-style bracket keys (``record[First Name]=Joe``). A body that looks like JSON is read as
JSON whatever its content type, because curl sends ``-d '{...}'`` as a form by default.
Multipart bodies go through python-multipart's streaming parser, which stops at the first
part past the caps below; large bodies are parsed off the event loop (:func:`parse_off_loop`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import parse_qsl, unquote_to_bytes

import msgspec
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from opengauge.server.errors import MalformedJson, MultipartTooLarge

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

#: Parts in one multipart body at most: far more than any real request sends (a token
#: request has three, a 4.1 call a handful), far fewer than an attacker's 20,000.
MAX_PARTS = 1000
#: Bytes in one multipart text part at most; files are bounded by the body limit alone.
MAX_FIELD_BYTES = 64 * 1024
#: Bodies up to this size are parsed on the event loop (a few milliseconds at worst, for
#: thousands of tiny form fields); larger ones in a worker thread, so that other requests are
#: answered meanwhile.
OFF_LOOP_BYTES = 16 * 1024

_decode = msgspec.json.decode
#: ``filename*=utf-8''rev%C3%A9nue.csv``: a charset, an optional language, percent-encoding.
_EXTENDED_FILENAME = re.compile(rb"filename\*\s*=\s*([\w!#$%&+^`{}~-]*)'[^']*'([^;\s]*)", re.I)
_T = TypeVar("_T")
_P = ParamSpec("_P")


async def parse_off_loop(
    parse: Callable[Concatenate[bytes, _P], _T], body: bytes, *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """``parse(body, ...)``: on the event loop for a small body, in a worker thread otherwise.

    Parsing a megabyte of form fields takes the better part of a second; on the event loop
    that second would be every other request's too.
    """
    if len(body) <= OFF_LOOP_BYTES:
        return parse(body, *args, **kwargs)
    return await asyncio.to_thread(parse, body, *args, **kwargs)


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
    return parse_urlencoded(body)


def parse_urlencoded(body: bytes) -> dict[str, Any]:
    """An ``application/x-www-form-urlencoded`` body's parameters (see :func:`parse_form`)."""
    return parse_form(body.decode("utf-8", errors="replace"))


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Text fields of a ``multipart/form-data`` body (files are skipped), bracket keys and all."""
    return parse_multipart_with_files(body, content_type)[0]


def parse_multipart_with_files(
    body: bytes, content_type: str
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """A ``multipart/form-data`` body's text fields and its files (name -> filename, bytes).

    More than :data:`MAX_PARTS` parts, or a text part over :data:`MAX_FIELD_BYTES`, raise
    :class:`MultipartTooLarge` as soon as the parser gets there. A damaged body gives the
    parts before the damage.
    """
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    reader = _PartReader()
    if not boundary:
        return reader.fields, reader.files
    # A preamble before the first boundary means nothing (RFC 2046), but the parser wants none.
    first = body.find(b"--" + boundary)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        parser.write(body[first:] if first > 0 else body)
        parser.finalize()
    except FormParserError:
        pass  # the parts read so far stand, as they did with the email parser
    return reader.fields, reader.files


class _PartReader:
    """Collects the parts python-multipart's streaming parser reports, within the caps."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self._parts = 0
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._data: list[bytes] = []
        self._size = 0
        self._is_file = False
        self._disposition: dict[bytes, bytes] = {}
        self._filename: str | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise MultipartTooLarge()
        self._headers = {}
        self._data = []
        self._size = 0
        self._is_file = False

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        header = self._headers.get(b"content-disposition")
        self._disposition = parse_options_header(header)[1]
        self._filename = _filename(header, self._disposition)
        self._is_file = self._filename is not None

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._size += end - start
        # Files are bounded by the body limit alone: a revenue file may be megabytes.
        if not self._is_file and self._size > MAX_FIELD_BYTES:
            raise MultipartTooLarge()
        self._data.append(data[start:end])

    def _on_part_end(self) -> None:
        raw_name = self._disposition.get(b"name")
        if raw_name is None:
            return
        name = raw_name.decode("utf-8", errors="replace")
        payload = b"".join(self._data)
        if self._filename is not None:
            self.files[name] = (self._filename, payload)
            return
        charset = parse_options_header(self._headers.get(b"content-type"))[1].get(b"charset")
        try:
            text = payload.decode(charset.decode("latin-1") if charset else "utf-8", "replace")
        except (LookupError, ValueError):  # a charset nobody knows, or not a name at all
            text = payload.decode("utf-8", errors="replace")
        _assign(self.fields, name.replace("\x00", ""), text.replace("\x00", ""))


def _filename(header: bytes | None, options: dict[bytes, bytes]) -> str | None:
    """A part's file name. ``filename*=charset''percent-encoded`` (RFC 5987), which
    python-multipart does not read, wins over ``filename``, as it did with the email parser."""
    if header and b"filename*" in header:
        match = _EXTENDED_FILENAME.search(header)
        if match is not None:
            raw = unquote_to_bytes(match[2])
            try:
                return raw.decode(match[1].decode("ascii") or "utf-8", errors="replace")
            except LookupError:
                return raw.decode("utf-8", errors="replace")
    filename = options.get(b"filename")
    return None if filename is None else filename.decode("utf-8", errors="replace")


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
