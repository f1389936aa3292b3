"""``Client`` and ``AsyncClient``: configuration, credentials, retries and the resources.

Both build the same :class:`~opengauge.client._core.Operation` objects and differ only in
how they send them: the retry loop below is the only code written twice.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self, TypeVar

import httpx

from opengauge.client import _retry
from opengauge.client._auth import ApiKey, ClientCredentials
from opengauge.client._core import (
    USER_AGENT,
    Call,
    Hosts,
    Operation,
    build_request,
    encode_call,
    hosts_from,
)
from opengauge.client._errors import connection_error
from opengauge.client._resources.anonymize import Anonymize, AsyncAnonymize
from opengauge.client._resources.export import (
    AsyncNonResponses,
    AsyncResponses,
    NonResponses,
    Responses,
)
from opengauge.client._resources.hierarchy import AsyncHierarchy, Hierarchy
from opengauge.client._resources.imports import (
    Accounts,
    Activities,
    AsyncAccounts,
    AsyncActivities,
    AsyncContracts,
    AsyncRecords,
    Contracts,
    Records,
)
from opengauge.client._resources.lists import AsyncBounces, AsyncUnsubscribes, Bounces, Unsubscribes
from opengauge.client._resources.personal_links import AsyncPersonalLinks, PersonalLinks
from opengauge.client._resources.revenue import AsyncRevenue, Revenue
from opengauge.client._retry import RetryPolicy
from opengauge.client._wire import WirePool

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2


class _Base:
    """What both clients share: hosts, credentials, retry policy (no I/O)."""

    def __init__(
        self,
        *,
        region: str | None,
        base_url: str | None,
        client_id: str | None,
        client_secret: str | None,
        api_key: str | None,
        max_retries: int,
    ) -> None:
        self.hosts: Hosts = hosts_from(region, base_url)
        if (client_id is None) != (client_secret is None):
            raise ValueError("pass client_id and client_secret together")
        if client_id is None and api_key is None:
            raise ValueError("pass client_id and client_secret, or api_key, or both")
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self._bearer = (
            ClientCredentials(client_id, client_secret, self.hosts.token_url)
            if client_id is not None and client_secret is not None
            else None
        )
        self._api_key = ApiKey(api_key) if api_key is not None else None

    def _auth_for(self, call: Call) -> httpx.Auth:
        """The credentials ``call`` needs: the 4.1 suite prefers the API key."""
        if call.auth == "v41" and self._api_key is not None:
            return self._api_key
        if self._bearer is None:
            raise ValueError(
                f"{call.method} {call.path} needs a token: pass client_id and client_secret"
            )
        return self._bearer

    def _request(self, call: Call) -> httpx.Request:
        return build_request(call, self.hosts, {"User-Agent": USER_AGENT})


class Client(_Base):
    """The synchronous OpenGauge / CustomerGauge client.

    Give ``region`` (``"eu"``, ``"us"``, ``"au"``: the real CustomerGauge hosts) or
    ``base_url`` (one OpenGauge server for every family), and ``client_id`` with
    ``client_secret`` and/or ``api_key`` (4.1 suite only). Thread-safe; use it as a
    context manager or call :meth:`close`.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            region=region,
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            api_key=api_key,
            max_retries=max_retries,
        )
        self._http = httpx.Client(timeout=timeout, transport=transport)
        self.records = Records(self)
        self.personal_links = PersonalLinks(self)
        self.accounts = Accounts(self)
        self.contracts = Contracts(self)
        self.activities = Activities(self)
        self.responses = Responses(self)
        self.non_responses = NonResponses(self)
        self.unsubscribes = Unsubscribes(self)
        self.bounces = Bounces(self)
        self.anonymize = Anonymize(self)
        self.hierarchy = Hierarchy(self)
        self.revenue = Revenue(self)

    def _execute(self, operation: Operation[T]) -> T:
        call = operation.call
        auth = self._auth_for(call)
        policy = self.retry_policy
        attempt = 0
        while True:
            try:
                response = self._http.send(self._request(call), auth=auth)
            except httpx.TransportError as exc:
                if not policy.retry_exception(exc, attempt, call.idempotent):
                    raise connection_error(exc) from exc
                _retry.sleep(policy.delay(attempt))
            else:
                if not policy.retry_response(response, attempt, call.idempotent):
                    return operation.parse(response)
                _retry.sleep(policy.delay(attempt, response))
            attempt += 1

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_Base):
    """The asyncio client: the same resources as :class:`Client`, with ``async`` methods
    and ``async for`` iterators. Safe for many concurrent tasks on one event loop.

    ``bulk_connections=N`` sends JSON and form calls over the SDK's own HTTP/1.1 keep-alive
    connections (at most N per host) instead of httpx's pool: about a sixth of the CPU per
    request, for imports of many rows. Everything else stays the same (errors, retries,
    token refresh); file uploads and token requests still go through httpx. TLS uses the
    system's trusted certificates; it cannot be combined with ``transport``.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        bulk_connections: int | None = None,
    ) -> None:
        super().__init__(
            region=region,
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            api_key=api_key,
            max_retries=max_retries,
        )
        if bulk_connections is not None and transport is not None:
            raise ValueError(
                "bulk_connections sends over the SDK's own connections, so a transport= "
                "(proxy, TLS or test settings) would not apply to most calls: pass one or the other"
            )
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._wire = (
            WirePool(max_connections=bulk_connections, timeout=_seconds(timeout))
            if bulk_connections is not None
            else None
        )
        self.records = AsyncRecords(self)
        self.personal_links = AsyncPersonalLinks(self)
        self.accounts = AsyncAccounts(self)
        self.contracts = AsyncContracts(self)
        self.activities = AsyncActivities(self)
        self.responses = AsyncResponses(self)
        self.non_responses = AsyncNonResponses(self)
        self.unsubscribes = AsyncUnsubscribes(self)
        self.bounces = AsyncBounces(self)
        self.anonymize = AsyncAnonymize(self)
        self.hierarchy = AsyncHierarchy(self)
        self.revenue = AsyncRevenue(self)

    async def _execute(self, operation: Operation[T]) -> T:
        call = operation.call
        auth = self._auth_for(call)
        policy = self.retry_policy
        attempt = 0
        while True:
            try:
                if self._wire is not None and not call.files:
                    response = await self._send_wire(self._wire, call, auth)
                else:
                    response = await self._http.send(self._request(call), auth=auth)
            except httpx.TransportError as exc:
                if not policy.retry_exception(exc, attempt, call.idempotent):
                    raise connection_error(exc) from exc
                await _retry.asleep(policy.delay(attempt))
            else:
                if not policy.retry_response(response, attempt, call.idempotent):
                    return operation.parse(response)
                await _retry.asleep(policy.delay(attempt, response))
            attempt += 1

    async def _send_wire(self, wire: WirePool, call: Call, auth: httpx.Auth) -> httpx.Response:
        """``call`` over the lean pool, with the auth flow's behaviour: the cached token, and
        one new token when it is answered 401."""
        url, headers, body = encode_call(call, self.hosts)
        if isinstance(auth, ApiKey):
            headers.append(("Authorization", auth.header))
            return await wire.send(call.method, url, headers, body, idempotent=call.idempotent)
        assert isinstance(auth, ClientCredentials)
        for attempt in range(2):
            value = await auth.atoken(self._http)
            authorized = [*headers, ("Authorization", f"Bearer {value}")]
            response = await wire.send(
                call.method, url, authorized, body, idempotent=call.idempotent
            )
            if response.status_code != 401 or attempt == 1:
                break
            auth.forget(value)
        return response

    async def aclose(self) -> None:
        """Close the connections."""
        if self._wire is not None:
            await self._wire.aclose()
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _seconds(timeout: float | httpx.Timeout | None) -> float:
    """One number for the lean pool: the longest of an ``httpx.Timeout``'s parts."""
    if timeout is None:
        return DEFAULT_TIMEOUT * 10  # "no timeout": the lean pool still gives up, much later
    if isinstance(timeout, httpx.Timeout):
        parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        return max((p for p in parts if p is not None), default=DEFAULT_TIMEOUT)
    return float(timeout)
