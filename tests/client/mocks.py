"""A fake CustomerGauge for MockTransport tests: a token endpoint plus a per-test handler."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import httpx

BASE = "https://og.test"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Issues tokens ``t1``, ``t2``... and passes every other request to ``handler``."""

    def __init__(self, handler: Handler | None = None, expires_in: int = 3600) -> None:
        self.handler = handler or (lambda request: httpx.Response(200))
        self.expires_in = expires_in
        self.tokens = 0
        self.requests: list[httpx.Request] = []
        self._numbers = itertools.count(1)

    def token_response(self) -> httpx.Response:
        self.tokens += 1
        token = f"t{next(self._numbers)}"
        return httpx.Response(
            200, json={"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return self.token_response()
        # The auth flow re-sends the same request object: keep a copy of what was sent.
        self.requests.append(
            httpx.Request(
                request.method, request.url, headers=request.headers, content=request.content
            )
        )
        return self.handler(request)
