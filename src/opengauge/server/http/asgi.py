"""Small helpers for raw ASGI endpoints: the ASGI types, headers, bodies, answers.

The hot import endpoints skip the framework's request and response objects: parsing headers
once and writing two ASGI messages is most of the work a request needs, and it is measurably
faster (see ``bench/``). Handlers that prefer a Starlette ``Request`` get one through
``routing.request_endpoint``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import msgspec

from opengauge.server.errors import ClientDisconnected, PayloadTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = b"application/json"
_encode = msgspec.json.encode


def route_path(scope: Scope) -> str:
    """The path without the ``root_path`` the app is mounted under: what routes match on
    (Starlette's rule), so checks on paths see what the router will see."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("/", ""):
        return path[len(root) :]
    return path


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (``name`` lower-case)."""
    for key, value in scope["headers"]:
        if key == name:
            found: str = value.decode("latin-1")
            return found
    return None


def has_bearer(scope: Scope, token: bytes) -> bool:
    """Whether the request's ``Authorization`` is ``Bearer <token>`` (constant-time compare)."""
    for key, value in scope["headers"]:
        if key == b"authorization":
            scheme, _, given = bytes(value).partition(b" ")
            return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), token)
    return False


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; :class:`PayloadTooLarge` past ``limit`` bytes.

    A client that goes away mid-body (or is closed for being too slow) raises
    :class:`ClientDisconnected`: what arrived may still parse, and must not be stored.
    """
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnected()
    body = message.get("body", b"")
    if not message.get("more_body"):
        if len(body) > limit:
            raise PayloadTooLarge()
        return bytes(body)
    chunks = [body]
    size = len(body)
    while message.get("more_body"):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes | None = JSON,
    extra: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any) -> None:
    await send_bytes(send, status, _encode(value))
