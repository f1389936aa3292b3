"""Authentication as ``httpx.Auth`` flows: OAuth2 client credentials and the 4.1 API key.

:class:`ClientCredentials` fetches a token from ``POST /oauth2/token``, keeps it, and fetches
a new one shortly before it expires or once when a request is answered 401. Many threads or
tasks that need a token at the same moment wait for one fetch: a ``threading.Lock`` guards the
sync flow, an ``asyncio.Lock`` (one per event loop) the async flow.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass

import httpx

from opengauge.client._errors import OpenGaugeError, decode_body, error_from_response

#: Fetch a new token this many seconds before the old one expires (at most half its life).
REFRESH_MARGIN = 60.0


@dataclass(frozen=True)
class Token:
    """An access token and the moment (on the auth's clock) it stops being used."""

    value: str
    refresh_at: float


class ClientCredentials(httpx.Auth):
    """Bearer tokens from the OAuth2 client-credentials grant, cached and refreshed.

    ``clock`` is monotonic seconds; tests pass their own to move time.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self._clock = clock
        self._token: Token | None = None
        self._sync_lock = threading.Lock()
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
        self._async_locks = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, token_url={self.token_url!r})"

    # -- the pure parts ------------------------------------------------------------------

    def _current(self) -> str | None:
        token = self._token
        if token is None or self._clock() >= token.refresh_at:
            return None
        return token.value

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            },
        )

    def _store(self, response: httpx.Response) -> str:
        """Keep the token of a token response; raise its error otherwise."""
        if not response.is_success:
            raise error_from_response(response)
        body = decode_body(response)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise OpenGaugeError(
                "The token endpoint answered without an access_token.",
                status=response.status_code,
                body=body,
                request=response.request,
            )
        lifetime = float(body.get("expires_in") or 3600)
        margin = min(REFRESH_MARGIN, lifetime / 2)
        self._token = Token(body["access_token"], self._clock() + lifetime - margin)
        return self._token.value

    def _forget(self, value: str) -> None:
        """Drop ``value`` if it is still the cached token (a 401 says it no longer works)."""
        if self._token is not None and self._token.value == value:
            self._token = None

    @staticmethod
    def _authorize(request: httpx.Request, value: str) -> None:
        request.headers["Authorization"] = f"Bearer {value}"

    # -- the flows -----------------------------------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        for attempt in range(2):
            value = self._current()
            if value is None:
                with self._sync_lock:
                    # Another thread may have fetched one while this one waited.
                    value = self._current()
                    if value is None:
                        token_response = yield self._token_request()
                        token_response.read()
                        value = self._store(token_response)
            self._authorize(request, value)
            response = yield request
            if response.status_code != 401 or attempt == 1:
                return
            self._forget(value)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        for attempt in range(2):
            value = self._current()
            if value is None:
                async with self._async_lock():
                    # Another task may have fetched one while this one waited.
                    value = self._current()
                    if value is None:
                        token_response = yield self._token_request()
                        await token_response.aread()
                        value = self._store(token_response)
            self._authorize(request, value)
            response = yield request
            if response.status_code != 401 or attempt == 1:
                return
            self._forget(value)

    async def atoken(self, http: httpx.AsyncClient) -> str:
        """A valid token, fetched with ``http`` when none is cached (one fetch for many
        waiting tasks): for senders that do not run the auth flow."""
        value = self._current()
        if value is None:
            async with self._async_lock():
                value = self._current()
                if value is None:
                    value = self._store(await http.send(self._token_request()))
        return value

    def forget(self, value: str) -> None:
        """Drop ``value`` if it is still the cached token (it was answered 401)."""
        self._forget(value)

    def _async_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._async_locks.get(loop)
        if lock is None:
            lock = self._async_locks[loop] = asyncio.Lock()
        return lock


class ApiKey(httpx.Auth):
    """The 4.1 API key, sent as ``Authorization: api_key <key>``."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __repr__(self) -> str:
        return "ApiKey(<hidden>)"

    @property
    def header(self) -> str:
        """The ``Authorization`` header value."""
        return f"api_key {self._api_key}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.header
        yield request
