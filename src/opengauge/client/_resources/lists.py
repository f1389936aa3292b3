"""The 4.1 unsubscribe and bounce lists (``/v4.1/lists/unsubscribe``, ``/v4.1/lists/bounce``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from functools import partial
from typing import Any

import httpx

from opengauge.client._core import Call, Family, Operation, present, v41_data
from opengauge.client._paging import aiter_pages, iter_pages
from opengauge.client._resources import AsyncResource, Resource
from opengauge.client._types import Bounce, Unsubscribe

UNSUBSCRIBE = "/v4.1/lists/unsubscribe.json"
BOUNCE = "/v4.1/lists/bounce.json"
#: The largest page each list gives; asking for more gets this many.
MAX_LIMIT = 1000

DateArg = str | date | datetime | None


def v41_list(
    path: str, start: int, limit: int, since: DateArg, until: DateArg, **extra: int | None
) -> Call:
    """A paged 4.1 GET with its optional date range."""
    query = present(start=start, limit=limit, date_range_from=since, date_range_to=until, **extra)
    return Call("GET", Family.API, path, auth="v41", params=tuple(query.items()))


def list_unsubscribes(
    start: int, limit: int, since: DateArg, until: DateArg
) -> Operation[list[Unsubscribe]]:
    return Operation(v41_list(UNSUBSCRIBE, start, limit, since, until), _unsubscribes)


def add_unsubscribe(email: str) -> Operation[None]:
    call = Call("POST", Family.API, UNSUBSCRIBE, auth="v41", data={"email": email})
    return Operation(call, v41_data)


def list_bounces(start: int, limit: int, since: DateArg, until: DateArg) -> Operation[list[Bounce]]:
    return Operation(v41_list(BOUNCE, start, limit, since, until), _bounces)


def _unsubscribes(response: httpx.Response) -> list[Unsubscribe]:
    items: list[dict[str, Any]] = v41_data(response)
    return [Unsubscribe(str(i["Email"]), str(i["Date"]), str(i["User"])) for i in items]


def _bounces(response: httpx.Response) -> list[Bounce]:
    items: list[dict[str, Any]] = v41_data(response)
    return [
        Bounce(str(i["Email"]), str(i["Type"]), str(i["Reason"]), str(i["Date"])) for i in items
    ]


class Unsubscribes(Resource):
    """The unsubscribe list: addresses that get no survey invitations."""

    def list(
        self,
        *,
        start: int = 0,
        limit: int = 100,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> list[Unsubscribe]:
        """One page, oldest first (``limit`` at most 1000); the date range comes in pairs."""
        operation = list_unsubscribes(start, limit, date_range_from, date_range_to)
        return self._client._execute(operation)

    def iter_all(
        self,
        *,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> Iterator[Unsubscribe]:
        """Every entry, page by page."""
        return iter_pages(
            partial(self.list, date_range_from=date_range_from, date_range_to=date_range_to),
            min(limit, MAX_LIMIT),
        )

    def add(self, email: str) -> None:
        """Put ``email`` on the list; :class:`V41Error` 400403 if it is already there."""
        self._client._execute(add_unsubscribe(email))


class AsyncUnsubscribes(AsyncResource):
    """The unsubscribe list: addresses that get no survey invitations."""

    async def list(
        self,
        *,
        start: int = 0,
        limit: int = 100,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> list[Unsubscribe]:
        """One page, oldest first (``limit`` at most 1000); the date range comes in pairs."""
        operation = list_unsubscribes(start, limit, date_range_from, date_range_to)
        return await self._client._execute(operation)

    def iter_all(
        self,
        *,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> AsyncIterator[Unsubscribe]:
        """Every entry, page by page (``async for``)."""
        return aiter_pages(
            partial(self.list, date_range_from=date_range_from, date_range_to=date_range_to),
            min(limit, MAX_LIMIT),
        )

    async def add(self, email: str) -> None:
        """Put ``email`` on the list; :class:`V41Error` 400403 if it is already there."""
        await self._client._execute(add_unsubscribe(email))


class Bounces(Resource):
    """Bounced addresses (read only)."""

    def list(
        self,
        *,
        start: int = 0,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> list[Bounce]:
        """One page, oldest first (``limit`` at most 1000)."""
        return self._client._execute(list_bounces(start, limit, date_range_from, date_range_to))

    def iter_all(
        self,
        *,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> Iterator[Bounce]:
        """Every bounce, page by page."""
        return iter_pages(
            partial(self.list, date_range_from=date_range_from, date_range_to=date_range_to),
            min(limit, MAX_LIMIT),
        )


class AsyncBounces(AsyncResource):
    """Bounced addresses (read only)."""

    async def list(
        self,
        *,
        start: int = 0,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> list[Bounce]:
        """One page, oldest first (``limit`` at most 1000)."""
        operation = list_bounces(start, limit, date_range_from, date_range_to)
        return await self._client._execute(operation)

    def iter_all(
        self,
        *,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> AsyncIterator[Bounce]:
        """Every bounce, page by page (``async for``)."""
        return aiter_pages(
            partial(self.list, date_range_from=date_range_from, date_range_to=date_range_to),
            min(limit, MAX_LIMIT),
        )
