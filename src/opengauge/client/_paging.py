"""Iterators that page through the export (by cursor) and the 4.1 lists (by start/limit)."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Protocol, TypeVar

from opengauge.client._types import ExportPage, ExportRecord

T = TypeVar("T")


class ExportIterator(Iterator[ExportRecord]):
    """Records page after page, until a page comes back empty.

    ``cursor`` is the ``number_customergauge`` of the last record handed out (or the
    server's cursor after the last, empty page): store it and pass it as ``cursor=`` to
    carry on later from exactly the next record.
    """

    def __init__(self, fetch: Callable[[int | None], ExportPage], cursor: int | None) -> None:
        self._fetch = fetch
        self.cursor = cursor
        self._buffer: deque[ExportRecord] = deque()
        self._done = False

    def __iter__(self) -> ExportIterator:
        return self

    def __next__(self) -> ExportRecord:
        while not self._buffer:
            if self._done:
                raise StopIteration
            page = self._fetch(self.cursor)
            if not page.data:
                self._done = True
                self.cursor = page.next_cursor
                raise StopIteration
            self._buffer.extend(page.data)
        record = self._buffer.popleft()
        self.cursor = int(record["number_customergauge"])
        return record


class AsyncExportIterator(AsyncIterator[ExportRecord]):
    """The async twin of :class:`ExportIterator` (``async for``)."""

    def __init__(
        self, fetch: Callable[[int | None], Awaitable[ExportPage]], cursor: int | None
    ) -> None:
        self._fetch = fetch
        self.cursor = cursor
        self._buffer: deque[ExportRecord] = deque()
        self._done = False

    def __aiter__(self) -> AsyncExportIterator:
        return self

    async def __anext__(self) -> ExportRecord:
        while not self._buffer:
            if self._done:
                raise StopAsyncIteration
            page = await self._fetch(self.cursor)
            if not page.data:
                self._done = True
                self.cursor = page.next_cursor
                raise StopAsyncIteration
            self._buffer.extend(page.data)
        record = self._buffer.popleft()
        self.cursor = int(record["number_customergauge"])
        return record


class PageFetch(Protocol[T]):
    """A 4.1 list method: one page from ``start`` of at most ``limit`` items."""

    def __call__(self, *, start: int, limit: int) -> list[T]: ...


class AsyncPageFetch(Protocol[T]):
    """The async twin of :class:`PageFetch`."""

    def __call__(self, *, start: int, limit: int) -> Awaitable[list[T]]: ...


def iter_pages(fetch: PageFetch[T], limit: int) -> Iterator[T]:
    """Every item of a 4.1 list: pages of ``limit`` from ``start`` 0 until a short page."""
    start = 0
    while True:
        page = fetch(start=start, limit=limit)
        yield from page
        if len(page) < limit:
            return
        start += len(page)


async def aiter_pages(fetch: AsyncPageFetch[T], limit: int) -> AsyncIterator[T]:
    """The async twin of :func:`iter_pages`."""
    start = 0
    while True:
        page = await fetch(start=start, limit=limit)
        for item in page:
            yield item
        if len(page) < limit:
            return
        start += len(page)
