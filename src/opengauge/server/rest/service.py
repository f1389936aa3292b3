"""The export use case: one page of responses or non-responses after a cursor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from opengauge.server.auth.service import require_active_app
from opengauge.server.rest import schemas
from opengauge.server.rest.schemas import ExportQuery
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import drivers, exports
from opengauge.server.storage.repositories.exports import ExportRow
from opengauge.server.tokens import Claims

#: (rows, with[], public URL, the labels of the drivers each record chose) -> wire records.
Render = Callable[[list[ExportRow], frozenset[str], str, Mapping[int, list[str]]], schemas.Data]


@dataclass(frozen=True, slots=True)
class Stream:
    """Which records an endpoint exports, and how they look on the wire."""

    responded: bool
    render: Render


RESPONSES = Stream(responded=True, render=schemas.responses)
NON_RESPONSES = Stream(responded=False, render=schemas.non_responses)


@dataclass(frozen=True, slots=True)
class PageRows:
    """What the operation read: the checked query, the page's rows and, with
    ``with[]=drivers`` on responses, the labels of the drivers each record chose."""

    query: ExportQuery
    rows: list[ExportRow]
    drivers: Mapping[int, list[str]] = field(default_factory=dict)


def read_page(params: dict[str, Any], claims: Claims, stream: Stream) -> Callable[[Tx], PageRows]:
    """An operation that checks the app and the query, then reads one page: one query, and
    one more for the page's drivers when they are asked for (responses only: a record without
    a response has chosen none)."""

    def operation(tx: Tx) -> PageRows:
        require_active_app(tx, claims)
        query = schemas.read_export_query(params)
        rows = exports.page(
            tx,
            claims.system_id,
            responded=stream.responded,
            after=query.after,
            limit=query.per_page,
            period=query.period,
        )
        chosen: Mapping[int, list[str]] = {}
        if rows and stream.responded and schemas.DRIVERS in query.expand:
            chosen = drivers.labels_of_records(tx, claims.system_id, rows[0].id, rows[-1].id)
        return PageRows(query, rows, chosen)

    return operation


def encode_page(stream: Stream, base_url: str) -> Callable[[PageRows], bytes]:
    """The answer's JSON body for a page that was read.

    Meant for :meth:`Database.read_then <opengauge.server.storage.database.Database.read_then>`:
    it runs on the reader thread once the read's transaction has ended. A 1,000-record page
    takes a few milliseconds of CPU, which on the event loop would hold every other request up
    in one piece, and inside the transaction would hold the export's lock on PostgreSQL, which
    survey-record writes wait for.
    """

    def encode(page: PageRows) -> bytes:
        return msgspec.json.encode(render_page(page, stream, base_url))

    return encode


def render_page(page: PageRows, stream: Stream, base_url: str) -> schemas.Page:
    """The answer; ``next`` is the last id returned, else the cursor given (0 when none)."""
    query, rows = page.query, page.rows
    next_cursor = rows[-1].id if rows else query.after
    return schemas.Page(
        data=stream.render(rows, query.expand, base_url, page.drivers),
        cursor=schemas.Cursor(next_cursor),
    )
