"""Survey records for the responses and non-responses export, one page per query.

A page is every column the export shows, with the contact, account and touchpoint joined in,
for one system, after an id, in id order. See ``docs/export.md`` for why a client that keeps
the last id it received sees every record exactly once, and for the PostgreSQL guard below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple

from opengauge.server.storage.transaction import Tx

PeriodColumn = Literal["date_creation", "date_order", "date_sent", "date_response"]

#: How long an export waits on PostgreSQL for survey-record writes still in flight; past it
#: the page fails (503, retried by the client) rather than holding every writer back.
IN_FLIGHT_WAIT = "1s"

_MIDNIGHT = " 00:00:00"


@dataclass(frozen=True, slots=True)
class Period:
    """Records whose ``column`` lies between ``start`` and ``end`` (inclusive, UTC).

    Bounds are ``YYYY-MM-DD HH:MM:SS``; None leaves that side open.
    """

    column: PeriodColumn
    start: str | None
    end: str | None


class ExportRow(NamedTuple):
    """One survey record as the export shows it; dates in the storage format.

    A named tuple, made from the query's row as it is: a page builds a thousand of them, and
    a frozen dataclass took three times as long.
    """

    id: int
    number_customer: str | None
    number_order: str | None
    email: str | None
    phone: str | None
    nps: int | None
    comment: str | None
    date_creation: str
    date_order: str | None
    date_sent: str | None
    date_response: str | None
    touchpoint: str | None
    delivery_vector: str
    link_code: str | None
    first_name: str | None
    last_name: str | None
    account_name: str | None
    account_number: str | None
    #: Segment values as stored: a JSON object {segment name: value}.
    segments: str


_SELECT = (
    "SELECT r.id, c.number, r.number_order, c.email, c.phone, r.nps, r.comment,"
    " r.date_creation, r.date_order, r.date_sent, r.date_response, t.name,"
    " r.delivery_vector, r.link_code, c.first_name, c.last_name, a.name, a.number, r.segments"
    " FROM survey_records r"
    " JOIN contacts c ON c.id = r.contact_id"
    # A record imported without an account belongs to its contact's account.
    " LEFT JOIN accounts a ON a.id = COALESCE(r.account_id, c.account_id)"
    " LEFT JOIN touchpoints t ON t.id = r.touchpoint_id"
    " WHERE r.system_id = ? AND r.id > ? AND r.date_response IS {answered}NULL{period}"
    " ORDER BY r.id LIMIT ?"
)


def page(
    tx: Tx,
    system_id: int,
    *,
    responded: bool,
    after: int,
    limit: int,
    period: Period | None = None,
) -> list[ExportRow]:
    """Up to ``limit`` records of the system with an id above ``after``, lowest id first.

    ``responded`` picks responses (``date_response`` set) or non-responses.
    """
    params: list[object] = [system_id, after]
    condition = ""
    if period is not None:
        condition, bounds = _period_condition(period)
        params.extend(bounds)
    params.append(limit)
    sql = _SELECT.format(answered="NOT " if responded else "", period=condition)
    if tx.is_postgres:
        _wait_for_writes_in_flight(tx)
    else:
        # One writer at a time: every id handed out so far is committed once it is done.
        tx.settle_sqlite_writes()
    return list(map(ExportRow._make, tx.all(sql, params)))


def _period_condition(period: Period) -> tuple[str, list[str]]:
    """The SQL condition (on a fixed column name) and its parameters."""
    column = f"r.{period.column}"
    start, end = period.start, period.end
    if period.column == "date_order":
        # A date is compared as that day at midnight.
        if start is not None:
            start = _first_date_at_or_after(start)
        if end is not None:
            end = end[:10]
    condition, bounds = "", []
    if start is not None:
        condition += f" AND {column} >= ?"
        bounds.append(start)
    if end is not None:
        condition += f" AND {column} <= ?"
        bounds.append(end)
    return condition, bounds


def _first_date_at_or_after(moment: str) -> str:
    day = moment[:10]
    if moment[10:] in ("", _MIDNIGHT):
        return day
    if day == date.max.isoformat():
        # Later than the last day of the calendar: a bound no stored date reaches.
        return "9999-12-32"
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _wait_for_writes_in_flight(tx: Tx) -> None:
    """Wait until no other transaction holds an uncommitted survey-record id.

    PostgreSQL hands out ids when rows are inserted but they become visible at commit, so a
    lower id can appear after a higher one was exported, behind the client's cursor. Every
    transaction that took an id holds ROW EXCLUSIVE on the table until it ends; SHARE conflicts
    with it, so once granted every id handed out so far is committed (or rolled back), and the
    page's query, which takes its snapshot after this, sees them all. Ids handed out later are
    higher than all of them. The lock lasts until the page's transaction commits, milliseconds.
    """
    previous = tx.scalar("SELECT current_setting('lock_timeout')")
    tx.scalar("SELECT set_config('lock_timeout', ?, true)", (IN_FLIGHT_WAIT,))
    tx.write("LOCK TABLE survey_records IN SHARE MODE")
    tx.scalar("SELECT set_config('lock_timeout', ?, true)", (previous,))
