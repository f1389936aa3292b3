"""Turning a refusal into bytes: one renderer, many wire formats.

Every route names its family, and every family names its :class:`ErrorFormat` once (Laravel
JSON, Cognito JSON, the 4.1 envelope in JSON or XML, HTML pages). Whatever the handler
raises, the dispatcher (``http/routing.py``) asks that format for a :class:`Reply` and writes
it. Formats above ``http/`` subclass :class:`JsonErrors`; this module knows no family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec

from opengauge.server.errors import ApiError
from opengauge.server.http.asgi import Send, send_bytes

JSON_TYPE = "application/json"

Headers = Sequence[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole answer: status, body, content type and any other headers."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: Headers = ()


class ErrorFormat(Protocol):
    """How one family answers a refusal; ``path`` is the route path (4.1 reads its suffix)."""

    def render(self, error: ApiError, path: str) -> Reply: ...


def header_pairs(error: ApiError) -> list[tuple[bytes, bytes]]:
    """The error's own headers (``Allow``, ``Retry-After``) as ASGI pairs."""
    return [(name.encode(), value.encode()) for name, value in error.headers.items()]


class JsonErrors:
    """``error.body()`` as JSON with the error's status and headers.

    That is Laravel's ``{"message": ...}`` (with ``errors`` for a 422) for the import and
    REST families and OpenGauge's own surface, and Cognito's ``{"error": ...}`` for the
    errors that say so (``OAuthError``).
    """

    def render(self, error: ApiError, path: str) -> Reply:
        return Reply(error.status, msgspec.json.encode(error.body()), headers=header_pairs(error))


#: The format of unknown paths and methods, crashes, and most families.
JSON_ERRORS = JsonErrors()


async def send_reply(send: Send, reply: Reply) -> None:
    await send_bytes(send, reply.status, reply.body, reply.content_type.encode(), reply.headers)
