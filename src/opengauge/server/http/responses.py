"""Helpers for handlers that take a Starlette ``Request``: JSON responses, bounded bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from opengauge.server.http.asgi import read_body
from opengauge.server.http.bodies import parse_multipart, parse_off_loop, parse_urlencoded


def json_response(
    value: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        msgspec.json.encode(value), status, headers=headers, media_type="application/json"
    )


async def limited_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes: :func:`asgi.read_body
    <opengauge.server.http.asgi.read_body>` on the request's ``receive``, so every family reads
    bodies one way (a client gone mid-body is
    :class:`~opengauge.server.errors.ClientDisconnected`)."""
    return await read_body(request.receive, limit)


async def form_fields(request: Request, limit: int) -> dict[str, Any]:
    """The fields of a posted HTML form (urlencoded or multipart, parsed off the loop when
    large); a body of any other content type gives none. The pages' forms read their posts
    with it."""
    body = await limited_body(request, limit)
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return await parse_off_loop(parse_urlencoded, body)
    if kind == "multipart/form-data":
        return await parse_off_loop(parse_multipart, body, content_type)
    return {}
