"""4.1 revenue files: ``POST company/revenue_file_automate`` and ``GET file/company-revenue``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from opengauge.client._core import Call, Family, Operation, check, v41_data
from opengauge.client._errors import decode_body
from opengauge.client._paging import aiter_pages, iter_pages
from opengauge.client._resources import AsyncResource, Resource
from opengauge.client._resources.lists import MAX_LIMIT, DateArg, v41_list
from opengauge.client._types import RevenueUpload

UPLOAD = "/v4.1/company/revenue_file_automate.json"
UPLOADS = "/v4.1/file/company-revenue.json"

FileArg = str | os.PathLike[str] | bytes


def upload_revenue(file: FileArg, filename: str | None) -> Operation[bool]:
    if isinstance(file, bytes):
        content, name = file, filename or "revenue.csv"
    else:
        path = Path(file)
        content, name = path.read_bytes(), filename or path.name
    call = Call(
        "POST", Family.API, UPLOAD, auth="v41", files={"file": (name, content)}, idempotent=False
    )
    return Operation(call, _stored)


def _stored(response: httpx.Response) -> bool:
    # A refused file is 400 {"Data": false}: an answer about the file, not an error.
    if response.status_code == 400 and decode_body(response) == {"Data": False}:
        return False
    check(response)
    return True


def list_uploads(
    id: int | None, start: int, limit: int, since: DateArg, until: DateArg
) -> Operation[list[RevenueUpload]]:
    return Operation(v41_list(UPLOADS, start, limit, since, until, id=id), _uploads)


def _uploads(response: httpx.Response) -> list[RevenueUpload]:
    items: list[dict[str, Any]] = v41_data(response)
    return [
        RevenueUpload(
            id=int(i["id"]),
            status=str(i["status"]),
            source_filename=str(i["source_filename"]),
            date_upload=str(i["date_upload"]),
            total_records=int(i["total_records"]),
            successful_records=int(i["successful_records"]),
            unsuccessful_records=int(i["unsuccessful_records"]),
            logs=[str(line) for line in i["logs"]],
        )
        for i in items
    ]


class Revenue(Resource):
    """Revenue files: all rows stored, or none."""

    def upload(self, file: FileArg, filename: str | None = None) -> bool:
        """Upload a CSV or XLSX file (a path, or bytes with ``filename``).

        True when every row was stored; False when the file was refused, and then
        :meth:`list_uploads` shows why in the upload's ``logs``.
        """
        return self._client._execute(upload_revenue(file, filename))

    def list_uploads(
        self,
        *,
        id: int | None = None,
        start: int = 0,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> list[RevenueUpload]:
        """The uploads, oldest first; ``id`` narrows to one."""
        return self._client._execute(list_uploads(id, start, limit, date_range_from, date_range_to))

    def iter_uploads(
        self,
        *,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> Iterator[RevenueUpload]:
        """Every upload, page by page."""
        return iter_pages(
            partial(
                self.list_uploads, date_range_from=date_range_from, date_range_to=date_range_to
            ),
            min(limit, MAX_LIMIT),
        )


class AsyncRevenue(AsyncResource):
    """Revenue files: all rows stored, or none."""

    async def upload(self, file: FileArg, filename: str | None = None) -> bool:
        """Upload a CSV or XLSX file (a path, or bytes with ``filename``).

        True when every row was stored; False when the file was refused, and then
        :meth:`list_uploads` shows why in the upload's ``logs``.
        """
        return await self._client._execute(upload_revenue(file, filename))

    async def list_uploads(
        self,
        *,
        id: int | None = None,
        start: int = 0,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> list[RevenueUpload]:
        """The uploads, oldest first; ``id`` narrows to one."""
        return await self._client._execute(
            list_uploads(id, start, limit, date_range_from, date_range_to)
        )

    def iter_uploads(
        self,
        *,
        limit: int = MAX_LIMIT,
        date_range_from: DateArg = None,
        date_range_to: DateArg = None,
    ) -> AsyncIterator[RevenueUpload]:
        """Every upload, page by page (``async for``)."""
        return aiter_pages(
            partial(
                self.list_uploads, date_range_from=date_range_from, date_range_to=date_range_to
            ),
            min(limit, MAX_LIMIT),
        )
