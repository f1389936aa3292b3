"""The responses export (``api.{r}.customergauge.com/v7/rest/sync/...``).

``iter()`` runs the documented loop: ask with the cursor of the previous page, keeping every
filter, until a page comes back empty. ``page()`` fetches one page, for callers that run
their own loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import httpx

from opengauge.client._core import Call, ExportFilters, Family, Operation, Period, json_body
from opengauge.client._paging import AsyncExportIterator, ExportIterator
from opengauge.client._resources import AsyncResource, Resource
from opengauge.client._types import ExportPage

RESPONSES: Final = "/v7/rest/sync/responses"
NON_RESPONSES: Final = "/v7/rest/sync/non-responses"


def export_page(path: str, filters: ExportFilters, cursor: int | None) -> Operation[ExportPage]:
    return Operation(Call("GET", Family.API, path, params=filters.params(cursor)), _page)


def _page(response: httpx.Response) -> ExportPage:
    body = json_body(response)
    return ExportPage(data=list(body["data"]), next_cursor=int(body["cursor"]["next"]))


def _filters(per_page: int, period: Period | None, with_: Sequence[str]) -> ExportFilters:
    if isinstance(with_, str):
        raise TypeError("with_ takes a sequence of names, e.g. with_=['properties']")
    return ExportFilters(per_page=per_page, period=period, with_=tuple(with_))


class _Export(Resource):
    _path: str

    def page(
        self,
        *,
        cursor: int | None = None,
        per_page: int = 1000,
        period: Period | None = None,
        with_: Sequence[str] = (),
    ) -> ExportPage:
        """One page of records after ``cursor`` (from the start without one)."""
        filters = _filters(per_page, period, with_)
        return self._client._execute(export_page(self._path, filters, cursor))

    def iter(
        self,
        *,
        cursor: int | None = None,
        per_page: int = 1000,
        period: Period | None = None,
        with_: Sequence[str] = (),
    ) -> ExportIterator:
        """Every record after ``cursor``, page by page; the iterator's ``cursor`` resumes.

        ``with_=["properties"]`` adds segment values; ``period=Period("date_survey_response",
        start=...)`` filters by a date (see docs/export.md).
        """
        filters = _filters(per_page, period, with_)
        return ExportIterator(
            lambda after: self._client._execute(export_page(self._path, filters, after)), cursor
        )


class _AsyncExport(AsyncResource):
    _path: str

    async def page(
        self,
        *,
        cursor: int | None = None,
        per_page: int = 1000,
        period: Period | None = None,
        with_: Sequence[str] = (),
    ) -> ExportPage:
        """One page of records after ``cursor`` (from the start without one)."""
        filters = _filters(per_page, period, with_)
        return await self._client._execute(export_page(self._path, filters, cursor))

    def iter(
        self,
        *,
        cursor: int | None = None,
        per_page: int = 1000,
        period: Period | None = None,
        with_: Sequence[str] = (),
    ) -> AsyncExportIterator:
        """Every record after ``cursor``, page by page (``async for``); the iterator's
        ``cursor`` resumes."""
        filters = _filters(per_page, period, with_)
        return AsyncExportIterator(
            lambda after: self._client._execute(export_page(self._path, filters, after)), cursor
        )


class Responses(_Export):
    """``GET /v7/rest/sync/responses``: answered survey records."""

    _path = RESPONSES


class NonResponses(_Export):
    """``GET /v7/rest/sync/non-responses``: survey records not answered yet."""

    _path = NON_RESPONSES


class AsyncResponses(_AsyncExport):
    """``GET /v7/rest/sync/responses``: answered survey records."""

    _path = RESPONSES


class AsyncNonResponses(_AsyncExport):
    """``GET /v7/rest/sync/non-responses``: survey records not answered yet."""

    _path = NON_RESPONSES
