"""One way to declare a route, and the one dispatch that serves every route.

Each family exports ``ROUTES``, a list of :class:`Route`; the app compiles them all into one
:class:`Router`. Paths without parameters (the hot import paths among them) are found with
one dict lookup; paths with parameters (``/r/{code}``, Starlette's path syntax) are matched
in declaration order. An endpoint is a raw ASGI function that also gets the application
state, so the hot paths build no framework objects; :func:`request_endpoint` adapts a
handler that prefers a Starlette ``Request``.

Whatever an endpoint raises is answered here: an ``ApiError`` in its family's format
(``http/rendering.py``), anything else logged and answered as a JSON 500. Unknown paths and
methods get the JSON 404 and 405.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path

from opengauge.server.errors import ApiError, InternalError, MethodNotAllowed, NotFound
from opengauge.server.http.asgi import Receive, Scope, Send
from opengauge.server.http.rendering import JSON_ERRORS, ErrorFormat, send_reply

log = logging.getLogger("opengauge.http")

S = TypeVar("S")
#: What a route runs: the application state and the ASGI triple.
Endpoint = Callable[[S, Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Family:
    """An API family as the dispatcher sees it: its name and how it renders refusals."""

    name: str
    errors: ErrorFormat = JSON_ERRORS
    #: Whether its requests go into the request journal and meet fault rules (the
    #: operator endpoints don't: they must answer while the API is being faulted).
    journaled: bool = True


@dataclass(frozen=True)
class Route(Generic[S]):
    """``methods`` on ``path`` are served by ``endpoint``; GET also answers HEAD."""

    path: str
    methods: tuple[str, ...]
    endpoint: Endpoint[S]
    family: Family
    #: Serve the path with and without its trailing slash.
    trailing_slash: bool = False

    def paths(self) -> tuple[str, ...]:
        if not self.trailing_slash:
            return (self.path,)
        other = self.path.removesuffix("/") if self.path.endswith("/") else self.path + "/"
        return (self.path, other)


@dataclass
class PathRoutes(Generic[S]):
    """Every route of one path, by method, and what an ``Allow`` header lists."""

    family: Family
    by_method: dict[str, Route[S]] = field(default_factory=dict)
    allowed: list[str] = field(default_factory=list)

    def add(self, route: Route[S]) -> None:
        if route.family != self.family:
            raise ValueError(f"{route.path} is declared by two families")
        for method in route.methods:
            for served in (method, "HEAD") if method == "GET" else (method,):
                if served in self.by_method and self.by_method[served] is not route:
                    raise ValueError(f"{served} {route.path} is declared twice")
                self.by_method[served] = route
                if served not in self.allowed:
                    self.allowed.append(served)


class Router(Generic[S]):
    """Every route of the app, compiled for lookup."""

    def __init__(self, routes: Iterable[Route[S]]) -> None:
        self._exact: dict[str, PathRoutes[S]] = {}
        self._patterns: list[tuple[re.Pattern[str], PathRoutes[S]]] = []
        patterns: dict[str, PathRoutes[S]] = {}
        for route in routes:
            for path in route.paths():
                table = self._exact if "{" not in path else patterns
                table.setdefault(path, PathRoutes(route.family)).add(route)
        for path, found in patterns.items():
            regex, _, _ = compile_path(path)
            self._patterns.append((regex, found))

    def match(self, path: str) -> tuple[PathRoutes[S] | None, dict[str, Any] | None]:
        """The routes of ``path`` and its path parameters (None for a path without any)."""
        found = self._exact.get(path)
        if found is not None:
            return found, None
        for regex, candidate in self._patterns:
            matched = regex.match(path)
            if matched is not None:
                return candidate, matched.groupdict()
        return None, None

    async def serve(
        self,
        state: S,
        found: PathRoutes[S] | None,
        params: dict[str, Any] | None,
        path: str,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Run the route of ``found`` for the request's method (``params`` from :meth:`match`)
        and answer what it raises."""
        if found is None:
            await send_reply(send, JSON_ERRORS.render(NotFound(), path))
            return
        route = found.by_method.get(scope["method"])
        if route is None:
            await send_reply(send, JSON_ERRORS.render(MethodNotAllowed(found.allowed), path))
            return
        if params is not None:
            scope["path_params"] = params
        try:
            await route.endpoint(state, scope, receive, send)
        except ApiError as error:
            await send_reply(send, found.family.errors.render(error, path))
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await send_reply(send, JSON_ERRORS.render(InternalError(), path))


def request_endpoint(handler: Callable[[S, Request], Awaitable[Response]]) -> Endpoint[S]:
    """An endpoint for a handler that reads a Starlette ``Request`` and returns a ``Response``."""

    async def endpoint(state: S, scope: Scope, receive: Receive, send: Send) -> None:
        response = await handler(state, Request(scope, receive))
        await response(scope, receive, send)

    return endpoint
