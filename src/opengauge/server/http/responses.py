"""Helpers for handlers that take a Starlette ``Request``: JSON responses, bounded bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from opengauge.server.errors import ClientDisconnected, PayloadTooLarge


def json_response(
    value: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        msgspec.json.encode(value), status, headers=headers, media_type="application/json"
    )


async def limited_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes.

    A client that goes away mid-body (or is closed for being too slow) raises
    :class:`ClientDisconnected`, answered to nobody and logged as nothing worse than that.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge()
            chunks.append(chunk)
    except ClientDisconnect:
        raise ClientDisconnected() from None
    return b"".join(chunks)
